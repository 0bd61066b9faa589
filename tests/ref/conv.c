/* CPU reference for convolution and transposed convolution (double loops). */
#include "ref.h"

void ref_conv2d(ref_conv_pass pass, const ref_conv *p, double *x, double *w, double *y)
{
    long cg = p->c / p->groups, kg = p->k / p->groups;
    for (long n = 0; n < p->n; n++)
        for (long k = 0; k < p->k; k++)
            for (long oh = 0; oh < p->oh; oh++)
                for (long ow = 0; ow < p->ow; ow++) {
                    double *yv = &y[((n * p->k + k) * p->oh + oh) * p->ow + ow];
                    for (long ci = 0; ci < cg; ci++)
                        for (long ki = 0; ki < p->kh; ki++)
                            for (long kj = 0; kj < p->kw; kj++) {
                                long ih = oh * p->sh - p->pt + ki * p->dh;
                                long iw = ow * p->sw - p->pl + kj * p->dw;
                                if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w) continue;
                                long c = k / kg * cg + ci;
                                double *xv = &x[((n * p->c + c) * p->h + ih) * p->w + iw];
                                double *wv = &w[((k * cg + ci) * p->kh + ki) * p->kw + kj];
                                if (pass == REF_CONV_FORWARD) *yv += *xv * *wv;
                                else if (pass == REF_CONV_BACKWARD_DATA) *xv += *yv * *wv;
                                else *wv += *yv * *xv;
                            }
                }
}

void ref_conv_transpose2d(const ref_conv *p, const double *x, const double *w,
                          const double *bias, double *y)
{
    long cg = p->c / p->groups, kg = p->k / p->groups;
    for (long n = 0; n < p->n; n++)
        for (long k = 0; k < p->k; k++)
            for (long i = 0; i < p->oh * p->ow; i++)
                y[(n * p->k + k) * p->oh * p->ow + i] = bias ? bias[k] : 0;
    /* Scatter: every input pixel spreads its value times the kernel over y. */
    for (long n = 0; n < p->n; n++)
        for (long c = 0; c < p->c; c++)
            for (long ih = 0; ih < p->h; ih++)
                for (long iw = 0; iw < p->w; iw++) {
                    double xv = x[((n * p->c + c) * p->h + ih) * p->w + iw];
                    for (long kk = 0; kk < kg; kk++)
                        for (long ki = 0; ki < p->kh; ki++)
                            for (long kj = 0; kj < p->kw; kj++) {
                                long oh = ih * p->sh - p->pt + ki * p->dh;
                                long ow = iw * p->sw - p->pl + kj * p->dw;
                                if (oh < 0 || oh >= p->oh || ow < 0 || ow >= p->ow) continue;
                                long k = c / cg * kg + kk;
                                y[((n * p->k + k) * p->oh + oh) * p->ow + ow] +=
                                    xv * w[((c * kg + kk) * p->kh + ki) * p->kw + kj];
                            }
                }
}

/* 36 * (C * KP + (C + KP) * TP) floats for a pass from c to k channels over an
 * oh x ow output (KP: k rounded up to 8, TP: nb * 4x4 tiles rounded up to 32). */
static size_t winograd_pass(long c, long k, long oh, long ow, size_t nb)
{
    size_t kp = (size_t)(k + 7) / 8 * 8, tiles = nb * (size_t)((oh + 3) / 4 * ((ow + 3) / 4));
    return 36 * ((size_t)c * kp + ((size_t)c + kp) * ((tiles + 31) / 32 * 32)) * 4;
}

size_t ref_conv_winograd_workspace(const ref_conv *p, size_t nb)
{
    size_t forward = winograd_pass(p->c, p->k, p->oh, p->ow, nb), other;
    long pb = p->oh + 2 - p->h - p->pt, pr = p->ow + 2 - p->w - p->pl;
    if (p->pt > 2 || p->pl > 2 || pb > 2 || pr > 2)
        other = (size_t)(p->c * 9 * p->oh * p->ow) * 4; /* im2col columns for dx */
    else
        other = winograd_pass(p->k, p->c, p->h, p->w, nb); /* Winograd dx */
    return forward > other ? forward : other;
}
