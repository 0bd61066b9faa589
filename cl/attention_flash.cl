/* Fused (flash) scaled dot-product attention: the Tq x Tk scores are never
 * stored. Q, K, V, O [N, H, T, D|DV] dense; offsets and strides in elements.
 * Build options:
 *   D, DV      head sizes (private row arrays of floatVW, zero-padded)
 *   VW         1 or 4: the vector width of the rows
 *   R          work-items per group, one query (or key) row each
 *   C          rows of the other side per tile held in local memory
 *   ADD_MASK, KPM, CAUSAL, DROP   as in attention.cl, DROP: Philox dropout of
 *              include/clnn/dropout.h on element (n, h, i, j) of P
 * Scores use q pre-multiplied by scale in every kernel, with the same dot order,
 * so backward recomputes exactly the forward's scores. A group owns R rows: on a
 * CPU device one core runs a group, the compiler vectorises across its items. */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u

/* Rows are arrays of rowv (floatVW), zero-padded to a multiple of VW (the
 * padding adds 0 * 0 to each dot product, so odd D needs no scalar tail). */
#if VW == 4
typedef float4 rowv;
#define ROW_SUM(s) (((s).x + (s).y) + ((s).z + (s).w))
#else
typedef float rowv;
#define ROW_SUM(s) (s)
#endif
#define D4 ((D + VW - 1) / VW)
#define DV4 ((DV + VW - 1) / VW)

/* sum a[d] * b[d] over n rowv (n a build-time constant after inlining). */
inline float dot4(const rowv *a, local const rowv *b, int n)
{
    rowv s = (rowv)(0.0f);
    for (int d = 0; d < n; d++) s = mad(a[d], b[d], s);
    return ROW_SUM(s);
}

/* acc[d] += x * b[d] over n rowv. */
inline void axpy4(rowv *acc, float x, local const rowv *b, int n)
{
    for (int d = 0; d < n; d++) acc[d] = mad((rowv)(x), b[d], acc[d]);
}

/* A private row of `width` floats times `mul`, zero-padded to n4 rowv. */
inline void load_row(rowv *dst, global const float *src, int width, int n4, float mul)
{
    float *f = (float *)dst;
    for (int c = 0; c < VW * n4; c++) f[c] = c < width ? src[c] * mul : 0.0f;
}

inline void store_row(global float *dst, const rowv *src, int width, float mul)
{
    const float *f = (const float *)src;
    for (int c = 0; c < width; c++) dst[c] = f[c] * mul;
}

inline void zero_row(rowv *dst, int n4)
{
    for (int d = 0; d < n4; d++) dst[d] = (rowv)(0.0f);
}

/* Copies rows [r0, r0 + rows) of `width` floats to local memory as rows of n4
 * rowv, zero-padded, times `mul`. The remainder is computed by hand
 * (oclgrind 21.10 trips on `/` and `%` of the same operands). */
inline void load_tile(local rowv *dst4, global const float *src, uint r0, uint rows,
                      int width, int n4, float mul)
{
    local float *dst = (local float *)dst4;
    uint lid = get_local_id(0), stride = VW * (uint)n4, total = rows * stride;
    src += (ulong)r0 * (ulong)width;
    for (uint e = lid; e < total; e += R) {
        uint r = e / stride, c = e - r * stride;
        dst[e] = c < (uint)width ? src[r * (uint)width + c] * mul : 0.0f;
    }
}

/* Copies n floats to local memory. */
inline void load_vec(local float *dst, global const float *src, uint n)
{
    for (uint e = get_local_id(0); e < n; e += R) dst[e] = src[e];
}

/* The masked score of (i, j); mrow = mask + n msn + h msh + i Tk, krow = kpm + n Tk. */
inline float mask_score(float s, global const float *mrow, global const int *krow, uint i,
                        uint j)
{
#if ADD_MASK
    s += mrow[j];
#endif
#if KPM
    if (krow[j] == 0) s = -INFINITY;
#endif
#if CAUSAL
    if (j > i) s = -INFINITY;
#endif
    return s;
}

#if DROP
/* The dropout factor of stream element e: Philox4x32-10 of block e / 4, word e % 4,
 * kept when (word >> 8) >= threshold (cl/dropout.cl). */
