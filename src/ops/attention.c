/* Scaled dot-product attention: validation, the choice of algorithm, and the
 * unfused path: batched GEMMs through CLBlast, masks (cl/attention.cl),
 * clnn_softmax_* and clnn_dropout_* on the scores held in the workspace. The
 * fused path is in attention_flash.c. */
#include "attention_flash.h"

#include "../core/check.h"
#include "../core/gemm_batched.h"
#include "../core/program.h"

#include <clnn/attention.h>
#include <clnn/dropout.h>
#include <clnn/gemm.h>
#include <clnn/gemm_batched.h>
#include <clnn/softmax.h>
#include <clnn/tensor_ops.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

static void format2(const clnn_tensor_desc *a, const clnn_tensor_desc *b, char *sa, char *sb)
{
    clnn_format_shape(a, sa, 128);
    clnn_format_shape(b, sb, 128);
}

static clnn_status check_rank4(const char *fn, const clnn_tensor_desc *d, const char *name)
{
    if (d->rank == 4) return CLNN_SUCCESS;
    char s[128];
    clnn_format_shape(d, s, sizeof s);
    return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has shape %s (must be rank 4: [N, H, T, D])", fn,
                     name, s);
}

/* dims[i] of a equal those of b for each i set in `which` (bit i). */
static clnn_status check_dims(const char *fn, const clnn_tensor_desc *a, const char *na,
                              const clnn_tensor_desc *b, const char *nb, unsigned which,
                              const char *what)
{
    for (int i = 0; i < 4; i++)
        if ((which >> i & 1) && a->dims[i] != b->dims[i]) {
            char sa[128], sb[128];
            format2(a, b, sa, sb);
            return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s %s and %s %s differ in %s", fn, na, sa,
                             nb, sb, what);
        }
    return CLNN_SUCCESS;
}

/* The shapes of Q, K, V (descriptors only). */
static clnn_status shape_qkv(const char *fn, const clnn_tensor_desc *q, const clnn_tensor_desc *k,
                             const clnn_tensor_desc *v, attn_shape *s)
{
    clnn_status st = check_rank4(fn, q, "q");
    if (st == CLNN_SUCCESS) st = check_rank4(fn, k, "k");
    if (st == CLNN_SUCCESS) st = check_dims(fn, q, "q", k, "k", 0x3, "N or H");
    if (st == CLNN_SUCCESS) st = check_dims(fn, q, "q", k, "k", 0x8, "D");
    if (st == CLNN_SUCCESS && v) st = check_rank4(fn, v, "v");
    if (st == CLNN_SUCCESS && v) st = check_dims(fn, k, "k", v, "v", 0x7, "N, H or Tk");
    if (st != CLNN_SUCCESS) return st;
    s->N = (size_t)q->dims[0];
    s->H = (size_t)q->dims[1];
    s->Tq = (size_t)q->dims[2];
    s->Tk = (size_t)k->dims[2];
    s->D = (size_t)q->dims[3];
    s->Dv = v ? (size_t)v->dims[3] : 0;
    s->scores = s->N * s->H * s->Tq;
    if (s->scores > SIZE_MAX / 8 / s->Tk)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the scores N*H*Tq*Tk overflow", fn);
    s->scores *= s->Tk;
    return CLNN_SUCCESS;
}

clnn_status clnn_attention_workspace_size(const clnn_tensor_desc *q_desc,
                                          const clnn_tensor_desc *k_desc, size_t *bytes)
{
    static const char fn[] = "clnn_attention_workspace_size";
    attn_shape s;
    clnn_status st = clnn_check_desc(q_desc, CLNN_FLOAT32, fn, "q");
    if (st == CLNN_SUCCESS) st = clnn_check_desc(k_desc, CLNN_FLOAT32, fn, "k");
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) st = shape_qkv(fn, q_desc, k_desc, NULL, &s);
    if (st == CLNN_SUCCESS) *bytes = s.scores * 2 * sizeof(float);
    return st;
}

