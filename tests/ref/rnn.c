/* CPU reference for the recurrent layers (ONNX RNN, LSTM, GRU), double. */
#include "ref.h"

#include <math.h>
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
    double hn[64], cn[64];
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
    static const double zeros[4 * 64 * 2];
    memset(y, 0, T * D * N * H * sizeof *y);
    for (size_t d = 0; d < D; d++) {
        const double *wd = w + d * GH * I, *rd = r + d * GH * H;
        const double *wb = b ? b + d * 2 * GH : zeros, *rb = b ? wb + GH : zeros;
        const double *pd = pp ? pp + d * 3 * H : zeros;
        int rev = d == 1 || p->reverse;
        for (size_t n = 0; n < N; n++) {
            double h[64], c[64], xw[256], hr[256];
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
