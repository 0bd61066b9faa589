/* Embedding lookup, its gradient and the sinusoidal positional encoding. */
#include "ref.h"

#include <math.h>

static int row_of(long pad, size_t V, int32_t v)
{
    return v >= 0 && (size_t)v < V && v != pad;
}

void ref_embedding_forward(long pad, size_t V, size_t D, size_t P, const double *table,
                           const int32_t *idx, double *y)
{
    for (size_t p = 0; p < P; p++)
        for (size_t d = 0; d < D; d++)
            y[p * D + d] = row_of(pad, V, idx[p]) ? table[(size_t)idx[p] * D + d] : 0.0;
}

void ref_embedding_backward(long pad, size_t V, size_t D, size_t P, const int32_t *idx,
                            const double *dy, double *dtable)
{
    for (size_t i = 0; i < V * D; i++) dtable[i] = 0;
    for (size_t p = 0; p < P; p++)
        for (size_t d = 0; row_of(pad, V, idx[p]) && d < D; d++)
            dtable[(size_t)idx[p] * D + d] += dy[p * D + d];
}

void ref_positional_encoding(size_t T, size_t D, double *y)
{
    for (size_t t = 0; t < T; t++)
        for (size_t d = 0; d < D; d++) {
            double a = (double)t * pow(10000.0, -(double)(d & ~(size_t)1) / (double)D);
            y[t * D + d] = d % 2 ? cos(a) : sin(a);
        }
}
