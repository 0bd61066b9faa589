/* Element-wise math (include/clnn/math.h): unary forward against the double
 * reference and backward against its finite differences; broadcasting
 * pow/min/max/prelu, comparisons, logic, where and casts against the reference
 * over odd shapes, every dtype, non-zero offsets and aliasing; bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

/* ---- typed host data (values kept as doubles in the test) */

static void *to_typed(const double *v, size_t n, clnn_dtype t)
{
    void *p = harness_alloc(n * clnn_dtype_size(t) + 1);
    for (size_t i = 0; i < n; i++) {
        if (t == CLNN_FLOAT32) ((float *)p)[i] = (float)v[i];
        else if (t == CLNN_INT32) ((int32_t *)p)[i] = (int32_t)v[i];
        else ((int64_t *)p)[i] = (int64_t)v[i];
    }
    return p;
}

static double typed_at(const void *p, clnn_dtype t, size_t i)
{
    return t == CLNN_FLOAT32 ? ((const float *)p)[i]
           : t == CLNN_INT32 ? ((const int32_t *)p)[i] : (double)((const int64_t *)p)[i];
}

/* A buffer with n values of dtype t after `off` elements of filler. */
static cl_mem upload_at(const double *v, size_t n, clnn_dtype t, size_t off)
{
    size_t es = clnn_dtype_size(t);
    unsigned char *buf = harness_alloc((n + off) * es);
    memset(buf, 0x7f, off * es);
    memcpy(buf + off * es, to_typed(v, n, t), n * es);
    return harness_upload(buf, (n + off) * es);
}

/* An output buffer of n + off elements of 0xff bytes (NaN, or -1 for integers),
 * so a missed write shows. */
static cl_mem sentinel_buffer(size_t n, clnn_dtype t, size_t off)
{
    size_t bytes = (n + off) * clnn_dtype_size(t);
    unsigned char *buf = harness_alloc(bytes);
    memset(buf, 0xff, bytes);
    return harness_upload(buf, bytes);
}

/* Downloads n elements at element offset off as doubles. */
static double *download_at(cl_mem b, size_t n, clnn_dtype t, size_t off)
{
    size_t es = clnn_dtype_size(t);
    void *raw = harness_alloc(n * es);
    harness_download(b, off * es, raw, n * es);
    double *v = harness_alloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = typed_at(raw, t, i);
    return v;
}

static double *random_values(size_t n, uint32_t seed, double lo, double hi, int integral)
{
    float *f = harness_alloc(n * sizeof *f);
    harness_random(f, n, seed, (float)lo, (float)hi);
    double *v = harness_alloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = integral ? floor(f[i]) : f[i];
    return v;
}

static size_t count_of(const clnn_tensor_desc *d)
{
    int64_t n;
    ck_assert_int_eq(clnn_tensor_desc_count(d, &n), CLNN_SUCCESS);
    return (size_t)n;
}

static clnn_tensor_desc make_desc(clnn_dtype t, int rank, const int64_t *dims)
{
    clnn_tensor_desc d;
    ck_assert_int_eq(clnn_tensor_desc_set(&d, t, rank, dims), CLNN_SUCCESS);
    return d;
}

/* Exact comparison (integer results, or floats that must be bit-exact). */
static void expect_equal(const double *got, const double *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])),
                      "%s: element %zu is %g, want %g", what, i, got[i], want[i]);
}

/* ---- unary */

static const size_t sizes[] = {1, 7, 16, 93, 257, 1000};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])
#define UNARY_COUNT 11   /* the ten ops, POW twice (integer and fractional exponent) */

/* Op i of the unary loop with its parameters and an input range inside its
 * domain (log, sqrt and the fractional power need x > 0), kept off 0 where
 * the function or its derivative has a kink or pole. */
static clnn_unary_math_op unary_case(int i, float *alpha, float *beta, double *lo, double *hi)
{
    clnn_unary_math_op op = (clnn_unary_math_op)(i < 10 ? i : CLNN_UNARY_POW);
    *alpha = op == CLNN_UNARY_SELU ? CLNN_SELU_ALPHA : i == 9 ? 3.0f : 0.5f;
    *beta = CLNN_SELU_GAMMA;
    int positive = op == CLNN_UNARY_LOG || op == CLNN_UNARY_SQRT || i == 10;
    *lo = positive ? 0.1 : -4.0;
    *hi = op == CLNN_UNARY_EXP ? 10.0 : 4.0;
    return op;
}

