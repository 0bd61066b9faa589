/* Winograd convolution (CLNN_CONV_ALGO_WINOGRAD): forward against the double
 * reference on odd sizes, paddings, batches and fused bias + activation, with the
 * workspace split into several chunks, and its backward passes (backward data
 * on Winograd where the pads are at most 2); the CLNN_CONV_ALGO override; AUTO's
 * choice; bad input. (check-conv runs it on the shared case list too, with
 * finite-difference checks of its gradients.) */
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct wino_case {
    int64_t n, c, h, w, k;
    int64_t pads[4]; /* top, left, bottom, right */
    int bias;
    clnn_activation act;
} wino_case;

/* Small cases (spatial <= 9, channels <= 9) first: CLNN_TEST_SMALL runs only them. */
static const wino_case cases[] = {
    {1, 1, 1, 1, 1, {1, 1, 1, 1}, 1, CLNN_ACTIVATION_NONE}, /* one pixel */
    {2, 3, 5, 5, 4, {0, 0, 0, 0}, 0, CLNN_ACTIVATION_NONE}, /* 3x3 output: one tile */
    {1, 5, 7, 7, 9, {1, 1, 1, 1}, 1, CLNN_ACTIVATION_RELU},
    {3, 4, 7, 5, 7, {0, 1, 1, 0}, 1, CLNN_ACTIVATION_SIGMOID}, /* asymmetric */
    {2, 8, 6, 9, 3, {2, 2, 2, 2}, 0, CLNN_ACTIVATION_TANH},    /* pad 2 */
    {1, 2, 3, 8, 5, {0, 2, 1, 0}, 1, CLNN_ACTIVATION_NONE},
    /* default mode only (the im2col fallback's CLBlast GEMM + col2im crash
     * oclgrind 21.10's uninitialized-value tracking, see tests/oclgrind.sh) */
    {2, 3, 4, 4, 2, {3, 3, 3, 3}, 1, CLNN_ACTIVATION_NONE}, /* pad 3: dx on im2col */
    {2, 16, 28, 28, 24, {1, 1, 1, 1}, 1, CLNN_ACTIVATION_RELU},
    {1, 7, 31, 31, 13, {1, 0, 0, 1}, 1, CLNN_ACTIVATION_NONE},
    {64, 4, 7, 7, 8, {1, 1, 1, 1}, 1, CLNN_ACTIVATION_RELU}, /* batch 64 */
    {3, 33, 31, 28, 65, {1, 1, 1, 1}, 0, CLNN_ACTIVATION_NONE},
    {2, 32, 14, 14, 64, {0, 0, 0, 0}, 1, CLNN_ACTIVATION_RELU}, /* seed CNN layer 2 */
};
#define CASE_COUNT (int)(sizeof cases / sizeof cases[0])
#define SMALL_CASE_COUNT 6

static clnn_conv2d_desc winograd_desc(const int64_t pads[4])
{
    clnn_conv2d_desc conv = clnn_conv2d_default(1, 0);
    memcpy(conv.window.pads, pads, sizeof conv.window.pads);
    conv.algo = CLNN_CONV_ALGO_WINOGRAD;
    return conv;
}

/* `n` floats of `host` (NaN for an output) after `off` NaNs. */
static cl_mem device_copy(const float *host, size_t n, size_t off)
{
    float *v = harness_alloc((n + off) * sizeof *v);
    for (size_t i = 0; i < n + off; i++) v[i] = i >= off && host ? host[i - off] : NAN;
    return harness_upload(v, (n + off) * sizeof *v);
}

/* A workspace of NaNs: a pass that reads scratch it did not write shows in the
 * result (and oclgrind sees host-written memory). */
static cl_mem nan_workspace(size_t bytes) { return device_copy(NULL, (bytes + 3) / 4, 0); }

/* One case: descriptors, host data in float and double, the reference geometry. */
typedef struct problem {
    clnn_conv2d_desc conv;
    clnn_tensor_desc xd, wd, yd, bd;
    ref_conv r;
    size_t nx, nw, ny;
    float *x, *w, *b, *dy;
    double *xv, *wv, *dyv;
} problem;

