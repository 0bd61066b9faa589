/* Scaled dot-product attention, both algorithms (UNFUSED and FUSED): forward and
 * backward (dQ, dK, dV) against the double reference for every mask kind
 * (additive [Tq, Tk], [N, 1, Tq, Tk], [1, H, Tq, Tk], key padding, causal, all
 * combined, dropout) over T 1, 7, 64 (129 and 1000 outside small mode), D 7, 16,
 * 64 (80), heads 1, 2, 8, Tq != Tk, D != Dv, batch 1 and 3; backward against
 * finite differences for each mask kind; all-masked rows; the fused workspace
 * is linear in T; algorithm selection; bad input.
 * CLNN_TEST_SMALL=1 keeps the shapes small (rusticl, oclgrind). */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

typedef struct at_case {
    int64_t N, H, Tq, Tk, D, Dv;
} at_case;

static const at_case cases[] = {
    {1, 1, 1, 1, 16, 16},   {3, 2, 7, 7, 16, 16},    {1, 8, 7, 5, 16, 7},
    {2, 1, 9, 70, 7, 5},    {3, 2, 64, 64, 64, 64},  {1, 2, 64, 129, 80, 80},
    {3, 8, 129, 64, 16, 16}, {1, 1, 1000, 1000, 64, 64},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define SMALL_CASES 4
#define BIG_CASE (CASE_COUNT - 1) /* T 1000: a few mask kinds only (reference time) */

/* Mask kinds (bits): additive [Tq, Tk], [N, 1, Tq, Tk], [1, H, Tq, Tk], key
 * padding, causal, dropout. */
enum { M_2D = 1, M_N = 2, M_H = 4, M_KPM = 8, M_CAUSAL = 16, M_DROP = 32 };
static const int combos[] = {0, M_2D, M_N, M_H, M_KPM, M_CAUSAL, M_N | M_KPM | M_CAUSAL, M_DROP,
                             M_H | M_KPM | M_DROP};
#define COMBO_COUNT (sizeof combos / sizeof combos[0])
static const int big_combos[] = {M_CAUSAL, M_2D | M_KPM | M_DROP};

static const clnn_attention_algo algos[2] = {CLNN_ATTENTION_UNFUSED, CLNN_ATTENTION_FUSED};

/* Everything one run needs, host side. */
typedef struct at_run {
    at_case c;
    int kind;
    size_t nq, nk, nv, no, scores;
    float *q, *k, *v, *mask;
    int32_t *kpm;
    clnn_tensor_desc qd, kd, vd, od, md, kpd;
    clnn_attention_desc attn;
    ref_attention ref;
} at_run;

static float *rnd(size_t n, uint32_t seed, float lo, float hi)
{
    float *x = harness_alloc((n ? n : 1) * sizeof *x);
    harness_random(x, n, seed, lo, hi);
    return x;
}

/* Builds inputs and masks; key 0 is never masked, so no row is fully masked. */
static void run_init(at_run *r, const at_case *c, int kind, uint32_t seed)
{
    memset(r, 0, sizeof *r);
    r->c = *c;
    r->kind = kind;
    size_t NH = (size_t)(c->N * c->H);
    r->nq = NH * (size_t)(c->Tq * c->D);
    r->nk = NH * (size_t)(c->Tk * c->D);
    r->nv = NH * (size_t)(c->Tk * c->Dv);
    r->no = NH * (size_t)(c->Tq * c->Dv);
    r->scores = NH * (size_t)(c->Tq * c->Tk);
    r->q = rnd(r->nq, seed, -1, 1);
    r->k = rnd(r->nk, seed + 1, -1, 1);
    r->v = rnd(r->nv, seed + 2, -1, 1);
    r->qd = HARNESS_DESC(c->N, c->H, c->Tq, c->D);
    r->kd = HARNESS_DESC(c->N, c->H, c->Tk, c->D);
    r->vd = HARNESS_DESC(c->N, c->H, c->Tk, c->Dv);
    r->od = HARNESS_DESC(c->N, c->H, c->Tq, c->Dv);
    r->attn.causal = (kind & M_CAUSAL) != 0;
    r->attn.dropout_ratio = kind & M_DROP ? 0.25f : 0.0f;
    r->attn.dropout_seed = 1234 + seed;
    r->attn.dropout_offset = 77;
    ref_attention *a = &r->ref;
    a->N = (size_t)c->N, a->H = (size_t)c->H, a->Tq = (size_t)c->Tq, a->Tk = (size_t)c->Tk;
    a->D = (size_t)c->D, a->Dv = (size_t)c->Dv;
    /* the causal runs also pass an explicit scale */
    r->attn.scale = kind & M_CAUSAL ? 0.3f : 0.0f;
    a->scale = kind & M_CAUSAL ? (double)0.3f : 1.0 / sqrt((double)c->D);
    a->causal = r->attn.causal;
    a->ratio = r->attn.dropout_ratio;
    size_t plane = a->Tq * a->Tk, mn = 0;
    if (kind & M_2D) r->md = HARNESS_DESC(c->Tq, c->Tk), mn = plane;
    if (kind & M_N) r->md = HARNESS_DESC(c->N, 1, c->Tq, c->Tk), mn = plane * a->N, a->msn = plane;
    if (kind & M_H) r->md = HARNESS_DESC(1, c->H, c->Tq, c->Tk), mn = plane * a->H, a->msh = plane;
    if (mn) {
        r->mask = rnd(mn, seed + 3, -1, 1);
        for (size_t e = 0; e < mn; e++)
            if (e % a->Tk != 0 && e % 7 == 3) r->mask[e] = -INFINITY;
        a->mask = gradcheck_to_double(r->mask, mn);
    }
    if (kind & M_KPM) {
        r->kpm = harness_alloc(a->N * a->Tk * sizeof *r->kpm);
        for (size_t e = 0; e < a->N * a->Tk; e++) r->kpm[e] = e % a->Tk == 0 || e % 3 != 2;
        r->kpd = HARNESS_DESC(c->N, c->Tk);
        r->kpd.dtype = CLNN_INT32;
        a->kpm = r->kpm;
    }
    if (kind & M_DROP) {
        int *keep = harness_alloc(r->scores * sizeof *keep);
        ref_dropout_mask(r->attn.dropout_seed, r->attn.dropout_offset, r->scores, 0.25f, keep);
        a->keep = keep;
    }
}

/* Device buffers of a run and the calls. */
typedef struct at_dev {
    cl_mem q, k, v, o, mask, kpm, ws;
    size_t ws_size;
} at_dev;

static cl_mem nan_buffer(size_t n)
{
    float *x = harness_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = NAN;
    return harness_upload(x, n * sizeof *x);
}

/* Q, K, V at element offsets 1, 2, 3; O at 1. */
static cl_mem upload_at(const float *x, size_t n, size_t off)
{
    float *p = harness_alloc((n + off) * sizeof *p);
    memcpy(p + off, x, n * sizeof *p);
    return harness_upload(p, (n + off) * sizeof *p);
}

static void dev_forward(const at_run *r, at_dev *d)
{
    clnn_context_t ctx = harness_ctx();
    d->q = upload_at(r->q, r->nq, 1);
    d->k = upload_at(r->k, r->nk, 2);
    d->v = upload_at(r->v, r->nv, 3);
    d->o = nan_buffer(r->no + 1);
    size_t mask_bytes = 0;
    if (r->mask) harness_expect_ok(clnn_tensor_desc_bytes(&r->md, &mask_bytes));
    d->mask = r->mask ? harness_upload(r->mask, mask_bytes) : NULL;
    d->kpm = r->kpm ? harness_upload(r->kpm, r->ref.N * r->ref.Tk * 4) : NULL;
    clnn_attention_algo chosen;
    harness_expect_ok(clnn_attention_workspace_size_for(ctx, &r->attn, &r->qd, &r->kd, &r->vd,
                                                        &d->ws_size, &chosen));
    ck_assert_int_eq(chosen, r->attn.algo);
    ck_assert_uint_eq(d->ws_size, r->attn.algo == CLNN_ATTENTION_FUSED
                                      ? r->ref.N * r->ref.H * r->ref.Tq * 8
                                      : r->scores * 8);
    d->ws = nan_buffer(d->ws_size / 4);
    harness_expect_ok(clnn_attention_forward(ctx, &r->attn, &r->qd, d->q, 4, &r->kd, d->k, 8,
                                             &r->vd, d->v, 12, &r->md, d->mask, 0, &r->kpd,
                                             d->kpm, 0, &r->od, d->o, 4, d->ws, d->ws_size));
}

static float *download_at(cl_mem b, size_t n, size_t off)
{
    float *y = harness_alloc(n * sizeof *y);
    harness_download(b, off * 4, y, n * 4);
    return y;
}

/* Device dQ, dK, dV (element offset 2 each) from dO. */
static void dev_backward(const at_run *r, const at_dev *d, const float *d_o, float **dq,
                         float **dk, float **dv)
{
    cl_mem dob = upload_at(d_o, r->no, 1), dqb = nan_buffer(r->nq + 2),
           dkb = nan_buffer(r->nk + 2), dvb = nan_buffer(r->nv + 2);
    harness_expect_ok(clnn_attention_backward(harness_ctx(), &r->attn, &r->qd, d->q, 4, &r->kd,
                                              d->k, 8, &r->vd, d->v, 12, &r->md, d->mask, 0,
                                              &r->kpd, d->kpm, 0, &r->od, dob, 4, &r->qd,
                                              dqb, 8, &r->kd, dkb, 8, &r->vd, dvb, 8, d->ws,
                                              d->ws_size));
    *dq = download_at(dqb, r->nq, 2);
    *dk = download_at(dkb, r->nk, 2);
    *dv = download_at(dvb, r->nv, 2);
}

/* One mask kind of one shape, each algorithm against the same reference. */
static void check_against_reference(const at_case *c, int kind, uint32_t seed)
{
    at_run r;
    run_init(&r, c, kind, seed);
    double *qd = gradcheck_to_double(r.q, r.nq), *kd = gradcheck_to_double(r.k, r.nk),
           *vd = gradcheck_to_double(r.v, r.nv);
    double *want = harness_alloc((r.no + r.nq + r.nk + r.nv) * sizeof *want);
    double *wq = want + r.no, *wk = wq + r.nq, *wv = wk + r.nk;
    float *d_o = rnd(r.no, 99 + seed, -1, 1), *dq, *dk, *dv;
    ref_attention_forward(&r.ref, qd, kd, vd, want);
    ref_attention_backward(&r.ref, qd, kd, vd, gradcheck_to_double(d_o, r.no), wq, wk, wv);
    for (int a = 0; a < 2; a++) {
        at_dev d;
        r.attn.algo = algos[a];
        dev_forward(&r, &d);
        harness_expect_close(download_at(d.o, r.no, 1), want, r.no, 1e-4, 1e-5,
                             a ? "fused forward" : "unfused forward");
        dev_backward(&r, &d, d_o, &dq, &dk, &dv);
        harness_expect_close(dq, wq, r.nq, 1e-4, 5e-5, a ? "fused dq" : "dq");
        harness_expect_close(dk, wk, r.nk, 1e-4, 5e-5, a ? "fused dk" : "dk");
        harness_expect_close(dv, wv, r.nv, 1e-4, 5e-5, a ? "fused dv" : "dv");
        /* a second backward from the same workspace gives the same result */
        if (kind == combos[COMBO_COUNT - 1]) {
            float *dq2, *dk2, *dv2;
            dev_backward(&r, &d, d_o, &dq2, &dk2, &dv2);
            ck_assert_mem_eq(dq2, dq, r.nq * 4);
            ck_assert_mem_eq(dv2, dv, r.nv * 4);
        }
    }
}

START_TEST(forward_and_backward_match_reference)
{
    /* fp32 scores sum D products, the output Tk weighted values (up to 1000; the
     * fused online softmax sums in another order): forward rtol 1e-4, atol 1e-5.
     * Gradients chain two more sums of the same lengths: rtol 1e-4, atol 5e-5
     * (values of order 0.1 to 1). */
    if ((size_t)_i == BIG_CASE) {
        for (size_t m = 0; m < sizeof big_combos / sizeof big_combos[0]; m++)
            check_against_reference(&cases[_i], big_combos[m], 500 + (uint32_t)m);
        return;
    }
    for (size_t m = 0; m < COMBO_COUNT; m++)
        check_against_reference(&cases[_i], combos[m], 10 * (uint32_t)_i + (uint32_t)m);
}
END_TEST

static void fd_forward(const double *x, double *y, void *params)
{
    const at_run *r = params;
    ref_attention_forward(&r->ref, x, x + r->nq, x + r->nq + r->nk, y);
}

START_TEST(backward_matches_finite_differences)
{
    /* Central differences (h = 1e-3 relative) of the double reference are good to
     * ~1e-7 here; the device gradients carry fp32 error ~1e-6: rtol 1e-3, atol
     * 1e-5. One small cross-attention shape (Tq 3, Tk 4, D 5, Dv 3, N 2, H 2),
     * each mask kind, each algorithm (loop index: kind * 2 + algorithm). */
    static const at_case c = {2, 2, 3, 4, 5, 3};
    at_run r;
    at_dev d;
    run_init(&r, &c, combos[_i / 2], 50 + (uint32_t)(_i / 2));
    r.attn.algo = algos[_i % 2];
    dev_forward(&r, &d);
    size_t nx = r.nq + r.nk + r.nv;
    double *x = harness_alloc(nx * sizeof *x), *grad = harness_alloc(nx * sizeof *grad);
    memcpy(x, gradcheck_to_double(r.q, r.nq), r.nq * 8);
    memcpy(x + r.nq, gradcheck_to_double(r.k, r.nk), r.nk * 8);
    memcpy(x + r.nq + r.nk, gradcheck_to_double(r.v, r.nv), r.nv * 8);
    float *d_o = rnd(r.no, 7 + (uint32_t)(_i / 2), -1, 1), *dq, *dk, *dv;
    gradcheck_numeric(fd_forward, &r, x, nx, gradcheck_to_double(d_o, r.no), r.no, 1e-3, grad);
    dev_backward(&r, &d, d_o, &dq, &dk, &dv);
    harness_expect_close(dq, grad, r.nq, 1e-3, 1e-5, "dq vs finite differences");
    harness_expect_close(dk, grad + r.nq, r.nk, 1e-3, 1e-5, "dk vs finite differences");
    harness_expect_close(dv, grad + r.nq + r.nk, r.nv, 1e-3, 1e-5, "dv vs finite differences");
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    /* Q [1, 2, 3, 4], K [1, 2, 5, 4], V [1, 2, 5, 6], O [1, 2, 3, 6]; every
     * rejection leaves O, the gradients and the workspace as they were. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc qd = HARNESS_DESC(1, 2, 3, 4), kd = HARNESS_DESC(1, 2, 5, 4),
                     vd = HARNESS_DESC(1, 2, 5, 6), od = HARNESS_DESC(1, 2, 3, 6);
    clnn_tensor_desc k_badD = HARNESS_DESC(1, 2, 5, 3), k_badH = HARNESS_DESC(1, 1, 5, 4),
                     v_badT = HARNESS_DESC(1, 2, 4, 6), o_badDv = HARNESS_DESC(1, 2, 3, 5),
                     q3 = HARNESS_DESC(2, 3, 4), m_ok = HARNESS_DESC(3, 5),
                     m_bad = HARNESS_DESC(5, 3), m_bad4 = HARNESS_DESC(2, 2, 3, 5),
                     kp_ok = HARNESS_DESC(1, 5), kp_bad = HARNESS_DESC(1, 4), ints = qd;
    kp_ok.dtype = kp_bad.dtype = ints.dtype = CLNN_INT32;
    size_t n = 64, ws_size;
    harness_expect_ok(clnn_attention_workspace_size(&qd, &kd, &ws_size));
    ck_assert_uint_eq(ws_size, 2 * 2 * 3 * 5 * 4);
    float *sentinel = rnd(n, 3, -1, 1), *after = harness_alloc(n * 4);
    cl_mem q = harness_upload(sentinel, n * 4), k = harness_upload(sentinel, n * 4),
           v = harness_upload(sentinel, n * 4), o = harness_upload(sentinel, n * 4),
           m = harness_upload(sentinel, n * 4), kp = harness_upload(sentinel, n * 4),
           ws = harness_upload(sentinel, n * 4);
    clnn_attention_desc a = {0, 0, 0, 0, 0, CLNN_ATTENTION_AUTO}, bad_scale = a, bad_drop = a;
    bad_scale.scale = -1.0f;
    bad_drop.dropout_ratio = 1.0f;
    const clnn_status nul = CLNN_NULL_POINTER, inv = CLNN_INVALID_VALUE, shp = CLNN_SHAPE_MISMATCH;
#define FWD(c, at, qq, kk, vv, mm, mb, kpd, kb, oo, wsz)                                     \
    clnn_attention_forward(c, at, qq, q, 0, kk, k, 0, vv, v, 0, mm, mb, 0, kpd, kb, 0, oo, o, 0, \
                           ws, wsz)
    harness_expect_error(FWD(NULL, &a, &qd, &kd, &vd, &m_ok, m, &kp_ok, kp, &od, ws_size), nul,
                         "context");
    harness_expect_error(FWD(ctx, &a, NULL, &kd, &vd, &m_ok, m, &kp_ok, kp, &od, ws_size), nul,
                         "q");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, &m_ok, m, &kp_ok, kp, NULL, ws_size), nul,
                         "o");
    harness_expect_error(FWD(ctx, &a, &q3, &kd, &vd, NULL, NULL, NULL, NULL, &od, ws_size), inv,
                         "q has shape [2, 3, 4]");
    harness_expect_error(FWD(ctx, &a, &ints, &kd, &vd, NULL, NULL, NULL, NULL, &od, ws_size), inv,
                         "q");
    harness_expect_error(FWD(ctx, &a, &qd, &k_badD, &vd, NULL, NULL, NULL, NULL, &od, ws_size),
                         shp, "differ in D");
    harness_expect_error(FWD(ctx, &a, &qd, &k_badH, &vd, NULL, NULL, NULL, NULL, &od, ws_size),
                         shp, "k [1, 1, 5, 4]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &v_badT, NULL, NULL, NULL, NULL, &od, ws_size),
                         shp, "v [1, 2, 4, 6]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, NULL, NULL, NULL, NULL, &o_badDv, ws_size),
                         shp, "o has shape [1, 2, 3, 5]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, &m_bad, m, NULL, NULL, &od, ws_size), shp,
                         "mask has shape [5, 3]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, &m_bad4, m, NULL, NULL, &od, ws_size), shp,
                         "mask");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, NULL, NULL, &kp_bad, kp, &od, ws_size), shp,
                         "key_padding has shape [1, 4]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, NULL, NULL, &m_ok, kp, &od, ws_size), inv,
                         "key_padding");
    harness_expect_error(FWD(ctx, &bad_scale, &qd, &kd, &vd, NULL, NULL, NULL, NULL, &od, ws_size),
                         inv, "scale");
    harness_expect_error(FWD(ctx, &bad_drop, &qd, &kd, &vd, NULL, NULL, NULL, NULL, &od, ws_size),
                         inv, "dropout_ratio");
    size_t auto_ws; /* what AUTO picks here needs less than ws_size */
    harness_expect_ok(clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, &vd, &auto_ws, NULL));
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &vd, NULL, NULL, NULL, NULL, &od, auto_ws - 4),
                         CLNN_INSUFFICIENT_WORKSPACE, "workspace_size");
