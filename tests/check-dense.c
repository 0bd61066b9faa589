/* Dense layer: forward against the double reference (with and without bias and
 * activation, rank 2 and 3, buffer offsets), backward against central finite
 * differences, and bad input. CLNN_TEST_SMALL=1 keeps only the small cases. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

/* Random floats in [-1, 1) uploaded at element offset `off` of a fresh buffer. */
static cl_mem upload_random(size_t n, size_t off, uint32_t seed, float **host)
{
    float *h = harness_alloc((n + off) * sizeof *h);
    harness_random(h + off, n, seed, -1, 1);
    *host = h + off;
    return harness_upload(h, (n + off) * sizeof *h);
}

typedef struct dense_case {
    size_t m, k, n;
    int bias, act; /* act: an activation kind, -1 for none (NULL) */
} dense_case;

/* Small cases first: CLNN_TEST_SMALL runs only those. */
static const dense_case cases[] = {{1, 1, 1, 0, -1},
                                   {1, 7, 93, 1, -1},
                                   {3, 5, 4, 1, CLNN_ACTIVATION_RELU},
                                   {7, 16, 1, 0, CLNN_ACTIVATION_TANH},
                                   {64, 93, 7, 1, CLNN_ACTIVATION_SIGMOID},
                                   {64, 257, 93, 1, -1},
                                   {1, 257, 257, 0, CLNN_ACTIVATION_GELU},
                                   {64, 64, 257, 1, CLNN_ACTIVATION_RELU}};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define SMALL_CASES 5

START_TEST(forward_matches_reference)
{
    /* Dot products of up to 257 terms in [-1, 1]: fp32 accumulation error stays
     * below ~1e-5 * sqrt(k); rtol 1e-4 / atol 1e-4 leave margin. */
    const dense_case *c = &cases[_i];
    size_t xo = _i % 3, wo = (_i + 1) % 4, bo = 5, yo = (_i * 7) % 5;
    float *x, *w, *b;
    cl_mem xb = upload_random(c->m * c->k, xo, 1 + (uint32_t)_i, &x);
    cl_mem wb = upload_random(c->k * c->n, wo, 2 + (uint32_t)_i, &w);
    cl_mem bb = upload_random(c->n, bo, 3 + (uint32_t)_i, &b);
    /* y starts as NaN: the GEMM (beta 0) must overwrite it, never read it. */
    float *nans = harness_alloc((c->m * c->n + yo) * 4);
    for (size_t i = 0; i < c->m * c->n + yo; i++) nans[i] = NAN;
    cl_mem yb = harness_upload(nans, (c->m * c->n + yo) * 4);
    /* Rank 3 x for even cases with m = 64: [4, 16, k] flattens to [64, k]. */
    clnn_tensor_desc xd = HARNESS_DESC((int64_t)c->m, (int64_t)c->k);
    clnn_tensor_desc yd = HARNESS_DESC((int64_t)c->m, (int64_t)c->n);
    if (c->m == 64 && _i % 2 == 0) {
        xd = HARNESS_DESC(4, 16, (int64_t)c->k);
        yd = HARNESS_DESC(4, 16, (int64_t)c->n);
    }
    clnn_tensor_desc wd = HARNESS_DESC((int64_t)c->k, (int64_t)c->n);
    clnn_tensor_desc bd = HARNESS_DESC((int64_t)c->n);
    clnn_activation_desc act = clnn_activation_default(c->act < 0 ? 0 : c->act);
    harness_expect_ok(clnn_dense_forward(harness_ctx(), c->act < 0 ? NULL : &act, &xd, xb, xo * 4,
                                         &wd, wb, wo * 4, c->bias ? &bd : NULL, c->bias ? bb : NULL,
                                         bo * 4, &yd, yb, yo * 4));
    float *y = harness_alloc(c->m * c->n * 4);
    harness_download(yb, yo * 4, y, c->m * c->n * 4);
    double *want = harness_alloc(c->m * c->n * sizeof *want);
    ref_dense(c->m, c->k, c->n, gradcheck_to_double(x, c->m * c->k),
              gradcheck_to_double(w, c->k * c->n), c->bias ? gradcheck_to_double(b, c->n) : NULL,
              c->act < 0 ? NULL : &act, want);
    harness_expect_close(y, want, c->m * c->n, 1e-4, 1e-4, "dense forward");
}
END_TEST

/* Finite differences with respect to one of x, w, b (the others fixed). */
typedef struct dense_fd {
    size_t m, k, n;
    const double *x, *w, *b;
    int wrt; /* 0 x, 1 w, 2 b */
} dense_fd;

