/*
 * clnn/model.h: a Keras-like model on top of the primitives: sequential, or
 * functional (several inputs, residual adds; see "functional form" below).
 *
 *   clnn_model_t m;
 *   clnn_model_create(ctx, &m);
 *   clnn_model_add_input(m, 3, (int64_t[]){1, 28, 28});   per-sample shape, NCHW
 *   clnn_model_add_flatten(m);
 *   clnn_model_add_dense(m, 128, CLNN_ACTIVATION_RELU);
 *   clnn_model_add_dense(m, 10, CLNN_MODEL_SOFTMAX);
 *   clnn_model_summary(m, stdout);
 *   clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &adam, 32);
 *   clnn_model_fit(m, x, y, n, &options, NULL);
 *
 * Shapes: every shape given to or printed by the model is per sample (the batch
 * axis excluded), in clnn's layout (NCHW images: [C, H, W]). Shapes are inferred
 * when a layer is added; a layer that does not fit its input fails with
 * CLNN_SHAPE_MISMATCH (or CLNN_INVALID_VALUE for a bad argument) and a message
 * naming the layer (index and type) and the shapes, and the model is unchanged.
 *
 * Activations: the `act` argument of dense and conv2d layers and of
 * clnn_model_add_activation is a clnn_activation value or CLNN_MODEL_SOFTMAX
 * (softmax over the last axis). The layers run the op without a fused activation
 * and keep its output for the backward pass.
 *
 * Softmax and cross-entropy: when the last layer ends in a softmax and the loss is
 * CLNN_LOSS_SPARSE_CE or CLNN_LOSS_CATEGORICAL_CE, training and evaluation compute
 * the loss from the logits before the softmax (CLNN_LOSS_*_LOGITS), which is the
 * same function without the probability clipping and numerically stable; predict
 * still returns the probabilities.
 *
 * Training data lives in host memory: x is float32 [n, input shape...]; y is int32
 * labels [n] (or [n, T], below) for the sparse losses and float32 targets
 * [n, output shape...] otherwise. fit shuffles (seeded), uploads one batch at a time into a staging
 * buffer, and handles a last partial batch by running it with a smaller batch.
 * Per-token classification: a Dense on a [T, F] output acts on the last axis,
 * so the output is [T, classes]; the sparse losses then take int32 labels
 * [n, T] (one per token), the loss is the mean over the n*T tokens and the
 * accuracy is per token.
 * Accuracy is reported for the sparse losses (argmax) and the binary losses
 * (threshold 0.5, or 0 for logits); it is NaN for the others.
 *
 * Sequences: recurrent layers take a per-sample [timesteps, features] input, so
 * the model's batch is [N, T, F] (batch-major like Keras), which
 * clnn_rnn_forward reads and writes in place (its batch_major layout).
 *
 * Token ids: when the first layer is an embedding, x still is a float32 host
 * array, holding the ids as whole numbers (exact up to 2^24); the loops check
 * every id on the host (CLNN_INVALID_VALUE naming the position for an id outside
 * [0, vocab) or not a whole number) and convert the batch to int32 at upload.
 *
 * Everything is allocated by clnn_model_compile (activation buffers shared where
 * lifetimes allow: see clnn_model_memory_stats); the training loop allocates
 * nothing on the device. After compile no layer may be added (CLNN_INVALID_VALUE).
 */
#ifndef CLNN_MODEL_H
#define CLNN_MODEL_H

#include <stdio.h>
#include <clnn/core.h>
#include <clnn/activation.h>
#include <clnn/window.h>
#include <clnn/loss.h>
#include <clnn/optim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Softmax over the last axis, as an `act` argument. */
#define CLNN_MODEL_SOFTMAX 100

/* Keras' defaults of BatchNormalization (momentum, epsilon) and
 * LayerNormalization (epsilon). */
#define CLNN_MODEL_BN_MOMENTUM 0.99f
#define CLNN_MODEL_NORM_EPSILON 1e-3f

