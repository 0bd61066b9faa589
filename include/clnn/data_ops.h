/*
 * clnn/data_ops.h: data movement with ONNX semantics: Slice, Pad (constant,
 * reflect, edge), Expand and Gather, forward and backward.
 *
 * Slice, Pad and Expand move any dtype (float32, int32, int64: the bits are
 * copied); x and y share one dtype. Gather takes int32 or int64 indices. Tensors
 * are dense row-major; byte offsets must be multiples of the element size and
 * outputs must not overlap inputs. Every dim is >= 1 (clnn has no empty
 * tensors): a shape helper returns CLNN_NOT_SUPPORTED where ONNX would give an
 * empty result.
 *
 * Each operation is one kernel launch. Forward work-items copy a run of up to 32
 * elements of an innermost row (8 at a time with vector loads where the row is
 * contiguous in x); the backward passes have one work-item per dx element, so
 * they overwrite dx, need no atomics and are deterministic.
 *
 * Errors: NULL context, descriptor, buffer or array gives CLNN_NULL_POINTER; a
 * wrong dtype, rank, axis, step, mode or a buffer range that does not fit gives
 * CLNN_INVALID_VALUE; an output shape that does not match what the shape helper
 * computes gives CLNN_SHAPE_MISMATCH. The message names the function and the
 * argument; nothing is enqueued and outputs are untouched on error.
 */
#ifndef CLNN_DATA_OPS_H
#define CLNN_DATA_OPS_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Slice */

/* ONNX Slice's shape rules. `count` (0 .. rank) entries of starts and ends, on
 * the axes `axes` (NULL: 0 .. count-1; negative counts from the end; no axis
 * twice) with `steps` (NULL: all 1; none 0). Starts and ends are clamped as ONNX
 * does ([0, dim] for a positive step, [-1, dim - 1] for a negative one). Fills
 * y_desc and, for every axis of x, the first index read (`norm_starts`) and the
 * step (`norm_steps`, 1 on the axes not sliced): the arguments of
 * clnn_slice_forward. Errors: CLNN_NULL_POINTER, CLNN_INVALID_VALUE (count, an
 * axis, a 0 step), CLNN_NOT_SUPPORTED (an empty result). */
CLNN_API clnn_status clnn_slice_desc(const clnn_tensor_desc *x_desc, int count,
                                     const int64_t *starts, const int64_t *ends,
                                     const int64_t *axes, const int64_t *steps,
                                     int64_t *norm_starts, int64_t *norm_steps,
                                     clnn_tensor_desc *y_desc);

/* y[o] = x[starts + o * steps] on every axis (rank >= 1 entries each, steps
 * non-zero, negative to walk backwards); every index read must lie in x.
 * y has x's rank and dtype. */
CLNN_API clnn_status clnn_slice_forward(clnn_context_t ctx, const int64_t *starts,
                                        const int64_t *steps,
                                        const clnn_tensor_desc *x_desc, cl_mem x,
                                        size_t x_offset,
                                        const clnn_tensor_desc *y_desc, cl_mem y,
                                        size_t y_offset);

/* The adjoint: dx (x's shape) gets dy at the positions the forward read and 0
 * elsewhere (a pad with zeros when every step is 1). Any dtype. */
CLNN_API clnn_status clnn_slice_backward(clnn_context_t ctx, const int64_t *starts,
                                         const int64_t *steps,
                                         const clnn_tensor_desc *dy_desc, cl_mem dy,
                                         size_t dy_offset,
                                         const clnn_tensor_desc *dx_desc, cl_mem dx,
                                         size_t dx_offset);

/* ---- Pad */

typedef enum clnn_pad_mode {
    CLNN_PAD_CONSTANT = 0,   /* outside x: `value`                              */
    CLNN_PAD_REFLECT = 1,    /* mirrored about the edge element (not repeated)  */
    CLNN_PAD_EDGE = 2        /* the nearest edge element                        */
} clnn_pad_mode;

/* ONNX Pad's shape: pads holds 2 * rank values, every axis' amount before, then
 * every axis' amount after (ONNX's order); negative amounts crop. y.dims[k] =
 * x.dims[k] + pads[k] + pads[rank + k]. Errors: CLNN_NULL_POINTER,
 * CLNN_INVALID_VALUE (rank 0), CLNN_NOT_SUPPORTED (an empty result). */
