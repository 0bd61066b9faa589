/* Reductions: sum/mean/max over every subset of axes of rank-3 tensors with
 * keepdims both ways, ranks 1..5, long reductions (precision), ArgMax with ties,
 * backward against central finite differences, and bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

static const clnn_reduce_op ops[] = {CLNN_REDUCE_SUM, CLNN_REDUCE_MEAN, CLNN_REDUCE_MAX};

/* The output descriptor of reducing `xd` over `reduced`. */
static clnn_tensor_desc reduced_desc(const clnn_tensor_desc *xd, const bool *reduced, int keepdims,
                                     clnn_dtype dtype)
{
    clnn_tensor_desc y = *xd;
    y.dtype = dtype;
    y.rank = 0;
    for (int a = 0; a < xd->rank; a++) {
        if (!reduced[a])
            y.dims[y.rank++] = xd->dims[a];
        else if (keepdims)
            y.dims[y.rank++] = 1;
    }
    for (int a = y.rank; a < CLNN_MAX_RANK; a++) y.dims[a] = 1;
    return y;
}

static size_t count_of(const clnn_tensor_desc *d)
{
    size_t n = 1;
    for (int i = 0; i < d->rank; i++) n *= (size_t)d->dims[i];
    return n;
}

/* Runs one forward reduction (x at element offset 2, y at 1) and checks it. */
static void check_reduce(clnn_reduce_op op, const clnn_tensor_desc *xd, int count, const int *axes,
                         int keepdims, float lo, double rtol, double atol)
{
    bool reduced[CLNN_MAX_RANK] = {false};
    for (int i = 0; i < count; i++) reduced[axes[i] < 0 ? axes[i] + xd->rank : axes[i]] = true;
    if (count == 0)
        for (int a = 0; a < xd->rank; a++) reduced[a] = true;
    clnn_tensor_desc yd = reduced_desc(xd, reduced, keepdims, CLNN_FLOAT32);
    size_t n = count_of(xd), m = count_of(&yd);
    float *x = harness_alloc((n + 2) * 4), *y = harness_alloc(m * 4);
    harness_random(x + 2, n, (uint32_t)(n + m), lo, 1);
    cl_mem xb = harness_upload(x, (n + 2) * 4), yb = harness_buffer((m + 1) * 4);
    /* A NaN-filled workspace: every partial must be written before it is read. */
    size_t ws = 0;
    harness_expect_ok(
        clnn_reduce_workspace_size(harness_ctx(), op, count, axes, keepdims, xd, &ws));
    cl_mem wsb = NULL;
    if (ws) {
        float *nans = harness_alloc(ws);
        for (size_t i = 0; i < ws / 4; i++) nans[i] = NAN;
        wsb = harness_upload(nans, ws);
    }
    harness_expect_ok(clnn_reduce_forward(harness_ctx(), op, count, axes, keepdims, xd, xb, 8, &yd,
                                          yb, 4, wsb, ws));
    harness_download(yb, 4, y, m * 4);
    double *want = harness_alloc(m * sizeof *want);
    ref_reduce(op, xd, reduced, gradcheck_to_double(x + 2, n), want);
    harness_expect_close(y, want, m, rtol, atol, "reduce forward");
}

START_TEST(every_subset_of_rank_3)
{
    /* Sums of at most ~3000 terms in [-1, 1] with Kahan: error ~1e-6 absolute;
     * max is exact. */
    clnn_tensor_desc shapes[2] = {HARNESS_DESC(3, 7, 5), HARNESS_DESC(7, 93, 2)};
    for (int s = 0; s < (small_mode ? 1 : 2); s++)
        for (int mask = 0; mask < 8; mask++)
            for (int keep = 0; keep <= 1; keep++) {
                int axes[3], count = 0;
                for (int a = 0; a < 3; a++)
                    if (mask & (1 << a)) axes[count++] = (mask == 5 && a == 2) ? -1 : a;
                check_reduce(ops[_i], &shapes[s], count, axes, keep, -1, 1e-5, 1e-5);
            }
}
END_TEST

