/* Scaled dot-product attention, plainly in double, one head at a time. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>

/* P (after softmax, before dropout) of head (n, h) into p [Tq, Tk]. */
static void head_probs(const ref_attention *a, size_t n, size_t h, const double *q,
                       const double *k, double *p)
{
    for (size_t i = 0; i < a->Tq; i++) {
        double *row = p + i * a->Tk, mx = -INFINITY, sum = 0;
        for (size_t j = 0; j < a->Tk; j++) {
            double s = 0;
            for (size_t d = 0; d < a->D; d++) s += q[i * a->D + d] * k[j * a->D + d];
            s *= a->scale;
            if (a->mask) s += a->mask[n * a->msn + h * a->msh + i * a->Tk + j];
            if (a->kpm && a->kpm[n * a->Tk + j] == 0) s = -INFINITY;
            if (a->causal && j > i) s = -INFINITY;
            row[j] = s;
            mx = fmax(mx, s);
        }
        for (size_t j = 0; j < a->Tk; j++) sum += row[j] = exp(row[j] - mx);
        for (size_t j = 0; j < a->Tk; j++) row[j] /= sum;
    }
}

/* The dropout factor of weight (head, i, j). */
static double keep_factor(const ref_attention *a, size_t head, size_t i, size_t j)
{
    if (!a->keep) return 1.0;
    return a->keep[(head * a->Tq + i) * a->Tk + j] ? 1.0 / (1.0 - a->ratio) : 0.0;
}

void ref_attention_forward(const ref_attention *a, const double *q, const double *k,
                           const double *v, double *o)
{
    double *p = malloc(a->Tq * a->Tk * sizeof *p);
    for (size_t hd = 0; hd < a->N * a->H; hd++) {
        const double *qh = q + hd * a->Tq * a->D, *kh = k + hd * a->Tk * a->D,
                     *vh = v + hd * a->Tk * a->Dv;
        head_probs(a, hd / a->H, hd % a->H, qh, kh, p);
        for (size_t i = 0; i < a->Tq; i++)
            for (size_t e = 0; e < a->Dv; e++) {
                double s = 0;
                for (size_t j = 0; j < a->Tk; j++)
                    s += p[i * a->Tk + j] * keep_factor(a, hd, i, j) * vh[j * a->Dv + e];
                o[(hd * a->Tq + i) * a->Dv + e] = s;
            }
    }
    free(p);
}

void ref_attention_backward(const ref_attention *a, const double *q, const double *k,
                            const double *v, const double *d_o, double *dq, double *dk,
                            double *dv)
{
    size_t Tq = a->Tq, Tk = a->Tk, D = a->D, Dv = a->Dv;
    double *p = malloc(Tq * Tk * sizeof *p), *ds = malloc(Tq * Tk * sizeof *ds);
    for (size_t hd = 0; hd < a->N * a->H; hd++) {
        const double *qh = q + hd * Tq * D, *kh = k + hd * Tk * D, *vh = v + hd * Tk * Dv,
                     *doh = d_o + hd * Tq * Dv;
        double *dqh = dq + hd * Tq * D, *dkh = dk + hd * Tk * D, *dvh = dv + hd * Tk * Dv;
        head_probs(a, hd / a->H, hd % a->H, qh, kh, p);
        for (size_t i = 0; i < Tq; i++) {
            double dot = 0;
            for (size_t j = 0; j < Tk; j++) {
                double dp = 0;
                for (size_t e = 0; e < Dv; e++) dp += doh[i * Dv + e] * vh[j * Dv + e];
                ds[i * Tk + j] = dp * keep_factor(a, hd, i, j);
                dot += ds[i * Tk + j] * p[i * Tk + j];
            }
            for (size_t j = 0; j < Tk; j++) ds[i * Tk + j] = p[i * Tk + j] * (ds[i * Tk + j] - dot);
        }
        for (size_t i = 0; i < Tq; i++)
            for (size_t d = 0; d < D; d++) {
                double s = 0;
                for (size_t j = 0; j < Tk; j++) s += ds[i * Tk + j] * kh[j * D + d];
                dqh[i * D + d] = a->scale * s;
            }
        for (size_t j = 0; j < Tk; j++) {
            for (size_t d = 0; d < D; d++) {
                double s = 0;
                for (size_t i = 0; i < Tq; i++) s += ds[i * Tk + j] * qh[i * D + d];
                dkh[j * D + d] = a->scale * s;
            }
            for (size_t e = 0; e < Dv; e++) {
                double s = 0;
                for (size_t i = 0; i < Tq; i++)
                    s += p[i * Tk + j] * keep_factor(a, hd, i, j) * doh[i * Dv + e];
                dvh[j * Dv + e] = s;
            }
        }
    }
    free(p);
    free(ds);
}
