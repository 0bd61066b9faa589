/* Element-wise math of include/clnn/math.h (kernels in cl/math.cl): unary float
 * maps, and one broadcasting kernel specialised per op and dtypes for the rest. */
#include "elementwise.h"
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

#define SOURCE "math.cl"

/* ---- unary maps */

/* Forward (dy NULL): out = f(x); backward: out = dy * f'(x). Both kernels
 * take (x, dy, out): the forward one ignores dy, which is then x. */
static clnn_status unary_run(clnn_context_t ctx, const char *fn, clnn_unary_math_op op,
                             float alpha, float beta, const clnn_tensor_desc *x_desc, cl_mem x,
                             size_t x_offset, const clnn_tensor_desc *dy_desc, cl_mem dy,
                             size_t dy_offset, const clnn_tensor_desc *out_desc, cl_mem out,
                             size_t out_offset, const char *out_name)
{
    int forward = dy_desc == NULL;
    size_t n;
    clnn_status st = clnn_check_unary(ctx, fn, x_desc, x, x_offset, "x", out_desc, out,
                                      out_offset, out_name, &n);
    if (st == CLNN_SUCCESS && !forward)
        st = clnn_check_unary(ctx, fn, x_desc, x, x_offset, "x", dy_desc, dy, dy_offset, "dy",
                              NULL);
    if (st == CLNN_SUCCESS && (unsigned)op > CLNN_UNARY_POW)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: unknown op %d", fn, (int)op);
    if (st != CLNN_SUCCESS) return st;
    char options[64], name[32];
    snprintf(options, sizeof options, "-DVEC=%u -DUNARY", ctx->vector_width);
    snprintf(name, sizeof name, "unary_%s_%d", forward ? "forward" : "backward", (int)op);
    cl_kernel k;
    st = clnn_kernel_get(ctx, SOURCE, options, name, &k);
    if (forward) {
        dy = x;
        dy_offset = x_offset;
    }
    cl_ulong off[3] = {x_offset / 4, dy_offset / 4, out_offset / 4}, count = n;
    if (st == CLNN_SUCCESS)
        st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(off[0]), CLNN_ARG(dy), CLNN_ARG(off[1]),
                           CLNN_ARG(out), CLNN_ARG(off[2]), CLNN_ARG(count), CLNN_ARG(alpha),
                           CLNN_ARG(beta));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

clnn_status clnn_unary_math_forward(clnn_context_t ctx, clnn_unary_math_op op, float alpha,
                                    float beta, const clnn_tensor_desc *x_desc, cl_mem x,
                                    size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                                    size_t y_offset)
{
    return unary_run(ctx, "clnn_unary_math_forward", op, alpha, beta, x_desc, x, x_offset,
                     NULL, NULL, 0, y_desc, y, y_offset, "y");
}

clnn_status clnn_unary_math_backward(clnn_context_t ctx, clnn_unary_math_op op, float alpha,
                                     float beta, const clnn_tensor_desc *x_desc, cl_mem x,
                                     size_t x_offset, const clnn_tensor_desc *dy_desc,
                                     cl_mem dy, size_t dy_offset,
                                     const clnn_tensor_desc *dx_desc, cl_mem dx,
                                     size_t dx_offset)
{
    static const char fn[] = "clnn_unary_math_backward";
    if (!dy_desc)   /* NULL dy_desc selects the forward path in unary_run */
        return clnn_fail(CLNN_NULL_POINTER, "%s: dy_desc is NULL", fn);
    return unary_run(ctx, fn, op, alpha, beta, x_desc, x, x_offset, dy_desc, dy, dy_offset,
                     dx_desc, dx, dx_offset, "dx");
}

/* ---- broadcast maps */

/* One operand of a map: `dtype` is the dtype it must have (-1: any) and
 * `same_as` the operand whose dtype it must share (-1: none). */
typedef struct map_operand {
    const clnn_tensor_desc *desc;
    cl_mem mem;
    size_t offset;
    const char *name;
    int dtype;
    int same_as;
} map_operand;

