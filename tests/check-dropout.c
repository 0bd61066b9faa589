/* Dropout: Philox4x32-10 against Random123's known answers, the device mask bit for
 * bit against the CPU reference (any seed, stream offset and buffer offset), keep
 * rates, reproducibility, backward against the forward mask, inference mode, and
 * bad input. CLNN_TEST_SMALL=1 keeps tensors at a few hundred elements. */
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

START_TEST(philox_matches_known_answers)
{
    /* Random123's kat_vectors for philox4x32 with 10 rounds. */
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int t = 0; t < 3; t++) {
        uint32_t out[4];
        ref_philox4x32_10(kat[t], kat[t] + 4, out);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(out[i] == kat[t][6 + i], "vector %d word %d: %08x", t, i, out[i]);
    }
}
END_TEST

/* Forward in training mode on n elements at element offset `off` of each buffer;
 * returns y and fills `mask` (int32) from the device. */
static float *device_forward(const float *x, size_t n, size_t off, float ratio, uint64_t seed,
                             uint64_t offset, int *mask)
{
    size_t bytes = (n + off) * 4;
    float *padded = harness_alloc(bytes);
    memcpy(padded + off, x, n * 4);
    cl_mem xb = harness_upload(padded, bytes), yb = harness_buffer(bytes);
    cl_mem mb = harness_buffer(bytes);
    clnn_tensor_desc d = HARNESS_DESC((int64_t)n), md = d;
    md.dtype = CLNN_INT32;
    harness_expect_ok(clnn_dropout_forward(harness_ctx(), ratio, 1, seed, offset, &d, xb,
                                           off * 4, &d, yb, off * 4, &md, mb, off * 4));
    float *y = harness_alloc(n * 4);
    harness_download(yb, off * 4, y, n * 4);
    harness_download(mb, off * 4, mask, n * 4);
    return y;
}

static float *random_input(size_t n, uint32_t seed)
{
    float *x = harness_alloc(n * 4);
    harness_random(x, n, seed, -4, 4);
    return x;
}

START_TEST(mask_matches_reference_exactly)
{
    /* The mask must be identical bit for bit; y = x * (1 / (1 - ratio)) rounded once
     * in fp32 on both sides: rtol 1e-6 covers the reference's double scale. */
    static const float ratios[] = {0.1f, 0.5f, 0.9f, 0.3f};
    static const uint64_t offsets[] = {0, 1, 3, 0xfffffffffull}; /* block crosses 2^32 */
    static const uint64_t seeds[] = {0, 42, 0x123456789abcdefull, ~0ull};
    size_t n = small_mode ? 257 : 100003;
    float ratio = ratios[_i];
    float *x = random_input(n, 17);
    int *mask = harness_alloc(n * sizeof *mask), *want = harness_alloc(n * sizeof *want);
    float *y = device_forward(x, n, (size_t)_i, ratio, seeds[_i], offsets[_i], mask);
    ref_dropout_mask(seeds[_i], offsets[_i], n, ratio, want);
    ck_assert_mem_eq(mask, want, n * sizeof *mask);
    double *yw = harness_alloc(n * sizeof *yw);
    for (size_t i = 0; i < n; i++) yw[i] = want[i] ? x[i] / (1.0 - ratio) : 0.0;
    harness_expect_close(y, yw, n, 1e-6, 0, "dropout y");
}
END_TEST

static size_t count_kept(const int *mask, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) kept += mask[i] == 1;
    return kept;
}

START_TEST(keep_rate_and_reproducibility)
{
    /* Keep rate within 5 standard deviations of 1 - ratio (a false failure has
     * probability ~6e-7). */
    size_t n = small_mode ? 400 : 100000;
    const float ratio = 0.3f;
    float *x = random_input(n, 23);
    int *m1 = harness_alloc(n * 4), *m2 = harness_alloc(n * 4), *m3 = harness_alloc(n * 4);
    device_forward(x, n, 0, ratio, 7, 0, m1);
    double p = 1 - ratio, sigma = sqrt(n * p * (1 - p)), kept = (double)count_kept(m1, n);
    ck_assert_msg(fabs(kept - n * p) <= 5 * sigma, "kept %g of %zu (expected %g +- %g)", kept,
                  n, n * p, 5 * sigma);

    device_forward(x, n, 0, ratio, 7, 0, m2);
    ck_assert_mem_eq(m1, m2, n * 4); /* same seed: same mask */
    device_forward(x, n, 0, ratio, 8, 0, m3);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) differ += m1[i] != m3[i];
    /* Independent masks differ in 2 p (1 - p) = 42 % of places. */
    ck_assert_msg(differ > n / 4, "seeds 7 and 8 differ in only %zu of %zu", differ, n);

    /* Advancing the offset continues the stream: two halves equal the whole. */
    size_t half = n / 2 + 1;
    device_forward(x, half, 1, ratio, 7, 0, m2);
    device_forward(x + half, n - half, 2, ratio, 7, half, m3);
    ck_assert_mem_eq(m1, m2, half * 4);
    ck_assert_mem_eq(m1 + half, m3, (n - half) * 4);
}
END_TEST

