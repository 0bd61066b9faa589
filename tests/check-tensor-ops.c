/* Layout operations: reshape/flatten descriptors, transpose (every permutation of
 * rank 3 and 4, ranks 1..8, the tiled path, 8-byte elements), concat/split along
 * every axis with 1..4 unequal pieces, backward passes against finite
 * differences, and bad input. Data movement is exact, so tolerances are 0. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <stdlib.h>
#include <string.h>

static int small_mode;

static size_t count_of(const clnn_tensor_desc *d)
{
    size_t n = 1;
    for (int i = 0; i < d->rank; i++) n *= (size_t)d->dims[i];
    return n;
}

/* ---------------------------------------------------------- descriptors */

START_TEST(reshape_infers_and_copies_dims)
{
    clnn_tensor_desc x = HARNESS_DESC(2, 3, 4), y;
    harness_expect_ok(clnn_tensor_desc_reshape(&x, 2, (int64_t[]){0, -1}, &y));
    ck_assert_int_eq(y.rank, 2);
    ck_assert_int_eq(y.dims[0], 2);
    ck_assert_int_eq(y.dims[1], 12);
    harness_expect_ok(clnn_tensor_desc_reshape(&x, 4, (int64_t[]){-1, 1, 3, 2}, &y));
    ck_assert_int_eq(y.dims[0], 4);
    ck_assert_int_eq(y.dims[3], 2);
    harness_expect_ok(clnn_tensor_desc_reshape(&x, 1, (int64_t[]){24}, &x)); /* in place */
    ck_assert_int_eq(x.rank, 1);
    clnn_tensor_desc one = HARNESS_DESC(1);
    harness_expect_ok(clnn_tensor_desc_reshape(&one, 0, NULL, &y)); /* to a scalar */
    ck_assert_int_eq(y.rank, 0);
    x = HARNESS_DESC(2, 3, 4);
    x.dtype = CLNN_INT64;
    harness_expect_ok(clnn_tensor_desc_reshape(&x, 3, (int64_t[]){4, 0, -1}, &y));
    ck_assert_int_eq(y.dtype, CLNN_INT64);
    ck_assert_int_eq(y.dims[1], 3);
    ck_assert_int_eq(y.dims[2], 2);

    clnn_tensor_desc before = y;
    harness_expect_error(clnn_tensor_desc_reshape(&x, 2, (int64_t[]){-1, -1}, &y),
                         CLNN_INVALID_VALUE, "both -1");
    harness_expect_error(clnn_tensor_desc_reshape(&x, 2, (int64_t[]){5, 5}, &y),
                         CLNN_SHAPE_MISMATCH, "[2, 3, 4]");
    harness_expect_error(clnn_tensor_desc_reshape(&x, 2, (int64_t[]){5, -1}, &y),
                         CLNN_SHAPE_MISMATCH, "24 elements");
    harness_expect_error(clnn_tensor_desc_reshape(&x, 2, (int64_t[]){-2, 12}, &y),
                         CLNN_INVALID_VALUE, "shape[0]");
    harness_expect_error(clnn_tensor_desc_reshape(&x, 4, (int64_t[]){1, 1, 1, 0}, &y),
                         CLNN_INVALID_VALUE, "shape[3]");
    harness_expect_error(
        clnn_tensor_desc_reshape(&x, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 24}, &y),
        CLNN_INVALID_VALUE, "rank 9");
    harness_expect_error(clnn_tensor_desc_reshape(NULL, 1, (int64_t[]){24}, &y), CLNN_NULL_POINTER,
                         "in");
    harness_expect_error(clnn_tensor_desc_reshape(&x, 1, NULL, &y), CLNN_NULL_POINTER, "shape");
    harness_expect_error(clnn_tensor_desc_reshape(&x, 1, (int64_t[]){24}, NULL), CLNN_NULL_POINTER,
                         "out");
    ck_assert_mem_eq(&y, &before, sizeof y);
}
END_TEST