typedef struct clnn_model *clnn_model_t;

/* Creates an empty model on `ctx` (the model does not own the context). */
CLNN_API clnn_status clnn_model_create(clnn_context_t ctx, clnn_model_t *model);

/* Releases the model and everything it allocated (NULL is a no-op). */
CLNN_API void clnn_model_destroy(clnn_model_t model);

/* ---------------------------------------------------------------- building */

/* The per-sample input shape (rank 1 .. CLNN_MAX_RANK - 1, dims >= 1); must come
 * first and only once. */
CLNN_API clnn_status clnn_model_add_input(clnn_model_t model, int rank, const int64_t *dims);

/* Dense(units, act) on the last axis: kernel [in, units] (Glorot uniform), bias
 * [units] (zeros). */
CLNN_API clnn_status clnn_model_add_dense(clnn_model_t model, int64_t units, int act);

/* Conv2D(filters, (kh, kw), stride, padding, act) on a [C, H, W] input: kernel
 * [filters, C, kh, kw] (Glorot uniform), bias [filters] (zeros). `padding` is
 * CLNN_PAD_VALID (Keras' "valid") or CLNN_PAD_SAME_UPPER ("same"). */
CLNN_API clnn_status clnn_model_add_conv2d(clnn_model_t model, int64_t filters, int64_t kh,
                                           int64_t kw, int64_t stride, clnn_auto_pad padding,
                                           int act);

/* MaxPooling2D(k, stride) on a [C, H, W] input, no padding (Keras' "valid"). */
CLNN_API clnn_status clnn_model_add_maxpool2d(clnn_model_t model, int64_t k, int64_t stride);

/* Flatten: [d1, d2, ...] -> [d1 * d2 * ...] (NCHW order, so the order differs
 * from Keras' NHWC flatten; counts do not). */
CLNN_API clnn_status clnn_model_add_flatten(clnn_model_t model);

/* Reshape(target): the per-sample shape becomes dims[0 .. rank-1] (rank 1 .. 7,
 * the batch axis excluded as everywhere here), in row-major (NCHW) order. One
 * dim may be -1: it takes whatever the others leave. A second -1, a dim of 0 or
 * below -1 is CLNN_INVALID_VALUE; a target whose element count differs from the
 * input's (or that -1 cannot complete) is CLNN_SHAPE_MISMATCH naming both
 * shapes. A view: no copy, no parameters. */
CLNN_API clnn_status clnn_model_add_reshape(clnn_model_t model, int rank, const int64_t *dims);

/* Conv2DTranspose(filters, (kh, kw), stride, padding, output_padding, act) on a
 * [C, H, W] input, with Keras' output size per axis (k the kernel size, s the
 * stride, "none" = -1, Keras' default):
 *   valid, none:      H * s + max(k - s, 0)
 *   same,  none:      H * s
 *   valid, p >= 0:    (H - 1) * s + k + p
 *   same,  p >= 0:    (H - 1) * s + k - 2 * (k / 2) + p
 * and TensorFlow's placement (a "same" layer pads like the conv2d whose gradient
 * it is, the odd pad at the end). output_padding is -1 or in 0 .. stride-1 (else
 * CLNN_INVALID_VALUE); `padding` is CLNN_PAD_VALID or CLNN_PAD_SAME_UPPER.
 * Parameters: kernel [C, filters, kh, kw] (ONNX ConvTranspose layout, Keras'
 * (kh, kw, filters, C) transposed; Glorot uniform), bias [filters] (zeros):
 * kh*kw*filters*C + filters, as Keras counts. */
CLNN_API clnn_status clnn_model_add_conv_transpose2d(clnn_model_t model, int64_t filters,
                                                     int64_t kh, int64_t kw, int64_t stride,
                                                     clnn_auto_pad padding,
                                                     int64_t output_padding, int act);

/* AveragePooling2D(k, stride) on a [C, H, W] input, no padding (Keras'
 * "valid"). */
