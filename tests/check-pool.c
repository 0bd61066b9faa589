/* Pooling: forward against the double reference (values and indices), backward
 * against central finite differences of that reference, global pooling, and bad
 * input. CLNN_TEST_SMALL=1 keeps every plane at most 9 x 9 (23 x 25 for the
 * work-group reduction of global pooling). */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

static const clnn_pool_mode modes[] = {CLNN_POOL_MAX, CLNN_POOL_AVERAGE_EXCLUDE_PAD,
                                       CLNN_POOL_AVERAGE_INCLUDE_PAD};
#define MODE_COUNT 3

/* Forward tolerances: max pooling copies an element, so it must be exact;
 * average pooling sums at most 49 fp32 values of magnitude <= 1 (error a few ulp
 * of the sum), hence rtol 1e-5 with atol 1e-6 for means near 0. */
#define AVG_RTOL 1e-5
#define AVG_ATOL 1e-6

static size_t count4(const int64_t d[4]) { return (size_t)(d[0] * d[1] * d[2] * d[3]); }

/* The reference geometry; false when the window does not fit (the library must
 * then refuse it, which the caller checks). */
static int make_ref(clnn_pool_mode mode, const clnn_window2d *w, const int64_t xd[4],
                    ref_pool *p)
{
    int64_t oh, ow, pads[4];
    if (clnn_window2d_output(w, xd[2], xd[3], &oh, &ow, pads) != CLNN_SUCCESS) return 0;
    for (int i = 0; i < 4; i++)
        if (pads[i] >= w->dilations[i % 2] * (w->kernel[i % 2] - 1) + 1) return 0;
    *p = (ref_pool){mode, xd[0], xd[1], xd[2], xd[3], oh, ow, w->kernel[0], w->kernel[1],
                    w->strides[0], w->strides[1], w->dilations[0], w->dilations[1],
                    pads[0], pads[1], pads[2], pads[3]};
    return 1;
}

/* A device buffer holding `n` floats at element offset `off` (the rest zero). */
static cl_mem upload_at(const float *x, size_t n, size_t off)
{
    float *padded = harness_alloc((n + off) * sizeof *padded);
    memcpy(padded + off, x, n * sizeof *x);
    return harness_upload(padded, (n + off) * sizeof *padded);
}

/* An output buffer pre-filled with 0xff bytes (NaN floats, -1 indices), so a
 * missed write shows; initialising it on the host also keeps oclgrind's shadow
 * memory right when a new buffer reuses a released smaller one (oclgrind 21.10
 * otherwise reports kernel-written data past the old size as uninitialised). */
static cl_mem output_buffer(size_t bytes)
{
    unsigned char *fill = harness_alloc(bytes);
    memset(fill, 0xff, bytes);
    return harness_upload(fill, bytes);
}

static clnn_tensor_desc int_desc(const int64_t d[4])
{
    clnn_tensor_desc desc;
    harness_expect_ok(clnn_tensor_desc_set(&desc, CLNN_INT32, 4, d));
    return desc;
}

static void expect_indices(const int *got, const int *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s: index %zu of %zu is %d, expected %d", what, i, n,
                      got[i], want[i]);
}

/* Tie-free input for finite differences: a permutation of multiples of 0.01
 * (gaps far above the step h = 1e-5). */
static float *distinct_input(size_t n, uint32_t seed)
{
    float *x = harness_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((i * 7919 + seed) % n) * 0.01f - 0.005f * (float)n;
    return x;
}

/* Runs pool2d forward on `x` at non-zero offsets and compares y (and indices for
 * max) with the reference; `p` is the geometry make_ref() accepted. */
