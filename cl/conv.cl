/* Convolution kernels: im2col / col2im for the GEMM path, the depthwise direct
 * passes and the bias gradient. Every kernel takes (in, in_off, out, out_off, wt,
 * wt_off, g) with offsets in elements and the geometry packed in an int16 (see
 * the G_* names); work-items past `items` return. */

#define G_C g.s0
#define G_H g.s1
#define G_W g.s2
#define G_K g.s3
#define G_OH g.s4
#define G_OW g.s5
#define G_KH g.s6
#define G_KW g.s7
#define G_SH g.s8
#define G_SW g.s9
#define G_DH g.sa
#define G_DW g.sb
#define G_PT g.sc
#define G_PL g.sd
#define G_IMAGES g.se

/* Quotient and remainder by hand: a % next to a / makes LLVM emit `freeze`, which
 * oclgrind cannot simulate. */
#define DIVMOD(a, b, q, r)                                                              \
    do {                                                                                \
        q = (a) / (b);                                                                  \
        r = (a) - (q) * (b);                                                            \
    } while (0)

#define CONV_ARGS                                                                       \
    global const float *in, ulong in_off, global float *out, ulong out_off,            \
        global const float *wt, ulong wt_off, int16 g, ulong items

/* The output position that input pixel (ih, iw) feeds through tap (ki, kj), or -1
 * when it falls between strides or outside the output. */
inline int tap_output(int ih, int iw, int ki, int kj, int16 g)
{
    int th = ih + G_PT - ki * G_DH, tw = iw + G_PL - kj * G_DW;
    if (th < 0 || tw < 0) return -1;
    int oh = th / G_SH, ow = tw / G_SW;
    if (oh * G_SH != th || ow * G_SW != tw) return -1; /* between strides */
    return oh < G_OH && ow < G_OW ? oh * G_OW + ow : -1;
}

/* Input value under output position (oh, ow) for tap (ki, kj) of one channel
 * plane, 0 in the padding. */
inline float tap_input(global const float *plane, int oh, int ow, int ki, int kj,
                       int16 g)
{
    int ih = oh * G_SH - G_PT + ki * G_DH, iw = ow * G_SW - G_PL + kj * G_DW;
    return ih >= 0 && ih < G_H && iw >= 0 && iw < G_W ? plane[ih * G_W + iw] : 0.0f;
}

/* col[img][c*KH*KW + ki*KW + kj][oh*OW + ow] = x[img][c][tap input]. A work-item
 * writes one output row (OW consecutive columns), so neighbours write neighbouring
 * runs; the run is zeros, a copy of an input row segment, zeros, and the copy
 * needs no per-element bounds checks. */
kernel void im2col(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    ulong row, plane_index; /* row = (img * C + c) * taps + tap */
    int oh, tap, ki, kj, taps = G_KH * G_KW;
    DIVMOD(gid, (ulong)G_OH, row, oh);
    DIVMOD(row, (ulong)taps, plane_index, tap);
    DIVMOD(tap, G_KW, ki, kj);
    global float *dst = out + out_off + row * G_OH * G_OW + oh * G_OW;
    int ih = oh * G_SH - G_PT + ki * G_DH, iw0 = kj * G_DW - G_PL;
    /* Columns [lo, hi) read inside the input row. */
    int lo = iw0 >= 0 ? 0 : min(G_OW, (G_SW - 1 - iw0) / G_SW);
    int hi = G_W - 1 - iw0 < 0 ? 0 : min(G_OW, (G_W - 1 - iw0) / G_SW + 1);
    if (ih < 0 || ih >= G_H) lo = hi = G_OW;
    hi = max(hi, lo);
    /* Only indices inside the input row are formed (iw0 + ow * SW >= 0 for ow >= lo). */
    global const float *src = in + in_off + plane_index * G_H * G_W + max(ih, 0) * G_W;
    int ow = 0;
    for (; ow < lo; ow++) dst[ow] = 0.0f;
    if (G_SW == 1) {
        for (; ow < hi; ow++) dst[ow] = src[iw0 + ow];
    } else {
        for (; ow < hi; ow++) dst[ow] = src[iw0 + ow * G_SW];
    }
    for (; ow < G_OW; ow++) dst[ow] = 0.0f;
}

/* dx[img][c][ih][iw] = sum over taps of col[img][c*taps + tap][tap output]: a
 * gather, one work-item per input row, so every element is written by one
 * work-item in a fixed order (deterministic, no atomics). With stride 1 a tap
 * adds a contiguous run of a column row. */
