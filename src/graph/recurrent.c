/* The recurrent (SimpleRNN, LSTM, GRU) and embedding layers of the sequential
 * model. The model is batch-major ([N, T, F] like Keras), and so is the op with
 * rnn.batch_major = 1, so it reads and writes the layer buffers directly. The
 * ONNX bias B holds Wb and Rb; the model's bias parameter is Keras' (Wb only for
 * SimpleRNN and LSTM, Wb and Rb for GRU with reset_after), copied to the front of
 * a layer-owned B whose remainder stays zero. */
#include "model.h"

#include <string.h>

/* Batch-major descriptors of a recurrent layer for n samples: x [N, T, F],
 * y [N, T, 1, H] (the model's [N, T, H]), y_h [N, 1, H] (the model's [N, H]). */
typedef struct rnn_shapes {
    clnn_tensor_desc x, y, h, b;
} rnn_shapes;

static rnn_shapes shapes_of(const model_layer *l, int64_t n)
{
    int64_t t = l->in.dims[0], f = l->in.dims[1], h = l->rnn.hidden_size;
    int64_t gates = l->kind == LAYER_LSTM ? 4 : l->kind == LAYER_GRU ? 3 : 1;
    rnn_shapes s;
    clnn_tensor_desc_set(&s.x, CLNN_FLOAT32, 3, (int64_t[]){n, t, f});
    clnn_tensor_desc_set(&s.y, CLNN_FLOAT32, 4, (int64_t[]){n, t, 1, h});
    clnn_tensor_desc_set(&s.h, CLNN_FLOAT32, 3, (int64_t[]){n, 1, h});
    clnn_tensor_desc_set(&s.b, CLNN_FLOAT32, 2, (int64_t[]){1, 2 * gates * h});
    return s;
}

static clnn_status copy_floats(clnn_model *m, cl_mem src, cl_mem dst, int64_t count)
{
    cl_int err = clEnqueueCopyBuffer(clnn_context_cl_queue(m->ctx), src, dst, 0, 0,
                                     (size_t)count * sizeof(float), 0, NULL, NULL);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "model: copying a bias");
}

static clnn_rnn_tensor operand(const clnn_tensor_desc *desc, cl_mem mem)
{
    clnn_rnn_tensor t = {desc, mem, 0};
    return t;
}

clnn_status model_rnn_forward(clnn_model *m, model_layer *l, int64_t n, int training)
{
    const model_param *w = &m->params[l->param_first];
    rnn_shapes s = shapes_of(l, n);
    clnn_status st = copy_floats(m, w[2].value, l->b_full, l->bias_count);
    if (st) return st;
    clnn_rnn_tensor x = operand(&s.x, l->in_a), wt = operand(&w[0].desc, w[0].value),
                    r = operand(&w[1].desc, w[1].value), b = operand(&s.b, l->b_full),
                    y = operand(&s.y, l->z), yh = operand(&s.h, l->z);
    int seq = l->return_sequences;
    return clnn_rnn_forward(m->ctx, &l->rnn, training, NULL, &x, &wt, &r, &b, NULL, NULL, NULL,
                            seq ? &y : NULL, seq ? NULL : &yh, NULL, m->rnn_ws,
                            m->rnn_ws_bytes, training ? l->reserve : NULL,
                            training ? l->reserve_bytes : 0);
}

clnn_status model_rnn_backward(clnn_model *m, const model_layer *l, int64_t n)
{
    const model_param *w = &m->params[l->param_first];
    rnn_shapes s = shapes_of(l, n);
    int seq = l->return_sequences;
    clnn_rnn_tensor x = operand(&s.x, l->in_a), wt = operand(&w[0].desc, w[0].value),
                    r = operand(&w[1].desc, w[1].value), dy = operand(&s.y, l->g),
                    dyh = operand(&s.h, l->g), dx = operand(&s.x, l->in_g),
                    dw = operand(&w[0].desc, w[0].grad), dr = operand(&w[1].desc, w[1].grad),
                    db = operand(&s.b, l->db_full);
    clnn_status st = clnn_rnn_backward(m->ctx, &l->rnn, NULL, &x, &wt, &r, NULL,
                                       seq ? &dy : NULL, seq ? NULL : &dyh, NULL,
                                       l->in_g ? &dx : NULL, &dw, &dr, &db, NULL, NULL, NULL,
                                       m->rnn_ws, m->rnn_ws_bytes, l->reserve,
                                       l->reserve_bytes);
    return st ? st : copy_floats(m, l->db_full, w[2].grad, l->bias_count);
}

clnn_status model_rnn_alloc(clnn_model *m, model_layer *l)
{
    rnn_shapes s = shapes_of(l, m->batch);
    size_t ws;
    clnn_status st = clnn_rnn_workspace_size(m->ctx, &l->rnn, &s.x, &ws);
    if (!st) st = clnn_rnn_reserve_size(m->ctx, &l->rnn, &s.x, &l->reserve_bytes);
    if (st) return st;
    if (ws > m->rnn_ws_bytes) m->rnn_ws_bytes = ws;
    size_t b_bytes = (size_t)s.b.dims[1] * sizeof(float);
    if ((st = model_alloc(m, l->reserve_bytes, &l->reserve)) ||
        (st = model_alloc(m, b_bytes, &l->b_full)) || (st = model_alloc(m, b_bytes, &l->db_full)))
        return st;
    if (l->kind == LAYER_LSTM) {
        /* Keras' unit_forget_bias: the forget gate (third in ONNX' i o f c) starts at 1. */
        clnn_tensor_desc f;
        clnn_tensor_desc_set(&f, CLNN_FLOAT32, 1, (int64_t[]){l->rnn.hidden_size});
        st = clnn_fill(m->ctx, &f, m->params[l->param_first + 2].value,
                       2 * (size_t)l->rnn.hidden_size * sizeof(float), 1.0f);
    }
    return st;
}

void model_rnn_release(model_layer *l)
{
    cl_mem *mems[] = {&l->reserve, &l->b_full, &l->db_full};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++) {
        if (*mems[i]) clReleaseMemObject(*mems[i]);
        *mems[i] = NULL;
    }
}

int model_int_input(const clnn_model *m)
{
    return m->nlayers && m->layers[0].kind == LAYER_EMBEDDING;
}

/* The ids (int32 in x_stage, converted at upload) and the output [n, S..., D]. */
static void embedding_descs(const model_layer *l, int64_t n, clnn_tensor_desc *ids,
                            clnn_tensor_desc *y)
{
    *ids = model_batch_desc(&l->in, n);
    ids->dtype = CLNN_INT32;
    *y = model_batch_desc(&l->out, n);
}

clnn_status model_embedding_forward(clnn_model *m, const model_layer *l, int64_t n)
{
    const model_param *t = &m->params[l->param_first];
    clnn_tensor_desc ids, y;
    embedding_descs(l, n, &ids, &y);
    /* The ids were validated on the host, so no error flag is needed. */
    return clnn_embedding_forward(m->ctx, -1, &t->desc, t->value, 0, &ids, l->in_a, 0, &y,
                                  l->z, 0, NULL, 0);
}

clnn_status model_embedding_backward(clnn_model *m, const model_layer *l, int64_t n)
{
    const model_param *t = &m->params[l->param_first];
    clnn_tensor_desc ids, y;
    embedding_descs(l, n, &ids, &y);
    return clnn_embedding_backward(m->ctx, -1, &ids, l->in_a, 0, &y, l->g, 0, &t->desc,
                                   t->grad, 0);
}
