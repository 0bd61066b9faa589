/* The model's internal state, shared by the builder (model.c, graph.c), the
 * allocator (compile.c, layout.c, plan.c), the layer passes (layers.c), the
 * loops (fit.c) and serialization (serialize.c). */
#ifndef CLNN_GRAPH_MODEL_H
#define CLNN_GRAPH_MODEL_H

#include "../core/internal.h"

#define MODEL_MAX_LAYERS 64
#define MODEL_MAX_PARAMS (4 * MODEL_MAX_LAYERS) /* batch normalization has 4 */
/* Loss and metric results stay on the device in this many slots; they are read
 * back when the ring is full or a loop ends. */
#define MODEL_METRIC_SLOTS 64
/* The functional form (graph.c): model inputs, inputs of one layer (Add,
 * Concatenate) and consumers of one node. */
#define MODEL_MAX_INPUTS 8
#define MODEL_MAX_LAYER_INPUTS 8
#define MODEL_MAX_FANOUT 16

typedef enum layer_kind {
    LAYER_DENSE,
    LAYER_CONV2D,
    LAYER_MAXPOOL2D,
    LAYER_FLATTEN,
    LAYER_DROPOUT,
    LAYER_ACTIVATION,
    LAYER_SIMPLE_RNN,           /* the recurrent layers (recurrent.c)             */
    LAYER_LSTM,
    LAYER_GRU,
    LAYER_EMBEDDING,
    LAYER_BATCHNORM,            /* normalization layers (norm_layers.c)           */
    LAYER_LAYERNORM,
    LAYER_CONV_TRANSPOSE2D,     /* spatial layers (spatial_layers.c)              */
    LAYER_AVGPOOL2D,
    LAYER_GLOBAL_AVGPOOL2D,
    LAYER_GLOBAL_MAXPOOL2D,
    LAYER_RESHAPE,
    LAYER_SINE_POSITION,        /* transformer layers (transformer_layers.c)      */
    LAYER_POSITION_EMBEDDING,
    LAYER_TRANSFORMER_ENCODER,
    LAYER_MULTI_HEAD_ATTENTION,
    LAYER_ADD,                  /* multi-input layers (graph.c)                   */
    LAYER_CONCATENATE
} layer_kind;

/* A model parameter: device value, gradient and optimizer state. */
typedef struct model_param {
    char name[64];
    clnn_tensor_desc desc;
    size_t bytes;
    clnn_init_kind init;        /* kernels Glorot uniform, biases zeros           */
    int init_2d;                /* initialise as [elements / last dim, last dim]  */
    int frozen;                 /* 1: not trained (batch norm's moving statistics):
                                   no optimizer state, left out of the step       */
    cl_mem value, grad, state;
} model_param;

