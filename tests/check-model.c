/* The sequential model: Keras parameter counts and summary, gradients through the
 * whole model against finite differences of its own loss, training to a small
 * loss, save/load round trips, fit/evaluate/predict, and bad input. */
#include "model-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int small_mode; /* CLNN_TEST_SMALL=1: fewer finite differences and steps */

static clnn_model_t seed_dense(void)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){10});
    harness_expect_ok(clnn_model_add_dense(m, 10, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dense(m, 1, CLNN_ACTIVATION_SIGMOID));
    return m;
}

static clnn_model_t seed_mlp(void)
{
    clnn_model_t m = mt_new_model(3, (int64_t[]){1, 28, 28});
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 128, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dense(m, 10, CLNN_MODEL_SOFTMAX));
    return m;
}

static clnn_model_t seed_cnn(void)
{
    clnn_model_t m = mt_new_model(3, (int64_t[]){1, 28, 28});
    harness_expect_ok(clnn_model_add_conv2d(m, 32, 3, 3, 1, CLNN_PAD_VALID,
                                            CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_maxpool2d(m, 2, 2));
    harness_expect_ok(clnn_model_add_conv2d(m, 64, 3, 3, 1, CLNN_PAD_VALID,
                                            CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_maxpool2d(m, 2, 2));
    harness_expect_ok(clnn_model_add_conv2d(m, 64, 3, 3, 1, CLNN_PAD_VALID,
                                            CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 64, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dense(m, 10, CLNN_ACTIVATION_NONE));
    return m;
}

START_TEST(summary_matches_keras)
{
    mt_expect_summary(seed_dense(), 121, 121,
                      " dense_1 (Dense)             (None, 1)                 11");
    mt_expect_summary(seed_mlp(), 101770, 101770,
                      " dense (Dense)               (None, 128)               100480");
    mt_expect_summary(seed_cnn(), 93322, 93322,
                      " conv2d_2 (Conv2D)           (None, 64, 3, 3)          36928");
}
END_TEST

static clnn_model_t sequence_model(int kind, int64_t units)
{
    clnn_model_t m = mt_new_model(2, (int64_t[]){10, 8});
    clnn_status (*add[])(clnn_model_t, int64_t, int) = {clnn_model_add_simple_rnn,
                                                        clnn_model_add_lstm, clnn_model_add_gru};
    harness_expect_ok(add[kind](m, units, 0));
    return m;
}

/* Keras 2 counts: SimpleRNN units*(F+units+1), LSTM 4*units*(F+units+1), GRU with
 * reset_after 3*units*(F+units+2), Embedding vocab*dim. */
START_TEST(recurrent_summary_matches_keras)
{
    mt_expect_summary(sequence_model(1, 32), 5248, 5248,
                      mt_row("lstm (LSTM)", "(None, 32)", "5248"));
    mt_expect_summary(sequence_model(2, 32), 4032, 4032,
                      mt_row("gru (GRU)", "(None, 32)", "4032"));
    mt_expect_summary(sequence_model(0, 32), 1312, 1312,
                      mt_row("simple_rnn (SimpleRNN)", "(None, 32)", "1312"));
    clnn_model_t m = mt_new_model(1, (int64_t[]){10});
    harness_expect_ok(clnn_model_add_embedding(m, 100, 16));
    mt_expect_summary(m, 1600, 1600,
                      mt_row("embedding (Embedding)", "(None, 10, 16)", "1600"));
    /* A stack: 1600 + 4*32*(16+32+1) + 2*(32+2+1) + 4*3*(2+3+1). */
    m = mt_new_model(1, (int64_t[]){10});
    harness_expect_ok(clnn_model_add_embedding(m, 100, 16));
    harness_expect_ok(clnn_model_add_lstm(m, 32, 1));
    harness_expect_ok(clnn_model_add_simple_rnn(m, 2, 1));
    harness_expect_ok(clnn_model_add_lstm(m, 3, 0));
    mt_expect_summary(m, 1600 + 6272 + 70 + 72, 1600 + 6272 + 70 + 72,
                      mt_row("lstm_1 (LSTM)", "(None, 3)", "72"));
    m = mt_new_model(1, (int64_t[]){10});
    harness_expect_ok(clnn_model_add_embedding(m, 100, 16));
    harness_expect_ok(clnn_model_add_gru(m, 16, 1));
    mt_expect_summary(m, 1600 + 3 * 16 * 34, 1600 + 3 * 16 * 34,
                      mt_row("gru (GRU)", "(None, 10, 16)", "1632"));
}
END_TEST

/* Every parameter gradient against central differences of the model's own fp32
 * loss (tolerances in model-util.c), with labels cycling over the classes. */
static void check_gradients_on(clnn_model_t m, const float *x, int64_t n, int64_t classes,
                               int64_t stride)
{
    int32_t *y = harness_alloc((size_t)n * sizeof(int32_t));
    for (int64_t i = 0; i < n; i++) y[i] = (int32_t)((i * 7 + 3) % classes);
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, n));
    mt_check_gradients(m, x, y, n, stride);
}

static void check_gradients(clnn_model_t m, int64_t sample, int64_t n, int64_t classes)
{
    float *x = harness_alloc((size_t)(sample * n) * sizeof(float));
    harness_random(x, (size_t)(sample * n), 11, -1, 1);
    check_gradients_on(m, x, n, classes, 1);
}

START_TEST(dense_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){5});
    harness_expect_ok(clnn_model_add_dense(m, 7, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dropout(m, 0.0f));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_SIGMOID));
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_MODEL_SOFTMAX));
    check_gradients(m, 5, 3, 4);
}
END_TEST

