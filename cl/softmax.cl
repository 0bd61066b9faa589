/* Softmax and log-softmax along one axis, forward and backward. Build options:
 *   LOG      0 softmax, 1 log-softmax
 *   WG       the fixed work-group size of the row kernels
 *   VEC      float vector width
 * The tensor is viewed as [outer, len, inner]; offsets are in elements. Row
 * kernels (inner == 1) give each row a work-group; strided kernels give VEC
 * neighbouring (outer, inner) columns a work-item. */

/* Max and sum of one value per work-item over the work-group. */
CLNN_DEFINE_GROUP_REDUCE(group_max, float, CLNN_FMAX)
CLNN_DEFINE_GROUP_REDUCE(group_sum, float, CLNN_SUM)

/* The loops every kernel runs, for T = float (suffix _s) and T = VFLOAT (_v): they
 * visit items first, first + step, ... < n, item k at p + k * stride (an element,
 * or VEC consecutive elements). Forward: shift = max (log-softmax: max + log(sum))
 * and inv = 1 / sum; a row of -inf gives max = -inf and NaN from -inf - -inf, as
 * documented. Backward: s = sum(dy * y) (log-softmax: sum(dy)). */
#define LOAD_s(p) (*(p))
#define STORE_s(v, p) (*(p) = (v))
#define LOAD_v(p) VLOAD(0, p)
#define STORE_v(v, p) VSTORE(v, 0, p)
#define ROW_LOOP for (ulong k = first; k < n; k += step)

#define DEFINE_ROW_OPS(T, S)                                                          \
    inline T row_max##S(global const float *x, ulong first, ulong n, ulong step,      \
                        ulong stride)                                                 \
    {                                                                                 \
        T m = (T)(-INFINITY);                                                         \
        ROW_LOOP m = fmax(m, LOAD##S(x + k * stride));                                \
        return m;                                                                     \
    }                                                                                 \
    inline T row_sum_exp##S(global const float *x, ulong first, ulong n, ulong step,  \
                            ulong stride, T m)                                        \
    {                                                                                 \
        T s = (T)(0.0f);                                                              \
        ROW_LOOP s += exp(LOAD##S(x + k * stride) - m);                               \
        return s;                                                                     \
    }                                                                                 \
    inline void row_write##S(global const float *x, global float *y, ulong first,     \
                             ulong n, ulong step, ulong stride, T shift, T inv)       \
    {                                                                                 \
        ROW_LOOP                                                                      \
        {                                                                             \
            T v = LOAD##S(x + k * stride) - shift;                                    \
            STORE##S(LOG ? v : exp(v) * inv, y + k * stride);                         \
        }                                                                             \
    }                                                                                 \
    inline T grad_sum##S(global const float *y, global const float *dy, ulong first,  \
                         ulong n, ulong step, ulong stride)                           \
    {                                                                                 \
        T s = (T)(0.0f);                                                              \
        ROW_LOOP s += LOG ? LOAD##S(dy + k * stride)                                  \
                          : LOAD##S(dy + k * stride) * LOAD##S(y + k * stride);       \
        return s;                                                                     \
    }                                                                                 \
    inline void grad_write##S(global const float *y, global const float *dy,          \
                              global float *dx, ulong first, ulong n, ulong step,     \
                              ulong stride, T s)                                      \
    {                                                                                 \
        ROW_LOOP                                                                      \
        {                                                                             \
            T g = LOAD##S(dy + k * stride), v = LOAD##S(y + k * stride);              \
            STORE##S(LOG ? g - exp(v) * s : v * (g - s), dx + k * stride);            \
        }                                                                             \
    }

DEFINE_ROW_OPS(float, _s)
DEFINE_ROW_OPS(VFLOAT, _v)

inline float hmax(VFLOAT v)
{
    float a[VEC], m = -INFINITY;
    VSTORE(v, 0, a);
    for (int i = 0; i < VEC; i++) m = fmax(m, a[i]);
    return m;
}

inline float hsum(VFLOAT v)
{
    float a[VEC], s = 0.0f;
    VSTORE(v, 0, a);
    for (int i = 0; i < VEC; i++) s += a[i];
    return s;
}

/* Row kernels: work-item lid owns the VEC-wide chunks lid, lid + WG, ... of its
 * row, then the values lid, lid + WG, ... of the row's tail (len % VEC). */
#define ROW_START(p)                                                                  \
    local float scratch[WG];                                                          \
    ulong lid = get_local_id(0), chunks = len / VEC;                                  \
    global const float *tail_##p = p + chunks * VEC;                                  \
    ulong tail_len = len - chunks * VEC

kernel void softmax_rows_forward(global const float *x, ulong x_off, global float *y,
                                 ulong y_off, ulong outer, ulong len, ulong inner)
{
    x += x_off + get_group_id(0) * len;
    y += y_off + get_group_id(0) * len;
    ROW_START(x);
    float m = fmax(hmax(row_max_v(x, lid, chunks, WG, VEC)),
                   row_max_s(tail_x, lid, tail_len, WG, 1));
    m = group_max(scratch, m, WG);
    float s = hsum(row_sum_exp_v(x, lid, chunks, WG, VEC, (VFLOAT)(m))) +
              row_sum_exp_s(tail_x, lid, tail_len, WG, 1, m);
    s = group_sum(scratch, s, WG);
    float shift = LOG ? m + log(s) : m, inv = 1.0f / s;
    row_write_v(x, y, lid, chunks, WG, VEC, (VFLOAT)(shift), (VFLOAT)(inv));
    row_write_s(tail_x, y + chunks * VEC, lid, tail_len, WG, 1, shift, inv);
}

