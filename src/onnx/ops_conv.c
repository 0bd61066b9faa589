/* Convolution, transposed convolution and pooling, 2-D (NCHW) and 1-D ([N, C, L],
 * run as 2-D with H = 1); 3-D pooling is in ops_pool3d.c. */
#include "src/onnx/onnx_internal.h"
#include "src/onnx/pool3d.h"
#include "src/ops/data_ops.h"

#include <string.h>

/* The 2-D view of a rank-3 (1-D) tensor: [N, C, 1, L]; rank 4 stays. */
static clnn_tensor_desc view2d(const clnn_tensor_desc *d)
{
    clnn_tensor_desc v = *d;
    if (d->rank == 3) {
        v.rank = 4;
        v.dims[2] = 1;
        v.dims[3] = d->dims[2];
    }
    return v;
}

/* The inverse of view2d for an output of a rank-`rank` input. */
static clnn_tensor_desc unview(const clnn_tensor_desc *v, int rank)
{
    clnn_tensor_desc d = *v;
    if (rank == 3) {
        d.rank = 3;
        d.dims[2] = v->dims[3];
        d.dims[3] = 1;
    }
    return d;
}

/* Reads `count` (1 or 2 per spatial axis, `per` values each) ints of attribute
 * `name` into out[] laid out for 2-D: a 1-D value goes to the W slot(s). */
static clnn_status window_ints(onnx_node *n, const char *name, int spatial, int per,
                               int64_t *out)
{
    const int64_t *v;
    size_t c = onnx_attr_ints(n, name, &v);
    if (!c)
        return CLNN_SUCCESS;
    if ((int)c != spatial * per)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute '%s' needs %d values, has "
                              "%zu", name, spatial * per, c);
    for (int p = 0; p < per; p++)
        for (int i = 0; i < spatial; i++)
            out[p * 2 + (2 - spatial) + i] = v[p * spatial + i];
    return CLNN_SUCCESS;
}

/* Reads kernel_shape / strides / dilations / pads / auto_pad / ceil_mode into a
 * 2-D window; `kernel` (the weights' spatial dims, may be NULL) supplies the
 * kernel when the attribute is absent. */
static clnn_status read_window(onnx_node *n, const onnx_value *x, const int64_t *kernel,
                               clnn_window2d *w)
{
    int spatial = x->desc.rank - 2;
    if (spatial != 1 && spatial != 2)
        return onnx_unsupported(n, "only 1-D and 2-D inputs (rank 3 or 4) are supported, "
                                "got rank %d", x->desc.rank);
    memset(w, 0, sizeof(*w));
    for (int i = 0; i < 2; i++) {
        w->kernel[i] = 1;
        w->strides[i] = 1;
        w->dilations[i] = 1;
    }
    for (int i = 0; kernel && i < spatial; i++)
        w->kernel[2 - spatial + i] = kernel[i];
    if (!kernel && !onnx_attr(n, "kernel_shape"))
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'kernel_shape' is required");
    clnn_status s = window_ints(n, "kernel_shape", spatial, 1, w->kernel);
    if (s == CLNN_SUCCESS)
        s = window_ints(n, "strides", spatial, 1, w->strides);
    if (s == CLNN_SUCCESS)
        s = window_ints(n, "dilations", spatial, 1, w->dilations);
    if (s == CLNN_SUCCESS)
        s = window_ints(n, "pads", spatial, 2, w->pads);
    if (s != CLNN_SUCCESS)
        return s;
    const char *pad = onnx_attr_string(n, "auto_pad", "NOTSET");
    w->auto_pad = strcmp(pad, "SAME_UPPER") == 0   ? CLNN_PAD_SAME_UPPER
                  : strcmp(pad, "SAME_LOWER") == 0 ? CLNN_PAD_SAME_LOWER
                  : strcmp(pad, "VALID") == 0      ? CLNN_PAD_VALID
                                                   : CLNN_PAD_EXPLICIT;
    if (w->auto_pad == CLNN_PAD_EXPLICIT && strcmp(pad, "NOTSET") != 0)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'auto_pad' = '%s'", pad);
    w->ceil_mode = (int)onnx_attr_int(n, "ceil_mode", 0);
    return CLNN_SUCCESS;
}