START_TEST(flatten_splits_at_axis)
{
    clnn_tensor_desc x = HARNESS_DESC(2, 3, 4, 5), y;
    const int axes[] = {0, 1, 2, 3, 4, -1, -4};
    const int64_t rows[] = {1, 2, 6, 24, 120, 24, 1};
    for (int i = 0; i < 7; i++) {
        harness_expect_ok(clnn_tensor_desc_flatten(&x, axes[i], &y));
        ck_assert_int_eq(y.rank, 2);
        ck_assert_int_eq(y.dims[0], rows[i]);
        ck_assert_int_eq(y.dims[1], 120 / rows[i]);
    }
    clnn_tensor_desc before = y;
    harness_expect_error(clnn_tensor_desc_flatten(&x, 5, &y), CLNN_INVALID_VALUE, "axis = 5");
    harness_expect_error(clnn_tensor_desc_flatten(&x, -5, &y), CLNN_INVALID_VALUE, "axis = -5");
    harness_expect_error(clnn_tensor_desc_flatten(NULL, 0, &y), CLNN_NULL_POINTER, "in");
    harness_expect_error(clnn_tensor_desc_flatten(&x, 0, NULL), CLNN_NULL_POINTER, "out");
    ck_assert_mem_eq(&y, &before, sizeof y);
}
END_TEST

/* ------------------------------------------------------------ transpose */

/* Transposes random floats on the device (at element offsets 3 and 5) and
 * compares with the reference exactly. */
static void check_transpose(const clnn_tensor_desc *xd, const int *perm)
{
    size_t n = count_of(xd);
    float *x = harness_alloc((n + 3) * 4), *y = harness_alloc(n * 4);
    harness_random(x + 3, n, (uint32_t)n, -1, 1);
    cl_mem xb = harness_upload(x, (n + 3) * 4), yb = harness_buffer((n + 5) * 4);
    clnn_tensor_desc yd = *xd;
    for (int i = 0; i < xd->rank; i++) yd.dims[i] = xd->dims[perm[i]];
    harness_expect_ok(clnn_transpose_forward(harness_ctx(), perm, xd, xb, 12, &yd, yb, 20));
    harness_download(yb, 20, y, n * 4);
    double *want = harness_alloc(n * sizeof *want);
    ref_transpose(xd, perm, gradcheck_to_double(x + 3, n), want);
    harness_expect_close(y, want, n, 0, 0, "transpose");
}

static bool next_perm(int *p, int n)
{
    int i = n - 2;
    while (i >= 0 && p[i] > p[i + 1]) i--;
    if (i < 0) return false;
    int j = n - 1;
    while (p[j] < p[i]) j--;
    int t = p[i];
    p[i] = p[j], p[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) t = p[a], p[a] = p[b], p[b] = t;
    return true;
}

START_TEST(transpose_every_permutation)
{
    /* Rank 3 and 4 with distinct odd dims (and a size-1 axis) so every mix-up shows. */
    clnn_tensor_desc shapes[3] = {HARNESS_DESC(3, 5, 7), HARNESS_DESC(2, 3, 4, 5),
                                  HARNESS_DESC(3, 1, 5, 2)};
    for (int s = 0; s < 3; s++) {
        int perm[4] = {0, 1, 2, 3}, tried = 0;
        do {
            check_transpose(&shapes[s], perm);
            tried++;
        } while (next_perm(perm, shapes[s].rank));
        ck_assert_int_eq(tried, shapes[s].rank == 3 ? 6 : 24);
    }
}
END_TEST

START_TEST(transpose_ranks_and_tiles)
{
    clnn_tensor_desc r1 = HARNESS_DESC(93), r2 = HARNESS_DESC(93, 257),
                     r5 = HARNESS_DESC(2, 3, 1, 4, 5);
    clnn_tensor_desc b3 = HARNESS_DESC(3, 17, 33), r8 = HARNESS_DESC(2, 1, 3, 2, 2, 1, 3, 2);
    check_transpose(&r1, (int[]){0});
    check_transpose(&r5, (int[]){4, 0, 3, 1, 2});
    check_transpose(&r5, (int[]){0, 1, 2, 4, 3});
    check_transpose(&b3, (int[]){0, 2, 1}); /* tiled, batched */
    check_transpose(&b3, (int[]){2, 0, 1}); /* tiled after merging */
    check_transpose(&r8, (int[]){7, 6, 5, 4, 3, 2, 1, 0});
    check_transpose(&r8, (int[]){1, 3, 5, 7, 0, 2, 4, 6});
    if (!small_mode) check_transpose(&r2, (int[]){1, 0}); /* tiled, odd edges */

    /* NULL perm reverses the axes; int64 elements move whole. */
    int64_t x[6] = {1, 2, 3, 4, 5, (int64_t)1 << 40}, y[6];
    clnn_tensor_desc xd = HARNESS_DESC(2, 3), yd = HARNESS_DESC(3, 2);
    xd.dtype = yd.dtype = CLNN_INT64;
    cl_mem xb = harness_upload(x, sizeof x), yb = harness_buffer(sizeof y);
    harness_expect_ok(clnn_transpose_forward(harness_ctx(), NULL, &xd, xb, 0, &yd, yb, 0));
    harness_download(yb, 0, y, sizeof y);
    const int64_t want[6] = {1, 4, 2, 5, 3, (int64_t)1 << 40};
    ck_assert_mem_eq(y, want, sizeof y);
}
END_TEST

