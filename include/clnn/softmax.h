/*
 * clnn/softmax.h: softmax and log-softmax along one axis (float32), forward and
 * backward. Semantics follow ONNX Softmax / LogSoftmax (opset 13): the
 * normalisation runs along `axis` alone, and the tensor is viewed as
 * [outer, axis_len, inner].
 */
#ifndef CLNN_SOFTMAX_H
#define CLNN_SOFTMAX_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_softmax_mode {
    CLNN_SOFTMAX = 0,    /* y = exp(x - max) / sum(exp(x - max))        */
    CLNN_LOG_SOFTMAX = 1 /* y = x - max - log(sum(exp(x - max)))         */
} clnn_softmax_mode;

/* y = softmax(x) or log_softmax(x) along `axis` (-rank .. rank-1; negative counts
 * from the end). x and y have the same shape, rank >= 1; in place (y == x, same
 * offset) is allowed.
 *
 * Numerically stable: the row maximum is subtracted first, so inputs as large as
 * 1e30 give finite results. Entries of -inf give 0 (log-softmax: -inf). A row
 * whose entries are all -inf, or that holds +inf or NaN, gives NaN in every entry
 * of the row, as PyTorch and ONNX Runtime do (the distribution is undefined).
 *
 * Errors: NULL ctx/descriptor/buffer CLNN_NULL_POINTER; bad mode, axis out of
 * range, a non-float32 or rank-0 tensor, or a buffer range that does not fit
 * CLNN_INVALID_VALUE; x and y of different shapes CLNN_SHAPE_MISMATCH. */
CLNN_API clnn_status clnn_softmax_forward(clnn_context_t ctx, clnn_softmax_mode mode,
                                          int axis, const clnn_tensor_desc *x_desc,
                                          cl_mem x, size_t x_offset,
                                          const clnn_tensor_desc *y_desc, cl_mem y,
                                          size_t y_offset);

/* dx from dy and the forward output y (not x), along the same axis:
 *   softmax:     dx = y * (dy - sum(dy * y))
 *   log-softmax: dx = dy - exp(y) * sum(dy)
 * All three tensors have the same shape; dx may alias dy or y. Errors as for
 * clnn_softmax_forward. */
CLNN_API clnn_status clnn_softmax_backward(clnn_context_t ctx, clnn_softmax_mode mode,
                                           int axis, const clnn_tensor_desc *y_desc,
                                           cl_mem y, size_t y_offset,
                                           const clnn_tensor_desc *dy_desc, cl_mem dy,
                                           size_t dy_offset,
                                           const clnn_tensor_desc *dx_desc, cl_mem dx,
                                           size_t dx_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_SOFTMAX_H */
