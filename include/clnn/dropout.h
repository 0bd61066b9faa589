/*
 * clnn/dropout.h: dropout (float32) with a counter-based random number generator,
 * so masks are reproducible from a seed on every device and need not be stored.
 * Semantics follow ONNX Dropout (opset 13).
 *
 * The random stream: element i of a call (row-major index) uses counter
 * c = offset + i. Philox4x32-10 (Salmon et al. 2011, as in Random123) with key
 * (seed & 0xffffffff, seed >> 32) and counter (b & 0xffffffff, b >> 32, 0, 0),
 * b = c / 4, gives four 32-bit words; the element takes word c % 4, `bits`. Its
 * uniform number is u = (bits >> 8) / 2^24 in [0, 1), and the element is kept
 * when u >= ratio. Calls that should draw fresh numbers advance `offset` by the
 * element count of the previous call (or use another seed).
 */
#ifndef CLNN_DROPOUT_H
#define CLNN_DROPOUT_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Training mode (`training` != 0 and ratio > 0):
 *   y = x * mask / (1 - ratio), mask = (u >= ratio) as described above.
 * Inference mode (`training` == 0) or ratio == 0: y = x (nothing is done when y is
 * x at the same offset) and the mask is all ones.
 *
 * `mask` is optional (NULL with any mask_desc): when given it receives the mask as
 * int32 (1 kept, 0 dropped; ONNX's bool mask), with mask_desc of dtype CLNN_INT32
 * and x's shape. y may be x at the same offset (in place); other overlaps are not
 * allowed.
 *
 * Errors: NULL ctx/descriptor/x/y CLNN_NULL_POINTER; ratio outside [0, 1) (or
 * NaN), wrong dtypes, or buffer ranges that do not fit CLNN_INVALID_VALUE; shapes
 * that differ CLNN_SHAPE_MISMATCH. */
CLNN_API clnn_status clnn_dropout_forward(clnn_context_t ctx, float ratio, int training,
                                          uint64_t seed, uint64_t offset,
                                          const clnn_tensor_desc *x_desc, cl_mem x,
                                          size_t x_offset,
                                          const clnn_tensor_desc *y_desc, cl_mem y,
                                          size_t y_offset,
                                          const clnn_tensor_desc *mask_desc, cl_mem mask,
                                          size_t mask_offset);

/* dx = dy * mask / (1 - ratio) for a training-mode forward with the same ratio,
 * seed and offset: the mask is recomputed, not read. ratio == 0 gives dx = dy.
 * dy and dx have the same shape; dx may be dy at the same offset. Errors as for
 * clnn_dropout_forward. */
CLNN_API clnn_status clnn_dropout_backward(clnn_context_t ctx, float ratio, uint64_t seed,
                                           uint64_t offset,
                                           const clnn_tensor_desc *dy_desc, cl_mem dy,
                                           size_t dy_offset,
                                           const clnn_tensor_desc *dx_desc, cl_mem dx,
                                           size_t dx_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_DROPOUT_H */
