/* Slice, Pad and Expand: one strided-copy kernel (cl/slice.cl) whose -DBORDER
 * variant says what happens to reads outside x; plus slice's adjoint. */
#include "data_ops.h"
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>
#include <string.h>

clnn_status clnn_data_check_pair(clnn_context_t ctx, const char *fn,
                                 const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                 const char *x_name, const clnn_tensor_desc *y_desc,
                                 cl_mem y, size_t y_offset, const char *y_name,
                                 size_t *count)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, -1, x, x_offset, fn, x_name, NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, (int)x_desc->dtype, y, y_offset, fn, y_name,
                                count);
    return st;
}

const char *clnn_data_bits_type(clnn_dtype dtype)
{
    return clnn_dtype_size(dtype) == 8 ? "ulong" : "uint";
}

enum { BORDER_NONE = 0, BORDER_CONSTANT = 1, BORDER_REFLECT = 2, BORDER_EDGE = 3 };

/* The eight-entry vectors a strided kernel takes (unused axes: dim 1, step 0). */
typedef struct strided_args {
    cl_long8 y_dims, x_dims, start, step;
} strided_args;

static strided_args strided_pack(const clnn_tensor_desc *y, const clnn_tensor_desc *x,
                                 const int64_t *start, const int64_t *step)
{
    strided_args a;
    for (int k = 0; k < 8; k++) {
        int in = k < y->rank;
        a.y_dims.s[k] = in ? y->dims[k] : 1;
        a.x_dims.s[k] = in ? x->dims[k] : 1;
        a.start.s[k] = in ? start[k] : 0;
        a.step.s[k] = in ? step[k] : 0;
    }
    return a;
}

/* Launches slice_forward (backward = 0) or slice_backward over `out`'s elements. */
static clnn_status strided_launch(clnn_context_t ctx, int backward, int border,
                                  const strided_args *a, const clnn_tensor_desc *in_desc,
                                  cl_mem in, size_t in_offset, cl_mem out,
                                  size_t out_offset, size_t count, cl_ulong value_bits)
{
    char options[96];
    size_t esize = clnn_dtype_size(in_desc->dtype);
    int r = in_desc->rank - 1;
    cl_long first = a->start.s[r], inner_x = a->x_dims.s[r];
    int contig = !backward && a->step.s[r] == 1 && first >= 0 &&
                 first + a->y_dims.s[r] <= inner_x;
    snprintf(options, sizeof options, "-DT=%s -DRANK=%d -DBORDER=%d -DCHUNK=%d%s",
             clnn_data_bits_type(in_desc->dtype), in_desc->rank, border, CLNN_DATA_CHUNK,
             contig ? " -DCONTIG" : "");
    cl_kernel k;
    clnn_status st = clnn_kernel_get(ctx, "slice.cl", options,
                                     backward ? "slice_backward" : "slice_forward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong io = in_offset / esize, oo = out_offset / esize, n = count;
    cl_uint value32 = (cl_uint)value_bits;
    /* The forward's last argument is the border value, of the element's size. */
    clnn_kernel_arg value = {esize, esize == 8 ? (const void *)&value_bits : &value32};
    clnn_kernel_arg args[] = {CLNN_ARG(in),        CLNN_ARG(io),        CLNN_ARG(out),
                              CLNN_ARG(oo),        CLNN_ARG(n),         CLNN_ARG(a->y_dims),
                              CLNN_ARG(a->x_dims), CLNN_ARG(a->start),  CLNN_ARG(a->step),
                              value};
    /* The forward's work-items each write up to CLNN_DATA_CHUNK of a row. */
    size_t inner = (size_t)a->y_dims.s[r];
    size_t items = backward ? count : count / inner * ((inner + CLNN_DATA_CHUNK - 1) /
                                                       CLNN_DATA_CHUNK);
    n = items;
    st = clnn_set_kernel_args(k, args, backward ? 9 : 10);
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, items) : st;
}

static clnn_status check_rank_match(const char *fn, const clnn_tensor_desc *x,
                                    const char *xn, const clnn_tensor_desc *y, const char *yn)
{
    if (x->rank < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s must have rank >= 1", fn, xn);
    if (x->rank != y->rank)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has rank %d but %s has rank %d", fn,
                         yn, y->rank, xn, x->rank);
    return CLNN_SUCCESS;
}