typedef struct model_layer {
    layer_kind kind;
    char name[32];
    clnn_tensor_desc in, out;   /* per sample (batch axis excluded)               */
    int act;                    /* clnn_activation or CLNN_MODEL_SOFTMAX          */
    float act_alpha;            /* the activation's alpha; NaN: its default       */
    /* Node ids of the inputs (a layer is node i, model input k node -1 - k) and
     * their buffers; in_a and in_g above are those of input 0. */
    int ninputs, inputs[MODEL_MAX_LAYER_INPUTS];
    cl_mem in_as[MODEL_MAX_LAYER_INPUTS], in_gs[MODEL_MAX_LAYER_INPUTS];
    int axis;                   /* concatenate: per-sample axis (>= 0)            */
    /* Gradient edges (compile.c): consumers after the first (in backward order)
     * write their share into grad_parts, summed into g before this layer's
     * backward; sinks take the gradient a concatenate splits off for an input
     * that needs none. */
    int nparts, edge_part[MODEL_MAX_LAYER_INPUTS]; /* -1: the producer's g itself */
    cl_mem grad_parts[MODEL_MAX_FANOUT], sinks[MODEL_MAX_LAYER_INPUTS];
    int64_t units;              /* dense units, conv filters                      */
    clnn_conv2d_desc conv;
    clnn_conv_transpose2d_desc tconv;
    clnn_window2d pool;
    float rate;                 /* dropout                                        */
    uint64_t drop_offset;       /* dropout: RNG offset of the last training pass  */
    int param_first, param_count;
    /* Buffers for the compiled batch size. The op writes z from the input; the
     * activation writes a from z (a == z without an activation). g holds the
     * gradient w.r.t. a, then (activation backward in place) w.r.t. z. Layers
     * that only reshape (flatten, activation) alias z to their input. */
    cl_mem z, a, g, indices;
    int owns_z, owns_a, owns_g;
    cl_mem in_a, in_g;          /* the previous layer's a and g (in_g NULL: no dx) */
    /* Recurrent layers: params kernel W [1, G*H, F], recurrent_kernel R
     * [1, G*H, H], bias [bias_count]; the op's B [1, 2*G*H] lives in b_full (the
     * bias copied to its front, the rest zero) and its gradient in db_full. The
     * op runs batch-major on the model's [N, T, *] buffers directly. */
    clnn_rnn_desc rnn;
    int return_sequences;
    int64_t bias_count;
    cl_mem reserve, b_full, db_full;
    size_t reserve_bytes;
    int64_t vocab;              /* embedding rows                                 */
    /* Normalization layers: momentum (batch norm), epsilon, and the per-channel
     * (batch norm) or per-row (layer norm) mean and 1/std of the last training
     * forward pass, which backward reads. */
    float momentum, epsilon;
    cl_mem stat_mean, stat_inv_std;
    /* Transformer layers: the encoder block's settings and workspace (kept from
     * forward to backward) or the sine encoding's [T, D] table in aux; the
     * encoder's dx scratch when no earlier layer takes a gradient. */
    clnn_encoder_desc enc;
    cl_mem aux, aux_dx;
    size_t aux_bytes;
} model_layer;

typedef struct clnn_model clnn_model;

struct clnn_model {
    clnn_context_t ctx;
    clnn_tensor_desc input;     /* model input 0 (node -1)                        */
    int has_input;
    /* Inputs 1.. of a multi-input model and their staging buffers (x_stage is
     * input 0's); the builder's last added node and the next layer's inputs set
     * by clnn_model_set_inputs while nlayers == pending_at. */
    int ninputs;
    clnn_tensor_desc more_inputs[MODEL_MAX_INPUTS];
    cl_mem more_stage[MODEL_MAX_INPUTS];
    int last_node, last_node_at;
    int npending, pending[MODEL_MAX_LAYER_INPUTS], pending_at;
    int compiled;
    uint64_t seed;
    int nlayers;
    model_layer layers[MODEL_MAX_LAYERS];
    int nparams;
    model_param params[MODEL_MAX_PARAMS];
    int ntrain;                 /* trainable parameters, compacted into the arrays
                                   below for clipping and the optimizer step      */
    /* compiled state */
    clnn_loss loss;             /* as given */
    clnn_loss train_loss;       /* the loss actually computed (logits mapping)    */
    int loss_on_logits;         /* 1: the last softmax is skipped for the loss    */
    clnn_optimizer_desc opt;
    int64_t batch, step;
    uint64_t dropout_offset;
    cl_mem x_stage, y_stage;    /* one batch of inputs and labels/targets         */
    cl_mem loss_ws, conv_ws, metrics; /* metrics: loss slots then count slots     */
    size_t loss_ws_bytes, conv_ws_bytes;
    cl_mem rnn_ws, clip_ws;     /* shared by the recurrent layers; clipping       */
    size_t rnn_ws_bytes, clip_ws_bytes;
    float clipnorm;             /* > 0: clip the gradients' global norm           */
    float *host_x, *host_y;     /* host staging for a shuffled batch              */
    float *host_split;          /* a batch cut into its inputs (several inputs)   */
    /* plan.c: the bytes of the pooled buffers holding the activations and their
     * gradients, and of one buffer per tensor. */
    size_t activation_bytes, naive_bytes;
    int no_plan;
    const clnn_tensor_desc *param_descs[MODEL_MAX_PARAMS];
    cl_mem param_values[MODEL_MAX_PARAMS], param_grads[MODEL_MAX_PARAMS],
        param_states[MODEL_MAX_PARAMS];
    /* manual.c: the gradient buffers of the input and of the layers before the
     * first one with parameters (allocated on the first request for dx), and
     * the last forward_buffer's n and training flag (n 0: none since). */
    cl_mem manual_dx, manual_g[MODEL_MAX_LAYERS];
    int64_t manual_n;
    int manual_training;
};

