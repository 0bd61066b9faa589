/* Convolution: every algorithm on every case it supports against the double
 * reference (forward and the adjoint passes), backward against finite differences
 * on tiny shapes, transposed convolution, and bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv_case {
    int64_t n, c, h, w, k, kh, kw, sh, sw, dh, dw;
    int64_t pads[4];
    clnn_auto_pad auto_pad;
    int64_t groups;
    int bias, relu;
} conv_case;

#define EXPL CLNN_PAD_EXPLICIT
/* Small cases (channels <= 8, spatial <= 9) first: CLNN_TEST_SMALL runs only them. */
static const conv_case cases[] = {
    {1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 1, 1, 0},
    {2, 3, 7, 6, 4, 3, 3, 2, 2, 1, 1, {0, 1, 1, 0}, EXPL, 1, 1, 1},      /* asymmetric */
    {2, 4, 9, 9, 6, 5, 5, 1, 1, 1, 1, {0}, CLNN_PAD_SAME_UPPER, 2, 0, 0}, /* groups 2 */
    {1, 3, 8, 7, 2, 3, 3, 2, 2, 1, 1, {0}, CLNN_PAD_SAME_LOWER, 1, 1, 0},
    {2, 6, 9, 9, 4, 3, 3, 1, 1, 2, 2, {2, 2, 2, 2}, EXPL, 1, 0, 1},      /* dilation */
    {3, 7, 5, 5, 7, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 7, 1, 1},      /* depthwise */
    {2, 8, 9, 9, 8, 5, 5, 2, 2, 1, 1, {2, 1, 2, 2}, EXPL, 8, 1, 0},      /* depthwise */
    {2, 7, 5, 5, 3, 1, 1, 1, 1, 1, 1, {0}, EXPL, 1, 1, 1},               /* 1x1 */
    {3, 8, 9, 7, 6, 1, 1, 1, 1, 1, 1, {0}, EXPL, 2, 0, 0},               /* 1x1 grouped */
    {2, 3, 5, 5, 4, 1, 1, 2, 2, 1, 1, {0}, CLNN_PAD_VALID, 1, 1, 0},     /* 1x1 stride 2 */
    {1, 3, 9, 9, 8, 7, 7, 2, 2, 1, 1, {3, 3, 3, 3}, EXPL, 1, 1, 1},      /* 7x7 */
    {4, 8, 1, 1, 5, 1, 1, 1, 1, 1, 1, {0}, EXPL, 1, 1, 0},               /* spatial 1 */
    {2, 3, 1, 1, 4, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 1, 0, 0},
    /* default mode only */
    {2, 32, 28, 28, 32, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 1, 1, 1},
    {2, 32, 31, 31, 32, 3, 3, 2, 2, 1, 1, {1, 0, 1, 0}, EXPL, 32, 1, 0},
    {3, 7, 31, 28, 16, 5, 5, 1, 1, 2, 2, {0}, CLNN_PAD_SAME_UPPER, 1, 0, 1},
    {2, 32, 28, 28, 64, 1, 1, 1, 1, 1, 1, {0}, EXPL, 1, 1, 0},
    {5, 32, 31, 31, 32, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 4, 0, 0},
};
#define CASE_COUNT (int)(sizeof cases / sizeof cases[0])
#define SMALL_CASE_COUNT 13

static const clnn_conv_algo algos[] = {CLNN_CONV_ALGO_IM2COL_GEMM, CLNN_CONV_ALGO_GEMM_1X1,
                                       CLNN_CONV_ALGO_DIRECT, CLNN_CONV_ALGO_WINOGRAD,
                                       CLNN_CONV_ALGO_AUTO};
#define ALGO_COUNT (sizeof algos / sizeof algos[0])

/* One case with its data, descriptors and resolved reference geometry. */
typedef struct problem {
    clnn_conv2d_desc conv;
    clnn_tensor_desc xd, wd, yd, bd;
    ref_conv r;
    size_t nx, nw, ny, off;
    float *x, *w, *b, *dy;
} problem;

static float *random_floats(size_t n, uint32_t seed)
{
    float *v = harness_alloc(n * sizeof *v);
    harness_random(v, n, seed, -1, 1);
    return v;
}