static void dense_of(const double *v, double *y, void *params)
{
    const dense_fd *p = params;
    ref_dense(p->m, p->k, p->n, p->wrt == 0 ? v : p->x, p->wrt == 1 ? v : p->w,
              p->wrt == 2 ? v : p->b, NULL, y);
}

START_TEST(backward_matches_finite_differences)
{
    /* The loss is linear in each argument, so central differences are exact up to
     * rounding (~1e-10); the tolerance covers the fp32 GEMM and column sums. */
    size_t m = _i ? 9 : 1, k = 7, n = 5;
    float *x, *w, *b, *dy;
    cl_mem xb = upload_random(m * k, 1, 11, &x), wb = upload_random(k * n, 2, 12, &w);
    cl_mem dyb = upload_random(m * n, 3, 13, &dy);
    upload_random(n, 0, 14, &b);
    cl_mem dxb = harness_buffer((m * k + 2) * 4), dwb = harness_buffer((k * n + 1) * 4);
    cl_mem dbb = harness_buffer((n + 3) * 4);
    clnn_tensor_desc xd = HARNESS_DESC((int64_t)m, (int64_t)k),
                     wd = HARNESS_DESC((int64_t)k, (int64_t)n);
    clnn_tensor_desc yd = HARNESS_DESC((int64_t)m, (int64_t)n), bd = HARNESS_DESC((int64_t)n);
    clnn_context_t ctx = harness_ctx();
    harness_expect_ok(clnn_dense_backward_data(ctx, &yd, dyb, 12, &wd, wb, 8, &xd, dxb, 8));
    harness_expect_ok(
        clnn_dense_backward_weights(ctx, &xd, xb, 4, &yd, dyb, 12, &wd, dwb, 4, &bd, dbb, 12));

    dense_fd p = {m,
                  k,
                  n,
                  gradcheck_to_double(x, m * k),
                  gradcheck_to_double(w, k * n),
                  gradcheck_to_double(b, n),
                  0};
    const double *dyd = gradcheck_to_double(dy, m * n);
    struct {
        cl_mem buf;
        size_t off, count;
        const double *at;
        const char *what;
    } grads[3] = {{dxb, 8, m * k, p.x, "dense dx"},
                  {dwb, 4, k * n, p.w, "dense dw"},
                  {dbb, 12, n, p.b, "dense db"}};
    for (int g = 0; g < 3; g++) {
        p.wrt = g;
        double *want = harness_alloc(grads[g].count * sizeof *want);
        gradcheck_numeric(dense_of, &p, grads[g].at, grads[g].count, dyd, m * n, 1e-4, want);
        float *got = harness_alloc(grads[g].count * 4);
        harness_download(grads[g].buf, grads[g].off, got, grads[g].count * 4);
        harness_expect_close(got, want, grads[g].count, 1e-4, 1e-5, grads[g].what);
    }
    /* Without a bias only dw is written. */
    harness_expect_ok(
        clnn_dense_backward_weights(ctx, &xd, xb, 4, &yd, dyb, 12, &wd, dwb, 4, NULL, NULL, 0));
}
END_TEST