static void check_forward_data(const ref_pool *p, const clnn_window2d *w, const float *x,
                               int with_idx, uint32_t seed, const char *what)
{
    with_idx = with_idx && p->mode == CLNN_POOL_MAX; /* only max pooling has indices */
    const int64_t xd[4] = {p->n, p->c, p->h, p->w}, yd[4] = {p->n, p->c, p->oh, p->ow};
    size_t nx = count4(xd), ny = count4(yd);
    size_t xo = 1 + seed % 5, yo = 2 + seed % 7, io = 3 + seed % 3;
    cl_mem xb = upload_at(x, nx, xo), yb = output_buffer((ny + yo) * 4);
    cl_mem ib = with_idx ? output_buffer((ny + io) * 4) : NULL;
    clnn_tensor_desc xdesc = harness_desc(4, xd), ydesc, idesc = int_desc(yd);
    harness_expect_ok(clnn_pool2d_output_desc(p->mode, w, &xdesc, &ydesc));
    ck_assert_msg(ydesc.rank == 4 && ydesc.dims[2] == p->oh && ydesc.dims[3] == p->ow,
                  "%s: output desc", what);
    harness_expect_ok(clnn_pool2d_forward(harness_ctx(), p->mode, w, &xdesc, xb, xo * 4,
                                          &ydesc, yb, yo * 4, with_idx ? &idesc : NULL, ib,
                                          io * 4));
    float *y = harness_alloc(ny * sizeof *y);
    harness_download(yb, yo * 4, y, ny * 4);
    double *want = harness_alloc(ny * sizeof *want);
    int *want_idx = harness_alloc(ny * sizeof *want_idx);
    ref_pool2d_forward(p, gradcheck_to_double(x, nx), want, want_idx);
    if (p->mode == CLNN_POOL_MAX)
        harness_expect_close(y, want, ny, 0, 0, what);
    else
        harness_expect_close(y, want, ny, AVG_RTOL, AVG_ATOL, what);
    if (with_idx) {
        int *got_idx = harness_alloc(ny * sizeof *got_idx);
        harness_download(ib, io * 4, got_idx, ny * 4);
        expect_indices(got_idx, want_idx, ny, what);
    }
}

/* Random input; windows that cannot fit must be refused with CLNN_INVALID_VALUE. */
static void check_forward(clnn_pool_mode mode, clnn_window2d w, const int64_t xd[4],
                          int with_idx, uint32_t seed, const char *what)
{
    ref_pool p;
    clnn_tensor_desc xdesc = harness_desc(4, xd), ydesc;
    if (!make_ref(mode, &w, xd, &p)) {
        harness_expect_status(clnn_pool2d_output_desc(mode, &w, &xdesc, &ydesc),
                              CLNN_INVALID_VALUE);
        return;
    }
    float *x = harness_alloc(count4(xd) * sizeof *x);
    harness_random(x, count4(xd), seed, -1, 1);
    check_forward_data(&p, &w, x, with_idx, seed, what);
}

static const int64_t sweep_kernels[] = {1, 2, 3, 5, 7};

START_TEST(forward_window_sweep)
{
    /* kernel sweep_kernels[_i] x strides 1-3 x pads (none, 1, asymmetric) x ceil_mode
     * x every mode, on a plane that exercises the vector path and its edges. */
    const int64_t big[4] = {2, 3, 31, 28}, tiny[4] = {1, 1, 5, 5}, small[4] = {1, 3, 9, 9};
    const int64_t *shapes[2] = {small_mode ? small : big, tiny};
    int64_t k = sweep_kernels[_i];
    const int64_t pad_sets[3][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 1, 0}};
    uint32_t seed = 1;
    for (int s = 1; s <= 3; s++)
        for (int pi = 0; pi < 3; pi++)
            for (int ceil = 0; ceil < 2; ceil++)
                for (int m = 0; m < MODE_COUNT; m++)
                    for (int sh = 0; sh < 2; sh++) {
                        clnn_window2d w = clnn_window2d_square(k, s, 0);
                        memcpy(w.pads, pad_sets[pi], sizeof w.pads);
                        w.ceil_mode = ceil;
                        check_forward(modes[m], w, shapes[sh], (int)(seed % 2), seed,
                                      "forward sweep");
                        seed++;
                    }
}
END_TEST

