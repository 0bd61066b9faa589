/* Finite-difference gradients for backward-pass tests.
 *
 * Each backward test compares the device's gradient with central differences of
 * the CPU reference forward, evaluated in double on small shapes: for a loss
 * L = sum_i w[i] * y[i] (w plays the role of dy), dL/dx_j is estimated as
 * (L(x + h e_j) - L(x - h e_j)) / 2h. Inputs should avoid kinks (relu at 0, ties
 * in max pooling) by more than h. */
#ifndef CLNN_TEST_GRADCHECK_H
#define CLNN_TEST_GRADCHECK_H

#include <stddef.h>

/* y = f(x) in double; `params` carries whatever the op needs (shapes, weights). */
typedef void (*gradcheck_fn)(const double *x, double *y, void *params);

/* grad (nx values) = dL/dx with L = sum(w * f(x)); h = eps * max(1, |x_j|). */
void gradcheck_numeric(gradcheck_fn f, void *params, const double *x, size_t nx,
                       const double *w, size_t ny, double eps, double *grad);

/* Widens floats to a new double array freed after the current test. */
double *gradcheck_to_double(const float *x, size_t n);

#endif
