/* 2-D convolution: validation, algorithm choice and the public entry points
 * (the passes themselves are in conv_gemm.c and conv_direct.c). */
#include "conv.h"
#include "elementwise.h"
#include "epilogue.h"
#include "../core/check.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

size_t clnn_conv_x_count(const clnn_conv_geom *g) { return g->n * g->c * g->h * g->w; }
size_t clnn_conv_y_count(const clnn_conv_geom *g) { return g->n * g->k * g->oh * g->ow; }
size_t clnn_conv_w_count(const clnn_conv_geom *g)
{
    return g->k * (g->c / g->groups) * g->kh * g->kw;
}

clnn_conv2d_desc clnn_conv2d_default(int64_t s, int64_t p)
{
    clnn_conv2d_desc d;
    memset(&d, 0, sizeof d);
    d.window = clnn_window2d_square(0, s, p);
    d.groups = 1;
    d.algo = CLNN_CONV_ALGO_AUTO;
    return d;
}

static const char *algo_name(clnn_conv_algo a)
{
    switch (a) {
    case CLNN_CONV_ALGO_IM2COL_GEMM: return "IM2COL_GEMM";
    case CLNN_CONV_ALGO_GEMM_1X1: return "GEMM_1X1";
    case CLNN_CONV_ALGO_DIRECT: return "DIRECT";
    case CLNN_CONV_ALGO_WINOGRAD: return "WINOGRAD";
    default: return "AUTO";
    }
}

/* Why `a` can't run geometry g, or NULL if it can. */
static const char *unsupported_reason(const clnn_conv_geom *g, clnn_conv_algo a)
{
    if (a == CLNN_CONV_ALGO_GEMM_1X1 &&
        (g->kh != 1 || g->kw != 1 || g->sh != 1 || g->sw != 1 || g->pad_top != 0 ||
         g->pad_left != 0 || g->oh != g->h || g->ow != g->w))
        return "needs a 1x1 kernel, stride 1 and no padding";
    if (a == CLNN_CONV_ALGO_DIRECT && !(g->groups == g->c && g->groups == g->k))
        return "handles only depthwise convolution (groups == C == K)";
    if (a == CLNN_CONV_ALGO_WINOGRAD &&
        (g->kh != 3 || g->kw != 3 || g->sh != 1 || g->sw != 1 || g->dh != 1 || g->dw != 1 ||
         g->groups != 1))
        return "needs a 3x3 kernel, stride 1, dilation 1 and one group";
    return NULL;
}

/* AUTO's choice: WINOGRAD wherever it applies. Measured on PoCL (2-core AVX-512
 * Xeon, shared and noisy; forward ms, median of 9, im2col -> Winograd F(4,3)),
 * batch 32: 3x3 1->32 28x28 6.0 -> 1.7; 3->16 32x32 9.6 -> 1.1; 16->16 28x28
 * 36 -> 1.6; 32->64 13x13 valid 7.2 -> 1.4; 64->64 5x5 valid 1.6 -> 0.6; 32->64
 * 28x28 pad 1 15.7 -> 4.0. F(2,3) ran 2-2.5x slower than F(4,3). */
static clnn_conv_algo auto_algo(const clnn_conv_geom *g)
{
    if (!unsupported_reason(g, CLNN_CONV_ALGO_GEMM_1X1)) return CLNN_CONV_ALGO_GEMM_1X1;
    if (!unsupported_reason(g, CLNN_CONV_ALGO_DIRECT)) return CLNN_CONV_ALGO_DIRECT;
    if (!unsupported_reason(g, CLNN_CONV_ALGO_WINOGRAD)) return CLNN_CONV_ALGO_WINOGRAD;
    return CLNN_CONV_ALGO_IM2COL_GEMM;
}

