/* Layer normalization and RMS normalization, plainly in double. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>

static void row_stats(int rms, const double *x, size_t len, double eps, double *mean,
                      double *inv)
{
    double m = 0, v = 0;
    if (!rms) {
        for (size_t j = 0; j < len; j++) m += x[j];
        m /= (double)len;
    }
    for (size_t j = 0; j < len; j++) v += (x[j] - m) * (x[j] - m);
    *mean = m;
    *inv = 1.0 / sqrt(v / (double)len + eps);
}

void ref_layernorm(int rms, size_t rows, size_t len, double eps, const double *x,
                   const double *scale, const double *bias, double *y, double *mean,
                   double *inv)
{
    for (size_t r = 0; r < rows; r++) {
        const double *xr = x + r * len;
        double m, s;
        row_stats(rms, xr, len, eps, &m, &s);
        for (size_t j = 0; j < len; j++)
            y[r * len + j] = (xr[j] - m) * s * (scale ? scale[j] : 1.0) +
                             (bias && !rms ? bias[j] : 0.0);
        if (mean) mean[r] = m;
        if (inv) inv[r] = s;
    }
}

void ref_layernorm_backward(int rms, size_t rows, size_t len, double eps, const double *x,
                            const double *scale, const double *dy, double *dx,
                            double *dscale, double *dbias)
{
    for (size_t j = 0; j < len; j++) {
        dscale[j] = 0;
        if (dbias) dbias[j] = 0;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *xr = x + r * len, *g0 = dy + r * len;
        double m, s, mg = 0, mgx = 0;
        row_stats(rms, xr, len, eps, &m, &s);
        for (size_t j = 0; j < len; j++) {
            double g = g0[j] * (scale ? scale[j] : 1.0), xhat = (xr[j] - m) * s;
            mg += g;
            mgx += g * xhat;
            dscale[j] += g0[j] * xhat;
            if (dbias) dbias[j] += g0[j];
        }
        mg = rms ? 0.0 : mg / (double)len;
        mgx /= (double)len;
        for (size_t j = 0; dx && j < len; j++) {
            double g = g0[j] * (scale ? scale[j] : 1.0), xhat = (xr[j] - m) * s;
            dx[r * len + j] = s * (g - mg - xhat * mgx);
        }
    }
}