/* AUTO's rule. Where the unfused T x T workspace would not fit (over the
 * device's largest buffer or a quarter of its memory): FUSED. Otherwise:
 * - Devices with emulated local memory (CPUs), where the unfused GEMMs run
 *   clnn_gemm_strided_batched_tiled: UNFUSED. PoCL, 2-core Xeon (AVX-512),
 *   N 8, H 8, D 64, medians of 7 alternating runs under heavy load (load
 *   average ~16, so absolute times are 5-10x a quiet machine's), unfused vs
 *   fused, ms: forward T 64: 7.6-9.1 vs 20-25; T 128: 21-34 vs 82-100;
 *   T 256: 89-108 vs 349-375; fwd + bwd T 64: 13-16 vs 101-105; T 128: 54-78
 *   vs 351-424; T 256: 263-307 vs 1445-1466.
 * - Other devices (GPUs, not measured): FUSED for short keys (Tk <= 128),
 *   where one pass saves the GEMM and softmax launches, as before the CPU
 *   kernel existed (its PoCL measurements then: forward T 64 5.7 vs 9.2 ms,
 *   T 128 16-20 vs 38-41). */
static int auto_prefers_fused(clnn_context_t ctx, const attn_shape *s)
{
    double unfused = (double)s->scores * 2.0 * sizeof(float);
    if (unfused > (double)ctx->info.max_alloc_bytes ||
        unfused > (double)ctx->info.global_mem_bytes / 4.0)
        return 1;
    return ctx->info.local_mem_is_real && s->Tk <= 128;
}

static clnn_status algo_from_env(const char *fn, clnn_attention_algo *algo)
{
    const char *text = clnn_env_get()->attention_algo;
    *algo = CLNN_ATTENTION_AUTO;
    if (!text || !*text || strcmp(text, "auto") == 0) return CLNN_SUCCESS;
    if (strcmp(text, "unfused") == 0) *algo = CLNN_ATTENTION_UNFUSED;
    else if (strcmp(text, "fused") == 0) *algo = CLNN_ATTENTION_FUSED;
    else
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: CLNN_ATTENTION_ALGO is \"%s\" (must be auto, unfused or fused)", fn,
                         text);
    return CLNN_SUCCESS;
}

/* The descriptor's values into s, and the algorithm: the descriptor's, else
 * CLNN_ATTENTION_ALGO's, else AUTO's rule (UNFUSED where FUSED cannot run). */
static clnn_status attn_values(clnn_context_t ctx, const char *fn, const clnn_attention_desc *a,
                               attn_shape *s)
{
    static const clnn_attention_desc def;
    if (!a) a = &def;
    if (!(a->scale >= 0.0f) || isinf(a->scale))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: scale is %g (must be finite, >= 0; 0: default)",
                         fn, (double)a->scale);
    if (!(a->dropout_ratio >= 0.0f && a->dropout_ratio < 1.0f))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: dropout_ratio is %g (must be in [0, 1))", fn,
                         (double)a->dropout_ratio);
    if ((int)a->algo < CLNN_ATTENTION_AUTO || (int)a->algo > CLNN_ATTENTION_FUSED)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: algo is %d (must be AUTO 0, UNFUSED 1 or FUSED 2)", fn,
                         (int)a->algo);
    s->scale = a->scale > 0.0f ? a->scale : 1.0f / sqrtf((float)s->D);
    s->ratio = a->dropout_ratio;
    s->seed = a->dropout_seed;
    s->offset = a->dropout_offset;
    s->causal = a->causal != 0;
    clnn_attention_algo env;
    clnn_status st = algo_from_env(fn, &env);
    if (st != CLNN_SUCCESS) return st;
    s->algo = a->algo != CLNN_ATTENTION_AUTO ? a->algo : env;
    attn_flash_plan plan;
    const char *why = "";
    int can = attn_flash_plan_for(ctx, s, &plan, &why);
    if (s->algo == CLNN_ATTENTION_FUSED && !can)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: algo FUSED cannot run D %zu, Dv %zu here: %s",
                         fn, s->D, s->Dv, why);
    if (s->algo == CLNN_ATTENTION_AUTO)
        s->algo = can && auto_prefers_fused(ctx, s) ? CLNN_ATTENTION_FUSED
                                                    : CLNN_ATTENTION_UNFUSED;
    return CLNN_SUCCESS;
}