inline float drop_factor(ulong e, uint k0, uint k1, uint threshold, float dscale)
{
    ulong b = e >> 2;
    /* words 0 and 2 as one uint2, words 1 and 3 as another: both pairs are
     * multiplied at once */
    uint2 even = (uint2)((uint)b, 0u), odd = (uint2)((uint)(b >> 32), 0u), key = (uint2)(k0, k1);
    const uint2 mul = (uint2)(PHILOX_M0, PHILOX_M1);
    for (int r = 0; r < 10; r++) {
        if (r > 0) key += (uint2)(0x9E3779B9u, 0xBB67AE85u);
        uint2 hi = mul_hi(mul, even), lo = mul * even;
        even = hi.yx ^ odd ^ key;
        odd = lo.yx;
    }
    /* word e % 4 by indexing (oclgrind 21.10 gets a chain of ?: wrong here) */
    uint words[4] = {even.x, odd.x, even.y, odd.y};
    return (words[e & 3] >> 8) >= threshold ? dscale : 0.0f;
}
#define DROP_FACTOR(e) drop_factor((e), key_lo, key_hi, threshold, dscale)
#else
#define DROP_FACTOR(e) 1.0f
#endif

/* Arguments every kernel shares: masks, sizes, scale and the dropout stream. */
#define FLASH_ARGS                                                                          \
    global const float *mask, ulong mo, ulong msn, ulong msh, global const int *kpm, ulong kpo, \
        ulong doff, uint H, uint Tq, uint Tk, float scale, uint key_lo, uint key_hi,          \
        uint threshold, float dscale

/* The head (n, h) of this group and its mask rows' bases. */
#define FLASH_HEAD()                                                                        \
    uint nh = get_group_id(1), n = nh / H, h = nh - n * H;                                  \
    global const float *mbase = mask + mo + n * msn + h * msh;                              \
    global const int *krow = kpm + kpo + (ulong)n * Tk;                                     \
    (void)mbase;                                                                            \
    (void)krow

/* Query-row kernels: the row i of this item (clamped for loads), and the keys the
 * group needs (causal: none past its last row). */
#define QUERY_ROWS()                                                                        \
    uint lid = get_local_id(0), row0 = (uint)get_group_id(0) * R, i = row0 + lid;           \
    bool live = i < Tq;                                                                     \
    uint ic = live ? i : Tq - 1;                                                            \
    uint kend = CAUSAL ? min(Tk, min(row0 + R, Tq)) : Tk;                                   \
    ulong qrow = (ulong)nh * Tq + ic;                                                       \
    global const float *mrow = mbase + (ulong)ic * Tk;                                      \
    (void)mrow

/* Keys and values j0 .. j0 + cn of the head into local memory (all items call it;
 * the first barrier keeps the previous tile alive until every item is done). */
inline void load_key_tiles(local rowv *kt, local rowv *vt, global const float *k,
                           global const float *v, uint j0, uint cn)
{
    barrier(CLK_LOCAL_MEM_FENCE);
    load_tile(kt, k, j0, cn, D, D4, 1.0f);
    load_tile(vt, v, j0, cn, DV, DV4, 1.0f);
    barrier(CLK_LOCAL_MEM_FENCE);
}

/* Forward: O and the row log-sum-exp, online softmax over key tiles. */
kernel __attribute__((reqd_work_group_size(R, 1, 1))) void
flash_forward(global const float *q, ulong qo, global const float *k, ulong ko,
              global const float *v, ulong vo, global float *o, ulong oo, global float *lse,
              ulong lo, FLASH_ARGS)
{
    local rowv kt[C * D4], vt[C * DV4];
    FLASH_HEAD();
    QUERY_ROWS();
    rowv qr[D4], acc[DV4];
    float s[C], m = -INFINITY, l = 0.0f;
    load_row(qr, q + qo + qrow * D, D, D4, scale);
    zero_row(acc, DV4);
    k += ko + (ulong)nh * Tk * D;
    v += vo + (ulong)nh * Tk * DV;
    for (uint j0 = 0; j0 < kend; j0 += C) {
        uint cn = min((uint)C, kend - j0);
        load_key_tiles(kt, vt, k, v, j0, cn);
        float mt = m;
        for (uint j = 0; j < cn; j++) {
            s[j] = mask_score(dot4(qr, kt + j * D4, D4), mrow, krow, ic, j0 + j);
            mt = fmax(mt, s[j]);
        }
        /* every key so far masked: nothing to add (and -inf - -inf is NaN) */
        float alpha = mt == -INFINITY ? 1.0f : exp(m - mt), base = mt == -INFINITY ? 0.0f : mt;
        l *= alpha;
        for (int e = 0; e < DV4; e++) acc[e] *= alpha;
        for (uint j = 0; j < cn; j++) {
            float p = exp(s[j] - base);
            l += p;
            axpy4(acc, p * DROP_FACTOR(doff + qrow * Tk + j0 + j), vt + j * DV4, DV4);
        }
        m = mt;
    }
    if (!live) return;
    /* all keys masked: 0 / 0 = NaN, as the unfused softmax gives */
    store_row(o + oo + qrow * DV, acc, DV, 1.0f / l);
    lse[lo + qrow] = m + log(l);
}

