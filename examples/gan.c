/* A GAN on the 2-D ring of 8 Gaussians (radius 2, std 0.02): MLP generator
 * (noise -> Dense 128 relu -> Dense 128 relu -> 2) and discriminator (2 -> Dense
 * 128 relu x2 -> 1 logit), Adam (beta1 0.5), the non-saturating loss. At the end
 * it draws 2,000 samples and reports
 *   modes covered: modes with >= 1% of the samples (20) within 0.2 of the center;
 *   high quality:  the share of samples within 0.2 of some center.
 * The goal is 8/8 (reached by step 2,000 with the defaults: 5,000 steps of
 * batch 256, lr 1e-3, noise 16; about a minute on 2 cores). Flags: --steps N
 * --batch N --lr X --noise N --seed N --report N (steps between reports).
 * The process exits 1 unless all 8 modes are covered. */
#include "gan-loop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MODES 8
#define RADIUS 2.0
#define STD 0.02
#define NEAR 0.2
#define EVAL_SAMPLES 2000
#define POOL 65536

typedef struct options {
    long steps, batch, noise, report;
    float lr;
    unsigned long seed;
} options;

static void parse(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v && !strcmp(argv[i], "--steps")) o->steps = atol(v);
        else if (v && !strcmp(argv[i], "--batch")) o->batch = atol(v);
        else if (v && !strcmp(argv[i], "--noise")) o->noise = atol(v);
        else if (v && !strcmp(argv[i], "--lr")) o->lr = (float)atof(v);
        else if (v && !strcmp(argv[i], "--seed")) o->seed = strtoul(v, NULL, 10);
        else if (v && !strcmp(argv[i], "--report")) o->report = atol(v);
        else {
            fprintf(stderr, "usage: %s [--steps N] [--batch N] [--lr X] [--noise 2..16] "
                    "[--seed N] [--report N]\n", argv[0]);
            exit(2);
        }
    }
    if (o->steps < 1 || o->batch < 1 || o->noise < 1 || o->report < 1 || !(o->lr > 0.0f)) {
        fprintf(stderr, "%s: steps, batch, noise and lr must be positive\n", argv[0]);
        exit(2);
    }
}

static clnn_model_t mlp(clnn_context_t ctx, int64_t in, int64_t out, uint64_t seed,
                        const clnn_optimizer_desc *opt, int64_t batch)
{
    clnn_model_t m;
    GAN_CHECK(clnn_model_create(ctx, &m));
    GAN_CHECK(clnn_model_set_seed(m, seed));
    GAN_CHECK(clnn_model_add_input(m, 1, &in));
    GAN_CHECK(clnn_model_add_dense(m, 128, CLNN_ACTIVATION_RELU));
    GAN_CHECK(clnn_model_add_dense(m, 128, CLNN_ACTIVATION_RELU));
    GAN_CHECK(clnn_model_add_dense(m, out, CLNN_ACTIVATION_NONE));
    /* the loss given here is unused: the GAN loop computes its own */
    GAN_CHECK(clnn_model_compile(m, CLNN_LOSS_BINARY_CE_LOGITS, opt, batch));
    return m;
}

/* Real samples: a mode chosen uniformly, plus N(0, STD^2) noise. */
static void ring_samples(float *xy, long n, uint64_t *rng)
{
    float *z = malloc((size_t)n * 2 * sizeof *z);
    if (!z) exit(1);
    gan_noise(z, 2 * n, rng);
    for (long i = 0; i < n; i++) {
        double a = 2.0 * M_PI * (double)(i % MODES) / MODES; /* pool order is random below */
        xy[2 * i] = (float)(RADIUS * cos(a) + STD * z[2 * i]);
        xy[2 * i + 1] = (float)(RADIUS * sin(a) + STD * z[2 * i + 1]);
    }
    for (long i = n - 1; i > 0; i--) { /* shuffle so that any window mixes the modes */
        long j = rand() % (i + 1);
        float tx = xy[2 * i], ty = xy[2 * i + 1];
        xy[2 * i] = xy[2 * j];
        xy[2 * i + 1] = xy[2 * j + 1];
        xy[2 * j] = tx;
        xy[2 * j + 1] = ty;
    }
    free(z);
}

