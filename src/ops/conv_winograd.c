/* Winograd convolution F(4x4, 3x3) for 3x3, stride 1, dilation 1, one group
 * (kernels in cl/winograd.cl). Per chunk of nb images with T = nb * TH * TW
 * tiles (TP: T padded to GEMM_T; KP: K padded to GEMM_K), in the workspace:
 *   U  [36][C][KP]  the transformed filter (each call: K*C*9 work, cheap)
 *   V  [36][C][TP]  the transformed input tiles
 *   Mt [36][KP][TP] = U[p]^T V[p], 36 GEMMs in one launch of wino_gemm
 * and the output transform writes y with the bias and activation fused.
 * Backward data is the same pass from dy to dx with the filter turned and
 * transposed (pads mirrored to 2 - pad); backward weights transforms x (V) and
 * dy (dM = A dY A^T) per chunk, sums dM V^T over the tiles into dU (U's space)
 * and turns dU into dw.
 * F(4,3) needs 36 / (16 * 9) = 1/4 of the direct multiplies; F(2,3) (-DWINO_M=2
 * here) needs 4/9 and measured 2-2.5x slower overall.
 * Measured on PoCL (2-core AVX-512 Xeon) for 3x3 32->64 28x28 batch 32, per
 * pass: input 0.65 ms, GEMMs 1.7 ms, output 1.1-1.3 ms. The GEMMs are our own
 * kernel: CLBlast's strided-batched GEMM took 5.7 ms on these short-K shapes
 * (64 x 1568 x 32, 36 times) and a loop of 36 plain GEMMs longer still. */
#include "conv.h"
#include "elementwise.h"
#include "../core/program.h"

#include <clnn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define WINO_M 4
#define ALPHA (WINO_M + 2)
#define POSITIONS (ALPHA * ALPHA)
/* The GEMM kernel's register tile (GEMM_K, GEMM_T in winograd.cl): k and t are
 * padded to multiples of these. */
#define GEMM_K 8
#define GEMM_T 32
#define ROUND_UP(a, b) (((a) + (b) - 1) / (b) * (b))

/* Chunks past ~64 MB gain nothing measurable (as for im2col). */
#define WINO_WORKSPACE_CAP ((size_t)64 << 20)

typedef struct wino_shape {
    size_t th, tw;      /* tiles per image, down and across                 */
    size_t kp;          /* K padded to GEMM_K                                */
    size_t u_floats;    /* the transformed filter U [36][C][KP]              */
    size_t tile_floats; /* V and Mt floats per tile: 36 * (C + KP)           */
} wino_shape;

static wino_shape shape_of(const clnn_conv_geom *g)
{
    wino_shape s;
    s.th = (g->oh + WINO_M - 1) / WINO_M;
    s.tw = (g->ow + WINO_M - 1) / WINO_M;
    s.kp = ROUND_UP(g->k, GEMM_K);
    s.u_floats = POSITIONS * g->c * s.kp;
    s.tile_floats = POSITIONS * (g->c + s.kp);
    return s;
}

/* Workspace bytes for chunks of nb images (the tiles padded to GEMM_T). */
static size_t chunk_bytes(const clnn_conv_geom *g, size_t nb)
{
    wino_shape s = shape_of(g);
    return (s.u_floats + s.tile_floats * ROUND_UP(nb * s.th * s.tw, GEMM_T)) * sizeof(float);
}

/* The backward-data pass as a forward convolution dy -> dx (x and y swapped, the
 * padding mirrored: 2 - pad per side); false when a pad exceeds 2. */
static bool adjoint_geometry(const clnn_conv_geom *g, clnn_conv_geom *a)
{
    size_t pad_bottom = g->oh + 2 - g->h - g->pad_top;
    size_t pad_right = g->ow + 2 - g->w - g->pad_left;
    if (g->pad_top > 2 || g->pad_left > 2 || pad_bottom > 2 || pad_right > 2) return false;
    *a = *g;
    a->c = g->k;
    a->h = g->oh;
    a->w = g->ow;
    a->k = g->c;
    a->oh = g->h;
    a->ow = g->w;
    a->pad_top = 2 - g->pad_top;
    a->pad_left = 2 - g->pad_left;
    return true;
}

/* Images per chunk within `cap` bytes for the forward and, when it runs on
 * Winograd, the backward-data pass. */
static size_t recommended_images(const clnn_conv_geom *g, size_t cap)
{
    size_t per_image = chunk_bytes(g, 1);
    clnn_conv_geom a;
    if (adjoint_geometry(g, &a)) per_image = CLNN_MAX(per_image, chunk_bytes(&a, 1));
    return CLNN_MAX(CLNN_MIN(g->n, cap / per_image), 1);
}