/* Full descriptor [n, per-sample dims...] of a per-sample shape. */
clnn_tensor_desc model_batch_desc(const clnn_tensor_desc *sample, int64_t n);
int64_t model_desc_count(const clnn_tensor_desc *desc);
/* Whether the loss takes int32 labels (the sparse losses). */
int model_loss_sparse(clnn_loss loss);
/* The number of classes, or the target elements per sample. */
int64_t model_output_count(const clnn_model *m);

/* compile.c */
void model_release_buffers(clnn_model *m);

/* layers.c: one pass over a batch of n samples already in x_stage (y_stage). */
clnn_status model_forward(clnn_model *m, int64_t n, int training);
/* Loss (and its gradient when `backward`), written to the loss slot `slot`, and
 * the correct count to the count slot (when accuracy is defined). */
clnn_status model_loss(clnn_model *m, int64_t n, int slot, int backward);
clnn_status model_backward(clnn_model *m, int64_t n);
clnn_status model_update(clnn_model *m);
/* The buffer holding the model's output (after the final activation). */
cl_mem model_output(const clnn_model *m);
/* Whether the compiled loss reports an accuracy. */
int model_has_accuracy(const clnn_model *m);

#define MODEL_IS_RNN(kind) ((kind) >= LAYER_SIMPLE_RNN && (kind) <= LAYER_GRU)

/* compile.c: a zero-filled device buffer. */
clnn_status model_alloc(clnn_model *m, size_t bytes, cl_mem *out);

/* recurrent.c: the recurrent and embedding layers' passes and buffers. */
clnn_status model_rnn_forward(clnn_model *m, model_layer *l, int64_t n, int training);
clnn_status model_rnn_backward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_rnn_alloc(clnn_model *m, model_layer *l);
void model_rnn_release(model_layer *l);
clnn_status model_embedding_forward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_embedding_backward(clnn_model *m, const model_layer *l, int64_t n);
/* Whether the model's input is token ids (an embedding first). */
int model_int_input(const clnn_model *m);

/* model.c: the builder's helpers, shared with the layer families' files. */
/* Checks that a layer may be added and returns its slot (not yet counted). */
clnn_status model_begin_layer(clnn_model *m, layer_kind kind, const char *fn,
                              model_layer **out);
/* Fails naming the layer (index, type and name) and its input shape. */
clnn_status model_layer_fail(clnn_model *m, clnn_status st, const char *fn,
                             const model_layer *l, const char *why);
clnn_status model_check_act(clnn_model *m, const model_layer *l, int act, const char *fn);
/* The arguments shared by Conv2D and Conv2DTranspose, and their [C, H, W] input. */
clnn_status model_check_conv(clnn_model *m, const model_layer *l, int64_t filters,
                             int64_t kh, int64_t kw, int64_t stride, clnn_auto_pad padding,
                             int act, const char *fn);
/* CLNN_SHAPE_MISMATCH naming the layer unless its input is [C, H, W]. */
clnn_status model_check_image(clnn_model *m, const model_layer *l, const char *fn);
/* Records a parameter (allocated at compile time). */
model_param *model_add_param(clnn_model *m, model_layer *l, const char *what, int rank,
                             const int64_t *dims);

