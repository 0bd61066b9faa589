/* Slice, Pad, Expand and Gather: forward against the double reference (exact:
 * these ops move data, so every element must match bit for bit, tolerance 0),
 * float32 / int32 / int64 data, odd sizes, non-zero offsets, negative steps and
 * indices; backward against central finite differences of the reference; bad
 * input for every public function, with outputs untouched afterwards. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

/* ---- helpers */

/* Uploads n values of `dtype` converted from x (distinct integers for the int
 * types) after `off` elements of NaN / -7 filler. */
static cl_mem upload_as(clnn_dtype dtype, const double *x, size_t n, size_t off)
{
    size_t es = clnn_dtype_size(dtype);
    char *buf = harness_alloc((n + off) * es);
    for (size_t i = 0; i < n + off; i++) {
        double v = i < off ? -7 : x[i - off];
        if (dtype == CLNN_FLOAT32) ((float *)buf)[i] = i < off ? NAN : (float)v;
        else if (dtype == CLNN_INT32) ((int32_t *)buf)[i] = (int32_t)v;
        else ((int64_t *)buf)[i] = (int64_t)v;
    }
    return harness_upload(buf, (n + off) * es);
}

/* An output buffer of n elements after `off`, all NaN bits (0xff), which catches
 * missed writes. */
static cl_mem sentinel_buffer(clnn_dtype dtype, size_t n, size_t off)
{
    size_t bytes = (n + off) * clnn_dtype_size(dtype);
    char *fill = harness_alloc(bytes);
    memset(fill, 0xff, bytes);
    return harness_upload(fill, bytes);
}

/* Downloads n elements at element offset `off` as doubles. */
static double *download_as(clnn_dtype dtype, cl_mem b, size_t n, size_t off)
{
    size_t es = clnn_dtype_size(dtype);
    char *buf = harness_alloc(n * es);
    double *d = harness_alloc(n * sizeof *d);
    harness_download(b, off * es, buf, n * es);
    for (size_t i = 0; i < n; i++)
        d[i] = dtype == CLNN_FLOAT32 ? ((float *)buf)[i]
               : dtype == CLNN_INT32 ? ((int32_t *)buf)[i]
                                     : (double)((int64_t *)buf)[i];
    return d;
}

/* Exact comparison (data movement: tolerance 0). */
static void expect_equal(const double *got, const double *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])),
                      "%s: element %zu is %g, want %g", what, i, got[i], want[i]);
}

/* Distinct values exactly representable in every dtype. */
static double *make_values(size_t n, uint32_t seed)
{
    double *x = harness_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (double)((i * 7919u + seed) % 100003u) - 50000;
    return x;
}

static clnn_tensor_desc typed_desc(clnn_dtype dtype, int rank, const int64_t *dims)
{
    clnn_tensor_desc d;
    ck_assert_int_eq(clnn_tensor_desc_set(&d, dtype, rank, dims), CLNN_SUCCESS);
    return d;
}

static size_t elems(const clnn_tensor_desc *d)
{
    size_t n = 1;
    for (int k = 0; k < d->rank; k++) n *= (size_t)d->dims[k];
    return n;
}

/* int32 moves through the same 4-byte kernels as float32: the small mode (for
 * rusticl and oclgrind, where every program build is slow) leaves it out. */
static const clnn_dtype dtypes[] = {CLNN_FLOAT32, CLNN_INT64, CLNN_INT32};
#define DTYPE_COUNT (small_mode ? 2u : 3u)

/* ---- Slice */

typedef struct slice_case {
    int rank;
    int64_t dims[8];
    int count;
    int64_t starts[8], ends[8], axes[8], steps[8];
    int has_axes, has_steps;
} slice_case;

