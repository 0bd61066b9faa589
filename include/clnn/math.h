/*
 * clnn/math.h: element-wise math beyond the four arithmetic ops of
 * clnn/elementwise.h: unary functions (forward and backward), broadcast
 * pow/min/max/prelu, comparisons, logical ops, select (where) and casts.
 * Semantics follow the ONNX operators of the same names.
 *
 * Broadcasting (every function here that takes several inputs): numpy rules,
 * shapes aligned at their last axis. Each input must broadcast to the output's
 * shape: its rank at most the output's and each dimension equal to the
 * output's or 1 (CLNN_SHAPE_MISMATCH otherwise, naming the shapes). The output
 * may be larger than the inputs' common broadcast (as with numpy's `out=`).
 * The output may alias an input that has the output's shape and dtype, at the
 * same offset (each element is read before it is written).
 *
 * Booleans: clnn has no bool dtype; comparisons and logical ops write CLNN_INT32
 * 0 / 1, and every input read as a condition counts any non-zero value as true.
 */
#ifndef CLNN_MATH_H
#define CLNN_MATH_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------- unary */

typedef enum clnn_unary_math_op {
    CLNN_UNARY_EXP = 0,
    CLNN_UNARY_LOG = 1,         /* natural log; log(0) = -inf, log(<0) = NaN   */
    CLNN_UNARY_SQRT = 2,        /* sqrt(<0) = NaN                              */
    CLNN_UNARY_ABS = 3,
    CLNN_UNARY_NEG = 4,
    CLNN_UNARY_RECIPROCAL = 5,  /* 1 / x                                       */
    CLNN_UNARY_ERF = 6,
    CLNN_UNARY_SOFTSIGN = 7,    /* x / (1 + |x|)                               */
    CLNN_UNARY_SELU = 8,        /* gamma * (x > 0 ? x : alpha * (e^x - 1))     */
    CLNN_UNARY_POW = 9          /* x ^ alpha (a scalar exponent)               */
} clnn_unary_math_op;

/* ONNX's Selu defaults, for alpha and beta (= gamma) of CLNN_UNARY_SELU. */
#define CLNN_SELU_ALPHA 1.67326319217681884765625f
#define CLNN_SELU_GAMMA 1.05070102214813232421875f

/* y = f(x), element-wise (float32; x and y the same shape; in place allowed).
 * `alpha` and `beta` are the op's parameters: SELU alpha and gamma, POW the
 * exponent in alpha; other ops ignore them. Built-in accuracy is OpenCL C's
 * (exp, log, sqrt 3-4 ulp, erf 16 ulp, pow 16 ulp). An unknown op returns
 * CLNN_INVALID_VALUE. */
CLNN_API clnn_status clnn_unary_math_forward(clnn_context_t ctx, clnn_unary_math_op op,
                                             float alpha, float beta,
                                             const clnn_tensor_desc *x_desc, cl_mem x,
                                             size_t x_offset,
                                             const clnn_tensor_desc *y_desc, cl_mem y,
                                             size_t y_offset);

/* dx = dy * f'(x) (float32; all three the same shape; dx may alias dy). At
 * |x|'s kink the derivative is 0; where f' is infinite (log, sqrt, reciprocal
 * at 0) the result is inf or NaN as the formula gives. */
CLNN_API clnn_status clnn_unary_math_backward(clnn_context_t ctx, clnn_unary_math_op op,
                                              float alpha, float beta,
                                              const clnn_tensor_desc *x_desc, cl_mem x,
                                              size_t x_offset,
                                              const clnn_tensor_desc *dy_desc, cl_mem dy,
                                              size_t dy_offset,
                                              const clnn_tensor_desc *dx_desc, cl_mem dx,
                                              size_t dx_offset);

/* ------------------------------------------------------- broadcast binary */

