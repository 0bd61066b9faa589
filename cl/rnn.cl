/* Fused recurrent cells (include/clnn/rnn.h), one work-item per (batch n, unit j);
 * on CPUs the forward fuses the recurrent product too (rnn_fused_step).
 * Build options: -DCELL=0/1/2 (simple RNN, LSTM, GRU), -DG (gates), -DLBR (GRU
 * linear_before_reset), -DACT (simple RNN activation, common.clh); the fused
 * kernels exist with -DNB (entries per work-item) and -DCVW (units per one).
 *
 * Buffers (offsets in elements):
 *   rows (t, n) of xw, the reserve and the gate gradients sit at row
 *        t * x_ts + n * x_ns: x's own order, time-major (N, 1) or batch-major (1, T)
 *   xw   projected inputs X W^T, row r at r * xw_ld
 *   hr   [N, G*H] recurrent GEMM result of this step (fused: the product)
 *   rt   [H, G*H] R transposed; ping [2, N, H] h_{t-1} / h_t (fused kernels)
 *   rs   reserve record per (t, n), S floats: gates (activated) [G*H], h_{t-1} [H],
 *        then LSTM c_t, c_{t-1}; GRU lbr=1 Rh h + Rbh, lbr=0 r.h_{t-1}
 * Step s of a direction handles time t = s (reverse: len - 1 - s) of each entry;
 * entries with s >= len write zeros at time s (their padding). The running states
 * and y use explicit strides (`_ns` per batch entry, `_tstride` per time step), so
 * one kernel serves both layouts and the stack's intermediate outputs. */
#define CELL_RNN 0
#define CELL_LSTM 1
#define CELL_GRU 2
#define GH (G * H)

#if CELL == CELL_LSTM
#define S (7 * H)
#elif CELL == CELL_GRU
#define S (5 * H)
#else
#define S (2 * H)
#endif

inline float sigm(float x) { return 1.0f / (1.0f + exp(-x)); }
/* 1 where a sigmoid / tanh output is strictly inside the clip bounds' images. */
inline float keep_s(float a, float clip)
{
    return clip <= 0.0f || (a > sigm(-clip) && a < sigm(clip)) ? 1.0f : 0.0f;
}
inline float keep_t(float a, float clip)
{
    return clip <= 0.0f || fabs(a) < tanh(clip) ? 1.0f : 0.0f;
}

/* CT: the CVW consecutive units one forward work-item owns (-DCVW; 1 for the
 * per-element kernels, else built with VEC == CVW so common.clh's vector
 * activations match). */
#ifndef CVW
#define CVW 1
#endif
#if CVW == 1
#define CT float
#define CLD(p) (*(p))
#define CST(v, p) (*(p) = (v))
#define CACT act_forward
#else
#define CT VFLOAT
#define CLD(p) VLOAD(0, (p))
#define CST(v, p) VSTORE((v), 0, (p))
#define CACT act_forward_v
#endif
inline CT vsigm(CT x) { return (CT)(1.0f) / ((CT)(1.0f) + exp(-x)); }
inline CT vclip(CT x, float clip) { return clip > 0.0f ? clamp(x, -clip, clip) : x; }

/* Gate g's pre-activation: projected input + recurrent part + both biases. */
inline CT gate_pre(global const float *xwr, global const float *hrr, global const float *b,
                   int has_b, int H, int g, int j)
{
    CT v = CLD(xwr + g * H + j) + CLD(hrr + g * H + j);
    return has_b ? v + CLD(b + g * H + j) + CLD(b + GH + g * H + j) : v;
}

