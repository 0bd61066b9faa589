/* Fused (flash-style) scaled dot-product attention: host side of
 * cl/attention_flash.cl. Forward: one kernel (O and the row log-sum-exp).
 * Backward: per query-row block dQ and delta, then per key-row block dK and dV,
 * so every output element has one writer and no float atomics are needed. */
#include "attention_flash.h"

#include "../core/check.h"
#include "../core/program.h"

#include <math.h>
#include <stdio.h>

/* Head sizes the private row arrays of the kernels allow. */
#define FLASH_MAX_HEAD 256
/* Rows per work-group and the largest tile: a CPU core runs a group, the
 * compiler vectorises across its 64 items; 64-row tiles of K and V (D 64: 32
 * KiB) stay in the core's L2. */
#define FLASH_ROWS 64u
#define FLASH_TILE 32u
#define FLASH_VW 4u

int attn_flash_plan_for(clnn_context_t ctx, const attn_shape *s, attn_flash_plan *plan,
                        const char **why)
{
    if (s->D > FLASH_MAX_HEAD || s->Dv > FLASH_MAX_HEAD) {
        *why = "D and Dv must be at most 256";
        return 0;
    }
    unsigned r = FLASH_ROWS, c = FLASH_TILE;
    while (r > 1 && r > ctx->info.max_work_group_size) r /= 2;
    /* rows as float4 where the device prefers vectors (PoCL CPU: 1.7x faster
     * than scalar rows at D 64), else scalar (GPUs with scalar lanes, oclgrind) */
    unsigned vw = ctx->info.preferred_float_vector_width >= 4 ? 4 : 1;
    size_t dpad = (s->D + vw - 1) / vw * vw, dvpad = (s->Dv + vw - 1) / vw * vw;
    /* dK/dV's tiles (Q, dO, LSE, delta) are the largest: C * (D + Dv + 2) floats */
    uint64_t row_bytes = (uint64_t)(dpad + dvpad + 2) * sizeof(float);
    while (c > 1 && c * row_bytes > ctx->info.local_mem_bytes) c /= 2;
    if (c * row_bytes > ctx->info.local_mem_bytes) {
        *why = "one row of each tile does not fit the device's local memory";
        return 0;
    }
    plan->R = r;
    plan->C = c;
    plan->VW = vw;
    return 1;
}

size_t attn_flash_workspace(const attn_shape *s)
{
    return 2 * s->N * s->H * s->Tq * sizeof(float);
}

/* Kernel arguments after the kernel's own: masks, sizes, scale, dropout. */
typedef struct flash_tail {
    cl_mem mask, kpm;
    cl_ulong mo, msn, msh, kpo, doff;
    cl_uint H, Tq, Tk, key_lo, key_hi, threshold;
    cl_float scale, dscale;
} flash_tail;

static void tail_init(flash_tail *t, const attn_shape *s, const attn_inputs *in, cl_mem ws)
{
    t->mask = in->mask ? in->mask : ws;
    t->kpm = in->kpm ? in->kpm : ws;
    t->mo = in->mo / 4;
    t->msn = in->mask_strides[0];
    t->msh = in->mask_strides[1];
    t->kpo = in->kpo / 4;
    t->doff = s->offset;
    t->H = (cl_uint)s->H;
    t->Tq = (cl_uint)s->Tq;
    t->Tk = (cl_uint)s->Tk;
    t->key_lo = (cl_uint)s->seed;
    t->key_hi = (cl_uint)(s->seed >> 32);
    t->threshold = (cl_uint)ceil((double)s->ratio * 16777216.0);
    t->scale = s->scale;
    t->dscale = (cl_float)(1.0 / (1.0 - (double)s->ratio));
}

/* Sets `n` leading arguments, then the tail, and enqueues a 2-D range: rows
 * (rounded up to R) by the N * H heads, work-groups of R x 1. */