static double *unary_input(int i, size_t n, uint32_t seed)
{
    float alpha, beta;
    double lo, hi;
    unary_case(i, &alpha, &beta, &lo, &hi);
    double *x = random_values(n, seed, lo, hi, 0);
    for (size_t k = 0; k < n; k++)
        if (fabs(x[k]) < 0.1) x[k] = x[k] < 0 ? -0.1 - x[k] : 0.1 + x[k];
    return x;
}

START_TEST(unary_forward_matches_reference)
{
    /* OpenCL's built-ins are within 16 ulp (erf, pow) and 4 ulp (exp, log); rtol
     * 1e-5 and atol 1e-6 (results near 0) cover that. */
    float alpha, beta;
    double lo, hi;
    clnn_unary_math_op op = unary_case(_i, &alpha, &beta, &lo, &hi);
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        size_t n = sizes[s], off = s % 3;
        if (small_mode && n > 100) continue;
        double *x = unary_input(_i, n, (uint32_t)(n * 13 + _i));
        cl_mem xb = upload_at(x, n, CLNN_FLOAT32, off), yb = sentinel_buffer(n, CLNN_FLOAT32, 1);
        clnn_tensor_desc d = HARNESS_DESC((int64_t)n);
        harness_expect_ok(clnn_unary_math_forward(harness_ctx(), op, alpha, beta, &d, xb,
                                                  off * 4, &d, yb, 4));
        float *y = harness_alloc(n * sizeof *y);
        harness_download(yb, 4, y, n * 4);
        double *want = harness_alloc(n * sizeof *want);
        for (size_t k = 0; k < n; k++) want[k] = ref_unary_math(op, alpha, beta, (float)x[k]);
        harness_expect_close(y, want, n, 1e-5, 1e-6, "unary forward");
        /* In place over x. */
        harness_expect_ok(clnn_unary_math_forward(harness_ctx(), op, alpha, beta, &d, xb,
                                                  off * 4, &d, xb, off * 4));
        harness_download(xb, off * 4, y, n * 4);
        harness_expect_close(y, want, n, 1e-5, 1e-6, "unary forward in place");
    }
}
END_TEST

typedef struct unary_params {
    clnn_unary_math_op op;
    double alpha, beta;
    size_t n;
} unary_params;

static void unary_reference(const double *x, double *y, void *params)
{
    const unary_params *p = params;
    for (size_t i = 0; i < p->n; i++) y[i] = ref_unary_math(p->op, p->alpha, p->beta, x[i]);
}

START_TEST(unary_backward_matches_finite_differences)
{
    /* fp32 derivative vs central differences (h = 1e-5) of the double reference,
     * which are good to ~1e-9: the tolerance is the fp32 formula's error, with
     * exp(4) and 1/x^2 at 0.1 giving gradients up to ~100. */
    float alpha, beta;
    double lo, hi;
    unary_params p = {unary_case(_i, &alpha, &beta, &lo, &hi), 0, 0, 61};
    p.alpha = alpha;
    p.beta = beta;
    double *x = unary_input(_i, p.n, 5 + (uint32_t)_i);
    if (p.op == CLNN_UNARY_EXP)
        for (size_t k = 0; k < p.n; k++) x[k] = fmin(x[k], 4.0);
    float *xf = to_typed(x, p.n, CLNN_FLOAT32);
    for (size_t k = 0; k < p.n; k++) x[k] = xf[k];
    double *dy = random_values(p.n, 9, -1, 1, 0);
    float *dyf = to_typed(dy, p.n, CLNN_FLOAT32);
    double *want = harness_alloc(p.n * sizeof *want);
    gradcheck_numeric(unary_reference, &p, x, p.n, gradcheck_to_double(dyf, p.n), p.n, 1e-5,
                      want);
    cl_mem xb = harness_upload(xf, p.n * 4), dyb = upload_at(dy, p.n, CLNN_FLOAT32, 3);
    cl_mem dxb = sentinel_buffer(p.n, CLNN_FLOAT32, 0);
    clnn_tensor_desc d = HARNESS_DESC((int64_t)p.n);
    harness_expect_ok(clnn_unary_math_backward(harness_ctx(), p.op, alpha, beta, &d, xb, 0,
                                               &d, dyb, 12, &d, dxb, 0));
    float *dx = harness_alloc(p.n * sizeof *dx);
    harness_download(dxb, 0, dx, p.n * 4);
    harness_expect_close(dx, want, p.n, 1e-4, 1e-5, "unary backward");
    /* dx over dy. */
    harness_expect_ok(clnn_unary_math_backward(harness_ctx(), p.op, alpha, beta, &d, xb, 0,
                                               &d, dyb, 12, &d, dyb, 12));
    harness_download(dyb, 12, dx, p.n * 4);
    harness_expect_close(dx, want, p.n, 1e-4, 1e-5, "unary backward in place");
}
END_TEST