/* Conv, ConvTranspose and the pools share one state: the op's descriptor and
 * the 2-D views of x, w and y. */
typedef struct conv_state {
    clnn_conv2d_desc conv;
    clnn_conv_transpose2d_desc convt;
    clnn_pool_mode mode;
    clnn_tensor_desc x, w, y;
} conv_state;

static conv_state *conv_begin(onnx_model *m, onnx_node *n, clnn_status *s)
{
    conv_state *st = onnx_state(m, n, sizeof(*st), 3, s);
    if (!st)
        return NULL;
    st->x = view2d(&onnx_in(m, n, 0)->desc);
    if (onnx_in(m, n, 1))
        st->w = view2d(&onnx_in(m, n, 1)->desc);
    return st;
}

/* Sets output 0 from the 2-D view y, or names the failure of the op's call. */
static clnn_status conv_end(onnx_model *m, onnx_node *n, clnn_status s)
{
    const conv_state *st = n->state;
    if (s != CLNN_SUCCESS)
        return onnx_node_fail(n, s, "%s", clnn_last_error());
    clnn_tensor_desc y = unview(&st->y, onnx_in(m, n, 0)->desc.rank);
    onnx_set_out(m, n, 0, &y);
    return CLNN_SUCCESS;
}

static const int64_t *weight_kernel(onnx_model *m, onnx_node *n)
{
    const onnx_value *w = onnx_in(m, n, 1);
    return w->desc.rank >= 3 ? &w->desc.dims[2] : NULL;
}

static clnn_status plan_conv(onnx_model *m, onnx_node *n)
{
    clnn_status s;
    conv_state *st = conv_begin(m, n, &s);
    if (!st)
        return s;
    if ((s = read_window(n, onnx_in(m, n, 0), weight_kernel(m, n), &st->conv.window)))
        return s;
    st->conv.groups = onnx_attr_int(n, "group", 1);
    s = clnn_conv2d_output_desc(&st->conv, &st->x, &st->w, &st->y);
    if (s == CLNN_SUCCESS)
        s = clnn_conv2d_workspace_size(m->ctx, &st->conv, &st->x, &st->w, &st->y,
                                       &n->workspace);
    return conv_end(m, n, s);
}

static clnn_status run_conv(onnx_model *m, onnx_node *n)
{
    const conv_state *st = n->state;
    const onnx_value *b = onnx_in(m, n, 2);
    return clnn_conv2d_forward(m->ctx, &st->conv, &st->x, onnx_mem(m, onnx_in(m, n, 0)), 0,
                               &st->w, onnx_mem(m, onnx_in(m, n, 1)), 0,
                               b ? &b->desc : NULL, b ? onnx_mem(m, b) : NULL, 0, NULL,
                               &st->y, onnx_mem(m, onnx_out(m, n, 0)), 0, onnx_workspace(m),
                               m->workspace_size);
}

/* ConvTranspose: output_shape and auto_pad SAME_* become explicit pads (ONNX:
 * total = stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - out;
 * SAME_UPPER puts total / 2 at the start, SAME_LOWER the larger half). An
 * output_shape beyond the full output is reached with extra output_padding. */