static size_t workspace_need(const attn_shape *s)
{
    if (s->algo == CLNN_ATTENTION_FUSED) return attn_flash_workspace(s);
    return s->scores * 2 * sizeof(float);
}

clnn_status clnn_attention_workspace_size_for(clnn_context_t ctx, const clnn_attention_desc *attn,
                                              const clnn_tensor_desc *q_desc,
                                              const clnn_tensor_desc *k_desc,
                                              const clnn_tensor_desc *v_desc, size_t *bytes,
                                              clnn_attention_algo *algo)
{
    static const char fn[] = "clnn_attention_workspace_size_for";
    attn_shape s;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(q_desc, CLNN_FLOAT32, fn, "q");
    if (st == CLNN_SUCCESS) st = clnn_check_desc(k_desc, CLNN_FLOAT32, fn, "k");
    if (st == CLNN_SUCCESS) st = clnn_check_desc(v_desc, CLNN_FLOAT32, fn, "v");
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) st = shape_qkv(fn, q_desc, k_desc, v_desc, &s);
    if (st == CLNN_SUCCESS) st = attn_values(ctx, fn, attn, &s);
    if (st != CLNN_SUCCESS) return st;
    *bytes = workspace_need(&s);
    if (algo) *algo = s.algo;
    return CLNN_SUCCESS;
}

/* Q, K, V operands, the descriptor's values, and the workspace. */
static clnn_status check_common(clnn_context_t ctx, const char *fn, const clnn_attention_desc *a,
                                const clnn_tensor_desc *const descs[3], const cl_mem bufs[3],
                                const size_t offs[3], cl_mem ws, size_t ws_size, attn_shape *s)
{
    static const char *const names[3] = {"q", "k", "v"};
    clnn_status st = clnn_context_check(ctx, fn);
    for (int i = 0; i < 3 && st == CLNN_SUCCESS; i++)
        st = clnn_check_operand(ctx, descs[i], CLNN_FLOAT32, bufs[i], offs[i], fn, names[i], NULL);
    if (st == CLNN_SUCCESS) st = shape_qkv(fn, descs[0], descs[1], descs[2], s);
    if (st == CLNN_SUCCESS) st = attn_values(ctx, fn, a, s);
    if (st != CLNN_SUCCESS) return st;
    size_t need = workspace_need(s);
    if (!ws) return clnn_fail(CLNN_NULL_POINTER, "%s: workspace is NULL", fn);
    if (ws_size < need)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE,
                         "%s: workspace_size is %zu bytes, %zu needed (see "
                         "clnn_attention_workspace_size_for)",
                         fn, ws_size, need);
    return clnn_check_buffer(ctx, ws, 0, need, 4, fn, "workspace");
}

/* An output (or gradient) operand with exactly the dims `want`. */
static clnn_status check_shaped(clnn_context_t ctx, const char *fn, const clnn_tensor_desc *d,
                                cl_mem buf, size_t off, const char *name, const size_t want[4])
{
    clnn_status st = clnn_check_operand(ctx, d, CLNN_FLOAT32, buf, off, fn, name, NULL);
    if (st != CLNN_SUCCESS) return st;
    int ok = d->rank == 4;
    for (int i = 0; ok && i < 4; i++) ok = (size_t)d->dims[i] == want[i];
    if (ok) return CLNN_SUCCESS;
    char s[128];
    clnn_format_shape(d, s, sizeof s);
    return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has shape %s, expected [%zu, %zu, %zu, %zu]", fn,
                     name, s, want[0], want[1], want[2], want[3]);
}

