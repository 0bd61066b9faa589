/* Recurrent layers: the enqueue sequences (kernels in cl/rnn.cl). Forward: one
 * GEMM projects every time step's input for all directions, then per step one
 * recurrent GEMM and one fused cell kernel. Backward: per step one fused kernel
 * and one recurrent GEMM, then the weight gradients as GEMMs over all steps. */
#include "rnn.h"
#include "../core/program.h"

#include <stdio.h>

clnn_rnn_buf clnn_rnn_buf_of(const clnn_rnn_tensor *t, cl_mem fallback)
{
    clnn_rnn_buf b = {fallback, 0, 0};
    if (t) {
        b.mem = t->mem;
        b.off = t->offset / 4;
        b.has = 1;
    }
    return b;
}

static clnn_status get_kernel(clnn_context_t ctx, const clnn_rnn_geom *g, const char *name,
                              cl_kernel *k)
{
    char options[96];
    int act = g->rnn->mode == CLNN_RNN_SIMPLE ? (int)g->rnn->activation : -1;
    int n = snprintf(options, sizeof options, "-DVEC=%u -DCELL=%d -DG=%zu -DLBR=%d",
                     ctx->vector_width, (int)g->rnn->mode, g->G, g->rnn->linear_before_reset);
    if (act >= 0) snprintf(options + n, sizeof options - (size_t)n, " -DACT=%d", act);
    return clnn_kernel_get(ctx, "rnn.cl", options, name, k);
}

/* Blocking copy of the host lengths into the workspace (before the time loop). */
static clnn_status upload_lens(clnn_context_t ctx, const clnn_rnn_geom *g, const int32_t *lens,
                               cl_mem ws)
{
    if (!lens) return CLNN_SUCCESS;
    cl_int err = clEnqueueWriteBuffer(ctx->queue, ws, CL_TRUE, 0, g->N * sizeof(int32_t), lens,
                                      0, NULL, NULL);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "clEnqueueWriteBuffer (seq_lens)");
}

/* dst[0 .. n) = src[0 .. n) (byte offsets), or zeros when src is absent. */
static clnn_status init_state(clnn_context_t ctx, clnn_rnn_buf src, size_t src_el,
                              cl_mem dst, size_t dst_el, size_t n)
{
    cl_int err;
    if (src.has) {
        err = clEnqueueCopyBuffer(ctx->queue, src.mem, dst, (src.off + src_el) * 4, dst_el * 4,
                                  n * 4, 0, NULL, NULL);
    } else {
        const float zero = 0.0f;
        err = clEnqueueFillBuffer(ctx->queue, dst, &zero, sizeof zero, dst_el * 4, n * 4, 0,
                                  NULL, NULL);
    }
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "rnn initial state");
}

/* Runs `k` for step s (argument 6) over N*H work-items. */
static clnn_status step(clnn_context_t ctx, const clnn_rnn_geom *g, cl_kernel k, cl_int s)
{
    cl_int err = clSetKernelArg(k, 6, sizeof s, &s);
    if (err != CL_SUCCESS) return clnn_fail_cl(err, "clSetKernelArg");
    return clnn_enqueue_1d(ctx, k, g->N * g->H);
}

/* Sets the forward arguments of direction d on k (step index left for step()). */
static clnn_status forward_args(clnn_context_t ctx, const clnn_rnn_geom *g, cl_kernel k,
                                size_t d, const int32_t *lens, cl_mem ws,
                                const clnn_rnn_layout *l, clnn_rnn_buf b, clnn_rnn_buf p,
                                clnn_rnn_buf hs, clnn_rnn_buf cs, clnn_rnn_buf y,
                                cl_mem reserve)
{
    cl_ulong lens_off = l->lens, xw_off = l->xw + d * g->GH, xw_ld = g->D * g->GH;
    cl_ulong hr_off = l->hr, tmp_off = l->tmp, b_off = b.off + d * 2 * g->GH;
    cl_ulong p_off = p.off + d * 3 * g->H, hs_off = hs.off + d * g->N * g->H;
    cl_ulong cs_off = cs.off + d * g->N * g->H, y_off = y.off + d * g->N * g->H;
    cl_ulong y_ts = g->D * g->N * g->H, rs_off = d * g->T * g->N * g->S;
    cl_int has_lens = lens != NULL, T = (cl_int)g->T, N = (cl_int)g->N, H = (cl_int)g->H;
    cl_int s = 0, rev = d == 1 || g->rnn->direction == CLNN_RNN_REVERSE, has_rs = reserve != NULL;
    cl_mem rs = reserve ? reserve : ws;
    (void)ctx;
    return clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(lens_off), CLNN_ARG(has_lens), CLNN_ARG(T),
                         CLNN_ARG(N), CLNN_ARG(H), CLNN_ARG(s), CLNN_ARG(rev), CLNN_ARG(ws),
                         CLNN_ARG(xw_off), CLNN_ARG(xw_ld), CLNN_ARG(ws), CLNN_ARG(hr_off),
                         CLNN_ARG(b.mem), CLNN_ARG(b_off), CLNN_ARG(b.has), CLNN_ARG(p.mem),
                         CLNN_ARG(p_off), CLNN_ARG(p.has), CLNN_ARG(hs.mem), CLNN_ARG(hs_off),
                         CLNN_ARG(cs.mem), CLNN_ARG(cs_off), CLNN_ARG(y.mem), CLNN_ARG(y_off),
                         CLNN_ARG(y_ts), CLNN_ARG(y.has), CLNN_ARG(rs), CLNN_ARG(rs_off),
                         CLNN_ARG(has_rs), CLNN_ARG(g->rnn->clip), CLNN_ARG(ws),
                         CLNN_ARG(tmp_off));
}

