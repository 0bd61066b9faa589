/* Losses and metrics (kernels in cl/loss.cl): one launch reduces the rows of the
 * batch, each work-group into one partial sum; with more than one group a second
 * single-group launch adds the partials kept in the workspace. */
#include "train.h"
#include "../core/check.h"
#include "../core/program.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Metric kinds of loss.cl beside the clnn_loss values. */
#define KIND_ACCURACY 16
#define KIND_BINARY_ACCURACY 17

size_t clnn_train_local(clnn_context_t ctx)
{
    size_t local = 1;
    while (local * 2 <= ctx->local_size) local *= 2;
    return local;
}

size_t clnn_train_groups(clnn_context_t ctx, size_t items, size_t per_item)
{
    size_t per_group = clnn_train_local(ctx) * per_item;
    size_t groups = (items + per_group - 1) / per_group;
    return CLNN_MAX((size_t)1, CLNN_MIN(groups, (size_t)CLNN_TRAIN_MAX_GROUPS));
}

clnn_status clnn_train_kernel(clnn_context_t ctx, const char *source, const char *extra,
                              const char *name, cl_kernel *kernel)
{
    char options[128];
    snprintf(options, sizeof options, "-DVEC=%u -DLOCAL=%zu %s", ctx->vector_width,
             clnn_train_local(ctx), extra);
    return clnn_kernel_get(ctx, source, options, name, kernel);
}

clnn_status clnn_train_launch(clnn_context_t ctx, cl_kernel kernel, size_t groups)
{
    size_t local = clnn_train_local(ctx), global = groups * local;
    return clnn_enqueue_nd(ctx, kernel, 1, &global, &local);
}

clnn_status clnn_train_sum(clnn_context_t ctx, cl_mem partials, size_t p_off, size_t n,
                           cl_mem out, size_t out_off, float scale, int norm)
{
    cl_kernel k;
    clnn_status st = clnn_train_kernel(ctx, "loss.cl", "", "sum_partials", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong po = p_off, count = n, oo = out_off;
    cl_int nm = norm;
    st = clnn_set_args(k, CLNN_ARG(partials), CLNN_ARG(po), CLNN_ARG(count), CLNN_ARG(out),
                       CLNN_ARG(oo), CLNN_ARG(scale), CLNN_ARG(nm));
    return st == CLNN_SUCCESS ? clnn_train_launch(ctx, k, 1) : st;
}

clnn_status clnn_train_check_workspace(clnn_context_t ctx, cl_mem workspace,
                                       size_t workspace_size, size_t need, const char *fn)
{
    if (need == 0) return CLNN_SUCCESS;
    if (workspace_size < need)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE,
                         "%s: workspace of %zu bytes is smaller than the %zu needed", fn,
                         workspace_size, need);
    return clnn_check_buffer(ctx, workspace, 0, need, 4, fn, "workspace");
}

/* ---------------------------------------------------------------- one batch */

typedef struct rows_job {
    int kind;
    cl_mem x, t, dx, out, ws;
    size_t x_off, t_off, dx_off, out_off; /* bytes */
    size_t rows, cols;
    float row_scale, grad_scale, aux;
} rows_job;

static size_t row_groups(clnn_context_t ctx, size_t rows)
{
    return clnn_train_groups(ctx, rows, 1);
}

static size_t rows_workspace(clnn_context_t ctx, size_t rows)
{
    size_t g = row_groups(ctx, rows);
    return g > 1 ? g * sizeof(float) : 0;
}

/* Enqueues the row pass (and the partials' sum when there is more than one group);
 * out = sum over rows of row_scale * value / (rows for losses, 1 for metrics). */