static const slice_case slice_cases[] = {
    {1, {7}, 1, {1}, {6}, {0}, {2}, 0, 1},
    {1, {93}, 1, {-1}, {-94}, {0}, {-1}, 0, 1},                /* full reverse */
    {2, {3, 257}, 1, {5}, {1000}, {-1}, {3}, 1, 1},            /* end clamped */
    {4, {2, 3, 4, 5}, 3, {1, -1, 0}, {2, -5, 5}, {0, 2, 3}, {1, -2, 2}, 1, 1},
    {1, {1}, 1, {0}, {1}, {0}, {1}, 0, 0},
    {3, {5, 6, 7}, 2, {-100, 4}, {100, 0}, {2, 1}, {3, -3}, 1, 1},  /* clamped starts */
    {8, {2, 1, 3, 1, 2, 1, 2, 3}, 2, {1, 2}, {3, 0}, {2, 7}, {1, -1}, 1, 1},
    {2, {17, 9}, 0, {0}, {0}, {0}, {0}, 0, 0},                  /* nothing sliced */
    {2, {3, 70}, 1, {1}, {3}, {0}, {1}, 0, 0},     /* contiguous rows of 3 chunks */
    {2, {2, 75}, 1, {2}, {-1}, {1}, {1}, 1, 0},    /* contiguous, shifted start */
};
#define SLICE_COUNT (int)(sizeof slice_cases / sizeof slice_cases[0])

/* The reference's per-axis index lists for a case (and y's dims). */
static void slice_lists(const slice_case *c, int64_t *counts, int64_t **lists)
{
    for (int k = 0; k < c->rank; k++) {
        lists[k] = harness_alloc((size_t)c->dims[k] * sizeof(int64_t));
        counts[k] = ref_slice_axis(c->dims[k], 0, c->dims[k], 1, lists[k]);
    }
    for (int i = 0; i < c->count; i++) {
        int64_t a = c->has_axes ? c->axes[i] : i;
        int ax = (int)(a < 0 ? a + c->rank : a);
        counts[ax] = ref_slice_axis(c->dims[ax], c->starts[i], c->ends[i],
                                    c->has_steps ? c->steps[i] : 1, lists[ax]);
    }
}

START_TEST(slice_forward_matches_reference)
{
    const slice_case *c = &slice_cases[_i];
    int64_t counts[8], *lists[8], st[8], sp[8];
    slice_lists(c, counts, lists);
    for (size_t t = 0; t < DTYPE_COUNT; t++) {
        clnn_dtype dt = dtypes[t];
        clnn_tensor_desc xd = typed_desc(dt, c->rank, c->dims), yd;
        harness_expect_ok(clnn_slice_desc(&xd, c->count, c->starts, c->ends,
                                          c->has_axes ? c->axes : NULL,
                                          c->has_steps ? c->steps : NULL, st, sp, &yd));
        ck_assert_int_eq(yd.rank, c->rank);
        for (int k = 0; k < c->rank; k++) ck_assert_int_eq(yd.dims[k], counts[k]);
        size_t nx = elems(&xd), ny = elems(&yd);
        double *x = make_values(nx, (uint32_t)_i), *want = harness_alloc(ny * sizeof *want);
        ref_take(c->rank, c->dims, counts, (const int64_t *const *)lists, 0, x, want);
        size_t xo = t + 1, yo = 2 * t + 3;
        cl_mem xb = upload_as(dt, x, nx, xo), yb = sentinel_buffer(dt, ny, yo);
        size_t es = clnn_dtype_size(dt);
        harness_expect_ok(clnn_slice_forward(harness_ctx(), st, sp, &xd, xb, xo * es, &yd, yb,
                                             yo * es));
        expect_equal(download_as(dt, yb, ny, yo), want, ny, "slice forward");
    }
}
END_TEST

/* Finite differences of f(x) = slice(x) (or pad / gather below), in double. */
typedef struct take_params {
    int rank;
    const int64_t *dims, *counts;
    const int64_t *const *lists;
} take_params;

static void take_forward(const double *x, double *y, void *p)
{
    const take_params *t = p;
    ref_take(t->rank, t->dims, t->counts, t->lists, 0, x, y);
}

static void expect_take_gradient(const take_params *t, const float *dy, size_t ny,
                                 const float *dx, size_t nx, const char *what)
{
    double *x = harness_alloc(nx * sizeof *x), *want = harness_alloc(nx * sizeof *want);
    gradcheck_numeric(take_forward, (void *)t, x, nx, gradcheck_to_double(dy, ny), ny, 1e-3,
                      want);
    /* f is linear, so central differences are exact up to rounding of dy sums:
     * rtol 1e-6, atol 1e-6. */
    harness_expect_close(dx, want, nx, 1e-6, 1e-6, what);
}

