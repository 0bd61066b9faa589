/* The sequential model's transformer layers (SinePositionEncoding,
 * PositionEmbedding, TransformerEncoder) and per-token classification (a Dense
 * on [T, F] with a sparse loss over [n, T] labels): Keras parameter counts,
 * forward passes against double references, gradients through tiny models
 * against finite differences, a tiny reversal task that overfits, save -> load
 * -> predict, and bad input. */
#include "model-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int small_mode; /* CLNN_TEST_SMALL=1: fewer training steps */

static void compile_with(clnn_model_t m, clnn_loss loss, clnn_optimizer_kind kind, float lr,
                         int64_t batch)
{
    clnn_optimizer_desc opt = clnn_optimizer_default(kind);
    opt.lr = lr;
    harness_expect_ok(clnn_model_compile(m, loss, &opt, batch));
}

/* Token ids as floats (the model's x for an embedding first) and int32 labels:
 * the reversal of each row. */
static void reversal_data(float *x, int32_t *y, int64_t n, int64_t t, int vocab, uint32_t seed)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < t; k++) {
            seed = seed * 1664525u + 1013904223u;
            x[i * t + k] = (float)((seed >> 16) % (uint32_t)vocab);
        }
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < t; k++) y[i * t + k] = (int32_t)x[i * t + (t - 1 - k)];
}

/* Embedding(vocab, d) - SinePositionEncoding - TransformerEncoder - Dense(vocab). */
static clnn_model_t token_model(int64_t t, int vocab, int64_t d, int heads, int key_dim,
                                int64_t d_ff, int act, float dropout)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){t});
    harness_expect_ok(clnn_model_add_embedding(m, vocab, d));
    harness_expect_ok(clnn_model_add_sine_position_encoding(m));
    harness_expect_ok(clnn_model_add_transformer_encoder(m, d, heads, key_dim, d_ff, act,
                                                         dropout));
    harness_expect_ok(clnn_model_add_dense(m, vocab, CLNN_ACTIVATION_NONE));
    return m;
}

/* The seed's block on d_model D = 64: MultiHeadAttention(num_heads=2, key_dim=64)
 * has query, key and value kernels (D, 2, 64) with biases (2, 64) and an output
 * kernel (2, 64, D) with bias (D):
 *   4*D*2*64 + 3*2*64 + D = 32768 + 384 + 64 = 33216;
 * two LayerNormalization 2 * 2*D = 256; Dense(128, relu) D*128 + 128 = 8320;
 * Dense(D) 128*D + D = 8256: 33216 + 256 + 8320 + 8256 = 50048. Around it:
 * Embedding(11, 64) 704, SinePositionEncoding 0, Dense(11) 64*11 + 11 = 715;
 * total 51467. PositionEmbedding(sequence_length=10) on D = 64: 640. */
START_TEST(encoder_counts_match_keras)
{
    clnn_model_t m = token_model(10, 11, 64, 2, 64, 128, CLNN_ACTIVATION_RELU, 0.1f);
    char *text = mt_summary_text(m);
    ck_assert_msg(strstr(text, mt_row("sine_position_encoding (Si", "(None, 10, 64)", "0")),
                  "%s", text);
    ck_assert_msg(strstr(text, mt_row("dense (Dense)", "(None, 10, 11)", "715")), "%s", text);
    /* The 40-character name wraps after 26, as Keras wraps long names. */
    mt_expect_summary(m, 51467, 51467,
                      mt_row("transformer_encoder (Trans", "(None, 10, 64)", "50048"));
    m = mt_new_model(2, (int64_t[]){10, 64});
    harness_expect_ok(clnn_model_add_position_embedding(m));
    mt_expect_summary(m, 640, 640, mt_row("position_embedding (Positi", "(None, 10, 64)", "640"));
}
END_TEST

/* predict of x [n, T, D] through SinePositionEncoding then PositionEmbedding is
 * x + PE + P, PE computed here in double (one rounding per add: 1e-6). */