/* CLNN_CONV_ALGO, which replaces AUTO (an algorithm the caller names wins). */
static clnn_status env_algo(const char *fn, clnn_conv_algo *algo)
{
    static const struct {
        const char *text;
        clnn_conv_algo algo;
    } names[] = {{"auto", CLNN_CONV_ALGO_AUTO},         {"im2col", CLNN_CONV_ALGO_IM2COL_GEMM},
                 {"gemm1x1", CLNN_CONV_ALGO_GEMM_1X1},  {"direct", CLNN_CONV_ALGO_DIRECT},
                 {"winograd", CLNN_CONV_ALGO_WINOGRAD}};
    const char *text = clnn_env_get()->conv_algo;
    if (!text) return CLNN_SUCCESS;
    for (size_t i = 0; i < CLNN_ARRAY_SIZE(names); i++)
        if (strcmp(text, names[i].text) == 0) {
            *algo = names[i].algo;
            return CLNN_SUCCESS;
        }
    return clnn_fail(CLNN_INVALID_VALUE, "%s: CLNN_CONV_ALGO \"%s\" is unknown (auto, "
                                         "im2col, gemm1x1, direct or winograd)", fn, text);
}

clnn_status clnn_conv_pick_algo(clnn_conv_geom *g, clnn_conv_algo algo, const char *fn)
{
    /* The kernels index in 32 bits. */
    const size_t sizes[] = {clnn_conv_x_count(g), clnn_conv_y_count(g),
                            g->c * g->kh * g->kw * g->oh * g->ow};
    for (size_t i = 0; i < CLNN_ARRAY_SIZE(sizes); i++)
        if (sizes[i] > INT_MAX)
            return clnn_fail(CLNN_NOT_SUPPORTED, "%s: tensors or im2col blocks of "
                                                 "2^31 elements or more are not supported",
                             fn);
    if ((unsigned)algo > CLNN_CONV_ALGO_WINOGRAD)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: conv->algo %d is unknown", fn, (int)algo);
    if (algo == CLNN_CONV_ALGO_AUTO) {
        clnn_status st = env_algo(fn, &algo);
        if (st != CLNN_SUCCESS) return st;
    }
    if (algo == CLNN_CONV_ALGO_AUTO) {
        g->algo = auto_algo(g);
        return CLNN_SUCCESS;
    }
    const char *why = unsupported_reason(g, algo);
    if (why)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: conv->algo %s %s", fn, algo_name(algo), why);
    g->algo = algo;
    return CLNN_SUCCESS;
}

/* The window with its kernel taken from the weights when it is {0, 0}. */
static clnn_status window_for(const clnn_window2d *win, const clnn_tensor_desc *w_desc,
                              const char *fn, const char *w_name, clnn_window2d *out)
{
    *out = *win;
    if (win->kernel[0] == 0 && win->kernel[1] == 0) {
        out->kernel[0] = w_desc->dims[2];
        out->kernel[1] = w_desc->dims[3];
    } else if (win->kernel[0] != w_desc->dims[2] || win->kernel[1] != w_desc->dims[3]) {
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: conv->window.kernel is %lldx%lld but %s "
                                              "has a %lldx%lld kernel", fn,
                         (long long)win->kernel[0], (long long)win->kernel[1], w_name,
                         (long long)w_desc->dims[2], (long long)w_desc->dims[3]);
    }
    if (win->ceil_mode)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: conv->window.ceil_mode must be 0", fn);
    return CLNN_SUCCESS;
}

/* Validates the parts of a call that describe the convolution: a rank-4 float32
 * input and weights, groups, window. Fills g except the output size. */
clnn_status clnn_conv_check_descs(const char *fn, const clnn_window2d *win, int64_t groups,
                                  const clnn_tensor_desc *x_desc, const char *x_name,
                                  const clnn_tensor_desc *w_desc, const char *w_name,
                                  clnn_window2d *resolved)
{
    if (!win) return clnn_fail(CLNN_NULL_POINTER, "%s: conv is NULL", fn);
    clnn_status st = clnn_check_desc(x_desc, CLNN_FLOAT32, fn, x_name);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(w_desc, CLNN_FLOAT32, fn, w_name);
    if (st != CLNN_SUCCESS) return st;
    if (x_desc->rank != 4 || w_desc->rank != 4)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s must have rank 4 (has %d)", fn,
                         x_desc->rank != 4 ? x_name : w_name,
                         x_desc->rank != 4 ? x_desc->rank : w_desc->rank);
    if (groups < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: conv->groups is %lld (must be >= 1)", fn,
                         (long long)groups);
    return window_for(win, w_desc, fn, w_name, resolved);
}

