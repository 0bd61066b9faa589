/* Validation and workspace layout of multi-head attention (mha_internal.h). */
#include "mha_internal.h"
#include "../core/check.h"

#include <math.h>
#include <stdio.h>

clnn_tensor_desc mha_desc(size_t a, size_t b, size_t c, size_t d)
{
    size_t v[4] = {a, b, c, d};
    clnn_tensor_desc t;
    t.dtype = CLNN_FLOAT32;
    t.rank = 0;
    for (int i = 0; i < CLNN_MAX_RANK; i++) t.dims[i] = 1;
    for (int i = 0; i < 4 && v[i]; i++) t.dims[t.rank++] = (int64_t)v[i];
    return t;
}

static size_t max2(size_t a, size_t b) { return a > b ? a : b; }

static clnn_status need_rank3(const char *fn, const clnn_tensor_desc *d, const char *name)
{
    if (d->rank == 3) return CLNN_SUCCESS;
    char s[128];
    clnn_format_shape(d, s, sizeof s);
    return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has shape %s (must be rank 3: [N, T, E])", fn,
                     name, s);
}

clnn_status mha_shape_of(const char *fn, const clnn_mha_desc *mha, const clnn_tensor_desc *qd,
                         const clnn_tensor_desc *kd, mha_shape *s)
{
    if (!mha) return clnn_fail(CLNN_NULL_POINTER, "%s: mha is NULL", fn);
    if (mha->num_heads < 1 || mha->key_dim < 1 || mha->value_dim < 0)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: num_heads %d, key_dim %d, value_dim %d (must be >= 1; value_dim "
                         "0: key_dim)",
                         fn, mha->num_heads, mha->key_dim, mha->value_dim);
    clnn_status st = need_rank3(fn, qd, "query");
    if (st == CLNN_SUCCESS) st = need_rank3(fn, kd, "key");
    if (st != CLNN_SUCCESS) return st;
    if (qd->dims[0] != kd->dims[0] || qd->dims[2] != kd->dims[2]) {
        char a[128], b[128];
        clnn_format_shape(qd, a, sizeof a);
        clnn_format_shape(kd, b, sizeof b);
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: query %s and key %s differ in N or E", fn, a, b);
    }
    s->N = (size_t)qd->dims[0], s->Tq = (size_t)qd->dims[1], s->Tk = (size_t)kd->dims[1];
    s->E = (size_t)qd->dims[2], s->H = (size_t)mha->num_heads, s->kd = (size_t)mha->key_dim;
    s->vd = mha->value_dim ? (size_t)mha->value_dim : s->kd;
    /* every region below is at most this many floats; 2^40 keeps all sums exact */
    double big = (double)s->N * (double)s->H *
                 (2.0 * (double)s->Tq * (double)s->Tk +
                  4.0 * (double)max2(s->Tq, s->Tk) * (double)max2(s->kd, s->vd));
    if (big > 1099511627776.0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the workspace would exceed 2^40 floats", fn);
    size_t NH = s->N * s->H, f = sizeof(float);
    s->att = 0;
    s->qh = 2 * NH * s->Tq * s->Tk * f;
    s->kh = s->qh + NH * s->Tq * s->kd * f;
    s->vh = s->kh + NH * s->Tk * s->kd * f;
    s->merged = s->vh + NH * s->Tk * s->vd * f;
    s->rows = s->merged + NH * s->Tq * s->vd * f;
    /* row-layout scratch: one projection or its gradient at a time */
    s->heads = s->rows + NH * max2(s->Tq, s->Tk) * max2(s->kd, s->vd) * f;
    /* head-layout scratch: dO, dQ, dK, dV of the backward (O in the forward) */
    s->total = s->heads + NH * (s->Tq + s->Tk) * (s->kd + s->vd) * f;
    return CLNN_SUCCESS;
}

clnn_status clnn_mha_workspace_size(const clnn_mha_desc *mha, const clnn_tensor_desc *query_desc,
                                    const clnn_tensor_desc *key_desc, size_t *bytes)
{
    static const char fn[] = "clnn_mha_workspace_size";
    mha_shape s;
    clnn_status st = clnn_check_desc(query_desc, CLNN_FLOAT32, fn, "query");
    if (st == CLNN_SUCCESS) st = clnn_check_desc(key_desc, CLNN_FLOAT32, fn, "key");
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) st = mha_shape_of(fn, mha, query_desc, key_desc, &s);
    if (st == CLNN_SUCCESS) *bytes = s.total;
    return st;
}

