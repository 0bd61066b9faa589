/* Reductions (kernels in cl/reduce.cl): a plan splits x's axes into kept and
 * reduced groups; short reductions run one work-item per output, long ones one
 * work-group per output. */
#include "reduce.h"
#include "tensor_ops.h"
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

#define OP_ARGMAX_FIRST 3
#define OP_ARGMAX_LAST 4

void clnn_reduce_plan_make(const int64_t *dims, int rank, const bool *reduced,
                           clnn_reduce_plan *plan)
{
    int g = 0;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 1) continue;
        if (g > 0 && plan->greduced[g - 1] == reduced[i]) {
            plan->gdims[g - 1] *= (size_t)dims[i];
        } else {
            plan->gdims[g] = (size_t)dims[i];
            plan->greduced[g++] = reduced[i];
        }
    }
    plan->grank = g;
    plan->krank = plan->rrank = 0;
    plan->nout = plan->red = 1;
    size_t stride = 1;
    for (int i = g - 1; i >= 0; i--) {
        if (plan->greduced[i]) {
            plan->rdims[plan->rrank] = plan->gdims[i];
            plan->rstr[plan->rrank++] = stride;
            plan->red *= plan->gdims[i];
        } else {
            plan->kdims[plan->krank] = plan->gdims[i];
            plan->kstr[plan->krank++] = stride;
            plan->nout *= plan->gdims[i];
        }
        stride *= plan->gdims[i];
    }
    /* Filled from the innermost group outwards: put them in row-major order. */
    for (int i = 0; i < plan->krank / 2; i++) {
        int j = plan->krank - 1 - i;
        size_t d = plan->kdims[i], s = plan->kstr[i];
        plan->kdims[i] = plan->kdims[j], plan->kstr[i] = plan->kstr[j];
        plan->kdims[j] = d, plan->kstr[j] = s;
    }
    for (int i = 0; i < plan->rrank / 2; i++) {
        int j = plan->rrank - 1 - i;
        size_t d = plan->rdims[i], s = plan->rstr[i];
        plan->rdims[i] = plan->rdims[j], plan->rstr[i] = plan->rstr[j];
        plan->rdims[j] = d, plan->rstr[j] = s;
    }
}

/* The plan as the kernels' (nout, red, kdims, kstr, rdims, rstr) arguments. */
typedef struct plan_args {
    cl_ulong nout, red;
    cl_ulong8 kd, ks, rd, rs;
} plan_args;

static plan_args pack_plan(const clnn_reduce_plan *plan)
{
    plan_args a = {plan->nout, plan->red, clnn_pack_ulong8(plan->kdims, plan->krank, 1),
                   clnn_pack_ulong8(plan->kstr, plan->krank, 0),
                   clnn_pack_ulong8(plan->rdims, plan->rrank, 1),
                   clnn_pack_ulong8(plan->rstr, plan->rrank, 0)};
    return a;
}
#define PLAN_ARGS(a)                                                                  \
    CLNN_ARG((a).nout), CLNN_ARG((a).red), CLNN_ARG((a).kd), CLNN_ARG((a).ks),        \
        CLNN_ARG((a).rd), CLNN_ARG((a).rs)

/* The largest power of two not above the context's local size. */
static size_t group_size(clnn_context_t ctx)
{
    size_t l = 1;
    while (l * 2 <= ctx->local_size) l *= 2;
    return l;
}

/* Kernel `name` of reduce.cl specialised for `op` and the plan's ranks. */
static clnn_status plan_kernel(clnn_context_t ctx, int op, const clnn_reduce_plan *plan,
                               const char *name, cl_kernel *k)
{
    char options[96];
    snprintf(options, sizeof options,
             "-DKRANK=%d -DRRANK=%d -DOP=%d -DLOCAL=%zu -DVEC=%u -DIDX=%s", plan->krank,
             plan->rrank, op, group_size(ctx), ctx->vector_width,
             clnn_index_type(plan->nout * plan->red));
    return clnn_kernel_get(ctx, "reduce.cl", options, name, k);
}

/* Work-groups per output slice: several only when few outputs have long slices
 * (then a second pass combines them), so that all compute units take part. */
static size_t chunk_count(const clnn_reduce_plan *plan)
{
    if (plan->nout >= 256 || plan->red < 65536) return 1;
    size_t chunks = plan->red / 16384, cap = 1024 / plan->nout;
    return chunks < cap ? chunks : cap;
}