#define FWD_ARGS                                                                        \
    global const int *lens, ulong lens_off, int has_lens, int T, int N, int H, int s,   \
        int reverse, ulong x_ts, ulong x_ns, global const float *xw, ulong xw_off,      \
        ulong xw_ld, global float *hr, ulong hr_off, global const float *b,             \
        ulong b_off, int has_b, global const float *p, ulong p_off, int has_p,          \
        global float *hs, ulong hs_off, ulong hs_ns, global float *cs, ulong cs_off,    \
        ulong cs_ns, global float *y, ulong y_off, ulong y_tstride, ulong y_ns,         \
        int has_y, global float *rs, ulong rs_off, int has_rs, float clip,              \
        global float *tmp, ulong tmp_off, global const float *rt, ulong rt_off,         \
        global float *ping, ulong ping_off

/* Shared by the forward and backward step kernels: the work-item's entry n and
 * unit j, its sequence length, and the time t and row of step s; an entry past its
 * end runs PAD and returns. */
#define STEP_PROLOGUE(OFFSETS, PAD)                                                     \
    int idx = get_global_id(0);                                                         \
    if (idx >= N * H) return;                                                           \
    OFFSETS;                                                                         \
    int n = idx / H, j = idx - n * H;                                                   \
    int len = has_lens ? lens[lens_off + n] : T;                                                   \
    if (s >= len) {                                                                     \
        PAD;                                                                            \
        return;                                                                         \
    }                                                                                   \
    int t = reverse ? len - 1 - s : s;                                                  \
    ulong row = (ulong)t * x_ts + n * x_ns

/* Entry n past its end at step s: zeros in y and the records at time s, and in
 * tmp (the product input of GRU lbr=0's second half). */
inline void fwd_pad(int s, int n, int j, int H, ulong x_ts, ulong x_ns, global float *y,
                    ulong y_off, ulong y_tstride, ulong y_ns, int has_y, global float *rs,
                    ulong rs_off, int has_rs, global float *tmp)
{
    if (has_y) CST((CT)(0.0f), y + y_off + s * y_tstride + n * y_ns + j);
    global float *rec = rs + rs_off + ((ulong)s * x_ts + n * x_ns) * S;
    if (has_rs)
        for (int q = 0; q < S / H; q++) CST((CT)(0.0f), rec + q * H + j);
    CST((CT)(0.0f), tmp + n * H + j);
}
#define FWD_PAD_ARGS s, n, j, H, x_ts, x_ns, y, y_off, y_tstride, y_ns, has_y, rs, rs_off, has_rs, tmp

/* GRU lbr=0's first half for units j..: z and r over their recurrent parts in hrr
 * (kept there for the second half), r.h_{t-1} into tmp_el. */
inline void gru_reset(global const float *xwr, global float *hrr, global const float *b,
                      int has_b, int H, int j, CT hp, global float *tmp_el, float clip)
{
    CT z = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 0, j), clip));
    CT r = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 1, j), clip));
    CST(z, hrr + j);
    CST(r, hrr + H + j);
    CST(r * hp, tmp_el);
}

/* The cell at units j.. of one (t, n) row: xwr its projected input, hrr its
 * recurrent products (GRU lbr=0: z, r and Rh (r.h_{t-1})), c_el its running cell
 * state (LSTM, updated in place), rec its reserve record. Returns h_t. */
inline CT cell_forward(global const float *xwr, global const float *hrr,
                       global const float *b, int has_b, global const float *p, int has_p,
                       int H, int j, CT hp, global float *c_el, global float *rec, int has_rs,
                       float clip)
{
    CT h;
#if CELL == CELL_LSTM
    CT cp = CLD(c_el);
    CT pi = (CT)(0.0f), po = (CT)(0.0f), pf = (CT)(0.0f);
    if (has_p) {
        pi = CLD(p + j);
        po = CLD(p + H + j);
        pf = CLD(p + 2 * H + j);
    }
    CT i = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 0, j) + pi * cp, clip));
    CT f = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 2, j) + pf * cp, clip));
    CT g = tanh(vclip(gate_pre(xwr, hrr, b, has_b, H, 3, j), clip));
    CT c = f * cp + i * g;
    CT o = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 1, j) + po * c, clip));
    h = o * tanh(c);
    CST(c, c_el);
    if (has_rs) {
        CST(i, rec + j);
        CST(o, rec + H + j);
        CST(f, rec + 2 * H + j);
        CST(g, rec + 3 * H + j);
        CST(c, rec + 5 * H + j);
        CST(cp, rec + 6 * H + j);
    }
