/* The GEMM paths of convolution: im2col + GEMM (any geometry) and the 1x1 case,
 * where an image already is its column matrix (C x H*W) and im2col is skipped.
 * Per group g (Kg = K/groups, CT = C/groups * kH * kW) over a chunk of nb images:
 *   forward          Y_g (Kg x nb*OHW) = W_g (Kg x CT) * col_g (CT x nb*OHW)
 *   backward data    col_g             = W_g^T * dY_g, then col2im gathers into dx
 *   backward weights dW_g (Kg x CT)   += dY_g * col_g^T over the chunks
 * The columns of a chunk lie side by side ([C * taps, nb * OHW]), so one large
 * GEMM covers the chunk; Y and dY of a chunk then are [K, nb * OHW] in a scratch
 * area after the columns, moved to and from NCHW by the (un)batch kernels. With
 * one image per chunk (the minimum workspace) Y and dY are used in place. */
#include "conv.h"

#include <clnn.h>

/* Per-group sizes and strides of one geometry, in elements. */
typedef struct gemm_shape {
    size_t kg, ct, ohw, groups;
    size_t col_image; /* column floats per image                     */
    size_t x_image, y_image;
} gemm_shape;

static gemm_shape shape_of(const clnn_conv_geom *g)
{
    gemm_shape s;
    s.groups = g->groups;
    s.kg = g->k / g->groups;
    s.ct = g->c / g->groups * g->kh * g->kw;
    s.ohw = g->oh * g->ow;
    s.col_image = s.ct * s.groups * s.ohw;
    s.x_image = g->c * g->h * g->w;
    s.y_image = g->k * s.ohw;
    return s;
}

static bool is_1x1(const clnn_conv_geom *g) { return g->algo == CLNN_CONV_ALGO_GEMM_1X1; }

/* Workspace bytes per image of a batched chunk: its columns and its Y / dY. */
static size_t batch_image_bytes(const clnn_conv_geom *g)
{
    gemm_shape s = shape_of(g);
    return (s.col_image + s.y_image) * sizeof(float);
}

/* Multiply-adds of one image's GEMMs. */
static double image_macs(const clnn_conv_geom *g)
{
    gemm_shape s = shape_of(g);
    return (double)s.kg * s.groups * s.ohw * s.ct;
}

/* Batching pays while the per-image GEMMs are small. Measured on PoCL (ms per
 * pass, per image -> batched): 3x3 32->64 14x14 b64 (3.6M MACs/image) fwd 16.7 ->
 * 7.2, bwd data 20.3 -> 9.2, bwd weights 18.3 -> 10.3; 3x3 32->64 28x28 b32
 * (14.5M) fwd 22.7 -> 15.4 but bwd data 20.9 -> 30.2 and weights 24.8 -> 32.8
 * (CLBlast's transposed and long-K shapes run at ~35 GFLOPS); 3x3 64->128 s2
 * 56x56 (58M) fwd 56 -> 63. */
#define BATCH_FORWARD_MACS 32e6
#define BATCH_BACKWARD_MACS 8e6

/* Images per chunk that `ws_size` bytes hold for a pass batched below
 * `max_macs` per image; 1 means the unbatched path (no scratch; 1x1 reads x in
 * place). */
static size_t chunk_images(const clnn_conv_geom *g, cl_mem ws, size_t ws_size,
                           double max_macs)
{
    if (!ws || image_macs(g) >= max_macs) return 1;
    size_t nb = ws_size / batch_image_bytes(g);
    return nb < 2 ? 1 : CLNN_MIN(nb, g->n);
}

/* Largest recommended workspace: chunks past ~64 MB gain nothing measurable
 * and stop fitting the caches. */
#define BATCH_WORKSPACE_CAP ((size_t)64 << 20)

/* A matrix operand at a byte offset with the per-image stride in elements. */
typedef struct mat {
    cl_mem buf;
    size_t off, stride;
} mat;

/* For each image i < nb and group: C_g[i] = op(A_g) * B_g[i] (beta 0); `a_step`,
 * `b_step`, `c_step` are each operand's per-group offsets in elements. One GEMM per
 * image: on PoCL CLBlast's strided-batched kernel was slower than looping over the
 * plain GEMM (18 vs 20 GFLOPS for 64 x 3136 x 576). */
static clnn_status grouped_gemm(clnn_context_t ctx, clnn_transpose ta, size_t m, size_t n,
                                size_t k, size_t groups, mat a, size_t lda, size_t a_step,
                                mat b, size_t b_step, mat c, size_t c_step, size_t nb)
{
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 0; i < nb && st == CLNN_SUCCESS; i++)
        for (size_t gi = 0; gi < groups && st == CLNN_SUCCESS; gi++)
            st = clnn_gemm(ctx, ta, CLNN_NO_TRANS, m, n, k, 1.0f, a.buf,
                           a.off + gi * a_step * 4, lda, b.buf,
                           b.off + (i * b.stride + gi * b_step) * 4, n, 0.0f, c.buf,
                           c.off + (i * c.stride + gi * c_step) * 4, n);
    return st;
}