static void problem_init(problem *p, const conv_case *t, int index)
{
    memset(p, 0, sizeof *p);
    clnn_window2d *win = &p->conv.window;
    /* Even cases leave the kernel size to the weights. */
    *win = clnn_window2d_square(index % 2 ? t->kh : 0, t->sh, 0);
    win->kernel[1] = index % 2 ? t->kw : 0;
    win->strides[1] = t->sw;
    win->dilations[0] = t->dh;
    win->dilations[1] = t->dw;
    memcpy(win->pads, t->pads, sizeof win->pads);
    win->auto_pad = t->auto_pad;
    p->conv.groups = t->groups;
    p->xd = HARNESS_DESC(t->n, t->c, t->h, t->w);
    p->wd = HARNESS_DESC(t->k, t->c / t->groups, t->kh, t->kw);
    p->bd = HARNESS_DESC(t->k);
    harness_expect_ok(clnn_conv2d_output_desc(&p->conv, &p->xd, &p->wd, &p->yd));
    clnn_window2d full = *win;
    full.kernel[0] = t->kh;
    full.kernel[1] = t->kw;
    int64_t oh, ow, pads[4];
    harness_expect_ok(clnn_window2d_output(&full, t->h, t->w, &oh, &ow, pads));
    ck_assert(oh == p->yd.dims[2] && ow == p->yd.dims[3]);
    p->r = (ref_conv){t->n, t->c, t->h, t->w, t->k, oh, ow, t->kh, t->kw, t->sh, t->sw,
                      t->dh, t->dw, pads[0], pads[1], t->groups};
    p->nx = (size_t)(t->n * t->c * t->h * t->w);
    p->nw = (size_t)(t->k * (t->c / t->groups) * t->kh * t->kw);
    p->ny = (size_t)(t->n * t->k * oh * ow);
    p->off = (size_t)index % 5;
    p->x = random_floats(p->nx, 11 + index);
    p->w = random_floats(p->nw, 23 + index);
    p->b = random_floats((size_t)t->k, 37 + index);
    p->dy = random_floats(p->ny, 41 + index);
}

/* A buffer holding `n` floats at element offset `off` (NaN before them). */
static cl_mem upload_at(const float *host, size_t n, size_t off)
{
    float *v = harness_alloc((n + off) * sizeof *v);
    for (size_t i = 0; i < off; i++) v[i] = NAN;
    if (host) memcpy(v + off, host, n * sizeof *v);
    else
        for (size_t i = 0; i < n; i++) v[off + i] = NAN; /* an output must overwrite */
    return harness_upload(v, (n + off) * sizeof *v);
}

static float *fetch(cl_mem b, size_t n, size_t off)
{
    float *v = harness_alloc(n * sizeof *v);
    harness_download(b, off * 4, v, n * sizeof *v);
    return v;
}

/* A workspace by variant % 4: 0 what workspace_size asks for, 1 more (accepted;
 * catches code that trusts workspace_size over the geometry), 2 the minimum (one
 * image's columns for IM2COL_GEMM and, for WINOGRAD, one image's tiles; none
 * otherwise: GEMMs per image), 3 room for chunks of two images (batched passes
 * with a partial last chunk when n is odd). */
static cl_mem workspace_for(problem *p, int variant, size_t *size)
{
    harness_expect_ok(clnn_conv2d_workspace_size(harness_ctx(), &p->conv, &p->xd, &p->wd,
                                                 &p->yd, size));
    size_t plane = (size_t)(p->r.oh * p->r.ow);
    clnn_conv_algo algo;
    harness_expect_ok(clnn_conv2d_algo_for(&p->conv, &p->xd, &p->wd, &algo));
    bool wino = algo == CLNN_CONV_ALGO_WINOGRAD;
    size_t columns = (size_t)(p->r.c * p->r.kh * p->r.kw) * plane * 4;
    size_t min = algo == CLNN_CONV_ALGO_IM2COL_GEMM ? columns : 0;
    if (wino) min = ref_conv_winograd_workspace(&p->r, 1);
    ck_assert_uint_ge(*size, min);
    switch (variant % 4) {
    case 1: *size += *size / 2 + 4; break;
    case 2: *size = min; break;
    case 3:
        if (algo != CLNN_CONV_ALGO_DIRECT)
            *size = 2 * ((size_t)(p->r.c * p->r.kh * p->r.kw + p->r.k) * plane * 4);
        if (wino && *size < ref_conv_winograd_workspace(&p->r, 2))
            *size = ref_conv_winograd_workspace(&p->r, 2);
        break;
    }
    return *size ? harness_buffer(*size) : NULL;
}

/* True when the forced algorithm runs this case; false (with a reason) when not. */
static int algo_applies(problem *p, clnn_conv_algo algo)
{
    clnn_conv_algo got;
    p->conv.algo = algo;
    clnn_status st = clnn_conv2d_algo_for(&p->conv, &p->xd, &p->wd, &got);
    if (st == CLNN_NOT_SUPPORTED && algo != CLNN_CONV_ALGO_IM2COL_GEMM &&
        algo != CLNN_CONV_ALGO_AUTO) {
        ck_assert(strstr(clnn_last_error(), "algo") != NULL);
        return 0;
    }
    harness_expect_ok(st);
    return 1;
}

static double *to_double(const float *v, size_t n) { return gradcheck_to_double(v, n); }

/* `plain`, or 1e-3 when the resolved algorithm is WINOGRAD, whose transforms
 * scale tile values up to ~100x before the sums cancel (forward and dx). */
static double tolerance(problem *p, double plain)
{
    clnn_conv_algo used;
    harness_expect_ok(clnn_conv2d_algo_for(&p->conv, &p->xd, &p->wd, &used));
    return used == CLNN_CONV_ALGO_WINOGRAD ? 1e-3 : plain;
}

