/* clnn_gemm, clnn_gemm_strided_batched and clnn_gemm_warm_up against the CPU
 * reference (tests/ref/gemm.c), plus the documented failures on bad input.
 *
 * CLNN_TEST_SMALL=1 keeps every dimension <= 33 so the binary can run under
 * oclgrind (which simulates every work-item of CLBlast's kernels). */
#include "gemm-check.h"
#include "harness.h"
#include "ref/ref.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct dims3 {
    size_t m, n, k;
} dims3;

static gemm_case plain_case(dims3 d)
{
    gemm_case gc = {CLNN_NO_TRANS, CLNN_NO_TRANS, d.m, d.n, d.k, 1.0f, 0.0f,
                    {0}, {0}, {0}, {0}, 0, 0};
    return gc;
}

/* ------------------------------------------------------------------ tests */

/* m, n, k from {1, 7, 93, 257, 1000} (small mode {1, 7, 13, 33}): every value in
 * every position, square and very flat problems, K = 1 and long K. */
static const dims3 full_shapes[] = {
    {1, 1, 1},     {7, 93, 1},   {1, 257, 93},  {93, 1, 257},  {257, 7, 1000},
    {1000, 93, 7}, {7, 1000, 93}, {93, 257, 257}, {1000, 1, 1000}, {257, 257, 7},
};
static const dims3 small_shapes[] = {
    {1, 1, 1}, {7, 13, 1}, {1, 33, 7}, {13, 1, 33}, {33, 7, 13}, {7, 33, 33}, {33, 33, 1},
};

START_TEST(test_shapes)
{
    const dims3 *shapes = small_mode ? small_shapes : full_shapes;
    size_t count = small_mode ? sizeof small_shapes / sizeof *small_shapes
                              : sizeof full_shapes / sizeof *full_shapes;
    for (size_t i = 0; i < count; i++) gemm_check_transposes(plain_case(shapes[i]), 100u * (uint32_t)i);
}
END_TEST

/* An im2col convolution GEMM (64 filters, 56x56 outputs, 64x3x3 inputs): wide, not
 * square, large enough for CLBlast's indirect (tiled) kernel. */
START_TEST(test_conv_like)
{
    dims3 d = small_mode ? (dims3){16, 33, 27} : (dims3){64, 3136, 576};
    gemm_case gc = plain_case(d);
    gemm_check_case(&gc, 7);
    gc.tb = CLNN_TRANS; /* the weight-gradient layout */
    gc.alpha = 0.5f;
    gc.beta = 1.0f;
    gemm_check_case(&gc, 8);
}
END_TEST

START_TEST(test_alpha_beta)
{
    static const float pairs[][2] = {{1, 0}, {0.5f, 1}, {-2, 0.25f}, {0, 1}, {1, -1}, {0, 0}};
    dims3 d = small_mode ? (dims3){13, 7, 33} : (dims3){93, 7, 257};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        gemm_case gc = plain_case(d);
        gc.alpha = pairs[i][0];
        gc.beta = pairs[i][1];
        gemm_check_transposes(gc, 1000u + 50u * (uint32_t)i);
    }
}
END_TEST

/* Leading dimensions above the column count, and byte offsets that are not a
 * multiple of any vector width. */
START_TEST(test_ld_and_offsets)
{
    static const dims3 full[] = {{7, 93, 257}, {93, 7, 1}, {257, 257, 93}};
    static const dims3 small[] = {{7, 13, 33}, {13, 7, 1}, {33, 33, 13}};
    const dims3 *shapes = small_mode ? small : full;
    for (size_t i = 0; i < 3; i++) {
        gemm_case gc = plain_case(shapes[i]);
        gc.alpha = 1.5f;
        gc.beta = 0.5f;
        gc.pad[0] = 3, gc.pad[1] = 1, gc.pad[2] = 5;
        gc.off[0] = 1, gc.off[1] = 7, gc.off[2] = 3;
        gemm_check_transposes(gc, 2000u + 50u * (uint32_t)i);
    }
}
END_TEST