CLNN_API clnn_status clnn_pad_desc(const clnn_tensor_desc *x_desc, const int64_t *pads,
                                   clnn_tensor_desc *y_desc);

/* y = pad(x). `value` (converted to the dtype) fills the constant mode's border.
 * Reflect and edge read x periodically or clamped, so pads larger than x work
 * (numpy's behaviour; ONNX Runtime rejects reflect pads >= the dim). y's shape
 * must be clnn_pad_desc's. */
CLNN_API clnn_status clnn_pad_forward(clnn_context_t ctx, clnn_pad_mode mode,
                                      const int64_t *pads, double value,
                                      const clnn_tensor_desc *x_desc, cl_mem x,
                                      size_t x_offset, const clnn_tensor_desc *y_desc,
                                      cl_mem y, size_t y_offset);

/* dx = the gradient of the constant mode: dy cropped by the pads (0 where x
 * was cropped by negative pads). Reflect and edge, whose border elements sum
 * several dy elements, return CLNN_NOT_SUPPORTED. */
CLNN_API clnn_status clnn_pad_backward(clnn_context_t ctx, clnn_pad_mode mode,
                                       const int64_t *pads,
                                       const clnn_tensor_desc *dy_desc, cl_mem dy,
                                       size_t dy_offset,
                                       const clnn_tensor_desc *dx_desc, cl_mem dx,
                                       size_t dx_offset);

/* ---- Expand */

/* ONNX Expand's shape: x and `shape` (`rank` dims, each >= 1) broadcast
 * bidirectionally (numpy rules, aligned at the last axis). Errors:
 * CLNN_NULL_POINTER, CLNN_INVALID_VALUE (rank outside 0 .. CLNN_MAX_RANK, a dim
 * < 1), CLNN_SHAPE_MISMATCH (dims that do not broadcast). */
CLNN_API clnn_status clnn_expand_desc(const clnn_tensor_desc *x_desc, int rank,
                                      const int64_t *shape, clnn_tensor_desc *y_desc);

/* y = x broadcast to y's shape (rank >= x's; each x dim, aligned at the end, is 1
 * or y's). Any dtype. The backward pass is a sum over the broadcast axes
 * (clnn_reduce_forward with CLNN_REDUCE_SUM, keepdims), so there is no
 * clnn_expand_backward. */
CLNN_API clnn_status clnn_expand_forward(clnn_context_t ctx,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset);

/* ---- Gather */

/* ONNX Gather's shape: x.dims[0 .. axis) + indices' dims + x.dims(axis .. rank)
 * for axis in [-rank, rank). Errors: CLNN_NULL_POINTER, CLNN_INVALID_VALUE (the
 * axis, x of rank 0, indices not int32/int64, a result rank above
 * CLNN_MAX_RANK). */
CLNN_API clnn_status clnn_gather_desc(const clnn_tensor_desc *x_desc, int axis,
                                      const clnn_tensor_desc *indices_desc,
                                      clnn_tensor_desc *y_desc);

/* y = x gathered along `axis` at `indices` (int32 or int64; negative counts from
 * the end). The indices live on the device, so they are not validated: an index
 * outside [-dim, dim) gives 0 in y (ONNX calls such a model invalid). Any x
 * dtype; y has x's dtype and clnn_gather_desc's shape. */
CLNN_API clnn_status clnn_gather_forward(clnn_context_t ctx, int axis,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset,
                                         const clnn_tensor_desc *indices_desc,
                                         cl_mem indices, size_t indices_offset,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset);

/* dx (x's shape, float32) = the scatter-add of dy (float32, y's shape) at the
 * indices: each dx element sums, in index order, the dy elements gathered from
 * it (0 where none was); out-of-range indices contribute nothing. */
CLNN_API clnn_status clnn_gather_backward(clnn_context_t ctx, int axis,
                                          const clnn_tensor_desc *indices_desc,
                                          cl_mem indices, size_t indices_offset,
                                          const clnn_tensor_desc *dy_desc, cl_mem dy,
                                          size_t dy_offset,
                                          const clnn_tensor_desc *dx_desc, cl_mem dx,
                                          size_t dx_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_DATA_OPS_H */