static clnn_status convt_pads(onnx_node *n, int spatial, const clnn_tensor_desc *x,
                              clnn_conv_transpose2d_desc *ct)
{
    clnn_window2d *w = &ct->window;
    int64_t out[2] = {0, 0};   /* 0: the H of a 1-D view, which stays 1 */
    int given = onnx_attr(n, "output_shape") != NULL;
    int same = w->auto_pad == CLNN_PAD_SAME_UPPER || w->auto_pad == CLNN_PAD_SAME_LOWER;
    if (!given && !same)
        return CLNN_SUCCESS;
    clnn_status s = given ? window_ints(n, "output_shape", spatial, 1, out) : CLNN_SUCCESS;
    if (s != CLNN_SUCCESS)
        return s;
    for (int i = 0; i < 2; i++) {
        int64_t in = x->dims[2 + i];
        int64_t want = given ? (out[i] ? out[i] : 1) : in * w->strides[i];
        int64_t total = w->strides[i] * (in - 1) + ct->output_padding[i] +
                        (w->kernel[i] - 1) * w->dilations[i] + 1 - want;
        if (total < 0) {
            ct->output_padding[i] -= total;
            total = 0;
        }
        int64_t small = total / 2;
        w->pads[i] = w->auto_pad == CLNN_PAD_SAME_LOWER ? total - small : small;
        w->pads[i + 2] = total - w->pads[i];
    }
    w->auto_pad = CLNN_PAD_EXPLICIT;
    return CLNN_SUCCESS;
}

static clnn_status plan_convt(onnx_model *m, onnx_node *n)
{
    clnn_status s;
    conv_state *st = conv_begin(m, n, &s);
    if (!st)
        return s;
    clnn_conv_transpose2d_desc *ct = &st->convt;
    int spatial = onnx_in(m, n, 0)->desc.rank - 2;
    if ((s = read_window(n, onnx_in(m, n, 0), weight_kernel(m, n), &ct->window)) ||
        (s = window_ints(n, "output_padding", spatial, 1, ct->output_padding)))
        return s;
    ct->groups = onnx_attr_int(n, "group", 1);
    if ((s = convt_pads(n, spatial, &st->x, ct)) != CLNN_SUCCESS)
        return s;
    s = clnn_conv_transpose2d_output_desc(ct, &st->x, &st->w, &st->y);
    if (s == CLNN_SUCCESS)
        s = clnn_conv_transpose2d_workspace_size(m->ctx, ct, &st->x, &st->w, &st->y,
                                                 &n->workspace);
    return conv_end(m, n, s);
}

static clnn_status run_convt(onnx_model *m, onnx_node *n)
{
    const conv_state *st = n->state;
    const onnx_value *b = onnx_in(m, n, 2);
    return clnn_conv_transpose2d_forward(
        m->ctx, &st->convt, &st->x, onnx_mem(m, onnx_in(m, n, 0)), 0, &st->w,
        onnx_mem(m, onnx_in(m, n, 1)), 0, b ? &b->desc : NULL, b ? onnx_mem(m, b) : NULL, 0,
        NULL, &st->y, onnx_mem(m, onnx_out(m, n, 0)), 0, onnx_workspace(m),
        m->workspace_size);
}

static clnn_status check_pool(onnx_model *m, onnx_node *n)
{
    int indices = n->n_out > 1 && n->out[1] >= 0;   /* MaxPool's Indices */
    if (n->n_out > 2 || (indices && !strstr(n->proto->op_type, "Max")))
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "too many outputs");
    const int64_t *v;
    size_t c = onnx_attr_ints(n, "dilations", &v);
    for (size_t i = 0; strcmp(n->proto->op_type, "AveragePool") == 0 && i < c; i++)
        if (v[i] != 1)
            return onnx_unsupported(n, "attribute 'dilations' other than 1 in AveragePool");
    return CLNN_SUCCESS;
}

static int is_global(const onnx_node *n)
{
    return strncmp(n->proto->op_type, "Global", 6) == 0;
}