/* The optional masks; fills the element strides of the additive mask. */
static clnn_status check_masks(clnn_context_t ctx, const char *fn, const attn_shape *s,
                               const clnn_tensor_desc *md, cl_mem mask, size_t moff,
                               const clnn_tensor_desc *kd, cl_mem kpm, size_t koff,
                               cl_ulong strides[2])
{
    clnn_status st = CLNN_SUCCESS;
    char shape[128];
    if (mask) {
        st = clnn_check_operand(ctx, md, CLNN_FLOAT32, mask, moff, fn, "mask", NULL);
        if (st != CLNN_SUCCESS) return st;
        int r = md->rank;
        int ok = (r == 2 || r == 4) && (size_t)md->dims[r - 2] == s->Tq &&
                 (size_t)md->dims[r - 1] == s->Tk;
        if (ok && r == 4)
            ok = (md->dims[0] == 1 || (size_t)md->dims[0] == s->N) &&
                 (md->dims[1] == 1 || (size_t)md->dims[1] == s->H);
        if (!ok) {
            clnn_format_shape(md, shape, sizeof shape);
            return clnn_fail(CLNN_SHAPE_MISMATCH,
                             "%s: mask has shape %s; allowed: [%zu, %zu] or "
                             "[1|%zu, 1|%zu, %zu, %zu]",
                             fn, shape, s->Tq, s->Tk, s->N, s->H, s->Tq, s->Tk);
        }
        cl_ulong plane = (cl_ulong)(s->Tq * s->Tk);
        strides[1] = r == 4 && md->dims[1] > 1 ? plane : 0;
        strides[0] = r == 4 && md->dims[0] > 1 ? plane * (cl_ulong)md->dims[1] : 0;
    }
    if (kpm) {
        st = clnn_check_operand(ctx, kd, CLNN_INT32, kpm, koff, fn, "key_padding", NULL);
        if (st == CLNN_SUCCESS &&
            (kd->rank != 2 || (size_t)kd->dims[0] != s->N || (size_t)kd->dims[1] != s->Tk)) {
            clnn_format_shape(kd, shape, sizeof shape);
            st = clnn_fail(CLNN_SHAPE_MISMATCH, "%s: key_padding has shape %s, expected [%zu, %zu]",
                           fn, shape, s->N, s->Tk);
        }
    }
    return st;
}

static clnn_status apply_masks(clnn_context_t ctx, const attn_shape *s, cl_mem ws, cl_mem mask,
                               size_t moff, cl_mem kpm, size_t koff, const cl_ulong strides[2])
{
    if (!mask && !kpm && !s->causal) return CLNN_SUCCESS;
    char options[64];
    snprintf(options, sizeof options, "-DADD_MASK=%d -DKPM=%d -DCAUSAL=%d", mask != NULL,
             kpm != NULL, s->causal);
    cl_kernel k;
    clnn_status st = clnn_kernel_get(ctx, "attention.cl", options, "attention_mask", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_mem mb = mask ? mask : ws, kb = kpm ? kpm : ws;
    cl_ulong so = 0, mo = moff / 4, ko = koff / 4, H = s->H, Tq = s->Tq, Tk = s->Tk,
             total = s->scores;
    st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(so), CLNN_ARG(mb), CLNN_ARG(mo),
                       CLNN_ARG(strides[0]), CLNN_ARG(strides[1]), CLNN_ARG(kb), CLNN_ARG(ko),
                       CLNN_ARG(H), CLNN_ARG(Tq), CLNN_ARG(Tk), CLNN_ARG(total));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, s->scores) : st;
}

/* The scores as a [N * H * Tq, Tk] tensor for softmax and dropout. */
static clnn_tensor_desc scores_desc(const attn_shape *s)
{
    clnn_tensor_desc d = {CLNN_FLOAT32, 2, {(int64_t)(s->scores / s->Tk), (int64_t)s->Tk}};
    for (int i = 2; i < CLNN_MAX_RANK; i++) d.dims[i] = 1;
    return d;
}

/* Batched GEMM over the N * H heads: C_i = alpha op(A_i) op(B_i); leading
 * dimensions are the row lengths of the dense operands. */