#undef FWD
#define BWD(c, qq, kk, vv, dod, dqd, dkd, dvd)                                                  \
    clnn_attention_backward(c, NULL, qq, q, 0, kk, k, 0, vv, v, 0, NULL, NULL, 0, NULL, NULL, 0,  \
                            dod, o, 0, dqd, m, 0, dkd, kp,                                     \
                            0, dvd, o, 0, ws, ws_size)
    harness_expect_error(BWD(NULL, &qd, &kd, &vd, &od, &qd, &kd, &vd), nul, "context");
    harness_expect_error(BWD(ctx, &qd, &kd, &vd, NULL, &qd, &kd, &vd), nul, "do");
    harness_expect_error(BWD(ctx, &qd, &kd, &vd, &od, &kd, &kd, &vd), shp, "dq");
    harness_expect_error(BWD(ctx, &qd, &kd, &vd, &od, &qd, &qd, &vd), shp, "dk");
    harness_expect_error(BWD(ctx, &qd, &kd, &vd, &od, &qd, &kd, &od), shp, "dv");
    harness_expect_error(BWD(ctx, &qd, &k_badD, &vd, &od, &qd, &kd, &vd), shp, "differ in D");
    harness_expect_error(BWD(ctx, &qd, &kd, &vd, &o_badDv, &qd, &kd, &vd), shp, "do");
