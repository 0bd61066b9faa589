/* What attention.c (validation, UNFUSED, selection) shares with the FUSED path
 * in attention_flash.c (not installed). */
#ifndef CLNN_ATTENTION_FLASH_H
#define CLNN_ATTENTION_FLASH_H

#include "../core/context.h"

#include <clnn/attention.h>

typedef struct attn_shape {
    size_t N, H, Tq, Tk, D, Dv, scores; /* scores = N * H * Tq * Tk */
    float scale, ratio;
    uint64_t seed, offset;
    int causal;
    clnn_attention_algo algo; /* UNFUSED or FUSED once chosen */
} attn_shape;

/* Q, K, V and the optional masks (NULL buffer: none) of one call. */
typedef struct attn_inputs {
    cl_mem q, k, v, mask, kpm;
    size_t qo, ko, vo, mo, kpo;   /* byte offsets */
    cl_ulong mask_strides[2];     /* elements per n and per h of the additive mask */
} attn_inputs;

/* Tiles of the fused kernels: R rows per work-group, C rows per local tile,
 * rows as vectors of VW (1 or 4) floats. */
typedef struct attn_flash_plan {
    unsigned R, C, VW;
} attn_flash_plan;

/* Whether the fused kernels can run these shapes on ctx's device; fills the plan.
 * 0 with `why` (a short reason for messages) when not. */
int attn_flash_plan_for(clnn_context_t ctx, const attn_shape *s, attn_flash_plan *plan,
                        const char **why);

/* Workspace bytes of the fused path: row log-sum-exp and delta. */
size_t attn_flash_workspace(const attn_shape *s);

clnn_status attn_flash_forward(clnn_context_t ctx, const attn_shape *s, const attn_inputs *in,
                               cl_mem o, size_t o_offset, cl_mem ws);

/* grads[0..2] = dq, dk, dv buffers with byte offsets goffs[0..2]. */
clnn_status attn_flash_backward(clnn_context_t ctx, const attn_shape *s, const attn_inputs *in,
                                cl_mem d_o, size_t do_offset, const cl_mem grads[3],
                                const size_t goffs[3], cl_mem ws);

#endif
