/* Recurrent layers: forward against the double reference over cells, directions,
 * sequence lengths and odd shapes; backward (every gradient at once) against
 * central finite differences of that reference; long sequences; bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "rnn-operands.h"
#include "ref/ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct cfg {
    clnn_rnn_mode mode;
    int relu, lbr;
    clnn_rnn_direction dir;
    size_t T, N, I, H;
    float clip;
    int lens, peep;
} cfg;

/* Host data of one case: inputs packed as [x w r b p h0 c0], outputs as
 * [y yh yc], so one finite-difference run checks every gradient. */
typedef struct sizes {
    size_t D, G, x, w, r, b, p, h0, c0, in, y, yh, yc, out;
} sizes;

static sizes sizes_of(const cfg *c)
{
    sizes s;
    s.D = c->dir == CLNN_RNN_BIDIRECTIONAL ? 2 : 1;
    s.G = c->mode == CLNN_RNN_LSTM ? 4 : c->mode == CLNN_RNN_GRU ? 3 : 1;
    int lstm = c->mode == CLNN_RNN_LSTM;
    s.x = c->T * c->N * c->I;
    s.w = s.D * s.G * c->H * c->I;
    s.r = s.D * s.G * c->H * c->H;
    s.b = s.D * 2 * s.G * c->H;
    s.p = lstm && c->peep ? s.D * 3 * c->H : 0;
    s.h0 = s.D * c->N * c->H;
    s.c0 = lstm ? s.h0 : 0;
    s.in = s.x + s.w + s.r + s.b + s.p + s.h0 + s.c0;
    s.y = c->T * s.h0;
    s.yh = s.h0;
    s.yc = s.c0;
    s.out = s.y + s.yh + s.yc;
    return s;
}

typedef struct problem {
    cfg c;
    sizes s;
    int32_t lens[64];
} problem;

static ref_rnn ref_of(const problem *pr)
{
    ref_rnn p = {pr->c.mode, pr->c.relu, pr->c.lbr, pr->c.dir == CLNN_RNN_REVERSE,
                 pr->c.T, pr->c.N, pr->c.I, pr->c.H, pr->s.D, pr->c.clip,
                 pr->c.lens ? pr->lens : NULL};
    return p;
}

static void reference(const double *in, double *out, void *params)
{
    const problem *pr = params;
    const sizes *s = &pr->s;
    ref_rnn p = ref_of(pr);
    const double *x = in, *w = x + s->x, *r = w + s->w, *b = r + s->r, *pp = b + s->b;
    const double *h0 = pp + s->p, *c0 = h0 + s->h0;
    ref_rnn_forward(&p, x, w, r, b, s->p ? pp : NULL, h0, s->c0 ? c0 : NULL, out,
                    out + s->y, s->yc ? out + s->y + s->yh : NULL);
}

static clnn_rnn_desc desc_of(const cfg *c)
{
    clnn_rnn_desc d = {.mode = c->mode, .hidden_size = (int)c->H, .direction = c->dir,
                       .activation = c->relu ? CLNN_ACTIVATION_RELU : CLNN_ACTIVATION_TANH,
                       .linear_before_reset = c->lbr, .clip = c->clip};
    return d;
}

/* Runs forward (training and inference) and, when asked, backward; compares
 * with the reference and finite differences. */
