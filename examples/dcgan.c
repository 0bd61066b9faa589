/* A DCGAN on Fashion-MNIST, scaled down for a CPU:
 *   G: noise 64 -> Dense 7*7*64 -> BatchNormalization -> LeakyReLU -> Reshape
 *      [64, 7, 7] -> Conv2DTranspose 32 5x5 stride 2 "same" -> BN -> LeakyReLU
 *      -> Conv2DTranspose 1 5x5 stride 2 "same" tanh: [1, 28, 28] in [-1, 1];
 *   D: Conv2D 32 5x5 stride 2 "same" LeakyReLU -> Dropout 0.3 -> Conv2D 64 5x5
 *      stride 2 LeakyReLU -> Dropout 0.3 -> Flatten -> Dense 1 (a logit);
 * Adam (lr 2e-4, beta1 0.5), the non-saturating loss. LeakyReLU is clnn's
 * (alpha 0.01, ONNX' default; Keras' layer uses 0.3). After each epoch it writes
 * an 8x8 grid of samples from fixed noise (inference mode) to
 * OUT/dcgan-epoch-N.png. Flags: --epochs N (1) --samples N (10000; 0: all
 * 60,000) --batch N (64) --out DIR (.) --data DIR. */
#include "gan-loop.h"
#include "png.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NOISE 64
#define GRID 8
#define SIDE 28
#define PIXELS (SIDE * SIDE)

typedef struct options {
    int epochs;
    long samples, batch;
    const char *out, *data;
} options;

static void parse(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v && !strcmp(argv[i], "--epochs")) o->epochs = atoi(v);
        else if (v && !strcmp(argv[i], "--samples")) o->samples = atol(v);
        else if (v && !strcmp(argv[i], "--batch")) o->batch = atol(v);
        else if (v && !strcmp(argv[i], "--out")) o->out = v;
        else if (v && !strcmp(argv[i], "--data")) o->data = v;
        else {
            fprintf(stderr, "usage: %s [--epochs N] [--samples N (0: all)] [--batch N] "
                    "[--out DIR] [--data DIR]\n", argv[0]);
            exit(2);
        }
    }
    if (o->epochs < 1 || o->batch < 1 || o->samples < 0) {
        fprintf(stderr, "%s: epochs and batch must be >= 1, samples >= 0\n", argv[0]);
        exit(2);
    }
}

static clnn_model_t generator(clnn_context_t ctx, const clnn_optimizer_desc *opt, long batch)
{
    clnn_model_t g;
    GAN_CHECK(clnn_model_create(ctx, &g));
    GAN_CHECK(clnn_model_set_seed(g, 11));
    GAN_CHECK(clnn_model_add_input(g, 1, (int64_t[]){NOISE}));
    GAN_CHECK(clnn_model_add_dense(g, 7 * 7 * 64, CLNN_ACTIVATION_NONE));
    GAN_CHECK(clnn_model_add_batchnorm(g, CLNN_MODEL_BN_MOMENTUM, CLNN_MODEL_NORM_EPSILON));
    GAN_CHECK(clnn_model_add_activation(g, CLNN_ACTIVATION_LEAKY_RELU));
    GAN_CHECK(clnn_model_add_reshape(g, 3, (int64_t[]){64, 7, 7}));
    GAN_CHECK(clnn_model_add_conv_transpose2d(g, 32, 5, 5, 2, CLNN_PAD_SAME_UPPER, -1,
                                              CLNN_ACTIVATION_NONE));
    GAN_CHECK(clnn_model_add_batchnorm(g, CLNN_MODEL_BN_MOMENTUM, CLNN_MODEL_NORM_EPSILON));
    GAN_CHECK(clnn_model_add_activation(g, CLNN_ACTIVATION_LEAKY_RELU));
    GAN_CHECK(clnn_model_add_conv_transpose2d(g, 1, 5, 5, 2, CLNN_PAD_SAME_UPPER, -1,
                                              CLNN_ACTIVATION_TANH));
    GAN_CHECK(clnn_model_compile(g, CLNN_LOSS_MSE, opt, batch)); /* loss unused */
    return g;
}

static clnn_model_t discriminator(clnn_context_t ctx, const clnn_optimizer_desc *opt,
                                  long batch)
{
    clnn_model_t d;
    GAN_CHECK(clnn_model_create(ctx, &d));
    GAN_CHECK(clnn_model_set_seed(d, 12));
    GAN_CHECK(clnn_model_add_input(d, 3, (int64_t[]){1, SIDE, SIDE}));
    GAN_CHECK(clnn_model_add_conv2d(d, 32, 5, 5, 2, CLNN_PAD_SAME_UPPER,
                                    CLNN_ACTIVATION_LEAKY_RELU));
    GAN_CHECK(clnn_model_add_dropout(d, 0.3f));
    GAN_CHECK(clnn_model_add_conv2d(d, 64, 5, 5, 2, CLNN_PAD_SAME_UPPER,
                                    CLNN_ACTIVATION_LEAKY_RELU));
    GAN_CHECK(clnn_model_add_dropout(d, 0.3f));
    GAN_CHECK(clnn_model_add_flatten(d));
    GAN_CHECK(clnn_model_add_dense(d, 1, CLNN_ACTIVATION_NONE));
    GAN_CHECK(clnn_model_compile(d, CLNN_LOSS_BINARY_CE_LOGITS, opt, 2 * batch));
    return d;
}

