/* Sequence reversal with the seed's transformer encoder block.
 *
 * Each sample is a digit sequence (0-9) of length 8 to 10, padded at the end to
 * T = 10 with a PAD token (10); the target at position t is digit L-1-t for
 * t < L and PAD after, so the model has to find the sequence's length as well
 * as reverse it. Model: Embedding(11, 64) - SinePositionEncoding - two
 * TransformerEncoder blocks (2 heads, key_dim 64, d_ff 128 relu, dropout 0.1,
 * layer norm eps 1e-6) - Dense(11) per token, trained with Adam on the
 * per-token sparse cross-entropy from logits. (One block cannot do it: a token's
 * query does not know the length until a layer has looked at the padding.)
 *
 * Prints the summary, one line per epoch, the test loss and token accuracy (the
 * model's metric, PAD targets included), the accuracy over digit tokens only
 * and over whole sequences, and a few examples. Exits 1 when the digit-token
 * accuracy is below 0.95. `transformer EPOCHS` runs another number of epochs
 * (the CI's short form). */
#include <clnn.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(expr)                                                                     \
    do {                                                                                \
        clnn_status st_ = (expr);                                                       \
        if (st_ != CLNN_SUCCESS) {                                                      \
            fprintf(stderr, "%s: %s\n", clnn_status_string(st_), clnn_last_error());    \
            return 2;                                                                   \
        }                                                                               \
    } while (0)

enum {
    T = 10, MIN_LEN = 8, PAD = 10, VOCAB = 11,
    D_MODEL = 64, HEADS = 2, KEY_DIM = 64, D_FF = 128, BLOCKS = 2,
    TRAIN = 8192, TEST = 1024, BATCH = 64, EPOCHS = 6
};

static unsigned next(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* x: token ids as floats [n, T]; y: int32 targets [n, T]. */
static void make_data(float *x, int32_t *y, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        int len = MIN_LEN + (int)(next(&seed) % (T - MIN_LEN + 1));
        float *s = x + (size_t)i * T;
        int32_t *r = y + (size_t)i * T;
        for (int t = 0; t < T; t++) s[t] = t < len ? (float)(next(&seed) % 10) : PAD;
        for (int t = 0; t < T; t++) r[t] = t < len ? (int32_t)s[len - 1 - t] : PAD;
    }
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

/* The predicted token at each position (argmax of the logits). */
static int argmax(const float *logits)
{
    int best = 0;
    for (int c = 1; c < VOCAB; c++)
        if (logits[c] > logits[best]) best = c;
    return best;
}

static void print_tokens(const char *label, const float *x, const int32_t *y, int n)
{
    printf("  %s", label);
    for (int t = 0; t < n; t++) {
        int v = x ? (int)x[t] : y[t];
        if (v == PAD) printf(" _");
        else printf(" %d", v);
    }
}

/* Digit-token and whole-sequence accuracy of the predictions, with examples. */
static double report(const float *tx, const int32_t *ty, const float *logits)
{
    long digits = 0, right = 0, seqs = 0;
    for (int i = 0; i < TEST; i++) {
        int all = 1;
        for (int t = 0; t < T; t++) {
            int32_t want = ty[(size_t)i * T + t];
            int got = argmax(logits + ((size_t)i * T + t) * VOCAB);
            all &= got == want;
            if (want != PAD) {
                digits++;
                right += got == want;
            }
        }
        seqs += all;
        if (i < 3) {
            int32_t pred[T];
            for (int t = 0; t < T; t++) pred[t] = argmax(logits + ((size_t)i * T + t) * VOCAB);
            print_tokens("input", tx + (size_t)i * T, NULL, T);
            print_tokens(" -> predicted", NULL, pred, T);
            printf("\n");
        }
    }
    double acc = (double)right / (double)digits;
    printf("digit-token accuracy %.4f, whole sequences right %.4f\n", acc,
           (double)seqs / TEST);
    return acc;
}

int main(int argc, char **argv)
{
    int epochs = argc > 1 ? atoi(argv[1]) : EPOCHS;
    if (epochs < 1) {
        fprintf(stderr, "usage: %s [epochs >= 1]\n", argv[0]);
        return 2;
    }
    float *x = malloc(sizeof(float) * TRAIN * T), *tx = malloc(sizeof(float) * TEST * T);
    int32_t *y = malloc(sizeof(int32_t) * TRAIN * T), *ty = malloc(sizeof(int32_t) * TEST * T);
    float *logits = malloc(sizeof(float) * TEST * T * VOCAB);
    if (!x || !tx || !y || !ty || !logits) return 2;
    make_data(x, y, TRAIN, 1);
    make_data(tx, ty, TEST, 2);

    clnn_context_t ctx;
    CHECK(clnn_context_create(&ctx));
    clnn_model_t m;
    CHECK(clnn_model_create(ctx, &m));
    CHECK(clnn_model_add_input(m, 1, (int64_t[]){T}));
    CHECK(clnn_model_add_embedding(m, VOCAB, D_MODEL));
    CHECK(clnn_model_add_sine_position_encoding(m));
    for (int b = 0; b < BLOCKS; b++)
        CHECK(clnn_model_add_transformer_encoder(m, D_MODEL, HEADS, KEY_DIM, D_FF,
                                                 CLNN_ACTIVATION_RELU, 0.1f));
    CHECK(clnn_model_add_dense(m, VOCAB, CLNN_ACTIVATION_NONE));
    CHECK(clnn_model_summary(m, stdout));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 1e-3f;
    CHECK(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE_LOGITS, &adam, BATCH));

    clnn_fit_options fo = clnn_fit_options_default();
    fo.epochs = epochs;
    fo.progress = stdout;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(clnn_model_fit(m, x, y, TRAIN, &fo, NULL));
    double train_s = seconds_since(&t0);
    float loss, accuracy;
    CHECK(clnn_model_evaluate(m, tx, ty, TEST, &loss, &accuracy));
    printf("test loss %.4f, token accuracy %.4f (PAD targets included); training %.1fs\n",
           loss, accuracy, train_s);
    CHECK(clnn_model_predict(m, tx, TEST, logits));
    double digit_acc = report(tx, ty, logits);

    clnn_model_destroy(m);
    clnn_context_destroy(ctx);
    free(x);
    free(tx);
    free(y);
    free(ty);
    free(logits);
    return digit_acc >= 0.95 ? 0 : 1;
}
