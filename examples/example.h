/* Shared by the MNIST examples: options, data loading, training and the report. */
#ifndef CLNN_EXAMPLE_H
#define CLNN_EXAMPLE_H

#include <clnn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct example_options {
    int epochs;
    long train_samples;   /* 0: all */
    long batch;
    const char *data_dir; /* NULL: the Debian package's directory */
    unsigned long seed;   /* 0: the model's default seed */
} example_options;

#define EXAMPLE_CHECK(expr)                                                             \
    do {                                                                                \
        clnn_status st_ = (expr);                                                       \
        if (st_ != CLNN_SUCCESS) {                                                      \
            fprintf(stderr, "%s: %s\n", clnn_status_string(st_), clnn_last_error());    \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

/* --epochs N --train-samples N --batch N --data DIR --seed N */
static void example_parse(int argc, char **argv, example_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--epochs") && v) o->epochs = atoi(v);
        else if (!strcmp(argv[i], "--train-samples") && v) o->train_samples = atol(v);
        else if (!strcmp(argv[i], "--batch") && v) o->batch = atol(v);
        else if (!strcmp(argv[i], "--data") && v) o->data_dir = v;
        else if (!strcmp(argv[i], "--seed") && v) o->seed = strtoul(v, NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--epochs N] [--train-samples N (0: all)] "
                    "[--batch N] [--data DIR] [--seed N]\n", argv[0]);
            exit(2);
        }
        i++;
    }
}

/* Loads Fashion-MNIST, trains `m` (already built) with Adam and sparse
 * cross-entropy `loss`, and prints the test accuracy. */
static int example_run(clnn_model_t m, clnn_loss loss, const example_options *o)
{
    clnn_dataset *train, *test;
    EXAMPLE_CHECK(clnn_dataset_load_mnist(o->data_dir, CLNN_DATASET_TRAIN, &train));
    EXAMPLE_CHECK(clnn_dataset_load_mnist(o->data_dir, CLNN_DATASET_TEST, &test));
    long n = (long)train->count;
    if (o->train_samples > 0 && o->train_samples < n) n = o->train_samples;
    printf("Fashion-MNIST: %ld training samples (of %zu), %zu test samples, batch %ld, "
           "%d epochs\n", n, train->count, test->count, o->batch, o->epochs);
    if (o->seed) EXAMPLE_CHECK(clnn_model_set_seed(m, o->seed));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    EXAMPLE_CHECK(clnn_model_compile(m, loss, &adam, o->batch));
    EXAMPLE_CHECK(clnn_model_summary(m, stdout));
    fflush(stdout);
    clnn_fit_options fo = clnn_fit_options_default();
    fo.epochs = o->epochs;
    fo.progress = stdout;
    clnn_metrics last;
    EXAMPLE_CHECK(clnn_model_fit(m, train->images, train->labels, n, &fo, &last));
    float test_loss, test_acc;
    EXAMPLE_CHECK(clnn_model_evaluate(m, test->images, test->labels, (int64_t)test->count,
                                      &test_loss, &test_acc));
    printf("test loss %.4f, test accuracy %.4f (last epoch %.1f s)\n", test_loss, test_acc,
           last.seconds);
    clnn_dataset_free(train);
    clnn_dataset_free(test);
    return 0;
}

#endif
