/* Layer normalization and RMS normalization over the last axes, forward and
 * backward. x is viewed as [rows, len]; offsets are in elements. Build options:
 *   WG       the fixed work-group size; a work-group normalizes one row
 *   VEC      float vector width of the row loops
 *   RMS      1: RMS norm (no centring: mean is taken as 0 and not subtracted)
 *   SCALE    1: multiply by scale[len]      BIAS  1: add bias[len]
 * Row loops: work-item l visits the VEC-wide chunks l, l + WG, ... then the
 * scalar tail elements len / VEC * VEC + l, + WG, ... */

/* Sum of one value per work-item over the work-group (all must call it). */
CLNN_DEFINE_GROUP_REDUCE(group_sum, float, CLNN_SUM)

inline float vsum(VFLOAT v)
{
    float s = 0.0f;
    for (int i = 0; i < VEC; i++) s += ((float *)&v)[i];
    return s;
}

#define CHUNKS(len) ((len) / VEC)
#define VEC_LOOP(c, len) for (ulong c = get_local_id(0); c < CHUNKS(len); c += WG)
#define TAIL_LOOP(i, len) for (ulong i = CHUNKS(len) * VEC + get_local_id(0); i < (len); i += WG)

/* Row sum of (x - shift)^p for p = 1 or 2. */
inline float row_moment(global const float *x, ulong len, float shift, int square)
{
    float s = 0.0f;
    VEC_LOOP(c, len)
    {
        VFLOAT d = VLOAD(c, x) - shift;
        s += vsum(square ? d * d : d);
    }
    TAIL_LOOP(i, len)
    {
        float d = x[i] - shift;
        s += square ? d * d : d;
    }
    return s;
}

inline VFLOAT scale_v(global const float *scale, ulong c)
{
    return SCALE ? VLOAD(c, scale) : (VFLOAT)(1.0f);
}
inline float scale_s(global const float *scale, ulong i) { return SCALE ? scale[i] : 1.0f; }

kernel void norm_forward(global const float *x, ulong xo, global const float *scale, ulong so,
                         global const float *bias, ulong bo, global float *y, ulong yo,
                         global float *mean_out, ulong mo, global float *inv_out, ulong io,
                         int write_mean, int write_inv, ulong len, float epsilon,
                         ulong rows /* one group per row: unused, as norm_forward_rows */)
{
    local float acc[WG];
    ulong row = get_group_id(0);
    x += xo + row * len;
    y += yo + row * len;
    scale += so;
    bias += bo;
    /* Sums of x - x[0] stay small when the row has a large common offset. x[0] is
     * read before the first barrier: the barriers fence local memory only, so a
     * later read could see y[0] already written when y aliases x (in place). */
    float x0 = x[0];
    float mean = RMS ? 0.0f : x0 + group_sum(acc, row_moment(x, len, x0, 0), WG) / (float)len;
    float var = group_sum(acc, row_moment(x, len, mean, 1), WG) / (float)len;
    float inv = rsqrt(var + epsilon);
    VEC_LOOP(c, len)
    {
        VFLOAT v = (VLOAD(c, x) - mean) * inv * scale_v(scale, c);
        VSTORE(BIAS ? v + VLOAD(c, bias) : v, c, y);
    }
    TAIL_LOOP(i, len)
    {
        float v = (x[i] - mean) * inv * scale_s(scale, i);
        y[i] = BIAS ? v + bias[i] : v;
    }
    if (get_local_id(0) == 0) {
        if (write_mean) mean_out[mo + row] = mean;
        if (write_inv) inv_out[io + row] = inv;
    }
}

/* The same forward with one work-item per row and no barriers, for devices whose
 * local memory is emulated (CPUs): there a work-group's items run as a loop on one
 * core, so barriers and tree reductions cost more than the row itself, while a
 * row (a few KiB) stays in cache across the three passes. */
