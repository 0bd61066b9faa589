/* Multi-head attention (Keras MultiHeadAttention) composed from public ops:
 * clnn_dense_* for the projections, clnn_transpose_forward for the head split and
 * merge, clnn_attention_* for the heads, clnn_gemm for the input gradients. */
#include "mha_internal.h"
#include "../core/check.h"

#include <clnn/dense.h>
#include <clnn/gemm.h>
#include <clnn/tensor_ops.h>

static const int to_heads[4] = {0, 2, 1, 3}; /* [N, T, H, d] <-> [N, H, T, d] */

/* Per projection i: its sequence length, head dim and head-layout region. */
static size_t proj_T(const mha_shape *s, int i) { return i == CLNN_MHA_Q ? s->Tq : s->Tk; }
static size_t proj_d(const mha_shape *s, int i) { return i == CLNN_MHA_V ? s->vd : s->kd; }
static size_t proj_region(const mha_shape *s, int i)
{
    return i == CLNN_MHA_Q ? s->qh : i == CLNN_MHA_K ? s->kh : s->vh;
}

/* [N, T, H, d] and [N, H, T, d] are the same layout when T or H is 1. */
static int same_layout(const mha_shape *s, size_t T) { return T == 1 || s->H == 1; }

/* rows [N, T, H*d] at `roff` <-> heads [N, H, T, d] at `hoff`, both in ws; nothing
 * to do when they are the same region (callers pick it for same_layout). */
static clnn_status move_heads(clnn_context_t ctx, const mha_shape *s, size_t T, size_t d, cl_mem ws,
                              size_t roff, size_t hoff, int to_head_layout)
{
    clnn_tensor_desc rows = mha_desc(s->N, T, s->H, d), heads = mha_desc(s->N, s->H, T, d);
    if (roff == hoff) return CLNN_SUCCESS;
    if (to_head_layout)
        return clnn_transpose_forward(ctx, to_heads, &rows, ws, roff, &heads, ws, hoff);
    return clnn_transpose_forward(ctx, to_heads, &heads, ws, hoff, &rows, ws, roff);
}

/* The weight and bias descriptors of projection i. */
static void weight_descs(const mha_shape *s, int i, clnn_tensor_desc *wd, clnn_tensor_desc *bd)
{
    size_t in = i == CLNN_MHA_O ? s->H * s->vd : s->E;
    size_t out = i == CLNN_MHA_O ? s->E : s->H * proj_d(s, i);
    *wd = mha_desc(in, out, 0, 0);
    *bd = mha_desc(out, 0, 0, 0);
}

