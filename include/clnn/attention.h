/*
 * clnn/attention.h: scaled dot-product attention, float32, forward and backward,
 * two implementations behind one call (clnn_attention_desc.algo):
 *  - UNFUSED: S = scale * Q K^T (batched GEMM), masks, softmax over the keys,
 *    optional dropout on the weights, O = P V (batched GEMM); keeps P.
 *  - FUSED (flash-style): one kernel per row block, online softmax over key tiles
 *    in local memory; the Tq x Tk matrix is never stored, the forward keeps the
 *    row log-sum-exp only and the backward recomputes P tile by tile.
 *  - AUTO (0, so zero-initialised descriptors keep working): FUSED where the
 *    unfused T x T workspace would not fit the device (over its largest buffer
 *    or a quarter of its memory), and on devices with dedicated local memory
 *    (GPUs) for short keys (Tk <= 128); UNFUSED otherwise. On CPUs (emulated
 *    local memory) the unfused GEMMs run clnn's register-tiled kernel
 *    (clnn/gemm_batched.h) and UNFUSED is 2.5-4x faster than FUSED at every
 *    length measured, T 64 to 1024 (numbers in attention.c). The environment variable
 *    CLNN_ATTENTION_ALGO ("auto", "unfused", "fused") overrides AUTO (not an
 *    explicit choice); unknown text gives CLNN_INVALID_VALUE at call time.
 *    Forward and backward choose alike for the same shapes and descriptor.
 * Both give the same results up to fp32 rounding (~1e-6 relative; the online
 * softmax sums in another order) and the same dropout mask.
 *
 * Shapes: Q [N, H, Tq, D], K [N, H, Tk, D], V [N, H, Tk, Dv], O [N, H, Tq, Dv].
 *
 * Masks (all optional, combinable):
 *  - additive float mask, added to the scaled scores: rank 2 [Tq, Tk], or rank 4
 *    [Nm, Hm, Tq, Tk] with Nm in {1, N} and Hm in {1, H} (broadcast over the
 *    dimensions that are 1). -inf entries mask a key out.
 *  - key padding mask [N, Tk], int32: 1 = attend, 0 = masked (score -inf).
 *  - causal (attn->causal != 0): query i sees keys j <= i (top-left aligned, as
 *    PyTorch's scaled_dot_product_attention; with Tq > Tk the extra rows see all).
 * A query row whose keys are all masked gives NaN in its output row, as PyTorch
 * does (the distribution is undefined).
 *
 * Workspace: clnn_attention_workspace_size gives 2 * N * H * Tq * Tk floats. The
 * forward leaves the attention probabilities P (before dropout) in its first half;
 * backward reads them from there (and leaves them, so backward may run again), so
 * pass backward the same workspace, untouched since the forward of the same Q, K,
 * V, masks and descriptor. The second half is scratch. Less than the size returns
 * CLNN_INSUFFICIENT_WORKSPACE. Outputs must not overlap the inputs or the
 * workspace.
 *
 * Errors (nothing is enqueued, outputs untouched): NULL ctx, descriptor or
 * required buffer CLNN_NULL_POINTER; scale < 0 or not finite, dropout ratio
 * outside [0, 1), non-float32 tensors (int32 for the key padding mask), ranks
 * other than 4, or buffer ranges that do not fit CLNN_INVALID_VALUE; shapes that
 * do not fit together (N/H/D of Q and K, Tk of K and V, Dv of V and O, masks of
 * the wrong shape, gradients not shaped like their tensors)
 * CLNN_SHAPE_MISMATCH; an algo value outside the enum or an unknown
 * CLNN_ATTENTION_ALGO CLNN_INVALID_VALUE; FUSED asked for explicitly where it
 * cannot run (D or Dv above 256, or tiles that do not fit the device's local
 * memory) CLNN_NOT_SUPPORTED (AUTO then uses UNFUSED). Messages name the
 * function, the argument and the shapes.
 */
#ifndef CLNN_ATTENTION_H
#define CLNN_ATTENTION_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_attention_algo {
    CLNN_ATTENTION_AUTO = 0,    /* by shape and device; CLNN_ATTENTION_ALGO overrides */
    CLNN_ATTENTION_UNFUSED = 1, /* GEMM + softmax + GEMM, keeps P (O(T^2) workspace) */
    CLNN_ATTENTION_FUSED = 2    /* flash-style, O(T) workspace */
} clnn_attention_algo;