#undef BWD
    harness_expect_error(clnn_attention_backward(ctx, &a, &qd, q, 0, &kd, k, 0, &vd, v, 0, &m_bad,
                                                 m, 0, NULL, NULL, 0, &od, o, 0, &qd, o, 0, &kd,
                                                 o, 0, &vd, o, 0, ws, ws_size),
                         shp, "mask has shape [5, 3]");
    /* the algorithm: out of the enum, FUSED where it cannot run (D 300) */
    clnn_attention_desc bad_algo = a, fused = a;
    bad_algo.algo = (clnn_attention_algo)7;
    fused.algo = CLNN_ATTENTION_FUSED;
    harness_expect_error(clnn_attention_forward(ctx, &bad_algo, &qd, q, 0, &kd, k, 0, &vd, v, 0,
                                                NULL, NULL, 0, NULL, NULL, 0, &od, o, 0, ws,
                                                ws_size),
                         inv, "algo is 7");
    clnn_tensor_desc q300 = HARNESS_DESC(1, 1, 2, 300), k300 = HARNESS_DESC(1, 1, 3, 300),
                     v300 = HARNESS_DESC(1, 1, 3, 4), o300 = HARNESS_DESC(1, 1, 2, 4);
    size_t bytes = 0;
    clnn_attention_algo chosen = CLNN_ATTENTION_FUSED;
    harness_expect_error(
        clnn_attention_workspace_size_for(ctx, &fused, &q300, &k300, &v300, &bytes, &chosen),
        CLNN_NOT_SUPPORTED, "FUSED cannot run D 300");
    ck_assert_uint_eq(bytes, 0);
    harness_expect_ok(
        clnn_attention_workspace_size_for(ctx, NULL, &q300, &k300, &v300, &bytes, &chosen));
    ck_assert_int_eq(chosen, CLNN_ATTENTION_UNFUSED); /* AUTO falls back */
    float big[1024] = {0};
    cl_mem qb = harness_upload(big, sizeof big);
    harness_expect_error(clnn_attention_forward(ctx, &fused, &q300, qb, 0, &k300, qb, 0, &v300,
                                                v, 0, NULL, NULL, 0, NULL, NULL, 0, &o300, o, 0,
                                                ws, ws_size),
                         CLNN_NOT_SUPPORTED, "FUSED cannot run D 300");
    harness_expect_error(clnn_attention_workspace_size_for(NULL, &a, &qd, &kd, &vd, &bytes, NULL),
                         nul, "context");
    harness_expect_error(clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, NULL, &bytes, NULL),
                         nul, "v");
    harness_expect_error(clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, &vd, NULL, NULL),
                         nul, "bytes");
    harness_expect_error(
        clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, &v_badT, &bytes, NULL), shp, "v");
    harness_expect_error(
        clnn_attention_workspace_size_for(ctx, &bad_drop, &qd, &kd, &vd, &bytes, NULL), inv,
        "dropout_ratio");
    harness_expect_error(clnn_attention_workspace_size(&qd, &k_badD, &ws_size), shp, "k");
    harness_expect_error(clnn_attention_workspace_size(&qd, &kd, NULL), nul, "bytes");
    cl_mem outs[4] = {o, m, kp, ws};
    for (int i = 0; i < 4; i++) {
        harness_download(outs[i], 0, after, n * 4);
        ck_assert_mem_eq(after, sentinel, n * 4);
    }
}
END_TEST