START_TEST(unary_special_values)
{
    float x[6] = {0.0f, -0.0f, -1.0f, INFINITY, -INFINITY, NAN};
    cl_mem xb = harness_upload(x, sizeof x), yb = sentinel_buffer(6, CLNN_FLOAT32, 0);
    clnn_tensor_desc d = HARNESS_DESC(6);
    float y[6];
    harness_expect_ok(clnn_unary_math_forward(harness_ctx(), CLNN_UNARY_LOG, 0, 0, &d, xb, 0,
                                              &d, yb, 0));
    harness_download(yb, 0, y, sizeof y);
    ck_assert(y[0] == -INFINITY && isnan(y[2]) && y[3] == INFINITY && isnan(y[5]));
    harness_expect_ok(clnn_unary_math_forward(harness_ctx(), CLNN_UNARY_SOFTSIGN, 0, 0, &d, xb,
                                              0, &d, yb, 0));
    harness_download(yb, 0, y, sizeof y);
    ck_assert(y[2] == -0.5f && isnan(y[5]));
    harness_expect_ok(clnn_unary_math_forward(harness_ctx(), CLNN_UNARY_EXP, 0, 0, &d, xb, 0,
                                              &d, yb, 0));
    harness_download(yb, 0, y, sizeof y);
    ck_assert(y[0] == 1.0f && y[3] == INFINITY && y[4] == 0.0f && isnan(y[5]));
}
END_TEST

/* ---- broadcasting maps */

typedef struct shape_case {
    int ra, rb, ry;
    int64_t a[5], b[5], y[5];
} shape_case;

static const shape_case shapes[] = {
    {1, 1, 1, {93}, {93}, {93}},
    {2, 1, 2, {7, 93}, {93}, {7, 93}},
    {3, 2, 3, {3, 1, 5}, {4, 1}, {3, 4, 5}},
    {1, 3, 3, {1}, {2, 3, 257}, {2, 3, 257}},
    {2, 2, 2, {257, 1}, {1, 7}, {257, 7}},
    {5, 4, 5, {2, 1, 3, 1, 7}, {1, 3, 1, 1}, {2, 5, 3, 1, 7}},
    {0, 1, 1, {0}, {7}, {7}},
    {1, 1, 2, {5}, {1}, {3, 5}},   /* output larger than the inputs' broadcast */
    {1, 1, 1, {1}, {1}, {1}},
};
#define SHAPE_COUNT (sizeof shapes / sizeof shapes[0])

enum { KIND_MATH, KIND_COMPARE, KIND_LOGICAL };

/* Inputs of an op kind: integers in [-3, 3] (ties for comparisons). Pow:
 * float bases positive unless the exponent is integral; integer bases with
 * integral exponents in [0, 3] (no truncation near integers to disagree on). */
