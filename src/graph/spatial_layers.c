/* The sequential model's image layers beyond Conv2D: Conv2DTranspose (Keras'
 * output sizes and "same" padding mapped onto ONNX ConvTranspose pads and
 * output_padding), MaxPooling2D and AveragePooling2D, the global poolings, and
 * Reshape (a view: it aliases its input, as Flatten does). */
#include "model.h"
#include "../core/check.h"

#include <stdio.h>
#include <string.h>

/* One axis of Keras' Conv2DTranspose: the output length (deconv_output_length)
 * and TensorFlow's padding for it (conv2d_transpose is the gradient of a conv2d
 * from that length, whose "same" pads split the total with the odd one at the
 * end), expressed as ONNX pads plus the output_padding that makes up the rest. */
static int tconv_axis(int64_t in, int64_t k, int64_t s, int same, int64_t out_pad,
                      int64_t *out, int64_t *pad_begin, int64_t *pad_end, int64_t *onnx_pad)
{
    if (out_pad < 0)
        *out = same ? in * s : in * s + (k > s ? k - s : 0);
    else
        *out = (in - 1) * s + k - (same ? 2 * (k / 2) : 0) + out_pad;
    int64_t total = same ? (in - 1) * s + k - *out : 0;
    if (total < 0) total = 0;
    *pad_begin = total / 2;
    *pad_end = total - total / 2;
    *onnx_pad = *out - ((in - 1) * s + k - total);
    return *out >= 1 && *onnx_pad >= 0 && *onnx_pad < s;
}

clnn_status clnn_model_add_conv_transpose2d(clnn_model_t m, int64_t filters, int64_t kh,
                                            int64_t kw, int64_t stride, clnn_auto_pad padding,
                                            int64_t output_padding, int act)
{
    const char *fn = "clnn_model_add_conv_transpose2d";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_CONV_TRANSPOSE2D, fn, &l);
    if (st) return st;
    if ((st = model_check_conv(m, l, filters, kh, kw, stride, padding, act, fn))) return st;
    if (output_padding < -1 || output_padding >= stride)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l,
                                "output_padding must be -1 (none) or in 0..stride-1");
    clnn_conv_transpose2d_desc *t = &l->tconv;
    memset(t, 0, sizeof *t);
    t->window = clnn_window2d_square(1, stride, 0);
    t->window.kernel[0] = kh;
    t->window.kernel[1] = kw;
    t->groups = 1;
    int same = padding == CLNN_PAD_SAME_UPPER;
    int64_t oh, ow;
    if (!tconv_axis(l->in.dims[1], kh, stride, same, output_padding, &oh, &t->window.pads[0],
                    &t->window.pads[2], &t->output_padding[0]) ||
        !tconv_axis(l->in.dims[2], kw, stride, same, output_padding, &ow, &t->window.pads[1],
                    &t->window.pads[3], &t->output_padding[1])) {
        char why[96];
        snprintf(why, sizeof why, "a %lldx%lld kernel with this padding gives no output",
                 (long long)kh, (long long)kw);
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, why);
    }
    int64_t wdims[4] = {l->in.dims[0], filters, kh, kw};
    l->units = filters;
    l->act = act;
    l->out.dims[0] = filters;
    l->out.dims[1] = oh;
    l->out.dims[2] = ow;
    model_add_param(m, l, "kernel", 4, wdims);
    model_add_param(m, l, "bias", 1, &filters);
    m->nlayers++;
    return CLNN_SUCCESS;
}