typedef enum clnn_math_binary_op {
    CLNN_MATH_POW = 0,    /* a ^ b; negative a with non-integer b gives NaN   */
    CLNN_MATH_MIN = 1,    /* NaN in either input gives NaN (numpy.minimum)   */
    CLNN_MATH_MAX = 2,    /* likewise                                         */
    CLNN_MATH_PRELU = 3   /* a < 0 ? a * b : a  (b is the slope)              */
} clnn_math_binary_op;

/* c = a (op) b with broadcasting (see the top of this header). a, b and c
 * have one dtype (any), except that POW's exponent b may have any dtype. POW
 * with integers on both sides is exact (by squaring; wraps on overflow; a
 * negative exponent gives 1 / a^-b truncated toward 0, and 0 for a = 0);
 * otherwise it is computed in float32 and converted to c's dtype (toward
 * zero). */
CLNN_API clnn_status clnn_math_binary(clnn_context_t ctx, clnn_math_binary_op op,
                                      const clnn_tensor_desc *a_desc, cl_mem a,
                                      size_t a_offset,
                                      const clnn_tensor_desc *b_desc, cl_mem b,
                                      size_t b_offset,
                                      const clnn_tensor_desc *c_desc, cl_mem c,
                                      size_t c_offset);

/* -------------------------------------------------- comparisons and logic */

typedef enum clnn_compare_op {
    CLNN_COMPARE_EQUAL = 0,
    CLNN_COMPARE_NOT_EQUAL = 1,
    CLNN_COMPARE_LESS = 2,
    CLNN_COMPARE_LESS_EQUAL = 3,
    CLNN_COMPARE_GREATER = 4,
    CLNN_COMPARE_GREATER_EQUAL = 5
} clnn_compare_op;

/* c = (a op b) ? 1 : 0 with broadcasting. a and b have one dtype (any); c is
 * CLNN_INT32. Comparisons with NaN are false except NOT_EQUAL. */
CLNN_API clnn_status clnn_compare(clnn_context_t ctx, clnn_compare_op op,
                                  const clnn_tensor_desc *a_desc, cl_mem a, size_t a_offset,
                                  const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                                  const clnn_tensor_desc *c_desc, cl_mem c, size_t c_offset);

typedef enum clnn_logical_op {
    CLNN_LOGICAL_AND = 0,
    CLNN_LOGICAL_OR = 1,
    CLNN_LOGICAL_XOR = 2
} clnn_logical_op;

/* c = (a != 0) op (b != 0) as 0 / 1, with broadcasting. a and b have one dtype
 * (any); c is CLNN_INT32. OR of x with itself turns any tensor into 0 / 1. */
CLNN_API clnn_status clnn_logical(clnn_context_t ctx, clnn_logical_op op,
                                  const clnn_tensor_desc *a_desc, cl_mem a, size_t a_offset,
                                  const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                                  const clnn_tensor_desc *c_desc, cl_mem c, size_t c_offset);

/* y = (x == 0) ? 1 : 0 (x any dtype; y CLNN_INT32 of x's shape). */
CLNN_API clnn_status clnn_logical_not(clnn_context_t ctx,
                                      const clnn_tensor_desc *x_desc, cl_mem x,
                                      size_t x_offset,
                                      const clnn_tensor_desc *y_desc, cl_mem y,
                                      size_t y_offset);

/* ------------------------------------------------------ selection, casts */

/* y = cond != 0 ? a : b with broadcasting of all three. cond is CLNN_INT32;
 * a, b and y have one dtype (any). */
CLNN_API clnn_status clnn_where(clnn_context_t ctx,
                                const clnn_tensor_desc *cond_desc, cl_mem cond,
                                size_t cond_offset,
                                const clnn_tensor_desc *a_desc, cl_mem a, size_t a_offset,
                                const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                                const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset);

/* y = x converted to y's dtype (same shape; any dtypes). Float to integer
 * rounds toward zero and saturates at the target's range (NaN gives 0);
 * int64 to int32 saturates; integers to float round to nearest. */
CLNN_API clnn_status clnn_cast(clnn_context_t ctx,
                               const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                               const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_MATH_H */