inline float row_sum(global const float *x, ulong len, float shift, int square)
{
    VFLOAT acc = (VFLOAT)(0.0f);
    for (ulong c = 0; c < CHUNKS(len); c++) {
        VFLOAT d = VLOAD(c, x) - shift;
        acc += square ? d * d : d;
    }
    float s = vsum(acc);
    for (ulong i = CHUNKS(len) * VEC; i < len; i++) {
        float d = x[i] - shift;
        s += square ? d * d : d;
    }
    return s;
}

kernel void norm_forward_rows(global const float *x, ulong xo, global const float *scale,
                              ulong so, global const float *bias, ulong bo, global float *y,
                              ulong yo, global float *mean_out, ulong mo, global float *inv_out,
                              ulong io, int write_mean, int write_inv, ulong len,
                              float epsilon, ulong rows)
{
    ulong row = get_global_id(0);
    if (row >= rows) return;
    x += xo + row * len;
    y += yo + row * len;
    scale += so;
    bias += bo;
    float mean = RMS ? 0.0f : x[0] + row_sum(x, len, x[0], 0) / (float)len;
    float inv = rsqrt(row_sum(x, len, mean, 1) / (float)len + epsilon);
    for (ulong c = 0; c < CHUNKS(len); c++) {
        VFLOAT v = (VLOAD(c, x) - mean) * inv * scale_v(scale, c);
        VSTORE(BIAS ? v + VLOAD(c, bias) : v, c, y);
    }
    for (ulong i = CHUNKS(len) * VEC; i < len; i++) {
        float v = (x[i] - mean) * inv * scale_s(scale, i);
        y[i] = BIAS ? v + bias[i] : v;
    }
    if (write_mean) mean_out[mo + row] = mean;
    if (write_inv) inv_out[io + row] = inv;
}

/* dx = inv * (g - mean(g) - xhat * mean(g * xhat)), g = dy * scale; RMS drops
 * the mean(g) term and reads no mean. */
kernel void norm_backward_data(global const float *x, ulong xo, global const float *dy,
                               ulong dyo, global const float *scale, ulong so,
                               global const float *mean_in, ulong mo,
                               global const float *inv_in, ulong io, global float *dx,
                               ulong dxo, ulong len, ulong rows /* unused, as _rows */)
{
    local float acc[WG];
    ulong row = get_group_id(0);
    x += xo + row * len;
    dy += dyo + row * len;
    dx += dxo + row * len;
    scale += so;
    float mean = RMS ? 0.0f : mean_in[mo + row], inv = inv_in[io + row];
    float sg = 0.0f, sgx = 0.0f;
    VEC_LOOP(c, len)
    {
        VFLOAT g = VLOAD(c, dy) * scale_v(scale, c);
        sg += vsum(g);
        sgx += vsum(g * (VLOAD(c, x) - mean) * inv);
    }
    TAIL_LOOP(i, len)
    {
        float g = dy[i] * scale_s(scale, i);
        sg += g;
        sgx += g * (x[i] - mean) * inv;
    }
    float mg = RMS ? 0.0f : group_sum(acc, sg, WG) / (float)len;
    float mgx = group_sum(acc, sgx, WG) / (float)len;
    /* dx may alias dy: each element is read before it is written, by one item */
    VEC_LOOP(c, len)
    {
        VFLOAT xhat = (VLOAD(c, x) - mean) * inv;
        VFLOAT g = VLOAD(c, dy) * scale_v(scale, c);
        VSTORE(inv * (g - mg - xhat * mgx), c, dx);
    }
    TAIL_LOOP(i, len)
    {
        float xhat = (x[i] - mean) * inv;
        dx[i] = inv * (dy[i] * scale_s(scale, i) - mg - xhat * mgx);
    }
}

