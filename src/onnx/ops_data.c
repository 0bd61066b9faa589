/* Data-movement ops: Gather, Slice, Pad, Expand (device ops of clnn/data_ops.h)
 * and Range, ConstantOfShape (host constants made while planning). Gather and
 * Slice of int tensors with host copies (shape arithmetic: Shape -> Gather) are
 * computed on the host too, so later Reshape-like nodes can read their values. */
#include "src/onnx/onnx_internal.h"
#include "src/ops/data_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static clnn_status run_nothing(onnx_model *m, onnx_node *n)
{
    return CLNN_SUCCESS;
}

/* Pins input i's host copy: the plan depends on its values. */
static const void *pin_host(onnx_model *m, const onnx_node *n, int i)
{
    onnx_value *v = onnx_in(m, n, i);
    if (!v || !v->host)
        return NULL;
    v->pinned |= !m->planned;
    return v->host;
}

/* An int list: attribute `name` before `opset`, input `input` from it (absent
 * either way: *count = -1). */
static clnn_status int_list(onnx_model *m, const onnx_node *n, const char *name, int input,
                            int64_t opset, int64_t *out, int max, int *count)
{
    *count = -1;
    if (m->opset < opset) {
        const int64_t *v;
        size_t c = onnx_attr_ints(n, name, &v);
        if ((int)c > max)
            return onnx_unsupported(n, "attribute '%s' has %zu values (at most %d)", name, c,
                                    max);
        if (onnx_attr(n, name)) {
            memcpy(out, v, c * sizeof(int64_t));
            *count = (int)c;
        }
        return CLNN_SUCCESS;
    }
    return onnx_in(m, n, input) ? onnx_host_ints(m, n, input, out, max, count)
                                : CLNN_SUCCESS;
}

/* ---- Gather */

typedef struct gather_state {
    int axis;
} gather_state;

/* y = x gathered on the host (bytes of `es` per element). */
static void gather_host(const clnn_tensor_desc *x, int axis, const int64_t *idx,
                        int64_t count, const char *src, char *dst)
{
    size_t es = clnn_dtype_size(x->dtype);
    int64_t outer = 1, inner = 1, len = x->dims[axis];
    for (int k = 0; k < axis; k++) outer *= x->dims[k];
    for (int k = axis + 1; k < x->rank; k++) inner *= x->dims[k];
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < count; j++) {
            int64_t k = idx[j] < 0 ? idx[j] + len : idx[j];
            memcpy(dst + (size_t)((o * count + j) * inner) * es,
                   src + (size_t)((o * len + k) * inner) * es, (size_t)inner * es);
        }
}

static clnn_status plan_gather(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *ix = onnx_in(m, n, 1);
    clnn_status s;
    gather_state *st = onnx_state(m, n, sizeof(*st), 0, &s);
    if (!st)
        return s;
    if (ix->desc.dtype == CLNN_FLOAT32)
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "indices must be int32 or int64");
    clnn_tensor_desc d;
    s = onnx_axis(n, onnx_attr_int(n, "axis", 0), x->desc.rank, &st->axis);
    if (s != CLNN_SUCCESS)
        return s;
    if ((s = clnn_gather_desc(&x->desc, st->axis, &ix->desc, &d)) != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    onnx_set_out(m, n, 0, &d);
    if (!ix->host)
        return CLNN_SUCCESS;
    /* Known indices: validated here (the device op cannot report them). */
    int64_t count = (int64_t)clnn_desc_elements(&ix->desc), len = x->desc.dims[st->axis];
    int64_t *idx = malloc((size_t)count * sizeof(int64_t));
    if (!idx)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: Gather");
    for (int64_t j = 0; j < count; j++) {
        idx[j] = ix->desc.dtype == CLNN_INT64 ? ((const int64_t *)ix->host)[j]
                                              : ((const int32_t *)ix->host)[j];
        if (idx[j] < -len || idx[j] >= len) {
            free(idx);
            return onnx_node_fail(n, CLNN_INVALID_VALUE, "index %lld is outside [-%lld, %lld)",
                                  (long long)idx[j], (long long)len, (long long)len);
        }
    }
    const void *src = x->host && x->desc.dtype != CLNN_FLOAT32 ? pin_host(m, n, 0) : NULL;
    pin_host(m, n, 1);
    if (!src) {
        free(idx);
        return CLNN_SUCCESS;
    }
    size_t bytes;
    clnn_tensor_desc_bytes(&d, &bytes);
    void *host = malloc(bytes);
    if (host)
        gather_host(&x->desc, st->axis, idx, count, src, host);
    free(idx);
    st->axis = -1;   /* done: run does nothing */
    return host ? onnx_make_constant(m, onnx_out(m, n, 0), &d, host)
                : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: Gather");
}

