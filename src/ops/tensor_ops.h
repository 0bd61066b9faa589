/* Layout helpers shared by the tensor family (transpose, reductions) (not
 * installed). */
#ifndef CLNN_OPS_TENSOR_OPS_INTERNAL_H
#define CLNN_OPS_TENSOR_OPS_INTERNAL_H

#include "../core/context.h"

/* Resolves an ONNX axis: valid range [-rank, rank) or, with `inclusive`,
 * [-rank, rank]. Fails with CLNN_INVALID_VALUE naming `fn` and `name`. */
clnn_status clnn_axis_resolve(int axis, int rank, bool inclusive, const char *fn,
                              const char *name, int *out);

/* dst[i] (i < prod(dims)) = src[sum_k idx_k * strides[k]] where idx is i's
 * row-major multi-index in `dims` (rank 0..8). Elements of `elem_size` bytes (4 or
 * 8); offsets in elements. `scale` non-NULL multiplies (float32 only). */
clnn_status clnn_gather_strided(clnn_context_t ctx, size_t elem_size, int rank,
                                const size_t *dims, const size_t *strides, cl_mem src,
                                size_t src_off, cl_mem dst, size_t dst_off,
                                const float *scale);

/* The kernels' index type (-DIDX) for indices below n: "uint" when they fit. */
const char *clnn_index_type(size_t n);

/* v[0 .. n) as a kernel's ulong8 argument, the rest set to `fill`. */
cl_ulong8 clnn_pack_ulong8(const size_t *v, int n, size_t fill);

#endif
