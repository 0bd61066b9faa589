/* Embedding lookup (with padding index and out-of-range indices), its gradient
 * against the double reference and finite differences, host-side index checks,
 * the positional encoding, and bad input. CLNN_TEST_SMALL=1 keeps tensors small. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct emb_case {
    int rank;          /* of the indices */
    int64_t dims[3];   /* index shape */
    int64_t V, D, pad; /* pad -1: none */
} emb_case;

/* D 1, 7, 13 (vector tail), 16, 64, 80; batch 1 and 3; T 1, 7, 64, 129. */
static const emb_case cases[] = {
    {1, {1}, 1, 1, -1},      {2, {3, 7}, 11, 16, 2}, {2, {1, 7}, 5, 13, -1},
    {0, {0}, 4, 7, 0},       {2, {3, 64}, 50, 64, 0}, {2, {3, 129}, 97, 80, 96},
    {3, {2, 3, 7}, 9, 16, 4},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define SMALL_CASES 4

static size_t positions(const emb_case *c)
{
    size_t p = 1;
    for (int i = 0; i < c->rank; i++) p *= (size_t)c->dims[i];
    return p;
}

static clnn_tensor_desc index_desc(const emb_case *c)
{
    clnn_tensor_desc d = harness_desc(c->rank, c->dims);
    d.dtype = CLNN_INT32;
    return d;
}

static clnn_tensor_desc rows_desc(const emb_case *c)
{
    int64_t dims[4];
    memcpy(dims, c->dims, sizeof c->dims);
    dims[c->rank] = c->D;
    return harness_desc(c->rank + 1, dims);
}

/* Indices in [0, V), with every fifth replaced by an out-of-range value when
 * `bad` (alternately -1 and V) and every third set to the padding index. */
static int32_t *make_indices(const emb_case *c, size_t P, int bad, uint32_t seed)
{
    float *u = harness_alloc(P * sizeof *u);
    int32_t *idx = harness_alloc(P * sizeof *idx);
    harness_random(u, P, seed, 0, (float)c->V);
    for (size_t p = 0; p < P; p++) {
        idx[p] = (int32_t)u[p] < c->V ? (int32_t)u[p] : (int32_t)c->V - 1;
        if (c->pad >= 0 && p % 3 == 1) idx[p] = (int32_t)c->pad;
        if (bad && p % 5 == 4) idx[p] = p % 10 == 4 ? -1 : (int32_t)c->V;
    }
    return idx;
}

static float *nan_floats(size_t n)
{
    float *x = harness_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = NAN;
    return x;
}

START_TEST(forward_and_backward_match_reference)
{
    /* A lookup copies floats: exact. The gradient sums a row's hits in position
     * order in fp32 (up to ~P terms of [-1, 1]): rtol 1e-6, atol 1e-6. */
    const emb_case *c = &cases[_i];
    clnn_context_t ctx = harness_ctx();
    size_t P = positions(c), V = (size_t)c->V, D = (size_t)c->D, tn = V * D, yn = P * D;
    clnn_tensor_desc td = HARNESS_DESC(c->V, c->D), id = index_desc(c), yd = rows_desc(c);
    for (int bad = 0; bad <= 1; bad++) {
        int32_t *idx = make_indices(c, P, bad, 3 + (uint32_t)_i);
        float *table = harness_alloc((tn + 2) * 4), *dy = harness_alloc(yn * 4);
        harness_random(table, tn + 2, 5 + (uint32_t)_i, -1, 1);
        harness_random(dy, yn, 6 + (uint32_t)_i, -1, 1);
        int32_t zero_flag[2] = {7, 0}, flag[2];
        cl_mem tb = harness_upload(table, (tn + 2) * 4), ib = harness_upload(idx, P * 4);
        cl_mem yb = harness_upload(nan_floats(yn + 1), (yn + 1) * 4);
        cl_mem fb = harness_upload(zero_flag, sizeof zero_flag);
        /* table at element offset 2, y at 1, flag at 1 */
        harness_expect_ok(clnn_embedding_forward(ctx, c->pad, &td, tb, 8, &id, ib, 0, &yd, yb, 4,
                                                 fb, 4));
        float *y = harness_alloc(yn * 4);
        harness_download(yb, 4, y, yn * 4);
        harness_download(fb, 0, flag, sizeof flag);
        double *want = harness_alloc((yn + tn) * sizeof *want);
        ref_embedding_forward(c->pad, V, D, P, gradcheck_to_double(table + 2, tn), idx, want);
        harness_expect_close(y, want, yn, 0, 0, "embedding forward");
        ck_assert_int_eq(flag[0], 7); /* untouched neighbour */
        ck_assert_int_eq(flag[1], bad && P >= 5);

        cl_mem dyb = harness_upload(dy, yn * 4), dtb = harness_upload(nan_floats(tn), tn * 4);
        harness_expect_ok(clnn_embedding_backward(ctx, c->pad, &id, ib, 0, &yd, dyb, 0, &td, dtb,
                                                  0));
        float *dt = harness_alloc(tn * 4);
        harness_download(dtb, 0, dt, tn * 4);
        ref_embedding_backward(c->pad, V, D, P, idx, gradcheck_to_double(dy, yn), want);
        harness_expect_close(dt, want, tn, 1e-6, 1e-6, "embedding backward");
    }
}
END_TEST

typedef struct fd_params {
    const emb_case *c;
    const int32_t *idx;
} fd_params;

static void fd_forward(const double *table, double *y, void *params)
{
    const fd_params *p = params;
    ref_embedding_forward(p->c->pad, (size_t)p->c->V, (size_t)p->c->D, positions(p->c), table,
                          p->idx, y);
}

START_TEST(backward_matches_finite_differences)
{
    /* The lookup is linear in the table: central differences are exact up to
     * rounding (~1e-12); the device sums few fp32 terms: rtol 1e-6, atol 1e-6. */
    const emb_case *c = &cases[1];
    size_t P = positions(c), tn = (size_t)(c->V * c->D), yn = P * (size_t)c->D;
    fd_params p = {c, make_indices(c, P, 1, 9)};
    float *table = harness_alloc(tn * 4), *dy = harness_alloc(yn * 4);
    harness_random(table, tn, 10, -1, 1);
    harness_random(dy, yn, 11, -1, 1);
    double *grad = harness_alloc(tn * sizeof *grad);
    gradcheck_numeric(fd_forward, &p, gradcheck_to_double(table, tn), tn,
                      gradcheck_to_double(dy, yn), yn, 1e-3, grad);
    clnn_tensor_desc td = HARNESS_DESC(c->V, c->D), id = index_desc(c), yd = rows_desc(c);
    cl_mem ib = harness_upload(p.idx, P * 4), dyb = harness_upload(dy, yn * 4);
    cl_mem dtb = harness_upload(nan_floats(tn), tn * 4);
    harness_expect_ok(clnn_embedding_backward(harness_ctx(), c->pad, &id, ib, 0, &yd, dyb, 0, &td,
                                              dtb, 0));
    float *dt = harness_alloc(tn * 4);
    harness_download(dtb, 0, dt, tn * 4);
    harness_expect_close(dt, grad, tn, 1e-6, 1e-6, "dtable vs finite differences");
}
END_TEST

START_TEST(check_indices_names_the_position)
{
    clnn_context_t ctx = harness_ctx();
    int32_t idx[7] = {0, 3, 9, 2, 1, 10, -1};
    clnn_tensor_desc d = HARNESS_DESC(7);
    d.dtype = CLNN_INT32;
    cl_mem b = harness_upload(idx, sizeof idx);
    harness_expect_error(clnn_embedding_check_indices(ctx, 10, &d, b, 0), CLNN_INVALID_VALUE,
                         "indices[5] = 10 is outside [0, 10)");
    clnn_tensor_desc first5 = HARNESS_DESC(5), last2 = HARNESS_DESC(2);
    first5.dtype = last2.dtype = CLNN_INT32;
    harness_expect_ok(clnn_embedding_check_indices(ctx, 10, &first5, b, 0));
    harness_expect_error(clnn_embedding_check_indices(ctx, 11, &last2, b, 20), CLNN_INVALID_VALUE,
                         "indices[1] = -1");
}
END_TEST

START_TEST(positional_encoding_matches_reference)
{
    /* fp32 angle t * w carries ~2 ulp relative error, i.e. ~T * 2.4e-7 absolute,
     * passed straight into sin / cos: atol 3e-7 * T + 1e-6. */
    static const int64_t shapes[][2] = {{1, 16}, {7, 7}, {64, 64}, {7, 1}, {129, 80}};
    size_t count = small_mode ? 4 : 5;
    for (size_t s = 0; s < count; s++) {
        size_t T = (size_t)shapes[s][0], D = (size_t)shapes[s][1];
        clnn_tensor_desc d = HARNESS_DESC(shapes[s][0], shapes[s][1]);
        cl_mem b = harness_upload(nan_floats(T * D + 3), (T * D + 3) * 4);
        harness_expect_ok(clnn_positional_encoding(harness_ctx(), &d, b, 12));
        float *y = harness_alloc(T * D * 4);
        harness_download(b, 12, y, T * D * 4);
        double *want = harness_alloc(T * D * sizeof *want);
        ref_positional_encoding(T, D, want);
        harness_expect_close(y, want, T * D, 0, 3e-7 * (double)T + 1e-6, "positional encoding");
    }
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    /* Every rejection leaves y, dtable and the flag as they were. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc td = HARNESS_DESC(2, 3), id = HARNESS_DESC(2), yd = HARNESS_DESC(2, 3);
    clnn_tensor_desc fl_idx = id, bad_y = HARNESS_DESC(2, 2), t3 = HARNESS_DESC(6);
    id.dtype = CLNN_INT32;
    float sentinel[6] = {1, 2, 3, 4, 5, 6}, after[6];
    int32_t idx[2] = {0, 1}, flag = 0;
    cl_mem t = harness_upload(sentinel, 24), y = harness_upload(sentinel, 24);
    cl_mem i = harness_upload(idx, 8), f = harness_upload(&flag, 4);
    const clnn_status nul = CLNN_NULL_POINTER, inv = CLNN_INVALID_VALUE, shp = CLNN_SHAPE_MISMATCH;
#define FWD(c, pad, tdd, idd, ydd, yy) \
    clnn_embedding_forward(c, pad, tdd, t, 0, idd, i, 0, ydd, yy, 0, f, 0)
    harness_expect_error(FWD(NULL, -1, &td, &id, &yd, y), nul, "context");
    harness_expect_error(FWD(ctx, -1, NULL, &id, &yd, y), nul, "table");
    harness_expect_error(FWD(ctx, -1, &td, NULL, &yd, y), nul, "indices");
    harness_expect_error(FWD(ctx, -1, &td, &id, &yd, NULL), nul, "y");
    harness_expect_error(FWD(ctx, -1, &td, &fl_idx, &yd, y), inv, "indices");
    harness_expect_error(FWD(ctx, -1, &t3, &id, &yd, y), shp, "table");
    harness_expect_error(FWD(ctx, -1, &td, &id, &bad_y, y), shp, "y");
    harness_expect_error(FWD(ctx, 2, &td, &id, &yd, y), inv, "padding_index");
    harness_expect_error(FWD(ctx, -2, &td, &id, &yd, y), inv, "padding_index");
    harness_expect_error(clnn_embedding_forward(ctx, -1, &td, t, 0, &id, i, 0, &yd, y, 0, f, 4),
                         inv, "error_flag");
#undef FWD
#define BWD(c, idd, dyd, dtd, dt) clnn_embedding_backward(c, -1, idd, i, 0, dyd, t, 0, dtd, dt, 0)
    harness_expect_error(BWD(NULL, &id, &yd, &td, y), nul, "context");
    harness_expect_error(BWD(ctx, &id, NULL, &td, y), nul, "dy");
    harness_expect_error(BWD(ctx, &id, &yd, &td, NULL), nul, "dtable");
    harness_expect_error(BWD(ctx, &id, &bad_y, &td, y), shp, "dy");
    harness_expect_error(BWD(ctx, &id, &yd, &t3, y), shp, "dtable");
#undef BWD
    harness_expect_error(clnn_embedding_check_indices(ctx, 0, &id, i, 0), inv, "num_embeddings");
    harness_expect_error(clnn_embedding_check_indices(ctx, 2, &fl_idx, i, 0), inv, "indices");
    harness_expect_error(clnn_positional_encoding(ctx, &t3, y, 0), shp, "y");
    harness_expect_error(clnn_positional_encoding(NULL, &yd, y, 0), nul, "context");
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    harness_download(f, 0, &flag, 4);
    ck_assert_int_eq(flag, 0);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("embedding");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tcase_add_test(tc, check_indices_names_the_position);
    tc = harness_tcase(s, "reference");
    tcase_add_loop_test(tc, forward_and_backward_match_reference, 0,
                        small_mode ? SMALL_CASES : (int)CASE_COUNT);
    tcase_add_test(tc, positional_encoding_matches_reference);
    tc = harness_tcase(s, "finite-differences");
    tcase_add_test(tc, backward_matches_finite_differences);
    return harness_main(s);
}