START_TEST(backward_uses_forward_mask)
{
    /* dx = dy * mask / (1 - ratio) with the mask recomputed from (seed, offset);
     * written in place over dy at a buffer offset. */
    size_t n = small_mode ? 301 : 30001, off = 5;
    const float ratio = 0.45f;
    const uint64_t seed = 99, offset = 6;
    float *x = random_input(n, 1), *dy = random_input(n, 2);
    int *mask = harness_alloc(n * 4);
    device_forward(x, n, 0, ratio, seed, offset, mask);
    float *padded = harness_alloc((n + off) * 4);
    memcpy(padded + off, dy, n * 4);
    cl_mem b = harness_upload(padded, (n + off) * 4);
    clnn_tensor_desc d = HARNESS_DESC((int64_t)n);
    harness_expect_ok(clnn_dropout_backward(harness_ctx(), ratio, seed, offset, &d, b, off * 4,
                                            &d, b, off * 4));
    float *dx = harness_alloc(n * 4);
    harness_download(b, off * 4, dx, n * 4);
    double *want = harness_alloc(n * sizeof *want);
    for (size_t i = 0; i < n; i++) want[i] = mask[i] ? dy[i] / (1.0 - ratio) : 0.0;
    harness_expect_close(dx, want, n, 1e-6, 0, "dropout backward");
}
END_TEST

START_TEST(inference_and_ratio_zero_copy)
{
    /* y = x exactly, mask all ones; in place is a no-op. NaN passes through. */
    size_t n = 37;
    float *x = random_input(n, 3);
    x[5] = NAN;
    clnn_tensor_desc d = HARNESS_DESC((int64_t)n), md = d;
    md.dtype = CLNN_INT32;
    for (int t = 0; t < 3; t++) {
        int training = t == 2;
        float ratio = t == 2 ? 0.0f : 0.5f * (float)t;
        cl_mem xb = harness_upload(x, n * 4), yb = harness_buffer(n * 4);
        cl_mem mb = harness_buffer(n * 4);
        harness_expect_ok(clnn_dropout_forward(harness_ctx(), ratio, training, 1, 0, &d, xb, 0,
                                               &d, yb, 0, &md, mb, 0));
        float *y = harness_alloc(n * 4);
        int *mask = harness_alloc(n * 4);
        harness_download(yb, 0, y, n * 4);
        harness_download(mb, 0, mask, n * 4);
        ck_assert_mem_eq(y, x, n * 4);
        ck_assert_uint_eq(count_kept(mask, n), n);
        harness_expect_ok(clnn_dropout_forward(harness_ctx(), ratio, training, 1, 0, &d, xb, 0,
                                               &d, xb, 0, NULL, NULL, 0));
        harness_download(xb, 0, y, n * 4);
        ck_assert_mem_eq(y, x, n * 4);
    }
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(8), other = HARNESS_DESC(2, 4), md = d;
    md.dtype = CLNN_INT32;
    float sentinel[8] = {1, 2, 3, 4, 5, 6, 7, 8}, after[8];
    cl_mem x = harness_upload(sentinel, 32), y = harness_upload(sentinel, 32);
    cl_mem m = harness_upload(sentinel, 32);
    harness_expect_status(clnn_dropout_forward(NULL, 0.5f, 1, 0, 0, &d, x, 0, &d, y, 0, NULL,
                                               NULL, 0),
                          CLNN_NULL_POINTER);
    static const float bad_ratios[] = {-0.1f, 1.0f, 2.0f, NAN};
    for (int i = 0; i < 4; i++) {
        harness_expect_status(clnn_dropout_forward(ctx, bad_ratios[i], 1, 0, 0, &d, x, 0, &d, y,
                                                   0, NULL, NULL, 0),
                              CLNN_INVALID_VALUE);
        ck_assert_ptr_nonnull(strstr(clnn_last_error(), "ratio"));
        harness_expect_status(clnn_dropout_backward(ctx, bad_ratios[i], 0, 0, &d, x, 0, &d, y,
                                                    0),
                              CLNN_INVALID_VALUE);
    }
    /* Inference mode still validates the ratio, as ONNX bounds it. */
    harness_expect_status(clnn_dropout_forward(ctx, 1.5f, 0, 0, 0, &d, x, 0, &d, y, 0, NULL,
                                               NULL, 0),
                          CLNN_INVALID_VALUE);
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, NULL, x, 0, &d, y, 0, NULL,
                                               NULL, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, NULL, 0, &d, y, 0, NULL,
                                               NULL, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, x, 0, &other, y, 0, NULL,
                                               NULL, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, x, 0, &d, y, 0, &d, m, 0),
                          CLNN_INVALID_VALUE); /* float32 mask */
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "mask"));
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, x, 0, &d, y, 0, NULL, m,
                                               0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, x, 0, &d, y, 0, &other,
                                               m, 0),
                          CLNN_INVALID_VALUE); /* other is float32 too */
    other.dtype = CLNN_INT32;
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, x, 0, &d, y, 0, &other,
                                               m, 0),
                          CLNN_SHAPE_MISMATCH);
    harness_expect_status(clnn_dropout_forward(ctx, 0.5f, 1, 0, 0, &d, x, 0, &d, y, 4, &md, m,
                                               0),
                          CLNN_INVALID_VALUE); /* y range past the end */
    harness_expect_status(clnn_dropout_backward(ctx, 0.5f, 0, 0, &d, x, 0, NULL, y, 0),
                          CLNN_NULL_POINTER);
    harness_expect_status(clnn_dropout_backward(ctx, 0.5f, 0, 0, &d, x, 0, &d, y, 2),
                          CLNN_INVALID_VALUE);
    harness_download(y, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    harness_download(m, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("dropout");
    TCase *tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tc = harness_tcase(s, "rng");
    tcase_add_test(tc, philox_matches_known_answers);
    tcase_add_loop_test(tc, mask_matches_reference_exactly, 0, 4);
    tcase_add_test(tc, keep_rate_and_reproducibility);
    tc = harness_tcase(s, "modes");
    tcase_add_test(tc, backward_uses_forward_mask);
    tcase_add_test(tc, inference_and_ratio_zero_copy);
    return harness_main(s);
}