#elif CELL == CELL_GRU
#if LBR
    CT z = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 0, j), clip));
    CT r = vsigm(vclip(gate_pre(xwr, hrr, b, has_b, H, 1, j), clip));
    CT rh = CLD(hrr + 2 * H + j) + (has_b ? CLD(b + GH + 2 * H + j) : (CT)(0.0f));
    CT hh = tanh(vclip(CLD(xwr + 2 * H + j) + (has_b ? CLD(b + 2 * H + j) : (CT)(0.0f)) +
                           r * rh,
                       clip));
#else
    CT z = CLD(hrr + j), r = CLD(hrr + H + j), rh = r * hp; /* as gru_reset's tmp */
    CT hh = tanh(vclip(gate_pre(xwr, hrr, b, has_b, H, 2, j), clip));
#endif
    h = ((CT)(1.0f) - z) * hh + z * hp;
    if (has_rs) {
        CST(z, rec + j);
        CST(r, rec + H + j);
        CST(hh, rec + 2 * H + j);
        CST(rh, rec + 4 * H + j);
    }
#else
    h = CACT(vclip(gate_pre(xwr, hrr, b, has_b, H, 0, j), clip), 0.0f, 0.0f);
    if (has_rs) CST(h, rec + j);
#endif
    if (has_rs) CST(hp, rec + GH + j);
    return h;
}

/* ---- per-element kernels, after a recurrent GEMM into hr (one work-item per
 * (n, j); built with CVW 1) */

#define FWD_OFFSETS                                                                     \
    do {                                                                                \
        hr += hr_off;                                                                   \
        tmp += tmp_off;                                                                 \
    } while (0)
#define FWD_PROLOGUE(PAD)                                                               \
    STEP_PROLOGUE(FWD_OFFSETS, PAD);                                                    \
    global const float *xwr = xw + xw_off + row * xw_ld;                                \
    global float *hrr = hr + n * GH;                                                    \
    b += b_off;                                                                         \
    p += p_off;                                                                         \
    float hp = hs[hs_off + n * hs_ns + j]

#if CVW == 1
#if CELL == CELL_GRU && LBR == 0
/* GRU, linear_before_reset 0, first half of a step: z and r (kept in hr for the
 * second half) and r.h_{t-1} in tmp for the second recurrent GEMM. */
kernel void gru_reset_step(FWD_ARGS)
{
    FWD_PROLOGUE(fwd_pad(FWD_PAD_ARGS));
    gru_reset(xwr, hrr, b, has_b, H, j, hp, tmp + idx, clip);
}
#endif

kernel void rnn_forward_step(FWD_ARGS)
{
#if CELL == CELL_GRU && LBR == 0
    FWD_PROLOGUE(return); /* gru_reset_step padded */
#else
    FWD_PROLOGUE(fwd_pad(FWD_PAD_ARGS));
#endif
    float h = cell_forward(xwr, hrr, b, has_b, p, has_p, H, j, hp, cs + cs_off + n * cs_ns + j,
                           rs + rs_off + row * S, has_rs, clip);
    hs[hs_off + n * hs_ns + j] = h;
    if (has_y) y[y_off + t * y_tstride + n * y_ns + j] = h;
}
#endif

/* ---- fused kernels (devices whose local memory is emulated: CPUs): the
 * recurrent product and the cell in one launch per step. A work-item owns CVW
 * consecutive units (CVW divides H) of NB batch entries, for all gates: it
 * reads h_{t-1} values as broadcasts and rt, R transposed to [H, G*H], as
 * vectors, so the products stay in registers. h_{t-1} comes from a ping-pong
 * pair [2, N, H] (ping: step s reads half s & 1, writes the other), since other
 * work-items still read it; the running state hs is written as well. */
