/* The sentence encoder's forward pass (clnn/text.h): BERT embeddings, post-LN
 * encoder layers, masked mean pooling and L2 normalisation, each step one of
 * clnn's public ops on the context's queue; one download at the end. */
#include "minilm.h"
#include "../core/context.h"

#include <clnn/ops.h>

#include <stdlib.h>
#include <string.h>

/* A descriptor of up to three dims (0: absent). */
static clnn_tensor_desc desc3(clnn_dtype t, size_t a, size_t b, size_t c)
{
    clnn_tensor_desc d;
    int64_t dims[3] = {(int64_t)a, (int64_t)b, (int64_t)c};
    clnn_tensor_desc_set(&d, t, c ? 3 : b ? 2 : 1, dims);
    return d;
}

/* Byte offsets of the scratch regions for N sentences of T tokens. */
typedef struct run_layout {
    size_t ws, ids, kp, poolw, x, a, h, f, pooled, out, total, ws_bytes;
} run_layout;

static clnn_status layout(const clnn_sentence_encoder *enc, const clnn_mha_desc *mha, size_t N,
                          size_t T, run_layout *R)
{
    clnn_tensor_desc xd = desc3(CLNN_FLOAT32, N, T, (size_t)enc->E);
    clnn_status st = clnn_mha_workspace_size(mha, &xd, &xd, &R->ws_bytes);
    if (st != CLNN_SUCCESS) return st;
    size_t NT = N * T, E = (size_t)enc->E, al = 256;
#define NEXT(field, bytes) R->field = at, at += ((bytes) + al - 1) / al * al
    size_t at = 0;
    NEXT(ws, R->ws_bytes); /* at 0: ops take a workspace without an offset */
    NEXT(ids, NT * 4);
    NEXT(kp, NT * 4);
    NEXT(poolw, NT * 4);
    NEXT(x, NT * E * 4);
    NEXT(a, NT * E * 4);
    NEXT(h, NT * E * 4);
    NEXT(f, NT * (size_t)enc->F * 4);
    NEXT(pooled, N * E * 4);
    NEXT(out, N * E * 4);
#undef NEXT
    R->total = at;
    return CLNN_SUCCESS;
}

