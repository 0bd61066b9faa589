/*
 * clnn/window.h: the sliding 2-D window that convolution and pooling share, with
 * ONNX's padding rules (explicit pads, auto_pad SAME_UPPER / SAME_LOWER / VALID,
 * dilations, ceil_mode).
 */
#ifndef CLNN_WINDOW_H
#define CLNN_WINDOW_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_auto_pad {
    CLNN_PAD_EXPLICIT = 0,   /* use `pads` (ONNX auto_pad NOTSET)                   */
    CLNN_PAD_SAME_UPPER = 1, /* out = ceil(in / stride); odd padding goes at the end */
    CLNN_PAD_SAME_LOWER = 2, /* likewise; odd padding goes at the beginning         */
    CLNN_PAD_VALID = 3       /* no padding                                          */
} clnn_auto_pad;

/* A window over the two spatial axes (H, W) of an NCHW tensor. */
typedef struct clnn_window2d {
    int64_t kernel[2];    /* kH, kW >= 1                                              */
    int64_t strides[2];   /* >= 1                                                     */
    int64_t dilations[2]; /* >= 1 (pooling: max pool only; average pool needs 1)      */
    int64_t pads[4];      /* ONNX order: top, left, bottom, right; >= 0; EXPLICIT only */
    clnn_auto_pad auto_pad;
    int ceil_mode;        /* 1: output size rounds up (pooling only)                  */
} clnn_window2d;

/* A square window: kernel k x k, stride s, the same explicit padding p on every
 * side, dilation 1, floor rounding. */
CLNN_API clnn_window2d clnn_window2d_square(int64_t k, int64_t s, int64_t p);

/* Output size of the window over an in_h x in_w input, and the explicit pads that
 * auto_pad resolves to (`pads` may be NULL). Fails with CLNN_INVALID_VALUE for
 * kernel, stride or dilation < 1, negative pads, an unknown auto_pad, or an
 * output size below 1 (e.g. a kernel larger than the padded input); the message
 * names the field. */
CLNN_API clnn_status clnn_window2d_output(const clnn_window2d *window, int64_t in_h,
                                          int64_t in_w, int64_t *out_h, int64_t *out_w,
                                          int64_t pads[4]);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_WINDOW_H */