CLNN_API clnn_status clnn_model_add_avgpool2d(clnn_model_t model, int64_t k, int64_t stride);

/* GlobalAveragePooling2D and GlobalMaxPooling2D: [C, H, W] -> [C], the mean or
 * the maximum of each channel (the max's gradient goes to the first maximum). */
CLNN_API clnn_status clnn_model_add_global_avgpool2d(clnn_model_t model);
CLNN_API clnn_status clnn_model_add_global_maxpool2d(clnn_model_t model);

/* BatchNormalization(momentum, epsilon) over the channel axis: C of a [C, H, W]
 * input (NCHW, Keras' axis 1 for channels-first), else the last axis (Keras'
 * default axis -1: a Dense output [units], a sequence [T, F]); every other axis
 * and the batch are reduced. Keras' defaults are CLNN_MODEL_BN_MOMENTUM (0.99)
 * and CLNN_MODEL_NORM_EPSILON (1e-3); momentum must lie in [0, 1] and epsilon be
 * finite and > 0 (else CLNN_INVALID_VALUE).
 * Parameters, C each: gamma (ones) and beta (zeros), trainable; moving_mean
 * (zeros) and moving_variance (ones), non-trainable: counted in the summary's
 * non-trainable params (BatchNormalization after Dense(64): 256 params, 128
 * trainable), listed by clnn_model_param_tensors and saved and loaded with the
 * weights, but never changed by the optimizer.
 * Training passes (fit, train_on_batch and compute_gradients, as Keras' call with
 * training=True) normalize with the batch's mean and biased variance and update
 *   moving = momentum * moving + (1 - momentum) * batch statistic,
 * where the variance fed to the moving average is the unbiased one (M / (M - 1)
 * times the biased, M the values per channel; as TensorFlow's fused kernel and
 * PyTorch do; Keras 3's unfused path uses the biased one). Inference (evaluate,
 * predict) normalizes with the moving statistics. */
CLNN_API clnn_status clnn_model_add_batchnorm(clnn_model_t model, float momentum,
                                              float epsilon);

/* LayerNormalization(epsilon) over the last axis (Keras' default axis -1), the
 * same in training and inference: y = (x - mean) / sqrt(var + epsilon) * gamma +
 * beta per row. epsilon must be finite and > 0 (Keras' default
 * CLNN_MODEL_NORM_EPSILON, 1e-3; the transformer block uses 1e-6). Parameters
 * gamma (ones) and beta (zeros), [last dim] each. */
CLNN_API clnn_status clnn_model_add_layernorm(clnn_model_t model, float epsilon);

/* Dropout(rate), rate in [0, 1): active in fit and train_on_batch only. */
CLNN_API clnn_status clnn_model_add_dropout(clnn_model_t model, float rate);

/* A separate activation layer (`act` as for dense). CLNN_ACTIVATION_LEAKY_RELU
 * here and as a layer option uses the activation op's alpha, 0.01 (PyTorch's
 * default); clnn_model_add_leaky_relu sets it. */
CLNN_API clnn_status clnn_model_add_activation(clnn_model_t model, int act);

/* LeakyReLU(alpha): x >= 0 ? x : alpha * x. Keras' LeakyReLU layer defaults to
 * alpha (negative_slope) 0.3, PyTorch's to 0.01: pass the one wanted. alpha must
 * be finite and >= 0 (else CLNN_INVALID_VALUE). */
CLNN_API clnn_status clnn_model_add_leaky_relu(clnn_model_t model, float alpha);

/* Softmax over the last axis (the same as clnn_model_add_activation with
 * CLNN_MODEL_SOFTMAX). */
CLNN_API clnn_status clnn_model_add_softmax(clnn_model_t model);