START_TEST(forward_matches_reference)
{
    /* fp32 sums of up to 800 products of values in [-1, 1]: 1e-4 covers rounding
     * (WINOGRAD: 1e-3, see tolerance()). */
    const conv_case *t = &cases[_i];
    problem p;
    problem_init(&p, t, _i);
    double *want = harness_alloc(p.ny * sizeof *want);
    ref_conv2d(REF_CONV_FORWARD, &p.r, to_double(p.x, p.nx), to_double(p.w, p.nw), want);
    size_t plane = (size_t)(p.r.oh * p.r.ow);
    for (size_t i = 0; i < p.ny; i++) {
        if (t->bias) want[i] += p.b[(i / plane) % (size_t)t->k];
        if (t->relu && want[i] < 0) want[i] = 0;
    }
    clnn_activation_desc relu = clnn_activation_default(CLNN_ACTIVATION_RELU);
    cl_mem x = upload_at(p.x, p.nx, p.off), w = upload_at(p.w, p.nw, p.off + 1);
    cl_mem b = t->bias ? upload_at(p.b, (size_t)t->k, p.off + 2) : NULL;
    int ran = 0;
    for (size_t a = 0; a < ALGO_COUNT; a++) {
        if (!algo_applies(&p, algos[a])) continue;
        size_t ws_size;
        cl_mem ws = workspace_for(&p, _i + (int)a, &ws_size);
        cl_mem y = upload_at(NULL, p.ny, p.off + 3);
        harness_expect_ok(clnn_conv2d_forward(harness_ctx(), &p.conv, &p.xd, x, p.off * 4,
                                              &p.wd, w, (p.off + 1) * 4, &p.bd, b,
                                              (p.off + 2) * 4, t->relu ? &relu : NULL, &p.yd,
                                              y, (p.off + 3) * 4, ws, ws_size));
        double tol = tolerance(&p, 1e-4);
        harness_expect_close(fetch(y, p.ny, p.off + 3), want, p.ny, tol, tol, "conv forward");
        ran++;
    }
    ck_assert_int_ge(ran, 2);
}
END_TEST

/* Backward passes against the reference's adjoint loops, every algorithm. */
START_TEST(backward_matches_adjoint)
{
    /* Same accumulation lengths as forward, plus the batch for dw: 2e-4
     * (WINOGRAD: 1e-3). */
    const conv_case *t = &cases[_i];
    problem p;
    problem_init(&p, t, _i);
    double *dx_want = harness_alloc(p.nx * sizeof(double));
    double *dw_want = harness_alloc(p.nw * sizeof(double));
    double *db_want = harness_alloc((size_t)t->k * sizeof(double));
    double *dy = to_double(p.dy, p.ny);
    ref_conv2d(REF_CONV_BACKWARD_DATA, &p.r, dx_want, to_double(p.w, p.nw), dy);
    ref_conv2d(REF_CONV_BACKWARD_WEIGHTS, &p.r, to_double(p.x, p.nx), dw_want, dy);
    size_t plane = (size_t)(p.r.oh * p.r.ow);
    for (size_t i = 0; i < p.ny; i++) db_want[(i / plane) % (size_t)t->k] += dy[i];
    cl_mem x = upload_at(p.x, p.nx, p.off), w = upload_at(p.w, p.nw, p.off + 1);
    cl_mem dyb = upload_at(p.dy, p.ny, p.off + 2);
    for (size_t a = 0; a < ALGO_COUNT; a++) {
        if (!algo_applies(&p, algos[a])) continue;
        size_t ws_size;
        cl_mem ws = workspace_for(&p, _i + (int)a + 1, &ws_size);
        cl_mem dx = upload_at(NULL, p.nx, p.off + 3), dw = upload_at(NULL, p.nw, p.off);
        cl_mem db = upload_at(NULL, (size_t)t->k, 1);
        harness_expect_ok(clnn_conv2d_backward_data(harness_ctx(), &p.conv, &p.wd, w,
                                                    (p.off + 1) * 4, &p.yd, dyb,
                                                    (p.off + 2) * 4, &p.xd, dx,
                                                    (p.off + 3) * 4, ws, ws_size));
        harness_expect_ok(clnn_conv2d_backward_weights(
            harness_ctx(), &p.conv, &p.xd, x, p.off * 4, &p.yd, dyb, (p.off + 2) * 4, &p.wd,
            dw, p.off * 4, &p.bd, db, 4, ws, ws_size));
        double dx_tol = tolerance(&p, 2e-4); /* dx and dw */
        harness_expect_close(fetch(dx, p.nx, p.off + 3), dx_want, p.nx, dx_tol, dx_tol, "dx");
        harness_expect_close(fetch(dw, p.nw, p.off), dw_want, p.nw, dx_tol, dx_tol, "dw");
        harness_expect_close(fetch(db, (size_t)t->k, 1), db_want, (size_t)t->k, 2e-4, 2e-4,
                             "db");
    }
}
END_TEST

/* ---- finite differences on tiny shapes */

typedef struct fd_params {
    const ref_conv *r;
    double *x, *w, *b; /* the fixed operands; the varied one is the argument */
    int which;         /* 0: x, 1: w, 2: bias */
    int transpose;
} fd_params;