static clnn_status heads_gemm(clnn_context_t ctx, const attn_shape *s, clnn_transpose ta,
                              clnn_transpose tb, size_t m, size_t n, size_t k, float alpha,
                              cl_mem a, size_t ao, size_t lda, size_t sa, cl_mem b, size_t bo,
                              size_t ldb, size_t sb, cl_mem c, size_t co, size_t ldc, size_t sc)
{
    size_t batch = s->N * s->H;
    /* CPUs: clnn's register-tiled kernel, 2.3-3.2x CLBlast's speed on these
     * GEMMs under PoCL (QK^T 256x256x64 x 64 heads: 41 vs 112 ms, P V: 26 vs
     * 75 ms, dS^T Q: 32 vs 50 ms, medians under heavy load); GPUs: CLBlast. */
    if (clnn_gemm_tiled_preferred(ctx, m, n, batch))
        return clnn_gemm_strided_batched_tiled(ctx, ta, tb, m, n, k, alpha, a, ao, lda, sa, b, bo,
                                               ldb, sb, 0.0f, c, co, ldc, sc, batch);
    return clnn_gemm_strided_batched(ctx, ta, tb, m, n, k, alpha, a, ao, lda, sa, b, bo, ldb, sb,
                                     0.0f, c, co, ldc, sc, batch);
}

/* S = scale Q K^T into the workspace's first half. On the tiled path (CPUs)
 * the kernel's outer-product form (B stored as read) runs about 3x faster than
 * its dot-product form (B transposed), so K^T is written to the second half
 * first: it fits when D <= Tq, and the second half is free until dropout
 * writes there after the softmax. PoCL, N8 H8 T256 D64: 9.5 -> 3.5 ms. */
static clnn_status scores_gemm(clnn_context_t ctx, const attn_shape *s, cl_mem q, size_t qo,
                               cl_mem k, size_t ko, cl_mem ws)
{
    size_t batch = s->N * s->H, plane = s->Tq * s->Tk;
    if (!clnn_gemm_tiled_preferred(ctx, s->Tq, s->Tk, batch) || s->D > s->Tq)
        return heads_gemm(ctx, s, CLNN_NO_TRANS, CLNN_TRANS, s->Tq, s->Tk, s->D, s->scale, q,
                          qo, s->D, s->Tq * s->D, k, ko, s->D, s->Tk * s->D, ws, 0, s->Tk,
                          plane);
    static const int perm[4] = {0, 1, 3, 2};
    size_t kt = s->scores * sizeof(float);
    clnn_tensor_desc kd = {CLNN_FLOAT32, 4, {(int64_t)s->N, (int64_t)s->H, (int64_t)s->Tk,
                                             (int64_t)s->D, 1, 1, 1, 1}};
    clnn_tensor_desc td = kd;
    td.dims[2] = (int64_t)s->D;
    td.dims[3] = (int64_t)s->Tk;
    clnn_status st = clnn_transpose_forward(ctx, perm, &kd, k, ko, &td, ws, kt);
    if (st != CLNN_SUCCESS) return st;
    return clnn_gemm_strided_batched_tiled(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, s->Tq, s->Tk, s->D,
                                           s->scale, q, qo, s->D, s->Tq * s->D, ws, kt, s->Tk,
                                           s->D * s->Tk, 0.0f, ws, 0, s->Tk, plane, batch);
}

/* The masks of a call, checked, with Q, K, V into `in`. */
static clnn_status gather_inputs(clnn_context_t ctx, const char *fn, const attn_shape *s,
                                 const cl_mem bufs[3], const size_t offs[3],
                                 const clnn_tensor_desc *md, cl_mem mask, size_t moff,
                                 const clnn_tensor_desc *kd, cl_mem kpm, size_t koff,
                                 attn_inputs *in)
{
    memset(in, 0, sizeof *in);
    in->q = bufs[0], in->k = bufs[1], in->v = bufs[2];
    in->qo = offs[0], in->ko = offs[1], in->vo = offs[2];
    in->mask = mask, in->mo = moff, in->kpm = kpm, in->kpo = koff;
    return check_masks(ctx, fn, s, md, mask, moff, kd, kpm, koff, in->mask_strides);
}

