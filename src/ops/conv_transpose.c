/* Transposed convolution (ONNX ConvTranspose) as the adjoint of a convolution:
 * the convolution runs from y's shape to x's (its input is y, its output x), so
 *   transpose forward        = that convolution's backward data
 *   transpose backward data  = that convolution's forward
 *   transpose backward wts   = that convolution's backward weights with its input
 *                              gradient dy and its output-gradient x.
 * The weights [C, K/groups, kH, kW] already have the convolution's layout. */
#include "conv.h"
#include "elementwise.h"
#include "epilogue.h"
#include "../core/check.h"

/* Geometry of the underlying convolution (see above) from x [N, C, H, W] and w. */
static clnn_status transpose_geometry(const char *fn, const clnn_conv_transpose2d_desc *conv,
                                      const clnn_tensor_desc *x_desc, const char *x_name,
                                      const clnn_tensor_desc *w_desc, const char *w_name,
                                      clnn_conv_geom *g)
{
    clnn_window2d win;
    clnn_status st = clnn_conv_check_descs(fn, conv ? &conv->window : NULL,
                                           conv ? conv->groups : 0, x_desc, x_name, w_desc,
                                           w_name, &win);
    if (st != CLNN_SUCCESS) return st;
    if (win.auto_pad != CLNN_PAD_EXPLICIT && win.auto_pad != CLNN_PAD_VALID)
        return clnn_fail(win.auto_pad == CLNN_PAD_SAME_UPPER || win.auto_pad == CLNN_PAD_SAME_LOWER
                             ? CLNN_NOT_SUPPORTED
                             : CLNN_INVALID_VALUE,
                         "%s: conv->window.auto_pad %d: only EXPLICIT and VALID are supported",
                         fn, (int)win.auto_pad);
    int64_t groups = conv->groups, c = x_desc->dims[1], out[2];
    if (c != w_desc->dims[0])
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has %lld channels but %s has %lld "
                                              "input channels", fn, x_name, (long long)c,
                         w_name, (long long)w_desc->dims[0]);
    if (c % groups != 0)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: conv->groups %lld does not divide the %lld "
                                              "channels of %s", fn, (long long)groups,
                         (long long)c, x_name);
    for (int a = 0; a < 2; a++) {
        int64_t s = win.strides[a], d = win.dilations[a], op = conv->output_padding[a];
        int64_t pb = win.auto_pad == CLNN_PAD_VALID ? 0 : win.pads[a];
        int64_t pe = win.auto_pad == CLNN_PAD_VALID ? 0 : win.pads[a + 2];
        if (s < 1 || d < 1)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: conv->window.%s[%d] is %lld (must be "
                                                 ">= 1)", fn, s < 1 ? "strides" : "dilations",
                             a, (long long)(s < 1 ? s : d));
        if (pb < 0 || pe < 0 || s > INT32_MAX || d > INT32_MAX || pb > INT32_MAX ||
            pe > INT32_MAX)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: conv->window.pads of axis %d are %lld, "
                                                 "%lld", fn, a, (long long)pb, (long long)pe);
        if (op < 0 || (op >= s && op >= d))
            return clnn_fail(CLNN_INVALID_VALUE, "%s: conv->output_padding[%d] is %lld (must "
                                                 "be >= 0 and below the stride or dilation)",
                             fn, a, (long long)op);
        out[a] = s * (x_desc->dims[2 + a] - 1) + op + (w_desc->dims[2 + a] - 1) * d + 1 - pb - pe;
        if (out[a] < 1)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: the output %s would be %lld (padding "
                                                 "larger than the result)", fn,
                             a ? "width" : "height", (long long)out[a]);
        if (a == 0) g->pad_top = (size_t)pb;
        else g->pad_left = (size_t)pb;
    }
    g->n = (size_t)x_desc->dims[0];
    g->c = (size_t)(w_desc->dims[1] * groups);
    g->h = (size_t)out[0];
    g->w = (size_t)out[1];
    g->k = (size_t)c;
    g->oh = (size_t)x_desc->dims[2];
    g->ow = (size_t)x_desc->dims[3];
    g->kh = (size_t)w_desc->dims[2];
    g->kw = (size_t)w_desc->dims[3];
    g->sh = (size_t)win.strides[0];
    g->sw = (size_t)win.strides[1];
    g->dh = (size_t)win.dilations[0];
    g->dw = (size_t)win.dilations[1];
    g->groups = (size_t)groups;
    return clnn_conv_pick_algo(g, conv->algo, fn);
}

/* The transpose's output shape: the underlying convolution's input. */
static clnn_tensor_desc out_shape(const clnn_conv_geom *g)
{
    return clnn_conv_desc4(g->n, g->c, g->h, g->w);
}

clnn_status clnn_conv_transpose2d_output_desc(const clnn_conv_transpose2d_desc *conv,
                                              const clnn_tensor_desc *x_desc,
                                              const clnn_tensor_desc *w_desc,
                                              clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_conv_transpose2d_output_desc";
    clnn_conv_geom g;
    if (!y_desc) return clnn_fail(CLNN_NULL_POINTER, "%s: y_desc is NULL", fn);
    clnn_status st = transpose_geometry(fn, conv, x_desc, "x_desc", w_desc, "w_desc", &g);
    if (st == CLNN_SUCCESS) *y_desc = out_shape(&g);
    return st;
}

