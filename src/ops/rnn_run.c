/* Recurrent layers: the enqueue sequences of one layer (kernels in cl/rnn.cl).
 * Forward: one GEMM projects every time step's input for all directions, then
 * per step one recurrent GEMM and one cell kernel, or on CPUs one fused kernel
 * doing both (plan_forward). Backward: per step one fused kernel and one
 * recurrent GEMM, then the weight gradients as GEMMs over all steps. The stack
 * around it is in rnn_stack.c. */
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

clnn_status clnn_rnn_kernel_tiled(clnn_context_t ctx, const clnn_rnn_geom *g, const char *name,
                                  int cvw, int nb, cl_kernel *k)
{
    char options[128];
    int act = g->rnn->mode == CLNN_RNN_SIMPLE ? (int)g->rnn->activation : -1;
    unsigned vec = cvw > 1 ? (unsigned)cvw : ctx->vector_width;
    int n = snprintf(options, sizeof options, "-DVEC=%u -DCELL=%d -DG=%zu -DLBR=%d", vec,
                     (int)g->rnn->mode, g->G, g->rnn->linear_before_reset);
    if (act >= 0) n += snprintf(options + n, sizeof options - (size_t)n, " -DACT=%d", act);
    if (nb > 0) snprintf(options + n, sizeof options - (size_t)n, " -DCVW=%d -DNB=%d", cvw, nb);
    return clnn_kernel_get(ctx, "rnn.cl", options, name, k);
}

clnn_status clnn_rnn_kernel(clnn_context_t ctx, const clnn_rnn_geom *g, const char *name,
                            cl_kernel *k)
{
    return clnn_rnn_kernel_tiled(ctx, g, name, 1, 0, k);
}

/* The running state of direction d from h0 / c0 (or zeros). */
static clnn_status init_state(clnn_context_t ctx, const clnn_rnn_geom *g, cl_kernel k,
                              clnn_rnn_buf src, size_t d, clnn_rnn_buf dst,
                              clnn_rnn_strides dss)
{
    cl_int N = (cl_int)g->N, H = (cl_int)g->H;
    cl_ulong src_off = src.off + d * g->ss.d, dst_off = dst.off + d * dss.d;
    clnn_status st = clnn_set_args(k, CLNN_ARG(N), CLNN_ARG(H), CLNN_ARG(src.mem),
                                   CLNN_ARG(src_off), CLNN_ARG(g->ss.n), CLNN_ARG(src.has),
                                   CLNN_ARG(dst.mem), CLNN_ARG(dst_off), CLNN_ARG(dss.n));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, g->N * g->H) : st;
}

/* Sets the step index s (argument 6 of every step kernel). */
static clnn_status set_step(cl_kernel k, cl_int s)
{
    cl_int err = clSetKernelArg(k, 6, sizeof s, &s);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "clSetKernelArg");
}

/* Runs `k` for step s over N*H work-items. */
static clnn_status step(clnn_context_t ctx, const clnn_rnn_geom *g, cl_kernel k, cl_int s)
{
    clnn_status st = set_step(k, s);
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, g->N * g->H) : st;
}

/* The running states: in y_h / y_c when given (their final values are the
 * outputs), else in the workspace. */
typedef struct run_state {
    clnn_rnn_buf h, c;
    clnn_rnn_strides hst, cst;
} run_state;

