/* Recurrent stacks: L layers in one call, the batch-major layout and dropout
 * between layers, against the double reference of chained layers
 * (ref_rnn_stack_forward) and its central finite differences; bad input for the
 * new descriptor fields. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"
#include "rnn-operands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXL 3

static int small_mode;

typedef struct scfg {
    clnn_rnn_mode mode;
    int lbr;
    clnn_rnn_direction dir;
    size_t T, N, I, H, L;
    int bm, lens, peep;
    float ratio;
} scfg;

/* Host data packed as [x, (w r b p) per layer, h0, c0] and [y, y_h, y_c], in the
 * device layout, so one finite-difference run checks every gradient. */
typedef struct ssizes {
    size_t D, G, LD, x, w[MAXL], r, b, p, h0, c0, in, y, yh, yc, out;
} ssizes;

static ssizes sizes_of(const scfg *c)
{
    ssizes s;
    s.D = c->dir == CLNN_RNN_BIDIRECTIONAL ? 2 : 1;
    s.G = c->mode == CLNN_RNN_LSTM ? 4 : c->mode == CLNN_RNN_GRU ? 3 : 1;
    s.LD = c->L * s.D;
    int lstm = c->mode == CLNN_RNN_LSTM;
    size_t GH = s.G * c->H;
    s.x = c->T * c->N * c->I;
    s.r = s.D * GH * c->H;
    s.b = s.D * 2 * GH;
    s.p = lstm && c->peep ? s.D * 3 * c->H : 0;
    s.in = s.x;
    for (size_t l = 0; l < c->L; l++) {
        s.w[l] = s.D * GH * (l ? s.D * c->H : c->I);
        s.in += s.w[l] + s.r + s.b + s.p;
    }
    s.h0 = s.LD * c->N * c->H;
    s.c0 = lstm ? s.h0 : 0;
    s.in += s.h0 + s.c0;
    s.y = c->T * s.D * c->N * c->H;
    s.yh = s.h0;
    s.yc = s.c0;
    s.out = s.y + s.yh + s.yc;
    return s;
}

typedef struct sproblem {
    scfg c;
    ssizes s;
    int32_t lens[8];
    int train;
    uint64_t seed, offset;
} sproblem;

static void stack_reference(const double *in, double *out, void *params)
{
    const sproblem *pr = params;
    const ssizes *s = &pr->s;
    const scfg *c = &pr->c;
    const double *w[MAXL], *r[MAXL], *b[MAXL], *pp[MAXL], *q = in + s->x;
    for (size_t l = 0; l < c->L; l++) {
        w[l] = q;
        r[l] = q += s->w[l];
        b[l] = q += s->r;
        pp[l] = q += s->b;
        q += s->p;
    }
    ref_rnn_stack rs = {{c->mode, 0, c->lbr, c->dir == CLNN_RNN_REVERSE, c->T, c->N, c->I,
                         c->H, s->D, 0, c->lens ? pr->lens : NULL},
                        c->L, c->bm, pr->train ? c->ratio : 0, pr->seed, pr->offset};
    ref_rnn_stack_forward(&rs, in, w, r, b, s->p ? pp : NULL, q, s->c0 ? q + s->h0 : NULL, out,
                          out + s->y, s->yc ? out + s->y + s->yh : NULL);
}

/* [A, B, C] <-> [B, A, C] in place at v + off (back: the inverse). */
static void reorder(float *v, size_t off, size_t A, size_t B, size_t C, int back)
{
    if (back) {
        size_t t = A;
        A = B;
        B = t;
    }
    float *tmp = harness_alloc(A * B * C * sizeof *tmp);
    for (size_t a = 0; a < A; a++)
        for (size_t b = 0; b < B; b++)
            memcpy(tmp + (b * A + a) * C, v + off + (a * B + b) * C, C * sizeof *tmp);
    memcpy(v + off, tmp, A * B * C * sizeof *tmp);
}

/* Packed inputs / outputs between time-major (canonical) and batch-major. */
static void in_layout(const scfg *c, const ssizes *s, float *in, int back)
{
    size_t h0 = s->in - s->h0 - s->c0;
    reorder(in, 0, c->T, c->N, c->I, back);
    reorder(in, h0, s->LD, c->N, c->H, back);
    if (s->c0) reorder(in, h0 + s->h0, s->LD, c->N, c->H, back);
}

