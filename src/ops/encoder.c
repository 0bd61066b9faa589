/* The transformer encoder block (clnn/mha.h), composed from clnn_mha_*,
 * clnn_dropout_*, clnn_binary, clnn_layernorm_*, clnn_dense_*, clnn_activation_*
 * and clnn_gemm. */
#include "mha_internal.h"
#include "../core/check.h"

#include <clnn/dense.h>
#include <clnn/dropout.h>
#include <clnn/elementwise.h>
#include <clnn/gemm.h>
#include <clnn/layernorm.h>

#include <stdio.h>

#define ENC_EPS 1e-6f

/* Byte offsets of the block's regions after the MHA workspace. */
typedef struct enc_layout {
    mha_shape mha;
    size_t N, T, E, F, M; /* M = N T E elements */
    size_t r1, h, mean1, inv1, fpre, g, r2, mean2, inv2, d1, d2, dg, total;
} enc_layout;

static clnn_status enc_layout_of(const char *fn, const clnn_encoder_desc *enc,
                                 const clnn_tensor_desc *xd, enc_layout *L)
{
    if (!enc) return clnn_fail(CLNN_NULL_POINTER, "%s: enc is NULL", fn);
    if (enc->d_ff < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: d_ff is %d (must be >= 1)", fn, enc->d_ff);
    if ((unsigned)enc->act.kind > CLNN_ACTIVATION_HARD_SIGMOID)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: act.kind %d is unknown", fn, (int)enc->act.kind);
    if (!(enc->dropout_ratio >= 0.0f && enc->dropout_ratio < 1.0f))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: dropout_ratio is %g (must be in [0, 1))", fn,
                         (double)enc->dropout_ratio);
    clnn_status st = mha_shape_of(fn, &enc->mha, xd, xd, &L->mha);
    if (st != CLNN_SUCCESS) return st;
    L->N = L->mha.N, L->T = L->mha.Tq, L->E = L->mha.E, L->F = (size_t)enc->d_ff;
    if ((double)L->N * (double)L->T * (double)(L->E + L->F) > 1099511627776.0 / 8)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the workspace would exceed 2^40 floats", fn);
    L->M = L->N * L->T * L->E;
    size_t M = L->M * 4, F = L->N * L->T * L->F * 4, R = L->N * L->T * 4;
    L->r1 = L->mha.total, L->h = L->r1 + M, L->mean1 = L->h + M, L->inv1 = L->mean1 + R;
    L->fpre = L->inv1 + R, L->g = L->fpre + F, L->r2 = L->g + F, L->mean2 = L->r2 + M;
    L->inv2 = L->mean2 + R, L->d1 = L->inv2 + R, L->d2 = L->d1 + M, L->dg = L->d2 + M;
    L->total = L->dg + F;
    return CLNN_SUCCESS;
}

clnn_status clnn_encoder_workspace_size(const clnn_encoder_desc *enc,
                                        const clnn_tensor_desc *x_desc, size_t *bytes)
{
    static const char fn[] = "clnn_encoder_workspace_size";
    enc_layout L;
    clnn_status st = clnn_check_desc(x_desc, CLNN_FLOAT32, fn, "x");
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) st = enc_layout_of(fn, enc, x_desc, &L);
    if (st == CLNN_SUCCESS) *bytes = L.total;
    return st;
}

/* One parameter buffer of `n` floats; optional ones may be NULL. */
static clnn_status check_param(clnn_context_t ctx, const char *fn, cl_mem b, size_t off, size_t n,
                               int optional, const char *prefix, const char *name)
{
    char full[48];
    snprintf(full, sizeof full, "%s.%s", prefix, name);
    if (!b && optional) return CLNN_SUCCESS;
    return clnn_check_buffer(ctx, b, off, n * 4, 4, fn, full);
}