START_TEST(forward_auto_pad_and_rectangles)
{
    const int64_t xd[4] = {2, 3, small_mode ? 9 : 28, small_mode ? 8 : 31};
    const clnn_auto_pad autos[] = {CLNN_PAD_SAME_UPPER, CLNN_PAD_SAME_LOWER, CLNN_PAD_VALID};
    uint32_t seed = 100;
    for (int a = 0; a < 3; a++)
        for (int64_t k = 2; k <= 5; k++)
            for (int s = 1; s <= 3; s++)
                for (int m = 0; m < MODE_COUNT; m++) {
                    clnn_window2d w = clnn_window2d_square(k, s, 0);
                    w.auto_pad = autos[a];
                    check_forward(modes[m], w, xd, 1, seed++, "forward auto_pad");
                }
    /* rectangular kernels, strides and asymmetric pads */
    clnn_window2d r = {{3, 5}, {2, 1}, {1, 1}, {2, 0, 1, 4}, CLNN_PAD_EXPLICIT, 0};
    clnn_window2d q = {{1, 3}, {1, 3}, {1, 1}, {0, 2, 0, 1}, CLNN_PAD_EXPLICIT, 1};
    for (int m = 0; m < MODE_COUNT; m++) {
        check_forward(modes[m], r, xd, 1, seed++, "forward 3x5 window");
        check_forward(modes[m], q, xd, 1, seed++, "forward 1x3 window");
    }
}
END_TEST

START_TEST(forward_max_dilation)
{
    const int64_t xd[4] = {1, 7, small_mode ? 9 : 31, small_mode ? 9 : 28};
    uint32_t seed = 300;
    for (int64_t k = 2; k <= 3; k++)
        for (int s = 1; s <= 3; s++)
            for (int p = 0; p <= 2; p++)
                for (int ceil = 0; ceil < 2; ceil++) {
                    clnn_window2d w = clnn_window2d_square(k, s, p);
                    w.dilations[0] = 2;
                    w.dilations[1] = 1 + (seed % 2) * 2; /* 1 or 3 */
                    w.ceil_mode = ceil;
                    check_forward(CLNN_POOL_MAX, w, xd, 1, seed++, "forward dilated max");
                }
    /* average pooling has no dilation */
    clnn_window2d w = clnn_window2d_square(2, 1, 0);
    w.dilations[1] = 2;
    clnn_tensor_desc xdesc = harness_desc(4, xd), ydesc;
    harness_expect_status(
        clnn_pool2d_output_desc(CLNN_POOL_AVERAGE_EXCLUDE_PAD, &w, &xdesc, &ydesc),
        CLNN_NOT_SUPPORTED);
}
END_TEST

START_TEST(forward_large_shapes)
{
    /* batch and channel counts 1, 3, 7, 64 with the network-sized planes */
    const int64_t a[4] = {2, 64, 56, 56}, b[4] = {1, 64, 28, 28}, c[4] = {3, 7, 31, 31};
    const int64_t sa[4] = {2, 64, 8, 8}, sb[4] = {1, 7, 9, 9}, sc[4] = {3, 3, 1, 1};
    clnn_window2d k3s2 = clnn_window2d_square(3, 2, 1), k3s1 = clnn_window2d_square(3, 1, 1);
    clnn_window2d k5s3 = clnn_window2d_square(5, 3, 0), k1 = clnn_window2d_square(1, 1, 0);
    k5s3.ceil_mode = 1;
    check_forward(CLNN_POOL_MAX, clnn_window2d_square(2, 2, 0), small_mode ? sa : a, 1, 11,
                  "max 2x2/2");
    check_forward(CLNN_POOL_MAX, clnn_window2d_square(2, 2, 0), small_mode ? sa : a, 0, 12,
                  "max 2x2/2 without indices");
    check_forward(CLNN_POOL_AVERAGE_INCLUDE_PAD, k3s2, small_mode ? sa : a, 0, 13, "avg 3x3/2");
    check_forward(CLNN_POOL_MAX, k3s1, small_mode ? sb : b, 1, 14, "max 3x3/1");
    check_forward(CLNN_POOL_AVERAGE_EXCLUDE_PAD, k3s1, small_mode ? sb : b, 0, 15, "avg 3x3/1");
    check_forward(CLNN_POOL_MAX, k5s3, small_mode ? sb : c, 1, 16, "max 5x5/3 ceil");
    check_forward(CLNN_POOL_AVERAGE_INCLUDE_PAD, k5s3, small_mode ? sb : c, 0, 17, "avg 5x5/3");
    for (int m = 0; m < MODE_COUNT; m++)
        check_forward(modes[m], k1, sc, 1, 18, "1x1 planes");
}
END_TEST