/* norm_layers.c: batch and layer normalization passes and buffers. */
clnn_status model_norm_forward(clnn_model *m, const model_layer *l, int64_t n, int training);
clnn_status model_norm_backward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_norm_alloc(clnn_model *m, model_layer *l);

/* spatial_layers.c: transposed convolution and the average/global pooling passes,
 * and the transposed convolution's workspace size. */
clnn_status model_spatial_forward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_spatial_backward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_spatial_workspace(clnn_model *m, const model_layer *l, size_t *bytes);

/* transformer_layers.c: positional encodings and the encoder block. */
clnn_status model_transformer_forward(clnn_model *m, model_layer *l, int64_t n, int training);
clnn_status model_transformer_backward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_transformer_alloc(clnn_model *m, model_layer *l);
void model_transformer_release(model_layer *l);
/* Labels per sample of a sparse loss (1 for [classes], T for [T, classes]) and
 * the classes (the output's last axis). */
int64_t model_label_rows(const clnn_model *m);
int64_t model_classes(const clnn_model *m);

#define MODEL_IS_TRANSFORMER(kind) ((kind) >= LAYER_SINE_POSITION && \
                                    (kind) <= LAYER_MULTI_HEAD_ATTENTION)

#define MODEL_IS_NORM(kind) ((kind) == LAYER_BATCHNORM || (kind) == LAYER_LAYERNORM)

/* graph.c: the functional form. */
/* The per-sample shape of node `id` (a layer's output or a model input). */
const clnn_tensor_desc *model_node_desc(const clnn_model *m, int id);
/* The staging buffer of model input k. */
cl_mem model_input_stage(const clnn_model *m, int k);
/* Floats per sample of x (all inputs' elements, input after input). */
int64_t model_x_row(const clnn_model *m);
/* Whether the model uses the functional form (several inputs, or a layer whose
 * input is not the previous layer). */
int model_is_graph(const clnn_model *m);
/* Sets a new layer's inputs (the pending ones or the previous node); fails naming
 * the layer when the count does not suit its kind. */
clnn_status model_link_inputs(clnn_model *m, model_layer *l, const char *fn);
clnn_status model_graph_forward(clnn_model *m, const model_layer *l, int64_t n);
clnn_status model_graph_backward(clnn_model *m, const model_layer *l, int64_t n);
/* Adds the gradient parts of other consumers into l->g. */
clnn_status model_sum_grad_parts(clnn_model *m, const model_layer *l, int64_t n);
/* The activation descriptor of a layer (its alpha when set). */
clnn_activation_desc model_act_desc(const model_layer *l);

/* layout.c: CLNN_INVALID_VALUE naming an input or a layer (but the last) that
 * feeds nothing; then the activation buffers, their gradients and the links. */
clnn_status model_check_graph(const clnn_model *m);
clnn_status model_alloc_layers(clnn_model *m);

/* plan.c: buffer requests with their lifetimes (steps of a training pass:
 * forward of layer i at i, the loss at L, backward of layer i at 2L - i; both
 * ends included), filled in (*slot) by the commit. */
typedef struct model_plan_req {
    size_t bytes, offset;
    int start, end;
    cl_mem *slot;
} model_plan_req;
typedef struct model_plan {
    model_plan_req *reqs;
    int count, cap;
} model_plan;
clnn_status model_plan_request(clnn_model *m, model_plan *p, size_t bytes, int start, int end,
                               cl_mem *slot);
/* Allocates the pool and fills the slots (one buffer each with the plan off). */
clnn_status model_plan_commit(clnn_model *m, model_plan *p);

/* manual.c: releases the manual-gradient buffers (from model_release_buffers). */
void model_manual_release(clnn_model *m);

/* fit.c helpers shared with the tests of the public API */
clnn_status model_upload_batch(clnn_model *m, const float *x, const void *y,
                               const int64_t *order, int64_t first, int64_t n);

#endif