/* Recurrent layers (Keras' SimpleRNN, LSTM, GRU with their defaults: tanh,
 * forward only) on a [T, F] input; the output is [units] (the last step's hidden
 * state) for return_sequences 0 and [T, units] for 1. Another rank of input is
 * CLNN_SHAPE_MISMATCH. Parameters, in ONNX layout (gate order i o f c for LSTM,
 * z r h for GRU, so Keras weights need their gate blocks reordered and
 * transposing): kernel [1, G*units, F] (Glorot uniform), recurrent_kernel
 * [1, G*units, units] (orthogonal), bias (zeros; LSTM's forget block ones, as
 * Keras' unit_forget_bias). The counts equal Keras': SimpleRNN and LSTM have one
 * bias [G*units] (ONNX' Wb; its Rb is held at zero, neither trainable nor
 * counted): units*(F+units+1) and 4*units*(F+units+1); GRU is Keras' default
 * reset_after=True (ONNX linear_before_reset=1) with both biases [2*3*units]
 * (Wb then Rb): 3*units*(F+units+2). */
CLNN_API clnn_status clnn_model_add_simple_rnn(clnn_model_t model, int64_t units,
                                               int return_sequences);
CLNN_API clnn_status clnn_model_add_lstm(clnn_model_t model, int64_t units,
                                         int return_sequences);
CLNN_API clnn_status clnn_model_add_gru(clnn_model_t model, int64_t units,
                                        int return_sequences);

/* Embedding(vocab, dim): int token ids (see "Token ids" above) of any per-sample
 * shape S -> [S..., dim]; parameter embeddings [vocab, dim] (Glorot uniform,
 * where Keras draws U(-0.05, 0.05)). It must be the first layer (else
 * CLNN_INVALID_VALUE); vocab in 1..2^24, dim >= 1. No gradient flows to the ids. */
CLNN_API clnn_status clnn_model_add_embedding(clnn_model_t model, int64_t vocab,
                                              int64_t dim);

/* Transformer layers, on a [T, D] input (a sequence of T tokens of width D, as
 * an embedding gives), with the same [T, D] output; another rank is
 * CLNN_SHAPE_MISMATCH.
 *
 * SinePositionEncoding: y = x + PE, PE the fixed sinusoidal encoding [T, D] of
 * clnn_positional_encoding (Keras Hub's SinePositionEncoding, whose output is
 * then added to x as in its examples). No parameters.
 *
 * PositionEmbedding: y = x + P, P a learned [T, D] position table (Keras Hub's
 * PositionEmbedding(sequence_length = T), added to x likewise): parameter
 * embeddings [T, D] (Glorot uniform), T*D params. */
CLNN_API clnn_status clnn_model_add_sine_position_encoding(clnn_model_t model);
CLNN_API clnn_status clnn_model_add_position_embedding(clnn_model_t model);

/* MultiHeadAttention(num_heads, key_dim, value_dim) as self-attention, Keras'
 * layer(x, x) on x [T, E], output [T, E] (clnn_mha_forward of clnn/mha.h; no
 * attention dropout). value_dim 0 means key_dim (Keras' default); causal 1
 * masks every key after the query's position (Keras' use_causal_mask=True).
 * num_heads and key_dim must be >= 1, value_dim >= 0 and causal 0 or 1 (else
 * CLNN_INVALID_VALUE). Parameters (H heads, kd = key_dim, vd = value_dim), named
 * "multi_head_attention/<name>": query_kernel [E, H*kd], query_bias [H*kd],
 * key_kernel, key_bias (the same), value_kernel [E, H*vd], value_bias [H*vd],
 * output_kernel [H*vd, E], output_bias [E] (Keras' (E, H, kd) kernels
 * flattened): 2*(E*H*kd + H*kd) + E*H*vd + H*vd + H*vd*E + E, Keras' count.
 * Kernels Glorot uniform, biases zeros. */
CLNN_API clnn_status clnn_model_add_multi_head_attention(clnn_model_t model, int num_heads,
                                                         int key_dim, int value_dim,
                                                         int causal);