/* Sets the forward arguments of direction d on k (step index left for step()). */
static clnn_status forward_args(const clnn_rnn_geom *g, const clnn_rnn_layer *lay, cl_kernel k,
                                size_t d, int has_lens, cl_mem ws, const clnn_rnn_layout *l,
                                const run_state *rs_, cl_mem reserve)
{
    const clnn_rnn_buf *o = lay->o;
    cl_ulong lens_off = l->lens, xw_off = l->xw + d * g->GH, xw_ld = g->D * g->GH;
    cl_ulong hr_off = l->hr, tmp_off = l->tmp, b_off = o[RF_B].off + d * 2 * g->GH;
    cl_ulong p_off = o[RF_P].off + d * 3 * g->H, hs_off = rs_->h.off + d * rs_->hst.d;
    cl_ulong cs_off = rs_->c.off + d * rs_->cst.d, y_off = o[RF_Y].off + d * lay->ys.d;
    cl_ulong rs_off = lay->rs + d * g->T * g->N * g->S, rt_off = l->rt + d * g->H * g->GH;
    cl_ulong ping_off = l->ping;
    cl_int T = (cl_int)g->T, N = (cl_int)g->N, H = (cl_int)g->H;
    cl_int s = 0, rev = d == 1 || g->rnn->direction == CLNN_RNN_REVERSE, has_rs = reserve != NULL;
    cl_mem rs = reserve ? reserve : ws;
    return clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(lens_off), CLNN_ARG(has_lens), CLNN_ARG(T),
                         CLNN_ARG(N), CLNN_ARG(H), CLNN_ARG(s), CLNN_ARG(rev),
                         CLNN_ARG(g->x_ts), CLNN_ARG(g->x_ns), CLNN_ARG(ws),
                         CLNN_ARG(xw_off), CLNN_ARG(xw_ld), CLNN_ARG(ws), CLNN_ARG(hr_off),
                         CLNN_ARG(o[RF_B].mem), CLNN_ARG(b_off), CLNN_ARG(o[RF_B].has),
                         CLNN_ARG(o[RF_P].mem), CLNN_ARG(p_off), CLNN_ARG(o[RF_P].has),
                         CLNN_ARG(rs_->h.mem), CLNN_ARG(hs_off), CLNN_ARG(rs_->hst.n),
                         CLNN_ARG(rs_->c.mem), CLNN_ARG(cs_off), CLNN_ARG(rs_->cst.n),
                         CLNN_ARG(o[RF_Y].mem), CLNN_ARG(y_off), CLNN_ARG(lay->ys.t),
                         CLNN_ARG(lay->ys.n), CLNN_ARG(o[RF_Y].has), CLNN_ARG(rs),
                         CLNN_ARG(rs_off), CLNN_ARG(has_rs), CLNN_ARG(g->rnn->clip),
                         CLNN_ARG(ws), CLNN_ARG(tmp_off), CLNN_ARG(ws), CLNN_ARG(rt_off),
                         CLNN_ARG(ws), CLNN_ARG(ping_off));
}

/* hr[:, col0 .. col0 + cols) = state [N, H] (rows lda apart) x R_d[row0 .. row0 + cols)^T. */
static clnn_status recurrent_gemm(clnn_context_t ctx, const clnn_rnn_geom *g, cl_mem a,
                                  size_t a_el, size_t lda, clnn_rnn_buf r, size_t d,
                                  size_t row0, size_t cols, cl_mem c, size_t c_el)
{
    size_t r_el = r.off + (d * g->GH + row0) * g->H;
    return clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, g->N, cols, g->H, 1.0f, a, a_el * 4, lda,
                     r.mem, r_el * 4, g->H, 0.0f, c, c_el * 4, g->GH);
}

static run_state state_of(const clnn_rnn_geom *g, const clnn_rnn_layer *lay,
                          const clnn_rnn_layout *l)
{
    clnn_rnn_strides own = {g->N * g->H, 0, g->H};
    run_state r = {lay->o[RF_YH], lay->o[RF_YC], g->ss, g->ss};
    if (!r.h.has) {
        r.h.off = l->hs;
        r.hst = own;
    }
    if (!r.c.has) {
        r.c.off = l->cs;
        r.cst = own;
    }
    return r;
}

/* The forward kernels: per-element ones after recurrent GEMMs (nb 0), or, where
 * local memory is emulated (CPUs), the fused ones of cl/rnn.cl, each work-item
 * owning cvw units of nb entries: GEMMs of N rows are far from CLBlast's good
 * shapes there, and one launch per step instead of two halves the overhead. */
typedef struct fwd_plan {
    int cvw, nb;
    size_t items; /* work-items of a fused launch */
    cl_kernel step, reset, init, transpose;
} fwd_plan;

