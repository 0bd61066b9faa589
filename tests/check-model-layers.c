/* The sequential model's normalization, transposed-convolution, pooling and
 * reshape layers: Keras parameter counts and output sizes, gradients through
 * tiny models against finite differences, forward passes against double CPU
 * references, BatchNormalization's training/inference behaviour and moving
 * statistics (saved and loaded), training, and bad input. */
#include "model-util.h"
#include "ref/ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int small_mode; /* CLNN_TEST_SMALL=1: sparser finite differences */

static int64_t count_of(const clnn_tensor_desc *d)
{
    int64_t c = 1;
    for (int i = 0; i < d->rank; i++) c *= d->dims[i];
    return c;
}

static void compile_mse(clnn_model_t m, int64_t batch)
{
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_MSE, &sgd, batch));
}

/* Parameter `index` as a host array of its element count (freed after the test). */
static float *param_values(clnn_model_t m, int index, int64_t *count)
{
    clnn_tensor_desc d;
    harness_expect_ok(clnn_model_get_param(m, index, NULL, &d, NULL, NULL));
    *count = count_of(&d);
    float *v = harness_alloc((size_t)*count * sizeof(float));
    harness_expect_ok(clnn_model_get_param(m, index, NULL, NULL, v, NULL));
    return v;
}

/* Sets parameter `index` to reproducible values in [lo, hi) and returns them. */
static float *random_param(clnn_model_t m, int index, uint32_t seed, float lo, float hi)
{
    int64_t count;
    float *v = param_values(m, index, &count);
    harness_random(v, (size_t)count, seed, lo, hi);
    harness_expect_ok(clnn_model_set_param(m, index, v));
    return v;
}

/* ------------------------------------------------------------ references */

