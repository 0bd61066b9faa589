/* clnn_gemm_strided_batched_tiled: validation, then cl/gemm_batched.cl. */
#include "check.h"
#include "gemm_batched.h"
#include "program.h"

#include <clnn/gemm_batched.h>

#include <stdint.h>
#include <stdio.h>

/* Work-items the kernels need: 8 x 32 tiles of outer products when B is not
 * transposed, 4 x 4 tiles of dot products when it is; 0 past 2^31 (the
 * kernels index tiles with int). */
static size_t tile_count(clnn_transpose tb, size_t m, size_t n, size_t batch)
{
    size_t tm = tb == CLNN_TRANS ? 4 : 8, tn = tb == CLNN_TRANS ? 4 : 32, per, all;
    if (!clnn_mul_size((m + tm - 1) / tm, (n + tn - 1) / tn, &per) ||
        !clnn_mul_size(per, batch, &all) || all >= INT32_MAX)
        return 0;
    return all;
}

bool clnn_gemm_tiled_preferred(clnn_context_t ctx, size_t m, size_t n, size_t batch)
{
    /* The transposed-B tiling has the larger count. */
    return !ctx->info.local_mem_is_real && tile_count(CLNN_TRANS, m, n, batch) != 0;
}

/* PoCL, 2-core Xeon (AVX-512), quiet, median of 9, GFLOPS CLBlast (tuned) ->
 * tiled: NN 256^3 71 -> 152, 32x1024x256 42 -> 82, 2048x1024x128 76 -> 190,
 * 32x784x128 18 -> 52, 32x128x784 23 -> 71; TN 784x128x32 14 -> 42,
 * 2048x1024x128 61 -> 83; NT 2048x1024x128 65 -> 91, 2048x768x256 81 -> 105,
 * 32x128x784 23 -> 50, 256x256x64 43 -> 55; but NN 64x3136x576 106 -> 69,
 * TN 64x576x3136 99 -> 43, TN 1024^3 101 -> 63 (NN 1024^3 about even): the
 * kernel does not block k, so long sums on large outputs stay with CLBlast.
 * Both operands transposed was not measured and stays with CLBlast. */
bool clnn_gemm_tiled_wins(clnn_context_t ctx, clnn_transpose ta, clnn_transpose tb, size_t m,
                          size_t n, size_t k, size_t batch)
{
    /* CLNN_GEMM_TUNING=default asks for CLBlast as it comes (clnn-bench's
     * reference column). */
    return !(ta == CLNN_TRANS && tb == CLNN_TRANS) &&
           (k <= 256 || (m * n <= 65536 && k <= 1024)) &&
           clnn_env_get()->gemm_tuning != CLNN_GEMM_TUNING_DEFAULT &&
           clnn_gemm_tiled_preferred(ctx, m, n, batch);
}

/* One stored operand: `rows` x `cols` with leading dimension ld, `batch`
 * copies `stride` elements apart, in `buffer` from byte `offset` on. */
static clnn_status check_matrix(clnn_context_t ctx, const char *fn, const char *name,
                                cl_mem buffer, size_t offset, size_t rows, size_t cols,
                                size_t ld, size_t stride, size_t batch)
{
    if (ld < cols)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: ld%s = %zu is below the %zu columns of %s",
                         fn, name, ld, cols, name);
    size_t last, extent, bytes;
    bool ok = clnn_mul_size(rows - 1, ld, &last) && clnn_add_size(last, cols, &extent) &&
              clnn_mul_size(batch - 1, stride, &last) && clnn_add_size(last, extent, &extent) &&
              clnn_mul_size(extent, sizeof(float), &bytes);
    if (!ok) return clnn_fail(CLNN_INVALID_VALUE, "%s: the extent of %s overflows", fn, name);
    return clnn_check_buffer(ctx, buffer, offset, bytes, sizeof(float), fn, name);
}