static size_t both_bytes(const clnn_conv_geom *g, size_t nb)
{
    clnn_conv_geom a;
    size_t bytes = chunk_bytes(g, nb);
    return adjoint_geometry(g, &a) ? CLNN_MAX(bytes, chunk_bytes(&a, nb)) : bytes;
}

size_t clnn_conv_winograd_workspace_min(const clnn_conv_geom *g) { return both_bytes(g, 1); }

size_t clnn_conv_winograd_workspace_recommended(const clnn_conv_geom *g)
{
    return both_bytes(g, recommended_images(g, WINO_WORKSPACE_CAP));
}

bool clnn_conv_winograd_has_backward_data(const clnn_conv_geom *g)
{
    clnn_conv_geom a;
    return adjoint_geometry(g, &a);
}

/* The most images per chunk that ws_size bytes hold (>= 1: checked by the caller). */
static size_t chunk_images(const clnn_conv_geom *g, size_t ws_size)
{
    wino_shape s = shape_of(g);
    size_t tiles = (ws_size / sizeof(float) - s.u_floats) / s.tile_floats;
    size_t nb = tiles / GEMM_T * GEMM_T / (s.th * s.tw); /* padded tiles still fit */
    /* The kernels index V and Mt rows in 32 bits. */
    size_t int_limit = ((size_t)INT_MAX / (g->c + s.kp) - GEMM_T) / (s.th * s.tw);
    return CLNN_MAX(CLNN_MIN(CLNN_MIN(nb, g->n), int_limit), 1);
}

/* The kernels share one program per (activation, bias) pair. */
static clnn_status get_kernel(clnn_context_t ctx, const char *name, clnn_activation act,
                              bool has_bias, cl_kernel *k)
{
    char options[128];
    clnn_activation_options(ctx, act, options, sizeof options);
    size_t used = strlen(options);
    snprintf(options + used, sizeof options - used, " -DWINO_M=%d -DHAS_BIAS=%d", WINO_M,
             has_bias ? 1 : 0);
    return clnn_kernel_get(ctx, "winograd.cl", options, name, k);
}

static cl_int8 geometry(const clnn_conv_geom *g)
{
    const size_t fields[8] = {g->c, g->k, g->h, g->w, g->oh, g->ow, g->pad_top, g->pad_left};
    cl_int8 v;
    for (int i = 0; i < 8; i++) v.s[i] = (cl_int)fields[i];
    return v;
}

/* Sets (in, in_off, out, out_off, geometry, tiles) and enqueues `items`. */
static clnn_status launch(clnn_context_t ctx, const clnn_conv_geom *g, const char *name,
                          cl_mem in, size_t in_off, cl_mem out, size_t out_off,
                          cl_int4 tiles, size_t items)
{
    cl_kernel k;
    clnn_status st = get_kernel(ctx, name, CLNN_ACTIVATION_NONE, false, &k);
    cl_ulong io = in_off, oo = out_off;
    cl_int8 geom = geometry(g);
    if (st == CLNN_SUCCESS)
        st = clnn_set_args(k, CLNN_ARG(in), CLNN_ARG(io), CLNN_ARG(out), CLNN_ARG(oo),
                           CLNN_ARG(geom), CLNN_ARG(tiles));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, items) : st;
}

/* Bias and activation for the output transform (both optional). */
typedef struct wino_epilogue {
    cl_mem bias;
    size_t offset;
    const clnn_activation_desc *act;
} wino_epilogue;

/* Images [n0, n0 + nb): input transform, the 36 GEMMs, output transform (offsets
 * in elements). */
static clnn_status forward_chunk(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                 size_t xo, cl_mem y, size_t yo, cl_mem ws, size_t nb,
                                 wino_epilogue e)
{
    wino_shape s = shape_of(g);
    size_t t = nb * s.th * s.tw, tp = ROUND_UP(t, GEMM_T);
    cl_int4 tiles = {{(cl_int)s.th, (cl_int)s.tw, (cl_int)t, (cl_int)tp}};
    cl_ulong v_off = s.u_floats, m_off = v_off + POSITIONS * g->c * tp;
    clnn_status st = launch(ctx, g, "wino_input", x, xo, ws, v_off, tiles, g->c * tp);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, "wino_gemm", CLNN_ACTIVATION_NONE, false, &k);
    cl_ulong u_off = 0;
    cl_int8 geom = geometry(g);
    if (st == CLNN_SUCCESS)
        st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(u_off), CLNN_ARG(ws), CLNN_ARG(v_off),
                           CLNN_ARG(ws), CLNN_ARG(m_off), CLNN_ARG(geom), CLNN_ARG(tiles));
    if (st == CLNN_SUCCESS)
        st = clnn_enqueue_1d(ctx, k, POSITIONS * (s.kp / GEMM_K) * (tp / GEMM_T));
    bool has_act = e.act && e.act->kind != CLNN_ACTIVATION_NONE;
    if (st == CLNN_SUCCESS)
        st = get_kernel(ctx, "wino_output", has_act ? e.act->kind : CLNN_ACTIVATION_NONE,
                        e.bias != NULL, &k);
    cl_ulong y_off = yo, b_off = e.offset / 4;
    cl_mem bias = e.bias ? e.bias : y; /* never read without a bias */
    float alpha = has_act ? e.act->alpha : 0.0f, beta = has_act ? e.act->beta : 0.0f;
    if (st == CLNN_SUCCESS)
        st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(m_off), CLNN_ARG(y), CLNN_ARG(y_off),
                           CLNN_ARG(bias), CLNN_ARG(b_off), CLNN_ARG(geom), CLNN_ARG(tiles),
                           CLNN_ARG(alpha), CLNN_ARG(beta));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, g->k * t) : st;
}

