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
