/* RNN, LSTM and GRU (include/clnn/rnn.h follows ONNX's layout and equations). */
#include "src/onnx/onnx_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct rnn_state {
    clnn_rnn_desc rnn;
} rnn_state;

static clnn_rnn_mode mode_of(const onnx_node *n)
{
    const char *op = n->proto->op_type;
    return strcmp(op, "LSTM") == 0 ? CLNN_RNN_LSTM
           : strcmp(op, "GRU") == 0 ? CLNN_RNN_GRU : CLNN_RNN_SIMPLE;
}

/* Only the default activations (and Relu for RNN) are supported. */
static clnn_status check_rnn(onnx_model *m, onnx_node *n)
{
    static const char *const dflt[] = {"Tanh", "Sigmoid,Tanh,Tanh", "Sigmoid,Tanh"};
    clnn_rnn_mode mode = mode_of(n);
    const Onnx__AttributeProto *a = onnx_attr(n, "activations");
    if (onnx_attr(n, "activation_alpha") || onnx_attr(n, "activation_beta"))
        return onnx_unsupported(n, "attributes 'activation_alpha' / 'activation_beta' are "
                                "not supported");
    if (onnx_attr_int(n, "input_forget", 0) != 0)
        return onnx_unsupported(n, "attribute 'input_forget' = 1 is not supported");
    for (size_t i = 0; a && i < a->n_strings; i++) {
        const char *want = dflt[mode];
        size_t per = mode == CLNN_RNN_LSTM ? 3 : mode == CLNN_RNN_GRU ? 2 : 1;
        size_t k = i % per;
        while (k-- && want)
            want = strchr(want, ',') + 1;
        size_t len = strcspn(want, ",");
        int ok = a->strings[i].len == len &&
                 strncasecmp((const char *)a->strings[i].data, want, len) == 0;
        if (mode == CLNN_RNN_SIMPLE && a->strings[i].len == 4 &&
            strncasecmp((const char *)a->strings[i].data, "Relu", 4) == 0)
            ok = i == 0 || a->strings[0].len == 4;
        if (!ok)
            return onnx_unsupported(n, "attribute 'activations': only the defaults are "
                                    "supported");
    }
    return CLNN_SUCCESS;
}

static clnn_status plan_rnn(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    /* Inputs 0 .. 3 float32; sequence_lens (4) int, the states after it float32. */
    clnn_status s = CLNN_SUCCESS;
    for (int i = 5; i < n->n_in && s == CLNN_SUCCESS; i++)
        s = onnx_need_float(n, onnx_in(m, n, i), i);
    rnn_state *st = s == CLNN_SUCCESS ? onnx_state(m, n, sizeof(*st), 4, &s) : NULL;
    if (!st)
        return s;
    clnn_rnn_desc *r = &st->rnn;
    r->mode = mode_of(n);
    r->hidden_size = (int)onnx_attr_int(n, "hidden_size", 0);
    const char *dir = onnx_attr_string(n, "direction", "forward");
    r->direction = strcmp(dir, "reverse") == 0         ? CLNN_RNN_REVERSE
                   : strcmp(dir, "bidirectional") == 0 ? CLNN_RNN_BIDIRECTIONAL
                                                       : CLNN_RNN_FORWARD;
    const Onnx__AttributeProto *acts = onnx_attr(n, "activations");
    r->activation = acts && acts->n_strings && acts->strings[0].len == 4 &&
                            strncasecmp((const char *)acts->strings[0].data, "Relu", 4) == 0
                        ? CLNN_ACTIVATION_RELU : CLNN_ACTIVATION_TANH;
    r->linear_before_reset = (int)onnx_attr_int(n, "linear_before_reset", 0);
    r->clip = onnx_attr_float(n, "clip", 0.0f);
    r->num_layers = 1;
    r->batch_major = (int)onnx_attr_int(n, "layout", 0);
    if (x->desc.rank != 3 || r->hidden_size < 1 || r->batch_major < 0 || r->batch_major > 1)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "X must be 3-D, 'hidden_size' >= 1 and "
                              "'layout' 0 or 1");
    int64_t T = x->desc.dims[r->batch_major ? 1 : 0], N = x->desc.dims[r->batch_major ? 0 : 1];
    int64_t D = r->direction == CLNN_RNN_BIDIRECTIONAL ? 2 : 1, H = r->hidden_size;
    const onnx_value *lens = onnx_in(m, n, 4);
    if (lens && (!lens->host || lens->desc.dtype == CLNN_FLOAT32))
        return onnx_unsupported(n, "input 'sequence_lens' must be an int initializer or "
                                "graph input");
    s = clnn_rnn_workspace_size(m->ctx, r, &x->desc, &n->workspace);
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    clnn_tensor_desc y, yh;
    int64_t ydims[4] = {T, D, N, H}, ybm[4] = {N, T, D, H};
    int64_t hdims[3] = {D, N, H}, hbm[3] = {N, D, H};
    clnn_tensor_desc_set(&y, CLNN_FLOAT32, 4, r->batch_major ? ybm : ydims);
    clnn_tensor_desc_set(&yh, CLNN_FLOAT32, 3, r->batch_major ? hbm : hdims);
    onnx_set_out(m, n, 0, &y);
    onnx_set_out(m, n, 1, &yh);
    onnx_set_out(m, n, 2, &yh);
    return CLNN_SUCCESS;
}

