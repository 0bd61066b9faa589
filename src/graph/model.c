/* The sequential model builder: layers, shape inference at add time, parameter
 * counts and the Keras summary table. */
#include "model.h"
#include "../core/check.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

clnn_tensor_desc model_batch_desc(const clnn_tensor_desc *sample, int64_t n)
{
    clnn_tensor_desc d = *sample;
    d.rank = sample->rank + 1;
    d.dims[0] = n;
    memcpy(&d.dims[1], sample->dims, (size_t)sample->rank * sizeof(int64_t));
    return d;
}

int64_t model_desc_count(const clnn_tensor_desc *desc)
{
    int64_t c = 1;
    for (int i = 0; i < desc->rank; i++) c *= desc->dims[i];
    return c;
}

clnn_status clnn_model_create(clnn_context_t ctx, clnn_model_t *model)
{
    if (!ctx) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_create: ctx is NULL");
    if (!model) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_create: model is NULL");
    clnn_model *m = calloc(1, sizeof *m);
    if (!m) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_model_create: out of memory");
    m->ctx = ctx;
    *model = m;
    return CLNN_SUCCESS;
}

void clnn_model_destroy(clnn_model_t m)
{
    if (!m) return;
    model_release_buffers(m);
    free(m);
}

/* Keras' class name and default layer name of each kind, in layer_kind order. */
static const char *const kind_names[][2] = {
    {"Dense", "dense"}, {"Conv2D", "conv2d"}, {"MaxPooling2D", "max_pooling2d"},
    {"Flatten", "flatten"}, {"Dropout", "dropout"}, {"Activation", "activation"},
    {"SimpleRNN", "simple_rnn"}, {"LSTM", "lstm"}, {"GRU", "gru"},
    {"Embedding", "embedding"}, {"BatchNormalization", "batch_normalization"},
    {"LayerNormalization", "layer_normalization"}, {"Conv2DTranspose", "conv2d_transpose"},
    {"AveragePooling2D", "average_pooling2d"},
    {"GlobalAveragePooling2D", "global_average_pooling2d"},
    {"GlobalMaxPooling2D", "global_max_pooling2d"}, {"Reshape", "reshape"},
    {"SinePositionEncoding", "sine_position_encoding"},
    {"PositionEmbedding", "position_embedding"},
    {"TransformerEncoder", "transformer_encoder"},
    {"MultiHeadAttention", "multi_head_attention"}, {"Add", "add"},
    {"Concatenate", "concatenate"}};

static const char *kind_type(layer_kind kind)
{
    return kind_names[kind][0];
}

static const char *kind_base(layer_kind kind)
{
    return kind_names[kind][1];
}

clnn_status model_begin_layer(clnn_model *m, layer_kind kind, const char *fn,
                              model_layer **out)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (m->compiled)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the model is compiled; layers can no "
                         "longer be added", fn);
    if (!m->has_input)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: call clnn_model_add_input first", fn);
    if (m->nlayers >= MODEL_MAX_LAYERS)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: at most %d layers", fn, MODEL_MAX_LAYERS);
    model_layer *l = &m->layers[m->nlayers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->act = CLNN_ACTIVATION_NONE;
    l->act_alpha = NAN;
    int same = 0;
    for (int i = 0; i < m->nlayers; i++) same += m->layers[i].kind == kind;
    if (same) snprintf(l->name, sizeof l->name, "%s_%d", kind_base(kind), same);
    else snprintf(l->name, sizeof l->name, "%s", kind_base(kind));
    *out = l;
    return model_link_inputs(m, l, fn);
}

clnn_status model_layer_fail(clnn_model *m, clnn_status st, const char *fn,
                             const model_layer *l, const char *why)
{
    char in[96];
    clnn_format_shape(&l->in, in, sizeof in);
    return clnn_fail(st, "%s: layer %d (%s '%s') with input shape %s (per sample): %s", fn,
                     m->nlayers, kind_type(l->kind), l->name, in, why);
}

clnn_status model_check_act(clnn_model *m, const model_layer *l, int act, const char *fn)
{
    if (act == CLNN_MODEL_SOFTMAX || (act >= CLNN_ACTIVATION_NONE &&
                                      act <= CLNN_ACTIVATION_HARD_SIGMOID))
        return CLNN_SUCCESS;
    char why[64];
    snprintf(why, sizeof why, "unknown activation %d", act);
    return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
}

clnn_status model_check_conv(clnn_model *m, const model_layer *l, int64_t filters,
                             int64_t kh, int64_t kw, int64_t stride, clnn_auto_pad padding,
                             int act, const char *fn)
{
    if (filters < 1 || kh < 1 || kw < 1 || stride < 1)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l,
                                "filters, kernel size and stride must be >= 1");
    if (padding != CLNN_PAD_VALID && padding != CLNN_PAD_SAME_UPPER)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l,
                                "padding must be CLNN_PAD_VALID or CLNN_PAD_SAME_UPPER");
    clnn_status st = model_check_act(m, l, act, fn);
    return st ? st : model_check_image(m, l, fn);
}