static double *map_input(int kind, int op, clnn_dtype ta, clnn_dtype tb, int which, size_t n,
                         uint32_t seed)
{
    clnn_dtype t = which == 0 ? ta : tb;
    int integral = t != CLNN_FLOAT32 || kind != KIND_MATH;
    if (kind == KIND_MATH && op == CLNN_MATH_POW) {
        if (which == 0)
            return random_values(n, seed, tb != CLNN_FLOAT32 ? -3 : 0.5, 3, integral);
        return ta != CLNN_FLOAT32 ? random_values(n, seed, 0, 4, 1)
                                  : random_values(n, seed, -2, integral ? 4 : 2, integral);
    }
    return random_values(n, seed, -3, integral ? 4 : 3, integral);
}

static clnn_status run_binary(int kind, int op, const clnn_tensor_desc *ad, cl_mem a,
                              size_t ao, const clnn_tensor_desc *bd, cl_mem b, size_t bo,
                              const clnn_tensor_desc *yd, cl_mem y, size_t yo)
{
    clnn_context_t ctx = harness_ctx();
    if (kind == KIND_MATH)
        return clnn_math_binary(ctx, (clnn_math_binary_op)op, ad, a, ao, bd, b, bo, yd, y, yo);
    if (kind == KIND_COMPARE)
        return clnn_compare(ctx, (clnn_compare_op)op, ad, a, ao, bd, b, bo, yd, y, yo);
    return clnn_logical(ctx, (clnn_logical_op)op, ad, a, ao, bd, b, bo, yd, y, yo);
}

static double binary_reference(int kind, int op, double a, double b)
{
    if (kind == KIND_MATH) return ref_math_binary((clnn_math_binary_op)op, a, b);
    if (kind == KIND_COMPARE) return ref_compare((clnn_compare_op)op, a, b);
    return ref_logical((clnn_logical_op)op, a, b);
}

/* One op over every shape case; ta / tb the input dtypes. */
static void check_binary(int kind, int op, clnn_dtype ta, clnn_dtype tb)
{
    clnn_dtype ty = kind == KIND_MATH ? ta : CLNN_INT32;
    for (size_t s = 0; s < SHAPE_COUNT; s++) {
        const shape_case *c = &shapes[s];
        clnn_tensor_desc ad = make_desc(ta, c->ra, c->a), bd = make_desc(tb, c->rb, c->b);
        clnn_tensor_desc yd = make_desc(ty, c->ry, c->y);
        size_t na = count_of(&ad), nb = count_of(&bd);
        size_t ny = count_of(&yd), ao = s % 3, bo = (s + 1) % 2;
        if (small_mode && ny > 300) continue;
        double *a = map_input(kind, op, ta, tb, 0, na, (uint32_t)(s * 7 + op));
        double *b = map_input(kind, op, ta, tb, 1, nb, (uint32_t)(s * 11 + op + 1));
        cl_mem ab = upload_at(a, na, ta, ao), bb = upload_at(b, nb, tb, bo);
        cl_mem yb = sentinel_buffer(ny, ty, 2);
        harness_expect_ok(run_binary(kind, op, &ad, ab, ao * clnn_dtype_size(ta), &bd, bb,
                                     bo * clnn_dtype_size(tb), &yd, yb, 2 * clnn_dtype_size(ty)));
        double *want = harness_alloc(ny * sizeof *want);
        for (size_t i = 0; i < ny; i++) {
            /* The device sees the inputs rounded to fp32. */
            double x = (float)a[ref_broadcast_source(&ad, &yd, i)];
            double z = (float)b[ref_broadcast_source(&bd, &yd, i)];
            want[i] = binary_reference(kind, op, x, z);
            if (ty != CLNN_FLOAT32) want[i] = trunc(want[i]);
        }
        double *got = download_at(yb, ny, ty, 2);
        if (ty != CLNN_FLOAT32) {
            expect_equal(got, want, ny, "broadcast map");
        } else {
            /* pow is within 16 ulp; min, max and prelu are exact. */
            float *gf = to_typed(got, ny, CLNN_FLOAT32);
            harness_expect_close(gf, want, ny, 2e-6, 1e-7, "broadcast math");
        }
    }
}

