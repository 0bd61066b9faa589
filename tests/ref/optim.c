/* CPU reference for the optimizer updates (double), the rules of
 * include/clnn/optim.h. */
#include "ref.h"

#include <math.h>

void ref_optimizer_step(const clnn_optimizer_desc *d, long step, size_t n, double *p,
                        const double *grad, double *m, double *v)
{
    double lr = d->lr, wd = d->weight_decay, b1 = d->beta1, b2 = d->beta2;
    double lr_t = lr * sqrt(1 - pow(b2, (double)step)) / (1 - pow(b1, (double)step));
    for (size_t i = 0; i < n; i++) {
        double g = grad[i];
        if (d->kind == CLNN_OPTIMIZER_ADAMW) p[i] -= lr * wd * p[i];
        else g += wd * p[i];
        if (d->kind != CLNN_OPTIMIZER_SGD) {
            m[i] += (1 - b1) * (g - m[i]);
            v[i] += (1 - b2) * (g * g - v[i]);
            p[i] -= lr_t * m[i] / (sqrt(v[i]) + d->eps);
        } else if (d->momentum > 0) {
            m[i] = d->momentum * m[i] - lr * g;
            p[i] += d->nesterov ? d->momentum * m[i] - lr * g : m[i];
        } else {
            p[i] -= lr * g;
        }
    }
}