static clnn_status run_gather(onnx_model *m, onnx_node *n)
{
    const gather_state *st = n->state;
    const onnx_value *x = onnx_in(m, n, 0), *ix = onnx_in(m, n, 1), *y = onnx_out(m, n, 0);
    if (st->axis < 0)
        return CLNN_SUCCESS;
    return clnn_gather_forward(m->ctx, st->axis, &x->desc, onnx_mem(m, x), 0, &ix->desc,
                               onnx_mem(m, ix), 0, &y->desc, onnx_mem(m, y), 0);
}

/* ---- Slice */

typedef struct slice_state {
    int64_t starts[CLNN_MAX_RANK], steps[CLNN_MAX_RANK];
    int on_host;   /* an int tensor with a host copy, sliced while planning */
} slice_state;

/* y = the slice of x's host copy (bytes of `es` per element). */
static void slice_host(const clnn_tensor_desc *x, const clnn_tensor_desc *y,
                       const slice_state *st, const char *src, char *dst)
{
    size_t es = clnn_dtype_size(x->dtype), count = clnn_desc_elements(y);
    for (size_t o = 0; o < count; o++) {
        int64_t rem = (int64_t)o, at = 0, stride = 1;
        for (int k = y->rank - 1; k >= 0; k--) {
            at += (st->starts[k] + rem % y->dims[k] * st->steps[k]) * stride;
            rem /= y->dims[k];
            stride *= x->dims[k];
        }
        memcpy(dst + o * es, src + (size_t)at * es, es);
    }
}

static clnn_status check_slice(onnx_model *m, onnx_node *n)
{
    if (m->opset >= 10 && n->proto->n_attribute > 0)
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "'starts', 'ends' and 'axes' are inputs "
                              "from opset 10, not attributes");
    return CLNN_SUCCESS;
}

static clnn_status plan_slice(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    slice_state *st = onnx_state(m, n, sizeof(*st), 0, &s);
    if (!st)
        return s;
    int64_t v[4][CLNN_MAX_RANK];
    int c[4];
    static const char *const names[] = {"starts", "ends", "axes", "steps"};
    for (int i = 0; i < 4 && s == CLNN_SUCCESS; i++)
        s = int_list(m, n, names[i], i + 1, 10, v[i], CLNN_MAX_RANK, &c[i]);
    if (s != CLNN_SUCCESS)
        return s;
    if (c[0] < 0 || c[1] != c[0] || (c[2] >= 0 && c[2] != c[0]) || (c[3] >= 0 && c[3] != c[0]))
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "'starts', 'ends' and the optional 'axes' "
                              "and 'steps' need one value per sliced axis");
    clnn_tensor_desc d;
    s = clnn_slice_desc(&x->desc, c[0], v[0], v[1], c[2] >= 0 ? v[2] : NULL,
                        c[3] >= 0 ? v[3] : NULL, st->starts, st->steps, &d);
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    onnx_set_out(m, n, 0, &d);
    const void *src = x->desc.dtype != CLNN_FLOAT32 ? pin_host(m, n, 0) : NULL;
    if (!src)
        return CLNN_SUCCESS;
    /* Shape arithmetic (Shape -> Slice -> Reshape): later nodes read the values. */
    size_t bytes;
    clnn_tensor_desc_bytes(&d, &bytes);
    char *host = malloc(bytes);
    if (!host)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: Slice");
    slice_host(&x->desc, &d, st, src, host);
    st->on_host = 1;
    return onnx_make_constant(m, onnx_out(m, n, 0), &d, host);
}