/* Measured on PoCL (AVX-512, LSTM H 256, N 32): 8 entries per work-item beat
 * 4 by ~8 % and 2 by ~20 %; the local size (4 to 64) hardly matters. */
enum { FUSED_LOCAL = 8, FUSED_ACC_FLOATS = 512 };

static clnn_status plan_forward(clnn_context_t ctx, const clnn_rnn_geom *g, fwd_plan *p)
{
    bool fused = !ctx->info.local_mem_is_real;
    *p = (fwd_plan){1, 0, 0, NULL, NULL, NULL, NULL};
    if (fused) {
        /* The widest vector that divides H; up to 8 entries, fewer when the
         * accumulators (nb x G vectors) would pass FUSED_ACC_FLOATS. */
        size_t w = ctx->vector_width, nb;
        while (w > 1 && g->H % w) w /= 2;
        nb = FUSED_ACC_FLOATS / (g->G * w);
        nb = nb < 1 ? 1 : nb > 8 ? 8 : nb;
        nb = nb > g->N ? g->N : nb;
        p->cvw = (int)w;
        p->nb = (int)nb;
        p->items = g->H / w * ((g->N + nb - 1) / nb);
    }
    clnn_status st = clnn_rnn_kernel_tiled(ctx, g, fused ? "rnn_fused_step" : "rnn_forward_step",
                                           p->cvw, p->nb, &p->step);
    if (st == CLNN_SUCCESS && g->gru_split)
        st = clnn_rnn_kernel_tiled(ctx, g, fused ? "gru_fused_reset" : "gru_reset_step", p->cvw,
                                   p->nb, &p->reset);
    if (st == CLNN_SUCCESS)
        st = clnn_rnn_kernel_tiled(ctx, g, "rnn_state_init", p->cvw, p->nb, &p->init);
    if (st == CLNN_SUCCESS && fused)
        st = clnn_rnn_kernel_tiled(ctx, g, "rnn_transpose_r", p->cvw, p->nb, &p->transpose);
    return st;
}

/* Runs fused kernel `k` for step s. */
static clnn_status fused_step(clnn_context_t ctx, const fwd_plan *p, cl_kernel k, cl_int s)
{
    size_t local = FUSED_LOCAL, global = (p->items + local - 1) / local * local;
    clnn_status st = set_step(k, s);
    return st == CLNN_SUCCESS ? clnn_enqueue_nd(ctx, k, 1, &global, &local) : st;
}

/* rt = every direction's R transposed ([D, H, G*H]), once per call. */
static clnn_status transpose_r(clnn_context_t ctx, const clnn_rnn_geom *g, const fwd_plan *p,
                               clnn_rnn_buf r, cl_mem ws, const clnn_rnn_layout *l)
{
    cl_ulong rt_off = l->rt;
    cl_int D = (cl_int)g->D, H = (cl_int)g->H;
    clnn_status st = clnn_set_args(p->transpose, CLNN_ARG(r.mem), CLNN_ARG(r.off), CLNN_ARG(ws),
                                   CLNN_ARG(rt_off), CLNN_ARG(D), CLNN_ARG(H));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, p->transpose, g->D * g->GH * g->H) : st;
}

/* Step s of direction d. */
static clnn_status forward_step(clnn_context_t ctx, const clnn_rnn_geom *g, const fwd_plan *p,
                                const clnn_rnn_layer *lay, size_t d, cl_mem ws,
                                const clnn_rnn_layout *l, const run_state *rs, size_t s)
{
    const clnn_rnn_buf *o = lay->o;
    clnn_status st = CLNN_SUCCESS;
    if (p->nb) {
        if (p->reset) st = fused_step(ctx, p, p->reset, (cl_int)s);
        return st == CLNN_SUCCESS ? fused_step(ctx, p, p->step, (cl_int)s) : st;
    }
    size_t h_el = rs->h.off + d * rs->hst.d, lda = rs->hst.n;
    if (p->reset) {
        /* z and r first; then h~ needs (r.h) Rh^T. */
        st = recurrent_gemm(ctx, g, rs->h.mem, h_el, lda, o[RF_R], d, 0, 2 * g->H, ws, l->hr);
        if (st == CLNN_SUCCESS) st = step(ctx, g, p->reset, (cl_int)s);
        if (st == CLNN_SUCCESS)
            st = recurrent_gemm(ctx, g, ws, l->tmp, g->H, o[RF_R], d, 2 * g->H, g->H, ws,
                                l->hr + 2 * g->H);
    } else {
        st = recurrent_gemm(ctx, g, rs->h.mem, h_el, lda, o[RF_R], d, 0, g->GH, ws, l->hr);
    }
    return st == CLNN_SUCCESS ? step(ctx, g, p->step, (cl_int)s) : st;
}

