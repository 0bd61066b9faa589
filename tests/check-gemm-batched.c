/* clnn_gemm_strided_batched_tiled (cl/gemm_batched.cl) against the double
 * reference ref_gemm, called directly, so the CPU kernel also runs on devices
 * that would not pick it (oclgrind): both kernels (B transposed or not) with
 * both op(A), edge tiles in every direction, padded leading dimensions, gaps
 * between batch entries, shared operands and byte offsets; then bad input.
 *
 * CLNN_TEST_SMALL=1 keeps dimensions <= 33 and batches small for oclgrind. */
#include "harness.h"
#include "ref/ref.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

/* Unit roundoff of float32. */
#define U (FLT_EPSILON / 2)

/* One matrix operand of a problem: `rows` x `cols` stored with `pad` extra
 * columns per row, `batch` copies `gap` elements apart (stride 0 if shared),
 * starting `off` elements into its buffer, plus a few elements after it. */
typedef struct matrix {
    size_t rows, cols, ld, stride, off, total;
    float *host;
    cl_mem buf;
} matrix;

typedef struct problem {
    clnn_transpose ta, tb;
    size_t m, n, k, batch;
    float alpha, beta;
    size_t pad, gap, off; /* the same for A, B and C */
    int shared_b;
} problem;

static void matrix_init(matrix *x, size_t rows, size_t cols, const problem *p, int shared,
                        uint32_t seed, int nan_fill)
{
    x->rows = rows;
    x->cols = cols;
    x->ld = cols + p->pad;
    size_t span = (rows - 1) * x->ld + cols;
    x->stride = shared ? 0 : span + p->gap;
    x->off = p->off;
    x->total = x->off + (p->batch - 1) * x->stride + span + 3;
    x->host = harness_alloc(x->total * sizeof(float));
    harness_random(x->host, x->total, seed, -1.0f, 1.0f);
    /* beta 0: C must be written without being read, NaN would show through. */
    if (nan_fill)
        for (size_t i = 0; i < x->total; i++) x->host[i] = NAN;
    x->buf = harness_upload(x->host, x->total * sizeof(float));
}

static double max_abs(const float *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) m = fmax(m, fabs((double)x[i]));
    return m;
}

/* Runs one problem; checks every result against the reference and every other
 * element of C's buffer unchanged bit for bit. */
static void check_problem(const problem *p, uint32_t seed)
{
    size_t m = p->m, n = p->n, k = p->k;
    int at = p->ta == CLNN_TRANS, bt = p->tb == CLNN_TRANS;
    matrix a, b, c;
    matrix_init(&a, at ? k : m, at ? m : k, p, 0, seed, 0);
    matrix_init(&b, bt ? n : k, bt ? k : n, p, p->shared_b, seed + 1, 0);
    matrix_init(&c, m, n, p, 0, seed + 2, p->beta == 0.0f);
    harness_expect_ok(clnn_gemm_strided_batched_tiled(
        harness_ctx(), p->ta, p->tb, m, n, k, p->alpha, a.buf, a.off * 4, a.ld, a.stride, b.buf,
        b.off * 4, b.ld, b.stride, p->beta, c.buf, c.off * 4, c.ld, c.stride, p->batch));
    float *got = harness_alloc(c.total * sizeof(float));
    harness_download(c.buf, 0, got, c.total * sizeof(float));
    double *want = harness_alloc(p->batch * m * n * sizeof(double));
    float *dense = harness_alloc(p->batch * m * n * sizeof(float));
    for (size_t i = 0; i < p->batch; i++) {
        size_t c0 = c.off + i * c.stride;
        ref_gemm(p->ta, p->tb, m, n, k, p->alpha, a.host + a.off + i * a.stride, a.ld,
                 b.host + b.off + i * b.stride, b.ld, p->beta, c.host + c0, c.ld,
                 want + i * m * n);
        for (size_t r = 0; r < m; r++) {
            memcpy(dense + (i * m + r) * n, got + c0 + r * c.ld, n * sizeof(float));
            memcpy(got + c0 + r * c.ld, c.host + c0 + r * c.ld, n * sizeof(float));
        }
    }
    for (size_t i = 0; i < c.total; i++)
        ck_assert_msg(memcmp(&got[i], &c.host[i], sizeof(float)) == 0,
                      "%zux%zux%zu: element %zu of C outside the result changed", m, n, k, i);
    /* Each result is a k-term fp32 sum, sequential along k in the outer-product
     * kernel, in 16 lanes then a tree in the dot kernel: error below
     * u k max|a| max|b| for zero-mean data (as in check-gemm, which measured
     * 0.6-0.85 of it for sequential sums); 3x that, plus 4 u |beta| max|C|. */
    double atol = 3 * U * (double)k * fabs(p->alpha) * max_abs(a.host, a.total) *
                      max_abs(b.host, b.total) +
                  4 * U * fabs(p->beta) * max_abs(c.host, c.total);
    char what[160];
    snprintf(what, sizeof what, "%s%s m=%zu n=%zu k=%zu batch=%zu alpha=%g beta=%g",
             at ? "T" : "N", bt ? "T" : "N", m, n, k, p->batch, p->alpha, p->beta);
    harness_expect_close(dense, want, p->batch * m * n, 1e-6, atol, what);
}

static void check_transposes(problem p, uint32_t seed)
{
    for (int t = 0; t < 4; t++) {
        p.ta = (t & 1) ? CLNN_TRANS : CLNN_NO_TRANS;
        p.tb = (t & 2) ? CLNN_TRANS : CLNN_NO_TRANS;
        check_problem(&p, seed + 10u * (uint32_t)t);
    }
}

static problem make(size_t m, size_t n, size_t k, size_t batch)
{
    problem p = {CLNN_NO_TRANS, CLNN_NO_TRANS, m, n, k, batch, 1.0f, 0.0f, 0, 0, 0, 0};
    return p;
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
        check_transposes(make(d[0], d[1], d[2], 2), 100u * (uint32_t)i);
    }
}
END_TEST

/* Padded leading dimensions, gaps between entries and byte offsets; batch 1. */
START_TEST(test_layout)
{
    problem p = small_mode ? make(13, 33, 7, 3) : make(93, 37, 45, 5);
    p.pad = 3;
    p.gap = 5;
    p.off = 7;
    check_transposes(p, 500);
    p.batch = 1;
    check_transposes(p, 600);
}
END_TEST

START_TEST(test_alpha_beta_shared)
{
    static const float pairs[][2] = {{0.5f, 1}, {-2, 0.25f}, {0, 1}, {1, -1}, {0, 0}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        problem p = small_mode ? make(13, 7, 33, 2) : make(93, 7, 257, 3);
        p.alpha = pairs[i][0];
        p.beta = pairs[i][1];
        p.shared_b = i % 2 == 0;
        check_transposes(p, 1000u + 50u * (uint32_t)i);
    }
}
END_TEST

/* Attention's products per head: S = Q K^T (NT), O = P V (NN), and the
 * backward's TN; many heads. */
START_TEST(test_attention_shapes)
{
    size_t t = small_mode ? 16 : 128, d = small_mode ? 8 : 64, heads = small_mode ? 3 : 16;
    problem p = make(t, t, d, heads);
    p.alpha = 0.125f;
    p.tb = CLNN_TRANS;
    check_problem(&p, 2000);
    p = make(t, d, t, heads);
    check_problem(&p, 2100);
    p.ta = CLNN_TRANS;
    check_problem(&p, 2200);
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
