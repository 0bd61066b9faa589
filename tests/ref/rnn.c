/* CPU reference for the recurrent layers (ONNX RNN, LSTM, GRU), double. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sigm(double x) { return 1 / (1 + exp(-x)); }
static double clipd(const ref_rnn *p, double x)
{
    return p->clip > 0 ? fmax(-p->clip, fmin(p->clip, x)) : x;
}

/* a[G*H] = W x + R h (+ biases) for gate rows of direction d. */
static void project(const ref_rnn *p, const double *wd, const double *x, size_t rows,
                    size_t cols, double *out)
{
    for (size_t g = 0; g < rows; g++) {
        double s = 0;
        for (size_t k = 0; k < cols; k++) s += wd[g * cols + k] * x[k];
        out[g] = s;
    }
    (void)p;
}

/* One cell step for entry n: h (and c) updated in place. */
static void cell(const ref_rnn *p, const double *xw, const double *hr, const double *wb,
                 const double *rb, const double *pp, const double *rd, double *h, double *c)
{
    size_t H = p->H;
    double hn[128], cn[128];
    for (size_t j = 0; j < H; j++) {
        if (p->mode == CLNN_RNN_LSTM) {
            double a[4];
            for (int g = 0; g < 4; g++) a[g] = xw[g * H + j] + hr[g * H + j] + wb[g * H + j] + rb[g * H + j];
            double i = sigm(clipd(p, a[0] + pp[j] * c[j]));
            double f = sigm(clipd(p, a[2] + pp[2 * H + j] * c[j]));
            double gg = tanh(clipd(p, a[3]));
            cn[j] = f * c[j] + i * gg;
            double o = sigm(clipd(p, a[1] + pp[H + j] * cn[j]));
            hn[j] = o * tanh(cn[j]);
        } else if (p->mode == CLNN_RNN_GRU) {
            double z = sigm(clipd(p, xw[j] + hr[j] + wb[j] + rb[j]));
            double r = sigm(clipd(p, xw[H + j] + hr[H + j] + wb[H + j] + rb[H + j]));
            double hh;
            if (p->lbr) {
                hh = tanh(clipd(p, xw[2 * H + j] + wb[2 * H + j] + r * (hr[2 * H + j] + rb[2 * H + j])));
            } else {
                /* Rh (r . h) */
                double s = 0;
                for (size_t k = 0; k < H; k++) {
                    double rk = sigm(clipd(p, xw[H + k] + hr[H + k] + wb[H + k] + rb[H + k]));
                    s += rd[(2 * H + j) * H + k] * rk * h[k];
                }
                hh = tanh(clipd(p, xw[2 * H + j] + wb[2 * H + j] + s + rb[2 * H + j]));
            }
            hn[j] = (1 - z) * hh + z * h[j];
        } else {
            double a = clipd(p, xw[j] + hr[j] + wb[j] + rb[j]);
            hn[j] = p->relu ? fmax(a, 0) : tanh(a);
        }
    }
    memcpy(h, hn, H * sizeof *h);
    if (p->mode == CLNN_RNN_LSTM) memcpy(c, cn, H * sizeof *c);
}

void ref_rnn_forward(const ref_rnn *p, const double *x, const double *w, const double *r,
                     const double *b, const double *pp, const double *h0, const double *c0,
                     double *y, double *yh, double *yc)
{
    size_t T = p->T, N = p->N, I = p->I, H = p->H, D = p->D;
    size_t G = p->mode == CLNN_RNN_LSTM ? 4 : p->mode == CLNN_RNN_GRU ? 3 : 1, GH = G * H;
    static const double zeros[4 * 128 * 2];
    memset(y, 0, T * D * N * H * sizeof *y);
    for (size_t d = 0; d < D; d++) {
        const double *wd = w + d * GH * I, *rd = r + d * GH * H;
        const double *wb = b ? b + d * 2 * GH : zeros, *rb = b ? wb + GH : zeros;
        const double *pd = pp ? pp + d * 3 * H : zeros;
        int rev = d == 1 || p->reverse;
        for (size_t n = 0; n < N; n++) {
            double h[128], c[128], xw[512], hr[512];
            for (size_t j = 0; j < H; j++) {
                h[j] = h0 ? h0[(d * N + n) * H + j] : 0;
                c[j] = c0 ? c0[(d * N + n) * H + j] : 0;
            }
            size_t len = p->lens ? (size_t)p->lens[n] : T;
            for (size_t s = 0; s < len; s++) {
                size_t t = rev ? len - 1 - s : s;
                project(p, wd, x + (t * N + n) * I, GH, I, xw);
                project(p, rd, h, GH, H, hr);
                cell(p, xw, hr, wb, rb, pd, rd, h, c);
                for (size_t j = 0; j < H; j++) y[((t * D + d) * N + n) * H + j] = h[j];
            }
            for (size_t j = 0; j < H; j++) {
                if (yh) yh[(d * N + n) * H + j] = h[j];
                if (yc) yc[(d * N + n) * H + j] = c[j];
            }
        }
    }
}

