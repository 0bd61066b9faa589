/* Layer normalization and RMS normalization (kernels in cl/layernorm.cl). Both
 * share the kernels: RMS is the -DRMS=1 build, with no mean and no bias. */
#include "../core/check.h"
#include "../core/program.h"

#include <math.h>
#include <stdio.h>

/* x seen as [rows, len] around `axis`. */
typedef struct ln_plan {
    cl_ulong rows, len;
    int axis; /* resolved, 0 .. rank-1 */
} ln_plan;

/* An operand as the kernels take it: buffer and offset in elements. A missing
 * optional operand is passed as `stand_in` (never read: the build options or a
 * flag say so). */
typedef struct ln_arg {
    cl_mem buf;
    cl_ulong off;
} ln_arg;

static ln_arg arg_of(cl_mem buf, size_t offset, cl_mem stand_in)
{
    ln_arg a = {buf ? buf : stand_in, buf ? offset / 4 : 0};
    return a;
}

static clnn_status plan_make(clnn_context_t ctx, const char *fn, int axis,
                             const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                             ln_plan *p)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, "x", NULL);
    if (st != CLNN_SUCCESS) return st;
    if (x_desc->rank == 0 || axis < -x_desc->rank || axis >= x_desc->rank) {
        char shape[128];
        clnn_format_shape(x_desc, shape, sizeof shape);
        return clnn_fail(CLNN_INVALID_VALUE, "%s: axis %d is out of range for x of shape %s",
                         fn, axis, shape);
    }
    p->axis = axis < 0 ? axis + x_desc->rank : axis;
    p->rows = p->len = 1;
    for (int i = 0; i < x_desc->rank; i++) {
        if (i < p->axis) p->rows *= (cl_ulong)x_desc->dims[i];
        else p->len *= (cl_ulong)x_desc->dims[i];
    }
    return CLNN_SUCCESS;
}

/* A tensor operand of x's shape. */
static clnn_status check_like_x(clnn_context_t ctx, const char *fn,
                                const clnn_tensor_desc *x_desc, const clnn_tensor_desc *desc,
                                cl_mem buf, size_t offset, const char *name)
{
    clnn_status st = clnn_check_operand(ctx, desc, CLNN_FLOAT32, buf, offset, fn, name, NULL);
    return st == CLNN_SUCCESS ? clnn_check_same_shape(x_desc, desc, fn, "x", name) : st;
}

/* scale / bias / dscale / dbias: the normalized shape x.dims[axis..]. */
static clnn_status check_param(clnn_context_t ctx, const char *fn, const clnn_tensor_desc *x_desc,
                               const ln_plan *p, const clnn_tensor_desc *desc, cl_mem buf,
                               size_t offset, const char *name)
{
    if (!buf) return CLNN_SUCCESS;
    if (!desc)
        return clnn_fail(CLNN_NULL_POINTER, "%s: param_desc is NULL but %s is given", fn, name);
    clnn_status st = clnn_check_operand(ctx, desc, CLNN_FLOAT32, buf, offset, fn, name, NULL);
    if (st != CLNN_SUCCESS) return st;
    int ok = desc->rank == x_desc->rank - p->axis;
    for (int i = 0; ok && i < desc->rank; i++) ok = desc->dims[i] == x_desc->dims[p->axis + i];
    if (ok) return CLNN_SUCCESS;
    char want[128], got[128];
    clnn_format_shape(x_desc, want, sizeof want);
    clnn_format_shape(desc, got, sizeof got);
    return clnn_fail(CLNN_SHAPE_MISMATCH,
                     "%s: %s has shape %s, but must be the normalized shape (dims %d.. of x %s)",
                     fn, name, got, p->axis, want);
}

/* mean / inv_std / inv_rms: `rows` float32 values; `required` makes NULL an error. */
static clnn_status check_stat(clnn_context_t ctx, const char *fn, const ln_plan *p,
                              const clnn_tensor_desc *desc, cl_mem buf, size_t offset,
                              const char *name, int required)
{
    if (!buf && !required) return CLNN_SUCCESS;
    if (!buf) return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, name);
    size_t count;
    clnn_status st = clnn_check_operand(ctx, desc, CLNN_FLOAT32, buf, offset, fn, name, &count);
    if (st == CLNN_SUCCESS && count != p->rows)
        st = clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has %zu elements, x has %llu rows", fn, name,
                       count, (unsigned long long)p->rows);
    return st;
}