static void run_case(const cfg *c, int backward, uint32_t seed)
{
    problem pr = {*c, sizes_of(c), {0}};
    const sizes *s = &pr.s;
    for (size_t n = 0; n < c->N; n++)
        pr.lens[n] = (int32_t)(c->lens ? (c->T + 1 + n * 5 + seed) % (c->T + 1) : c->T);
    if (c->lens) pr.lens[0] = (int32_t)c->T; /* one full, others shorter or empty */
    float *in = harness_alloc(s->in * sizeof *in);
    harness_random(in, s->in, seed, -0.6f, 0.6f);
    harness_random(in, s->x, seed + 1, -1.5f, 1.5f);
    int64_t T = (int64_t)c->T, N = (int64_t)c->N, I = (int64_t)c->I, H = (int64_t)c->H;
    int64_t D = (int64_t)s->D, GH = (int64_t)(s->G * c->H);
    dev_tensor v[20];
    float *p = in;
    clnn_rnn_tensor *x = operand(&v[0], p, s->x, 3, 3, (int64_t[]){T, N, I});
    clnn_rnn_tensor *w = operand(&v[1], p += s->x, s->w, 1, 3, (int64_t[]){D, GH, I});
    clnn_rnn_tensor *r = operand(&v[2], p += s->w, s->r, 0, 3, (int64_t[]){D, GH, H});
    clnn_rnn_tensor *b = operand(&v[3], p += s->r, s->b, 2, 2, (int64_t[]){D, 2 * GH});
    clnn_rnn_tensor *pp = s->p ? operand(&v[4], p += s->b, s->p, 0, 2, (int64_t[]){D, 3 * H})
                               : (p += s->b, NULL);
    int64_t st3[3] = {D, N, H};
    clnn_rnn_tensor *h0 = operand(&v[5], p += s->p, s->h0, 1, 3, st3);
    clnn_rnn_tensor *c0 = s->c0 ? operand(&v[6], p + s->h0, s->c0, 0, 3, st3) : NULL;
    clnn_context_t ctx = harness_ctx();
    clnn_rnn_desc rd = desc_of(c);
    size_t ws_bytes, rs_bytes;
    harness_expect_ok(clnn_rnn_workspace_size(ctx, &rd, x->desc, &ws_bytes));
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &rd, x->desc, &rs_bytes));
    cl_mem ws = scratch(ws_bytes), rs = scratch(rs_bytes);
    const int32_t *lens = c->lens ? pr.lens : NULL;
    double *want = harness_alloc(s->out * sizeof *want);
    reference(gradcheck_to_double(in, s->in), want, &pr);
    /* Both forward paths (recurrent GEMMs, then the fused kernels), each into
     * fresh NaN-filled outputs; the backward below reads the fused pass's reserve. */
    clnn_rnn_tensor *y = NULL, *yh = NULL, *yc = NULL;
    for (int fused = 0; fused < 2; fused++) {
        int was = rnn_use_fused(fused);
        y = operand(&v[7 + 3 * fused], NULL, s->y, 5, 4, (int64_t[]){T, D, N, H});
        yh = operand(&v[8 + 3 * fused], NULL, s->yh, 0, 3, st3);
        yc = s->yc ? operand(&v[9 + 3 * fused], NULL, s->yc, 2, 3, st3) : NULL;
        harness_expect_ok(clnn_rnn_forward(ctx, &rd, 0, lens, x, w, r, b, pp, h0, c0, y, yh,
                                           yc, ws, ws_bytes, NULL, 0));
        float *y_inf = download(y, s->y);
        harness_expect_ok(clnn_rnn_forward(ctx, &rd, 1, lens, x, w, r, b, pp, h0, c0, y, yh,
                                           yc, ws, ws_bytes, rs, rs_bytes));
        rnn_use_fused(was);
        /* fp32 sums of I + H products per step, compounded over T steps: 1e-4
         * relative with 2e-5 absolute for values near 0. */
        const char *path = fused ? "fused" : "gemm";
        char what[4][32];
        snprintf(what[0], sizeof what[0], "y (%s)", path);
        snprintf(what[1], sizeof what[1], "y inference (%s)", path);
        snprintf(what[2], sizeof what[2], "y_h (%s)", path);
        snprintf(what[3], sizeof what[3], "y_c (%s)", path);
        harness_expect_close(download(y, s->y), want, s->y, 1e-4, 2e-5, what[0]);
        harness_expect_close(y_inf, want, s->y, 1e-4, 2e-5, what[1]);
        harness_expect_close(download(yh, s->yh), want + s->y, s->yh, 1e-4, 2e-5, what[2]);
        if (yc)
            harness_expect_close(download(yc, s->yc), want + s->y + s->yh, s->yc, 1e-4, 2e-5,
                                 what[3]);
    }
    if (!backward) return;

    float *dout = harness_alloc(s->out * sizeof *dout);
    harness_random(dout, s->out, seed + 2, -1, 1);
    double *grad = harness_alloc(s->in * sizeof *grad);
    gradcheck_numeric(reference, &pr, gradcheck_to_double(in, s->in), s->in,
                      gradcheck_to_double(dout, s->out), s->out, 1e-5, grad);
    clnn_rnn_tensor *dy = operand(&v[13], dout, s->y, 1, 4, (int64_t[]){T, D, N, H});
    clnn_rnn_tensor *dyh = operand(&v[14], dout + s->y, s->yh, 0, 3, st3);
    clnn_rnn_tensor *dyc = s->yc ? operand(&v[15], dout + s->y + s->yh, s->yc, 3, 3, st3) : NULL;
    dev_tensor g[7];
    clnn_rnn_tensor *dx = operand(&g[0], NULL, s->x, 2, 3, (int64_t[]){T, N, I});
    clnn_rnn_tensor *dw = operand(&g[1], NULL, s->w, 0, 3, (int64_t[]){D, GH, I});
    clnn_rnn_tensor *dr = operand(&g[2], NULL, s->r, 1, 3, (int64_t[]){D, GH, H});
    clnn_rnn_tensor *db = operand(&g[3], NULL, s->b, 0, 2, (int64_t[]){D, 2 * GH});
    clnn_rnn_tensor *dp = s->p ? operand(&g[4], NULL, s->p, 1, 2, (int64_t[]){D, 3 * H}) : NULL;
    clnn_rnn_tensor *dh0 = operand(&g[5], NULL, s->h0, 3, 3, st3);
    clnn_rnn_tensor *dc0 = s->c0 ? operand(&g[6], NULL, s->c0, 0, 3, st3) : NULL;
    harness_expect_ok(clnn_rnn_backward(ctx, &rd, lens, x, w, r, pp, dy, dyh, dyc, dx, dw, dr,
                                        db, dp, dh0, dc0, ws, ws_bytes, rs, rs_bytes));
    /* fp32 gradients through T steps vs double differences (good to ~1e-9). */
    const double rt = 1e-3, at = 1e-4;
    double *gp = grad;
    harness_expect_close(download(dx, s->x), gp, s->x, rt, at, "dx");
    harness_expect_close(download(dw, s->w), gp += s->x, s->w, rt, at, "dw");
    harness_expect_close(download(dr, s->r), gp += s->w, s->r, rt, at, "dr");
    harness_expect_close(download(db, s->b), gp += s->r, s->b, rt, at, "db");
    gp += s->b;
    if (dp) harness_expect_close(download(dp, s->p), gp, s->p, rt, at, "dp");
    harness_expect_close(download(dh0, s->h0), gp += s->p, s->h0, rt, at, "dh0");
    if (dc0) harness_expect_close(download(dc0, s->c0), gp + s->h0, s->c0, rt, at, "dc0");
}