static double *widen(const float *v, size_t n)
{
    double *d = harness_alloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

/* n uniform floats in [-1, 1) and (in *wide) the same values as doubles. */
static float *random_pair(size_t n, uint32_t seed, double **wide)
{
    float *v = harness_alloc(n * sizeof *v);
    harness_random(v, n, seed, -1, 1);
    *wide = widen(v, n);
    return v;
}

static void problem_init(problem *p, const wino_case *t, int index)
{
    p->conv = winograd_desc(t->pads);
    p->xd = HARNESS_DESC(t->n, t->c, t->h, t->w);
    p->wd = HARNESS_DESC(t->k, t->c, 3, 3);
    p->bd = HARNESS_DESC(t->k);
    harness_expect_ok(clnn_conv2d_output_desc(&p->conv, &p->xd, &p->wd, &p->yd));
    int64_t oh = p->yd.dims[2], ow = p->yd.dims[3];
    ck_assert(oh == t->h + t->pads[0] + t->pads[2] - 2);
    ck_assert(ow == t->w + t->pads[1] + t->pads[3] - 2);
    p->r = (ref_conv){t->n, t->c, t->h, t->w, t->k, oh, ow, 3, 3, 1, 1, 1, 1,
                      t->pads[0], t->pads[1], 1};
    p->nx = (size_t)(t->n * t->c * t->h * t->w);
    p->nw = (size_t)(t->k * t->c * 9);
    p->ny = (size_t)(t->n * t->k * oh * ow);
    double *bv;
    p->x = random_pair(p->nx, 3 + index, &p->xv);
    p->w = random_pair(p->nw, 5 + index, &p->wv);
    p->b = random_pair((size_t)t->k, 7 + index, &bv);
    p->dy = random_pair(p->ny, 9 + index, &p->dyv);
}

/* Workspace sizes to try: as asked; the least (one image per chunk); a bit more
 * (a partial last chunk). */
static void workspace_sizes(problem *p, size_t sizes[3])
{
    size_t least = ref_conv_winograd_workspace(&p->r, 1);
    harness_expect_ok(clnn_conv2d_workspace_size(harness_ctx(), &p->conv, &p->xd, &p->wd,
                                                 &p->yd, &sizes[0]));
    ck_assert_uint_ge(sizes[0], least);
    sizes[1] = least;
    sizes[2] = least * 2 + 12;
}

START_TEST(forward_matches_reference)
{
    /* Sums of up to 9 * 33 products of values in [-1, 1]; the F(4,3) transforms
     * scale tile values up to ~100x before the sums cancel: 1e-3 relative. */
    const wino_case *t = &cases[_i];
    problem p;
    problem_init(&p, t, _i);
    size_t plane = (size_t)(p.r.oh * p.r.ow);
    double *want = harness_alloc(p.ny * sizeof *want);
    for (size_t i = 0; i < p.ny; i++) want[i] = t->bias ? p.b[(i / plane) % (size_t)t->k] : 0;
    ref_conv2d(REF_CONV_FORWARD, &p.r, p.xv, p.wv, want);
    clnn_activation_desc act = clnn_activation_default(t->act);
    for (size_t i = 0; i < p.ny; i++) want[i] = ref_activation(act, want[i]);
    cl_mem x = device_copy(p.x, p.nx, 1), w = device_copy(p.w, p.nw, 2);
    cl_mem b = t->bias ? device_copy(p.b, (size_t)t->k, 3) : NULL;
    size_t sizes[3];
    workspace_sizes(&p, sizes);
    for (int s = 0; s < 3; s++) {
        cl_mem y = device_copy(NULL, p.ny, 4);
        harness_expect_ok(clnn_conv2d_forward(harness_ctx(), &p.conv, &p.xd, x, 4, &p.wd, w, 8,
                                              &p.bd, b, 12, t->act ? &act : NULL, &p.yd, y,
                                              16, nan_workspace(sizes[s]), sizes[s]));
        float *got = harness_alloc(p.ny * 4);
        harness_download(y, 16, got, p.ny * 4);
        harness_expect_close(got, want, p.ny, 1e-3, 1e-3, "winograd forward");
    }
}
END_TEST

START_TEST(backward_matches_reference)
{
    /* dx runs on Winograd too (dy with the turned filter, pads <= 2) or on im2col
     * (pad 3); dw sums products of transformed tiles over the batch. 1e-3
     * relative as for the forward. */
    problem p;
    problem_init(&p, &cases[_i], _i);
    double *dx_want = harness_alloc(p.nx * sizeof(double));
    double *dw_want = harness_alloc(p.nw * sizeof(double));
    ref_conv2d(REF_CONV_BACKWARD_DATA, &p.r, dx_want, p.wv, p.dyv);
    ref_conv2d(REF_CONV_BACKWARD_WEIGHTS, &p.r, p.xv, dw_want, p.dyv);
    cl_mem x = device_copy(p.x, p.nx, 3);
    cl_mem w = device_copy(p.w, p.nw, 1), dy = device_copy(p.dy, p.ny, 2);
    size_t sizes[3];
    workspace_sizes(&p, sizes);
    for (int s = 0; s < 3; s++) {
        cl_mem dx = device_copy(NULL, p.nx, 3), dw = device_copy(NULL, p.nw, 1);
        harness_expect_ok(clnn_conv2d_backward_data(harness_ctx(), &p.conv, &p.wd, w, 4, &p.yd,
                                                    dy, 8, &p.xd, dx, 12,
                                                    nan_workspace(sizes[s]), sizes[s]));
        harness_expect_ok(clnn_conv2d_backward_weights(
            harness_ctx(), &p.conv, &p.xd, x, 12, &p.yd, dy, 8, &p.wd, dw, 4, NULL, NULL, 0,
            nan_workspace(sizes[s]), sizes[s]));
        float *got = harness_alloc(p.nx * 4);
        harness_download(dx, 12, got, p.nx * 4);
        harness_expect_close(got, dx_want, p.nx, 1e-3, 1e-3, "winograd backward data");
        got = harness_alloc(p.nw * 4);
        harness_download(dw, 4, got, p.nw * 4);
        harness_expect_close(got, dw_want, p.nw, 1e-3, 1e-3, "winograd backward weights");
    }
}
END_TEST

/* Sets CLNN_CONV_ALGO (NULL: unset) and rereads the environment. */
static void set_env_algo(const char *text)
{
    if (text) setenv("CLNN_CONV_ALGO", text, 1);
    else unsetenv("CLNN_CONV_ALGO");
    clnn_env_reload();
}

START_TEST(env_override_replaces_auto)
{
    clnn_conv2d_desc conv = clnn_conv2d_default(1, 1), forced = conv;
    forced.algo = CLNN_CONV_ALGO_IM2COL_GEMM;
    clnn_tensor_desc xd = HARNESS_DESC(2, 4, 9, 9), wd = HARNESS_DESC(3, 4, 3, 3);
    clnn_tensor_desc w5 = HARNESS_DESC(3, 4, 5, 5), yd = HARNESS_DESC(2, 3, 9, 9);
    clnn_conv_algo algo;
    set_env_algo("winograd");
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_WINOGRAD);
    harness_expect_error(clnn_conv2d_algo_for(&conv, &xd, &w5, &algo), CLNN_NOT_SUPPORTED,
                         "3x3");
    /* The forced algorithm runs, with Winograd's rounding (see above). */
    float x[648], w[108], y[486];
    harness_random(x, 648, 1, -1, 1);
    harness_random(w, 108, 2, -1, 1);
    cl_mem xb = harness_upload(x, sizeof x), wb = harness_upload(w, sizeof w);
    cl_mem yb = device_copy(NULL, 486, 0);
    size_t ws_size;
    harness_expect_ok(
        clnn_conv2d_workspace_size(harness_ctx(), &conv, &xd, &wd, &yd, &ws_size));
    harness_expect_ok(clnn_conv2d_forward(harness_ctx(), &conv, &xd, xb, 0, &wd, wb, 0, NULL,
                                          NULL, 0, NULL, &yd, yb, 0, nan_workspace(ws_size),
                                          ws_size));
    harness_download(yb, 0, y, sizeof y);
    double want[486] = {0};
    ref_conv r = {2, 4, 9, 9, 3, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1};
    ref_conv2d(REF_CONV_FORWARD, &r, widen(x, 648), widen(w, 108), want);
    harness_expect_close(y, want, 486, 1e-3, 1e-3, "forward under CLNN_CONV_ALGO=winograd");
    set_env_algo("im2col");
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_IM2COL_GEMM);
    set_env_algo("auto");
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &w5, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_IM2COL_GEMM);
    set_env_algo("fastest");
    harness_expect_error(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo), CLNN_INVALID_VALUE,
                         "CLNN_CONV_ALGO");
    harness_expect_ok(clnn_conv2d_algo_for(&forced, &xd, &wd, &algo)); /* named algo wins */
    set_env_algo(NULL);
}
END_TEST

