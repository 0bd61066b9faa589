/* Multi-head attention internals shared by mha.c and encoder.c: the shape of a
 * call, the workspace layout, and validation, so the encoder can check every
 * argument of its inner MHA calls before it enqueues anything. */
#ifndef CLNN_MHA_INTERNAL_H
#define CLNN_MHA_INTERNAL_H

#include "../core/check.h"

#include <clnn/mha.h>

typedef struct mha_shape {
    size_t N, Tq, Tk, E, H, kd, vd;
    /* workspace regions, byte offsets; att (the attention workspace) is at 0 */
    size_t att, qh, kh, vh, merged, rows, heads, total;
} mha_shape;

/* Fills the shape and layout from descriptors only (num_heads etc. checked). */
clnn_status mha_shape_of(const char *fn, const clnn_mha_desc *mha, const clnn_tensor_desc *qd,
                         const clnn_tensor_desc *kd, mha_shape *s);

/* Everything forward and backward share: context, descriptor, query/key/value,
 * weights, masks and workspace. */
clnn_status mha_check(clnn_context_t ctx, const char *fn, const clnn_mha_desc *mha,
                      const clnn_tensor_desc *const descs[3], const cl_mem bufs[3],
                      const size_t offs[3], const clnn_mha_weights *w, const clnn_tensor_desc *md,
                      cl_mem mask, size_t moff, const clnn_tensor_desc *kpd, cl_mem kpm,
                      size_t kpoff, cl_mem ws, size_t ws_size, mha_shape *s);

/* The backward's extra operands: dy, the input gradients (aliasing rules of
 * clnn_mha_backward) and the weight gradients. */
clnn_status mha_check_grads(clnn_context_t ctx, const char *fn, const mha_shape *s,
                            const clnn_tensor_desc *dyd, cl_mem dy, size_t dyoff,
                            const cl_mem dx[3], const size_t dxoff[3], const clnn_mha_weights *g);

/* A float32 descriptor of up to 4 dims (0 ends the list). */
clnn_tensor_desc mha_desc(size_t a, size_t b, size_t c, size_t d);

#endif