clnn_status clnn_attention_forward(
    clnn_context_t ctx, const clnn_attention_desc *attn, const clnn_tensor_desc *q_desc,
    cl_mem q, size_t q_offset, const clnn_tensor_desc *k_desc, cl_mem k, size_t k_offset,
    const clnn_tensor_desc *v_desc, cl_mem v, size_t v_offset, const clnn_tensor_desc *mask_desc,
    cl_mem mask, size_t mask_offset, const clnn_tensor_desc *key_padding_desc, cl_mem key_padding,
    size_t key_padding_offset, const clnn_tensor_desc *o_desc, cl_mem o, size_t o_offset,
    cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_attention_forward";
    attn_shape s;
    attn_inputs in;
    const clnn_tensor_desc *descs[3] = {q_desc, k_desc, v_desc};
    const cl_mem bufs[3] = {q, k, v};
    const size_t offs[3] = {q_offset, k_offset, v_offset};
    clnn_status st = check_common(ctx, fn, attn, descs, bufs, offs, workspace, workspace_size, &s);
    if (st == CLNN_SUCCESS) {
        const size_t want[4] = {s.N, s.H, s.Tq, s.Dv};
        st = check_shaped(ctx, fn, o_desc, o, o_offset, "o", want);
    }
    if (st == CLNN_SUCCESS)
        st = gather_inputs(ctx, fn, &s, bufs, offs, mask_desc, mask, mask_offset,
                           key_padding_desc, key_padding, key_padding_offset, &in);
    if (st != CLNN_SUCCESS) return st;
    if (s.algo == CLNN_ATTENTION_FUSED)
        return attn_flash_forward(ctx, &s, &in, o, o_offset, workspace);
    size_t plane = s.Tq * s.Tk, half = s.scores * sizeof(float);
    clnn_tensor_desc sd = scores_desc(&s);
    /* S = scale Q K^T into the first half, masks, P = softmax(S) in place */
    st = scores_gemm(ctx, &s, q, q_offset, k, k_offset, workspace);
    if (st == CLNN_SUCCESS)
        st = apply_masks(ctx, &s, workspace, mask, mask_offset, key_padding, key_padding_offset,
                         in.mask_strides);
    if (st == CLNN_SUCCESS)
        st = clnn_softmax_forward(ctx, CLNN_SOFTMAX, -1, &sd, workspace, 0, &sd, workspace, 0);
    /* dropout(P) goes to the second half, so P stays for backward */
    size_t p_used = 0;
    if (st == CLNN_SUCCESS && s.ratio > 0.0f) {
        st = clnn_dropout_forward(ctx, s.ratio, 1, s.seed, s.offset, &sd, workspace, 0, &sd,
                                  workspace, half, NULL, NULL, 0);
        p_used = half;
    }
    if (st == CLNN_SUCCESS)
        st = heads_gemm(ctx, &s, CLNN_NO_TRANS, CLNN_NO_TRANS, s.Tq, s.Dv, s.Tk, 1.0f, workspace,
                        p_used, s.Tk, plane, v, v_offset, s.Dv, s.Tk * s.Dv, o, o_offset, s.Dv,
                        s.Tq * s.Dv);
    return st;
}