clnn_status clnn_rnn_layer_forward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                   const clnn_rnn_layer *lay, int has_lens, cl_mem ws,
                                   cl_mem reserve)
{
    clnn_rnn_layout l;
    clnn_rnn_layout_make(g, &l);
    const clnn_rnn_buf *o = lay->o;
    fwd_plan p;
    clnn_status st = plan_forward(ctx, g, &p);
    /* XW [rows, D*G*H] = X [rows, I] x W^T for every direction at once. */
    if (st == CLNN_SUCCESS)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, g->T * g->N, g->D * g->GH, lay->I, 1.0f,
                       o[RF_X].mem, o[RF_X].off * 4, lay->I, o[RF_W].mem, o[RF_W].off * 4,
                       lay->I, 0.0f, ws, l.xw * 4, g->D * g->GH);
    if (st == CLNN_SUCCESS && p.nb) st = transpose_r(ctx, g, &p, o[RF_R], ws, &l);
    run_state rs = state_of(g, lay, &l);
    clnn_rnn_buf ping = {ws, l.ping, 1};
    clnn_rnn_strides ping_st = {0, 0, g->H};
    for (size_t d = 0; st == CLNN_SUCCESS && d < g->D; d++) {
        st = init_state(ctx, g, p.init, o[RF_H0], d, rs.h, rs.hst);
        /* The fused kernels read h_{t-1} from the ping-pong pair's first half. */
        if (st == CLNN_SUCCESS && p.nb) st = init_state(ctx, g, p.init, o[RF_H0], d, ping, ping_st);
        if (st == CLNN_SUCCESS && g->rnn->mode == CLNN_RNN_LSTM)
            st = init_state(ctx, g, p.init, o[RF_C0], d, rs.c, rs.cst);
        if (st == CLNN_SUCCESS)
            st = forward_args(g, lay, p.step, d, has_lens, ws, &l, &rs, reserve);
        if (st == CLNN_SUCCESS && p.reset)
            st = forward_args(g, lay, p.reset, d, has_lens, ws, &l, &rs, reserve);
        for (size_t s = 0; st == CLNN_SUCCESS && s < g->T; s++)
            st = forward_step(ctx, g, &p, lay, d, ws, &l, &rs, s);
    }
    return st;
}

/* ------------------------------------------------------------------ backward */