/* The block's own parameters (the MHA's are checked by mha_check*). */
static clnn_status check_params(clnn_context_t ctx, const char *fn, const enc_layout *L,
                                const clnn_encoder_params *p, const char *prefix)
{
    if (!p) return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, prefix);
    size_t E = L->E, F = L->F;
    clnn_status st =
        check_param(ctx, fn, p->ln1_scale, p->ln1_scale_offset, E, 0, prefix, "ln1_scale");
    if (st == CLNN_SUCCESS)
        st = check_param(ctx, fn, p->ln1_bias, p->ln1_bias_offset, E, 0, prefix, "ln1_bias");
    if (st == CLNN_SUCCESS)
        st = check_param(ctx, fn, p->ln2_scale, p->ln2_scale_offset, E, 0, prefix, "ln2_scale");
    if (st == CLNN_SUCCESS)
        st = check_param(ctx, fn, p->ln2_bias, p->ln2_bias_offset, E, 0, prefix, "ln2_bias");
    if (st == CLNN_SUCCESS) st = check_param(ctx, fn, p->w1, p->w1_offset, E * F, 0, prefix, "w1");
    if (st == CLNN_SUCCESS) st = check_param(ctx, fn, p->b1, p->b1_offset, F, 1, prefix, "b1");
    if (st == CLNN_SUCCESS) st = check_param(ctx, fn, p->w2, p->w2_offset, E * F, 0, prefix, "w2");
    if (st == CLNN_SUCCESS) st = check_param(ctx, fn, p->b2, p->b2_offset, E, 1, prefix, "b2");
    return st;
}

/* Checks shared by forward and backward: x, parameters, mask, workspace. */
static clnn_status enc_check(clnn_context_t ctx, const char *fn, const clnn_encoder_desc *enc,
                             const clnn_tensor_desc *xd, cl_mem x, size_t xoff,
                             const clnn_encoder_params *p, const clnn_tensor_desc *kpd, cl_mem kpm,
                             size_t kpoff, cl_mem ws, size_t ws_size, enc_layout *L)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_operand(ctx, xd, CLNN_FLOAT32, x, xoff, fn, "x", NULL);
    if (st == CLNN_SUCCESS) st = enc_layout_of(fn, enc, xd, L);
    if (st == CLNN_SUCCESS) st = check_params(ctx, fn, L, p, "params");
    if (st != CLNN_SUCCESS) return st;
    if (ws && ws_size < L->total)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE,
                         "%s: workspace_size is %zu bytes, %zu needed (see "
                         "clnn_encoder_workspace_size)",
                         fn, ws_size, L->total);
    const clnn_tensor_desc *d3[3] = {xd, xd, xd};
    const cl_mem b3[3] = {x, x, x};
    const size_t o3[3] = {xoff, xoff, xoff};
    mha_shape s;
    st = mha_check(ctx, fn, &enc->mha, d3, b3, o3, &p->mha, NULL, NULL, 0, kpd, kpm, kpoff, ws,
                   ws_size, &s);
    return st == CLNN_SUCCESS ? clnn_check_buffer(ctx, ws, 0, L->total, 4, fn, "workspace") : st;
}