START_TEST(max_ties_nan_and_infinity)
{
    /* 1 x 1 x 4 x 4, windows 2x2 stride 1: ties keep the first element in row-major
     * order, NaN propagates, -inf elements still have a real argmax. */
    float x[16];
    for (int i = 0; i < 16; i++) x[i] = 1.0f;
    x[10] = NAN;
    x[12] = x[13] = -INFINITY;
    const int64_t xd[4] = {1, 1, 4, 4};
    clnn_window2d w = clnn_window2d_square(2, 1, 0);
    ref_pool p;
    ck_assert(make_ref(CLNN_POOL_MAX, &w, xd, &p));
    check_forward_data(&p, &w, x, 1, 0, "ties and NaN");
    const int64_t yd[4] = {1, 1, 3, 3};
    clnn_tensor_desc xdesc = harness_desc(4, xd), ydesc = harness_desc(4, yd);
    clnn_tensor_desc idesc = int_desc(yd);
    cl_mem xb = harness_upload(x, sizeof x), yb = output_buffer(36), ib = output_buffer(36);
    harness_expect_ok(clnn_pool2d_forward(harness_ctx(), CLNN_POOL_MAX, &w, &xdesc, xb, 0,
                                          &ydesc, yb, 0, &idesc, ib, 0));
    int idx[9];
    float y[9];
    harness_download(ib, 0, idx, sizeof idx);
    harness_download(yb, 0, y, sizeof y);
    ck_assert_int_eq(idx[0], 0);  /* all ones: the first */
    ck_assert_int_eq(idx[2], 2);
    ck_assert(isnan(y[5]) && idx[5] == 10);
    ck_assert_int_eq(idx[6], 8);  /* window {8, 9, 12, 13}: 1 beats -inf */
}
END_TEST

/* ---- backward */

static void reference_pool(const double *x, double *y, void *params)
{
    ref_pool2d_forward(params, x, y, NULL);
}

typedef struct backward_case {
    clnn_pool_mode mode;
    clnn_window2d w;
    int64_t dims[4];
} backward_case;

static const backward_case backward_cases[] = {
    /* overlapping max windows: stride < kernel, padding, dilation, ceil_mode */
    {CLNN_POOL_MAX, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, CLNN_PAD_EXPLICIT, 0}, {2, 2, 7, 8}},
    {CLNN_POOL_MAX, {{3, 3}, {2, 2}, {1, 1}, {1, 0, 0, 1}, CLNN_PAD_EXPLICIT, 1}, {1, 3, 8, 9}},
    {CLNN_POOL_MAX, {{2, 3}, {1, 2}, {2, 2}, {1, 1, 1, 1}, CLNN_PAD_EXPLICIT, 0}, {1, 2, 9, 9}},
    {CLNN_POOL_MAX, {{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, CLNN_PAD_EXPLICIT, 0}, {2, 1, 6, 9}},
    {CLNN_POOL_MAX, {{5, 5}, {3, 3}, {1, 1}, {0, 0, 0, 0}, CLNN_PAD_SAME_UPPER, 0}, {1, 1, 7, 7}},
    {CLNN_POOL_AVERAGE_EXCLUDE_PAD, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, CLNN_PAD_EXPLICIT, 1},
     {2, 2, 8, 7}},
    {CLNN_POOL_AVERAGE_INCLUDE_PAD, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, CLNN_PAD_EXPLICIT, 1},
     {2, 2, 8, 7}},
    {CLNN_POOL_AVERAGE_INCLUDE_PAD, {{2, 3}, {1, 2}, {1, 1}, {0, 2, 1, 0}, CLNN_PAD_EXPLICIT, 0},
     {1, 3, 5, 9}},
    {CLNN_POOL_AVERAGE_EXCLUDE_PAD, {{3, 2}, {3, 1}, {1, 1}, {0, 0, 0, 0}, CLNN_PAD_SAME_LOWER, 0},
     {1, 1, 9, 8}},
};
#define BACKWARD_CASES (sizeof backward_cases / sizeof backward_cases[0])