static const clnn_conv_operand no_operand = {NULL, 0};

/* im2col of images [n0, n0 + nb) of x into the workspace ([C * taps, nb * OHW]). */
static clnn_status im2col(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x, size_t xo,
                          size_t n0, size_t nb, cl_mem ws)
{
    gemm_shape s = shape_of(g);
    clnn_conv_operand in = {x, xo + n0 * s.x_image * 4}, out = {ws, 0};
    return clnn_conv_launch(ctx, g, "im2col", in, out, no_operand, nb,
                            nb * g->c * g->kh * g->kw * g->oh); /* one output row each */
}

/* Moves nb images of Y-shaped data between NCHW at (buf, off) and the chunk's
 * [K, nb * OHW] scratch (kernel "batch": NCHW -> scratch, "unbatch": back). */
static clnn_status permute(clnn_context_t ctx, const clnn_conv_geom *g, const char *name,
                           cl_mem buf, size_t off, size_t nb, cl_mem ws, size_t scratch)
{
    clnn_conv_operand nchw = {buf, off}, chunk = {ws, scratch};
    bool to_chunk = name[0] == 'b';
    size_t chunks = (g->oh * g->ow + 15) / 16; /* the kernels move 16 floats per item */
    return clnn_conv_launch(ctx, g, name, to_chunk ? nchw : chunk, to_chunk ? chunk : nchw,
                            no_operand, nb, nb * g->k * chunks);
}

/* One batched chunk of the forward pass. */
static clnn_status forward_chunk(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                 size_t xo, cl_mem w, size_t wo, cl_mem y, size_t yo,
                                 cl_mem ws, size_t n0, size_t nb)
{
    gemm_shape s = shape_of(g);
    size_t ld = nb * s.ohw, scratch = nb * s.col_image * 4;
    clnn_status st = im2col(ctx, g, x, xo, n0, nb, ws);
    for (size_t gi = 0; gi < s.groups && st == CLNN_SUCCESS; gi++)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, s.kg, ld, s.ct, 1.0f, w,
                       wo + gi * s.kg * s.ct * 4, s.ct, ws, gi * s.ct * ld * 4, ld, 0.0f, ws,
                       scratch + gi * s.kg * ld * 4, ld);
    return st == CLNN_SUCCESS
               ? permute(ctx, g, "unbatch", y, yo + n0 * s.y_image * 4, nb, ws, scratch)
               : st;
}

clnn_status clnn_conv_gemm_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                   size_t xo, cl_mem w, size_t wo, cl_mem y, size_t yo,
                                   cl_mem ws, size_t ws_size)
{
    gemm_shape s = shape_of(g);
    size_t step = chunk_images(g, ws, ws_size, BATCH_FORWARD_MACS);
    clnn_status st = CLNN_SUCCESS;
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t nb = CLNN_MIN(step, g->n - n0);
        if (step > 1) {
            st = forward_chunk(ctx, g, x, xo, w, wo, y, yo, ws, n0, nb);
            continue;
        }
        /* One image: its columns (x itself for 1x1) straight into y. */
        mat col = {ws, 0, 0}, wm = {w, wo, 0}, ym = {y, yo + n0 * s.y_image * 4, 0};
        if (is_1x1(g))
            col = (mat){x, xo + n0 * s.x_image * 4, 0};
        else
            st = im2col(ctx, g, x, xo, n0, 1, ws);
        if (st == CLNN_SUCCESS)
            st = grouped_gemm(ctx, CLNN_NO_TRANS, s.kg, s.ohw, s.ct, s.groups, wm, s.ct,
                              s.kg * s.ct, col, s.ct * s.ohw, ym, s.kg * s.ohw, 1);
    }
    return st;
}

