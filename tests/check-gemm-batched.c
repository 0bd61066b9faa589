/* clnn_gemm_strided_batched_tiled (cl/gemm_batched.cl) against the double
 * reference ref_gemm, called directly, so the CPU kernel also runs on devices
 * that would not pick it (oclgrind): both kernels (B transposed or not) with
 * both op(A), edge tiles in every direction, padded leading dimensions, gaps
 * between batch entries, shared operands and byte offsets; then bad input.
 *
 * CLNN_TEST_SMALL=1 keeps dimensions <= 33 and batches small for oclgrind. */
#include "gemm-check.h"
#include "harness.h"
#include "ref/ref.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

/* A tiled problem with batch entries packed (no padding, gaps or offsets). */
static gemm_case make(size_t m, size_t n, size_t k, size_t batch)
{
    gemm_case gc = {CLNN_NO_TRANS, CLNN_NO_TRANS, m, n, k, 1.0f, 0.0f,
                    {0}, {0}, {0}, {0}, batch, 1};
    return gc;
}

/* The same padding, gap and offset for A, B and C. */
static void set_layout(gemm_case *gc, size_t pad, size_t gap, size_t off)
{
    for (int i = 0; i < 3; i++) {
        gc->pad[i] = pad;
        gc->gap[i] = gap;
        gc->off[i] = off;
    }
}

/* m, n, k from {1, 7, 93, 257} (small: {1, 7, 13, 33}): each value in each
 * position, so tiles are full, partial and single in every direction and k
 * has 16-lane remainders of every kind. */
START_TEST(test_shapes)
{
    static const size_t full[][3] = {{1, 1, 1},    {7, 93, 1},    {1, 257, 93},
                                     {93, 1, 257}, {257, 7, 7},   {93, 257, 257},
                                     {257, 93, 16}, {33, 64, 17}};
    static const size_t small[][3] = {{1, 1, 1},  {7, 13, 1},  {1, 33, 7}, {13, 1, 33},
                                      {33, 7, 13}, {7, 33, 33}, {9, 32, 16}};
    size_t count = small_mode ? sizeof small / sizeof *small : sizeof full / sizeof *full;
    for (size_t i = 0; i < count; i++) {
        const size_t *d = small_mode ? small[i] : full[i];
        gemm_check_transposes(make(d[0], d[1], d[2], 2), 100u * (uint32_t)i);
    }
}
END_TEST

/* Padded leading dimensions, gaps between entries and byte offsets; batch 1. */
START_TEST(test_layout)
{
    gemm_case p = small_mode ? make(13, 33, 7, 3) : make(93, 37, 45, 5);
    set_layout(&p, 3, 5, 7);
    gemm_check_transposes(p, 500);
    p.batch = 1;
    gemm_check_transposes(p, 600);
}
END_TEST

START_TEST(test_alpha_beta_shared)
{
    static const float pairs[][2] = {{0.5f, 1}, {-2, 0.25f}, {0, 1}, {1, -1}, {0, 0}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        gemm_case p = small_mode ? make(13, 7, 33, 2) : make(93, 7, 257, 3);
        p.alpha = pairs[i][0];
        p.beta = pairs[i][1];
        p.shared[1] = i % 2 == 0;
        gemm_check_transposes(p, 1000u + 50u * (uint32_t)i);
    }
}
END_TEST

/* Attention's products per head: S = Q K^T (NT), O = P V (NN), and the
 * backward's TN; many heads. */
START_TEST(test_attention_shapes)
{
    size_t t = small_mode ? 16 : 128, d = small_mode ? 8 : 64, heads = small_mode ? 3 : 16;
    gemm_case p = make(t, t, d, heads);
    p.alpha = 0.125f;
    p.tb = CLNN_TRANS;
    gemm_check_case(&p, 2000);
    p = make(t, d, t, heads);
    gemm_check_case(&p, 2100);
    p.ta = CLNN_TRANS;
    gemm_check_case(&p, 2200);
}
END_TEST

/* ------------------------------------------------------------- bad input */

typedef struct call {
    clnn_context_t ctx;
    int ta, tb;
    size_t m, n, k, lda, ldb, ldc, sa, sb, sc, batch, co;
    cl_mem a, b, c;
} call;

static clnn_status run_call(const call *g)
{
    return clnn_gemm_strided_batched_tiled(g->ctx, (clnn_transpose)g->ta, (clnn_transpose)g->tb,
                                           g->m, g->n, g->k, 1.0f, g->a, 0, g->lda, g->sa, g->b,
                                           0, g->ldb, g->sb, 0.0f, g->c, g->co, g->ldc, g->sc,
                                           g->batch);
}

START_TEST(test_bad_input)
{
    /* 2 x (4 x 4) matrices each; C starts out as 1..32 and must stay so. */
    float host[32];
    for (int i = 0; i < 32; i++) host[i] = (float)i + 1.0f;
    cl_mem a = harness_upload(host, sizeof host), b = harness_upload(host, sizeof host);
    cl_mem c = harness_upload(host, sizeof host);
    const call good = {harness_ctx(), 0, 0, 4, 4, 4, 4, 4, 4, 16, 16, 16, 2, 0, a, b, c};
    harness_expect_ok(run_call(&good));
    cl_mem c2 = harness_upload(host, sizeof host);
    call g = good;
    g.c = c2;
#define BAD(field, value, status, needle)                                              \
    do {                                                                                \
        call h_ = g;                                                                    \
        h_.field = value;                                                               \
        harness_expect_error(run_call(&h_), status, needle);                            \
    } while (0)
    BAD(ctx, NULL, CLNN_NULL_POINTER, "clnn_gemm_strided_batched_tiled");
    BAD(a, NULL, CLNN_NULL_POINTER, "buffer a is NULL");
    BAD(b, NULL, CLNN_NULL_POINTER, "buffer b is NULL");
    BAD(c, NULL, CLNN_NULL_POINTER, "buffer c is NULL");
    BAD(ta, 2, CLNN_INVALID_VALUE, "trans_a");
    BAD(tb, -1, CLNN_INVALID_VALUE, "trans_b");
    BAD(m, 0, CLNN_INVALID_VALUE, "m 0");
    BAD(n, 0, CLNN_INVALID_VALUE, "n 0");
    BAD(k, 0, CLNN_INVALID_VALUE, "k 0");
    BAD(batch, 0, CLNN_INVALID_VALUE, "batch 0");
    BAD(lda, 3, CLNN_INVALID_VALUE, "lda");
    BAD(ldb, 2, CLNN_INVALID_VALUE, "ldb");
    BAD(ldc, 3, CLNN_INVALID_VALUE, "ldc");
    BAD(sc, 15, CLNN_INVALID_VALUE, "stride_c");
    BAD(batch, 3, CLNN_INVALID_VALUE, "a range"); /* past the end of A's buffer */
    BAD(co, 8, CLNN_INVALID_VALUE, "c range");
    BAD(co, 2, CLNN_INVALID_VALUE, "c offset 2");
    BAD(m, (size_t)1 << 40, CLNN_INVALID_VALUE, "too large");
    float after[32];
    harness_download(c2, 0, after, sizeof after);
    ck_assert_msg(memcmp(after, host, sizeof host) == 0, "C changed by a failed call");
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("gemm_batched");
    TCase *tc = harness_tcase(s, "bad_input");
    tcase_add_test(tc, test_bad_input);
    tc = harness_tcase(s, "shapes");
    tcase_add_test(tc, test_shapes);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_alpha_beta_shared);
    tcase_add_test(tc, test_attention_shapes);
    return harness_main(s);
}