START_TEST(math_binary_matches_reference)
{
    check_binary(KIND_MATH, _i, CLNN_FLOAT32, CLNN_FLOAT32);
    check_binary(KIND_MATH, _i, CLNN_INT32, CLNN_INT32);
    check_binary(KIND_MATH, _i, CLNN_INT64, CLNN_INT64);
    if (_i == CLNN_MATH_POW) {   /* mixed: integer exponents (negative bases), float ones */
        check_binary(KIND_MATH, _i, CLNN_FLOAT32, CLNN_INT32);
        check_binary(KIND_MATH, _i, CLNN_FLOAT32, CLNN_INT64);
        check_binary(KIND_MATH, _i, CLNN_INT32, CLNN_FLOAT32);
    }
}
END_TEST

START_TEST(compare_matches_reference)
{
    static const clnn_dtype types[] = {CLNN_FLOAT32, CLNN_INT32, CLNN_INT64};
    for (int t = 0; t < 3; t++)
        check_binary(KIND_COMPARE, _i, types[t], types[t]);
}
END_TEST

START_TEST(logical_matches_reference)
{
    check_binary(KIND_LOGICAL, _i, CLNN_INT32, CLNN_INT32);
    check_binary(KIND_LOGICAL, _i, CLNN_FLOAT32, CLNN_FLOAT32);
}
END_TEST

START_TEST(min_max_keep_nan_and_alias)
{
    float a[4] = {NAN, 1.0f, -2.0f, 3.0f}, b[4] = {0.0f, NAN, -1.0f, 3.0f}, y[4];
    clnn_tensor_desc d = HARNESS_DESC(4);
    cl_mem ab = harness_upload(a, 16), bb = harness_upload(b, 16);
    harness_expect_ok(clnn_math_binary(harness_ctx(), CLNN_MATH_MAX, &d, ab, 0, &d, bb, 0, &d,
                                       ab, 0));
    harness_download(ab, 0, y, 16);
    ck_assert(isnan(y[0]) && isnan(y[1]) && y[2] == -1.0f && y[3] == 3.0f);
    harness_expect_ok(clnn_math_binary(harness_ctx(), CLNN_MATH_MIN, &d, bb, 0, &d, bb, 0, &d,
                                       bb, 0));
    harness_download(bb, 0, y, 16);
    ck_assert(y[0] == 0.0f && isnan(y[1]) && y[2] == -1.0f);
    /* NaN compares false except NOT_EQUAL. */
    cl_mem cb = sentinel_buffer(4, CLNN_INT32, 0);
    clnn_tensor_desc di = make_desc(CLNN_INT32, 1, (int64_t[]){4});
    int32_t c[4];
    harness_expect_ok(clnn_compare(harness_ctx(), CLNN_COMPARE_NOT_EQUAL, &d, ab, 0, &d, ab, 0,
                                   &di, cb, 0));
    harness_download(cb, 0, c, 16);
    ck_assert(c[0] == 1 && c[1] == 1 && c[2] == 0 && c[3] == 0);
}
END_TEST

START_TEST(integer_pow_edge_cases)
{
    /* Negative exponents truncate 1 / a^-b toward 0; 0^0 = 1; 3^40 wraps. */
    double a[6] = {2, -1, -1, 0, 0, 3}, b[6] = {-1, -3, -2, 0, -2, 40};
    double want[6] = {0, -1, 1, 1, 0, (double)(int64_t)12157665459056928801ULL};
    clnn_tensor_desc d = make_desc(CLNN_INT64, 1, (int64_t[]){6});
    cl_mem ab = upload_at(a, 6, CLNN_INT64, 0), bb = upload_at(b, 6, CLNN_INT64, 0);
    cl_mem yb = sentinel_buffer(6, CLNN_INT64, 0);
    harness_expect_ok(clnn_math_binary(harness_ctx(), CLNN_MATH_POW, &d, ab, 0, &d, bb, 0, &d,
                                       yb, 0));
    expect_equal(download_at(yb, 6, CLNN_INT64, 0), want, 6, "integer pow");
}
END_TEST

