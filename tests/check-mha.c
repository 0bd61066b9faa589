/* Multi-head attention and the transformer encoder block: forward against the
 * double reference (self- and cross-attention, biases or none, every mask kind,
 * dropout, value_dim != key_dim, odd sizes), every gradient against central
 * finite differences of the reference on tiny shapes (with masks, dropout and the
 * aliased self-attention input gradient), and bad input. All operands live in one
 * packed buffer at non-zero offsets; outputs start as NaN sentinels.
 * CLNN_TEST_SMALL=1 keeps the shapes small (rusticl, oclgrind). */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

enum { M_2D = 1, M_H = 2, M_KPM = 4, M_CAUSAL = 8, M_DROP = 16 };

typedef struct mha_case {
    int64_t N, Tq, Tk, E, H, kd, vd;
    int self, bias, masks;
} mha_case;

/* Operands packed one after another, each one float after the previous (so
 * every offset is non-zero); size 0 means absent. */
#define MAXP 17
typedef struct pack {
    size_t n, off[MAXP], size[MAXP], total;
} pack;

static void pack_init(pack *p, const size_t *sizes, size_t n)
{
    size_t cur = 0;
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        p->off[i] = cur + 1;
        p->size[i] = sizes[i];
        cur = p->off[i] + sizes[i];
    }
    p->total = cur + 1;
}

static float *rnd(size_t n, uint32_t seed, float lo, float hi)
{
    float *x = harness_alloc((n ? n : 1) * sizeof *x);
    harness_random(x, n, seed, lo, hi);
    return x;
}

static cl_mem nan_buffer(size_t n)
{
    float *x = harness_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = NAN;
    return harness_upload(x, n * sizeof *x);
}

static float *download(cl_mem b, size_t n)
{
    float *y = harness_alloc(n * sizeof *y);
    harness_download(b, 0, y, n * 4);
    return y;
}

/* ------------------------------------------------------------------ MHA */

/* Packed items: 0 query, 1 key, 2 value, 3..6 Wq Wk Wv Wo, 7..10 biases. */
typedef struct mha_run {
    mha_case c;
    pack p;
    float *host;
    ref_mha ref;
    clnn_mha_desc desc;
    clnn_tensor_desc qd, kd, md, kpd;
    float *mask;
    int32_t *kpm;
    size_t ny;
} mha_run;

static void mha_init(mha_run *r, const mha_case *c, uint32_t seed)
{
    memset(r, 0, sizeof *r);
    r->c = *c;
    size_t N = (size_t)c->N, Tq = (size_t)c->Tq, Tk = (size_t)c->Tk, E = (size_t)c->E,
           H = (size_t)c->H, kd = (size_t)c->kd, vd = (size_t)c->vd;
    size_t b = c->bias ? 1 : 0, kv = c->self ? 0 : N * Tk * E;
    size_t sizes[11] = {N * Tq * E, kv,         kv,         E * H * kd, E * H * kd, E * H * vd,
                        H * vd * E, b * H * kd, b * H * kd, b * H * vd, b * E};
    pack_init(&r->p, sizes, 11);
    r->host = rnd(r->p.total, seed, -0.5f, 0.5f);
    for (size_t i = 0; i < 3; i++) /* inputs of order 1 */
        for (size_t e = 0; e < r->p.size[i]; e++) r->host[r->p.off[i] + e] *= 2.0f;
    r->qd = HARNESS_DESC(c->N, c->Tq, c->E);
    r->kd = HARNESS_DESC(c->N, c->Tk, c->E);
    r->ny = N * Tq * E;
    r->desc.num_heads = (int)H, r->desc.key_dim = (int)kd;
    r->desc.value_dim = vd == kd ? 0 : (int)vd;
    ref_mha *m = &r->ref;
    m->N = N, m->Tq = Tq, m->Tk = Tk, m->E = E, m->H = H, m->kd = kd, m->vd = vd;
    size_t plane = Tq * Tk;
    if (c->masks & M_2D) r->md = HARNESS_DESC(c->Tq, c->Tk);
    if (c->masks & M_H) r->md = HARNESS_DESC(1, c->H, c->Tq, c->Tk), m->att.msh = plane;
    if (c->masks & (M_2D | M_H)) {
        size_t n = c->masks & M_H ? plane * H : plane;
        r->mask = rnd(n, seed + 1, -1, 1);
        for (size_t e = 0; e < n; e++) /* key 0 stays, so no row is fully masked */
            if (e % Tk != 0 && e % 5 == 3) r->mask[e] = -INFINITY;
        m->att.mask = gradcheck_to_double(r->mask, n);
    }
    if (c->masks & M_KPM) {
        r->kpm = harness_alloc(N * Tk * sizeof *r->kpm);
        for (size_t e = 0; e < N * Tk; e++) r->kpm[e] = e % Tk == 0 || e % 3 != 1;
        r->kpd = HARNESS_DESC(c->N, c->Tk);
        r->kpd.dtype = CLNN_INT32;
        m->att.kpm = r->kpm;
    }
    r->desc.attn.causal = m->att.causal = (c->masks & M_CAUSAL) != 0;
    if (c->masks & M_DROP) {
        r->desc.attn.dropout_ratio = 0.25f, m->att.ratio = 0.25f;
        r->desc.attn.dropout_seed = 99 + seed, r->desc.attn.dropout_offset = 5;
        int *keep = harness_alloc(N * H * plane * sizeof *keep);
        ref_dropout_mask(99 + seed, 5, N * H * plane, 0.25f, keep);
        m->att.keep = keep;
    }
}