clnn_status clnn_conv_transpose2d_workspace_size(clnn_context_t ctx,
                                                 const clnn_conv_transpose2d_desc *conv,
                                                 const clnn_tensor_desc *x_desc,
                                                 const clnn_tensor_desc *w_desc,
                                                 const clnn_tensor_desc *y_desc, size_t *bytes)
{
    static const char fn[] = "clnn_conv_transpose2d_workspace_size";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS)
        st = transpose_geometry(fn, conv, x_desc, "x_desc", w_desc, "w_desc", &g);
    if (st == CLNN_SUCCESS) st = clnn_conv_check_y_desc(y_desc, out_shape(&g), fn);
    if (st == CLNN_SUCCESS) *bytes = clnn_conv_workspace_recommended(ctx, &g);
    return st;
}

clnn_status clnn_conv_transpose2d_forward(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv, const clnn_tensor_desc *x_desc,
    cl_mem x, size_t x_offset, const clnn_tensor_desc *w_desc, cl_mem w, size_t w_offset,
    const clnn_tensor_desc *b_desc, cl_mem bias, size_t b_offset,
    const clnn_activation_desc *act, const clnn_tensor_desc *y_desc, cl_mem y,
    size_t y_offset, cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_conv_transpose2d_forward";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = transpose_geometry(fn, conv, x_desc, "x", w_desc, "w", &g);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_operands(ctx, fn, (clnn_conv_arg){x_desc, x, x_offset, "x"},
                                      (clnn_conv_arg){w_desc, w, w_offset, "w"},
                                      (clnn_conv_arg){y_desc, y, y_offset, "y"}, out_shape(&g));
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_extras(ctx, &g, fn, b_desc, bias, b_offset, g.c, "bias", act,
                                    workspace, workspace_size);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_run_backward_data(ctx, &g, w, w_offset, x, x_offset, y, y_offset,
                                         workspace, workspace_size);
    if (st == CLNN_SUCCESS)
        st = clnn_epilogue_bias_act(ctx, y, y_offset, g.n * g.c, g.c, g.h * g.w,
                                    CLNN_BIAS_PER_ROW, bias, b_offset, act);
    return st;
}

clnn_status clnn_conv_transpose2d_backward_data(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv, const clnn_tensor_desc *w_desc,
    cl_mem w, size_t w_offset, const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset, cl_mem workspace,
    size_t workspace_size)
{
    static const char fn[] = "clnn_conv_transpose2d_backward_data";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = transpose_geometry(fn, conv, dx_desc, "dx", w_desc, "w", &g);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_operands(ctx, fn, (clnn_conv_arg){w_desc, w, w_offset, "w"},
                                      (clnn_conv_arg){dx_desc, dx, dx_offset, "dx"},
                                      (clnn_conv_arg){dy_desc, dy, dy_offset, "dy"}, out_shape(&g));
    if (st == CLNN_SUCCESS) st = clnn_conv_check_workspace(ctx, &g, workspace, workspace_size, fn);
    if (st != CLNN_SUCCESS) return st;
    return clnn_conv_run_forward(ctx, &g, dy, dy_offset, w, w_offset, dx, dx_offset, workspace,
                                 workspace_size);
}

clnn_status clnn_conv_transpose2d_backward_weights(
    clnn_context_t ctx, const clnn_conv_transpose2d_desc *conv, const clnn_tensor_desc *x_desc,
    cl_mem x, size_t x_offset, const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dw_desc, cl_mem dw, size_t dw_offset,
    const clnn_tensor_desc *db_desc, cl_mem db, size_t db_offset, cl_mem workspace,
    size_t workspace_size)
{
    static const char fn[] = "clnn_conv_transpose2d_backward_weights";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = transpose_geometry(fn, conv, x_desc, "x", dw_desc, "dw", &g);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_operands(ctx, fn, (clnn_conv_arg){x_desc, x, x_offset, "x"},
                                      (clnn_conv_arg){dw_desc, dw, dw_offset, "dw"},
                                      (clnn_conv_arg){dy_desc, dy, dy_offset, "dy"}, out_shape(&g));
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_extras(ctx, &g, fn, db_desc, db, db_offset, g.c, "db", NULL,
                                    workspace, workspace_size);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_run_backward_weights(ctx, &g, dy, dy_offset, x, x_offset, dw, dw_offset,
                                            workspace, workspace_size);
    if (st == CLNN_SUCCESS && db) {
        /* The bias gradient sums dy, which is laid out as the convolution's input. */
        clnn_conv_geom gb = g;
        gb.k = g.c;
        gb.oh = g.h;
        gb.ow = g.w;
        st = clnn_conv_run_bias_grad(ctx, &gb, dy, dy_offset, db, db_offset);
    }
    return st;
}
