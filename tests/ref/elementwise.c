/* CPU references for the element-wise operations. */
#include "ref.h"

void ref_relu(const float *x, size_t n, double *y)
{
    for (size_t i = 0; i < n; i++) y[i] = x[i] < 0 ? 0.0 : (double)x[i];
}

void ref_relu_backward(const float *x, const float *dy, size_t n, double *dx)
{
    for (size_t i = 0; i < n; i++) dx[i] = x[i] > 0 ? (double)dy[i] : 0.0;
}

void ref_scale(double alpha, const float *x, size_t n, double *y)
{
    for (size_t i = 0; i < n; i++) y[i] = alpha * x[i];
}

/* Offset of the element of `d` that output index `idx` (in c's shape) reads. */
static size_t broadcast_offset(const clnn_tensor_desc *d, const clnn_tensor_desc *c,
                               const int64_t *idx)
{
    size_t off = 0;
    for (int i = 0; i < d->rank; i++) {
        int ci = c->rank - d->rank + i;
        int64_t v = d->dims[i] == 1 ? 0 : idx[ci];
        off = off * (size_t)d->dims[i] + (size_t)v;
    }
    return off;
}

void ref_binary(clnn_binary_op op, const clnn_tensor_desc *a_desc, const float *a,
                const clnn_tensor_desc *b_desc, const float *b,
                const clnn_tensor_desc *c_desc, double *c)
{
    int64_t idx[CLNN_MAX_RANK] = {0};
    size_t n = 1;
    for (int i = 0; i < c_desc->rank; i++) n *= (size_t)c_desc->dims[i];
    for (size_t e = 0; e < n; e++) {
        double x = a[broadcast_offset(a_desc, c_desc, idx)];
        double y = b[broadcast_offset(b_desc, c_desc, idx)];
        switch (op) {
        case CLNN_BINARY_ADD: c[e] = x + y; break;
        case CLNN_BINARY_SUB: c[e] = x - y; break;
        case CLNN_BINARY_MUL: c[e] = x * y; break;
        case CLNN_BINARY_DIV: c[e] = x / y; break;
        }
        for (int i = c_desc->rank - 1; i >= 0; i--) { /* next index, last axis fastest */
            if (++idx[i] < c_desc->dims[i]) break;
            idx[i] = 0;
        }
    }
}
