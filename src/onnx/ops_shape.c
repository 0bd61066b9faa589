/* Shape ops: Reshape and Flatten (views of their input's buffer), Transpose and
 * Concat (data moved on the device). */
#include "src/onnx/onnx_internal.h"

#include <stdlib.h>
#include <string.h>

/* Constant: the value is made at load, like an initializer. */
static clnn_status check_constant(onnx_model *m, onnx_node *n)
{
    onnx_value *y = onnx_out(m, n, 0);
    if (n->proto->n_attribute != 1 || !y)
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "needs exactly one value attribute and "
                              "an output");
    const Onnx__AttributeProto *a = n->proto->attribute[0];
    const char *name = a->name;
    clnn_tensor_desc d;
    void *host = NULL;
    clnn_status s = CLNN_SUCCESS;
    if (strcmp(name, "value") == 0) {
        if (!a->t)
            return onnx_node_fail(n, CLNN_BAD_FORMAT, "attribute 'value' holds no tensor");
        s = onnx_tensor_to_host(a->t, m->base_dir, &d, &host);
        if (s != CLNN_SUCCESS)
            return onnx_node_fail(n, s, "attribute 'value': %s", clnn_last_error());
    } else {
        int is_float = strncmp(name, "value_float", 11) == 0;
        int list = strcmp(name, "value_floats") == 0 || strcmp(name, "value_ints") == 0;
        int64_t count = list ? (int64_t)(is_float ? a->n_floats : a->n_ints) : 1;
        if (count < 1)
            return onnx_unsupported(n, "attribute '%s' is empty (empty tensors are not "
                                    "supported)", name);
        s = clnn_tensor_desc_set(&d, is_float ? CLNN_FLOAT32 : CLNN_INT64, list, &count);
        host = malloc((size_t)count * 8);
        if (s != CLNN_SUCCESS || !host) {
            free(host);
            return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: Constant");
        }
        if (is_float)
            memcpy(host, list ? a->floats : &a->f, (size_t)count * sizeof(float));
        else
            memcpy(host, list ? a->ints : &a->i, (size_t)count * sizeof(int64_t));
    }
    y->is_const = 1;
    return onnx_make_constant(m, y, &d, host);
}

/* Shape: the planned shape, an int64 constant made while planning. */
static clnn_status plan_shape(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    onnx_value *y = onnx_out(m, n, 0);
    int rank = x->desc.rank;
    if (!y)
        return CLNN_SUCCESS;
    int64_t start = onnx_attr_int(n, "start", 0), end = onnx_attr_int(n, "end", rank);
    start = start < 0 ? start + rank : start;
    end = end < 0 ? end + rank : end;
    start = start < 0 ? 0 : start > rank ? rank : start;
    end = end < 0 ? 0 : end > rank ? rank : end;
    if (end <= start)
        return onnx_unsupported(n, "an empty result (start %lld, end %lld) is not supported",
                                (long long)start, (long long)end);
    int64_t count = end - start;
    int64_t *host = malloc((size_t)count * sizeof(int64_t));
    if (!host)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: Shape");
    memcpy(host, &x->desc.dims[start], (size_t)count * sizeof(int64_t));
    clnn_tensor_desc d;
    clnn_tensor_desc_set(&d, CLNN_INT64, 1, &count);
    return onnx_make_constant(m, y, &d, host);
}

static clnn_status plan_nothing(onnx_model *m, onnx_node *n)
{
    return CLNN_SUCCESS;
}