START_TEST(slice_backward_matches_finite_differences)
{
    const slice_case *c = &slice_cases[_i];
    int64_t counts[8], *lists[8], st[8], sp[8];
    slice_lists(c, counts, lists);
    clnn_tensor_desc xd = typed_desc(CLNN_FLOAT32, c->rank, c->dims), yd;
    harness_expect_ok(clnn_slice_desc(&xd, c->count, c->starts, c->ends,
                                      c->has_axes ? c->axes : NULL,
                                      c->has_steps ? c->steps : NULL, st, sp, &yd));
    size_t nx = elems(&xd), ny = elems(&yd);
    float *dy = harness_alloc(ny * 4), *dx = harness_alloc(nx * 4);
    harness_random(dy, ny, 11, -1, 1);
    cl_mem dyb = harness_upload(dy, ny * 4), dxb = sentinel_buffer(CLNN_FLOAT32, nx, 1);
    harness_expect_ok(clnn_slice_backward(harness_ctx(), st, sp, &yd, dyb, 0, &xd, dxb, 4));
    harness_download(dxb, 4, dx, nx * 4);
    take_params t = {c->rank, c->dims, counts, (const int64_t *const *)lists};
    expect_take_gradient(&t, dy, ny, dx, nx, "slice backward");
}
END_TEST

/* ---- Pad */

typedef struct pad_case {
    int rank;
    int64_t dims[4];
    int64_t pads[8];
    clnn_pad_mode mode;
    double value;
} pad_case;

static const pad_case pad_cases[] = {
    {1, {7}, {3, 2}, CLNN_PAD_CONSTANT, 1.5},
    {2, {3, 5}, {2, 4, 1, 3}, CLNN_PAD_REFLECT, 0},
    {3, {2, 3, 4}, {0, 1, 2, 1, 0, 3}, CLNN_PAD_EDGE, 0},
    {2, {4, 93}, {-1, 2, 0, -3}, CLNN_PAD_CONSTANT, -2},      /* negative pads crop */
    {2, {1, 257}, {1, 0, 1, 1}, CLNN_PAD_REFLECT, 0},           /* a size-1 axis */
    {1, {3}, {5, 7}, CLNN_PAD_REFLECT, 0},                      /* pads beyond the dim */
    {1, {3}, {5, 7}, CLNN_PAD_EDGE, 0},
    {4, {1, 2, 3, 4}, {0, 0, 1, 2, 0, 0, 1, 2}, CLNN_PAD_CONSTANT, 0},
    {2, {2, 41}, {1, -3, 2, -1}, CLNN_PAD_CONSTANT, 4},        /* rows cropped only */
    {2, {3, 70}, {-1, 0, 1, 0}, CLNN_PAD_REFLECT, 0},
};
#define PAD_COUNT (int)(sizeof pad_cases / sizeof pad_cases[0])

static void pad_lists(const pad_case *c, int64_t *counts, int64_t **lists)
{
    for (int k = 0; k < c->rank; k++) {
        counts[k] = c->dims[k] + c->pads[k] + c->pads[c->rank + k];
        lists[k] = harness_alloc((size_t)counts[k] * sizeof(int64_t));
        for (int64_t o = 0; o < counts[k]; o++)
            lists[k][o] = ref_pad_index(c->mode, o - c->pads[k], c->dims[k]);
    }
}

START_TEST(pad_forward_matches_reference)
{
    const pad_case *c = &pad_cases[_i];
    int64_t counts[4], *lists[4];
    pad_lists(c, counts, lists);
    for (size_t t = 0; t < DTYPE_COUNT; t++) {
        clnn_dtype dt = dtypes[t];
        clnn_tensor_desc xd = typed_desc(dt, c->rank, c->dims), yd;
        harness_expect_ok(clnn_pad_desc(&xd, c->pads, &yd));
        for (int k = 0; k < c->rank; k++) ck_assert_int_eq(yd.dims[k], counts[k]);
        size_t nx = elems(&xd), ny = elems(&yd);
        double *x = make_values(nx, 5), *want = harness_alloc(ny * sizeof *want);
        ref_take(c->rank, c->dims, counts, (const int64_t *const *)lists,
                 dt == CLNN_FLOAT32 ? c->value : trunc(c->value), x, want);
        size_t es = clnn_dtype_size(dt);
        cl_mem xb = upload_as(dt, x, nx, 2), yb = sentinel_buffer(dt, ny, 1);
        harness_expect_ok(clnn_pad_forward(harness_ctx(), c->mode, c->pads, c->value, &xd, xb,
                                           2 * es, &yd, yb, es));
        expect_equal(download_as(dt, yb, ny, 1), want, ny, "pad forward");
    }
}
END_TEST