START_TEST(test_batched)
{
    static const size_t batches[] = {1, 3, 17};
    dims3 d = small_mode ? (dims3){7, 13, 33} : (dims3){93, 7, 257};
    for (size_t i = 0; i < 3; i++) {
        gemm_case gc = plain_case(d);
        gc.batch = batches[i];
        gc.beta = 0.5f;
        gemm_check_transposes(gc, 3000u + 50u * (uint32_t)i);
        /* Gaps between matrices (left untouched in C), padding and offsets. */
        gc.gap[0] = 2, gc.gap[1] = 5, gc.gap[2] = 3;
        gc.pad[0] = 1, gc.pad[1] = 2, gc.pad[2] = 3;
        gc.off[0] = 5, gc.off[1] = 3, gc.off[2] = 1;
        gemm_check_transposes(gc, 3500u + 50u * (uint32_t)i);
    }
}
END_TEST

/* Stride 0: one A (weights) against a batch of B, and the other way round. */
START_TEST(test_batched_shared)
{
    dims3 d = small_mode ? (dims3){13, 7, 33} : (dims3){93, 257, 7};
    for (int which = 0; which < 2; which++) {
        gemm_case gc = plain_case(d);
        gc.batch = small_mode ? 3 : 17;
        gc.shared[which] = 1;
        gc.off[which] = 2;
        gc.gap[2] = 1;
        gc.alpha = -1.0f;
        gc.beta = 2.0f;
        gemm_check_transposes(gc, 4000u + 100u * (uint32_t)which);
    }
}
END_TEST

START_TEST(test_warm_up)
{
    harness_expect_ok(clnn_gemm_warm_up(harness_ctx()));
    harness_expect_ok(clnn_gemm_warm_up(harness_ctx())); /* twice is fine */
    harness_expect_status(clnn_gemm_warm_up(NULL), CLNN_NULL_POINTER);
    gemm_case gc = plain_case((dims3){7, 13, 33});
    gemm_check_case(&gc, 5000);
}
END_TEST

/* -------------------------------------------------------------- bad input */

/* Every argument of clnn_gemm_strided_batched; `batched` 0 calls clnn_gemm. */
typedef struct gemm_args {
    clnn_context_t ctx;
    int ta, tb;
    size_t m, n, k;
    cl_mem a, b, c;
    size_t a_off, b_off, c_off, lda, ldb, ldc, sa, sb, sc, batch;
    int batched;
} gemm_args;

#define BAD_M 5
#define BAD_N 6
#define BAD_K 7
#define BAD_BATCH 2

static clnn_status call_gemm(const gemm_args *g)
{
    if (!g->batched)
        return clnn_gemm(g->ctx, (clnn_transpose)g->ta, (clnn_transpose)g->tb, g->m, g->n, g->k,
                         1.0f, g->a, g->a_off, g->lda, g->b, g->b_off, g->ldb, 0.0f, g->c,
                         g->c_off, g->ldc);
    return clnn_gemm_strided_batched(g->ctx, (clnn_transpose)g->ta, (clnn_transpose)g->tb,
                                     g->m, g->n, g->k, 1.0f, g->a, g->a_off, g->lda, g->sa,
                                     g->b, g->b_off, g->ldb, g->sb, 0.0f, g->c, g->c_off,
                                     g->ldc, g->sc, g->batch);
}

/* A valid problem whose buffers are exactly as large as it needs. */
static gemm_args valid_args(int batched)
{
    size_t batch = batched ? BAD_BATCH : 1;
    gemm_args g = {harness_ctx(), CLNN_NO_TRANS, CLNN_NO_TRANS, BAD_M, BAD_N, BAD_K,
                   NULL, NULL, NULL, 0, 0, 0, BAD_K, BAD_N, BAD_N,
                   BAD_M * BAD_K, BAD_K * BAD_N, BAD_M * BAD_N, batch, batched};
    float *host = harness_alloc(batch * BAD_K * BAD_K * BAD_N * sizeof(float));
    harness_random(host, batch * BAD_K * BAD_K * BAD_N, 77, -1.0f, 1.0f);
    g.a = harness_upload(host, batch * BAD_M * BAD_K * sizeof(float));
    g.b = harness_upload(host, batch * BAD_K * BAD_N * sizeof(float));
    g.c = harness_upload(host, batch * BAD_M * BAD_N * sizeof(float));
    return g;
}

