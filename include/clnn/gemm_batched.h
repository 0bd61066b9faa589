/*
 * clnn/gemm_batched.h: clnn's own strided-batched GEMM kernel (row-major,
 * float32), register-tiled for CPU devices.
 */
#ifndef CLNN_GEMM_BATCHED_H
#define CLNN_GEMM_BATCHED_H

#include <clnn/core.h>
#include <clnn/gemm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The contract of clnn_gemm_strided_batched (clnn/gemm.h): `batch` GEMMs
 * C_i = alpha * op(A_i) * op(B_i) + beta * C_i, row-major, leading dimensions
 * and batch strides in elements (stride_a or stride_b 0 for a shared operand),
 * offsets in bytes, C only written when beta == 0. The same failures:
 * CLNN_INVALID_VALUE for a transpose other than CLNN_NO_TRANS / CLNN_TRANS,
 * m, n, k or batch 0, a leading dimension below the stored column count or
 * overlapping C matrices, CLNN_NULL_POINTER for a NULL buffer, and
 * CLNN_INVALID_VALUE when a buffer is too small for the operand it holds.
 * Also CLNN_INVALID_VALUE when batch * (m / 4 + 1) * (n / 4 + 1) reaches 2^31.
 *
 * Runs clnn's kernel (cl/gemm_batched.cl) on any device instead of CLBlast:
 * one work-item per register tile, no local memory, which suits CPUs (where
 * local memory is emulated) and the many small matrices of attention heads.
 * On devices without dedicated local memory clnn's attention uses it, and
 * clnn_gemm / clnn_gemm_strided_batched route short sums and small outputs to
 * it (see clnn/gemm.h); on GPUs prefer clnn_gemm_strided_batched. */
CLNN_API clnn_status clnn_gemm_strided_batched_tiled(clnn_context_t ctx,
                                                     clnn_transpose trans_a,
                                                     clnn_transpose trans_b,
                                                     size_t m, size_t n, size_t k,
                                                     float alpha,
                                                     cl_mem a, size_t a_offset, size_t lda,
                                                     size_t stride_a,
                                                     cl_mem b, size_t b_offset, size_t ldb,
                                                     size_t stride_b, float beta,
                                                     cl_mem c, size_t c_offset, size_t ldc,
                                                     size_t stride_c, size_t batch);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_GEMM_BATCHED_H */