START_TEST(pad_backward_matches_finite_differences)
{
    const pad_case *c = &pad_cases[_i];
    int64_t counts[4], *lists[4];
    pad_lists(c, counts, lists);
    clnn_tensor_desc xd = typed_desc(CLNN_FLOAT32, c->rank, c->dims), yd;
    harness_expect_ok(clnn_pad_desc(&xd, c->pads, &yd));
    size_t nx = elems(&xd), ny = elems(&yd);
    float *dy = harness_alloc(ny * 4), *dx = harness_alloc(nx * 4);
    harness_random(dy, ny, 3, -1, 1);
    cl_mem dyb = harness_upload(dy, ny * 4), dxb = sentinel_buffer(CLNN_FLOAT32, nx, 0);
    clnn_status s = clnn_pad_backward(harness_ctx(), c->mode, c->pads, &yd, dyb, 0, &xd, dxb, 0);
    if (c->mode != CLNN_PAD_CONSTANT) {
        harness_expect_error_at(s, CLNN_NOT_SUPPORTED, "mode", "pad backward, reflect/edge");
        return;
    }
    harness_expect_ok(s);
    harness_download(dxb, 0, dx, nx * 4);
    take_params t = {c->rank, c->dims, counts, (const int64_t *const *)lists};
    expect_take_gradient(&t, dy, ny, dx, nx, "pad backward");
}
END_TEST

/* ---- Expand */

typedef struct expand_case {
    int x_rank;
    int64_t x_dims[4];
    int rank;
    int64_t shape[4];
    int y_rank;
    int64_t y_dims[4];
} expand_case;

static const expand_case expand_cases[] = {
    {2, {3, 1}, 3, {2, 1, 6}, 3, {2, 3, 6}},
    {1, {1}, 1, {257}, 1, {257}},
    {3, {7, 1, 5}, 3, {7, 4, 1}, 3, {7, 4, 5}},
    {0, {0}, 2, {2, 3}, 2, {2, 3}},                /* a scalar */
    {2, {2, 3}, 0, {0}, 2, {2, 3}},                /* an empty shape: a copy */
    {1, {93}, 3, {1, 2, 1}, 3, {1, 2, 93}},
};
#define EXPAND_COUNT (int)(sizeof expand_cases / sizeof expand_cases[0])

START_TEST(expand_forward_matches_reference)
{
    const expand_case *c = &expand_cases[_i];
    int64_t lead = c->y_rank - c->x_rank, xdims[4], *lists[4];
    for (int k = 0; k < c->y_rank; k++) {
        xdims[k] = k < lead ? 1 : c->x_dims[k - lead];
        lists[k] = harness_alloc((size_t)c->y_dims[k] * sizeof(int64_t));
        for (int64_t o = 0; o < c->y_dims[k]; o++) lists[k][o] = xdims[k] == 1 ? 0 : o;
    }
    for (size_t t = 0; t < DTYPE_COUNT; t++) {
        clnn_dtype dt = dtypes[t];
        clnn_tensor_desc xd = typed_desc(dt, c->x_rank, c->x_dims), yd;
        harness_expect_ok(clnn_expand_desc(&xd, c->rank, c->shape, &yd));
        ck_assert_int_eq(yd.rank, c->y_rank);
        for (int k = 0; k < c->y_rank; k++) ck_assert_int_eq(yd.dims[k], c->y_dims[k]);
        size_t nx = elems(&xd), ny = elems(&yd);
        double *x = make_values(nx, 9), *want = harness_alloc(ny * sizeof *want);
        ref_take(c->y_rank, xdims, c->y_dims, (const int64_t *const *)lists, 0, x, want);
        size_t es = clnn_dtype_size(dt);
        cl_mem xb = upload_as(dt, x, nx, 3), yb = sentinel_buffer(dt, ny, 2);
        harness_expect_ok(clnn_expand_forward(harness_ctx(), &xd, xb, 3 * es, &yd, yb, 2 * es));
        expect_equal(download_as(dt, yb, ny, 2), want, ny, "expand forward");
    }
}
END_TEST

