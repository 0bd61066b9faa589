/* Activation functions, forward and backward (kernels in cl/activation.cl, math in
 * cl/common.clh). Each kind is its own program variant (-DACT=k). */
#include "elementwise.h"
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

clnn_activation_desc clnn_activation_default(clnn_activation kind)
{
    clnn_activation_desc d = {kind, 0.0f, 0.0f};
    switch (kind) {
    case CLNN_ACTIVATION_LEAKY_RELU: d.alpha = 0.01f; break;
    case CLNN_ACTIVATION_ELU: d.alpha = 1.0f; break;
    case CLNN_ACTIVATION_HARD_SIGMOID: d.alpha = 0.2f; d.beta = 0.5f; break;
    default: break;
    }
    return d;
}

clnn_status clnn_activation_check(const clnn_activation_desc *act, const char *fn)
{
    if (!act) return clnn_fail(CLNN_NULL_POINTER, "%s: activation descriptor is NULL", fn);
    if ((unsigned)act->kind > CLNN_ACTIVATION_HARD_SIGMOID)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown activation kind %d", fn,
                         (int)act->kind);
    return CLNN_SUCCESS;
}

void clnn_activation_options(clnn_context_t ctx, clnn_activation kind, char *buf, size_t size)
{
    snprintf(buf, size, "-DVEC=%u -DACT=%d", ctx->vector_width, (int)kind);
}

static clnn_status get_kernel(clnn_context_t ctx, clnn_activation kind, const char *name,
                              cl_kernel *kernel)
{
    char options[64];
    clnn_activation_options(ctx, kind, options, sizeof options);
    return clnn_kernel_get(ctx, "activation.cl", options, name, kernel);
}

clnn_status clnn_activation_forward(clnn_context_t ctx, const clnn_activation_desc *act,
                                    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                    const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset)
{
    static const char fn[] = "clnn_activation_forward";
    size_t n;
    clnn_status st = clnn_check_unary(ctx, fn, x_desc, x, x_offset, "x", y_desc, y, y_offset,
                                      "y", &n);
    if (st == CLNN_SUCCESS) st = clnn_activation_check(act, fn);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, act->kind, "activation_forward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_offset / 4, yo = y_offset / 4, count = n;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(y), CLNN_ARG(yo),
                       CLNN_ARG(count), CLNN_ARG(act->alpha), CLNN_ARG(act->beta));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

clnn_status clnn_activation_backward(clnn_context_t ctx, const clnn_activation_desc *act,
                                     const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                     const clnn_tensor_desc *dy_desc, cl_mem dy,
                                     size_t dy_offset, const clnn_tensor_desc *dx_desc,
                                     cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_activation_backward";
    size_t n;
    clnn_status st = clnn_check_unary(ctx, fn, x_desc, x, x_offset, "x", dy_desc, dy, dy_offset,
                                      "dy", &n);
    if (st == CLNN_SUCCESS)
        st = clnn_check_unary(ctx, fn, x_desc, x, x_offset, "x", dx_desc, dx, dx_offset, "dx",
                              NULL);
    if (st == CLNN_SUCCESS) st = clnn_activation_check(act, fn);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, act->kind, "activation_backward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_offset / 4, dyo = dy_offset / 4, dxo = dx_offset / 4, count = n;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(dy), CLNN_ARG(dyo), CLNN_ARG(dx),
                       CLNN_ARG(dxo), CLNN_ARG(count), CLNN_ARG(act->alpha),
                       CLNN_ARG(act->beta));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

clnn_status clnn_relu_forward(clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x,
                              size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                              size_t y_offset)
{
    clnn_activation_desc relu = clnn_activation_default(CLNN_ACTIVATION_RELU);
    return clnn_activation_forward(ctx, &relu, x_desc, x, x_offset, y_desc, y, y_offset);
}

clnn_status clnn_relu_backward(clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x,
                               size_t x_offset, const clnn_tensor_desc *dy_desc, cl_mem dy,
                               size_t dy_offset, const clnn_tensor_desc *dx_desc, cl_mem dx,
                               size_t dx_offset)
{
    clnn_activation_desc relu = clnn_activation_default(CLNN_ACTIVATION_RELU);
    return clnn_activation_backward(ctx, &relu, x_desc, x, x_offset, dy_desc, dy, dy_offset,
                                    dx_desc, dx, dx_offset);
}
