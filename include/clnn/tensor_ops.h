/*
 * clnn/tensor_ops.h: shape and layout operations (ONNX Reshape, Flatten,
 * Transpose, Concat, Split). Reshape and flatten only compute a new descriptor
 * (tensors are dense row-major, so the data stays where it is); transpose,
 * concat and split move data on the device. Any dtype (float32, int32, int64) is
 * accepted where data moves; all operands of one call share one dtype.
 *
 * Backward passes: transpose's is the transpose with the inverse permutation,
 * concat's is split into the inputs' sizes along the same axis, split's is
 * concat; reshape and flatten need none. No separate *_backward functions exist.
 */
#ifndef CLNN_TENSOR_OPS_H
#define CLNN_TENSOR_OPS_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ONNX Reshape (allowzero = 0): `out` gets `rank` dims from `shape`, where one
 * entry may be -1 (inferred from the element count) and 0 copies the input's dim
 * at that position. Same dtype as `in`. Errors: CLNN_NULL_POINTER (in, out, or
 * shape with rank > 0), CLNN_INVALID_VALUE (rank outside 0..CLNN_MAX_RANK, an
 * entry < -1, two -1s, a 0 past the input's rank), CLNN_SHAPE_MISMATCH (element
 * counts differ or -1 cannot be inferred). `out` may be `in`; untouched on error. */
CLNN_API clnn_status clnn_tensor_desc_reshape(const clnn_tensor_desc *in, int rank,
                                              const int64_t *shape, clnn_tensor_desc *out);

/* ONNX Flatten: `out` is the 2-D [prod(dims[0 .. axis)), prod(dims[axis ..))] for
 * an axis in [-rank, rank] (negative counts from the end). Errors:
 * CLNN_NULL_POINTER, CLNN_INVALID_VALUE (axis out of range). `out` may be `in`. */
CLNN_API clnn_status clnn_tensor_desc_flatten(const clnn_tensor_desc *in, int axis,
                                              clnn_tensor_desc *out);

/* ONNX Transpose: y.dims[i] = x.dims[perm[i]], perm a permutation of 0..rank-1
 * (NULL reverses the axes, ONNX's default). y must have that shape and x's dtype
 * and must not overlap x. Size-1 axes are dropped and axes that stay neighbours
 * are merged first; a swap of the last two (merged) axes then goes through
 * local-memory tiles (16 x 16 work-groups where the device allows them), rows
 * contiguous in x move a vector at a time, and an identity is a buffer copy.
 * The backward pass is clnn_transpose_forward with the inverse permutation
 * (inv[perm[i]] = i) applied to dy. Errors: CLNN_NULL_POINTER,
 * CLNN_INVALID_VALUE (perm not a permutation, dtypes differ, buffer ranges),
 * CLNN_SHAPE_MISMATCH (y's shape). */
CLNN_API clnn_status clnn_transpose_forward(clnn_context_t ctx, const int *perm,
                                            const clnn_tensor_desc *x_desc, cl_mem x,
                                            size_t x_offset,
                                            const clnn_tensor_desc *y_desc, cl_mem y,
                                            size_t y_offset);

/* ONNX Concat: the `count` (>= 1) inputs, equal in rank, dtype and every dim but
 * `axis` (in [-rank, rank)), are joined along `axis` into y, in order. Input i is
 * (x_descs[i], xs[i], x_offsets[i]); x_offsets may be NULL for all zeros. The
 * copies are strided buffer-to-buffer copies on the queue (no host round trip);
 * y must not overlap any input. Errors: CLNN_NULL_POINTER, CLNN_INVALID_VALUE
 * (count < 1, axis out of range, dtype differs, buffer ranges),
 * CLNN_SHAPE_MISMATCH (ranks or other dims differ, y's axis dim is not the sum). */
CLNN_API clnn_status clnn_concat_forward(clnn_context_t ctx, int axis, int count,
                                         const clnn_tensor_desc *const *x_descs,
                                         const cl_mem *xs, const size_t *x_offsets,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset);

/* ONNX Split: x is cut along `axis` into `count` (>= 1) outputs whose sizes along
 * that axis are their descriptors' (ONNX's `split` input); the sizes must sum to
 * x's dim and every other dim must equal x's. y_offsets may be NULL for all
 * zeros. Errors as for concat, with the roles of inputs and output swapped. */
CLNN_API clnn_status clnn_split_forward(clnn_context_t ctx, int axis,
                                        const clnn_tensor_desc *x_desc, cl_mem x,
                                        size_t x_offset, int count,
                                        const clnn_tensor_desc *const *y_descs,
                                        const cl_mem *ys, const size_t *y_offsets);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_TENSOR_OPS_H */