/* Per-row backward data for CPUs, as norm_forward_rows. */
kernel void norm_backward_data_rows(global const float *x, ulong xo, global const float *dy,
                                    ulong dyo, global const float *scale, ulong so,
                                    global const float *mean_in, ulong mo,
                                    global const float *inv_in, ulong io, global float *dx,
                                    ulong dxo, ulong len, ulong rows)
{
    ulong row = get_global_id(0);
    if (row >= rows) return;
    x += xo + row * len;
    dy += dyo + row * len;
    dx += dxo + row * len;
    scale += so;
    float mean = RMS ? 0.0f : mean_in[mo + row], inv = inv_in[io + row];
    VFLOAT vg = (VFLOAT)(0.0f), vgx = (VFLOAT)(0.0f);
    for (ulong c = 0; c < CHUNKS(len); c++) {
        VFLOAT g = VLOAD(c, dy) * scale_v(scale, c);
        vg += g;
        vgx += g * (VLOAD(c, x) - mean);
    }
    float sg = vsum(vg), sgx = vsum(vgx);
    for (ulong i = CHUNKS(len) * VEC; i < len; i++) {
        float g = dy[i] * scale_s(scale, i);
        sg += g;
        sgx += g * (x[i] - mean);
    }
    float mg = RMS ? 0.0f : sg / (float)len, mgx = sgx * inv / (float)len;
    /* dx may alias dy: each element is read before it is written */
    for (ulong c = 0; c < CHUNKS(len); c++) {
        VFLOAT xhat = (VLOAD(c, x) - mean) * inv;
        VFLOAT g = VLOAD(c, dy) * scale_v(scale, c);
        VSTORE(inv * (g - mg - xhat * mgx), c, dx);
    }
    for (ulong i = CHUNKS(len) * VEC; i < len; i++) {
        float xhat = (x[i] - mean) * inv;
        dx[i] = inv * (dy[i] * scale_s(scale, i) - mg - xhat * mgx);
    }
}

CLNN_DEFINE_GROUP_REDUCE(group_sum_v, VFLOAT, CLNN_SUM)

/* Columns [chunk * VEC, + VEC) of one row, zero past len. */
inline VFLOAT load_columns(global const float *row, ulong chunk, ulong len)
{
    if ((chunk + 1) * VEC <= len) return VLOAD(chunk, row);
    VFLOAT v = (VFLOAT)(0.0f);
    for (ulong i = chunk * VEC; i < len; i++) ((float *)&v)[i - chunk * VEC] = row[i];
    return v;
}

/* dscale[j] = sum_r dy[r, j] * xhat[r, j], dbias[j] = sum_r dy[r, j]. A work-group
 * per VEC columns; its items take every WG-th row and the group adds their sums
 * in a fixed tree, so the result is deterministic. */
kernel void norm_backward_params(global const float *x, ulong xo, global const float *dy,
                                 ulong dyo, global const float *mean_in, ulong mo,
                                 global const float *inv_in, ulong io, global float *dscale,
                                 ulong dso, global float *dbias, ulong dbo, int want_dscale,
                                 int want_dbias, ulong rows, ulong len)
{
    local VFLOAT acc[WG];
    ulong chunk = get_group_id(0);
    VFLOAT ds = (VFLOAT)(0.0f), db = (VFLOAT)(0.0f);
    for (ulong r = get_local_id(0); r < rows; r += WG) {
        float mean = RMS ? 0.0f : mean_in[mo + r];
        VFLOAT g = load_columns(dy + dyo + r * len, chunk, len);
        ds += g * (load_columns(x + xo + r * len, chunk, len) - mean) * inv_in[io + r];
        db += g;
    }
    ds = group_sum_v(acc, ds, WG);
    db = group_sum_v(acc, db, WG);
    if (get_local_id(0) != 0) return;
    for (ulong i = chunk * VEC; i < len && i < (chunk + 1) * VEC; i++) {
        if (want_dscale) dscale[dso + i] = ((float *)&ds)[i - chunk * VEC];
        if (want_dbias) dbias[dbo + i] = ((float *)&db)[i - chunk * VEC];
    }
}
