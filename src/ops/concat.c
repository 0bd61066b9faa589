/* Concat and split (ONNX): each piece is a strided block copy on the queue,
 * [outer rows] x [piece's axis slice], so no kernel and no host round trip. */
#include "tensor_ops.h"
#include "../core/check.h"

#include <stdio.h>

/* Validates the whole tensor and its `count` pieces along `axis`; `axis_out`
 * receives the resolved axis. Pieces are named "<piece>[i]". */
static clnn_status check_pieces(clnn_context_t ctx, const char *fn, int axis,
                                const clnn_tensor_desc *whole_desc, cl_mem whole,
                                size_t whole_off, const char *whole_name, int count,
                                const clnn_tensor_desc *const *descs, const cl_mem *bufs,
                                const size_t *offs, const char *piece, int *axis_out)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, whole_desc, -1, whole, whole_off, fn, whole_name, NULL);
    if (st != CLNN_SUCCESS) return st;
    if (count < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: count = %d (must be >= 1)", fn, count);
    if (!descs || !bufs)
        return clnn_fail(CLNN_NULL_POINTER, "%s: the %s descriptor or buffer array is NULL", fn,
                         piece);
    int a;
    st = clnn_axis_resolve(axis, whole_desc->rank, false, fn, "axis", &a);
    if (st != CLNN_SUCCESS) return st;
    int64_t sum = 0;
    for (int i = 0; i < count; i++) {
        char name[48];
        snprintf(name, sizeof name, "%s[%d]", piece, i);
        st = clnn_check_operand(ctx, descs[i], (int)whole_desc->dtype, bufs[i],
                                offs ? offs[i] : 0, fn, name, NULL);
        if (st != CLNN_SUCCESS) return st;
        clnn_tensor_desc want = *whole_desc;
        want.dims[a] = descs[i]->dims[a];
        if (descs[i]->rank == whole_desc->rank) sum += descs[i]->dims[a];
        st = clnn_check_same_shape(descs[i], &want, fn, name, "the matching shape");
        if (st != CLNN_SUCCESS) return st;
    }
    if (sum != whole_desc->dims[a]) {
        char s[160];
        clnn_format_shape(whole_desc, s, sizeof s);
        return clnn_fail(CLNN_SHAPE_MISMATCH,
                         "%s: the %s sizes along axis %d sum to %lld but %s %s has %lld", fn,
                         piece, a, (long long)sum, whole_name, s, (long long)whole_desc->dims[a]);
    }
    *axis_out = a;
    return CLNN_SUCCESS;
}

/* Copies every piece to (concat) or from (split) its slice of the whole. */
static clnn_status copy_pieces(clnn_context_t ctx, bool to_whole, int a,
                               const clnn_tensor_desc *whole_desc, cl_mem whole,
                               size_t whole_off, int count,
                               const clnn_tensor_desc *const *descs, const cl_mem *bufs,
                               const size_t *offs)
{
    size_t outer = 1, inner = clnn_dtype_size(whole_desc->dtype);
    for (int i = 0; i < whole_desc->rank; i++) {
        if (i < a) outer *= (size_t)whole_desc->dims[i];
        if (i > a) inner *= (size_t)whole_desc->dims[i];
    }
    size_t whole_row = inner * (size_t)whole_desc->dims[a], at = whole_off;
    for (int i = 0; i < count; i++) {
        size_t row = inner * (size_t)descs[i]->dims[a], off = offs ? offs[i] : 0;
        size_t piece_origin[3] = {off, 0, 0}, whole_origin[3] = {at, 0, 0};
        size_t region[3] = {row, outer, 1};
        cl_int err;
        if (to_whole)
            err = clEnqueueCopyBufferRect(ctx->queue, bufs[i], whole, piece_origin, whole_origin,
                                          region, row, 0, whole_row, 0, 0, NULL, NULL);
        else
            err = clEnqueueCopyBufferRect(ctx->queue, whole, bufs[i], whole_origin, piece_origin,
                                          region, whole_row, 0, row, 0, 0, NULL, NULL);
        if (err != CL_SUCCESS) return clnn_fail_cl(err, "clEnqueueCopyBufferRect");
        at += row;
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_concat_forward(clnn_context_t ctx, int axis, int count,
                                const clnn_tensor_desc *const *x_descs, const cl_mem *xs,
                                const size_t *x_offsets, const clnn_tensor_desc *y_desc,
                                cl_mem y, size_t y_offset)
{
    int a;
    clnn_status st = check_pieces(ctx, "clnn_concat_forward", axis, y_desc, y, y_offset, "y",
                                  count, x_descs, xs, x_offsets, "xs", &a);
    return st == CLNN_SUCCESS
               ? copy_pieces(ctx, true, a, y_desc, y, y_offset, count, x_descs, xs, x_offsets)
               : st;
}

clnn_status clnn_split_forward(clnn_context_t ctx, int axis, const clnn_tensor_desc *x_desc,
                               cl_mem x, size_t x_offset, int count,
                               const clnn_tensor_desc *const *y_descs, const cl_mem *ys,
                               const size_t *y_offsets)
{
    int a;
    clnn_status st = check_pieces(ctx, "clnn_split_forward", axis, x_desc, x, x_offset, "x",
                                  count, y_descs, ys, y_offsets, "ys", &a);
    return st == CLNN_SUCCESS
               ? copy_pieces(ctx, false, a, x_desc, x, x_offset, count, y_descs, ys, y_offsets)
               : st;
}