static void fd_forward(const double *v, double *y, void *params)
{
    fd_params *f = params;
    const ref_conv *r = f->r;
    double *x = f->which == 0 ? (double *)v : f->x, *w = f->which == 1 ? (double *)v : f->w;
    const double *b = f->which == 2 ? v : f->b;
    if (f->transpose) {
        ref_conv_transpose2d(r, x, w, b, y);
        return;
    }
    size_t ny = (size_t)(r->n * r->k * r->oh * r->ow), plane = (size_t)(r->oh * r->ow);
    for (size_t i = 0; i < ny; i++) y[i] = b[(i / plane) % (size_t)r->k];
    ref_conv2d(REF_CONV_FORWARD, r, x, w, y);
}

/* Numeric gradients of sum(dy * f) w.r.t. x, w and the bias. */
static void numeric_grads(const ref_conv *r, int transpose, const float *x, size_t nx,
                          const float *w, size_t nw, size_t nb, const float *dy, size_t ny,
                          double *gx, double *gw, double *gb)
{
    fd_params f = {r, to_double(x, nx), to_double(w, nw), harness_alloc(nb * sizeof(double)),
                   0, transpose};
    double *wdy = to_double(dy, ny);
    gradcheck_numeric(fd_forward, &f, f.x, nx, wdy, ny, 1e-3, gx);
    f.which = 1;
    gradcheck_numeric(fd_forward, &f, f.w, nw, wdy, ny, 1e-3, gw);
    f.which = 2;
    gradcheck_numeric(fd_forward, &f, f.b, nb, wdy, ny, 1e-3, gb);
}

static const conv_case tiny[] = {
    {2, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 1, 1, 0},
    {2, 3, 5, 5, 2, 3, 3, 2, 2, 2, 2, {1, 2, 2, 0}, EXPL, 1, 1, 0},
    {2, 4, 5, 5, 2, 3, 3, 1, 1, 1, 1, {0}, CLNN_PAD_SAME_LOWER, 2, 1, 0},
    {2, 3, 5, 5, 3, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, EXPL, 3, 1, 0},
    {2, 3, 5, 5, 2, 1, 1, 1, 1, 1, 1, {0}, EXPL, 1, 1, 0},
};
#define TINY_COUNT (int)(sizeof tiny / sizeof tiny[0])

START_TEST(backward_matches_finite_differences)
{
    /* The reference is linear in each operand, so central differences are exact up
     * to double rounding; the tolerance is the device's fp32 error (dx and dw on
     * WINOGRAD: 1e-3 relative, 1e-4 absolute). */
    problem p;
    problem_init(&p, &tiny[_i], _i);
    size_t k = (size_t)tiny[_i].k;
    double *gx = harness_alloc(p.nx * 8), *gw = harness_alloc(p.nw * 8);
    double *gb = harness_alloc(k * 8);
    numeric_grads(&p.r, 0, p.x, p.nx, p.w, p.nw, k, p.dy, p.ny, gx, gw, gb);
    cl_mem x = upload_at(p.x, p.nx, 0), w = upload_at(p.w, p.nw, 0);
    cl_mem dy = upload_at(p.dy, p.ny, 0);
    for (size_t a = 0; a < ALGO_COUNT; a++) {
        if (!algo_applies(&p, algos[a])) continue;
        size_t ws_size;
        cl_mem ws = workspace_for(&p, 0, &ws_size);
        cl_mem dx = harness_buffer(p.nx * 4), dw = harness_buffer(p.nw * 4);
        cl_mem db = harness_buffer(k * 4);
        harness_expect_ok(clnn_conv2d_backward_data(harness_ctx(), &p.conv, &p.wd, w, 0, &p.yd,
                                                    dy, 0, &p.xd, dx, 0, ws, ws_size));
        harness_expect_ok(clnn_conv2d_backward_weights(harness_ctx(), &p.conv, &p.xd, x, 0,
                                                       &p.yd, dy, 0, &p.wd, dw, 0, &p.bd, db,
                                                       0, ws, ws_size));
        double dx_rtol = tolerance(&p, 1e-4);
        harness_expect_close(fetch(dx, p.nx, 0), gx, p.nx, dx_rtol, dx_rtol / 10,
                             "dx vs differences");
        harness_expect_close(fetch(dw, p.nw, 0), gw, p.nw, dx_rtol, dx_rtol / 10,
                             "dw vs differences");
        harness_expect_close(fetch(db, k, 0), gb, k, 1e-4, 1e-5, "db vs differences");
    }
}
END_TEST

/* ---- transposed convolution */

typedef struct tconv_case {
    int64_t n, c, h, w, k, kh, kw, sh, sw, dh, dw;
    int64_t pads[4], output_padding[2];
    clnn_auto_pad auto_pad;
    int64_t groups;
    int bias, relu;
} tconv_case;