/* A double copy of float data (freed after the test), for tests/ref/. */
static double *doubles(const float *v, size_t n)
{
    double *d = harness_alloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

/* A Conv2DTranspose case with Keras' output size oh x ow. */
typedef struct tconv_case {
    int64_t c, h, w, k, kh, kw, s, op;
    int same;
    int64_t oh, ow;
} tconv_case;

/* TensorFlow places a "same" transposed convolution as the gradient of the conv2d
 * from its output size: the top (left) pad is half the total, rounded down. */
static long tf_pad_begin(int same, int64_t in, int64_t k, int64_t s, int64_t out)
{
    int64_t total = (in - 1) * s + k - out;
    return same && total > 0 ? (long)(total / 2) : 0;
}

/* Keras' Conv2DTranspose of n samples through tests/ref's ONNX scatter. */
static void ref_keras_conv_transpose(const tconv_case *t, long n, const float *x,
                                     const float *w, const float *bias, double *y)
{
    ref_conv p = {n, t->c, t->h, t->w, t->k, t->oh, t->ow, t->kh, t->kw, t->s, t->s, 1, 1,
                  tf_pad_begin(t->same, t->h, t->kh, t->s, t->oh),
                  tf_pad_begin(t->same, t->w, t->kw, t->s, t->ow), 1};
    ref_conv_transpose2d(&p, doubles(x, (size_t)(n * t->c * t->h * t->w)),
                         doubles(w, (size_t)(t->c * t->k * t->kh * t->kw)),
                         doubles(bias, (size_t)t->k), y);
}

/* ------------------------------------------------------------- summaries */

START_TEST(summary_counts_match_keras)
{
    /* BatchNormalization after Dense(64): 4 * 64, half of it non-trainable. */
    clnn_model_t m = mt_new_model(1, (int64_t[]){32});
    harness_expect_ok(clnn_model_add_dense(m, 64, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_batchnorm(m, CLNN_MODEL_BN_MOMENTUM,
                                               CLNN_MODEL_NORM_EPSILON));
    mt_expect_summary(m, 2112 + 256, 2112 + 128,
                      mt_row("batch_normalization (Batch", "(None, 64)", "256"));
    /* Conv2DTranspose(32, 3x3) on 64 channels: 3*3*32*64 + 32. */
    m = mt_new_model(3, (int64_t[]){64, 7, 7});
    harness_expect_ok(clnn_model_add_conv_transpose2d(m, 32, 3, 3, 2, CLNN_PAD_SAME_UPPER, -1,
                                                      CLNN_ACTIVATION_RELU));
    mt_expect_summary(m, 18464, 18464, mt_row("conv2d_transpose (Conv2DTr", "(None, 32, 14, 14)",
                                              "18464"));
    /* BatchNormalization on images counts channels; pooling and reshape have no
     * parameters; LayerNormalization has 2 * the last dim. */
    m = mt_new_model(3, (int64_t[]){8, 6, 6});
    harness_expect_ok(clnn_model_add_batchnorm(m, 0.9f, 1e-3f));
    harness_expect_ok(clnn_model_add_avgpool2d(m, 2, 2));
    harness_expect_ok(clnn_model_add_global_avgpool2d(m));
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_layernorm(m, 1e-3f));
    harness_expect_ok(clnn_model_add_reshape(m, 2, (int64_t[]){2, -1}));
    char *text = mt_summary_text(m);
    /* Names past 26 characters wrap as in Keras 2. */
    ck_assert_msg(strstr(text, mt_row("average_pooling2d (Average", "(None, 8, 3, 3)", "0")) &&
                  strstr(text, mt_row("global_average_pooling2d (", "(None, 8)", "0")) &&
                  strstr(text, "\n GlobalAveragePooling2D)     ") &&
                  strstr(text, mt_row("layer_normalization (Layer", "(None, 4)", "8")) &&
                  strstr(text, "\n Normalization)     "),
                  "%s", text);
    mt_expect_summary(m, 32 + 36 + 8, 16 + 36 + 8, mt_row("reshape (Reshape)", "(None, 2, 2)",
                                                          "0"));
    m = mt_new_model(3, (int64_t[]){5, 4, 3});
    harness_expect_ok(clnn_model_add_global_maxpool2d(m));
    mt_expect_summary(m, 0, 0, mt_row("global_max_pooling2d (Glob", "(None, 5)", "0"));
}
END_TEST

/* Keras' deconv_output_length for each padding and output_padding. */
static const tconv_case tconv_cases[] = {
    /* c  h  w  k kh kw  s  op same   oh  ow */
    {2, 7, 7, 1, 3, 3, 2, -1, 0, 15, 15},
    {2, 7, 5, 1, 3, 3, 2, -1, 1, 14, 10},
    {2, 7, 7, 1, 2, 2, 2, -1, 0, 14, 14},
    {2, 7, 7, 1, 1, 1, 2, -1, 0, 14, 14}, /* kernel smaller than the stride */
    {2, 7, 7, 1, 3, 3, 2, 1, 1, 14, 14},
    {2, 7, 7, 1, 3, 3, 2, 1, 0, 16, 16},
    {2, 7, 7, 1, 4, 4, 2, -1, 1, 14, 14},
    {2, 7, 7, 1, 5, 5, 3, 2, 1, 21, 21},
    {2, 5, 5, 1, 3, 3, 1, -1, 1, 5, 5},
    {2, 5, 5, 1, 3, 3, 1, -1, 0, 7, 7},
    {2, 4, 3, 3, 3, 2, 2, 0, 1, 7, 4},
};

static clnn_model_t tconv_model(const tconv_case *t)
{
    clnn_model_t m = mt_new_model(3, (int64_t[]){t->c, t->h, t->w});
    harness_expect_ok(clnn_model_add_conv_transpose2d(
        m, t->k, t->kh, t->kw, t->s, t->same ? CLNN_PAD_SAME_UPPER : CLNN_PAD_VALID, t->op,
        CLNN_ACTIVATION_NONE));
    return m;
}

START_TEST(conv_transpose_sizes_and_values_match_keras)
{
    for (size_t i = 0; i < sizeof tconv_cases / sizeof tconv_cases[0]; i++) {
        const tconv_case *t = &tconv_cases[i];
        clnn_model_t m = tconv_model(t);
        clnn_tensor_desc d;
        harness_expect_ok(clnn_model_output_desc(m, &d));
        ck_assert_msg(d.rank == 3 && d.dims[1] == t->oh && d.dims[2] == t->ow,
                      "case %zu: %lldx%lld, Keras gives %lldx%lld", i, (long long)d.dims[1],
                      (long long)d.dims[2], (long long)t->oh, (long long)t->ow);
        /* Two samples; values against the scatter reference (sums of <= 2*3*3
         * products of values below 1: fp32 rounding near 1e-6). */
        enum { N = 2 };
        int64_t in = t->c * t->h * t->w, out = t->k * t->oh * t->ow;
        float *x = harness_alloc((size_t)(N * in) * sizeof(float));
        float *y = harness_alloc((size_t)(N * out) * sizeof(float));
        double *want = harness_alloc((size_t)(N * out) * sizeof(double));
        harness_random(x, (size_t)(N * in), 31 + (uint32_t)i, -1, 1);
        compile_mse(m, N);
        int64_t wn;
        float *w = param_values(m, 0, &wn);
        float *b = random_param(m, 1, 5, -1, 1);
        harness_expect_ok(clnn_model_predict(m, x, N, y));
        ref_keras_conv_transpose(t, N, x, w, b, want);
        harness_expect_close(y, want, (size_t)(N * out), 1e-5, 1e-5, "conv_transpose");
        clnn_model_destroy(m);
    }
}
END_TEST

/* ------------------------------------------------------------- gradients */

/* Labels cycling over the classes, then the gradient check (tolerances in
 * model-util.c: fp32 loss differences, atol 1e-4, rtol 1e-3). */
static void check_sparse_gradients(clnn_model_t m, int64_t sample, int64_t n,
                                   int64_t classes, int64_t stride)
{
    float *x = harness_alloc((size_t)(sample * n) * sizeof(float));
    int32_t *y = harness_alloc((size_t)n * sizeof(int32_t));
    harness_random(x, (size_t)(sample * n), 11, -1, 1);
    for (int64_t i = 0; i < n; i++) y[i] = (int32_t)((i * 7 + 3) % classes);
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &sgd, n));
    mt_check_gradients(m, x, y, n, stride);
}

