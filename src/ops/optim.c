/* Optimizer updates (kernels in cl/optim.cl, one program variant per rule) and
 * the host-side learning-rate schedules. */
#include "../core/check.h"
#include "../core/program.h"
#include "elementwise.h"

#include <math.h>
#include <stdio.h>

clnn_optimizer_desc clnn_optimizer_default(clnn_optimizer_kind kind)
{
    clnn_optimizer_desc d = {kind, 0.001f, 0.0f, 0, 0.9f, 0.999f, 1e-7f, 0.0f};
    if (kind == CLNN_OPTIMIZER_SGD) d.lr = 0.01f;
    if (kind == CLNN_OPTIMIZER_ADAMW) d.weight_decay = 0.004f;
    return d;
}

static bool in_unit(float v) { return v >= 0.0f && v < 1.0f; } /* false for NaN */

static clnn_status check_desc(const clnn_optimizer_desc *d, const char *fn)
{
    if (!d) return clnn_fail(CLNN_NULL_POINTER, "%s: optimizer descriptor is NULL", fn);
    if ((unsigned)d->kind > CLNN_OPTIMIZER_ADAMW)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown optimizer kind %d", fn, (int)d->kind);
    if (!(d->lr > 0.0f) || !isfinite(d->lr))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: lr %g must be > 0 and finite", fn, d->lr);
    if (!(d->weight_decay >= 0.0f) || !isfinite(d->weight_decay))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: weight_decay %g must be >= 0 and finite", fn,
                         d->weight_decay);
    if (d->kind == CLNN_OPTIMIZER_SGD) {
        if (!in_unit(d->momentum))
            return clnn_fail(CLNN_INVALID_VALUE, "%s: momentum %g is outside [0, 1)", fn,
                             d->momentum);
        if (d->nesterov != 0 && d->nesterov != 1)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: nesterov %d is not 0 or 1", fn,
                             d->nesterov);
        return CLNN_SUCCESS;
    }
    if (!in_unit(d->beta1))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: beta1 %g is outside [0, 1)", fn, d->beta1);
    if (!in_unit(d->beta2))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: beta2 %g is outside [0, 1)", fn, d->beta2);
    if (!(d->eps > 0.0f) || !isfinite(d->eps))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: eps %g must be > 0 and finite", fn, d->eps);
    return CLNN_SUCCESS;
}

static int state_floats(const clnn_optimizer_desc *d)
{
    if (d->kind != CLNN_OPTIMIZER_SGD) return 2;
    return d->momentum > 0.0f ? 1 : 0;
}

clnn_status clnn_optimizer_state_size(const clnn_optimizer_desc *desc, int *floats_per_element)
{
    static const char fn[] = "clnn_optimizer_state_size";
    clnn_status st = check_desc(desc, fn);
    if (st == CLNN_SUCCESS && !floats_per_element)
        st = clnn_fail(CLNN_NULL_POINTER, "%s: floats_per_element is NULL", fn);
    if (st == CLNN_SUCCESS) *floats_per_element = state_floats(desc);
    return st;
}

/* Tensor i's operands: param, grad and (with state) its state range. */
static clnn_status check_tensor(clnn_context_t ctx, int i, int state,
                                const clnn_tensor_desc *d, cl_mem p, size_t po, cl_mem g,
                                size_t go, cl_mem s, size_t so, const char *fn, size_t *n)
{
    char name[32];
    snprintf(name, sizeof name, "param[%d]", i);
    clnn_status st = clnn_check_operand(ctx, d, CLNN_FLOAT32, p, po, fn, name, n);
    snprintf(name, sizeof name, "grad[%d]", i);
    if (st == CLNN_SUCCESS) st = clnn_check_operand(ctx, d, CLNN_FLOAT32, g, go, fn, name, NULL);
    snprintf(name, sizeof name, "state[%d]", i);
    if (st == CLNN_SUCCESS && state > 0)
        st = clnn_check_buffer(ctx, s, so, *n * 4 * (size_t)state, 4, fn, name);
    return st;
}

#define AT(arr, i) ((arr) ? (arr)[i] : 0)