static clnn_status get_kernel(clnn_context_t ctx, const char *name, int rms, int scale, int bias,
                              cl_kernel *k)
{
    char options[128];
    snprintf(options, sizeof options,
             "-DVEC=%u -DWG=%zu -DRMS=%d -DSCALE=%d -DBIAS=%d", ctx->vector_width,
             ctx->local_size, rms, scale, bias);
    return clnn_kernel_get(ctx, "layernorm.cl", options, name, k);
}

/* The shared forward; `bias`/`mean` are NULL for RMS. */
static clnn_status norm_forward(clnn_context_t ctx, const char *fn, int rms, int axis,
                                float epsilon, const clnn_tensor_desc *x_desc, cl_mem x,
                                size_t x_offset, const clnn_tensor_desc *param_desc,
                                cl_mem scale, size_t scale_offset, cl_mem bias,
                                size_t bias_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                                size_t y_offset, const clnn_tensor_desc *stat_desc, cl_mem mean,
                                size_t mean_offset, cl_mem inv, size_t inv_offset)
{
    ln_plan p;
    clnn_status st = plan_make(ctx, fn, axis, x_desc, x, x_offset, &p);
    if (st == CLNN_SUCCESS && !(epsilon > 0.0f))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: epsilon is %g (must be > 0)", fn, (double)epsilon);
    if (st == CLNN_SUCCESS) st = check_like_x(ctx, fn, x_desc, y_desc, y, y_offset, "y");
    if (st == CLNN_SUCCESS)
        st = check_param(ctx, fn, x_desc, &p, param_desc, scale, scale_offset, "scale");
    if (st == CLNN_SUCCESS)
        st = check_param(ctx, fn, x_desc, &p, param_desc, bias, bias_offset, "bias");
    if (st == CLNN_SUCCESS)
        st = check_stat(ctx, fn, &p, stat_desc, mean, mean_offset, "mean", 0);
    if (st == CLNN_SUCCESS)
        st = check_stat(ctx, fn, &p, stat_desc, inv, inv_offset, rms ? "inv_rms" : "inv_std", 0);
    /* see norm_forward_rows in cl/layernorm.cl for why CPUs get their own kernel;
     * the suite covers both: PoCL and rusticl take the per-row kernels, oclgrind
     * (dedicated local memory) the work-group ones */
    int per_row = !ctx->info.local_mem_is_real;
    cl_kernel k;
    if (st == CLNN_SUCCESS)
        st = get_kernel(ctx, per_row ? "norm_forward_rows" : "norm_forward", rms, scale != NULL,
                        bias != NULL, &k);
    if (st != CLNN_SUCCESS) return st;
    ln_arg xa = arg_of(x, x_offset, x), sa = arg_of(scale, scale_offset, x),
           ba = arg_of(bias, bias_offset, x), ya = arg_of(y, y_offset, x),
           ma = arg_of(mean, mean_offset, y), ia = arg_of(inv, inv_offset, y);
    cl_int wm = mean != NULL, wi = inv != NULL;
    st = clnn_set_args(k, CLNN_ARG(xa.buf), CLNN_ARG(xa.off), CLNN_ARG(sa.buf), CLNN_ARG(sa.off),
                       CLNN_ARG(ba.buf), CLNN_ARG(ba.off), CLNN_ARG(ya.buf), CLNN_ARG(ya.off),
                       CLNN_ARG(ma.buf), CLNN_ARG(ma.off), CLNN_ARG(ia.buf), CLNN_ARG(ia.off),
                       CLNN_ARG(wm), CLNN_ARG(wi), CLNN_ARG(p.len), CLNN_ARG(epsilon),
                       CLNN_ARG(p.rows));
    if (st != CLNN_SUCCESS) return st;
    return clnn_enqueue_1d(ctx, k, (size_t)p.rows * (per_row ? 1 : ctx->local_size));
}

