/* The adding problem (Hochreiter & Schmidhuber 1997), a task that needs memory:
 * each sample is T = 50 steps of (value in [0, 1], marker), with exactly two
 * markers set; the target is the sum of the two marked values. A model without
 * memory can do no better than predicting the mean 1.0 (MSE 1/6 = 0.167).
 * SimpleRNN, LSTM and GRU (32 units, then Dense(1)) train for a few epochs each
 * with Adam and gradient clipping, and the test MSE of each is printed next to
 * that baseline. Exits 1 when LSTM or GRU does not beat it clearly. */
#include <clnn.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(expr)                                                                     \
    do {                                                                                \
        clnn_status st_ = (expr);                                                       \
        if (st_ != CLNN_SUCCESS) {                                                      \
            fprintf(stderr, "%s: %s\n", clnn_status_string(st_), clnn_last_error());    \
            return -1.0;                                                                \
        }                                                                               \
    } while (0)

enum { T = 50, TRAIN = 4096, TEST = 1024, UNITS = 32, BATCH = 32, EPOCHS = 12 };

static double uniform(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (double)(*state >> 8) / (double)(1u << 24);
}

/* x [n, T, 2], y [n]; the first marker in the first half, the second in the
 * second half. */
static void make_data(float *x, float *y, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        float *s = x + (size_t)i * T * 2;
        int a = (int)(uniform(&seed) * (T / 2)), b = T / 2 + (int)(uniform(&seed) * (T / 2));
        for (int t = 0; t < T; t++) {
            s[2 * t] = (float)uniform(&seed);
            s[2 * t + 1] = t == a || t == b;
        }
        y[i] = s[2 * a] + s[2 * b];
    }
}

typedef clnn_status (*add_layer)(clnn_model_t, int64_t, int);

/* Trains one model and returns its test MSE (negative on error). */
static double run(clnn_context_t ctx, const char *name, add_layer add, const float *x,
                  const float *y, const float *tx, const float *ty, double base)
{
    clnn_model_t m;
    CHECK(clnn_model_create(ctx, &m));
    CHECK(clnn_model_add_input(m, 2, (int64_t[]){T, 2}));
    CHECK(add(m, UNITS, 0));
    CHECK(clnn_model_add_dense(m, 1, CLNN_ACTIVATION_NONE));
    CHECK(clnn_model_set_global_clipnorm(m, 1.0f));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 0.01f;
    CHECK(clnn_model_compile(m, CLNN_LOSS_MSE, &adam, BATCH));
    clnn_fit_options fo = clnn_fit_options_default();
    fo.epochs = EPOCHS;
    fo.verbose = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(clnn_model_fit(m, x, y, TRAIN, &fo, NULL));
    float mse;
    CHECK(clnn_model_evaluate(m, tx, ty, TEST, &mse, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%-10s test MSE %.4f  (no-memory baseline %.4f)  %d epochs, %.1fs\n", name, mse,
           base, EPOCHS, secs);
    fflush(stdout);
    clnn_model_destroy(m);
    return mse;
}

int main(void)
{
    float *x = malloc(sizeof(float) * TRAIN * T * 2), *y = malloc(sizeof(float) * TRAIN);
    float *tx = malloc(sizeof(float) * TEST * T * 2), *ty = malloc(sizeof(float) * TEST);
    clnn_context_t ctx;
    if (!x || !y || !tx || !ty || clnn_context_create(&ctx) != CLNN_SUCCESS) {
        fprintf(stderr, "rnn: setup failed: %s\n", clnn_last_error());
        return 1;
    }
    make_data(x, y, TRAIN, 1);
    make_data(tx, ty, TEST, 2);
    double base = 0.0;
    for (int i = 0; i < TEST; i++) base += (ty[i] - 1.0) * (ty[i] - 1.0);
    base /= TEST;
    printf("adding problem, T = %d, %d training and %d test sequences\n", T, TRAIN, TEST);
    double rnn = run(ctx, "SimpleRNN", clnn_model_add_simple_rnn, x, y, tx, ty, base);
    double lstm = run(ctx, "LSTM", clnn_model_add_lstm, x, y, tx, ty, base);
    double gru = run(ctx, "GRU", clnn_model_add_gru, x, y, tx, ty, base);
    clnn_context_destroy(ctx);
    free(x);
    free(y);
    free(tx);
    free(ty);
    if (rnn < 0 || lstm < 0 || gru < 0) return 1;
    return lstm < 0.05 && gru < 0.05 ? 0 : 1;
}
