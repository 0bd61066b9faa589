/*
 * clnn/conv.h: 2-D convolution and transposed convolution (float32, NCHW) with
 * ONNX Conv / ConvTranspose semantics: strides, dilations, explicit or automatic
 * padding, groups (depthwise included), optional bias, fused activation.
 *
 * Shapes:
 *   x [N, C, H, W]   w [K, C/groups, kH, kW]   bias [K]   y [N, K, OH, OW]
 * with OH, OW and the padding given by clnn_window2d_output (include/clnn/window.h).
 * `window.kernel` must equal the weights' kH, kW, or be {0, 0} to take them from
 * the weights. `window.ceil_mode` must be 0.
 *
 * Algorithms (clnn_conv_algo); one call picks among them:
 *   IM2COL_GEMM  any stride, padding, dilation and groups: the input patches of a
 *                few images are unrolled into the workspace (im2col) and multiplied
 *                by the weights with one CLBlast GEMM per group. Backward data is a
 *                GEMM (W^T dY) into the workspace followed by a deterministic
 *                gather (col2im, no atomics); backward weights is im2col + GEMM
 *                accumulating over the batch.
 *   GEMM_1X1     1x1 kernel, stride 1, no padding: Y[n] = W * X[n] straight from
 *                the input, no workspace.
 *   DIRECT       depthwise (groups == C == K): one kernel per pass, no workspace.
 *   WINOGRAD     3x3 kernel, stride 1, dilation 1, one group, any padding and
 *                size: Winograd F(4x4, 3x3) forward (6x6 input tiles, 36 GEMMs
 *                of [K x C] x [C x tiles], 1/4 of the direct multiplies), the
 *                bias and activation fused into its output transform. Its
 *                rounding differs from the direct sum: expect about 1e-3
 *                relative error (the transforms scale values up to ~100x before
 *                the sums cancel). Backward data is the same algorithm run
 *                on dy with the filter turned and transposed, where every pad
 *                is at most 2 (else IM2COL_GEMM's); backward weights transforms
 *                x and dy tiles and sums their products over the batch (same
 *                error bound, relative to the gradient's size).
 *   AUTO         GEMM_1X1 when it applies, else DIRECT for depthwise, else
 *                WINOGRAD when it applies, else IM2COL_GEMM.
 * Forcing an algorithm that cannot handle the case returns CLNN_NOT_SUPPORTED and
 * the reason in clnn_last_error().
 *
 * The environment variable CLNN_CONV_ALGO ("auto", "im2col", "gemm1x1",
 * "direct" or "winograd", read at the first call or by clnn_env_reload)
 * replaces AUTO in every descriptor that asks for AUTO (an algorithm the caller
 * names wins); forcing one that cannot run a case makes that call return
 * CLNN_NOT_SUPPORTED, and unknown text makes every AUTO call return
 * CLNN_INVALID_VALUE naming CLNN_CONV_ALGO.
 *
 * Workspace: clnn_conv2d_workspace_size gives one size that serves forward,
 * backward data and backward weights for the chosen algorithm: the im2col
 * columns of one image, C*kH*kW*OH*OW floats, for IM2COL_GEMM (images are
 * processed one at a time so the columns stay in cache for their GEMM); 0 for
 * GEMM_1X1 and DIRECT, where the workspace buffer may be NULL. WINOGRAD needs,
 * with KP = K rounded up to a multiple of 8 and T = ceil(OH / 4) * ceil(OW / 4)
 * tiles per image rounded up to a multiple of 32, 36 * (C * KP + (C + KP) * T)
 * floats, or more if the same with C and K swapped and H, W in place of OH, OW
 * (backward data) is larger; where a pad exceeds 2, IM2COL_GEMM's minimum
 * instead of that second term. More lets it transform several images per
 * pass. Less returns
 * CLNN_INSUFFICIENT_WORKSPACE; more is accepted and unused. The workspace must not
 * overlap any operand.
 *
 * Gradients through a fused activation are the caller's job: keep the
 * pre-activation output (or call forward without `act`) and apply
 * clnn_activation_backward to dy before the backward calls.
 *
 * Validation: NULL pointers give CLNN_NULL_POINTER; bad window fields, groups < 1,
 * an unknown algorithm, a kernel larger than the padded input or a bad bias give
 * CLNN_INVALID_VALUE; channel counts that do not fit (x's C != w's C * groups,
 * groups not dividing C or K) and wrong output shapes give CLNN_SHAPE_MISMATCH.
 * Messages name the function and the argument. On error nothing is enqueued.
 * Tensors or one image's im2col block of 2^31 elements or more return
 * CLNN_NOT_SUPPORTED (the kernels index in 32 bits).
 */