/* hr[:, col0 .. col0 + cols) = state [N, rows_in] x R_d[row0 .. row0 + cols)^T. */
static clnn_status recurrent_gemm(clnn_context_t ctx, const clnn_rnn_geom *g, cl_mem a,
                                  size_t a_el, clnn_rnn_buf r, size_t d, size_t row0,
                                  size_t cols, cl_mem c, size_t c_el)
{
    size_t r_el = r.off + (d * g->GH + row0) * g->H;
    return clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, g->N, cols, g->H, 1.0f, a, a_el * 4, g->H,
                     r.mem, r_el * 4, g->H, 0.0f, c, c_el * 4, g->GH);
}

clnn_status clnn_rnn_run_forward(clnn_context_t ctx, const clnn_rnn_geom *g, int training,
                                 const int32_t *seq_lens, const clnn_rnn_tensor *x,
                                 const clnn_rnn_tensor *w, const clnn_rnn_tensor *r,
                                 const clnn_rnn_tensor *b, const clnn_rnn_tensor *p,
                                 const clnn_rnn_tensor *h0, const clnn_rnn_tensor *c0,
                                 const clnn_rnn_tensor *y, const clnn_rnn_tensor *y_h,
                                 const clnn_rnn_tensor *y_c, cl_mem ws, cl_mem reserve)
{
    clnn_rnn_layout l;
    clnn_rnn_layout_make(g, &l);
    cl_kernel k, k_reset = NULL;
    clnn_status st = get_kernel(ctx, g, "rnn_forward_step", &k);
    if (st == CLNN_SUCCESS && g->gru_split) st = get_kernel(ctx, g, "gru_reset_step", &k_reset);
    if (st == CLNN_SUCCESS) st = upload_lens(ctx, g, seq_lens, ws);
    /* XW [T*N, D*G*H] = X [T*N, I] x W^T for every direction at once. */
    if (st == CLNN_SUCCESS)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, g->T * g->N, g->D * g->GH, g->I, 1.0f,
                       x->mem, x->offset, g->I, w->mem, w->offset, g->I, 0.0f, ws, l.xw * 4,
                       g->D * g->GH);
    clnn_rnn_buf bb = clnn_rnn_buf_of(b, ws), pb = clnn_rnn_buf_of(p, ws);
    clnn_rnn_buf yb = clnn_rnn_buf_of(y, ws), rb = clnn_rnn_buf_of(r, ws);
    /* The running states live in y_h / y_c when given (their final values are the
     * outputs), else in the workspace. */
    clnn_rnn_buf hs = clnn_rnn_buf_of(y_h, ws), cs = clnn_rnn_buf_of(y_c, ws);
    if (!hs.has) hs.off = l.hs;
    if (!cs.has) cs.off = l.cs;
    size_t nh = g->N * g->H;
    (void)training;
    for (size_t d = 0; st == CLNN_SUCCESS && d < g->D; d++) {
        st = init_state(ctx, clnn_rnn_buf_of(h0, ws), d * nh, hs.mem, hs.off + d * nh, nh);
        if (st == CLNN_SUCCESS && g->rnn->mode == CLNN_RNN_LSTM)
            st = init_state(ctx, clnn_rnn_buf_of(c0, ws), d * nh, cs.mem, cs.off + d * nh, nh);
        if (st == CLNN_SUCCESS)
            st = forward_args(ctx, g, k, d, seq_lens, ws, &l, bb, pb, hs, cs, yb, reserve);
        if (st == CLNN_SUCCESS && k_reset)
            st = forward_args(ctx, g, k_reset, d, seq_lens, ws, &l, bb, pb, hs, cs, yb, reserve);
        size_t h_el = hs.off + d * nh;
        for (size_t s = 0; st == CLNN_SUCCESS && s < g->T; s++) {
            if (k_reset) {
                /* z and r first; then h~ needs (r.h) Rh^T. */
                st = recurrent_gemm(ctx, g, hs.mem, h_el, rb, d, 0, 2 * g->H, ws, l.hr);
                if (st == CLNN_SUCCESS) st = step(ctx, g, k_reset, (cl_int)s);
                if (st == CLNN_SUCCESS)
                    st = recurrent_gemm(ctx, g, ws, l.tmp, rb, d, 2 * g->H, g->H, ws,
                                        l.hr + 2 * g->H);
            } else {
                st = recurrent_gemm(ctx, g, hs.mem, h_el, rb, d, 0, g->GH, ws, l.hr);
            }
            if (st == CLNN_SUCCESS) st = step(ctx, g, k, (cl_int)s);
        }
    }
    return st;
}