/* The reference on a packed double vector (the layout of mha_run). */
static void mha_fd(const double *x, double *y, void *params)
{
    const mha_run *r = params;
    ref_mha m = r->ref;
    const size_t *o = r->p.off;
    for (int i = 0; i < 4; i++) {
        m.w[i] = x + o[3 + i];
        m.b[i] = r->c.bias ? x + o[7 + i] : NULL;
    }
    const double *q = x + o[0];
    ref_mha_forward(&m, q, r->c.self ? q : x + o[1], r->c.self ? q : x + o[2], y);
}

/* Device-side operands of a run: the packed parameter buffer, masks, workspace. */
typedef struct mha_dev {
    cl_mem p, mask, kpm, ws;
    size_t ws_size;
    clnn_mha_weights w;
} mha_dev;

static void weights_at(const pack *p, cl_mem buf, int bias, clnn_mha_weights *w, size_t first)
{
    for (int i = 0; i < 4; i++) {
        w->w[i] = buf, w->w_offset[i] = p->off[first + i] * 4;
        w->b[i] = bias ? buf : NULL, w->b_offset[i] = p->off[first + 4 + i] * 4;
    }
}

static float *mha_dev_forward(const mha_run *r, mha_dev *d)
{
    const size_t *o = r->p.off;
    int self = r->c.self;
    d->p = harness_upload(r->host, r->p.total * 4);
    weights_at(&r->p, d->p, r->c.bias, &d->w, 3);
    size_t mb = 0;
    if (r->mask) harness_expect_ok(clnn_tensor_desc_bytes(&r->md, &mb));
    d->mask = r->mask ? harness_upload(r->mask, mb) : NULL;
    d->kpm = r->kpm ? harness_upload(r->kpm, (size_t)(r->c.N * r->c.Tk) * 4) : NULL;
    harness_expect_ok(clnn_mha_workspace_size(&r->desc, &r->qd, &r->kd, &d->ws_size));
    d->ws = nan_buffer(d->ws_size / 4);
    cl_mem y = nan_buffer(r->ny + 3);
    size_t ko = o[self ? 0 : 1] * 4, vo = o[self ? 0 : 2] * 4;
    harness_expect_ok(clnn_mha_forward(harness_ctx(), &r->desc, &r->qd, d->p, o[0] * 4, &r->kd,
                                       d->p, ko, &r->kd, d->p, vo, &d->w, &r->md, d->mask, 0,
                                       &r->kpd, d->kpm, 0, &r->qd, y, 12, d->ws, d->ws_size));
    float *all = download(y, r->ny + 3);
    return all + 3;
}

