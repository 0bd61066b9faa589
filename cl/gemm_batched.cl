/* Strided-batched GEMM for CPU devices: C_b = alpha op(A_b) op(B_b) + beta C_b,
 * row-major, one work-item per register tile of C and no local memory. PoCL
 * runs a work-group's work-items one after another on one core, so what makes
 * it fast is a tile of accumulators in named float16 registers (arrays of
 * vectors end up on the stack) reused along the whole k loop.
 * -DTRANS_A (0 or 1) specialises op(A); the kernel depends on op(B):
 *   gemm_outer (B not transposed): outer products; per k, OUTER_M broadcasts of
 *     op(A) and two float16 of a row of B update OUTER_M x 32 accumulators.
 *   gemm_dot (B transposed, so op(B)'s columns are contiguous along k):
 *     dot products of 4 rows by 4 columns, 16 lanes of k at a time into
 *     sixteen float16 partial sums, reduced at the end by a shuffle tree.
 * Edge tiles clamp their reads to the last row / column (only in-range
 * addresses are formed) and skip the stores outside C. */

#ifndef TRANS_A
#define TRANS_A 0
#endif

/* Steps between op(A)[i][k] and op(A)[i + 1][k] (row) and op(A)[i][k + 1] (col). */
#define A_ROW (TRANS_A ? 1 : lda)
#define A_COL (TRANS_A ? lda : 1)

#define LANES16(X)                                                                      \
    X(0, s0) X(1, s1) X(2, s2) X(3, s3) X(4, s4) X(5, s5) X(6, s6) X(7, s7) X(8, s8)     \
        X(9, s9) X(10, sa) X(11, sb) X(12, sc) X(13, sd) X(14, se) X(15, sf)

/* p[l * stride] for lanes l < count, 0 beyond. Every lane loads (lanes past
 * count the last valid element, p[0] when count <= 0), then selects, so no
 * load depends on a condition. */
#define GL(l) select(0.0f, p[(ulong)min(l, max(count - 1, 0)) * stride], (int)(l < count))
inline float16 gather16(global const float *p, ulong stride, int count)
{
    return (float16)(GL(0), GL(1), GL(2), GL(3), GL(4), GL(5), GL(6), GL(7), GL(8), GL(9),
                     GL(10), GL(11), GL(12), GL(13), GL(14), GL(15));
}

/* dst[l] = v[l] (+ beta dst[l]) for lanes l < count (none when count <= 0). */
#define STORE_LANE(l, s)                                                                \
    if (l < count) dst[l] = beta != 0.0f ? mad(beta, dst[l], v.s) : v.s;
inline void store16(global float *dst, float16 v, int count, float beta)
{
    if (count >= 16) {
        if (beta != 0.0f) v = mad((float16)(beta), vload16(0, dst), v);
        vstore16(v, 0, dst);
    } else {
        LANES16(STORE_LANE)
    }
}

/* The batch entry and tile of this work-item, and the three matrices' starts;
 * returns from the kernel past the last tile. */
#define GEMM_TILE_SETUP(TILE_M, TILE_N)                                                 \
    int tiles_n = (n + (TILE_N)-1) / (TILE_N), per = (m + (TILE_M)-1) / (TILE_M) * tiles_n; \
    int gid = get_global_id(0);                                                         \
    if (gid >= per * batch) return;                                                     \
    int bi = gid / per, rest = gid - bi * per;                                          \
    int tm = rest / tiles_n;                                                            \
    int i0 = tm * (TILE_M), j0 = (rest - tm * tiles_n) * (TILE_N);                      \
    global const float *ab = a + a_off + bi * sa;                                       \
    global const float *bb = b + b_off + bi * sb;                                       \
    global float *cb = c + c_off + bi * sc + (ulong)i0 * ldc + j0;

#define GEMM_ARGS                                                                       \
    global const float *a, ulong a_off, ulong lda, ulong sa, global const float *b,     \
        ulong b_off, ulong ldb, ulong sb, global float *c, ulong c_off, ulong ldc,      \
        ulong sc, int m, int n, int k, float alpha, float beta, int batch

/* ---- B not transposed: OUTER_M x 32 tiles */

#define OUTER_M 8
#define OUTER_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define OUTER_DECLARE(r)                                                                \
    float16 lo##r = (float16)(0.0f), hi##r = (float16)(0.0f);                           \
    ulong ar##r = (ulong)min(i0 + r, m - 1) * A_ROW;