/* ------------------------------------------------------------------ backward */

static clnn_status backward_args(const clnn_rnn_geom *g, cl_kernel k, size_t d,
                                 const int32_t *lens, cl_mem ws, const clnn_rnn_layout *l,
                                 const clnn_rnn_buf *o, cl_mem reserve)
{
    size_t nh = g->N * g->H;
    cl_ulong lens_off = l->lens, rs_off = d * g->T * g->N * g->S, p_off = o[RB_P].off + d * 3 * g->H;
    cl_ulong dy_off = o[RB_DY].off + d * nh, dy_ts = g->D * nh;
    cl_ulong dhy_off = o[RB_DYH].off + d * nh, dcy_off = o[RB_DYC].off + d * nh;
    cl_ulong rec_off = l->rec, dcs_off = l->dcs, dgw_off = l->dgw + d * g->GH;
    cl_ulong dg_ld = g->D * g->GH, dgr_off = (g->separate_dgr ? l->dgr : l->dgw) + d * g->GH;
    cl_ulong dgs_off = l->dgs, tmp_off = l->btmp;
    cl_int has_lens = lens != NULL, T = (cl_int)g->T, N = (cl_int)g->N, H = (cl_int)g->H;
    cl_int s = 0, rev = d == 1 || g->rnn->direction == CLNN_RNN_REVERSE;
    return clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(lens_off), CLNN_ARG(has_lens), CLNN_ARG(T),
                         CLNN_ARG(N), CLNN_ARG(H), CLNN_ARG(s), CLNN_ARG(rev),
                         CLNN_ARG(reserve), CLNN_ARG(rs_off), CLNN_ARG(o[RB_P].mem),
                         CLNN_ARG(p_off), CLNN_ARG(o[RB_P].has), CLNN_ARG(o[RB_DY].mem),
                         CLNN_ARG(dy_off), CLNN_ARG(dy_ts), CLNN_ARG(o[RB_DY].has),
                         CLNN_ARG(o[RB_DYH].mem), CLNN_ARG(dhy_off), CLNN_ARG(o[RB_DYH].has),
                         CLNN_ARG(o[RB_DYC].mem), CLNN_ARG(dcy_off), CLNN_ARG(o[RB_DYC].has),
                         CLNN_ARG(ws), CLNN_ARG(rec_off), CLNN_ARG(ws), CLNN_ARG(dcs_off),
                         CLNN_ARG(ws), CLNN_ARG(dgw_off), CLNN_ARG(dg_ld), CLNN_ARG(ws),
                         CLNN_ARG(dgr_off), CLNN_ARG(ws), CLNN_ARG(dgs_off), CLNN_ARG(ws),
                         CLNN_ARG(tmp_off), CLNN_ARG(g->rnn->clip));
}

