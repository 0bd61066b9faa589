/* The passes of a compiled model over one batch of n samples: forward through the
 * layers, the loss (and its gradient) with the accuracy count, backward in reverse
 * order, and the optimizer step. Every call only enqueues work. */
#include "model.h"

#define DROPOUT_SEED_SALT 0x9E3779B97F4A7C15ull

/* The batch descriptors of a layer's input and output and its parameters. */
typedef struct layer_io {
    clnn_tensor_desc x, y, idx;
    const model_param *w, *b;
} layer_io;

static layer_io layer_descs(const clnn_model *m, const model_layer *l, int64_t n)
{
    layer_io io;
    io.x = model_batch_desc(&l->in, n);
    io.y = model_batch_desc(&l->out, n);
    io.idx = io.y;
    io.idx.dtype = CLNN_INT32;
    io.w = l->param_count ? &m->params[l->param_first] : NULL;
    io.b = l->param_count > 1 ? &m->params[l->param_first + 1] : NULL;
    return io;
}

static clnn_status op_forward(clnn_model *m, model_layer *l, const layer_io *io, int64_t n,
                              int training)
{
    clnn_context_t ctx = m->ctx;
    switch (l->kind) {
    case LAYER_DENSE:
        return clnn_dense_forward(ctx, NULL, &io->x, l->in_a, 0, &io->w->desc, io->w->value,
                                  0, &io->b->desc, io->b->value, 0, &io->y, l->z, 0);
    case LAYER_CONV2D:
        return clnn_conv2d_forward(ctx, &l->conv, &io->x, l->in_a, 0, &io->w->desc,
                                   io->w->value, 0, &io->b->desc, io->b->value, 0, NULL,
                                   &io->y, l->z, 0, m->conv_ws, m->conv_ws_bytes);
    case LAYER_MAXPOOL2D:
        return clnn_pool2d_forward(ctx, CLNN_POOL_MAX, &l->pool, &io->x, l->in_a, 0, &io->y,
                                   l->z, 0, &io->idx, l->indices, 0);
    case LAYER_DROPOUT:
        if (training) {
            l->drop_offset = m->dropout_offset;
            m->dropout_offset += (uint64_t)model_desc_count(&io->y);
        }
        return clnn_dropout_forward(ctx, l->rate, training, m->seed ^ DROPOUT_SEED_SALT,
                                    l->drop_offset, &io->x, l->in_a, 0, &io->y, l->z, 0,
                                    NULL, NULL, 0);
    case LAYER_SIMPLE_RNN:
    case LAYER_LSTM:
    case LAYER_GRU:
        return model_rnn_forward(m, l, n, training);
    case LAYER_EMBEDDING:
        return model_embedding_forward(m, l, n);
    case LAYER_BATCHNORM:
    case LAYER_LAYERNORM:
        return model_norm_forward(m, l, n, training);
    case LAYER_CONV_TRANSPOSE2D:
    case LAYER_AVGPOOL2D:
    case LAYER_GLOBAL_AVGPOOL2D:
    case LAYER_GLOBAL_MAXPOOL2D:
        return model_spatial_forward(m, l, n);
    case LAYER_SINE_POSITION:
    case LAYER_POSITION_EMBEDDING:
    case LAYER_TRANSFORMER_ENCODER:
    case LAYER_MULTI_HEAD_ATTENTION:
        return model_transformer_forward(m, l, n, training);
    case LAYER_ADD:
    case LAYER_CONCATENATE:
        return model_graph_forward(m, l, n);
    case LAYER_FLATTEN:
    case LAYER_RESHAPE:
    case LAYER_ACTIVATION:
        break; /* z is the input buffer */
    }
    return CLNN_SUCCESS;
}

static clnn_status act_forward(clnn_model *m, const model_layer *l, const layer_io *io)
{
    if (l->act == CLNN_ACTIVATION_NONE) return CLNN_SUCCESS;
    if (l->act == CLNN_MODEL_SOFTMAX)
        return clnn_softmax_forward(m->ctx, CLNN_SOFTMAX, -1, &io->y, l->z, 0, &io->y, l->a, 0);
    clnn_activation_desc ad = model_act_desc(l);
    return clnn_activation_forward(m->ctx, &ad, &io->y, l->z, 0, &io->y, l->a, 0);
}