/* Dense -> BatchNormalization -> LayerNormalization: the first dense kernel's
 * gradient is the normalizations' input gradient; gamma and beta are checked
 * directly (the training loss uses batch statistics; the moving ones get 0). */
START_TEST(norm_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){5});
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_batchnorm(m, 0.9f, 1e-3f));
    harness_expect_ok(clnn_model_add_activation(m, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(m, 7, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_layernorm(m, 1e-3f));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    check_sparse_gradients(m, 5, 6, 3, small_mode ? 3 : 1);
}
END_TEST

/* Conv2D -> image BatchNormalization -> Conv2DTranspose (same, stride 2) ->
 * AveragePooling2D -> GlobalAveragePooling2D -> Dense. */
START_TEST(image_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(3, (int64_t[]){2, 5, 4});
    harness_expect_ok(clnn_model_add_conv2d(m, 3, 3, 3, 1, CLNN_PAD_SAME_UPPER,
                                            CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_batchnorm(m, 0.99f, 1e-3f));
    harness_expect_ok(clnn_model_add_conv_transpose2d(m, 2, 3, 3, 2, CLNN_PAD_SAME_UPPER, -1,
                                                      CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_avgpool2d(m, 2, 2));
    harness_expect_ok(clnn_model_add_global_avgpool2d(m));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    check_sparse_gradients(m, 40, 3, 3, small_mode ? 5 : 1);
}
END_TEST

/* Dense -> Reshape to an image -> Conv2DTranspose (valid, output_padding) ->
 * GlobalMaxPooling2D -> Dense (the max's kink is far from the 1e-2 steps with
 * these random values). */
START_TEST(reshape_gradients_match_finite_differences)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 8, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_reshape(m, 3, (int64_t[]){2, -1, 2}));
    harness_expect_ok(clnn_model_add_conv_transpose2d(m, 3, 2, 2, 2, CLNN_PAD_VALID, 1,
                                                      CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_global_maxpool2d(m));
    harness_expect_ok(clnn_model_add_dense(m, 2, CLNN_MODEL_SOFTMAX));
    check_sparse_gradients(m, 4, 3, 2, small_mode ? 3 : 1);
}
END_TEST

/* -------------------------------------------------------------- forward */

/* Training uses the batch statistics and moves the moving ones (momentum m:
 * moving = m * moving + (1 - m) * batch, the unbiased variance); inference uses
 * the moving ones, so the two differ as in Keras. x has a mean of about 2, so the
 * first moving mean (0.2) is far from it. MSE against zeros is the mean square
 * of the normalized batch. fp32 single ops and short sums: rtol 1e-5. */
START_TEST(batchnorm_training_and_inference_differ_as_keras)
{
    enum { N = 6, C = 3 };
    const float momentum = 0.9f, eps = 1e-3f;
    float x[N * C], zeros[N * C] = {0}, out[N * C], loss, mv[C], mm[C];
    harness_random(x, N * C, 41, 1, 3);
    clnn_model_t m = mt_new_model(1, (int64_t[]){C});
    harness_expect_ok(clnn_model_add_batchnorm(m, momentum, eps));
    compile_mse(m, N);
    float *gamma = random_param(m, 0, 42, 0.5f, 1.5f), *beta = random_param(m, 1, 43, -1, 1);
    harness_expect_ok(clnn_model_compute_gradients(m, x, zeros, N, &loss));
    double mean[C], var[C], y[N * C], sq = 0.0;
    ref_batchnorm_train(N, C, 1, eps, doubles(x, N * C), doubles(gamma, C), doubles(beta, C),
                        y, mean, var);
    for (int i = 0; i < N * C; i++) sq += y[i] * y[i];
    double want_loss = sq / (N * C);
    harness_expect_close(&loss, &want_loss, 1, 1e-5, 0, "training loss");
    double want_mm[C], want_mv[C];
    for (int c = 0; c < C; c++) {
        want_mm[c] = (1.0 - momentum) * mean[c];
        want_mv[c] = momentum * 1.0 + (1.0 - momentum) * var[c] * N / (N - 1);
    }
    harness_expect_ok(clnn_model_get_param(m, 2, NULL, NULL, mm, NULL));
    harness_expect_ok(clnn_model_get_param(m, 3, NULL, NULL, mv, NULL));
    harness_expect_close(mm, want_mm, C, 1e-5, 1e-7, "moving_mean");
    harness_expect_close(mv, want_mv, C, 1e-5, 1e-7, "moving_variance");
    /* Inference: the moving statistics. */
    double want[N * C];
    ref_batchnorm_inference(N, C, 1, eps, x, gamma, beta, mm, mv, want);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    harness_expect_close(out, want, N * C, 1e-5, 1e-6, "inference output");
    double gap = 0.0;
    for (int i = 0; i < N * C; i++) gap = fmax(gap, fabs(want[i] - y[i]));
    ck_assert_msg(gap > 0.5, "training and inference outputs are too close (%g)", gap);
    float eval_loss;
    harness_expect_ok(clnn_model_evaluate(m, x, zeros, N, &eval_loss, NULL));
    ck_assert_msg(fabsf(eval_loss - loss) > 0.1f, "evaluate %g, training %g", eval_loss, loss);
    clnn_model_destroy(m);
}
END_TEST

/* Image BatchNormalization (per channel of [C, H, W]) in inference with set
 * statistics, and LayerNormalization over the last axis, against references
 * (single normalizations: rtol 1e-5). */
START_TEST(norm_inference_matches_reference)
{
    enum { N = 3, C = 4, H = 3, W = 5, E = N * C * H * W };
    float x[E], out[E];
    double want[E];
    harness_random(x, E, 51, -2, 2);
    clnn_model_t m = mt_new_model(3, (int64_t[]){C, H, W});
    harness_expect_ok(clnn_model_add_batchnorm(m, 0.99f, 1e-2f));
    compile_mse(m, N);
    float *g = random_param(m, 0, 52, 0.5f, 1.5f), *b = random_param(m, 1, 53, -1, 1);
    float *mm = random_param(m, 2, 54, -1, 1), *mv = random_param(m, 3, 55, 0.2f, 2);
    ref_batchnorm_inference(N, C, H * W, 1e-2, x, g, b, mm, mv, want);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    harness_expect_close(out, want, E, 1e-5, 1e-6, "batchnorm inference");
    clnn_model_destroy(m);

    m = mt_new_model(3, (int64_t[]){C, H, W});
    harness_expect_ok(clnn_model_add_layernorm(m, 1e-3f));
    compile_mse(m, N);
    g = random_param(m, 0, 56, 0.5f, 1.5f);
    b = random_param(m, 1, 57, -1, 1);
    ref_layernorm(0, N * C * H, W, 1e-3, doubles(x, E), doubles(g, W), doubles(b, W), want,
                  NULL, NULL);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    harness_expect_close(out, want, E, 1e-5, 1e-5, "layernorm");
    clnn_model_destroy(m);
}
END_TEST

/* AveragePooling2D (valid, stride below the window), the global poolings and
 * Reshape (values unchanged) against references (short sums: rtol 1e-6). */
START_TEST(pooling_and_reshape_match_reference)
{
    enum { N = 2, C = 3, H = 7, W = 6, K = 3, S = 2, OH = 3, OW = 2, E = N * C * H * W };
    float x[E], out[E];
    double want[E];
    harness_random(x, E, 61, -1, 1);
    double *xd = doubles(x, E);
    clnn_model_t m = mt_new_model(3, (int64_t[]){C, H, W});
    harness_expect_ok(clnn_model_add_avgpool2d(m, K, S));
    compile_mse(m, N);
    ref_pool p = {CLNN_POOL_AVERAGE_EXCLUDE_PAD, N, C, H, W, OH, OW, K, K, S, S, 1, 1,
                  0, 0, 0, 0};
    ref_pool2d_forward(&p, xd, want, NULL);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    harness_expect_close(out, want, N * C * OH * OW, 1e-6, 1e-7, "average pooling");
    clnn_model_destroy(m);
    for (int max = 0; max < 2; max++) {
        m = mt_new_model(3, (int64_t[]){C, H, W});
        harness_expect_ok(max ? clnn_model_add_global_maxpool2d(m)
                              : clnn_model_add_global_avgpool2d(m));
        compile_mse(m, N);
        ref_global_pool_forward(max ? CLNN_POOL_MAX : CLNN_POOL_AVERAGE_EXCLUDE_PAD, N * C,
                                H * W, xd, want, NULL);
        harness_expect_ok(clnn_model_predict(m, x, N, out));
        harness_expect_close(out, want, N * C, 1e-6, 1e-7, max ? "global max" : "global mean");
        clnn_model_destroy(m);
    }
    m = mt_new_model(3, (int64_t[]){C, H, W});
    harness_expect_ok(clnn_model_add_reshape(m, 2, (int64_t[]){-1, 3 * W}));
    harness_expect_ok(clnn_model_add_reshape(m, 1, (int64_t[]){C * H * W}));
    compile_mse(m, N);
    clnn_tensor_desc d;
    harness_expect_ok(clnn_model_output_desc(m, &d));
    ck_assert(d.rank == 1 && d.dims[0] == C * H * W);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    ck_assert(!memcmp(out, x, sizeof x));
    clnn_model_destroy(m);
}
END_TEST

/* ------------------------------------------------------------- training */

static clnn_model_t bn_classifier(uint64_t seed, int64_t batch, float lr)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_set_seed(m, seed));
    harness_expect_ok(clnn_model_add_dense(m, 16, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_batchnorm(m, 0.9f, 1e-3f));
    harness_expect_ok(clnn_model_add_activation(m, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = lr;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &adam, batch));
    return m;
}

/* With momentum 0.9 the moving statistics follow the (slowly moving) batch ones
 * after 200 steps, so inference classifies the batch too. */
START_TEST(batchnorm_model_overfits_a_tiny_batch)
{
    float x[4 * 8], first = 0.0f, loss = 0.0f, acc = 0.0f;
    int32_t y[8];
    mt_sign_task(x, y, 8, 3);
    clnn_model_t m = bn_classifier(1, 8, 0.05f);
    harness_expect_ok(clnn_model_train_on_batch(m, x, y, 8, &first));
    for (int s = 0; s < 200; s++)
        harness_expect_ok(clnn_model_train_on_batch(m, x, y, 8, s == 199 ? &loss : NULL));
    ck_assert_msg(loss < 0.05f && first > 0.5f, "loss %g -> %g", first, loss);
    harness_expect_ok(clnn_model_evaluate(m, x, y, 8, NULL, &acc));
    ck_assert_float_eq(acc, 1.0f);
    clnn_model_destroy(m);
}
END_TEST

/* Save -> load -> predict gives identical outputs, moving statistics included
 * (the second model never trained, so its own statistics are 0 and 1). */
START_TEST(save_load_keeps_moving_statistics)
{
    enum { N = 10 };
    float x[4 * N], p1[3 * N], p2[3 * N];
    int32_t y[N];
    mt_sign_task(x, y, N, 9);
    char path[] = "/tmp/clnn-model-layers-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    clnn_model_t a = bn_classifier(3, 5, 0.01f), b = bn_classifier(4, 5, 0.01f);
    for (int s = 0; s < 5; s++) harness_expect_ok(clnn_model_train_on_batch(a, x, y, 5, NULL));
    harness_expect_ok(clnn_model_save_weights(a, path));
    harness_expect_ok(clnn_model_predict(a, x, N, p1));
    harness_expect_ok(clnn_model_load_weights(b, path));
    harness_expect_ok(clnn_model_predict(b, x, N, p2));
    ck_assert_msg(!memcmp(p1, p2, sizeof p1), "predictions differ after load");
    for (int p = 4; p < 6; p++) {
        const char *name;
        float va[16], vb[16];
        harness_expect_ok(clnn_model_get_param(a, p, &name, NULL, va, NULL));
        harness_expect_ok(clnn_model_get_param(b, p, NULL, NULL, vb, NULL));
        ck_assert_msg(strstr(name, "moving_") && !memcmp(va, vb, sizeof va), "%s", name);
    }
    remove(path);
    close(fd);
    clnn_model_destroy(a);
    clnn_model_destroy(b);
}
END_TEST

/* ------------------------------------------------------------ bad input */

static void expect_layers(clnn_model_t m, int rank, int64_t last)
{
    clnn_tensor_desc d;
    harness_expect_ok(clnn_model_output_desc(m, &d));
    ck_assert_int_eq(d.rank, rank);
    ck_assert_int_eq(d.dims[rank - 1], last);
}

START_TEST(bad_layer_input_is_rejected)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){6});
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 2, 3, 3, 1, CLNN_PAD_VALID, -1, 0),
                         CLNN_SHAPE_MISMATCH, "layer 0 (Conv2DTranspose");
    harness_expect_error(clnn_model_add_avgpool2d(m, 2, 2), CLNN_SHAPE_MISMATCH,
                         "layer 0 (AveragePooling2D 'average_pooling2d') with input shape [6]");
    harness_expect_error(clnn_model_add_global_avgpool2d(m), CLNN_SHAPE_MISMATCH,
                         "GlobalAveragePooling2D");
    harness_expect_error(clnn_model_add_global_maxpool2d(m), CLNN_SHAPE_MISMATCH,
                         "[C, H, W]");
    const float bad_momentum[] = {-0.1f, 1.5f, NAN};
    for (int i = 0; i < 3; i++)
        harness_expect_error(clnn_model_add_batchnorm(m, bad_momentum[i], 1e-3f),
                             CLNN_INVALID_VALUE, "momentum");
    const float bad_eps[] = {0.0f, -1e-3f, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        harness_expect_error(clnn_model_add_batchnorm(m, 0.99f, bad_eps[i]),
                             CLNN_INVALID_VALUE, "epsilon");
        harness_expect_error(clnn_model_add_layernorm(m, bad_eps[i]), CLNN_INVALID_VALUE,
                             "layer 0 (LayerNormalization");
    }
    harness_expect_error(clnn_model_add_reshape(m, 2, (int64_t[]){4, 2}), CLNN_SHAPE_MISMATCH,
                         "[4, 2] does not hold the input's 6");
    harness_expect_error(clnn_model_add_reshape(m, 2, (int64_t[]){4, -1}), CLNN_SHAPE_MISMATCH,
                         "[4, -1]");
    harness_expect_error(clnn_model_add_reshape(m, 3, (int64_t[]){-1, 3, -1}),
                         CLNN_INVALID_VALUE, "one dim may be -1");
    harness_expect_error(clnn_model_add_reshape(m, 2, (int64_t[]){0, 6}), CLNN_INVALID_VALUE,
                         "dims");
    harness_expect_error(clnn_model_add_reshape(m, 0, (int64_t[]){6}), CLNN_INVALID_VALUE,
                         "rank");
    harness_expect_error(clnn_model_add_reshape(m, 1, NULL), CLNN_NULL_POINTER, "dims");
    harness_expect_error(clnn_model_add_batchnorm(NULL, 0.99f, 1e-3f), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_model_add_layernorm(NULL, 1e-3f), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_conv_transpose2d(NULL, 1, 1, 1, 1, CLNN_PAD_VALID, -1,
                                                         0),
                         CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_avgpool2d(NULL, 2, 2), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_global_avgpool2d(NULL), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_global_maxpool2d(NULL), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_reshape(NULL, 1, (int64_t[]){6}), CLNN_NULL_POINTER,
                         "model");
    expect_layers(m, 1, 6); /* nothing was added */
    harness_expect_ok(clnn_model_add_reshape(m, 3, (int64_t[]){2, 1, 3}));
    /* Image layers on [2, 1, 3]. */
    harness_expect_error(clnn_model_add_avgpool2d(m, 3, 1), CLNN_SHAPE_MISMATCH,
                         "layer 1 (AveragePooling2D");
    harness_expect_error(clnn_model_add_avgpool2d(m, 0, 1), CLNN_INVALID_VALUE, "k and stride");
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 2, 3, 3, 2, CLNN_PAD_VALID, 2, 0),
                         CLNN_INVALID_VALUE, "output_padding");
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 2, 3, 3, 1, CLNN_PAD_VALID, -2, 0),
                         CLNN_INVALID_VALUE, "output_padding");
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 0, 3, 3, 1, CLNN_PAD_VALID, -1, 0),
                         CLNN_INVALID_VALUE, "filters");
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 2, 3, 3, 1, CLNN_PAD_EXPLICIT, -1,
                                                         0),
                         CLNN_INVALID_VALUE, "padding");
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 2, 3, 3, 1, CLNN_PAD_VALID, -1, 77),
                         CLNN_INVALID_VALUE, "activation");
    /* An even kernel with "same" and output_padding 0 on a single row: no output. */
    harness_expect_error(clnn_model_add_conv_transpose2d(m, 2, 2, 2, 1, CLNN_PAD_SAME_UPPER, 0,
                                                         0),
                         CLNN_SHAPE_MISMATCH, "layer 1 (Conv2DTranspose");
    expect_layers(m, 3, 3);
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_add_batchnorm(m, 0.99f, 1e-3f));
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_MSE, &sgd, 2));
    harness_expect_error(clnn_model_add_layernorm(m, 1e-3f), CLNN_INVALID_VALUE, "compiled");
    harness_expect_error(clnn_model_add_global_avgpool2d(m), CLNN_INVALID_VALUE, "compiled");
    clnn_model_destroy(m);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && !strcmp(small, "1");
    Suite *s = suite_create("model-layers");
    TCase *tc = harness_tcase(s, "summary");
    tcase_add_test(tc, summary_counts_match_keras);
    tcase_add_test(tc, conv_transpose_sizes_and_values_match_keras);
    tc = harness_tcase(s, "gradients");
    tcase_add_test(tc, norm_gradients_match_finite_differences);
    tcase_add_test(tc, image_gradients_match_finite_differences);
    tcase_add_test(tc, reshape_gradients_match_finite_differences);
    tc = harness_tcase(s, "forward");
    tcase_add_test(tc, batchnorm_training_and_inference_differ_as_keras);
    tcase_add_test(tc, norm_inference_matches_reference);
    tcase_add_test(tc, pooling_and_reshape_match_reference);
    tc = harness_tcase(s, "training");
    tcase_add_test(tc, batchnorm_model_overfits_a_tiny_batch);
    tcase_add_test(tc, save_load_keeps_moving_statistics);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_layer_input_is_rejected);
    return harness_main(s);
}