static const mha_case ref_cases[] = {
    {1, 1, 1, 4, 1, 2, 2, 1, 1, 0},
    {2, 5, 5, 8, 2, 4, 4, 1, 1, M_KPM | M_CAUSAL},
    {2, 3, 4, 6, 2, 3, 5, 0, 0, M_2D},
    {1, 7, 9, 12, 3, 4, 4, 0, 1, M_H | M_DROP},
    {2, 33, 33, 64, 4, 16, 16, 1, 1, M_KPM},
    {3, 17, 93, 24, 3, 8, 5, 0, 1, M_H | M_CAUSAL},
    {2, 64, 64, 128, 8, 16, 16, 1, 1, M_DROP | M_2D},
};
#define SMALL_REF 4

START_TEST(mha_forward_matches_reference)
{
    /* Four chained fp32 sums (projection E, scores kd, weights Tk, output H*vd),
     * values of order 1: rtol 1e-4, atol 2e-5. */
    mha_run r;
    mha_dev d;
    mha_init(&r, &ref_cases[_i], 10 + (uint32_t)_i);
    float *y = mha_dev_forward(&r, &d);
    double *want = harness_alloc(r.ny * sizeof *want);
    mha_fd(gradcheck_to_double(r.host, r.p.total), want, &r);
    harness_expect_close(y, want, r.ny, 1e-4, 2e-5, "mha forward");
}
END_TEST

static const mha_case fd_cases[] = {
    {1, 1, 1, 4, 1, 2, 2, 1, 1, 0},
    {2, 5, 5, 8, 2, 4, 4, 1, 1, M_KPM | M_CAUSAL},
    {2, 3, 4, 6, 2, 3, 2, 0, 1, M_H | M_DROP},
    {1, 4, 2, 5, 2, 2, 3, 0, 0, M_2D},
    {2, 4, 4, 4, 1, 4, 4, 1, 0, M_DROP | M_CAUSAL},
};

START_TEST(mha_backward_matches_finite_differences)
{
    /* Central differences (h = 1e-3 relative) of the double reference are good to
     * ~1e-7; the device's fp32 gradients chain several sums: rtol 1e-3, atol 1e-4.
     * Self-attention cases pass one dx buffer three times (summed gradient). */
    static const char *const names[11] = {"dquery", "dkey", "dvalue", "dWq", "dWk", "dWv",
                                          "dWo",    "dbq",  "dbk",    "dbv", "dbo"};
    mha_run r;
    mha_dev d;
    mha_init(&r, &fd_cases[_i], 30 + (uint32_t)_i);
    mha_dev_forward(&r, &d);
    const size_t *o = r.p.off;
    float *dy = rnd(r.ny, 70 + (uint32_t)_i, -1, 1);
    cl_mem dyb = harness_upload(dy, r.ny * 4), g = nan_buffer(r.p.total);
    clnn_mha_weights gw;
    weights_at(&r.p, g, r.c.bias, &gw, 3);
    int self = r.c.self;
    size_t ko = o[self ? 0 : 1] * 4, vo = o[self ? 0 : 2] * 4;
    harness_expect_ok(clnn_mha_backward(harness_ctx(), &r.desc, &r.qd, d.p, o[0] * 4, &r.kd, d.p,
                                        ko, &r.kd, d.p, vo, &d.w, &r.qd, dyb, 0, g, o[0] * 4, g, ko,
                                        g, vo, &gw, d.ws, d.ws_size));
    float *got = download(g, r.p.total);
    double *grad = harness_alloc(r.p.total * sizeof *grad);
    gradcheck_numeric(mha_fd, &r, gradcheck_to_double(r.host, r.p.total), r.p.total,
                      gradcheck_to_double(dy, r.ny), r.ny, 1e-3, grad);
    for (size_t i = 0; i < 11; i++)
        harness_expect_close(got + o[i], grad + o[i], r.p.size[i], 1e-3, 1e-4, names[i]);
}
END_TEST

/* -------------------------------------------------------------- encoder */

/* Packed items: 0 x, 1..4 Wq Wk Wv Wo, 5..8 their biases, 9 ln1 scale, 10 ln1
 * bias, 11 W1, 12 b1, 13 W2, 14 b2, 15 ln2 scale (ln2 bias follows in 16). */
#define ENC_ITEMS 17
typedef struct enc_run {
    pack p;
    size_t ny;
    float *host;
    clnn_encoder_desc desc;
    clnn_tensor_desc xd, kpd;
    int32_t *kpm;
    ref_encoder ref;
} enc_run;

typedef struct enc_case {
    int64_t N, T, E, H, kd, F;
    clnn_activation act;
    int drop, kpm;
} enc_case;