START_TEST(ranks_one_to_five)
{
    clnn_tensor_desc r1 = HARNESS_DESC(257), r2 = HARNESS_DESC(93, 7),
                     r4 = HARNESS_DESC(2, 3, 4, 5);
    clnn_tensor_desc r5 = HARNESS_DESC(2, 3, 1, 4, 5);
    check_reduce(ops[_i], &r1, 1, (int[]){0}, 0, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r1, 0, NULL, 1, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r2, 1, (int[]){0}, 1, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r2, 1, (int[]){-1}, 0, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r4, 2, (int[]){0, 2}, 0, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r4, 2, (int[]){3, 1}, 1, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r5, 3, (int[]){1, 2, 4}, 0, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r5, 2, (int[]){0, -2}, 1, -1, 1e-5, 1e-5);
    check_reduce(ops[_i], &r5, 1, (int[]){2}, 0, -1, 1e-5, 1e-5); /* a size-1 axis */
}
END_TEST

START_TEST(long_reductions_stay_accurate)
{
    /* A million values in [0, 1): plain float accumulation would drift by ~1e-4
     * relative; the Kahan partials plus the tree stay within 1e-5 of the double
     * sum. Both sizes take the two-pass (workspace) path. Also a long strided
     * reduction and reductions over two separated axes. */
    size_t big = small_mode ? 70000 : 1000000;
    clnn_tensor_desc flat = HARNESS_DESC((int64_t)big), cols = HARNESS_DESC(3, 4099, 5);
    size_t ws = 0;
    harness_expect_ok(clnn_reduce_workspace_size(harness_ctx(), ops[_i], 0, NULL, 0, &flat, &ws));
    ck_assert_uint_gt(ws, 0);
    check_reduce(ops[_i], &flat, 0, NULL, 0, 0, 1e-5, 0);
    check_reduce(ops[_i], &cols, 1, (int[]){1}, 1, 0, 1e-5, 0);
    check_reduce(ops[_i], &cols, 2, (int[]){0, 2}, 0, 0, 1e-5, 0);
}
END_TEST

START_TEST(argmax_with_ties)
{
    /* Values from a set of 5 make ties common; both tie rules are checked. */
    clnn_tensor_desc xd = HARNESS_DESC(4, 7, 3);
    size_t n = 84;
    float *x = harness_alloc(n * 4);
    harness_random(x, n, 17, 0, 5);
    for (size_t i = 0; i < n; i++) x[i] = floorf(x[i]);
    cl_mem xb = harness_upload(x, n * 4);
    const double *xd64 = gradcheck_to_double(x, n);
    for (int axis = -3; axis < 3; axis++)
        for (int keep = 0; keep <= 1; keep++)
            for (int last = 0; last <= 1; last++) {
                int a = axis < 0 ? axis + 3 : axis;
                bool reduced[3] = {a == 0, a == 1, a == 2};
                clnn_tensor_desc yd = reduced_desc(&xd, reduced, keep, CLNN_INT64);
                size_t m = count_of(&yd);
                cl_mem yb = harness_buffer((m + 1) * 8);
                harness_expect_ok(
                    clnn_argmax_forward(harness_ctx(), axis, keep, last, &xd, xb, 0, &yd, yb, 8));
                int64_t got[28], want[28];
                harness_download(yb, 8, got, m * 8);
                ref_argmax(&xd, a, last, xd64, want);
                for (size_t i = 0; i < m; i++)
                    ck_assert_msg(got[i] == want[i],
                                  "argmax axis %d keep %d last %d: [%zu] = %lld, want %lld", axis,
                                  keep, last, i, (long long)got[i], (long long)want[i]);
            }
}
END_TEST

/* ------------------------------------------------------------ backward */

typedef struct reduce_fd {
    clnn_reduce_op op;
    clnn_tensor_desc desc;
    bool reduced[CLNN_MAX_RANK];
} reduce_fd;

static void reduce_of(const double *x, double *y, void *params)
{
    const reduce_fd *p = params;
    ref_reduce(p->op, &p->desc, p->reduced, x, y);
}

