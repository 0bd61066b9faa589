/*
 * clnn/gemm.h: matrix multiplication through CLBlast or, for small shapes on CPUs,
 * clnn's own kernel (row-major, float32).
 */
#ifndef CLNN_GEMM_H
#define CLNN_GEMM_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------------- GEMM */

typedef enum clnn_transpose {
    CLNN_NO_TRANS = 0,
    CLNN_TRANS = 1
} clnn_transpose;

/* C = alpha * op(A) * op(B) + beta * C, row-major, float32.
 * op(A) is m x k, op(B) is k x n, C is m x n. lda/ldb/ldc are row strides in
 * elements: lda >= (trans_a ? m : k), ldb >= (trans_b ? k : n), ldc >= n.
 * m, n and k must be >= 1 (CLNN_INVALID_VALUE otherwise). Offsets are in bytes.
 * With beta == 0, C is only written, never read (NaN or garbage in C is ignored).
 * Runs through CLBlast with the parameters of clnn's tuning table for the device
 * (CLNN_GEMM_TUNING=default keeps CLBlast's own). CLBlast's parameters are
 * process-wide per device: the first context on a device decides them. On
 * devices with emulated local memory (CPUs), for short sums (k <= 256) or small
 * outputs (m * n <= 65536 with k <= 1024), one operand transposed at most,
 * clnn's own register-tiled kernel runs instead (clnn/gemm_batched.h), 1.3-3x
 * faster there. */
CLNN_API clnn_status clnn_gemm(clnn_context_t ctx,
                               clnn_transpose trans_a, clnn_transpose trans_b,
                               size_t m, size_t n, size_t k, float alpha,
                               cl_mem a, size_t a_offset, size_t lda,
                               cl_mem b, size_t b_offset, size_t ldb, float beta,
                               cl_mem c, size_t c_offset, size_t ldc);

/* `batch` independent GEMMs; matrix i of A starts stride_a elements after matrix
 * i - 1 (likewise B and C). Strides may be 0 for a shared operand (not for C). */
CLNN_API clnn_status clnn_gemm_strided_batched(clnn_context_t ctx,
                                               clnn_transpose trans_a,
                                               clnn_transpose trans_b,
                                               size_t m, size_t n, size_t k, float alpha,
                                               cl_mem a, size_t a_offset, size_t lda,
                                               size_t stride_a,
                                               cl_mem b, size_t b_offset, size_t ldb,
                                               size_t stride_b, float beta,
                                               cl_mem c, size_t c_offset, size_t ldc,
                                               size_t stride_c, size_t batch);

/* Compiles CLBlast's GEMM kernels for the context's device now (seconds on a cold
 * start), so the first clnn_gemm does not pay for it. */
CLNN_API clnn_status clnn_gemm_warm_up(clnn_context_t ctx);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_GEMM_H */
