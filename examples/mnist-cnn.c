/* The Keras MNIST CNN on Fashion-MNIST: Conv2D(32, 3x3, relu) - MaxPool(2) -
 * Conv2D(64, 3x3, relu) - MaxPool(2) - Conv2D(64, 3x3, relu) - Flatten -
 * Dense(64, relu) - Dense(10) logits, Adam, sparse cross-entropy from logits.
 * Options: --epochs N --train-samples N (0: all) --batch N --data DIR; the
 * defaults are Keras' batch 32 and 5 epochs on all 60000 images: about 20 s an
 * epoch with PoCL on 2 cores (3x3 layers on Winograd), test accuracy about 0.90. */
#include "example.h"

int main(int argc, char **argv)
{
    example_options o = {5, 0, 32, NULL, 0};
    example_parse(argc, argv, &o);
    clnn_context_t ctx;
    clnn_model_t m;
    EXAMPLE_CHECK(clnn_context_create(&ctx));
    EXAMPLE_CHECK(clnn_model_create(ctx, &m));
    EXAMPLE_CHECK(clnn_model_add_input(m, 3, (int64_t[]){1, 28, 28}));
    EXAMPLE_CHECK(clnn_model_add_conv2d(m, 32, 3, 3, 1, CLNN_PAD_VALID, CLNN_ACTIVATION_RELU));
    EXAMPLE_CHECK(clnn_model_add_maxpool2d(m, 2, 2));
    EXAMPLE_CHECK(clnn_model_add_conv2d(m, 64, 3, 3, 1, CLNN_PAD_VALID, CLNN_ACTIVATION_RELU));
    EXAMPLE_CHECK(clnn_model_add_maxpool2d(m, 2, 2));
    EXAMPLE_CHECK(clnn_model_add_conv2d(m, 64, 3, 3, 1, CLNN_PAD_VALID, CLNN_ACTIVATION_RELU));
    EXAMPLE_CHECK(clnn_model_add_flatten(m));
    EXAMPLE_CHECK(clnn_model_add_dense(m, 64, CLNN_ACTIVATION_RELU));
    EXAMPLE_CHECK(clnn_model_add_dense(m, 10, CLNN_ACTIVATION_NONE));
    int rc = example_run(m, CLNN_LOSS_SPARSE_CE_LOGITS, &o);
    clnn_model_destroy(m);
    clnn_context_destroy(ctx);
    return rc;
}