#ifdef NB

/* Gates g0 .. g0+GP of the NB entries from n0: acc[q][g] = a[n0+q] . rt columns. */
#define FUSED_PRODUCT(a, g0, GP)                                                        \
    CT acc[NB][G];                                                                      \
    int rows[NB];                                                                       \
    for (int q = 0; q < NB; q++) {                                                      \
        rows[q] = min(n0 + q, N - 1) * H; /* rows past N compute, never store */       \
        for (int g = 0; g < GP; g++) acc[q][g] = (CT)(0.0f);                            \
    }                                                                                   \
    for (int k = 0; k < H; k++) {                                                       \
        global const float *rk = rt + rt_off + (ulong)k * GH + (g0) * H + j;            \
        CT rv[G];                                                                       \
        for (int g = 0; g < GP; g++) rv[g] = CLD(rk + g * H);                           \
        for (int q = 0; q < NB; q++) {                                                  \
            CT hv = (CT)((a)[rows[q] + k]);                                             \
            for (int g = 0; g < GP; g++) acc[q][g] = mad(hv, rv[g], acc[q][g]);         \
        }                                                                               \
    }                                                                                   \
    for (int q = 0; q < NB && n0 + q < N; q++)                                          \
        for (int g = 0; g < GP; g++) CST(acc[q][g], hr + (n0 + q) * GH + ((g0) + g) * H + j)

/* The work-item's tile, its halves of ping, and per entry n its length, time
 * t and row (BODY runs for live entries, PAD for those past their end). */
#define FUSED_TILE                                                                      \
    int units = H / CVW, idx = get_global_id(0);                                        \
    if (idx >= units * ((N + NB - 1) / NB)) return;                                     \
    int nb = idx / units, j = (idx - nb * units) * CVW, n0 = nb * NB;                   \
    hr += hr_off;                                                                       \
    tmp += tmp_off;                                                                     \
    b += b_off;                                                                         \
    p += p_off;                                                                         \
    global float *hin = ping + ping_off + (ulong)(s & 1) * N * H;                       \
    global float *hout = ping + ping_off + (ulong)((s + 1) & 1) * N * H
#define FUSED_ENTRIES(PAD, BODY)                                                        \
    for (int n = n0; n < n0 + NB && n < N; n++) {                                       \
        int len = has_lens ? lens[lens_off + n] : T;                                    \
        CT hp = CLD(hin + n * H + j);                                                   \
        if (s >= len) {                                                                 \
            PAD;                                                                        \
            continue;                                                                   \
        }                                                                               \
        int t = reverse ? len - 1 - s : s;                                              \
        ulong row = (ulong)t * x_ts + n * x_ns;                                         \
        global const float *xwr = xw + xw_off + row * xw_ld;                            \
        BODY;                                                                           \
    }

#if CELL == CELL_GRU && LBR == 0
/* First half: z and r (products with Rz, Rr), and r.h_{t-1} into tmp. */
kernel void gru_fused_reset(FWD_ARGS)
{
    FUSED_TILE;
    FUSED_PRODUCT(hin, 0, 2);
    FUSED_ENTRIES(fwd_pad(FWD_PAD_ARGS),
                  gru_reset(xwr, hr + n * GH, b, has_b, H, j, hp, tmp + n * H + j, clip));
}
#define FUSED_A tmp /* second half: Rh (r.h_{t-1}) */
#define FUSED_G0 2
#define FUSED_GP 1
#define FUSED_PAD CST(hp, hout + n * H + j) /* gru_fused_reset padded */
#else
#define FUSED_A hin
#define FUSED_G0 0
#define FUSED_GP G
#define FUSED_PAD                                                                       \
    do {                                                                                \
        CST(hp, hout + n * H + j);                                                      \
        fwd_pad(FWD_PAD_ARGS);                                                          \
    } while (0)
