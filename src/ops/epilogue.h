/* Fused epilogues for producing ops (conv, dense): y = act(y + bias) in place,
 * enqueued right after the producer so the data is touched once more at most
 * (not installed). */
#ifndef CLNN_OPS_EPILOGUE_H
#define CLNN_OPS_EPILOGUE_H

#include "../core/context.h"

typedef enum clnn_bias_layout {
    CLNN_BIAS_PER_ROW, /* NCHW: bias[c] for rows = N*C of `inner` = H*W elements */
    CLNN_BIAS_PER_COL  /* [N, C]: bias[j] for column j of rows of `inner` = C     */
} clnn_bias_layout;

/* y (float32, `rows` x `inner` contiguous elements at byte offset y_offset) =
 * act(y + bias). `bias` may be NULL (activation only) and `act` may be NULL
 * (bias only); with both NULL nothing is enqueued. For CLNN_BIAS_PER_ROW the
 * bias has `channels` entries and row r uses bias[r % channels]; for
 * CLNN_BIAS_PER_COL it has `inner` entries. Arguments are assumed validated by the
 * calling op (buffers in range, bias length right). */
clnn_status clnn_epilogue_bias_act(clnn_context_t ctx, cl_mem y, size_t y_offset,
                                   size_t rows, size_t channels, size_t inner,
                                   clnn_bias_layout layout, cl_mem bias,
                                   size_t bias_offset, const clnn_activation_desc *act);

#endif
