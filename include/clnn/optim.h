/*
 * clnn/optim.h: optimizer updates, gradient clipping and learning-rate schedules
 * (float32). Updates run in place on the device, one launch per parameter tensor;
 * nothing is read back.
 *
 * Update rules (Keras'), per element, with g the gradient:
 *   weight decay  L2 (SGD, Adam): g += weight_decay * p
 *                 decoupled (AdamW): p -= lr * weight_decay * p, before the update
 *   SGD           momentum 0: p -= lr * g
 *                 else: v = momentum * v - lr * g;
 *                       p += v, or with nesterov p += momentum * v - lr * g
 *   Adam, AdamW   m += (1 - beta1) (g - m);  v += (1 - beta2) (g^2 - v);
 *                 p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
 * where t >= 1 is the step number (1 on the first update). Keras adds eps to
 * sqrt(v) before the bias correction, PyTorch after; clnn follows Keras.
 *
 * State: clnn_optimizer_state_size floats per parameter element (SGD without
 * momentum 0, SGD with momentum 1 (v), Adam and AdamW 2 (m for all elements, then
 * v for all elements)). The caller allocates it and zeroes it before step 1.
 */
#ifndef CLNN_OPTIM_H
#define CLNN_OPTIM_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_optimizer_kind {
    CLNN_OPTIMIZER_SGD = 0,
    CLNN_OPTIMIZER_ADAM = 1,
    CLNN_OPTIMIZER_ADAMW = 2
} clnn_optimizer_kind;

/* An optimizer and its hyper-parameters. Valid ranges: lr > 0 and finite;
 * momentum in [0, 1) (SGD); nesterov 0 or 1; beta1, beta2 in [0, 1) and eps > 0
 * (Adam, AdamW); weight_decay >= 0 and finite (L2 for SGD and Adam, decoupled
 * for AdamW). Fields a kind does not use are not checked. */
typedef struct clnn_optimizer_desc {
    clnn_optimizer_kind kind;
    float lr;
    float momentum;
    int nesterov;
    float beta1;
    float beta2;
    float eps;
    float weight_decay;
} clnn_optimizer_desc;

/* Keras' defaults for `kind`: SGD lr 0.01, momentum 0; Adam lr 0.001, beta1 0.9,
 * beta2 0.999, eps 1e-7; AdamW the same with weight_decay 0.004. */
CLNN_API clnn_optimizer_desc clnn_optimizer_default(clnn_optimizer_kind kind);

/* Floats of state per parameter element (0, 1 or 2) for a valid descriptor.
 * Errors: CLNN_NULL_POINTER, CLNN_INVALID_VALUE (a field out of range). */
CLNN_API clnn_status clnn_optimizer_state_size(const clnn_optimizer_desc *desc,
                                               int *floats_per_element);

/* One update of `count` (>= 1) parameter tensors: param i (shape params_descs[i],
 * float32) is updated in place from grad i (same shape) and its state (state size
 * times as many floats; states may be NULL, or hold NULLs, when the state size is
 * 0). Offsets are in bytes; the offset arrays may be NULL for all-zero offsets.
 * step >= 1. Every tensor is validated before anything is enqueued. Errors:
 * CLNN_NULL_POINTER, CLNN_INVALID_VALUE (descriptor fields, step, count, dtype,
 * buffer ranges), and for each tensor the message names it ("param[2]"). */
CLNN_API clnn_status clnn_optimizer_step(clnn_context_t ctx, const clnn_optimizer_desc *desc,
                                         int64_t step, int count,
                                         const clnn_tensor_desc *const *param_descs,
                                         const cl_mem *params, const size_t *param_offsets,
                                         const cl_mem *grads, const size_t *grad_offsets,
                                         const cl_mem *states, const size_t *state_offsets);

/* ---- gradient clipping */

/* x = clamp(x, lo, hi) in place (NaN stays NaN); lo <= hi, neither NaN. */
CLNN_API clnn_status clnn_clip_by_value(clnn_context_t ctx, float lo, float hi,
                                        const clnn_tensor_desc *x_desc, cl_mem x,
                                        size_t x_offset);

/* Bytes of workspace clnn_clip_by_global_norm needs for these tensors. */
CLNN_API clnn_status clnn_clip_global_norm_workspace_size(clnn_context_t ctx, int count,
                                                          const clnn_tensor_desc *const *descs,
                                                          size_t *bytes);

/* Clipping by global norm over `count` (>= 1) float32 tensors: norm = sqrt(sum of
 * every element squared), computed on the device with compensated sums and a
 * tree; every tensor is then scaled in place by min(1, max_norm / norm), also on
 * the device (a zero or non-finite norm leaves the tensors as they are). max_norm
 * > 0 and finite. `norm` may be NULL: then nothing waits. When not NULL it
 * receives the norm before clipping, which waits for the queue. The offsets
 * array may be NULL. `workspace` must hold clnn_clip_global_norm_workspace_size
 * bytes (CLNN_INSUFFICIENT_WORKSPACE otherwise) and not overlap the tensors. */
CLNN_API clnn_status clnn_clip_by_global_norm(clnn_context_t ctx, float max_norm, int count,
                                              const clnn_tensor_desc *const *descs,
                                              const cl_mem *xs, const size_t *offsets,
                                              cl_mem workspace, size_t workspace_size,
                                              float *norm);

/* ---- learning-rate schedules (host only) */

/* Step decay: lr = initial * drop^floor(epoch / epochs_per_drop). initial > 0,
 * drop in (0, 1], epochs_per_drop >= 1, epoch >= 0. */
CLNN_API clnn_status clnn_lr_step_decay(float initial, float drop, int64_t epochs_per_drop,
                                        int64_t epoch, float *lr);

/* Keras CosineDecay: with s = min(step, decay_steps), lr = initial * ((1 - alpha) *
 * 0.5 * (1 + cos(pi s / decay_steps)) + alpha). initial > 0, decay_steps >= 1,
 * alpha in [0, 1], step >= 0. */
CLNN_API clnn_status clnn_lr_cosine(float initial, int64_t decay_steps, float alpha,
                                    int64_t step, float *lr);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_OPTIM_H */