static clnn_status run_slice(onnx_model *m, onnx_node *n)
{
    const slice_state *st = n->state;
    if (st->on_host)
        return CLNN_SUCCESS;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_slice_forward(m->ctx, st->starts, st->steps, &x->desc, onnx_mem(m, x), 0,
                              &y->desc, onnx_mem(m, y), 0);
}

/* ---- Pad */

typedef struct pad_state {
    clnn_pad_mode mode;
    double value;
    int64_t pads[2 * CLNN_MAX_RANK];
} pad_state;

static clnn_status check_pad(onnx_model *m, onnx_node *n)
{
    if (m->opset >= 11 && (onnx_attr(n, "pads") || onnx_attr(n, "value")))
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "attributes 'pads' and 'value' are "
                              "inputs from opset 11");
    const char *mode = onnx_attr_string(n, "mode", "constant");
    if (strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge"))
        return onnx_unsupported(n, "mode '%s' (constant, reflect and edge are supported)",
                                mode);
    return CLNN_SUCCESS;
}

/* Scalar input i (float32, int32 or int64) as a double, from its host copy. */
static clnn_status host_number(onnx_model *m, const onnx_node *n, int i, double *out)
{
    if (onnx_in(m, n, i)->desc.dtype == CLNN_FLOAT32) {
        float f;
        clnn_status s = onnx_host_float(m, n, i, &f);
        *out = f;
        return s;
    }
    int64_t k;
    int count;
    clnn_status s = onnx_host_ints(m, n, i, &k, 1, &count);
    *out = (double)k;
    return s;
}

/* The constant: attribute 'value' before opset 11, optional input 2 after. */
static clnn_status pad_value(onnx_model *m, const onnx_node *n, double *value)
{
    *value = m->opset < 11 ? onnx_attr_float(n, "value", 0.0f) : 0.0;
    return m->opset < 11 || !onnx_in(m, n, 2) ? CLNN_SUCCESS : host_number(m, n, 2, value);
}

