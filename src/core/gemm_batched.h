/* clnn's own strided-batched GEMM kernel (gemm_batched.c; not installed). */
#ifndef CLNN_CORE_GEMM_BATCHED_H
#define CLNN_CORE_GEMM_BATCHED_H

#include "context.h"

/* Whether clnn_gemm_strided_batched_tiled is the faster choice here: devices
 * whose local memory is emulated (CPUs), for problems the kernel can index. */
bool clnn_gemm_tiled_preferred(clnn_context_t ctx, size_t m, size_t n, size_t batch);

#endif