static clnn_status run_rows(clnn_context_t ctx, const rows_job *j, bool grad, float out_scale)
{
    char extra[48];
    snprintf(extra, sizeof extra, "-DKIND=%d -DGRAD=%d", j->kind, grad ? 1 : 0);
    cl_kernel k;
    clnn_status st = clnn_train_kernel(ctx, "loss.cl", extra, "loss_rows", &k);
    if (st != CLNN_SUCCESS) return st;
    size_t groups = row_groups(ctx, j->rows);
    cl_mem out = groups > 1 ? j->ws : j->out, dx = grad ? j->dx : j->x;
    cl_ulong xo = j->x_off / 4, to = j->t_off / 4, dxo = (grad ? j->dx_off : j->x_off) / 4;
    cl_ulong oo = groups > 1 ? 0 : j->out_off / 4, rows = j->rows, cols = j->cols;
    cl_ulong per_group = (j->rows + groups - 1) / groups;
    float scale = groups > 1 ? 1.0f : out_scale;
    st = clnn_set_args(k, CLNN_ARG(j->x), CLNN_ARG(xo), CLNN_ARG(j->t), CLNN_ARG(to),
                       CLNN_ARG(dx), CLNN_ARG(dxo), CLNN_ARG(out), CLNN_ARG(oo), CLNN_ARG(rows),
                       CLNN_ARG(cols), CLNN_ARG(per_group), CLNN_ARG(j->row_scale),
                       CLNN_ARG(j->grad_scale), CLNN_ARG(scale), CLNN_ARG(j->aux));
    if (st == CLNN_SUCCESS) st = clnn_train_launch(ctx, k, groups);
    if (st == CLNN_SUCCESS && groups > 1)
        st = clnn_train_sum(ctx, j->ws, 0, groups, j->out, j->out_off / 4, out_scale, 0);
    return st;
}

/* ---------------------------------------------------------------- checks */

static bool is_sparse(int kind)
{
    return kind == CLNN_LOSS_SPARSE_CE || kind == CLNN_LOSS_SPARSE_CE_LOGITS ||
           kind == KIND_ACCURACY;
}

/* pred: float32 of rank >= 1; rows and cols from it. */
static clnn_status check_pred(clnn_context_t ctx, const clnn_tensor_desc *d, cl_mem x,
                              size_t off, const char *fn, size_t *rows, size_t *cols)
{
    size_t n;
    clnn_status st = clnn_check_operand(ctx, d, CLNN_FLOAT32, x, off, fn, "pred", &n);
    if (st != CLNN_SUCCESS) return st;
    if (d->rank < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: pred must have rank >= 1 (classes last)",
                         fn);
    *cols = (size_t)d->dims[d->rank - 1];
    *rows = n / *cols;
    return CLNN_SUCCESS;
}

/* Labels: pred's shape without its last axis, or with a last axis of 1. */
static bool labels_fit(const clnn_tensor_desc *p, const clnn_tensor_desc *l)
{
    int lead = p->rank - 1;
    if (l->rank == p->rank) {
        if (l->dims[lead] != 1) return false;
    } else if (l->rank != lead) {
        return false;
    }
    for (int i = 0; i < lead; i++)
        if (l->dims[i] != p->dims[i]) return false;
    return true;
}

static clnn_status check_target(clnn_context_t ctx, int kind, const clnn_tensor_desc *pd,
                                const clnn_tensor_desc *td, cl_mem t, size_t off,
                                const char *fn, const char *name)
{
    bool sparse = is_sparse(kind);
    clnn_status st = clnn_check_operand(ctx, td, sparse ? CLNN_INT32 : CLNN_FLOAT32, t, off,
                                        fn, name, NULL);
    if (st != CLNN_SUCCESS) return st;
    if (!sparse) return clnn_check_same_shape(pd, td, fn, "pred", name);
    if (labels_fit(pd, td)) return CLNN_SUCCESS;
    char ps[96], ls[96];
    clnn_format_shape(pd, ps, sizeof ps);
    clnn_format_shape(td, ls, sizeof ls);
    return clnn_fail(CLNN_SHAPE_MISMATCH,
                     "%s: %s %s must be pred %s without its last axis (or with it as 1)", fn,
                     name, ls, ps);
}

/* Everything shared by the losses and metrics: context, pred, target, output
 * scalar, workspace. Fills the job's operands and sizes. */