clnn_status clnn_mha_forward(clnn_context_t ctx, const clnn_mha_desc *mha,
                             const clnn_tensor_desc *query_desc, cl_mem query, size_t query_offset,
                             const clnn_tensor_desc *key_desc, cl_mem key, size_t key_offset,
                             const clnn_tensor_desc *value_desc, cl_mem value, size_t value_offset,
                             const clnn_mha_weights *weights, const clnn_tensor_desc *mask_desc,
                             cl_mem mask, size_t mask_offset,
                             const clnn_tensor_desc *key_padding_desc, cl_mem key_padding,
                             size_t key_padding_offset, const clnn_tensor_desc *y_desc, cl_mem y,
                             size_t y_offset, cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_mha_forward";
    const clnn_tensor_desc *descs[3] = {query_desc, key_desc, value_desc};
    const cl_mem in[3] = {query, key, value};
    const size_t offs[3] = {query_offset, key_offset, value_offset};
    mha_shape s;
    clnn_status st =
        mha_check(ctx, fn, mha, descs, in, offs, weights, mask_desc, mask, mask_offset,
                  key_padding_desc, key_padding, key_padding_offset, workspace, workspace_size, &s);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y", NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(query_desc, y_desc, fn, "query", "y");
    if (st != CLNN_SUCCESS) return st;
    clnn_tensor_desc wd, bd;
    /* project into the row scratch, then split the heads into their region */
    for (int i = 0; i < 3 && st == CLNN_SUCCESS; i++) {
        size_t T = proj_T(&s, i), d = proj_d(&s, i);
        clnn_tensor_desc rows = mha_desc(s.N, T, s.H * d, 0);
        size_t roff = same_layout(&s, T) ? proj_region(&s, i) : s.rows;
        weight_descs(&s, i, &wd, &bd);
        st = clnn_dense_forward(ctx, NULL, descs[i], in[i], offs[i], &wd, weights->w[i],
                                weights->w_offset[i], weights->b[i] ? &bd : NULL, weights->b[i],
                                weights->b_offset[i], &rows, workspace, roff);
        if (st == CLNN_SUCCESS)
            st = move_heads(ctx, &s, T, d, workspace, roff, proj_region(&s, i), 1);
    }
    clnn_tensor_desc qd = mha_desc(s.N, s.H, s.Tq, s.kd), kd = mha_desc(s.N, s.H, s.Tk, s.kd),
                     vd = mha_desc(s.N, s.H, s.Tk, s.vd), od = mha_desc(s.N, s.H, s.Tq, s.vd);
    /* the attention workspace is the region at offset 0 */
    size_t o_at = same_layout(&s, s.Tq) ? s.merged : s.heads;
    /* the unfused heads keep P, which has the masks in it: clnn_mha_backward has
     * no masks to give a fused backward */
    clnn_attention_desc attn = mha->attn;
    attn.algo = CLNN_ATTENTION_UNFUSED;
    if (st == CLNN_SUCCESS)
        st = clnn_attention_forward(ctx, &attn, &qd, workspace, s.qh, &kd, workspace, s.kh,
                                    &vd, workspace, s.vh, mask_desc, mask, mask_offset,
                                    key_padding_desc, key_padding, key_padding_offset, &od,
                                    workspace, o_at, workspace, s.qh);
    if (st == CLNN_SUCCESS) st = move_heads(ctx, &s, s.Tq, s.vd, workspace, s.merged, o_at, 0);
    clnn_tensor_desc merged = mha_desc(s.N, s.Tq, s.H * s.vd, 0);
    weight_descs(&s, CLNN_MHA_O, &wd, &bd);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_forward(ctx, NULL, &merged, workspace, s.merged, &wd,
                                weights->w[CLNN_MHA_O], weights->w_offset[CLNN_MHA_O],
                                weights->b[CLNN_MHA_O] ? &bd : NULL, weights->b[CLNN_MHA_O],
                                weights->b_offset[CLNN_MHA_O], y_desc, y, y_offset);
    return st;
}

/* dW, db of projection i from its input `x` and the row-layout gradient at `roff`;
 * then dx = rows W^T, accumulated (beta 1) when `accumulate`. */
static clnn_status proj_backward(clnn_context_t ctx, const mha_shape *s, int i,
                                 const clnn_tensor_desc *xd, cl_mem x, size_t xoff,
                                 const clnn_mha_weights *w, const clnn_mha_weights *g, cl_mem ws,
                                 size_t roff, cl_mem dx, size_t dxoff, int accumulate)
{
    clnn_tensor_desc wd, bd;
    weight_descs(s, i, &wd, &bd);
    size_t in = (size_t)wd.dims[0], out = (size_t)wd.dims[1];
    clnn_tensor_desc rows = mha_desc(s->N, (size_t)xd->dims[1], out, 0);
    clnn_status st =
        clnn_dense_backward_weights(ctx, xd, x, xoff, &rows, ws, roff, &wd, g->w[i], g->w_offset[i],
                                    g->b[i] ? &bd : NULL, g->b[i], g->b_offset[i]);
    if (st != CLNN_SUCCESS || !dx) return st;
    return clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, s->N * (size_t)xd->dims[1], in, out, 1.0f, ws,
                     roff, out, w->w[i], w->w_offset[i], out, accumulate ? 1.0f : 0.0f, dx, dxoff,
                     in);
}