typedef struct transpose_fd {
    clnn_tensor_desc desc;
    const int *perm;
} transpose_fd;

static void transpose_of(const double *x, double *y, void *params)
{
    const transpose_fd *p = params;
    ref_transpose(&p->desc, p->perm, x, y);
}

START_TEST(transpose_backward_is_inverse_transpose)
{
    /* Linear map: central differences are exact up to rounding. */
    int perm[4] = {2, 0, 3, 1}, inv[4];
    for (int i = 0; i < 4; i++) inv[perm[i]] = i;
    transpose_fd p = {HARNESS_DESC(2, 3, 4, 5), perm};
    clnn_tensor_desc yd = HARNESS_DESC(4, 2, 5, 3);
    size_t n = 120;
    float *dy = harness_alloc(n * 4), *dx = harness_alloc(n * 4), *x = harness_alloc(n * 4);
    harness_random(dy, n, 5, -1, 1);
    harness_random(x, n, 6, -1, 1);
    double *want = harness_alloc(n * sizeof *want);
    gradcheck_numeric(transpose_of, &p, gradcheck_to_double(x, n), n, gradcheck_to_double(dy, n), n,
                      1e-3, want);
    cl_mem dyb = harness_upload(dy, n * 4), dxb = harness_buffer(n * 4);
    harness_expect_ok(clnn_transpose_forward(harness_ctx(), inv, &yd, dyb, 0, &p.desc, dxb, 0));
    harness_download(dxb, 0, dx, n * 4);
    harness_expect_close(dx, want, n, 1e-7, 1e-9, "transpose backward");
}
END_TEST

/* -------------------------------------------------------- concat / split */

/* Pieces of `count` unequal sizes along `axis` of base shape [3, 4, 5] (rank
 * `rank`): piece i has size i + 1 (or 2 * i + 1 on odd axes). */
typedef struct pieces {
    int count, axis;
    clnn_tensor_desc whole, desc[4];
    const clnn_tensor_desc *descs[4];
    size_t sizes[4], outer, inner;
} pieces;

static void make_pieces(pieces *p, int rank, int axis, int count)
{
    p->count = count;
    p->axis = axis;
    p->whole = HARNESS_DESC(3, 4, 5, 2);
    p->whole.rank = rank;
    int64_t total = 0;
    for (int i = 0; i < count; i++) {
        p->desc[i] = p->whole;
        p->desc[i].dims[axis] = axis % 2 ? 2 * i + 1 : i + 1;
        p->descs[i] = &p->desc[i];
        p->sizes[i] = (size_t)p->desc[i].dims[axis];
        total += p->desc[i].dims[axis];
    }
    p->whole.dims[axis] = total;
    p->outer = p->inner = 1;
    for (int a = 0; a < rank; a++) {
        if (a < axis) p->outer *= (size_t)p->whole.dims[a];
        if (a > axis) p->inner *= (size_t)p->whole.dims[a];
    }
}