#endif

kernel void rnn_fused_step(FWD_ARGS)
{
    FUSED_TILE;
    FUSED_PRODUCT(FUSED_A, FUSED_G0, FUSED_GP);
    FUSED_ENTRIES(FUSED_PAD, {
        CT h = cell_forward(xwr, hr + n * GH, b, has_b, p, has_p, H, j, hp,
                            cs + cs_off + n * cs_ns + j, rs + rs_off + row * S, has_rs, clip);
        CST(h, hs + hs_off + n * hs_ns + j);
        CST(h, hout + n * H + j);
        if (has_y) CST(h, y + y_off + t * y_tstride + n * y_ns + j);
    });
}

/* rt [D, H, G*H] = r [D, G*H, H] transposed per direction. */
kernel void rnn_transpose_r(global const float *r, ulong r_off, global float *rt,
                            ulong rt_off, int D, int H)
{
    int idx = get_global_id(0);
    if (idx >= D * GH * H) return;
    int d = idx / (GH * H), rem = idx - d * GH * H;
    int k = rem / GH, col = rem - k * GH; /* rt element (k, col) reads r (col, k) */
    rt[rt_off + idx] = r[r_off + (ulong)d * GH * H + (ulong)col * H + k];
}
#endif


/* ------------------------------------------------------------------ backward */

#define BWD_ARGS                                                                        \
    global const int *lens, ulong lens_off, int has_lens, int T, int N, int H, int s,   \
        int reverse, ulong x_ts, ulong x_ns, global const float *rs, ulong rs_off,      \
        global const float *p, ulong p_off, int has_p, global const float *dy,          \
        ulong dy_off, ulong dy_tstride, ulong dy_ns, int has_dy,                        \
        global const float *dhy, ulong dhy_off, int has_dhy, global const float *dcy,   \
        ulong dcy_off, int has_dcy, ulong st_ns, global float *rec, ulong rec_off,      \
        global float *dcs, ulong dcs_off, global float *dgw, ulong dgw_off,             \
        ulong dg_ld, global float *dgr, ulong dgr_off, global float *dgs,               \
        ulong dgs_off, global float *tmp, ulong tmp_off, float clip

/* Zeros this entry's gradient rows at padded time s and its recurrent rows. */
#define BWD_PAD                                                                         \
    do {                                                                                \
        for (int g = 0; g < G; g++) {                                                   \
            dgw[dgw_off + ((ulong)s * x_ts + n * x_ns) * dg_ld + g * H + j] = 0.0f;     \
            dgr[dgr_off + ((ulong)s * x_ts + n * x_ns) * dg_ld + g * H + j] = 0.0f;     \
            dgs[n * GH + g * H + j] = 0.0f;                                             \
        }                                                                               \
        rec[idx] = 0.0f;                                                                \
    } while (0)

/* dh: from the final-state gradient at the entry's last step, else from the
 * recurrent GEMM of the later step; plus dy at time t. */
#define BWD_OFFSETS                                                                     \
    do {                                                                                \
        rec += rec_off;                                                                 \
        dcs += dcs_off;                                                                 \
        dgs += dgs_off;                                                                 \
        tmp += tmp_off;                                                                 \
    } while (0)
#define BWD_PROLOGUE(PAD)                                                               \
    STEP_PROLOGUE(BWD_OFFSETS, PAD);                                                    \
    global const float *r_ = rs + rs_off + row * S;                                     \
    global float *gw = dgw + dgw_off + row * dg_ld;                                     \
    global float *gr = dgr + dgr_off + row * dg_ld;                                     \
    global float *gs = dgs + n * GH;                                                    \
    p += p_off;                                                                         \
    float dh = s == len - 1 ? (has_dhy ? dhy[dhy_off + n * st_ns + j] : 0.0f) : rec[idx]; \
    if (has_dy) dh += dy[dy_off + t * dy_tstride + n * dy_ns + j]