START_TEST(position_layers_match_reference)
{
    const int64_t n = 3, t = 7, d = 5; /* odd D: the last column is a sine */
    clnn_model_t m = mt_new_model(2, (int64_t[]){t, d});
    harness_expect_ok(clnn_model_add_sine_position_encoding(m));
    harness_expect_ok(clnn_model_add_position_embedding(m));
    compile_with(m, CLNN_LOSS_MSE, CLNN_OPTIMIZER_SGD, 0.01f, 2); /* a partial batch too */
    size_t count = (size_t)(n * t * d);
    float *x = harness_alloc(count * sizeof(float)), *y = harness_alloc(count * sizeof(float));
    float *p = harness_alloc((size_t)(t * d) * sizeof(float));
    double *want = harness_alloc(count * sizeof(double));
    harness_random(x, count, 7, -1.0f, 1.0f);
    harness_random(p, (size_t)(t * d), 8, -1.0f, 1.0f);
    harness_expect_ok(clnn_model_set_param(m, 0, p));
    for (size_t i = 0; i < count; i++) y[i] = NAN;
    harness_expect_ok(clnn_model_predict(m, x, n, y));
    for (int64_t s = 0; s < n; s++)
        for (int64_t k = 0; k < t; k++)
            for (int64_t c = 0; c < d; c++) {
                double w = pow(10000.0, -(double)(c / 2 * 2) / (double)d);
                double pe = c % 2 ? cos((double)k * w) : sin((double)k * w);
                size_t at = (size_t)((s * t + k) * d + c);
                want[at] = (double)x[at] + pe + (double)p[k * d + c];
            }
    harness_expect_close(y, want, count, 1e-5, 1e-5, "x + PE + P");
    clnn_model_destroy(m);
}
END_TEST

/* Every parameter of embedding - sine encoding - position embedding - encoder -
 * per-token Dense, through the per-token sparse cross-entropy (T 3, D 8, 2
 * heads, key_dim 4, d_ff 8). GELU rather than ReLU keeps the loss smooth for
 * the differences (a ReLU kink within the step would break them); dropout 0. */
START_TEST(encoder_gradients_match_finite_differences)
{
    const int64_t n = 2, t = 3;
    clnn_model_t m = mt_new_model(1, (int64_t[]){t});
    harness_expect_ok(clnn_model_add_embedding(m, 5, 8));
    harness_expect_ok(clnn_model_add_sine_position_encoding(m));
    harness_expect_ok(clnn_model_add_position_embedding(m));
    harness_expect_ok(clnn_model_add_transformer_encoder(m, 8, 2, 4, 8, CLNN_ACTIVATION_GELU,
                                                         0.0f));
    harness_expect_ok(clnn_model_add_dense(m, 5, CLNN_ACTIVATION_NONE));
    compile_with(m, CLNN_LOSS_SPARSE_CE_LOGITS, CLNN_OPTIMIZER_SGD, 0.01f, n);
    float x[6] = {0, 3, 3, 4, 1, 0};
    int32_t y[6] = {2, 0, 4, 1, 1, 3};
    mt_check_gradients(m, x, y, n, small_mode ? 11 : 1);
}
END_TEST

/* The encoder as the first layer (float features, no earlier gradient: the
 * block's dx goes to scratch) with one head, then a per-token softmax Dense
 * (its loss runs on the logits). */
START_TEST(first_layer_encoder_gradients_match_finite_differences)
{
    const int64_t n = 3, t = 2, d = 4;
    clnn_model_t m = mt_new_model(2, (int64_t[]){t, d});
    harness_expect_ok(clnn_model_add_transformer_encoder(m, d, 1, 3, 5, CLNN_ACTIVATION_TANH,
                                                         0.0f));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    compile_with(m, CLNN_LOSS_SPARSE_CE, CLNN_OPTIMIZER_SGD, 0.01f, n);
    float x[24];
    harness_random(x, 24, 11, -1.0f, 1.0f);
    int32_t y[6] = {0, 2, 1, 1, 2, 0};
    mt_check_gradients(m, x, y, n, small_mode ? 5 : 1);
}
END_TEST

