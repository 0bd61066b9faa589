/* Manual gradients for custom loops (GANs): forward from and to the caller's
 * device buffers, backward from a given output gradient down to the input, and
 * the optimizer step on its own. The passes are the model's own (layers.c); this
 * file only moves data and, while an input gradient is wanted, links gradient
 * buffers into the layers before the first one with parameters (compile gives
 * those none, since fit never needs them). */
#include "model.h"
#include "../core/check.h"

#include <string.h>

void model_manual_release(clnn_model *m)
{
    if (m->manual_dx) clReleaseMemObject(m->manual_dx);
    m->manual_dx = NULL;
    for (int i = 0; i < MODEL_MAX_LAYERS; i++) {
        if (m->manual_g[i]) clReleaseMemObject(m->manual_g[i]);
        m->manual_g[i] = NULL;
    }
    m->manual_n = 0;
}

static clnn_status check_model(const clnn_model *m, const char *fn)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: compile the model first", fn);
    return CLNN_SUCCESS;
}

/* A caller's batch operand: valid, `dtype`, shaped [n, sample...] with n in
 * 1..batch (want_n 0) or n == want_n. Returns n. */
static clnn_status check_batch(const clnn_model *m, const char *fn, const char *name,
                               const clnn_tensor_desc *desc, int dtype, cl_mem buf,
                               size_t offset, const clnn_tensor_desc *sample, int64_t want_n,
                               int64_t *n)
{
    clnn_status st = clnn_check_operand(m->ctx, desc, dtype, buf, offset, fn, name, NULL);
    if (st) return st;
    int ok = desc->rank == sample->rank + 1 && desc->dims[0] >= 1 &&
             desc->dims[0] <= m->batch && (!want_n || desc->dims[0] == want_n);
    for (int i = 0; ok && i < sample->rank; i++) ok = desc->dims[i + 1] == sample->dims[i];
    if (!ok) {
        char got[96], per[96];
        clnn_format_shape(desc, got, sizeof got);
        clnn_format_shape(sample, per, sizeof per);
        if (want_n)
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s %s must be [%lld] + %s", fn, name,
                             got, (long long)want_n, per);
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s %s must be [n] + %s with n in 1..%lld "
                         "(the compiled batch size)", fn, name, got, per, (long long)m->batch);
    }
    *n = desc->dims[0];
    return CLNN_SUCCESS;
}

static clnn_status copy(clnn_model *m, cl_mem src, size_t src_off, cl_mem dst, size_t dst_off,
                        size_t bytes)
{
    cl_int err = clEnqueueCopyBuffer(m->ctx->queue, src, dst, src_off, dst_off, bytes, 0, NULL,
                                     NULL);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "clEnqueueCopyBuffer");
}

static size_t sample_bytes(const clnn_tensor_desc *sample)
{
    return (size_t)model_desc_count(sample) * sizeof(float); /* int32 ids: the same size */
}

clnn_status clnn_model_forward_buffer(clnn_model_t m, int training,
                                      const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                      const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset)
{
    const char *fn = "clnn_model_forward_buffer";
    clnn_status st = check_model(m, fn);
    if (st) return st;
    if (training != 0 && training != 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: training must be 0 or 1, not %d", fn,
                         training);
    if (m->ninputs > 1)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: the model has %d inputs; the manual passes "
                         "take one", fn, m->ninputs);
    const clnn_tensor_desc *out = &m->layers[m->nlayers - 1].out;
    int64_t n, ny;
    int xtype = model_int_input(m) ? CLNN_INT32 : CLNN_FLOAT32;
    if ((st = check_batch(m, fn, "x", x_desc, xtype, x, x_offset, &m->input, 0, &n)) ||
        (st = check_batch(m, fn, "y", y_desc, CLNN_FLOAT32, y, y_offset, out, n, &ny)))
        return st;
    m->manual_n = 0;
    size_t xb = (size_t)n * sample_bytes(&m->input), yb = (size_t)n * sample_bytes(out);
    if ((st = copy(m, x, x_offset, m->x_stage, 0, xb)) || (st = model_forward(m, n, training)) ||
        (st = copy(m, model_output(m), 0, y, y_offset, yb)))
        return st;
    m->manual_n = n;
    m->manual_training = training;
    return CLNN_SUCCESS;
}