clnn_status model_check_image(clnn_model *m, const model_layer *l, const char *fn)
{
    if (l->in.rank == 3) return CLNN_SUCCESS;
    char why[64];
    snprintf(why, sizeof why, "%s needs a [C, H, W] input", kind_type(l->kind));
    return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, why);
}

model_param *model_add_param(clnn_model *m, model_layer *l, const char *what, int rank,
                             const int64_t *dims)
{
    model_param *p = &m->params[m->nparams];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s/%s", l->name, what);
    clnn_tensor_desc_set(&p->desc, CLNN_FLOAT32, rank, dims);
    p->bytes = (size_t)model_desc_count(&p->desc) * sizeof(float);
    p->init = rank >= 2 ? CLNN_INIT_GLOROT_UNIFORM : CLNN_INIT_ZEROS;
    if (!l->param_count) l->param_first = m->nparams;
    l->param_count++;
    m->nparams++;
    return p;
}

clnn_status clnn_model_add_input(clnn_model_t m, int rank, const int64_t *dims)
{
    const char *fn = "clnn_model_add_input";
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!dims) return clnn_fail(CLNN_NULL_POINTER, "%s: dims is NULL", fn);
    if (m->has_input || m->compiled)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the model already has an input", fn);
    if (rank < 1 || rank >= CLNN_MAX_RANK)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rank %d is outside 1..%d", fn, rank,
                         CLNN_MAX_RANK - 1);
    clnn_tensor_desc d;
    if (clnn_tensor_desc_set(&d, CLNN_FLOAT32, rank, dims) != CLNN_SUCCESS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: dims must each be >= 1", fn);
    m->input = d;
    m->has_input = 1;
    m->ninputs = 1;
    m->last_node = -1;
    m->last_node_at = m->nlayers;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_dense(clnn_model_t m, int64_t units, int act)
{
    const char *fn = "clnn_model_add_dense";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_DENSE, fn, &l);
    if (st) return st;
    if (units < 1) return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "units must be >= 1");
    if ((st = model_check_act(m, l, act, fn))) return st;
    int64_t in = l->in.dims[l->in.rank - 1];
    l->units = units;
    l->act = act;
    l->out.dims[l->out.rank - 1] = units;
    model_add_param(m, l, "kernel", 2, (int64_t[]){in, units});
    model_add_param(m, l, "bias", 1, &units);
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_conv2d(clnn_model_t m, int64_t filters, int64_t kh, int64_t kw,
                                  int64_t stride, clnn_auto_pad padding, int act)
{
    const char *fn = "clnn_model_add_conv2d";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_CONV2D, fn, &l);
    if (st) return st;
    if ((st = model_check_conv(m, l, filters, kh, kw, stride, padding, act, fn))) return st;
    l->conv = clnn_conv2d_default(stride, 0);
    l->conv.window.kernel[0] = kh;
    l->conv.window.kernel[1] = kw;
    l->conv.window.auto_pad = padding;
    int64_t wdims[4] = {filters, l->in.dims[0], kh, kw};
    clnn_tensor_desc x = model_batch_desc(&l->in, 1), w, y;
    clnn_tensor_desc_set(&w, CLNN_FLOAT32, 4, wdims);
    if (clnn_conv2d_output_desc(&l->conv, &x, &w, &y) != CLNN_SUCCESS) {
        char why[160];
        snprintf(why, sizeof why, "a %lldx%lld kernel does not fit (%s)", (long long)kh,
                 (long long)kw, clnn_last_error());
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, why);
    }
    l->units = filters;
    l->act = act;
    l->out.dims[0] = filters;
    l->out.dims[1] = y.dims[2];
    l->out.dims[2] = y.dims[3];
    model_add_param(m, l, "kernel", 4, wdims);
    model_add_param(m, l, "bias", 1, &filters);
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_flatten(clnn_model_t m)
{
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_FLATTEN, "clnn_model_add_flatten", &l);
    if (st) return st;
    int64_t n = model_desc_count(&l->in);
    clnn_tensor_desc_set(&l->out, CLNN_FLOAT32, 1, &n);
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_dropout(clnn_model_t m, float rate)
{
    const char *fn = "clnn_model_add_dropout";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_DROPOUT, fn, &l);
    if (st) return st;
    if (!(rate >= 0.0f && rate < 1.0f))
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "rate must be in [0, 1)");
    l->rate = rate;
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_activation(clnn_model_t m, int act)
{
    const char *fn = "clnn_model_add_activation";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_ACTIVATION, fn, &l);
    if (st) return st;
    if ((st = model_check_act(m, l, act, fn))) return st;
    l->act = act;
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_leaky_relu(clnn_model_t m, float alpha)
{
    const char *fn = "clnn_model_add_leaky_relu";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_ACTIVATION, fn, &l);
    if (st) return st;
    if (!(alpha >= 0.0f) || isinf(alpha)) {
        char why[64];
        snprintf(why, sizeof why, "alpha %g must be finite and >= 0", (double)alpha);
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
    }
    l->act = CLNN_ACTIVATION_LEAKY_RELU;
    l->act_alpha = alpha;
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_activation_desc model_act_desc(const model_layer *l)
{
    clnn_activation_desc ad = clnn_activation_default((clnn_activation)l->act);
    if (!isnan(l->act_alpha)) ad.alpha = l->act_alpha;
    return ad;
}