#define OPERAND(d, m, o, n, t, s) ((map_operand){(d), (m), (o), (n), (t), (s)})

static const char *cl_type(clnn_dtype t)
{
    return t == CLNN_FLOAT32 ? "float" : t == CLNN_INT32 ? "int" : "long";
}

/* Checks the operands (inputs 0..arity-1, then the output at index arity). */
static clnn_status check_operands(clnn_context_t ctx, const char *fn, const map_operand *op,
                                  int count)
{
    clnn_status st = clnn_context_check(ctx, fn);
    for (int i = 0; i < count && st == CLNN_SUCCESS; i++) {
        st = clnn_check_operand(ctx, op[i].desc, op[i].dtype, op[i].mem, op[i].offset, fn,
                                op[i].name, NULL);
        const map_operand *ref = op[i].same_as >= 0 ? &op[op[i].same_as] : NULL;
        if (st == CLNN_SUCCESS && ref && ref->desc->dtype != op[i].desc->dtype)
            st = clnn_fail(CLNN_INVALID_VALUE, "%s: %s's dtype %d differs from %s's %d", fn,
                           op[i].name, (int)op[i].desc->dtype, ref->name,
                           (int)ref->desc->dtype);
    }
    return st;
}

/* The layout of the map: output axes of size 1 dropped, adjacent axes merged
 * where every input steps through them contiguously, element strides per
 * input (0 where it broadcasts). */
typedef struct map_plan {
    int rank;
    cl_ulong dims[8], strides[3][8];
} map_plan;

static clnn_status plan_map(const char *fn, const map_operand *in, int arity,
                            const clnn_tensor_desc *y, map_plan *p)
{
    char sy[160], sx[160];
    clnn_format_shape(y, sy, sizeof sy);
    cl_ulong stride[3] = {1, 1, 1};
    int out = 0;   /* axes emitted, innermost first */
    for (int d = y->rank - 1; d >= 0; d--) {
        cl_ulong dim = (cl_ulong)y->dims[d], s[3];
        for (int i = 0; i < arity; i++) {
            const clnn_tensor_desc *x = in[i].desc;
            int xd = d - (y->rank - x->rank);
            int64_t have = xd >= 0 ? x->dims[xd] : 1;
            if (x->rank > y->rank || (have != 1 && have != (int64_t)dim)) {
                clnn_format_shape(x, sx, sizeof sx);
                return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s %s does not broadcast to the "
                                 "output's shape %s", fn, in[i].name, sx, sy);
            }
            s[i] = have == 1 ? 0 : stride[i];
            stride[i] *= (cl_ulong)have;
        }
        if (dim == 1) continue;
        int merge = out > 0;
        for (int i = 0; i < arity && merge; i++)
            merge = s[i] == p->strides[i][out - 1] * p->dims[out - 1];
        if (merge) {
            p->dims[out - 1] *= dim;
        } else {
            p->dims[out] = dim;
            for (int i = 0; i < arity; i++) p->strides[i][out] = s[i];
            out++;
        }
    }
    if (out == 0) p->dims[out++] = 1;   /* a single element */
    /* Flip to outermost first; unused inputs keep stride 0. */
    map_plan r = {out, {0}, {{0}}};
    for (int k = 0; k < out; k++) {
        r.dims[k] = p->dims[out - 1 - k];
        for (int i = 0; i < arity; i++) r.strides[i][k] = p->strides[i][out - 1 - k];
    }
    *p = r;
    return CLNN_SUCCESS;
}

/* The conversion of op "cast" (CONVERT) from dtype x to y: saturating toward
 * integers from float or from a wider integer; convert_<int type> from float
 * already rounds toward zero. */
static const char *convert_name(clnn_dtype x, clnn_dtype y)
{
    if (y == CLNN_FLOAT32) return "convert_float";
    if (y == CLNN_INT64) return x == CLNN_FLOAT32 ? "convert_long_sat" : "convert_long";
    return x == CLNN_INT32 ? "convert_int" : "convert_int_sat";
}