static void out_layout(const scfg *c, const ssizes *s, float *out, int back)
{
    reorder(out, 0, c->T * s->D, c->N, c->H, back);
    reorder(out, s->y, s->LD, c->N, c->H, back);
    if (s->yc) reorder(out, s->y + s->yh, s->LD, c->N, c->H, back);
}

static clnn_rnn_desc desc_of(const sproblem *pr)
{
    const scfg *c = &pr->c;
    clnn_rnn_desc d = {.mode = c->mode, .hidden_size = (int)c->H, .direction = c->dir,
                       .activation = CLNN_ACTIVATION_TANH, .linear_before_reset = c->lbr,
                       .num_layers = (int)c->L, .batch_major = c->bm,
                       .dropout_ratio = c->ratio, .dropout_seed = pr->seed,
                       .dropout_offset = pr->offset};
    return d;
}

/* Device operands of a packed host array (NULL: NaN-filled outputs): x or dx,
 * the per-layer arrays, and the states. */
typedef struct ops {
    dev_tensor v[4 + 4 * MAXL];
    clnn_rnn_tensor *x, w[MAXL], r[MAXL], b[MAXL], p[MAXL], *h0, *c0;
} ops;

static void upload_inputs(const sproblem *pr, const float *in, ops *o)
{
    const scfg *c = &pr->c;
    const ssizes *s = &pr->s;
    int64_t T = (int64_t)c->T, N = (int64_t)c->N, I = (int64_t)c->I, H = (int64_t)c->H;
    int64_t D = (int64_t)s->D, GH = (int64_t)(s->G * c->H), LD = (int64_t)s->LD;
    size_t off = 0;
#define AT(n) (in ? in + off : NULL), (n)
    o->x = operand(&o->v[0], AT(s->x), 3, 3, c->bm ? (int64_t[]){N, T, I} : (int64_t[]){T, N, I});
    off += s->x;
    for (size_t l = 0; l < c->L; l++) {
        dev_tensor *v = &o->v[4 + 4 * l];
        int64_t Il = l ? D * H : I;
        o->w[l] = *operand(&v[0], AT(s->w[l]), l, 3, (int64_t[]){D, GH, Il});
        off += s->w[l];
        o->r[l] = *operand(&v[1], AT(s->r), 2 * l + 1, 3, (int64_t[]){D, GH, H});
        off += s->r;
        o->b[l] = *operand(&v[2], AT(s->b), 1, 2, (int64_t[]){D, 2 * GH});
        off += s->b;
        if (s->p) o->p[l] = *operand(&v[3], AT(s->p), 0, 2, (int64_t[]){D, 3 * H});
        off += s->p;
    }
    const int64_t *st = c->bm ? (int64_t[]){N, LD, H} : (int64_t[]){LD, N, H};
    o->h0 = operand(&o->v[1], AT(s->h0), 2, 3, st);
    off += s->h0;
    o->c0 = s->c0 ? operand(&o->v[2], AT(s->c0), 0, 3, st) : NULL;
#undef AT
}

/* The packed gradient array from the device's dx, dw.., dh0, dc0. */
static void download_inputs(const sproblem *pr, const ops *o, float *g)
{
    const ssizes *s = &pr->s;
    memcpy(g, download(o->x, s->x), s->x * 4);
    g += s->x;
    for (size_t l = 0; l < pr->c.L; l++) {
        memcpy(g, download(&o->w[l], s->w[l]), s->w[l] * 4);
        memcpy(g += s->w[l], download(&o->r[l], s->r), s->r * 4);
        memcpy(g += s->r, download(&o->b[l], s->b), s->b * 4);
        if (s->p) memcpy(g + s->b, download(&o->p[l], s->p), s->p * 4);
        g += s->b + s->p;
    }
    memcpy(g, download(o->h0, s->h0), s->h0 * 4);
    if (s->c0) memcpy(g + s->h0, download(o->c0, s->c0), s->c0 * 4);
}

/* Device results in canonical (time-major) order. */
typedef struct sresult {
    float *out, *out_inf, *grad;
} sresult;

/* Runs forward (training, inference) and optionally backward on data from
 * `seed` (generated time-major, reordered for batch-major); with `check`,
 * compares with the reference and its finite differences. */