/* TransformerEncoder: the post-norm encoder block of clnn_encoder_forward
 * (clnn/mha.h) on x [T, d_model]:
 *   h = LayerNorm(x + Dropout(MultiHeadAttention(x, x, x)))          (eps 1e-6)
 *   y = LayerNorm(h + Dropout(Dense(d_model)(Dense(d_ff, act)(h))))  (eps 1e-6)
 * with MultiHeadAttention(num_heads, key_dim) (value_dim = key_dim, no mask, no
 * attention dropout). d_model must equal the input's last dim (else
 * CLNN_SHAPE_MISMATCH naming both); num_heads, key_dim and d_ff must be >= 1, act
 * a clnn_activation (relu, gelu; not softmax) and dropout in [0, 1) (active in
 * the training passes only), else CLNN_INVALID_VALUE.
 * Parameters (E = d_model, H = num_heads, kd = key_dim), in this order, named
 * "transformer_encoder/<name>": query_kernel [E, H*kd], query_bias [H*kd],
 * key_kernel, key_bias, value_kernel, value_bias (the same shapes),
 * output_kernel [H*kd, E], output_bias [E] (Keras' MultiHeadAttention with its
 * (E, H, kd) kernels flattened), ln1_gamma, ln1_beta [E], ffn1_kernel [E, d_ff],
 * ffn1_bias [d_ff], ffn2_kernel [d_ff, E], ffn2_bias [E], ln2_gamma, ln2_beta [E]:
 *   4*E*H*kd + 3*H*kd + E  (MultiHeadAttention)  + 4*E  (two LayerNormalization)
 *   + E*d_ff + d_ff + d_ff*E + E  (two Dense),
 * Keras' count for the same layers. Kernels Glorot uniform, biases zeros, gammas
 * ones. */
CLNN_API clnn_status clnn_model_add_transformer_encoder(clnn_model_t model, int64_t d_model,
                                                        int num_heads, int key_dim,
                                                        int64_t d_ff, int act, float dropout);

/* ------------------------------------------------------- functional form
 *
 * Every input and layer is a node with an id: layer i (counting from 0 in the
 * order added) is node i; model input k is node CLNN_MODEL_INPUT(k) = -1 - k
 * (clnn_model_add_input adds input 0). A layer takes the previous node (the
 * last layer, or an input added after it) unless clnn_model_set_inputs named
 * its inputs, so sequential building is unchanged. A residual block:
 *
 *   int x, h;
 *   clnn_model_add_dense(m, 16, CLNN_ACTIVATION_RELU);
 *   clnn_model_last_node(m, &x);
 *   clnn_model_add_dense(m, 16, CLNN_ACTIVATION_RELU);       takes x
 *   clnn_model_add_dense(m, 16, CLNN_ACTIVATION_NONE);
 *   clnn_model_last_node(m, &h);
 *   clnn_model_set_inputs(m, 2, (int[]){x, h});
 *   clnn_model_add_add(m);                                   x + h
 *
 * The model's output is the last layer; every other layer and every input must
 * feed some layer (else compile fails with CLNN_INVALID_VALUE naming it). Where
 * a node feeds several layers, the backward pass sums their gradients.
 *
 * Several inputs: fit, evaluate, predict, compute_gradients and train_on_batch
 * take x as before, each sample's row holding input 0's elements, then input
 * 1's, and so on (the inputs' element counts summed). An embedding needs a one-input
 * model; forward_buffer takes one-input models and backward_buffer's dx
 * sequential ones (else CLNN_NOT_SUPPORTED). */
#define CLNN_MODEL_INPUT(k) (-1 - (k))

/* Adds model input k (k = the inputs so far; the first call is
 * clnn_model_add_input) of per-sample shape dims[0 .. rank-1]; `node` (may be
 * NULL) receives its id CLNN_MODEL_INPUT(k). At most 8 inputs. */
CLNN_API clnn_status clnn_model_add_input_node(clnn_model_t model, int rank,
                                               const int64_t *dims, int *node);

/* The id of the node the next layer takes by default (the last added). */
CLNN_API clnn_status clnn_model_last_node(clnn_model_t model, int *node);

