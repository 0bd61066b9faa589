/* Losses and metrics: forward against the double reference, gradients against
 * central finite differences of it, extreme inputs, bad labels and bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KIND_COUNT 7
static bool small_mode;

typedef struct shape {
    size_t rows, cols;
} shape;
static const shape shapes[] = {{1, 7}, {5, 3}, {93, 10}, {130, 1}, {257, 4}, {3001, 5}};
#define SHAPE_COUNT (sizeof shapes / sizeof shapes[0])
#define SMALL_SHAPES 4 /* up to 130 rows: still two groups, so the two-pass path */

static bool sparse(clnn_loss k) { return k == CLNN_LOSS_SPARSE_CE || k == CLNN_LOSS_SPARSE_CE_LOGITS; }
static bool logits(clnn_loss k)
{
    return k == CLNN_LOSS_BINARY_CE_LOGITS || k == CLNN_LOSS_CATEGORICAL_CE_LOGITS ||
           k == CLNN_LOSS_SPARSE_CE_LOGITS;
}

/* A batch: predictions in the kind's domain, targets (dense) or labels. */
typedef struct batch {
    clnn_loss kind;
    size_t rows, cols, n;
    float *x, *t;
    int *labels;
} batch;

static batch make_batch(clnn_loss kind, size_t rows, size_t cols, uint32_t seed)
{
    batch b = {kind, rows, cols, rows * cols, NULL, NULL, NULL};
    b.x = harness_alloc(b.n * sizeof *b.x);
    b.t = harness_alloc(b.n * sizeof *b.t);
    b.labels = harness_alloc(rows * sizeof *b.labels);
    if (logits(kind)) harness_random(b.x, b.n, seed, -5, 5);
    else if (kind == CLNN_LOSS_MSE) harness_random(b.x, b.n, seed, -2, 2);
    else harness_random(b.x, b.n, seed, 0.02f, 0.98f);
    harness_random(b.t, b.n, seed + 1, kind == CLNN_LOSS_MSE ? -2 : 0, 1);
    bool categorical = kind == CLNN_LOSS_CATEGORICAL_CE || kind == CLNN_LOSS_CATEGORICAL_CE_LOGITS;
    for (size_t r = 0; categorical && r < rows; r++) {
        double s = 0; /* class probabilities summing to 1 */
        for (size_t j = 0; j < cols; j++) s += b.t[r * cols + j];
        for (size_t j = 0; j < cols; j++) b.t[r * cols + j] = (float)(b.t[r * cols + j] / s);
    }
    for (size_t r = 0; r < rows; r++) b.labels[r] = (int)((r * 7 + seed) % cols);
    return b;
}

static double batch_ref(const batch *b, const double *x)
{
    double *t = gradcheck_to_double(b->t, b->n);
    return ref_loss(b->kind, b->rows, b->cols, x, sparse(b->kind) ? NULL : t,
                    sparse(b->kind) ? b->labels : NULL);
}

/* Runs forward_backward (dx non-NULL) or forward at element offset `off`; returns
 * the loss. */
static float device_loss(const batch *b, size_t off, float *dx)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc xd = HARNESS_DESC((int64_t)b->rows, (int64_t)b->cols);
    clnn_tensor_desc td = xd;
    float *xp = harness_alloc((b->n + off) * 4);
    memcpy(xp + off, b->x, b->n * 4);
    cl_mem x = harness_upload(xp, (b->n + off) * 4), t;
    if (sparse(b->kind)) {
        td = HARNESS_DESC((int64_t)b->rows);
        td.dtype = CLNN_INT32;
        int *lp = harness_alloc((b->rows + off) * 4);
        memcpy(lp + off, b->labels, b->rows * 4);
        t = harness_upload(lp, (b->rows + off) * 4);
    } else {
        memcpy(xp + off, b->t, b->n * 4);
        t = harness_upload(xp, (b->n + off) * 4);
    }
    float nan4[4] = {NAN, NAN, NAN, NAN};
    cl_mem loss = harness_upload(nan4, sizeof nan4);
    size_t ws_bytes;
    harness_expect_ok(clnn_loss_workspace_size(ctx, &xd, &ws_bytes));
    if (b->rows > 64) ck_assert_uint_gt(ws_bytes, 0);
    cl_mem ws = ws_bytes ? harness_buffer(ws_bytes) : NULL;
    if (dx) {
        float *fill = harness_alloc((b->n + off) * 4);
        for (size_t i = 0; i < b->n + off; i++) fill[i] = NAN;
        cl_mem dxb = harness_upload(fill, (b->n + off) * 4);
        harness_expect_ok(clnn_loss_forward_backward(ctx, b->kind, &xd, x, off * 4, &td, t,
                                                     off * 4, loss, 4, &xd, dxb, off * 4, ws,
                                                     ws_bytes));
        harness_download(dxb, off * 4, dx, b->n * 4);
    } else {
        harness_expect_ok(clnn_loss_forward(ctx, b->kind, &xd, x, off * 4, &td, t, off * 4,
                                            loss, 4, ws, ws_bytes));
    }
    float value;
    harness_expect_ok(clnn_loss_read(ctx, loss, 4, &value));
    return value;
}

