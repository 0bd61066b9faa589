/* Pooling kernels (include/clnn/pool.h). Build options:
 *   MODE   0 max, 1 average excluding padding, 2 average including padding
 *   IDX    1: max pooling also writes plane-local argmax indices (h * W + w)
 *   OV     outputs per work-item along a row in pool_forward (4 or 8)
 *   SW     horizontal stride baked in for vector loads (1 or 2); 0: any stride
 *   LOCAL  work-group size of global_pool_large (the context's fixed local size)
 * Geometry arguments: size = (H, W, OH, OW), win = (KH, KW, SH, SW),
 * pad = (top, left, bottom, right), dil = (DH, DW). Offsets are in elements. */

#define POOL_MAX (MODE == 0)

#define OFLOAT CLNN_CAT(float, OV)
#define OINT CLNN_CAT(int, OV)
#define OLOAD CLNN_CAT(vload, OV)
#define OSTORE CLNN_CAT(vstore, OV)
#if OV == 4
#define OIOTA ((int4)(0, 1, 2, 3))
#define OLOAD2 vload8
#elif OV == 8
#define OIOTA ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#define OLOAD2 vload16
#else
#error "OV must be 4 or 8"
#endif

/* Max pooling's update rule, for scalars and vectors alike: the first element of a
 * window (best < 0) is always taken, then a larger value wins, ties keep the
 * earlier element and the first NaN sticks (x != x: PoCL does not inline
 * isnan on vectors). */
#define MAX_TAKE(v, m, best) \
    (((v) > (m)) | (((v) != (v)) & ((m) == (m))) | ((best) < 0))

/* OV elements p[0], p[s], ... p[(OV - 1) * s]. The caller guarantees that
 * p[OV * s - 1] is inside the row (vload of 2 * OV for stride 2). */
#if SW == 1
#define LOAD_STRIDED(p, s) OLOAD(0, p)
#elif SW == 2
#define LOAD_STRIDED(p, s) OLOAD2(0, p).even
#else
inline OFLOAT load_strided(global const float *p, int s)
{
    float t[OV];
    for (int j = 0; j < OV; j++) t[j] = p[j * s];
    return OLOAD(0, t);
}
#define LOAD_STRIDED(p, s) load_strided(p, s)
#endif

/* Average pooling's divisor along one axis, for a window starting at `start`
 * (negative inside the leading padding) of k taps over n inputs followed by
 * `pad_end` of padding. */
inline int avg_extent(int start, int k, int n, int pad_end)
{
#if MODE == 2
    return min(start + k, n + pad_end) - start;
#else
    return min(start + k, n) - max(start, 0);
#endif
}

/* One output whose window's top-left tap is (h0, w0), with every bound checked.
 * Writes the argmax (max mode) to *arg. */
inline float pool_one(global const float *x, int4 size, int4 win, int4 pad, int2 dil,
                      int h0, int w0, int *arg)
{
    const int H = size.s0, W = size.s1;
#if POOL_MAX
    float m = -INFINITY;
    int best = -1;
    for (int kh = 0; kh < win.s0; kh++) {
        int ih = h0 + kh * dil.s0;
        if (ih < 0 || ih >= H) continue;
        for (int kw = 0; kw < win.s1; kw++) {
            int iw = w0 + kw * dil.s1;
            if (iw < 0 || iw >= W) continue;
            float v = x[ih * W + iw];
            if (MAX_TAKE(v, m, best)) {
                m = v;
                best = ih * W + iw;
            }
        }
    }
    *arg = best;
    return m;
#else
    float s = 0.0f;
    for (int ih = max(h0, 0); ih < min(h0 + win.s0, H); ih++)
        for (int iw = max(w0, 0); iw < min(w0 + win.s1, W); iw++) s += x[ih * W + iw];
    *arg = 0;
    return s / (float)(avg_extent(h0, win.s0, H, pad.s2) * avg_extent(w0, win.s1, W, pad.s3));
#endif
}

/* One output at column ow of a row (x, y and arg point at the plane, the output
 * row and its indices), every bound checked. */
inline void pool_scalar(global const float *x, global float *y, global int *arg, int4 size,
                        int4 win, int4 pad, int2 dil, int h0, int ow)
{
    int a;
    y[ow] = pool_one(x, size, win, pad, dil, h0, ow * win.s3 - pad.s1, &a);
#if IDX
    arg[ow] = a;
#endif
}

/* OV consecutive outputs from column ow0 whose windows lie inside the row
 * horizontally: OV-wide vectors, one vector load per kernel tap. */
