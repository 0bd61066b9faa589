/* CPU references for transpose, concat and split (double). */
#include "ref.h"

void ref_transpose(const clnn_tensor_desc *desc, const int *perm, const double *x, double *y)
{
    int r = desc->rank;
    size_t xstride[CLNN_MAX_RANK], n = 1;
    for (int a = r - 1; a >= 0; a--) {
        xstride[a] = n;
        n *= (size_t)desc->dims[a];
    }
    for (size_t i = 0; i < n; i++) {
        size_t rem = i, src = 0;
        for (int a = r - 1; a >= 0; a--) {
            size_t d = (size_t)desc->dims[perm[a]];
            src += (rem % d) * xstride[perm[a]];
            rem /= d;
        }
        y[i] = x[src];
    }
}

void ref_concat(size_t outer, size_t inner, int count, const size_t *sizes,
                const double *const *xs, double *y)
{
    for (size_t o = 0; o < outer; o++)
        for (int i = 0; i < count; i++) {
            size_t row = sizes[i] * inner;
            for (size_t j = 0; j < row; j++) *y++ = xs[i][o * row + j];
        }
}

void ref_split(size_t outer, size_t inner, int count, const size_t *sizes, const double *x,
               double *const *ys)
{
    for (size_t o = 0; o < outer; o++)
        for (int i = 0; i < count; i++) {
            size_t row = sizes[i] * inner;
            for (size_t j = 0; j < row; j++) ys[i][o * row + j] = *x++;
        }
}