static const tconv_case tcases[] = {
    {2, 8, 4, 4, 4, 4, 4, 2, 2, 1, 1, {1, 1, 1, 1}, {0, 0}, EXPL, 1, 1, 1}, /* DCGAN */
    {1, 3, 5, 4, 2, 3, 3, 2, 2, 1, 1, {1, 0, 1, 1}, {1, 1}, EXPL, 1, 1, 0},
    {2, 4, 3, 3, 6, 3, 3, 1, 1, 2, 2, {0}, {0, 0}, CLNN_PAD_VALID, 2, 0, 0},
    {2, 3, 4, 4, 3, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, {1, 1}, EXPL, 3, 1, 0}, /* depthwise */
    {2, 5, 3, 3, 4, 1, 1, 1, 1, 1, 1, {0}, {0, 0}, EXPL, 1, 1, 1},          /* 1x1 */
    {1, 2, 3, 3, 3, 2, 2, 3, 3, 1, 1, {0}, {2, 1}, EXPL, 1, 0, 0},
};
#define TRANSPOSE_COUNT (int)(sizeof tcases / sizeof tcases[0])

typedef struct tproblem {
    clnn_conv_transpose2d_desc conv;
    clnn_tensor_desc xd, wd, yd, bd;
    ref_conv r;
    size_t nx, nw, ny, nb;
    float *x, *w, *b, *dy;
} tproblem;

static void tproblem_init(tproblem *p, const tconv_case *t, int index)
{
    memset(p, 0, sizeof *p);
    clnn_window2d *win = &p->conv.window;
    *win = clnn_window2d_square(t->kh, t->sh, 0);
    win->kernel[1] = t->kw;
    win->strides[1] = t->sw;
    win->dilations[0] = t->dh;
    win->dilations[1] = t->dw;
    memcpy(win->pads, t->pads, sizeof win->pads);
    win->auto_pad = t->auto_pad;
    memcpy(p->conv.output_padding, t->output_padding, sizeof p->conv.output_padding);
    p->conv.groups = t->groups;
    int64_t out[2];
    for (int a = 0; a < 2; a++)
        out[a] = (a ? t->sw : t->sh) * ((a ? t->w : t->h) - 1) + t->output_padding[a] +
                 ((a ? t->kw : t->kh) - 1) * (a ? t->dw : t->dh) + 1 - t->pads[a] -
                 t->pads[a + 2];
    p->xd = HARNESS_DESC(t->n, t->c, t->h, t->w);
    p->wd = HARNESS_DESC(t->c, t->k / t->groups, t->kh, t->kw);
    p->bd = HARNESS_DESC(t->k);
    harness_expect_ok(clnn_conv_transpose2d_output_desc(&p->conv, &p->xd, &p->wd, &p->yd));
    ck_assert(p->yd.dims[1] == t->k && p->yd.dims[2] == out[0] && p->yd.dims[3] == out[1]);
    p->r = (ref_conv){t->n, t->c, t->h, t->w, t->k, out[0], out[1], t->kh, t->kw, t->sh,
                      t->sw, t->dh, t->dw, t->pads[0], t->pads[1], t->groups};
    p->nx = (size_t)(t->n * t->c * t->h * t->w);
    p->nw = (size_t)(t->c * (t->k / t->groups) * t->kh * t->kw);
    p->ny = (size_t)(t->n * t->k * out[0] * out[1]);
    p->nb = (size_t)t->k;
    p->x = random_floats(p->nx, 51 + index);
    p->w = random_floats(p->nw, 53 + index);
    p->b = random_floats(p->nb, 57 + index);
    p->dy = random_floats(p->ny, 59 + index);
}

/* The workspace when the forced algorithm applies; false when it does not. */
static int transpose_workspace(tproblem *p, clnn_conv_algo algo, cl_mem *ws, size_t *size)
{
    p->conv.algo = algo;
    clnn_status st = clnn_conv_transpose2d_workspace_size(harness_ctx(), &p->conv, &p->xd,
                                                          &p->wd, &p->yd, size);
    if (st == CLNN_NOT_SUPPORTED && algo != CLNN_CONV_ALGO_IM2COL_GEMM &&
        algo != CLNN_CONV_ALGO_AUTO)
        return 0;
    harness_expect_ok(st);
    *ws = *size ? harness_buffer(*size) : NULL;
    return 1;
}

START_TEST(transpose_forward_matches_reference)
{
    /* Short fp32 sums (<= 8 * 16 terms): 1e-4. */
    const tconv_case *t = &tcases[_i];
    tproblem p;
    tproblem_init(&p, t, _i);
    double *want = harness_alloc(p.ny * sizeof *want);
    ref_conv_transpose2d(&p.r, to_double(p.x, p.nx), to_double(p.w, p.nw),
                         t->bias ? to_double(p.b, p.nb) : NULL, want);
    for (size_t i = 0; t->relu && i < p.ny; i++) want[i] = want[i] < 0 ? 0 : want[i];
    clnn_activation_desc relu = clnn_activation_default(CLNN_ACTIVATION_RELU);
    cl_mem x = upload_at(p.x, p.nx, 1), w = upload_at(p.w, p.nw, 2);
    cl_mem b = t->bias ? upload_at(p.b, p.nb, 3) : NULL;
    int ran = 0;
    for (size_t a = 0; a < ALGO_COUNT; a++) {
        cl_mem ws;
        size_t ws_size;
        if (!transpose_workspace(&p, algos[a], &ws, &ws_size)) continue;
        cl_mem y = upload_at(NULL, p.ny, 4);
        harness_expect_ok(clnn_conv_transpose2d_forward(
            harness_ctx(), &p.conv, &p.xd, x, 4, &p.wd, w, 8, &p.bd, b, 12,
            t->relu ? &relu : NULL, &p.yd, y, 16, ws, ws_size));
        harness_expect_close(fetch(y, p.ny, 4), want, p.ny, 1e-4, 1e-5, "transpose forward");
        ran++;
    }
    ck_assert_int_ge(ran, 2);
}
END_TEST