clnn_status clnn_attention_backward(
    clnn_context_t ctx, const clnn_attention_desc *attn, const clnn_tensor_desc *q_desc,
    cl_mem q, size_t q_offset, const clnn_tensor_desc *k_desc, cl_mem k, size_t k_offset,
    const clnn_tensor_desc *v_desc, cl_mem v, size_t v_offset, const clnn_tensor_desc *mask_desc,
    cl_mem mask, size_t mask_offset, const clnn_tensor_desc *key_padding_desc, cl_mem key_padding,
    size_t key_padding_offset, const clnn_tensor_desc *do_desc, cl_mem d_o, size_t do_offset,
    const clnn_tensor_desc *dq_desc, cl_mem dq, size_t dq_offset, const clnn_tensor_desc *dk_desc,
    cl_mem dk, size_t dk_offset, const clnn_tensor_desc *dv_desc, cl_mem dv, size_t dv_offset,
    cl_mem workspace, size_t workspace_size)
{
    static const char fn[] = "clnn_attention_backward";
    attn_shape s;
    const clnn_tensor_desc *descs[3] = {q_desc, k_desc, v_desc};
    const cl_mem bufs[3] = {q, k, v};
    const size_t offs[3] = {q_offset, k_offset, v_offset};
    clnn_status st = check_common(ctx, fn, attn, descs, bufs, offs, workspace, workspace_size, &s);
    if (st == CLNN_SUCCESS) {
        const size_t wo[4] = {s.N, s.H, s.Tq, s.Dv}, wq[4] = {s.N, s.H, s.Tq, s.D},
                     wk[4] = {s.N, s.H, s.Tk, s.D}, wv[4] = {s.N, s.H, s.Tk, s.Dv};
        st = check_shaped(ctx, fn, do_desc, d_o, do_offset, "do", wo);
        if (st == CLNN_SUCCESS) st = check_shaped(ctx, fn, dq_desc, dq, dq_offset, "dq", wq);
        if (st == CLNN_SUCCESS) st = check_shaped(ctx, fn, dk_desc, dk, dk_offset, "dk", wk);
        if (st == CLNN_SUCCESS) st = check_shaped(ctx, fn, dv_desc, dv, dv_offset, "dv", wv);
    }
    attn_inputs in;
    if (st == CLNN_SUCCESS)
        st = gather_inputs(ctx, fn, &s, bufs, offs, mask_desc, mask, mask_offset,
                           key_padding_desc, key_padding, key_padding_offset, &in);
    if (st != CLNN_SUCCESS) return st;
    if (s.algo == CLNN_ATTENTION_FUSED) {
        const cl_mem grads[3] = {dq, dk, dv};
        const size_t goffs[3] = {dq_offset, dk_offset, dv_offset};
        return attn_flash_backward(ctx, &s, &in, d_o, do_offset, grads, goffs, workspace);
    }
    size_t plane = s.Tq * s.Tk, half = s.scores * sizeof(float);
    clnn_tensor_desc sd = scores_desc(&s);
    /* dP = dO V^T (second half), through dropout, dS = softmax backward in place */
    st = heads_gemm(ctx, &s, CLNN_NO_TRANS, CLNN_TRANS, s.Tq, s.Tk, s.Dv, 1.0f, d_o, do_offset,
                    s.Dv, s.Tq * s.Dv, v, v_offset, s.Dv, s.Tk * s.Dv, workspace, half, s.Tk,
                    plane);
    if (st == CLNN_SUCCESS && s.ratio > 0.0f)
        st = clnn_dropout_backward(ctx, s.ratio, s.seed, s.offset, &sd, workspace, half, &sd,
                                   workspace, half);
    if (st == CLNN_SUCCESS)
        st = clnn_softmax_backward(ctx, CLNN_SOFTMAX, -1, &sd, workspace, 0, &sd, workspace, half,
                                   &sd, workspace, half);
    /* dQ = scale dS K, dK = scale dS^T Q */
    if (st == CLNN_SUCCESS)
        st = heads_gemm(ctx, &s, CLNN_NO_TRANS, CLNN_NO_TRANS, s.Tq, s.D, s.Tk, s.scale, workspace,
                        half, s.Tk, plane, k, k_offset, s.D, s.Tk * s.D, dq, dq_offset, s.D,
                        s.Tq * s.D);
    if (st == CLNN_SUCCESS)
        st = heads_gemm(ctx, &s, CLNN_TRANS, CLNN_NO_TRANS, s.Tk, s.D, s.Tq, s.scale, workspace,
                        half, s.Tk, plane, q, q_offset, s.D, s.Tq * s.D, dk, dk_offset, s.D,
                        s.Tk * s.D);
    /* dV = dropout(P)^T dO; dropout(P) goes where dS was, so P stays intact */
    size_t p_used = 0;
    if (st == CLNN_SUCCESS && s.ratio > 0.0f) {
        st = clnn_dropout_forward(ctx, s.ratio, 1, s.seed, s.offset, &sd, workspace, 0, &sd,
                                  workspace, half, NULL, NULL, 0);
        p_used = half;
    }
    if (st == CLNN_SUCCESS)
        st = heads_gemm(ctx, &s, CLNN_TRANS, CLNN_NO_TRANS, s.Tk, s.Dv, s.Tq, 1.0f, workspace,
                        p_used, s.Tk, plane, d_o, do_offset, s.Dv, s.Tq * s.Dv, dv, dv_offset,
                        s.Dv, s.Tk * s.Dv);
    return st;
}
