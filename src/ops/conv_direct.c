/* Kernels of cl/conv.cl: the launch helper shared by the GEMM path (im2col,
 * col2im), the depthwise direct passes and the bias gradient. */
#include "conv.h"
#include "../core/program.h"

#include <stdio.h>

clnn_status clnn_conv_launch(clnn_context_t ctx, const clnn_conv_geom *g, const char *name,
                             clnn_conv_operand in, clnn_conv_operand out,
                             clnn_conv_operand weights, size_t images, size_t items)
{
    char options[32];
    snprintf(options, sizeof options, "-DVEC=%u", ctx->vector_width);
    cl_kernel k;
    clnn_status st = clnn_kernel_get(ctx, "conv.cl", options, name, &k);
    if (st != CLNN_SUCCESS) return st;
    const size_t fields[15] = {g->c,  g->h,  g->w,  g->k,  g->oh,      g->ow,       g->kh, g->kw,
                               g->sh, g->sw, g->dh, g->dw, g->pad_top, g->pad_left, images};
    cl_int16 geom = {{0}};
    for (int i = 0; i < 15; i++) geom.s[i] = (cl_int)fields[i];
    cl_mem wbuf = weights.buf ? weights.buf : in.buf;
    cl_ulong io = in.off / 4, oo = out.off / 4, wo = weights.off / 4, n = items;
    st = clnn_set_args(k, CLNN_ARG(in.buf), CLNN_ARG(io), CLNN_ARG(out.buf), CLNN_ARG(oo),
                       CLNN_ARG(wbuf), CLNN_ARG(wo), CLNN_ARG(geom), CLNN_ARG(n));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, items) : st;
}

static clnn_conv_operand operand(cl_mem buf, size_t off)
{
    clnn_conv_operand o = {buf, off};
    return o;
}

static const clnn_conv_operand none = {NULL, 0};

clnn_status clnn_conv_run_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                  size_t xo, cl_mem w, size_t wo, cl_mem y, size_t yo,
                                  cl_mem ws, size_t ws_size)
{
    if (g->algo == CLNN_CONV_ALGO_WINOGRAD)
        return clnn_conv_winograd_forward(ctx, g, x, xo, w, wo, NULL, 0, NULL, y, yo, ws,
                                          ws_size);
    if (g->algo != CLNN_CONV_ALGO_DIRECT)
        return clnn_conv_gemm_forward(ctx, g, x, xo, w, wo, y, yo, ws, ws_size);
    size_t rows = g->n * g->k * g->oh; /* eight outputs of a row per work-item */
    return clnn_conv_launch(ctx, g, "depthwise_forward", operand(x, xo), operand(y, yo),
                            operand(w, wo), g->n, rows * ((g->ow + 7) / 8));
}

clnn_status clnn_conv_run_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                        cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                        cl_mem dx, size_t dxo, cl_mem ws, size_t ws_size)
{
    if (g->algo == CLNN_CONV_ALGO_WINOGRAD && clnn_conv_winograd_has_backward_data(g))
        return clnn_conv_winograd_backward_data(ctx, g, w, wo, dy, dyo, dx, dxo, ws, ws_size);
    if (g->algo != CLNN_CONV_ALGO_DIRECT)
        return clnn_conv_gemm_backward_data(ctx, g, w, wo, dy, dyo, dx, dxo, ws, ws_size);
    size_t rows = g->n * g->c * g->h; /* eight inputs of a row per work-item */
    return clnn_conv_launch(ctx, g, "depthwise_backward_data", operand(dy, dyo),
                            operand(dx, dxo), operand(w, wo), g->n, rows * ((g->w + 7) / 8));
}

clnn_status clnn_conv_run_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                           cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                           cl_mem dw, size_t dwo, cl_mem ws, size_t ws_size)
{
    if (g->algo == CLNN_CONV_ALGO_WINOGRAD)
        return clnn_conv_winograd_backward_weights(ctx, g, x, xo, dy, dyo, dw, dwo, ws,
                                                   ws_size);
    if (g->algo != CLNN_CONV_ALGO_DIRECT)
        return clnn_conv_gemm_backward_weights(ctx, g, x, xo, dy, dyo, dw, dwo, ws, ws_size);
    return clnn_conv_launch(ctx, g, "depthwise_backward_weights", operand(x, xo),
                            operand(dw, dwo), operand(dy, dyo), g->n, clnn_conv_w_count(g));
}

clnn_status clnn_conv_run_bias_grad(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem dy,
                                    size_t dyo, cl_mem db, size_t dbo)
{
    return clnn_conv_launch(ctx, g, "bias_grad", operand(dy, dyo), operand(db, dbo), none,
                            g->n, g->k);
}