START_TEST(backward_matches_finite_differences)
{
    /* Distinct inputs 0.01 apart keep max away from ties (h = 1e-4); sum and mean are
     * linear, so the differences are exact to rounding. */
    clnn_tensor_desc xd = HARNESS_DESC(3, 4, 5);
    const size_t n = 60;
    float *x = harness_alloc(n * 4), *dy = harness_alloc(n * 4), *dx = harness_alloc(n * 4);
    for (size_t i = 0; i < n; i++) x[i] = (float)((i * 37) % n) * 0.01f - 0.3f;
    harness_random(dy, n, 3, -1, 1);
    cl_mem xb = harness_upload(x, n * 4), dxb = harness_buffer((n + 3) * 4);
    const int sets[4][3] = {{1, -1, -1}, {0, 2, -1}, {-1, -1, -1}, {2, 1, 0}};
    const int counts[4] = {1, 2, 0, 3};
    for (int s = 0; s < 4; s++)
        for (int keep = 0; keep <= 1; keep++) {
            reduce_fd p = {ops[_i], xd, {false}};
            for (int a = 0; a < 3; a++) p.reduced[a] = counts[s] == 0;
            for (int i = 0; i < counts[s]; i++) p.reduced[sets[s][i]] = true;
            clnn_tensor_desc yd = reduced_desc(&xd, p.reduced, keep, CLNN_FLOAT32);
            size_t m = count_of(&yd);
            cl_mem dyb = harness_upload(dy, m * 4);
            harness_expect_ok(clnn_reduce_backward(harness_ctx(), ops[_i], counts[s], sets[s], keep,
                                                   &xd, xb, 0, &yd, dyb, 0, &xd, dxb, 12));
            double *want = harness_alloc(n * sizeof *want);
            gradcheck_numeric(reduce_of, &p, gradcheck_to_double(x, n), n,
                              gradcheck_to_double(dy, m), m, 1e-4, want);
            harness_download(dxb, 12, dx, n * 4);
            harness_expect_close(dx, want, n, 1e-5, 1e-6, "reduce backward");
        }
}
END_TEST