START_TEST(auto_picks_winograd_for_3x3_stride_1)
{
    set_env_algo(NULL); /* in case a failed test left it set */
    clnn_conv2d_desc conv = clnn_conv2d_default(1, 1);
    clnn_conv_algo algo;
    clnn_tensor_desc xd = HARNESS_DESC(32, 32, 28, 28), wd = HARNESS_DESC(64, 32, 3, 3);
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_WINOGRAD);
    xd = HARNESS_DESC(32, 1, 28, 28); /* the seed CNN's first layer */
    wd = HARNESS_DESC(32, 1, 3, 3);
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_WINOGRAD);
    conv = clnn_conv2d_default(2, 1); /* stride 2 */
    xd = HARNESS_DESC(2, 64, 28, 28);
    wd = HARNESS_DESC(64, 64, 3, 3);
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_IM2COL_GEMM);
    conv = clnn_conv2d_default(1, 2); /* 5x5 */
    wd = HARNESS_DESC(64, 64, 5, 5);
    harness_expect_ok(clnn_conv2d_algo_for(&conv, &xd, &wd, &algo));
    ck_assert_int_eq(algo, CLNN_CONV_ALGO_IM2COL_GEMM);
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    static const int64_t pads[4] = {1, 1, 1, 1};
    clnn_conv2d_desc conv = winograd_desc(pads), bad = conv;
    clnn_tensor_desc xd = HARNESS_DESC(2, 4, 6, 6), wd = HARNESS_DESC(8, 4, 3, 3);
    clnn_tensor_desc yd = HARNESS_DESC(2, 8, 6, 6), other;
    float sentinel[576];
    for (int i = 0; i < 576; i++) sentinel[i] = (float)i;
    cl_mem x = harness_upload(sentinel, 288 * 4), w = harness_upload(sentinel, 288 * 4);
    cl_mem y = harness_upload(sentinel, sizeof sentinel);
    ref_conv r = {2, 4, 6, 6, 8, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1};
    size_t least = ref_conv_winograd_workspace(&r, 1), ws_size;
    harness_expect_ok(clnn_conv2d_workspace_size(ctx, &conv, &xd, &wd, &yd, &ws_size));
    cl_mem ws = nan_workspace(ws_size);
