/* CPU reference for softmax and log-softmax (double). */
#include "ref.h"

#include <math.h>

void ref_softmax(clnn_softmax_mode mode, size_t outer, size_t len, size_t inner,
                 const double *x, double *y)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            const double *xr = x + o * len * inner + i;
            double *yr = y + o * len * inner + i;
            double m = -INFINITY, s = 0;
            for (size_t k = 0; k < len; k++) m = fmax(m, xr[k * inner]);
            for (size_t k = 0; k < len; k++) s += exp(xr[k * inner] - m);
            for (size_t k = 0; k < len; k++) {
                double v = xr[k * inner] - m;
                yr[k * inner] = mode == CLNN_LOG_SOFTMAX ? v - log(s) : exp(v) / s;
            }
        }
}

void ref_softmax_backward(clnn_softmax_mode mode, size_t outer, size_t len, size_t inner,
                          const double *y, const double *dy, double *dx)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            size_t base = o * len * inner + i;
            double s = 0;
            for (size_t k = 0; k < len; k++) {
                size_t j = base + k * inner;
                s += mode == CLNN_LOG_SOFTMAX ? dy[j] : dy[j] * y[j];
            }
            for (size_t k = 0; k < len; k++) {
                size_t j = base + k * inner;
                dx[j] = mode == CLNN_LOG_SOFTMAX ? dy[j] - exp(y[j]) * s : y[j] * (dy[j] - s);
            }
        }
}