static clnn_status check_batch(clnn_context_t ctx, int kind, const char *fn,
                               const char *tname, const clnn_tensor_desc *pd, cl_mem x,
                               size_t x_off, const clnn_tensor_desc *td, cl_mem t,
                               size_t t_off, const char *oname, cl_mem out, size_t out_off,
                               cl_mem ws, size_t ws_size, rows_job *j)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_pred(ctx, pd, x, x_off, fn, &j->rows, &j->cols);
    if (st == CLNN_SUCCESS) st = check_target(ctx, kind, pd, td, t, t_off, fn, tname);
    if (st == CLNN_SUCCESS) st = clnn_check_buffer(ctx, out, out_off, 4, 4, fn, oname);
    if (st == CLNN_SUCCESS)
        st = clnn_train_check_workspace(ctx, ws, ws_size, rows_workspace(ctx, j->rows), fn);
    j->kind = kind;
    j->x = x, j->x_off = x_off;
    j->t = t, j->t_off = t_off;
    j->out = out, j->out_off = out_off;
    j->ws = ws;
    j->dx = NULL, j->dx_off = 0;
    j->row_scale = 1.0f, j->grad_scale = 0.0f, j->aux = 0.0f;
    return st;
}

static clnn_status check_kind(clnn_loss kind, const char *fn)
{
    if ((unsigned)kind > CLNN_LOSS_SPARSE_CE_LOGITS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown loss kind %d", fn, (int)kind);
    return CLNN_SUCCESS;
}

/* Scales of a loss: per-element means divide by the row length too. */
static void loss_scales(rows_job *j)
{
    bool mean = j->kind == CLNN_LOSS_MSE || j->kind == CLNN_LOSS_BINARY_CE ||
                j->kind == CLNN_LOSS_BINARY_CE_LOGITS;
    double row = mean ? 1.0 / (double)j->cols : 1.0;
    j->row_scale = (float)row;
    j->grad_scale = (float)(row / (double)j->rows);
}

/* ---------------------------------------------------------------- public */

clnn_status clnn_loss_workspace_size(clnn_context_t ctx, const clnn_tensor_desc *pred_desc,
                                     size_t *bytes)
{
    static const char fn[] = "clnn_loss_workspace_size";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(pred_desc, CLNN_FLOAT32, fn, "pred");
    if (st == CLNN_SUCCESS && pred_desc->rank < 1)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: pred must have rank >= 1 (classes last)", fn);
    if (st == CLNN_SUCCESS && !bytes)
        st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st != CLNN_SUCCESS) return st;
    size_t rows = clnn_desc_elements(pred_desc) / (size_t)pred_desc->dims[pred_desc->rank - 1];
    *bytes = rows_workspace(ctx, rows);
    return CLNN_SUCCESS;
}

clnn_status clnn_loss_forward(clnn_context_t ctx, clnn_loss kind,
                              const clnn_tensor_desc *pred_desc, cl_mem pred,
                              size_t pred_offset, const clnn_tensor_desc *target_desc,
                              cl_mem target, size_t target_offset, cl_mem loss,
                              size_t loss_offset, cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_loss_forward";
    rows_job j;
    clnn_status st = check_kind(kind, fn);
    if (st == CLNN_SUCCESS)
        st = check_batch(ctx, kind, fn, "target", pred_desc, pred, pred_offset, target_desc,
                         target, target_offset, "loss", loss, loss_offset, workspace,
                         workspace_size, &j);
    if (st != CLNN_SUCCESS) return st;
    loss_scales(&j);
    return run_rows(ctx, &j, false, (float)(1.0 / (double)j.rows));
}

