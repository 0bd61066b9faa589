/*
 * clnn/reduce.h: reductions over a set of axes (ONNX ReduceSum, ReduceMean,
 * ReduceMax, ArgMax), float32 input, forward and backward.
 *
 * Axes are given as a list of `axis_count` indices in [-rank, rank) (negative
 * counts from the end, as ONNX); duplicates are an error. axis_count 0 (axes may
 * then be NULL) reduces every axis, as ONNX does with noop_with_empty_axes = 0.
 * With keepdims 1 the reduced axes stay as size 1; with 0 they are removed (a
 * full reduction then gives a rank-0 scalar). The output descriptor must match
 * that shape exactly (CLNN_SHAPE_MISMATCH otherwise).
 *
 * Sums accumulate in float with compensated (Kahan) summation per work-item and a
 * tree across a work-group, so sums of a million elements stay within about 1e-6
 * relative of exact. ReduceMax uses fmax: a NaN is ignored unless a whole slice is
 * NaN.
 */
#ifndef CLNN_REDUCE_H
#define CLNN_REDUCE_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_reduce_op {
    CLNN_REDUCE_SUM = 0,
    CLNN_REDUCE_MEAN = 1,
    CLNN_REDUCE_MAX = 2
} clnn_reduce_op;

/* Bytes of workspace clnn_reduce_forward needs for this reduction (0 for most:
 * only a few outputs with long slices, e.g. a full reduction of a large tensor,
 * take a two-pass path that spreads each slice over many work-groups and keeps
 * their partial results there). Errors as for clnn_reduce_forward. */
CLNN_API clnn_status clnn_reduce_workspace_size(clnn_context_t ctx, clnn_reduce_op op,
                                                int axis_count, const int *axes,
                                                int keepdims,
                                                const clnn_tensor_desc *x_desc,
                                                size_t *bytes);

/* y = reduce(x) over `axes`. `workspace` (may be NULL when workspace_size is 0)
 * must hold clnn_reduce_workspace_size bytes, else CLNN_INSUFFICIENT_WORKSPACE; it
 * must not overlap x or y. Errors: CLNN_NULL_POINTER (context, descriptor,
 * buffer, or axes NULL with axis_count > 0), CLNN_INVALID_VALUE (unknown op,
 * non-float32 operand, axis out of range or repeated, axis_count < 0 or > rank,
 * keepdims not 0/1, buffer range), CLNN_SHAPE_MISMATCH (y's shape). */
CLNN_API clnn_status clnn_reduce_forward(clnn_context_t ctx, clnn_reduce_op op,
                                         int axis_count, const int *axes, int keepdims,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset, cl_mem workspace,
                                         size_t workspace_size);

/* dx from dy (shaped as the forward's y): sum broadcasts dy back over the reduced
 * axes, mean also divides by the number of reduced elements, max sends each dy to
 * the position of its slice's maximum in x (the first one on ties) and zeros
 * elsewhere. x is read only for max, but is required for every op. dx is shaped
 * as x and overwritten. Errors as for the forward. */
CLNN_API clnn_status clnn_reduce_backward(clnn_context_t ctx, clnn_reduce_op op,
                                          int axis_count, const int *axes, int keepdims,
                                          const clnn_tensor_desc *x_desc, cl_mem x,
                                          size_t x_offset,
                                          const clnn_tensor_desc *dy_desc, cl_mem dy,
                                          size_t dy_offset,
                                          const clnn_tensor_desc *dx_desc, cl_mem dx,
                                          size_t dx_offset);

/* ONNX ArgMax along `axis` (in [-rank, rank)) of a float32 x: y (CLNN_INT64, as
 * ONNX stores indices) holds the index of the maximum, the first one on ties, or
 * the last one with select_last_index = 1. keepdims as above. NaN compares as
 * smaller than any number. Errors as for clnn_reduce_forward (y must be int64). */
CLNN_API clnn_status clnn_argmax_forward(clnn_context_t ctx, int axis, int keepdims,
                                         int select_last_index,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_REDUCE_H */
