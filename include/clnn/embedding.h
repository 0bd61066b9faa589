/*
 * clnn/embedding.h: embedding lookup (float32 table, int32 indices), its
 * gradient, and the Transformer's fixed sinusoidal positional encoding.
 *
 * Shapes: table [V, D]; indices any shape S (rank 0..7, int32); output [S..., D].
 * `padding_index` is -1 for none, else a row in [0, V): positions holding it
 * output zeros (whatever the table row holds) and add nothing to its gradient.
 *
 * Errors (nothing is enqueued, outputs untouched): NULL ctx/descriptor/buffer
 * CLNN_NULL_POINTER; wrong dtypes, padding_index outside -1..V-1, or buffer
 * ranges that do not fit CLNN_INVALID_VALUE; shapes that do not fit together
 * (table not rank 2, output not [S..., D]) CLNN_SHAPE_MISMATCH. Messages name the
 * function and the argument.
 */
#ifndef CLNN_EMBEDDING_H
#define CLNN_EMBEDDING_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y[p, :] = table[indices[p], :]. An index outside [0, V) never reads out of
 * bounds: its output row is written as zeros and, when `error_flag` is given (one
 * int32 at error_flag_offset; NULL: no flag), the kernel stores 1 there. The flag
 * is only ever set, never cleared: zero it before the call and read it after (or
 * validate beforehand with clnn_embedding_check_indices). */
CLNN_API clnn_status clnn_embedding_forward(
    clnn_context_t ctx, int64_t padding_index,
    const clnn_tensor_desc *table_desc, cl_mem table, size_t table_offset,
    const clnn_tensor_desc *indices_desc, cl_mem indices, size_t indices_offset,
    const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    cl_mem error_flag, size_t error_flag_offset);

/* Host-side validation: reads the indices back (waits for queued work) and
 * returns CLNN_INVALID_VALUE when one lies outside [0, num_embeddings), with a
 * message naming the first such position ("indices[5] = 12 is outside [0, 10)");
 * CLNN_SUCCESS otherwise. num_embeddings must be >= 1. */
CLNN_API clnn_status clnn_embedding_check_indices(
    clnn_context_t ctx, int64_t num_embeddings,
    const clnn_tensor_desc *indices_desc, cl_mem indices, size_t indices_offset);

/* dtable[v, :] = sum of dy[p, :] over the positions p with indices[p] == v
 * (dtable is overwritten; rows nobody uses, the padding row and out-of-range
 * indices get / give nothing). Deterministic, without atomics: one work-item per
 * (v, d) scans all P positions in order, so the cost is O(V * D * P) index reads
 * and O(P * D) gradient reads per row hit; meant for vocabularies and position
 * counts up to a few thousand. */
CLNN_API clnn_status clnn_embedding_backward(
    clnn_context_t ctx, int64_t padding_index,
    const clnn_tensor_desc *indices_desc, cl_mem indices, size_t indices_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dtable_desc, cl_mem dtable, size_t dtable_offset);

/* Fills y [T, D] with the sinusoidal positional encoding of "Attention is all
 * you need": y[t, 2i] = sin(t * w_i), y[t, 2i + 1] = cos(t * w_i),
 * w_i = 10000^(-2i / D). D may be odd (the last column is then a sine). */
CLNN_API clnn_status clnn_positional_encoding(clnn_context_t ctx,
                                              const clnn_tensor_desc *y_desc, cl_mem y,
                                              size_t y_offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_EMBEDDING_H */
