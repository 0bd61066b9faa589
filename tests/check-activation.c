/* Activation functions: forward against the double reference, backward against
 * central finite differences of that reference, and bad input. */
#include "gradcheck.h"
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <string.h>

static const clnn_activation kinds[] = {
    CLNN_ACTIVATION_NONE, CLNN_ACTIVATION_RELU, CLNN_ACTIVATION_LEAKY_RELU,
    CLNN_ACTIVATION_ELU, CLNN_ACTIVATION_SIGMOID, CLNN_ACTIVATION_TANH,
    CLNN_ACTIVATION_GELU, CLNN_ACTIVATION_GELU_TANH, CLNN_ACTIVATION_SOFTPLUS,
    CLNN_ACTIVATION_SILU, CLNN_ACTIVATION_HARD_SIGMOID};
#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

static const size_t sizes[] = {1, 7, 16, 93, 257, 1000};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

/* Inputs in [-6, 6], moved off the kinks (0 for the relu family, +-2.5 where hard
 * sigmoid saturates) so finite differences see a smooth function. */
static float *make_input(size_t n, uint32_t seed)
{
    float *x = harness_alloc(n * sizeof *x);
    harness_random(x, n, seed, -6, 6);
    for (size_t i = 0; i < n; i++) {
        if (fabsf(x[i]) < 0.01f) x[i] += 0.05f;
        if (fabsf(fabsf(x[i]) - 2.5f) < 0.01f) x[i] += 0.05f;
    }
    return x;
}

/* Runs forward on n elements at element offset `off` in both buffers. */
static float *device_forward(clnn_activation_desc act, const float *x, size_t n, size_t off)
{
    size_t bytes = (n + off) * sizeof(float);
    float *padded = harness_alloc(bytes);
    memcpy(padded + off, x, n * sizeof(float));
    cl_mem xb = harness_upload(padded, bytes), yb = harness_buffer(bytes);
    clnn_tensor_desc d = HARNESS_DESC((int64_t)n);
    harness_expect_ok(clnn_activation_forward(harness_ctx(), &act, &d, xb, off * 4, &d, yb,
                                              off * 4));
    float *y = harness_alloc(n * sizeof *y);
    harness_download(yb, off * 4, y, n * sizeof *y);
    return y;
}

START_TEST(forward_matches_reference)
{
    /* fp32 transcendental built-ins are within a few ulp (erf 16); rtol 2e-5 and an
     * atol of 1e-6 for results near 0 cover that with margin. */
    clnn_activation_desc act = clnn_activation_default(kinds[_i]);
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        size_t n = sizes[s], off = s % 3;
        float *x = make_input(n, (uint32_t)(n + _i));
        float *y = device_forward(act, x, n, off);
        double *want = harness_alloc(n * sizeof *want);
        for (size_t i = 0; i < n; i++) want[i] = ref_activation(act, x[i]);
        harness_expect_close(y, want, n, 2e-5, 1e-6, "activation forward");
    }
}
END_TEST

static void reference_forward(const double *x, double *y, void *params)
{
    const clnn_activation_desc *act = params;
    for (size_t i = 0; i < 64; i++) y[i] = ref_activation(*act, x[i]);
}

START_TEST(backward_matches_finite_differences)
{
    /* Device gradient in fp32 vs central differences (h = 1e-5) of the double
     * reference: the difference estimate is good to ~1e-9, so the tolerance is the
     * fp32 derivative's own error. */
    clnn_activation_desc act = clnn_activation_default(kinds[_i]);
    const size_t n = 64;
    float *x = make_input(n, 99 + (uint32_t)_i);
    float *dy = harness_alloc(n * sizeof *dy);
    harness_random(dy, n, 7, -1, 1);
    double *want = harness_alloc(n * sizeof *want);
    gradcheck_numeric(reference_forward, &act, gradcheck_to_double(x, n), n,
                      gradcheck_to_double(dy, n), n, 1e-5, want);

    cl_mem xb = harness_upload(x, n * 4), dyb = harness_upload(dy, n * 4);
    cl_mem dxb = harness_buffer(n * 4);
    clnn_tensor_desc d = HARNESS_DESC((int64_t)n);
    harness_expect_ok(clnn_activation_backward(harness_ctx(), &act, &d, xb, 0, &d, dyb, 0, &d,
                                               dxb, 0));
    float *dx = harness_alloc(n * sizeof *dx);
    harness_download(dxb, 0, dx, n * 4);
    harness_expect_close(dx, want, n, 1e-4, 1e-5, "activation backward");

    /* In place: dx written over dy. */
    harness_expect_ok(clnn_activation_backward(harness_ctx(), &act, &d, xb, 0, &d, dyb, 0, &d,
                                               dyb, 0));
    harness_download(dyb, 0, dx, n * 4);
    harness_expect_close(dx, want, n, 1e-4, 1e-5, "activation backward in place");
}
END_TEST