/* c [N, H] (+)= dG_step[:, col0 .. col0 + cols) x R_d[col0 .. col0 + cols). */
static clnn_status carry_gemm(clnn_context_t ctx, const clnn_rnn_geom *g, const clnn_rnn_layout *l,
                              cl_mem ws, clnn_rnn_buf r, size_t d, size_t col0, size_t cols,
                              float beta, size_t c_el)
{
    size_t r_el = r.off + (d * g->GH + col0) * g->H;
    return clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, g->N, g->H, cols, 1.0f, ws,
                     (l->dgs + col0) * 4, g->GH, r.mem, r_el * 4, g->H, beta, ws, c_el * 4,
                     g->H);
}

/* The time loop of direction d, then the initial-state gradients. */
static clnn_status backward_direction(clnn_context_t ctx, const clnn_rnn_geom *g, size_t d,
                                      const int32_t *lens, cl_mem ws, const clnn_rnn_layout *l,
                                      const clnn_rnn_buf *o, cl_mem reserve, cl_kernel k,
                                      cl_kernel k_h, cl_kernel k_state)
{
    clnn_status st = backward_args(g, k, d, lens, ws, l, o, reserve);
    if (st == CLNN_SUCCESS && k_h) st = backward_args(g, k_h, d, lens, ws, l, o, reserve);
    size_t H = g->H, nh = g->N * H;
    for (size_t s = g->T; st == CLNN_SUCCESS && s-- > 0;) {
        if (k_h) {
            /* GRU lbr=0: dh~ first, its product with Rh feeds the r gate. */
            st = step(ctx, g, k_h, (cl_int)s);
            if (st == CLNN_SUCCESS)
                st = carry_gemm(ctx, g, l, ws, o[RB_R], d, 2 * H, H, 0.0f, l->btmp + nh);
            if (st == CLNN_SUCCESS) st = step(ctx, g, k, (cl_int)s);
            if (st == CLNN_SUCCESS)
                st = carry_gemm(ctx, g, l, ws, o[RB_R], d, 0, 2 * H, 1.0f, l->rec);
        } else {
            st = step(ctx, g, k, (cl_int)s);
            /* GRU lbr=1 wrote its direct term dh.z into rec first. */
            if (st == CLNN_SUCCESS)
                st = carry_gemm(ctx, g, l, ws, o[RB_R], d, 0, g->GH,
                                g->separate_dgr ? 1.0f : 0.0f, l->rec);
        }
    }
    if (st != CLNN_SUCCESS || (!o[RB_DH0].has && !o[RB_DC0].has)) return st;
    cl_ulong lens_off = l->lens, rec_off = l->rec, dcs_off = l->dcs;
    cl_ulong dhy_off = o[RB_DYH].off + d * nh, dcy_off = o[RB_DYC].off + d * nh;
    cl_ulong dh0_off = o[RB_DH0].off + d * nh, dc0_off = o[RB_DC0].off + d * nh;
    cl_int has_lens = lens != NULL, N = (cl_int)g->N, Hi = (cl_int)H;
    st = clnn_set_args(k_state, CLNN_ARG(ws), CLNN_ARG(lens_off), CLNN_ARG(has_lens),
                       CLNN_ARG(N), CLNN_ARG(Hi), CLNN_ARG(ws), CLNN_ARG(rec_off), CLNN_ARG(ws),
                       CLNN_ARG(dcs_off), CLNN_ARG(o[RB_DYH].mem), CLNN_ARG(dhy_off),
                       CLNN_ARG(o[RB_DYH].has), CLNN_ARG(o[RB_DYC].mem), CLNN_ARG(dcy_off),
                       CLNN_ARG(o[RB_DYC].has), CLNN_ARG(o[RB_DH0].mem), CLNN_ARG(dh0_off),
                       CLNN_ARG(o[RB_DH0].has), CLNN_ARG(o[RB_DC0].mem), CLNN_ARG(dc0_off),
                       CLNN_ARG(o[RB_DC0].has));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k_state, nh) : st;
}