static sresult run_stack(const scfg *c, uint32_t seed, int backward, int check)
{
    sproblem pr = {*c, sizes_of(c), {0}, 1, 0x5eed0000u + seed, 4 * seed + 1};
    const ssizes *s = &pr.s;
    for (size_t n = 0; n < c->N; n++)
        pr.lens[n] = (int32_t)(c->lens ? (c->T + 1 + n * 5 + seed) % (c->T + 1) : c->T);
    if (c->lens) pr.lens[0] = (int32_t)c->T;
    float *in = harness_alloc(s->in * sizeof *in), *dout = harness_alloc(s->out * 4);
    harness_random(in, s->in, seed, -0.6f, 0.6f);
    harness_random(in, s->x, seed + 1, -1.5f, 1.5f);
    harness_random(dout, s->out, seed + 2, -1, 1);
    if (c->bm) {
        in_layout(c, s, in, 0);
        out_layout(c, s, dout, 0);
    }
    ops o;
    upload_inputs(&pr, in, &o);
    int64_t T = (int64_t)c->T, N = (int64_t)c->N, H = (int64_t)c->H, D = (int64_t)s->D;
    int64_t LD = (int64_t)s->LD;
    const int64_t *yd = c->bm ? (int64_t[]){N, T, D, H} : (int64_t[]){T, D, N, H};
    const int64_t *st = c->bm ? (int64_t[]){N, LD, H} : (int64_t[]){LD, N, H};
    dev_tensor v[6];
    clnn_rnn_tensor *y = operand(&v[0], NULL, s->y, 3, 4, yd);
    clnn_rnn_tensor *yh = operand(&v[1], NULL, s->yh, 1, 3, st);
    clnn_rnn_tensor *yc = s->yc ? operand(&v[2], NULL, s->yc, 0, 3, st) : NULL;

    clnn_context_t ctx = harness_ctx();
    clnn_rnn_desc rd = desc_of(&pr);
    size_t wsb, rsb;
    harness_expect_ok(clnn_rnn_workspace_size(ctx, &rd, o.x->desc, &wsb));
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &rd, o.x->desc, &rsb));
    cl_mem ws = scratch(wsb), rs = scratch(rsb);
    const int32_t *lens = c->lens ? pr.lens : NULL;
    clnn_rnn_tensor *pp = s->p ? o.p : NULL;
    sresult res = {harness_alloc(s->out * 4), harness_alloc(s->out * 4), NULL};
    harness_expect_ok(clnn_rnn_forward(ctx, &rd, 0, lens, o.x, o.w, o.r, o.b, pp, o.h0, o.c0, y,
                                       yh, yc, ws, wsb, NULL, 0));
    float *outs[2] = {res.out_inf, res.out};
    for (int train = 0; train < 2; train++) {
        if (train)
            harness_expect_ok(clnn_rnn_forward(ctx, &rd, 1, lens, o.x, o.w, o.r, o.b, pp, o.h0,
                                               o.c0, y, yh, yc, ws, wsb, rs, rsb));
        memcpy(outs[train], download(y, s->y), s->y * 4);
        memcpy(outs[train] + s->y, download(yh, s->yh), s->yh * 4);
        if (yc) memcpy(outs[train] + s->y + s->yh, download(yc, s->yc), s->yc * 4);
        if (check) {
            double *want = harness_alloc(s->out * sizeof *want);
            pr.train = train;
            stack_reference(gradcheck_to_double(in, s->in), want, &pr);
            /* fp32 sums of I + H products per step, compounded over T steps and L
             * layers: 2e-4 relative with 3e-5 absolute for values near 0. */
            harness_expect_close(outs[train], want, s->out, 2e-4, 3e-5,
                                 train ? "y y_h y_c (training)" : "y y_h y_c (inference)");
        }
    }
    if (backward) {
        dev_tensor dv[3];
        clnn_rnn_tensor *dy = operand(&dv[0], dout, s->y, 1, 4, yd);
        clnn_rnn_tensor *dyh = operand(&dv[1], dout + s->y, s->yh, 0, 3, st);
        clnn_rnn_tensor *dyc = s->yc ? operand(&dv[2], dout + s->y + s->yh, s->yc, 2, 3, st)
                                     : NULL;
        ops g;
        upload_inputs(&pr, NULL, &g);
        harness_expect_ok(clnn_rnn_backward(ctx, &rd, lens, o.x, o.w, o.r, pp, dy, dyh, dyc,
                                            g.x, g.w, g.r, g.b, s->p ? g.p : NULL, g.h0, g.c0,
                                            ws, wsb, rs, rsb));
        res.grad = harness_alloc(s->in * 4);
        download_inputs(&pr, &g, res.grad);
        if (check) {
            double *want = harness_alloc(s->in * sizeof *want);
            pr.train = 1;
            gradcheck_numeric(stack_reference, &pr, gradcheck_to_double(in, s->in), s->in,
                              gradcheck_to_double(dout, s->out), s->out, 1e-5, want);
            /* fp32 gradients through T steps and L layers vs double differences
             * (good to ~1e-9). */
            harness_expect_close(res.grad, want, s->in, 1e-3, 1e-4, "dx dw dr db dp dh0 dc0");
        }
        if (c->bm) in_layout(c, s, res.grad, 1);
    }
    if (c->bm) {
        out_layout(c, s, res.out, 1);
        out_layout(c, s, res.out_inf, 1);
    }
    return res;
}