/* C's buffer can be read back when it exists in the harness context. */
static int readable_c(const gemm_args *g)
{
    cl_context owner = NULL;
    return g->c && clGetMemObjectInfo(g->c, CL_MEM_CONTEXT, sizeof owner, &owner, NULL) ==
                       CL_SUCCESS && owner == clnn_context_cl_context(harness_ctx());
}

/* Calls with `g`, expects status `want` with `needle` in clnn_last_error(), and C's
 * buffer bit for bit as before. */
static void expect_gemm_fails(const gemm_args *g, clnn_status want, const char *needle)
{
    size_t bytes = (g->batched ? BAD_BATCH : 1) * BAD_M * BAD_N * sizeof(float);
    float *before = harness_alloc(bytes), *after = harness_alloc(bytes);
    int check_c = readable_c(g);
    if (check_c) harness_download(g->c, 0, before, bytes);
    clnn_clear_error();
    harness_expect_error_at(call_gemm(g), want, needle,
                            g->batched ? "clnn_gemm_strided_batched" : "clnn_gemm");
    if (!check_c) return;
    harness_expect_ok(clnn_context_finish(harness_ctx()));
    harness_download(g->c, 0, after, bytes);
    ck_assert_msg(memcmp(before, after, bytes) == 0, "a failed call changed C (%s)", needle);
}

START_TEST(test_bad_pointers)
{
    clnn_context_t dead;
    harness_expect_ok(clnn_context_create(&dead));
    clnn_context_destroy(dead);
    for (int batched = 0; batched < 2; batched++) {
        gemm_args g = valid_args(batched);
        harness_expect_ok(call_gemm(&g)); /* the baseline is valid */

        g.ctx = NULL;
        expect_gemm_fails(&g, CLNN_NULL_POINTER, "context");
        g = valid_args(batched);
        g.ctx = dead;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "context");

        g = valid_args(batched);
        g.a = NULL;
        expect_gemm_fails(&g, CLNN_NULL_POINTER, "buffer a");
        g = valid_args(batched);
        g.b = NULL;
        expect_gemm_fails(&g, CLNN_NULL_POINTER, "buffer b");
        g = valid_args(batched);
        g.c = NULL;
        expect_gemm_fails(&g, CLNN_NULL_POINTER, "buffer c");
    }
}
END_TEST

START_TEST(test_bad_sizes)
{
    for (int batched = 0; batched < 2; batched++) {
        gemm_args g = valid_args(batched);
        g.m = 0;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "m=0");
        g = valid_args(batched);
        g.n = 0;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "n=0");
        g = valid_args(batched);
        g.k = 0;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "k=0");
        g = valid_args(batched);
        g.ta = 2;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "trans_a");
        g = valid_args(batched);
        g.tb = -1;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "trans_b");

        /* Leading dimensions below the stored column count (A transposed is k x m). */
        g = valid_args(batched);
        g.lda = BAD_K - 1;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "lda");
        g = valid_args(batched);
        g.tb = CLNN_TRANS;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "ldb"); /* ldb = n < k */
        g = valid_args(batched);
        g.ldb = 0;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "ldb");
        g = valid_args(batched);
        g.ldc = BAD_N - 1;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "ldc");

        /* Sizes whose extent overflows size_t, or that exceed the int range CLBlast
         * takes; none may wrap around into a range that fits the buffer. */
        g = valid_args(batched);
        g.m = SIZE_MAX / 2;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "m, n and k");
        g = valid_args(batched);
        g.k = (size_t)1 << 32;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "m, n and k");
        g = valid_args(batched);
        g.lda = SIZE_MAX / 2; /* (m - 1) * lda overflows */
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "extent of a");
        g = valid_args(batched);
        g.ldc = SIZE_MAX / 16; /* (m - 1) * ldc fits, times 4 bytes does not */
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "extent of c");
        g = valid_args(batched);
        g.b_off = SIZE_MAX - 3; /* aligned, but offset + bytes wraps */
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "b range");
    }
}
END_TEST