clnn_status clnn_conv_gemm_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                         cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                         cl_mem dx, size_t dxo, cl_mem ws, size_t ws_size)
{
    gemm_shape s = shape_of(g);
    size_t step = chunk_images(g, ws, ws_size, BATCH_BACKWARD_MACS);
    bool batched = step > 1;
    clnn_status st = CLNN_SUCCESS;
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t nb = CLNN_MIN(step, g->n - n0), ld = nb * s.ohw;
        size_t dx_off = dxo + n0 * s.x_image * 4, dy_off = dyo + n0 * s.y_image * 4;
        /* dY of the chunk as [K, ld]: the scratch, or dy itself for one image. */
        mat dym = {dy, dy_off, 0};
        if (batched) {
            dym = (mat){ws, nb * s.col_image * 4, 0};
            st = permute(ctx, g, "batch", dy, dy_off, nb, ws, dym.off);
        }
        /* 1x1 unbatched: the columns are dx itself. */
        mat col = is_1x1(g) && !batched ? (mat){dx, dx_off, 0} : (mat){ws, 0, 0};
        mat wm = {w, wo, 0};
        if (st == CLNN_SUCCESS)
            st = grouped_gemm(ctx, CLNN_TRANS, s.ct, ld, s.kg, s.groups, wm, s.ct,
                              s.kg * s.ct, dym, s.kg * ld, col, s.ct * ld, 1);
        if (st == CLNN_SUCCESS && col.buf == ws) {
            clnn_conv_operand in = {ws, 0}, out = {dx, dx_off};
            st = clnn_conv_launch(ctx, g, "col2im", in, out, no_operand, nb,
                                  nb * g->c * g->h); /* one input row each */
        }
    }
    return st;
}

clnn_status clnn_conv_gemm_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                            cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                            cl_mem dw, size_t dwo, cl_mem ws, size_t ws_size)
{
    gemm_shape s = shape_of(g);
    size_t step = chunk_images(g, ws, ws_size, BATCH_BACKWARD_MACS);
    bool batched = step > 1;
    clnn_status st = CLNN_SUCCESS;
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t nb = CLNN_MIN(step, g->n - n0), ld = nb * s.ohw;
        size_t dy_off = dyo + n0 * s.y_image * 4;
        mat col = {ws, 0, 0}, dym = {dy, dy_off, 0};
        if (is_1x1(g) && !batched)
            col = (mat){x, xo + n0 * s.x_image * 4, 0};
        else
            st = im2col(ctx, g, x, xo, n0, nb, ws);
        if (batched && st == CLNN_SUCCESS) {
            dym = (mat){ws, nb * s.col_image * 4, 0};
            st = permute(ctx, g, "batch", dy, dy_off, nb, ws, dym.off);
        }
        /* dW_g = sum over chunks of dY_g * col_g^T: beta 1 after the first. */
        float beta = n0 == 0 ? 0.0f : 1.0f;
        for (size_t gi = 0; gi < s.groups && st == CLNN_SUCCESS; gi++)
            st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, s.kg, s.ct, ld, 1.0f, dym.buf,
                           dym.off + gi * s.kg * ld * 4, ld, col.buf,
                           col.off + gi * s.ct * ld * 4, ld, beta, dw,
                           dwo + gi * s.kg * s.ct * 4, s.ct);
    }
    return st;
}

/* WINOGRAD uses the GEMM path for backward data when a pad exceeds 2. */
static bool gemm_backward(const clnn_conv_geom *g)
{
    return g->algo != CLNN_CONV_ALGO_WINOGRAD || !clnn_conv_winograd_has_backward_data(g);
}

/* One image's columns for im2col; WINOGRAD's own scratch and, if its backward
 * data runs on the GEMM path, the larger of that and the columns. */
size_t clnn_conv_workspace_min(const clnn_conv_geom *g)
{
    if (g->algo != CLNN_CONV_ALGO_IM2COL_GEMM && g->algo != CLNN_CONV_ALGO_WINOGRAD) return 0;
    size_t columns = gemm_backward(g) ? shape_of(g).col_image * sizeof(float) : 0;
    return g->algo == CLNN_CONV_ALGO_WINOGRAD
               ? CLNN_MAX(columns, clnn_conv_winograd_workspace_min(g))
               : columns;
}

/* What the GEMM path's batching wants (backward data for WINOGRAD, pads > 2). */
static size_t gemm_recommended(const clnn_conv_geom *g)
{
    if (g->n < 2 || image_macs(g) >= BATCH_FORWARD_MACS) return clnn_conv_workspace_min(g);
    size_t per_image = batch_image_bytes(g);
    size_t nb = CLNN_MIN(g->n, BATCH_WORKSPACE_CAP / per_image);
    return CLNN_MAX(nb < 2 ? 0 : nb * per_image, clnn_conv_workspace_min(g));
}

size_t clnn_conv_workspace_recommended(clnn_context_t ctx, const clnn_conv_geom *g)
{
    (void)ctx;
    if (g->algo == CLNN_CONV_ALGO_DIRECT) return 0;
    size_t gemm = gemm_backward(g) ? gemm_recommended(g) : 0;
    return g->algo == CLNN_CONV_ALGO_WINOGRAD
               ? CLNN_MAX(gemm, clnn_conv_winograd_workspace_recommended(g))
               : gemm;
}
