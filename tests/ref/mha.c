/* Multi-head attention and the encoder block, plainly in double, built on the
 * dense, attention and layer norm references. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>

/* [N, T, H, d] rows <-> [N, H, T, d] heads. */
static void swap_heads(size_t N, size_t T, size_t H, size_t d, const double *x, double *y,
                       int to_heads)
{
    for (size_t n = 0; n < N; n++)
        for (size_t t = 0; t < T; t++)
            for (size_t h = 0; h < H; h++)
                for (size_t e = 0; e < d; e++) {
                    size_t r = ((n * T + t) * H + h) * d + e, c = ((n * H + h) * T + t) * d + e;
                    if (to_heads)
                        y[c] = x[r];
                    else
                        y[r] = x[c];
                }
}

/* x [N*T, E] W + b, split into heads. */
static double *project(const ref_mha *m, int i, size_t T, size_t d, const double *x)
{
    size_t rows = m->N * T, out = m->H * d;
    double *p = malloc(rows * out * sizeof *p), *h = malloc(rows * out * sizeof *h);
    ref_dense(rows, m->E, out, x, m->w[i], m->b[i], NULL, p);
    swap_heads(m->N, T, m->H, d, p, h, 1);
    free(p);
    return h;
}

void ref_mha_forward(const ref_mha *m, const double *q, const double *k, const double *v, double *y)
{
    ref_attention a = m->att;
    a.N = m->N, a.H = m->H, a.Tq = m->Tq, a.Tk = m->Tk, a.D = m->kd, a.Dv = m->vd;
    if (a.scale == 0) a.scale = 1.0 / sqrt((double)m->kd);
    double *qh = project(m, 0, m->Tq, m->kd, q), *kh = project(m, 1, m->Tk, m->kd, k),
           *vh = project(m, 2, m->Tk, m->vd, v);
    size_t no = m->N * m->Tq * m->H * m->vd;
    double *o = malloc(no * sizeof *o), *merged = malloc(no * sizeof *merged);
    ref_attention_forward(&a, qh, kh, vh, o);
    swap_heads(m->N, m->Tq, m->H, m->vd, o, merged, 0);
    ref_dense(m->N * m->Tq, m->H * m->vd, m->E, merged, m->w[3], m->b[3], NULL, y);
    free(qh), free(kh), free(vh), free(o), free(merged);
}

/* y = layernorm(a + dropout(b)), rows of length E. */
static void add_norm(const ref_encoder *e, size_t rows, const double *a, const double *b,
                     const int *keep, const double *s, const double *bias, double *y)
{
    size_t E = e->mha.E;
    double *r = malloc(rows * E * sizeof *r);
    for (size_t i = 0; i < rows * E; i++)
        r[i] = a[i] + (keep ? (keep[i] ? b[i] / (1.0 - e->ratio) : 0.0) : b[i]);
    ref_layernorm(0, rows, E, 1e-6, r, s, bias, y, NULL, NULL);
    free(r);
}

void ref_encoder_forward(const ref_encoder *e, const double *x, double *y)
{
    size_t rows = e->mha.N * e->mha.Tq, E = e->mha.E, F = e->F;
    double *a = malloc(rows * E * sizeof *a), *h = malloc(rows * E * sizeof *h),
           *f = malloc(rows * F * sizeof *f);
    ref_mha_forward(&e->mha, x, x, x, a);
    add_norm(e, rows, x, a, e->keep1, e->ln1_s, e->ln1_b, h);
    ref_dense(rows, E, F, h, e->w1, e->b1, &e->act, f);
    ref_dense(rows, F, E, f, e->w2, e->b2, NULL, a);
    add_norm(e, rows, h, a, e->keep2, e->ln2_s, e->ln2_b, y);
    free(a), free(h), free(f);
}