/* Every index start + o * step (o in [0, ydim)) must lie in [0, xdim). */
static clnn_status check_slice_window(const char *fn, const int64_t *starts,
                                      const int64_t *steps, const clnn_tensor_desc *x,
                                      const char *xn, const clnn_tensor_desc *y,
                                      const char *yn)
{
    if (!starts || !steps)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, starts ? "steps" : "starts");
    for (int k = 0; k < x->rank; k++) {
        int64_t last = starts[k] + (y->dims[k] - 1) * steps[k];
        if (steps[k] == 0)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: steps[%d] is 0", fn, k);
        if (starts[k] < 0 || starts[k] >= x->dims[k] || last < 0 || last >= x->dims[k]) {
            char xs[160], ys[160];
            clnn_format_shape(x, xs, sizeof xs);
            clnn_format_shape(y, ys, sizeof ys);
            return clnn_fail(CLNN_SHAPE_MISMATCH,
                             "%s: axis %d: %s %s read from start %lld with step %lld "
                             "leaves %s %s", fn, k, yn, ys, (long long)starts[k],
                             (long long)steps[k], xn, xs);
        }
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_slice_forward(clnn_context_t ctx, const int64_t *starts, const int64_t *steps,
                               const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                               const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset)
{
    static const char fn[] = "clnn_slice_forward";
    size_t n;
    clnn_status st = clnn_data_check_pair(ctx, fn, x_desc, x, x_offset, "x", y_desc, y,
                                          y_offset, "y", &n);
    if (st == CLNN_SUCCESS) st = check_rank_match(fn, x_desc, "x", y_desc, "y");
    if (st == CLNN_SUCCESS)
        st = check_slice_window(fn, starts, steps, x_desc, "x", y_desc, "y");
    if (st != CLNN_SUCCESS) return st;
    strided_args a = strided_pack(y_desc, x_desc, starts, steps);
    return strided_launch(ctx, 0, BORDER_NONE, &a, x_desc, x, x_offset, y, y_offset, n, 0);
}

clnn_status clnn_slice_backward(clnn_context_t ctx, const int64_t *starts,
                                const int64_t *steps, const clnn_tensor_desc *dy_desc,
                                cl_mem dy, size_t dy_offset, const clnn_tensor_desc *dx_desc,
                                cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_slice_backward";
    size_t n;
    clnn_status st = clnn_data_check_pair(ctx, fn, dy_desc, dy, dy_offset, "dy", dx_desc, dx,
                                          dx_offset, "dx", &n);
    if (st == CLNN_SUCCESS) st = check_rank_match(fn, dx_desc, "dx", dy_desc, "dy");
    if (st == CLNN_SUCCESS)
        st = check_slice_window(fn, starts, steps, dx_desc, "dx", dy_desc, "dy");
    if (st != CLNN_SUCCESS) return st;
    strided_args a = strided_pack(dy_desc, dx_desc, starts, steps);
    return strided_launch(ctx, 1, BORDER_NONE, &a, dy_desc, dy, dy_offset, dx, dx_offset, n,
                          0);
}

/* Clamps ONNX's start/end for a dim and step; returns the element count. */
static int64_t slice_count(int64_t dim, int64_t step, int64_t *start, int64_t end)
{
    int64_t s = *start < 0 ? *start + dim : *start, e = end < 0 ? end + dim : end;
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
    s = s < lo ? lo : s > hi ? hi : s;
    e = e < lo ? lo : e > hi ? hi : e;
    *start = s;
    int64_t span = step > 0 ? e - s : s - e, mag = step > 0 ? step : -step;
    return span <= 0 ? 0 : (span + mag - 1) / mag;
}

clnn_status clnn_slice_desc(const clnn_tensor_desc *x_desc, int count, const int64_t *starts,
                            const int64_t *ends, const int64_t *axes, const int64_t *steps,
                            int64_t *norm_starts, int64_t *norm_steps,
                            clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_slice_desc";
    clnn_status st = clnn_check_desc(x_desc, -1, fn, "x_desc");
    if (st != CLNN_SUCCESS) return st;
    if (!norm_starts || !norm_steps || !y_desc || (count > 0 && (!starts || !ends)))
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn,
                         !norm_starts ? "norm_starts" : !norm_steps ? "norm_steps"
                         : !y_desc ? "y_desc" : !starts ? "starts" : "ends");
    int rank = x_desc->rank;
    if (rank < 1 || count < 0 || count > rank)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: count %d must be in 0 .. rank %d (rank "
                         ">= 1)", fn, count, rank);
    clnn_tensor_desc y = *x_desc;
    int64_t st0[CLNN_MAX_RANK], sp0[CLNN_MAX_RANK];
    int seen = 0;
    for (int k = 0; k < rank; k++) st0[k] = 0, sp0[k] = 1;
    for (int i = 0; i < count; i++) {
        int64_t a = axes ? axes[i] : i, step = steps ? steps[i] : 1;
        if (a < -rank || a >= rank || (seen >> (a < 0 ? a + rank : a) & 1))
            return clnn_fail(CLNN_INVALID_VALUE, "%s: axes[%d] = %lld is out of range for "
                             "rank %d or repeated", fn, i, (long long)a, rank);
        if (step == 0) return clnn_fail(CLNN_INVALID_VALUE, "%s: steps[%d] is 0", fn, i);
        int ax = (int)(a < 0 ? a + rank : a);
        seen |= 1 << ax;
        st0[ax] = starts[i];
        sp0[ax] = step;
        y.dims[ax] = slice_count(x_desc->dims[ax], step, &st0[ax], ends[i]);
        if (y.dims[ax] == 0)
            return clnn_fail(CLNN_NOT_SUPPORTED, "%s: axis %d: the slice is empty (clnn has "
                             "no empty tensors)", fn, ax);
    }
    memcpy(norm_starts, st0, (size_t)rank * sizeof(int64_t));
    memcpy(norm_steps, sp0, (size_t)rank * sizeof(int64_t));
    *y_desc = y;
    return CLNN_SUCCESS;
}