START_TEST(conv_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(3, (int64_t[]){2, 6, 5});
    harness_expect_ok(clnn_model_add_conv2d(m, 3, 3, 3, 1, CLNN_PAD_SAME_UPPER,
                                            CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_maxpool2d(m, 2, 2));
    harness_expect_ok(clnn_model_add_conv2d(m, 2, 2, 2, 1, CLNN_PAD_VALID,
                                            CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_activation(m, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_softmax(m));
    check_gradients(m, 60, 2, 3);
}
END_TEST

/* Through LSTM (all steps), GRU (last step) and the transposes around them; the
 * small mode checks every 7th element of each parameter. */
START_TEST(lstm_gru_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(2, (int64_t[]){4, 3});
    harness_expect_ok(clnn_model_add_lstm(m, 5, 1));
    harness_expect_ok(clnn_model_add_gru(m, 4, 0));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    float x[3 * 12];
    harness_random(x, 36, 13, -1, 1);
    check_gradients_on(m, x, 3, 3, small_mode ? 13 : 1);
}
END_TEST

/* Embedding (ids repeat, so rows sum several positions) into SimpleRNN. */
START_TEST(embedding_rnn_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){5});
    harness_expect_ok(clnn_model_add_embedding(m, 7, 3));
    harness_expect_ok(clnn_model_add_simple_rnn(m, 4, 1));
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    float x[2 * 5] = {0, 3, 6, 3, 1, 5, 5, 2, 0, 4};
    check_gradients_on(m, x, 2, 3, small_mode ? 5 : 1);
}
END_TEST

/* With SGD lr 1 the update is minus the clipped gradient, so the parameters move
 * by exactly max_norm in global norm (the gradient's norm is far above it). */
START_TEST(clipnorm_bounds_the_update)
{
    enum { N = 4 };
    float x[N * 6 * 2];
    int32_t y[N] = {0, 1, 1, 0};
    harness_random(x, sizeof x / sizeof x[0], 21, -1, 1);
    clnn_model_t m = mt_new_model(2, (int64_t[]){6, 2});
    harness_expect_ok(clnn_model_add_gru(m, 8, 0));
    harness_expect_ok(clnn_model_add_dense(m, 2, CLNN_MODEL_SOFTMAX));
    harness_expect_ok(clnn_model_set_global_clipnorm(m, 1e-3f));
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    sgd.lr = 1.0f;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, N));
    int count;
    harness_expect_ok(clnn_model_param_tensors(m, &count));
    float *before[8], *after[8];
    int64_t sizes[8];
    for (int p = 0; p < count; p++) {
        clnn_tensor_desc d;
        harness_expect_ok(clnn_model_get_param(m, p, NULL, &d, NULL, NULL));
        sizes[p] = 1;
        for (int k = 0; k < d.rank; k++) sizes[p] *= d.dims[k];
        before[p] = harness_alloc((size_t)sizes[p] * sizeof(float));
        after[p] = harness_alloc((size_t)sizes[p] * sizeof(float));
        harness_expect_ok(clnn_model_get_param(m, p, NULL, NULL, before[p], NULL));
    }
    harness_expect_ok(clnn_model_train_on_batch(m, x, y, N, NULL));
    double sq = 0.0;
    for (int p = 0; p < count; p++) {
        harness_expect_ok(clnn_model_get_param(m, p, NULL, NULL, after[p], NULL));
        for (int64_t i = 0; i < sizes[p]; i++)
            sq += ((double)after[p][i] - before[p][i]) * ((double)after[p][i] - before[p][i]);
    }
    /* fp32 parameters of size ~1 moved by ~1e-4 each: ~1e-7 relative rounding each. */
    ck_assert_msg(fabs(sqrt(sq) - 1e-3) < 5e-5, "update norm %g", sqrt(sq));
    clnn_model_destroy(m);
}
END_TEST