START_TEST(backward_matches_finite_differences)
{
    /* The gradient is a sum of at most 9 dy values (each divided by a count): fp32
     * error ~1e-7 relative; central differences of the piecewise-linear reference
     * are exact to ~1e-9. */
    const backward_case *bc = &backward_cases[_i];
    ref_pool p;
    ck_assert(make_ref(bc->mode, &bc->w, bc->dims, &p));
    const int64_t yd[4] = {p.n, p.c, p.oh, p.ow};
    size_t nx = count4(bc->dims), ny = count4(yd);
    float *x = distinct_input(nx, 17 + (uint32_t)_i);
    float *dy = harness_alloc(ny * sizeof *dy);
    harness_random(dy, ny, 5 + (uint32_t)_i, -1, 1);
    double *want = harness_alloc(nx * sizeof *want);
    gradcheck_numeric(reference_pool, &p, gradcheck_to_double(x, nx), nx,
                      gradcheck_to_double(dy, ny), ny, 1e-5, want);

    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc xdesc = harness_desc(4, bc->dims), ydesc = harness_desc(4, yd);
    clnn_tensor_desc idesc = int_desc(yd);
    int is_max = bc->mode == CLNN_POOL_MAX;
    cl_mem xb = harness_upload(x, nx * 4), yb = output_buffer(ny * 4);
    cl_mem ib = is_max ? output_buffer((ny + 2) * 4) : NULL;
    cl_mem dyb = upload_at(dy, ny, 3), dxb = output_buffer((nx + 5) * 4);
    harness_expect_ok(clnn_pool2d_forward(ctx, bc->mode, &bc->w, &xdesc, xb, 0, &ydesc, yb, 0,
                                          is_max ? &idesc : NULL, ib, 8));
    harness_expect_ok(clnn_pool2d_backward(ctx, bc->mode, &bc->w, &ydesc, dyb, 12,
                                           is_max ? &idesc : NULL, ib, 8, &xdesc, dxb, 20));
    float *dx = harness_alloc(nx * sizeof *dx);
    harness_download(dxb, 20, dx, nx * 4);
    harness_expect_close(dx, want, nx, 1e-5, 1e-6, "pool2d backward");
}
END_TEST

/* ---- global pooling */

typedef struct global_params {
    clnn_pool_mode mode;
    long planes, hw;
} global_params;

static void reference_global(const double *x, double *y, void *params)
{
    const global_params *g = params;
    ref_global_pool_forward(g->mode, g->planes, g->hw, x, y, NULL);
}

static void check_global_forward(clnn_pool_mode mode, const int64_t xd[4], int with_idx,
                                 uint32_t seed)
{
    const int64_t yd[4] = {xd[0], xd[1], 1, 1};
    size_t nx = count4(xd), planes = count4(yd), hw = (size_t)(xd[2] * xd[3]);
    float *x = harness_alloc(nx * sizeof *x);
    harness_random(x, nx, seed, -1, 1);
    cl_mem xb = upload_at(x, nx, 3), yb = output_buffer((planes + 1) * 4);
    cl_mem ib = with_idx ? output_buffer((planes + 2) * 4) : NULL;
    clnn_tensor_desc xdesc = harness_desc(4, xd), ydesc = harness_desc(4, yd);
    clnn_tensor_desc idesc = int_desc(yd);
    harness_expect_ok(clnn_global_pool_forward(harness_ctx(), mode, &xdesc, xb, 12, &ydesc, yb,
                                               4, with_idx ? &idesc : NULL, ib, 8));
    float *y = harness_alloc(planes * sizeof *y);
    harness_download(yb, 4, y, planes * 4);
    double *want = harness_alloc(planes * sizeof *want);
    int *want_idx = harness_alloc(planes * sizeof *want_idx);
    ref_global_pool_forward(mode, (long)planes, (long)hw, gradcheck_to_double(x, nx), want,
                            want_idx);
    /* max is exact; a mean of up to 3136 fp32 values in [-1, 1): summation error
     * ~hw * 6e-8 / hw on the mean, covered by atol 1e-6 */
    harness_expect_close(y, want, planes, mode == CLNN_POOL_MAX ? 0 : 1e-5,
                         mode == CLNN_POOL_MAX ? 0 : 1e-6, "global pool forward");
    if (with_idx) {
        int *got = harness_alloc(planes * sizeof *got);
        harness_download(ib, 8, got, planes * 4);
        expect_indices(got, want_idx, planes, "global max indices");
    }
}