static clnn_status ensure_run(clnn_sentence_encoder *enc, size_t bytes)
{
    if (enc->run && enc->run_bytes >= bytes) return CLNN_SUCCESS;
    if (enc->run) clReleaseMemObject(enc->run);
    enc->run_bytes = 0;
    cl_int err;
    enc->run =
        clCreateBuffer(clnn_context_cl_context(enc->ctx), CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (!enc->run) return clnn_fail_cl(err, "clnn_sentence_encoder_encode: clCreateBuffer");
    enc->run_bytes = bytes;
    /* zeroed once (not per call), so no byte a kernel reads is ever undefined */
    static const cl_int zero = 0;
    err = clEnqueueFillBuffer(clnn_context_cl_queue(enc->ctx), enc->run, &zero, sizeof zero, 0,
                              bytes, 0, NULL, NULL);
    return err == CL_SUCCESS
               ? CLNN_SUCCESS
               : clnn_fail_cl(err, "clnn_sentence_encoder_encode: clEnqueueFillBuffer");
}

/* One post-LN encoder layer: x <- LN2(h + FFN(h)), h = LN1(x + MHA(x)). */
static clnn_status layer(clnn_sentence_encoder *enc, const clnn_mha_desc *mha,
                         const minilm_layer *y, size_t N, size_t T, const run_layout *R)
{
    clnn_context_t ctx = enc->ctx;
    cl_mem W = enc->weights, r = enc->run;
    size_t E = (size_t)enc->E, F = (size_t)enc->F;
    clnn_tensor_desc xd = desc3(CLNN_FLOAT32, N, T, E), fd = desc3(CLNN_FLOAT32, N, T, F),
                     ed = desc3(CLNN_FLOAT32, E, 0, 0), fb = desc3(CLNN_FLOAT32, F, 0, 0),
                     w1d = desc3(CLNN_FLOAT32, E, F, 0), w2d = desc3(CLNN_FLOAT32, F, E, 0),
                     kpd = desc3(CLNN_INT32, N, T, 0);
    clnn_mha_weights mw;
    for (int i = 0; i < 4; i++) {
        mw.w[i] = W, mw.w_offset[i] = y->w[i] * 4;
        mw.b[i] = W, mw.b_offset[i] = y->b[i] * 4;
    }
    clnn_activation_desc act = clnn_activation_default(enc->act);
    clnn_status st = clnn_mha_forward(ctx, mha, &xd, r, R->x, &xd, r, R->x, &xd, r, R->x, &mw, NULL,
                                      NULL, 0, &kpd, r, R->kp, &xd, r, R->a, r, R->ws_bytes);
    if (st == CLNN_SUCCESS)
        st = clnn_binary(ctx, CLNN_BINARY_ADD, &xd, r, R->a, &xd, r, R->x, &xd, r, R->a);
    if (st == CLNN_SUCCESS)
        st = clnn_layernorm_forward(ctx, -1, enc->eps, &xd, r, R->a, &ed, W, y->ln1_g * 4, W,
                                    y->ln1_b * 4, &xd, r, R->h, NULL, NULL, 0, NULL, 0);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_forward(ctx, &act, &xd, r, R->h, &w1d, W, y->w1 * 4, &fb, W, y->b1 * 4, &fd,
                                r, R->f);
    if (st == CLNN_SUCCESS)
        st = clnn_dense_forward(ctx, NULL, &fd, r, R->f, &w2d, W, y->w2 * 4, &ed, W, y->b2 * 4, &xd,
                                r, R->a);
    if (st == CLNN_SUCCESS)
        st = clnn_binary(ctx, CLNN_BINARY_ADD, &xd, r, R->a, &xd, r, R->h, &xd, r, R->a);
    if (st == CLNN_SUCCESS)
        st = clnn_layernorm_forward(ctx, -1, enc->eps, &xd, r, R->a, &ed, W, y->ln2_g * 4, W,
                                    y->ln2_b * 4, &xd, r, R->x, NULL, NULL, 0, NULL, 0);
    return st;
}

/* Everything after the upload of ids, key padding mask and pooling weights. */
static clnn_status forward(clnn_sentence_encoder *enc, size_t N, size_t T, const run_layout *R,
                           const clnn_mha_desc *mha)
{
    clnn_context_t ctx = enc->ctx;
    cl_mem W = enc->weights, r = enc->run;
    size_t E = (size_t)enc->E;
    clnn_tensor_desc xd = desc3(CLNN_FLOAT32, N, T, E), idd = desc3(CLNN_INT32, N, T, 0),
                     td = desc3(CLNN_FLOAT32, (size_t)enc->V, E, 0),
                     pd = desc3(CLNN_FLOAT32, T, E, 0), ed = desc3(CLNN_FLOAT32, E, 0, 0),
                     od = desc3(CLNN_FLOAT32, N, E, 0);
    /* word + (position + token type) embeddings into a, LN into x (out of place:
     * oclgrind reports a read/write race in the in-place layer norm) */
    clnn_status st = clnn_embedding_forward(ctx, -1, &td, W, enc->word * 4, &idd, r, R->ids, &xd, r,
                                            R->a, NULL, 0);
    if (st == CLNN_SUCCESS)
        st = clnn_binary(ctx, CLNN_BINARY_ADD, &xd, r, R->a, &pd, W, enc->pos * 4, &xd, r, R->a);
    if (st == CLNN_SUCCESS)
        st = clnn_layernorm_forward(ctx, -1, enc->eps, &xd, r, R->a, &ed, W, enc->emb_g * 4, W,
                                    enc->emb_b * 4, &xd, r, R->x, NULL, NULL, 0, NULL, 0);
    for (int l = 0; l < enc->L && st == CLNN_SUCCESS; l++)
        st = layer(enc, mha, &enc->layers[l], N, T, R);
    /* pooled[n] = poolw[n] (mask / count, [1, T]) x[n] ([T, E]) */
    if (st == CLNN_SUCCESS)
        st =
            clnn_gemm_strided_batched(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, 1, E, T, 1.0f, r, R->poolw,
                                      T, T, r, R->x, E, T * E, 0.0f, r, R->pooled, E, E, N);
    /* x / |x| = rmsnorm(x) / sqrt(E): the scale vector holds 1 / sqrt(E); the
     * epsilon only guards an all-zero row (F.normalize's 1e-12 on the norm) */
    if (st == CLNN_SUCCESS)
        st = clnn_rmsnorm_forward(ctx, -1, (float)(1e-24 / (double)E), &od, r, R->pooled, &ed, W,
                                  enc->l2_scale * 4, &od, r, R->out, NULL, NULL, 0);
    return st;
}

/* Checks the ids and mask, uploads them with the pooling weights, runs. */
static clnn_status run_ids(clnn_sentence_encoder *enc, const char *fn, size_t N, size_t T,
                           const int32_t *ids, const int32_t *mask, float *emb)
{
    for (size_t i = 0; i < N * T; i++) {
        if (ids[i] < 0 || ids[i] >= enc->V)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: ids[%zu] = %d is outside [0, %d)", fn, i,
                             (int)ids[i], enc->V);
        if (mask[i] != 0 && mask[i] != 1)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: mask[%zu] = %d is not 0 or 1", fn, i,
                             (int)mask[i]);
    }
    clnn_mha_desc mha;
    memset(&mha, 0, sizeof mha);
    mha.num_heads = enc->H, mha.key_dim = mha.value_dim = enc->E / enc->H;
    run_layout R;
    clnn_status st = layout(enc, &mha, N, T, &R);
    float *poolw = st == CLNN_SUCCESS ? malloc(N * T * sizeof *poolw) : NULL;
    if (st == CLNN_SUCCESS && !poolw)
        st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    for (size_t n = 0; st == CLNN_SUCCESS && n < N; n++) {
        size_t count = 0;
        for (size_t t = 0; t < T; t++) count += (size_t)mask[n * T + t];
        for (size_t t = 0; t < T; t++)
            poolw[n * T + t] = count ? (float)mask[n * T + t] / (float)count : 0.0f;
    }
    if (st == CLNN_SUCCESS) st = ensure_run(enc, R.total);
    if (st == CLNN_SUCCESS) st = clnn_buffer_write(enc->ctx, enc->run, R.ids, ids, N * T * 4);
    if (st == CLNN_SUCCESS) st = clnn_buffer_write(enc->ctx, enc->run, R.kp, mask, N * T * 4);
    if (st == CLNN_SUCCESS) st = clnn_buffer_write(enc->ctx, enc->run, R.poolw, poolw, N * T * 4);
    free(poolw);
    if (st == CLNN_SUCCESS) st = forward(enc, N, T, &R, &mha);
    if (st == CLNN_SUCCESS)
        st = clnn_buffer_read(enc->ctx, enc->run, R.out, emb, N * (size_t)enc->E * 4);
    return st;
}

