/* Central finite differences in double (see gradcheck.h). */
#include "gradcheck.h"
#include "harness.h"

#include <math.h>
#include <string.h>

static double weighted_sum(gradcheck_fn f, void *params, const double *x, const double *w,
                           double *y, size_t ny)
{
    f(x, y, params);
    double sum = 0;
    for (size_t i = 0; i < ny; i++) sum += w[i] * y[i];
    return sum;
}

void gradcheck_numeric(gradcheck_fn f, void *params, const double *x, size_t nx,
                       const double *w, size_t ny, double eps, double *grad)
{
    double *probe = harness_alloc(nx * sizeof *probe);
    double *y = harness_alloc(ny * sizeof *y);
    memcpy(probe, x, nx * sizeof *probe);
    for (size_t j = 0; j < nx; j++) {
        double h = eps * fmax(1.0, fabs(x[j]));
        probe[j] = x[j] + h;
        double up = weighted_sum(f, params, probe, w, y, ny);
        probe[j] = x[j] - h;
        double down = weighted_sum(f, params, probe, w, y, ny);
        probe[j] = x[j];
        grad[j] = (up - down) / (2 * h);
    }
}

double *gradcheck_to_double(const float *x, size_t n)
{
    double *d = harness_alloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = x[i];
    return d;
}