START_TEST(global_forward_matches_reference)
{
    /* spatial sizes on both sides of the work-group threshold */
    const int64_t spatial[] = {1, 5, 28, 31, 56}, chans[] = {1, 3, 7, 64};
    const int64_t small_spatial[] = {1, 5, 9}, small_chans[] = {1, 3, 7};
    size_t ns = small_mode ? 3 : 5, nc = small_mode ? 3 : 4;
    uint32_t seed = 500;
    for (size_t s = 0; s < ns; s++)
        for (size_t c = 0; c < nc; c++)
            for (int m = 0; m < MODE_COUNT; m++) {
                int64_t sp = small_mode ? small_spatial[s] : spatial[s];
                int64_t ch = small_mode ? small_chans[c] : chans[c];
                int64_t xd[4] = {1 + (int64_t)(seed % 2), ch, sp, sp + (int64_t)(c % 2)};
                check_global_forward(modes[m], xd, m == 0 && seed % 3 != 0, seed);
                seed++;
            }
    /* a plane for the work-group reduction even in small mode */
    const int64_t large[4] = {1, 2, 23, 25};
    check_global_forward(CLNN_POOL_MAX, large, 1, 7);
    check_global_forward(CLNN_POOL_AVERAGE_INCLUDE_PAD, large, 0, 8);
}
END_TEST

START_TEST(global_backward_matches_finite_differences)
{
    static const int64_t shapes[][4] = {{2, 3, 5, 4}, {1, 2, 23, 25}, {1, 1, 1, 1}};
    for (size_t s = 0; s < 3; s++)
        for (int m = 0; m < MODE_COUNT; m++) {
            const int64_t *xd = shapes[s], yd[4] = {xd[0], xd[1], 1, 1};
            size_t nx = count4(xd), planes = count4(yd);
            global_params gp = {modes[m], (long)planes, (long)(xd[2] * xd[3])};
            float *x = distinct_input(nx, 3 + (uint32_t)s);
            float *dy = harness_alloc(planes * sizeof *dy);
            harness_random(dy, planes, 9 + (uint32_t)s, -1, 1);
            double *want = harness_alloc(nx * sizeof *want);
            gradcheck_numeric(reference_global, &gp, gradcheck_to_double(x, nx), nx,
                              gradcheck_to_double(dy, planes), planes, 1e-5, want);
            clnn_context_t ctx = harness_ctx();
            clnn_tensor_desc xdesc = harness_desc(4, xd), ydesc = harness_desc(4, yd);
            clnn_tensor_desc idesc = int_desc(yd);
            int is_max = m == 0;
            cl_mem xb = harness_upload(x, nx * 4), yb = output_buffer(planes * 4);
            cl_mem ib = is_max ? output_buffer(planes * 4) : NULL;
            cl_mem dyb = upload_at(dy, planes, 1), dxb = output_buffer((nx + 2) * 4);
            harness_expect_ok(clnn_global_pool_forward(ctx, modes[m], &xdesc, xb, 0, &ydesc,
                                                       yb, 0, is_max ? &idesc : NULL, ib, 0));
            harness_expect_ok(clnn_global_pool_backward(ctx, modes[m], &ydesc, dyb, 4,
                                                        is_max ? &idesc : NULL, ib, 0, &xdesc,
                                                        dxb, 8));
            float *dx = harness_alloc(nx * sizeof *dx);
            harness_download(dxb, 8, dx, nx * 4);
            /* dy / hw or a copy of dy: fp32 rounding only */
            harness_expect_close(dx, want, nx, 1e-5, 1e-7, "global pool backward");
        }
}
END_TEST

