/* CPU reference for the dense layer (double). */
#include "ref.h"

void ref_dense(size_t m, size_t k, size_t n, const double *x, const double *w,
               const double *b, const clnn_activation_desc *act, double *y)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = b ? b[j] : 0.0;
            for (size_t p = 0; p < k; p++) s += x[i * k + p] * w[p * n + j];
            y[i * n + j] = act ? ref_activation(*act, s) : s;
        }
}