/* Geometry of a forward convolution from x and w (names for messages). */
static clnn_status conv_geometry(const char *fn, const clnn_conv2d_desc *conv,
                                 const clnn_tensor_desc *x_desc, const char *x_name,
                                 const clnn_tensor_desc *w_desc, const char *w_name,
                                 clnn_conv_geom *g)
{
    clnn_window2d win;
    clnn_status st = clnn_conv_check_descs(fn, conv ? &conv->window : NULL,
                                           conv ? conv->groups : 0, x_desc, x_name, w_desc,
                                           w_name, &win);
    if (st != CLNN_SUCCESS) return st;
    int64_t groups = conv->groups, k = w_desc->dims[0], c = x_desc->dims[1];
    if (c != w_desc->dims[1] * groups)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has %lld channels but %s expects "
                                              "%lld x %lld groups", fn, x_name, (long long)c,
                         w_name, (long long)w_desc->dims[1], (long long)groups);
    if (k % groups != 0)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: conv->groups %lld does not divide the "
                                              "%lld output channels of %s", fn,
                         (long long)groups, (long long)k, w_name);
    int64_t oh, ow, pads[4];
    st = clnn_window2d_output(&win, x_desc->dims[2], x_desc->dims[3], &oh, &ow, pads);
    if (st != CLNN_SUCCESS) {
        char detail[256];
        snprintf(detail, sizeof detail, "%s", clnn_last_error());
        return clnn_fail(st, "%s: conv->window does not fit %s: %s", fn, x_name, detail);
    }
    *g = (clnn_conv_geom){(size_t)x_desc->dims[0], (size_t)c, (size_t)x_desc->dims[2],
                          (size_t)x_desc->dims[3], (size_t)k, (size_t)oh, (size_t)ow,
                          (size_t)win.kernel[0], (size_t)win.kernel[1],
                          (size_t)win.strides[0], (size_t)win.strides[1],
                          (size_t)win.dilations[0], (size_t)win.dilations[1],
                          (size_t)pads[0], (size_t)pads[1], (size_t)groups,
                          CLNN_CONV_ALGO_AUTO};
    return clnn_conv_pick_algo(g, conv->algo, fn);
}

clnn_tensor_desc clnn_conv_desc4(size_t a, size_t b, size_t c, size_t d)
{
    clnn_tensor_desc t = {CLNN_FLOAT32, 4, {(int64_t)a, (int64_t)b, (int64_t)c, (int64_t)d}};
    for (int i = 4; i < CLNN_MAX_RANK; i++) t.dims[i] = 1;
    return t;
}

static clnn_tensor_desc out_shape(const clnn_conv_geom *g)
{
    return clnn_conv_desc4(g->n, g->k, g->oh, g->ow);
}

static clnn_status check_arg(clnn_context_t ctx, const char *fn, clnn_conv_arg a)
{
    return clnn_check_operand(ctx, a.desc, CLNN_FLOAT32, a.buf, a.off, fn, a.name, NULL);
}

clnn_status clnn_conv_check_operands(clnn_context_t ctx, const char *fn, clnn_conv_arg a,
                                     clnn_conv_arg b, clnn_conv_arg shaped,
                                     clnn_tensor_desc want)
{
    clnn_status st = check_arg(ctx, fn, a);
    if (st == CLNN_SUCCESS) st = check_arg(ctx, fn, b);
    if (st == CLNN_SUCCESS) st = check_arg(ctx, fn, shaped);
    if (st != CLNN_SUCCESS) return st;
    char expected[64];
    snprintf(expected, sizeof expected, "the expected %s", shaped.name);
    return clnn_check_same_shape(shaped.desc, &want, fn, shaped.name, expected);
}

clnn_status clnn_conv_check_y_desc(const clnn_tensor_desc *y_desc, clnn_tensor_desc want,
                                   const char *fn)
{
    if (!y_desc) return CLNN_SUCCESS;
    clnn_status st = clnn_check_desc(y_desc, CLNN_FLOAT32, fn, "y_desc");
    return st == CLNN_SUCCESS ? clnn_check_same_shape(y_desc, &want, fn, "y_desc", "the output")
                              : st;
}

