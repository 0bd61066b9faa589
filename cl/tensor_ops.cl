/* Layout kernels: a strided gather (transpose, broadcast) and a tiled transpose
 * of the last two axes. Options: -DT=<element type> (uint for 4-byte, ulong for
 * 8-byte elements), -DRANK=r, -DSCALED (float only: multiply by `scale`),
 * -DTILE=t, -DIDX=uint|ulong (index type), -DVEC (gather_rows' vector width).
 * Offsets are in elements. */
#ifndef T
#define T float
#endif
#ifndef IDX
#define IDX ulong
#endif

/* y[i] = x[offset of i's multi-index in `dims` through `strides`] (* scale). */
kernel void gather_strided(global const T *x, ulong x_off, global T *y, ulong y_off,
                           ulong n, ulong8 dims, ulong8 strides, float scale)
{
    ulong i = get_global_id(0);
    if (i >= n) return;
    ulong d[8], s[8];
    vstore8(dims, 0, d);
    vstore8(strides, 0, s);
    /* IDX is uint when every index fits, which makes the divisions cheap; the
     * outermost axis needs none. */
    IDX rem = (IDX)i, src = 0;
    for (int k = RANK - 1; k > 0; k--) {
        IDX q = rem / (IDX)d[k];
        src += (rem - q * (IDX)d[k]) * (IDX)s[k];
        rem = q;
    }
    src += rem * (IDX)s[0];
#ifdef SCALED
    y[y_off + i] = x[x_off + src] * scale;
#else
    y[y_off + i] = x[x_off + src];
#endif
}

#if RANK >= 2
/* The same map when the innermost axis is contiguous in x (stride 1): a work-item
 * moves VEC neighbours of one row with a vector load and store; the row's last
 * partial chunk goes element by element. */
kernel void gather_rows(global const T *x, ulong x_off, global T *y, ulong y_off, ulong n,
                        ulong8 dims, ulong8 strides, float scale)
{
    ulong d[8], s[8];
    vstore8(dims, 0, d);
    vstore8(strides, 0, s);
    IDX inner = (IDX)d[RANK - 1], per_row = (inner + VEC - 1) / VEC, item = get_global_id(0);
    IDX row = item / per_row, col = (item - row * per_row) * VEC;
    if ((ulong)row * inner >= n) return;
    IDX rem = row, src = col;
    for (int k = RANK - 2; k > 0; k--) {
        IDX q = rem / (IDX)d[k];
        src += (rem - q * (IDX)d[k]) * (IDX)s[k];
        rem = q;
    }
    src += rem * (IDX)s[0];
    global const T *xp = x + x_off + src;
    global T *yp = y + y_off + row * inner + col;
#ifdef SCALED
#define SCALE_BY(v) ((v) * scale)
#else
#define SCALE_BY(v) (v)
#endif
    if (col + VEC <= inner) {
        VSTORE(SCALE_BY(VLOAD(0, xp)), 0, yp);
    } else {
        for (IDX j = 0; col + j < inner; j++) yp[j] = SCALE_BY(xp[j]);
    }
}
#endif

#ifdef TILE
/* x [batch, rows, cols] -> y [batch, cols, rows]; work-group (TILE, TILE, 1), one
 * tile per group, read and written along rows so both sides stay contiguous. The
 * extra column keeps the column reads free of local-memory bank conflicts. */
kernel __attribute__((reqd_work_group_size(TILE, TILE, 1))) void
transpose_tiled(global const T *x, ulong x_off, global T *y, ulong y_off, ulong rows,
                ulong cols)
{
    local T tile[TILE][TILE + 1];
    size_t lx = get_local_id(0), ly = get_local_id(1);
    ulong plane = (ulong)get_global_id(2) * rows * cols;
    ulong c = get_group_id(0) * TILE + lx, r = get_group_id(1) * TILE + ly;
    if (r < rows && c < cols) tile[ly][lx] = x[x_off + plane + r * cols + c];
    barrier(CLK_LOCAL_MEM_FENCE);
    ulong yr = get_group_id(0) * TILE + ly, yc = get_group_id(1) * TILE + lx;
    if (yr < cols && yc < rows) y[y_off + plane + yr * rows + yc] = tile[lx][ly];
}
#endif