#ifndef CLNN_CONV_H
#define CLNN_CONV_H

#include <clnn/core.h>
#include <clnn/activation.h>
#include <clnn/window.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_conv_algo {
    CLNN_CONV_ALGO_AUTO = 0,
    CLNN_CONV_ALGO_IM2COL_GEMM = 1,
    CLNN_CONV_ALGO_GEMM_1X1 = 2,
    CLNN_CONV_ALGO_DIRECT = 3,
    CLNN_CONV_ALGO_WINOGRAD = 4
} clnn_conv_algo;

/* A convolution: the window (kernel, strides, dilations, pads, auto_pad), the
 * number of groups (>= 1, dividing C and K) and the algorithm. */
typedef struct clnn_conv2d_desc {
    clnn_window2d window;
    int64_t groups;
    clnn_conv_algo algo;
} clnn_conv2d_desc;

/* A descriptor with kernel {0, 0} (taken from the weights), stride s, padding p
 * on every side, dilation 1, one group, AUTO. */
CLNN_API clnn_conv2d_desc clnn_conv2d_default(int64_t s, int64_t p);

/* y's descriptor [N, K, OH, OW] for input x and weights w. */
CLNN_API clnn_status clnn_conv2d_output_desc(const clnn_conv2d_desc *conv,
                                             const clnn_tensor_desc *x_desc,
                                             const clnn_tensor_desc *w_desc,
                                             clnn_tensor_desc *y_desc);

/* The algorithm AUTO resolves to for these shapes (or conv->algo itself if it is
 * not AUTO and supports them; otherwise CLNN_NOT_SUPPORTED). */
CLNN_API clnn_status clnn_conv2d_algo_for(const clnn_conv2d_desc *conv,
                                          const clnn_tensor_desc *x_desc,
                                          const clnn_tensor_desc *w_desc,
                                          clnn_conv_algo *algo);

/* Workspace bytes for forward, backward data and backward weights (see above). */
CLNN_API clnn_status clnn_conv2d_workspace_size(clnn_context_t ctx,
                                                const clnn_conv2d_desc *conv,
                                                const clnn_tensor_desc *x_desc,
                                                const clnn_tensor_desc *w_desc,
                                                const clnn_tensor_desc *y_desc,
                                                size_t *bytes);

/* y = act(conv(x, w) + bias). `bias` NULL means no bias (b_desc is then ignored;
 * otherwise b_desc must be [K]); `act` NULL means no activation. */
CLNN_API clnn_status clnn_conv2d_forward(clnn_context_t ctx, const clnn_conv2d_desc *conv,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset,
                                         const clnn_tensor_desc *w_desc, cl_mem w,
                                         size_t w_offset,
                                         const clnn_tensor_desc *b_desc, cl_mem bias,
                                         size_t b_offset,
                                         const clnn_activation_desc *act,
                                         const clnn_tensor_desc *y_desc, cl_mem y,
                                         size_t y_offset, cl_mem workspace,
                                         size_t workspace_size);

