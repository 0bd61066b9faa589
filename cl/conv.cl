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

/* col[c*KH*KW + ki*KW + kj][img*OH*OW + oh*OW + ow] = x[img][c][tap input]: the
 * columns of G_IMAGES images side by side. A work-item writes one output row (OW
 * consecutive columns), so neighbours write neighbouring runs; the run is zeros,
 * a copy of an input row segment, zeros, and the copy needs no per-element bounds
 * checks. */
kernel void im2col(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    ulong row; /* row = (c * taps + tap) * images + img */
    int oh, ctap, img, c, tap, ki, kj, taps = G_KH * G_KW;
    DIVMOD(gid, (ulong)G_OH, row, oh);
    DIVMOD((int)row, G_IMAGES, ctap, img);
    DIVMOD(ctap, taps, c, tap);
    DIVMOD(tap, G_KW, ki, kj);
    global float *dst = out + out_off + row * G_OH * G_OW + oh * G_OW;
    int ih = oh * G_SH - G_PT + ki * G_DH, iw0 = kj * G_DW - G_PL;
    /* Columns [lo, hi) read inside the input row. */
    int lo = iw0 >= 0 ? 0 : min(G_OW, (G_SW - 1 - iw0) / G_SW);
    int hi = G_W - 1 - iw0 < 0 ? 0 : min(G_OW, (G_W - 1 - iw0) / G_SW + 1);
    if (ih < 0 || ih >= G_H) lo = hi = G_OW;
    hi = max(hi, lo);
    /* Only indices inside the input row are formed (iw0 + ow * SW >= 0 for ow >= lo). */
    ulong plane_index = (ulong)img * G_C + c;
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

/* dx[img][c][ih][iw] = sum over taps of col[c*taps + tap][img * OHW + tap output]
 * (im2col's layout): a gather, one work-item per input row, so every element is
 * written by one work-item in a fixed order (deterministic, no atomics). With
 * stride 1 a tap adds a contiguous run of a column row. */
kernel void col2im(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int ih, plane_index, img, c, ohw = G_OH * G_OW;
    DIVMOD((int)gid, G_H, plane_index, ih);
    DIVMOD(plane_index, G_C, img, c);
    ulong tap_stride = (ulong)G_IMAGES * ohw;
    global float *dst = out + out_off + gid * G_W;
    global const float *col =
        in + in_off + (ulong)c * G_KH * G_KW * tap_stride + (ulong)img * ohw;
    for (int iw = 0; iw < G_W; iw++) dst[iw] = 0.0f;
    for (int ki = 0; ki < G_KH; ki++) {
        int th = ih + G_PT - ki * G_DH, oh = th / G_SH;
        if (th < 0 || oh * G_SH != th || oh >= G_OH) continue;
        for (int kj = 0; kj < G_KW; kj++) {
            global const float *src = col + (ki * G_KW + kj) * tap_stride + oh * G_OW;
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

/* Y-shaped data of G_IMAGES images between NCHW [img][K][OHW] and a GEMM chunk's
 * [K][img * OHW]: each work-item moves 16 floats of one row (the whole row is
 * contiguous on both sides). */
inline void move_row_part(global const float *src, global float *dst, int n)
{
    if (n >= 16) {
        vstore16(vload16(0, src), 0, dst);
    } else {
        for (int i = 0; i < n; i++) dst[i] = src[i];
    }
}

/* (offset in NCHW, offset in the chunk, floats left) of work-item gid. */
inline int3 chunk_row(ulong gid, int16 g)
{
    int ohw = G_OH * G_OW, parts = (ohw + 15) / 16, row, part, img, k;
    DIVMOD((int)gid, parts, row, part); /* row = img * K + k */
    DIVMOD(row, G_K, img, k);
    int at = part * 16;
    return (int3)(row * ohw + at, (k * G_IMAGES + img) * ohw + at, ohw - at);
}

kernel void batch(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int3 r = chunk_row(gid, g);
    move_row_part(in + in_off + r.x, out + out_off + r.y, r.z);
}

kernel void unbatch(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int3 r = chunk_row(gid, g);
    move_row_part(in + in_off + r.y, out + out_off + r.x, r.z);
}

/* Eight inputs of one input row at columns iw, iw + sw, ..., iw + 7 * sw, zero
 * outside [0, W); only in-range addresses are formed. */
inline float8 row_taps(global const float *row, int iw, int sw, int W)
{
    if (sw == 1 && iw >= 0 && iw + 7 < W) return vload8(0, row + iw);
    float t[8];
    for (int j = 0; j < 8; j++) {
        int at = iw + j * sw;
        t[j] = at >= 0 && at < W ? row[at] : 0.0f;
    }
    return vload8(0, t);
}

/* The first n (at most 8) lanes of v to dst. */
inline void store_taps(float8 v, global float *dst, int n)
{
    if (n >= 8) {
        vstore8(v, 0, dst);
        return;
    }
    float t[8];
    vstore8(v, 0, t);
    for (int j = 0; j < n; j++) dst[j] = t[j];
}

/* Depthwise forward: y[n][c][oh][ow] = sum over taps of x * w[c][tap]. A
 * work-item computes eight neighbouring outputs of one row as a float8, with one
 * (vector) load per tap. */
kernel void depthwise_forward(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int parts = (G_OW + 7) / 8, part, oh;
    ulong row, plane_index; /* row = plane_index * OH + oh */
    DIVMOD(gid, (ulong)parts, row, part);
    DIVMOD(row, (ulong)G_OH, plane_index, oh);
    int c = (int)(plane_index - plane_index / G_C * G_C), ow0 = part * 8;
    global const float *plane = in + in_off + plane_index * G_H * G_W;
    global const float *wc = wt + wt_off + c * G_KH * G_KW;
    int iw0 = ow0 * G_SW - G_PL;
    float8 acc = (float8)(0.0f);
    for (int ki = 0; ki < G_KH; ki++) {
        int ih = oh * G_SH - G_PT + ki * G_DH;
        if (ih < 0 || ih >= G_H) continue;
        for (int kj = 0; kj < G_KW; kj++)
            acc += row_taps(plane + ih * G_W, iw0 + kj * G_DW, G_SW, G_W) *
                   wc[ki * G_KW + kj];
    }
    global float *dst = out + out_off + row * G_OW + ow0;
    store_taps(acc, dst, G_OW - ow0);
}

/* Eight dy values of one dy row feeding inputs iw0 .. iw0 + 7 through column tap
 * kj (zero where an input falls between strides or outside the row). */
inline float8 dy_taps(global const float *row, int iw0, int kj, int16 g)
{
    int tw0 = iw0 + G_PL - kj * G_DW;
    if (G_SW == 1) return row_taps(row, tw0, 1, G_OW);
    float t[8];
    for (int j = 0; j < 8; j++) {
        int tw = tw0 + j, ow = tw / G_SW;
        t[j] = tw >= 0 && ow * G_SW == tw && ow < G_OW ? row[ow] : 0.0f;
    }
    return vload8(0, t);
}

/* Depthwise backward data: dx[n][c][ih][iw] = sum over taps of dy * w[c][tap], a
 * gather; a work-item computes eight neighbouring inputs of one row. */
kernel void depthwise_backward_data(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int parts = (G_W + 7) / 8, part, ih;
    ulong row, plane_index; /* row = plane_index * H + ih */
    DIVMOD(gid, (ulong)parts, row, part);
    DIVMOD(row, (ulong)G_H, plane_index, ih);
    int c = (int)(plane_index - plane_index / G_C * G_C), iw0 = part * 8;
    global const float *dy = in + in_off + plane_index * G_OH * G_OW;
    global const float *wc = wt + wt_off + c * G_KH * G_KW;
    float8 acc = (float8)(0.0f);
    for (int ki = 0; ki < G_KH; ki++) {
        int th = ih + G_PT - ki * G_DH, oh = th / G_SH;
        if (th < 0 || oh * G_SH != th || oh >= G_OH) continue;
        for (int kj = 0; kj < G_KW; kj++)
            acc += dy_taps(dy + oh * G_OW, iw0, kj, g) * wc[ki * G_KW + kj];
    }
    global float *dst = out + out_off + row * G_W + iw0;
    store_taps(acc, dst, G_W - iw0);
}

/* Depthwise backward weights: dw[c][tap] = sum over n, oh, ow of dy * x (in = x,
 * wt = dy). One work-item per weight, eight outputs of a row at a time; the batch
 * is G_IMAGES. */
kernel void depthwise_backward_weights(CONV_ARGS)
{
    ulong gid = get_global_id(0);
    if (gid >= items) return;
    int taps = G_KH * G_KW, c, tap, ki, kj;
    DIVMOD((int)gid, taps, c, tap);
    DIVMOD(tap, G_KW, ki, kj);
    float8 acc = (float8)(0.0f);
    for (int n = 0; n < G_IMAGES; n++) {
        ulong plane_index = (ulong)n * G_C + c;
        global const float *plane = in + in_off + plane_index * G_H * G_W;
        global const float *dy = wt + wt_off + plane_index * G_OH * G_OW;
        for (int oh = 0; oh < G_OH; oh++) {
            int ih = oh * G_SH - G_PT + ki * G_DH;
            if (ih < 0 || ih >= G_H) continue;
            for (int ow0 = 0; ow0 < G_OW; ow0 += 8)
                acc += row_taps(dy + oh * G_OW, ow0, 1, G_OW) *
                       row_taps(plane + ih * G_W, ow0 * G_SW - G_PL + kj * G_DW, G_SW, G_W);
        }
    }
    float4 quad = acc.lo + acc.hi;
    out[out_off + gid] = (quad.x + quad.y) + (quad.z + quad.w);
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
