/* Gather along an axis, its scatter-add adjoint, and the ONNX MaxPool index
 * conversion (kernels in cl/gather.cl). */
#include "data_ops.h"
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

clnn_status clnn_gather_desc(const clnn_tensor_desc *x_desc, int axis,
                             const clnn_tensor_desc *indices_desc, clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_gather_desc";
    clnn_status st = clnn_check_desc(x_desc, -1, fn, "x_desc");
    if (st == CLNN_SUCCESS) st = clnn_check_desc(indices_desc, -1, fn, "indices_desc");
    if (st != CLNN_SUCCESS) return st;
    if (!y_desc) return clnn_fail(CLNN_NULL_POINTER, "%s: y_desc is NULL", fn);
    int rank = x_desc->rank, irank = indices_desc->rank;
    if (indices_desc->dtype == CLNN_FLOAT32)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: indices_desc must be int32 or int64", fn);
    if (rank < 1 || axis < -rank || axis >= rank)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: axis %d is out of range for x_desc of rank "
                         "%d", fn, axis, rank);
    if (rank - 1 + irank > CLNN_MAX_RANK)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the result's rank %d exceeds %d", fn,
                         rank - 1 + irank, CLNN_MAX_RANK);
    int a = axis < 0 ? axis + rank : axis, r = 0;
    clnn_tensor_desc y = *x_desc;
    for (int k = 0; k < a; k++) y.dims[r++] = x_desc->dims[k];
    for (int k = 0; k < irank; k++) y.dims[r++] = indices_desc->dims[k];
    for (int k = a + 1; k < rank; k++) y.dims[r++] = x_desc->dims[k];
    for (int k = r; k < CLNN_MAX_RANK; k++) y.dims[k] = 1;
    y.rank = r;
    *y_desc = y;
    return CLNN_SUCCESS;
}

/* The [outer, axis_len, inner] view of x around `axis` (already in range). */
typedef struct gather_view {
    cl_long count, axis_len, inner;
} gather_view;

static gather_view view_of(const clnn_tensor_desc *x, int axis,
                           const clnn_tensor_desc *indices)
{
    gather_view v = {(cl_long)clnn_desc_elements(indices), x->dims[axis], 1};
    for (int k = axis + 1; k < x->rank; k++) v.inner *= x->dims[k];
    return v;
}

/* Shared validation: indices operand, axis, and `big` (y or dy) having the
 * gathered shape of `small` (x or dx). */
static clnn_status check_gather(clnn_context_t ctx, const char *fn, int *axis,
                                const clnn_tensor_desc *small,
                                const clnn_tensor_desc *indices_desc, cl_mem indices,
                                size_t indices_offset, const clnn_tensor_desc *big,
                                const char *big_name)
{
    clnn_status st = clnn_check_operand(ctx, indices_desc, -1, indices, indices_offset, fn,
                                        "indices", NULL);
    clnn_tensor_desc want;
    if (st == CLNN_SUCCESS) st = clnn_gather_desc(small, *axis, indices_desc, &want);
    if (st == CLNN_SUCCESS)
        st = clnn_check_same_shape(big, &want, fn, big_name, "the gathered shape");
    if (st == CLNN_SUCCESS && *axis < 0) *axis += small->rank;
    return st;
}

static clnn_status gather_kernel(clnn_context_t ctx, clnn_dtype data, clnn_dtype index,
                                 const char *name, cl_kernel *k)
{
    char options[64];
    snprintf(options, sizeof options, "-DT=%s -DI=%s -DCHUNK=%d", clnn_data_bits_type(data),
             index == CLNN_INT64 ? "long" : "int", CLNN_DATA_CHUNK);
    return clnn_kernel_get(ctx, "gather.cl", options, name, k);
}