/* ---- Gather */

typedef struct gather_case {
    int rank;
    int64_t dims[4];
    int axis;
    int idx_rank;
    int64_t idx_dims[3];
    int64_t idx[12];
} gather_case;

static const gather_case gather_cases[] = {
    {2, {5, 7}, 0, 1, {3}, {4, -1, 0}},
    {3, {2, 93, 3}, 1, 2, {2, 2}, {92, -93, 5, 5}},           /* repeats */
    {3, {2, 3, 7}, -1, 1, {5}, {6, 0, -7, 3, 3}},
    {2, {4, 257}, 1, 0, {0}, {-2}},                           /* a scalar index */
    {1, {257}, 0, 3, {2, 1, 3}, {0, 256, 100, -1, 7, 7}},
    {1, {1}, 0, 1, {1}, {0}},
    {3, {3, 5, 70}, 1, 1, {2}, {-1, 3}},                      /* rows of 3 chunks */
};
#define GATHER_COUNT (int)(sizeof gather_cases / sizeof gather_cases[0])

/* The reference as a take: the gathered axis' list is the normalised indices. */
static take_params gather_take(const gather_case *c, int64_t *counts, int64_t **lists)
{
    int ax = c->axis < 0 ? c->axis + c->rank : c->axis;
    int64_t n = 1;
    for (int k = 0; k < c->idx_rank; k++) n *= c->idx_dims[k];
    for (int k = 0; k < c->rank; k++) {
        counts[k] = k == ax ? n : c->dims[k];
        lists[k] = harness_alloc((size_t)counts[k] * sizeof(int64_t));
        for (int64_t o = 0; o < counts[k]; o++)
            lists[k][o] = k != ax ? o : c->idx[o] < 0 ? c->idx[o] + c->dims[k] : c->idx[o];
    }
    take_params t = {c->rank, c->dims, counts, (const int64_t *const *)lists};
    return t;
}

static size_t idx_count(const gather_case *c)
{
    size_t n = 1;
    for (int k = 0; k < c->idx_rank; k++) n *= (size_t)c->idx_dims[k];
    return n;
}

START_TEST(gather_forward_matches_reference)
{
    const gather_case *c = &gather_cases[_i];
    int64_t counts[4], *lists[4];
    take_params t = gather_take(c, counts, lists);
    size_t ni = idx_count(c);
    for (size_t dt_i = 0; dt_i < DTYPE_COUNT; dt_i++)
        for (int it = 0; it < 2; it++) {
            clnn_dtype dt = dtypes[dt_i], idt = it ? CLNN_INT64 : CLNN_INT32;
            clnn_tensor_desc xd = typed_desc(dt, c->rank, c->dims), yd;
            clnn_tensor_desc id = typed_desc(idt, c->idx_rank, c->idx_dims);
            harness_expect_ok(clnn_gather_desc(&xd, c->axis, &id, &yd));
            ck_assert_int_eq(yd.rank, c->rank - 1 + c->idx_rank);
            size_t nx = elems(&xd), ny = elems(&yd);
            double *x = make_values(nx, 2), *want = harness_alloc(ny * sizeof *want);
            double *idx = harness_alloc(ni * sizeof *idx);
            for (size_t j = 0; j < ni; j++) idx[j] = (double)c->idx[j];
            ref_take(t.rank, t.dims, t.counts, t.lists, 0, x, want);
            size_t es = clnn_dtype_size(dt), is = clnn_dtype_size(idt);
            cl_mem xb = upload_as(dt, x, nx, 1), ib = upload_as(idt, idx, ni, 2);
            cl_mem yb = sentinel_buffer(dt, ny, 3);
            harness_expect_ok(clnn_gather_forward(harness_ctx(), c->axis, &xd, xb, es, &id, ib,
                                                  2 * is, &yd, yb, 3 * es));
            expect_equal(download_as(dt, yb, ny, 3), want, ny, "gather forward");
        }
}
END_TEST

