/* Layer normalization and RMS normalization: forward (y, mean, inv_std) against
 * the double reference over odd row lengths, axes, with and without scale/bias
 * and at non-zero offsets; backward against the analytic double reference and
 * against central finite differences; a large common offset; bad input.
 * CLNN_TEST_SMALL=1 keeps every tensor at a few hundred elements. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct ln_case {
    int rank;
    int64_t dims[4];
    int axis;
} ln_case;

/* Row lengths 1, 7, 16, 21 (two axes), 93, 64 * 3 (axis 1 of rank 3), then
 * 257, 1000, 4099 (many vector chunks per work-item, scalar tails). */
static const ln_case cases[] = {
    {2, {3, 1}, -1},   {2, {5, 7}, 1},      {3, {2, 3, 16}, 2}, {3, {4, 3, 7}, 1},
    {2, {1, 93}, -1},  {1, {7}, 0},         {3, {2, 3, 64}, 1}, {2, {9, 257}, 1},
    {2, {3, 1000}, 1}, {2, {2, 4099}, -1}, {4, {2, 3, 5, 7}, -3},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define SMALL_CASES 6

static size_t geometry(const ln_case *c, size_t *rows, size_t *len)
{
    int a = c->axis < 0 ? c->axis + c->rank : c->axis;
    *rows = *len = 1;
    for (int i = 0; i < c->rank; i++) *(i < a ? rows : len) *= (size_t)c->dims[i];
    return *rows * *len;
}

/* The normalized shape of a case. */
static clnn_tensor_desc param_desc(const ln_case *c)
{
    int a = c->axis < 0 ? c->axis + c->rank : c->axis;
    return harness_desc(c->rank - a, c->dims + a);
}

/* n floats at element offset `off` of a fresh buffer (NaN elsewhere). */
static cl_mem upload_at(const float *x, size_t n, size_t off)
{
    float *padded = harness_alloc((n + off + 2) * sizeof(float));
    for (size_t i = 0; i < n + off + 2; i++) padded[i] = NAN;
    if (x) memcpy(padded + off, x, n * sizeof(float));
    return harness_upload(padded, (n + off + 2) * sizeof(float));
}

static float *download_at(cl_mem b, size_t n, size_t off)
{
    float *y = harness_alloc(n * sizeof *y);
    harness_download(b, off * 4, y, n * 4);
    return y;
}

static float *random_floats(size_t n, uint32_t seed, float lo, float hi)
{
    float *x = harness_alloc(n * sizeof *x);
    harness_random(x, n, seed, lo, hi);
    return x;
}

/* Device forward + backward of one case and configuration, compared with the
 * double reference. `affine`: bit 0 scale, bit 1 bias. */
static void run_case(const ln_case *c, int rms, int affine, float shift, uint32_t seed)
{
    size_t rows, len, n = geometry(c, &rows, &len), off = 1 + seed % 3;
    const float eps = 1e-6f;
    clnn_tensor_desc d = harness_desc(c->rank, c->dims), pd = param_desc(c);
    clnn_tensor_desc sd = HARNESS_DESC((int64_t)rows);
    float *x = random_floats(n, seed, -2, 2), *dy = random_floats(n, seed + 1, -1, 1);
    float *sc = random_floats(len, seed + 2, 0.5f, 1.5f), *bi = random_floats(len, seed + 3, -1, 1);
    for (size_t i = 0; i < n; i++) x[i] += shift;
    int has_s = affine & 1, has_b = (affine & 2) && !rms;
    cl_mem xb = upload_at(x, n, off), yb = upload_at(NULL, n, off + 1);
    cl_mem sb = has_s ? upload_at(sc, len, 2) : NULL, bb = has_b ? upload_at(bi, len, 1) : NULL;
    cl_mem mb = upload_at(NULL, rows, 1), ib = upload_at(NULL, rows, 2);
    clnn_context_t ctx = harness_ctx();
    if (rms)
        harness_expect_ok(clnn_rmsnorm_forward(ctx, c->axis, eps, &d, xb, off * 4, &pd, sb, 8, &d,
                                               yb, (off + 1) * 4, &sd, ib, 8));
    else
        harness_expect_ok(clnn_layernorm_forward(ctx, c->axis, eps, &d, xb, off * 4, &pd, sb, 8,
                                                 bb, 4, &d, yb, (off + 1) * 4, &sd, mb, 4, ib, 8));
    double *xd = gradcheck_to_double(x, n), *sdd = has_s ? gradcheck_to_double(sc, len) : NULL;
    double *bd = has_b ? gradcheck_to_double(bi, len) : NULL;
    double *want = harness_alloc(n * sizeof *want), *wm = harness_alloc(rows * 8),
           *wi = harness_alloc(rows * 8);
    ref_layernorm(rms, rows, len, eps, xd, sdd, bd, want, wm, wi);
    /* Two-pass fp32 statistics over up to 4099 values: y within ~1e-5 relative of
     * values of order 1 (atol 2e-5: the shifted case loses ~|shift| * 2^-24 per
     * deviation); inv_std ~1e-5 relative. */
    harness_expect_close(download_at(yb, n, off + 1), want, n, 2e-5, 2e-5 + shift * 2e-7, "y");
    harness_expect_close(download_at(ib, rows, 2), wi, rows, 2e-5, 0, "inv_std");
    if (!rms) harness_expect_close(download_at(mb, rows, 1), wm, rows, 1e-6, 1e-6, "mean");

    /* Backward: dx over a copy of dy at another offset, dscale, dbias. */
    cl_mem dyb = upload_at(dy, n, off), dxb = upload_at(NULL, n, off + 2);
    cl_mem dsb = upload_at(NULL, len, 1), dbb = upload_at(NULL, len, 3);
    if (rms)
        harness_expect_ok(clnn_rmsnorm_backward(ctx, c->axis, &d, xb, off * 4, &d, dyb, off * 4,
                                                &pd, sb, 8, &sd, ib, 8, &d, dxb, (off + 2) * 4,
                                                dsb, 4));
    else
        harness_expect_ok(clnn_layernorm_backward(ctx, c->axis, &d, xb, off * 4, &d, dyb,
                                                  off * 4, &pd, sb, 8, &sd, mb, 4, ib, 8, &d, dxb,
                                                  (off + 2) * 4, dsb, 4, dbb, 12));
    double *wdx = harness_alloc(n * 8), *wds = harness_alloc(len * 8);
    double *wdb = harness_alloc(len * 8);
    ref_layernorm_backward(rms, rows, len, eps, xd, sdd, gradcheck_to_double(dy, n), wdx, wds, wdb);
    /* dx sums len products per row and cancels two means: rtol 1e-4, atol 1e-5
     * (scaled by inv_std ~ 1.7); dscale/dbias sum `rows` terms: 1e-5. With a
     * shift, the fp32 mean is off by ~shift * 2^-24, which moves every xhat of a
     * row alike: dscale gets atol + shift * 1e-7. */
    harness_expect_close(download_at(dxb, n, off + 2), wdx, n, 1e-4, 1e-5, "dx");
    harness_expect_close(download_at(dsb, len, 1), wds, len, 1e-5, 1e-5 + shift * 1e-7, "dscale");
    if (!rms) harness_expect_close(download_at(dbb, len, 3), wdb, len, 1e-5, 1e-5, "dbias");
}

START_TEST(forward_and_backward_match_reference)
{
    const ln_case *c = &cases[_i];
    for (int rms = 0; rms <= 1; rms++)
        for (int affine = 0; affine < 4; affine++) run_case(c, rms, affine, 0.0f, 7u * _i + affine);
}
END_TEST

START_TEST(large_common_offset_keeps_accuracy)
{
    /* Rows around 1000 with spread 2: a one-pass E[x^2] - E[x]^2 would lose about
     * 1e6 * 2^-24 ~ 0.06 of a variance of ~1.3; the two-pass form does not. */
    static const ln_case c = {2, {3, 300}, 1};
    run_case(&c, 0, 3, 1000.0f, 17);
}
END_TEST

/* Finite differences: the inputs (x, scale, bias) as one vector. */
typedef struct fd_params {
    int rms;
    size_t rows, len;
} fd_params;

static void fd_forward(const double *in, double *y, void *params)
{
    const fd_params *p = params;
    size_t n = p->rows * p->len;
    ref_layernorm(p->rms, p->rows, p->len, 1e-6, in, in + n, in + n + p->len, y, NULL, NULL);
}

START_TEST(backward_matches_finite_differences)
{
    /* Central differences (h = 1e-3 relative) of the double reference are good to
     * ~1e-6 for these smooth functions; the device gradients carry fp32 error of
     * ~1e-6 relative: rtol 1e-3, atol 1e-4 (values of order 1). */
    static const ln_case fd_cases[] = {{2, {3, 7}, 1}, {3, {2, 3, 5}, 1}, {2, {2, 33}, -1}};
    const ln_case *c = &fd_cases[_i / 2];
    fd_params p = {_i % 2, 0, 0};
    size_t n = geometry(c, &p.rows, &p.len), len = p.len, rows = p.rows;
    float *in = random_floats(n + 2 * len, 40 + (uint32_t)_i, -2, 2);
    float *dy = random_floats(n, 41 + (uint32_t)_i, -1, 1);
    double *grad = harness_alloc((n + 2 * len) * sizeof *grad);
    gradcheck_numeric(fd_forward, &p, gradcheck_to_double(in, n + 2 * len), n + 2 * len,
                      gradcheck_to_double(dy, n), n, 1e-3, grad);

    clnn_tensor_desc d = harness_desc(c->rank, c->dims), pd = param_desc(c);
    clnn_tensor_desc sd = HARNESS_DESC((int64_t)rows);
    clnn_context_t ctx = harness_ctx();
    cl_mem xb = upload_at(in, n, 0), sb = upload_at(in + n, len, 0);
    cl_mem bb = upload_at(in + n + len, len, 0), yb = upload_at(NULL, n, 0);
    cl_mem mb = upload_at(NULL, rows, 0), ib = upload_at(NULL, rows, 0);
    cl_mem dyb = upload_at(dy, n, 0), dsb = upload_at(NULL, len, 0), dbb = upload_at(NULL, len, 0);
    if (p.rms) {
        harness_expect_ok(clnn_rmsnorm_forward(ctx, c->axis, 1e-6f, &d, xb, 0, &pd, sb, 0, &d, yb,
                                               0, &sd, ib, 0));
        /* dx written over dy (allowed alias) */
        harness_expect_ok(clnn_rmsnorm_backward(ctx, c->axis, &d, xb, 0, &d, dyb, 0, &pd, sb, 0,
                                                &sd, ib, 0, &d, dyb, 0, dsb, 0));
    } else {
        harness_expect_ok(clnn_layernorm_forward(ctx, c->axis, 1e-6f, &d, xb, 0, &pd, sb, 0, bb,
                                                 0, &d, yb, 0, &sd, mb, 0, ib, 0));
        harness_expect_ok(clnn_layernorm_backward(ctx, c->axis, &d, xb, 0, &d, dyb, 0, &pd, sb, 0,
                                                  &sd, mb, 0, ib, 0, &d, dyb, 0, dsb, 0, dbb, 0));
    }
    harness_expect_close(download_at(dyb, n, 0), grad, n, 1e-3, 1e-4, "dx vs finite differences");
    harness_expect_close(download_at(dsb, len, 0), grad + n, len, 1e-3, 1e-4,
                         "dscale vs finite differences");
    if (!p.rms)
        harness_expect_close(download_at(dbb, len, 0), grad + n + len, len, 1e-3, 1e-4,
                             "dbias vs finite differences");
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    /* Every rejection leaves the outputs as they were. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(2, 4), other = HARNESS_DESC(4, 2), pd = HARNESS_DESC(4);
    clnn_tensor_desc bad_p = HARNESS_DESC(2), sd = HARNESS_DESC(2), bad_s = HARNESS_DESC(3);
    clnn_tensor_desc ints = d;
    ints.dtype = CLNN_INT32;
    float sentinel[8] = {1, 2, 3, 4, 5, 6, 7, 8}, after[8];
    cl_mem x = harness_upload(sentinel, 32), y = harness_upload(sentinel, 32);
    cl_mem p = harness_upload(sentinel, 16), s = harness_upload(sentinel, 16);
    cl_mem s2 = harness_upload(sentinel, 16), dp = harness_upload(sentinel, 16);
    const clnn_status nul = CLNN_NULL_POINTER, inv = CLNN_INVALID_VALUE, shp = CLNN_SHAPE_MISMATCH;
#define LN_FWD(c, ax, e, xd, yd, pdd, sc, sdd, m)                                          \
    clnn_layernorm_forward(c, ax, e, xd, x, 0, pdd, sc, 0, p, 0, yd, y, 0, sdd, m, 0, s2, 0)
    harness_expect_error(LN_FWD(NULL, 1, 1e-5f, &d, &d, &pd, p, &sd, s), nul, "context");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, NULL, &d, &pd, p, &sd, s), nul, "x");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &d, NULL, &pd, p, &sd, s), nul, "y");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &d, &d, NULL, p, &sd, s), nul, "param_desc");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &d, &d, &pd, p, NULL, s), nul, "mean");
    harness_expect_error(LN_FWD(ctx, 1, 0.0f, &d, &d, &pd, p, &sd, s), inv, "epsilon");
    harness_expect_error(LN_FWD(ctx, 1, -1.0f, &d, &d, &pd, p, &sd, s), inv, "epsilon");
    harness_expect_error(LN_FWD(ctx, 1, NAN, &d, &d, &pd, p, &sd, s), inv, "epsilon");
    harness_expect_error(LN_FWD(ctx, 2, 1e-5f, &d, &d, &pd, p, &sd, s), inv, "axis 2");
    harness_expect_error(LN_FWD(ctx, -3, 1e-5f, &d, &d, &pd, p, &sd, s), inv, "axis -3");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &ints, &d, &pd, p, &sd, s), inv, "x");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &d, &other, &pd, p, &sd, s), shp, "y");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &d, &d, &bad_p, p, &sd, s), shp, "scale");
    harness_expect_error(LN_FWD(ctx, 0, 1e-5f, &d, &d, &pd, p, &sd, s), shp, "scale");
    harness_expect_error(LN_FWD(ctx, 1, 1e-5f, &d, &d, &pd, p, &bad_s, s), shp, "mean");
    harness_expect_error(clnn_layernorm_forward(ctx, 1, 1e-5f, &d, x, 4, &pd, p, 0, p, 0, &d, y,
                                                0, &sd, s, 0, s2, 0),
                         inv, "x"); /* range past the buffer's end */
    harness_expect_error(clnn_rmsnorm_forward(ctx, 1, 0.0f, &d, x, 0, &pd, p, 0, &d, y, 0, &sd,
                                              s, 0),
                         inv, "epsilon");
    harness_expect_error(clnn_rmsnorm_forward(ctx, 1, 1e-5f, &d, x, 0, &pd, p, 0, &d, y, 0,
                                              &bad_s, s, 0),
                         shp, "inv_rms");
#undef LN_FWD
#define LN_BWD(c, xd, dyd, dxd, m, iv)                                                      \
    clnn_layernorm_backward(c, 1, xd, x, 0, dyd, x, 0, &pd, p, 0, &sd, m, 0, iv, 0, dxd, y, 0, \
                            dp, 0, dp, 0)
    harness_expect_error(LN_BWD(NULL, &d, &d, &d, s, s2), nul, "context");
    harness_expect_error(LN_BWD(ctx, &d, NULL, &d, s, s2), nul, "dy");
    harness_expect_error(LN_BWD(ctx, &d, &d, NULL, s, s2), nul, "dx");
    harness_expect_error(LN_BWD(ctx, &d, &d, &d, NULL, s2), nul, "mean");
    harness_expect_error(LN_BWD(ctx, &d, &d, &d, s, NULL), nul, "inv_std");
    harness_expect_error(LN_BWD(ctx, &d, &other, &d, s, s2), shp, "dy");
    harness_expect_error(LN_BWD(ctx, &d, &d, &other, s, s2), shp, "dx");
    harness_expect_error(clnn_rmsnorm_backward(ctx, 1, &d, x, 0, &d, x, 0, &bad_p, p, 0, &sd, s,
                                               0, &d, y, 0, dp, 0),
                         shp, "scale");
    harness_expect_error(clnn_rmsnorm_backward(ctx, 1, &d, x, 0, &d, x, 0, &pd, p, 0, &sd, NULL,
                                               0, &d, y, 0, dp, 0),
                         nul, "inv_rms");
#undef LN_BWD
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    harness_download(dp, 0, after, 16);
    ck_assert_mem_eq(after, sentinel, 16);
    harness_download(s, 0, after, 8);
    ck_assert_mem_eq(after, sentinel, 8);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("layernorm");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tc = harness_tcase(s, "reference");
    tcase_add_loop_test(tc, forward_and_backward_match_reference, 0,
                        small_mode ? SMALL_CASES : (int)CASE_COUNT);
    tcase_add_test(tc, large_common_offset_keeps_accuracy);
    tc = harness_tcase(s, "finite-differences");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, 6);
    return harness_main(s);
}
