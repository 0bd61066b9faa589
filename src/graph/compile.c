/* clnn_model_compile: the loss check, then every device buffer the loops need for
 * the batch size (parameters, gradients, optimizer state, activations, gradients
 * of activations, pool indices, workspaces, staging), so that training allocates
 * nothing. The activations and their gradients are laid out by layout.c and
 * packed by plan.c. */
#include "model.h"
#include "../core/check.h"

#include <stdlib.h>
#include <string.h>

int model_loss_sparse(clnn_loss loss)
{
    return loss == CLNN_LOSS_SPARSE_CE || loss == CLNN_LOSS_SPARSE_CE_LOGITS;
}

int64_t model_output_count(const clnn_model *m)
{
    return model_desc_count(&m->layers[m->nlayers - 1].out);
}

int64_t model_classes(const clnn_model *m)
{
    const clnn_tensor_desc *out = &m->layers[m->nlayers - 1].out;
    return out->dims[out->rank - 1];
}

int64_t model_label_rows(const clnn_model *m)
{
    return model_output_count(m) / model_classes(m);
}

static void release(cl_mem *mem)
{
    if (*mem) clReleaseMemObject(*mem);
    *mem = NULL;
}

void model_release_buffers(clnn_model *m)
{
    for (int i = 0; i < m->nlayers; i++) {
        model_layer *l = &m->layers[i];
        if (l->owns_z) release(&l->z);
        if (l->owns_a) release(&l->a);
        if (l->owns_g) release(&l->g);
        release(&l->indices);
        release(&l->stat_mean);
        release(&l->stat_inv_std);
        for (int k = 0; k < l->nparts; k++) release(&l->grad_parts[k]);
        for (int k = 0; k < MODEL_MAX_LAYER_INPUTS; k++) {
            release(&l->sinks[k]);
            l->in_as[k] = l->in_gs[k] = NULL;
        }
        l->nparts = 0;
        model_rnn_release(l);
        model_transformer_release(l);
        l->z = l->a = l->g = l->in_a = l->in_g = NULL;
        l->owns_z = l->owns_a = l->owns_g = 0;
    }
    for (int i = 0; i < m->nparams; i++) {
        release(&m->params[i].value);
        release(&m->params[i].grad);
        release(&m->params[i].state);
    }
    release(&m->x_stage);
    for (int k = 1; k < MODEL_MAX_INPUTS; k++) release(&m->more_stage[k]);
    release(&m->y_stage);
    release(&m->loss_ws);
    release(&m->conv_ws);
    release(&m->rnn_ws);
    release(&m->clip_ws);
    m->rnn_ws_bytes = m->clip_ws_bytes = 0;
    release(&m->metrics);
    m->activation_bytes = m->naive_bytes = 0;
    model_manual_release(m);
    free(m->host_x);
    free(m->host_y);
    free(m->host_split);
    m->host_x = m->host_y = m->host_split = NULL;
}

/* A device buffer, zero-filled: partial batches and padded reads then never see
 * undefined memory (and oclgrind sees every buffer initialised). */
clnn_status model_alloc(clnn_model *m, size_t bytes, cl_mem *out)
{
    cl_int err;
    bytes = (bytes + 3) / 4 * 4;
    if (bytes == 0) bytes = 4;
    *out = clCreateBuffer(clnn_context_cl_context(m->ctx), CL_MEM_READ_WRITE, bytes, NULL,
                          &err);
    if (err != CL_SUCCESS) {
        *out = NULL;
        return clnn_fail_cl(err, "clnn_model_compile: clCreateBuffer");
    }
    int64_t floats = (int64_t)(bytes / 4);
    clnn_tensor_desc d;
    clnn_tensor_desc_set(&d, CLNN_FLOAT32, 1, &floats);
    return clnn_fill(m->ctx, &d, *out, 0, 0.0f);
}

static clnn_status check_loss(clnn_model *m, clnn_loss loss)
{
    const model_layer *last = &m->layers[m->nlayers - 1];
    if ((unsigned)loss > CLNN_LOSS_SPARSE_CE_LOGITS)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_compile: unknown loss %d", (int)loss);
    /* [T, classes]: one label per token (a per-token Dense on a sequence). */
    if (model_loss_sparse(loss) && last->out.rank != 1 && last->out.rank != 2) {
        char s[96];
        clnn_format_shape(&last->out, s, sizeof s);
        return clnn_fail(CLNN_SHAPE_MISMATCH, "clnn_model_compile: a sparse loss needs an "
                         "output of shape [classes] or [T, classes] per sample; layer %d (%s) "
                         "gives %s",
                         m->nlayers - 1, last->name, s);
    }
    m->loss = loss;
    m->train_loss = loss;
    m->loss_on_logits = 0;
    if (last->act == CLNN_MODEL_SOFTMAX &&
        (loss == CLNN_LOSS_SPARSE_CE || loss == CLNN_LOSS_CATEGORICAL_CE)) {
        m->loss_on_logits = 1;
        m->train_loss = loss == CLNN_LOSS_SPARSE_CE ? CLNN_LOSS_SPARSE_CE_LOGITS
                                                    : CLNN_LOSS_CATEGORICAL_CE_LOGITS;
    }
    return CLNN_SUCCESS;
}

/* Parameters: Glorot-uniform kernels (one seed per tensor), zero biases, zero
 * optimizer state (alloc zero-fills). The trainable ones are listed, in order,
 * in the arrays that clipping and the optimizer step take. */