clnn_status clnn_pad_desc(const clnn_tensor_desc *x_desc, const int64_t *pads,
                          clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_pad_desc";
    clnn_status st = clnn_check_desc(x_desc, -1, fn, "x_desc");
    if (st != CLNN_SUCCESS) return st;
    if (!pads || !y_desc)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, pads ? "y_desc" : "pads");
    if (x_desc->rank < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: x_desc must have rank >= 1", fn);
    clnn_tensor_desc y = *x_desc;
    for (int k = 0; k < y.rank; k++) {
        y.dims[k] += pads[k] + pads[y.rank + k];
        if (y.dims[k] < 1)
            return clnn_fail(CLNN_NOT_SUPPORTED, "%s: pads crop axis %d to %lld elements "
                             "(clnn has no empty tensors)", fn, k, (long long)y.dims[k]);
    }
    *y_desc = y;
    return CLNN_SUCCESS;
}

/* The bits of `value` as x's dtype. */
static cl_ulong value_bits(clnn_dtype dtype, double value)
{
    if (dtype == CLNN_FLOAT32) {
        float f = (float)value;
        cl_uint u;
        memcpy(&u, &f, 4);
        return u;
    }
    if (dtype == CLNN_INT32) return (cl_uint)(int32_t)value;
    return (cl_ulong)(int64_t)value;
}

/* Validation shared by pad forward and backward: mode, pads, out's shape. */
static clnn_status check_pad(const char *fn, clnn_pad_mode mode, const int64_t *pads,
                             const clnn_tensor_desc *x, const char *xn,
                             const clnn_tensor_desc *y, const char *yn)
{
    if ((unsigned)mode > CLNN_PAD_EDGE)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown pad mode %d", fn, (int)mode);
    if (!pads) return clnn_fail(CLNN_NULL_POINTER, "%s: pads is NULL", fn);
    clnn_tensor_desc want;
    clnn_status st = clnn_pad_desc(x, pads, &want);
    if (st != CLNN_SUCCESS) return st;
    return clnn_check_same_shape(y, &want, fn, yn, "the padded shape");
}

clnn_status clnn_pad_forward(clnn_context_t ctx, clnn_pad_mode mode, const int64_t *pads,
                             double value, const clnn_tensor_desc *x_desc, cl_mem x,
                             size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                             size_t y_offset)
{
    static const char fn[] = "clnn_pad_forward";
    size_t n;
    clnn_status st = clnn_data_check_pair(ctx, fn, x_desc, x, x_offset, "x", y_desc, y,
                                          y_offset, "y", &n);
    if (st == CLNN_SUCCESS) st = check_pad(fn, mode, pads, x_desc, "x", y_desc, "y");
    if (st != CLNN_SUCCESS) return st;
    int64_t start[CLNN_MAX_RANK], step[CLNN_MAX_RANK];
    for (int k = 0; k < x_desc->rank; k++) start[k] = -pads[k], step[k] = 1;
    strided_args a = strided_pack(y_desc, x_desc, start, step);
    int border = mode == CLNN_PAD_CONSTANT  ? BORDER_CONSTANT
                 : mode == CLNN_PAD_REFLECT ? BORDER_REFLECT
                                            : BORDER_EDGE;
    return strided_launch(ctx, 0, border, &a, x_desc, x, x_offset, y, y_offset, n,
                          value_bits(x_desc->dtype, value));
}

