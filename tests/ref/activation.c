/* CPU reference for the activation functions (double). */
#include "ref.h"

#include <math.h>

double ref_activation(clnn_activation_desc act, double x)
{
    double a = act.alpha, b = act.beta;
    switch (act.kind) {
    case CLNN_ACTIVATION_NONE: return x;
    case CLNN_ACTIVATION_RELU: return x < 0 ? 0 : x;
    case CLNN_ACTIVATION_LEAKY_RELU: return x < 0 ? a * x : x;
    case CLNN_ACTIVATION_ELU: return x < 0 ? a * expm1(x) : x;
    case CLNN_ACTIVATION_SIGMOID: return 1 / (1 + exp(-x));
    case CLNN_ACTIVATION_TANH: return tanh(x);
    case CLNN_ACTIVATION_GELU: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    case CLNN_ACTIVATION_GELU_TANH:
        return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case CLNN_ACTIVATION_SOFTPLUS: return fmax(x, 0) + log1p(exp(-fabs(x)));
    case CLNN_ACTIVATION_SILU: return x / (1 + exp(-x));
    case CLNN_ACTIVATION_HARD_SIGMOID: return fmax(0, fmin(1, a * x + b));
    }
    return NAN;
}