inline void pool_vector(global const float *x, global float *y, global int *arg, int4 size,
                        int4 win, int4 pad, int2 dil, int h0, int ow0)
{
    const int H = size.s0, W = size.s1, w0 = ow0 * win.s3 - pad.s1;
#if POOL_MAX
    OFLOAT m = (OFLOAT)(-INFINITY);
#if IDX
    OINT best = (OINT)(-1);
#endif
    for (int kh = 0; kh < win.s0; kh++) {
        int ih = h0 + kh * dil.s0;
        if (ih < 0 || ih >= H) continue;
        global const float *p = x + ih * W + w0;
#if IDX
        OINT at = (OINT)(ih * W + w0) + OIOTA * win.s3;
#endif
        for (int kw = 0; kw < win.s1; kw++) {
            OFLOAT v = LOAD_STRIDED(p + kw * dil.s1, win.s3);
#if IDX
            OINT take = MAX_TAKE(v, m, best);
            best = select(best, at + kw * dil.s1, take);
#else
            OINT take = (v > m) | (v != v); /* the value alone: -inf start suffices */
#endif
            m = select(m, v, take);
        }
    }
    OSTORE(m, 0, y + ow0);
#if IDX
    OSTORE(best, 0, arg + ow0);
#endif
#else
    OFLOAT s = (OFLOAT)(0.0f);
    for (int ih = max(h0, 0); ih < min(h0 + win.s0, H); ih++)
        for (int kw = 0; kw < win.s1; kw++) s += LOAD_STRIDED(x + ih * W + w0 + kw, win.s3);
    float count = (float)(avg_extent(h0, win.s0, H, pad.s2) * win.s1);
    OSTORE(s / count, 0, y + ow0);
#endif
}

/* One work-item per output row, so the index arithmetic is paid once per row:
 * scalar outputs over the left padding, vector blocks while the windows stay
 * inside the row, scalar outputs for the rest. */
kernel void pool_forward(global const float *x, ulong x_off, global float *y, ulong y_off,
                         global int *arg, ulong arg_off, int4 size, int4 win, int4 pad,
                         int2 dil, ulong rows)
{
    const ulong row = get_global_id(0); /* (n * C + c) * OH + oh */
    if (row >= rows) return;
    const int W = size.s1, OH = size.s2, OW = size.s3;
    const ulong plane = row / OH;
    /* remainder by hand: a % next to a / makes LLVM emit `freeze`, which oclgrind
     * cannot simulate */
    const int h0 = (int)(row - plane * OH) * win.s2 - pad.s0;
    x += x_off + plane * size.s0 * W;
    y += y_off + row * OW;
    arg += arg_off + row * OW;
    const int lead = min(OW, (pad.s1 + win.s3 - 1) / win.s3); /* windows starting < 0 */
    const int reach = (win.s1 - 1) * dil.s1 + OV * win.s3;   /* see LOAD_STRIDED */
    int ow = 0;
    for (; ow < lead; ow++) pool_scalar(x, y, arg, size, win, pad, dil, h0, ow);
    for (; ow + OV <= OW && ow * win.s3 - pad.s1 + reach <= W; ow += OV)
        pool_vector(x, y, arg, size, win, pad, dil, h0, ow);
    /* A row tail shorter than OV: one vector over the last OV outputs when they
     * fit, rewriting some outputs with the same values. */
    const int last = OW - OV;
    if (ow < OW && last >= lead && last * win.s3 - pad.s1 + reach <= W) {
        pool_vector(x, y, arg, size, win, pad, dil, h0, last);
        ow = OW;
    }
    for (; ow < OW; ow++) pool_scalar(x, y, arg, size, win, pad, dil, h0, ow);
}

/* First window index along an axis whose taps can reach padded position t. */
inline int first_window(int t, int k, int s, int d)
{
    int lo = t - (k - 1) * d;
    return lo <= 0 ? 0 : (lo + s - 1) / s;
}

/* dx gathered per input element from the windows covering it, in a fixed order
 * (deterministic, no atomics). Max: dy of each window whose argmax is this
 * element; average: dy of each window divided by its count. A work-item gathers
 * OV neighbours of one input row as a vector: the windows' rows and the range of
 * window columns are found once for all of them, each lane keeps the windows
 * that cover it. */
kernel void pool_backward(global const float *dy, ulong dy_off, global const int *arg,
                          ulong arg_off, global float *dx, ulong dx_off, int4 size, int4 win,
                          int4 pad, int2 dil, ulong items)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    const int H = size.s0, W = size.s1, OH = size.s2, OW = size.s3;
    const int parts = (W + OV - 1) / OV;
    const ulong row = gid / parts, plane = row / H; /* row = plane * H + ih */
    const int ih = (int)(row - plane * H), iw0 = (int)(gid - row * parts) * OV;
    dy += dy_off + plane * OH * OW;
    arg += arg_off + plane * OH * OW;
    const int th = ih + pad.s0, tw0 = iw0 + pad.s1;
    const OINT tw = (OINT)(tw0) + OIOTA;
    const int oh_hi = min(th / win.s2, OH - 1);
    const int ow_lo = first_window(tw0, win.s1, win.s3, dil.s1);
    const int ow_hi = min((tw0 + OV - 1) / win.s3, OW - 1);
    const int reach = (win.s1 - 1) * dil.s1; /* last tap's offset in a window */