static void operand(onnx_model *m, const onnx_value *v, clnn_rnn_tensor *t)
{
    t->desc = &v->desc;
    t->mem = onnx_mem(m, v);
    t->offset = 0;
}

static clnn_status run_rnn(onnx_model *m, onnx_node *n)
{
    rnn_state *st = n->state;
    int lstm = st->rnn.mode == CLNN_RNN_LSTM;
    /* ONNX input order: X W R B sequence_lens initial_h (initial_c P). */
    const int slot_in[] = {0, 1, 2, 3, 5, 6, 7};
    clnn_rnn_tensor t[10];
    const clnn_rnn_tensor *p[10] = {0};
    for (int i = 0; i < 7; i++) {
        const onnx_value *v = onnx_in(m, n, slot_in[i]);
        if (v && (lstm || i < 5)) {
            operand(m, v, &t[i]);
            p[i] = &t[i];
        }
    }
    for (int i = 0; i < 3; i++) {
        const onnx_value *v = onnx_out(m, n, i);
        if (v && (lstm || i < 2)) {
            operand(m, v, &t[7 + i]);
            p[7 + i] = &t[7 + i];
        }
    }
    int32_t lens[4096];
    const int32_t *lp = NULL;
    if (onnx_in(m, n, 4)) {
        int64_t l64[4096];
        int count;
        clnn_status s = onnx_host_ints(m, n, 4, l64, 4096, &count);
        if (s != CLNN_SUCCESS)
            return s;
        for (int i = 0; i < count; i++)
            lens[i] = (int32_t)l64[i];
        lp = lens;
    }
    return clnn_rnn_forward(m->ctx, &st->rnn, 0, lp, p[0], p[1], p[2], p[3], p[6], p[4],
                            p[5], p[7], p[8], p[9], onnx_workspace(m), m->workspace_size,
                            NULL, 0);
}

const onnx_op onnx_ops_rnn[] = {
    {"RNN", "activation_alpha,activation_beta,activations,clip,direction,hidden_size,layout",
     3, 6, check_rnn, plan_rnn, run_rnn},
    {"LSTM",
     "activation_alpha,activation_beta,activations,clip,direction,hidden_size,input_forget,"
     "layout", 3, 8, check_rnn, plan_rnn, run_rnn},
    {"GRU",
     "activation_alpha,activation_beta,activations,clip,direction,hidden_size,layout,"
     "linear_before_reset", 3, 6, check_rnn, plan_rnn, run_rnn},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