#define LSTM CLNN_RNN_LSTM
#define GRU CLNN_RNN_GRU
#define RNN CLNN_RNN_SIMPLE
#define FWD CLNN_RNN_FORWARD
#define REV CLNN_RNN_REVERSE
#define BI CLNN_RNN_BIDIRECTIONAL

/* mode relu lbr dir T N I H clip lens peep */
static const cfg grad_cases[] = {
    {LSTM, 0, 0, FWD, 3, 2, 3, 4, 0, 1, 1}, {LSTM, 0, 0, BI, 4, 3, 2, 3, 0, 0, 0},
    {LSTM, 0, 0, REV, 5, 1, 1, 1, 0, 0, 1}, {LSTM, 0, 0, BI, 3, 3, 2, 2, 0, 1, 1},
    {GRU, 0, 0, FWD, 3, 2, 3, 5, 0, 0, 0},  {GRU, 0, 1, BI, 4, 2, 2, 3, 0, 1, 0},
    {GRU, 0, 0, BI, 5, 3, 4, 2, 0, 1, 0},   {GRU, 0, 1, REV, 2, 1, 5, 7, 0, 0, 0},
    {RNN, 0, 0, BI, 7, 3, 5, 9, 0, 1, 0},   {RNN, 1, 0, FWD, 2, 1, 1, 1, 0, 0, 0},
    {RNN, 1, 0, REV, 4, 2, 3, 6, 0, 1, 0},  {LSTM, 0, 0, FWD, 3, 2, 2, 3, 0.4f, 0, 1},
    {GRU, 0, 0, BI, 3, 2, 2, 3, 0.4f, 1, 0}, {RNN, 0, 0, FWD, 3, 2, 2, 3, 0.4f, 0, 0},
};
#define GRAD_CASES (sizeof grad_cases / sizeof grad_cases[0])

START_TEST(backward_matches_finite_differences)
{
    run_case(&grad_cases[_i], 1, 11 + (uint32_t)_i);
}
END_TEST