/* The operands of a backward call: buffers (NULL when absent) and byte offsets. */
typedef struct ln_operand {
    cl_mem buf;
    size_t offset;
} ln_operand;

typedef struct ln_backward {
    const clnn_tensor_desc *x_desc, *dy_desc, *param_desc, *stat_desc, *dx_desc;
    ln_operand x, dy, scale, mean, inv, dx, dscale, dbias;
} ln_backward;

static clnn_status check_backward(clnn_context_t ctx, const char *fn, int rms, int axis,
                                  const ln_backward *b, ln_plan *p)
{
    clnn_status st = plan_make(ctx, fn, axis, b->x_desc, b->x.buf, b->x.offset, p);
    if (st == CLNN_SUCCESS)
        st = check_like_x(ctx, fn, b->x_desc, b->dy_desc, b->dy.buf, b->dy.offset, "dy");
    if (st == CLNN_SUCCESS && b->dx.buf)
        st = check_like_x(ctx, fn, b->x_desc, b->dx_desc, b->dx.buf, b->dx.offset, "dx");
    const ln_operand *params[3] = {&b->scale, &b->dscale, &b->dbias};
    static const char *const names[3] = {"scale", "dscale", "dbias"};
    for (int i = 0; i < 3 && st == CLNN_SUCCESS; i++)
        st = check_param(ctx, fn, b->x_desc, p, b->param_desc, params[i]->buf, params[i]->offset,
                         names[i]);
    if (st == CLNN_SUCCESS && !rms)
        st = check_stat(ctx, fn, p, b->stat_desc, b->mean.buf, b->mean.offset, "mean", 1);
    if (st == CLNN_SUCCESS)
        st = check_stat(ctx, fn, p, b->stat_desc, b->inv.buf, b->inv.offset,
                        rms ? "inv_rms" : "inv_std", 1);
    return st;
}

static clnn_status norm_backward(clnn_context_t ctx, const char *fn, int rms, int axis,
                                 const ln_backward *b)
{
    ln_plan p;
    clnn_status st = check_backward(ctx, fn, rms, axis, b, &p);
    int per_row = !ctx->info.local_mem_is_real; /* as in norm_forward */
    cl_kernel kd = NULL, kp = NULL;
    if (st == CLNN_SUCCESS && b->dx.buf)
        st = get_kernel(ctx, per_row ? "norm_backward_data_rows" : "norm_backward_data", rms,
                        b->scale.buf != NULL, 0, &kd);
    if (st == CLNN_SUCCESS && (b->dscale.buf || b->dbias.buf))
        st = get_kernel(ctx, "norm_backward_params", rms, 0, 0, &kp);
    if (st != CLNN_SUCCESS) return st;
    cl_mem any = b->x.buf;
    ln_arg x = arg_of(any, b->x.offset, any), dy = arg_of(b->dy.buf, b->dy.offset, any),
           mean = arg_of(b->mean.buf, b->mean.offset, any),
           inv = arg_of(b->inv.buf, b->inv.offset, any);
    /* dx may alias dy, so the parameter gradients (which read dy) go first */
    if (kp) {
        ln_arg ds = arg_of(b->dscale.buf, b->dscale.offset, b->dy.buf),
               db = arg_of(b->dbias.buf, b->dbias.offset, b->dy.buf);
        cl_int want_ds = b->dscale.buf != NULL, want_db = b->dbias.buf != NULL;
        st = clnn_set_args(kp, CLNN_ARG(x.buf), CLNN_ARG(x.off), CLNN_ARG(dy.buf),
                           CLNN_ARG(dy.off), CLNN_ARG(mean.buf), CLNN_ARG(mean.off),
                           CLNN_ARG(inv.buf), CLNN_ARG(inv.off), CLNN_ARG(ds.buf),
                           CLNN_ARG(ds.off), CLNN_ARG(db.buf), CLNN_ARG(db.off),
                           CLNN_ARG(want_ds), CLNN_ARG(want_db), CLNN_ARG(p.rows),
                           CLNN_ARG(p.len));
        size_t chunks = ((size_t)p.len + ctx->vector_width - 1) / ctx->vector_width;
        if (st == CLNN_SUCCESS) st = clnn_enqueue_1d(ctx, kp, chunks * ctx->local_size);
    }
    if (kd && st == CLNN_SUCCESS) {
        ln_arg sc = arg_of(b->scale.buf, b->scale.offset, any),
               dx = arg_of(b->dx.buf, b->dx.offset, any);
        st = clnn_set_args(kd, CLNN_ARG(x.buf), CLNN_ARG(x.off), CLNN_ARG(dy.buf),
                           CLNN_ARG(dy.off), CLNN_ARG(sc.buf), CLNN_ARG(sc.off),
                           CLNN_ARG(mean.buf), CLNN_ARG(mean.off), CLNN_ARG(inv.buf),
                           CLNN_ARG(inv.off), CLNN_ARG(dx.buf), CLNN_ARG(dx.off),
                           CLNN_ARG(p.len), CLNN_ARG(p.rows));
        if (st == CLNN_SUCCESS)
            st = clnn_enqueue_1d(ctx, kd, (size_t)p.rows * (per_row ? 1 : ctx->local_size));
    }
    return st;
}

