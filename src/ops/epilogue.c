/* Fused bias + activation epilogue (kernels in cl/epilogue.cl). */
#include "epilogue.h"
#include "elementwise.h"
#include "../core/program.h"

#include <stdio.h>
#include <string.h>

clnn_status clnn_epilogue_bias_act(clnn_context_t ctx, cl_mem y, size_t y_offset,
                                   size_t rows, size_t channels, size_t inner,
                                   clnn_bias_layout layout, cl_mem bias,
                                   size_t bias_offset, const clnn_activation_desc *act)
{
    bool has_act = act && act->kind != CLNN_ACTIVATION_NONE;
    if ((!bias && !has_act) || rows == 0 || inner == 0) return CLNN_SUCCESS;
    clnn_activation kind = has_act ? act->kind : CLNN_ACTIVATION_NONE;
    float alpha = has_act ? act->alpha : 0.0f, beta = has_act ? act->beta : 0.0f;

    char options[96];
    clnn_activation_options(ctx, kind, options, sizeof options);
    size_t used = strlen(options);
    snprintf(options + used, sizeof options - used, " -DHAS_BIAS=%d", bias ? 1 : 0);
    const char *name = layout == CLNN_BIAS_PER_ROW ? "bias_act_rows" : "bias_act_cols";
    cl_kernel k;
    clnn_status st = clnn_kernel_get(ctx, "epilogue.cl", options, name, &k);
    if (st != CLNN_SUCCESS) return st;

    /* Without a bias the kernel never reads it; any valid buffer satisfies the API. */
    cl_mem bias_arg = bias ? bias : y;
    cl_ulong yo = y_offset / 4, bo = bias_offset / 4, r = rows, c = channels ? channels : 1,
             n = inner;
    if (layout == CLNN_BIAS_PER_ROW)
        st = clnn_set_args(k, CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(bias_arg), CLNN_ARG(bo),
                           CLNN_ARG(r), CLNN_ARG(c), CLNN_ARG(n), CLNN_ARG(alpha),
                           CLNN_ARG(beta));
    else
        st = clnn_set_args(k, CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(bias_arg), CLNN_ARG(bo),
                           CLNN_ARG(r), CLNN_ARG(n), CLNN_ARG(alpha), CLNN_ARG(beta));
    if (st != CLNN_SUCCESS) return st;
    size_t vec = ctx->vector_width;
    return clnn_enqueue_1d(ctx, k, rows * ((inner + vec - 1) / vec));
}
