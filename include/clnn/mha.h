/*
 * clnn/mha.h: multi-head attention (Keras MultiHeadAttention) and the transformer
 * encoder block, float32, forward and backward, composed from the public ops
 * (clnn_dense_*, clnn_gemm, clnn_transpose_forward, clnn_attention_*,
 * clnn_dropout_*, clnn_layernorm_*, clnn_activation_*, clnn_binary).
 *
 * Multi-head attention, with E the feature dim of query, key and value, H heads,
 * kd = key_dim and vd = value_dim:
 *   Q = query Wq + bq   [N, Tq, H*kd] -> heads [N, H, Tq, kd] (likewise K, V)
 *   O = attention(Q, K, V; masks, dropout)       [N, H, Tq, vd] (clnn/attention.h)
 *   y = merge(O) Wo + bo                          [N, Tq, E]
 * Weights (Keras' kernel layout): Wq, Wk [E, H*kd], Wv [E, H*vd], Wo [H*vd, E];
 * biases bq, bk [H*kd], bv [H*vd], bo [E], each optional (NULL buffer: none).
 * query [N, Tq, E], key and value [N, Tk, E]; self-attention passes the same
 * buffer three times. Masks go to clnn_attention_forward unchanged: an additive
 * float mask [Tq, Tk] or [1|N, 1|H, Tq, Tk], an int32 key padding mask [N, Tk]
 * (1 attend, 0 masked), attn.causal. attn.scale 0 means 1 / sqrt(kd);
 * attn.dropout_ratio drops attention weights (training). As in Keras, num_heads
 * need not divide E: key_dim and value_dim are given, not E / H.
 *
 * Workspace (clnn_mha_workspace_size): the attention workspace first, then Q, K,
 * V in head layout, the merged heads, and scratch. The forward leaves in it what
 * the backward needs; pass the backward the same workspace, untouched since the
 * forward, and the same inputs, weights and descriptor (the masks are already
 * applied in the kept attention probabilities). Nothing is allocated by forward
 * or backward. Where T or H is 1 the head split is the identity and is skipped.
 *
 * Errors (nothing is enqueued, outputs untouched): NULL ctx, descriptor, weights
 * struct, weight or required buffer (a mask buffer without its descriptor
 * included) CLNN_NULL_POINTER; num_heads or key_dim < 1, value_dim < 0, a bad
 * attn (scale < 0 or not finite, dropout ratio outside [0, 1)), non-float32
 * tensors (int32 for the key padding mask), ranks other than 3, or buffer ranges
 * (weights included) that do not fit CLNN_INVALID_VALUE; shapes that do not fit
 * together (N or E of query and key, key and value not the same shape, y or dy
 * not query's shape, masks of the wrong shape, an aliased input gradient with Tq
 * != Tk) CLNN_SHAPE_MISMATCH; workspace_size below clnn_mha_workspace_size
 * CLNN_INSUFFICIENT_WORKSPACE. Messages name the function and the argument
 * (weights as "weights[q]" .. "weights[o]", "weights_b[q]", gradients "grads[..]").
 *
 * Transformer encoder block (the seed's, post-norm as in "Attention is all you
 * need"): with x [N, T, E] (d_model = E),
 *   a  = dropout(MHA(x, x, x)),  h = LayerNorm(x + a)          (eps 1e-6)
 *   f  = dropout(act(h W1 + b1) W2 + b2),  y = LayerNorm(h + f)
 * W1 [E, d_ff], b1 [d_ff], W2 [d_ff, E], b2 [E]; act is relu or gelu (any
 * clnn_activation works). A classroom version omits the second feed-forward
 * Dense, so its residual add (h + act(h W1)) cannot match shapes when
 * d_ff != d_model; ours projects back to d_model with W2.
 */
#ifndef CLNN_MHA_H
#define CLNN_MHA_H

#include <clnn/core.h>
#include <clnn/activation.h>
#include <clnn/attention.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnn_mha_desc {
    int num_heads;            /* H >= 1 */
    int key_dim;              /* kd >= 1 */
    int value_dim;            /* vd >= 1; 0 means key_dim (Keras' default) */
    clnn_attention_desc attn; /* scale, causal, attention-weight dropout */
} clnn_mha_desc;

/* Index of a projection in clnn_mha_weights. */
enum { CLNN_MHA_Q = 0, CLNN_MHA_K = 1, CLNN_MHA_V = 2, CLNN_MHA_O = 3 };

/* The four projections: w[i] at byte offset w_offset[i], b[i] (NULL: no bias) at
 * b_offset[i], shapes as above. The backward takes the same struct for the
 * gradients: dW[i] overwritten (required), db[i] overwritten when not NULL. */
typedef struct clnn_mha_weights {
    cl_mem w[4];
    size_t w_offset[4];
    cl_mem b[4];
    size_t b_offset[4];
} clnn_mha_weights;

/* Workspace bytes for forward and backward: 4 * N * H * (2 Tq Tk
 * + 2 (Tq + Tk) (kd + vd) + max(Tq, Tk) max(kd, vd)). */