clnn_status clnn_model_add_softmax(clnn_model_t m)
{
    return clnn_model_add_activation(m, CLNN_MODEL_SOFTMAX);
}

static clnn_status add_recurrent(clnn_model *m, layer_kind kind, int64_t units,
                                 int return_sequences, const char *fn)
{
    model_layer *l;
    clnn_status st = model_begin_layer(m, kind, fn, &l);
    if (st) return st;
    if (units < 1 || units > INT32_MAX)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "units must be in 1..2^31-1");
    if (return_sequences != 0 && return_sequences != 1)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "return_sequences must be 0 or 1");
    if (l->in.rank != 2)
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l,
                          "a recurrent layer needs a [timesteps, features] input");
    int64_t gates = kind == LAYER_LSTM ? 4 : kind == LAYER_GRU ? 3 : 1;
    int64_t f = l->in.dims[1];
    memset(&l->rnn, 0, sizeof l->rnn);
    l->rnn.mode = kind == LAYER_LSTM ? CLNN_RNN_LSTM
                  : kind == LAYER_GRU ? CLNN_RNN_GRU : CLNN_RNN_SIMPLE;
    l->rnn.hidden_size = (int)units;
    l->rnn.direction = CLNN_RNN_FORWARD;
    l->rnn.activation = CLNN_ACTIVATION_TANH;
    l->rnn.linear_before_reset = kind == LAYER_GRU; /* Keras' reset_after=True */
    l->rnn.batch_major = 1;
    l->units = units;
    l->return_sequences = return_sequences;
    l->bias_count = (kind == LAYER_GRU ? 2 : 1) * gates * units;
    if (return_sequences) l->out.dims[1] = units;
    else clnn_tensor_desc_set(&l->out, CLNN_FLOAT32, 1, &units);
    model_add_param(m, l, "kernel", 3, (int64_t[]){1, gates * units, f})->init_2d = 1;
    model_param *r =
        model_add_param(m, l, "recurrent_kernel", 3, (int64_t[]){1, gates * units, units});
    r->init = CLNN_INIT_ORTHOGONAL;
    r->init_2d = 1;
    model_add_param(m, l, "bias", 1, &l->bias_count);
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_simple_rnn(clnn_model_t m, int64_t units, int return_sequences)
{
    return add_recurrent(m, LAYER_SIMPLE_RNN, units, return_sequences,
                         "clnn_model_add_simple_rnn");
}

clnn_status clnn_model_add_lstm(clnn_model_t m, int64_t units, int return_sequences)
{
    return add_recurrent(m, LAYER_LSTM, units, return_sequences, "clnn_model_add_lstm");
}

clnn_status clnn_model_add_gru(clnn_model_t m, int64_t units, int return_sequences)
{
    return add_recurrent(m, LAYER_GRU, units, return_sequences, "clnn_model_add_gru");
}

