/* CPU references for include/clnn/math.h, in double. */
#include "ref.h"

#include <math.h>

size_t ref_broadcast_source(const clnn_tensor_desc *in, const clnn_tensor_desc *out,
                            size_t index)
{
    size_t src = 0, stride = 1;
    for (int k = 1; k <= out->rank; k++) {
        size_t dim = (size_t)out->dims[out->rank - k], coord = index % dim;
        index /= dim;
        if (k > in->rank) continue;
        size_t have = (size_t)in->dims[in->rank - k];
        if (have != 1) src += coord * stride;
        stride *= have;
    }
    return src;
}

double ref_unary_math(clnn_unary_math_op op, double alpha, double beta, double x)
{
    switch (op) {
    case CLNN_UNARY_EXP: return exp(x);
    case CLNN_UNARY_LOG: return log(x);
    case CLNN_UNARY_SQRT: return sqrt(x);
    case CLNN_UNARY_ABS: return fabs(x);
    case CLNN_UNARY_NEG: return -x;
    case CLNN_UNARY_RECIPROCAL: return 1.0 / x;
    case CLNN_UNARY_ERF: return erf(x);
    case CLNN_UNARY_SOFTSIGN: return x / (1.0 + fabs(x));
    case CLNN_UNARY_SELU: return beta * (x > 0 ? x : alpha * expm1(x));
    case CLNN_UNARY_POW: return pow(x, alpha);
    }
    return NAN;
}

double ref_math_binary(clnn_math_binary_op op, double a, double b)
{
    switch (op) {
    case CLNN_MATH_POW: return pow(a, b);
    case CLNN_MATH_MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
    case CLNN_MATH_MAX: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
    case CLNN_MATH_PRELU: return a < 0 ? a * b : a;
    }
    return NAN;
}

int ref_compare(clnn_compare_op op, double a, double b)
{
    switch (op) {
    case CLNN_COMPARE_EQUAL: return a == b;
    case CLNN_COMPARE_NOT_EQUAL: return a != b;
    case CLNN_COMPARE_LESS: return a < b;
    case CLNN_COMPARE_LESS_EQUAL: return a <= b;
    case CLNN_COMPARE_GREATER: return a > b;
    case CLNN_COMPARE_GREATER_EQUAL: return a >= b;
    }
    return -1;
}

int ref_logical(clnn_logical_op op, double a, double b)
{
    int x = a != 0, y = b != 0;
    return op == CLNN_LOGICAL_AND ? x && y : op == CLNN_LOGICAL_OR ? x || y : x != y;
}
