/* The transformer layers of the sequential model: SinePositionEncoding and
 * PositionEmbedding (x plus a fixed or learned [T, D] table, broadcast over the
 * batch) and the TransformerEncoder block (clnn_encoder_forward/_backward of
 * clnn/mha.h, which keeps its intermediates in the layer's workspace). */
#include "model.h"

#include <stdint.h>
#include <string.h>

/* The block's dropout stream, apart from the Dropout layers'. */
#define ENCODER_DROPOUT_SALT 0xD1B54A32D192ED03ull

/* Parameter order of the encoder layer (see clnn_model_add_transformer_encoder):
 * query, key, value and output kernel/bias pairs, then these. */
enum { ENC_LN1 = 8, ENC_FFN1 = 10, ENC_FFN2 = 12, ENC_LN2 = 14 };

static clnn_status begin_sequence_layer(clnn_model *m, layer_kind kind, const char *fn,
                                        model_layer **out)
{
    clnn_status st = model_begin_layer(m, kind, fn, out);
    if (st) return st;
    if ((*out)->in.rank != 2)
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, *out,
                                "needs a [T, D] input (a sequence of token vectors)");
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_sine_position_encoding(clnn_model_t m)
{
    model_layer *l;
    clnn_status st = begin_sequence_layer(m, LAYER_SINE_POSITION,
                                          "clnn_model_add_sine_position_encoding", &l);
    if (st) return st;
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_position_embedding(clnn_model_t m)
{
    model_layer *l;
    clnn_status st = begin_sequence_layer(m, LAYER_POSITION_EMBEDDING,
                                          "clnn_model_add_position_embedding", &l);
    if (st) return st;
    model_add_param(m, l, "embeddings", 2, l->in.dims);
    m->nlayers++;
    return CLNN_SUCCESS;
}

/* The reason the encoder's arguments are rejected, or NULL. */
static const char *encoder_arg_error(int num_heads, int key_dim, int64_t d_ff, int act,
                                     float dropout, char *why, size_t size)
{
    if (num_heads < 1) snprintf(why, size, "num_heads %d must be >= 1", num_heads);
    else if (key_dim < 1) snprintf(why, size, "key_dim %d must be >= 1", key_dim);
    else if (d_ff < 1 || d_ff > INT32_MAX)
        snprintf(why, size, "d_ff %lld must be in 1..2^31-1", (long long)d_ff);
    else if (act < CLNN_ACTIVATION_NONE || act > CLNN_ACTIVATION_HARD_SIGMOID)
        snprintf(why, size, "act %d is not a clnn_activation", act);
    else if (!(dropout >= 0.0f && dropout < 1.0f))
        snprintf(why, size, "dropout %g must be in [0, 1)", (double)dropout);
    else return NULL;
    return why;
}

/* MultiHeadAttention's kernels and biases: query and key [E, hk], value [E, hv],
 * output [hv, E]. */
static void add_mha_params(clnn_model *m, model_layer *l, int64_t e, int64_t hk, int64_t hv)
{
    static const char *const proj[] = {"query", "key", "value"};
    char name[32];
    for (int i = 0; i < 3; i++) {
        int64_t width = i == 2 ? hv : hk;
        snprintf(name, sizeof name, "%s_kernel", proj[i]);
        model_add_param(m, l, name, 2, (int64_t[]){e, width});
        snprintf(name, sizeof name, "%s_bias", proj[i]);
        model_add_param(m, l, name, 1, &width);
    }
    model_add_param(m, l, "output_kernel", 2, (int64_t[]){hv, e});
    model_add_param(m, l, "output_bias", 1, &e);
}

static void add_encoder_params(clnn_model *m, model_layer *l, int64_t e, int64_t hk,
                               int64_t d_ff)
{
    add_mha_params(m, l, e, hk, hk);
    model_add_param(m, l, "ln1_gamma", 1, &e)->init = CLNN_INIT_ONES;
    model_add_param(m, l, "ln1_beta", 1, &e);
    model_add_param(m, l, "ffn1_kernel", 2, (int64_t[]){e, d_ff});
    model_add_param(m, l, "ffn1_bias", 1, &d_ff);
    model_add_param(m, l, "ffn2_kernel", 2, (int64_t[]){d_ff, e});
    model_add_param(m, l, "ffn2_bias", 1, &e);
    model_add_param(m, l, "ln2_gamma", 1, &e)->init = CLNN_INIT_ONES;
    model_add_param(m, l, "ln2_beta", 1, &e);
}

clnn_status clnn_model_add_transformer_encoder(clnn_model_t m, int64_t d_model, int num_heads,
                                               int key_dim, int64_t d_ff, int act,
                                               float dropout)
{
    const char *fn = "clnn_model_add_transformer_encoder";
    model_layer *l;
    clnn_status st = begin_sequence_layer(m, LAYER_TRANSFORMER_ENCODER, fn, &l);
    if (st) return st;
    char why[96];
    if (encoder_arg_error(num_heads, key_dim, d_ff, act, dropout, why, sizeof why))
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
    if (d_model != l->in.dims[1]) {
        snprintf(why, sizeof why, "d_model %lld does not match the input's last dim %lld",
                 (long long)d_model, (long long)l->in.dims[1]);
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, why);
    }
    memset(&l->enc, 0, sizeof l->enc);
    l->enc.mha.num_heads = num_heads;
    l->enc.mha.key_dim = key_dim; /* value_dim 0: key_dim, Keras' default */
    l->enc.d_ff = (int)d_ff;
    l->enc.act = clnn_activation_default((clnn_activation)act);
    l->rate = dropout;
    add_encoder_params(m, l, d_model, (int64_t)num_heads * key_dim, d_ff);
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_multi_head_attention(clnn_model_t m, int num_heads, int key_dim,
                                                int value_dim, int causal)
{
    const char *fn = "clnn_model_add_multi_head_attention";
    model_layer *l;
    clnn_status st = begin_sequence_layer(m, LAYER_MULTI_HEAD_ATTENTION, fn, &l);
    if (st) return st;
    char why[96];
    if (encoder_arg_error(num_heads, key_dim, 1, CLNN_ACTIVATION_NONE, 0.0f, why, sizeof why))
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
    if (value_dim < 0 || (causal != 0 && causal != 1))
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l,
                                "value_dim must be >= 0 (0: key_dim) and causal 0 or 1");
    memset(&l->enc, 0, sizeof l->enc);
    l->enc.mha.num_heads = num_heads;
    l->enc.mha.key_dim = key_dim;
    l->enc.mha.value_dim = value_dim ? value_dim : key_dim;
    l->enc.mha.attn.causal = causal;
    add_mha_params(m, l, l->in.dims[1], (int64_t)num_heads * key_dim,
                   (int64_t)num_heads * l->enc.mha.value_dim);
    m->nlayers++;
    return CLNN_SUCCESS;
}

