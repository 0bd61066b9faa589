/* Dropout with Philox4x32-10 (see include/clnn/dropout.h for the stream layout).
 * Build options:
 *   MASK      1: also write the int32 mask
 *   KEEP_ALL  1: inference mode or ratio 0, y = x (no random numbers drawn)
 *   VEC       Philox blocks per work-item, computed side by side in vectors
 * Block b covers counters 4b .. 4b+3; work-item g owns blocks b0 + j, j < VEC,
 * with b0 = offset / 4 + g * VEC. */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

#define VUINT CLNN_CAT(uint, VEC)
#define VULONG CLNN_CAT(ulong, VEC)
#define VLOAD_IOTA CLNN_CAT(vload, VEC)

constant uint iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* Philox4x32-10 on VEC blocks at once: lane j of c[w] is word w of block j. */
inline void philox4x32_10(VUINT c[4], uint k0, uint k1)
{
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        VUINT hi0 = mul_hi((VUINT)(PHILOX_M0), c[0]), lo0 = (VUINT)(PHILOX_M0) * c[0];
        VUINT hi1 = mul_hi((VUINT)(PHILOX_M1), c[2]), lo1 = (VUINT)(PHILOX_M1) * c[2];
        c[0] = hi1 ^ c[1] ^ k0;
        c[1] = lo1;
        c[2] = hi0 ^ c[3] ^ k1;
        c[3] = lo0;
    }
}

/* y = x * (keep ? scale : 0), keep = (bits >> 8) >= threshold, i.e. u >= ratio
 * with threshold = ceil(ratio * 2^24). x * 0 keeps NaN/inf visible, as x * mask
 * does in other frameworks. */
kernel void dropout_apply(global const float *x, ulong x_off, global float *y, ulong y_off,
                          global int *mask, ulong mask_off, ulong n, ulong offset,
                          uint key_lo, uint key_hi, uint threshold, float scale)
{
    ulong b0 = offset / 4 + get_global_id(0) * VEC;
    long first = (long)(b0 * 4 - offset); /* tensor index of counter 4 b0: >= -3 */
    if (first >= (long)n) return;
    float f[4][VEC];
    for (int w = 0; w < 4; w++)
        for (int j = 0; j < VEC; j++) f[w][j] = scale;
    if (!KEEP_ALL) {
        VUINT c[4];
        VULONG b = (VULONG)(b0) + CLNN_CAT(convert_ulong, VEC)(VLOAD_IOTA(0, iota));
        c[0] = CLNN_CAT(convert_uint, VEC)(b);
        c[1] = CLNN_CAT(convert_uint, VEC)(b >> 32);
        c[2] = c[3] = (VUINT)(0);
        philox4x32_10(c, key_lo, key_hi);
        for (int w = 0; w < 4; w++)
            VSTORE(select((VFLOAT)(0.0f), (VFLOAT)(scale), (c[w] >> 8) >= (VUINT)(threshold)),
                   0, f[w]);
    }
    x += x_off;
    y += y_off;
    mask += mask_off;
    for (int e = 0; e < 4 * VEC; e++) {
        long i = first + e;
        if (i < 0) continue;
        if (i >= (long)n) break;
        float factor = f[e & 3][e >> 2];
        y[i] = x[i] * factor;
        if (MASK) mask[i] = factor != 0.0f;
    }
}