#define LSTM CLNN_RNN_LSTM
#define GRU CLNN_RNN_GRU
#define RNN CLNN_RNN_SIMPLE
#define FWD CLNN_RNN_FORWARD
#define REV CLNN_RNN_REVERSE
#define BI CLNN_RNN_BIDIRECTIONAL

/* mode lbr dir T N I H L bm lens peep ratio */
static const scfg stack_cases[] = {
    {LSTM, 0, FWD, 3, 2, 3, 4, 2, 0, 1, 1, 0},  {LSTM, 0, BI, 4, 3, 2, 3, 3, 0, 1, 0, 0},
    {GRU, 0, BI, 3, 2, 3, 2, 2, 0, 1, 0, 0},    {GRU, 1, FWD, 4, 1, 2, 3, 3, 0, 0, 0, 0},
    {GRU, 1, BI, 3, 3, 1, 2, 2, 0, 1, 0, 0},    {RNN, 0, BI, 5, 2, 3, 3, 3, 0, 1, 0, 0},
    {RNN, 0, REV, 3, 2, 2, 5, 2, 0, 0, 0, 0},   {LSTM, 0, REV, 3, 1, 2, 2, 2, 0, 0, 1, 0},
    {LSTM, 0, BI, 3, 2, 2, 3, 2, 1, 1, 1, 0},   {GRU, 0, FWD, 4, 3, 2, 3, 3, 1, 1, 0, 0},
    {RNN, 0, BI, 3, 2, 3, 2, 2, 1, 0, 0, 0.3f}, {GRU, 1, BI, 3, 2, 2, 3, 3, 0, 1, 0, 0.4f},
};
#define STACK_CASES (sizeof stack_cases / sizeof stack_cases[0])

START_TEST(stack_matches_chained_layers)
{
    run_stack(&stack_cases[_i], 30 + (uint32_t)_i, 1, 1);
}
END_TEST

START_TEST(stack_forward_medium)
{
    /* Odd sizes past the vector width and GEMM tiles, with and without dropout. */
    static const clnn_rnn_mode modes[] = {LSTM, GRU, RNN};
    scfg c = {modes[_i], 1, BI, 9, 7, 13, 21, 3, _i == 1, 1, 1, 0.25f};
    if (small_mode) c = (scfg){modes[_i], 1, BI, 4, 3, 5, 6, 2, _i == 1, 1, 1, 0.25f};
    run_stack(&c, 7, 0, 1);
}
END_TEST

START_TEST(batch_major_equals_time_major)
{
    static const clnn_rnn_mode modes[] = {LSTM, GRU, RNN};
    scfg c = {modes[_i], _i == 1, BI, 5, 3, 4, 3, 2, 0, 1, 1, 0};
    sresult tm = run_stack(&c, 50, 1, 0);
    c.bm = 1;
    sresult bm = run_stack(&c, 50, 1, 0);
    ssizes s = sizes_of(&c);
    double *want = gradcheck_to_double(tm.out, s.out), *gwant = gradcheck_to_double(tm.grad, s.in);
    /* Same arithmetic in another order of rows: equal to fp32 rounding. */
    harness_expect_close(bm.out, want, s.out, 1e-5, 1e-6, "forward outputs");
    harness_expect_close(bm.grad, gwant, s.in, 1e-5, 1e-6, "gradients");
}
END_TEST