/* MaxPooling2D and AveragePooling2D: a k x k window, no padding. */
static clnn_status add_pool(clnn_model *m, layer_kind kind, int64_t k, int64_t stride,
                            const char *fn)
{
    model_layer *l;
    clnn_status st = model_begin_layer(m, kind, fn, &l);
    if (st) return st;
    if (k < 1 || stride < 1)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "k and stride must be >= 1");
    if ((st = model_check_image(m, l, fn))) return st;
    l->pool = clnn_window2d_square(k, stride, 0);
    clnn_tensor_desc x = model_batch_desc(&l->in, 1), y;
    clnn_pool_mode mode = kind == LAYER_MAXPOOL2D ? CLNN_POOL_MAX : CLNN_POOL_AVERAGE_EXCLUDE_PAD;
    if (clnn_pool2d_output_desc(mode, &l->pool, &x, &y) != CLNN_SUCCESS)
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, "the window does not fit");
    l->out.dims[1] = y.dims[2];
    l->out.dims[2] = y.dims[3];
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_maxpool2d(clnn_model_t m, int64_t k, int64_t stride)
{
    return add_pool(m, LAYER_MAXPOOL2D, k, stride, "clnn_model_add_maxpool2d");
}

clnn_status clnn_model_add_avgpool2d(clnn_model_t m, int64_t k, int64_t stride)
{
    return add_pool(m, LAYER_AVGPOOL2D, k, stride, "clnn_model_add_avgpool2d");
}

static clnn_status add_global(clnn_model *m, layer_kind kind, const char *fn)
{
    model_layer *l;
    clnn_status st = model_begin_layer(m, kind, fn, &l);
    if (st || (st = model_check_image(m, l, fn))) return st;
    clnn_tensor_desc_set(&l->out, CLNN_FLOAT32, 1, l->in.dims);
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_global_avgpool2d(clnn_model_t m)
{
    return add_global(m, LAYER_GLOBAL_AVGPOOL2D, "clnn_model_add_global_avgpool2d");
}

clnn_status clnn_model_add_global_maxpool2d(clnn_model_t m)
{
    return add_global(m, LAYER_GLOBAL_MAXPOOL2D, "clnn_model_add_global_maxpool2d");
}

clnn_status clnn_model_add_reshape(clnn_model_t m, int rank, const int64_t *dims)
{
    const char *fn = "clnn_model_add_reshape";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_RESHAPE, fn, &l);
    if (st) return st;
    if (!dims) return clnn_fail(CLNN_NULL_POINTER, "%s: dims is NULL", fn);
    if (rank < 1 || rank >= CLNN_MAX_RANK)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "rank must be in 1..7");
    int64_t known = 1, want = model_desc_count(&l->in), d[CLNN_MAX_RANK];
    int free_axis = -1;
    for (int i = 0; i < rank; i++) {
        d[i] = dims[i];
        if (dims[i] == -1 && free_axis < 0) free_axis = i;
        else if (dims[i] == -1)
            return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "only one dim may be -1");
        else if (dims[i] < 1)
            return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "dims must be >= 1 or -1");
        else known *= dims[i];
    }
    if (free_axis >= 0 && want % known == 0) d[free_axis] = want / known;
    if (free_axis >= 0 ? want % known != 0 : known != want) {
        char why[192], target[96];
        size_t k = 0;
        for (int i = 0; i < rank && k < sizeof target; i++)
            k += (size_t)snprintf(target + k, sizeof target - k, "%s%lld", i ? ", " : "",
                                  (long long)dims[i]);
        snprintf(why, sizeof why, "the target shape [%s] does not hold the input's %lld "
                 "elements", target, (long long)want);
        return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, why);
    }
    clnn_tensor_desc out;
    clnn_tensor_desc_set(&out, CLNN_FLOAT32, rank, d);
    l->out = out;
    m->nlayers++;
    return CLNN_SUCCESS;
}

/* Pool descriptors: x [n, C, H, W] and y [n, C, OH, OW] (global: [n, C, 1, 1]). */
static void pool_descs(const model_layer *l, int64_t n, clnn_tensor_desc *x,
                       clnn_tensor_desc *y, clnn_tensor_desc *idx)
{
    *x = model_batch_desc(&l->in, n);
    if (l->out.rank == 1)
        clnn_tensor_desc_set(y, CLNN_FLOAT32, 4, (int64_t[]){n, l->out.dims[0], 1, 1});
    else
        *y = model_batch_desc(&l->out, n);
    *idx = *y;
    idx->dtype = CLNN_INT32;
}

