/* Softmax and log-softmax along one axis (kernels in cl/softmax.cl). */
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

/* Rows at least this long (with inner == 1) get a work-group each; shorter rows,
 * and other axes, a work-item per VEC neighbouring columns (inner positions). */
#define ROW_KERNEL_MIN_LEN 128

/* The tensor seen as [outer, len, inner] around the softmax axis. */
typedef struct softmax_plan {
    cl_ulong outer, len, inner;
    int rows; /* 1: a work-group per row */
} softmax_plan;

static clnn_status plan_make(const char *fn, clnn_softmax_mode mode,
                             int axis, const clnn_tensor_desc *desc, softmax_plan *plan)
{
    if (mode != CLNN_SOFTMAX && mode != CLNN_LOG_SOFTMAX)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown mode %d", fn, (int)mode);
    if (axis < -desc->rank || axis >= desc->rank || desc->rank == 0) {
        char shape[128];
        clnn_format_shape(desc, shape, sizeof shape);
        return clnn_fail(CLNN_INVALID_VALUE, "%s: axis %d is out of range for shape %s", fn,
                         axis, shape);
    }
    int a = axis < 0 ? axis + desc->rank : axis;
    plan->outer = plan->inner = 1;
    for (int i = 0; i < a; i++) plan->outer *= (cl_ulong)desc->dims[i];
    for (int i = a + 1; i < desc->rank; i++) plan->inner *= (cl_ulong)desc->dims[i];
    plan->len = (cl_ulong)desc->dims[a];
    plan->rows = plan->inner == 1 && plan->len >= ROW_KERNEL_MIN_LEN;
    return CLNN_SUCCESS;
}

/* Contiguous rows on a device whose local memory is emulated (a CPU): one
 * work-item per row, vectorized along it, with no barriers; a work-group's items
 * run as a loop on one core there, so the group reductions cost more than the
 * row. PoCL and rusticl take this kernel, oclgrind (dedicated local memory) the
 * work-group one, so the suite covers both. */
static int row_per_item(clnn_context_t ctx, const softmax_plan *plan)
{
    return plan->inner == 1 && !ctx->info.local_mem_is_real;
}

static clnn_status plan_kernel(clnn_context_t ctx, const softmax_plan *plan,
                               clnn_softmax_mode mode, const char *direction, cl_kernel *k)
{
    char options[96], name[64];
    snprintf(options, sizeof options, "-DVEC=%u -DLOG=%d -DWG=%zu",
             ctx->vector_width, mode == CLNN_LOG_SOFTMAX, ctx->local_size);
    const char *kind = row_per_item(ctx, plan) ? "row_each" : plan->rows ? "rows" : "strided";
    snprintf(name, sizeof name, "softmax_%s_%s", kind, direction);
    return clnn_kernel_get(ctx, "softmax.cl", options, name, k);
}

static clnn_status plan_launch(clnn_context_t ctx, const softmax_plan *plan, cl_kernel k)
{
    /* row_each: a work-item per row; rows: a work-group per row; strided: a
     * work-item per VEC columns */
    size_t vec = ctx->vector_width;
    size_t items = row_per_item(ctx, plan) ? (size_t)plan->outer
                   : plan->rows            ? (size_t)plan->outer * ctx->local_size
                   : (size_t)plan->outer * (((size_t)plan->inner + vec - 1) / vec);
    return clnn_enqueue_1d(ctx, k, items);
}

clnn_status clnn_softmax_forward(clnn_context_t ctx, clnn_softmax_mode mode, int axis,
                                 const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                 const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset)
{
    static const char fn[] = "clnn_softmax_forward";
    softmax_plan p;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, "x", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y", NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(x_desc, y_desc, fn, "x", "y");
    if (st == CLNN_SUCCESS) st = plan_make(fn, mode, axis, x_desc, &p);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = plan_kernel(ctx, &p, mode, "forward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_offset / 4, yo = y_offset / 4;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(y), CLNN_ARG(yo),
                       CLNN_ARG(p.outer), CLNN_ARG(p.len), CLNN_ARG(p.inner));
    return st == CLNN_SUCCESS ? plan_launch(ctx, &p, k) : st;
}

clnn_status clnn_softmax_backward(clnn_context_t ctx, clnn_softmax_mode mode, int axis,
                                  const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                                  const clnn_tensor_desc *dy_desc, cl_mem dy,
                                  size_t dy_offset, const clnn_tensor_desc *dx_desc,
                                  cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_softmax_backward";
    softmax_plan p;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, dy_desc, CLNN_FLOAT32, dy, dy_offset, fn, "dy", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, dx_desc, CLNN_FLOAT32, dx, dx_offset, fn, "dx", NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(y_desc, dy_desc, fn, "y", "dy");
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(y_desc, dx_desc, fn, "y", "dx");
    if (st == CLNN_SUCCESS) st = plan_make(fn, mode, axis, y_desc, &p);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = plan_kernel(ctx, &p, mode, "backward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong yo = y_offset / 4, dyo = dy_offset / 4, dxo = dx_offset / 4;
    st = clnn_set_args(k, CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(dy), CLNN_ARG(dyo), CLNN_ARG(dx),
                       CLNN_ARG(dxo), CLNN_ARG(p.outer), CLNN_ARG(p.len), CLNN_ARG(p.inner));
    return st == CLNN_SUCCESS ? plan_launch(ctx, &p, k) : st;
}