START_TEST(forward_over_shapes)
{
    /* T 1..7, N 1..3, I 1..5, H 1..9 mixed; each cell kind and direction. */
    static const clnn_rnn_mode modes[] = {LSTM, GRU, GRU, RNN};
    for (int k = 0; k < 12; k++) {
        cfg c = {modes[_i], k % 5 == 4, _i == 2, (clnn_rnn_direction)(k % 3),
                 1 + (size_t)(k * 3) % 7, 1 + (size_t)k % 3, 1 + (size_t)(k * 2) % 5,
                 1 + (size_t)(k * 5) % 9, 0, k % 2, k % 4 == 1};
        run_case(&c, 0, 100 + (uint32_t)k);
    }
}
END_TEST

START_TEST(forward_medium)
{
    static const clnn_rnn_mode modes[] = {LSTM, GRU, RNN};
    cfg c = {modes[_i], 0, 1, BI, 20, 4, 16, 32, 0, 1, 1};
    if (small_mode) c = (cfg){modes[_i], 0, 1, BI, 6, 2, 4, 8, 0, 1, 1};
    run_case(&c, 0, 5);
}
END_TEST

START_TEST(forward_odd_tiles)
{
    /* Hidden sizes that exercise every fused tile width (H 48: 16 units per
     * work-item, 24: 8, 20: 4, 2: 2, 1 / 7 / 93: 1) and batches that leave a
     * partial tile of entries (33, small mode 9) or one entry. */
    size_t big = small_mode ? 9 : 33;
    const cfg cases[] = {
        {LSTM, 0, 0, FWD, 3, big, 5, 48, 0, 1, 1}, {GRU, 0, 0, BI, 2, big, 3, 24, 0, 1, 0},
        {GRU, 0, 1, REV, 3, 1, 4, 93, 0, 0, 0},    {RNN, 1, 0, FWD, 3, big, 2, 20, 0.5f, 1, 0},
        {RNN, 0, 0, BI, 2, 1, 3, 7, 0, 0, 0},      {LSTM, 0, 0, BI, 2, 1, 2, 1, 0, 0, 0},
        {LSTM, 0, 0, REV, 2, 5, 3, 93, 0.5f, 1, 0}, {GRU, 0, 0, FWD, 3, 2, 2, 2, 0, 0, 0},
    };
    run_case(&cases[_i], 0, 300 + (uint32_t)_i);
}
END_TEST

/* All-finite check of a downloaded operand. */
static void expect_finite(const clnn_rnn_tensor *t, size_t n, const char *what)
{
    float *h = download(t, n);
    for (size_t i = 0; i < n; i++) ck_assert_msg(isfinite(h[i]), "%s[%zu] = %g", what, i, h[i]);
}

