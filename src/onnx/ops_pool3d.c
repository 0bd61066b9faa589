/* MaxPool, AveragePool and the global pools on [N, C, D, H, W]. A box window is
 * separable: pooling H x W first (x seen as [N, C * D, H, W]) and then D (the
 * result seen as [N, C, D, OH * OW], window kd x 1) gives the 3-D result, because
 * max is associative and an average's divisor (the in-bounds count, or the
 * padded area) is the product of the per-axis ones. The first pass's output
 * lives in the workspace. Global pools see x as [N, C, D * H * W, 1]. */
#include "src/onnx/pool3d.h"

#include <string.h>

typedef struct pool3d_state {
    clnn_pool_mode mode;
    int global;
    clnn_window2d hw, d;
    clnn_tensor_desc x, t, t2, y;   /* x and both passes' views */
} pool3d_state;

/* Attribute `name` (3 * per values) or the default. */
static clnn_status ints3(onnx_node *n, const char *name, int per, int64_t dflt, int64_t *out)
{
    const int64_t *v;
    size_t c = onnx_attr_ints(n, name, &v);
    if (c && (int)c != 3 * per)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute '%s' needs %d values, has "
                              "%zu", name, 3 * per, c);
    for (int i = 0; i < 3 * per; i++)
        out[i] = c ? v[i] : dflt;
    return CLNN_SUCCESS;
}

/* The H x W window and the D x 1 window of the 3-D attributes. */
static clnn_status read_windows(onnx_node *n, pool3d_state *st)
{
    int64_t k[3], s[3], dl[3], p[6];
    if (!onnx_attr(n, "kernel_shape"))
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'kernel_shape' is required");
    clnn_status r = ints3(n, "kernel_shape", 1, 1, k);
    if (r == CLNN_SUCCESS) r = ints3(n, "strides", 1, 1, s);
    if (r == CLNN_SUCCESS) r = ints3(n, "dilations", 1, 1, dl);
    if (r == CLNN_SUCCESS) r = ints3(n, "pads", 2, 0, p);
    if (r != CLNN_SUCCESS)
        return r;
    static const char *const names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
    static const clnn_auto_pad modes[] = {CLNN_PAD_EXPLICIT, CLNN_PAD_SAME_UPPER,
                                          CLNN_PAD_SAME_LOWER, CLNN_PAD_VALID};
    const char *pad = onnx_attr_string(n, "auto_pad", "NOTSET");
    int mode = 0;
    while (mode < 4 && strcmp(pad, names[mode]) != 0)
        mode++;
    if (mode == 4)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'auto_pad' = '%s'", pad);
    clnn_auto_pad ap = modes[mode];
    int ceil_mode = (int)onnx_attr_int(n, "ceil_mode", 0);
    clnn_window2d hw = {{k[1], k[2]}, {s[1], s[2]}, {dl[1], dl[2]},
                        {p[1], p[2], p[4], p[5]}, ap, ceil_mode};
    clnn_window2d d = {{k[0], 1}, {s[0], 1}, {dl[0], 1}, {p[0], 0, p[3], 0}, ap, ceil_mode};
    st->hw = hw;
    st->d = d;
    return CLNN_SUCCESS;
}

static clnn_tensor_desc view4(const clnn_tensor_desc *like, int64_t a, int64_t b, int64_t c,
                              int64_t d)
{
    clnn_tensor_desc v = *like;
    v.rank = 4;
    v.dims[0] = a, v.dims[1] = b, v.dims[2] = c, v.dims[3] = d;
    return v;
}

clnn_status onnx_plan_pool3d(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    const int64_t *xd = x->desc.dims;
    clnn_status s;
    pool3d_state *st = onnx_state(m, n, sizeof(*st), 1, &s);
    if (!st)
        return s;
    if (onnx_out(m, n, 1))
        return onnx_unsupported(n, "output 'Indices' of a 3-D MaxPool");
    st->mode = strstr(n->proto->op_type, "Max") ? CLNN_POOL_MAX
               : onnx_attr_int(n, "count_include_pad", 0) ? CLNN_POOL_AVERAGE_INCLUDE_PAD
                                                          : CLNN_POOL_AVERAGE_EXCLUDE_PAD;
    st->global = strncmp(n->proto->op_type, "Global", 6) == 0;
    clnn_tensor_desc y = x->desc;
    if (st->global) {
        st->x = view4(&x->desc, xd[0], xd[1], xd[2] * xd[3] * xd[4], 1);
        y.dims[2] = y.dims[3] = y.dims[4] = 1;
        onnx_set_out(m, n, 0, &y);
        return CLNN_SUCCESS;
    }
    if ((s = read_windows(n, st)) != CLNN_SUCCESS)
        return s;
    st->x = view4(&x->desc, xd[0], xd[1] * xd[2], xd[3], xd[4]);
    s = clnn_pool2d_output_desc(st->mode, &st->hw, &st->x, &st->t);
    if (s == CLNN_SUCCESS) {
        st->t2 = view4(&x->desc, xd[0], xd[1], xd[2], st->t.dims[2] * st->t.dims[3]);
        s = clnn_pool2d_output_desc(st->mode, &st->d, &st->t2, &st->y);
    }
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    y.dims[2] = st->y.dims[2];
    y.dims[3] = st->t.dims[2];
    y.dims[4] = st->t.dims[3];
    onnx_set_out(m, n, 0, &y);
    n->workspace = clnn_desc_elements(&st->t) * sizeof(float);
    return CLNN_SUCCESS;
}

clnn_status onnx_run_pool3d(onnx_model *m, onnx_node *n)
{
    const pool3d_state *st = n->state;
    cl_mem x = onnx_mem(m, onnx_in(m, n, 0)), y = onnx_mem(m, onnx_out(m, n, 0));
    clnn_tensor_desc y4 = st->x;
    if (st->global) {
        y4.dims[2] = 1;
        return clnn_global_pool_forward(m->ctx, st->mode, &st->x, x, 0, &y4, y, 0, NULL,
                                        NULL, 0);
    }
    cl_mem t = onnx_workspace(m);
    clnn_status s = clnn_pool2d_forward(m->ctx, st->mode, &st->hw, &st->x, x, 0, &st->t, t, 0,
                                        NULL, NULL, 0);
    if (s == CLNN_SUCCESS)
        s = clnn_pool2d_forward(m->ctx, st->mode, &st->d, &st->t2, t, 0, &st->y, y, 0, NULL,
                                NULL, 0);
    return s;
}