START_TEST(gather_backward_matches_finite_differences)
{
    const gather_case *c = &gather_cases[_i];
    int64_t counts[4], *lists[4];
    take_params t = gather_take(c, counts, lists);
    size_t ni = idx_count(c);
    double *idx = harness_alloc(ni * sizeof *idx);
    for (size_t j = 0; j < ni; j++) idx[j] = (double)c->idx[j];
    for (int it = 0; it < 2; it++) {
        clnn_dtype idt = it ? CLNN_INT64 : CLNN_INT32;
        clnn_tensor_desc xd = typed_desc(CLNN_FLOAT32, c->rank, c->dims), yd;
        clnn_tensor_desc id = typed_desc(idt, c->idx_rank, c->idx_dims);
        harness_expect_ok(clnn_gather_desc(&xd, c->axis, &id, &yd));
        size_t nx = elems(&xd), ny = elems(&yd);
        float *dy = harness_alloc(ny * 4), *dx = harness_alloc(nx * 4);
        harness_random(dy, ny, 17, -1, 1);
        cl_mem ib = upload_as(idt, idx, ni, 1), dyb = harness_upload(dy, ny * 4);
        cl_mem dxb = sentinel_buffer(CLNN_FLOAT32, nx, 2);
        harness_expect_ok(clnn_gather_backward(harness_ctx(), c->axis, &id, ib,
                                               clnn_dtype_size(idt), &yd, dyb, 0, &xd, dxb,
                                               8));
        harness_download(dxb, 8, dx, nx * 4);
        expect_take_gradient(&t, dy, ny, dx, nx, "gather backward");
    }
}
END_TEST

START_TEST(gather_out_of_range_reads_zero)
{
    /* Device indices are not validated: outside [-dim, dim) gives 0. */
    int64_t idx[3] = {5, -6, 1};
    float x[5] = {1, 2, 3, 4, 5}, y[3];
    clnn_tensor_desc xd = HARNESS_DESC(5), id = typed_desc(CLNN_INT64, 1, (int64_t[]){3}),
                     yd = HARNESS_DESC(3);
    cl_mem xb = harness_upload(x, sizeof x), ib = harness_upload(idx, sizeof idx);
    cl_mem yb = sentinel_buffer(CLNN_FLOAT32, 3, 0);
    harness_expect_ok(clnn_gather_forward(harness_ctx(), 0, &xd, xb, 0, &id, ib, 0, &yd, yb, 0));
    harness_download(yb, 0, y, sizeof y);
    ck_assert(y[0] == 0 && y[1] == 0 && y[2] == 2);
}
END_TEST

/* ---- bad input */