/* Remembering the first step: y = [x_0 > 0] over T steps (small mode: a shorter,
 * smaller version, since oclgrind simulates every step). */
START_TEST(lstm_learns_to_remember)
{
    enum { NMAX = 32, TMAX = 8 };
    int n = small_mode ? 8 : NMAX, t = small_mode ? 3 : TMAX, steps = small_mode ? 30 : 120;
    float x[NMAX * TMAX];
    int32_t y[NMAX];
    harness_random(x, (size_t)(n * t), 17, -1, 1);
    for (int i = 0; i < n; i++) y[i] = x[i * t] > 0;
    clnn_model_t m = mt_new_model(2, (int64_t[]){t, 1});
    harness_expect_ok(clnn_model_set_seed(m, 3));
    harness_expect_ok(clnn_model_add_lstm(m, small_mode ? 4 : 8, 0));
    harness_expect_ok(clnn_model_add_dense(m, 2, CLNN_MODEL_SOFTMAX));
    harness_expect_ok(clnn_model_set_global_clipnorm(m, 1.0f));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = small_mode ? 0.1f : 0.05f;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &adam, n));
    float first = 0.0f, loss = 0.0f, acc = 0.0f;
    harness_expect_ok(clnn_model_train_on_batch(m, x, y, n, &first));
    for (int s = 1; s < steps; s++)
        harness_expect_ok(clnn_model_train_on_batch(m, x, y, n, s == steps - 1 ? &loss : NULL));
    harness_expect_ok(clnn_model_evaluate(m, x, y, n, NULL, &acc));
    ck_assert_msg(acc >= 0.9f && loss < 0.5f * first, "loss %g -> %g, accuracy %g", first,
                  loss, acc);
    clnn_model_destroy(m);
}
END_TEST

START_TEST(sequence_bad_input_is_rejected)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){6});
    harness_expect_error(clnn_model_add_lstm(m, 4, 0), CLNN_SHAPE_MISMATCH, "layer 0 (LSTM");
    harness_expect_error(clnn_model_add_gru(m, 4, 0), CLNN_SHAPE_MISMATCH, "[timesteps");
    harness_expect_error(clnn_model_add_embedding(m, 0, 4), CLNN_INVALID_VALUE, "vocab");
    harness_expect_error(clnn_model_add_embedding(m, 5, 0), CLNN_INVALID_VALUE, "dim");
    harness_expect_ok(clnn_model_add_embedding(m, 5, 3));
    harness_expect_error(clnn_model_add_embedding(m, 5, 3), CLNN_INVALID_VALUE, "first layer");
    harness_expect_error(clnn_model_add_simple_rnn(m, 0, 0), CLNN_INVALID_VALUE, "units");
    harness_expect_error(clnn_model_add_simple_rnn(m, 2, 2), CLNN_INVALID_VALUE,
                         "return_sequences");
    harness_expect_error(clnn_model_add_simple_rnn(NULL, 2, 0), CLNN_NULL_POINTER, "model");
    harness_expect_ok(clnn_model_add_simple_rnn(m, 2, 0));
    harness_expect_error(clnn_model_add_lstm(m, 4, 0), CLNN_SHAPE_MISMATCH, "layer 2 (LSTM");
    harness_expect_error(clnn_model_set_global_clipnorm(m, -1.0f), CLNN_INVALID_VALUE,
                         "max_norm");
    harness_expect_error(clnn_model_set_global_clipnorm(m, NAN), CLNN_INVALID_VALUE, "max_norm");
    harness_expect_error(clnn_model_set_global_clipnorm(NULL, 1.0f), CLNN_NULL_POINTER, "model");
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_MSE, &sgd, 2));
    harness_expect_error(clnn_model_add_lstm(m, 4, 0), CLNN_INVALID_VALUE, "compiled");
    harness_expect_error(clnn_model_add_embedding(m, 5, 3), CLNN_INVALID_VALUE, "compiled");
    float x[12] = {0, 1, 2, 3, 4, 4, 1, 1, 1, 1, 1, 5}, y[4] = {0}, out[4] = {7, 7, 7, 7};
    harness_expect_error(clnn_model_fit(m, x, y, 2, NULL, NULL), CLNN_INVALID_VALUE,
                         "x[11] = 5");
    harness_expect_error(clnn_model_predict(m, x, 2, out), CLNN_INVALID_VALUE, "token id");
    ck_assert_float_eq(out[0], 7.0f);
    x[11] = -1.0f;
    harness_expect_error(clnn_model_evaluate(m, x, y, 2, NULL, NULL), CLNN_INVALID_VALUE,
                         "x[11]");
    x[11] = 1.5f;
    harness_expect_error(clnn_model_train_on_batch(m, x, y, 2, NULL), CLNN_INVALID_VALUE,
                         "x[11] = 1.5");
    x[11] = 4.0f;
    harness_expect_ok(clnn_model_predict(m, x, 2, out));
    ck_assert(isfinite(out[0]) && isfinite(out[3]));
    clnn_model_destroy(m);
}
END_TEST

