/* Fused recurrent cells (include/clnn/rnn.h), one work-item per (batch n, unit j).
 * Build options: -DCELL=0/1/2 (simple RNN, LSTM, GRU), -DG (gates), -DLBR (GRU
 * linear_before_reset), -DACT (simple RNN activation, common.clh).
 *
 * Buffers (offsets in elements):
 *   rows (t, n) of xw, the reserve and the gate gradients sit at row
 *        t * x_ts + n * x_ns: x's own order, time-major (N, 1) or batch-major (1, T)
 *   xw   projected inputs X W^T, row r at r * xw_ld
 *   hr   [N, G*H] recurrent GEMM result of this step
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
inline float clipv(float x, float clip) { return clip > 0.0f ? clamp(x, -clip, clip) : x; }
/* 1 where a sigmoid / tanh output is strictly inside the clip bounds' images. */
inline float keep_s(float a, float clip)
{
    return clip <= 0.0f || (a > sigm(-clip) && a < sigm(clip)) ? 1.0f : 0.0f;
}
inline float keep_t(float a, float clip)
{
    return clip <= 0.0f || fabs(a) < tanh(clip) ? 1.0f : 0.0f;
}

/* Gate g's pre-activation: projected input + recurrent part + both biases. */
inline float gate_pre(global const float *xwr, global const float *hrr, global const float *b,
                      int has_b, int H, int g, int j)
{
    float v = xwr[g * H + j] + hrr[g * H + j];
    return has_b ? v + b[g * H + j] + b[GH + g * H + j] : v;
}

#define FWD_ARGS                                                                        \
    global const int *lens, ulong lens_off, int has_lens, int T, int N, int H, int s,   \
        int reverse, ulong x_ts, ulong x_ns, global const float *xw, ulong xw_off,      \
        ulong xw_ld, global float *hr, ulong hr_off, global const float *b,             \
        ulong b_off, int has_b, global const float *p, ulong p_off, int has_p,          \
        global float *hs, ulong hs_off, ulong hs_ns, global float *cs, ulong cs_off,    \
        ulong cs_ns, global float *y, ulong y_off, ulong y_tstride, ulong y_ns,         \
        int has_y, global float *rs, ulong rs_off, int has_rs, float clip,              \
        global float *tmp, ulong tmp_off

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

/* Common prologue: n, j, the entry's length and time; pads and returns when the
 * entry is past its end. */
#define FWD_OFFSETS                                                                     \
    do {                                                                                \
        hr += hr_off;                                                                   \
        tmp += tmp_off;                                                                 \
    } while (0)
#define FWD_PROLOGUE(PAD)                                                               \
    STEP_PROLOGUE(FWD_OFFSETS, PAD);                                                    \
    global const float *xwr = xw + xw_off + row * xw_ld;                                \
    global float *hrr = hr + n * GH;                                                       \
    global float *rec = rs + rs_off + row * S;                                          \
    b += b_off;                                                                         \
    p += p_off;                                                                         \
    float hp = hs[hs_off + n * hs_ns + j]

#define FWD_PAD                                                                         \
    do {                                                                                \
        if (has_y) y[y_off + s * y_tstride + n * y_ns + j] = 0.0f;                      \
        if (has_rs)                                                                     \
            for (int q = 0; q < S / H; q++)                                             \
                rs[rs_off + ((ulong)s * x_ts + n * x_ns) * S + q * H + j] = 0.0f;       \
        tmp[idx] = 0.0f;                                                                \
    } while (0)

#if CELL == CELL_GRU && LBR == 0
/* GRU, linear_before_reset 0, first half of a step: z and r (kept in hr for the
 * second half) and r.h_{t-1} in tmp for the second recurrent GEMM. */
kernel void gru_reset_step(FWD_ARGS)
{
    FWD_PROLOGUE(FWD_PAD);
    float z = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 0, j), clip));
    float r = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 1, j), clip));
    hrr[j] = z;
    hrr[H + j] = r;
    tmp[idx] = r * hp;
}
#endif

kernel void rnn_forward_step(FWD_ARGS)
{
#if CELL == CELL_GRU && LBR == 0
    FWD_PROLOGUE(return); /* gru_reset_step padded */
#else
    FWD_PROLOGUE(FWD_PAD);
#endif
    float h;
#if CELL == CELL_LSTM
    float cp = cs[cs_off + n * cs_ns + j];
    float pi = 0.0f, po = 0.0f, pf = 0.0f;
    if (has_p) {
        pi = p[j];
        po = p[H + j];
        pf = p[2 * H + j];
    }
    float i = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 0, j) + pi * cp, clip));
    float f = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 2, j) + pf * cp, clip));
    float g = tanh(clipv(gate_pre(xwr, hrr, b, has_b, H, 3, j), clip));
    float c = f * cp + i * g;
    float o = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 1, j) + po * c, clip));
    h = o * tanh(c);
    cs[cs_off + n * cs_ns + j] = c;
    if (has_rs) {
        rec[j] = i;
        rec[H + j] = o;
        rec[2 * H + j] = f;
        rec[3 * H + j] = g;
        rec[5 * H + j] = c;
        rec[6 * H + j] = cp;
    }
#elif CELL == CELL_GRU
#if LBR
    float z = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 0, j), clip));
    float r = sigm(clipv(gate_pre(xwr, hrr, b, has_b, H, 1, j), clip));
    float rh = hrr[2 * H + j] + (has_b ? b[GH + 2 * H + j] : 0.0f);
    float hh = tanh(clipv(xwr[2 * H + j] + (has_b ? b[2 * H + j] : 0.0f) + r * rh, clip));
#else
    float z = hrr[j], r = hrr[H + j], rh = tmp[idx];
    float hh = tanh(clipv(gate_pre(xwr, hrr, b, has_b, H, 2, j), clip));
#endif
    h = (1.0f - z) * hh + z * hp;
    if (has_rs) {
        rec[j] = z;
        rec[H + j] = r;
        rec[2 * H + j] = hh;
        rec[4 * H + j] = rh;
    }
#else
    h = act_forward(clipv(gate_pre(xwr, hrr, b, has_b, H, 0, j), clip), 0.0f, 0.0f);
    if (has_rs) rec[j] = h;
#endif
    if (has_rs) rec[GH + j] = hp;
    hs[hs_off + n * hs_ns + j] = h;
    if (has_y) y[y_off + t * y_tstride + n * y_ns + j] = h;
}

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