static clnn_status plan_reshape(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    int64_t shape[CLNN_MAX_RANK];
    int rank;
    clnn_status s = onnx_host_ints(m, n, 1, shape, CLNN_MAX_RANK, &rank);
    if (s != CLNN_SUCCESS)
        return s;
    if (onnx_attr_int(n, "allowzero", 0))
        for (int i = 0; i < rank; i++)
            if (shape[i] == 0)
                return onnx_unsupported(n, "attribute 'allowzero' = 1 with a 0 in the "
                                        "shape (empty tensors) is not supported");
    clnn_tensor_desc d;
    s = clnn_tensor_desc_reshape(&x->desc, rank, shape, &d);
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "shape does not fit the input: %s", clnn_last_error());
    onnx_alias_out(m, n, 0, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status check_reshape(onnx_model *m, onnx_node *n)
{
    return m->opset < 5 ? onnx_unsupported(n, "Reshape before opset 5 (attribute 'shape') "
                                           "is not supported")
                        : CLNN_SUCCESS;
}

static clnn_status plan_flatten(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_tensor_desc d;
    clnn_status s = clnn_tensor_desc_flatten(&x->desc, (int)onnx_attr_int(n, "axis", 1), &d);
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "attribute 'axis': %s", clnn_last_error());
    onnx_alias_out(m, n, 0, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_view(onnx_model *m, onnx_node *n)
{
    return CLNN_SUCCESS;
}

typedef struct transpose_state {
    int perm[CLNN_MAX_RANK];
} transpose_state;

static clnn_status plan_transpose(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    transpose_state *st = onnx_state(m, n, sizeof(*st), 0, &s);
    if (!st)
        return s;
    const int64_t *perm;
    size_t np = onnx_attr_ints(n, "perm", &perm);
    int rank = x->desc.rank;
    if (np && (int)np != rank)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'perm' has %zu entries for "
                              "rank %d", np, rank);
    clnn_tensor_desc d = x->desc;
    int seen = 0;
    for (int i = 0; i < rank; i++) {
        int64_t p = np ? perm[i] : rank - 1 - i;
        if (p < 0 || p >= rank || (seen >> p) & 1)
            return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'perm' is not a "
                                  "permutation");
        seen |= 1 << p;
        st->perm[i] = (int)p;
        d.dims[i] = x->desc.dims[p];
    }
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_transpose(onnx_model *m, onnx_node *n)
{
    const transpose_state *st = n->state;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_transpose_forward(m->ctx, st->perm, &x->desc, onnx_mem(m, x), 0, &y->desc,
                                  onnx_mem(m, y), 0);
}

static clnn_status plan_concat(onnx_model *m, onnx_node *n)
{
    const onnx_value *x0 = onnx_in(m, n, 0);
    int axis;
    if (!onnx_attr(n, "axis"))
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "attribute 'axis' is required");
    clnn_status s = onnx_axis(n, onnx_attr_int(n, "axis", 0), x0->desc.rank, &axis);
    if (s != CLNN_SUCCESS)
        return s;
    clnn_tensor_desc d = x0->desc;
    d.dims[axis] = 0;
    for (int i = 0; i < n->n_in; i++) {
        const onnx_value *x = onnx_in(m, n, i);
        if (!x || x->desc.rank != d.rank || x->desc.dtype != d.dtype)
            return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "input %d differs in rank or "
                                  "dtype from input 0", i);
        d.dims[axis] += x->desc.dims[axis];
    }
    int *axis_state = onnx_state(m, n, sizeof(int), 0, &s);
    if (!axis_state)
        return s;
    *axis_state = axis;
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_concat(onnx_model *m, onnx_node *n)
{
    const clnn_tensor_desc *descs[64];
    cl_mem mems[64];
    size_t offsets[64] = {0};
    if (n->n_in > 64)
        return onnx_unsupported(n, "more than 64 inputs");
    for (int i = 0; i < n->n_in; i++) {
        const onnx_value *x = onnx_in(m, n, i);
        descs[i] = &x->desc;
        mems[i] = onnx_mem(m, x);
    }
    const onnx_value *y = onnx_out(m, n, 0);
    return clnn_concat_forward(m->ctx, *(const int *)n->state, n->n_in, descs, mems,
                               offsets, &y->desc, onnx_mem(m, y), 0);
}

const onnx_op onnx_ops_shape[] = {
    {"Constant", "value,value_float,value_floats,value_int,value_ints", 0, 0, check_constant,
     plan_nothing, run_view},
    {"Shape", "start,end", 1, 1, NULL, plan_shape, run_view},
    {"Reshape", "allowzero,shape", 1, 2, check_reshape, plan_reshape, run_view},
    {"Flatten", "axis", 1, 1, NULL, plan_flatten, run_view},
    {"Transpose", "perm", 1, 1, NULL, plan_transpose, run_transpose},
    {"Concat", "axis", 1, 64, NULL, plan_concat, run_concat},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