/* A forward convolution on Winograd, its filter transformed by `filter`. */
static clnn_status run(clnn_context_t ctx, const clnn_conv_geom *g, const char *filter,
                       cl_mem x, size_t xo, cl_mem w, size_t wo, wino_epilogue e, cl_mem y,
                       size_t yo, cl_mem ws, size_t ws_size)
{
    wino_shape s = shape_of(g);
    size_t step = chunk_images(g, ws_size);
    cl_int4 unused = {{0}};
    clnn_status st = launch(ctx, g, filter, w, wo / 4, ws, 0, unused, g->c * s.kp);
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step)
        st = forward_chunk(ctx, g, x, xo / 4 + n0 * g->c * g->h * g->w, y,
                           yo / 4 + n0 * g->k * g->oh * g->ow, ws, CLNN_MIN(step, g->n - n0),
                           e);
    return st;
}

clnn_status clnn_conv_winograd_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                       size_t xo, cl_mem w, size_t wo, cl_mem bias,
                                       size_t bo, const clnn_activation_desc *act, cl_mem y,
                                       size_t yo, cl_mem ws, size_t ws_size)
{
    wino_epilogue e = {bias, bo, act};
    return run(ctx, g, "wino_filter", x, xo, w, wo, e, y, yo, ws, ws_size);
}

clnn_status clnn_conv_winograd_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                             cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                             cl_mem dx, size_t dxo, cl_mem ws, size_t ws_size)
{
    clnn_conv_geom a;
    if (!adjoint_geometry(g, &a))
        return clnn_fail(CLNN_INTERNAL, "winograd backward data: pads above 2");
    wino_epilogue none = {NULL, 0, NULL};
    return run(ctx, &a, "wino_filter_adjoint", dy, dyo, w, wo, none, dx, dxo, ws, ws_size);
}

/* dW over the batch: per chunk, V from x and dM from dy, then the dot products
 * into dU (accumulated over chunks); finally dU -> dw. dU reuses U's space. */
clnn_status clnn_conv_winograd_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                                cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                                cl_mem dw, size_t dwo, cl_mem ws,
                                                size_t ws_size)
{
    wino_shape s = shape_of(g);
    size_t step = chunk_images(g, ws_size);
    clnn_status st = CLNN_SUCCESS;
    cl_int8 geom = geometry(g);
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t t = CLNN_MIN(step, g->n - n0) * s.th * s.tw, tp = ROUND_UP(t, GEMM_T);
        cl_int4 tiles = {{(cl_int)s.th, (cl_int)s.tw, (cl_int)t, (cl_int)tp}};
        cl_ulong v_off = s.u_floats, m_off = v_off + POSITIONS * g->c * tp, du_off = 0;
        st = launch(ctx, g, "wino_input", x, xo / 4 + n0 * g->c * g->h * g->w, ws, v_off, tiles,
                    g->c * tp);
        if (st == CLNN_SUCCESS)
            st = launch(ctx, g, "wino_dy", dy, dyo / 4 + n0 * g->k * g->oh * g->ow, ws, m_off,
                        tiles, s.kp * tp);
        cl_kernel k;
        if (st == CLNN_SUCCESS)
            st = get_kernel(ctx, "wino_gemm_nt", CLNN_ACTIVATION_NONE, false, &k);
        cl_int accumulate = n0 > 0;
        if (st == CLNN_SUCCESS)
            st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(m_off), CLNN_ARG(ws), CLNN_ARG(v_off),
                               CLNN_ARG(ws), CLNN_ARG(du_off), CLNN_ARG(geom), CLNN_ARG(tiles),
                               CLNN_ARG(accumulate));
        if (st == CLNN_SUCCESS)
            st = clnn_enqueue_1d(ctx, k, POSITIONS * (s.kp / 4) * ((g->c + 3) / 4));
    }
    cl_int4 unused = {{0}};
    return st == CLNN_SUCCESS
               ? launch(ctx, g, "wino_filter_grad", ws, 0, dw, dwo / 4, unused, g->k * g->c)
               : st;
}