START_TEST(algo_environment_override)
{
    /* CLNN_ATTENTION_ALGO overrides AUTO only; unknown text fails at call time. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc qd = HARNESS_DESC(1, 2, 3, 4), kd = HARNESS_DESC(1, 2, 5, 4),
                     vd = HARNESS_DESC(1, 2, 5, 6), od = HARNESS_DESC(1, 2, 3, 6);
    clnn_attention_desc a = {0, 0, 0, 0, 0, CLNN_ATTENTION_AUTO}, unfused = a;
    unfused.algo = CLNN_ATTENTION_UNFUSED;
    size_t bytes;
    clnn_attention_algo chosen;
    setenv("CLNN_ATTENTION_ALGO", "fused", 1);
    clnn_env_reload();
    harness_expect_ok(clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, &vd, &bytes, &chosen));
    ck_assert_int_eq(chosen, CLNN_ATTENTION_FUSED);
    ck_assert_uint_eq(bytes, 2 * 2 * 3 * 4);
    harness_expect_ok(
        clnn_attention_workspace_size_for(ctx, &unfused, &qd, &kd, &vd, &bytes, &chosen));
    ck_assert_int_eq(chosen, CLNN_ATTENTION_UNFUSED);
    setenv("CLNN_ATTENTION_ALGO", "unfused", 1);
    clnn_env_reload();
    harness_expect_ok(clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, &vd, &bytes, &chosen));
    ck_assert_int_eq(chosen, CLNN_ATTENTION_UNFUSED);
    setenv("CLNN_ATTENTION_ALGO", "flash", 1);
    clnn_env_reload();
    float sentinel[64];
    harness_random(sentinel, 64, 5, -1, 1);
    cl_mem x = harness_upload(sentinel, sizeof sentinel), o = harness_upload(sentinel, 256);
    harness_expect_error(clnn_attention_forward(ctx, &a, &qd, x, 0, &kd, x, 0, &vd, x, 0, NULL,
                                                NULL, 0, NULL, NULL, 0, &od, o, 0, x, 256),
                         CLNN_INVALID_VALUE, "CLNN_ATTENTION_ALGO is \"flash\"");
    harness_expect_error(clnn_attention_workspace_size_for(ctx, &a, &qd, &kd, &vd, &bytes, NULL),
                         CLNN_INVALID_VALUE, "CLNN_ATTENTION_ALGO");
    unsetenv("CLNN_ATTENTION_ALGO");
    clnn_env_reload();
    float after[64];
    harness_download(o, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

START_TEST(auto_picks_by_shape)
{
    /* AUTO (attention.c): FUSED where the unfused T x T workspace would not fit
     * the device, and for short keys (Tk <= 128) on devices with real local
     * memory; UNFUSED otherwise (always on CPUs, with the tiled GEMM). */
    clnn_context_t ctx = harness_ctx();
    clnn_device_info info;
    harness_expect_ok(clnn_context_device(ctx, &info));
    static const int64_t T[] = {7, 128, 256, 4096};
    for (int i = 0; i < 4; i++) {
        clnn_tensor_desc d = HARNESS_DESC(8, 8, T[i], 64);
        clnn_attention_algo chosen;
        size_t bytes, unfused = (size_t)(8 * 8 * 2 * 4) * (size_t)(T[i] * T[i]);
        harness_expect_ok(
            clnn_attention_workspace_size_for(ctx, NULL, &d, &d, &d, &bytes, &chosen));
        int fused = (info.local_mem_is_real && T[i] <= 128) || unfused > info.max_alloc_bytes ||
                    unfused > info.global_mem_bytes / 4;
        ck_assert_int_eq(chosen, fused ? CLNN_ATTENTION_FUSED : CLNN_ATTENTION_UNFUSED);
        ck_assert_uint_eq(bytes, fused ? (size_t)(8 * 8 * 2 * 4) * (size_t)T[i] : unfused);
    }
}
END_TEST