/* The inputs (1 .. 8 existing node ids; repeats allowed) of the next layer added;
 * a layer whose kind takes one input needs count 1, Add and Concatenate 2 or
 * more (else that layer fails with CLNN_INVALID_VALUE). An unknown id is
 * CLNN_INVALID_VALUE. A layer that fails to be added leaves them set. */
CLNN_API clnn_status clnn_model_set_inputs(clnn_model_t model, int count, const int *nodes);

/* Add: the element-wise sum of its inputs, which must all have the same shape
 * (else CLNN_SHAPE_MISMATCH naming the layer and both shapes). No parameters. */
CLNN_API clnn_status clnn_model_add_add(clnn_model_t model);

/* Concatenate(axis): joins its inputs along the per-sample axis `axis` (in
 * [-rank, rank); Keras' default -1, the last), in order; every other dim must
 * match input 0's (else CLNN_SHAPE_MISMATCH naming both shapes). No parameters. */
CLNN_API clnn_status clnn_model_add_concatenate(clnn_model_t model, int axis);

/* Gradient clipping by global norm (Keras' global_clipnorm): before every
 * optimizer step, all parameter gradients are scaled together by
 * min(1, max_norm / norm), norm being the L2 norm over all of them
 * (clnn_clip_by_global_norm, on the device). 0 (the default) turns it off;
 * max_norm must be finite and >= 0. May be called before or after compile. */
CLNN_API clnn_status clnn_model_set_global_clipnorm(clnn_model_t model, float max_norm);

/* The per-sample output shape of the model so far (float32). */
CLNN_API clnn_status clnn_model_output_desc(clnn_model_t model, clnn_tensor_desc *desc);

/* Parameter counts: total and trainable (total less batch normalization's moving
 * statistics). */
CLNN_API clnn_status clnn_model_param_count(clnn_model_t model, int64_t *total,
                                            int64_t *trainable);

/* Prints the Keras table (Layer (type), Output Shape, Param #, then the total,
 * trainable and non-trainable counts) to `out`. */
CLNN_API clnn_status clnn_model_summary(clnn_model_t model, FILE *out);

/* Seed of the weight initializers (default 0); call before compile. */
CLNN_API clnn_status clnn_model_set_seed(clnn_model_t model, uint64_t seed);

/* -------------------------------------------------------------- compiling */

/* Fixes the loss, the optimizer and the batch size (>= 1), then allocates and
 * initializes the parameters (Glorot uniform kernels, zero biases, from the
 * model's seed), their gradients and optimizer state, and the activation,
 * gradient, loss and convolution buffers for `batch_size` samples. A sparse loss
 * on an output that is not [classes] or [T, classes] fails with
 * CLNN_SHAPE_MISMATCH; compiling
 * twice, or a model without input or layers, is CLNN_INVALID_VALUE. */
CLNN_API clnn_status clnn_model_compile(clnn_model_t model, clnn_loss loss,
                                        const clnn_optimizer_desc *optimizer,
                                        int64_t batch_size);

/* Memory: compile assigns the activations and their gradients device buffers
 * from a pool, where tensors whose lifetimes over a training pass (forward,
 * loss, backward) do not meet share a buffer: activations live from their layer's
 * forward to its backward, gradients from their first write to the backward of
 * their layer, so the backward pass reuses the memory of activations already
 * differentiated. clnn_model_memory_stats gives the pool's bytes and the sum
 * over those tensors of one buffer each (parameters, their gradients and
 * optimizer state, staging and workspaces are not counted in either). A
 * compiled model is needed (else CLNN_INVALID_VALUE); either pointer may be
 * NULL. clnn_model_set_memory_plan(model, 0), before compile, turns the packing
 * off (one buffer per tensor; the results are the same). */
CLNN_API clnn_status clnn_model_memory_stats(clnn_model_t model, size_t *activation_bytes,
                                             size_t *naive_bytes);
CLNN_API clnn_status clnn_model_set_memory_plan(clnn_model_t model, int enabled);

/* --------------------------------------------------------------- training */

