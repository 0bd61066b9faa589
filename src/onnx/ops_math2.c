/* Element-wise math beyond Add/Sub/Mul/Div (include/clnn/math.h): unary
 * functions, Pow, variadic Min/Max, PRelu, comparisons, logic, Where, Cast.
 * ONNX bool tensors are CLNN_INT32 0 / 1 inside clnn. */
#include "src/onnx/onnx_internal.h"

#include <string.h>

/* Index of op_type in a NULL-terminated list (the lists below keep the order
 * of the clnn enums they map to), or -1. */
static int index_of(const char *const *names, const char *op_type)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], op_type) == 0)
            return i;
    return -1;
}

/* The shape all inputs broadcast to (numpy rules), with `dtype`. */
static clnn_status broadcast_all(onnx_model *m, const onnx_node *n, clnn_dtype dtype,
                                 clnn_tensor_desc *out)
{
    clnn_tensor_desc r = {dtype, 0, {1, 1, 1, 1, 1, 1, 1, 1}};
    for (int i = 0; i < n->n_in; i++) {
        const onnx_value *v = onnx_in(m, n, i);
        if (!v)
            return onnx_node_fail(n, CLNN_BAD_FORMAT, "input %d is empty (none is optional)",
                                  i);
        int rank = v->desc.rank > r.rank ? v->desc.rank : r.rank;
        clnn_tensor_desc next = {dtype, rank, {1, 1, 1, 1, 1, 1, 1, 1}};
        for (int k = 1; k <= rank; k++) {
            int64_t have = k <= r.rank ? r.dims[r.rank - k] : 1;
            int64_t add = k <= v->desc.rank ? v->desc.dims[v->desc.rank - k] : 1;
            if (have != add && have != 1 && add != 1) {
                char sv[96];
                clnn_format_shape(&v->desc, sv, sizeof(sv));
                return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "input %d %s does not "
                                      "broadcast with the inputs before it", i, sv);
            }
            next.dims[rank - k] = have == 1 ? add : have;
        }
        r = next;
    }
    *out = r;
    return CLNN_SUCCESS;
}

/* Inputs 1.. must share input 0's dtype (NOT_SUPPORTED otherwise: ONNX
 * requires it, so a model that differs is one clnn does not take). */
static clnn_status need_same_dtype(onnx_model *m, const onnx_node *n)
{
    const onnx_value *first = onnx_in(m, n, 0);
    for (int i = 1; i < n->n_in; i++) {
        const onnx_value *v = onnx_in(m, n, i);
        if (v && v->desc.dtype != first->desc.dtype)
            return onnx_unsupported(n, "input %d's element type differs from input 0's", i);
    }
    return CLNN_SUCCESS;
}

/* ---- unary functions (float32) */

static const char *const unary_ops[] = {"Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal",
                                        "Erf", "Softsign", "Selu", NULL};

static clnn_status plan_same_shape(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s = onnx_need_floats(m, n, 1);
    if (s == CLNN_SUCCESS)
        onnx_set_out(m, n, 0, &x->desc);
    return s;
}

static clnn_status run_unary(onnx_model *m, onnx_node *n)
{
    clnn_unary_math_op op = (clnn_unary_math_op)index_of(unary_ops, n->proto->op_type);
    float alpha = onnx_attr_float(n, "alpha", CLNN_SELU_ALPHA);
    float gamma = onnx_attr_float(n, "gamma", CLNN_SELU_GAMMA);
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_unary_math_forward(m->ctx, op, alpha, gamma, &x->desc, onnx_mem(m, x), 0,
                                   &y->desc, onnx_mem(m, y), 0);
}

/* ---- Pow, Min, Max, PRelu: the output has input 0's dtype (Pow's exponent
 * may have another) */

static const char *const binary_ops[] = {"Pow", "Min", "Max", "PRelu", NULL};

static clnn_status plan_broadcast(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s = strcmp(n->proto->op_type, "Pow") ? need_same_dtype(m, n) : CLNN_SUCCESS;
    clnn_tensor_desc d;
    if (s == CLNN_SUCCESS)
        s = broadcast_all(m, n, x->desc.dtype, &d);
    if (s == CLNN_SUCCESS && strcmp(n->proto->op_type, "PRelu") == 0 &&
        (d.rank != x->desc.rank || memcmp(d.dims, x->desc.dims, sizeof(d.dims)) != 0))
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "slope does not broadcast to X");
    if (s == CLNN_SUCCESS)
        onnx_set_out(m, n, 0, &d);
    return s;
}

/* Variadic Min / Max fold into the output: y = op(x0, x1), then y = op(y, xk);
 * a single input is op(x0, x0). */
static clnn_status run_broadcast(onnx_model *m, onnx_node *n)
{
    clnn_math_binary_op op = (clnn_math_binary_op)index_of(binary_ops, n->proto->op_type);
    const onnx_value *y = onnx_out(m, n, 0), *a = onnx_in(m, n, 0);
    const onnx_value *b = n->n_in > 1 ? onnx_in(m, n, 1) : a;
    cl_mem ym = onnx_mem(m, y);
    clnn_status s = clnn_math_binary(m->ctx, op, &a->desc, onnx_mem(m, a), 0, &b->desc,
                                     onnx_mem(m, b), 0, &y->desc, ym, 0);
    for (int i = 2; i < n->n_in && s == CLNN_SUCCESS; i++) {
        const onnx_value *x = onnx_in(m, n, i);
        s = clnn_math_binary(m->ctx, op, &y->desc, ym, 0, &x->desc, onnx_mem(m, x), 0,
                             &y->desc, ym, 0);
    }
    return s;
}

/* ---- comparisons and logic (bool results as int32) */