/* 32 (small mode: 16) random length-5 sequences over 6 tokens, reversed: the
 * model must memorise them (loss near 0, every token right), with dropout on in
 * fit. */
START_TEST(tiny_reversal_overfits)
{
    enum { MAX_N = 32, T = 5, V = 6 };
    const int64_t N = small_mode ? 16 : MAX_N;
    float x[MAX_N * T];
    int32_t y[MAX_N * T];
    reversal_data(x, y, N, T, V, 3);
    clnn_model_t m = token_model(T, V, 16, 2, 8, 32, CLNN_ACTIVATION_RELU, 0.05f);
    harness_expect_ok(clnn_model_set_seed(m, 5));
    compile_with(m, CLNN_LOSS_SPARSE_CE_LOGITS, CLNN_OPTIMIZER_ADAM, 0.01f, 16);
    clnn_fit_options fo = clnn_fit_options_default();
    fo.epochs = small_mode ? 80 : 100;
    fo.verbose = 0;
    harness_expect_ok(clnn_model_fit(m, x, y, N, &fo, NULL));
    float loss, accuracy;
    harness_expect_ok(clnn_model_evaluate(m, x, y, N, &loss, &accuracy));
    ck_assert_msg(loss < 0.1f && accuracy == 1.0f, "loss %g accuracy %g", (double)loss,
                  (double)accuracy);
    clnn_model_destroy(m);
}
END_TEST

/* After some training, the weights saved and loaded into a fresh model (another
 * seed) give bit-identical predictions (inference: the dropout is off). */
START_TEST(save_load_predicts_identically)
{
    enum { N = 8, T = 4, V = 5 };
    float x[N * T], a[N * T * V], b[N * T * V];
    int32_t y[N * T];
    reversal_data(x, y, N, T, V, 9);
    clnn_model_t m = token_model(T, V, 8, 2, 4, 16, CLNN_ACTIVATION_RELU, 0.2f);
    compile_with(m, CLNN_LOSS_SPARSE_CE_LOGITS, CLNN_OPTIMIZER_ADAM, 0.01f, 4);
    for (int i = 0; i < 3; i++) harness_expect_ok(clnn_model_train_on_batch(m, x, y, 4, NULL));
    harness_expect_ok(clnn_model_predict(m, x, N, a));
    char path[64];
    snprintf(path, sizeof path, "/tmp/clnn-transformer-%d.safetensors", (int)getpid());
    harness_expect_ok(clnn_model_save_weights(m, path));
    clnn_model_t m2 = token_model(T, V, 8, 2, 4, 16, CLNN_ACTIVATION_RELU, 0.2f);
    harness_expect_ok(clnn_model_set_seed(m2, 77));
    compile_with(m2, CLNN_LOSS_SPARSE_CE_LOGITS, CLNN_OPTIMIZER_ADAM, 0.01f, 3);
    harness_expect_ok(clnn_model_predict(m2, x, N, b));
    ck_assert_msg(memcmp(a, b, sizeof a) != 0, "a different seed gave the same outputs");
    harness_expect_ok(clnn_model_load_weights(m2, path));
    harness_expect_ok(clnn_model_predict(m2, x, N, b));
    ck_assert_msg(memcmp(a, b, sizeof a) == 0, "predictions differ after save -> load");
    unlink(path);
    clnn_model_destroy(m);
    clnn_model_destroy(m2);
}
END_TEST

/* The model keeps `layers` layers after a rejected add. */
static void expect_out(clnn_model_t m, int rank, int64_t last)
{
    clnn_tensor_desc d;
    harness_expect_ok(clnn_model_output_desc(m, &d));
    ck_assert_int_eq(d.rank, rank);
    ck_assert_int_eq(d.dims[d.rank - 1], last);
}