kernel void softmax_rows_backward(global const float *y, ulong y_off, global const float *dy,
                                  ulong dy_off, global float *dx, ulong dx_off, ulong outer,
                                  ulong len, ulong inner)
{
    y += y_off + get_group_id(0) * len;
    dy += dy_off + get_group_id(0) * len;
    dx += dx_off + get_group_id(0) * len;
    ROW_START(y);
    ulong t = chunks * VEC;
    float s = hsum(grad_sum_v(y, dy, lid, chunks, WG, VEC)) +
              grad_sum_s(tail_y, dy + t, lid, tail_len, WG, 1);
    s = group_sum(scratch, s, WG);
    grad_write_v(y, dy, dx, lid, chunks, WG, VEC, (VFLOAT)(s));
    grad_write_s(tail_y, dy + t, dx + t, lid, tail_len, WG, 1, s);
}

/* One work-item per contiguous row (devices with emulated local memory; see
 * src/ops/softmax.c): the row kernels' loops with the item alone on its row. */
#define ROW_EACH_START(p)                                                             \
    ulong row = get_global_id(0);                                                     \
    if (row >= outer) return;                                                         \
    ulong chunks = len / VEC, tail_len = len - chunks * VEC;                          \
    global const float *tail_##p = p + row * len + chunks * VEC

kernel void softmax_row_each_forward(global const float *x, ulong x_off, global float *y,
                                     ulong y_off, ulong outer, ulong len, ulong inner)
{
    x += x_off;
    ROW_EACH_START(x);
    x += row * len;
    y += y_off + row * len;
    float m = fmax(hmax(row_max_v(x, 0, chunks, 1, VEC)), row_max_s(tail_x, 0, tail_len, 1, 1));
    float s = hsum(row_sum_exp_v(x, 0, chunks, 1, VEC, (VFLOAT)(m))) +
              row_sum_exp_s(tail_x, 0, tail_len, 1, 1, m);
    float shift = LOG ? m + log(s) : m, inv = 1.0f / s;
    row_write_v(x, y, 0, chunks, 1, VEC, (VFLOAT)(shift), (VFLOAT)(inv));
    row_write_s(tail_x, y + chunks * VEC, 0, tail_len, 1, 1, shift, inv);
}

kernel void softmax_row_each_backward(global const float *y, ulong y_off,
                                      global const float *dy, ulong dy_off, global float *dx,
                                      ulong dx_off, ulong outer, ulong len, ulong inner)
{
    y += y_off;
    ROW_EACH_START(y);
    y += row * len;
    dy += dy_off + row * len;
    dx += dx_off + row * len;
    ulong t = chunks * VEC;
    float s = hsum(grad_sum_v(y, dy, 0, chunks, 1, VEC)) +
              grad_sum_s(tail_y, dy + t, 0, tail_len, 1, 1);
    grad_write_v(y, dy, dx, 0, chunks, 1, VEC, (VFLOAT)(s));
    grad_write_s(tail_y, dy + t, dx + t, 0, tail_len, 1, 1, s);
}

/* Strided kernels: a work-item owns VEC neighbouring columns of one outer index,
 * as vectors when all VEC exist, else one column at a time. */
#define STRIDED_START()                                                               \
    ulong ichunks = (inner + VEC - 1) / VEC, gid = get_global_id(0);                  \
    ulong o = gid / ichunks, i0 = (gid - o * ichunks) * VEC;                          \
    if (o >= outer) return;                                                           \
    ulong base = o * len * inner + i0, cols = min((ulong)VEC, inner - i0)

kernel void softmax_strided_forward(global const float *x, ulong x_off, global float *y,
                                    ulong y_off, ulong outer, ulong len, ulong inner)
{
    STRIDED_START();
    x += x_off + base;
    y += y_off + base;
    if (cols == VEC) {
        VFLOAT m = row_max_v(x, 0, len, 1, inner), s = row_sum_exp_v(x, 0, len, 1, inner, m);
        row_write_v(x, y, 0, len, 1, inner, LOG ? m + log(s) : m, (VFLOAT)(1.0f) / s);
        return;
    }
    for (ulong j = 0; j < cols; j++) {
        float m = row_max_s(x + j, 0, len, 1, inner);
        float s = row_sum_exp_s(x + j, 0, len, 1, inner, m);
        row_write_s(x + j, y + j, 0, len, 1, inner, LOG ? m + log(s) : m, 1.0f / s);
    }
}

kernel void softmax_strided_backward(global const float *y, ulong y_off,
                                     global const float *dy, ulong dy_off, global float *dx,
                                     ulong dx_off, ulong outer, ulong len, ulong inner)
{
    STRIDED_START();
    y += y_off + base;
    dy += dy_off + base;
    dx += dx_off + base;
    if (cols == VEC) {
        grad_write_v(y, dy, dx, 0, len, 1, inner, grad_sum_v(y, dy, 0, len, 1, inner));
        return;
    }
    for (ulong j = 0; j < cols; j++)
        grad_write_s(y + j, dy + j, dx + j, 0, len, 1, inner,
                     grad_sum_s(y + j, dy + j, 0, len, 1, inner));
}