static void enc_init(enc_run *r, const enc_case *c, uint32_t seed)
{
    memset(r, 0, sizeof *r);
    size_t N = (size_t)c->N, T = (size_t)c->T, E = (size_t)c->E, H = (size_t)c->H,
           kd = (size_t)c->kd, F = (size_t)c->F, HK = H * kd;
    size_t sizes[ENC_ITEMS] = {N * T * E, E * HK, E * HK, E * HK, HK * E, HK, HK, HK, E,
                               E,         E,      E * F,  F,      F * E,  E,  E,  E};
    /* pack: Wq..Wo, biases, ln1 s/b, W1, b1, W2, b2, ln2 s/b in that order */
    pack_init(&r->p, sizes, ENC_ITEMS);
    r->host = rnd(r->p.total, seed, -0.5f, 0.5f);
    for (size_t e = 0; e < sizes[0]; e++) r->host[r->p.off[0] + e] *= 2.0f;
    for (size_t e = 0; e < E; e++) { /* layer norm scales near 1 */
        r->host[r->p.off[9] + e] += 1.0f;
        r->host[r->p.off[15] + e] += 1.0f;
    }
    r->ny = N * T * E;
    r->xd = HARNESS_DESC(c->N, c->T, c->E);
    clnn_encoder_desc *d = &r->desc;
    d->mha.num_heads = (int)H, d->mha.key_dim = (int)kd;
    d->d_ff = (int)F;
    d->act = clnn_activation_default(c->act);
    ref_encoder *e = &r->ref;
    e->mha.N = N, e->mha.Tq = e->mha.Tk = T, e->mha.E = E, e->mha.H = H;
    e->mha.kd = e->mha.vd = kd;
    e->F = F, e->act = d->act;
    if (c->drop) {
        d->dropout_ratio = 0.2f, d->dropout_seed = 7 + seed, d->dropout_offset = 11;
        e->ratio = 0.2f;
        int *k = harness_alloc(2 * r->ny * sizeof *k);
        ref_dropout_mask(7 + seed, 11, 2 * r->ny, 0.2f, k);
        e->keep1 = k, e->keep2 = k + r->ny;
    }
    if (c->kpm) {
        r->kpm = harness_alloc(N * T * sizeof *r->kpm);
        for (size_t i = 0; i < N * T; i++) r->kpm[i] = i % T == 0 || i % 3 != 2;
        r->kpd = HARNESS_DESC(c->N, c->T);
        r->kpd.dtype = CLNN_INT32;
        e->mha.att.kpm = r->kpm;
    }
}

static void enc_fd(const double *x, double *y, void *params)
{
    const enc_run *r = params;
    ref_encoder e = r->ref;
    const size_t *o = r->p.off;
    for (int i = 0; i < 4; i++) e.mha.w[i] = x + o[1 + i], e.mha.b[i] = x + o[5 + i];
    e.ln1_s = x + o[9], e.ln1_b = x + o[10], e.w1 = x + o[11], e.b1 = x + o[12];
    e.w2 = x + o[13], e.b2 = x + o[14], e.ln2_s = x + o[15], e.ln2_b = x + o[16];
    ref_encoder_forward(&e, x + o[0], y);
}

static void enc_params_at(const pack *p, cl_mem b, clnn_encoder_params *q)
{
    const size_t *o = p->off;
    weights_at(p, b, 1, &q->mha, 1);
    q->ln1_scale = q->ln1_bias = q->ln2_scale = q->ln2_bias = b;
    q->w1 = q->b1 = q->w2 = q->b2 = b;
    q->ln1_scale_offset = o[9] * 4, q->ln1_bias_offset = o[10] * 4;
    q->w1_offset = o[11] * 4, q->b1_offset = o[12] * 4;
    q->w2_offset = o[13] * 4, q->b2_offset = o[14] * 4;
    q->ln2_scale_offset = o[15] * 4, q->ln2_bias_offset = o[16] * 4;
}