START_TEST(bad_input_is_rejected)
{
    const int relu = CLNN_ACTIVATION_RELU;
    harness_expect_error(clnn_model_add_transformer_encoder(NULL, 8, 2, 4, 8, relu, 0.0f),
                         CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_sine_position_encoding(NULL), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_model_add_position_embedding(NULL), CLNN_NULL_POINTER, "model");
    clnn_model_t m = mt_new_model(1, (int64_t[]){6});
    harness_expect_error(clnn_model_add_sine_position_encoding(m), CLNN_SHAPE_MISMATCH,
                         "[T, D]");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 6, 2, 4, 8, relu, 0.0f),
                         CLNN_SHAPE_MISMATCH, "[T, D]");
    harness_expect_ok(clnn_model_add_embedding(m, 4, 8));
    harness_expect_error(clnn_model_add_transformer_encoder(m, 16, 2, 4, 8, relu, 0.0f),
                         CLNN_SHAPE_MISMATCH, "d_model 16");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 8, 0, 4, 8, relu, 0.0f),
                         CLNN_INVALID_VALUE, "num_heads");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 8, 2, 0, 8, relu, 0.0f),
                         CLNN_INVALID_VALUE, "key_dim");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 8, 2, 4, 0, relu, 0.0f),
                         CLNN_INVALID_VALUE, "d_ff");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 8, 2, 4, 8, CLNN_MODEL_SOFTMAX,
                                                            0.0f),
                         CLNN_INVALID_VALUE, "act");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 8, 2, 4, 8, relu, 1.0f),
                         CLNN_INVALID_VALUE, "dropout");
    harness_expect_error(clnn_model_add_transformer_encoder(m, 8, 2, 4, 8, relu, NAN),
                         CLNN_INVALID_VALUE, "dropout");
    expect_out(m, 2, 8); /* nothing was added */
    harness_expect_ok(clnn_model_add_transformer_encoder(m, 8, 2, 4, 8, relu, 0.0f));
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_ACTIVATION_NONE));
    compile_with(m, CLNN_LOSS_SPARSE_CE_LOGITS, CLNN_OPTIMIZER_SGD, 0.01f, 2);
    harness_expect_error(clnn_model_add_sine_position_encoding(m), CLNN_INVALID_VALUE,
                         "compiled");
    float x[12] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
    int32_t y[12] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 4, 3}; /* y[10] is out of range */
    clnn_fit_options fo = clnn_fit_options_default();
    fo.verbose = 0;
    harness_expect_error(clnn_model_fit(m, x, y, 2, &fo, NULL), CLNN_INVALID_VALUE, "y[10]");
    y[10] = -1;
    harness_expect_error(clnn_model_evaluate(m, x, y, 2, NULL, NULL), CLNN_INVALID_VALUE,
                         "y[10]");
    harness_expect_error(clnn_model_train_on_batch(m, x, y, 2, NULL), CLNN_INVALID_VALUE,
                         "y[10]");
    y[10] = 2;
    harness_expect_ok(clnn_model_train_on_batch(m, x, y, 2, NULL));
    clnn_model_destroy(m);
    /* A sparse loss needs [classes] or [T, classes]. */
    m = mt_new_model(3, (int64_t[]){2, 3, 4});
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_ACTIVATION_NONE));
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE_LOGITS, &sgd, 2),
                         CLNN_SHAPE_MISMATCH, "[T, classes]");
    harness_expect_error(clnn_model_add_position_embedding(m), CLNN_SHAPE_MISMATCH, "[T, D]");
    clnn_model_destroy(m);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && !strcmp(small, "1");
    Suite *s = suite_create("model-transformer");
    TCase *tc = harness_tcase(s, "summary");
    tcase_add_test(tc, encoder_counts_match_keras);
    tc = harness_tcase(s, "forward");
    tcase_add_test(tc, position_layers_match_reference);
    tc = harness_tcase(s, "gradients");
    tcase_add_test(tc, encoder_gradients_match_finite_differences);
    tcase_add_test(tc, first_layer_encoder_gradients_match_finite_differences);
    tc = harness_tcase(s, "training");
    tcase_add_test(tc, tiny_reversal_overfits);
    tcase_add_test(tc, save_load_predicts_identically);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
