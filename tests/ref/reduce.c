/* CPU references for the reductions (double). */
#include "ref.h"

#include <math.h>

/* Index of x element `i`'s slot in the kept-axes output. */
static size_t out_index(const clnn_tensor_desc *desc, const bool *reduced, size_t i)
{
    size_t out = 0, scale = 1;
    for (int a = desc->rank - 1; a >= 0; a--) {
        size_t d = (size_t)desc->dims[a], idx = i % d;
        i /= d;
        if (reduced[a]) continue;
        out += idx * scale;
        scale *= d;
    }
    return out;
}

void ref_reduce(clnn_reduce_op op, const clnn_tensor_desc *desc, const bool *reduced,
                const double *x, double *y)
{
    size_t n = 1, nout = 1;
    for (int a = 0; a < desc->rank; a++) {
        n *= (size_t)desc->dims[a];
        if (!reduced[a]) nout *= (size_t)desc->dims[a];
    }
    for (size_t o = 0; o < nout; o++) y[o] = op == CLNN_REDUCE_MAX ? -INFINITY : 0.0;
    for (size_t i = 0; i < n; i++) {
        size_t o = out_index(desc, reduced, i);
        y[o] = op == CLNN_REDUCE_MAX ? fmax(y[o], x[i]) : y[o] + x[i];
    }
    if (op == CLNN_REDUCE_MEAN)
        for (size_t o = 0; o < nout; o++) y[o] *= (double)nout / (double)n;
}

void ref_argmax(const clnn_tensor_desc *desc, int axis, int last, const double *x, int64_t *y)
{
    size_t outer = 1, inner = 1, len = (size_t)desc->dims[axis];
    for (int a = 0; a < desc->rank; a++) {
        if (a < axis) outer *= (size_t)desc->dims[a];
        if (a > axis) inner *= (size_t)desc->dims[a];
    }
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < inner; j++) {
            const double *p = x + o * len * inner + j;
            size_t best = 0;
            for (size_t r = 1; r < len; r++)
                if (p[r * inner] > p[best * inner] || (last && p[r * inner] == p[best * inner]))
                    best = r;
            y[o * inner + j] = (int64_t)best;
        }
}