static const char *const compare_ops[] = {"Equal", "", "Less", "LessOrEqual", "Greater",
                                          "GreaterOrEqual", NULL};
static const char *const logical_ops[] = {"And", "Or", "Xor", NULL};

static clnn_status plan_to_bool(onnx_model *m, onnx_node *n)
{
    clnn_tensor_desc d;
    clnn_status s = need_same_dtype(m, n);
    if (s == CLNN_SUCCESS)
        s = broadcast_all(m, n, CLNN_INT32, &d);
    if (s == CLNN_SUCCESS)
        onnx_set_out(m, n, 0, &d);
    return s;
}

static clnn_status run_compare(onnx_model *m, onnx_node *n)
{
    const onnx_value *a = onnx_in(m, n, 0), *b = onnx_in(m, n, 1), *c = onnx_out(m, n, 0);
    cl_mem am = onnx_mem(m, a), bm = onnx_mem(m, b), cm = onnx_mem(m, c);
    int compare = index_of(compare_ops, n->proto->op_type);
    if (compare >= 0)
        return clnn_compare(m->ctx, (clnn_compare_op)compare, &a->desc, am, 0, &b->desc, bm,
                            0, &c->desc, cm, 0);
    return clnn_logical(m->ctx, (clnn_logical_op)index_of(logical_ops, n->proto->op_type),
                        &a->desc, am, 0, &b->desc, bm, 0, &c->desc, cm, 0);
}

static clnn_status plan_not(onnx_model *m, onnx_node *n)
{
    clnn_tensor_desc d = onnx_in(m, n, 0)->desc;
    d.dtype = CLNN_INT32;
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_not(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_logical_not(m->ctx, &x->desc, onnx_mem(m, x), 0, &y->desc, onnx_mem(m, y), 0);
}

/* ---- Where */

static clnn_status plan_where(onnx_model *m, onnx_node *n)
{
    const onnx_value *c = onnx_in(m, n, 0), *x = onnx_in(m, n, 1), *y = onnx_in(m, n, 2);
    clnn_tensor_desc d;
    if (c->desc.dtype != CLNN_INT32)
        return onnx_unsupported(n, "input 0 (condition) must be bool");
    if (x->desc.dtype != y->desc.dtype)
        return onnx_unsupported(n, "inputs X and Y have different element types");
    clnn_status s = broadcast_all(m, n, x->desc.dtype, &d);
    if (s == CLNN_SUCCESS)
        onnx_set_out(m, n, 0, &d);
    return s;
}

static clnn_status run_where(onnx_model *m, onnx_node *n)
{
    const onnx_value *c = onnx_in(m, n, 0), *x = onnx_in(m, n, 1), *y = onnx_in(m, n, 2);
    const onnx_value *out = onnx_out(m, n, 0);
    return clnn_where(m->ctx, &c->desc, onnx_mem(m, c), 0, &x->desc, onnx_mem(m, x), 0,
                      &y->desc, onnx_mem(m, y), 0, &out->desc, onnx_mem(m, out), 0);
}

/* ---- Cast: to float, int32, int64 or bool (int32 0 / 1). `saturate` (opset 19)
 * only concerns float8 targets, which are not supported, so it is accepted. */

#define ONNX_BOOL 9

static clnn_status check_cast(onnx_model *m, onnx_node *n)
{
    int64_t to = onnx_attr_int(n, "to", -1);
    clnn_dtype d;
    if (to != ONNX_BOOL && onnx_dtype_from_proto((int32_t)to, &d) != CLNN_SUCCESS)
        return onnx_unsupported(n, "attribute 'to' = %lld (float, int32, int64 and bool "
                                "are supported)", (long long)to);
    return CLNN_SUCCESS;
}

static clnn_status plan_cast(onnx_model *m, onnx_node *n)
{
    int64_t to = onnx_attr_int(n, "to", -1);
    clnn_tensor_desc d = onnx_in(m, n, 0)->desc;
    if (to == ONNX_BOOL)
        d.dtype = CLNN_INT32;
    else
        onnx_dtype_from_proto((int32_t)to, &d.dtype);
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_cast(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    cl_mem xm = onnx_mem(m, x), ym = onnx_mem(m, y);
    if (onnx_attr_int(n, "to", -1) == ONNX_BOOL)   /* x != 0 as 0 / 1 */
        return clnn_logical(m->ctx, CLNN_LOGICAL_OR, &x->desc, xm, 0, &x->desc, xm, 0,
                            &y->desc, ym, 0);
    return clnn_cast(m->ctx, &x->desc, xm, 0, &y->desc, ym, 0);
}

const onnx_op onnx_ops_math2[] = {
    {"Exp", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Log", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Sqrt", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Abs", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Neg", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Reciprocal", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Erf", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Softsign", "", 1, 1, NULL, plan_same_shape, run_unary},
    {"Selu", "alpha,gamma", 1, 1, NULL, plan_same_shape, run_unary},
    {"Pow", "", 2, 2, NULL, plan_broadcast, run_broadcast},
    {"Min", "", 1, 64, NULL, plan_broadcast, run_broadcast},
    {"Max", "", 1, 64, NULL, plan_broadcast, run_broadcast},
    {"PRelu", "", 2, 2, NULL, plan_broadcast, run_broadcast},
    {"Equal", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"Less", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"LessOrEqual", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"Greater", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"GreaterOrEqual", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"And", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"Or", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"Xor", "", 2, 2, NULL, plan_to_bool, run_compare},
    {"Not", "", 1, 1, NULL, plan_not, run_not},
    {"Where", "", 3, 3, NULL, plan_where, run_where},
    {"Cast", "to,saturate", 1, 1, check_cast, plan_cast, run_cast},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