typedef struct clnn_attention_desc {
    float scale;             /* 0: 1 / sqrt(D) */
    int causal;              /* 1: causal mask (see above) */
    float dropout_ratio;     /* 0: no dropout; else clnn_dropout_forward on P */
    uint64_t dropout_seed;   /* the dropout stream of include/clnn/dropout.h, over */
    uint64_t dropout_offset; /* P's N * H * Tq * Tk elements in row-major order */
    clnn_attention_algo algo; /* 0: AUTO */
} clnn_attention_desc;

/* Workspace bytes of the UNFUSED path (2 * N * H * Tq * Tk * 4), enough for any
 * algorithm. */
CLNN_API clnn_status clnn_attention_workspace_size(const clnn_tensor_desc *q_desc,
                                                   const clnn_tensor_desc *k_desc,
                                                   size_t *bytes);

/* Workspace bytes for forward and backward with the algorithm that `attn` (NULL:
 * defaults, AUTO) selects on this context for these shapes: 2 * N * H * Tq * 4
 * when FUSED, as clnn_attention_workspace_size when UNFUSED. Writes the chosen
 * algorithm (UNFUSED or FUSED) to *algo unless algo is NULL. */
CLNN_API clnn_status clnn_attention_workspace_size_for(
    clnn_context_t ctx, const clnn_attention_desc *attn, const clnn_tensor_desc *q_desc,
    const clnn_tensor_desc *k_desc, const clnn_tensor_desc *v_desc, size_t *bytes,
    clnn_attention_algo *algo);

/* O = dropout(softmax(scale * Q K^T + masks)) V. `attn` NULL means the defaults
 * (scale 1/sqrt(D), no causal mask, no dropout). mask / key_padding: NULL
 * buffer means none (its descriptor is then ignored). */
CLNN_API clnn_status clnn_attention_forward(
    clnn_context_t ctx, const clnn_attention_desc *attn,
    const clnn_tensor_desc *q_desc, cl_mem q, size_t q_offset,
    const clnn_tensor_desc *k_desc, cl_mem k, size_t k_offset,
    const clnn_tensor_desc *v_desc, cl_mem v, size_t v_offset,
    const clnn_tensor_desc *mask_desc, cl_mem mask, size_t mask_offset,
    const clnn_tensor_desc *key_padding_desc, cl_mem key_padding, size_t key_padding_offset,
    const clnn_tensor_desc *o_desc, cl_mem o, size_t o_offset,
    cl_mem workspace, size_t workspace_size);

/* dQ, dK, dV (overwritten) from dO and what the forward left in the workspace
 * (same `attn`, same masks: FUSED recomputes P from Q, K, the masks and the
 * log-sum-exp; UNFUSED has the masks in P already and only checks them):
 *   dP = dO V^T, dropout backward, dS = softmax backward(P, dP),
 *   dQ = scale dS K, dK = scale dS^T Q, dV = dropout(P)^T dO.
 * dq/dk/dv descriptors must equal those of q/k/v. */
CLNN_API clnn_status clnn_attention_backward(
    clnn_context_t ctx, const clnn_attention_desc *attn,
    const clnn_tensor_desc *q_desc, cl_mem q, size_t q_offset,
    const clnn_tensor_desc *k_desc, cl_mem k, size_t k_offset,
    const clnn_tensor_desc *v_desc, cl_mem v, size_t v_offset,
    const clnn_tensor_desc *mask_desc, cl_mem mask, size_t mask_offset,
    const clnn_tensor_desc *key_padding_desc, cl_mem key_padding, size_t key_padding_offset,
    const clnn_tensor_desc *do_desc, cl_mem d_o, size_t do_offset,
    const clnn_tensor_desc *dq_desc, cl_mem dq, size_t dq_offset,
    const clnn_tensor_desc *dk_desc, cl_mem dk, size_t dk_offset,
    const clnn_tensor_desc *dv_desc, cl_mem dv, size_t dv_offset,
    cl_mem workspace, size_t workspace_size);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_ATTENTION_H */