clnn_status clnn_sentence_encoder_encode_ids(clnn_sentence_encoder *enc, size_t batch, int length,
                                             const int32_t *ids, const int32_t *mask,
                                             float *embeddings)
{
    static const char fn[] = "clnn_sentence_encoder_encode_ids";
    if (!enc) return clnn_fail(CLNN_NULL_POINTER, "%s: enc is NULL", fn);
    if (!ids) return clnn_fail(CLNN_NULL_POINTER, "%s: ids is NULL", fn);
    if (!mask) return clnn_fail(CLNN_NULL_POINTER, "%s: mask is NULL", fn);
    if (!embeddings) return clnn_fail(CLNN_NULL_POINTER, "%s: embeddings is NULL", fn);
    if (batch < 1 || batch > (1u << 20))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: batch is %zu (must be in 1 .. 2^20)", fn, batch);
    if (length < 1 || length > enc->P)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: length is %d (must be in 1 .. %d)", fn, length,
                         enc->P);
    return run_ids(enc, fn, batch, (size_t)length, ids, mask, embeddings);
}

clnn_status clnn_sentence_encoder_encode(clnn_sentence_encoder *enc, size_t count,
                                         const char *const *texts, float *embeddings)
{
    static const char fn[] = "clnn_sentence_encoder_encode";
    if (!enc) return clnn_fail(CLNN_NULL_POINTER, "%s: enc is NULL", fn);
    if (!texts) return clnn_fail(CLNN_NULL_POINTER, "%s: texts is NULL", fn);
    if (!embeddings) return clnn_fail(CLNN_NULL_POINTER, "%s: embeddings is NULL", fn);
    if (count < 1 || count > (1u << 20))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: count is %zu (must be in 1 .. 2^20)", fn, count);
    for (size_t i = 0; i < count; i++)
        if (!texts[i]) return clnn_fail(CLNN_NULL_POINTER, "%s: texts[%zu] is NULL", fn, i);
    int maxlen = enc->P < MINILM_MAX_LENGTH ? enc->P : MINILM_MAX_LENGTH, T = 2;
    int32_t *ids = malloc(count * (size_t)maxlen * 2 * sizeof *ids);
    if (!ids) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    int32_t *mask = ids + count * (size_t)maxlen;
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 0; i < count && st == CLNN_SUCCESS; i++) {
        int n;
        st = clnn_tokenizer_encode(enc->tok, texts[i], maxlen, ids + i * (size_t)maxlen,
                                   mask + i * (size_t)maxlen, &n);
        if (st == CLNN_SUCCESS && n > T) T = n;
    }
    /* pad the batch to its longest sentence only: repack rows to stride T */
    for (size_t i = 1; i < count && st == CLNN_SUCCESS; i++) {
        memmove(ids + i * (size_t)T, ids + i * (size_t)maxlen, (size_t)T * sizeof *ids);
        memmove(mask + i * (size_t)T, mask + i * (size_t)maxlen, (size_t)T * sizeof *mask);
    }
    if (st == CLNN_SUCCESS) st = run_ids(enc, fn, count, (size_t)T, ids, mask, embeddings);
    free(ids);
    return st;
}