START_TEST(relu_keeps_nan_and_parameters_apply)
{
    float x[4] = {NAN, -1.0f, 2.0f, -0.0f};
    clnn_activation_desc relu = clnn_activation_default(CLNN_ACTIVATION_RELU);
    float *y = device_forward(relu, x, 4, 0);
    ck_assert(isnan(y[0]));
    ck_assert_float_eq(y[1], 0.0f);
    ck_assert_float_eq(y[2], 2.0f);
    ck_assert_float_eq(y[3], 0.0f);

    clnn_activation_desc leaky = {CLNN_ACTIVATION_LEAKY_RELU, 0.25f, 0.0f};
    y = device_forward(leaky, x, 4, 0);
    ck_assert_float_eq(y[1], -0.25f);
    clnn_activation_desc hard = {CLNN_ACTIVATION_HARD_SIGMOID, 0.5f, 0.25f};
    y = device_forward(hard, x, 4, 0);
    ck_assert_float_eq(y[1], 0.0f);  /* 0.5 * -1 + 0.25 clamps to 0 */
    ck_assert_float_eq(y[2], 1.0f);  /* 1.25 clamps to 1 */
    ck_assert_float_eq(clnn_activation_default(CLNN_ACTIVATION_LEAKY_RELU).alpha, 0.01f);
    ck_assert_float_eq(clnn_activation_default(CLNN_ACTIVATION_HARD_SIGMOID).beta, 0.5f);
}
END_TEST

START_TEST(large_inputs_stay_finite)
{
    float x[6] = {-100.0f, -30.0f, 30.0f, 88.0f, 100.0f, 1e30f};
    for (size_t k = 0; k < KIND_COUNT; k++) {
        clnn_activation_desc act = clnn_activation_default(kinds[k]);
        float *y = device_forward(act, x, 5, 0); /* 1e30 cubed overflows gelu_tanh */
        for (int i = 0; i < 5; i++)
            ck_assert_msg(isfinite(y[i]), "kind %d: f(%g) = %g", (int)kinds[k], x[i], y[i]);
    }
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_activation_desc act = clnn_activation_default(CLNN_ACTIVATION_TANH);
    clnn_activation_desc unknown = {(clnn_activation)99, 0, 0};
    clnn_tensor_desc d = HARNESS_DESC(8), other = HARNESS_DESC(2, 4);
    float sentinel[8] = {1, 2, 3, 4, 5, 6, 7, 8}, after[8];
    cl_mem x = harness_upload(sentinel, 32), y = harness_upload(sentinel, 32);
    harness_expect_status(clnn_activation_forward(NULL, &act, &d, x, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_activation_forward(ctx, NULL, &d, x, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_activation_forward(ctx, &unknown, &d, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_activation_forward(ctx, &act, &d, x, 0, &other, y, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_activation_forward(ctx, &act, &d, x, 2, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_activation_forward(ctx, &act, &d, x, 0, &d, y, 4),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_activation_forward(ctx, &act, &d, NULL, 0, &d, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_activation_backward(ctx, &act, &d, x, 0, &other, x, 0, &d, y, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_activation_backward(ctx, &act, &d, x, 0, &d, x, 0, NULL, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_activation_backward(ctx, &unknown, &d, x, 0, &d, x, 0, &d, y, 0),
                          CLNN_INVALID_VALUE);
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("activation");
    TCase *tc = harness_tcase(s, "forward");
    tcase_add_loop_test(tc, forward_matches_reference, 0, (int)KIND_COUNT);
    tcase_add_test(tc, relu_keeps_nan_and_parameters_apply);
    tcase_add_test(tc, large_inputs_stay_finite);
    tc = harness_tcase(s, "backward");
    tcase_add_loop_test(tc, backward_matches_finite_differences, 0, (int)KIND_COUNT);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