#if POOL_MAX
    const OINT p = (OINT)(ih * W + iw0) + OIOTA;
#endif
    OFLOAT acc = (OFLOAT)(0.0f);
    for (int oh = first_window(th, win.s0, win.s2, dil.s0); oh <= oh_hi; oh++) {
        int rh = th - oh * win.s2;
        if (rh > (win.s0 - 1) * dil.s0 || rh != rh / dil.s0 * dil.s0) continue;
#if !POOL_MAX
        int hcount = avg_extent(oh * win.s2 - pad.s0, win.s0, H, pad.s2);
#endif
        for (int ow = ow_lo; ow <= ow_hi; ow++) {
            int o = oh * OW + ow;
#if POOL_MAX
            OINT take = arg[o] == p; /* the argmax lies in the window */
            acc += select((OFLOAT)(0.0f), (OFLOAT)(dy[o]), take);
#else
            OINT rw = tw - ow * win.s3;
            OINT take = (rw >= 0) & (rw <= reach);
            if (dil.s1 > 1) take &= rw == rw / dil.s1 * dil.s1;
            float share =
                dy[o] / (float)(hcount * avg_extent(ow * win.s3 - pad.s1, win.s1, W, pad.s3));
            acc += select((OFLOAT)(0.0f), (OFLOAT)(share), take);
#endif
        }
    }
    global float *out = dx + dx_off + row * W + iw0;
    if (iw0 + OV <= W) {
        OSTORE(acc, 0, out);
    } else {
        float t[OV];
        OSTORE(acc, 0, t);
        for (int j = 0; j < W - iw0; j++) out[j] = t[j];
    }
}

/* ---- global pooling: one value (and index) per plane of hw elements */

/* Folds (v, i) into the running (m, best) of a strided scan or a reduction tree:
 * the earlier index wins ties so the result matches a row-major scan. */
inline void max_merge(float *m, int *best, float v, int i)
{
    if (i < 0) return;
    bool tie = v == *m || (isnan(v) && isnan(*m));
    if (MAX_TAKE(v, *m, *best) || (tie && i < *best)) {
        *m = v;
        *best = i;
    }
}

/* Small planes: one work-item loops over its plane. */
kernel void global_pool_small(global const float *x, ulong x_off, global float *y,
                              ulong y_off, global int *arg, ulong arg_off, int hw,
                              ulong planes)
{
    ulong plane = get_global_id(0);
    if (plane >= planes) return;
    x += x_off + plane * hw;
#if POOL_MAX
    float m = -INFINITY;
    int best = -1;
    for (int i = 0; i < hw; i++) max_merge(&m, &best, x[i], i);
    y[y_off + plane] = m;
#if IDX
    arg[arg_off + plane] = best;
#endif
#else
    float s = 0.0f;
    for (int i = 0; i < hw; i++) s += x[i];
    y[y_off + plane] = s / (float)hw;
#endif
}

/* Large planes: one work-group of LOCAL items per plane; each item scans a
 * strided share, then a tree in local memory combines the shares. */
kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
global_pool_large(global const float *x, ulong x_off, global float *y, ulong y_off,
                  global int *arg, ulong arg_off, int hw, ulong planes)
{
    local float val[LOCAL];
    local int idx[LOCAL];
    const ulong plane = get_group_id(0);
    const int lid = (int)get_local_id(0);
    x += x_off + plane * hw;
#if POOL_MAX
    float m = -INFINITY;
    int best = -1;
    for (int i = lid; i < hw; i += LOCAL) max_merge(&m, &best, x[i], i);
    idx[lid] = best;
#else
    float m = 0.0f;
    for (int i = lid; i < hw; i += LOCAL) m += x[i];
#endif
    val[lid] = m;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = 1; s < LOCAL; s <<= 1) {
        if ((lid & (2 * s - 1)) == 0 && lid + s < LOCAL) {
#if POOL_MAX
            float a = val[lid];
            int ai = idx[lid];
            max_merge(&a, &ai, val[lid + s], idx[lid + s]);
            val[lid] = a;
            idx[lid] = ai;
#else
            val[lid] += val[lid + s];
#endif
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid != 0 || plane >= planes) return;
#if POOL_MAX
    y[y_off + plane] = val[0];
#if IDX
    arg[arg_off + plane] = idx[0];
#endif
#else
    y[y_off + plane] = val[0] / (float)hw;
#endif
}