clnn_status clnn_pad_backward(clnn_context_t ctx, clnn_pad_mode mode, const int64_t *pads,
                              const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
                              const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_pad_backward";
    size_t n;
    clnn_status st = clnn_data_check_pair(ctx, fn, dy_desc, dy, dy_offset, "dy", dx_desc, dx,
                                          dx_offset, "dx", &n);
    if (st == CLNN_SUCCESS) st = check_pad(fn, mode, pads, dx_desc, "dx", dy_desc, "dy");
    if (st != CLNN_SUCCESS) return st;
    if (mode != CLNN_PAD_CONSTANT)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: mode %s: only the constant mode has a "
                         "backward pass", fn, mode == CLNN_PAD_REFLECT ? "reflect" : "edge");
    /* dx[c] = dy[c + pads_begin]: a constant-0 pad of dy by the negated pads. */
    int64_t start[CLNN_MAX_RANK], step[CLNN_MAX_RANK];
    for (int k = 0; k < dx_desc->rank; k++) start[k] = pads[k], step[k] = 1;
    strided_args a = strided_pack(dx_desc, dy_desc, start, step);
    return strided_launch(ctx, 0, BORDER_CONSTANT, &a, dy_desc, dy, dy_offset, dx, dx_offset,
                          n, 0);
}

clnn_status clnn_expand_desc(const clnn_tensor_desc *x_desc, int rank, const int64_t *shape,
                             clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_expand_desc";
    clnn_status st = clnn_check_desc(x_desc, -1, fn, "x_desc");
    if (st != CLNN_SUCCESS) return st;
    if (!y_desc || (rank > 0 && !shape))
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, y_desc ? "shape" : "y_desc");
    if (rank < 0 || rank > CLNN_MAX_RANK)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rank %d outside 0 .. %d", fn, rank,
                         CLNN_MAX_RANK);
    int out = rank > x_desc->rank ? rank : x_desc->rank;
    clnn_tensor_desc y = *x_desc;
    y.rank = out;
    for (int k = 0; k < out; k++) {
        int xi = k - (out - x_desc->rank), si = k - (out - rank);
        int64_t a = xi >= 0 ? x_desc->dims[xi] : 1, b = si >= 0 ? shape[si] : 1;
        if (b < 1)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: shape[%d] = %lld must be >= 1", fn, si,
                             (long long)b);
        if (a != b && a != 1 && b != 1) {
            char xs[160];
            clnn_format_shape(x_desc, xs, sizeof xs);
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: x_desc %s and shape[%d] = %lld do "
                             "not broadcast", fn, xs, si, (long long)b);
        }
        y.dims[k] = a > b ? a : b;
    }
    *y_desc = y;
    return CLNN_SUCCESS;
}

clnn_status clnn_expand_forward(clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x,
                                size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                                size_t y_offset)
{
    static const char fn[] = "clnn_expand_forward";
    size_t n;
    clnn_status st = clnn_data_check_pair(ctx, fn, x_desc, x, x_offset, "x", y_desc, y,
                                          y_offset, "y", &n);
    if (st != CLNN_SUCCESS) return st;
    /* x seen at y's rank: leading 1s; broadcast axes read index 0 (step 0). */
    clnn_tensor_desc xv = *y_desc;
    int lead = y_desc->rank - x_desc->rank;
    if (lead < 0)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: y has rank %d, below x's %d", fn,
                         y_desc->rank, x_desc->rank);
    int64_t start[CLNN_MAX_RANK] = {0}, step[CLNN_MAX_RANK];
    for (int k = 0; k < y_desc->rank; k++) {
        xv.dims[k] = k < lead ? 1 : x_desc->dims[k - lead];
        step[k] = xv.dims[k] == 1 ? 0 : 1;
        if (xv.dims[k] != 1 && xv.dims[k] != y_desc->dims[k]) {
            char xs[160], ys[160];
            clnn_format_shape(x_desc, xs, sizeof xs);
            clnn_format_shape(y_desc, ys, sizeof ys);
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: x %s does not broadcast to y %s", fn,
                             xs, ys);
        }
    }
    if (y_desc->rank == 0) xv.rank = 1, xv.dims[0] = 1;   /* a scalar: one copy */
    strided_args a = strided_pack(&xv, &xv, start, step);
    a.y_dims = strided_pack(y_desc, y_desc, start, step).y_dims;
    return strided_launch(ctx, 0, BORDER_NONE, &a, &xv, x, x_offset, y, y_offset, n, 0);
}
