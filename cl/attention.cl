/* Masks of scaled dot-product attention, applied in place to the scores
 * S [N, H, Tq, Tk] (offsets in elements). Build options:
 *   ADD_MASK  1: add mask[n * msn + h * msh + i * Tk + j] (strides 0 broadcast)
 *   KPM       1: key padding kpm[n, j] == 0 gives -inf
 *   CAUSAL    1: keys j > i give -inf
 * A work-item per score; remainders are computed by hand (oclgrind 21.10 trips on
 * `/` and `%` of the same operands). */
kernel void attention_mask(global float *s, ulong so, global const float *mask, ulong mo,
                           ulong msn, ulong msh, global const int *kpm, ulong ko, ulong H,
                           ulong Tq, ulong Tk, ulong total)
{
    ulong gid = get_global_id(0);
    if (gid >= total) return;
    ulong row = gid / Tk, j = gid - row * Tk;
    ulong nh = row / Tq, i = row - nh * Tq;
    ulong n = nh / H, h = nh - n * H;
    float v = s[so + gid];
#if ADD_MASK
    v += mask[mo + n * msn + h * msh + i * Tk + j];
#endif
#if KPM
    if (kpm[ko + n * Tk + j] == 0) v = -INFINITY;
#endif
#if CAUSAL
    if (j > i) v = -INFINITY;
#endif
    s[so + gid] = v;
}