/* Validates and enqueues y = op(inputs) (kernel map_<op> of the program for
 * the operands' dtypes). */
static clnn_status run_map(clnn_context_t ctx, const char *fn, const char *op,
                           const map_operand *operands, int arity)
{
    const map_operand *out = &operands[arity];
    map_plan plan = {0};
    clnn_status st = check_operands(ctx, fn, operands, arity + 1);
    if (st == CLNN_SUCCESS) st = plan_map(fn, operands, arity, out->desc, &plan);
    if (st != CLNN_SUCCESS) return st;

    const map_operand *in[3];
    for (int i = 0; i < 3; i++) in[i] = &operands[i < arity ? i : 0];
    char options[256], kernel[32];
    snprintf(options, sizeof options,
             "-DVEC=%u -DARITY=%d -DTA=%s -DTB=%s -DTC=%s -DTY=%s -DCONVERT=%s "
             "-DTA_INT=%d -DTB_INT=%d -DTY_INT=%d",
             ctx->vector_width, arity, cl_type(in[0]->desc->dtype),
             cl_type(in[1]->desc->dtype), cl_type(in[2]->desc->dtype),
             cl_type(out->desc->dtype), convert_name(in[0]->desc->dtype, out->desc->dtype),
             in[0]->desc->dtype != CLNN_FLOAT32, in[1]->desc->dtype != CLNN_FLOAT32,
             out->desc->dtype != CLNN_FLOAT32);
    snprintf(kernel, sizeof kernel, "map_%s", op);
    cl_kernel k;
    st = clnn_kernel_get(ctx, SOURCE, options, kernel, &k);
    if (st != CLNN_SUCCESS) return st;

    cl_ulong off[4], n = clnn_desc_elements(out->desc);
    for (int i = 0; i < 3; i++) off[i] = in[i]->offset / clnn_dtype_size(in[i]->desc->dtype);
    off[3] = out->offset / clnn_dtype_size(out->desc->dtype);
    cl_int rank = plan.rank;
    cl_ulong8 dims, s[3];
    for (int d = 0; d < 8; d++) {
        dims.s[d] = d < plan.rank ? plan.dims[d] : 1;
        for (int i = 0; i < 3; i++) s[i].s[d] = plan.strides[i][d];
    }
    st = clnn_set_args(k, CLNN_ARG(in[0]->mem), CLNN_ARG(off[0]), CLNN_ARG(in[1]->mem),
                       CLNN_ARG(off[1]), CLNN_ARG(in[2]->mem), CLNN_ARG(off[2]),
                       CLNN_ARG(out->mem), CLNN_ARG(off[3]), CLNN_ARG(rank), CLNN_ARG(dims),
                       CLNN_ARG(s[0]), CLNN_ARG(s[1]), CLNN_ARG(s[2]), CLNN_ARG(n));
    return st == CLNN_SUCCESS ? clnn_elementwise_launch(ctx, k, n) : st;
}

/* The op name for `op` from `names`, or NULL (with the error set). */
static const char *op_name(const char *fn, int op, const char *const *names, int count)
{
    if (op >= 0 && op < count) return names[op];
    clnn_fail(CLNN_INVALID_VALUE, "%s: unknown op %d", fn, op);
    return NULL;
}

clnn_status clnn_math_binary(clnn_context_t ctx, clnn_math_binary_op op,
                             const clnn_tensor_desc *a_desc, cl_mem a, size_t a_offset,
                             const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                             const clnn_tensor_desc *c_desc, cl_mem c, size_t c_offset)
{
    static const char fn[] = "clnn_math_binary";
    static const char *const names[] = {"pow", "min", "max", "prelu"};
    const char *name = op_name(fn, (int)op, names, 4);
    if (!name) return CLNN_INVALID_VALUE;
    map_operand operands[3] = {
        OPERAND(a_desc, a, a_offset, "a", -1, -1),
        OPERAND(b_desc, b, b_offset, "b", -1, op == CLNN_MATH_POW ? -1 : 0),
        OPERAND(c_desc, c, c_offset, "c", -1, 0),
    };
    return run_map(ctx, fn, name, operands, 2);
}