static const enc_case enc_cases[] = {
    {1, 1, 4, 1, 2, 6, CLNN_ACTIVATION_GELU, 0, 0},
    {2, 5, 8, 2, 4, 16, CLNN_ACTIVATION_RELU, 1, 1},
    {2, 3, 6, 2, 3, 5, CLNN_ACTIVATION_GELU, 1, 0},
    {2, 4, 4, 1, 4, 8, CLNN_ACTIVATION_RELU, 0, 1},
    {2, 31, 32, 4, 8, 64, CLNN_ACTIVATION_GELU, 1, 1},
    {3, 64, 128, 8, 16, 512, CLNN_ACTIVATION_RELU, 1, 0},
};
#define ENC_FD_CASES 4

START_TEST(encoder_matches_reference_and_finite_differences)
{
    /* Forward: the MHA's chained sums plus two feed-forward sums and two layer
     * norms (which divide by a standard deviation of order 1): rtol 2e-4, atol
     * 5e-5. Gradients on the tiny cases against central differences: rtol 1e-3,
     * atol 1e-4 (see the MHA test). */
    enc_run r;
    enc_init(&r, &enc_cases[_i], 40 + (uint32_t)_i);
    clnn_context_t ctx = harness_ctx();
    cl_mem p = harness_upload(r.host, r.p.total * 4), y = nan_buffer(r.ny + 2), ws;
    cl_mem kpm = r.kpm ? harness_upload(r.kpm, r.ny / r.ref.mha.E * 4) : NULL;
    clnn_encoder_params prm, grd;
    enc_params_at(&r.p, p, &prm);
    size_t ws_size, x0 = r.p.off[0] * 4;
    harness_expect_ok(clnn_encoder_workspace_size(&r.desc, &r.xd, &ws_size));
    ws = nan_buffer(ws_size / 4);
    harness_expect_ok(clnn_encoder_forward(ctx, &r.desc, &r.xd, p, x0, &prm, &r.kpd, kpm, 0, &r.xd,
                                           y, 8, ws, ws_size));
    double *xd = gradcheck_to_double(r.host, r.p.total);
    double *want = harness_alloc(r.ny * sizeof *want);
    enc_fd(xd, want, &r);
    harness_expect_close(download(y, r.ny + 2) + 2, want, r.ny, 2e-4, 5e-5, "encoder forward");
    if (_i >= ENC_FD_CASES) return;
    float *dy = rnd(r.ny, 80 + (uint32_t)_i, -1, 1);
    cl_mem dyb = harness_upload(dy, r.ny * 4), g = nan_buffer(r.p.total);
    enc_params_at(&r.p, g, &grd);
    harness_expect_ok(clnn_encoder_backward(ctx, &r.desc, &r.xd, p, x0, &prm, &r.kpd, kpm, 0, &r.xd,
                                            dyb, 0, g, x0, &grd, ws, ws_size));
    float *got = download(g, r.p.total);
    double *grad = harness_alloc(r.p.total * sizeof *grad);
    gradcheck_numeric(enc_fd, &r, xd, r.p.total, gradcheck_to_double(dy, r.ny), r.ny, 1e-3, grad);
    for (size_t i = 0; i < ENC_ITEMS; i++) {
        char what[32];
        snprintf(what, sizeof what, "encoder gradient of item %zu", i);
        harness_expect_close(got + r.p.off[i], grad + r.p.off[i], r.p.size[i], 1e-3, 1e-4, what);
    }
}
END_TEST

/* ------------------------------------------------------------ bad input */

/* The buffer when its descriptor is given (masks of the bad-input calls). */
static cl_mem buf_if(const clnn_tensor_desc *d, cl_mem b) { return d ? b : NULL; }

/* The untouched-outputs check: every buffer still holds its sentinel. */
static void expect_untouched(const cl_mem *bufs, int n, const float *sentinel, size_t count)
{
    float *after = harness_alloc(count * 4);
    for (int i = 0; i < n; i++) {
        harness_download(bufs[i], 0, after, count * 4);
        ck_assert_mem_eq(after, sentinel, count * 4);
    }
}

