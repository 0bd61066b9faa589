/* Output sizes and padding of 2-D windows, following ONNX's Conv and pooling
 * operators. */
#include "../core/internal.h"

#include <stdio.h>

clnn_window2d clnn_window2d_square(int64_t k, int64_t s, int64_t p)
{
    clnn_window2d w = {{k, k}, {s, s}, {1, 1}, {p, p, p, p}, CLNN_PAD_EXPLICIT, 0};
    return w;
}

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* One spatial axis: resolves padding and computes the output size. */
static clnn_status axis_output(const clnn_window2d *w, int axis, int64_t in, int64_t *out,
                               int64_t *pad_begin, int64_t *pad_end)
{
    static const char fn[] = "clnn_window2d_output";
    const char *name = axis == 0 ? "height" : "width";
    int64_t k = w->kernel[axis], s = w->strides[axis], d = w->dilations[axis];
    if (in < 1) return clnn_fail(CLNN_INVALID_VALUE, "%s: input %s %lld < 1", fn, name, (long long)in);
    if (k < 1 || s < 1 || d < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s %s is %lld (must be >= 1)", fn,
                         k < 1 ? "kernel" : s < 1 ? "strides" : "dilations", name,
                         (long long)(k < 1 ? k : s < 1 ? s : d));
    if (k > (INT64_MAX / 4) / d || in > INT64_MAX / 4)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: window %s too large", fn, name);
    int64_t span = d * (k - 1) + 1; /* extent of the dilated kernel */
    int64_t begin = 0, end = 0, size;
    switch (w->auto_pad) {
    case CLNN_PAD_EXPLICIT:
        begin = w->pads[axis];
        end = w->pads[axis + 2];
        if (begin < 0 || end < 0 || begin > INT64_MAX / 4 || end > INT64_MAX / 4)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: pads of the %s are %lld, %lld (must be "
                                                 ">= 0)", fn, name, (long long)begin,
                             (long long)end);
        break;
    case CLNN_PAD_SAME_UPPER:
    case CLNN_PAD_SAME_LOWER: {
        int64_t want = ceil_div(in, s);
        int64_t total = (want - 1) * s + span - in;
        if (total < 0) total = 0;
        begin = w->auto_pad == CLNN_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        end = total - begin;
        break;
    }
    case CLNN_PAD_VALID: break;
    default:
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown auto_pad %d", fn, (int)w->auto_pad);
    }
    int64_t room = in + begin + end - span;
    if (room < 0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the %s kernel (%lld with dilation %lld) is "
                                             "larger than the padded input (%lld)", fn, name,
                         (long long)k, (long long)d, (long long)(in + begin + end));
    size = (w->ceil_mode ? ceil_div(room, s) : room / s) + 1;
    /* ONNX/PyTorch: with ceil_mode the last window must start inside the input or
     * the leading padding. */
    if (w->ceil_mode && (size - 1) * s >= in + begin) size--;
    *out = size;
    *pad_begin = begin;
    *pad_end = end;
    return CLNN_SUCCESS;
}

clnn_status clnn_window2d_output(const clnn_window2d *window, int64_t in_h, int64_t in_w,
                                 int64_t *out_h, int64_t *out_w, int64_t pads[4])
{
    static const char fn[] = "clnn_window2d_output";
    if (!window || !out_h || !out_w)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn,
                         !window ? "window" : !out_h ? "out_h" : "out_w");
    int64_t oh, ow, p[4];
    clnn_status st = axis_output(window, 0, in_h, &oh, &p[0], &p[2]);
    if (st == CLNN_SUCCESS) st = axis_output(window, 1, in_w, &ow, &p[1], &p[3]);
    if (st != CLNN_SUCCESS) return st;
    *out_h = oh;
    *out_w = ow;
    if (pads)
        for (int i = 0; i < 4; i++) pads[i] = p[i];
    return CLNN_SUCCESS;
}
