/* GEMM problems against the double reference: see gemm-check.h. */
#include "gemm-check.h"
#include "harness.h"
#include "ref/ref.h"

#include <clnn/gemm_batched.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Elements after the last one an operation may touch, so that a write past the
 * end of C is seen. */
#define TAIL 5

/* Unit roundoff of float32. */
#define U (FLT_EPSILON / 2)

/* One operand: its geometry, host copy and device buffer. */
typedef struct operand {
    size_t rows, cols, ld, stride, off, span, total;
    float *host;
    cl_mem buf;
} operand;

static void operand_init(operand *o, size_t rows, size_t cols, const gemm_case *gc, int which,
                         uint32_t seed, int nan_fill)
{
    size_t batch = gc->batch ? gc->batch : 1;
    o->rows = rows;
    o->cols = cols;
    o->ld = cols + gc->pad[which];
    o->span = (rows - 1) * o->ld + cols;
    o->stride = gc->shared[which] ? 0 : o->span + gc->gap[which];
    o->off = gc->off[which];
    o->total = o->off + (batch - 1) * o->stride + o->span + TAIL;
    o->host = harness_alloc(o->total * sizeof(float));
    harness_random(o->host, o->total, seed, -1.0f, 1.0f);
    if (nan_fill)
        for (size_t i = 0; i < o->total; i++) o->host[i] = NAN;
    o->buf = harness_upload(o->host, o->total * sizeof(float));
}

static double max_abs(const float *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) m = fmax(m, fabs((double)x[i]));
    return m;
}

static clnn_status run_device(const gemm_case *gc, const operand *a, const operand *b,
                              const operand *c)
{
    if (gc->tiled)
        return clnn_gemm_strided_batched_tiled(
            harness_ctx(), gc->ta, gc->tb, gc->m, gc->n, gc->k, gc->alpha, a->buf, a->off * 4,
            a->ld, a->stride, b->buf, b->off * 4, b->ld, b->stride, gc->beta, c->buf,
            c->off * 4, c->ld, c->stride, gc->batch);
    if (gc->batch == 0)
        return clnn_gemm(harness_ctx(), gc->ta, gc->tb, gc->m, gc->n, gc->k, gc->alpha,
                         a->buf, a->off * 4, a->ld, b->buf, b->off * 4, b->ld, gc->beta,
                         c->buf, c->off * 4, c->ld);
    return clnn_gemm_strided_batched(harness_ctx(), gc->ta, gc->tb, gc->m, gc->n, gc->k,
                                     gc->alpha, a->buf, a->off * 4, a->ld, a->stride, b->buf,
                                     b->off * 4, b->ld, b->stride, gc->beta, c->buf,
                                     c->off * 4, c->ld, c->stride, gc->batch);
}

void gemm_check_case(const gemm_case *gc, uint32_t seed)
{
    size_t batch = gc->batch ? gc->batch : 1, m = gc->m, n = gc->n, k = gc->k;
    operand a, b, c;
    operand_init(&a, gc->ta == CLNN_TRANS ? k : m, gc->ta == CLNN_TRANS ? m : k, gc, 0, seed, 0);
    operand_init(&b, gc->tb == CLNN_TRANS ? n : k, gc->tb == CLNN_TRANS ? k : n, gc, 1,
                 seed + 1, 0);
    operand_init(&c, m, n, gc, 2, seed + 2, gc->beta == 0.0f);

    harness_expect_ok(run_device(gc, &a, &b, &c));
    float *got = harness_alloc(c.total * sizeof(float));
    harness_download(c.buf, 0, got, c.total * sizeof(float));

    double *want = harness_alloc(batch * m * n * sizeof(double));
    float *got_dense = harness_alloc(batch * m * n * sizeof(float));
    for (size_t i = 0; i < batch; i++) {
        size_t c0 = c.off + i * c.stride;
        ref_gemm(gc->ta, gc->tb, m, n, k, gc->alpha, a.host + a.off + i * a.stride, a.ld,
                 b.host + b.off + i * b.stride, b.ld, gc->beta, c.host + c0, c.ld,
                 want + i * m * n);
        for (size_t r = 0; r < m; r++) {
            memcpy(got_dense + (i * m + r) * n, got + c0 + r * c.ld, n * sizeof(float));
            /* Put the original back, so what remains must equal c.host exactly. */
            memcpy(got + c0 + r * c.ld, c.host + c0 + r * c.ld, n * sizeof(float));
        }
    }
    for (size_t i = 0; i < c.total; i++)
        ck_assert_msg(memcmp(&got[i], &c.host[i], sizeof(float)) == 0,
                      "gemm %zux%zux%zu: element %zu of C's buffer outside the result was "
                      "changed (%.9g -> %.9g)", m, n, k, i, c.host[i], got[i]);

    /* Tolerance. Each result is a K-term fp32 dot product, summed by CLBlast in
     * per-work-item accumulators (sequentially along K within a thread; the tiled
     * kernel likewise, or in 16 lanes then a tree in its dot-product form). With
     * zero-mean data the partial sums grow like sqrt(p), so the accumulated rounding
     * error grows like K (not sqrt(K)): measured worst |err| on PoCL is 0.6 to 0.85
     * u * K * max|a| * max|b| (u = 2^-24, K = 93..1000). The worst-case bound is
     * u * K^2 * max|a| * max|b|; we allow 3 * u * K * |alpha| * max|a| * max|b|
     * (3.5x the measured worst), plus 4 u * |beta| * max|C| for beta * C. rtol 1e-6
     * (17 u) covers the rounding of alpha * sum and of large results. */
    double mab = max_abs(a.host, a.total) * max_abs(b.host, b.total);
    double atol = 3 * U * (double)k * fabs(gc->alpha) * mab +
                  4 * U * fabs(gc->beta) * max_abs(c.host, c.total);
    char what[160];
    snprintf(what, sizeof what, "gemm %s%s m=%zu n=%zu k=%zu alpha=%g beta=%g batch=%zu",
             gc->ta == CLNN_TRANS ? "T" : "N", gc->tb == CLNN_TRANS ? "T" : "N", m, n, k,
             gc->alpha, gc->beta, gc->batch);
    harness_expect_close(got_dense, want, batch * m * n, 1e-6, atol, what);
}

void gemm_check_transposes(gemm_case base, uint32_t seed)
{
    for (int t = 0; t < 4; t++) {
        base.ta = (t & 1) ? CLNN_TRANS : CLNN_NO_TRANS;
        base.tb = (t & 2) ? CLNN_TRANS : CLNN_NO_TRANS;
        gemm_check_case(&base, seed + 10u * (uint32_t)t);
    }
}

