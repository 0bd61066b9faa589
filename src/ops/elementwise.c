/* Element-wise primitives: fill, scale and binary operations with numpy
 * broadcasting (kernels in cl/elementwise.cl). */
#include "elementwise.h"
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

#define SOURCE "elementwise.cl"

void clnn_elementwise_options(clnn_context_t ctx, char *buf, size_t size)
{
    snprintf(buf, size, "-DVEC=%u", ctx->vector_width);
}

static clnn_status get_kernel(clnn_context_t ctx, const char *name, cl_kernel *kernel)
{
    char options[64];
    clnn_elementwise_options(ctx, options, sizeof options);
    return clnn_kernel_get(ctx, SOURCE, options, name, kernel);
}

clnn_status clnn_elementwise_launch(clnn_context_t ctx, cl_kernel kernel, size_t n)
{
    size_t vec = ctx->vector_width;
    return clnn_enqueue_1d(ctx, kernel, (n + vec - 1) / vec);
}

static cl_ulong elements(size_t byte_offset) { return (cl_ulong)(byte_offset / sizeof(float)); }

clnn_status clnn_fill(clnn_context_t ctx, const clnn_tensor_desc *y_desc, cl_mem y,
                      size_t y_offset, float value)
{
    static const char fn[] = "clnn_fill";
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y", &n);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, "fill_f32", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong off = elements(y_offset), count = n;
    st = clnn_set_args(k, CLNN_ARG(y), CLNN_ARG(off), CLNN_ARG(count), CLNN_ARG(value));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

clnn_status clnn_scale(clnn_context_t ctx, float alpha, const clnn_tensor_desc *x_desc,
                       cl_mem x, size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                       size_t y_offset)
{
    size_t n;
    clnn_status st = clnn_check_unary(ctx, "clnn_scale", x_desc, x, x_offset, "x", y_desc, y,
                                      y_offset, "y", &n);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, "scale_f32", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong xo = elements(x_offset), yo = elements(y_offset), count = n;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(y), CLNN_ARG(yo),
                       CLNN_ARG(count), CLNN_ARG(alpha));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

/* ---- broadcasting */

/* The broadcast layout of c = a (op) b, with adjacent dimensions merged where
 * both operands broadcast the same way (fewer index divisions per element). */
typedef struct broadcast_plan {
    int rank;
    cl_ulong dims[8], a_strides[8], b_strides[8];
} broadcast_plan;

/* Dimension i (counted from the last axis) of a descriptor, 1 past its rank. */
static int64_t dim_from_end(const clnn_tensor_desc *d, int i)
{
    return i < d->rank ? d->dims[d->rank - 1 - i] : 1;
}

static clnn_status plan_broadcast(const clnn_tensor_desc *a, const clnn_tensor_desc *b,
                                  const clnn_tensor_desc *c, const char *fn,
                                  broadcast_plan *plan)
{
    int rank = CLNN_MAX(a->rank, b->rank);
    char sa[160], sb[160], sc[160];
    clnn_format_shape(a, sa, sizeof sa);
    clnn_format_shape(b, sb, sizeof sb);
    clnn_format_shape(c, sc, sizeof sc);
    if (c->rank != rank)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: c has shape %s but a %s and b %s "
                                              "broadcast to rank %d", fn, sc, sa, sb, rank);
    /* Walk from the last axis; emit merged dims in reverse, then flip. */
    cl_ulong dims[8], as[8], bs[8];
    int out = 0;
    cl_ulong a_stride = 1, b_stride = 1;
    int prev_pattern = -1;
    for (int i = 0; i < rank; i++) {
        int64_t da = dim_from_end(a, i), db = dim_from_end(b, i), dc = dim_from_end(c, i);
        if (da != db && da != 1 && db != 1)
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: shapes %s and %s do not broadcast "
                                                  "(axis %d: %lld vs %lld)", fn, sa, sb,
                             rank - 1 - i, (long long)da, (long long)db);
        if (dc != CLNN_MAX(da, db))
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: c has shape %s, the broadcast of %s and "
                                                  "%s needs %lld at axis %d", fn, sc, sa, sb,
                             (long long)CLNN_MAX(da, db), rank - 1 - i);
        if (dc == 1) continue; /* size-1 axes carry no indexing */
        int pattern = (da == dc) | ((db == dc) << 1);
        if (pattern == prev_pattern) {
            dims[out - 1] *= (cl_ulong)dc;
        } else {
            dims[out] = (cl_ulong)dc;
            as[out] = da == dc ? a_stride : 0;
            bs[out] = db == dc ? b_stride : 0;
            out++;
            prev_pattern = pattern;
        }
        if (da == dc) a_stride *= (cl_ulong)dc;
        if (db == dc) b_stride *= (cl_ulong)dc;
    }
    if (out == 0) { /* every axis is 1: a single element */
        dims[0] = 1;
        as[0] = bs[0] = 1;
        out = 1;
    }
    plan->rank = out;
    for (int i = 0; i < 8; i++) {
        bool used = i < out;
        plan->dims[i] = used ? dims[out - 1 - i] : 1;
        plan->a_strides[i] = used ? as[out - 1 - i] : 0;
        plan->b_strides[i] = used ? bs[out - 1 - i] : 0;
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_binary(clnn_context_t ctx, clnn_binary_op op, const clnn_tensor_desc *a_desc,
                        cl_mem a, size_t a_offset, const clnn_tensor_desc *b_desc, cl_mem b,
                        size_t b_offset, const clnn_tensor_desc *c_desc, cl_mem c,
                        size_t c_offset)
{
    static const char fn[] = "clnn_binary";
    static const char *const kernels[] = {"add_f32", "sub_f32", "mul_f32", "div_f32"};
    clnn_status st = clnn_context_check(ctx, fn);
    if (st != CLNN_SUCCESS) return st;
    if ((unsigned)op >= CLNN_ARRAY_SIZE(kernels))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown op %d", fn, (int)op);
    st = clnn_check_operand(ctx, a_desc, CLNN_FLOAT32, a, a_offset, fn, "a", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, b_desc, CLNN_FLOAT32, b, b_offset, fn, "b", NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, c_desc, CLNN_FLOAT32, c, c_offset, fn, "c", NULL);
    broadcast_plan plan = {0};
    if (st == CLNN_SUCCESS) st = plan_broadcast(a_desc, b_desc, c_desc, fn, &plan);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, kernels[op], &k);
    if (st != CLNN_SUCCESS) return st;

    cl_ulong vec = ctx->vector_width, inner = plan.dims[plan.rank - 1];
    cl_ulong rows = clnn_desc_elements(c_desc) / inner;
    cl_ulong chunks = rows * ((inner + vec - 1) / vec);
    cl_ulong ao = elements(a_offset), bo = elements(b_offset), co = elements(c_offset);
    cl_int rank = plan.rank;
    cl_ulong8 dims, as, bs;
    for (int i = 0; i < 8; i++) {
        dims.s[i] = plan.dims[i];
        as.s[i] = plan.a_strides[i];
        bs.s[i] = plan.b_strides[i];
    }
    st = clnn_set_args(k, CLNN_ARG(a), CLNN_ARG(ao), CLNN_ARG(b), CLNN_ARG(bo), CLNN_ARG(c),
                       CLNN_ARG(co), CLNN_ARG(rank), CLNN_ARG(dims), CLNN_ARG(as),
                       CLNN_ARG(bs), CLNN_ARG(chunks));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, chunks) : st;
}
