/* Initializers: fans, statistics over 1e5 samples, reproducibility,
 * orthogonality, the device upload, bad input. */
#include "harness.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define SAMPLES 100200 /* [300, 334] */

static void stats(const float *x, size_t n, double *mean, double *std, double *absmax)
{
    double s = 0, ss = 0, m = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++) {
        ss += (x[i] - *mean) * (x[i] - *mean);
        m = fmax(m, fabs(x[i]));
    }
    *std = sqrt(ss / (double)n);
    *absmax = m;
}

START_TEST(fans_follow_keras)
{
    double fi, fo;
    clnn_tensor_desc dense = HARNESS_DESC(300, 334), conv = HARNESS_DESC(64, 32, 3, 3),
                     vec = HARNESS_DESC(10);
    harness_expect_ok(clnn_init_fans(&dense, &fi, &fo));
    ck_assert(fi == 300 && fo == 334);
    harness_expect_ok(clnn_init_fans(&conv, &fi, &fo));
    ck_assert(fi == 32 * 9 && fo == 64 * 9);
    harness_expect_ok(clnn_init_fans(&vec, &fi, &fo));
    ck_assert(fi == 10 && fo == 10);
}
END_TEST

START_TEST(random_statistics)
{
    /* 1e5 samples: the mean is within 5 standard errors of 0, the std within 1 %
     * of its target (its relative standard error is ~0.3 %), and every value
     * within the bound. */
    clnn_tensor_desc d = HARNESS_DESC(300, 334);
    float *x = harness_alloc(SAMPLES * 4);
    static const clnn_init_kind kinds[] = {CLNN_INIT_GLOROT_UNIFORM, CLNN_INIT_HE_UNIFORM,
                                           CLNN_INIT_HE_NORMAL};
    for (int k = 0; k < 3; k++) {
        clnn_init_desc init = {kinds[k], 0, 1234};
        harness_expect_ok(clnn_init_host(&init, &d, x));
        double mean, std, absmax, want_std, bound;
        stats(x, SAMPLES, &mean, &std, &absmax);
        if (kinds[k] == CLNN_INIT_HE_NORMAL) {
            want_std = sqrt(2.0 / 300);
            bound = 2 * want_std / 0.87962566103423978;
        } else {
            bound = sqrt(6.0 / (kinds[k] == CLNN_INIT_GLOROT_UNIFORM ? 634 : 300));
            want_std = bound / sqrt(3.0);
        }
        ck_assert_msg(fabs(mean) < 5 * want_std / sqrt(SAMPLES), "kind %d mean %g", k, mean);
        ck_assert_msg(fabs(std / want_std - 1) < 0.01, "kind %d std %g vs %g", k, std, want_std);
        ck_assert_msg(absmax <= bound * (1 + 1e-6), "kind %d max %g > %g", k, absmax, bound);
        ck_assert_msg(absmax > bound * 0.99, "kind %d never nears its bound", k);
    }
}
END_TEST

START_TEST(same_seed_same_values)
{
    clnn_tensor_desc d = HARNESS_DESC(50, 20);
    float a[1000], b[1000];
    clnn_init_desc init = {CLNN_INIT_HE_NORMAL, 0, 42};
    harness_expect_ok(clnn_init_host(&init, &d, a));
    harness_expect_ok(clnn_init_host(&init, &d, b));
    ck_assert_mem_eq(a, b, sizeof a);
    init.seed = 43;
    harness_expect_ok(clnn_init_host(&init, &d, b));
    ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

static void expect_orthonormal(const float *q, size_t rows, size_t cols, double gain)
{
    /* Columns orthonormal when rows >= cols, rows otherwise: Gram matrix = gain^2 I
     * within 1e-5 (fp32 rounding of the stored values). */
    bool by_cols = rows >= cols;
    size_t k = by_cols ? cols : rows, m = by_cols ? rows : cols;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double dot = 0;
            for (size_t i = 0; i < m; i++)
                dot += by_cols ? (double)q[i * cols + a] * q[i * cols + b]
                               : (double)q[a * cols + i] * q[b * cols + i];
            double want = a == b ? gain * gain : 0;
            ck_assert_msg(fabs(dot - want) < 1e-5, "Gram[%zu][%zu] = %g (%zu x %zu)", a, b, dot,
                          rows, cols);
        }
}