/* [A, B, C] -> [B, A, C]. */
static void swap01(const double *src, size_t A, size_t B, size_t C, double *dst)
{
    for (size_t a = 0; a < A; a++)
        for (size_t b = 0; b < B; b++)
            memcpy(dst + (b * A + a) * C, src + (a * B + b) * C, C * sizeof *dst);
}

void ref_rnn_stack_forward(const ref_rnn_stack *s, const double *x, const double *const *w,
                           const double *const *r, const double *const *b,
                           const double *const *pp, const double *h0, const double *c0,
                           double *y, double *yh, double *yc)
{
    ref_rnn p = s->layer;
    size_t T = p.T, N = p.N, H = p.H, D = p.D, L = s->L, DH = D * H, tn = T * N;
    size_t nst = D * N * H, LD = L * D;
    double *in = malloc(tn * (p.I > DH ? p.I : DH) * sizeof *in);
    double *out = malloc(tn * DH * sizeof *out);
    double *st[4], *ly[4]; /* h0 c0 (time-major) and y_h y_c of one layer */
    for (int k = 0; k < 4; k++) st[k] = malloc(LD * N * H * sizeof(double));
    int *mask = malloc(tn * DH * sizeof *mask);
    /* Everything time-major inside; batch-major only reorders rows. */
    if (s->batch_major) {
        swap01(x, N, T, p.I, in);
        if (h0) swap01(h0, N, LD, H, st[0]);
        if (c0) swap01(c0, N, LD, H, st[1]);
    } else {
        memcpy(in, x, tn * p.I * sizeof *in);
        if (h0) memcpy(st[0], h0, LD * N * H * sizeof(double));
        if (c0) memcpy(st[1], c0, LD * N * H * sizeof(double));
    }
    for (size_t l = 0; l < L; l++) {
        p.I = l ? DH : s->layer.I;
        ly[0] = st[2] + l * nst;
        ly[1] = st[3] + l * nst;
        ref_rnn_forward(&p, in, w[l], r[l], b ? b[l] : NULL, pp ? pp[l] : NULL,
                        h0 ? st[0] + l * nst : NULL, c0 ? st[1] + l * nst : NULL, out, ly[0],
                        ly[1]);
        if (l + 1 == L) break;
        /* next input [T, N, D*H], dropped with the mask of the layer's output in
         * x's row order */
        if (s->ratio > 0)
            ref_dropout_mask(s->seed, s->offset + l * tn * DH, tn * DH, (float)s->ratio, mask);
        for (size_t t = 0; t < T; t++)
            for (size_t n = 0; n < N; n++)
                for (size_t k = 0; k < DH; k++) {
                    size_t row = s->batch_major ? n * T + t : t * N + n, d = k / H;
                    double v = out[((t * D + d) * N + n) * H + k - d * H];
                    if (s->ratio > 0) v = mask[row * DH + k] ? v / (1 - s->ratio) : 0;
                    in[(t * N + n) * DH + k] = v;
                }
    }
    if (s->batch_major) {
        swap01(out, T * D, N, H, y);
        if (yh) swap01(st[2], LD, N, H, yh);
        if (yc) swap01(st[3], LD, N, H, yc);
    } else {
        memcpy(y, out, tn * DH * sizeof *y);
        if (yh) memcpy(yh, st[2], LD * N * H * sizeof *yh);
        if (yc) memcpy(yc, st[3], LD * N * H * sizeof *yc);
    }
    for (int k = 0; k < 4; k++) free(st[k]);
    free(in);
    free(out);
    free(mask);
}