/* One pass: y (nout * chunks values) = op of x per plan, times `scale` for sums. */
static clnn_status run_reduce(clnn_context_t ctx, int op, const clnn_reduce_plan *plan, cl_mem x,
                              size_t x_off, cl_mem y, size_t y_off, float scale, size_t chunks)
{
    /* A work-group per output pays off when a slice is long and contiguous (the
     * group reads it in unit steps), or when there are too few outputs to keep the
     * device busy. Otherwise neighbouring work-items read neighbouring kept
     * elements, which is the better access pattern. */
    bool contiguous = plan->rrank > 0 && plan->rstr[plan->rrank - 1] == 1;
    bool groups = chunks > 1 || (op < OP_ARGMAX_FIRST && plan->red >= 64 &&
                                 (plan->nout < 256 || (contiguous && plan->red >= 1024)));
    /* Without groups, a contiguous kept innermost axis at least a vector wide is
     * read with vector loads, VEC outputs per work-item. */
    size_t vec = ctx->vector_width, inner = plan->krank ? plan->kdims[plan->krank - 1] : 0;
    bool cols = !groups && op < OP_ARGMAX_FIRST && inner >= vec &&
                plan->kstr[plan->krank - 1] == 1;
    const char *name = groups ? "reduce_groups" : cols ? "reduce_cols" : "reduce_lines";
    cl_kernel k;
    clnn_status st = plan_kernel(ctx, op, plan, name, &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = x_off, yo = y_off, nchunks = chunks, len = (plan->red + chunks - 1) / chunks;
    plan_args pa = pack_plan(plan);
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(y), CLNN_ARG(yo), PLAN_ARGS(pa),
                       CLNN_ARG(scale));
    if (st != CLNN_SUCCESS) return st;
    if (cols) return clnn_enqueue_1d(ctx, k, plan->nout / inner * ((inner + vec - 1) / vec));
    if (!groups) return clnn_enqueue_1d(ctx, k, plan->nout);
    cl_int err = clSetKernelArg(k, 11, sizeof nchunks, &nchunks);
    if (err == CL_SUCCESS) err = clSetKernelArg(k, 12, sizeof len, &len);
    if (err != CL_SUCCESS) return clnn_fail_cl(err, "clSetKernelArg");
    size_t local = group_size(ctx), global = plan->nout * chunks * local;
    return clnn_enqueue_nd(ctx, k, 1, &global, &local);
}

static float mean_scale(clnn_reduce_op op, const clnn_reduce_plan *plan)
{
    return op == CLNN_REDUCE_MEAN ? (float)(1.0 / (double)plan->red) : 1.0f;
}

clnn_status clnn_reduce_enqueue(clnn_context_t ctx, clnn_reduce_op op,
                                const clnn_reduce_plan *plan, cl_mem x, size_t x_off, cl_mem y,
                                size_t y_off)
{
    return run_reduce(ctx, (int)op, plan, x, x_off, y, y_off, mean_scale(op, plan), 1);
}

/* ------------------------------------------------------------ validation */

/* Resolves the axes (all when axis_count is 0) into `reduced` and checks keepdims;
 * `y_desc` receives the reduced shape with dtype `out_dtype`. */
static clnn_status resolve_axes(const char *fn, int axis_count, const int *axes, int keepdims,
                                const clnn_tensor_desc *x_desc, clnn_dtype out_dtype,
                                bool *reduced, clnn_tensor_desc *y_desc)
{
    int rank = x_desc->rank;
    if (axis_count < 0 || axis_count > rank)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: axis_count = %d is outside 0..%d", fn,
                         axis_count, rank);
    if (axis_count > 0 && !axes) return clnn_fail(CLNN_NULL_POINTER, "%s: axes is NULL", fn);
    if (keepdims != 0 && keepdims != 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: keepdims = %d (must be 0 or 1)", fn, keepdims);
    for (int i = 0; i < rank; i++) reduced[i] = axis_count == 0;
    for (int i = 0; i < axis_count; i++) {
        char name[32];
        snprintf(name, sizeof name, "axes[%d]", i);
        int a;
        clnn_status st = clnn_axis_resolve(axes[i], rank, false, fn, name, &a);
        if (st != CLNN_SUCCESS) return st;
        if (reduced[a])
            return clnn_fail(CLNN_INVALID_VALUE, "%s: axes[%d] = %d repeats axis %d", fn, i,
                             axes[i], a);
        reduced[a] = true;
    }
    *y_desc = *x_desc;
    y_desc->dtype = out_dtype;
    y_desc->rank = 0;
    for (int i = 0; i < rank; i++) {
        if (!reduced[i]) y_desc->dims[y_desc->rank++] = x_desc->dims[i];
        else if (keepdims) y_desc->dims[y_desc->rank++] = 1;
    }
    return CLNN_SUCCESS;
}