/* The outputs of one training forward with the given dropout fields. */
static float *dropout_run(float ratio, uint64_t seed, uint64_t offset, int training)
{
    scfg c = {LSTM, 0, BI, 4, 3, 3, 4, 3, 0, 0, 0, ratio};
    sproblem pr = {c, sizes_of(&c), {0}, training, seed, offset};
    const ssizes *s = &pr.s;
    float *in = harness_alloc(s->in * sizeof *in);
    harness_random(in, s->in, 9, -0.8f, 0.8f);
    ops o;
    upload_inputs(&pr, in, &o);
    dev_tensor v;
    clnn_rnn_tensor *y = operand(&v, NULL, s->y, 0, 4, (int64_t[]){4, 2, 3, 4});
    clnn_context_t ctx = harness_ctx();
    clnn_rnn_desc rd = desc_of(&pr);
    size_t wsb, rsb;
    harness_expect_ok(clnn_rnn_workspace_size(ctx, &rd, o.x->desc, &wsb));
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &rd, o.x->desc, &rsb));
    cl_mem ws = scratch(wsb), rs = scratch(rsb);
    harness_expect_ok(clnn_rnn_forward(ctx, &rd, training, NULL, o.x, o.w, o.r, o.b, NULL, NULL,
                                       NULL, y, NULL, NULL, ws, wsb, rs, rsb));
    return download(y, s->y);
}

START_TEST(dropout_semantics)
{
    size_t n = 4 * 2 * 3 * 4;
    float *plain = dropout_run(0, 0, 0, 0);
    /* Ratio 0 and inference with any ratio are the plain stack, bit for bit. */
    ck_assert_mem_eq(dropout_run(0, 123, 5, 1), plain, n * 4);
    ck_assert_mem_eq(dropout_run(0.5f, 123, 5, 0), plain, n * 4);
    /* A fixed seed and offset reproduce; another offset draws other masks. */
    float *a = dropout_run(0.5f, 123, 5, 1), *b = dropout_run(0.5f, 123, 5, 1);
    ck_assert_mem_eq(a, b, n * 4);
    float *c = dropout_run(0.5f, 123, 5 + 4 * 3 * 8, 1);
    int differ = 0;
    for (size_t i = 0; i < n; i++) differ |= a[i] != c[i];
    ck_assert_msg(differ, "another dropout_offset gave the same outputs");
}
END_TEST

START_TEST(gradcheck_bidirectional_lstm_dropout_batch_major)
{
    /* 2-layer bidirectional LSTM with peepholes, dropout and batch-major. */
    scfg c = {LSTM, 0, BI, 3, 2, 2, 3, 2, 1, 1, 1, 0.35f};
    run_stack(&c, 77, 1, 1);
}
END_TEST

START_TEST(bad_stack_input_is_rejected)
{
    /* GRU, T 2, N 2, I 3, H 2, two layers, one direction. */
    scfg c = {GRU, 1, FWD, 2, 2, 3, 2, 2, 0, 0, 0, 0};
    sproblem pr = {c, sizes_of(&c), {0}, 1, 1, 0};
    float *in = harness_alloc(pr.s.in * 4);
    harness_random(in, pr.s.in, 4, -1, 1);
    ops o;
    upload_inputs(&pr, in, &o);
    float sentinel[24];
    for (int i = 0; i < 24; i++) sentinel[i] = (float)i;
    dev_tensor v[6];
    clnn_rnn_tensor *y = operand(&v[0], sentinel, 8, 0, 4, (int64_t[]){2, 1, 2, 2});
    clnn_rnn_tensor *h0_one = operand(&v[1], sentinel, 4, 0, 3, (int64_t[]){1, 2, 2});
    clnn_rnn_tensor w_bad[2] = {o.w[0], *operand(&v[2], sentinel, 18, 0, 3,
                                                 (int64_t[]){1, 6, 3})};
    clnn_rnn_tensor r_bad[2] = {o.r[0], *operand(&v[3], sentinel, 18, 0, 3,
                                                 (int64_t[]){1, 6, 3})};
    clnn_rnn_tensor *y_ok = operand(&v[5], NULL, 8, 0, 4, (int64_t[]){2, 1, 2, 2});
    clnn_context_t ctx = harness_ctx();
    clnn_rnn_desc rd = desc_of(&pr);
    size_t wsb, rsb, one;
    harness_expect_ok(clnn_rnn_workspace_size(ctx, &rd, o.x->desc, &wsb));
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &rd, o.x->desc, &rsb));
    clnn_rnn_desc single = rd;
    single.num_layers = 1;
    harness_expect_ok(clnn_rnn_reserve_size(ctx, &single, o.x->desc, &one));
    ck_assert_uint_lt(one, rsb);
    cl_mem ws = scratch(wsb), rs = scratch(rsb);