/* Asserts the 4 floats of b still hold the sentinel bits. */
static void expect_untouched(cl_mem b, const char *what)
{
    uint32_t got[4];
    harness_download(b, 0, got, sizeof got);
    for (int i = 0; i < 4; i++) ck_assert_msg(got[i] == 0xffffffffu, "%s: output written", what);
}

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc x = HARNESS_DESC(2, 3), y = HARNESS_DESC(2, 2), bad = x, xi = x, d;
    clnn_tensor_desc i64 = typed_desc(CLNN_INT64, 1, (int64_t[]){2}), y2 = HARNESS_DESC(2, 2);
    clnn_tensor_desc scalar = typed_desc(CLNN_FLOAT32, 0, NULL);
    xi.dtype = CLNN_INT32;
    bad.dims[1] = 0;
    float data[6] = {0};
    int64_t idx[2] = {0, 1};
    cl_mem xb = harness_upload(data, sizeof data), ib = harness_upload(idx, sizeof idx);
    cl_mem yb = sentinel_buffer(CLNN_FLOAT32, 4, 0), small = harness_buffer(8);
    int64_t st[2] = {0, 0}, sp[2] = {1, 1}, zero[2] = {1, 0}, far[2] = {1, 3};
    int64_t pads[4] = {0, 0, 0, -1}, starts[1] = {0}, ends[2] = {2, 2}, axes[2] = {1, -1};

    /* slice */
    harness_expect_error(clnn_slice_forward(NULL, st, sp, &x, xb, 0, &y, yb, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_slice_forward(ctx, NULL, sp, &x, xb, 0, &y, yb, 0),
                         CLNN_NULL_POINTER, "starts");
    harness_expect_error(clnn_slice_forward(ctx, st, sp, NULL, xb, 0, &y, yb, 0),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(clnn_slice_forward(ctx, st, sp, &x, NULL, 0, &y, yb, 0),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(clnn_slice_forward(ctx, st, sp, &xi, xb, 0, &y, yb, 0),
                         CLNN_INVALID_VALUE, "y");                /* dtypes differ */
    harness_expect_error(clnn_slice_forward(ctx, st, zero, &x, xb, 0, &y, yb, 0),
                         CLNN_INVALID_VALUE, "steps[1]");
    harness_expect_error(clnn_slice_forward(ctx, st, far, &x, xb, 0, &y, yb, 0),
                         CLNN_SHAPE_MISMATCH, "axis 1");          /* reads past x */
    harness_expect_error(clnn_slice_forward(ctx, st, sp, &x, xb, 0, &i64, yb, 0),
                         CLNN_INVALID_VALUE, "y");
    harness_expect_error(clnn_slice_forward(ctx, st, sp, &x, xb, 0, &y, small, 0),
                         CLNN_INVALID_VALUE, "y");                /* buffer too small */
    harness_expect_error(clnn_slice_forward(ctx, st, sp, &x, xb, 2, &y, yb, 0),
                         CLNN_INVALID_VALUE, "x");                /* misaligned offset */
    harness_expect_error(clnn_slice_backward(ctx, st, sp, &y, yb, 0, &bad, xb, 0),
                         CLNN_INVALID_VALUE, "dx");
    harness_expect_error(clnn_slice_backward(ctx, st, NULL, &y, yb, 0, &x, xb, 0),
                         CLNN_NULL_POINTER, "steps");
    harness_expect_error(clnn_slice_desc(&x, 1, starts, ends, NULL, NULL, st, sp, NULL),
                         CLNN_NULL_POINTER, "y_desc");
    harness_expect_error(clnn_slice_desc(&x, 3, starts, ends, NULL, NULL, st, sp, &d),
                         CLNN_INVALID_VALUE, "count");
    harness_expect_error(clnn_slice_desc(&x, 2, st, ends, axes, NULL, st, sp, &d),
                         CLNN_INVALID_VALUE, "axes[1]");          /* axis 1 twice */
    harness_expect_error(clnn_slice_desc(&x, 1, starts, starts, NULL, NULL, st, sp, &d),
                         CLNN_NOT_SUPPORTED, "empty");
    harness_expect_error(clnn_slice_desc(&x, 1, starts, ends, NULL, zero + 1, st, sp, &d),
                         CLNN_INVALID_VALUE, "steps[0]");
    harness_expect_error(clnn_slice_desc(&scalar, 0, NULL, NULL, NULL, NULL, st, sp, &d),
                         CLNN_INVALID_VALUE, "rank");
    /* pad */
    harness_expect_error(clnn_pad_forward(NULL, CLNN_PAD_EDGE, pads, 0, &x, xb, 0, &y, yb, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_pad_forward(ctx, CLNN_PAD_EDGE, NULL, 0, &x, xb, 0, &y, yb, 0),
                         CLNN_NULL_POINTER, "pads");
    harness_expect_error(clnn_pad_forward(ctx, (clnn_pad_mode)7, pads, 0, &x, xb, 0, &y, yb,
                                          0), CLNN_INVALID_VALUE, "mode");
    harness_expect_error(clnn_pad_forward(ctx, CLNN_PAD_EDGE, pads, 0, &x, xb, 0, &x, xb, 0),
                         CLNN_SHAPE_MISMATCH, "[2, 3]");
    harness_expect_error(clnn_pad_forward(ctx, CLNN_PAD_EDGE, pads, 0, &x, xb, 0, NULL, yb, 0),
                         CLNN_NULL_POINTER, "y");
    harness_expect_error(clnn_pad_backward(ctx, CLNN_PAD_CONSTANT, pads, &x, xb, 0, &y, yb,
                                           0), CLNN_SHAPE_MISMATCH, "dy");
    harness_expect_error(clnn_pad_desc(&x, pads, NULL), CLNN_NULL_POINTER, "y_desc");
    harness_expect_error(clnn_pad_desc(&scalar, pads, &d), CLNN_INVALID_VALUE, "rank");
    pads[3] = -3;
    harness_expect_error(clnn_pad_desc(&x, pads, &d), CLNN_NOT_SUPPORTED, "axis 1");
    /* expand */
    harness_expect_error(clnn_expand_forward(NULL, &x, xb, 0, &y, yb, 0), CLNN_NULL_POINTER,
                         "context");
    harness_expect_error(clnn_expand_forward(ctx, &x, xb, 0, &y, yb, 0), CLNN_SHAPE_MISMATCH,
                         "[2, 2]");
    harness_expect_error(clnn_expand_forward(ctx, &x, xb, 0, &scalar, yb, 0),
                         CLNN_SHAPE_MISMATCH, "rank");
    harness_expect_error(clnn_expand_desc(&x, 2, (int64_t[]){2, 2}, &d), CLNN_SHAPE_MISMATCH,
                         "shape[1]");
    harness_expect_error(clnn_expand_desc(&x, 1, (int64_t[]){0}, &d), CLNN_INVALID_VALUE,
                         "shape[0]");
    harness_expect_error(clnn_expand_desc(&x, 9, idx, &d), CLNN_INVALID_VALUE, "rank");
    harness_expect_error(clnn_expand_desc(&x, 1, NULL, &d), CLNN_NULL_POINTER, "shape");
    /* gather */
    harness_expect_error(clnn_gather_forward(NULL, 1, &x, xb, 0, &i64, ib, 0, &y2, yb, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_gather_forward(ctx, 1, &x, xb, 0, &i64, NULL, 0, &y2, yb, 0),
                         CLNN_NULL_POINTER, "indices");
    harness_expect_error(clnn_gather_forward(ctx, 1, &x, xb, 0, &x, xb, 0, &y2, yb, 0),
                         CLNN_INVALID_VALUE, "indices");          /* float indices */
    harness_expect_error(clnn_gather_forward(ctx, 2, &x, xb, 0, &i64, ib, 0, &y2, yb, 0),
                         CLNN_INVALID_VALUE, "axis");
    harness_expect_error(clnn_gather_forward(ctx, 0, &x, xb, 0, &i64, ib, 0, &y2, yb, 0),
                         CLNN_SHAPE_MISMATCH, "y");               /* gives [2, 3] */
    harness_expect_error(clnn_gather_backward(ctx, 1, &i64, ib, 0, &y2, yb, 0, &xi, xb, 0),
                         CLNN_INVALID_VALUE, "dx");               /* dx must be float */
    harness_expect_error(clnn_gather_backward(ctx, 1, &i64, ib, 0, NULL, yb, 0, &x, xb, 0),
                         CLNN_NULL_POINTER, "dy");
    harness_expect_error(clnn_gather_desc(&scalar, 0, &i64, &d), CLNN_INVALID_VALUE, "axis");
    harness_expect_error(clnn_gather_desc(&x, 0, &i64, NULL), CLNN_NULL_POINTER, "y_desc");
    expect_untouched(yb, "after every rejected call");
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("data-ops");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, slice_forward_matches_reference, 0, SLICE_COUNT);
    tcase_add_loop_test(tc, pad_forward_matches_reference, 0, PAD_COUNT);
    tcase_add_loop_test(tc, expand_forward_matches_reference, 0, EXPAND_COUNT);
    tcase_add_loop_test(tc, gather_forward_matches_reference, 0, GATHER_COUNT);
    tcase_add_test(tc, gather_out_of_range_reads_zero);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, slice_backward_matches_finite_differences, 0, SLICE_COUNT);
    tcase_add_loop_test(tc, pad_backward_matches_finite_differences, 0, PAD_COUNT);
    tcase_add_loop_test(tc, gather_backward_matches_finite_differences, 0, GATHER_COUNT);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