START_TEST(transpose_backward_matches_finite_differences)
{
    /* Linear reference, exact differences: the device's fp32 error only. */
    const tconv_case *t = &tcases[_i];
    tproblem p;
    tproblem_init(&p, t, _i);
    double *gx = harness_alloc(p.nx * 8), *gw = harness_alloc(p.nw * 8);
    double *gb = harness_alloc(p.nb * 8);
    numeric_grads(&p.r, 1, p.x, p.nx, p.w, p.nw, p.nb, p.dy, p.ny, gx, gw, gb);
    cl_mem x = upload_at(p.x, p.nx, 0), w = upload_at(p.w, p.nw, 0);
    cl_mem dy = upload_at(p.dy, p.ny, 2);
    for (size_t a = 0; a < ALGO_COUNT; a++) {
        cl_mem ws;
        size_t ws_size;
        if (!transpose_workspace(&p, algos[a], &ws, &ws_size)) continue;
        cl_mem dx = upload_at(NULL, p.nx, 1), dw = upload_at(NULL, p.nw, 0);
        cl_mem db = upload_at(NULL, p.nb, 0);
        harness_expect_ok(clnn_conv_transpose2d_backward_data(harness_ctx(), &p.conv, &p.wd,
                                                              w, 0, &p.yd, dy, 8, &p.xd, dx,
                                                              4, ws, ws_size));
        harness_expect_ok(clnn_conv_transpose2d_backward_weights(
            harness_ctx(), &p.conv, &p.xd, x, 0, &p.yd, dy, 8, &p.wd, dw, 0, &p.bd, db, 0, ws,
            ws_size));
        harness_expect_close(fetch(dx, p.nx, 1), gx, p.nx, 1e-4, 1e-5, "transpose dx");
        harness_expect_close(fetch(dw, p.nw, 0), gw, p.nw, 1e-4, 1e-5, "transpose dw");
        harness_expect_close(fetch(db, p.nb, 0), gb, p.nb, 1e-4, 1e-5, "transpose db");
    }
}
END_TEST

/* ---- bad input */

#define EXPECT_FAIL(expr, status, word)                                                   \
    do {                                                                                  \
        harness_expect_status(expr, status);                                              \
        ck_assert_msg(strstr(clnn_last_error(), word) != NULL, "'%s' not named in: %s",   \
                      word, clnn_last_error());                                           \
    } while (0)

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_conv2d_desc conv = clnn_conv2d_default(1, 1), bad;
    clnn_tensor_desc xd = HARNESS_DESC(2, 3, 5, 5), wd = HARNESS_DESC(4, 3, 3, 3);
    clnn_tensor_desc yd = HARNESS_DESC(2, 4, 5, 5), bd = HARNESS_DESC(4), other;
    float sentinel[200];
    for (int i = 0; i < 200; i++) sentinel[i] = (float)i;
    cl_mem x = upload_at(sentinel, 150, 0), w = upload_at(sentinel, 108, 0);
    cl_mem y = upload_at(sentinel, 200, 0), b = upload_at(sentinel, 4, 0);
    size_t ws_size;
    harness_expect_ok(clnn_conv2d_workspace_size(ctx, &conv, &xd, &wd, &yd, &ws_size));
    cl_mem ws = harness_buffer(ws_size);