static clnn_status flash_run(clnn_context_t ctx, const attn_shape *s, const attn_inputs *in,
                             const attn_flash_plan *p, const char *name,
                             const clnn_kernel_arg *head, size_t n, const flash_tail *t,
                             size_t rows)
{
    char options[160];
    snprintf(options, sizeof options,
             "-DD=%zu -DDV=%zu -DVW=%u -DR=%u -DC=%u -DADD_MASK=%d -DKPM=%d -DCAUSAL=%d "
             "-DDROP=%d",
             s->D, s->Dv, p->VW, p->R, p->C, in->mask != NULL, in->kpm != NULL, s->causal,
             s->ratio > 0.0f);
    cl_kernel k;
    clnn_status st = clnn_kernel_get(ctx, "attention_flash.cl", options, name, &k);
    if (st != CLNN_SUCCESS) return st;
    clnn_kernel_arg args[32];
    for (size_t i = 0; i < n; i++) args[i] = head[i];
    const clnn_kernel_arg tail[] = {
        CLNN_ARG(t->mask),   CLNN_ARG(t->mo),        CLNN_ARG(t->msn),   CLNN_ARG(t->msh),
        CLNN_ARG(t->kpm),    CLNN_ARG(t->kpo),       CLNN_ARG(t->doff),  CLNN_ARG(t->H),
        CLNN_ARG(t->Tq),     CLNN_ARG(t->Tk),        CLNN_ARG(t->scale), CLNN_ARG(t->key_lo),
        CLNN_ARG(t->key_hi), CLNN_ARG(t->threshold), CLNN_ARG(t->dscale)};
    size_t nt = sizeof tail / sizeof tail[0];
    for (size_t i = 0; i < nt; i++) args[n + i] = tail[i];
    st = clnn_set_kernel_args(k, args, n + nt);
    if (st != CLNN_SUCCESS) return st;
    size_t global[2] = {(rows + p->R - 1) / p->R * p->R, s->N * s->H}, local[2] = {p->R, 1};
    return clnn_enqueue_nd(ctx, k, 2, global, local);
}

/* The plan, or CLNN_NOT_SUPPORTED (callers have chosen FUSED only where it runs). */
static clnn_status plan_or_fail(clnn_context_t ctx, const attn_shape *s, attn_flash_plan *p)
{
    const char *why = "";
    if (attn_flash_plan_for(ctx, s, p, &why)) return CLNN_SUCCESS;
    return clnn_fail(CLNN_NOT_SUPPORTED, "fused attention: %s", why);
}

clnn_status attn_flash_forward(clnn_context_t ctx, const attn_shape *s, const attn_inputs *in,
                               cl_mem o, size_t o_offset, cl_mem ws)
{
    attn_flash_plan p;
    clnn_status st = plan_or_fail(ctx, s, &p);
    if (st != CLNN_SUCCESS) return st;
    flash_tail t;
    tail_init(&t, s, in, ws);
    cl_ulong qo = in->qo / 4, ko = in->ko / 4, vo = in->vo / 4, oo = o_offset / 4, lo = 0;
    const clnn_kernel_arg head[] = {CLNN_ARG(in->q), CLNN_ARG(qo), CLNN_ARG(in->k), CLNN_ARG(ko),
                                    CLNN_ARG(in->v), CLNN_ARG(vo), CLNN_ARG(o),     CLNN_ARG(oo),
                                    CLNN_ARG(ws),    CLNN_ARG(lo)};
    return flash_run(ctx, s, in, &p, "flash_forward", head, sizeof head / sizeof head[0], &t,
                     s->Tq);
}

clnn_status attn_flash_backward(clnn_context_t ctx, const attn_shape *s, const attn_inputs *in,
                                cl_mem d_o, size_t do_offset, const cl_mem grads[3],
                                const size_t goffs[3], cl_mem ws)
{
    attn_flash_plan p;
    clnn_status st = plan_or_fail(ctx, s, &p);
    if (st != CLNN_SUCCESS) return st;
    flash_tail t;
    tail_init(&t, s, in, ws);
    /* the workspace: LSE [N H Tq] from the forward, then delta [N H Tq] */
    cl_ulong qo = in->qo / 4, ko = in->ko / 4, vo = in->vo / 4, doo = do_offset / 4, lo = 0,
             dlo = s->N * s->H * s->Tq, dqo = goffs[0] / 4, dko = goffs[1] / 4,
             dvo = goffs[2] / 4;
    /* both kernels take Q, K, V, dO, LSE and delta, then their outputs */
    clnn_kernel_arg args[16] = {
        CLNN_ARG(in->q), CLNN_ARG(qo),  CLNN_ARG(in->k), CLNN_ARG(ko),       CLNN_ARG(in->v),
        CLNN_ARG(vo),    CLNN_ARG(d_o), CLNN_ARG(doo),   CLNN_ARG(ws),       CLNN_ARG(lo),
        CLNN_ARG(ws),    CLNN_ARG(dlo), CLNN_ARG(grads[0]), CLNN_ARG(dqo)};
    st = flash_run(ctx, s, in, &p, "flash_backward_dq", args, 14, &t, s->Tq);
    if (st != CLNN_SUCCESS) return st;
    args[12] = CLNN_ARG(grads[1]);
    args[13] = CLNN_ARG(dko);
    args[14] = CLNN_ARG(grads[2]);
    args[15] = CLNN_ARG(dvo);
    return flash_run(ctx, s, in, &p, "flash_backward_dkdv", args, 16, &t, s->Tk);
}