/* ---- bad input */

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    const int64_t xd[4] = {1, 2, 6, 6}, yd[4] = {1, 2, 3, 3};
    clnn_tensor_desc x = harness_desc(4, xd), y = harness_desc(4, yd), i = int_desc(yd);
    clnn_tensor_desc x3 = HARNESS_DESC(2, 6, 6), wrong_y = HARNESS_DESC(1, 2, 3, 2);
    clnn_tensor_desc y_as_float_idx = y, big_x = HARNESS_DESC(1, 2, 1, 1);
    clnn_window2d w = clnn_window2d_square(2, 2, 0), bad = w, huge = clnn_window2d_square(9, 1, 1);
    clnn_window2d zero_stride = w, neg_stride = w, big_pad = clnn_window2d_square(2, 1, 2);
    zero_stride.strides[0] = 0;
    neg_stride.strides[1] = -1;
    bad.auto_pad = (clnn_auto_pad)7;
    float sentinel[72];
    for (int k = 0; k < 72; k++) sentinel[k] = (float)k;
    cl_mem xb = harness_upload(sentinel, sizeof sentinel), yb = harness_upload(sentinel, 72);
    cl_mem ib = harness_upload(sentinel, 72), dxb = harness_upload(sentinel, sizeof sentinel);
    clnn_pool_mode M = CLNN_POOL_MAX, A = CLNN_POOL_AVERAGE_EXCLUDE_PAD;
    const clnn_pool_mode unknown = (clnn_pool_mode)5;