START_TEST(concat_then_split_along_every_axis)
{
    clnn_context_t ctx = harness_ctx();
    for (int rank = 1; rank <= 4; rank++)
        for (int axis = 0; axis < rank; axis++)
            for (int count = 1; count <= 4; count++) {
                pieces p;
                make_pieces(&p, rank, axis, count);
                cl_mem xs[4], parts[4];
                size_t offs[4];
                const double *xd[4];
                double *back[4];
                for (int i = 0; i < count; i++) {
                    size_t n = count_of(&p.desc[i]);
                    float *h = harness_alloc((n + (size_t)i) * 4);
                    harness_random(h + i, n, (uint32_t)(rank * 100 + axis * 10 + i), -1, 1);
                    offs[i] = (size_t)i * 4;
                    xs[i] = harness_upload(h, (n + (size_t)i) * 4);
                    parts[i] = harness_buffer((n + 2) * 4);
                    xd[i] = gradcheck_to_double(h + i, n);
                }
                size_t n = count_of(&p.whole);
                cl_mem yb = harness_buffer((n + 1) * 4);
                int neg_axis = axis - rank; /* both spellings of the axis */
                harness_expect_ok(clnn_concat_forward(ctx, count % 2 ? axis : neg_axis, count,
                                                      p.descs, xs, offs, &p.whole, yb, 4));
                float *y = harness_alloc(n * 4);
                harness_download(yb, 4, y, n * 4);
                double *want = harness_alloc(n * sizeof *want);
                ref_concat(p.outer, p.inner, count, p.sizes, xd, want);
                harness_expect_close(y, want, n, 0, 0, "concat");

                size_t split_offs[4] = {8, 0, 8, 4};
                harness_expect_ok(clnn_split_forward(ctx, count % 2 ? neg_axis : axis, &p.whole, yb,
                                                     4, count, p.descs, parts, split_offs));
                double *wd = gradcheck_to_double(y, n);
                for (int i = 0; i < count; i++)
                    back[i] = harness_alloc(count_of(&p.desc[i]) * sizeof(double));
                ref_split(p.outer, p.inner, count, p.sizes, wd, back);
                for (int i = 0; i < count; i++) {
                    size_t m = count_of(&p.desc[i]);
                    float *got = harness_alloc(m * 4);
                    harness_download(parts[i], split_offs[i], got, m * 4);
                    harness_expect_close(got, back[i], m, 0, 0, "split");
                    harness_expect_close(got, xd[i], m, 0, 0, "split of concat");
                }
            }
}
END_TEST

/* y = concat of the pieces packed one after another in x. */
static void concat_of(const double *x, double *y, void *params)
{
    pieces *p = params;
    const double *xs[4];
    for (int i = 0; i < p->count; i++) {
        xs[i] = x;
        x += count_of(&p->desc[i]);
    }
    ref_concat(p->outer, p->inner, p->count, p->sizes, xs, y);
}

