/* Embedding lookup, its gradient, and the sinusoidal positional encoding.
 * Offsets are in elements. Build options: VEC (float vector width). */

/* A work-item per (position p, VEC-wide chunk of D); the tail chunk of a row is
 * done element by element. Out-of-range indices give zeros and raise the flag. */
kernel void embedding_forward(global const float *table, ulong to, global const int *idx,
                              ulong io, global float *y, ulong yo, global int *flag, ulong fo,
                              int use_flag, ulong positions, ulong V, ulong D, long pad)
{
    ulong chunks = (D + VEC - 1) / VEC;
    ulong gid = get_global_id(0);
    if (gid >= positions * chunks) return;
    ulong p = gid / chunks, c = gid - p * chunks, d0 = c * VEC;
    long v = idx[io + p];
    int bad = v < 0 || (ulong)v >= V;
    int zero = bad || v == pad;
    if (bad && use_flag) atomic_or(flag + fo, 1); /* many items may set it */
    global const float *src = table + to + (zero ? 0 : (ulong)v * D);
    global float *dst = y + yo + p * D;
    if (d0 + VEC <= D) {
        VSTORE(zero ? (VFLOAT)(0.0f) : VLOAD(0, src + d0), 0, dst + d0);
    } else {
        for (ulong d = d0; d < D; d++) dst[d] = zero ? 0.0f : src[d];
    }
}

/* dtable[v, d] = sum over positions p with idx[p] == v of dy[p, d]: a work-item
 * per (v, d), positions in order (deterministic, no atomics). */
kernel void embedding_backward(global const int *idx, ulong io, global const float *dy,
                               ulong dyo, global float *dt, ulong dto, ulong positions,
                               ulong V, ulong D, long pad)
{
    ulong gid = get_global_id(0);
    if (gid >= V * D) return;
    ulong v = gid / D, d = gid - v * D;
    float s = 0.0f;
    if ((long)v != pad) {
        for (ulong p = 0; p < positions; p++)
            if (idx[io + p] == (int)v) s += dy[dyo + p * D + d];
    }
    dt[dto + gid] = s;
}

/* y[t, 2i] = sin(t * w_i), y[t, 2i + 1] = cos(t * w_i), w_i = 10000^(-2i / D). */
kernel void positional_encoding(global float *y, ulong yo, ulong T, ulong D)
{
    ulong gid = get_global_id(0);
    if (gid >= T * D) return;
    ulong t = gid / D, d = gid - t * D, i2 = d & ~(ulong)1;
    float w = exp(-9.210340371976184f * (float)i2 / (float)D); /* ln(10000) */
    float a = (float)t * w;
    y[yo + gid] = (d & 1) ? cos(a) : sin(a);
}