/* Checks ctx, x, the axes and keepdims, and the output operand (`out_name`, of
 * dtype `out_dtype`, shaped as the reduction of x); builds the plan. */
static clnn_status prepare(clnn_context_t ctx, const char *fn, int axis_count, const int *axes,
                           int keepdims, const clnn_tensor_desc *x_desc, cl_mem x,
                           size_t x_offset, const clnn_tensor_desc *out_desc, cl_mem out,
                           size_t out_offset, const char *out_name, clnn_dtype out_dtype,
                           clnn_reduce_plan *plan)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, "x", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, out_desc, (int)out_dtype, out, out_offset, fn, out_name,
                                NULL);
    bool reduced[CLNN_MAX_RANK];
    clnn_tensor_desc want;
    if (st == CLNN_SUCCESS)
        st = resolve_axes(fn, axis_count, axes, keepdims, x_desc, out_dtype, reduced, &want);
    if (st == CLNN_SUCCESS)
        st = clnn_check_same_shape(out_desc, &want, fn, out_name, "the reduced x");
    if (st == CLNN_SUCCESS) clnn_reduce_plan_make(x_desc->dims, x_desc->rank, reduced, plan);
    return st;
}

static clnn_status check_op(clnn_reduce_op op, const char *fn)
{
    if ((unsigned)op > CLNN_REDUCE_MAX)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown reduce op %d", fn, (int)op);
    return CLNN_SUCCESS;
}

/* ---------------------------------------------------------------- public */

clnn_status clnn_reduce_workspace_size(clnn_context_t ctx, clnn_reduce_op op, int axis_count,
                                       const int *axes, int keepdims,
                                       const clnn_tensor_desc *x_desc, size_t *bytes)
{
    static const char fn[] = "clnn_reduce_workspace_size";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_op(op, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(x_desc, CLNN_FLOAT32, fn, "x");
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    bool reduced[CLNN_MAX_RANK];
    clnn_tensor_desc y_desc;
    if (st == CLNN_SUCCESS)
        st = resolve_axes(fn, axis_count, axes, keepdims, x_desc, CLNN_FLOAT32, reduced, &y_desc);
    if (st != CLNN_SUCCESS) return st;
    clnn_reduce_plan plan;
    clnn_reduce_plan_make(x_desc->dims, x_desc->rank, reduced, &plan);
    size_t chunks = chunk_count(&plan);
    *bytes = chunks > 1 ? chunks * plan.nout * sizeof(float) : 0;
    return CLNN_SUCCESS;
}

clnn_status clnn_reduce_forward(clnn_context_t ctx, clnn_reduce_op op, int axis_count,
                                const int *axes, int keepdims, const clnn_tensor_desc *x_desc,
                                cl_mem x, size_t x_offset, const clnn_tensor_desc *y_desc,
                                cl_mem y, size_t y_offset, cl_mem workspace,
                                size_t workspace_size)
{
    static const char fn[] = "clnn_reduce_forward";
    clnn_reduce_plan plan;
    clnn_status st = check_op(op, fn);
    if (st == CLNN_SUCCESS)
        st = prepare(ctx, fn, axis_count, axes, keepdims, x_desc, x, x_offset, y_desc, y,
                     y_offset, "y", CLNN_FLOAT32, &plan);
    if (st != CLNN_SUCCESS) return st;
    size_t chunks = chunk_count(&plan), need = chunks > 1 ? chunks * plan.nout * 4 : 0;
    if (workspace_size < need)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE,
                         "%s: workspace_size %zu is below the %zu bytes needed", fn,
                         workspace_size, need);
    if (chunks == 1)
        return run_reduce(ctx, (int)op, &plan, x, x_offset / 4, y, y_offset / 4,
                          mean_scale(op, &plan), 1);
    st = clnn_check_buffer(ctx, workspace, 0, need, 4, fn, "workspace");
    /* Pass 1: partials per chunk into the workspace; pass 2 combines them (and
     * scales a mean by the full slice length). */
    if (st == CLNN_SUCCESS)
        st = run_reduce(ctx, (int)op, &plan, x, x_offset / 4, workspace, 0, 1.0f, chunks);
    if (st != CLNN_SUCCESS) return st;
    int64_t dims[2] = {(int64_t)plan.nout, (int64_t)chunks};
    bool reduced[2] = {false, true};
    clnn_reduce_plan second;
    clnn_reduce_plan_make(dims, 2, reduced, &second);
    return run_reduce(ctx, (int)op, &second, workspace, 0, y, y_offset / 4, mean_scale(op, &plan),
                      1);
}