START_TEST(fused_workspace_is_linear_in_t)
{
    /* N 8, H 8, D 64: the fused workspace is the LSE and delta rows, 2 N H T
     * floats, so doubling T doubles it, far below one T x T score matrix. */
    clnn_attention_desc a = {0, 0, 0, 0, 0, CLNN_ATTENTION_FUSED};
    size_t ws[2];
    for (int i = 0; i < 2; i++) {
        int64_t T = i ? 4096 : 2048;
        clnn_tensor_desc d = HARNESS_DESC(8, 8, T, 64);
        harness_expect_ok(
            clnn_attention_workspace_size_for(harness_ctx(), &a, &d, &d, &d, &ws[i], NULL));
        ck_assert_uint_eq(ws[i], 8 * 8 * (size_t)T * 2 * 4);
    }
    ck_assert_uint_eq(ws[1], 2 * ws[0]);
    ck_assert_uint_lt(ws[1], (size_t)8 * 8 * 4096 * 4096 * 4);
}
END_TEST

START_TEST(all_masked_rows_give_nan)
{
    /* Row 2 of the additive mask is all -inf: that output row is NaN in both
     * algorithms (as the unfused softmax and PyTorch give); the others match the
     * reference (rtol 1e-4, atol 1e-5 as above). */
    static const at_case c = {1, 2, 5, 6, 8, 3};
    at_run r;
    run_init(&r, &c, M_2D, 77);
    double *md = (double *)r.ref.mask; /* run_init's copy */
    for (size_t j = 0; j < 6; j++) r.mask[2 * 6 + j] = (float)(md[2 * 6 + j] = -INFINITY);
    double *want = harness_alloc(r.no * sizeof *want);
    ref_attention_forward(&r.ref, gradcheck_to_double(r.q, r.nq), gradcheck_to_double(r.k, r.nk),
                          gradcheck_to_double(r.v, r.nv), want);
    for (int a = 0; a < 2; a++) {
        at_dev d;
        r.attn.algo = algos[a];
        dev_forward(&r, &d);
        float *o = download_at(d.o, r.no, 1);
        for (size_t h = 0; h < 2; h++)
            for (size_t i = 0; i < 5; i++) {
                const float *row = o + (h * 5 + i) * 3;
                if (i == 2)
                    for (int e = 0; e < 3; e++) ck_assert_msg(isnan(row[e]), "algo %d", a);
                else
                    harness_expect_close(row, want + (h * 5 + i) * 3, 3, 1e-4, 1e-5, "row");
            }
    }
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("attention");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tcase_add_test(tc, algo_environment_override);
    tcase_add_test(tc, auto_picks_by_shape);
    tcase_add_test(tc, fused_workspace_is_linear_in_t);
    tcase_add_test(tc, all_masked_rows_give_nan);
    tc = harness_tcase(s, "reference");
    tcase_add_loop_test(tc, forward_and_backward_match_reference, 0,
                        small_mode ? SMALL_CASES : (int)CASE_COUNT);
    tc = harness_tcase(s, "finite-differences");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, 2 * (int)COMBO_COUNT);
    return harness_main(s);
}