/* A mask's shape: the additive one [Tq, Tk] or [1|N, 1|H, Tq, Tk]; the key
 * padding one [N, Tk]. */
static int mask_fits(const mha_shape *s, const clnn_tensor_desc *d, int padding)
{
    const int64_t *x = d->dims;
    if (padding) return d->rank == 2 && (size_t)x[0] == s->N && (size_t)x[1] == s->Tk;
    if (d->rank != 2 && d->rank != 4) return 0;
    if ((size_t)x[d->rank - 2] != s->Tq || (size_t)x[d->rank - 1] != s->Tk) return 0;
    return d->rank == 2 ||
           ((x[0] == 1 || (size_t)x[0] == s->N) && (x[1] == 1 || (size_t)x[1] == s->H));
}

static clnn_status check_mask(clnn_context_t ctx, const char *fn, const mha_shape *s,
                              const clnn_tensor_desc *d, cl_mem m, size_t off, int padding)
{
    const char *name = padding ? "key_padding" : "mask";
    if (!m) return CLNN_SUCCESS;
    clnn_status st =
        clnn_check_operand(ctx, d, padding ? CLNN_INT32 : CLNN_FLOAT32, m, off, fn, name, NULL);
    if (st != CLNN_SUCCESS || mask_fits(s, d, padding)) return st;
    char sh[128];
    clnn_format_shape(d, sh, sizeof sh);
    return clnn_fail(CLNN_SHAPE_MISMATCH,
                     "%s: %s has shape %s (N %zu, H %zu, Tq %zu, Tk %zu; see clnn/attention.h)", fn,
                     name, sh, s->N, s->H, s->Tq, s->Tk);
}

/* Weight i's element count, and its bias's. */
static void weight_sizes(const mha_shape *s, int i, size_t *w, size_t *b)
{
    size_t in = i == CLNN_MHA_O ? s->H * s->vd : s->E;
    *b = i == CLNN_MHA_O ? s->E : s->H * (i == CLNN_MHA_V ? s->vd : s->kd);
    *w = in * *b;
}

/* The weights (or their gradients): w required, b optional. */
static clnn_status check_weights(clnn_context_t ctx, const char *fn, const mha_shape *s,
                                 const clnn_mha_weights *w, const char *prefix)
{
    static const char *const names[4] = {"q", "k", "v", "o"};
    if (!w) return clnn_fail(CLNN_NULL_POINTER, "%s: %ss is NULL", fn, prefix);
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; i < 4 && st == CLNN_SUCCESS; i++) {
        char name[16];
        size_t nw, nb;
        weight_sizes(s, i, &nw, &nb);
        snprintf(name, sizeof name, "%s[%s]", prefix, names[i]);
        st = clnn_check_buffer(ctx, w->w[i], w->w_offset[i], nw * 4, 4, fn, name);
        if (st == CLNN_SUCCESS && w->b[i]) {
            snprintf(name, sizeof name, "%s_b[%s]", prefix, names[i]);
            st = clnn_check_buffer(ctx, w->b[i], w->b_offset[i], nb * 4, 4, fn, name);
        }
    }
    return st;
}

/* attn's values, as clnn_attention_forward will check them. */
static clnn_status check_attn(const char *fn, const clnn_attention_desc *a)
{
    if (!(a->scale >= 0.0f) || isinf(a->scale))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: attn.scale is %g (must be finite, >= 0)", fn,
                         (double)a->scale);
    if (!(a->dropout_ratio >= 0.0f && a->dropout_ratio < 1.0f))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: attn.dropout_ratio is %g (must be in [0, 1))", fn,
                         (double)a->dropout_ratio);
    return CLNN_SUCCESS;
}

