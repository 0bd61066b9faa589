/* The GEMM paths of convolution: im2col + GEMM (any geometry) and the 1x1 case,
 * where an image already is its column matrix (C x H*W) and im2col is skipped.
 * Per image and group g (Kg = K/groups, CT = C/groups * kH * kW):
 *   forward          Y_g (Kg x OHW)  = W_g (Kg x CT) * col_g (CT x OHW)
 *   backward data    col_g           = W_g^T * dY_g, then col2im gathers into dx
 *   backward weights dW_g (Kg x CT) += dY_g * col_g^T over the batch
 * im2col unrolls one image at a time into the workspace. */
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

/* Images per im2col chunk: one. Measured on PoCL (3x3, 64->64, 56x56): columns of
 * one image (7 MB) stay in cache for the GEMM that reads them, 42 GFLOPS; two
 * images 33, eight 29. The 1x1 path reads x in place, all images at once. */
static size_t chunk_images(const clnn_conv_geom *g)
{
    return is_1x1(g) ? g->n : 1;
}

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

/* Columns of images [n0, n0 + nb) of x: the workspace, or x itself for 1x1. */
static clnn_status columns(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x, size_t xo,
                           size_t n0, size_t nb, cl_mem ws, mat *col)
{
    gemm_shape s = shape_of(g);
    if (is_1x1(g)) {
        *col = (mat){x, xo + n0 * s.x_image * 4, s.x_image};
        return CLNN_SUCCESS;
    }
    *col = (mat){ws, 0, s.col_image};
    clnn_conv_operand in = {x, xo + n0 * s.x_image * 4}, out = {ws, 0}, none = {NULL, 0};
    return clnn_conv_launch(ctx, g, "im2col", in, out, none, nb,
                            nb * g->c * g->kh * g->kw * g->oh); /* one output row each */
}

clnn_status clnn_conv_gemm_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                   size_t xo, cl_mem w, size_t wo, cl_mem y, size_t yo,
                                   cl_mem ws)
{
    gemm_shape s = shape_of(g);
    size_t step = chunk_images(g);
    clnn_status st = CLNN_SUCCESS;
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t nb = CLNN_MIN(step, g->n - n0);
        mat col, wm = {w, wo, 0}, ym = {y, yo + n0 * s.y_image * 4, s.y_image};
        st = columns(ctx, g, x, xo, n0, nb, ws, &col);
        if (st == CLNN_SUCCESS)
            st = grouped_gemm(ctx, CLNN_NO_TRANS, s.kg, s.ohw, s.ct, s.groups, wm, s.ct,
                              s.kg * s.ct, col, s.ct * s.ohw, ym, s.kg * s.ohw, nb);
    }
    return st;
}

clnn_status clnn_conv_gemm_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                         cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                         cl_mem dx, size_t dxo, cl_mem ws)
{
    gemm_shape s = shape_of(g);
    size_t step = chunk_images(g);
    clnn_status st = CLNN_SUCCESS;
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t nb = CLNN_MIN(step, g->n - n0);
        size_t dx_off = dxo + n0 * s.x_image * 4;
        /* 1x1: the columns are dx itself. */
        mat col = is_1x1(g) ? (mat){dx, dx_off, s.x_image} : (mat){ws, 0, s.col_image};
        mat wm = {w, wo, 0}, dym = {dy, dyo + n0 * s.y_image * 4, s.y_image};
        st = grouped_gemm(ctx, CLNN_TRANS, s.ct, s.ohw, s.kg, s.groups, wm, s.ct,
                          s.kg * s.ct, dym, s.kg * s.ohw, col, s.ct * s.ohw, nb);
        if (st == CLNN_SUCCESS && !is_1x1(g)) {
            clnn_conv_operand in = {ws, 0}, out = {dx, dx_off}, none = {NULL, 0};
            st = clnn_conv_launch(ctx, g, "col2im", in, out, none, nb,
                                  nb * g->c * g->h); /* one input row each */
        }
    }
    return st;
}

clnn_status clnn_conv_gemm_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                            cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                            cl_mem dw, size_t dwo, cl_mem ws)
{
    gemm_shape s = shape_of(g);
    size_t step = chunk_images(g);
    clnn_status st = CLNN_SUCCESS;
    for (size_t n0 = 0; n0 < g->n && st == CLNN_SUCCESS; n0 += step) {
        size_t nb = CLNN_MIN(step, g->n - n0);
        mat col;
        st = columns(ctx, g, x, xo, n0, nb, ws, &col);
        /* dW_g = sum over images of dY_g * col_g^T: beta 1 after the first image. */
        for (size_t i = 0; i < nb && st == CLNN_SUCCESS; i++) {
            float beta = n0 + i == 0 ? 0.0f : 1.0f;
            for (size_t gi = 0; gi < s.groups && st == CLNN_SUCCESS; gi++) {
                size_t a_off = dyo + ((n0 + i) * s.y_image + gi * s.kg * s.ohw) * 4;
                size_t b_off = col.off + (i * col.stride + gi * s.ct * s.ohw) * 4;
                st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, s.kg, s.ct, s.ohw, 1.0f, dy,
                               a_off, s.ohw, col.buf, b_off, s.ohw, beta, dw,
                               dwo + gi * s.kg * s.ct * 4, s.ct);
            }
        }
    }
    return st;
}

size_t clnn_conv_workspace_min(const clnn_conv_geom *g)
{
    if (g->algo != CLNN_CONV_ALGO_IM2COL_GEMM) return 0;
    return shape_of(g).col_image * sizeof(float);
}

size_t clnn_conv_workspace_recommended(clnn_context_t ctx, const clnn_conv_geom *g)
{
    (void)ctx; /* one image's columns is also the fastest choice (see chunk_images) */
    return clnn_conv_workspace_min(g);
}