clnn_status clnn_layernorm_forward(
    clnn_context_t ctx, int axis, float epsilon, const clnn_tensor_desc *x_desc, cl_mem x,
    size_t x_offset, const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    cl_mem bias, size_t bias_offset, const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *stat_desc, cl_mem mean, size_t mean_offset, cl_mem inv_std,
    size_t inv_std_offset)
{
    return norm_forward(ctx, "clnn_layernorm_forward", 0, axis, epsilon, x_desc, x, x_offset,
                        param_desc, scale, scale_offset, bias, bias_offset, y_desc, y, y_offset,
                        stat_desc, mean, mean_offset, inv_std, inv_std_offset);
}

clnn_status clnn_rmsnorm_forward(clnn_context_t ctx, int axis, float epsilon,
                                 const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                 const clnn_tensor_desc *param_desc, cl_mem scale,
                                 size_t scale_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                                 size_t y_offset, const clnn_tensor_desc *stat_desc,
                                 cl_mem inv_rms, size_t inv_rms_offset)
{
    return norm_forward(ctx, "clnn_rmsnorm_forward", 1, axis, epsilon, x_desc, x, x_offset,
                        param_desc, scale, scale_offset, NULL, 0, y_desc, y, y_offset, stat_desc,
                        NULL, 0, inv_rms, inv_rms_offset);
}

clnn_status clnn_layernorm_backward(
    clnn_context_t ctx, int axis, const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    const clnn_tensor_desc *stat_desc, cl_mem mean, size_t mean_offset, cl_mem inv_std,
    size_t inv_std_offset, const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset,
    cl_mem dscale, size_t dscale_offset, cl_mem dbias, size_t dbias_offset)
{
    ln_backward b = {x_desc, dy_desc, param_desc, stat_desc, dx_desc,
                     {x, x_offset}, {dy, dy_offset}, {scale, scale_offset},
                     {mean, mean_offset}, {inv_std, inv_std_offset}, {dx, dx_offset},
                     {dscale, dscale_offset}, {dbias, dbias_offset}};
    return norm_backward(ctx, "clnn_layernorm_backward", 0, axis, &b);
}

clnn_status clnn_rmsnorm_backward(
    clnn_context_t ctx, int axis, const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    const clnn_tensor_desc *stat_desc, cl_mem inv_rms, size_t inv_rms_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset, cl_mem dscale,
    size_t dscale_offset)
{
    ln_backward b = {x_desc, dy_desc, param_desc, stat_desc, dx_desc,
                     {x, x_offset}, {dy, dy_offset}, {scale, scale_offset},
                     {NULL, 0}, {inv_rms, inv_rms_offset}, {dx, dx_offset},
                     {dscale, dscale_offset}, {NULL, 0}};
    return norm_backward(ctx, "clnn_rmsnorm_backward", 1, axis, &b);
}
