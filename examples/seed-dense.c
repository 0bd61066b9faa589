/* The seed's smallest model: Dense(10, relu) on 10 inputs - Dense(1, sigmoid),
 * Adam, binary cross-entropy, on a generated linearly separable task (the label
 * is whether a fixed random direction has a positive dot product with x). */
#include <clnn.h>

#include <stdio.h>
#include <stdlib.h>

#define CHECK(expr)                                                                     \
    do {                                                                                \
        clnn_status st_ = (expr);                                                       \
        if (st_ != CLNN_SUCCESS) {                                                      \
            fprintf(stderr, "%s: %s\n", clnn_status_string(st_), clnn_last_error());    \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

enum { N = 2000, D = 10 };

int main(void)
{
    static float x[N * D], y[N], w[D];
    srand(7);
    for (int d = 0; d < D; d++) w[d] = (float)rand() / RAND_MAX * 2.0f - 1.0f;
    for (int i = 0; i < N; i++) {
        float dot = 0.0f;
        for (int d = 0; d < D; d++) {
            x[i * D + d] = (float)rand() / RAND_MAX * 2.0f - 1.0f;
            dot += x[i * D + d] * w[d];
        }
        y[i] = dot > 0.0f ? 1.0f : 0.0f;
    }
    clnn_context_t ctx;
    clnn_model_t m;
    CHECK(clnn_context_create(&ctx));
    CHECK(clnn_model_create(ctx, &m));
    CHECK(clnn_model_add_input(m, 1, (int64_t[]){D}));
    CHECK(clnn_model_add_dense(m, 10, CLNN_ACTIVATION_RELU));
    CHECK(clnn_model_add_dense(m, 1, CLNN_ACTIVATION_SIGMOID));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 0.01f;
    CHECK(clnn_model_compile(m, CLNN_LOSS_BINARY_CE, &adam, 32));
    CHECK(clnn_model_summary(m, stdout));
    fflush(stdout);
    clnn_fit_options fo = clnn_fit_options_default();
    fo.epochs = 10;
    fo.progress = stdout;
    fo.val_x = x + (N - 400) * D;
    fo.val_y = y + (N - 400);
    fo.val_count = 400;
    clnn_metrics last;
    CHECK(clnn_model_fit(m, x, y, N - 400, &fo, &last));
    printf("final accuracy %.4f, validation accuracy %.4f\n", last.accuracy,
           last.val_accuracy);
    clnn_model_destroy(m);
    clnn_context_destroy(ctx);
    return last.val_accuracy >= 0.95f ? 0 : 1;
}
