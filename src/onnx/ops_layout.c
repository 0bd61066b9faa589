/* Squeeze and Unsqueeze (views of their input's buffer) and Split. Their axes
 * (and split sizes) are attributes before opset 13 and int64 inputs after. */
#include "src/onnx/onnx_internal.h"

#include <string.h>

/* The int list of attribute `name` (opset < 13) or input 1; *count -1: none. */
static clnn_status list_arg(onnx_model *m, const onnx_node *n, const char *name,
                            int64_t *out, int *count)
{
    const int64_t *v;
    size_t c = onnx_attr_ints(n, name, &v);
    *count = -1;
    if (c > CLNN_MAX_RANK && strcmp(name, "split") != 0)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute '%s' has %zu values", name,
                              c);
    if (c > 64)
        return onnx_unsupported(n, "attribute '%s' with more than 64 values", name);
    if (onnx_attr(n, name)) {
        memcpy(out, v, c * sizeof(int64_t));
        *count = (int)c;
    }
    if (onnx_in(m, n, 1))
        return onnx_host_ints(m, n, 1, out, 64, count);
    return CLNN_SUCCESS;
}

static clnn_status plan_squeeze(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    int64_t axes[64];
    int count;
    clnn_status s = list_arg(m, n, "axes", axes, &count);
    if (s != CLNN_SUCCESS)
        return s;
    int drop[CLNN_MAX_RANK] = {0};
    for (int i = 0; i < x->desc.rank && count < 0; i++)
        drop[i] = x->desc.dims[i] == 1;
    for (int i = 0; i < count; i++) {
        int a;
        if ((s = onnx_axis(n, axes[i], x->desc.rank, &a)) != CLNN_SUCCESS)
            return s;
        if (x->desc.dims[a] != 1)
            return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "axis %d has size %lld, not 1", a,
                                  (long long)x->desc.dims[a]);
        drop[a] = 1;
    }
    int64_t dims[CLNN_MAX_RANK];
    int rank = 0;
    for (int i = 0; i < x->desc.rank; i++)
        if (!drop[i])
            dims[rank++] = x->desc.dims[i];
    clnn_tensor_desc d;
    clnn_tensor_desc_set(&d, x->desc.dtype, rank, dims);
    onnx_alias_out(m, n, 0, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status plan_unsqueeze(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    int64_t axes[64];
    int count;
    clnn_status s = list_arg(m, n, "axes", axes, &count);
    if (s != CLNN_SUCCESS)
        return s;
    int rank = x->desc.rank + count;
    if (count < 1 || rank > CLNN_MAX_RANK)
        return onnx_node_fail(n, count < 1 ? CLNN_INVALID_VALUE : CLNN_NOT_SUPPORTED,
                              "'axes' needs 1 .. %d values, has %d",
                              CLNN_MAX_RANK - x->desc.rank, count);
    int add[CLNN_MAX_RANK] = {0};
    for (int i = 0; i < count; i++) {
        int a;
        if ((s = onnx_axis(n, axes[i], rank, &a)) != CLNN_SUCCESS)
            return s;
        if (add[a])
            return onnx_node_fail(n, CLNN_INVALID_VALUE, "axis %d given twice", a);
        add[a] = 1;
    }
    int64_t dims[CLNN_MAX_RANK];
    for (int i = 0, k = 0; i < rank; i++)
        dims[i] = add[i] ? 1 : x->desc.dims[k++];
    clnn_tensor_desc d;
    clnn_tensor_desc_set(&d, x->desc.dtype, rank, dims);
    onnx_alias_out(m, n, 0, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_view(onnx_model *m, onnx_node *n)
{
    return CLNN_SUCCESS;
}

typedef struct split_state {
    int axis;
} split_state;

static clnn_status plan_split(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    split_state *st = onnx_state(m, n, sizeof(*st), 0, &s);
    if (!st)
        return s;
    s = onnx_axis(n, onnx_attr_int(n, "axis", 0), x->desc.rank, &st->axis);
    int64_t sizes[64];
    int count;
    if (s == CLNN_SUCCESS)
        s = list_arg(m, n, "split", sizes, &count);
    if (s != CLNN_SUCCESS)
        return s;
    int64_t len = x->desc.dims[st->axis];
    if (n->n_out < 1 || n->n_out > 64)
        return onnx_unsupported(n, "%d outputs (1 .. 64 are supported)", n->n_out);
    if (onnx_attr_int(n, "num_outputs", n->n_out) != n->n_out)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'num_outputs' differs from "
                              "the %d outputs", n->n_out);
    if (count < 0) {
        /* Equal parts; from opset 18 the last may be smaller. */
        int64_t part = (len + n->n_out - 1) / n->n_out;
        if (m->opset < 18 && len % n->n_out != 0)
            return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "axis size %lld does not split "
                                  "into %d equal parts", (long long)len, n->n_out);
        for (int i = 0; i < n->n_out; i++)
            sizes[i] = i + 1 < n->n_out ? part : len - part * (n->n_out - 1);
        count = n->n_out;
    }
    int64_t sum = 0;
    for (int i = 0; i < count; i++)
        sum += sizes[i] > 0 ? sizes[i] : -len - 1;
    if (count != n->n_out || sum != len)
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "'split' sizes (%d of them) must be "
                              "positive, one per output, summing to %lld", count,
                              (long long)len);
    for (int i = 0; i < count; i++) {
        clnn_tensor_desc d = x->desc;
        d.dims[st->axis] = sizes[i];
        onnx_set_out(m, n, i, &d);
    }
    return CLNN_SUCCESS;
}

static clnn_status run_split(onnx_model *m, onnx_node *n)
{
    const split_state *st = n->state;
    const clnn_tensor_desc *descs[64];
    cl_mem mems[64];
    for (int i = 0; i < n->n_out; i++) {
        const onnx_value *y = onnx_out(m, n, i);
        if (!y)
            return onnx_unsupported(n, "omitted output %d", i);
        descs[i] = &y->desc;
        mems[i] = onnx_mem(m, y);
    }
    const onnx_value *x = onnx_in(m, n, 0);
    return clnn_split_forward(m->ctx, st->axis, &x->desc, onnx_mem(m, x), 0, n->n_out,
                              descs, mems, NULL);
}

const onnx_op onnx_ops_layout[] = {
    {"Squeeze", "axes", 1, 2, NULL, plan_squeeze, run_view},
    {"Unsqueeze", "axes", 1, 2, NULL, plan_unsqueeze, run_view},
    {"Split", "axis,split,num_outputs", 1, 2, NULL, plan_split, run_split},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