CLNN_API clnn_status clnn_mha_workspace_size(const clnn_mha_desc *mha,
                                             const clnn_tensor_desc *query_desc,
                                             const clnn_tensor_desc *key_desc,
                                             size_t *bytes);

/* y = MHA(query, key, value). `value_desc` must equal `key_desc`'s shape. mask /
 * key_padding: NULL buffer means none (descriptor then ignored). y must not
 * overlap the inputs, weights or workspace. */
CLNN_API clnn_status clnn_mha_forward(
    clnn_context_t ctx, const clnn_mha_desc *mha,
    const clnn_tensor_desc *query_desc, cl_mem query, size_t query_offset,
    const clnn_tensor_desc *key_desc, cl_mem key, size_t key_offset,
    const clnn_tensor_desc *value_desc, cl_mem value, size_t value_offset,
    const clnn_mha_weights *weights,
    const clnn_tensor_desc *mask_desc, cl_mem mask, size_t mask_offset,
    const clnn_tensor_desc *key_padding_desc, cl_mem key_padding, size_t key_padding_offset,
    const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    cl_mem workspace, size_t workspace_size);

/* Gradients from dy [N, Tq, E]: dquery, dkey, dvalue (each optional: NULL buffer
 * skips it) and every weight gradient in `grads`. Aliasing: when dkey is the
 * same buffer at the same offset as dquery (or dvalue as dquery or dkey), that
 * gradient is accumulated into it, so self-attention passes one dx buffer three
 * times and receives dquery + dkey + dvalue. Other overlaps are not allowed.
 * No masks are taken: the forward's are already in the workspace's attention
 * probabilities. */
CLNN_API clnn_status clnn_mha_backward(
    clnn_context_t ctx, const clnn_mha_desc *mha,
    const clnn_tensor_desc *query_desc, cl_mem query, size_t query_offset,
    const clnn_tensor_desc *key_desc, cl_mem key, size_t key_offset,
    const clnn_tensor_desc *value_desc, cl_mem value, size_t value_offset,
    const clnn_mha_weights *weights,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    cl_mem dquery, size_t dquery_offset, cl_mem dkey, size_t dkey_offset,
    cl_mem dvalue, size_t dvalue_offset, const clnn_mha_weights *grads,
    cl_mem workspace, size_t workspace_size);

/* ------------------------------------------------------- encoder block */

typedef struct clnn_encoder_desc {
    clnn_mha_desc mha;           /* self-attention (key padding mask: an argument) */
    int d_ff;                    /* >= 1 */
    clnn_activation_desc act;    /* of the first feed-forward Dense (relu, gelu) */
    float dropout_ratio;         /* [0, 1): after MHA and after the feed-forward */
    uint64_t dropout_seed;       /* the two dropouts use offsets dropout_offset and */
    uint64_t dropout_offset;     /* dropout_offset + N*T*E of this seed */
} clnn_encoder_desc;

/* The block's parameters: mha; ln1/ln2 scale (gamma) and bias (beta), [E] each
 * (required); w1 [E, d_ff], b1 [d_ff], w2 [d_ff, E], b2 [E] (biases optional:
 * NULL). The backward takes the same struct for the gradients (all overwritten;
 * NULL bias gradients are skipped). */
typedef struct clnn_encoder_params {
    clnn_mha_weights mha;
    cl_mem ln1_scale, ln1_bias, ln2_scale, ln2_bias;
    size_t ln1_scale_offset, ln1_bias_offset, ln2_scale_offset, ln2_bias_offset;
    cl_mem w1, b1, w2, b2;
    size_t w1_offset, b1_offset, w2_offset, b2_offset;
} clnn_encoder_params;

/* Workspace bytes: the MHA workspace for (x, x) first, then the block's
 * intermediates (x + a, h, the feed-forward pre-activation and activation, h + f,
 * both layer norms' statistics) and scratch. */
CLNN_API clnn_status clnn_encoder_workspace_size(const clnn_encoder_desc *enc,
                                                 const clnn_tensor_desc *x_desc,
                                                 size_t *bytes);

/* y = encoder(x), x and y [N, T, E]; y must not overlap x. key_padding: optional
 * int32 [N, T] mask for the self-attention (NULL buffer: none). Errors as for
 * clnn_mha_forward, plus d_ff < 1 or an unknown activation CLNN_INVALID_VALUE. */
CLNN_API clnn_status clnn_encoder_forward(
    clnn_context_t ctx, const clnn_encoder_desc *enc,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_encoder_params *params,
    const clnn_tensor_desc *key_padding_desc, cl_mem key_padding, size_t key_padding_offset,
    const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    cl_mem workspace, size_t workspace_size);

/* dx (overwritten, must not overlap dy) and every parameter gradient in `grads`
 * from dy, the same x, parameters, mask and the forward's workspace. */
CLNN_API clnn_status clnn_encoder_backward(
    clnn_context_t ctx, const clnn_encoder_desc *enc,
    const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_encoder_params *params,
    const clnn_tensor_desc *key_padding_desc, cl_mem key_padding, size_t key_padding_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    cl_mem dx, size_t dx_offset, const clnn_encoder_params *grads,
    cl_mem workspace, size_t workspace_size);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_MHA_H */