static int first_param_layer(const clnn_model *m)
{
    int p = 0;
    while (p < m->nlayers && !m->layers[p].param_count) p++;
    return p;
}

static int aliases_gradient(const model_layer *l)
{
    return l->kind == LAYER_FLATTEN || l->kind == LAYER_RESHAPE || l->kind == LAYER_ACTIVATION;
}

/* Allocates, once, the input's gradient and those of the parameter-free layers
 * in front (aliasing layers pass their input's gradient through, as in compile). */
static clnn_status alloc_input_grads(clnn_model *m)
{
    if (m->manual_dx) return CLNN_SUCCESS;
    int p = first_param_layer(m);
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; i < p && i < m->nlayers && !st; i++)
        if (!aliases_gradient(&m->layers[i]))
            st = model_alloc(m, (size_t)m->batch * sample_bytes(&m->layers[i].out),
                             &m->manual_g[i]);
    if (!st) st = model_alloc(m, (size_t)m->batch * sample_bytes(&m->input), &m->manual_dx);
    if (st) model_manual_release(m);
    return st;
}

/* Links (on) or unlinks (off, compile's state) the gradient chain from the input
 * to the first layer with parameters. */
static void link_input_grads(clnn_model *m, int on)
{
    int p = first_param_layer(m);
    for (int i = 0; i <= p && i < m->nlayers; i++) {
        model_layer *l = &m->layers[i];
        l->in_g = !on ? NULL : i ? m->layers[i - 1].g : m->manual_dx;
        if (i < p) l->g = !on ? NULL : aliases_gradient(l) ? l->in_g : m->manual_g[i];
    }
}

static clnn_status check_dx(clnn_model *m, const char *fn, const clnn_tensor_desc *dx_desc,
                            cl_mem dx, size_t dx_offset, int64_t n)
{
    int64_t nx;
    if (!dx_desc) return CLNN_SUCCESS;
    if (model_is_graph(m))
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: dx: the input gradient of a functional "
                         "model (a layer on other nodes than the previous one) is not "
                         "supported; pass dx_desc NULL", fn);
    if (model_int_input(m))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: dx: the first layer is an embedding; no "
                         "gradient flows to token ids", fn);
    return check_batch(m, fn, "dx", dx_desc, CLNN_FLOAT32, dx, dx_offset, &m->input, n, &nx);
}

clnn_status clnn_model_backward_buffer(clnn_model_t m, const clnn_tensor_desc *dy_desc,
                                       cl_mem dy, size_t dy_offset,
                                       const clnn_tensor_desc *dx_desc, cl_mem dx,
                                       size_t dx_offset)
{
    const char *fn = "clnn_model_backward_buffer";
    clnn_status st = check_model(m, fn);
    if (st) return st;
    if (!m->manual_n || !m->manual_training)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: call clnn_model_forward_buffer with "
                         "training = 1 first", fn);
    const clnn_tensor_desc *out = &m->layers[m->nlayers - 1].out;
    int64_t n;
    if ((st = check_batch(m, fn, "dy", dy_desc, CLNN_FLOAT32, dy, dy_offset, out, m->manual_n,
                          &n)) ||
        (st = check_dx(m, fn, dx_desc, dx, dx_offset, n)))
        return st;
    if (dx_desc && (st = alloc_input_grads(m))) return st;
    if (dx_desc) link_input_grads(m, 1);
    const model_layer *last = &m->layers[m->nlayers - 1];
    int logits = m->loss_on_logits;
    m->loss_on_logits = 0; /* dy is w.r.t. the output: differentiate its softmax too */
    if (last->g) {
        st = copy(m, dy, dy_offset, last->g, 0, (size_t)n * sample_bytes(out));
        if (!st) st = model_backward(m, n);
        if (!st && dx_desc)
            st = copy(m, m->manual_dx, 0, dx, dx_offset, (size_t)n * sample_bytes(&m->input));
    }
    m->loss_on_logits = logits;
    if (dx_desc) link_input_grads(m, 0);
    return st;
}

clnn_status clnn_model_apply_gradients(clnn_model_t m)
{
    clnn_status st = check_model(m, "clnn_model_apply_gradients");
    return st ? st : model_update(m);
}