START_TEST(test_bad_ranges)
{
    for (int batched = 0; batched < 2; batched++) {
        gemm_args g = valid_args(batched);
        g.a_off = 2;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "a offset");
        g = valid_args(batched);
        g.c_off = 1;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "c offset");
        /* One element past the end, through the offset or the leading dimension. */
        g = valid_args(batched);
        g.b_off = 4;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "b range");
        g = valid_args(batched);
        g.ldc = BAD_N + 1;
        g.sc = BAD_M * (BAD_N + 1); /* the batched C span grows with ldc */
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "c range");
        g = valid_args(batched);
        g.a_off = 4;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "a range");
    }
}
END_TEST

START_TEST(test_bad_batched)
{
    gemm_args g = valid_args(1);
    g.batch = 0;
    expect_gemm_fails(&g, CLNN_INVALID_VALUE, "batch=0");
    g = valid_args(1);
    g.sc = BAD_M * BAD_N - 1; /* the C matrices would overlap */
    expect_gemm_fails(&g, CLNN_INVALID_VALUE, "stride_c");
    g = valid_args(1);
    g.sc = 0;
    expect_gemm_fails(&g, CLNN_INVALID_VALUE, "stride_c");
    g = valid_args(1);
    g.sa = BAD_M * BAD_K + 1; /* the second A ends one element past the buffer */
    expect_gemm_fails(&g, CLNN_INVALID_VALUE, "a range");
    g = valid_args(1);
    g.sb = SIZE_MAX / 2; /* (batch - 1) * stride overflows once converted to bytes */
    expect_gemm_fails(&g, CLNN_INVALID_VALUE, "extent of b");
    g = valid_args(1);
    g.batch = SIZE_MAX; /* (batch - 1) * stride_a overflows */
    expect_gemm_fails(&g, CLNN_INVALID_VALUE, "extent of a");
    /* Stride 0 for A and B is valid: shared operands. */
    g = valid_args(1);
    g.sa = g.sb = 0;
    harness_expect_ok(call_gemm(&g));
}
END_TEST

/* A buffer created in another cl_context. */
START_TEST(test_foreign_buffer)
{
    clnn_context_t other;
    harness_expect_ok(clnn_context_create(&other));
    cl_int err;
    cl_mem foreign = clCreateBuffer(clnn_context_cl_context(other), CL_MEM_READ_WRITE,
                                    4096, NULL, &err);
    ck_assert_msg(foreign != NULL, "clCreateBuffer: %d", err);
    for (int batched = 0; batched < 2; batched++) {
        gemm_args g = valid_args(batched);
        g.a = foreign;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "a belongs to another");
        g = valid_args(batched);
        g.c = foreign;
        expect_gemm_fails(&g, CLNN_INVALID_VALUE, "c belongs to another");
    }
    clReleaseMemObject(foreign);
    clnn_context_destroy(other);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;

    /* Bad input first: oclgrind (--log) truncates its log whenever a cl_context is
     * created, and these tests create extra contexts; every kernel report after them
     * is kept. */
    Suite *s = suite_create("gemm");
    TCase *tc = harness_tcase(s, "bad_input");
    tcase_add_test(tc, test_bad_pointers);
    tcase_add_test(tc, test_bad_sizes);
    tcase_add_test(tc, test_bad_ranges);
    tcase_add_test(tc, test_bad_batched);
    tcase_add_test(tc, test_foreign_buffer);
    tc = harness_tcase(s, "warm_up");
    tcase_add_test(tc, test_warm_up);
    tc = harness_tcase(s, "shapes");
    tcase_add_test(tc, test_shapes);
    tcase_add_test(tc, test_conv_like);
    tc = harness_tcase(s, "scaling_and_layout");
    tcase_add_test(tc, test_alpha_beta);
    tcase_add_test(tc, test_ld_and_offsets);
    tc = harness_tcase(s, "batched");
    tcase_add_test(tc, test_batched);
    tcase_add_test(tc, test_batched_shared);
    return harness_main(s);
}
