/*
 * clnn/ops.h: primitives (cuDNN style). Each takes a context and its operands as
 * (descriptor, cl_mem, byte offset), validates everything on the host, enqueues
 * work on the context's queue and returns without waiting.
 *
 * Byte offsets must be multiples of the element size. Every operand's range is
 * checked against its buffer's size; a range that does not fit returns
 * CLNN_INVALID_VALUE and nothing is enqueued.
 */
#ifndef CLNN_OPS_H
#define CLNN_OPS_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------------- GEMM */

typedef enum clnn_transpose {
    CLNN_NO_TRANS = 0,
    CLNN_TRANS = 1
} clnn_transpose;

/* C = alpha * op(A) * op(B) + beta * C, row-major, float32.
 * op(A) is m x k, op(B) is k x n, C is m x n. lda/ldb/ldc are row strides in
 * elements: lda >= (trans_a ? m : k), ldb >= (trans_b ? k : n), ldc >= n.
 * m, n and k must be >= 1 (CLNN_INVALID_VALUE otherwise). Offsets are in bytes.
 * Runs through CLBlast with the parameters of clnn's tuning table for the device
 * (CLNN_GEMM_TUNING=default keeps CLBlast's own). CLBlast's parameters are
 * process-wide per device: the first context on a device decides them. */
CLNN_API clnn_status clnn_gemm(clnn_context_t ctx,
                               clnn_transpose trans_a, clnn_transpose trans_b,
                               size_t m, size_t n, size_t k, float alpha,
                               cl_mem a, size_t a_offset, size_t lda,
                               cl_mem b, size_t b_offset, size_t ldb, float beta,
                               cl_mem c, size_t c_offset, size_t ldc);

/* `batch` independent GEMMs; matrix i of A starts stride_a elements after matrix
 * i - 1 (likewise B and C). Strides may be 0 for a shared operand (not for C). */
CLNN_API clnn_status clnn_gemm_strided_batched(clnn_context_t ctx,
                                               clnn_transpose trans_a,
                                               clnn_transpose trans_b,
                                               size_t m, size_t n, size_t k, float alpha,
                                               cl_mem a, size_t a_offset, size_t lda,
                                               size_t stride_a,
                                               cl_mem b, size_t b_offset, size_t ldb,
                                               size_t stride_b, float beta,
                                               cl_mem c, size_t c_offset, size_t ldc,
                                               size_t stride_c, size_t batch);

/* Compiles CLBlast's GEMM kernels for the context's device now (seconds on a cold
 * start), so the first clnn_gemm does not pay for it. */
CLNN_API clnn_status clnn_gemm_warm_up(clnn_context_t ctx);

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
 * b when that operand already has c's shape. Division follows IEEE-754. */
CLNN_API clnn_status clnn_binary(clnn_context_t ctx, clnn_binary_op op,
                                 const clnn_tensor_desc *a_desc, cl_mem a, size_t a_offset,
                                 const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                                 const clnn_tensor_desc *c_desc, cl_mem c, size_t c_offset);

/* y = max(x, 0) (float32, same shape; in place allowed). */
CLNN_API clnn_status clnn_relu_forward(clnn_context_t ctx,
                                       const clnn_tensor_desc *x_desc, cl_mem x,
                                       size_t x_offset,
                                       const clnn_tensor_desc *y_desc, cl_mem y,
                                       size_t y_offset);

/* dx = dy where x > 0, else 0 (float32, all three the same shape). */
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

#endif /* CLNN_OPS_H */