START_TEST(long_sequence_stays_finite)
{
    static const clnn_rnn_mode modes[] = {LSTM, GRU, RNN};
    size_t T = small_mode ? 40 : 500, N = 2, I = 3, H = 4, G = _i == 0 ? 4 : _i == 1 ? 3 : 1;
    int64_t Ti = (int64_t)T, GH = (int64_t)(G * H);
    float *host = harness_alloc(T * N * I * 4 + G * H * (I + H) * 4);
    harness_random(host, T * N * I + G * H * (I + H), 3, -2, 2);
    dev_tensor v[8];
    clnn_rnn_tensor *x = operand(&v[0], host, T * N * I, 0, 3, (int64_t[]){Ti, 2, 3});
    clnn_rnn_tensor *w = operand(&v[1], host + T * N * I, G * H * I, 0, 3, (int64_t[]){1, GH, 3});
    clnn_rnn_tensor *r = operand(&v[2], host + T * N * I + G * H * I, G * H * H, 0, 3,
                                 (int64_t[]){1, GH, 4});
    clnn_rnn_tensor *y = operand(&v[3], NULL, T * N * H, 0, 4, (int64_t[]){Ti, 1, 2, 4});
    float *ones = harness_alloc(T * N * H * 4);
    for (size_t i = 0; i < T * N * H; i++) ones[i] = 1.0f;
    clnn_rnn_tensor *dy = operand(&v[4], ones, T * N * H, 0, 4, (int64_t[]){Ti, 1, 2, 4});
    clnn_rnn_tensor *dx = operand(&v[5], NULL, T * N * I, 0, 3, (int64_t[]){Ti, 2, 3});
    clnn_rnn_tensor *dr = operand(&v[6], NULL, G * H * H, 0, 3, (int64_t[]){1, GH, 4});
    clnn_rnn_desc rd = {.mode = modes[_i], .hidden_size = 4, .direction = FWD,
                        .activation = CLNN_ACTIVATION_TANH};
    size_t wsb, rsb;
    clnn_context_t ctx = harness_ctx();
    harness_expect_ok(clnn_rnn_workspace_size(ctx, &rd, x->desc, &wsb));
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &rd, x->desc, &rsb));
    cl_mem ws = scratch(wsb), rs = scratch(rsb);
    harness_expect_ok(clnn_rnn_forward(ctx, &rd, 1, NULL, x, w, r, NULL, NULL, NULL, NULL, y,
                                       NULL, NULL, ws, wsb, rs, rsb));
    harness_expect_ok(clnn_rnn_backward(ctx, &rd, NULL, x, w, r, NULL, dy, NULL, NULL, dx, NULL,
                                        dr, NULL, NULL, NULL, NULL, ws, wsb, rs, rsb));
    expect_finite(y, T * N * H, "y");
    expect_finite(dx, T * N * I, "dx");
    expect_finite(dr, G * H * H, "dr");
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    dev_tensor v[8];
    float sentinel[96];
    for (int i = 0; i < 96; i++) sentinel[i] = (float)i;
    /* LSTM, T 2, N 2, I 3, H 2, one direction. */
    clnn_rnn_tensor *x = operand(&v[0], sentinel, 12, 0, 3, (int64_t[]){2, 2, 3});
    clnn_rnn_tensor *w = operand(&v[1], sentinel, 24, 0, 3, (int64_t[]){1, 8, 3});
    clnn_rnn_tensor *r = operand(&v[2], sentinel, 16, 0, 3, (int64_t[]){1, 8, 2});
    clnn_rnn_tensor *y = operand(&v[3], sentinel, 8, 0, 4, (int64_t[]){2, 1, 2, 2});
    clnn_rnn_tensor *w2 = operand(&v[4], sentinel, 48, 0, 3, (int64_t[]){2, 8, 3});
    clnn_rnn_tensor *r3 = operand(&v[5], sentinel, 24, 0, 3, (int64_t[]){1, 8, 3});
    clnn_rnn_tensor *bad_b = operand(&v[6], sentinel, 8, 0, 2, (int64_t[]){1, 8});
    clnn_rnn_desc rd = {.mode = LSTM, .hidden_size = 2, .direction = FWD,
                        .activation = CLNN_ACTIVATION_TANH};
    size_t wsb, rsb;
    harness_expect_ok(clnn_rnn_workspace_size(ctx, &rd, x->desc, &wsb));
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &rd, x->desc, &rsb));
    cl_mem ws = scratch(wsb), rs = scratch(rsb);
    int32_t too_long[2] = {2, 3}, negative[2] = {-1, 2};