/* Counts samples within NEAR of each mode; returns the high-quality count. */
static int mode_counts(const float *xy, int n, int counts[MODES])
{
    int near = 0;
    memset(counts, 0, MODES * sizeof *counts);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < MODES; k++) {
            double a = 2.0 * M_PI * k / MODES;
            double dx = xy[2 * i] - RADIUS * cos(a), dy = xy[2 * i + 1] - RADIUS * sin(a);
            if (dx * dx + dy * dy < NEAR * NEAR) {
                counts[k]++;
                near++;
                break;
            }
        }
    }
    return near;
}

static int evaluate(clnn_model_t g, long noise, uint64_t *rng, int final)
{
    static float z[EVAL_SAMPLES * 16], xy[EVAL_SAMPLES * 2];
    int counts[MODES], covered = 0;
    gan_noise(z, EVAL_SAMPLES * noise, rng);
    GAN_CHECK(clnn_model_predict(g, z, EVAL_SAMPLES, xy));
    int near = mode_counts(xy, EVAL_SAMPLES, counts);
    for (int k = 0; k < MODES; k++) covered += counts[k] >= EVAL_SAMPLES / 100;
    printf("%smodes covered %d/%d, high quality %.1f%% (per mode:", final ? "final: " : "  ",
           covered, MODES, 100.0 * near / EVAL_SAMPLES);
    for (int k = 0; k < MODES; k++) printf(" %d", counts[k]);
    printf(")\n");
    fflush(stdout);
    return covered;
}

int main(int argc, char **argv)
{
    options o = {5000, 256, 16, 1000, 1e-3f, 1};
    parse(argc, argv, &o);
    if (o.noise > 16) o.noise = 16;
    uint64_t rng = o.seed * 0x9E3779B97F4A7C15ull + 1;
    srand((unsigned)o.seed);
    clnn_context_t ctx;
    GAN_CHECK(clnn_context_create(&ctx));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = o.lr;
    adam.beta1 = 0.5f;
    clnn_model_t g = mlp(ctx, o.noise, 2, o.seed * 2, &adam, o.batch);
    clnn_model_t d = mlp(ctx, 2, 1, o.seed * 2 + 1, &adam, 2 * o.batch);
    float *real = malloc((size_t)POOL * 2 * sizeof *real);
    if (!real) return 1;
    ring_samples(real, POOL, &rng);
    cl_int err;
    cl_mem real_buf = clCreateBuffer(clnn_context_cl_context(ctx),
                                     CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                     (size_t)POOL * 2 * sizeof *real, real, &err);
    if (err != CL_SUCCESS) return 1;
    gan_loop gl;
    GAN_CHECK(gan_loop_init(&gl, ctx, g, d, o.noise, o.batch, POOL, rng));
    printf("GAN on a ring of %d Gaussians (radius %.0f, std %.2f): noise %ld, batch %ld, "
           "Adam lr %g beta1 0.5, %ld steps\n", MODES, RADIUS, STD, o.noise, o.batch,
           (double)o.lr, o.steps);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long s = 1; s <= o.steps; s++) {
        long row = (long)(((uint64_t)rand() << 16 ^ (uint64_t)rand()) %
                          (uint64_t)(POOL - o.batch + 1));
        GAN_CHECK(gan_loop_step(&gl, real_buf, (size_t)row * 2 * sizeof(float)));
        if (s % o.report == 0 || s == o.steps) {
            float dl, gloss;
            GAN_CHECK(gan_loop_losses(&gl, &dl, &gloss));
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
            printf("step %5ld  D loss %.4f  G loss %.4f  (%.1f s, %.1f ms/step)\n", s, dl, gloss,
                   secs, 1e3 * secs / (double)s);
            evaluate(g, o.noise, &rng, 0);
        }
    }
    int covered = evaluate(g, o.noise, &rng, 1);
    gan_loop_free(&gl);
    clReleaseMemObject(real_buf);
    free(real);
    clnn_model_destroy(g);
    clnn_model_destroy(d);
    clnn_context_destroy(ctx);
    return covered == MODES ? 0 : 1;
}
