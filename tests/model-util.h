/* Helpers shared by the model suites (check-model, check-model-layers). */
#ifndef CLNN_TESTS_MODEL_UTIL_H
#define CLNN_TESTS_MODEL_UTIL_H

#include "harness.h"

/* A new model with its input added (fails the test on error). */
clnn_model_t mt_new_model(int rank, const int64_t *dims);

/* The summary as text (freed after the test). */
char *mt_summary_text(clnn_model_t m);

/* The summary row of a layer, in the table's columns (a static buffer). */
const char *mt_row(const char *name, const char *shape, const char *count);

/* Total and trainable counts, the summary's count lines and one row; destroys m. */
void mt_expect_summary(clnn_model_t m, int64_t total, int64_t trainable, const char *row);

/* A small classification task: n samples of 4 features in [-1, 1), 3 classes by
 * the sign pattern of the first two. */
void mt_sign_task(float *x, int32_t *y, int64_t n, uint32_t seed);

/* Every `stride`-th element of every parameter gradient of the compiled model m
 * (compute_gradients on x, y, n) against central differences of the training
 * loss that compute_gradients reports (fp32; see the tolerance in the source).
 * Destroys m. */
void mt_check_gradients(clnn_model_t m, const float *x, const void *y, int64_t n,
                        int64_t stride);

#endif