/* Options of clnn_model_fit; clnn_fit_options_default() gives: 1 epoch, shuffle
 * with seed 0, no validation data, verbose 1, progress to stderr. */
typedef struct clnn_fit_options {
    int epochs;                /* >= 1                                              */
    int shuffle;               /* 1: a new permutation each epoch                   */
    uint64_t shuffle_seed;
    const float *val_x;        /* optional validation data (NULL: none)             */
    const void *val_y;         /* labels or targets as for fit's y                  */
    int64_t val_count;
    int verbose;               /* 0 silent; 1 progress and one line per epoch       */
    FILE *progress;            /* where progress goes (NULL: stderr). On a terminal
                                  a progress bar is redrawn in place; otherwise one
                                  line per epoch. */
    const char *csv_path;      /* optional (NULL: none): a CSV log of the epochs, as
                                  Keras' CSVLogger writes it: a header
                                  epoch,loss[,accuracy][,val_loss[,val_accuracy]]
                                  (accuracy where the loss defines it, val_* with
                                  validation data), then one line per epoch from 0,
                                  written as each epoch ends. The file is created
                                  (truncated) before training; one that cannot be
                                  is CLNN_IO_ERROR naming the path, and nothing
                                  trains. */
} clnn_fit_options;

CLNN_API clnn_fit_options clnn_fit_options_default(void);

/* Metrics of one epoch or one evaluation (accuracy NaN where not defined,
 * validation fields NaN without validation data). */
typedef struct clnn_metrics {
    float loss;
    float accuracy;
    float val_loss;
    float val_accuracy;
    double seconds;            /* wall time of the epoch                            */
} clnn_metrics;

/* Trains on n samples (see the top of this file for x and y) for options->epochs
 * epochs. `last` (may be NULL) receives the last epoch's metrics. Labels outside
 * [0, classes) give CLNN_INVALID_VALUE (checked on the host before training).
 * The loss and accuracy are read back every few steps, not every step. */
CLNN_API clnn_status clnn_model_fit(clnn_model_t model, const float *x, const void *y,
                                    int64_t n, const clnn_fit_options *options,
                                    clnn_metrics *last);

/* Loss and accuracy over n samples in inference mode (dropout off); either output
 * may be NULL. */
CLNN_API clnn_status clnn_model_evaluate(clnn_model_t model, const float *x, const void *y,
                                         int64_t n, float *loss, float *accuracy);

/* The model's outputs for n samples (inference mode) into `out`, n times the
 * output element count floats. */
CLNN_API clnn_status clnn_model_predict(clnn_model_t model, const float *x, int64_t n,
                                        float *out);

/* Forward, loss and backward on one batch of n (1 .. batch size) samples: the
 * parameter gradients are left in the model (see clnn_model_get_param) and the
 * trainable parameters are not changed (batch normalization's moving statistics
 * are, as in every training pass; the gradients of those are 0). `loss` (may be
 * NULL) receives the batch loss (waits). */
CLNN_API clnn_status clnn_model_compute_gradients(clnn_model_t model, const float *x,
                                                  const void *y, int64_t n, float *loss);

/* compute_gradients followed by one optimizer step. */
CLNN_API clnn_status clnn_model_train_on_batch(clnn_model_t model, const float *x,
                                               const void *y, int64_t n, float *loss);

/* ------------------------------------------ manual gradients (custom loops) */

