/*
 * clnn/elementwise.h: fill, scale and broadcast binary operations (float32).
 */
#ifndef CLNN_ELEMENTWISE_H
#define CLNN_ELEMENTWISE_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ element-wise */

/* y = value for every element of a float32 tensor. */
CLNN_API clnn_status clnn_fill(clnn_context_t ctx, const clnn_tensor_desc *y_desc,
                               cl_mem y, size_t y_offset, float value);

/* y = alpha * x (float32; x and y have the same shape; in place when y == x at the
 * same offset). */
CLNN_API clnn_status clnn_scale(clnn_context_t ctx, float alpha,
                                const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset);

typedef enum clnn_binary_op {
    CLNN_BINARY_ADD = 0,
    CLNN_BINARY_SUB = 1,
    CLNN_BINARY_MUL = 2,
    CLNN_BINARY_DIV = 3
} clnn_binary_op;

/* c = a (op) b with numpy broadcasting (float32): shapes are aligned at their last
 * axis, and each pair of dimensions must be equal or one of them 1. c's shape must
 * be the broadcast shape exactly (CLNN_SHAPE_MISMATCH otherwise). c may alias a or
 * b when that operand already has c's shape. Division is accurate to
 * 2.5 ulp, as OpenCL C 1.2 specifies for float division. */
CLNN_API clnn_status clnn_binary(clnn_context_t ctx, clnn_binary_op op,
                                 const clnn_tensor_desc *a_desc, cl_mem a, size_t a_offset,
                                 const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                                 const clnn_tensor_desc *c_desc, cl_mem c, size_t c_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_ELEMENTWISE_H */