START_TEST(column_sums_of_a_long_batch)
{
    /* db over 4096 rows goes through the work-group reduction path. */
    size_t m = 4096, k = 3, n = 5;
    float *x, *dy;
    cl_mem xb = upload_random(m * k, 0, 21, &x), dyb = upload_random(m * n, 0, 22, &dy);
    cl_mem dwb = harness_buffer(k * n * 4), dbb = harness_buffer(n * 4);
    clnn_tensor_desc xd = HARNESS_DESC((int64_t)m, (int64_t)k),
                     wd = HARNESS_DESC((int64_t)k, (int64_t)n);
    clnn_tensor_desc yd = HARNESS_DESC((int64_t)m, (int64_t)n), bd = HARNESS_DESC((int64_t)n);
    harness_expect_ok(clnn_dense_backward_weights(harness_ctx(), &xd, xb, 0, &yd, dyb, 0, &wd, dwb,
                                                  0, &bd, dbb, 0));
    double want[5] = {0};
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) want[j] += dy[i * n + j];
    float got[5];
    harness_download(dbb, 0, got, sizeof got);
    harness_expect_close(got, want, n, 1e-5, 1e-5, "dense db, 4096 rows");
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    float sentinel[24];
    for (int i = 0; i < 24; i++) sentinel[i] = (float)i;
    cl_mem x = harness_upload(sentinel, 96), w = harness_upload(sentinel, 96);
    cl_mem b = harness_upload(sentinel, 96), y = harness_upload(sentinel, 96);
    clnn_tensor_desc xd = HARNESS_DESC(2, 3), wd = HARNESS_DESC(3, 4), bd = HARNESS_DESC(4);
    clnn_tensor_desc yd = HARNESS_DESC(2, 4), x1 = HARNESS_DESC(6), w3 = HARNESS_DESC(1, 3, 4);
    clnn_tensor_desc wrong_k = HARNESS_DESC(4, 4), wrong_y = HARNESS_DESC(2, 5);
    clnn_tensor_desc b5 = HARNESS_DESC(5), xi = xd;
    xi.dtype = CLNN_INT32;
    clnn_activation_desc bad_act = {(clnn_activation)42, 0, 0};
    harness_expect_error(clnn_dense_forward(NULL, NULL, &xd, x, 0, &wd, w, 0, &bd, b, 0, &yd, y, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_dense_forward(ctx, NULL, NULL, x, 0, &wd, w, 0, &bd, b, 0, &yd, y, 0),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(
        clnn_dense_forward(ctx, NULL, &xd, x, 0, &wd, NULL, 0, &bd, b, 0, &yd, y, 0),
        CLNN_NULL_POINTER, "w");
    harness_expect_error(
        clnn_dense_forward(ctx, NULL, &xd, x, 0, &wd, w, 0, &bd, NULL, 0, &yd, y, 0),
        CLNN_NULL_POINTER, "b");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &xd, x, 0, &wd, w, 0, NULL, b, 0, &yd, y, 0),
                         CLNN_NULL_POINTER, "b");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &xi, x, 0, &wd, w, 0, &bd, b, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "x is int32");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &x1, x, 0, &wd, w, 0, &bd, b, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "x has rank 1");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &xd, x, 0, &w3, w, 0, &bd, b, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "w has rank 3");
    harness_expect_error(
        clnn_dense_forward(ctx, NULL, &xd, x, 0, &wrong_k, w, 0, &bd, b, 0, &yd, y, 0),
        CLNN_SHAPE_MISMATCH, "[4, 4]");
    harness_expect_error(
        clnn_dense_forward(ctx, NULL, &xd, x, 0, &wd, w, 0, &bd, b, 0, &wrong_y, y, 0),
        CLNN_SHAPE_MISMATCH, "y");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &xd, x, 0, &wd, w, 0, &b5, b, 0, &yd, y, 0),
                         CLNN_SHAPE_MISMATCH, "b");
    harness_expect_error(
        clnn_dense_forward(ctx, &bad_act, &xd, x, 0, &wd, w, 0, &bd, b, 0, &yd, y, 0),
        CLNN_INVALID_VALUE, "activation");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &xd, x, 0, &wd, w, 0, &bd, b, 0, &yd, y, 90),
                         CLNN_INVALID_VALUE, "y");
    harness_expect_error(clnn_dense_forward(ctx, NULL, &xd, x, 2, &wd, w, 0, &bd, b, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "x");
    harness_expect_error(clnn_dense_backward_data(ctx, &yd, y, 0, &wd, w, 0, &wrong_y, x, 0),
                         CLNN_SHAPE_MISMATCH, "dx");
    harness_expect_error(clnn_dense_backward_data(ctx, &yd, NULL, 0, &wd, w, 0, &xd, x, 0),
                         CLNN_NULL_POINTER, "dy");
    harness_expect_error(
        clnn_dense_backward_weights(ctx, &xd, x, 0, &yd, y, 0, &wrong_k, w, 0, &bd, b, 0),
        CLNN_SHAPE_MISMATCH, "dw");
    harness_expect_error(
        clnn_dense_backward_weights(ctx, &xd, x, 0, &yd, y, 0, &wd, w, 0, &b5, b, 0),
        CLNN_SHAPE_MISMATCH, "db");
    cl_mem bufs[4] = {x, w, b, y};
    for (int i = 0; i < 4; i++) {
        float after[24];
        harness_download(bufs[i], 0, after, sizeof after);
        ck_assert_mem_eq(after, sentinel, sizeof after);
    }
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("dense");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_matches_reference, 0,
                        small_mode ? SMALL_CASES : (int)CASE_COUNT);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, 2);
    if (!small_mode) tcase_add_test(tc, column_sums_of_a_long_batch);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
