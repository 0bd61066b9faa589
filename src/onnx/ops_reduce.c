/* ReduceSum / ReduceMean / ReduceMax (axes as an attribute, or as an input:
 * ReduceSum from opset 13, the others from 18), and ArgMax. */
#include "src/onnx/onnx_internal.h"

#include <string.h>

typedef struct reduce_state {
    clnn_reduce_op op;
    int axes[CLNN_MAX_RANK], count, keepdims, identity;
} reduce_state;

static clnn_status plan_reduce(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    reduce_state *st = onnx_state(m, n, sizeof(*st), 1, &s);
    if (!st)
        return s;
    const char *op = n->proto->op_type;
    st->op = strcmp(op, "ReduceSum") == 0    ? CLNN_REDUCE_SUM
             : strcmp(op, "ReduceMean") == 0 ? CLNN_REDUCE_MEAN : CLNN_REDUCE_MAX;
    st->keepdims = onnx_attr_int(n, "keepdims", 1) != 0;
    int64_t axes[CLNN_MAX_RANK];
    const int64_t *attr;
    int count = (int)onnx_attr_ints(n, "axes", &attr);
    if (count > x->desc.rank)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'axes' has %d entries for "
                              "rank %d", count, x->desc.rank);
    memcpy(axes, attr, (size_t)count * sizeof(int64_t));
    if (onnx_in(m, n, 1) &&
        (s = onnx_host_ints(m, n, 1, axes, CLNN_MAX_RANK, &count)) != CLNN_SUCCESS)
        return s;
    if (count == 0 && onnx_attr_int(n, "noop_with_empty_axes", 0)) {
        st->identity = 1;
        onnx_alias_out(m, n, 0, 0, &x->desc);
        return CLNN_SUCCESS;
    }
    int rank = x->desc.rank ? x->desc.rank : 1;
    st->count = count ? count : x->desc.rank;
    for (int i = 0; i < st->count; i++)
        if (count == 0)
            st->axes[i] = i;
        else if ((s = onnx_axis(n, axes[i], rank, &st->axes[i])) != CLNN_SUCCESS)
            return s;
    clnn_tensor_desc y = x->desc;
    for (int i = 0; i < st->count; i++)
        y.dims[st->axes[i]] = 0;   /* marks the reduced axes */
    int r = 0;
    for (int i = 0; i < x->desc.rank; i++)
        if (y.dims[i] != 0 || st->keepdims)
            y.dims[r++] = y.dims[i] ? y.dims[i] : 1;
    for (int i = r; i < CLNN_MAX_RANK; i++)
        y.dims[i] = 1;
    y.rank = r;
    s = clnn_reduce_workspace_size(m->ctx, st->op, st->count, st->axes, st->keepdims,
                                   &x->desc, &n->workspace);
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    onnx_set_out(m, n, 0, &y);
    return CLNN_SUCCESS;
}

static clnn_status run_reduce(onnx_model *m, onnx_node *n)
{
    const reduce_state *st = n->state;
    if (st->identity)
        return CLNN_SUCCESS;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_reduce_forward(m->ctx, st->op, st->count, st->axes, st->keepdims, &x->desc,
                               onnx_mem(m, x), 0, &y->desc, onnx_mem(m, y), 0,
                               onnx_workspace(m), m->workspace_size);
}

/* ArgMax: int64 indices along one axis. */
static clnn_status plan_argmax(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    int *axis = onnx_state(m, n, sizeof(int), 1, &s);
    if (!axis)
        return s;
    if ((s = onnx_axis(n, onnx_attr_int(n, "axis", 0), x->desc.rank, axis)) != CLNN_SUCCESS)
        return s;
    clnn_tensor_desc y = x->desc;
    y.dtype = CLNN_INT64;
    if (onnx_attr_int(n, "keepdims", 1)) {
        y.dims[*axis] = 1;
    } else {
        for (int i = *axis; i + 1 < CLNN_MAX_RANK; i++)
            y.dims[i] = y.dims[i + 1];
        y.dims[CLNN_MAX_RANK - 1] = 1;
        y.rank--;
    }
    onnx_set_out(m, n, 0, &y);
    return CLNN_SUCCESS;
}

static clnn_status run_argmax(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_argmax_forward(m->ctx, *(const int *)n->state,
                               onnx_attr_int(n, "keepdims", 1) != 0,
                               onnx_attr_int(n, "select_last_index", 0) != 0, &x->desc,
                               onnx_mem(m, x), 0, &y->desc, onnx_mem(m, y), 0);
}

const onnx_op onnx_ops_reduce[] = {
    {"ArgMax", "axis,keepdims,select_last_index", 1, 1, NULL, plan_argmax, run_argmax},
    {"ReduceSum", "axes,keepdims,noop_with_empty_axes", 1, 2, NULL, plan_reduce, run_reduce},
    {"ReduceMean", "axes,keepdims,noop_with_empty_axes", 1, 2, NULL, plan_reduce, run_reduce},
    {"ReduceMax", "axes,keepdims,noop_with_empty_axes", 1, 2, NULL, plan_reduce, run_reduce},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