START_TEST(logical_not_and_where)
{
    static const clnn_dtype types[] = {CLNN_FLOAT32, CLNN_INT32, CLNN_INT64};
    clnn_dtype t = types[_i];
    /* not: any dtype to int32 */
    size_t n = small_mode ? 93 : 257;
    double *x = random_values(n, 3, -2, 3, 1);
    clnn_tensor_desc xd = make_desc(t, 1, (int64_t[]){(int64_t)n});
    clnn_tensor_desc yd = make_desc(CLNN_INT32, 1, (int64_t[]){(int64_t)n});
    cl_mem xb = upload_at(x, n, t, 1), yb = sentinel_buffer(n, CLNN_INT32, 0);
    harness_expect_ok(clnn_logical_not(harness_ctx(), &xd, xb, clnn_dtype_size(t), &yd, yb, 0));
    double *got = download_at(yb, n, CLNN_INT32, 0), *want = harness_alloc(n * 8);
    for (size_t i = 0; i < n; i++) want[i] = x[i] == 0;
    expect_equal(got, want, n, "logical not");

    /* where: cond [7, 1], a [1, 93], b [93] -> [7, 93]; then a larger output. */
    static const shape_case cases[] = {
        {2, 2, 2, {7, 1}, {1, 93}, {7, 93}},
        {1, 3, 3, {1}, {2, 1, 5}, {2, 3, 5}},
    };
    for (size_t s = 0; s < 2; s++) {
        const shape_case *c = &cases[s];
        clnn_tensor_desc cd = make_desc(CLNN_INT32, c->ra, c->a);
        clnn_tensor_desc ad = make_desc(t, c->rb, c->b), od = make_desc(t, c->ry, c->y);
        clnn_tensor_desc bd = make_desc(t, 1, &c->y[c->ry - 1]);
        size_t nc = count_of(&cd), na = count_of(&ad);
        size_t nb = count_of(&bd), no = count_of(&od);
        double *cv = random_values(nc, 11, -1, 2, 1), *av = random_values(na, 12, -9, 9, 1);
        double *bv = random_values(nb, 13, -9, 9, 1);
        cl_mem cb = upload_at(cv, nc, CLNN_INT32, 2), ab = upload_at(av, na, t, 0);
        cl_mem bb = upload_at(bv, nb, t, 1), ob = sentinel_buffer(no, t, 0);
        harness_expect_ok(clnn_where(harness_ctx(), &cd, cb, 8, &ad, ab, 0, &bd, bb,
                                     clnn_dtype_size(t), &od, ob, 0));
        got = download_at(ob, no, t, 0);
        want = harness_alloc(no * sizeof *want);
        for (size_t i = 0; i < no; i++)
            want[i] = cv[ref_broadcast_source(&cd, &od, i)] != 0
                          ? av[ref_broadcast_source(&ad, &od, i)]
                          : bv[ref_broadcast_source(&bd, &od, i)];
        expect_equal(got, want, no, "where");
    }
}
END_TEST

START_TEST(cast_converts_every_pair)
{
    static const clnn_dtype types[] = {CLNN_FLOAT32, CLNN_INT32, CLNN_INT64};
    clnn_dtype from = types[_i / 3], to = types[_i % 3];
    /* Fractions, negatives, values past int32's range (saturated), and NaN. */
    double v[9] = {0.0, 2.75, -2.75, 1e3, -7.0, 3e9, -3e9, 16777217.0, NAN};
    size_t n = from == CLNN_FLOAT32 ? 9 : 8;
    if (from == CLNN_INT32) n = 5;   /* int32 holds only the first five */
    clnn_tensor_desc xd = make_desc(from, 1, (int64_t[]){(int64_t)n});
    clnn_tensor_desc yd = make_desc(to, 1, (int64_t[]){(int64_t)n});
    double *src = download_at(upload_at(v, n, from, 0), n, from, 0);   /* as stored */
    cl_mem xb = upload_at(v, n, from, 3), yb = sentinel_buffer(n, to, 1);
    harness_expect_ok(clnn_cast(harness_ctx(), &xd, xb, 3 * clnn_dtype_size(from), &yd, yb,
                                clnn_dtype_size(to)));
    double *got = download_at(yb, n, to, 1), want[9];
    for (size_t i = 0; i < n; i++) {
        double x = src[i];
        if (to == CLNN_FLOAT32) want[i] = (float)x;
        else if (isnan(x)) want[i] = 0;
        else {
            double lo = to == CLNN_INT32 ? -2147483648.0 : -9223372036854775808.0;
            double hi = to == CLNN_INT32 ? 2147483647.0 : 9223372036854775807.0;
            want[i] = fmin(fmax(trunc(x), lo), hi);
        }
    }
    expect_equal(got, want, n, "cast");
}
END_TEST