#define FWD(c, xd_, x_, wd_, yd_, y_, ws_, wss)                                           \
    clnn_conv2d_forward(ctx, c, xd_, x_, 0, wd_, w, 0, &bd, b, 0, NULL, yd_, y_, 0, ws_, wss)
    EXPECT_FAIL(clnn_conv2d_forward(NULL, &conv, &xd, x, 0, &wd, w, 0, NULL, NULL, 0, NULL, &yd,
                                    y, 0, ws, ws_size), CLNN_NULL_POINTER, "context");
    EXPECT_FAIL(FWD(NULL, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_NULL_POINTER, "conv");
    EXPECT_FAIL(FWD(&conv, NULL, x, &wd, &yd, y, ws, ws_size), CLNN_NULL_POINTER, "x");
    EXPECT_FAIL(FWD(&conv, &xd, NULL, &wd, &yd, y, ws, ws_size), CLNN_NULL_POINTER, "x");
    EXPECT_FAIL(FWD(&conv, &xd, x, &wd, &yd, NULL, ws, ws_size), CLNN_NULL_POINTER, "y");
    EXPECT_FAIL(FWD(&conv, &xd, x, &wd, &yd, y, NULL, ws_size), CLNN_NULL_POINTER, "workspace");
    EXPECT_FAIL(FWD(&conv, &xd, x, &wd, &yd, y, ws, 4), CLNN_INSUFFICIENT_WORKSPACE,
                "workspace");
    other = HARNESS_DESC(4, 2, 3, 3); /* x has 3 channels, w expects 2 */
    EXPECT_FAIL(FWD(&conv, &xd, x, &other, &yd, y, ws, ws_size), CLNN_SHAPE_MISMATCH, "channels");
    other = HARNESS_DESC(2, 3, 5);
    EXPECT_FAIL(FWD(&conv, &other, x, &wd, &yd, y, ws, ws_size), CLNN_SHAPE_MISMATCH, "rank");
    other = xd;
    other.dtype = CLNN_INT32;
    EXPECT_FAIL(FWD(&conv, &other, x, &wd, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "x");
    other = HARNESS_DESC(2, 4, 4, 5);
    EXPECT_FAIL(FWD(&conv, &xd, x, &wd, &other, y, ws, ws_size), CLNN_SHAPE_MISMATCH, "y");
    bad = conv;
    bad.groups = 0;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "groups");
    bad.groups = 3; /* divides C = 3 but not K = 4 */
    other = HARNESS_DESC(4, 1, 3, 3);
    EXPECT_FAIL(FWD(&bad, &xd, x, &other, &yd, y, ws, ws_size), CLNN_SHAPE_MISMATCH, "groups");
    bad = conv;
    bad.window.strides[1] = 0;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "strides");
    bad.window.strides[1] = -2;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "strides");
    bad = conv;
    bad.window.pads[0] = bad.window.pads[2] = 0;
    other = HARNESS_DESC(4, 3, 7, 3); /* 7 rows > 5 rows of input, no padding */
    EXPECT_FAIL(FWD(&bad, &xd, x, &other, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "larger");
    bad = conv;
    bad.window.kernel[0] = bad.window.kernel[1] = 5;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_SHAPE_MISMATCH, "kernel");
    bad = conv;
    bad.window.ceil_mode = 1;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "ceil_mode");
    bad = conv;
    bad.algo = (clnn_conv_algo)9;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_INVALID_VALUE, "algo");
    bad.algo = CLNN_CONV_ALGO_GEMM_1X1;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_NOT_SUPPORTED, "GEMM_1X1");
    bad.algo = CLNN_CONV_ALGO_DIRECT;
    EXPECT_FAIL(FWD(&bad, &xd, x, &wd, &yd, y, ws, ws_size), CLNN_NOT_SUPPORTED, "depthwise");
    other = HARNESS_DESC(5);
    EXPECT_FAIL(clnn_conv2d_forward(ctx, &conv, &xd, x, 0, &wd, w, 0, &other, b, 0, NULL, &yd,
                                    y, 0, ws, ws_size), CLNN_SHAPE_MISMATCH, "bias");
    clnn_activation_desc unknown = {(clnn_activation)77, 0, 0};
    EXPECT_FAIL(clnn_conv2d_forward(ctx, &conv, &xd, x, 0, &wd, w, 0, NULL, NULL, 0, &unknown,
                                    &yd, y, 0, ws, ws_size), CLNN_INVALID_VALUE, "activation");
    EXPECT_FAIL(clnn_conv2d_forward(ctx, &conv, &xd, x, 8, &wd, w, 0, NULL, NULL, 0, NULL, &yd,
                                    y, 0, ws, ws_size), CLNN_INVALID_VALUE, "x");
    EXPECT_FAIL(clnn_conv2d_backward_data(ctx, &conv, &wd, w, 0, &yd, y, 0, &xd, NULL, 0, ws,
                                          ws_size), CLNN_NULL_POINTER, "dx");
    EXPECT_FAIL(clnn_conv2d_backward_data(ctx, &conv, &wd, w, 0, &xd, y, 0, &xd, x, 0, ws,
                                          ws_size), CLNN_SHAPE_MISMATCH, "dy");
    EXPECT_FAIL(clnn_conv2d_backward_weights(ctx, &conv, &xd, x, 0, &yd, y, 0, &wd, w, 0, &yd,
                                             b, 0, ws, ws_size), CLNN_SHAPE_MISMATCH, "db");
    EXPECT_FAIL(clnn_conv2d_backward_weights(ctx, &conv, &xd, x, 0, &yd, y, 0, &wd, w, 0, &bd,
                                             b, 0, ws, 0), CLNN_INSUFFICIENT_WORKSPACE,
                "workspace");
    EXPECT_FAIL(clnn_conv2d_output_desc(&conv, &xd, &wd, NULL), CLNN_NULL_POINTER, "y_desc");
    EXPECT_FAIL(clnn_conv2d_workspace_size(ctx, &conv, &xd, &wd, &yd, NULL), CLNN_NULL_POINTER,
                "bytes");
#undef FWD
    float *after = fetch(y, 200, 0);
    ck_assert_mem_eq(after, sentinel, sizeof sentinel);
    ck_assert_mem_eq(fetch(w, 108, 0), sentinel, 108 * 4);
}
END_TEST