/* The encoder's parameters (grad 0) or their gradients (grad 1). */
static clnn_encoder_params encoder_params(const clnn_model *m, const model_layer *l, int grad)
{
    const model_param *p = &m->params[l->param_first];
    cl_mem mem[16] = {0};
    for (int i = 0; i < l->param_count; i++) mem[i] = grad ? p[i].grad : p[i].value;
    clnn_encoder_params e;
    memset(&e, 0, sizeof e);
    for (int i = 0; i < 4; i++) {
        e.mha.w[i] = mem[2 * i]; /* CLNN_MHA_Q .. CLNN_MHA_O, as added */
        e.mha.b[i] = mem[2 * i + 1];
    }
    e.ln1_scale = mem[ENC_LN1];
    e.ln1_bias = mem[ENC_LN1 + 1];
    e.w1 = mem[ENC_FFN1];
    e.b1 = mem[ENC_FFN1 + 1];
    e.w2 = mem[ENC_FFN2];
    e.b2 = mem[ENC_FFN2 + 1];
    e.ln2_scale = mem[ENC_LN2];
    e.ln2_bias = mem[ENC_LN2 + 1];
    return e;
}

clnn_status model_transformer_forward(clnn_model *m, model_layer *l, int64_t n, int training)
{
    clnn_tensor_desc x = model_batch_desc(&l->in, n);
    if (l->kind == LAYER_MULTI_HEAD_ATTENTION) {
        clnn_encoder_params p = encoder_params(m, l, 0); /* self-attention: x three times */
        return clnn_mha_forward(m->ctx, &l->enc.mha, &x, l->in_a, 0, &x, l->in_a, 0, &x,
                                l->in_a, 0, &p.mha, NULL, NULL, 0, NULL, NULL, 0, &x, l->z, 0,
                                l->aux, l->aux_bytes);
    }
    if (l->kind != LAYER_TRANSFORMER_ENCODER) {
        cl_mem table = l->kind == LAYER_SINE_POSITION ? l->aux : m->params[l->param_first].value;
        return clnn_binary(m->ctx, CLNN_BINARY_ADD, &x, l->in_a, 0, &l->in, table, 0, &x, l->z,
                           0);
    }
    /* The backward reads the same descriptor, so it sees this pass's dropout. */
    l->enc.dropout_ratio = training ? l->rate : 0.0f;
    l->enc.dropout_seed = m->seed ^ ENCODER_DROPOUT_SALT;
    if (training && l->rate > 0.0f) {
        l->enc.dropout_offset = m->dropout_offset;
        m->dropout_offset += 2 * (uint64_t)model_desc_count(&x); /* two dropouts */
    }
    clnn_encoder_params p = encoder_params(m, l, 0);
    return clnn_encoder_forward(m->ctx, &l->enc, &x, l->in_a, 0, &p, NULL, NULL, 0, &x, l->z, 0,
                                l->aux, l->aux_bytes);
}