START_TEST(max_backward_picks_first_tie)
{
    float x[6] = {1, 3, 3, 2, 2, 0}, dy[2] = {5, 7}, dx[6];
    clnn_tensor_desc xd = HARNESS_DESC(2, 3), yd = HARNESS_DESC(2);
    cl_mem xb = harness_upload(x, sizeof x), dyb = harness_upload(dy, sizeof dy);
    cl_mem dxb = harness_buffer(sizeof dx);
    harness_expect_ok(clnn_reduce_backward(harness_ctx(), CLNN_REDUCE_MAX, 1, (int[]){1}, 0, &xd,
                                           xb, 0, &yd, dyb, 0, &xd, dxb, 0));
    harness_download(dxb, 0, dx, sizeof dx);
    const float want[6] = {0, 5, 0, 7, 0, 0};
    ck_assert_mem_eq(dx, want, sizeof dx);
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    float sentinel[24];
    for (int i = 0; i < 24; i++) sentinel[i] = (float)i;
    cl_mem x = harness_upload(sentinel, 96), y = harness_upload(sentinel, 96);
    clnn_tensor_desc xd = HARNESS_DESC(2, 3, 4), yd = HARNESS_DESC(2, 4),
                     yk = HARNESS_DESC(2, 1, 4);
    clnn_tensor_desc yl = yd, xi = xd;
    yl.dtype = CLNN_INT64;
    xi.dtype = CLNN_INT32;
    const int ax1[1] = {1};
    harness_expect_error(
        clnn_reduce_forward(NULL, CLNN_REDUCE_SUM, 1, ax1, 0, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_NULL_POINTER, "context");
    harness_expect_error(
        clnn_reduce_forward(ctx, (clnn_reduce_op)7, 1, ax1, 0, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_INVALID_VALUE, "op 7");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, (int[]){3}, 0, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_INVALID_VALUE, "axes[0] = 3");
    harness_expect_error(clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 2, (int[]){1, -2}, 0, &xd, x, 0,
                                             &yd, y, 0, NULL, 0),
                         CLNN_INVALID_VALUE, "repeats");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, NULL, 0, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_NULL_POINTER, "axes");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 4, ax1, 0, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_INVALID_VALUE, "axis_count");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, ax1, 2, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_INVALID_VALUE, "keepdims");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, ax1, 1, &xd, x, 0, &yd, y, 0, NULL, 0),
        CLNN_SHAPE_MISMATCH, "y has shape [2, 4]");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, ax1, 0, &xi, x, 0, &yd, y, 0, NULL, 0),
        CLNN_INVALID_VALUE, "x is int32");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, ax1, 0, &xd, NULL, 0, &yd, y, 0, NULL, 0),
        CLNN_NULL_POINTER, "x");
    harness_expect_error(
        clnn_reduce_forward(ctx, CLNN_REDUCE_MAX, 1, ax1, 1, &xd, x, 0, &yk, y, 80, NULL, 0),
        CLNN_INVALID_VALUE, "y range");
    harness_expect_error(
        clnn_reduce_backward(ctx, CLNN_REDUCE_MEAN, 1, ax1, 0, &xd, x, 0, &yd, y, 0, &yd, y, 0),
        CLNN_SHAPE_MISMATCH, "dx");
    harness_expect_error(
        clnn_reduce_backward(ctx, CLNN_REDUCE_MEAN, 1, ax1, 0, &xd, x, 0, &yk, y, 0, &xd, y, 0),
        CLNN_SHAPE_MISMATCH, "dy");
    harness_expect_error(
        clnn_reduce_backward(ctx, CLNN_REDUCE_MAX, 1, ax1, 0, &xd, x, 0, &yd, y, 0, &xd, NULL, 0),
        CLNN_NULL_POINTER, "dx");
    harness_expect_error(clnn_argmax_forward(ctx, 1, 0, 0, &xd, x, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "y is float32, expected int64");
    harness_expect_error(clnn_argmax_forward(ctx, -4, 0, 0, &xd, x, 0, &yl, y, 0),
                         CLNN_INVALID_VALUE, "axis = -4");
    harness_expect_error(clnn_argmax_forward(ctx, 1, 0, 2, &xd, x, 0, &yl, y, 0),
                         CLNN_INVALID_VALUE, "select_last_index");
    harness_expect_error(clnn_argmax_forward(ctx, 2, 0, 0, &xd, x, 0, &yl, y, 0),
                         CLNN_SHAPE_MISMATCH, "y");
    harness_expect_error(clnn_argmax_forward(ctx, 1, 0, 0, NULL, x, 0, &yl, y, 0),
                         CLNN_NULL_POINTER, "x");
    clnn_tensor_desc big = HARNESS_DESC(1 << 17), scalar = HARNESS_DESC(1);
    cl_mem xbig = harness_buffer((size_t)4 << 17);
    size_t ws = 0;
    harness_expect_ok(
        clnn_reduce_workspace_size(ctx, CLNN_REDUCE_SUM, 1, (int[]){0}, 1, &big, &ws));
    harness_expect_error(clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, (int[]){0}, 1, &big, xbig, 0,
                                             &scalar, y, 0, y, ws - 4),
                         CLNN_INSUFFICIENT_WORKSPACE, "workspace_size");
    harness_expect_error(clnn_reduce_forward(ctx, CLNN_REDUCE_SUM, 1, (int[]){0}, 1, &big, xbig, 0,
                                             &scalar, y, 0, NULL, ws),
                         CLNN_NULL_POINTER, "workspace");
    harness_expect_error(
        clnn_reduce_workspace_size(ctx, CLNN_REDUCE_SUM, 1, (int[]){0}, 1, &big, NULL),
        CLNN_NULL_POINTER, "bytes");
    harness_expect_error(
        clnn_reduce_workspace_size(ctx, CLNN_REDUCE_SUM, 1, (int[]){1}, 1, &big, &ws),
        CLNN_INVALID_VALUE, "axes[0] = 1");
    float after[24];
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("reduce");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, every_subset_of_rank_3, 0, 3);
    tcase_add_loop_test(tc, ranks_one_to_five, 0, 3);
    tcase_add_loop_test(tc, long_reductions_stay_accurate, 0, 3);
    tcase_add_test(tc, argmax_with_ties);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, 3);
    tcase_add_test(tc, max_backward_picks_first_tie);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