#define PUT_GATE(g, vw, vr)                                                             \
    do {                                                                                \
        gw[(g) * H + j] = (vw);                                                         \
        gr[(g) * H + j] = (vr);                                                         \
        gs[(g) * H + j] = (vr);                                                         \
    } while (0)

#if CELL == CELL_GRU && LBR == 0
/* GRU, linear_before_reset 0, first half of a backward step: the h~ gate's
 * gradient (for the GEMM with Rh) and dh kept in tmp for the second half. */
kernel void gru_backward_h(BWD_ARGS)
{
    BWD_PROLOGUE(BWD_PAD);
    float z = r_[j], hh = r_[2 * H + j];
    float dph = dh * (1.0f - z) * (1.0f - hh * hh) * keep_t(hh, clip);
    PUT_GATE(2, dph, dph);
    tmp[idx] = dh;
}
#endif

kernel void rnn_backward_step(BWD_ARGS)
{
#if CELL == CELL_GRU && LBR == 0
    BWD_PROLOGUE(return); /* gru_backward_h padded */
#else
    BWD_PROLOGUE(BWD_PAD);
#endif
#if CELL == CELL_LSTM
    float i = r_[j], o = r_[H + j], f = r_[2 * H + j], g = r_[3 * H + j];
    float c = r_[5 * H + j], cp = r_[6 * H + j];
    float pi = 0.0f, po = 0.0f, pf = 0.0f;
    if (has_p) {
        pi = p[j];
        po = p[H + j];
        pf = p[2 * H + j];
    }
    float dc = s == len - 1 ? (has_dcy ? dcy[dcy_off + n * st_ns + j] : 0.0f) : dcs[idx];
    float tc = tanh(c);
    float dpo = dh * tc * o * (1.0f - o) * keep_s(o, clip);
    dc += dh * o * (1.0f - tc * tc) + dpo * po;
    float dpi = dc * g * i * (1.0f - i) * keep_s(i, clip);
    float dpf = dc * cp * f * (1.0f - f) * keep_s(f, clip);
    float dpg = dc * i * (1.0f - g * g) * keep_t(g, clip);
    dcs[idx] = dc * f + dpi * pi + dpf * pf;
    PUT_GATE(0, dpi, dpi);
    PUT_GATE(1, dpo, dpo);
    PUT_GATE(2, dpf, dpf);
    PUT_GATE(3, dpg, dpg);
#elif CELL == CELL_GRU
    float z = r_[j], r = r_[H + j], hh = r_[2 * H + j], hp = r_[3 * H + j];
    float dpz = dh * (hp - hh) * z * (1.0f - z) * keep_s(z, clip);
#if LBR
    float dph = dh * (1.0f - z) * (1.0f - hh * hh) * keep_t(hh, clip);
    float dpr = dph * r_[4 * H + j] * r * (1.0f - r) * keep_s(r, clip);
    PUT_GATE(2, dph, dph * r);
    rec[idx] = dh * z; /* direct path; the recurrent GEMM adds dG R */
#else
    float drh = tmp[N * H + idx]; /* d(r.h_{t-1}) from the GEMM with Rh */
    dh = tmp[idx];
    float dpr = drh * hp * r * (1.0f - r) * keep_s(r, clip);
    rec[idx] = dh * z + drh * r;
#endif
    PUT_GATE(0, dpz, dpz);
    PUT_GATE(1, dpr, dpr);
#else
    float h = r_[j];
    float keep = ACT == ACT_RELU ? (h > 0.0f && (clip <= 0.0f || h < clip) ? 1.0f : 0.0f)
                                 : (1.0f - h * h) * keep_t(h, clip);
    PUT_GATE(0, dh * keep, dh * keep);
#endif
}