static clnn_model_t small_classifier(uint64_t seed, int64_t batch, float lr)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_set_seed(m, seed));
    harness_expect_ok(clnn_model_add_dense(m, 16, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = lr;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &adam, batch));
    return m;
}

START_TEST(overfits_a_tiny_batch)
{
    float x[32];
    int32_t y[8];
    mt_sign_task(x, y, 8, 3);
    clnn_model_t m = small_classifier(1, 8, 0.05f);
    float first = 0.0f, loss = 0.0f;
    harness_expect_ok(clnn_model_train_on_batch(m, x, y, 8, &first));
    for (int s = 0; s < 200; s++)
        harness_expect_ok(clnn_model_train_on_batch(m, x, y, 8, s == 199 ? &loss : NULL));
    ck_assert_msg(loss < 0.05f && first > 0.5f, "loss %g -> %g", first, loss);
    float acc;
    harness_expect_ok(clnn_model_evaluate(m, x, y, 8, NULL, &acc));
    ck_assert_float_eq(acc, 1.0f);
    clnn_model_destroy(m);
}
END_TEST

/* fit with shuffling, a partial last batch (100 = 3 * 32 + 4) and validation,
 * plain progress lines to a file. */
START_TEST(fit_learns_and_reports)
{
    enum { N = 100, V = 50 };
    float *x = harness_alloc(4 * N * sizeof(float)), *vx = harness_alloc(4 * V * sizeof(float));
    int32_t *y = harness_alloc(N * sizeof(int32_t)), *vy = harness_alloc(V * sizeof(int32_t));
    mt_sign_task(x, y, N, 5);
    mt_sign_task(vx, vy, V, 6);
    clnn_model_t m = small_classifier(2, 32, 0.02f);
    FILE *f = tmpfile();
    clnn_fit_options o = clnn_fit_options_default();
    o.epochs = 40;
    o.progress = f;
    o.val_x = vx;
    o.val_y = vy;
    o.val_count = V;
    clnn_metrics r;
    harness_expect_ok(clnn_model_fit(m, x, y, N, &o, &r));
    ck_assert_msg(r.accuracy >= 0.9f && r.val_accuracy >= 0.85f && r.loss < 0.4f,
                  "loss %g accuracy %g val %g", r.loss, r.accuracy, r.val_accuracy);
    float loss, acc;
    harness_expect_ok(clnn_model_evaluate(m, vx, vy, V, &loss, &acc));
    ck_assert_float_eq_tol(loss, r.val_loss, 1e-6);
    ck_assert_float_eq_tol(acc, r.val_accuracy, 1e-6);
    long size = ftell(f);
    char *text = harness_alloc((size_t)size + 1);
    rewind(f);
    ck_assert_int_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    ck_assert_msg(strstr(text, "Epoch 40/40\n4/4 - ") && strstr(text, "val_accuracy: "),
                  "%s", text);
    clnn_model_destroy(m);
}
END_TEST