clnn_status clnn_sentence_encoder_load(clnn_context_t ctx, const char *model_dir,
                                       clnn_sentence_encoder **out)
{
    static const char fn[] = "clnn_sentence_encoder_load";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st != CLNN_SUCCESS) return st;
    if (!model_dir) return clnn_fail(CLNN_NULL_POINTER, "%s: model_dir is NULL", fn);
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "%s: out is NULL", fn);
    clnn_sentence_encoder *enc = calloc(1, sizeof *enc);
    if (!enc) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    enc->ctx = ctx;
    st = minilm_load(enc, model_dir);
    if (st != CLNN_SUCCESS) {
        clnn_sentence_encoder_free(enc);
        return st;
    }
    *out = enc;
    return CLNN_SUCCESS;
}

void clnn_sentence_encoder_free(clnn_sentence_encoder *enc)
{
    if (!enc) return;
    if (enc->weights) clReleaseMemObject(enc->weights);
    if (enc->run) clReleaseMemObject(enc->run);
    clnn_tokenizer_free(enc->tok);
    free(enc->layers);
    free(enc);
}

int clnn_sentence_encoder_dim(const clnn_sentence_encoder *enc) { return enc ? enc->E : 0; }

const clnn_tokenizer *clnn_sentence_encoder_tokenizer(const clnn_sentence_encoder *enc)
{
    return enc ? enc->tok : NULL;
}