START_TEST(concat_backward_is_split)
{
    /* d(concat)/d(piece i) applied to dy is dy's slice i: split(dy), checked against
     * central differences of the reference concat (linear, so exact to rounding). */
    pieces p;
    make_pieces(&p, 3, 1, 3);
    size_t n = count_of(&p.whole);
    float *dy = harness_alloc(n * 4), *x = harness_alloc(n * 4);
    harness_random(dy, n, 9, -1, 1);
    harness_random(x, n, 10, -1, 1);
    double *want = harness_alloc(n * sizeof *want);
    gradcheck_numeric(concat_of, &p, gradcheck_to_double(x, n), n, gradcheck_to_double(dy, n), n,
                      1e-3, want);
    cl_mem dyb = harness_upload(dy, n * 4), dxb = harness_buffer(n * 4);
    cl_mem parts[3];
    size_t offs[3], at = 0;
    for (int i = 0; i < 3; i++) {
        parts[i] = dxb;
        offs[i] = at * 4;
        at += count_of(&p.desc[i]);
    }
    harness_expect_ok(
        clnn_split_forward(harness_ctx(), 1, &p.whole, dyb, 0, 3, p.descs, parts, offs));
    float *dx = harness_alloc(n * 4);
    harness_download(dxb, 0, dx, n * 4);
    harness_expect_close(dx, want, n, 1e-7, 1e-9, "concat backward (split)");
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    float sentinel[24];
    for (int i = 0; i < 24; i++) sentinel[i] = (float)i;
    cl_mem x = harness_upload(sentinel, 96), y = harness_upload(sentinel, 96);
    clnn_tensor_desc xd = HARNESS_DESC(2, 3, 4), yd = HARNESS_DESC(4, 3, 2), yi = yd;
    yi.dtype = CLNN_INT32;
    harness_expect_error(clnn_transpose_forward(NULL, NULL, &xd, x, 0, &yd, y, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_transpose_forward(ctx, (int[]){0, 0, 1}, &xd, x, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "perm");
    harness_expect_error(clnn_transpose_forward(ctx, (int[]){0, 1, 3}, &xd, x, 0, &yd, y, 0),
                         CLNN_INVALID_VALUE, "perm[2] = 3");
    harness_expect_error(clnn_transpose_forward(ctx, (int[]){0, 1, 2}, &xd, x, 0, &yd, y, 0),
                         CLNN_SHAPE_MISMATCH, "y");
    harness_expect_error(clnn_transpose_forward(ctx, NULL, &xd, x, 0, &yi, y, 0),
                         CLNN_INVALID_VALUE, "y is int32");
    harness_expect_error(clnn_transpose_forward(ctx, NULL, &xd, NULL, 0, &yd, y, 0),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(clnn_transpose_forward(ctx, NULL, &xd, x, 4, &yd, y, 0),
                         CLNN_INVALID_VALUE, "x range");

    clnn_tensor_desc a = HARNESS_DESC(2, 1, 4), b = HARNESS_DESC(2, 2, 4),
                     w = HARNESS_DESC(2, 3, 4);
    clnn_tensor_desc bad = HARNESS_DESC(3, 2, 4), r2 = HARNESS_DESC(2, 8);
    const clnn_tensor_desc *ab[2] = {&a, &b}, *abad[2] = {&a, &bad}, *ar2[2] = {&a, &r2};
    const clnn_tensor_desc *aa[2] = {&a, &a}, *anull[2] = {&a, NULL};
    cl_mem bufs[2] = {x, x}, nbufs[2] = {x, NULL};
    harness_expect_error(clnn_concat_forward(ctx, 3, 2, ab, bufs, NULL, &w, y, 0),
                         CLNN_INVALID_VALUE, "axis = 3");
    harness_expect_error(clnn_concat_forward(ctx, -4, 2, ab, bufs, NULL, &w, y, 0),
                         CLNN_INVALID_VALUE, "axis = -4");
    harness_expect_error(clnn_concat_forward(ctx, 1, 0, ab, bufs, NULL, &w, y, 0),
                         CLNN_INVALID_VALUE, "count");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, abad, bufs, NULL, &w, y, 0),
                         CLNN_SHAPE_MISMATCH, "xs[1]");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, ar2, bufs, NULL, &w, y, 0),
                         CLNN_SHAPE_MISMATCH, "xs[1]");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, aa, bufs, NULL, &w, y, 0),
                         CLNN_SHAPE_MISMATCH, "sum to 2");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, anull, bufs, NULL, &w, y, 0),
                         CLNN_NULL_POINTER, "xs[1]");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, ab, nbufs, NULL, &w, y, 0),
                         CLNN_NULL_POINTER, "xs[1]");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, NULL, bufs, NULL, &w, y, 0),
                         CLNN_NULL_POINTER, "xs");
    harness_expect_error(clnn_concat_forward(ctx, 1, 2, ab, bufs, NULL, &yi, y, 0),
                         CLNN_INVALID_VALUE, "xs[0] is float32, expected int32");
    harness_expect_error(clnn_split_forward(ctx, 1, &w, x, 0, 2, aa, bufs, NULL),
                         CLNN_SHAPE_MISMATCH, "ys sizes along axis 1 sum to 2");
    harness_expect_error(clnn_split_forward(ctx, 1, &w, x, 0, 2, ab, bufs, (size_t[]){0, 92}),
                         CLNN_INVALID_VALUE, "ys[1]");
    harness_expect_error(clnn_split_forward(NULL, 1, &w, x, 0, 2, ab, bufs, NULL),
                         CLNN_NULL_POINTER, "context");
    float after[24];
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    harness_download(x, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("tensor-ops");
    TCase *tc = harness_tcase(s, "descriptors");
    tcase_add_test(tc, reshape_infers_and_copies_dims);
    tcase_add_test(tc, flatten_splits_at_axis);
    tc = harness_tcase(s, "transpose");
    tcase_add_test(tc, transpose_every_permutation);
    tcase_add_test(tc, transpose_ranks_and_tiles);
    tcase_add_test(tc, transpose_backward_is_inverse_transpose);
    tc = harness_tcase(s, "concat-split");
    tcase_add_test(tc, concat_then_split_along_every_axis);
    tcase_add_test(tc, concat_backward_is_split);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