static clnn_status plan_pool(onnx_model *m, onnx_node *n)
{
    clnn_status s;
    conv_state *st = conv_begin(m, n, &s);
    if (!st)
        return s;
    const onnx_value *x = onnx_in(m, n, 0);
    if (x->desc.rank == 5)
        return onnx_plan_pool3d(m, n);
    st->mode = strstr(n->proto->op_type, "Max") ? CLNN_POOL_MAX
               : onnx_attr_int(n, "count_include_pad", 0) ? CLNN_POOL_AVERAGE_INCLUDE_PAD
                                                          : CLNN_POOL_AVERAGE_EXCLUDE_PAD;
    if (x->desc.rank != 3 && x->desc.rank != 4)
        return onnx_unsupported(n, "only 1-D and 2-D inputs (rank 3 or 4) are supported, "
                                "got rank %d", x->desc.rank);
    st->y = st->x;
    if (is_global(n)) {
        st->y.dims[2] = st->y.dims[3] = 1;
        return conv_end(m, n, CLNN_SUCCESS);
    }
    if ((s = read_window(n, x, NULL, &st->conv.window)) != CLNN_SUCCESS)
        return s;
    s = conv_end(m, n, clnn_pool2d_output_desc(st->mode, &st->conv.window, &st->x, &st->y));
    if (s == CLNN_SUCCESS && onnx_out(m, n, 1)) {
        /* Indices: clnn's int32 plane-local ones in the workspace, then widened. */
        clnn_tensor_desc i = unview(&st->y, x->desc.rank);
        i.dtype = CLNN_INT64;
        onnx_set_out(m, n, 1, &i);
        n->workspace = clnn_desc_elements(&st->y) * sizeof(int32_t);
    }
    return s;
}

static clnn_status run_pool(onnx_model *m, onnx_node *n)
{
    const conv_state *st = n->state;
    if (onnx_in(m, n, 0)->desc.rank == 5)
        return onnx_run_pool3d(m, n);
    cl_mem x = onnx_mem(m, onnx_in(m, n, 0)), y = onnx_mem(m, onnx_out(m, n, 0));
    if (is_global(n))
        return clnn_global_pool_forward(m->ctx, st->mode, &st->x, x, 0, &st->y, y, 0, NULL,
                                        NULL, 0);
    const onnx_value *indices = onnx_out(m, n, 1);
    if (!indices)
        return clnn_pool2d_forward(m->ctx, st->mode, &st->conv.window, &st->x, x, 0, &st->y,
                                   y, 0, NULL, NULL, 0);
    clnn_tensor_desc i32 = st->y;
    i32.dtype = CLNN_INT32;
    clnn_status s = clnn_pool2d_forward(m->ctx, st->mode, &st->conv.window, &st->x, x, 0,
                                        &st->y, y, 0, &i32, onnx_workspace(m), 0);
    if (s == CLNN_SUCCESS)
        s = clnn_data_plane_indices(m->ctx, clnn_desc_elements(&i32),
                                    st->y.dims[2] * st->y.dims[3], st->x.dims[2],
                                    st->x.dims[3], (int)onnx_attr_int(n, "storage_order", 0),
                                    onnx_workspace(m), onnx_mem(m, indices));
    return s;
}

const onnx_op onnx_ops_conv[] = {
    {"Conv", "auto_pad,dilations,group,kernel_shape,pads,strides", 2, 3, NULL, plan_conv,
     run_conv},
    {"ConvTranspose",
     "auto_pad,dilations,group,kernel_shape,output_padding,output_shape,pads,strides", 2, 3,
     NULL, plan_convt, run_convt},
    {"MaxPool", "auto_pad,ceil_mode,dilations,kernel_shape,pads,storage_order,strides", 1, 1,
     check_pool, plan_pool, run_pool},
    {"AveragePool",
     "auto_pad,ceil_mode,count_include_pad,dilations,kernel_shape,pads,strides", 1, 1,
     check_pool, plan_pool, run_pool},
    {"GlobalAveragePool", "", 1, 1, NULL, plan_pool, run_pool},
    {"GlobalMaxPool", "", 1, 1, NULL, plan_pool, run_pool},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