START_TEST(bad_transpose_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_conv_transpose2d_desc conv = {clnn_window2d_square(3, 2, 1), {1, 1}, 1,
                                       CLNN_CONV_ALGO_AUTO}, bad;
    clnn_tensor_desc xd = HARNESS_DESC(1, 2, 3, 3), wd = HARNESS_DESC(2, 3, 3, 3), yd, other;
    harness_expect_ok(clnn_conv_transpose2d_output_desc(&conv, &xd, &wd, &yd));
    ck_assert(yd.dims[1] == 3 && yd.dims[2] == 6 && yd.dims[3] == 6);
    float sentinel[108];
    for (int i = 0; i < 108; i++) sentinel[i] = (float)i;
    cl_mem x = upload_at(sentinel, 18, 0), w = upload_at(sentinel, 54, 0);
    cl_mem y = upload_at(sentinel, 108, 0);
    cl_mem ws = harness_buffer(1 << 16);
#define TFWD(c, wd_, y_)                                                                   \
    clnn_conv_transpose2d_forward(ctx, c, &xd, x, 0, wd_, w, 0, NULL, NULL, 0, NULL, &yd, y_, \
                                  0, ws, 1 << 16)
    harness_expect_ok(TFWD(&conv, &wd, y));
    y = upload_at(sentinel, 108, 0);
    EXPECT_FAIL(TFWD(NULL, &wd, y), CLNN_NULL_POINTER, "conv");
    EXPECT_FAIL(TFWD(&conv, &wd, NULL), CLNN_NULL_POINTER, "y");
    bad = conv;
    bad.output_padding[0] = 2;
    EXPECT_FAIL(TFWD(&bad, &wd, y), CLNN_INVALID_VALUE, "output_padding");
    bad = conv;
    bad.window.auto_pad = CLNN_PAD_SAME_UPPER;
    EXPECT_FAIL(TFWD(&bad, &wd, y), CLNN_NOT_SUPPORTED, "auto_pad");
    bad = conv;
    bad.window.pads[0] = bad.window.pads[2] = 5;
    EXPECT_FAIL(TFWD(&bad, &wd, y), CLNN_INVALID_VALUE, "output");
    bad = conv;
    bad.window.dilations[0] = 0;
    EXPECT_FAIL(TFWD(&bad, &wd, y), CLNN_INVALID_VALUE, "dilations");
    other = HARNESS_DESC(3, 3, 3, 3); /* x has 2 channels */
    EXPECT_FAIL(TFWD(&conv, &other, y), CLNN_SHAPE_MISMATCH, "channels");
    bad = conv;
    bad.groups = 2;
    other = HARNESS_DESC(2, 1, 3, 3);
    clnn_tensor_desc grouped_y = HARNESS_DESC(1, 2, 6, 6);
    harness_expect_ok(clnn_conv_transpose2d_forward(ctx, &bad, &xd, x, 0, &other, w, 0, NULL,
                                                    NULL, 0, NULL, &grouped_y, y, 0, ws,
                                                    1 << 16));
    y = upload_at(sentinel, 108, 0);
    bad.groups = 4; /* does not divide 2 input channels */
    EXPECT_FAIL(TFWD(&bad, &other, y), CLNN_SHAPE_MISMATCH, "groups");
    EXPECT_FAIL(clnn_conv_transpose2d_forward(ctx, &conv, &xd, x, 0, &wd, w, 0, NULL, NULL, 0,
                                              NULL, &yd, y, 0, ws, 4),
                CLNN_INSUFFICIENT_WORKSPACE, "workspace");
    EXPECT_FAIL(clnn_conv_transpose2d_backward_data(ctx, &conv, &wd, w, 0, &xd, y, 0, &xd, x,
                                                    0, ws, 1 << 16), CLNN_SHAPE_MISMATCH, "dy");
    EXPECT_FAIL(clnn_conv_transpose2d_backward_weights(ctx, &conv, &xd, x, 0, &yd, y, 0, &wd,
                                                       NULL, 0, NULL, NULL, 0, ws, 1 << 16),
                CLNN_NULL_POINTER, "dw");
    EXPECT_FAIL(clnn_conv_transpose2d_output_desc(&conv, &xd, &wd, NULL), CLNN_NULL_POINTER,
                "y_desc");
#undef TFWD
    ck_assert_mem_eq(fetch(y, 108, 0), sentinel, sizeof sentinel);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    int count = small && strcmp(small, "1") == 0 ? SMALL_CASE_COUNT : CASE_COUNT;
    Suite *s = suite_create("conv");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_matches_reference, 0, count);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_adjoint, 0, count);
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, TINY_COUNT);
    tc = harness_tcase(s, "transpose");
    tcase_add_loop_test(tc, transpose_forward_matches_reference, 0, TRANSPOSE_COUNT);
    tcase_add_loop_test(tc, transpose_backward_matches_finite_differences, 0, TRANSPOSE_COUNT);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tcase_add_test(tc, bad_transpose_input_is_rejected);
    return harness_main(s);
}