clnn_status model_forward(clnn_model *m, int64_t n, int training)
{
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; i < m->nlayers && !st; i++) {
        model_layer *l = &m->layers[i];
        layer_io io = layer_descs(m, l, n);
        if (!(st = op_forward(m, l, &io, n, training))) st = act_forward(m, l, &io);
    }
    return st;
}

cl_mem model_output(const clnn_model *m)
{
    return m->layers[m->nlayers - 1].a;
}

static int loss_binary(clnn_loss loss)
{
    return loss == CLNN_LOSS_BINARY_CE || loss == CLNN_LOSS_BINARY_CE_LOGITS;
}

int model_has_accuracy(const clnn_model *m)
{
    return model_loss_sparse(m->train_loss) || loss_binary(m->train_loss);
}

clnn_status model_loss(clnn_model *m, int64_t n, int slot, int backward)
{
    const model_layer *last = &m->layers[m->nlayers - 1];
    clnn_tensor_desc pred = model_batch_desc(&last->out, n), target = pred;
    cl_mem p = m->loss_on_logits ? last->z : last->a;
    if (model_loss_sparse(m->train_loss)) {
        target.rank = pred.rank - 1; /* one label per row: [n] or [n, T] */
        target.dtype = CLNN_INT32;
    }
    size_t loss_at = (size_t)slot * sizeof(float);
    size_t count_at = (size_t)(MODEL_METRIC_SLOTS + slot) * sizeof(float);
    clnn_status st;
    if (backward)
        st = clnn_loss_forward_backward(m->ctx, m->train_loss, &pred, p, 0, &target,
                                        m->y_stage, 0, m->metrics, loss_at, &pred, last->g, 0,
                                        m->loss_ws, m->loss_ws_bytes);
    else
        st = clnn_loss_forward(m->ctx, m->train_loss, &pred, p, 0, &target, m->y_stage, 0,
                               m->metrics, loss_at, m->loss_ws, m->loss_ws_bytes);
    if (st) return st;
    if (model_loss_sparse(m->train_loss))
        return clnn_accuracy_forward(m->ctx, &pred, p, 0, &target, m->y_stage, 0, m->metrics,
                                     count_at, m->loss_ws, m->loss_ws_bytes);
    if (loss_binary(m->train_loss)) {
        float threshold = m->train_loss == CLNN_LOSS_BINARY_CE_LOGITS ? 0.0f : 0.5f;
        return clnn_binary_accuracy_forward(m->ctx, threshold, &pred, p, 0, &target,
                                            m->y_stage, 0, m->metrics, count_at, m->loss_ws,
                                            m->loss_ws_bytes);
    }
    return CLNN_SUCCESS;
}

/* g holds d loss / d a; turns it into d loss / d z in place. */
static clnn_status act_backward(clnn_model *m, const model_layer *l, const layer_io *io)
{
    if (l->act == CLNN_MODEL_SOFTMAX)
        return clnn_softmax_backward(m->ctx, CLNN_SOFTMAX, -1, &io->y, l->a, 0, &io->y, l->g, 0,
                                     &io->y, l->g, 0);
    clnn_activation_desc ad = model_act_desc(l);
    return clnn_activation_backward(m->ctx, &ad, &io->y, l->z, 0, &io->y, l->g, 0, &io->y,
                                    l->g, 0);
}