/* dx = gradient of the loss w.r.t. x given dy (overwrites dx). */
CLNN_API clnn_status clnn_conv2d_backward_data(clnn_context_t ctx,
                                               const clnn_conv2d_desc *conv,
                                               const clnn_tensor_desc *w_desc, cl_mem w,
                                               size_t w_offset,
                                               const clnn_tensor_desc *dy_desc, cl_mem dy,
                                               size_t dy_offset,
                                               const clnn_tensor_desc *dx_desc, cl_mem dx,
                                               size_t dx_offset, cl_mem workspace,
                                               size_t workspace_size);

/* dw = gradient w.r.t. the weights (overwrites dw, summed over the batch) and,
 * when `db` is not NULL, db[k] = sum of dy over N, OH, OW (db_desc [K]). */
CLNN_API clnn_status clnn_conv2d_backward_weights(clnn_context_t ctx,
                                                  const clnn_conv2d_desc *conv,
                                                  const clnn_tensor_desc *x_desc, cl_mem x,
                                                  size_t x_offset,
                                                  const clnn_tensor_desc *dy_desc,
                                                  cl_mem dy, size_t dy_offset,
                                                  const clnn_tensor_desc *dw_desc,
                                                  cl_mem dw, size_t dw_offset,
                                                  const clnn_tensor_desc *db_desc,
                                                  cl_mem db, size_t db_offset,
                                                  cl_mem workspace, size_t workspace_size);

/* ------------------------------------------------------ transposed convolution
 * ONNX ConvTranspose: x [N, C, H, W], w [C, K/groups, kH, kW], bias [K],
 * y [N, K, OH, OW] with
 *   OH = strides[0] * (H - 1) + output_padding[0] + (kH - 1) * dilations[0] + 1
 *        - pads[0] - pads[2]     (likewise OW)
 * window.auto_pad must be CLNN_PAD_EXPLICIT or CLNN_PAD_VALID (SAME_* returns
 * CLNN_NOT_SUPPORTED); 0 <= output_padding < max(stride, dilation) per axis; OH,
 * OW >= 1. It is computed as the backward-data pass of the convolution from y's
 * shape to x's, and its backward data as that convolution's forward, so the
 * algorithms, their rules and the workspace are those of the matching
 * clnn_conv2d_desc (same window and groups) with x and y swapped. */
typedef struct clnn_conv_transpose2d_desc {
    clnn_window2d window;
    int64_t output_padding[2];
    int64_t groups;
    clnn_conv_algo algo;
} clnn_conv_transpose2d_desc;

CLNN_API clnn_status clnn_conv_transpose2d_output_desc(
    const clnn_conv_transpose2d_desc *conv, const clnn_tensor_desc *x_desc,
    const clnn_tensor_desc *w_desc, clnn_tensor_desc *y_desc);

CLNN_API clnn_status clnn_conv_transpose2d_workspace_size(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv,
    const clnn_tensor_desc *x_desc, const clnn_tensor_desc *w_desc,
    const clnn_tensor_desc *y_desc, size_t *bytes);

/* y = act(conv_transpose(x, w) + bias); bias and act optional as for conv. */
CLNN_API clnn_status clnn_conv_transpose2d_forward(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *w_desc, cl_mem w, size_t w_offset,
    const clnn_tensor_desc *b_desc, cl_mem bias, size_t b_offset,
    const clnn_activation_desc *act, const clnn_tensor_desc *y_desc, cl_mem y,
    size_t y_offset, cl_mem workspace, size_t workspace_size);

/* dx from dy (overwrites dx). */
CLNN_API clnn_status clnn_conv_transpose2d_backward_data(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv,
    const clnn_tensor_desc *w_desc, cl_mem w, size_t w_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset, cl_mem workspace,
    size_t workspace_size);

/* dw (overwritten) and, when db is not NULL, db[k] = sum of dy over N, OH, OW. */
CLNN_API clnn_status clnn_conv_transpose2d_backward_weights(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dw_desc, cl_mem dw, size_t dw_offset,
    const clnn_tensor_desc *db_desc, cl_mem db, size_t db_offset, cl_mem workspace,
    size_t workspace_size);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_CONV_H */