clnn_status model_spatial_forward(clnn_model *m, const model_layer *l, int64_t n)
{
    clnn_tensor_desc x, y, idx;
    pool_descs(l, n, &x, &y, &idx);
    if (l->kind == LAYER_AVGPOOL2D)
        return clnn_pool2d_forward(m->ctx, CLNN_POOL_AVERAGE_EXCLUDE_PAD, &l->pool, &x, l->in_a,
                                   0, &y, l->z, 0, NULL, NULL, 0);
    if (l->kind == LAYER_GLOBAL_AVGPOOL2D)
        return clnn_global_pool_forward(m->ctx, CLNN_POOL_AVERAGE_EXCLUDE_PAD, &x, l->in_a, 0,
                                        &y, l->z, 0, NULL, NULL, 0);
    if (l->kind == LAYER_GLOBAL_MAXPOOL2D)
        return clnn_global_pool_forward(m->ctx, CLNN_POOL_MAX, &x, l->in_a, 0, &y, l->z, 0,
                                        &idx, l->indices, 0);
    const model_param *w = &m->params[l->param_first];
    return clnn_conv_transpose2d_forward(m->ctx, &l->tconv, &x, l->in_a, 0, &w[0].desc,
                                         w[0].value, 0, &w[1].desc, w[1].value, 0, NULL, &y,
                                         l->z, 0, m->conv_ws, m->conv_ws_bytes);
}

clnn_status model_spatial_backward(clnn_model *m, const model_layer *l, int64_t n)
{
    clnn_tensor_desc x, y, idx;
    pool_descs(l, n, &x, &y, &idx);
    if (l->kind == LAYER_CONV_TRANSPOSE2D) {
        const model_param *w = &m->params[l->param_first];
        clnn_status st = clnn_conv_transpose2d_backward_weights(
            m->ctx, &l->tconv, &x, l->in_a, 0, &y, l->g, 0, &w[0].desc, w[0].grad, 0,
            &w[1].desc, w[1].grad, 0, m->conv_ws, m->conv_ws_bytes);
        if (st || !l->in_g) return st;
        return clnn_conv_transpose2d_backward_data(m->ctx, &l->tconv, &w[0].desc, w[0].value,
                                                   0, &y, l->g, 0, &x, l->in_g, 0, m->conv_ws,
                                                   m->conv_ws_bytes);
    }
    if (!l->in_g) return CLNN_SUCCESS;
    if (l->kind == LAYER_AVGPOOL2D)
        return clnn_pool2d_backward(m->ctx, CLNN_POOL_AVERAGE_EXCLUDE_PAD, &l->pool, &y, l->g,
                                    0, NULL, NULL, 0, &x, l->in_g, 0);
    int max = l->kind == LAYER_GLOBAL_MAXPOOL2D;
    return clnn_global_pool_backward(m->ctx, max ? CLNN_POOL_MAX : CLNN_POOL_AVERAGE_EXCLUDE_PAD,
                                     &y, l->g, 0, max ? &idx : NULL, max ? l->indices : NULL,
                                     0, &x, l->in_g, 0);
}

clnn_status model_spatial_workspace(clnn_model *m, const model_layer *l, size_t *bytes)
{
    *bytes = 0;
    if (l->kind != LAYER_CONV_TRANSPOSE2D) return CLNN_SUCCESS;
    clnn_tensor_desc x = model_batch_desc(&l->in, m->batch);
    clnn_tensor_desc y = model_batch_desc(&l->out, m->batch);
    return clnn_conv_transpose2d_workspace_size(m->ctx, &l->tconv, &x,
                                                &m->params[l->param_first].desc, &y, bytes);
}
