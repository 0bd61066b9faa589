/*
 * clnn/norm.h: batch normalization (float32), inference and training forward and
 * training backward. Semantics follow ONNX BatchNormalization (opset 15).
 *
 * x is [N, C, D1, ..., Dk] (rank >= 2: NCHW, or [N, C] with no spatial dims);
 * every per-channel vector (scale, bias, mean, var, the saved statistics and the
 * gradients of scale and bias) is float32 [C], described by one `param_desc`, as
 * cuDNN does. M = N * D1 * ... * Dk is the number of values per channel.
 */
#ifndef CLNN_NORM_H
#define CLNN_NORM_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Inference: y = scale * (x - mean) / sqrt(var + epsilon) + bias, per channel, with
 * the running statistics `mean` and `var`. y has x's shape; in place (y == x, same
 * offset) is allowed.
 *
 * Errors: NULL ctx/descriptor/buffer CLNN_NULL_POINTER; epsilon <= 0 (or NaN), a
 * rank below 2, wrong dtypes, or buffer ranges that do not fit CLNN_INVALID_VALUE;
 * y not of x's shape, or param_desc not [C], CLNN_SHAPE_MISMATCH. */
CLNN_API clnn_status clnn_batchnorm_forward_inference(
    clnn_context_t ctx, float epsilon, const clnn_tensor_desc *x_desc, cl_mem x,
    size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset, cl_mem bias,
    size_t bias_offset, cl_mem mean, size_t mean_offset, cl_mem var, size_t var_offset);

/* Training: normalizes with the batch statistics of each channel,
 *   batch_mean = sum(x) / M,  batch_var = sum((x - batch_mean)^2) / M  (biased),
 *   y = scale * (x - batch_mean) / sqrt(batch_var + epsilon) + bias,
 * updates the running statistics in place (ONNX's momentum: the weight of the old
 * value; PyTorch's momentum 0.1 is ONNX's 0.9):
 *   running_mean = momentum * running_mean + (1 - momentum) * batch_mean
 *   running_var  = momentum * running_var  + (1 - momentum) * batch_var * M / (M - 1)
 * (the unbiased variance, as PyTorch does; ONNX leaves this open; with M == 1 the
 * biased one, 0, is used), and saves batch_mean and 1 / sqrt(batch_var + epsilon)
 * in `saved_mean` and `saved_inv_std` for clnn_batchnorm_backward.
 *
 * The statistics are computed in two passes (mean, then squared deviations) with
 * per-work-item partial sums and a tree reduction, one work-group per channel.
 * y may be x at the same offset. Errors as for the inference call, plus momentum
 * outside [0, 1] (or NaN) CLNN_INVALID_VALUE. */
CLNN_API clnn_status clnn_batchnorm_forward_training(
    clnn_context_t ctx, float epsilon, float momentum, const clnn_tensor_desc *x_desc,
    cl_mem x, size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset, cl_mem bias,
    size_t bias_offset, cl_mem running_mean, size_t running_mean_offset, cl_mem running_var,
    size_t running_var_offset, cl_mem saved_mean, size_t saved_mean_offset,
    cl_mem saved_inv_std, size_t saved_inv_std_offset);

/* Backward of the training forward, from its input x, dy, scale and the saved
 * statistics (xhat = (x - saved_mean) * saved_inv_std):
 *   dbias  = sum(dy),  dscale = sum(dy * xhat)                (per channel)
 *   dx     = scale * saved_inv_std / M * (M * dy - dbias - xhat * dscale)
 * x, dy and dx have one shape; dx may be dy at the same offset. dscale and dbias
 * are overwritten (not accumulated). Errors as for the inference call. */
CLNN_API clnn_status clnn_batchnorm_backward(
    clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    cl_mem saved_mean, size_t saved_mean_offset, cl_mem saved_inv_std,
    size_t saved_inv_std_offset, cl_mem dscale, size_t dscale_offset, cl_mem dbias,
    size_t dbias_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_NORM_H */
