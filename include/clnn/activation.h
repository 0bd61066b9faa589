/*
 * clnn/activation.h: activation functions, forward and backward (float32), and
 * the descriptor that fused operations (conv + bias + activation, dense + bias +
 * activation) take. Semantics follow ONNX.
 */
#ifndef CLNN_ACTIVATION_H
#define CLNN_ACTIVATION_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_activation {
    CLNN_ACTIVATION_NONE = 0,         /* identity                                 */
    CLNN_ACTIVATION_RELU = 1,         /* max(x, 0); NaN stays NaN                 */
    CLNN_ACTIVATION_LEAKY_RELU = 2,   /* x >= 0 ? x : alpha * x   (alpha 0.01)    */
    CLNN_ACTIVATION_ELU = 3,          /* x >= 0 ? x : alpha * (e^x - 1) (alpha 1) */
    CLNN_ACTIVATION_SIGMOID = 4,      /* 1 / (1 + e^-x)                           */
    CLNN_ACTIVATION_TANH = 5,
    CLNN_ACTIVATION_GELU = 6,         /* x/2 * (1 + erf(x / sqrt 2))              */
    CLNN_ACTIVATION_GELU_TANH = 7,    /* x/2 * (1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) */
    CLNN_ACTIVATION_SOFTPLUS = 8,     /* log(1 + e^x), stable for large |x|       */
    CLNN_ACTIVATION_SILU = 9,         /* x * sigmoid(x) (swish)                   */
    CLNN_ACTIVATION_HARD_SIGMOID = 10 /* max(0, min(1, alpha x + beta)) (0.2, 0.5)*/
} clnn_activation;

/* An activation and its parameters (alpha, beta as in the comments above). */
typedef struct clnn_activation_desc {
    clnn_activation kind;
    float alpha;
    float beta;
} clnn_activation_desc;

/* The descriptor with ONNX's default parameters for `kind`. */
CLNN_API clnn_activation_desc clnn_activation_default(clnn_activation kind);

/* y = f(x), element-wise (float32; x and y the same shape; in place allowed).
 * An unknown kind returns CLNN_INVALID_VALUE. */
CLNN_API clnn_status clnn_activation_forward(clnn_context_t ctx,
                                             const clnn_activation_desc *act,
                                             const clnn_tensor_desc *x_desc, cl_mem x,
                                             size_t x_offset,
                                             const clnn_tensor_desc *y_desc, cl_mem y,
                                             size_t y_offset);

/* dx = dy * f'(x) (float32; all three the same shape; dx may alias dy). At the
 * kinks (relu, leaky relu and elu at 0, hard sigmoid's corners) the derivative
 * from the left is used, as other frameworks do. */
CLNN_API clnn_status clnn_activation_backward(clnn_context_t ctx,
                                              const clnn_activation_desc *act,
                                              const clnn_tensor_desc *x_desc, cl_mem x,
                                              size_t x_offset,
                                              const clnn_tensor_desc *dy_desc, cl_mem dy,
                                              size_t dy_offset,
                                              const clnn_tensor_desc *dx_desc, cl_mem dx,
                                              size_t dx_offset);

/* Shorthands for CLNN_ACTIVATION_RELU: y = max(x, 0) (NaN stays NaN; in place
 * allowed), and dx = x > 0 ? dy : 0 (dx may alias dy). */
CLNN_API clnn_status clnn_relu_forward(clnn_context_t ctx,
                                       const clnn_tensor_desc *x_desc, cl_mem x,
                                       size_t x_offset,
                                       const clnn_tensor_desc *y_desc, cl_mem y,
                                       size_t y_offset);

CLNN_API clnn_status clnn_relu_backward(clnn_context_t ctx,
                                        const clnn_tensor_desc *x_desc, cl_mem x,
                                        size_t x_offset,
                                        const clnn_tensor_desc *dy_desc, cl_mem dy,
                                        size_t dy_offset,
                                        const clnn_tensor_desc *dx_desc, cl_mem dx,
                                        size_t dx_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_ACTIVATION_H */