clnn_status model_transformer_backward(clnn_model *m, const model_layer *l, int64_t n)
{
    clnn_tensor_desc x = model_batch_desc(&l->in, n);
    if (l->kind == LAYER_MULTI_HEAD_ATTENTION) {
        /* One dx buffer passed three times receives dquery + dkey + dvalue. */
        clnn_encoder_params p = encoder_params(m, l, 0), g = encoder_params(m, l, 1);
        return clnn_mha_backward(m->ctx, &l->enc.mha, &x, l->in_a, 0, &x, l->in_a, 0, &x,
                                 l->in_a, 0, &p.mha, &x, l->g, 0, l->in_g, 0, l->in_g, 0,
                                 l->in_g, 0, &g.mha, l->aux, l->aux_bytes);
    }
    if (l->kind == LAYER_TRANSFORMER_ENCODER) {
        clnn_encoder_params p = encoder_params(m, l, 0), g = encoder_params(m, l, 1);
        return clnn_encoder_backward(m->ctx, &l->enc, &x, l->in_a, 0, &p, NULL, NULL, 0, &x,
                                     l->g, 0, l->in_g ? l->in_g : l->aux_dx, 0, &g, l->aux,
                                     l->aux_bytes);
    }
    clnn_status st = CLNN_SUCCESS;
    if (l->kind == LAYER_POSITION_EMBEDDING) {
        /* d table = the sum of dy over the batch */
        const model_param *t = &m->params[l->param_first];
        int axis = 0;
        st = clnn_reduce_forward(m->ctx, CLNN_REDUCE_SUM, 1, &axis, 0, &x, l->g, 0, &t->desc,
                                 t->grad, 0, l->aux, l->aux_bytes);
    }
    if (st || !l->in_g) return st;
    cl_int err = clEnqueueCopyBuffer(clnn_context_cl_queue(m->ctx), l->g, l->in_g, 0, 0,
                                     (size_t)model_desc_count(&x) * sizeof(float), 0, NULL,
                                     NULL);
    return err == CL_SUCCESS ? CLNN_SUCCESS
                             : clnn_fail_cl(err, "model: the gradient of a position layer");
}

clnn_status model_transformer_alloc(clnn_model *m, model_layer *l)
{
    clnn_tensor_desc x = model_batch_desc(&l->in, m->batch);
    clnn_status st;
    int axis = 0;
    switch (l->kind) {
    case LAYER_SINE_POSITION:
        l->aux_bytes = (size_t)model_desc_count(&l->in) * sizeof(float);
        if ((st = model_alloc(m, l->aux_bytes, &l->aux))) return st;
        return clnn_positional_encoding(m->ctx, &l->in, l->aux, 0);
    case LAYER_POSITION_EMBEDDING:
        st = clnn_reduce_workspace_size(m->ctx, CLNN_REDUCE_SUM, 1, &axis, 0, &x, &l->aux_bytes);
        return st || !l->aux_bytes ? st : model_alloc(m, l->aux_bytes, &l->aux);
    case LAYER_MULTI_HEAD_ATTENTION:
        st = clnn_mha_workspace_size(&l->enc.mha, &x, &x, &l->aux_bytes);
        return st ? st : model_alloc(m, l->aux_bytes, &l->aux);
    default:
        if ((st = clnn_encoder_workspace_size(&l->enc, &x, &l->aux_bytes)) ||
            (st = model_alloc(m, l->aux_bytes, &l->aux)))
            return st;
        /* The block always computes dx; without an earlier layer to take it, it
         * goes to scratch. */
        if (!l->in_g)
            st = model_alloc(m, (size_t)model_desc_count(&x) * sizeof(float), &l->aux_dx);
        return st;
    }
}

void model_transformer_release(model_layer *l)
{
    if (l->aux) clReleaseMemObject(l->aux);
    if (l->aux_dx) clReleaseMemObject(l->aux_dx);
    l->aux = l->aux_dx = NULL;
    l->aux_bytes = 0;
}
