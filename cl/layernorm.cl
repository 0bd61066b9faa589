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
                         int write_mean, int write_inv, ulong len, float epsilon)
{
    local float acc[WG];
    ulong row = get_group_id(0);
    x += xo + row * len;
    y += yo + row * len;
    scale += so;
    bias += bo;
    /* sums of x - x[0] stay small when the row has a large common offset */
    float mean = RMS ? 0.0f : x[0] + group_sum(acc, row_moment(x, len, x[0], 0), WG) / (float)len;
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

/* dx = inv * (g - mean(g) - xhat * mean(g * xhat)), g = dy * scale; RMS drops
 * the mean(g) term and reads no mean. */
kernel void norm_backward_data(global const float *x, ulong xo, global const float *dy,
                               ulong dyo, global const float *scale, ulong so,
                               global const float *mean_in, ulong mo,
                               global const float *inv_in, ulong io, global float *dx,
                               ulong dxo, ulong len)
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

/* dscale[j] = sum_r dy[r, j] * xhat[r, j], dbias[j] = sum_r dy[r, j]: a work-item
 * per column j, rows in order (deterministic). */
kernel void norm_backward_params(global const float *x, ulong xo, global const float *dy,
                                 ulong dyo, global const float *mean_in, ulong mo,
                                 global const float *inv_in, ulong io, global float *dscale,
                                 ulong dso, global float *dbias, ulong dbo, int want_dscale,
                                 int want_dbias, ulong rows, ulong len)
{
    ulong j = get_global_id(0);
    if (j >= len) return;
    float ds = 0.0f, db = 0.0f;
    for (ulong r = 0; r < rows; r++) {
        float mean = RMS ? 0.0f : mean_in[mo + r];
        float g = dy[dyo + r * len + j];
        ds += g * (x[xo + r * len + j] - mean) * inv_in[io + r];
        db += g;
    }
    if (want_dscale) dscale[dso + j] = ds;
    if (want_dbias) dbias[dbo + j] = db;
}
