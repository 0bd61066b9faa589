/* Element-wise kernels: the pattern every op family follows. One work-item owns
 * VEC consecutive elements (vector load, op, vector store); the chunk that runs
 * past `n` is finished element by element. Offsets are in elements. */

/* y = alpha * x */
kernel void scale_f32(global const float *x, ulong x_off, global float *y, ulong y_off,
                      ulong n, float alpha)
{
    ulong i = CLNN_CHUNK_START();
    x += x_off + i;
    y += y_off + i;
    if (i + VEC <= n) {
        VSTORE(alpha * VLOAD(0, x), 0, y);
    } else {
        for (ulong j = 0; i + j < n; j++) y[j] = alpha * x[j];
    }
}

kernel void fill_f32(global float *y, ulong y_off, ulong n, float value)
{
    ulong i = CLNN_CHUNK_START();
    y += y_off + i;
    if (i + VEC <= n) {
        VSTORE((VFLOAT)(value), 0, y);
    } else {
        for (ulong j = 0; i + j < n; j++) y[j] = value;
    }
}

/* ---- binary operations with numpy broadcasting
 *
 * The host coalesces the shapes to at most 8 dimensions; dims/a_strides/b_strides
 * hold them (stride 0 where an operand is broadcast). A work-item owns VEC
 * consecutive outputs of one innermost row; an operand whose innermost stride is 1
 * is loaded as a vector, one with stride 0 is a broadcast scalar. */

#define BINARY_KERNEL(name, OP)                                                      \
    kernel void name(global const float *a, ulong a_off, global const float *b,      \
                     ulong b_off, global float *c, ulong c_off, int rank,            \
                     ulong8 dims8, ulong8 a_strides8, ulong8 b_strides8,             \
                     ulong total_chunks)                                             \
    {                                                                                \
        ulong chunk = get_global_id(0);                                              \
        if (chunk >= total_chunks) return;                                           \
        ulong dims[8], as[8], bs[8];                                                 \
        vstore8(dims8, 0, dims);                                                     \
        vstore8(a_strides8, 0, as);                                                  \
        vstore8(b_strides8, 0, bs);                                                  \
        ulong inner = dims[rank - 1];                                                \
        ulong chunks_per_row = (inner + VEC - 1) / VEC;                              \
        ulong row = chunk / chunks_per_row;                                          \
        ulong col = (chunk - row * chunks_per_row) * VEC;                            \
        ulong ai = col * as[rank - 1], bi = col * bs[rank - 1];                      \
        ulong ci = row * inner + col;                                                \
        for (int d = rank - 2; d >= 0; d--) {                                        \
            ulong q = row / dims[d];                                                 \
            ulong r = row - q * dims[d];                                             \
            ai += r * as[d];                                                         \
            bi += r * bs[d];                                                         \
            row = q;                                                                 \
        }                                                                            \
        a += a_off + ai;                                                             \
        b += b_off + bi;                                                             \
        c += c_off + ci;                                                             \
        if (col + VEC <= inner) {                                                    \
            VFLOAT av = as[rank - 1] ? VLOAD(0, a) : (VFLOAT)(a[0]);                 \
            VFLOAT bv = bs[rank - 1] ? VLOAD(0, b) : (VFLOAT)(b[0]);                 \
            VSTORE(av OP bv, 0, c);                                                  \
        } else {                                                                     \
            ulong sa = as[rank - 1], sb = bs[rank - 1];                              \
            for (ulong j = 0; col + j < inner; j++) c[j] = a[j * sa] OP b[j * sb];   \
        }                                                                            \
    }

BINARY_KERNEL(add_f32, +)
BINARY_KERNEL(sub_f32, -)
BINARY_KERNEL(mul_f32, *)
BINARY_KERNEL(div_f32, /)