START_TEST(save_load_predict_round_trip)
{
    enum { N = 10 };
    float x[4 * N], p1[3 * N], p2[3 * N], p3[3 * N];
    int32_t y[N];
    mt_sign_task(x, y, N, 9);
    char path[] = "/tmp/clnn-model-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    clnn_model_t a = small_classifier(3, 4, 0.01f), b = small_classifier(4, 8, 0.01f);
    for (int s = 0; s < 5; s++) harness_expect_ok(clnn_model_train_on_batch(a, x, y, 4, NULL));
    harness_expect_ok(clnn_model_save_weights(a, path));
    harness_expect_ok(clnn_model_predict(a, x, N, p1));
    harness_expect_ok(clnn_model_predict(b, x, N, p3));
    harness_expect_ok(clnn_model_load_weights(b, path));
    harness_expect_ok(clnn_model_predict(b, x, N, p2));
    ck_assert_msg(!memcmp(p1, p2, sizeof p1), "predictions differ after load");
    for (int i = 0; i < N; i++) ck_assert_float_eq_tol(p1[3 * i] + p1[3 * i + 1] + p1[3 * i + 2],
                                                      1.0f, 1e-5);
    /* A file of another model: shape mismatch, weights unchanged. */
    clnn_model_t c = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(c, 16, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(c, 5, CLNN_ACTIVATION_NONE));
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_compile(c, CLNN_LOSS_MSE, &sgd, 2));
    harness_expect_error(clnn_model_load_weights(c, path), CLNN_SHAPE_MISMATCH, "dense_1/kernel");
    harness_expect_ok(clnn_model_save_weights(c, path));
    harness_expect_error(clnn_model_load_weights(b, path), CLNN_SHAPE_MISMATCH, "dense_1/kernel");
    harness_expect_ok(clnn_model_predict(b, x, N, p2));
    ck_assert_msg(!memcmp(p1, p2, sizeof p1), "a failed load changed the weights");
    /* A malformed file. */
    FILE *f = fopen(path, "wb");
    fputs("not a safetensors file", f);
    fclose(f);
    harness_expect_status(clnn_model_load_weights(b, path), CLNN_BAD_FORMAT);
    harness_expect_ok(clnn_model_predict(b, x, N, p2));
    ck_assert_msg(!memcmp(p1, p2, sizeof p1), "a failed load changed the weights");
    remove(path);
    close(fd);
    clnn_model_destroy(a);
    clnn_model_destroy(b);
    clnn_model_destroy(c);
}
END_TEST