/* For loops whose loss is not the model's own, such as a GAN, where the
 * generator G learns from the gradient of the discriminator D with respect to
 * D's INPUT (Keras: a GradientTape over D(G(z))). Everything stays on the device:
 * the operands are the caller's buffers, so a loop can chain models without
 * host round trips. A generator step is
 *   forward_buffer(G, z -> fake, training 1); forward_buffer(D, fake -> logits, 1);
 *   clnn_loss_forward_backward(logits -> dlogits);
 *   backward_buffer(D, dlogits, dx = dfake); backward_buffer(G, dfake, no dx);
 *   apply_gradients(G)
 * and D stays frozen because its gradients are simply not applied.
 * The calls only enqueue (nothing waits). Errors, with nothing enqueued:
 * CLNN_NULL_POINTER (model, a descriptor or buffer), CLNN_INVALID_VALUE (model
 * not compiled, a bad flag, dtype or buffer range, the order of calls), and
 * CLNN_SHAPE_MISMATCH (an operand's shape, named with the expected one).
 *
 * clnn_model_forward_buffer: x [n, input shape...] (float32; int32 token ids
 * when the first layer is an embedding) with 1 <= n <= the compiled batch size;
 * y [n, output shape...] float32 receives the output (after the last layer's
 * activation, softmax included). training = 1 runs the training pass (dropout
 * on, batch statistics, moving statistics updated) and is required before
 * backward_buffer; 0 the inference pass. x is copied into the model's input
 * buffer; x and y may not overlap. */
CLNN_API clnn_status clnn_model_forward_buffer(clnn_model_t model, int training,
                                               const clnn_tensor_desc *x_desc, cl_mem x,
                                               size_t x_offset,
                                               const clnn_tensor_desc *y_desc, cl_mem y,
                                               size_t y_offset);

/* Backward from a given output gradient: dy [n, output shape...] = d loss / d y
 * for the y of the last forward_buffer, which must have been a training pass of
 * the same n with no other pass (fit, predict, ...) since (else
 * CLNN_INVALID_VALUE). Overwrites the parameter gradients (as
 * compute_gradients; read them with clnn_model_get_param) and, when dx_desc is
 * not NULL, writes dx [n, input shape...] = d loss / d x. The final activation
 * is differentiated too (softmax included, whatever the compiled loss). dx_desc
 * NULL skips the input gradient; a model whose first layer is an embedding has
 * none (CLNN_INVALID_VALUE). The first call asking for dx allocates, once, the
 * gradient buffers of the layers before the first one with parameters. dy is
 * read before anything is written, so it may share a buffer with dx. */
CLNN_API clnn_status clnn_model_backward_buffer(clnn_model_t model,
                                                const clnn_tensor_desc *dy_desc, cl_mem dy,
                                                size_t dy_offset,
                                                const clnn_tensor_desc *dx_desc, cl_mem dx,
                                                size_t dx_offset);

/* One optimizer step (with the global-norm clipping, if set) from the current
 * parameter gradients: train_on_batch's update, for gradients left by
 * backward_buffer or compute_gradients. */
CLNN_API clnn_status clnn_model_apply_gradients(clnn_model_t model);

/* ------------------------------------------------------------- parameters */

/* Number of parameter tensors (kernels, biases and the other weights in layer
 * order, the non-trainable moving statistics included). */
CLNN_API clnn_status clnn_model_param_tensors(clnn_model_t model, int *count);

/* Parameter tensor `index`: its name ("dense_1/kernel"), shape, and host copies
 * of its values and gradient. `name`, `desc`, `values` and `grad` may each be
 * NULL; values and grad hold the element count of floats. */
CLNN_API clnn_status clnn_model_get_param(clnn_model_t model, int index, const char **name,
                                          clnn_tensor_desc *desc, float *values, float *grad);

/* Overwrites parameter tensor `index` from host memory (element count floats). */
CLNN_API clnn_status clnn_model_set_param(clnn_model_t model, int index,
                                          const float *values);

/* Saves every parameter tensor (the moving statistics included) to a safetensors
 * file, under its name. */
CLNN_API clnn_status clnn_model_save_weights(clnn_model_t model, const char *path);

/* Loads the parameters from a safetensors file. A malformed file gives
 * CLNN_BAD_FORMAT (a missing tensor too), a tensor of another shape or dtype
 * CLNN_SHAPE_MISMATCH; the whole file is validated before any weight changes, so
 * on failure the weights are as they were. */
CLNN_API clnn_status clnn_model_load_weights(clnn_model_t model, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_MODEL_H */
