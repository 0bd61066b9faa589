/* CPU reference for the losses (double), Keras' formulas as include/clnn/loss.h
 * states them, with the float32 clip bounds. */
#include "ref.h"

#include <math.h>

static double lse(const double *z, size_t c)
{
    double m = -INFINITY, s = 0;
    for (size_t j = 0; j < c; j++) m = fmax(m, z[j]);
    for (size_t j = 0; j < c; j++) s += exp(z[j] - m);
    return m + log(s);
}

static double clip(double p)
{
    const double lo = 1e-7f, hi = 1.0f - 1e-7f;
    return fmin(fmax(p, lo), hi);
}

static double row_loss(clnn_loss kind, size_t c, const double *x, const double *t, int label)
{
    double s = 0, sum = 0;
    bool sparse = kind == CLNN_LOSS_SPARSE_CE || kind == CLNN_LOSS_SPARSE_CE_LOGITS;
    if (sparse && (label < 0 || (size_t)label >= c)) return NAN;
    for (size_t j = 0; j < c; j++) sum += x[j];
    for (size_t j = 0; j < c; j++) {
        double p = clip(x[j]), y = sparse ? 0 : t[j];
        switch (kind) {
        case CLNN_LOSS_MSE: s += (x[j] - y) * (x[j] - y) / (double)c; break;
        case CLNN_LOSS_BINARY_CE: s -= (y * log(p) + (1 - y) * log(1 - p)) / (double)c; break;
        case CLNN_LOSS_BINARY_CE_LOGITS:
            s += (fmax(x[j], 0) - x[j] * y + log1p(exp(-fabs(x[j])))) / (double)c;
            break;
        case CLNN_LOSS_CATEGORICAL_CE: s -= y * log(clip(x[j] / sum)); break;
        case CLNN_LOSS_CATEGORICAL_CE_LOGITS: s += y * (lse(x, c) - x[j]); break;
        default: break;
        }
    }
    if (kind == CLNN_LOSS_SPARSE_CE) s = -log(clip(x[label] / sum));
    if (kind == CLNN_LOSS_SPARSE_CE_LOGITS) s = lse(x, c) - x[label];
    return s;
}

double ref_loss(clnn_loss kind, size_t rows, size_t cols, const double *x, const double *t,
                const int *labels)
{
    double total = 0;
    for (size_t r = 0; r < rows; r++)
        total += row_loss(kind, cols, x + r * cols, t ? t + r * cols : NULL,
                          labels ? labels[r] : 0);
    return total / (double)rows;
}