static clnn_status plan_pad(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    pad_state *st = onnx_state(m, n, sizeof(*st), 0, &s);
    if (!st)
        return s;
    const char *mode = onnx_attr_string(n, "mode", "constant");
    st->mode = strcmp(mode, "reflect") == 0 ? CLNN_PAD_REFLECT
               : strcmp(mode, "edge") == 0  ? CLNN_PAD_EDGE
                                            : CLNN_PAD_CONSTANT;
    int rank = x->desc.rank, count, n_axes = -1;
    int64_t pads[2 * CLNN_MAX_RANK], axes[CLNN_MAX_RANK];
    s = int_list(m, n, m->opset < 2 ? "paddings" : "pads", 1, 11, pads, 2 * CLNN_MAX_RANK,
                 &count);
    if (s == CLNN_SUCCESS && m->opset >= 18 && onnx_in(m, n, 3))
        s = onnx_host_ints(m, n, 3, axes, CLNN_MAX_RANK, &n_axes);
    if (s == CLNN_SUCCESS)
        s = pad_value(m, n, &st->value);
    if (s != CLNN_SUCCESS)
        return s;
    int per = n_axes >= 0 ? n_axes : rank;
    if (count != 2 * per)
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "'pads' has %d values, needs %d", count,
                              2 * per);
    for (int i = 0; i < per; i++) {
        int a = i;
        if (n_axes >= 0 && (s = onnx_axis(n, axes[i], rank, &a)) != CLNN_SUCCESS)
            return s;
        st->pads[a] = pads[i];
        st->pads[rank + a] = pads[per + i];
    }
    clnn_tensor_desc d;
    if ((s = clnn_pad_desc(&x->desc, st->pads, &d)) != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_pad(onnx_model *m, onnx_node *n)
{
    const pad_state *st = n->state;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_pad_forward(m->ctx, st->mode, st->pads, st->value, &x->desc, onnx_mem(m, x),
                            0, &y->desc, onnx_mem(m, y), 0);
}

/* ---- Expand */

static clnn_status plan_expand(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    int64_t shape[CLNN_MAX_RANK];
    int rank;
    clnn_status s = onnx_host_ints(m, n, 1, shape, CLNN_MAX_RANK, &rank);
    clnn_tensor_desc d;
    if (s != CLNN_SUCCESS)
        return s;
    if ((s = clnn_expand_desc(&x->desc, rank, shape, &d)) != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_expand(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_expand_forward(m->ctx, &x->desc, onnx_mem(m, x), 0, &y->desc, onnx_mem(m, y),
                               0);
}

/* ---- Range and ConstantOfShape: host constants */

static clnn_status plan_range(onnx_model *m, onnx_node *n)
{
    double a[3];
    clnn_status s = CLNN_SUCCESS;
    for (int i = 0; i < 3 && s == CLNN_SUCCESS; i++)
        s = host_number(m, n, i, &a[i]);
    if (s != CLNN_SUCCESS)
        return s;
    clnn_dtype dtype = onnx_in(m, n, 0)->desc.dtype;
    double steps = a[2] != 0.0 ? ceil((a[1] - a[0]) / a[2]) : 0.0;
    if (a[2] == 0.0 || steps > ((int64_t)1 << 31))
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "delta %g gives no finite range", a[2]);
    if (steps < 1)
        return onnx_unsupported(n, "an empty range (clnn has no empty tensors)");
    int64_t count = (int64_t)steps;
    clnn_tensor_desc d;
    clnn_tensor_desc_set(&d, dtype, 1, &count);
    char *host = malloc((size_t)count * 8);
    if (!host)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: Range");
    for (int64_t i = 0; i < count; i++) {
        if (dtype == CLNN_FLOAT32)   /* as numpy's arange: start + i * delta */
            ((float *)host)[i] = (float)(a[0] + (double)i * a[2]);
        else if (dtype == CLNN_INT32)
            ((int32_t *)host)[i] = (int32_t)(a[0] + (double)i * a[2]);
        else
            ((int64_t *)host)[i] = (int64_t)a[0] + i * (int64_t)a[2];
    }
    return onnx_make_constant(m, onnx_out(m, n, 0), &d, host);
}

static clnn_status plan_constant_of_shape(onnx_model *m, onnx_node *n)
{
    int64_t shape[CLNN_MAX_RANK];
    int rank;
    clnn_status s = onnx_host_ints(m, n, 0, shape, CLNN_MAX_RANK, &rank);
    if (s != CLNN_SUCCESS)
        return s;
    clnn_tensor_desc vd, d;
    void *value = NULL;
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    if (a && a->t) {
        if ((s = onnx_tensor_to_host(a->t, m->base_dir, &vd, &value)) != CLNN_SUCCESS)
            return onnx_node_fail(n, s, "attribute 'value': %s", clnn_last_error());
        if (clnn_desc_elements(&vd) != 1) {
            free(value);
            return onnx_node_fail(n, CLNN_BAD_FORMAT, "attribute 'value' must hold one "
                                  "element");
        }
    }
    for (int i = 0; i < rank; i++)
        if (shape[i] < 1) {
            free(value);
            return onnx_unsupported(n, "dim %d is %lld (clnn has no empty tensors)", i,
                                    (long long)shape[i]);
        }
    s = clnn_tensor_desc_set(&d, value ? vd.dtype : CLNN_FLOAT32, rank, shape);
    size_t bytes, es = clnn_dtype_size(d.dtype);
    char *host = s == CLNN_SUCCESS && clnn_tensor_desc_bytes(&d, &bytes) == CLNN_SUCCESS
                     ? calloc(1, bytes) : NULL;
    for (size_t i = 0; host && value && i < bytes; i += es)
        memcpy(host + i, value, es);
    free(value);
    if (!host)
        return s != CLNN_SUCCESS ? onnx_node_fail(n, s, "%s", clnn_last_error())
                                 : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: ConstantOfShape");
    return onnx_make_constant(m, onnx_out(m, n, 0), &d, host);
}

const onnx_op onnx_ops_data[] = {
    {"Gather", "axis", 2, 2, NULL, plan_gather, run_gather},
    {"Slice", "starts,ends,axes", 1, 5, check_slice, plan_slice, run_slice},
    {"Pad", "mode,pads,paddings,value", 1, 4, check_pad, plan_pad, run_pad},
    {"Expand", "", 2, 2, NULL, plan_expand, run_expand},
    {"Range", "", 3, 3, NULL, plan_range, run_nothing},
    {"ConstantOfShape", "value", 1, 1, NULL, plan_constant_of_shape, run_nothing},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
