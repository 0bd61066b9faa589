/* Gradient clipping: by value (element-wise) and by global norm (sums of squares
 * per tensor into the workspace, one pass turning them into the norm and the
 * factor, then one scaling launch per tensor that reads the factor on the device). */
#include "train.h"
#include "elementwise.h"
#include "../core/check.h"
#include "../core/program.h"

#include <math.h>
#include <stdio.h>

static clnn_status optim_kernel(clnn_context_t ctx, const char *name, cl_kernel *k)
{
    char options[32];
    clnn_elementwise_options(ctx, options, sizeof options);
    return clnn_kernel_get(ctx, "optim.cl", options, name, k);
}

clnn_status clnn_clip_by_value(clnn_context_t ctx, float lo, float hi,
                               const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset)
{
    static const char fn[] = "clnn_clip_by_value";
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, "x", &n);
    if (st == CLNN_SUCCESS && !(lo <= hi))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: lo %g and hi %g need lo <= hi (no NaN)", fn,
                       lo, hi);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = optim_kernel(ctx, "clip_value", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_offset / 4, cnt = n;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(cnt), CLNN_ARG(lo), CLNN_ARG(hi));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

/* Work-items of the sum of squares each take at least 16 elements. */
static size_t norm_groups(clnn_context_t ctx, size_t n) { return clnn_train_groups(ctx, n, 16); }

/* Partials of every tensor, then the norm and the factor: floats. */
static clnn_status global_norm_floats(clnn_context_t ctx, int count,
                                      const clnn_tensor_desc *const *descs, const char *fn,
                                      size_t *floats)
{
    if (count < 1) return clnn_fail(CLNN_INVALID_VALUE, "%s: count %d must be >= 1", fn, count);
    if (!descs) return clnn_fail(CLNN_NULL_POINTER, "%s: descs is NULL", fn);
    size_t total = 2;
    for (int i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "descs[%d]", i);
        clnn_status st = clnn_check_desc(descs[i], CLNN_FLOAT32, fn, name);
        if (st != CLNN_SUCCESS) return st;
        total += norm_groups(ctx, clnn_desc_elements(descs[i]));
    }
    *floats = total;
    return CLNN_SUCCESS;
}

clnn_status clnn_clip_global_norm_workspace_size(clnn_context_t ctx, int count,
                                                 const clnn_tensor_desc *const *descs,
                                                 size_t *bytes)
{
    static const char fn[] = "clnn_clip_global_norm_workspace_size";
    size_t floats;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) st = global_norm_floats(ctx, count, descs, fn, &floats);
    if (st == CLNN_SUCCESS) *bytes = floats * sizeof(float);
    return st;
}

static clnn_status sumsq(clnn_context_t ctx, cl_mem x, size_t x_off, size_t n, cl_mem ws,
                         size_t ws_off)
{
    cl_kernel k;
    clnn_status st = clnn_train_kernel(ctx, "loss.cl", "", "sumsq_partials", &k);
    if (st != CLNN_SUCCESS) return st;
    size_t groups = norm_groups(ctx, n);
    cl_ulong xo = x_off / 4, cnt = n, per_group = (n + groups - 1) / groups, wo = ws_off;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(cnt), CLNN_ARG(per_group),
                       CLNN_ARG(ws), CLNN_ARG(wo));
    return st == CLNN_SUCCESS ? clnn_train_launch(ctx, k, groups) : st;
}

static clnn_status scale_by(clnn_context_t ctx, cl_mem x, size_t x_off, size_t n, cl_mem f,
                            size_t f_off)
{
    cl_kernel k;
    clnn_status st = optim_kernel(ctx, "scale_by", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_off / 4, cnt = n, fo = f_off;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(cnt), CLNN_ARG(f), CLNN_ARG(fo));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

clnn_status clnn_clip_by_global_norm(clnn_context_t ctx, float max_norm, int count,
                                     const clnn_tensor_desc *const *descs, const cl_mem *xs,
                                     const size_t *offsets, cl_mem workspace,
                                     size_t workspace_size, float *norm)
{
    static const char fn[] = "clnn_clip_by_global_norm";
    size_t floats = 0;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && (!(max_norm > 0.0f) || !isfinite(max_norm)))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: max_norm %g must be > 0 and finite", fn,
                       max_norm);
    if (st == CLNN_SUCCESS) st = global_norm_floats(ctx, count, descs, fn, &floats);
    if (st == CLNN_SUCCESS && !xs) st = clnn_fail(CLNN_NULL_POINTER, "%s: xs is NULL", fn);
    for (int i = 0; st == CLNN_SUCCESS && i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "xs[%d]", i);
        st = clnn_check_operand(ctx, descs[i], CLNN_FLOAT32, xs[i], offsets ? offsets[i] : 0,
                                fn, name, NULL);
    }
    if (st == CLNN_SUCCESS)
        st = clnn_train_check_workspace(ctx, workspace, workspace_size, floats * 4, fn);
    if (st != CLNN_SUCCESS) return st;

    size_t at = 0; /* next partial slot */
    for (int i = 0; st == CLNN_SUCCESS && i < count; i++) {
        size_t n = clnn_desc_elements(descs[i]);
        st = sumsq(ctx, xs[i], offsets ? offsets[i] : 0, n, workspace, at);
        at += norm_groups(ctx, n);
    }
    if (st == CLNN_SUCCESS) st = clnn_train_sum(ctx, workspace, 0, at, workspace, at, max_norm, 1);
    for (int i = 0; st == CLNN_SUCCESS && i < count; i++)
        st = scale_by(ctx, xs[i], offsets ? offsets[i] : 0, clnn_desc_elements(descs[i]),
                      workspace, at + 1);
    if (st == CLNN_SUCCESS && norm)
        st = clnn_buffer_read(ctx, workspace, at * sizeof(float), norm, sizeof *norm);
    return st;
}
