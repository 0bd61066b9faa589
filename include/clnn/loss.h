/*
 * clnn/loss.h: training losses and metrics (float32), Keras semantics.
 *
 * Rows: the prediction is [..., C] with the classes (or outputs) on the last axis;
 * the leading axes are flattened into rows (so [N, C] has N rows and a sequence
 * output [N, T, C] has N * T rows; a rank-1 [C] is one row). The loss is the mean
 * over rows of the per-row loss, which is
 *   MSE                 mean_c (x_c - y_c)^2
 *   BINARY_CE           mean_c -(y log p + (1 - y) log(1 - p)), p = clip(x, eps, 1 - eps)
 *   BINARY_CE_LOGITS    mean_c max(z, 0) - z y + log1p(exp(-|z|))
 *   CATEGORICAL_CE      -sum_c y_c log q_c, q = clip(x / sum_c x_c, eps, 1 - eps)
 *   CATEGORICAL_CE_LOGITS  sum_c y_c (logsumexp(z) - z_c)   (log-softmax, stable)
 *   SPARSE_CE           -log q_label, q as for CATEGORICAL_CE
 *   SPARSE_CE_LOGITS    logsumexp(z) - z_label
 * with eps = 1e-7 (Keras' epsilon; 1 - eps is 0.99999988f in float32). As in Keras,
 * probabilities given to the categorical losses are first normalised to sum 1.
 * Targets: float32 with the prediction's shape (dense targets: one-hot or class
 * probabilities for the categorical losses), or, for the sparse losses, int32
 * labels shaped as the prediction without its last axis (or with a last axis of
 * size 1), one label per row.
 *
 * The gradient is d loss / d x of that batch loss (already divided by the number
 * of rows, and by C for the per-element means), written over the whole of dx. The
 * clip of the probability losses has a zero gradient where it is active.
 *
 * Labels outside [0, C) are never read out of bounds: such a row's loss and its
 * gradient row are NaN, so the batch loss is NaN. For a status instead, call
 * clnn_loss_check_labels first (the "checked" mode, which waits for a download).
 *
 * Sums are compensated (Kahan) per work-item and combined by a tree in each
 * work-group, in a fixed order: results are reproducible and accurate to a few
 * float32 ulps of the row losses' sum.
 */
#ifndef CLNN_LOSS_H
#define CLNN_LOSS_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_loss {
    CLNN_LOSS_MSE = 0,
    CLNN_LOSS_BINARY_CE = 1,
    CLNN_LOSS_BINARY_CE_LOGITS = 2,
    CLNN_LOSS_CATEGORICAL_CE = 3,
    CLNN_LOSS_CATEGORICAL_CE_LOGITS = 4,
    CLNN_LOSS_SPARSE_CE = 5,
    CLNN_LOSS_SPARSE_CE_LOGITS = 6
} clnn_loss;

/* Bytes of workspace the losses and metrics below need for a prediction shaped
 * `pred_desc` (0 for small batches: up to the context's work-group size rows
 * reduce in one pass; larger batches keep one float per work-group). */
CLNN_API clnn_status clnn_loss_workspace_size(clnn_context_t ctx,
                                              const clnn_tensor_desc *pred_desc,
                                              size_t *bytes);

/* loss[loss_offset] (one float32) = the batch loss of `pred` against `target`
 * (see above). Nothing is read back: the loss stays on the device. `workspace`
 * (may be NULL when workspace_size is 0) must hold clnn_loss_workspace_size
 * bytes, else CLNN_INSUFFICIENT_WORKSPACE; it must not overlap the operands.
 * Errors: CLNN_NULL_POINTER (context, descriptor, buffer), CLNN_INVALID_VALUE
 * (unknown kind, wrong dtype, rank 0, a buffer range), CLNN_SHAPE_MISMATCH (the
 * target's shape). */
CLNN_API clnn_status clnn_loss_forward(clnn_context_t ctx, clnn_loss kind,
                                       const clnn_tensor_desc *pred_desc, cl_mem pred,
                                       size_t pred_offset,
                                       const clnn_tensor_desc *target_desc, cl_mem target,
                                       size_t target_offset, cl_mem loss,
                                       size_t loss_offset, cl_mem workspace,
                                       size_t workspace_size);

/* The forward above, and dpred (shaped as pred, overwritten; may not alias pred or
 * target) = d loss / d pred in the same pass. Errors as for the forward, plus
 * dpred's descriptor and range. */
CLNN_API clnn_status clnn_loss_forward_backward(clnn_context_t ctx, clnn_loss kind,
                                                const clnn_tensor_desc *pred_desc,
                                                cl_mem pred, size_t pred_offset,
                                                const clnn_tensor_desc *target_desc,
                                                cl_mem target, size_t target_offset,
                                                cl_mem loss, size_t loss_offset,
                                                const clnn_tensor_desc *dpred_desc,
                                                cl_mem dpred, size_t dpred_offset,
                                                cl_mem workspace, size_t workspace_size);

/* Checked mode for the sparse losses: downloads the int32 labels (waits) and
 * returns CLNN_INVALID_VALUE, naming the first bad row and its label, when one is
 * outside [0, classes). classes >= 1. */
CLNN_API clnn_status clnn_loss_check_labels(clnn_context_t ctx,
                                            const clnn_tensor_desc *labels_desc,
                                            cl_mem labels, size_t labels_offset,
                                            int64_t classes);

/* ---- metrics: counts of correct predictions, as one float32 written at
 * count[count_offset] on the device (exact up to 2^24). Rows as above; the same
 * workspace as the losses. */

/* Sparse categorical accuracy: rows whose argmax (first index on ties; NaN never
 * wins) equals the int32 label (shaped as for the sparse losses). A label
 * outside [0, C) counts as wrong. */
CLNN_API clnn_status clnn_accuracy_forward(clnn_context_t ctx,
                                           const clnn_tensor_desc *pred_desc, cl_mem pred,
                                           size_t pred_offset,
                                           const clnn_tensor_desc *labels_desc,
                                           cl_mem labels, size_t labels_offset,
                                           cl_mem count, size_t count_offset,
                                           cl_mem workspace, size_t workspace_size);

/* Binary accuracy: elements where (pred > threshold ? 1 : 0) equals the float32
 * target (shaped as pred; Keras compares exactly, so targets are 0 or 1). Use a
 * threshold of 0.5 for probabilities, 0 for logits. The count is over elements:
 * divide by the element count for Keras' binary_accuracy. */
CLNN_API clnn_status clnn_binary_accuracy_forward(clnn_context_t ctx, float threshold,
                                                  const clnn_tensor_desc *pred_desc,
                                                  cl_mem pred, size_t pred_offset,
                                                  const clnn_tensor_desc *target_desc,
                                                  cl_mem target, size_t target_offset,
                                                  cl_mem count, size_t count_offset,
                                                  cl_mem workspace, size_t workspace_size);

/* Host helper: reads the float32 at buffer[offset] (a loss, a count; waits). */
CLNN_API clnn_status clnn_loss_read(clnn_context_t ctx, cl_mem buffer, size_t offset,
                                    float *value);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_LOSS_H */