clnn_status clnn_loss_forward_backward(clnn_context_t ctx, clnn_loss kind,
                                       const clnn_tensor_desc *pred_desc, cl_mem pred,
                                       size_t pred_offset, const clnn_tensor_desc *target_desc,
                                       cl_mem target, size_t target_offset, cl_mem loss,
                                       size_t loss_offset, const clnn_tensor_desc *dpred_desc,
                                       cl_mem dpred, size_t dpred_offset, cl_mem workspace,
                                       size_t workspace_size)
{
    static const char fn[] = "clnn_loss_forward_backward";
    rows_job j;
    clnn_status st = check_kind(kind, fn);
    if (st == CLNN_SUCCESS)
        st = check_batch(ctx, kind, fn, "target", pred_desc, pred, pred_offset, target_desc,
                         target, target_offset, "loss", loss, loss_offset, workspace,
                         workspace_size, &j);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, dpred_desc, CLNN_FLOAT32, dpred, dpred_offset, fn, "dpred",
                                NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(pred_desc, dpred_desc, fn, "pred", "dpred");
    if (st != CLNN_SUCCESS) return st;
    loss_scales(&j);
    j.dx = dpred;
    j.dx_off = dpred_offset;
    return run_rows(ctx, &j, true, (float)(1.0 / (double)j.rows));
}

clnn_status clnn_loss_check_labels(clnn_context_t ctx, const clnn_tensor_desc *labels_desc,
                                   cl_mem labels, size_t labels_offset, int64_t classes)
{
    static const char fn[] = "clnn_loss_check_labels";
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, labels_desc, CLNN_INT32, labels, labels_offset, fn,
                                "labels", &n);
    if (st == CLNN_SUCCESS && classes < 1)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: classes %lld must be >= 1", fn,
                       (long long)classes);
    if (st != CLNN_SUCCESS) return st;
    int32_t *host = malloc(n * sizeof *host);
    if (!host) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: %zu labels", fn, n);
    st = clnn_buffer_read(ctx, labels, labels_offset, host, n * sizeof *host);
    for (size_t i = 0; st == CLNN_SUCCESS && i < n; i++)
        if (host[i] < 0 || host[i] >= classes)
            st = clnn_fail(CLNN_INVALID_VALUE, "%s: labels[%zu] = %d is outside [0, %lld)", fn,
                           i, (int)host[i], (long long)classes);
    free(host);
    return st;
}

clnn_status clnn_accuracy_forward(clnn_context_t ctx, const clnn_tensor_desc *pred_desc,
                                  cl_mem pred, size_t pred_offset,
                                  const clnn_tensor_desc *labels_desc, cl_mem labels,
                                  size_t labels_offset, cl_mem count, size_t count_offset,
                                  cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_accuracy_forward";
    rows_job j;
    clnn_status st = check_batch(ctx, KIND_ACCURACY, fn, "labels", pred_desc, pred,
                                 pred_offset, labels_desc, labels, labels_offset, "count",
                                 count, count_offset, workspace, workspace_size, &j);
    return st == CLNN_SUCCESS ? run_rows(ctx, &j, false, 1.0f) : st;
}

clnn_status clnn_binary_accuracy_forward(clnn_context_t ctx, float threshold,
                                         const clnn_tensor_desc *pred_desc, cl_mem pred,
                                         size_t pred_offset,
                                         const clnn_tensor_desc *target_desc, cl_mem target,
                                         size_t target_offset, cl_mem count,
                                         size_t count_offset, cl_mem workspace,
                                         size_t workspace_size)
{
    static const char fn[] = "clnn_binary_accuracy_forward";
    rows_job j;
    clnn_status st = check_batch(ctx, KIND_BINARY_ACCURACY, fn, "target", pred_desc, pred,
                                 pred_offset, target_desc, target, target_offset, "count",
                                 count, count_offset, workspace, workspace_size, &j);
    if (st == CLNN_SUCCESS && isnan(threshold))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: threshold is NaN", fn);
    if (st != CLNN_SUCCESS) return st;
    j.aux = threshold;
    return run_rows(ctx, &j, false, 1.0f);
}

clnn_status clnn_loss_read(clnn_context_t ctx, cl_mem buffer, size_t offset, float *value)
{
    static const char fn[] = "clnn_loss_read";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !value) st = clnn_fail(CLNN_NULL_POINTER, "%s: value is NULL", fn);
    if (st == CLNN_SUCCESS) st = clnn_check_buffer(ctx, buffer, offset, 4, 4, fn, "buffer");
    return st == CLNN_SUCCESS ? clnn_buffer_read(ctx, buffer, offset, value, sizeof *value) : st;
}
