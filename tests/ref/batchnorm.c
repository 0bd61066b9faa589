/* CPU reference for batch normalization (double), x as [N, C, HW]. */
#include "ref.h"

#include <math.h>

void ref_batchnorm_train(size_t n, size_t c, size_t hw, double eps, const double *x,
                         const double *scale, const double *bias, double *y, double *mean,
                         double *var)
{
    double m_count = (double)(n * hw);
    for (size_t ch = 0; ch < c; ch++) {
        double s = 0, q = 0;
        for (size_t b = 0; b < n; b++)
            for (size_t i = 0; i < hw; i++) s += x[(b * c + ch) * hw + i];
        double mu = s / m_count;
        for (size_t b = 0; b < n; b++)
            for (size_t i = 0; i < hw; i++) {
                double d = x[(b * c + ch) * hw + i] - mu;
                q += d * d;
            }
        double v = q / m_count, inv = 1 / sqrt(v + eps);
        for (size_t b = 0; b < n; b++)
            for (size_t i = 0; i < hw; i++) {
                size_t j = (b * c + ch) * hw + i;
                y[j] = scale[ch] * (x[j] - mu) * inv + bias[ch];
            }
        if (mean) mean[ch] = mu;
        if (var) var[ch] = v;
    }
}

void ref_batchnorm_inference(size_t n, size_t c, size_t hw, double eps, const float *x,
                             const float *scale, const float *bias, const float *mean,
                             const float *var, double *y)
{
    for (size_t b = 0; b < n; b++)
        for (size_t ch = 0; ch < c; ch++)
            for (size_t i = 0; i < hw; i++) {
                size_t j = (b * c + ch) * hw + i;
                y[j] = scale[ch] * ((double)x[j] - mean[ch]) / sqrt((double)var[ch] + eps) +
                       bias[ch];
            }
}
