/* Batch normalization: inference and training forward against the double
 * reference (statistics, running-statistics update, saved statistics), accuracy on
 * a large [64, 7, 31, 31] batch with a large mean, backward against finite
 * differences for x, scale and bias, and bad input. CLNN_TEST_SMALL=1 keeps
 * tensors at a few hundred elements. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct bn_case {
    int rank;
    int64_t dims[4];
} bn_case;

/* NCHW with odd planes, 2-D [N, C], a plane of exactly one vector (16), batch 1,
 * M = 1, then large cases: planes of whole vectors, and the accuracy case. */
static const bn_case cases[] = {
    {4, {2, 3, 5, 7}},   {2, {9, 4}},        {3, {2, 4, 16}},       {4, {1, 5, 3, 13}},
    {3, {1, 2, 1}},      {4, {3, 2, 9, 11}}, {4, {16, 5, 16, 16}},  {4, {64, 7, 31, 31}},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define SMALL_CASES 6

typedef struct bn_geom {
    size_t n, c, hw, count;
} bn_geom;

static bn_geom geometry(const bn_case *k)
{
    bn_geom g = {(size_t)k->dims[0], (size_t)k->dims[1], 1, 0};
    for (int i = 2; i < k->rank; i++) g.hw *= (size_t)k->dims[i];
    g.count = g.n * g.c * g.hw;
    return g;
}

/* A buffer holding `n` floats at element offset `off`. */
static cl_mem upload_at(const float *x, size_t n, size_t off)
{
    float *padded = harness_alloc((n + off) * 4);
    memcpy(padded + off, x, n * 4);
    return harness_upload(padded, (n + off) * 4);
}

static float *download_at(cl_mem b, size_t n, size_t off)
{
    float *y = harness_alloc(n * 4);
    harness_download(b, off * 4, y, n * 4);
    return y;
}

static float *random_floats(size_t n, uint32_t seed, float lo, float hi)
{
    float *x = harness_alloc(n * 4);
    harness_random(x, n, seed, lo, hi);
    return x;
}

START_TEST(inference_matches_reference)
{
    /* One fused multiply-add chain per element: rtol 1e-5, atol 1e-5 for y near 0. */
    const bn_case *k = &cases[_i];
    bn_geom g = geometry(k);
    size_t off = (size_t)_i % 3;
    const float eps = 1e-3f;
    float *x = random_floats(g.count, 1 + (uint32_t)_i, -3, 3);
    float *scale = random_floats(g.c, 2, 0.5f, 2), *bias = random_floats(g.c, 3, -1, 1);
    float *mean = random_floats(g.c, 4, -1, 1), *var = random_floats(g.c, 5, 0.1f, 3);
    clnn_tensor_desc xd = harness_desc(k->rank, k->dims), pd = HARNESS_DESC((int64_t)g.c);
    cl_mem xb = upload_at(x, g.count, off), yb = harness_buffer((g.count + off + 1) * 4);
    harness_expect_ok(clnn_batchnorm_forward_inference(
        harness_ctx(), eps, &xd, xb, off * 4, &xd, yb, (off + 1) * 4, &pd,
        upload_at(scale, g.c, off), off * 4, upload_at(bias, g.c, 0), 0,
        upload_at(mean, g.c, 1), 4, upload_at(var, g.c, 2), 8));
    double *want = harness_alloc(g.count * sizeof *want);
    ref_batchnorm_inference(g.n, g.c, g.hw, eps, x, scale, bias, mean, var, want);
    harness_expect_close(download_at(yb, g.count, off + 1), want, g.count, 1e-5, 1e-5,
                         "batchnorm inference");
    /* In place. */
    harness_expect_ok(clnn_batchnorm_forward_inference(
        harness_ctx(), eps, &xd, xb, off * 4, &xd, xb, off * 4, &pd, upload_at(scale, g.c, 0),
        0, upload_at(bias, g.c, 0), 0, upload_at(mean, g.c, 0), 0, upload_at(var, g.c, 0), 0));
    harness_expect_close(download_at(xb, g.count, off), want, g.count, 1e-5, 1e-5,
                         "batchnorm inference in place");
}
END_TEST

START_TEST(training_matches_reference)
{
    /* fp32 partial sums per work-item, then a tree: the mean carries ~1e-6
     * relative error even for 61504 values per channel; the two-pass variance is
     * as good. x has a mean of 10 (std ~1.7), which a one-pass sum-of-squares would
     * lose. Tolerance rtol 1e-4, atol 1e-4 on y (values ~1), as the task states
     * for the large case; statistics rtol 1e-5. */
    const bn_case *k = &cases[_i];
    bn_geom g = geometry(k);
    size_t off = (size_t)_i % 2 + 1;
    const float eps = 1e-5f, momentum = 0.9f;
    float *x = random_floats(g.count, 7 + (uint32_t)_i, 7, 13);
    float *scale = random_floats(g.c, 2, 0.5f, 2), *bias = random_floats(g.c, 3, -1, 1);
    float *rmean = random_floats(g.c, 4, -1, 1), *rvar = random_floats(g.c, 5, 0.1f, 3);
    clnn_tensor_desc xd = harness_desc(k->rank, k->dims), pd = HARNESS_DESC((int64_t)g.c);
    cl_mem xb = upload_at(x, g.count, off), yb = harness_buffer((g.count + off) * 4);
    cl_mem rmb = upload_at(rmean, g.c, off), rvb = upload_at(rvar, g.c, 0);
    cl_mem smb = harness_buffer((g.c + off) * 4), sib = harness_buffer(g.c * 4);
    harness_expect_ok(clnn_batchnorm_forward_training(
        harness_ctx(), eps, momentum, &xd, xb, off * 4, &xd, yb, off * 4, &pd,
        upload_at(scale, g.c, 1), 4, upload_at(bias, g.c, off), off * 4, rmb, off * 4, rvb, 0,
        smb, off * 4, sib, 0));

    double *want = harness_alloc(g.count * sizeof *want);
    double *mean = harness_alloc(g.c * sizeof *mean), *var = harness_alloc(g.c * sizeof *var);
    ref_batchnorm_train(g.n, g.c, g.hw, eps, gradcheck_to_double(x, g.count),
                        gradcheck_to_double(scale, g.c), gradcheck_to_double(bias, g.c), want,
                        mean, var);
    harness_expect_close(download_at(yb, g.count, off), want, g.count, 1e-4, 1e-4,
                         "batchnorm training y");

    double *w_rm = harness_alloc(g.c * 8), *w_rv = harness_alloc(g.c * 8);
    double *w_inv = harness_alloc(g.c * 8);
    size_t m = g.n * g.hw;
    for (size_t c = 0; c < g.c; c++) {
        double unbiased = m > 1 ? var[c] * m / (m - 1) : var[c];
        w_rm[c] = momentum * (double)rmean[c] + (1 - momentum) * mean[c];
        w_rv[c] = momentum * (double)rvar[c] + (1 - momentum) * unbiased;
        w_inv[c] = 1 / sqrt(var[c] + eps);
    }
    harness_expect_close(download_at(smb, g.c, off), mean, g.c, 1e-5, 0, "saved mean");
    harness_expect_close(download_at(sib, g.c, 0), w_inv, g.c, 1e-4, 0, "saved inv std");
    harness_expect_close(download_at(rmb, g.c, off), w_rm, g.c, 1e-5, 1e-6, "running mean");
    harness_expect_close(download_at(rvb, g.c, 0), w_rv, g.c, 1e-4, 1e-6, "running var");
}
END_TEST

/* Finite differences of the training forward with respect to x, scale or bias. */
typedef struct fd_params {
    bn_geom g;
    int wrt; /* 0 x, 1 scale, 2 bias */
    const double *x, *scale, *bias;
} fd_params;

static void fd_forward(const double *v, double *y, void *params)
{
    const fd_params *p = params;
    ref_batchnorm_train(p->g.n, p->g.c, p->g.hw, 1e-5, p->wrt == 0 ? v : p->x,
                        p->wrt == 1 ? v : p->scale, p->wrt == 2 ? v : p->bias, y, NULL, NULL);
}

START_TEST(backward_matches_finite_differences)
{
    /* Central differences (h = 1e-4) of the double reference are good to ~1e-8;
     * the device's sums are fp32 over <= 60 values: rtol 1e-3, atol 1e-4 (dx sums
     * three terms that nearly cancel). Cases: NCHW, 2-D, HW > work-group, and
     * planes of whole vectors (HW 16 and 64 divide by every vector width). */
    static const bn_case fd_cases[] = {
        {4, {3, 2, 2, 3}}, {2, {9, 4}}, {3, {1, 2, 70}}, {3, {2, 2, 16}}, {4, {3, 1, 8, 8}}};
    const bn_case *k = &fd_cases[_i];
    fd_params p;
    p.g = geometry(k);
    size_t count = p.g.count, c = p.g.c, off = 3;
    float *x = random_floats(count, 31 + (uint32_t)_i, -2, 2);
    float *dy = random_floats(count, 32, -1, 1);
    float *scale = random_floats(c, 33, 0.5f, 2), *bias = random_floats(c, 34, -1, 1);
    p.x = gradcheck_to_double(x, count);
    p.scale = gradcheck_to_double(scale, c);
    p.bias = gradcheck_to_double(bias, c);
    double *w = gradcheck_to_double(dy, count);
    double *want_dx = harness_alloc(count * 8), *want_ds = harness_alloc(c * 8);
    double *want_db = harness_alloc(c * 8);
    p.wrt = 0;
    gradcheck_numeric(fd_forward, &p, p.x, count, w, count, 1e-4, want_dx);
    p.wrt = 1;
    gradcheck_numeric(fd_forward, &p, p.scale, c, w, count, 1e-4, want_ds);
    p.wrt = 2;
    gradcheck_numeric(fd_forward, &p, p.bias, c, w, count, 1e-4, want_db);

    clnn_tensor_desc xd = harness_desc(k->rank, k->dims), pd = HARNESS_DESC((int64_t)c);
    cl_mem xb = upload_at(x, count, off), yb = harness_buffer(count * 4);
    cl_mem sb = upload_at(scale, c, 0), bb = upload_at(bias, c, 0);
    /* Running and saved statistics start defined: oclgrind counts values a previous
     * kernel wrote into a never-uploaded buffer as uninitialized. */
    float *zeros = harness_alloc((c + 2) * 4);
    cl_mem rm = upload_at(zeros, c, 0), rv = upload_at(zeros, c, 0);
    cl_mem smb = upload_at(zeros, c + 1, 0), sib = upload_at(zeros, c + 2, 0);
    harness_expect_ok(clnn_batchnorm_forward_training(harness_ctx(), 1e-5f, 0.5f, &xd, xb,
                                                      off * 4, &xd, yb, 0, &pd, sb, 0, bb, 0,
                                                      rm, 0, rv, 0, smb, 4, sib, 8));
    /* dx written over dy at a buffer offset. */
    cl_mem dyb = upload_at(dy, count, 1), dsb = harness_buffer((c + 1) * 4);
    cl_mem dbb = harness_buffer(c * 4);
    harness_expect_ok(clnn_batchnorm_backward(harness_ctx(), &xd, xb, off * 4, &xd, dyb, 4, &xd,
                                              dyb, 4, &pd, sb, 0, smb, 4, sib, 8, dsb, 4, dbb,
                                              0));
    harness_expect_close(download_at(dyb, count, 1), want_dx, count, 1e-3, 1e-4,
                         "batchnorm dx");
    harness_expect_close(download_at(dsb, c, 1), want_ds, c, 1e-4, 1e-5, "batchnorm dscale");
    harness_expect_close(download_at(dbb, c, 0), want_db, c, 1e-4, 1e-5, "batchnorm dbias");
}
END_TEST

/* Shared buffers for the bad-input test: x/y [2, 3, 2, 2], params [3]. */
typedef struct bad_env {
    clnn_context_t ctx;
    clnn_tensor_desc xd, pd;
    cl_mem x, y, p[6];
} bad_env;

static clnn_status train(const bad_env *e, float eps, float mom, const clnn_tensor_desc *xd,
                         const clnn_tensor_desc *yd, const clnn_tensor_desc *pd, cl_mem scale)
{
    return clnn_batchnorm_forward_training(e->ctx, eps, mom, xd, e->x, 0, yd, e->y, 0, pd,
                                           scale, 0, e->p[1], 0, e->p[2], 0, e->p[3], 0,
                                           e->p[4], 0, e->p[5], 0);
}

static clnn_status infer(const bad_env *e, float eps, const clnn_tensor_desc *xd,
                         const clnn_tensor_desc *yd, const clnn_tensor_desc *pd, cl_mem var)
{
    return clnn_batchnorm_forward_inference(e->ctx, eps, xd, e->x, 0, yd, e->y, 0, pd, e->p[0],
                                            0, e->p[1], 0, e->p[2], 0, var, 0);
}

static clnn_status backward(const bad_env *e, const clnn_tensor_desc *xd,
                            const clnn_tensor_desc *dxd, const clnn_tensor_desc *pd,
                            cl_mem dbias)
{
    return clnn_batchnorm_backward(e->ctx, xd, e->x, 0, xd, e->x, 0, dxd, e->y, 0, pd, e->p[0],
                                   0, e->p[1], 0, e->p[2], 0, e->p[3], 0, dbias, 0);
}

START_TEST(bad_input_is_rejected)
{
    /* Each call fails before enqueueing: y and every parameter buffer stay as
     * they were. */
    float sentinel[24];
    for (int i = 0; i < 24; i++) sentinel[i] = (float)i + 0.5f;
    bad_env e;
    e.ctx = harness_ctx();
    e.xd = HARNESS_DESC(2, 3, 2, 2);
    e.pd = HARNESS_DESC(3);
    e.x = harness_upload(sentinel, sizeof sentinel);
    e.y = harness_upload(sentinel, sizeof sentinel);
    for (int i = 0; i < 6; i++) e.p[i] = harness_upload(sentinel, 12);
    clnn_tensor_desc rank1 = HARNESS_DESC(24), p4 = HARNESS_DESC(4), p2d = HARNESS_DESC(3, 1);
    clnn_tensor_desc other = HARNESS_DESC(2, 3, 4, 1), ints = e.xd;
    ints.dtype = CLNN_INT32;
    cl_mem tiny = harness_upload(sentinel, 8); /* 2 floats: too small for C = 3 */

    harness_expect_status(clnn_batchnorm_forward_training(NULL, 1e-5f, 0.9f, &e.xd, e.x, 0,
                                                          &e.xd, e.y, 0, &e.pd, e.p[0], 0,
                                                          e.p[1], 0, e.p[2], 0, e.p[3], 0,
                                                          e.p[4], 0, e.p[5], 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(train(&e, 0.0f, 0.9f, &e.xd, &e.xd, &e.pd, e.p[0]), CLNN_INVALID_VALUE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "epsilon"));
    harness_expect_status(train(&e, -1.0f, 0.9f, &e.xd, &e.xd, &e.pd, e.p[0]),
                          CLNN_INVALID_VALUE);
    harness_expect_status(train(&e, NAN, 0.9f, &e.xd, &e.xd, &e.pd, e.p[0]), CLNN_INVALID_VALUE);
    harness_expect_status(train(&e, 1e-5f, 1.5f, &e.xd, &e.xd, &e.pd, e.p[0]),
                          CLNN_INVALID_VALUE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "momentum"));
    harness_expect_status(train(&e, 1e-5f, -0.1f, &e.xd, &e.xd, &e.pd, e.p[0]),
                          CLNN_INVALID_VALUE);
    harness_expect_status(train(&e, 1e-5f, 0.9f, NULL, &e.xd, &e.pd, e.p[0]), CLNN_NULL_POINTER);
    harness_expect_status(train(&e, 1e-5f, 0.9f, &e.xd, &e.xd, NULL, e.p[0]), CLNN_NULL_POINTER);
    harness_expect_status(train(&e, 1e-5f, 0.9f, &e.xd, &e.xd, &e.pd, NULL), CLNN_NULL_POINTER);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "scale"));
    harness_expect_status(train(&e, 1e-5f, 0.9f, &rank1, &rank1, &e.pd, e.p[0]),
                          CLNN_INVALID_VALUE);
    harness_expect_status(train(&e, 1e-5f, 0.9f, &ints, &e.xd, &e.pd, e.p[0]),
                          CLNN_INVALID_VALUE);
    harness_expect_status(train(&e, 1e-5f, 0.9f, &e.xd, &other, &e.pd, e.p[0]),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(train(&e, 1e-5f, 0.9f, &e.xd, &e.xd, &p4, e.p[0]),
                          CLNN_SHAPE_MISMATCH);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "3 channels"));
    harness_expect_status(train(&e, 1e-5f, 0.9f, &e.xd, &e.xd, &p2d, e.p[0]),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(train(&e, 1e-5f, 0.9f, &e.xd, &e.xd, &e.pd, tiny), CLNN_INVALID_VALUE);

    harness_expect_status(infer(&e, 1e-5f, &e.xd, &e.xd, &e.pd, NULL), CLNN_NULL_POINTER);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "var"));
    harness_expect_status(infer(&e, 0.0f, &e.xd, &e.xd, &e.pd, e.p[3]), CLNN_INVALID_VALUE);
    harness_expect_status(infer(&e, 1e-5f, &e.xd, &other, &e.pd, e.p[3]), CLNN_SHAPE_MISMATCH);
    harness_expect_status(infer(&e, 1e-5f, &e.xd, &e.xd, &p4, e.p[3]), CLNN_SHAPE_MISMATCH);
    harness_expect_status(infer(&e, 1e-5f, &e.xd, &e.xd, &e.pd, tiny), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_batchnorm_forward_inference(NULL, 1e-5f, &e.xd, e.x, 0, &e.xd,
                                                           e.y, 0, &e.pd, e.p[0], 0, e.p[1], 0,
                                                           e.p[2], 0, e.p[3], 0),
                          CLNN_NULL_POINTER);

    harness_expect_status(backward(&e, &e.xd, &e.xd, &e.pd, NULL), CLNN_NULL_POINTER);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "dbias"));
    harness_expect_status(backward(&e, &e.xd, &other, &e.pd, e.p[4]), CLNN_SHAPE_MISMATCH);
    harness_expect_status(backward(&e, &e.xd, &e.xd, &p4, e.p[4]), CLNN_SHAPE_MISMATCH);
    harness_expect_status(backward(&e, &rank1, &rank1, &e.pd, e.p[4]), CLNN_INVALID_VALUE);
    harness_expect_status(backward(&e, &e.xd, &e.xd, &e.pd, tiny), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_batchnorm_backward(NULL, &e.xd, e.x, 0, &e.xd, e.x, 0, &e.xd,
                                                  e.y, 0, &e.pd, e.p[0], 0, e.p[1], 0, e.p[2],
                                                  0, e.p[3], 0, e.p[4], 0),
                          CLNN_NULL_POINTER);

    float after[24];
    harness_download(e.y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    for (int i = 0; i < 6; i++) {
        harness_download(e.p[i], 0, after, 12);
        ck_assert_mem_eq(after, sentinel, 12);
    }
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("batchnorm");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tc = harness_tcase(s, "forward");
    int count = small_mode ? SMALL_CASES : (int)CASE_COUNT;
    tcase_add_loop_test(tc, inference_matches_reference, 0, count);
    tcase_add_loop_test(tc, training_matches_reference, 0, count);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, 5);
    return harness_main(s);
}