clnn_status clnn_compare(clnn_context_t ctx, clnn_compare_op op, const clnn_tensor_desc *a_desc,
                         cl_mem a, size_t a_offset, const clnn_tensor_desc *b_desc, cl_mem b,
                         size_t b_offset, const clnn_tensor_desc *c_desc, cl_mem c,
                         size_t c_offset)
{
    static const char fn[] = "clnn_compare";
    static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    const char *name = op_name(fn, (int)op, names, 6);
    if (!name) return CLNN_INVALID_VALUE;
    map_operand operands[3] = {
        OPERAND(a_desc, a, a_offset, "a", -1, -1),
        OPERAND(b_desc, b, b_offset, "b", -1, 0),
        OPERAND(c_desc, c, c_offset, "c", CLNN_INT32, -1),
    };
    return run_map(ctx, fn, name, operands, 2);
}

clnn_status clnn_logical(clnn_context_t ctx, clnn_logical_op op, const clnn_tensor_desc *a_desc,
                         cl_mem a, size_t a_offset, const clnn_tensor_desc *b_desc, cl_mem b,
                         size_t b_offset, const clnn_tensor_desc *c_desc, cl_mem c,
                         size_t c_offset)
{
    static const char fn[] = "clnn_logical";
    static const char *const names[] = {"and", "or", "xor"};
    const char *name = op_name(fn, (int)op, names, 3);
    if (!name) return CLNN_INVALID_VALUE;
    map_operand operands[3] = {
        OPERAND(a_desc, a, a_offset, "a", -1, -1),
        OPERAND(b_desc, b, b_offset, "b", -1, 0),
        OPERAND(c_desc, c, c_offset, "c", CLNN_INT32, -1),
    };
    return run_map(ctx, fn, name, operands, 2);
}

/* The operands of a same-shape map y = f(x); the shape check first. */
static clnn_status same_shape_map(clnn_context_t ctx, const char *fn, const char *op,
                                  const map_operand *operands)
{
    clnn_status st = check_operands(ctx, fn, operands, 2);
    if (st == CLNN_SUCCESS)
        st = clnn_check_same_shape(operands[0].desc, operands[1].desc, fn, "x", "y");
    return st == CLNN_SUCCESS ? run_map(ctx, fn, op, operands, 1) : st;
}

clnn_status clnn_logical_not(clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x,
                             size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                             size_t y_offset)
{
    map_operand operands[2] = {
        OPERAND(x_desc, x, x_offset, "x", -1, -1),
        OPERAND(y_desc, y, y_offset, "y", CLNN_INT32, -1),
    };
    return same_shape_map(ctx, "clnn_logical_not", "not", operands);
}

clnn_status clnn_where(clnn_context_t ctx, const clnn_tensor_desc *cond_desc, cl_mem cond,
                       size_t cond_offset, const clnn_tensor_desc *a_desc, cl_mem a,
                       size_t a_offset, const clnn_tensor_desc *b_desc, cl_mem b,
                       size_t b_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                       size_t y_offset)
{
    map_operand operands[4] = {
        OPERAND(cond_desc, cond, cond_offset, "cond", CLNN_INT32, -1),
        OPERAND(a_desc, a, a_offset, "a", -1, -1),
        OPERAND(b_desc, b, b_offset, "b", -1, 1),
        OPERAND(y_desc, y, y_offset, "y", -1, 1),
    };
    return run_map(ctx, "clnn_where", "where", operands, 3);
}

clnn_status clnn_cast(clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x,
                      size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                      size_t y_offset)
{
    map_operand operands[2] = {
        OPERAND(x_desc, x, x_offset, "x", -1, -1),
        OPERAND(y_desc, y, y_offset, "y", -1, -1),
    };
    return same_shape_map(ctx, "clnn_cast", "cast", operands);
}
