/* Argument validation shared by every public entry point (check.c). Each check
 * records a message naming the function and the argument, and returns the status
 * the header documents. */
#ifndef CLNN_CHECK_H
#define CLNN_CHECK_H

#include "context.h"

/* A descriptor a user filled: non-NULL, known dtype (== `dtype` unless that is
 * negative), rank 0..8, dims >= 1, byte size representable. */
clnn_status clnn_check_desc(const clnn_tensor_desc *desc, int dtype, const char *fn,
                            const char *name);

/* A caller's buffer range: non-NULL, same cl_context, offset aligned to `align`,
 * [offset, offset + bytes) inside the buffer. */
clnn_status clnn_check_buffer(clnn_context_t ctx, cl_mem buffer, size_t offset, size_t bytes,
                              size_t align, const char *fn, const char *name);

/* A tensor operand: descriptor (float32 unless `dtype` says otherwise) plus its
 * buffer range. Returns the element count in `*count` when not NULL. */
clnn_status clnn_check_operand(clnn_context_t ctx, const clnn_tensor_desc *desc, int dtype,
                               cl_mem buffer, size_t offset, const char *fn,
                               const char *name, size_t *count);

/* The operands of an element-wise map y = f(x): context, x and y valid float32
 * operands of the same shape. Returns the element count in `*count`. */
clnn_status clnn_check_unary(clnn_context_t ctx, const char *fn, const clnn_tensor_desc *x_desc,
                             cl_mem x, size_t x_offset, const char *x_name,
                             const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                             const char *y_name, size_t *count);

/* Two descriptors of the same shape (ranks and dims equal). */
clnn_status clnn_check_same_shape(const clnn_tensor_desc *a, const clnn_tensor_desc *b,
                                  const char *fn, const char *name_a, const char *name_b);

/* "[2, 3, 4]" for messages. */
void clnn_format_shape(const clnn_tensor_desc *desc, char *buf, size_t size);

/* Element count of a valid descriptor. */
size_t clnn_desc_elements(const clnn_tensor_desc *desc);

#endif
