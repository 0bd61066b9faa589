/* Softmax and log-softmax: forward and backward against the double reference over
 * odd row lengths and axes (both kernel kinds: a work-group per row for long last-
 * axis rows, a work-item per row elsewhere), backward against finite differences,
 * -inf / huge inputs, in place, and bad input. CLNN_TEST_SMALL=1 keeps every
 * tensor at a few hundred elements (rusticl, oclgrind). */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct sm_case {
    int rank;
    int64_t dims[4];
    int axis;
} sm_case;

/* Row lengths 1, 7, 10, 93 (work-item per row), 130, 257, 1000, 4099 (work-group
 * per row), and middle axes (inner > 1). */
static const sm_case cases[] = {
    {2, {3, 1}, -1},      {2, {5, 7}, 1},       {2, {4, 10}, -1},     {3, {2, 93, 3}, -2},
    {4, {2, 3, 5, 7}, 1}, {1, {6}, 0},          {2, {3, 130}, 1},     {2, {257, 1}, 0},
    {2, {3, 1000}, -1},   {2, {2, 4099}, 1},    {3, {2, 257, 2}, 1},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define SMALL_CASES 8 /* the first eight stay under ~500 elements */

static size_t case_geometry(const sm_case *c, size_t *outer, size_t *len, size_t *inner)
{
    int a = c->axis < 0 ? c->axis + c->rank : c->axis;
    size_t n = 1;
    *outer = *inner = 1;
    for (int i = 0; i < c->rank; i++) {
        n *= (size_t)c->dims[i];
        if (i < a) *outer *= (size_t)c->dims[i];
        if (i > a) *inner *= (size_t)c->dims[i];
    }
    *len = (size_t)c->dims[a];
    return n;
}

static clnn_tensor_desc case_desc(const sm_case *c)
{
    return harness_desc(c->rank, c->dims);
}

/* Uploads n floats at element offset `off` of a buffer with a little slack after. */
static cl_mem upload_at(const float *x, size_t n, size_t off)
{
    float *padded = harness_alloc((n + off + 3) * sizeof(float));
    memcpy(padded + off, x, n * sizeof(float));
    return harness_upload(padded, (n + off + 3) * sizeof(float));
}

static float *download_at(cl_mem b, size_t n, size_t off)
{
    float *y = harness_alloc(n * sizeof *y);
    harness_download(b, off * 4, y, n * 4);
    return y;
}

START_TEST(forward_and_backward_match_reference)
{
    /* fp32 exp is within ~3 ulp and the row sums accumulate ~len * eps relative
     * error in the worst case (4099 terms, ~1e-5 typical far less): rtol 2e-5.
     * Log-softmax values are ~-10 with absolute error ~1e-6: atol 1e-5. Backward
     * sums dy * y over the row as well: rtol 1e-4, atol 1e-6. */
    const sm_case *c = &cases[_i];
    size_t outer, len, inner, n = case_geometry(c, &outer, &len, &inner);
    size_t off = (size_t)_i % 3;
    clnn_tensor_desc d = case_desc(c);
    for (int mode = CLNN_SOFTMAX; mode <= CLNN_LOG_SOFTMAX; mode++) {
        float *x = harness_alloc(n * sizeof *x), *dy = harness_alloc(n * sizeof *dy);
        harness_random(x, n, 11 + (uint32_t)_i, -5, 5);
        harness_random(dy, n, 29 + (uint32_t)_i, -1, 1);
        cl_mem xb = upload_at(x, n, off), yb = upload_at(x, n, off + 1);
        harness_expect_ok(clnn_softmax_forward(harness_ctx(), (clnn_softmax_mode)mode,
                                               c->axis, &d, xb, off * 4, &d, yb,
                                               (off + 1) * 4));
        float *y = download_at(yb, n, off + 1);
        double *want = harness_alloc(n * sizeof *want);
        ref_softmax((clnn_softmax_mode)mode, outer, len, inner, gradcheck_to_double(x, n),
                    want);
        harness_expect_close(y, want, n, 2e-5, mode == CLNN_LOG_SOFTMAX ? 1e-5 : 1e-7,
                             "softmax forward");

        /* Backward from the device's y; dx lands at a third offset. */
        cl_mem dyb = upload_at(dy, n, off + 2), dxb = harness_buffer((n + off) * 4);
        harness_expect_ok(clnn_softmax_backward(harness_ctx(), (clnn_softmax_mode)mode,
                                                c->axis, &d, yb, (off + 1) * 4, &d, dyb,
                                                (off + 2) * 4, &d, dxb, off * 4));
        float *dx = download_at(dxb, n, off);
        ref_softmax_backward((clnn_softmax_mode)mode, outer, len, inner,
                             gradcheck_to_double(y, n), gradcheck_to_double(dy, n), want);
        harness_expect_close(dx, want, n, 1e-4, 1e-6, "softmax backward");
    }
}
END_TEST

typedef struct fd_params {
    clnn_softmax_mode mode;
    size_t outer, len, inner;
} fd_params;

static void fd_forward(const double *x, double *y, void *params)
{
    const fd_params *p = params;
    ref_softmax(p->mode, p->outer, p->len, p->inner, x, y);
}

START_TEST(backward_matches_finite_differences)
{
    /* Central differences (h = 1e-4 relative) of the double reference are good to
     * ~1e-8; the device gradient carries fp32 error of ~1e-6 relative to the row's
     * dy scale: rtol 1e-4, atol 2e-6. Cases: work-item rows, middle axes (inner 3:
     * one column at a time; 17: vectors of columns plus one), and a work-group
     * row (130). */
    static const sm_case fd_cases[] = {
        {2, {3, 7}, 1}, {3, {2, 5, 3}, 1}, {3, {2, 3, 17}, 1}, {2, {2, 130}, -1}};
    const sm_case *c = &fd_cases[_i / 2];
    fd_params p;
    p.mode = (clnn_softmax_mode)(_i % 2);
    size_t n = case_geometry(c, &p.outer, &p.len, &p.inner);
    clnn_tensor_desc d = case_desc(c);
    float *x = harness_alloc(n * 4), *dy = harness_alloc(n * 4);
    harness_random(x, n, 5 + (uint32_t)_i, -3, 3);
    harness_random(dy, n, 6 + (uint32_t)_i, -1, 1);
    double *want = harness_alloc(n * sizeof *want);
    gradcheck_numeric(fd_forward, &p, gradcheck_to_double(x, n), n, gradcheck_to_double(dy, n),
                      n, 1e-4, want);

    /* y starts defined: oclgrind counts values a previous kernel wrote into a
     * never-uploaded buffer as uninitialized. */
    cl_mem xb = harness_upload(x, n * 4), yb = harness_upload(dy, n * 4);
    cl_mem dyb = harness_upload(dy, n * 4);
    harness_expect_ok(clnn_softmax_forward(harness_ctx(), p.mode, c->axis, &d, xb, 0, &d, yb, 0));
    /* dx written over dy (allowed alias). */
    harness_expect_ok(clnn_softmax_backward(harness_ctx(), p.mode, c->axis, &d, yb, 0, &d, dyb,
                                            0, &d, dyb, 0));
    harness_expect_close(download_at(dyb, n, 0), want, n, 1e-4, 2e-6,
                         "softmax backward vs finite differences");
}
END_TEST

/* Runs forward on rows x [rows, len] along the last axis, in place. */
static float *forward_rows(clnn_softmax_mode mode, const float *x, size_t rows, size_t len)
{
    clnn_tensor_desc d = HARNESS_DESC((int64_t)rows, (int64_t)len);
    cl_mem b = harness_upload(x, rows * len * 4);
    harness_expect_ok(clnn_softmax_forward(harness_ctx(), mode, -1, &d, b, 0, &d, b, 0));
    return download_at(b, rows * len, 0);
}

START_TEST(infinities_and_huge_values)
{
    /* Row 0: -inf entries among finite ones; row 1: all -inf (NaN, documented);
     * row 2: +-1e30 (finite: 1 where the max is, 0 elsewhere). Both kernel kinds:
     * len 7 (work-item per row) and 300 (work-group per row). */
    static const size_t lens[] = {7, 300};
    for (size_t t = 0; t < 2; t++) {
        size_t len = lens[t];
        float *x = harness_alloc(3 * len * 4);
        harness_random(x, len, 3, -2, 2);
        for (size_t k = 0; k < len; k++) {
            if (k % 3 == 1) x[k] = -INFINITY;
            x[len + k] = -INFINITY;
            x[2 * len + k] = k == len / 2 ? 1e30f : (k % 2 ? -1e30f : 0.0f);
        }
        double *xd = gradcheck_to_double(x, len), *want = harness_alloc(len * sizeof *want);
        for (int mode = CLNN_SOFTMAX; mode <= CLNN_LOG_SOFTMAX; mode++) {
            float *y = forward_rows((clnn_softmax_mode)mode, x, 3, len);
            ref_softmax((clnn_softmax_mode)mode, 1, len, 1, xd, want);
            for (size_t k = 0; k < len; k++) {
                if (k % 3 == 1) {
                    ck_assert_msg(mode == CLNN_SOFTMAX ? y[k] == 0.0f : y[k] == -INFINITY,
                                  "len %zu mode %d: f(-inf) = %g", len, mode, y[k]);
                    want[k] = y[k]; /* compared exactly above */
                }
                ck_assert_msg(isnan(y[len + k]), "all -inf row gave %g", y[len + k]);
                float big = y[2 * len + k];
                ck_assert_msg(isfinite(big) || (mode == CLNN_LOG_SOFTMAX && big < 0),
                              "1e30 row gave %g", big);
                if (mode == CLNN_SOFTMAX)
                    ck_assert_float_eq(big, k == len / 2 ? 1.0f : 0.0f);
                else if (k == len / 2)
                    ck_assert_float_eq(big, 0.0f);
            }
            harness_expect_close(y, want, len, 2e-5, 1e-5, "softmax with -inf entries");
        }
    }
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    /* Every rejection leaves y / dx as they were. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(2, 4), other = HARNESS_DESC(4, 2), scalar = {0};
    clnn_tensor_desc ints = d;
    ints.dtype = CLNN_INT32;
    scalar.dtype = CLNN_FLOAT32;
    float sentinel[8] = {1, 2, 3, 4, 5, 6, 7, 8}, after[8];
    cl_mem x = harness_upload(sentinel, 32), y = harness_upload(sentinel, 32);
    const clnn_softmax_mode sm = CLNN_SOFTMAX;
    harness_expect_status(clnn_softmax_forward(NULL, sm, 1, &d, x, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, NULL, x, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, &d, NULL, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, &d, x, 0, &d, NULL, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_forward(ctx, (clnn_softmax_mode)7, 1, &d, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 2, &d, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "axis 2"));
    harness_expect_status(clnn_softmax_forward(ctx, sm, -3, &d, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 0, &scalar, x, 0, &scalar, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, &ints, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, &d, x, 0, &other, y, 0),
                          CLNN_SHAPE_MISMATCH);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "y"));
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, &d, x, 4, &d, y, 0),
                          CLNN_INVALID_VALUE); /* range past the buffer's end */
    harness_expect_status(clnn_softmax_forward(ctx, sm, 1, &d, x, 0, &d, y, 2),
                          CLNN_INVALID_VALUE); /* misaligned offset */

    harness_expect_status(clnn_softmax_backward(NULL, sm, 1, &d, x, 0, &d, x, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_backward(ctx, sm, 1, &d, x, 0, NULL, x, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_backward(ctx, sm, 1, &d, x, 0, &d, NULL, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_backward(ctx, sm, 1, &d, x, 0, &d, x, 0, &d, NULL, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_softmax_backward(ctx, sm, 5, &d, x, 0, &d, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_softmax_backward(ctx, (clnn_softmax_mode)-1, 1, &d, x, 0, &d, x,
                                                0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_softmax_backward(ctx, sm, 1, &d, x, 0, &other, x, 0, &d, y, 0),
                          CLNN_SHAPE_MISMATCH);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "dy"));
    harness_expect_status(clnn_softmax_backward(ctx, sm, 1, &d, x, 0, &d, x, 0, &other, y, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_softmax_backward(ctx, sm, 1, &d, x, 0, &d, x, 0, &ints, y, 0),
                          CLNN_INVALID_VALUE);
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("softmax");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tc = harness_tcase(s, "reference");
    tcase_add_loop_test(tc, forward_and_backward_match_reference, 0,
                        small_mode ? SMALL_CASES : (int)CASE_COUNT);
    tcase_add_test(tc, infinities_and_huge_values);
    tc = harness_tcase(s, "finite-differences");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, 8);
    return harness_main(s);
}