/* dX, dW, dR as GEMMs over every (t, n) row; dB and dP by column sums. */
static clnn_status weight_grads(clnn_context_t ctx, const clnn_rnn_geom *g, cl_mem ws,
                                const clnn_rnn_layout *l, const clnn_rnn_buf *o, cl_mem reserve)
{
    size_t tn = g->T * g->N, dgh = g->D * g->GH, H = g->H;
    clnn_status st = CLNN_SUCCESS;
    if (o[RB_DX].has)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, tn, g->I, dgh, 1.0f, ws, l->dgw * 4,
                       dgh, o[RB_W].mem, o[RB_W].off * 4, g->I, 0.0f, o[RB_DX].mem,
                       o[RB_DX].off * 4, g->I);
    if (st == CLNN_SUCCESS && o[RB_DW].has)
        st = clnn_gemm(ctx, CLNN_TRANS, CLNN_NO_TRANS, dgh, g->I, tn, 1.0f, ws, l->dgw * 4, dgh,
                       o[RB_X].mem, o[RB_X].off * 4, g->I, 0.0f, o[RB_DW].mem,
                       o[RB_DW].off * 4, g->I);
    size_t rows_h = g->gru_split ? 2 * H : g->GH, dgr = g->separate_dgr ? l->dgr : l->dgw;
    for (size_t d = 0; st == CLNN_SUCCESS && o[RB_DR].has && d < g->D; d++) {
        size_t rs_el = d * tn * g->S, dr_el = o[RB_DR].off + d * g->GH * H;
        /* dR_d = dG_R^T [G*H, T*N] x h_{t-1} [T*N, H] (reserve column G*H). */
        st = clnn_gemm(ctx, CLNN_TRANS, CLNN_NO_TRANS, rows_h, H, tn, 1.0f, ws,
                       (dgr + d * g->GH) * 4, dgh, reserve, (rs_el + g->GH) * 4, g->S, 0.0f,
                       o[RB_DR].mem, dr_el * 4, H);
        /* GRU lbr=0: Rh saw r.h_{t-1} (reserve column 4H). */
        if (st == CLNN_SUCCESS && g->gru_split)
            st = clnn_gemm(ctx, CLNN_TRANS, CLNN_NO_TRANS, H, H, tn, 1.0f, ws,
                           (dgr + d * g->GH + 2 * H) * 4, dgh, reserve, (rs_el + 4 * H) * 4,
                           g->S, 0.0f, o[RB_DR].mem, (dr_el + 2 * H * H) * 4, H);
    }
    cl_kernel k;
    cl_ulong rows = tn, dgw_off = l->dgw, dgr_off = dgr, rs_off = 0;
    cl_int D = (cl_int)g->D, Hi = (cl_int)H;
    if (st == CLNN_SUCCESS && o[RB_DB].has) {
        st = get_kernel(ctx, g, "rnn_bias_grad", &k);
        if (st == CLNN_SUCCESS)
            st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(dgw_off), CLNN_ARG(ws),
                               CLNN_ARG(dgr_off), CLNN_ARG(rows), CLNN_ARG(D), CLNN_ARG(Hi),
                               CLNN_ARG(o[RB_DB].mem), CLNN_ARG(o[RB_DB].off));
        if (st == CLNN_SUCCESS) st = clnn_enqueue_1d(ctx, k, 2 * dgh);
    }
    if (st == CLNN_SUCCESS && o[RB_DP].has) {
        st = get_kernel(ctx, g, "rnn_peephole_grad", &k);
        if (st == CLNN_SUCCESS)
            st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(dgw_off), CLNN_ARG(reserve),
                               CLNN_ARG(rs_off), CLNN_ARG(rows), CLNN_ARG(D), CLNN_ARG(Hi),
                               CLNN_ARG(o[RB_DP].mem), CLNN_ARG(o[RB_DP].off));
        if (st == CLNN_SUCCESS) st = clnn_enqueue_1d(ctx, k, g->D * 3 * H);
    }
    return st;
}

clnn_status clnn_rnn_run_backward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                  const int32_t *seq_lens,
                                  const clnn_rnn_tensor *const *ops, cl_mem ws,
                                  cl_mem reserve)
{
    clnn_rnn_layout l;
    clnn_rnn_layout_make(g, &l);
    clnn_rnn_buf o[RB_COUNT];
    for (int i = 0; i < RB_COUNT; i++) o[i] = clnn_rnn_buf_of(ops[i], ws);
    cl_kernel k, k_h = NULL, k_state;
    clnn_status st = get_kernel(ctx, g, "rnn_backward_step", &k);
    if (st == CLNN_SUCCESS && g->gru_split) st = get_kernel(ctx, g, "gru_backward_h", &k_h);
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, g, "rnn_state_grad", &k_state);
    if (st == CLNN_SUCCESS) st = upload_lens(ctx, g, seq_lens, ws);
    for (size_t d = 0; st == CLNN_SUCCESS && d < g->D; d++)
        st = backward_direction(ctx, g, d, seq_lens, ws, &l, o, reserve, k, k_h, k_state);
    return st == CLNN_SUCCESS ? weight_grads(ctx, g, ws, &l, o, reserve) : st;
}