/* ---- bad input */

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(8), other = HARNESS_DESC(2, 3), wide = HARNESS_DESC(2, 8);
    clnn_tensor_desc di = make_desc(CLNN_INT32, 1, (int64_t[]){8});
    clnn_tensor_desc dl = make_desc(CLNN_INT64, 1, (int64_t[]){8});
    clnn_tensor_desc bad = d;
    bad.dtype = (clnn_dtype)7;
    float sentinel[8] = {1, 2, 3, 4, 5, 6, 7, 8}, after[8];
    cl_mem x = harness_upload(sentinel, 32), y = harness_upload(sentinel, 32);
    cl_mem yi = harness_upload(sentinel, 32);

    harness_expect_error(clnn_unary_math_forward(NULL, CLNN_UNARY_EXP, 0, 0, &d, x, 0, &d, y, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_unary_math_forward(ctx, (clnn_unary_math_op)42, 0, 0, &d, x, 0,
                                                 &d, y, 0), CLNN_INVALID_VALUE, "op");
    harness_expect_error(clnn_unary_math_forward(ctx, CLNN_UNARY_EXP, 0, 0, &d, x, 0, &other,
                                                 y, 0), CLNN_SHAPE_MISMATCH, "y");
    harness_expect_error(clnn_unary_math_forward(ctx, CLNN_UNARY_EXP, 0, 0, &di, x, 0, &d, y,
                                                 0), CLNN_INVALID_VALUE, "x");
    harness_expect_error(clnn_unary_math_forward(ctx, CLNN_UNARY_EXP, 0, 0, &d, x, 4, &d, y, 0),
                         CLNN_INVALID_VALUE, "x");
    harness_expect_error(clnn_unary_math_backward(ctx, CLNN_UNARY_LOG, 0, 0, &d, x, 0, &d,
                                                  NULL, 0, &d, y, 0), CLNN_NULL_POINTER, "dy");
    harness_expect_error(clnn_unary_math_backward(ctx, CLNN_UNARY_LOG, 0, 0, &d, x, 0, &d, x,
                                                  0, &other, y, 0), CLNN_SHAPE_MISMATCH, "dx");
    harness_expect_error(clnn_unary_math_backward(ctx, (clnn_unary_math_op)-1, 0, 0, &d, x, 0,
                                                  &d, x, 0, &d, y, 0), CLNN_INVALID_VALUE, "op");

    harness_expect_error(clnn_math_binary(NULL, CLNN_MATH_MAX, &d, x, 0, &d, x, 0, &d, y, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_math_binary(ctx, (clnn_math_binary_op)9, &d, x, 0, &d, x, 0, &d,
                                          y, 0), CLNN_INVALID_VALUE, "op");
    harness_expect_error(clnn_math_binary(ctx, CLNN_MATH_MAX, &d, x, 0, &other, x, 0, &d, y,
                                          0), CLNN_SHAPE_MISMATCH, "[2, 3]");
    cl_mem xw = harness_buffer(64);   /* fits `wide` */
    harness_expect_error(clnn_math_binary(ctx, CLNN_MATH_MAX, &wide, xw, 0, &d, x, 0, &d, y, 0),
                         CLNN_SHAPE_MISMATCH, "a");
    harness_expect_error(clnn_math_binary(ctx, CLNN_MATH_MAX, &d, x, 0, &di, x, 0, &d, y, 0),
                         CLNN_INVALID_VALUE, "b");
    harness_expect_error(clnn_math_binary(ctx, CLNN_MATH_POW, &d, x, 0, &bad, x, 0, &d, y, 0),
                         CLNN_INVALID_VALUE, "b");
    harness_expect_error(clnn_math_binary(ctx, CLNN_MATH_PRELU, NULL, x, 0, &d, x, 0, &d, y, 0),
                         CLNN_NULL_POINTER, "a");

    harness_expect_error(clnn_compare(ctx, CLNN_COMPARE_LESS, &d, x, 0, &d, x, 0, &d, y, 0),
                         CLNN_INVALID_VALUE, "c");
    harness_expect_error(clnn_compare(ctx, CLNN_COMPARE_LESS, &d, x, 0, &di, x, 0, &di, yi, 0),
                         CLNN_INVALID_VALUE, "b");
    harness_expect_error(clnn_compare(ctx, (clnn_compare_op)6, &d, x, 0, &d, x, 0, &di, yi, 0),
                         CLNN_INVALID_VALUE, "op");
    harness_expect_error(clnn_compare(ctx, CLNN_COMPARE_EQUAL, &dl, x, 0, &dl, x, 0, &di, yi,
                                      0), CLNN_INVALID_VALUE, "a");   /* 64 bytes > 32 */
    harness_expect_error(clnn_logical(ctx, CLNN_LOGICAL_XOR, &di, x, 0, &di, NULL, 0, &di, yi,
                                      0), CLNN_NULL_POINTER, "b");
    harness_expect_error(clnn_logical(ctx, (clnn_logical_op)3, &di, x, 0, &di, x, 0, &di, yi,
                                      0), CLNN_INVALID_VALUE, "op");
    harness_expect_error(clnn_logical_not(ctx, &d, x, 0, &d, y, 0), CLNN_INVALID_VALUE, "y");
    harness_expect_error(clnn_logical_not(ctx, &other, x, 0, &di, yi, 0), CLNN_SHAPE_MISMATCH,
                         "x");
    harness_expect_error(clnn_where(ctx, &d, x, 0, &d, x, 0, &d, x, 0, &d, y, 0),
                         CLNN_INVALID_VALUE, "cond");
    harness_expect_error(clnn_where(ctx, &di, x, 0, &d, x, 0, &di, x, 0, &d, y, 0),
                         CLNN_INVALID_VALUE, "b");
    harness_expect_error(clnn_where(ctx, &di, x, 0, &d, x, 0, &d, x, 0, &di, y, 0),
                         CLNN_INVALID_VALUE, "y");
    harness_expect_error(clnn_where(ctx, &di, x, 0, &other, x, 0, &d, x, 0, &d, y, 0),
                         CLNN_SHAPE_MISMATCH, "a");
    harness_expect_error(clnn_where(NULL, &di, x, 0, &d, x, 0, &d, x, 0, &d, y, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_cast(ctx, &d, x, 0, &other, y, 0), CLNN_SHAPE_MISMATCH, "y");
    harness_expect_error(clnn_cast(ctx, &d, x, 0, NULL, y, 0), CLNN_NULL_POINTER, "y");
    harness_expect_error(clnn_cast(ctx, &bad, x, 0, &d, y, 0), CLNN_INVALID_VALUE, "x");
    harness_expect_error(clnn_cast(ctx, &d, x, 0, &dl, y, 0), CLNN_INVALID_VALUE, "y");

    clnn_context_finish(ctx);
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    harness_download(yi, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("math");
    TCase *tc = harness_tcase(s, "unary");
    tcase_add_loop_test(tc, unary_forward_matches_reference, 0, UNARY_COUNT);
    tcase_add_loop_test(tc, unary_backward_matches_finite_differences, 0, UNARY_COUNT);
    tcase_add_test(tc, unary_special_values);
    tc = harness_tcase(s, "broadcast");
    tcase_add_loop_test(tc, math_binary_matches_reference, 0, 4);
    tcase_add_loop_test(tc, compare_matches_reference, 0, 6);
    tcase_add_loop_test(tc, logical_matches_reference, 0, 3);
    tcase_add_test(tc, min_max_keep_nan_and_alias);
    tcase_add_test(tc, integer_pow_edge_cases);
    tcase_add_loop_test(tc, logical_not_and_where, 0, 3);
    tcase_add_loop_test(tc, cast_converts_every_pair, 0, 9);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