static clnn_status backward_args(const clnn_rnn_geom *g, const clnn_rnn_layer *lay,
                                 cl_kernel k, size_t d, int has_lens, cl_mem ws,
                                 const clnn_rnn_layout *l, cl_mem reserve)
{
    const clnn_rnn_buf *o = lay->o;
    cl_ulong lens_off = l->lens, rs_off = lay->rs + d * g->T * g->N * g->S;
    cl_ulong p_off = o[RB_P].off + d * 3 * g->H, dy_off = o[RB_DY].off + d * lay->ys.d;
    cl_ulong dhy_off = o[RB_DYH].off + d * g->ss.d, dcy_off = o[RB_DYC].off + d * g->ss.d;
    cl_ulong rec_off = l->rec, dcs_off = l->dcs, dgw_off = l->dgw + d * g->GH;
    cl_ulong dg_ld = g->D * g->GH, dgr_off = (g->separate_dgr ? l->dgr : l->dgw) + d * g->GH;
    cl_ulong dgs_off = l->dgs, tmp_off = l->btmp;
    cl_int T = (cl_int)g->T, N = (cl_int)g->N, H = (cl_int)g->H;
    cl_int s = 0, rev = d == 1 || g->rnn->direction == CLNN_RNN_REVERSE;
    return clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(lens_off), CLNN_ARG(has_lens), CLNN_ARG(T),
                         CLNN_ARG(N), CLNN_ARG(H), CLNN_ARG(s), CLNN_ARG(rev),
                         CLNN_ARG(g->x_ts), CLNN_ARG(g->x_ns), CLNN_ARG(reserve),
                         CLNN_ARG(rs_off), CLNN_ARG(o[RB_P].mem), CLNN_ARG(p_off),
                         CLNN_ARG(o[RB_P].has), CLNN_ARG(o[RB_DY].mem), CLNN_ARG(dy_off),
                         CLNN_ARG(lay->ys.t), CLNN_ARG(lay->ys.n), CLNN_ARG(o[RB_DY].has),
                         CLNN_ARG(o[RB_DYH].mem), CLNN_ARG(dhy_off), CLNN_ARG(o[RB_DYH].has),
                         CLNN_ARG(o[RB_DYC].mem), CLNN_ARG(dcy_off), CLNN_ARG(o[RB_DYC].has),
                         CLNN_ARG(g->ss.n), CLNN_ARG(ws), CLNN_ARG(rec_off), CLNN_ARG(ws),
                         CLNN_ARG(dcs_off), CLNN_ARG(ws), CLNN_ARG(dgw_off), CLNN_ARG(dg_ld),
                         CLNN_ARG(ws), CLNN_ARG(dgr_off), CLNN_ARG(ws), CLNN_ARG(dgs_off),
                         CLNN_ARG(ws), CLNN_ARG(tmp_off), CLNN_ARG(g->rnn->clip));
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
static clnn_status backward_direction(clnn_context_t ctx, const clnn_rnn_geom *g,
                                      const clnn_rnn_layer *lay, size_t d, int has_lens,
                                      cl_mem ws, const clnn_rnn_layout *l, cl_mem reserve,
                                      cl_kernel k, cl_kernel k_h, cl_kernel k_state)
{
    const clnn_rnn_buf *o = lay->o;
    clnn_status st = backward_args(g, lay, k, d, has_lens, ws, l, reserve);
    if (st == CLNN_SUCCESS && k_h) st = backward_args(g, lay, k_h, d, has_lens, ws, l, reserve);
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
    cl_ulong dhy_off = o[RB_DYH].off + d * g->ss.d, dcy_off = o[RB_DYC].off + d * g->ss.d;
    cl_ulong dh0_off = o[RB_DH0].off + d * g->ss.d, dc0_off = o[RB_DC0].off + d * g->ss.d;
    cl_int N = (cl_int)g->N, Hi = (cl_int)H;
    st = clnn_set_args(k_state, CLNN_ARG(ws), CLNN_ARG(lens_off), CLNN_ARG(has_lens),
                       CLNN_ARG(N), CLNN_ARG(Hi), CLNN_ARG(g->ss.n), CLNN_ARG(ws),
                       CLNN_ARG(rec_off), CLNN_ARG(ws),
                       CLNN_ARG(dcs_off), CLNN_ARG(o[RB_DYH].mem), CLNN_ARG(dhy_off),
                       CLNN_ARG(o[RB_DYH].has), CLNN_ARG(o[RB_DYC].mem), CLNN_ARG(dcy_off),
                       CLNN_ARG(o[RB_DYC].has), CLNN_ARG(o[RB_DH0].mem), CLNN_ARG(dh0_off),
                       CLNN_ARG(o[RB_DH0].has), CLNN_ARG(o[RB_DC0].mem), CLNN_ARG(dc0_off),
                       CLNN_ARG(o[RB_DC0].has));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k_state, nh) : st;
}