static clnn_status alloc_params(clnn_model *m, int state_floats)
{
    clnn_status st = CLNN_SUCCESS;
    m->ntrain = 0;
    for (int i = 0; i < m->nparams && !st; i++) {
        model_param *p = &m->params[i];
        if ((st = model_alloc(m, p->bytes, &p->value)) || (st = model_alloc(m, p->bytes, &p->grad)))
            break;
        clnn_init_desc init = {p->init, 1.0f, m->seed * 1000003u + (uint64_t)i};
        clnn_tensor_desc view = p->desc;
        if (p->init_2d) {
            int64_t last = p->desc.dims[p->desc.rank - 1];
            clnn_tensor_desc_set(&view, CLNN_FLOAT32, 2,
                                 (int64_t[]){model_desc_count(&p->desc) / last, last});
        }
        if ((st = clnn_init_forward(m->ctx, &init, &view, p->value, 0))) break;
        if (p->frozen) continue;
        if (state_floats && (st = model_alloc(m, p->bytes * (size_t)state_floats, &p->state)))
            break;
        m->param_descs[m->ntrain] = &p->desc;
        m->param_values[m->ntrain] = p->value;
        m->param_grads[m->ntrain] = p->grad;
        m->param_states[m->ntrain++] = p->state;
    }
    return st;
}

static clnn_status alloc_workspaces(clnn_model *m)
{
    clnn_status st;
    size_t conv = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const model_layer *l = &m->layers[i];
        clnn_tensor_desc x = model_batch_desc(&l->in, m->batch);
        clnn_tensor_desc y = model_batch_desc(&l->out, m->batch);
        size_t bytes = 0;
        if (l->kind == LAYER_CONV2D)
            st = clnn_conv2d_workspace_size(m->ctx, &l->conv, &x,
                                            &m->params[l->param_first].desc, &y, &bytes);
        else
            st = model_spatial_workspace(m, l, &bytes);
        if (st) return st;
        if (bytes > conv) conv = bytes;
    }
    m->conv_ws_bytes = conv;
    if (conv && (st = model_alloc(m, conv, &m->conv_ws))) return st;
    if (m->rnn_ws_bytes && (st = model_alloc(m, m->rnn_ws_bytes, &m->rnn_ws))) return st;
    if (m->ntrain) {
        st = clnn_clip_global_norm_workspace_size(m->ctx, m->ntrain, m->param_descs,
                                                  &m->clip_ws_bytes);
        if (st || (st = model_alloc(m, m->clip_ws_bytes, &m->clip_ws))) return st;
    }
    clnn_tensor_desc pred = model_batch_desc(&m->layers[m->nlayers - 1].out, m->batch);
    if ((st = clnn_loss_workspace_size(m->ctx, &pred, &m->loss_ws_bytes))) return st;
    if (m->loss_ws_bytes && (st = model_alloc(m, m->loss_ws_bytes, &m->loss_ws))) return st;
    return model_alloc(m, 2 * MODEL_METRIC_SLOTS * sizeof(float), &m->metrics);
}

static clnn_status alloc_staging(clnn_model *m)
{
    size_t xs = (size_t)(model_x_row(m) * m->batch) * sizeof(float);
    int64_t per = model_loss_sparse(m->loss) ? model_label_rows(m) : model_output_count(m);
    size_t ys = (size_t)(per * m->batch) * sizeof(float);
    clnn_status st;
    size_t x0 = (size_t)(model_desc_count(&m->input) * m->batch) * sizeof(float);
    if ((st = model_alloc(m, x0, &m->x_stage)) ||
        (st = model_alloc(m, ys, &m->y_stage)))
        return st;
    for (int k = 1; k < m->ninputs; k++)
        if ((st = model_alloc(m, (size_t)(model_desc_count(&m->more_inputs[k]) * m->batch) *
                                     sizeof(float), &m->more_stage[k])))
            return st;
    m->host_x = malloc(xs);
    m->host_y = malloc(ys);
    if (m->ninputs > 1) m->host_split = malloc(xs);
    if (!m->host_x || !m->host_y || (m->ninputs > 1 && !m->host_split))
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_model_compile: out of host memory");
    return CLNN_SUCCESS;
}

clnn_status clnn_model_compile(clnn_model_t m, clnn_loss loss,
                               const clnn_optimizer_desc *optimizer, int64_t batch_size)
{
    const char *fn = "clnn_model_compile";
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!optimizer) return clnn_fail(CLNN_NULL_POINTER, "%s: optimizer is NULL", fn);
    if (m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: already compiled", fn);
    if (!m->has_input || !m->nlayers)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the model needs an input and a layer", fn);
    if (batch_size < 1 || batch_size > (int64_t)1 << 24)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: batch_size %lld is outside 1..2^24", fn,
                         (long long)batch_size);
    int state_floats;
    clnn_status st = clnn_optimizer_state_size(optimizer, &state_floats);
    if (st) return st;
    if ((st = model_check_graph(m)) || (st = check_loss(m, loss))) return st;
    m->opt = *optimizer;
    m->batch = batch_size;
    m->step = 0;
    m->dropout_offset = 0;
    if (!(st = alloc_staging(m)) && !(st = alloc_params(m, state_floats)) &&
        !(st = model_alloc_layers(m)) && !(st = alloc_workspaces(m)))
        st = clnn_context_finish(m->ctx);
    if (st) {
        model_release_buffers(m);
        return st;
    }
    m->compiled = 1;
    return CLNN_SUCCESS;
}