#define OUTER_STEP(r)                                                                   \
    {                                                                                   \
        float16 x = (float16)(ap[ar##r]);                                               \
        lo##r = mad(x, b0, lo##r);                                                      \
        hi##r = mad(x, b1, hi##r);                                                      \
    }
#define OUTER_LOOP(LOAD0, LOAD1)                                                        \
    for (int kk = 0; kk < k; kk++) {                                              \
        float16 b0 = LOAD0, b1 = LOAD1;                                                 \
        OUTER_ROWS(OUTER_STEP)                                                          \
        ap += A_COL;                                                                    \
        bp += ldb;                                                                      \
    }
#define OUTER_STORE(r)                                                                  \
    if (i0 + r < m) {                                                                   \
        store16(cb + r * ldc, alpha * lo##r, n - j0, beta);                             \
        store16(cb + r * ldc + 16, alpha * hi##r, n - j0 - 16, beta);                   \
    }

kernel void gemm_outer(GEMM_ARGS)
{
    GEMM_TILE_SETUP(OUTER_M, 32)
    global const float *ap = ab;
    global const float *bp = bb + j0;
    OUTER_ROWS(OUTER_DECLARE)
    int last = n - 1 - j0;
    if (last >= 31) {
        OUTER_LOOP(vload16(0, bp), vload16(1, bp))
    } else {
        /* The right edge: columns past n read the last one. */
        OUTER_LOOP(gather16(bp, 1, last + 1), gather16(bp + min(16, last), 1, last - 15))
    }
    OUTER_ROWS(OUTER_STORE)
}

/* ---- B transposed: 4 x 4 tiles of dot products along k */

#define DOT4(X) X(0) X(1) X(2) X(3)
#define DOT_PAIRS(X)                                                                    \
    X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(1, 0) X(1, 1) X(1, 2) X(1, 3) X(2, 0) X(2, 1)     \
        X(2, 2) X(2, 3) X(3, 0) X(3, 1) X(3, 2) X(3, 3)
#define DOT_DECLARE(i, j) float16 s##i##j = (float16)(0.0f);
#define DOT_ROWS(r)                                                                     \
    global const float *pa##r = ab + (ulong)min(i0 + r, m - 1) * A_ROW;                 \
    global const float *pb##r = bb + (ulong)min(j0 + r, n - 1) * ldb;
/* Row r of op(A) and column r of op(B) (a row of B), 16 values of k from kk:
 * vector loads for whole chunks, gathers for the rest of k. */
#if TRANS_A
#define DOT_FULL_A(r) gather16(pa##r + (ulong)kk * lda, lda, 16)
#define DOT_TAIL_A(r) gather16(pa##r + (ulong)kk * lda, lda, k - kk)
#else
#define DOT_FULL_A(r) vload16(0, pa##r + kk)
#define DOT_TAIL_A(r) gather16(pa##r + kk, 1, k - kk)
#endif
#define DOT_FULL_B(r) vload16(0, pb##r + kk)
#define DOT_TAIL_B(r) gather16(pb##r + kk, 1, k - kk)
#define DOT_CHUNK(LOAD_A, LOAD_B)                                                       \
    {                                                                                   \
        float16 x0 = LOAD_A(0), x1 = LOAD_A(1), x2 = LOAD_A(2), x3 = LOAD_A(3);         \
        float16 y0 = LOAD_B(0), y1 = LOAD_B(1), y2 = LOAD_B(2), y3 = LOAD_B(3);         \
        DOT_PAIRS(DOT_STEP)                                                             \
    }
#define DOT_STEP(i, j) s##i##j = mad(x##i, y##j, s##i##j);

/* Lanes 0-7 hold partial sums of x (pairs of its lanes), 8-15 those of y.
 * oclgrind 21.10's uninitialized-value tracking flags the concatenated halves
 * (and crashes on a lane-by-lane sum instead), so check-gemm-batched runs
 * under tests/oclgrind.sh --no-uninitialized; its C starts as NaN and every
 * element is compared, so unwritten or undefined results would show. */
inline float16 pair_sum(float16 x, float16 y)
{
    return (float16)(x.even + x.odd, y.even + y.odd);
}

inline void store4(global float *dst, float4 v, int count, float beta)
{
    if (count >= 4) {
        if (beta != 0.0f) v = mad((float4)(beta), vload4(0, dst), v);
        vstore4(v, 0, dst);
    } else {
        for (int l = 0; l < count; l++) {
            float x = l == 0 ? v.x : l == 1 ? v.y : v.z;
            dst[l] = beta != 0.0f ? mad(beta, dst[l], x) : x;
        }
    }
}

kernel void gemm_dot(GEMM_ARGS)
{
    GEMM_TILE_SETUP(4, 4)
    DOT4(DOT_ROWS)
    DOT_PAIRS(DOT_DECLARE)
    int kk = 0;
    for (; kk + 16 <= k; kk += 16) DOT_CHUNK(DOT_FULL_A, DOT_FULL_B)
    if (kk < k) DOT_CHUNK(DOT_TAIL_A, DOT_TAIL_B)
    /* Four levels of pair sums: lane l of `all` is the sum of s<l / 4><l % 4>. */
    float16 q0 = pair_sum(pair_sum(s00, s01), pair_sum(s02, s03));
    float16 q1 = pair_sum(pair_sum(s10, s11), pair_sum(s12, s13));
    float16 q2 = pair_sum(pair_sum(s20, s21), pair_sum(s22, s23));
    float16 q3 = pair_sum(pair_sum(s30, s31), pair_sum(s32, s33));
    float16 all = alpha * pair_sum(pair_sum(q0, q1), pair_sum(q2, q3));
    int cols = n - j0;
    if (i0 < m) store4(cb, all.s0123, cols, beta);
    if (i0 + 1 < m) store4(cb + ldc, all.s4567, cols, beta);
    if (i0 + 2 < m) store4(cb + 2 * ldc, all.s89ab, cols, beta);
    if (i0 + 3 < m) store4(cb + 3 * ldc, all.scdef, cols, beta);
}