clnn_status clnn_encoder_forward(clnn_context_t ctx, const clnn_encoder_desc *enc,
                                 const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                 const clnn_encoder_params *params,
                                 const clnn_tensor_desc *key_padding_desc, cl_mem key_padding,
                                 size_t key_padding_offset, const clnn_tensor_desc *y_desc,
                                 cl_mem y, size_t y_offset, cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_encoder_forward";
    enc_layout L;
    clnn_status st = enc_check(ctx, fn, enc, x_desc, x, x_offset, params, key_padding_desc,
                               key_padding, key_padding_offset, workspace, workspace_size, &L);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y", NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(x_desc, y_desc, fn, "x", "y");
    if (st != CLNN_SUCCESS) return st;
    const clnn_encoder_params *p = params;
    cl_mem ws = workspace;
    float ratio = enc->dropout_ratio;
    clnn_tensor_desc md = mha_desc(L.N, L.T, L.E, 0), fd = mha_desc(L.N, L.T, L.F, 0),
                     ed = mha_desc(L.E, 0, 0, 0), sd = mha_desc(L.N, L.T, 0, 0),
                     w1d = mha_desc(L.E, L.F, 0, 0), w2d = mha_desc(L.F, L.E, 0, 0),
                     b1d = mha_desc(L.F, 0, 0, 0);
    /* r1 = x + dropout(MHA(x, x, x)); h = LN1(r1) */
    st = clnn_mha_forward(ctx, &enc->mha, x_desc, x, x_offset, x_desc, x, x_offset, x_desc, x,
                          x_offset, &p->mha, NULL, NULL, 0, key_padding_desc, key_padding,
                          key_padding_offset, &md, ws, L.r1, ws, L.mha.total);
    if (st == CLNN_SUCCESS && ratio > 0.0f)
        st = clnn_dropout_forward(ctx, ratio, 1, enc->dropout_seed, enc->dropout_offset, &md, ws,
                                  L.r1, &md, ws, L.r1, NULL, NULL, 0);
    if (st == CLNN_SUCCESS)
        st = clnn_binary(ctx, CLNN_BINARY_ADD, x_desc, x, x_offset, &md, ws, L.r1, &md, ws, L.r1);
    if (st == CLNN_SUCCESS)
        st = clnn_layernorm_forward(ctx, -1, ENC_EPS, &md, ws, L.r1, &ed, p->ln1_scale,
                                    p->ln1_scale_offset, p->ln1_bias, p->ln1_bias_offset, &md, ws,
                                    L.h, &sd, ws, L.mean1, ws, L.inv1);
    /* r2 = h + dropout(act(h W1 + b1) W2 + b2); y = LN2(r2) */
    if (st == CLNN_SUCCESS)
        st = clnn_dense_forward(ctx, NULL, &md, ws, L.h, &w1d, p->w1, p->w1_offset,
                                p->b1 ? &b1d : NULL, p->b1, p->b1_offset, &fd, ws, L.fpre);
    if (st == CLNN_SUCCESS)
        st = clnn_activation_forward(ctx, &enc->act, &fd, ws, L.fpre, &fd, ws, L.g);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_forward(ctx, NULL, &fd, ws, L.g, &w2d, p->w2, p->w2_offset,
                                p->b2 ? &ed : NULL, p->b2, p->b2_offset, &md, ws, L.r2);
    if (st == CLNN_SUCCESS && ratio > 0.0f)
        st = clnn_dropout_forward(ctx, ratio, 1, enc->dropout_seed, enc->dropout_offset + L.M, &md,
                                  ws, L.r2, &md, ws, L.r2, NULL, NULL, 0);
    if (st == CLNN_SUCCESS)
        st = clnn_binary(ctx, CLNN_BINARY_ADD, &md, ws, L.h, &md, ws, L.r2, &md, ws, L.r2);
    if (st == CLNN_SUCCESS)
        st = clnn_layernorm_forward(ctx, -1, ENC_EPS, &md, ws, L.r2, &ed, p->ln2_scale,
                                    p->ln2_scale_offset, p->ln2_bias, p->ln2_bias_offset, y_desc, y,
                                    y_offset, &sd, ws, L.mean2, ws, L.inv2);
    return st;
}

