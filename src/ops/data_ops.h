/* Shared by the data-movement ops (slice.c, gather.c) and the ONNX importer. */
#ifndef CLNN_OPS_DATA_OPS_H
#define CLNN_OPS_DATA_OPS_H

#include "../core/context.h"   /* first: it makes CLNN_API export */
#include <clnn/data_ops.h>

/* Context, x (any dtype) and y (x's dtype) valid operands. *count: y's elements. */
clnn_status clnn_data_check_pair(clnn_context_t ctx, const char *fn,
                                 const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                 const char *x_name, const clnn_tensor_desc *y_desc,
                                 cl_mem y, size_t y_offset, const char *y_name,
                                 size_t *count);

/* Elements of an innermost row that one work-item of the forward kernels
 * moves (their -DCHUNK): amortises the index arithmetic. */
#define CLNN_DATA_CHUNK 32

/* The kernel element type that moves `dtype`'s bits: "uint" or "ulong". */
const char *clnn_data_bits_type(clnn_dtype dtype);

/* ONNX MaxPool's int64 Indices (flattened over the whole tensor) from clnn's
 * plane-local int32 ones (clnn/pool.h) of `count` outputs, `plane` per (n, c)
 * plane of an x plane of height x width; column_major: ONNX storage_order 1.
 * -1 stays -1. Validates only the buffer ranges (the importer's use). */
clnn_status clnn_data_plane_indices(clnn_context_t ctx, size_t count, int64_t plane,
                                    int64_t height, int64_t width, int column_major,
                                    cl_mem in, cl_mem out);

#endif
