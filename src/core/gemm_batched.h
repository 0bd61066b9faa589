/* clnn's own strided-batched GEMM kernel (gemm_batched.c; not installed). */
#ifndef CLNN_CORE_GEMM_BATCHED_H
#define CLNN_CORE_GEMM_BATCHED_H

#include "context.h"

/* Whether clnn_gemm_strided_batched_tiled is the faster choice here: devices
 * whose local memory is emulated (CPUs), for problems the kernel can index. */
bool clnn_gemm_tiled_preferred(clnn_context_t ctx, size_t m, size_t n, size_t batch);

/* Whether clnn_gemm and clnn_gemm_strided_batched should run the tiled kernel
 * instead of CLBlast: where it is preferred, for short sums (k <= 256) or small
 * outputs with moderate sums (m * n <= 65536, k <= 1024), not both operands
 * transposed. */
bool clnn_gemm_tiled_wins(clnn_context_t ctx, clnn_transpose ta, clnn_transpose tb, size_t m,
                          size_t n, size_t k, size_t batch);

#endif