static clnn_status check_args(clnn_context_t ctx, const char *fn, clnn_transpose ta,
                              clnn_transpose tb, size_t m, size_t n, size_t k, cl_mem a,
                              size_t ao, size_t lda, size_t sa, cl_mem b, size_t bo, size_t ldb,
                              size_t sb, cl_mem c, size_t co, size_t ldc, size_t sc,
                              size_t batch)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st != CLNN_SUCCESS) return st;
    if (ta != CLNN_NO_TRANS && ta != CLNN_TRANS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: trans_a is %d (must be CLNN_NO_TRANS or "
                                             "CLNN_TRANS)", fn, (int)ta);
    if (tb != CLNN_NO_TRANS && tb != CLNN_TRANS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: trans_b is %d (must be CLNN_NO_TRANS or "
                                             "CLNN_TRANS)", fn, (int)tb);
    if (!m || !n || !k || !batch)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: m %zu, n %zu, k %zu, batch %zu (each must be "
                                             ">= 1)", fn, m, n, k, batch);
    if (k >= INT32_MAX || tile_count(tb, m, n, batch) == 0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: m %zu, n %zu, k %zu, batch %zu: too large for "
                                             "the kernel's int indices", fn, m, n, k, batch);
    bool at = ta == CLNN_TRANS, bt = tb == CLNN_TRANS;
    st = check_matrix(ctx, fn, "a", a, ao, at ? k : m, at ? m : k, lda, sa, batch);
    if (st == CLNN_SUCCESS)
        st = check_matrix(ctx, fn, "b", b, bo, bt ? n : k, bt ? k : n, ldb, sb, batch);
    if (st == CLNN_SUCCESS) st = check_matrix(ctx, fn, "c", c, co, m, n, ldc, sc, batch);
    if (st == CLNN_SUCCESS && batch > 1 && sc < (m - 1) * ldc + n)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: stride_c = %zu lets the C matrices overlap "
                                           "(%zu needed)", fn, sc, (m - 1) * ldc + n);
    return st;
}

clnn_status clnn_gemm_strided_batched_tiled(clnn_context_t ctx, clnn_transpose trans_a,
                                            clnn_transpose trans_b, size_t m, size_t n,
                                            size_t k, float alpha, cl_mem a, size_t a_offset,
                                            size_t lda, size_t stride_a, cl_mem b,
                                            size_t b_offset, size_t ldb, size_t stride_b,
                                            float beta, cl_mem c, size_t c_offset, size_t ldc,
                                            size_t stride_c, size_t batch)
{
    static const char fn[] = "clnn_gemm_strided_batched_tiled";
    clnn_status st = check_args(ctx, fn, trans_a, trans_b, m, n, k, a, a_offset, lda, stride_a,
                                b, b_offset, ldb, stride_b, c, c_offset, ldc, stride_c, batch);
    if (st != CLNN_SUCCESS) return st;
    char options[32];
    snprintf(options, sizeof options, "-DTRANS_A=%d", trans_a == CLNN_TRANS);
    cl_kernel kernel;
    st = clnn_kernel_get(ctx, "gemm_batched.cl", options,
                         trans_b == CLNN_TRANS ? "gemm_dot" : "gemm_outer", &kernel);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong ao = a_offset / 4, bo = b_offset / 4, co = c_offset / 4, la = lda, lb = ldb,
             lc = ldc, sa = stride_a, sb = stride_b, sc = stride_c;
    cl_int im = (cl_int)m, in = (cl_int)n, ik = (cl_int)k, ib = (cl_int)batch;
    st = clnn_set_args(kernel, CLNN_ARG(a), CLNN_ARG(ao), CLNN_ARG(la), CLNN_ARG(sa),
                       CLNN_ARG(b), CLNN_ARG(bo), CLNN_ARG(lb), CLNN_ARG(sb), CLNN_ARG(c),
                       CLNN_ARG(co), CLNN_ARG(lc), CLNN_ARG(sc), CLNN_ARG(im), CLNN_ARG(in),
                       CLNN_ARG(ik), CLNN_ARG(alpha), CLNN_ARG(beta), CLNN_ARG(ib));
    if (st != CLNN_SUCCESS) return st;
    return clnn_enqueue_1d(ctx, kernel, tile_count(trans_b, m, n, batch));
}