static clnn_status max_backward(clnn_context_t ctx, const clnn_reduce_plan *plan, cl_mem x,
                                cl_ulong xo, cl_mem dy, cl_ulong dyo, cl_mem dx, cl_ulong dxo)
{
    cl_kernel k;
    clnn_status st = plan_kernel(ctx, CLNN_REDUCE_MAX, plan, "reduce_max_backward", &k);
    plan_args pa = pack_plan(plan);
    if (st == CLNN_SUCCESS)
        st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(dy), CLNN_ARG(dyo),
                           CLNN_ARG(dx), CLNN_ARG(dxo), PLAN_ARGS(pa));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, plan->nout) : st;
}

clnn_status clnn_reduce_backward(clnn_context_t ctx, clnn_reduce_op op, int axis_count,
                                 const int *axes, int keepdims, const clnn_tensor_desc *x_desc,
                                 cl_mem x, size_t x_offset, const clnn_tensor_desc *dy_desc,
                                 cl_mem dy, size_t dy_offset, const clnn_tensor_desc *dx_desc,
                                 cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_reduce_backward";
    clnn_reduce_plan plan;
    clnn_status st = check_op(op, fn);
    if (st == CLNN_SUCCESS)
        st = prepare(ctx, fn, axis_count, axes, keepdims, x_desc, x, x_offset, dy_desc, dy,
                     dy_offset, "dy", CLNN_FLOAT32, &plan);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, dx_desc, CLNN_FLOAT32, dx, dx_offset, fn, "dx", NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(dx_desc, x_desc, fn, "dx", "x");
    if (st != CLNN_SUCCESS) return st;
    if (op == CLNN_REDUCE_MAX)
        return max_backward(ctx, &plan, x, x_offset / 4, dy, dy_offset / 4, dx, dx_offset / 4);
    /* Broadcast dy over the groups: kept groups step through dy, reduced ones not. */
    size_t strides[CLNN_MAX_RANK], s = 1;
    for (int i = plan.grank - 1; i >= 0; i--) {
        strides[i] = plan.greduced[i] ? 0 : s;
        if (!plan.greduced[i]) s *= plan.gdims[i];
    }
    float scale = op == CLNN_REDUCE_MEAN ? (float)(1.0 / (double)plan.red) : 1.0f;
    return clnn_gather_strided(ctx, 4, plan.grank, plan.gdims, strides, dy, dy_offset / 4, dx,
                               dx_offset / 4, &scale);
}

clnn_status clnn_argmax_forward(clnn_context_t ctx, int axis, int keepdims,
                                int select_last_index, const clnn_tensor_desc *x_desc, cl_mem x,
                                size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                                size_t y_offset)
{
    static const char fn[] = "clnn_argmax_forward";
    clnn_reduce_plan plan;
    if (select_last_index != 0 && select_last_index != 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: select_last_index = %d (must be 0 or 1)", fn,
                         select_last_index);
    /* One axis; rank-0 x has none, which the axis check reports. */
    int rank = x_desc ? x_desc->rank : 0;
    clnn_status st = CLNN_SUCCESS;
    if (x_desc) {
        int a;
        st = clnn_axis_resolve(axis, rank, false, fn, "axis", &a);
    }
    if (st == CLNN_SUCCESS)
        st = prepare(ctx, fn, 1, &axis, keepdims, x_desc, x, x_offset, y_desc, y, y_offset, "y",
                     CLNN_INT64, &plan);
    int op = select_last_index ? OP_ARGMAX_LAST : OP_ARGMAX_FIRST;
    return st == CLNN_SUCCESS
               ? run_reduce(ctx, op, &plan, x, x_offset / 4, y, y_offset / 8, 1.0f, 1)
               : st;
}