kernel void col2im(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    ulong plane_index;
    int ih, ohw = G_OH * G_OW;
    DIVMOD(gid, (ulong)G_H, plane_index, ih);
    global float *dst = out + out_off + gid * G_W;
    global const float *col = in + in_off + plane_index * G_KH * G_KW * ohw;
    for (int iw = 0; iw < G_W; iw++) dst[iw] = 0.0f;
    for (int ki = 0; ki < G_KH; ki++) {
        int th = ih + G_PT - ki * G_DH, oh = th / G_SH;
        if (th < 0 || oh * G_SH != th || oh >= G_OH) continue;
        for (int kj = 0; kj < G_KW; kj++) {
            global const float *src = col + (ki * G_KW + kj) * ohw + oh * G_OW;
            int shift = G_PL - kj * G_DW; /* tw = iw + shift */
            if (G_SW == 1) {
                int hi = min(G_W, G_OW - shift);
                for (int iw = max(0, -shift); iw < hi; iw++) dst[iw] += src[iw + shift];
            } else {
                for (int iw = 0; iw < G_W; iw++) {
                    int tw = iw + shift, ow = tw / G_SW;
                    if (tw >= 0 && ow * G_SW == tw && ow < G_OW) dst[iw] += src[ow];
                }
            }
        }
    }
}

/* Depthwise forward: y[n][c][oh][ow] = sum over taps of x * w[c][tap]. */
kernel void depthwise_forward(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int ohw = G_OH * G_OW, pos, oh, ow;
    ulong plane_index;
    DIVMOD(gid, (ulong)ohw, plane_index, pos);
    DIVMOD(pos, G_OW, oh, ow);
    int c = (int)(plane_index - plane_index / G_C * G_C);
    global const float *plane = in + in_off + plane_index * G_H * G_W;
    global const float *wc = wt + wt_off + c * G_KH * G_KW;
    float sum = 0.0f;
    for (int ki = 0; ki < G_KH; ki++)
        for (int kj = 0; kj < G_KW; kj++)
            sum += tap_input(plane, oh, ow, ki, kj, g) * wc[ki * G_KW + kj];
    out[out_off + gid] = sum;
}

/* Depthwise backward data: dx[n][c][ih][iw] = sum over taps of dy * w[c][tap]. */
kernel void depthwise_backward_data(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int hw = G_H * G_W, pix, ih, iw;
    ulong plane_index;
    DIVMOD(gid, (ulong)hw, plane_index, pix);
    DIVMOD(pix, G_W, ih, iw);
    int c = (int)(plane_index - plane_index / G_C * G_C);
    global const float *dy = in + in_off + plane_index * G_OH * G_OW;
    global const float *wc = wt + wt_off + c * G_KH * G_KW;
    float sum = 0.0f;
    for (int ki = 0; ki < G_KH; ki++)
        for (int kj = 0; kj < G_KW; kj++) {
            int o = tap_output(ih, iw, ki, kj, g);
            if (o >= 0) sum += dy[o] * wc[ki * G_KW + kj];
        }
    out[out_off + gid] = sum;
}

/* Depthwise backward weights: dw[c][tap] = sum over n, oh, ow of dy * x (in = x,
 * wt = dy). One work-item per weight; the batch is G_IMAGES. */
kernel void depthwise_backward_weights(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int taps = G_KH * G_KW, c, tap, ki, kj;
    DIVMOD((int)gid, taps, c, tap);
    DIVMOD(tap, G_KW, ki, kj);
    float sum = 0.0f;
    for (int n = 0; n < G_IMAGES; n++) {
        ulong plane_index = (ulong)n * G_C + c;
        global const float *plane = in + in_off + plane_index * G_H * G_W;
        global const float *dy = wt + wt_off + plane_index * G_OH * G_OW;
        for (int oh = 0; oh < G_OH; oh++)
            for (int ow = 0; ow < G_OW; ow++)
                sum += dy[oh * G_OW + ow] * tap_input(plane, oh, ow, ki, kj, g);
    }
    out[out_off + gid] = sum;
}

/* db[k] = sum of dy[n][k][*] over the batch (G_IMAGES) and the output plane. */
kernel void bias_grad(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int ohw = G_OH * G_OW;
    VFLOAT acc = (VFLOAT)(0.0f);
    float tail = 0.0f;
    for (int n = 0; n < G_IMAGES; n++) {
        global const float *p = in + in_off + ((ulong)n * G_K + gid) * ohw;
        int i = 0;
        for (; i + VEC <= ohw; i += VEC) acc += VLOAD(0, p + i);
        for (; i < ohw; i++) tail += p[i];
    }
#if VEC == 16
    float8 sum8 = acc.lo + acc.hi;
    float4 quarter = sum8.lo + sum8.hi;
#elif VEC == 8
    float4 quarter = acc.lo + acc.hi;
#else
    float4 quarter = acc;
#endif
    tail += quarter.x + quarter.y + quarter.z + quarter.w;
    out[out_off + gid] = tail;
}