START_TEST(orthogonal_is_orthonormal)
{
    static const int64_t shapes[][3] = {{64, 32, 0}, {32, 64, 0}, {3, 20, 20}, {16, 16, 0}};
    for (int s = 0; s < 4; s++) {
        clnn_tensor_desc d = shapes[s][2] ? HARNESS_DESC(shapes[s][0], shapes[s][1], shapes[s][2])
                                          : HARNESS_DESC(shapes[s][0], shapes[s][1]);
        size_t n = (size_t)(shapes[s][0] * shapes[s][1] * (shapes[s][2] ? shapes[s][2] : 1));
        size_t cols = (size_t)d.dims[d.rank - 1];
        float *q = harness_alloc(n * 4);
        clnn_init_desc init = {CLNN_INIT_ORTHOGONAL, s == 3 ? 2.0f : 1.0f, 7};
        harness_expect_ok(clnn_init_host(&init, &d, q));
        expect_orthonormal(q, n / cols, cols, init.value);
    }
}
END_TEST

START_TEST(constants_on_the_device)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(93);
    float host[94], got[93];
    for (int i = 0; i < 94; i++) host[i] = -1;
    cl_mem b = harness_upload(host, sizeof host);
    static const clnn_init_kind kinds[] = {CLNN_INIT_ZEROS, CLNN_INIT_ONES, CLNN_INIT_CONSTANT,
                                           CLNN_INIT_GLOROT_UNIFORM};
    for (int k = 0; k < 4; k++) {
        clnn_init_desc init = {kinds[k], 2.5f, 9};
        harness_expect_ok(clnn_init_forward(ctx, &init, &d, b, 4));
        harness_download(b, 4, got, sizeof got);
        float want[93];
        harness_expect_ok(clnn_init_host(&init, &d, want));
        ck_assert_mem_eq(got, want, sizeof got);
        if (k < 3) ck_assert_float_eq(got[50], k == 0 ? 0.0f : k == 1 ? 1.0f : 2.5f);
    }
    float first;
    harness_download(b, 0, &first, 4);
    ck_assert_float_eq(first, -1.0f);
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(8), ints = HARNESS_DESC(8);
    ints.dtype = CLNN_INT32;
    float out[8] = {1, 2, 3, 4, 5, 6, 7, 8}, copy[8];
    memcpy(copy, out, sizeof out);
    clnn_init_desc ok = {CLNN_INIT_GLOROT_UNIFORM, 0, 1}, unknown = {(clnn_init_kind)42, 0, 1},
                   inf = {CLNN_INIT_CONSTANT, INFINITY, 1}, orth = {CLNN_INIT_ORTHOGONAL, 1, 1};
    double fi, fo;
    harness_expect_error(clnn_init_host(NULL, &d, out), CLNN_NULL_POINTER, "init");
    harness_expect_error(clnn_init_host(&ok, NULL, out), CLNN_NULL_POINTER, "desc");
    harness_expect_error(clnn_init_host(&ok, &d, NULL), CLNN_NULL_POINTER, "out");
    harness_expect_error(clnn_init_host(&ok, &ints, out), CLNN_INVALID_VALUE, "desc");
    harness_expect_error(clnn_init_host(&unknown, &d, out), CLNN_INVALID_VALUE, "kind");
    harness_expect_error(clnn_init_host(&inf, &d, out), CLNN_INVALID_VALUE, "value");
    harness_expect_error(clnn_init_host(&orth, &d, out), CLNN_INVALID_VALUE, "rank");
    ck_assert_mem_eq(out, copy, sizeof out);
    harness_expect_error(clnn_init_fans(&d, NULL, &fo), CLNN_NULL_POINTER, "fan_in");
    harness_expect_error(clnn_init_fans(NULL, &fi, &fo), CLNN_NULL_POINTER, "desc");
    cl_mem b = harness_upload(out, sizeof out);
    harness_expect_error(clnn_init_forward(NULL, &ok, &d, b, 0), CLNN_NULL_POINTER,
                         "clnn_init_forward");
    harness_expect_error(clnn_init_forward(ctx, &ok, &d, b, 4), CLNN_INVALID_VALUE, "buffer");
    harness_expect_error(clnn_init_forward(ctx, &unknown, &d, b, 0), CLNN_INVALID_VALUE, "kind");
    harness_expect_error(clnn_init_forward(ctx, &ok, &d, NULL, 0), CLNN_NULL_POINTER, "buffer");
    float after[8];
    harness_download(b, 0, after, sizeof after);
    ck_assert_mem_eq(after, copy, sizeof after);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("init");
    TCase *tc = harness_tcase(s, "init");
    tcase_add_test(tc, fans_follow_keras);
    tcase_add_test(tc, random_statistics);
    tcase_add_test(tc, same_seed_same_values);
    tcase_add_test(tc, orthogonal_is_orthonormal);
    tcase_add_test(tc, constants_on_the_device);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