START_TEST(dropout_trains_and_is_off_in_inference)
{
    float x[4 * 8], p1[3 * 8], p2[3 * 8];
    int32_t y[8];
    mt_sign_task(x, y, 8, 12);
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 32, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dropout(m, 0.5f));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_NONE));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 0.02f;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE_LOGITS, &adam, 8));
    float loss = 0.0f;
    for (int s = 0; s < 150; s++)
        harness_expect_ok(clnn_model_train_on_batch(m, x, y, 8, s == 149 ? &loss : NULL));
    ck_assert_msg(loss < 0.5f, "loss %g", loss);
    harness_expect_ok(clnn_model_predict(m, x, 8, p1));
    harness_expect_ok(clnn_model_predict(m, x, 8, p2));
    ck_assert(!memcmp(p1, p2, sizeof p1));
    clnn_model_destroy(m);
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_model_t m;
    harness_expect_error(clnn_model_create(NULL, &m), CLNN_NULL_POINTER, "ctx");
    harness_expect_error(clnn_model_create(ctx, NULL), CLNN_NULL_POINTER, "model");
    harness_expect_ok(clnn_model_create(ctx, &m));
    harness_expect_error(clnn_model_add_dense(m, 3, 0), CLNN_INVALID_VALUE, "add_input");
    harness_expect_error(clnn_model_add_input(m, 0, (int64_t[]){1}), CLNN_INVALID_VALUE, "rank");
    harness_expect_error(clnn_model_add_input(m, 1, NULL), CLNN_NULL_POINTER, "dims");
    harness_expect_ok(clnn_model_add_input(m, 1, (int64_t[]){6}));
    harness_expect_error(clnn_model_add_conv2d(m, 2, 3, 3, 1, CLNN_PAD_VALID, 0),
                         CLNN_SHAPE_MISMATCH, "layer 0 (Conv2D");
    harness_expect_error(clnn_model_add_maxpool2d(m, 2, 2), CLNN_SHAPE_MISMATCH,
                         "layer 0 (MaxPooling2D");
    harness_expect_error(clnn_model_add_dense(m, 0, 0), CLNN_INVALID_VALUE, "units");
    harness_expect_error(clnn_model_add_dense(m, 3, 55), CLNN_INVALID_VALUE, "activation");
    harness_expect_error(clnn_model_add_dropout(m, 1.0f), CLNN_INVALID_VALUE, "rate");
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_dense(m, 2, CLNN_MODEL_SOFTMAX));
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, 0), CLNN_INVALID_VALUE,
                         "batch_size");
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, NULL, 4), CLNN_NULL_POINTER,
                         "optimizer");
    sgd.lr = -1.0f;
    harness_expect_status(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, 4),
                          CLNN_INVALID_VALUE);
    sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    float x[12] = {0};
    int32_t y[2] = {0, 2};
    harness_expect_error(clnn_model_fit(m, x, y, 2, NULL, NULL), CLNN_INVALID_VALUE, "compile");
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, 4));
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, 4), CLNN_INVALID_VALUE,
                         "compiled");
    harness_expect_error(clnn_model_add_dense(m, 3, 0), CLNN_INVALID_VALUE, "compiled");
    harness_expect_error(clnn_model_fit(m, x, y, 2, NULL, NULL), CLNN_INVALID_VALUE, "y[1] = 2");
    y[1] = -1;
    harness_expect_error(clnn_model_evaluate(m, x, y, 2, NULL, NULL), CLNN_INVALID_VALUE, "y[1]");
    y[1] = 1;
    harness_expect_error(clnn_model_fit(m, NULL, y, 2, NULL, NULL), CLNN_NULL_POINTER, "x");
    harness_expect_error(clnn_model_fit(m, x, y, 0, NULL, NULL), CLNN_INVALID_VALUE, "n = 0");
    harness_expect_error(clnn_model_train_on_batch(m, x, y, 5, NULL), CLNN_INVALID_VALUE, "n = 5");
    harness_expect_error(clnn_model_predict(m, x, 2, NULL), CLNN_NULL_POINTER, "out");
    harness_expect_error(clnn_model_get_param(m, 4, NULL, NULL, NULL, NULL), CLNN_INVALID_VALUE,
                         "index 4");
    harness_expect_status(clnn_model_load_weights(m, "/nonexistent/w.safetensors"),
                          CLNN_IO_ERROR);
    clnn_model_destroy(m);
    /* A loss that does not fit the output ([T, classes] per-token outputs are
     * fine for the sparse losses; a rank-3 output is not). */
    harness_expect_ok(clnn_model_create(ctx, &m));
    harness_expect_ok(clnn_model_add_input(m, 3, (int64_t[]){2, 3, 4}));
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, 4),
                         CLNN_INVALID_VALUE, "layer");
    harness_expect_ok(clnn_model_add_dense(m, 3, 0));
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, 4),
                         CLNN_SHAPE_MISMATCH, "[classes]");
    clnn_model_destroy(m);
    clnn_model_destroy(NULL);
    /* The data set loader names the Debian package when files are missing. */
    clnn_dataset *d = NULL;
    harness_expect_error(clnn_dataset_load_mnist("/nonexistent", CLNN_DATASET_TRAIN, &d),
                         CLNN_IO_ERROR, "dataset-fashion-mnist");
    ck_assert_ptr_null(d);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && !strcmp(small, "1");
    Suite *s = suite_create("model");
    TCase *tc = harness_tcase(s, "summary");
    tcase_add_test(tc, summary_matches_keras);
    tcase_add_test(tc, recurrent_summary_matches_keras);
    tc = harness_tcase(s, "gradients");
    tcase_add_test(tc, dense_gradients_match_finite_differences);
    tcase_add_test(tc, conv_gradients_match_finite_differences);
    tcase_add_test(tc, lstm_gru_gradients_match_finite_differences);
    tcase_add_test(tc, embedding_rnn_gradients_match_finite_differences);
    tc = harness_tcase(s, "training");
    tcase_add_test(tc, overfits_a_tiny_batch);
    tcase_add_test(tc, fit_learns_and_reports);
    tcase_add_test(tc, dropout_trains_and_is_off_in_inference);
    tcase_add_test(tc, clipnorm_bounds_the_update);
    tcase_add_test(tc, lstm_learns_to_remember);
    tc = harness_tcase(s, "weights");
    tcase_add_test(tc, save_load_predict_round_trip);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tcase_add_test(tc, sequence_bad_input_is_rejected);
    return harness_main(s);
}