/* An optional bias or bias gradient: [k] float32, checked only when `buf` is set. */
static clnn_status check_bias(clnn_context_t ctx, const clnn_tensor_desc *desc, cl_mem buf,
                              size_t off, size_t k, const char *fn, const char *name)
{
    if (!buf) return CLNN_SUCCESS;
    clnn_status st = clnn_check_desc(desc, CLNN_FLOAT32, fn, name);
    if (st == CLNN_SUCCESS && (desc->rank != 1 || desc->dims[0] != (int64_t)k))
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s must have shape [%zu]", fn, name, k);
    return st == CLNN_SUCCESS ? clnn_check_buffer(ctx, buf, off, k * 4, 4, fn, name) : st;
}

clnn_status clnn_conv_check_workspace(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem ws,
                                      size_t ws_size, const char *fn)
{
    size_t need = clnn_conv_workspace_min(g);
    /* Algorithms that need none may still use a given one (batched 1x1). */
    if (need == 0 && !ws) return CLNN_SUCCESS;
    if (ws_size < need)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE, "%s: workspace_size is %zu bytes; %s "
                                                      "needs at least %zu", fn, ws_size,
                         algo_name(g->algo), need);
    return clnn_check_buffer(ctx, ws, 0, ws_size, 4, fn, "workspace");
}

clnn_status clnn_conv_check_extras(clnn_context_t ctx, const clnn_conv_geom *g,
                                   const char *fn, const clnn_tensor_desc *b_desc,
                                   cl_mem bias, size_t b_offset, size_t channels,
                                   const char *bias_name, const clnn_activation_desc *act,
                                   cl_mem ws, size_t ws_size)
{
    clnn_status st = check_bias(ctx, b_desc, bias, b_offset, channels, fn, bias_name);
    if (st == CLNN_SUCCESS && act) st = clnn_activation_check(act, fn);
    return st == CLNN_SUCCESS ? clnn_conv_check_workspace(ctx, g, ws, ws_size, fn) : st;
}

/* ---- public entry points */

clnn_status clnn_conv2d_output_desc(const clnn_conv2d_desc *conv, const clnn_tensor_desc *x_desc,
                                    const clnn_tensor_desc *w_desc, clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_conv2d_output_desc";
    clnn_conv_geom g;
    if (!y_desc) return clnn_fail(CLNN_NULL_POINTER, "%s: y_desc is NULL", fn);
    clnn_status st = conv_geometry(fn, conv, x_desc, "x_desc", w_desc, "w_desc", &g);
    if (st == CLNN_SUCCESS) *y_desc = out_shape(&g);
    return st;
}

clnn_status clnn_conv2d_algo_for(const clnn_conv2d_desc *conv, const clnn_tensor_desc *x_desc,
                                 const clnn_tensor_desc *w_desc, clnn_conv_algo *algo)
{
    static const char fn[] = "clnn_conv2d_algo_for";
    clnn_conv_geom g;
    if (!algo) return clnn_fail(CLNN_NULL_POINTER, "%s: algo is NULL", fn);
    clnn_status st = conv_geometry(fn, conv, x_desc, "x_desc", w_desc, "w_desc", &g);
    if (st == CLNN_SUCCESS) *algo = g.algo;
    return st;
}

clnn_status clnn_conv2d_workspace_size(clnn_context_t ctx, const clnn_conv2d_desc *conv,
                                       const clnn_tensor_desc *x_desc,
                                       const clnn_tensor_desc *w_desc,
                                       const clnn_tensor_desc *y_desc, size_t *bytes)
{
    static const char fn[] = "clnn_conv2d_workspace_size";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) st = conv_geometry(fn, conv, x_desc, "x_desc", w_desc, "w_desc", &g);
    if (st == CLNN_SUCCESS) st = clnn_conv_check_y_desc(y_desc, out_shape(&g), fn);
    if (st == CLNN_SUCCESS) *bytes = clnn_conv_workspace_recommended(ctx, &g);
    return st;
}

