/*
 * clnn/layernorm.h: layer normalization (ONNX LayerNormalization, opset 17) and
 * RMS normalization over the trailing axes, float32, forward and backward.
 *
 * x is viewed as [rows, len]: rows = x.dims[0] * ... * x.dims[axis - 1] and
 * len = x.dims[axis] * ... * x.dims[rank - 1] (the "normalized shape"). `axis`
 * lies in -rank .. rank-1 (negative counts from the end); axis 0 normalizes the
 * whole tensor as one row.
 *
 * Operands, each (descriptor, cl_mem, byte offset):
 *  - scale and bias (`param_desc`): the normalized shape, i.e. rank - axis dims
 *    equal to x.dims[axis..]. Optional: pass NULL buffers for "no affine"
 *    (scale 1, bias 0); scale and bias may be given independently.
 *  - mean and inv_std (`stat_desc`): one value per row; any float32 shape with
 *    `rows` elements, e.g. ONNX's [d0, .., d(axis-1), 1, .., 1].
 * The row statistics are computed in two passes (mean, then the mean of squared
 * deviations), so rows with a large common offset keep full accuracy. Each row is
 * reduced by one work-group (vectorized loads, a local-memory tree reduction).
 * dscale and dbias are reduced over the rows by one work-item per column, in a
 * fixed order: results are deterministic.
 *
 * Errors (nothing is enqueued, outputs untouched): NULL ctx, a NULL required
 * descriptor or buffer CLNN_NULL_POINTER; epsilon <= 0 or NaN, axis out of range,
 * non-float32 operands, or buffer ranges that do not fit CLNN_INVALID_VALUE;
 * shapes that do not fit together (y or dy or dx not x's shape, scale/bias not
 * the normalized shape, stats without `rows` elements) CLNN_SHAPE_MISMATCH.
 * Messages name the function and the argument.
 */
#ifndef CLNN_LAYERNORM_H
#define CLNN_LAYERNORM_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y = (x - mean) * inv_std * scale + bias, with mean and
 * inv_std = 1 / sqrt(mean((x - mean)^2) + epsilon) taken over each row.
 * `param_desc` may be NULL only when scale and bias are both NULL. `mean` and
 * `inv_std` are optional outputs (NULL buffers: not written; `stat_desc` may then
 * be NULL); backward needs them. y may be x at the same offset. */
CLNN_API clnn_status clnn_layernorm_forward(
    clnn_context_t ctx, int axis, float epsilon,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    cl_mem bias, size_t bias_offset,
    const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *stat_desc, cl_mem mean, size_t mean_offset,
    cl_mem inv_std, size_t inv_std_offset);

/* Gradients of clnn_layernorm_forward from x, dy and the forward's mean and
 * inv_std (required). With g = dy * scale and xhat = (x - mean) * inv_std:
 *   dx = inv_std * (g - mean(g) - xhat * mean(g * xhat))      (row means)
 *   dscale = sum over rows of dy * xhat,  dbias = sum over rows of dy.
 * `scale` NULL means scale 1. dx, dscale and dbias are each optional (NULL
 * buffer: not computed); dscale/dbias have `param_desc`'s shape, which may be
 * NULL only when scale, dscale and dbias are all NULL. dx may alias dy. */
CLNN_API clnn_status clnn_layernorm_backward(
    clnn_context_t ctx, int axis,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    const clnn_tensor_desc *stat_desc, cl_mem mean, size_t mean_offset,
    cl_mem inv_std, size_t inv_std_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset,
    cl_mem dscale, size_t dscale_offset, cl_mem dbias, size_t dbias_offset);

/* RMS normalization: y = x * inv_rms * scale, inv_rms = 1 / sqrt(mean(x^2) +
 * epsilon) per row (no centring, no bias). `scale` optional (NULL: 1);
 * `inv_rms` an optional output with `rows` elements (backward needs it).
 * Conventions and errors as for clnn_layernorm_forward. */
CLNN_API clnn_status clnn_rmsnorm_forward(
    clnn_context_t ctx, int axis, float epsilon,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *stat_desc, cl_mem inv_rms, size_t inv_rms_offset);

/* Gradients of clnn_rmsnorm_forward, with g = dy * scale and xhat = x * inv_rms:
 *   dx = inv_rms * (g - xhat * mean(g * xhat)),  dscale = sum over rows dy * xhat.
 * inv_rms is required; dx and dscale optional as in clnn_layernorm_backward. */
CLNN_API clnn_status clnn_rmsnorm_backward(
    clnn_context_t ctx, int axis,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    const clnn_tensor_desc *stat_desc, cl_mem inv_rms, size_t inv_rms_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset,
    cl_mem dscale, size_t dscale_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_LAYERNORM_H */