START_TEST(mha_bad_input_is_rejected)
{
    /* query [1, 3, 4], key/value [1, 5, 4], H 2, key_dim 2; every buffer 256
     * floats, so only shapes and sizes decide. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc qd = HARNESS_DESC(1, 3, 4), kd = HARNESS_DESC(1, 5, 4),
                     k_badE = HARNESS_DESC(1, 5, 6), k_badN = HARNESS_DESC(2, 5, 4),
                     v_badT = HARNESS_DESC(1, 4, 4), q2 = HARNESS_DESC(3, 4),
                     y_bad = HARNESS_DESC(1, 3, 5), m_ok = HARNESS_DESC(3, 5),
                     m_bad = HARNESS_DESC(5, 3), m_bad4 = HARNESS_DESC(1, 3, 3, 5),
                     kp_bad = HARNESS_DESC(1, 3), kp_ok = HARNESS_DESC(1, 5), ints = qd;
    kp_bad.dtype = kp_ok.dtype = ints.dtype = CLNN_INT32;
    clnn_mha_desc a = {2, 2, 0, {0, 0, 0, 0, 0, CLNN_ATTENTION_AUTO}};
    clnn_mha_desc kd0 = a, h0 = a, drop = a, scale = a;
    kd0.key_dim = 0, h0.num_heads = 0, drop.attn.dropout_ratio = 1.0f, scale.attn.scale = -1;
    const size_t n = 256;
    float *sentinel = rnd(n, 5, -1, 1);
    cl_mem x = harness_upload(sentinel, n * 4), y = harness_upload(sentinel, n * 4),
           ws = harness_upload(sentinel, n * 4), m = harness_upload(sentinel, n * 4),
           g = harness_upload(sentinel, n * 4);
    size_t ws_size;
    harness_expect_ok(clnn_mha_workspace_size(&a, &qd, &kd, &ws_size));
    ck_assert_uint_le(ws_size, n * 4);
    clnn_mha_weights w, w_small, w_null, gw;
    for (int i = 0; i < 4; i++) {
        w.w[i] = x, w.b[i] = x, w.w_offset[i] = w.b_offset[i] = 0;
        gw.w[i] = g, gw.b[i] = NULL, gw.w_offset[i] = gw.b_offset[i] = 0;
    }
    w_small = w_null = w;
    w_small.w_offset[CLNN_MHA_O] = (n - 4) * 4;
    w_null.w[CLNN_MHA_K] = NULL;
    const clnn_status nul = CLNN_NULL_POINTER, inv = CLNN_INVALID_VALUE, shp = CLNN_SHAPE_MISMATCH;
#define FWD(c, d, qq, kk, vv, ww, md, kpd, yd, wsz)                                                \
    clnn_mha_forward(c, d, qq, x, 0, kk, x, 0, vv, x, 0, ww, md, buf_if(md, m), 0, kpd,            \
                     buf_if(kpd, m), 0, yd, y, 0, ws, wsz)
    harness_expect_error(FWD(NULL, &a, &qd, &kd, &kd, &w, NULL, NULL, &qd, ws_size), nul,
                         "context");
    harness_expect_error(FWD(ctx, NULL, &qd, &kd, &kd, &w, NULL, NULL, &qd, ws_size), nul, "mha");
    harness_expect_error(FWD(ctx, &a, &qd, NULL, &kd, &w, NULL, NULL, &qd, ws_size), nul, "key");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, NULL, NULL, NULL, &qd, ws_size), nul,
                         "weights");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w_null, NULL, NULL, &qd, ws_size), nul,
                         "weights[k]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w_small, NULL, NULL, &qd, ws_size), inv,
                         "weights[o]");
    harness_expect_error(FWD(ctx, &kd0, &qd, &kd, &kd, &w, NULL, NULL, &qd, ws_size), inv,
                         "key_dim 0");
    harness_expect_error(FWD(ctx, &h0, &qd, &kd, &kd, &w, NULL, NULL, &qd, ws_size), inv,
                         "num_heads 0");
    harness_expect_error(FWD(ctx, &drop, &qd, &kd, &kd, &w, NULL, NULL, &qd, ws_size), inv,
                         "dropout_ratio");
    harness_expect_error(FWD(ctx, &scale, &qd, &kd, &kd, &w, NULL, NULL, &qd, ws_size), inv,
                         "scale");
    harness_expect_error(FWD(ctx, &a, &q2, &kd, &kd, &w, NULL, NULL, &qd, ws_size), inv,
                         "query has shape [3, 4]");
    harness_expect_error(FWD(ctx, &a, &ints, &kd, &kd, &w, NULL, NULL, &qd, ws_size), inv, "query");
    harness_expect_error(FWD(ctx, &a, &qd, &k_badE, &k_badE, &w, NULL, NULL, &qd, ws_size), shp,
                         "key [1, 5, 6]");
    harness_expect_error(FWD(ctx, &a, &qd, &k_badN, &k_badN, &w, NULL, NULL, &qd, ws_size), shp,
                         "differ in N or E");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &v_badT, &w, NULL, NULL, &qd, ws_size), shp,
                         "value");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w, NULL, NULL, &y_bad, ws_size), shp, "y");
    harness_expect_error(clnn_mha_forward(ctx, &a, &qd, x, 0, &kd, x, 0, &kd, x, 0, &w, NULL, m, 0,
                                          NULL, NULL, 0, &qd, y, 0, ws, ws_size),
                         nul, "mask");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w, &m_bad, NULL, &qd, ws_size), shp,
                         "mask has shape [5, 3]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w, &m_bad4, NULL, &qd, ws_size), shp,
                         "mask has shape [1, 3, 3, 5]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w, NULL, &kp_bad, &qd, ws_size), shp,
                         "key_padding has shape [1, 3]");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w, NULL, &m_ok, &qd, ws_size), inv,
                         "key_padding");
    harness_expect_error(FWD(ctx, &a, &qd, &kd, &kd, &w, NULL, &kp_ok, &qd, ws_size - 4),
                         CLNN_INSUFFICIENT_WORKSPACE, "workspace_size");
#undef FWD
#define BWD(c, dyd, gg, dq, dk)                                                                    \
    clnn_mha_backward(c, &a, &qd, x, 0, &kd, x, 0, &kd, x, 0, &w, dyd, x, 0, dq, 0, dk, 0, NULL,   \
                      0, gg, ws, ws_size)
    harness_expect_error(BWD(NULL, &qd, &gw, g, NULL), nul, "context");
    harness_expect_error(BWD(ctx, &qd, NULL, g, NULL), nul, "grads");
    harness_expect_error(BWD(ctx, NULL, &gw, g, NULL), nul, "dy");
    harness_expect_error(BWD(ctx, &y_bad, &gw, g, NULL), shp, "dy has shape [1, 3, 5]");
    /* Tq 3 != Tk 5: dkey cannot accumulate into dquery */
    harness_expect_error(BWD(ctx, &qd, &gw, g, g), shp, "dkey aliases dquery");
#undef BWD
    harness_expect_error(clnn_mha_workspace_size(&a, &qd, &k_badE, &ws_size), shp, "key");
    harness_expect_error(clnn_mha_workspace_size(&kd0, &qd, &kd, &ws_size), inv, "key_dim");
    harness_expect_error(clnn_mha_workspace_size(&a, &qd, &kd, NULL), nul, "bytes");
    const cl_mem outs[4] = {y, ws, m, g};
    expect_untouched(outs, 4, sentinel, n);
}
END_TEST