START_TEST(forward_matches_reference)
{
    /* Kahan sums per work-item and a tree across: the batch loss is within a few
     * ulps of the fp32 row losses, whose log/exp are good to ~4 ulp: rtol 2e-6 on
     * fp32 inputs widened to double. */
    clnn_loss kind = (clnn_loss)_i;
    size_t count = small_mode ? SMALL_SHAPES : SHAPE_COUNT;
    for (size_t s = 0; s < count; s++) {
        batch b = make_batch(kind, shapes[s].rows, shapes[s].cols, (uint32_t)(s + 3 * _i));
        double want = batch_ref(&b, gradcheck_to_double(b.x, b.n));
        float got = device_loss(&b, s % 3, NULL);
        harness_expect_close(&got, &want, 1, 2e-6, 1e-7, "loss forward");
        float *dx = harness_alloc(b.n * 4);
        got = device_loss(&b, (s + 1) % 3, dx);
        harness_expect_close(&got, &want, 1, 2e-6, 1e-7, "loss forward_backward");
    }
}
END_TEST

static batch *grad_batch;
static void reference_loss(const double *x, double *y, void *params)
{
    (void)params;
    y[0] = batch_ref(grad_batch, x);
}

START_TEST(backward_matches_finite_differences)
{
    /* fp32 gradient vs central differences (h = 1e-6 relative) of the double
     * reference: the estimate is good to ~1e-8 here, so the tolerance is the fp32
     * gradient's: 1e-4 relative, and 1e-4 of the largest entry absolute. */
    clnn_loss kind = (clnn_loss)_i;
    static const shape gshapes[] = {{1, 7}, {6, 5}, {93, 10}, {3, 1}};
    for (size_t s = 0; s < (small_mode ? 2 : 4); s++) {
        batch b = make_batch(kind, gshapes[s].rows, gshapes[s].cols, 40 + (uint32_t)s);
        grad_batch = &b;
        double *want = harness_alloc(b.n * sizeof *want), w = 1, big = 0;
        gradcheck_numeric(reference_loss, NULL, gradcheck_to_double(b.x, b.n), b.n, &w, 1,
                          1e-6, want);
        for (size_t i = 0; i < b.n; i++) big = fmax(big, fabs(want[i]));
        float *dx = harness_alloc(b.n * 4);
        device_loss(&b, s, dx);
        harness_expect_close(dx, want, b.n, 1e-4, 1e-4 * big, "loss gradient");
    }
}
END_TEST

