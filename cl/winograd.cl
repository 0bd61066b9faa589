/* Winograd convolution F(M x M, 3 x 3) for 3x3 kernels, stride 1, dilation 1
 * (Lavin & Gray 2015). -DWINO_M=4 (6x6 tiles) or 2 (4x4 tiles); ALPHA = M + 2.
 * With p = xi * ALPHA + nu one of the ALPHA^2 tile positions and t a tile:
 *   U[p][c][k] = (G w[k][c] G^T)[xi][nu]              filter transform
 *   V[p][c][t] = (B^T d[c][t] B)[xi][nu]              input transform
 *   Mt[p][k][t] = sum_c U[p][c][k] V[p][c][t]          ALPHA^2 GEMMs
 *   y tile   = A^T Mt[.][k][t] A, + bias, activation  output transform
 * Tiles are numbered t = (img * TH + ty) * TW + tx over the images of a chunk.
 * The GEMM operands are padded with zeros (k to KP, a multiple of GEMM_K; t to
 * TP, a multiple of GEMM_T), so the GEMM needs no bounds checks. The transform
 * matrices are compile-time constants and the loops are unrolled, so their zeros
 * and ones fold away. */

#if WINO_M == 4
#define ALPHA 6
constant float BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                           {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                           {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constant float G[6][3] = {{0.25f, 0, 0},
                          {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                          {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                          {1.0f / 24, 1.0f / 12, 1.0f / 6},
                          {1.0f / 24, -1.0f / 12, 1.0f / 6},
                          {0, 0, 1}};
constant float AT[4][6] = {{1, 1, 1, 1, 1, 0},
                           {0, 1, -1, 2, -2, 0},
                           {0, 1, 1, 4, 4, 0},
                           {0, 1, -1, 8, -8, 1}};
#elif WINO_M == 2
#define ALPHA 4
constant float BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constant float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constant float AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
#else
#error "WINO_M must be 2 or 4"
#endif

#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif

/* Geometry fields (int8): C, K, H, W, OH, OW, pad top, pad left; the tile
 * counts (int4): TH, TW per image, T in the chunk, TP (T padded). */
#define G_C g.s0
#define G_K g.s1
#define G_H g.s2
#define G_W g.s3
#define G_OH g.s4
#define G_OW g.s5
#define G_PT g.s6
#define G_PL g.s7
#define T_TH tl.s0
#define T_TW tl.s1
#define T_T tl.s2
#define T_TP tl.s3

/* out[i_][j_] = sum over k_ < INNER of A * B for i_ < ROWS, j_ < COLS, where the
 * expressions A and B use the indices i_, j_, k_; unrolled, so the constant
 * zeros and ones of the transform matrices fold away. */
#define PRODUCT(out, ROWS, COLS, INNER, A, B)                                            \
    _Pragma("unroll") for (int i_ = 0; i_ < (ROWS); i_++)                               \
        _Pragma("unroll") for (int j_ = 0; j_ < (COLS); j_++)                            \
    {                                                                                    \
        float s_ = 0.0f;                                                                 \
        _Pragma("unroll") for (int k_ = 0; k_ < (INNER); k_++) s_ += (A) * (B);         \
        out[i_][j_] = s_;                                                                \
    }

/* An ALPHA x ALPHA tile to its positions p = i * ALPHA + j, `stride` floats apart. */
#define STORE_TILE(tile, dst, stride)                                                    \
    _Pragma("unroll") for (int i_ = 0; i_ < ALPHA; i_++)                                \
        _Pragma("unroll") for (int j_ = 0; j_ < ALPHA; j_++)                             \
            (dst)[(ulong)(i_ * ALPHA + j_) * (stride)] = tile[i_][j_]

/* GEMM register tile: GEMM_K rows of k by GEMM_T = 2 x 16 columns of t. */
#define GEMM_K 8
#define GEMM_T 32
#define KP ((G_K + GEMM_K - 1) / GEMM_K * GEMM_K)

/* U[.][c][k] = G f G^T for one 3x3 filter f (zero for padding rows k >= K). */
inline void filter_tile(float f[3][3], global float *dst, int count)
{
    float tmp[ALPHA][3], u[ALPHA][ALPHA];
    PRODUCT(tmp, ALPHA, 3, 3, G[i_][k_], f[k_][j_]);
    PRODUCT(u, ALPHA, ALPHA, 3, tmp[i_][k_], G[j_][k_]);
    STORE_TILE(u, dst, count);
}

/* U from w [K][C][3][3]: one work-item per (c, k < KP). `tl` is unused (the
 * transforms share one argument list). */
kernel void wino_filter(global const float *w, ulong w_off, global float *u, ulong u_off,
                        int8 g, int4 tl)
{
    int gid = get_global_id(0), kp = KP, count = G_C * kp;
    if (gid >= count) return;
    int c = gid / kp, k = gid - c * kp;
    global const float *src = w + w_off + ((ulong)min(k, G_K - 1) * G_C + c) * 9;
    float f[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) f[i][j] = k < G_K ? src[i * 3 + j] : 0.0f;
    filter_tile(f, u + u_off + gid, count);
}

/* The same for the backward-data pass, a convolution of dy (G_C = the forward's
 * K channels) into dx (G_K = the forward's C) with the forward's weights w
 * [G_C][G_K][3][3] transposed and turned by 180 degrees. */
kernel void wino_filter_adjoint(global const float *w, ulong w_off, global float *u,
                                ulong u_off, int8 g, int4 tl)
{
    int gid = get_global_id(0), kp = KP, count = G_C * kp;
    if (gid >= count) return;
    int c = gid / kp, k = gid - c * kp;
    global const float *src = w + w_off + ((ulong)c * G_K + min(k, G_K - 1)) * 9;
    float f[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) f[i][j] = k < G_K ? src[8 - (i * 3 + j)] : 0.0f;
    filter_tile(f, u + u_off + gid, count);
}

/* Tile t0's position: image, tile row and column. */
inline int3 tile_at(int t0, int4 tl)
{
    int img = t0 / (T_TH * T_TW), rest = t0 - img * (T_TH * T_TW);
    int ty = rest / T_TW;
    return (int3)(img, ty, rest - ty * T_TW);
}

/* V from x (the chunk's first image at x_off): one work-item per (c, t < TP), so
 * neighbouring work-items write neighbouring tiles of each V[p][c] (PoCL
 * vectorises across them; explicit vectors over tiles measured 1.7x slower, as
 * the gathers then go through private memory). Padding tiles are zero. */
kernel void wino_input(global const float *x, ulong x_off, global float *v, ulong v_off,
                       int8 g, int4 tl)
{
    int gid = get_global_id(0);
    if (gid >= G_C * T_TP) return;
    int c = gid / T_TP, t = gid - c * T_TP;
    int3 at = tile_at(t, tl);
    int y0 = at.y * WINO_M - G_PT, x0 = at.z * WINO_M - G_PL;
    bool tile = t < T_T;
    global const float *plane = x + x_off + ((ulong)(tile ? at.x : 0) * G_C + c) * G_H * G_W;
    float d[ALPHA][ALPHA], tmp[ALPHA][ALPHA], out[ALPHA][ALPHA];
#pragma unroll
    for (int i = 0; i < ALPHA; i++) {
        int r = y0 + i;
#pragma unroll
        for (int j = 0; j < ALPHA; j++) {
            int col = x0 + j;
            bool in = tile && r >= 0 && r < G_H && col >= 0 && col < G_W;
            /* Only in-range addresses are formed. */
            d[i][j] = in ? plane[clamp(r, 0, G_H - 1) * G_W + clamp(col, 0, G_W - 1)] : 0.0f;
        }
    }
    PRODUCT(tmp, ALPHA, ALPHA, ALPHA, BT[i_][k_], d[k_][j_]);
    PRODUCT(out, ALPHA, ALPHA, ALPHA, tmp[i_][k_], BT[j_][k_]);
    STORE_TILE(out, v + v_off + gid, (ulong)G_C * T_TP);
}

/* Sixteen float16 accumulators in named registers (arrays of vectors end up
 * on the stack in PoCL): rows i of the block, columns 0-15 (a) and 16-31 (b). */
#define GEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define GEMM_DECLARE(i) float16 a##i = (float16)(0.0f), b##i = (float16)(0.0f);
#define GEMM_STEP(i)                                                                    \
    a##i = mad((float16)(uk.s##i), v0, a##i);                                           \
    b##i = mad((float16)(uk.s##i), v1, b##i);
#define GEMM_STORE(i)                                                                   \
    vstore16(a##i, 0, dst + i * T_TP);                                                  \
    vstore16(b##i, 1, dst + i * T_TP);

/* Mt[p] (KP x TP) = U[p]^T V[p]: one work-item per GEMM_K x GEMM_T block;
 * neighbours share the V block (k fastest), so it is read from cache. */
kernel void wino_gemm(global const float *u, ulong u_off, global const float *v,
                      ulong v_off, global float *m, ulong m_off, int8 g, int4 tl)
{
    int gid = get_global_id(0), kp = KP, kblocks = kp / GEMM_K;
    int per_position = kblocks * (T_TP / GEMM_T);
    if (gid >= per_position * ALPHA * ALPHA) return;
    int p = gid / per_position, r = gid - p * per_position;
    int tb = r / kblocks, kb = r - tb * kblocks;
    global const float *up = u + u_off + (ulong)p * G_C * kp + kb * GEMM_K;
    global const float *vp = v + v_off + (ulong)p * G_C * T_TP + tb * GEMM_T;
    GEMM_ROWS(GEMM_DECLARE)
    for (int c = 0; c < G_C; c++) {
        float8 uk = vload8(0, up);
        float16 v0 = vload16(0, vp), v1 = vload16(1, vp);
        GEMM_ROWS(GEMM_STEP)
        up += kp;
        vp += T_TP;
    }
    global float *dst = m + m_off + ((ulong)p * kp + kb * GEMM_K) * T_TP + tb * GEMM_T;
    GEMM_ROWS(GEMM_STORE)
}

/* y (the chunk's first image at y_off) from Mt, with the bias and the activation
 * (-DACT, -DHAS_BIAS) applied on the way out: one work-item per (k, t), as for
 * the input (vectors over tiles gained ~15 % but need a private staging array
 * that oclgrind's uninitialized-value tracking crashes on). */
kernel void wino_output(global const float *m, ulong m_off, global float *y, ulong y_off,
                        global const float *bias, ulong bias_off, int8 g, int4 tl,
                        float alpha, float beta)
{
    int gid = get_global_id(0);
    if (gid >= G_K * T_T) return;
    int k = gid / T_T, t = gid - k * T_T;
    int3 at = tile_at(t, tl);
    global const float *src = m + m_off + (ulong)k * T_TP + t;
    ulong plane_stride = (ulong)KP * T_TP;
    float mt[ALPHA][ALPHA], tmp[WINO_M][ALPHA], out[WINO_M][WINO_M];
#pragma unroll
    for (int i = 0; i < ALPHA; i++)
#pragma unroll
        for (int j = 0; j < ALPHA; j++) mt[i][j] = src[(i * ALPHA + j) * plane_stride];
    PRODUCT(tmp, WINO_M, ALPHA, ALPHA, AT[i_][k_], mt[k_][j_]);
    PRODUCT(out, WINO_M, WINO_M, ALPHA, tmp[i_][k_], AT[j_][k_]);
    float b = HAS_BIAS ? bias[bias_off + k] : 0.0f;
    int oy0 = at.y * WINO_M, ox0 = at.z * WINO_M;
    global float *dst = y + y_off + ((ulong)at.x * G_K + k) * G_OH * G_OW;
#pragma unroll
    for (int i = 0; i < WINO_M; i++)
#pragma unroll
        for (int j = 0; j < WINO_M; j++)
            if (oy0 + i < G_OH && ox0 + j < G_OW)
                dst[(oy0 + i) * G_OW + ox0 + j] = act_forward(out[i][j] + b, alpha, beta);
}

/* ---- backward weights: dW[k][c] = G^T (sum over tiles of dM[.][k][t] V[.][c][t]) G
 * with dM = A dY A^T per output tile and V the forward's input transform. */

/* dM[p][k][t] from dy (the chunk's first image at dy_off): one work-item per
 * (k < KP, t < TP); padding rows and tiles are zero. Outputs past OH, OW are
 * zero too (the forward dropped them). */
kernel void wino_dy(global const float *dy, ulong dy_off, global float *m, ulong m_off,
                    int8 g, int4 tl)
{
    int gid = get_global_id(0), kp = KP;
    if (gid >= kp * T_TP) return;
    int k = gid / T_TP, t = gid - k * T_TP;
    int3 at = tile_at(t, tl);
    bool tile = t < T_T && k < G_K;
    int oy0 = at.y * WINO_M, ox0 = at.z * WINO_M;
    global const float *plane =
        dy + dy_off + ((ulong)(tile ? at.x : 0) * G_K + min(k, G_K - 1)) * G_OH * G_OW;
    float e[WINO_M][WINO_M], tmp[ALPHA][WINO_M], out[ALPHA][ALPHA];
#pragma unroll
    for (int i = 0; i < WINO_M; i++)
#pragma unroll
        for (int j = 0; j < WINO_M; j++) {
            int r = oy0 + i, col = ox0 + j;
            bool in = tile && r < G_OH && col < G_OW;
            e[i][j] = in ? plane[min(r, G_OH - 1) * G_OW + min(col, G_OW - 1)] : 0.0f;
        }
    PRODUCT(tmp, ALPHA, WINO_M, WINO_M, AT[k_][i_], e[k_][j_]);
    PRODUCT(out, ALPHA, ALPHA, WINO_M, tmp[i_][k_], AT[k_][j_]);
    STORE_TILE(out, m + m_off + gid, (ulong)kp * T_TP);
}

/* dU[p][k][c] (+)= sum over t < TP of dM[p][k][t] V[p][c][t]: dot products along
 * the tiles, one work-item per 4 k x 4 c block (c clamped, so C needs no padding),
 * sixteen float16 partial sums. `accumulate` 0 for the first chunk. */
#define DOT_PAIRS(X) X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(1, 0) X(1, 1) X(1, 2) X(1, 3) \
    X(2, 0) X(2, 1) X(2, 2) X(2, 3) X(3, 0) X(3, 1) X(3, 2) X(3, 3)
#define DOT_DECLARE(i, j) float16 s##i##j = (float16)(0.0f);
#define DOT_STEP(i, j) s##i##j = mad(mk##i, vc##j, s##i##j);
#define DOT_STORE(i, j)                                                                 \
    if (k0 + i < G_K && c0 + j < G_C) {                                                 \
        float8 h8 = s##i##j.lo + s##i##j.hi;                                            \
        float4 h4 = h8.lo + h8.hi;                                                      \
        float sum = (h4.x + h4.y) + (h4.z + h4.w);                                      \
        global float *at = du + du_off + ((ulong)p * G_K + k0 + i) * G_C + c0 + j;       \
        if (accumulate)                                                                 \
            *at += sum;                                                                 \
        else                                                                            \
            *at = sum;                                                                  \
    }

kernel void wino_gemm_nt(global const float *m, ulong m_off, global const float *v,
                         ulong v_off, global float *du, ulong du_off, int8 g, int4 tl,
                         int accumulate)
{
    int gid = get_global_id(0), kp = KP, kblocks = kp / 4, cblocks = (G_C + 3) / 4;
    int per_position = kblocks * cblocks;
    if (gid >= per_position * ALPHA * ALPHA) return;
    int p = gid / per_position, r = gid - p * per_position;
    int kb = r / cblocks, cb = r - kb * cblocks, k0 = kb * 4, c0 = cb * 4;
    global const float *mp = m + m_off + ((ulong)p * kp + k0) * T_TP;
    global const float *vp = v + v_off + (ulong)p * G_C * T_TP;
    global const float *v0 = vp + (ulong)min(c0, G_C - 1) * T_TP;
    global const float *v1 = vp + (ulong)min(c0 + 1, G_C - 1) * T_TP;
    global const float *v2 = vp + (ulong)min(c0 + 2, G_C - 1) * T_TP;
    global const float *v3 = vp + (ulong)min(c0 + 3, G_C - 1) * T_TP;
    DOT_PAIRS(DOT_DECLARE)
    for (int t = 0; t < T_TP; t += 16) {
        float16 mk0 = vload16(0, mp + t), mk1 = vload16(0, mp + T_TP + t);
        float16 mk2 = vload16(0, mp + 2 * T_TP + t), mk3 = vload16(0, mp + 3 * T_TP + t);
        float16 vc0 = vload16(0, v0 + t), vc1 = vload16(0, v1 + t);
        float16 vc2 = vload16(0, v2 + t), vc3 = vload16(0, v3 + t);
        DOT_PAIRS(DOT_STEP)
    }
    DOT_PAIRS(DOT_STORE)
}

/* dw[k][c] = G^T dU[.][k][c] G: one work-item per (k, c), summed straight from
 * dU (a small kernel; private staging arrays here crash oclgrind 21.10's
 * uninitialized-value tracking). */
kernel void wino_filter_grad(global const float *du, ulong du_off, global float *dw,
                             ulong dw_off, int8 g, int4 tl)
{
    int gid = get_global_id(0), count = G_K * G_C;
    if (gid >= count) return;
    global const float *src = du + du_off + gid;
    global float *dst = dw + dw_off + (ulong)gid * 9;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            float s = 0.0f;
            for (int i = 0; i < ALPHA; i++)
                for (int j = 0; j < ALPHA; j++)
                    s += G[i][a] * G[j][b] * src[(ulong)(i * ALPHA + j) * count];
            dst[a * 3 + b] = s;
        }
}