START_TEST(encoder_bad_input_is_rejected)
{
    /* x [1, 3, 4], H 2, key_dim 2, d_ff 6; buffers of 512 floats. */
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc xd = HARNESS_DESC(1, 3, 4), x2 = HARNESS_DESC(3, 4),
                     y_bad = HARNESS_DESC(1, 3, 5), kp_bad = HARNESS_DESC(1, 4);
    kp_bad.dtype = CLNN_INT32;
    clnn_encoder_desc e;
    memset(&e, 0, sizeof e);
    e.mha.num_heads = 2, e.mha.key_dim = 2, e.d_ff = 6;
    e.act = clnn_activation_default(CLNN_ACTIVATION_RELU);
    clnn_encoder_desc ff0 = e, act_bad = e, drop = e, h0 = e;
    ff0.d_ff = 0, act_bad.act.kind = (clnn_activation)99, drop.dropout_ratio = -0.5f;
    h0.mha.num_heads = 0;
    const size_t n = 512;
    float *sentinel = rnd(n, 6, -1, 1);
    cl_mem x = harness_upload(sentinel, n * 4), y = harness_upload(sentinel, n * 4),
           ws = harness_upload(sentinel, n * 4), g = harness_upload(sentinel, n * 4);
    size_t ws_size;
    harness_expect_ok(clnn_encoder_workspace_size(&e, &xd, &ws_size));
    ck_assert_uint_le(ws_size, n * 4);
    clnn_encoder_params p, q, no_ln;
    memset(&p, 0, sizeof p);
    weights_at(&(pack){0}, x, 1, &p.mha, 0);
    p.ln1_scale = p.ln1_bias = p.ln2_scale = p.ln2_bias = p.w1 = p.b1 = p.w2 = p.b2 = x;
    q = no_ln = p;
    weights_at(&(pack){0}, g, 1, &q.mha, 0);
    q.ln1_scale = q.ln1_bias = q.ln2_scale = q.ln2_bias = q.w1 = q.b1 = q.w2 = q.b2 = g;
    no_ln.ln1_scale = NULL;
    const clnn_status nul = CLNN_NULL_POINTER, inv = CLNN_INVALID_VALUE, shp = CLNN_SHAPE_MISMATCH;
#define FWD(c, d, xx, pp, kpd, yd, wsz)                                                            \
    clnn_encoder_forward(c, d, xx, x, 0, pp, kpd, buf_if(kpd, x), 0, yd, y, 0, ws, wsz)
    harness_expect_error(FWD(NULL, &e, &xd, &p, NULL, &xd, ws_size), nul, "context");
    harness_expect_error(FWD(ctx, NULL, &xd, &p, NULL, &xd, ws_size), nul, "enc");
    harness_expect_error(FWD(ctx, &e, &xd, NULL, NULL, &xd, ws_size), nul, "params");
    harness_expect_error(FWD(ctx, &e, &xd, &no_ln, NULL, &xd, ws_size), nul, "params.ln1_scale");
    harness_expect_error(FWD(ctx, &ff0, &xd, &p, NULL, &xd, ws_size), inv, "d_ff");
    harness_expect_error(FWD(ctx, &act_bad, &xd, &p, NULL, &xd, ws_size), inv, "act.kind");
    harness_expect_error(FWD(ctx, &drop, &xd, &p, NULL, &xd, ws_size), inv, "dropout_ratio");
    harness_expect_error(FWD(ctx, &h0, &xd, &p, NULL, &xd, ws_size), inv, "num_heads");
    harness_expect_error(FWD(ctx, &e, &x2, &p, NULL, &xd, ws_size), inv, "query has shape [3, 4]");
    harness_expect_error(FWD(ctx, &e, &xd, &p, NULL, &y_bad, ws_size), shp, "y");
    harness_expect_error(FWD(ctx, &e, &xd, &p, &kp_bad, &xd, ws_size), shp, "key_padding");
    harness_expect_error(FWD(ctx, &e, &xd, &p, NULL, &xd, ws_size - 4), CLNN_INSUFFICIENT_WORKSPACE,
                         "clnn_encoder_workspace_size");
#undef FWD
#define BWD(dyd, d, gg)                                                                            \
    clnn_encoder_backward(ctx, &e, &xd, x, 0, &p, NULL, NULL, 0, dyd, x, 0, d, 0, gg, ws, ws_size)
    harness_expect_error(BWD(&xd, NULL, &q), nul, "dx");
    harness_expect_error(BWD(&xd, g, NULL), nul, "grads");
    harness_expect_error(BWD(&y_bad, g, &q), shp, "dy");
#undef BWD
    harness_expect_error(clnn_encoder_workspace_size(&ff0, &xd, &ws_size), inv, "d_ff");
    harness_expect_error(clnn_encoder_workspace_size(&e, &xd, NULL), nul, "bytes");
    const cl_mem outs[3] = {y, ws, g};
    expect_untouched(outs, 3, sentinel, n);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("mha");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, mha_bad_input_is_rejected);
    tcase_add_test(tc, encoder_bad_input_is_rejected);
    tc = harness_tcase(s, "mha");
    tcase_add_loop_test(tc, mha_forward_matches_reference, 0,
                        small_mode ? SMALL_REF : (int)(sizeof ref_cases / sizeof *ref_cases));
    tcase_add_loop_test(tc, mha_backward_matches_finite_differences, 0,
                        (int)(sizeof fd_cases / sizeof *fd_cases));
    tc = harness_tcase(s, "encoder");
    tcase_add_loop_test(tc, encoder_matches_reference_and_finite_differences, 0,
                        small_mode ? ENC_FD_CASES : (int)(sizeof enc_cases / sizeof *enc_cases));
    return harness_main(s);
}