/* Backward, per query row: delta = rowsum(dO * O) = sum_j P dP' (dP' = dO V^T
 * after dropout) and dQ = scale sum_j P (dP' - delta) K_j, accumulated as
 * sum P dP' K - delta sum P K so one pass over the keys does both. */
kernel __attribute__((reqd_work_group_size(R, 1, 1))) void
flash_backward_dq(global const float *q, ulong qo, global const float *k, ulong ko,
                  global const float *v, ulong vo, global const float *dout, ulong doo,
                  global const float *lse, ulong lo, global float *delta, ulong dlo,
                  global float *dq, ulong dqo, FLASH_ARGS)
{
    local rowv kt[C * D4], vt[C * DV4];
    FLASH_HEAD();
    QUERY_ROWS();
    rowv qr[D4], dor[DV4], a[D4], b[D4];
    float dl = 0.0f, L = lse[lo + qrow];
    load_row(qr, q + qo + qrow * D, D, D4, scale);
    load_row(dor, dout + doo + qrow * DV, DV, DV4, 1.0f);
    zero_row(a, D4);
    zero_row(b, D4);
    k += ko + (ulong)nh * Tk * D;
    v += vo + (ulong)nh * Tk * DV;
    for (uint j0 = 0; j0 < kend; j0 += C) {
        uint cn = min((uint)C, kend - j0);
        load_key_tiles(kt, vt, k, v, j0, cn);
        for (uint j = 0; j < cn; j++) {
            float p = exp(mask_score(dot4(qr, kt + j * D4, D4), mrow, krow, ic, j0 + j) - L);
            float pdp = p * dot4(dor, vt + j * DV4, DV4) * DROP_FACTOR(doff + qrow * Tk + j0 + j);
            dl += pdp;
            axpy4(a, pdp, kt + j * D4, D4);
            axpy4(b, p, kt + j * D4, D4);
        }
    }
    if (!live) return;
    delta[dlo + qrow] = dl;
    for (int d = 0; d < D4; d++) a[d] -= dl * b[d];
    store_row(dq + dqo + qrow * D, a, D, scale);
}

/* Backward, per key row j over query tiles (no atomics): dV = sum_i P' dO_i and
 * dK = scale sum_i P (dP' - delta_i) Q_i, with P' = P times the dropout factor. */
kernel __attribute__((reqd_work_group_size(R, 1, 1))) void
flash_backward_dkdv(global const float *q, ulong qo, global const float *k, ulong ko,
                    global const float *v, ulong vo, global const float *dout, ulong doo,
                    global const float *lse, ulong lo, global const float *delta, ulong dlo,
                    global float *dk, ulong dko, global float *dv, ulong dvo, FLASH_ARGS)
{
    local rowv qt[C * D4], dot_t[C * DV4];
    local float lt[C], dt[C];
    FLASH_HEAD();
    uint lid = get_local_id(0), key0 = (uint)get_group_id(0) * R, j = key0 + lid;
    bool live = j < Tk;
    ulong krow_i = (ulong)nh * Tk + (live ? j : Tk - 1);
    rowv kr[D4], vr[DV4], gk[D4], gv[DV4];
    load_row(kr, k + ko + krow_i * D, D, D4, 1.0f);
    load_row(vr, v + vo + krow_i * DV, DV, DV4, 1.0f);
    zero_row(gk, D4);
    zero_row(gv, DV4);
    ulong head = (ulong)nh * Tq;
    q += qo + head * D;
    dout += doo + head * DV;
    /* causal: queries before the group's first key see none of its keys */
    for (uint i0 = CAUSAL ? key0 : 0; i0 < Tq; i0 += C) {
        uint cn = min((uint)C, Tq - i0);
        barrier(CLK_LOCAL_MEM_FENCE);
        load_tile(qt, q, i0, cn, D, D4, scale);
        load_tile(dot_t, dout, i0, cn, DV, DV4, 1.0f);
        load_vec(lt, lse + lo + head + i0, cn);
        load_vec(dt, delta + dlo + head + i0, cn);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint r = 0; r < cn; r++) {
            uint i = i0 + r;
            float s = mask_score(dot4(kr, qt + r * D4, D4), mbase + (ulong)i * Tk, krow, i,
                                 live ? j : Tk - 1);
            float p = exp(s - lt[r]), f = DROP_FACTOR(doff + (head + i) * Tk + j);
            axpy4(gv, p * f, dot_t + r * DV4, DV4);
            axpy4(gk, p * (dot4(vr, dot_t + r * DV4, DV4) * f - dt[r]), qt + r * D4, D4);
        }
    }
    if (!live) return;
    /* qt holds scale * Q, so gk is dK already */
    store_row(dk + dko + krow_i * D, gk, D, 1.0f);
    store_row(dv + dvo + krow_i * DV, gv, DV, 1.0f);
}
