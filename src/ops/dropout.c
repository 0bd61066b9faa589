/* Dropout with a counter-based RNG (kernel in cl/dropout.cl): the mask is a pure
 * function of (seed, offset + element index), so backward recomputes it. */
#include "../core/check.h"
#include "../core/program.h"

#include <math.h>
#include <stdio.h>

/* y = x * mask * scale over one tensor; `keep_all` is inference mode / ratio 0. */
static clnn_status dropout_run(clnn_context_t ctx, const char *fn, const char *x_name,
                               const char *y_name, float ratio, int keep_all, uint64_t seed,
                               uint64_t offset, const clnn_tensor_desc *x_desc, cl_mem x,
                               size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                               size_t y_offset, const clnn_tensor_desc *mask_desc,
                               cl_mem mask, size_t mask_offset)
{
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !(ratio >= 0.0f && ratio < 1.0f))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: ratio %g is outside [0, 1)", fn, (double)ratio);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, x_name, &n);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, y_name, NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(x_desc, y_desc, fn, x_name, y_name);
    if (st == CLNN_SUCCESS && mask) {
        st = clnn_check_operand(ctx, mask_desc, CLNN_INT32, mask, mask_offset, fn, "mask",
                                NULL);
        if (st == CLNN_SUCCESS) st = clnn_check_same_shape(x_desc, mask_desc, fn, x_name, "mask");
    }
    if (st != CLNN_SUCCESS) return st;
    keep_all = keep_all || ratio == 0.0f;
    if (keep_all && !mask && x == y && x_offset == y_offset) return CLNN_SUCCESS;

    char options[64];
    snprintf(options, sizeof options, "-DVEC=%u -DMASK=%d -DKEEP_ALL=%d", ctx->vector_width,
             mask != NULL, keep_all);
    cl_kernel k;
    st = clnn_kernel_get(ctx, "dropout.cl", options, "dropout_apply", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_offset / 4, yo = y_offset / 4, mo = mask_offset / 4, count = n;
    cl_ulong base = offset;
    cl_uint key_lo = (cl_uint)seed, key_hi = (cl_uint)(seed >> 32);
    cl_uint threshold = (cl_uint)ceil((double)ratio * 16777216.0);
    cl_float scale = keep_all ? 1.0f : (cl_float)(1.0 / (1.0 - (double)ratio));
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(mask),
                       CLNN_ARG(mo), CLNN_ARG(count), CLNN_ARG(base), CLNN_ARG(key_lo),
                       CLNN_ARG(key_hi), CLNN_ARG(threshold), CLNN_ARG(scale));
    /* A work-item per VEC Philox blocks of four counters. */
    size_t blocks = (size_t)(offset % 4 + n + 3) / 4, vec = ctx->vector_width;
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, (blocks + vec - 1) / vec) : st;
}

clnn_status clnn_dropout_forward(clnn_context_t ctx, float ratio, int training, uint64_t seed,
                                 uint64_t offset, const clnn_tensor_desc *x_desc, cl_mem x,
                                 size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                                 size_t y_offset, const clnn_tensor_desc *mask_desc,
                                 cl_mem mask, size_t mask_offset)
{
    return dropout_run(ctx, "clnn_dropout_forward", "x", "y", ratio, !training, seed, offset,
                       x_desc, x, x_offset, y_desc, y, y_offset, mask_desc, mask, mask_offset);
}

clnn_status clnn_dropout_backward(clnn_context_t ctx, float ratio, uint64_t seed,
                                  uint64_t offset, const clnn_tensor_desc *dy_desc, cl_mem dy,
                                  size_t dy_offset, const clnn_tensor_desc *dx_desc, cl_mem dx,
                                  size_t dx_offset)
{
    return dropout_run(ctx, "clnn_dropout_backward", "dy", "dx", ratio, 0, seed, offset,
                       dy_desc, dy, dy_offset, dx_desc, dx, dx_offset, NULL, NULL, 0);
}