clnn_status mha_check(clnn_context_t ctx, const char *fn, const clnn_mha_desc *mha,
                      const clnn_tensor_desc *const descs[3], const cl_mem bufs[3],
                      const size_t offs[3], const clnn_mha_weights *w, const clnn_tensor_desc *md,
                      cl_mem mask, size_t moff, const clnn_tensor_desc *kpd, cl_mem kpm,
                      size_t kpoff, cl_mem ws, size_t ws_size, mha_shape *s)
{
    static const char *const names[3] = {"query", "key", "value"};
    clnn_status st = clnn_context_check(ctx, fn);
    for (int i = 0; i < 3 && st == CLNN_SUCCESS; i++)
        st = clnn_check_operand(ctx, descs[i], CLNN_FLOAT32, bufs[i], offs[i], fn, names[i], NULL);
    if (st == CLNN_SUCCESS) st = mha_shape_of(fn, mha, descs[0], descs[1], s);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(descs[1], descs[2], fn, "key", "value");
    if (st == CLNN_SUCCESS) st = check_attn(fn, &mha->attn);
    if (st == CLNN_SUCCESS) st = check_weights(ctx, fn, s, w, "weights");
    if (st == CLNN_SUCCESS) st = check_mask(ctx, fn, s, md, mask, moff, 0);
    if (st == CLNN_SUCCESS) st = check_mask(ctx, fn, s, kpd, kpm, kpoff, 1);
    if (st != CLNN_SUCCESS) return st;
    if (!ws) return clnn_fail(CLNN_NULL_POINTER, "%s: workspace is NULL", fn);
    if (ws_size < s->total)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE,
                         "%s: workspace_size is %zu bytes, %zu needed (see "
                         "clnn_mha_workspace_size)",
                         fn, ws_size, s->total);
    return clnn_check_buffer(ctx, ws, 0, s->total, 4, fn, "workspace");
}

clnn_status mha_check_grads(clnn_context_t ctx, const char *fn, const mha_shape *s,
                            const clnn_tensor_desc *dyd, cl_mem dy, size_t dyoff,
                            const cl_mem dx[3], const size_t dxoff[3], const clnn_mha_weights *g)
{
    static const char *const names[3] = {"dquery", "dkey", "dvalue"};
    clnn_status st = clnn_check_operand(ctx, dyd, CLNN_FLOAT32, dy, dyoff, fn, "dy", NULL);
    if (st != CLNN_SUCCESS) return st;
    if (dyd->rank != 3 || (size_t)dyd->dims[0] != s->N || (size_t)dyd->dims[1] != s->Tq ||
        (size_t)dyd->dims[2] != s->E) {
        char sh[128];
        clnn_format_shape(dyd, sh, sizeof sh);
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: dy has shape %s, expected [%zu, %zu, %zu]", fn,
                         sh, s->N, s->Tq, s->E);
    }
    for (int i = 0; i < 3; i++) {
        size_t T = i == 0 ? s->Tq : s->Tk;
        if (!dx[i]) continue;
        st = clnn_check_buffer(ctx, dx[i], dxoff[i], s->N * T * s->E * 4, 4, fn, names[i]);
        if (st != CLNN_SUCCESS) return st;
        for (int j = 0; j < i; j++)
            if (dx[j] == dx[i] && dxoff[j] == dxoff[i] && s->Tq != s->Tk)
                return clnn_fail(CLNN_SHAPE_MISMATCH,
                                 "%s: %s aliases %s but Tq %zu != Tk %zu (accumulation needs "
                                 "equal shapes)",
                                 fn, names[i], names[j], s->Tq, s->Tk);
    }
    return check_weights(ctx, fn, s, g, "grads");
}