/* Gradients of the initial states: the carry after step 0, or the final-state
 * gradient itself for entries of length 0. */
kernel void rnn_state_grad(global const int *lens, ulong lens_off, int has_lens, int N,
                           int H, ulong st_ns, global const float *rec, ulong rec_off,
                           global const float *dcs, ulong dcs_off,
                           global const float *dhy, ulong dhy_off, int has_dhy,
                           global const float *dcy, ulong dcy_off, int has_dcy,
                           global float *dh0, ulong dh0_off, int has_dh0, global float *dc0,
                           ulong dc0_off, int has_dc0)
{
    int idx = get_global_id(0);
    if (idx >= N * H) return;
    int n = idx / H;
    ulong e = n * st_ns + idx - n * H; /* (n, j) in the strided state tensors */
    int empty = has_lens && lens[lens_off + n] == 0;
    if (has_dh0)
        dh0[dh0_off + e] = empty ? (has_dhy ? dhy[dhy_off + e] : 0.0f) : rec[rec_off + idx];
    if (has_dc0)
        dc0[dc0_off + e] = empty ? (has_dcy ? dcy[dcy_off + e] : 0.0f) : dcs[dcs_off + idx];
}

/* lens[off .. off + count) = v[0 .. count): the sequence lengths, 16 per launch. */
kernel void rnn_store_lens(global int *lens, ulong off, int count, int16 v)
{
    int i = get_global_id(0);
    int vals[16];
    vstore16(v, 0, vals);
    if (i < count) lens[off + i] = vals[i];
}

/* The running state [N, H] (rows dst_ns apart) from h0 / c0 (rows src_ns apart),
 * or zeros without them. */
kernel void rnn_state_init(int N, int H, global const float *src, ulong src_off, ulong src_ns,
                           int has_src, global float *dst, ulong dst_off, ulong dst_ns)
{
    int idx = get_global_id(0);
    if (idx >= N * H) return;
    int n = idx / H, j = idx - n * H;
    dst[dst_off + n * dst_ns + j] = has_src ? src[src_off + n * src_ns + j] : 0.0f;
}

/* db [D, 2GH]: column sums over the rows (t, n) of dG (W side, then R side). */
kernel void rnn_bias_grad(global const float *dgw, ulong dgw_off, global const float *dgr,
                          ulong dgr_off, ulong rows, int D, int H, global float *db,
                          ulong db_off)
{
    int q = get_global_id(0);
    if (q >= D * 2 * GH) return;
    int d = q / (2 * GH), rem = q - d * 2 * GH;
    int part = rem >= GH;
    global const float *src = (part ? dgr + dgr_off : dgw + dgw_off) + d * GH + rem - part * GH;
    ulong ld = (ulong)D * GH;
    float sum = 0.0f;
    for (ulong r = 0; r < rows; r++) sum += src[r * ld];
    db[db_off + q] = sum;
}

#if CELL == CELL_LSTM
/* dp [D, 3H] (i o f): sums of the gate gradient times the cell state it saw. */
kernel void rnn_peephole_grad(global const float *dgw, ulong dgw_off, global const float *rs,
                              ulong rs_off, ulong rows, int D, int H, global float *dp,
                              ulong dp_off)
{
    int q = get_global_id(0);
    if (q >= D * 3 * H) return;
    int d = q / (3 * H), rem = q - d * 3 * H;
    int k = rem / H, j = rem - k * H;
    global const float *g = dgw + dgw_off + d * GH + k * H + j;
    global const float *c = rs + rs_off + (ulong)d * rows * S + (k == 1 ? 5 * H : 6 * H) + j;
    ulong ld = (ulong)D * GH;
    float sum = 0.0f;
    for (ulong r = 0; r < rows; r++) sum += g[r * ld] * c[r * S];
    dp[dp_off + q] = sum;
}
#endif
