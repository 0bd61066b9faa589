/* Gather along one axis and its adjoint. x is viewed as [outer, axis_len, inner]
 * and the indices as a flat list of `count`; y is [outer, count, inner].
 * Options: -DT=uint|ulong (element bits; the forward copies bits), -DI=int|long
 * (index type). Negative indices count from the end; an index outside
 * [-axis_len, axis_len) reads 0 (the host validates indices it knows).
 * Offsets are in elements. */

/* The row index k refers to, or -1 outside [-len, len). Computed in the index
 * type: rusticl's llvmpipe (Mesa 22, LLVM 15) mishandles negative int indices
 * widened to long before the comparisons. */
inline long gather_norm(I k, long len)
{
    I v = k < (I)0 ? k + (I)len : k;
    return v >= (I)0 && v < (I)len ? (long)v : -1L;
}

/* A work-item copies up to CHUNK (a -D option) consecutive elements of one
 * gathered row, so the index arithmetic is paid once per chunk. */
#ifndef CHUNK
#define CHUNK 32
#endif

kernel void gather_forward(global const T *x, ulong x_off, global const I *idx,
                           ulong idx_off, global T *y, ulong y_off, ulong items, long count,
                           long axis_len, long inner)
{
    ulong item = get_global_id(0);
    if (item >= items) return;
    long chunks = (inner + CHUNK - 1) / CHUNK, t = (long)item / chunks;
    long first = ((long)item - t * chunks) * CHUNK, last = min(inner, first + CHUNK);
    long outer = t / count, j = t - outer * count;
    long k = gather_norm(idx[idx_off + j], axis_len);
    global const T *src = x + x_off + (outer * axis_len + k) * inner;
    global T *dst = y + y_off + t * inner;
    for (long r = first; r < last; r++) {
        T v = 0;
        if (k >= 0) v = src[r];
        dst[r] = v;
    }
}

/* dx[o, k, r] = sum of dy[o, j, r] over the j whose index is k, in j order: one
 * work-item per dx element, deterministic, no atomics. */
kernel void gather_backward(global const I *idx, ulong idx_off, global const float *dy,
                            ulong dy_off, global float *dx, ulong dx_off, ulong n,
                            long count, long axis_len, long inner)
{
    ulong i = get_global_id(0);
    if (i >= n) return;
    long t = (long)i / inner, in_row = (long)i - t * inner;
    long outer = t / axis_len, k = t - outer * axis_len;
    global const float *row = dy + dy_off + outer * count * inner + in_row;
    float sum = 0.0f;
    for (long j = 0; j < count; j++)
        if (gather_norm(idx[idx_off + j], axis_len) == k) sum += row[j * inner];
    dx[dx_off + i] = sum;
}

/* ONNX MaxPool's Indices from clnn's plane-local int32 ones (h * width + w):
 * each plane of `plane` outputs adds its offset plane_index * height * width;
 * -DCOLUMN_MAJOR (storage_order 1) numbers a plane's elements w * height + h.
 * -1 (a window wholly in the padding) stays -1. */
kernel void plane_indices(global const int *local_idx, ulong in_off, global long *out,
                          ulong out_off, ulong n, long plane, long height, long width)
{
    ulong i = get_global_id(0);
    if (i >= n) return;
    long v = local_idx[in_off + i];
#ifdef COLUMN_MAJOR
    long h = v / width;
    v = (v - h * width) * height + h;
#endif
    out[out_off + i] = local_idx[in_off + i] < 0 ? -1 : v + ((long)i / plane) * height * width;
}