clnn_status clnn_conv2d_forward(clnn_context_t ctx, const clnn_conv2d_desc *conv,
                                const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                const clnn_tensor_desc *w_desc, cl_mem w, size_t w_offset,
                                const clnn_tensor_desc *b_desc, cl_mem bias, size_t b_offset,
                                const clnn_activation_desc *act,
                                const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                                cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_conv2d_forward";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = conv_geometry(fn, conv, x_desc, "x", w_desc, "w", &g);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_operands(ctx, fn, (clnn_conv_arg){x_desc, x, x_offset, "x"},
                                      (clnn_conv_arg){w_desc, w, w_offset, "w"},
                                      (clnn_conv_arg){y_desc, y, y_offset, "y"}, out_shape(&g));
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_extras(ctx, &g, fn, b_desc, bias, b_offset, g.k, "bias", act,
                                    workspace, workspace_size);
    if (st != CLNN_SUCCESS) return st;
    if (g.algo == CLNN_CONV_ALGO_WINOGRAD) /* bias and activation fused */
        return clnn_conv_winograd_forward(ctx, &g, x, x_offset, w, w_offset, bias, b_offset,
                                          act, y, y_offset, workspace, workspace_size);
    st = clnn_conv_run_forward(ctx, &g, x, x_offset, w, w_offset, y, y_offset, workspace,
                               workspace_size);
    if (st == CLNN_SUCCESS)
        st = clnn_epilogue_bias_act(ctx, y, y_offset, g.n * g.k, g.k, g.oh * g.ow,
                                    CLNN_BIAS_PER_ROW, bias, b_offset, act);
    return st;
}

clnn_status clnn_conv2d_backward_data(clnn_context_t ctx, const clnn_conv2d_desc *conv,
                                      const clnn_tensor_desc *w_desc, cl_mem w, size_t w_offset,
                                      const clnn_tensor_desc *dy_desc, cl_mem dy,
                                      size_t dy_offset, const clnn_tensor_desc *dx_desc,
                                      cl_mem dx, size_t dx_offset, cl_mem workspace,
                                      size_t workspace_size)
{
    static const char fn[] = "clnn_conv2d_backward_data";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = conv_geometry(fn, conv, dx_desc, "dx", w_desc, "w", &g);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_operands(ctx, fn, (clnn_conv_arg){w_desc, w, w_offset, "w"},
                                      (clnn_conv_arg){dx_desc, dx, dx_offset, "dx"},
                                      (clnn_conv_arg){dy_desc, dy, dy_offset, "dy"}, out_shape(&g));
    if (st == CLNN_SUCCESS) st = clnn_conv_check_workspace(ctx, &g, workspace, workspace_size, fn);
    if (st != CLNN_SUCCESS) return st;
    return clnn_conv_run_backward_data(ctx, &g, w, w_offset, dy, dy_offset, dx, dx_offset,
                                       workspace, workspace_size);
}

clnn_status clnn_conv2d_backward_weights(clnn_context_t ctx, const clnn_conv2d_desc *conv,
                                         const clnn_tensor_desc *x_desc, cl_mem x,
                                         size_t x_offset, const clnn_tensor_desc *dy_desc,
                                         cl_mem dy, size_t dy_offset,
                                         const clnn_tensor_desc *dw_desc, cl_mem dw,
                                         size_t dw_offset, const clnn_tensor_desc *db_desc,
                                         cl_mem db, size_t db_offset, cl_mem workspace,
                                         size_t workspace_size)
{
    static const char fn[] = "clnn_conv2d_backward_weights";
    clnn_conv_geom g;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = conv_geometry(fn, conv, x_desc, "x", dw_desc, "dw", &g);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_operands(ctx, fn, (clnn_conv_arg){x_desc, x, x_offset, "x"},
                                      (clnn_conv_arg){dw_desc, dw, dw_offset, "dw"},
                                      (clnn_conv_arg){dy_desc, dy, dy_offset, "dy"}, out_shape(&g));
    if (st == CLNN_SUCCESS)
        st = clnn_conv_check_extras(ctx, &g, fn, db_desc, db, db_offset, g.k, "db", NULL,
                                    workspace, workspace_size);
    if (st == CLNN_SUCCESS)
        st = clnn_conv_run_backward_weights(ctx, &g, x, x_offset, dy, dy_offset, dw, dw_offset,
                                            workspace, workspace_size);
    if (st == CLNN_SUCCESS && db)
        st = clnn_conv_run_bias_grad(ctx, &g, dy, dy_offset, db, db_offset);
    return st;
}