START_TEST(sequences_flatten_leading_axes)
{
    /* [N, T, C] is the same batch as [N * T, C]; labels [N, T] or [N, T, 1]. */
    clnn_context_t ctx = harness_ctx();
    batch b = make_batch(CLNN_LOSS_SPARSE_CE_LOGITS, 12, 6, 5);
    double want = batch_ref(&b, gradcheck_to_double(b.x, b.n));
    clnn_tensor_desc xd = HARNESS_DESC(3, 4, 6), ld = HARNESS_DESC(3, 4),
                     l1 = HARNESS_DESC(3, 4, 1);
    ld.dtype = l1.dtype = CLNN_INT32;
    cl_mem x = harness_upload(b.x, b.n * 4), l = harness_upload(b.labels, 12 * 4);
    cl_mem loss = harness_buffer(4), dx = harness_buffer(b.n * 4);
    float got;
    harness_expect_ok(clnn_loss_forward(ctx, b.kind, &xd, x, 0, &ld, l, 0, loss, 0, NULL, 0));
    harness_expect_ok(clnn_loss_read(ctx, loss, 0, &got));
    harness_expect_close(&got, &want, 1, 2e-6, 0, "sequence loss");
    harness_expect_ok(clnn_loss_forward_backward(ctx, b.kind, &xd, x, 0, &l1, l, 0, loss, 0,
                                                 &xd, dx, 0, NULL, 0));
    harness_expect_ok(clnn_loss_read(ctx, loss, 0, &got));
    harness_expect_close(&got, &want, 1, 2e-6, 0, "sequence loss, labels [N, T, 1]");
}
END_TEST

START_TEST(extremes_stay_finite_and_clip)
{
    /* Logits of +-100 and probabilities of exactly 0 and 1: finite, as the
     * reference; clipped probabilities have a zero gradient. */
    static const clnn_loss kinds[] = {CLNN_LOSS_BINARY_CE, CLNN_LOSS_BINARY_CE_LOGITS,
                                      CLNN_LOSS_CATEGORICAL_CE,
                                      CLNN_LOSS_CATEGORICAL_CE_LOGITS, CLNN_LOSS_SPARSE_CE,
                                      CLNN_LOSS_SPARSE_CE_LOGITS};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        batch b = make_batch(kinds[k], 2, 4, 1);
        float lx[8] = {100, -100, 0, 100, -100, -100, 100, 3};
        float px[8] = {1, 0, 0, 0, 0, 1, 0.5f, 0.5f};
        float tx[8] = {0, 1, 0, 1, 1, 0, 0, 1};
        memcpy(b.x, logits(kinds[k]) ? lx : px, sizeof lx);
        memcpy(b.t, tx, sizeof tx);
        b.labels[0] = 1, b.labels[1] = 0;
        double want = batch_ref(&b, gradcheck_to_double(b.x, b.n));
        float *dx = harness_alloc(b.n * 4);
        float got = device_loss(&b, 1, dx);
        ck_assert_msg(isfinite(got) && isfinite(want), "kind %d: %g vs %g", (int)kinds[k], got,
                      want);
        harness_expect_close(&got, &want, 1, 1e-5, 1e-6, "extreme loss");
        for (size_t i = 0; i < b.n; i++) ck_assert_msg(isfinite(dx[i]), "kind %d dx[%zu]", (int)kinds[k], i);
        if (kinds[k] == CLNN_LOSS_BINARY_CE) {
            ck_assert_float_eq(dx[0], 0.0f); /* p = 1 clipped */
            ck_assert_float_eq(dx[1], 0.0f); /* p = 0 clipped */
        }
    }
}
END_TEST

START_TEST(labels_out_of_range)
{
    /* Unchecked: the row (and so the batch) loss is NaN, the row's gradient NaN, the
     * other rows' gradient as usual; checked: CLNN_INVALID_VALUE naming the row. */
    clnn_context_t ctx = harness_ctx();
    for (int bad = 0; bad < 2; bad++) {
        batch b = make_batch(CLNN_LOSS_SPARSE_CE_LOGITS, 3, 4, 2);
        b.labels[1] = bad ? 4 : -1;
        float *dx = harness_alloc(b.n * 4);
        ck_assert(isnan(device_loss(&b, 0, dx)));
        for (size_t j = 0; j < 4; j++) {
            ck_assert(isnan(dx[4 + j]));
            ck_assert(isfinite(dx[j]) && isfinite(dx[8 + j]));
        }
        clnn_tensor_desc ld = HARNESS_DESC(3);
        ld.dtype = CLNN_INT32;
        cl_mem l = harness_upload(b.labels, 12);
        harness_expect_error(clnn_loss_check_labels(ctx, &ld, l, 0, 4), CLNN_INVALID_VALUE,
                             "labels[1]");
        b.labels[1] = 3;
        harness_expect_ok(clnn_loss_check_labels(ctx, &ld, harness_upload(b.labels, 12), 0, 4));
    }
}
END_TEST