static clnn_status op_backward(clnn_model *m, const model_layer *l, const layer_io *io,
                               int64_t n)
{
    clnn_context_t ctx = m->ctx;
    clnn_status st = CLNN_SUCCESS;
    switch (l->kind) {
    case LAYER_DENSE:
        st = clnn_dense_backward_weights(ctx, &io->x, l->in_a, 0, &io->y, l->g, 0,
                                         &io->w->desc, io->w->grad, 0, &io->b->desc,
                                         io->b->grad, 0);
        if (!st && l->in_g)
            st = clnn_dense_backward_data(ctx, &io->y, l->g, 0, &io->w->desc, io->w->value, 0,
                                          &io->x, l->in_g, 0);
        break;
    case LAYER_CONV2D:
        st = clnn_conv2d_backward_weights(ctx, &l->conv, &io->x, l->in_a, 0, &io->y, l->g, 0,
                                          &io->w->desc, io->w->grad, 0, &io->b->desc,
                                          io->b->grad, 0, m->conv_ws, m->conv_ws_bytes);
        if (!st && l->in_g)
            st = clnn_conv2d_backward_data(ctx, &l->conv, &io->w->desc, io->w->value, 0,
                                           &io->y, l->g, 0, &io->x, l->in_g, 0, m->conv_ws,
                                           m->conv_ws_bytes);
        break;
    case LAYER_MAXPOOL2D:
        if (l->in_g)
            st = clnn_pool2d_backward(ctx, CLNN_POOL_MAX, &l->pool, &io->y, l->g, 0, &io->idx,
                                      l->indices, 0, &io->x, l->in_g, 0);
        break;
    case LAYER_DROPOUT:
        if (l->in_g)
            st = clnn_dropout_backward(ctx, l->rate, m->seed ^ DROPOUT_SEED_SALT,
                                       l->drop_offset, &io->y, l->g, 0, &io->x, l->in_g, 0);
        break;
    case LAYER_SIMPLE_RNN:
    case LAYER_LSTM:
    case LAYER_GRU:
        st = model_rnn_backward(m, l, n);
        break;
    case LAYER_EMBEDDING:
        st = model_embedding_backward(m, l, n);
        break;
    case LAYER_BATCHNORM:
    case LAYER_LAYERNORM:
        st = model_norm_backward(m, l, n);
        break;
    case LAYER_CONV_TRANSPOSE2D:
    case LAYER_AVGPOOL2D:
    case LAYER_GLOBAL_AVGPOOL2D:
    case LAYER_GLOBAL_MAXPOOL2D:
        st = model_spatial_backward(m, l, n);
        break;
    case LAYER_SINE_POSITION:
    case LAYER_POSITION_EMBEDDING:
    case LAYER_TRANSFORMER_ENCODER:
    case LAYER_MULTI_HEAD_ATTENTION:
        st = model_transformer_backward(m, l, n);
        break;
    case LAYER_ADD:
    case LAYER_CONCATENATE:
        st = model_graph_backward(m, l, n);
        break;
    case LAYER_FLATTEN:
    case LAYER_RESHAPE:
    case LAYER_ACTIVATION:
        break; /* g is the input's gradient buffer */
    }
    return st;
}

clnn_status model_backward(clnn_model *m, int64_t n)
{
    clnn_status st = CLNN_SUCCESS;
    for (int i = m->nlayers - 1; i >= 0 && !st; i--) {
        const model_layer *l = &m->layers[i];
        if (!l->g) continue; /* no parameter at or before this layer */
        layer_io io = layer_descs(m, l, n);
        int logits = i == m->nlayers - 1 && m->loss_on_logits;
        st = model_sum_grad_parts(m, l, n);
        if (!st && l->act != CLNN_ACTIVATION_NONE && !logits) st = act_backward(m, l, &io);
        if (!st) st = op_backward(m, l, &io, n);
    }
    return st;
}

clnn_status model_update(clnn_model *m)
{
    if (!m->ntrain) return CLNN_SUCCESS;
    if (m->clipnorm > 0.0f) {
        clnn_status st = clnn_clip_by_global_norm(m->ctx, m->clipnorm, m->ntrain,
                                                  m->param_descs, m->param_grads, NULL,
                                                  m->clip_ws, m->clip_ws_bytes, NULL);
        if (st) return st;
    }
    m->step++;
    return clnn_optimizer_step(m->ctx, &m->opt, m->step, m->ntrain, m->param_descs,
                               m->param_values, NULL, m->param_grads, NULL, m->param_states,
                               NULL);
}