#define FWD(c, wd_, yd_, ws_, size)                                                        \
    clnn_conv2d_forward(ctx, c, &xd, x, 0, wd_, w, 0, NULL, NULL, 0, NULL, yd_, y, 0, ws_, size)
    harness_expect_error(FWD(&conv, &wd, &yd, ws, least - 4), CLNN_INSUFFICIENT_WORKSPACE,
                         "WINOGRAD");
    harness_expect_error(FWD(&conv, &wd, &yd, NULL, ws_size), CLNN_NULL_POINTER, "workspace");
    bad.window.strides[0] = bad.window.strides[1] = 2;
    other = HARNESS_DESC(2, 8, 3, 3);
    harness_expect_error(FWD(&bad, &wd, &other, ws, ws_size), CLNN_NOT_SUPPORTED, "stride 1");
    bad = conv;
    bad.window.dilations[0] = 2;
    other = HARNESS_DESC(2, 8, 4, 6);
    harness_expect_error(FWD(&bad, &wd, &other, ws, ws_size), CLNN_NOT_SUPPORTED, "dilation");
    bad = conv;
    bad.groups = 2;
    other = HARNESS_DESC(8, 2, 3, 3);
    harness_expect_error(FWD(&bad, &other, &yd, ws, ws_size), CLNN_NOT_SUPPORTED, "group");
    other = HARNESS_DESC(8, 4, 1, 1);
    harness_expect_error(FWD(&conv, &other, &yd, ws, ws_size), CLNN_NOT_SUPPORTED, "3x3");
    other = HARNESS_DESC(2, 8, 5, 6);
    harness_expect_error(FWD(&conv, &wd, &other, ws, ws_size), CLNN_SHAPE_MISMATCH, "y");
    bad = conv;
    bad.algo = (clnn_conv_algo)5;
    harness_expect_error(FWD(&bad, &wd, &yd, ws, ws_size), CLNN_INVALID_VALUE, "algo");
#undef FWD
    float after[576];
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof sentinel);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    int count = small && strcmp(small, "1") == 0 ? SMALL_CASE_COUNT : CASE_COUNT;
    unsetenv("CLNN_CONV_ALGO"); /* the suite sets it itself */
    Suite *s = suite_create("winograd");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_matches_reference, 0, count);
    tcase_add_loop_test(tc, backward_matches_reference, 0, count);
    tc = harness_tcase(s, "algorithm-choice");
    tcase_add_test(tc, env_override_replaces_auto);
    tcase_add_test(tc, auto_picks_winograd_for_3x3_stride_1);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