START_TEST(accuracy_counts)
{
    clnn_context_t ctx = harness_ctx();
    size_t rows = small_mode ? 70 : 1000, cols = 5;
    batch b = make_batch(CLNN_LOSS_SPARSE_CE_LOGITS, rows, cols, 9);
    b.labels[3] = 7;  /* out of range: wrong */
    b.labels[4] = -2; /* out of range: wrong */
    b.x[5 * cols + 1] = b.x[5 * cols + 2] = 50; /* tie: first index wins */
    b.labels[5] = 1;
    double want = 0, want_bin = 0;
    for (size_t r = 0; r < rows; r++) {
        size_t best = 0;
        for (size_t j = 1; j < cols; j++)
            if (b.x[r * cols + j] > b.x[r * cols + best]) best = j;
        want += b.labels[r] >= 0 && (size_t)b.labels[r] == best;
    }
    for (size_t i = 0; i < b.n; i++) {
        b.t[i] = b.t[i] > 0.5f ? 1.0f : 0.0f;
        want_bin += (b.x[i] > 0.0f ? 1.0f : 0.0f) == b.t[i];
    }
    clnn_tensor_desc xd = HARNESS_DESC((int64_t)rows, (int64_t)cols), ld = HARNESS_DESC((int64_t)rows);
    ld.dtype = CLNN_INT32;
    size_t ws_bytes;
    harness_expect_ok(clnn_loss_workspace_size(ctx, &xd, &ws_bytes));
    cl_mem ws = harness_buffer(ws_bytes + 4), count = harness_buffer(8);
    cl_mem x = harness_upload(b.x, b.n * 4);
    harness_expect_ok(clnn_accuracy_forward(ctx, &xd, x, 0, &ld, harness_upload(b.labels, rows * 4),
                                            0, count, 0, ws, ws_bytes));
    harness_expect_ok(clnn_binary_accuracy_forward(ctx, 0.0f, &xd, x, 0, &xd,
                                                   harness_upload(b.t, b.n * 4), 0, count, 4,
                                                   ws, ws_bytes));
    float got[2];
    harness_expect_ok(clnn_loss_read(ctx, count, 0, &got[0]));
    harness_expect_ok(clnn_loss_read(ctx, count, 4, &got[1]));
    harness_expect_close(&got[0], &want, 1, 0, 0, "accuracy count");
    harness_expect_close(&got[1], &want_bin, 1, 0, 0, "binary accuracy count");
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc xd = HARNESS_DESC(100, 3), other = HARNESS_DESC(100, 2),
                     ld = HARNESS_DESC(100), scalar = HARNESS_DESC(1);
    ld.dtype = CLNN_INT32;
    scalar.rank = 0;
    float sentinel[300];
    for (int i = 0; i < 300; i++) sentinel[i] = (float)i;
    cl_mem x = harness_upload(sentinel, sizeof sentinel), t = harness_upload(sentinel, sizeof sentinel);
    cl_mem l = harness_buffer(800), loss = harness_upload(sentinel, 4);
    cl_mem dx = harness_upload(sentinel, sizeof sentinel);
    size_t ws_bytes = 0;
    harness_expect_ok(clnn_loss_workspace_size(ctx, &xd, &ws_bytes));
    cl_mem ws = harness_buffer(ws_bytes);
    harness_expect_error(clnn_loss_forward(NULL, 0, &xd, x, 0, &xd, t, 0, loss, 0, ws, ws_bytes),
                         CLNN_NULL_POINTER, "clnn_loss_forward");
    harness_expect_error(clnn_loss_forward(ctx, (clnn_loss)9, &xd, x, 0, &xd, t, 0, loss, 0, ws,
                                           ws_bytes), CLNN_INVALID_VALUE, "kind");
    harness_expect_error(clnn_loss_forward(ctx, 0, NULL, x, 0, &xd, t, 0, loss, 0, ws, ws_bytes),
                         CLNN_NULL_POINTER, "pred");
    harness_expect_error(clnn_loss_forward(ctx, 0, &scalar, x, 0, &xd, t, 0, loss, 0, ws, ws_bytes),
                         CLNN_INVALID_VALUE, "rank");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 0, &other, t, 0, loss, 0, ws, ws_bytes),
                         CLNN_SHAPE_MISMATCH, "target");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 0, &ld, l, 0, loss, 0, ws, ws_bytes),
                         CLNN_INVALID_VALUE, "target");
    harness_expect_error(clnn_loss_forward(ctx, CLNN_LOSS_SPARSE_CE, &xd, x, 0, &xd, t, 0, loss,
                                           0, ws, ws_bytes), CLNN_INVALID_VALUE, "target");
    harness_expect_error(clnn_loss_forward(ctx, CLNN_LOSS_SPARSE_CE, &xd, x, 0, &scalar, l, 0,
                                           loss, 0, ws, ws_bytes), CLNN_INVALID_VALUE, "target");
    clnn_tensor_desc l2 = HARNESS_DESC(100, 2);
    l2.dtype = CLNN_INT32;
    harness_expect_error(clnn_loss_forward(ctx, CLNN_LOSS_SPARSE_CE, &xd, x, 0, &l2, l, 0,
                                           loss, 0, ws, ws_bytes), CLNN_SHAPE_MISMATCH, "target");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 0, &xd, t, 0, NULL, 0, ws, ws_bytes),
                         CLNN_NULL_POINTER, "loss");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 0, &xd, t, 0, loss, 4, ws, ws_bytes),
                         CLNN_INVALID_VALUE, "loss");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 4, &xd, t, 0, loss, 0, ws, ws_bytes),
                         CLNN_INVALID_VALUE, "pred");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 0, &xd, t, 0, loss, 0, ws, ws_bytes - 4),
                         CLNN_INSUFFICIENT_WORKSPACE, "workspace");
    harness_expect_error(clnn_loss_forward(ctx, 0, &xd, x, 0, &xd, t, 0, loss, 0, NULL, ws_bytes),
                         CLNN_NULL_POINTER, "workspace");
    harness_expect_error(clnn_loss_forward_backward(ctx, 0, &xd, x, 0, &xd, t, 0, loss, 0, &other,
                                                    dx, 0, ws, ws_bytes),
                         CLNN_SHAPE_MISMATCH, "dpred");
    harness_expect_error(clnn_loss_forward_backward(ctx, 0, &xd, x, 0, &xd, t, 0, loss, 0, &xd,
                                                    NULL, 0, ws, ws_bytes),
                         CLNN_NULL_POINTER, "dpred");
    harness_expect_error(clnn_loss_workspace_size(ctx, &xd, NULL), CLNN_NULL_POINTER, "bytes");
    harness_expect_error(clnn_loss_check_labels(ctx, &ld, l, 0, 0), CLNN_INVALID_VALUE,
                         "classes");
    harness_expect_error(clnn_loss_check_labels(ctx, &xd, l, 0, 3), CLNN_INVALID_VALUE,
                         "labels");
    harness_expect_error(clnn_accuracy_forward(ctx, &xd, x, 0, &xd, t, 0, loss, 0, ws, ws_bytes),
                         CLNN_INVALID_VALUE, "labels");
    harness_expect_error(clnn_binary_accuracy_forward(ctx, NAN, &xd, x, 0, &xd, t, 0, loss, 0, ws,
                                                      ws_bytes), CLNN_INVALID_VALUE, "threshold");
    harness_expect_error(clnn_loss_read(ctx, loss, 0, NULL), CLNN_NULL_POINTER, "value");
    float after[300];
    harness_download(loss, 0, after, 4);
    ck_assert_mem_eq(after, sentinel, 4);
    harness_download(dx, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("loss");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_matches_reference, 0, KIND_COUNT);
    tcase_add_test(tc, sequences_flatten_leading_axes);
    tcase_add_test(tc, extremes_stay_finite_and_clip);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, KIND_COUNT);
    tc = harness_tcase(s, "labels");
    tcase_add_test(tc, labels_out_of_range);
    tcase_add_test(tc, accuracy_counts);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