#define FWD_CALL(D, L, X, W, R, B, Y, WS, WSB, RS, RSB)                                     \
    clnn_rnn_forward(ctx, D, 1, L, X, W, R, B, NULL, NULL, NULL, Y, NULL, NULL, WS, WSB, RS, RSB)
    harness_expect_error(FWD_CALL(&rd, NULL, x, w, r, NULL, y, ws, wsb, rs, rsb - 4),
                         CLNN_INSUFFICIENT_WORKSPACE, "reserve");
    harness_expect_error(FWD_CALL(&rd, NULL, x, w, r, NULL, y, ws, wsb - 4, rs, rsb),
                         CLNN_INSUFFICIENT_WORKSPACE, "workspace");
    harness_expect_error(FWD_CALL(&rd, NULL, x, w, r, NULL, y, NULL, wsb, rs, rsb),
                         CLNN_NULL_POINTER, "workspace");
    harness_expect_error(FWD_CALL(&rd, NULL, x, w, r, NULL, y, ws, wsb, NULL, rsb),
                         CLNN_NULL_POINTER, "reserve");
    harness_expect_error(FWD_CALL(&rd, too_long, x, w, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_INVALID_VALUE, "seq_lens[1]");
    harness_expect_error(FWD_CALL(&rd, negative, x, w, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_INVALID_VALUE, "seq_lens[0]");
    harness_expect_error(FWD_CALL(&rd, NULL, x, w2, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_SHAPE_MISMATCH, "w");
    harness_expect_error(FWD_CALL(&rd, NULL, x, w, r3, NULL, y, ws, wsb, rs, rsb),
                         CLNN_SHAPE_MISMATCH, "r");
    harness_expect_error(FWD_CALL(&rd, NULL, x, w, r, bad_b, y, ws, wsb, rs, rsb),
                         CLNN_SHAPE_MISMATCH, "b");
    harness_expect_error(FWD_CALL(&rd, NULL, NULL, w, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(FWD_CALL(&rd, NULL, x, NULL, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_NULL_POINTER, "w");
    harness_expect_error(FWD_CALL(NULL, NULL, x, w, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_NULL_POINTER, "rnn");
    harness_expect_status(clnn_rnn_forward(NULL, &rd, 0, NULL, x, w, r, NULL, NULL, NULL, NULL,
                                           y, NULL, NULL, ws, wsb, NULL, 0),
                          CLNN_NULL_POINTER);
    /* Bidirectional descriptor with one-direction weights. */
    clnn_rnn_desc bi = rd;
    bi.direction = BI;
    harness_expect_error(FWD_CALL(&bi, NULL, x, w, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_SHAPE_MISMATCH, "w");
    /* Hidden size that does not match the weights. */
    clnn_rnn_desc h3 = rd;
    h3.hidden_size = 3;
    harness_expect_error(FWD_CALL(&h3, NULL, x, w, r, NULL, y, ws, 1 << 20, rs, 1 << 20),
                         CLNN_SHAPE_MISMATCH, "w");
    clnn_rnn_desc bad = rd;
    bad.hidden_size = 0;
    harness_expect_error(clnn_rnn_workspace_size(ctx, &bad, x->desc, &wsb), CLNN_INVALID_VALUE,
                         "hidden_size");
    bad = rd;
    bad.clip = -1;
    harness_expect_error(FWD_CALL(&bad, NULL, x, w, r, NULL, y, ws, wsb, rs, rsb),
                         CLNN_INVALID_VALUE, "clip");
    bad = rd;
    bad.mode = CLNN_RNN_SIMPLE;
    bad.activation = CLNN_ACTIVATION_SIGMOID;
    harness_expect_error(clnn_rnn_reserve_size(ctx, &bad, x->desc, &rsb), CLNN_INVALID_VALUE,
                         "activation");
    harness_expect_error(clnn_rnn_reserve_size(ctx, &rd, x->desc, NULL), CLNN_NULL_POINTER,
                         "bytes");
    clnn_tensor_desc x2 = HARNESS_DESC(6, 2);
    harness_expect_error(clnn_rnn_workspace_size(ctx, &rd, &x2, &wsb), CLNN_INVALID_VALUE, "x");
    /* Backward: required r, dw of the wrong shape, reserve too small. */
    harness_expect_error(clnn_rnn_backward(ctx, &rd, NULL, x, w, NULL, NULL, NULL, NULL, NULL,
                                           NULL, NULL, NULL, NULL, NULL, NULL, NULL, ws, wsb,
                                           rs, rsb),
                         CLNN_NULL_POINTER, "r");
    harness_expect_error(clnn_rnn_backward(ctx, &rd, NULL, x, w, r, NULL, NULL, NULL, NULL,
                                           NULL, r, NULL, NULL, NULL, NULL, NULL, ws, wsb, rs,
                                           rsb),
                         CLNN_SHAPE_MISMATCH, "dw");
    harness_expect_error(clnn_rnn_backward(ctx, &rd, NULL, x, w, r, NULL, NULL, NULL, NULL,
                                           NULL, NULL, NULL, NULL, NULL, NULL, NULL, ws, wsb, rs,
                                           8),
                         CLNN_INSUFFICIENT_WORKSPACE, "reserve");
    harness_expect_error(clnn_rnn_backward(ctx, &rd, too_long, x, w, r, NULL, NULL, NULL, NULL,
                                           NULL, NULL, NULL, NULL, NULL, NULL, NULL, ws, wsb, rs,
                                           rsb),
                         CLNN_INVALID_VALUE, "seq_lens");
    float after[8];
    harness_download(y->mem, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("rnn");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_over_shapes, 0, 4);
    tcase_add_loop_test(tc, forward_medium, 0, 3);
    tcase_add_loop_test(tc, forward_odd_tiles, 0, 8);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, (int)GRAD_CASES);
    tcase_add_loop_test(tc, long_sequence_stays_finite, 0, 3);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