clnn_status clnn_mha_backward(clnn_context_t ctx, const clnn_mha_desc *mha,
                              const clnn_tensor_desc *query_desc, cl_mem query, size_t query_offset,
                              const clnn_tensor_desc *key_desc, cl_mem key, size_t key_offset,
                              const clnn_tensor_desc *value_desc, cl_mem value, size_t value_offset,
                              const clnn_mha_weights *weights, const clnn_tensor_desc *dy_desc,
                              cl_mem dy, size_t dy_offset, cl_mem dquery, size_t dquery_offset,
                              cl_mem dkey, size_t dkey_offset, cl_mem dvalue, size_t dvalue_offset,
                              const clnn_mha_weights *grads, cl_mem workspace,
                              size_t workspace_size)
{
    static const char fn[] = "clnn_mha_backward";
    const clnn_tensor_desc *descs[3] = {query_desc, key_desc, value_desc};
    const cl_mem in[3] = {query, key, value}, dx[3] = {dquery, dkey, dvalue};
    const size_t offs[3] = {query_offset, key_offset, value_offset},
                 dxoff[3] = {dquery_offset, dkey_offset, dvalue_offset};
    mha_shape s;
    clnn_status st = mha_check(ctx, fn, mha, descs, in, offs, weights, NULL, NULL, 0, NULL, NULL, 0,
                               workspace, workspace_size, &s);
    if (st == CLNN_SUCCESS)
        st = mha_check_grads(ctx, fn, &s, dy_desc, dy, dy_offset, dx, dxoff, grads);
    if (st != CLNN_SUCCESS) return st;
    /* output projection: dWo, dbo, then d(merged) into the row scratch */
    clnn_tensor_desc merged = mha_desc(s.N, s.Tq, s.H * s.vd, 0), wd, bd;
    weight_descs(&s, CLNN_MHA_O, &wd, &bd);
    st = clnn_dense_backward_weights(ctx, &merged, workspace, s.merged, dy_desc, dy, dy_offset, &wd,
                                     grads->w[CLNN_MHA_O], grads->w_offset[CLNN_MHA_O],
                                     grads->b[CLNN_MHA_O] ? &bd : NULL, grads->b[CLNN_MHA_O],
                                     grads->b_offset[CLNN_MHA_O]);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_backward_data(ctx, dy_desc, dy, dy_offset, &wd, weights->w[CLNN_MHA_O],
                                      weights->w_offset[CLNN_MHA_O], &merged, workspace, s.rows);
    /* head-layout scratch: dO, then dQ, dK, dV */
    size_t f = sizeof(float), NH = s.N * s.H;
    size_t d_o = same_layout(&s, s.Tq) ? s.rows : s.heads, dh[3];
    dh[0] = s.heads + NH * s.Tq * s.vd * f;
    dh[1] = dh[0] + NH * s.Tq * s.kd * f;
    dh[2] = dh[1] + NH * s.Tk * s.kd * f;
    if (st == CLNN_SUCCESS) st = move_heads(ctx, &s, s.Tq, s.vd, workspace, s.rows, d_o, 1);
    clnn_tensor_desc qd = mha_desc(s.N, s.H, s.Tq, s.kd), kd = mha_desc(s.N, s.H, s.Tk, s.kd),
                     vd = mha_desc(s.N, s.H, s.Tk, s.vd), od = mha_desc(s.N, s.H, s.Tq, s.vd);
    clnn_attention_desc attn = mha->attn; /* as in the forward */
    attn.algo = CLNN_ATTENTION_UNFUSED;
    if (st == CLNN_SUCCESS)
        st = clnn_attention_backward(ctx, &attn, &qd, workspace, s.qh, &kd, workspace, s.kh,
                                     &vd, workspace, s.vh, NULL, NULL, 0, NULL, NULL, 0, &od,
                                     workspace, d_o, &qd, workspace, dh[0], &kd, workspace, dh[1],
                                     &vd, workspace, dh[2], workspace, s.qh);
    /* each input projection: back to rows, weight gradients, input gradient */
    for (int i = 0; i < 3 && st == CLNN_SUCCESS; i++) {
        int accumulate = 0;
        for (int j = 0; j < i; j++) accumulate |= dx[j] && dx[j] == dx[i] && dxoff[j] == dxoff[i];
        size_t roff = same_layout(&s, proj_T(&s, i)) ? dh[i] : s.rows;
        st = move_heads(ctx, &s, proj_T(&s, i), proj_d(&s, i), workspace, roff, dh[i], 0);
        if (st == CLNN_SUCCESS)
            st = proj_backward(ctx, &s, i, descs[i], in[i], offs[i], weights, grads, workspace,
                               roff, dx[i], dxoff[i], accumulate);
    }
    return st;
}
