/* CPU references for the data-movement ops: every op is a "take" of one index
 * list per axis (ONNX Slice, Pad, Expand and Gather all read x at a product of
 * per-axis index lists), with -1 for a padded position. */
#include "ref.h"

int64_t ref_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *idx)
{
    /* ONNX: negative values count from the end, then clamp to [0, dim] for a
     * positive step and [-1, dim - 1] for a negative one. */
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
    start = start < lo ? lo : start > hi ? hi : start;
    end = end < lo ? lo : end > hi ? hi : end;
    int64_t n = 0;
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step) idx[n++] = i;
    return n;
}

int64_t ref_pad_index(clnn_pad_mode mode, int64_t c, int64_t dim)
{
    if (c >= 0 && c < dim) return c;
    if (mode == CLNN_PAD_CONSTANT) return -1;
    if (mode == CLNN_PAD_EDGE) return c < 0 ? 0 : dim - 1;
    if (dim == 1) return 0;
    while (c < 0 || c >= dim) c = c < 0 ? -c : 2 * (dim - 1) - c;   /* mirror until inside */
    return c;
}

void ref_take(int rank, const int64_t *x_dims, const int64_t *counts,
              const int64_t *const *lists, double value, const double *x, double *y)
{
    int64_t total = 1;
    for (int k = 0; k < rank; k++) total *= counts[k];
    for (int64_t o = 0; o < total; o++) {
        int64_t rem = o, src = 0, stride = 1;
        int inside = 1;
        for (int k = rank - 1; k >= 0; k--) {
            int64_t c = lists[k][rem % counts[k]];
            rem /= counts[k];
            inside &= c >= 0;
            src += c * stride;
            stride *= x_dims[k];
        }
        y[o] = inside ? x[src] : value;
    }
}