clnn_status clnn_model_add_embedding(clnn_model_t m, int64_t vocab, int64_t dim)
{
    const char *fn = "clnn_model_add_embedding";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_EMBEDDING, fn, &l);
    if (st) return st;
    if (m->nlayers || m->ninputs > 1)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "an embedding must be the first "
                                "layer of a one-input model (its input is token ids)");
    if (vocab < 1 || vocab > (int64_t)1 << 24 || dim < 1)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l,
                          "vocab must be in 1..2^24 (ids travel as floats) and dim >= 1");
    if (l->in.rank >= CLNN_MAX_RANK - 1)
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, "the input has too many axes");
    l->vocab = vocab;
    l->units = dim;
    l->out.dims[l->out.rank++] = dim;
    model_add_param(m, l, "embeddings", 2, (int64_t[]){vocab, dim});
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_set_global_clipnorm(clnn_model_t m, float max_norm)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_set_global_clipnorm: model is NULL");
    if (!(max_norm >= 0.0f) || isinf(max_norm))
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_set_global_clipnorm: max_norm %g must "
                         "be finite and >= 0", (double)max_norm);
    m->clipnorm = max_norm;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_output_desc(clnn_model_t m, clnn_tensor_desc *desc)
{
    if (!m || !desc)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_model_output_desc: %s is NULL",
                         m ? "desc" : "model");
    if (!m->has_input)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_output_desc: the model has no input");
    *desc = m->nlayers ? m->layers[m->nlayers - 1].out : m->input;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_param_count(clnn_model_t m, int64_t *total, int64_t *trainable)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_param_count: model is NULL");
    int64_t t = 0, tr = 0;
    for (int i = 0; i < m->nparams; i++) {
        int64_t c = model_desc_count(&m->params[i].desc);
        t += c;
        if (!m->params[i].frozen) tr += c;
    }
    if (total) *total = t;
    if (trainable) *trainable = tr;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_set_seed(clnn_model_t m, uint64_t seed)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_set_seed: model is NULL");
    if (m->compiled)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_set_seed: the model is compiled");
    m->seed = seed;
    return CLNN_SUCCESS;
}

/* 101770 -> "101,770" */
static void format_count(int64_t v, char *buf, size_t size)
{
    char digits[32], out[48];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = 0;
    snprintf(buf, size, "%s", out);
}

static void format_shape(const clnn_tensor_desc *d, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "(None");
    for (int i = 0; i < d->rank && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, ", %lld", (long long)d->dims[i]);
    if (k < size) snprintf(buf + k, size - k, ")");
}

/* Keras 2's "Connected to" of a functional model: ['dense[0][0]', 'input_1[0][0]']. */
static void connected_to(const clnn_model *m, const model_layer *l, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "[");
    for (int s = 0; s < l->ninputs && k < size; s++) {
        int j = l->inputs[s];
        char input[24];
        snprintf(input, sizeof input, "input_%d", -j);
        k += (size_t)snprintf(buf + k, size - k, "%s'%s[0][0]'", s ? ", " : "",
                              j >= 0 ? m->layers[j].name : input);
    }
    if (k < size) snprintf(buf + k, size - k, "]");
}

/* A functional model's InputLayer rows. */
static void input_rows(const clnn_model *m, FILE *out)
{
    for (int k = 0; k < m->ninputs; k++) {
        char name[32], shape[128];
        snprintf(name, sizeof name, "input_%d (InputLayer)", k + 1);
        format_shape(model_node_desc(m, -1 - k), shape + 1, sizeof shape - 2);
        shape[0] = '[';
        strcat(shape, "]");
        fprintf(out, " %-27.26s %-25s %-10d []\n%65s\n", name, shape, 0, "");
    }
}

clnn_status clnn_model_summary(clnn_model_t m, FILE *out)
{
    if (!m || !out)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_model_summary: %s is NULL",
                         m ? "out" : "model");
    const char *rule = "_________________________________________________________________";
    const char *dbl = "=================================================================";
    int graph = model_is_graph(m);
    fprintf(out, "Model: \"%s\"\n%s\n", graph ? "functional" : "sequential", rule);
    fprintf(out, " %-28s%-26s%-10s%s\n%s\n", "Layer (type)", "Output Shape", "Param #",
            graph ? " Connected to" : "", dbl);
    if (graph) input_rows(m, out);
    for (int i = 0; i < m->nlayers; i++) {
        const model_layer *l = &m->layers[i];
        char name[80], shape[128];
        int64_t count = 0;
        for (int p = 0; p < l->param_count; p++)
            count += model_desc_count(&m->params[l->param_first + p].desc);
        snprintf(name, sizeof name, "%s (%s)", l->name, kind_type(l->kind));
        format_shape(&l->out, shape, sizeof shape);
        /* Keras columns; a longer name wraps onto lines of its own, as Keras 2
         * wraps "batch_normalization (Batch" / "Normalization)". */
        fprintf(out, " %-27.26s %-25s %-10lld", name, shape, (long long)count);
        char conn[512];
        if (graph) connected_to(m, l, conn, sizeof conn);
        fprintf(out, "%s%s\n", graph ? " " : "", graph ? conn : "");
        for (size_t at = 26; at < strlen(name); at += 26)
            fprintf(out, " %-64.26s\n", name + at);
        if (i + 1 < m->nlayers) fprintf(out, "%65s\n", "");
    }
    int64_t total = 0, trainable = 0;
    clnn_model_param_count(m, &total, &trainable);
    char t[48], tr[48], fz[48];
    format_count(total, t, sizeof t);
    format_count(trainable, tr, sizeof tr);
    format_count(total - trainable, fz, sizeof fz);
    fprintf(out, "%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n%s\n",
            dbl, t, tr, fz, rule);
    return CLNN_SUCCESS;
}