clnn_status clnn_encoder_backward(clnn_context_t ctx, const clnn_encoder_desc *enc,
                                  const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                  const clnn_encoder_params *params,
                                  const clnn_tensor_desc *key_padding_desc, cl_mem key_padding,
                                  size_t key_padding_offset, const clnn_tensor_desc *dy_desc,
                                  cl_mem dy, size_t dy_offset, cl_mem dx, size_t dx_offset,
                                  const clnn_encoder_params *grads, cl_mem workspace,
                                  size_t workspace_size)
{
    static const char fn[] = "clnn_encoder_backward";
    enc_layout L;
    clnn_status st = enc_check(ctx, fn, enc, x_desc, x, x_offset, params, key_padding_desc,
                               key_padding, key_padding_offset, workspace, workspace_size, &L);
    if (st == CLNN_SUCCESS) st = check_params(ctx, fn, &L, grads, "grads");
    if (st == CLNN_SUCCESS && !dx) st = clnn_fail(CLNN_NULL_POINTER, "%s: dx is NULL", fn);
    if (st == CLNN_SUCCESS) {
        const cl_mem d3[3] = {dx, dx, dx};
        const size_t o3[3] = {dx_offset, dx_offset, dx_offset};
        st = mha_check_grads(ctx, fn, &L.mha, dy_desc, dy, dy_offset, d3, o3, &grads->mha);
    }
    if (st != CLNN_SUCCESS) return st;
    const clnn_encoder_params *p = params, *g = grads;
    cl_mem ws = workspace;
    float ratio = enc->dropout_ratio;
    clnn_tensor_desc md = mha_desc(L.N, L.T, L.E, 0), fd = mha_desc(L.N, L.T, L.F, 0),
                     ed = mha_desc(L.E, 0, 0, 0), sd = mha_desc(L.N, L.T, 0, 0),
                     w1d = mha_desc(L.E, L.F, 0, 0), w2d = mha_desc(L.F, L.E, 0, 0),
                     b1d = mha_desc(L.F, 0, 0, 0);
    /* d1 = dr2 (also dh's residual part); d(ffn out) = dropout backward of it */
    st =
        clnn_layernorm_backward(ctx, -1, &md, ws, L.r2, dy_desc, dy, dy_offset, &ed, p->ln2_scale,
                                p->ln2_scale_offset, &sd, ws, L.mean2, ws, L.inv2, &md, ws, L.d1,
                                g->ln2_scale, g->ln2_scale_offset, g->ln2_bias, g->ln2_bias_offset);
    size_t dffn = L.d1;
    if (st == CLNN_SUCCESS && ratio > 0.0f) {
        st = clnn_dropout_backward(ctx, ratio, enc->dropout_seed, enc->dropout_offset + L.M, &md,
                                   ws, L.d1, &md, ws, L.d2);
        dffn = L.d2;
    }
    if (st == CLNN_SUCCESS)
        st = clnn_dense_backward_weights(ctx, &fd, ws, L.g, &md, ws, dffn, &w2d, g->w2,
                                         g->w2_offset, g->b2 ? &ed : NULL, g->b2, g->b2_offset);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_backward_data(ctx, &md, ws, dffn, &w2d, p->w2, p->w2_offset, &fd, ws, L.dg);
    if (st == CLNN_SUCCESS)
        st =
            clnn_activation_backward(ctx, &enc->act, &fd, ws, L.fpre, &fd, ws, L.dg, &fd, ws, L.dg);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_backward_weights(ctx, &md, ws, L.h, &fd, ws, L.dg, &w1d, g->w1,
                                         g->w1_offset, g->b1 ? &b1d : NULL, g->b1, g->b1_offset);
    /* dh = dr2 + dfpre W1^T, accumulated into d1 */
    if (st == CLNN_SUCCESS)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, L.N * L.T, L.E, L.F, 1.0f, ws, L.dg, L.F,
                       p->w1, p->w1_offset, L.F, 1.0f, ws, L.d1, L.E);
    /* d2 = dr1; the attention branch gets dropout backward of it (into d1) */
    if (st == CLNN_SUCCESS)
        st = clnn_layernorm_backward(ctx, -1, &md, ws, L.r1, &md, ws, L.d1, &ed, p->ln1_scale,
                                     p->ln1_scale_offset, &sd, ws, L.mean1, ws, L.inv1, &md, ws,
                                     L.d2, g->ln1_scale, g->ln1_scale_offset, g->ln1_bias,
                                     g->ln1_bias_offset);
    size_t da = L.d2;
    if (st == CLNN_SUCCESS && ratio > 0.0f) {
        st = clnn_dropout_backward(ctx, ratio, enc->dropout_seed, enc->dropout_offset, &md, ws,
                                   L.d2, &md, ws, L.d1);
        da = L.d1;
    }
    /* dx = MHA backward (query, key and value gradients summed) + dr1 */
    if (st == CLNN_SUCCESS)
        st = clnn_mha_backward(ctx, &enc->mha, x_desc, x, x_offset, x_desc, x, x_offset, x_desc, x,
                               x_offset, &p->mha, &md, ws, da, dx, dx_offset, dx, dx_offset, dx,
                               dx_offset, &g->mha, ws, L.mha.total);
    if (st == CLNN_SUCCESS)
        st = clnn_binary(ctx, CLNN_BINARY_ADD, &md, dx, dx_offset, &md, ws, L.d2, &md, dx,
                         dx_offset);
    return st;
}
