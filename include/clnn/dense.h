/*
 * clnn/dense.h: the fully connected layer (Keras Dense, ONNX Gemm with a bias and
 * an optional fused activation), float32, forward and backward.
 *
 * Layout: x is [N, in], W is [in, out] (Keras' kernel layout, so y = x W + b; an
 * ONNX Gemm with transB=1 stores W as [out, in]: transpose it once on import), b is
 * [out], y is [N, out]. An x of rank > 2 is seen as [prod(leading dims), in] and y
 * must then have the same leading dims with `out` last ([B, T, in] -> [B, T, out]).
 * Every operand is float32. The matrix products run through clnn_gemm (CLBlast).
 */
#ifndef CLNN_DENSE_H
#define CLNN_DENSE_H

#include <clnn/core.h>
#include <clnn/activation.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y = act(x W + b). `b_desc`/`b` may both be NULL (no bias) and `act` may be NULL
 * or CLNN_ACTIVATION_NONE (no activation); bias and activation are applied in one
 * fused pass over y. Errors: CLNN_NULL_POINTER for a missing context, descriptor
 * or buffer (a bias buffer without its descriptor or the reverse included),
 * CLNN_INVALID_VALUE for a non-float32 operand, a rank below 2 for x or y, W not
 * rank 2, b not rank 1, an unknown activation or a buffer range that does not fit,
 * CLNN_SHAPE_MISMATCH when the dimensions do not agree. y must not overlap x or W.
 * The gradient through the activation is the caller's: keep the pre-activation
 * (run without `act` and call clnn_activation_forward/_backward separately) when
 * training with a non-identity activation. */
CLNN_API clnn_status clnn_dense_forward(clnn_context_t ctx, const clnn_activation_desc *act,
                                        const clnn_tensor_desc *x_desc, cl_mem x,
                                        size_t x_offset,
                                        const clnn_tensor_desc *w_desc, cl_mem w,
                                        size_t w_offset,
                                        const clnn_tensor_desc *b_desc, cl_mem b,
                                        size_t b_offset,
                                        const clnn_tensor_desc *y_desc, cl_mem y,
                                        size_t y_offset);

/* dx = dy W^T: dy [N, out] (leading dims as x), W [in, out], dx shaped as x.
 * Errors as for the forward. */
CLNN_API clnn_status clnn_dense_backward_data(clnn_context_t ctx,
                                              const clnn_tensor_desc *dy_desc, cl_mem dy,
                                              size_t dy_offset,
                                              const clnn_tensor_desc *w_desc, cl_mem w,
                                              size_t w_offset,
                                              const clnn_tensor_desc *dx_desc, cl_mem dx,
                                              size_t dx_offset);

/* dW = x^T dy (shaped as W, [in, out]) and db = the column sums of dy ([out]).
 * `db_desc`/`db` may both be NULL when the layer has no bias. Both gradients are
 * overwritten, not accumulated. Errors as for the forward. */
CLNN_API clnn_status clnn_dense_backward_weights(clnn_context_t ctx,
                                                 const clnn_tensor_desc *x_desc, cl_mem x,
                                                 size_t x_offset,
                                                 const clnn_tensor_desc *dy_desc, cl_mem dy,
                                                 size_t dy_offset,
                                                 const clnn_tensor_desc *dw_desc, cl_mem dw,
                                                 size_t dw_offset,
                                                 const clnn_tensor_desc *db_desc, cl_mem db,
                                                 size_t db_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_DENSE_H */
