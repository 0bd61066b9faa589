/* Strided copies for slice, pad and expand: each y element reads the x element
 * at start[k] + y_index[k] * step[k] along every axis k. Options: -DT=uint|ulong
 * (the bits of a 4- or 8-byte element: the copy never interprets them), -DRANK=r
 * (1..8), -DBORDER=0 (every read is inside x), 1 (outside reads give `value`),
 * 2 (reflect about the edges, without repeating them), 3 (clamp to the edge);
 * -DCONTIG: the innermost axis has step 1 and reads only inside x.
 * Offsets are in elements. Remainders are computed by hand (r = a - q * b). */
#ifndef BORDER
#define BORDER 0
#endif

/* The coordinate c folded into [0, len) by reflection (period 2 * (len - 1)). */
inline long reflect_coord(long c, long len)
{
    if (c >= 0 && c < len) return c;   /* the interior: most reads */
    if (len == 1) return 0;
    long period = 2 * (len - 1), q = c / period, r = c - q * period;
    if (r < 0) r += period;
    return r >= len ? period - r : r;
}

/* Coordinate c of an axis of length len after the BORDER rule; *inside drops to
 * 0 when the constant mode reads outside x. */
inline long border_coord(long c, long len, int *inside)
{
#if BORDER == 1
    *inside &= c >= 0 && c < len;
#elif BORDER == 2
    c = reflect_coord(c, len);
#elif BORDER == 3
    c = clamp(c, 0L, len - 1);
#endif
    return c;
}

/* A work-item writes CHUNK (a -D option, a multiple of 8) consecutive elements
 * of one innermost row of y, so the index decomposition (divisions) is paid
 * once per chunk, not per element. */
#ifndef CHUNK
#define CHUNK 32
#endif

kernel void slice_forward(global const T *x, ulong x_off, global T *y, ulong y_off,
                          ulong items, long8 y_dims, long8 x_dims, long8 start, long8 step,
                          T value)
{
    ulong item = get_global_id(0);
    if (item >= items) return;
    long yd[8], xd[8], st[8], sp[8];
    vstore8(y_dims, 0, yd);
    vstore8(x_dims, 0, xd);
    vstore8(start, 0, st);
    vstore8(step, 0, sp);
    long inner = yd[RANK - 1], chunks = (inner + CHUNK - 1) / CHUNK;
    long row = (long)item / chunks, first = ((long)item - row * chunks) * CHUNK;
    long rem = row, base = 0, stride = xd[RANK - 1];
    int inside = 1;
    for (int k = RANK - 2; k >= 0; k--) {
        long q = rem / yd[k];
        base += border_coord(st[k] + (rem - q * yd[k]) * sp[k], xd[k], &inside) * stride;
        rem = q;
        stride *= xd[k];
    }
    long last = min(inner, first + CHUNK);
#ifdef CONTIG
    /* The host saw step 1 and every read inside x on the innermost axis: the
     * chunk moves 8 elements per vector load and store, the tail one by one. */
    if (inside) {
        global const T *src = x + x_off + base + st[RANK - 1];
        global T *dst = y + y_off + row * inner;
        for (; first + 8 <= last; first += 8) vstore8(vload8(0, src + first), 0, dst + first);
    }
#endif
    for (long o = first; o < last; o++) {
        int in = inside;
        long c = border_coord(st[RANK - 1] + o * sp[RANK - 1], xd[RANK - 1], &in);
        T v = value;
        if (in) v = x[x_off + base + c];
        y[y_off + row * inner + o] = v;
    }
}

/* The adjoint of slice_forward without a border: dx[c] = dy[o] where
 * c = start + o * step on every axis for an o inside dy, else 0. One work-item
 * per dx element, so every dx element is written once (no atomics). */
kernel void slice_backward(global const T *dy, ulong dy_off, global T *dx, ulong dx_off,
                           ulong n, long8 dy_dims, long8 dx_dims, long8 start, long8 step)
{
    ulong i = get_global_id(0);
    if (i >= n) return;
    long yd[8], xd[8], st[8], sp[8];
    vstore8(dy_dims, 0, yd);
    vstore8(dx_dims, 0, xd);
    vstore8(start, 0, st);
    vstore8(step, 0, sp);
    long rem = (long)i, src = 0, stride = 1;
    int hit = 1;
    for (int k = RANK - 1; k >= 0; k--) {
        long q = rem / xd[k];
        long d = rem - q * xd[k] - st[k];
        rem = q;
        long o = d / sp[k];
        hit &= o * sp[k] == d && o >= 0 && o < yd[k];
        src += o * stride;
        stride *= yd[k];
    }
    dx[dx_off + i] = hit ? dy[dy_off + src] : (T)0;
}