#define FWD(ctx_, mode_, win_, xd_, xb_, yd_, yb_, id_, ib_)                           \
    clnn_pool2d_forward(ctx_, mode_, win_, xd_, xb_, 0, yd_, yb_, 0, id_, ib_, 0)
    harness_expect_status(FWD(NULL, M, &w, &x, xb, &y, yb, &i, ib), CLNN_NULL_POINTER);
    harness_expect_status(FWD(ctx, unknown, &w, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, NULL, &x, xb, &y, yb, &i, ib), CLNN_NULL_POINTER);
    harness_expect_status(FWD(ctx, M, &w, NULL, xb, &y, yb, &i, ib), CLNN_NULL_POINTER);
    harness_expect_status(FWD(ctx, M, &w, &x, NULL, &y, yb, &i, ib), CLNN_NULL_POINTER);
    harness_expect_status(FWD(ctx, M, &w, &x, xb, &y, NULL, &i, ib), CLNN_NULL_POINTER);
    harness_expect_status(FWD(ctx, M, &w, &x, xb, &y, yb, &i, NULL), CLNN_NULL_POINTER);
    harness_expect_status(FWD(ctx, M, &w, &x3, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &w, &x, xb, &x3, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &w, &x, xb, &wrong_y, yb, &i, ib), CLNN_SHAPE_MISMATCH);
    harness_expect_status(FWD(ctx, M, &w, &x, xb, &y, yb, &y_as_float_idx, ib),
                          CLNN_INVALID_VALUE); /* float32 indices */
    harness_expect_status(FWD(ctx, A, &w, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &zero_stride, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &neg_stride, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &bad, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &huge, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &big_pad, &x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(FWD(ctx, M, &w, &big_x, xb, &y, yb, &i, ib), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_pool2d_forward(ctx, M, &w, &x, xb, 2, &y, yb, 0, NULL, NULL, 0),
                          CLNN_INVALID_VALUE); /* misaligned offset */
    harness_expect_status(clnn_pool2d_forward(ctx, M, &w, &x, xb, 0, &y, yb, 4, NULL, NULL, 0),
                          CLNN_INVALID_VALUE); /* y range past its buffer */
    ck_assert_msg(strstr(clnn_last_error(), "y") != NULL, "%s", clnn_last_error());
#undef FWD

#define BWD(mode_, win_, dyd_, dyb_, id_, ib_, dxd_, dxb_)                             \
    clnn_pool2d_backward(ctx, mode_, win_, dyd_, dyb_, 0, id_, ib_, 0, dxd_, dxb_, 0)
    harness_expect_status(BWD(M, &w, &y, yb, NULL, NULL, &x, dxb), CLNN_NULL_POINTER);
    harness_expect_status(BWD(M, &w, &y, yb, &i, ib, &x, NULL), CLNN_NULL_POINTER);
    harness_expect_status(BWD(M, &w, &wrong_y, yb, &i, ib, &x, dxb), CLNN_SHAPE_MISMATCH);
    harness_expect_status(BWD(M, &w, &y, yb, &y, ib, &x, dxb), CLNN_INVALID_VALUE);
    harness_expect_status(BWD(M, &w, &y, yb, &i, ib, &x3, dxb), CLNN_INVALID_VALUE);
    harness_expect_status(BWD(A, &w, &y, yb, &i, ib, &x, dxb), CLNN_INVALID_VALUE);
    harness_expect_status(BWD(M, &zero_stride, &y, yb, &i, ib, &x, dxb), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_pool2d_backward(NULL, M, &w, &y, yb, 0, &i, ib, 0, &x, dxb, 0),
                          CLNN_NULL_POINTER);
#undef BWD

    const int64_t gd[4] = {1, 2, 1, 1};
    clnn_tensor_desc g = harness_desc(4, gd), gi = int_desc(gd);
    harness_expect_status(clnn_global_pool_forward(NULL, M, &x, xb, 0, &g, yb, 0, NULL, NULL, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_global_pool_forward(ctx, M, &x, xb, 0, &y, yb, 0, NULL, NULL, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_global_pool_forward(ctx, M, &x3, xb, 0, &g, yb, 0, NULL, NULL, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_global_pool_forward(ctx, M, &x, xb, 0, &g, yb, 0, &g, ib, 0),
                          CLNN_INVALID_VALUE); /* float32 indices */
    harness_expect_status(clnn_global_pool_forward(ctx, A, &x, xb, 0, &g, yb, 0, &gi, ib, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_global_pool_forward(ctx, unknown, &x, xb, 0, &g, yb, 0, NULL,
                                                   NULL, 0), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_global_pool_forward(ctx, M, &x, NULL, 0, &g, yb, 0, NULL, NULL, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_global_pool_backward(ctx, M, &g, yb, 0, NULL, NULL, 0, &x, dxb, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_global_pool_backward(ctx, A, &y, yb, 0, NULL, NULL, 0, &x, dxb, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_global_pool_backward(ctx, M, &g, yb, 0, &gi, ib, 0, NULL, dxb, 0),
                          CLNN_NULL_POINTER);

    /* output-size queries */
    clnn_tensor_desc out = y;
    harness_expect_status(clnn_pool2d_output_desc(M, &w, &x, NULL), CLNN_NULL_POINTER);
    harness_expect_status(clnn_pool2d_output_desc(M, NULL, &x, &out), CLNN_NULL_POINTER);
    harness_expect_status(clnn_pool2d_output_desc(M, &huge, &x, &out), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_pool2d_output_desc(M, &w, &i, &out), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_pool2d_output_desc(unknown, &w, &x, &out), CLNN_INVALID_VALUE);
    ck_assert_mem_eq(&out, &y, sizeof out);

    /* nothing was written */
    float after[72];
    harness_download(yb, 0, after, 72);
    ck_assert_mem_eq(after, sentinel, 72);
    harness_download(ib, 0, after, 72);
    ck_assert_mem_eq(after, sentinel, 72);
    harness_download(dxb, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("pool");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_window_sweep, 0,
                        (int)(sizeof sweep_kernels / sizeof sweep_kernels[0]));
    tcase_add_test(tc, forward_auto_pad_and_rectangles);
    tcase_add_test(tc, forward_max_dilation);
    tcase_add_test(tc, forward_large_shapes);
    tcase_add_test(tc, max_ties_nan_and_infinity);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, (int)BACKWARD_CASES);
    tc = harness_tcase(s, "global");
    tcase_add_test(tc, global_forward_matches_reference);
    tcase_add_test(tc, global_backward_matches_finite_differences);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
