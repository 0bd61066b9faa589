/*
 * clnn/pool.h: 2-D pooling over NCHW float32 tensors with ONNX semantics:
 * MaxPool (with an optional Indices output), AveragePool (count_include_pad both
 * ways), GlobalMaxPool and GlobalAveragePool, forward and backward.
 *
 * The window (kernel, strides, dilations, pads, auto_pad, ceil_mode) is a
 * clnn_window2d (clnn/window.h). Rules on top of clnn_window2d_output():
 *  - x is 4-D [N, C, H, W]; y is [N, C, OH, OW] as clnn_pool2d_output_desc() gives.
 *  - Each explicit pad must be smaller than the dilated kernel extent
 *    (dilation * (kernel - 1) + 1), so that no window lies entirely in the padding
 *    (PyTorch has the same rule); otherwise CLNN_INVALID_VALUE.
 *  - Average pooling needs dilations of 1 (CLNN_NOT_SUPPORTED otherwise).
 *  - H * W and OH * OW must fit in int32 (CLNN_NOT_SUPPORTED otherwise).
 *
 * Max pooling: padding never wins (it counts as -infinity); ties keep the first
 * element in row-major order; a NaN in a window propagates to the output (the first
 * NaN's index is kept). A dilated window whose taps all fall in the padding gives
 * -infinity and index -1 (its gradient goes nowhere).
 *
 * Indices: an int32 tensor of y's shape holding, for each output, the position of
 * its maximum inside its own (n, c) plane of x: h * W + w. (ONNX's int64 Indices
 * output is that plus (n * C + c) * H * W; PyTorch's max_pool2d indices are the
 * same plane-local values.) The backward passes take these indices.
 *
 * Average pooling divides each window's sum by:
 *  - CLNN_POOL_AVERAGE_EXCLUDE_PAD (ONNX count_include_pad = 0): the number of
 *    input elements inside the window;
 *  - CLNN_POOL_AVERAGE_INCLUDE_PAD (count_include_pad = 1): the window's area
 *    within the padded input; with ceil_mode, the part of a window past the
 *    padded input does not count (as PyTorch does).
 *
 * Backward passes overwrite dx (no accumulation) and are deterministic: each dx
 * element gathers from the windows covering it in a fixed order, so overlapping
 * windows (stride < kernel) are handled without atomics.
 *
 * Errors: NULL context, window, descriptor or required buffer gives
 * CLNN_NULL_POINTER; an unknown mode, wrong dtype (float32 data, int32 indices),
 * wrong rank, bad window or a buffer range that does not fit gives
 * CLNN_INVALID_VALUE; a y, dy, dx or indices shape that does not match gives
 * CLNN_SHAPE_MISMATCH. The message names the function and the argument; nothing is
 * enqueued and outputs are untouched.
 */
#ifndef CLNN_POOL_H
#define CLNN_POOL_H

#include <clnn/core.h>
#include <clnn/window.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_pool_mode {
    CLNN_POOL_MAX = 0,                 /* MaxPool / GlobalMaxPool                */
    CLNN_POOL_AVERAGE_EXCLUDE_PAD = 1, /* AveragePool, count_include_pad = 0     */
    CLNN_POOL_AVERAGE_INCLUDE_PAD = 2  /* AveragePool, count_include_pad = 1     */
} clnn_pool_mode;

/* Fills `y_desc` with the float32 output shape [N, C, OH, OW] of pooling `x_desc`
 * with `window` in `mode` (the same rules as the forward pass). On failure
 * `y_desc` is left untouched. */
CLNN_API clnn_status clnn_pool2d_output_desc(clnn_pool_mode mode,
                                             const clnn_window2d *window,
                                             const clnn_tensor_desc *x_desc,
                                             clnn_tensor_desc *y_desc);

/* y = pool(x). For CLNN_POOL_MAX, `indices_desc` and `indices` may both be NULL
 * (no indices written) or describe an int32 tensor of y's shape that receives the
 * argmax of each output (see above). For average modes both must be NULL. */
CLNN_API clnn_status clnn_pool2d_forward(clnn_context_t ctx, clnn_pool_mode mode,
                                         const clnn_window2d *window,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset,
                                         const clnn_tensor_desc *indices_desc,
                                         cl_mem indices, size_t indices_offset);

/* dx = d pool / dx applied to dy. `dx_desc` is x's shape; dy and indices have y's
 * shape. CLNN_POOL_MAX needs the indices of the forward pass (each dy element goes
 * to its argmax); average modes take NULL indices and spread each dy element over
 * its window divided by the same count as the forward pass. */
CLNN_API clnn_status clnn_pool2d_backward(clnn_context_t ctx, clnn_pool_mode mode,
                                          const clnn_window2d *window,
                                          const clnn_tensor_desc *dy_desc, cl_mem dy,
                                          size_t dy_offset,
                                          const clnn_tensor_desc *indices_desc,
                                          cl_mem indices, size_t indices_offset,
                                          const clnn_tensor_desc *dx_desc, cl_mem dx,
                                          size_t dx_offset);

/* Global pooling: [N, C, H, W] -> [N, C, 1, 1], the max or mean of each plane
 * (both average modes give the mean). Indices as for clnn_pool2d_forward: optional
 * for CLNN_POOL_MAX ([N, C, 1, 1] int32, h * W + w of the plane's maximum), NULL
 * for average. */
CLNN_API clnn_status clnn_global_pool_forward(clnn_context_t ctx, clnn_pool_mode mode,
                                              const clnn_tensor_desc *x_desc, cl_mem x,
                                              size_t x_offset,
                                              const clnn_tensor_desc *y_desc, cl_mem y,
                                              size_t y_offset,
                                              const clnn_tensor_desc *indices_desc,
                                              cl_mem indices, size_t indices_offset);

/* Backward of global pooling: dx[n, c, :, :] = dy[n, c] / (H * W) for average;
 * for max, dy[n, c] at the forward's index and 0 elsewhere (indices required). */
CLNN_API clnn_status clnn_global_pool_backward(clnn_context_t ctx, clnn_pool_mode mode,
                                               const clnn_tensor_desc *dy_desc, cl_mem dy,
                                               size_t dy_offset,
                                               const clnn_tensor_desc *indices_desc,
                                               cl_mem indices, size_t indices_offset,
                                               const clnn_tensor_desc *dx_desc, cl_mem dx,
                                               size_t dx_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_POOL_H */