/* GRID x GRID samples of G (tanh outputs) with 2-pixel gaps, to `path`. */
static void write_grid(clnn_model_t g, const float *z, const char *path)
{
    enum { GAP = 2, W = GRID * (SIDE + GAP) + GAP };
    static float out[GRID * GRID * PIXELS];
    static uint8_t img[W * W];
    GAN_CHECK(clnn_model_predict(g, z, GRID * GRID, out));
    memset(img, 0, sizeof img);
    for (int k = 0; k < GRID * GRID; k++)
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++) {
                float v = (out[k * PIXELS + y * SIDE + x] + 1.0f) * 127.5f;
                v = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
                int gy = GAP + (k / GRID) * (SIDE + GAP) + y, gx = GAP + (k % GRID) * (SIDE + GAP) + x;
                img[gy * W + gx] = (uint8_t)lrintf(v);
            }
    if (png_write_gray(path, img, W, W)) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

int main(int argc, char **argv)
{
    options o = {1, 10000, 64, ".", NULL};
    parse(argc, argv, &o);
    if (mkdir(o.out, 0777) && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", o.out, strerror(errno));
        return 1;
    }
    clnn_dataset *train;
    GAN_CHECK(clnn_dataset_load_mnist(o.data, CLNN_DATASET_TRAIN, &train));
    long n = o.samples && o.samples < (long)train->count ? o.samples : (long)train->count;
    long steps = n / o.batch; /* whole batches: D's real half is always full */
    if (steps < 1) {
        fprintf(stderr, "%s: --samples must be at least the batch size\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < (size_t)n * PIXELS; i++) train->images[i] = train->images[i] * 2.0f - 1.0f;
    clnn_context_t ctx;
    GAN_CHECK(clnn_context_create(&ctx));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 2e-4f;
    adam.beta1 = 0.5f;
    clnn_model_t g = generator(ctx, &adam, o.batch), d = discriminator(ctx, &adam, o.batch);
    GAN_CHECK(clnn_model_summary(g, stdout));
    GAN_CHECK(clnn_model_summary(d, stdout));
    gan_loop gl;
    GAN_CHECK(gan_loop_init(&gl, ctx, g, d, NOISE, o.batch, 16384, 5));
    size_t batch_bytes = (size_t)o.batch * PIXELS * sizeof(float);
    float *stage = malloc(batch_bytes), *z = malloc(GRID * GRID * NOISE * sizeof *z);
    long *order = malloc((size_t)n * sizeof *order);
    cl_int err;
    cl_mem real = clCreateBuffer(clnn_context_cl_context(ctx), CL_MEM_READ_WRITE, batch_bytes,
                                 NULL, &err);
    if (!stage || !z || !order || err != CL_SUCCESS) return 1;
    uint64_t rng = 99;
    gan_noise(z, GRID * GRID * NOISE, &rng);
    srand(3);
    printf("DCGAN on Fashion-MNIST: %ld images, batch %ld, %d epoch(s), %ld steps each\n", n,
           o.batch, o.epochs, steps);
    fflush(stdout);
    for (int e = 1; e <= o.epochs; e++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < n; i++) order[i] = i;
        for (long i = n - 1; i > 0; i--) {
            long j = rand() % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (long s = 0; s < steps; s++) {
            for (long r = 0; r < o.batch; r++)
                memcpy(stage + r * PIXELS, train->images + order[s * o.batch + r] * PIXELS,
                       PIXELS * sizeof(float));
            GAN_CHECK(clnn_buffer_write(ctx, real, 0, stage, batch_bytes));
            GAN_CHECK(gan_loop_step(&gl, real, 0));
            if ((s + 1) % 50 == 0 || s + 1 == steps) {
                float dl, gloss;
                GAN_CHECK(gan_loop_losses(&gl, &dl, &gloss));
                printf("epoch %d step %4ld/%ld  D loss %.4f  G loss %.4f  (%.1f s)\n", e, s + 1,
                       steps, dl, gloss, seconds_since(&t0));
                fflush(stdout);
            }
        }
        double secs = seconds_since(&t0);
        char path[4096];
        snprintf(path, sizeof path, "%s/dcgan-epoch-%d.png", o.out, e);
        write_grid(g, z, path);
        printf("epoch %d: %.1f s (%.0f ms/step), samples in %s\n", e, secs,
               1e3 * secs / (double)steps, path);
        fflush(stdout);
    }
    gan_loop_free(&gl);
    clReleaseMemObject(real);
    free(stage);
    free(z);
    free(order);
    clnn_model_destroy(g);
    clnn_model_destroy(d);
    clnn_context_destroy(ctx);
    clnn_dataset_free(train);
    return 0;
}
