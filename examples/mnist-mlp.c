/* The Keras MNIST MLP on Fashion-MNIST: Flatten - Dense(128, relu) - Dense(10,
 * softmax), Adam, sparse categorical cross-entropy (computed from the logits
 * inside the model, see clnn/model.h), batch 32.
 * Options: --epochs N (5) --train-samples N (all) --batch N (32) --data DIR. */
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
    EXAMPLE_CHECK(clnn_model_add_flatten(m));
    EXAMPLE_CHECK(clnn_model_add_dense(m, 128, CLNN_ACTIVATION_RELU));
    EXAMPLE_CHECK(clnn_model_add_dense(m, 10, CLNN_MODEL_SOFTMAX));
    int rc = example_run(m, CLNN_LOSS_SPARSE_CE, &o);
    clnn_model_destroy(m);
    clnn_context_destroy(ctx);
    return rc;
}