#define FWD_CALL(D, W, R, H0, RSB)                                                          \
    clnn_rnn_forward(ctx, D, 1, NULL, o.x, W, R, NULL, NULL, H0, NULL, y, NULL, NULL, ws, wsb, \
                     rs, RSB)
    harness_expect_ok(clnn_rnn_forward(ctx, &rd, 1, NULL, o.x, o.w, o.r, NULL, NULL, NULL, NULL,
                                       y_ok, NULL, NULL, ws, wsb, rs, rsb));
    harness_expect_error(FWD_CALL(&rd, w_bad, o.r, NULL, rsb), CLNN_SHAPE_MISMATCH, "w[1]");
    harness_expect_error(FWD_CALL(&rd, o.w, r_bad, NULL, rsb), CLNN_SHAPE_MISMATCH, "r[1]");
    harness_expect_error(FWD_CALL(&rd, o.w, o.r, h0_one, rsb), CLNN_SHAPE_MISMATCH, "h0");
    harness_expect_error(FWD_CALL(&rd, o.w, o.r, NULL, one), CLNN_INSUFFICIENT_WORKSPACE,
                         "reserve");
    clnn_rnn_desc bad = rd;
    bad.num_layers = -1;
    harness_expect_error(FWD_CALL(&bad, o.w, o.r, NULL, rsb), CLNN_INVALID_VALUE, "num_layers");
    harness_expect_error(clnn_rnn_workspace_size(ctx, &bad, o.x->desc, &wsb),
                         CLNN_INVALID_VALUE, "num_layers");
    bad = rd;
    bad.batch_major = 2;
    harness_expect_error(clnn_rnn_reserve_size(ctx, &bad, o.x->desc, &rsb), CLNN_INVALID_VALUE,
                         "batch_major");
    static const float ratios[] = {1.0f, -0.25f, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        bad = rd;
        bad.dropout_ratio = ratios[i];
        harness_expect_error(FWD_CALL(&bad, o.w, o.r, NULL, rsb), CLNN_INVALID_VALUE,
                             "dropout_ratio");
    }
    /* Batch-major descriptor with time-major y [T, D, N, H] of another shape. */
    bad = rd;
    bad.batch_major = 1;
    clnn_rnn_tensor *x_bm = operand(&v[4], in, 12, 0, 3, (int64_t[]){2, 2, 3});
    harness_expect_error(clnn_rnn_forward(ctx, &bad, 1, NULL, x_bm, o.w, o.r, NULL, NULL, NULL,
                                          NULL, y, NULL, NULL, ws, 1 << 20, rs, 1 << 20),
                         CLNN_SHAPE_MISMATCH, "y");
    /* Backward: a layer's gradient array element of the wrong shape. */
    ops g;
    upload_inputs(&pr, NULL, &g);
    g.w[1] = w_bad[1];
    harness_expect_error(clnn_rnn_backward(ctx, &rd, NULL, o.x, o.w, o.r, NULL, NULL, NULL, NULL,
                                           NULL, g.w, NULL, NULL, NULL, NULL, NULL, ws, wsb, rs,
                                           rsb),
                         CLNN_SHAPE_MISMATCH, "dw[1]");
    float after[8];
    harness_download(y->mem, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("rnn-stack");
    TCase *tc = harness_tcase(s, "stack");
    tcase_add_loop_test(tc, stack_matches_chained_layers, 0, (int)STACK_CASES);
    tcase_add_loop_test(tc, stack_forward_medium, 0, 3);
    tcase_add_loop_test(tc, batch_major_equals_time_major, 0, 3);
    tc = harness_tcase(s, "dropout");
    tcase_add_test(tc, dropout_semantics);
    tcase_add_test(tc, gradcheck_bidirectional_lstm_dropout_batch_major);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_stack_input_is_rejected);
    return harness_main(s);
}
