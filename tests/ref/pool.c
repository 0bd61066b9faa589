/* CPU reference for pooling (double), written from the ONNX / PyTorch definitions. */
#include "ref.h"

#include <math.h>

/* One output window of plane `x` with top-left tap (h0, w0). */
static double pool_window(const ref_pool *p, const double *x, long h0, long w0, int *arg)
{
    if (p->mode == CLNN_POOL_MAX) {
        double m = -INFINITY;
        int best = -1;
        for (long i = 0; i < p->kh; i++)
            for (long j = 0; j < p->kw; j++) {
                long ih = h0 + i * p->dh, iw = w0 + j * p->dw;
                if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w) continue;
                double v = x[ih * p->w + iw];
                /* first tap, then strictly larger, then the first NaN */
                if (best < 0 || v > m || (isnan(v) && !isnan(m))) {
                    m = v;
                    best = (int)(ih * p->w + iw);
                }
            }
        *arg = best;
        return m;
    }
    double sum = 0;
    long count = 0;
    for (long ih = h0; ih < h0 + p->kh; ih++)
        for (long iw = w0; iw < w0 + p->kw; iw++)
            if (ih >= 0 && ih < p->h && iw >= 0 && iw < p->w) {
                sum += x[ih * p->w + iw];
                count++;
            }
    if (p->mode == CLNN_POOL_AVERAGE_INCLUDE_PAD) {
        /* the window's area within the padded input (PyTorch clips at the end) */
        long he = h0 + p->kh < p->h + p->pb ? h0 + p->kh : p->h + p->pb;
        long we = w0 + p->kw < p->w + p->pr ? w0 + p->kw : p->w + p->pr;
        count = (he - h0) * (we - w0);
    }
    *arg = 0;
    return sum / (double)count;
}

void ref_pool2d_forward(const ref_pool *p, const double *x, double *y, int *indices)
{
    long planes = p->n * p->c;
    for (long q = 0; q < planes; q++)
        for (long oh = 0; oh < p->oh; oh++)
            for (long ow = 0; ow < p->ow; ow++) {
                int arg;
                long o = (q * p->oh + oh) * p->ow + ow;
                y[o] = pool_window(p, x + q * p->h * p->w, oh * p->sh - p->pt,
                                   ow * p->sw - p->pl, &arg);
                if (indices) indices[o] = arg;
            }
}

void ref_global_pool_forward(clnn_pool_mode mode, long planes, long hw, const double *x,
                             double *y, int *indices)
{
    ref_pool p = {mode, 1, 1, 1, hw, 1, 1, 1, hw, 1, 1, 1, 1, 0, 0, 0, 0};
    for (long q = 0; q < planes; q++) {
        int arg;
        y[q] = pool_window(&p, x + q * hw, 0, 0, &arg);
        if (indices) indices[q] = arg;
    }
}