/* dX, dW, dR as GEMMs over every (t, n) row; dB and dP by column sums. */
static clnn_status weight_grads(clnn_context_t ctx, const clnn_rnn_geom *g,
                                const clnn_rnn_layer *lay, cl_mem ws, const clnn_rnn_layout *l,
                                cl_mem reserve)
{
    const clnn_rnn_buf *o = lay->o;
    size_t tn = g->T * g->N, dgh = g->D * g->GH, H = g->H, I = lay->I;
    clnn_status st = CLNN_SUCCESS;
    if (o[RB_DX].has)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, tn, I, dgh, 1.0f, ws, l->dgw * 4,
                       dgh, o[RB_W].mem, o[RB_W].off * 4, I, 0.0f, o[RB_DX].mem,
                       o[RB_DX].off * 4, I);
    if (st == CLNN_SUCCESS && o[RB_DW].has)
        st = clnn_gemm(ctx, CLNN_TRANS, CLNN_NO_TRANS, dgh, I, tn, 1.0f, ws, l->dgw * 4, dgh,
                       o[RB_X].mem, o[RB_X].off * 4, I, 0.0f, o[RB_DW].mem,
                       o[RB_DW].off * 4, I);
    size_t rows_h = g->gru_split ? 2 * H : g->GH, dgr = g->separate_dgr ? l->dgr : l->dgw;
    for (size_t d = 0; st == CLNN_SUCCESS && o[RB_DR].has && d < g->D; d++) {
        size_t rs_el = lay->rs + d * tn * g->S, dr_el = o[RB_DR].off + d * g->GH * H;
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
    cl_ulong rows = tn, dgw_off = l->dgw, dgr_off = dgr, rs_off = lay->rs;
    cl_int D = (cl_int)g->D, Hi = (cl_int)H;
    if (st == CLNN_SUCCESS && o[RB_DB].has) {
        st = clnn_rnn_kernel(ctx, g, "rnn_bias_grad", &k);
        if (st == CLNN_SUCCESS)
            st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(dgw_off), CLNN_ARG(ws),
                               CLNN_ARG(dgr_off), CLNN_ARG(rows), CLNN_ARG(D), CLNN_ARG(Hi),
                               CLNN_ARG(o[RB_DB].mem), CLNN_ARG(o[RB_DB].off));
        if (st == CLNN_SUCCESS) st = clnn_enqueue_1d(ctx, k, 2 * dgh);
    }
    if (st == CLNN_SUCCESS && o[RB_DP].has) {
        st = clnn_rnn_kernel(ctx, g, "rnn_peephole_grad", &k);
        if (st == CLNN_SUCCESS)
            st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(dgw_off), CLNN_ARG(reserve),
                               CLNN_ARG(rs_off), CLNN_ARG(rows), CLNN_ARG(D), CLNN_ARG(Hi),
                               CLNN_ARG(o[RB_DP].mem), CLNN_ARG(o[RB_DP].off));
        if (st == CLNN_SUCCESS) st = clnn_enqueue_1d(ctx, k, g->D * 3 * H);
    }
    return st;
}

clnn_status clnn_rnn_layer_backward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                    const clnn_rnn_layer *lay, int has_lens, cl_mem ws,
                                    cl_mem reserve)
{
    clnn_rnn_layout l;
    clnn_rnn_layout_make(g, &l);
    cl_kernel k, k_h = NULL, k_state;
    clnn_status st = clnn_rnn_kernel(ctx, g, "rnn_backward_step", &k);
    if (st == CLNN_SUCCESS && g->gru_split) st = clnn_rnn_kernel(ctx, g, "gru_backward_h", &k_h);
    if (st == CLNN_SUCCESS) st = clnn_rnn_kernel(ctx, g, "rnn_state_grad", &k_state);
    for (size_t d = 0; st == CLNN_SUCCESS && d < g->D; d++)
        st = backward_direction(ctx, g, lay, d, has_lens, ws, &l, reserve, k, k_h, k_state);
    return st == CLNN_SUCCESS ? weight_grads(ctx, g, lay, ws, &l, reserve) : st;
}