clnn_status clnn_gather_forward(clnn_context_t ctx, int axis, const clnn_tensor_desc *x_desc,
                                cl_mem x, size_t x_offset,
                                const clnn_tensor_desc *indices_desc, cl_mem indices,
                                size_t indices_offset, const clnn_tensor_desc *y_desc,
                                cl_mem y, size_t y_offset)
{
    static const char fn[] = "clnn_gather_forward";
    size_t n;
    clnn_status st = clnn_data_check_pair(ctx, fn, x_desc, x, x_offset, "x", y_desc, y,
                                          y_offset, "y", &n);
    if (st == CLNN_SUCCESS)
        st = check_gather(ctx, fn, &axis, x_desc, indices_desc, indices, indices_offset, y_desc,
                          "y");
    cl_kernel k;
    if (st == CLNN_SUCCESS)
        st = gather_kernel(ctx, x_desc->dtype, indices_desc->dtype, "gather_forward", &k);
    if (st != CLNN_SUCCESS) return st;
    gather_view v = view_of(x_desc, axis, indices_desc);
    size_t es = clnn_dtype_size(x_desc->dtype), is = clnn_dtype_size(indices_desc->dtype);
    /* Work-items copy up to CLNN_DATA_CHUNK elements of a row of `inner`. */
    size_t items = n / (size_t)v.inner * (((size_t)v.inner + CLNN_DATA_CHUNK - 1) /
                                          CLNN_DATA_CHUNK);
    cl_ulong xo = x_offset / es, io = indices_offset / is, yo = y_offset / es, count = items;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(indices), CLNN_ARG(io),
                       CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(count), CLNN_ARG(v.count),
                       CLNN_ARG(v.axis_len), CLNN_ARG(v.inner));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, items) : st;
}

clnn_status clnn_gather_backward(clnn_context_t ctx, int axis,
                                 const clnn_tensor_desc *indices_desc, cl_mem indices,
                                 size_t indices_offset, const clnn_tensor_desc *dy_desc,
                                 cl_mem dy, size_t dy_offset, const clnn_tensor_desc *dx_desc,
                                 cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_gather_backward";
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, dy_desc, CLNN_FLOAT32, dy, dy_offset, fn, "dy", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, dx_desc, CLNN_FLOAT32, dx, dx_offset, fn, "dx", &n);
    if (st == CLNN_SUCCESS)
        st = check_gather(ctx, fn, &axis, dx_desc, indices_desc, indices, indices_offset,
                          dy_desc, "dy");
    cl_kernel k;
    if (st == CLNN_SUCCESS)
        st = gather_kernel(ctx, CLNN_FLOAT32, indices_desc->dtype, "gather_backward", &k);
    if (st != CLNN_SUCCESS) return st;
    gather_view v = view_of(dx_desc, axis, indices_desc);
    size_t is = clnn_dtype_size(indices_desc->dtype);
    cl_ulong io = indices_offset / is, dyo = dy_offset / 4, dxo = dx_offset / 4, count = n;
    st = clnn_set_args(k, CLNN_ARG(indices), CLNN_ARG(io), CLNN_ARG(dy), CLNN_ARG(dyo),
                       CLNN_ARG(dx), CLNN_ARG(dxo), CLNN_ARG(count), CLNN_ARG(v.count),
                       CLNN_ARG(v.axis_len), CLNN_ARG(v.inner));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, n) : st;
}

clnn_status clnn_data_plane_indices(clnn_context_t ctx, size_t count, int64_t plane,
                                    int64_t height, int64_t width, int column_major,
                                    cl_mem in, cl_mem out)
{
    static const char fn[] = "onnx MaxPool Indices";
    clnn_status st = clnn_check_buffer(ctx, in, 0, count * 4, 4, fn, "indices");
    if (st == CLNN_SUCCESS) st = clnn_check_buffer(ctx, out, 0, count * 8, 8, fn, "Indices");
    if (st == CLNN_SUCCESS && (plane < 1 || height < 1 || width < 1))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: plane %lld of %lld x %lld", fn,
                       (long long)plane, (long long)height, (long long)width);
    cl_kernel k;
    if (st == CLNN_SUCCESS)
        st = clnn_kernel_get(ctx, "gather.cl",
                             column_major ? "-DT=ulong -DI=long -DCOLUMN_MAJOR -DCHUNK=32"
                                          : "-DT=ulong -DI=long -DCHUNK=32",
                             "plane_indices", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong zero = 0, n = count;
    cl_long p = plane, h = height, w = width;
    st = clnn_set_args(k, CLNN_ARG(in), CLNN_ARG(zero), CLNN_ARG(out), CLNN_ARG(zero),
                       CLNN_ARG(n), CLNN_ARG(p), CLNN_ARG(h), CLNN_ARG(w));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, count) : st;
}