clnn_status clnn_optimizer_step(clnn_context_t ctx, const clnn_optimizer_desc *desc,
                                int64_t step, int count,
                                const clnn_tensor_desc *const *param_descs, const cl_mem *params,
                                const size_t *param_offsets, const cl_mem *grads,
                                const size_t *grad_offsets, const cl_mem *states,
                                const size_t *state_offsets)
{
    static const char fn[] = "clnn_optimizer_step";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_desc(desc, fn);
    if (st != CLNN_SUCCESS) return st;
    int state = state_floats(desc);
    if (step < 1) return clnn_fail(CLNN_INVALID_VALUE, "%s: step %lld must be >= 1", fn,
                                   (long long)step);
    if (count < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: count %d must be >= 1", fn, count);
    if (!param_descs || !params || !grads || (state > 0 && !states))
        return clnn_fail(CLNN_NULL_POINTER, "%s: a descriptor, param, grad or state array is NULL",
                         fn);
    for (int i = 0; i < count && st == CLNN_SUCCESS; i++) {
        size_t n;
        st = check_tensor(ctx, i, state, param_descs[i], params[i], AT(param_offsets, i),
                          grads[i], AT(grad_offsets, i), state ? states[i] : NULL,
                          AT(state_offsets, i), fn, &n);
    }
    if (st != CLNN_SUCCESS) return st;

    bool adam = desc->kind != CLNN_OPTIMIZER_SGD;
    int wd = desc->weight_decay > 0.0f ? (desc->kind == CLNN_OPTIMIZER_ADAMW ? 2 : 1) : 0;
    char options[96];
    snprintf(options, sizeof options, "-DVEC=%u -DKIND=%d -DMOMENTUM=%d -DNESTEROV=%d -DWD=%d",
             ctx->vector_width, adam ? 1 : 0, !adam && state > 0, !adam && desc->nesterov, wd);
    cl_kernel k;
    st = clnn_kernel_get(ctx, "optim.cl", options, "optimizer_step", &k);
    if (st != CLNN_SUCCESS) return st;
    /* Bias correction in double: beta^t underflows gracefully for large t. */
    double t = (double)step;
    float lr_t = adam ? (float)(desc->lr * sqrt(1.0 - pow(desc->beta2, t)) /
                                (1.0 - pow(desc->beta1, t)))
                      : desc->lr;
    float b1 = adam ? desc->beta1 : desc->momentum;
    for (int i = 0; i < count && st == CLNN_SUCCESS; i++) {
        size_t n = clnn_desc_elements(param_descs[i]);
        cl_mem s = state ? states[i] : params[i];
        cl_ulong po = AT(param_offsets, i) / 4, go = AT(grad_offsets, i) / 4;
        cl_ulong so = (state ? AT(state_offsets, i) : AT(param_offsets, i)) / 4, cnt = n;
        st = clnn_set_args(k, CLNN_ARG(params[i]), CLNN_ARG(po), CLNN_ARG(grads[i]),
                           CLNN_ARG(go), CLNN_ARG(s), CLNN_ARG(so), CLNN_ARG(cnt),
                           CLNN_ARG(desc->lr), CLNN_ARG(lr_t), CLNN_ARG(b1),
                           CLNN_ARG(desc->beta2), CLNN_ARG(desc->eps),
                           CLNN_ARG(desc->weight_decay));
        if (st == CLNN_SUCCESS) st = clnn_elementwise_launch(ctx, k, n);
    }
    return st;
}

/* ---------------------------------------------------------------- schedules */

clnn_status clnn_lr_step_decay(float initial, float drop, int64_t epochs_per_drop,
                               int64_t epoch, float *lr)
{
    static const char fn[] = "clnn_lr_step_decay";
    if (!lr) return clnn_fail(CLNN_NULL_POINTER, "%s: lr is NULL", fn);
    if (!(initial > 0.0f) || !isfinite(initial))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: initial %g must be > 0 and finite", fn,
                         initial);
    if (!(drop > 0.0f && drop <= 1.0f))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: drop %g is outside (0, 1]", fn, drop);
    if (epochs_per_drop < 1 || epoch < 0)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: epochs_per_drop %lld must be >= 1 and epoch %lld >= 0", fn,
                         (long long)epochs_per_drop, (long long)epoch);
    *lr = (float)(initial * pow(drop, (double)(epoch / epochs_per_drop)));
    return CLNN_SUCCESS;
}

clnn_status clnn_lr_cosine(float initial, int64_t decay_steps, float alpha, int64_t step,
                           float *lr)
{
    static const char fn[] = "clnn_lr_cosine";
    if (!lr) return clnn_fail(CLNN_NULL_POINTER, "%s: lr is NULL", fn);
    if (!(initial > 0.0f) || !isfinite(initial))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: initial %g must be > 0 and finite", fn,
                         initial);
    if (!(alpha >= 0.0f && alpha <= 1.0f))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: alpha %g is outside [0, 1]", fn, alpha);
    if (decay_steps < 1 || step < 0)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: decay_steps %lld must be >= 1 and step %lld >= 0", fn,
                         (long long)decay_steps, (long long)step);
    double s = (double)(step < decay_steps ? step : decay_steps) / (double)decay_steps;
    double cosine = 0.5 * (1.0 + cos(M_PI * s));
    *lr = (float)(initial * ((1.0 - alpha) * cosine + alpha));
    return CLNN_SUCCESS;
}
