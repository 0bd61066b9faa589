/* The manual-gradient API (clnn_model_forward_buffer, backward_buffer,
 * apply_gradients) that GANs train through: the input gradient against central
 * differences of a double reference, backward from dLoss/dOutput against
 * compute_gradients, bad input with outputs untouched, and a tiny GAN through the
 * examples' loop (examples/gan-loop.c). */
#include "model-util.h"
#include "gradcheck.h"
#include "gan-loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int small_mode; /* CLNN_TEST_SMALL=1: a shorter GAN run */

static int64_t count_of(const clnn_tensor_desc *d)
{
    int64_t c = 1;
    for (int i = 0; i < d->rank; i++) c *= d->dims[i];
    return c;
}

static void compile(clnn_model_t m, clnn_loss loss, int64_t batch)
{
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    harness_expect_ok(clnn_model_compile(m, loss, &adam, batch));
}

/* Parameter `index`'s values or gradient (freed after the test). */
static float *param(clnn_model_t m, int index, int grad, int64_t *count)
{
    clnn_tensor_desc d;
    harness_expect_ok(clnn_model_get_param(m, index, NULL, &d, NULL, NULL));
    *count = count_of(&d);
    float *v = harness_alloc((size_t)*count * sizeof(float));
    harness_expect_ok(clnn_model_get_param(m, index, NULL, NULL, grad ? NULL : v, grad ? v : NULL));
    return v;
}

/* Sets every parameter to reproducible values in [-0.8, 0.8). */
static void randomize(clnn_model_t m, uint32_t seed)
{
    int count;
    harness_expect_ok(clnn_model_param_tensors(m, &count));
    for (int i = 0; i < count; i++) {
        int64_t c;
        float *v = param(m, i, 0, &c);
        harness_random(v, (size_t)c, seed + (uint32_t)i, -0.8f, 0.8f);
        harness_expect_ok(clnn_model_set_param(m, i, v));
    }
}

/* ------------------------------------------------------- input gradients */

/* The reference of the two models below: [optional 2x2 max pool of a 4x4 image]
 * -> Dense(hid, tanh) -> Dense(out, none or softmax), in double. */
typedef struct mlp_ref {
    int pool, in, hid, out, softmax, n;
    const float *w1, *b1, *w2, *b2;
} mlp_ref;

static void mlp_forward(const double *x, double *y, void *params)
{
    const mlp_ref *r = params;
    int rows = r->pool ? 16 : r->in;
    for (int s = 0; s < r->n; s++) {
        const double *xs = x + s * rows;
        double in[16], h[16], *ys = y + s * r->out;
        for (int i = 0; i < r->in; i++) {
            if (!r->pool) {
                in[i] = xs[i];
                continue;
            }
            int py = i / 2, px = i % 2; /* 2x2 max pool, stride 2, of [1, 4, 4] */
            double v = xs[(2 * py) * 4 + 2 * px];
            for (int k = 1; k < 4; k++) v = fmax(v, xs[(2 * py + k / 2) * 4 + 2 * px + k % 2]);
            in[i] = v;
        }
        for (int j = 0; j < r->hid; j++) {
            double a = r->b1[j];
            for (int i = 0; i < r->in; i++) a += in[i] * r->w1[i * r->hid + j];
            h[j] = tanh(a);
        }
        double mx = -INFINITY, sum = 0.0;
        for (int j = 0; j < r->out; j++) {
            double a = r->b2[j];
            for (int i = 0; i < r->hid; i++) a += h[i] * r->w2[i * r->out + j];
            ys[j] = a;
            mx = fmax(mx, a);
        }
        if (!r->softmax) continue;
        for (int j = 0; j < r->out; j++) sum += exp(ys[j] - mx);
        for (int j = 0; j < r->out; j++) ys[j] = exp(ys[j] - mx) / sum;
    }
}

/* dx of backward_buffer for random dy against gradcheck of mlp_forward. */
static void check_input_gradient(clnn_model_t m, mlp_ref *r, int64_t batch)
{
    randomize(m, 21);
    int64_t c;
    int first = 0;
    r->w1 = param(m, first, 0, &c);
    r->b1 = param(m, first + 1, 0, &c);
    r->w2 = param(m, first + 2, 0, &c);
    r->b2 = param(m, first + 3, 0, &c);
    int rows = r->pool ? 16 : r->in;
    size_t nx = (size_t)(r->n * rows), ny = (size_t)(r->n * r->out);
    float *x = harness_alloc(nx * sizeof(float)), *dy = harness_alloc(ny * sizeof(float));
    float *dx = harness_alloc(nx * sizeof(float));
    harness_random(x, nx, 5, -1.0f, 1.0f);
    harness_random(dy, ny, 6, -1.0f, 1.0f);
    clnn_tensor_desc xd = r->pool ? HARNESS_DESC(r->n, 1, 4, 4) : HARNESS_DESC(r->n, r->in);
    clnn_tensor_desc yd = HARNESS_DESC(r->n, r->out);
    /* buffers one row larger than needed, used at an offset of one row */
    size_t xo = (size_t)rows * 4, yo = (size_t)r->out * 4;
    cl_mem xb = harness_buffer(xo + nx * 4), yb = harness_buffer(yo + ny * 4);
    cl_mem dyb = harness_buffer(yo + ny * 4), dxb = harness_buffer(xo + nx * 4);
    float *nan = harness_alloc(xo + nx * 4 + yo + ny * 4);
    for (size_t i = 0; i < (xo + nx * 4 + yo + ny * 4) / 4; i++) nan[i] = NAN;
    harness_expect_ok(clnn_buffer_write(harness_ctx(), xb, xo, x, nx * 4));
    harness_expect_ok(clnn_buffer_write(harness_ctx(), dyb, yo, dy, ny * 4));
    harness_expect_ok(clnn_buffer_write(harness_ctx(), yb, 0, nan, yo + ny * 4));
    harness_expect_ok(clnn_buffer_write(harness_ctx(), dxb, 0, nan, xo + nx * 4));
    ck_assert_int_le(r->n, batch);
    harness_expect_ok(clnn_model_forward_buffer(m, 1, &xd, xb, xo, &yd, yb, yo));
    harness_expect_ok(clnn_model_backward_buffer(m, &yd, dyb, yo, &xd, dxb, xo));
    float *y = harness_alloc(ny * 4);
    harness_download(yb, yo, y, ny * 4);
    harness_download(dxb, xo, dx, nx * 4);
    double *want_y = harness_alloc(ny * sizeof(double)), *want = harness_alloc(nx * sizeof(double));
    double *xd64 = gradcheck_to_double(x, nx), *w = gradcheck_to_double(dy, ny);
    mlp_forward(xd64, want_y, r);
    /* fp32 forward of a few short sums */
    harness_expect_close(y, want_y, ny, 1e-5, 1e-6, "y");
    gradcheck_numeric(mlp_forward, r, xd64, nx, w, ny, 1e-6, want);
    /* fp32 backward against double differences (h = 1e-6): a few short sums */
    harness_expect_close(dx, want, nx, 1e-4, 1e-5, "dx");
    clnn_model_destroy(m);
}

START_TEST(input_gradient_through_pooling_matches_finite_differences)
{
    /* max pool and flatten before the first parameter: the gradient buffers the
     * first dx request allocates and links */
    clnn_model_t m = mt_new_model(3, (int64_t[]){1, 4, 4});
    harness_expect_ok(clnn_model_add_maxpool2d(m, 2, 2));
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 5, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_NONE));
    compile(m, CLNN_LOSS_MSE, 4);
    mlp_ref r = {1, 4, 5, 3, 0, 3, NULL, NULL, NULL, NULL};
    check_input_gradient(m, &r, 4);
}
END_TEST

START_TEST(input_gradient_through_softmax_matches_finite_differences)
{
    /* a softmax output compiled with sparse CE (the loss takes the logits):
     * backward_buffer still differentiates the softmax */
    clnn_model_t m = mt_new_model(1, (int64_t[]){7});
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_MODEL_SOFTMAX));
    compile(m, CLNN_LOSS_SPARSE_CE, 5);
    mlp_ref r = {0, 7, 6, 4, 1, 5, NULL, NULL, NULL, NULL};
    check_input_gradient(m, &r, 5);
}
END_TEST

/* ------------------------------------------------- against compute_gradients */

/* Every parameter gradient after backward_buffer(dy) equals compute_gradients'
 * on (x, y), where dy is the loss's gradient w.r.t. the output computed here. */
static void expect_same_gradients(clnn_model_t m, const float *x, const void *y, int64_t n,
                                  int64_t in, int64_t out,
                                  void (*dloss)(const float *pred, const void *y, int64_t n,
                                                int64_t out, float *dy))
{
    int count;
    harness_expect_ok(clnn_model_param_tensors(m, &count));
    harness_expect_ok(clnn_model_compute_gradients(m, x, y, n, NULL));
    float *want[8];
    for (int i = 0; i < count; i++) {
        int64_t c;
        want[i] = param(m, i, 1, &c);
    }
    clnn_tensor_desc xd = HARNESS_DESC(n, in), yd = HARNESS_DESC(n, out);
    cl_mem xb = harness_upload(x, (size_t)(n * in) * 4), yb = harness_buffer((size_t)(n * out) * 4);
    harness_expect_ok(clnn_model_forward_buffer(m, 1, &xd, xb, 0, &yd, yb, 0));
    float *pred = harness_alloc((size_t)(n * out) * 4), *dy = harness_alloc((size_t)(n * out) * 4);
    harness_download(yb, 0, pred, (size_t)(n * out) * 4);
    dloss(pred, y, n, out, dy);
    cl_mem dyb = harness_upload(dy, (size_t)(n * out) * 4);
    harness_expect_ok(clnn_model_backward_buffer(m, &yd, dyb, 0, NULL, NULL, 0));
    for (int i = 0; i < count; i++) {
        int64_t c;
        float *got = param(m, i, 1, &c);
        /* the same ops on the same data; softmax's path differs from the fused
         * logits gradient by a few float32 roundings */
        harness_expect_close(got, gradcheck_to_double(want[i], (size_t)c), (size_t)c, 1e-4, 1e-6,
                             "parameter gradient");
    }
    clnn_model_destroy(m);
}

/* MSE: mean over rows of the mean over outputs of (p - t)^2. */
static void mse_grad(const float *p, const void *y, int64_t n, int64_t out, float *dy)
{
    const float *t = y;
    for (int64_t i = 0; i < n * out; i++) dy[i] = 2.0f * (p[i] - t[i]) / (float)(n * out);
}

/* Sparse CE on probabilities: -log p[label] averaged over rows. */
static void sparse_ce_grad(const float *p, const void *y, int64_t n, int64_t out, float *dy)
{
    const int32_t *labels = y;
    for (int64_t s = 0; s < n; s++)
        for (int64_t j = 0; j < out; j++)
            dy[s * out + j] = j == labels[s] ? -1.0f / ((float)n * p[s * out + j]) : 0.0f;
}

START_TEST(backward_buffer_reproduces_compute_gradients)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_batchnorm(m, CLNN_MODEL_BN_MOMENTUM, CLNN_MODEL_NORM_EPSILON));
    harness_expect_ok(clnn_model_add_activation(m, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_NONE));
    compile(m, CLNN_LOSS_MSE, 7);
    randomize(m, 3);
    float x[7 * 4], t[7 * 3];
    harness_random(x, 28, 8, -1.0f, 1.0f);
    harness_random(t, 21, 9, -1.0f, 1.0f);
    expect_same_gradients(m, x, t, 7, 4, 3, mse_grad);

    m = mt_new_model(1, (int64_t[]){5});
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    compile(m, CLNN_LOSS_SPARSE_CE, 4);
    randomize(m, 4);
    float x2[2 * 5];
    int32_t labels[2] = {2, 0};
    harness_random(x2, 10, 10, -1.0f, 1.0f);
    expect_same_gradients(m, x2, labels, 2, 5, 3, sparse_ce_grad);
}
END_TEST

/* --------------------------------------------------------------- bad input */

static void expect_untouched(cl_mem buf, size_t floats)
{
    float *v = harness_alloc(floats * 4);
    harness_download(buf, 0, v, floats * 4);
    for (size_t i = 0; i < floats; i++) ck_assert_msg(isnan(v[i]), "element %zu was written", i);
}

START_TEST(bad_input_is_rejected)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 2, CLNN_ACTIVATION_TANH));
    clnn_tensor_desc xd = HARNESS_DESC(3, 4), yd = HARNESS_DESC(3, 2);
    float nan[16];
    for (int i = 0; i < 16; i++) nan[i] = NAN;
    cl_mem xb = harness_upload(nan, 64), yb = harness_upload(nan, 64), dxb = harness_upload(nan, 64);
    harness_expect_error(clnn_model_forward_buffer(m, 1, &xd, xb, 0, &yd, yb, 0),
                         CLNN_INVALID_VALUE, "compile");
    harness_expect_error(clnn_model_apply_gradients(m), CLNN_INVALID_VALUE, "compile");
    compile(m, CLNN_LOSS_MSE, 4);
    harness_expect_error(clnn_model_forward_buffer(NULL, 1, &xd, xb, 0, &yd, yb, 0),
                         CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_apply_gradients(NULL), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_forward_buffer(m, 1, NULL, xb, 0, &yd, yb, 0),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(clnn_model_forward_buffer(m, 1, &xd, NULL, 0, &yd, yb, 0),
                         CLNN_NULL_POINTER, "x");
    harness_expect_error(clnn_model_forward_buffer(m, 1, &xd, xb, 0, &yd, NULL, 0),
                         CLNN_NULL_POINTER, "y");
    harness_expect_error(clnn_model_forward_buffer(m, 2, &xd, xb, 0, &yd, yb, 0),
                         CLNN_INVALID_VALUE, "training");
    clnn_tensor_desc bad = xd;
    bad.dtype = CLNN_INT32;
    harness_expect_error(clnn_model_forward_buffer(m, 1, &bad, xb, 0, &yd, yb, 0),
                         CLNN_INVALID_VALUE, "x");
    bad = HARNESS_DESC(3, 5);
    harness_expect_error(clnn_model_forward_buffer(m, 1, &bad, xb, 0, &yd, yb, 0),
                         CLNN_SHAPE_MISMATCH, "[3, 5]");
    bad = HARNESS_DESC(12);
    harness_expect_error(clnn_model_forward_buffer(m, 1, &bad, xb, 0, &yd, yb, 0),
                         CLNN_SHAPE_MISMATCH, "x");
    bad = HARNESS_DESC(5, 2);
    clnn_tensor_desc x5 = HARNESS_DESC(5, 4);
    cl_mem big = harness_upload(nan, 80 + 16);
    harness_expect_error(clnn_model_forward_buffer(m, 1, &x5, big, 0, &bad, yb, 0),
                         CLNN_SHAPE_MISMATCH, "batch size");
    bad = HARNESS_DESC(2, 2);
    harness_expect_error(clnn_model_forward_buffer(m, 1, &xd, xb, 0, &bad, yb, 0),
                         CLNN_SHAPE_MISMATCH, "y");
    harness_expect_error(clnn_model_forward_buffer(m, 1, &xd, xb, 60, &yd, yb, 0),
                         CLNN_INVALID_VALUE, "x");
    expect_untouched(yb, 16);
    /* backward needs a training forward of the same n */
    harness_expect_error(clnn_model_backward_buffer(m, &yd, yb, 0, &xd, dxb, 0),
                         CLNN_INVALID_VALUE, "forward_buffer");
    harness_expect_ok(clnn_model_forward_buffer(m, 0, &xd, xb, 0, &yd, yb, 0));
    harness_expect_error(clnn_model_backward_buffer(m, &yd, yb, 0, &xd, dxb, 0),
                         CLNN_INVALID_VALUE, "training");
    harness_expect_ok(clnn_model_forward_buffer(m, 1, &xd, xb, 0, &yd, yb, 0));
    harness_expect_error(clnn_model_backward_buffer(NULL, &yd, yb, 0, &xd, dxb, 0),
                         CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_backward_buffer(m, NULL, yb, 0, &xd, dxb, 0),
                         CLNN_NULL_POINTER, "dy");
    harness_expect_error(clnn_model_backward_buffer(m, &bad, yb, 0, &xd, dxb, 0),
                         CLNN_SHAPE_MISMATCH, "dy");
    harness_expect_error(clnn_model_backward_buffer(m, &yd, yb, 0, &xd, NULL, 0),
                         CLNN_NULL_POINTER, "dx");
    bad = HARNESS_DESC(2, 4);
    harness_expect_error(clnn_model_backward_buffer(m, &yd, yb, 0, &bad, dxb, 0),
                         CLNN_SHAPE_MISMATCH, "dx");
    expect_untouched(dxb, 16);
    clnn_model_destroy(m);

    /* token ids: int32 x, and no input gradient */
    m = mt_new_model(1, (int64_t[]){3});
    harness_expect_ok(clnn_model_add_embedding(m, 5, 2));
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 1, CLNN_ACTIVATION_NONE));
    compile(m, CLNN_LOSS_MSE, 2);
    int32_t ids[6] = {0, 1, 2, 3, 4, 0};
    clnn_tensor_desc idd = HARNESS_DESC(2, 3), od = HARNESS_DESC(2, 1), fx = HARNESS_DESC(2, 3);
    idd.dtype = CLNN_INT32;
    cl_mem ib = harness_upload(ids, sizeof ids), ob = harness_upload(nan, 8);
    harness_expect_error(clnn_model_forward_buffer(m, 1, &fx, ib, 0, &od, ob, 0),
                         CLNN_INVALID_VALUE, "x");
    harness_expect_ok(clnn_model_forward_buffer(m, 1, &idd, ib, 0, &od, ob, 0));
    harness_expect_error(clnn_model_backward_buffer(m, &od, ob, 0, &fx, dxb, 0),
                         CLNN_INVALID_VALUE, "embedding");
    harness_expect_ok(clnn_model_backward_buffer(m, &od, ob, 0, NULL, NULL, 0));
    clnn_model_destroy(m);
}
END_TEST

/* ------------------------------------------------------------------ GAN */

static clnn_model_t small_mlp(int64_t in, int64_t hid, int64_t out, uint64_t seed,
                              int64_t batch)
{
    clnn_model_t m = mt_new_model(1, &in);
    harness_expect_ok(clnn_model_set_seed(m, seed));
    harness_expect_ok(clnn_model_add_dense(m, hid, CLNN_ACTIVATION_RELU));
    harness_expect_ok(clnn_model_add_dense(m, out, CLNN_ACTIVATION_NONE));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 1e-3f;
    adam.beta1 = 0.5f;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_BINARY_CE_LOGITS, &adam, batch));
    return m;
}

static int params_differ(clnn_model_t m, float *const before[2])
{
    int differ = 0;
    for (int i = 0; i < 2; i++) {
        int64_t c;
        float *now = param(m, i, 0, &c);
        for (int64_t k = 0; k < c; k++) differ |= now[k] != before[i][k];
    }
    return differ;
}

START_TEST(tiny_gan_trains_without_nan)
{
    const int64_t batch = small_mode ? 8 : 32, hid = small_mode ? 8 : 16, pool = 256;
    const int steps = small_mode ? 4 : 40;
    clnn_model_t g = small_mlp(2, hid, 2, 1, batch), d = small_mlp(2, hid, 1, 2, 2 * batch);
    float *before_g[2], *before_d[2];
    for (int i = 0; i < 2; i++) {
        int64_t c;
        before_g[i] = param(g, i, 0, &c);
        before_d[i] = param(d, i, 0, &c);
    }
    float real[256 * 2];
    for (int i = 0; i < pool; i++) { /* the ring of 8 modes, no noise */
        real[2 * i] = 2.0f * cosf(0.7853982f * (float)(i % 8));
        real[2 * i + 1] = 2.0f * sinf(0.7853982f * (float)(i % 8));
    }
    cl_mem rb = harness_upload(real, sizeof real);
    gan_loop gl;
    harness_expect_ok(gan_loop_init(&gl, harness_ctx(), g, d, 2, batch, pool, 7));
    float d_first = NAN, g_first = NAN, d_last = NAN, g_last = NAN;
    for (int s = 0; s < steps; s++) {
        harness_expect_ok(gan_loop_step(&gl, rb, (size_t)((s * 8) % (pool - batch)) * 8));
        if (s == 0) harness_expect_ok(gan_loop_losses(&gl, &d_first, &g_first));
    }
    harness_expect_ok(gan_loop_losses(&gl, &d_last, &g_last));
    ck_assert_msg(isfinite(d_first) && isfinite(g_first) && isfinite(d_last) &&
                  isfinite(g_last), "losses D %g -> %g, G %g -> %g", (double)d_first,
                  (double)d_last, (double)g_first, (double)g_last);
    /* at the start D is a coin: its loss (real + fake) is near 2 log 2 */
    ck_assert_msg(fabsf(d_first - 1.3863f) < 0.5f, "first D loss %g", (double)d_first);
    ck_assert_msg(fabsf(d_last - d_first) > 1e-4f, "D loss did not change: %g", (double)d_last);
    ck_assert(params_differ(g, before_g) && params_differ(d, before_d));
    float z[16], out[16];
    uint64_t rng = 3;
    gan_noise(z, 16, &rng);
    harness_expect_ok(clnn_model_predict(g, z, 8, out));
    for (int i = 0; i < 16; i++) ck_assert(isfinite(out[i]));
    gan_loop_free(&gl);
    clnn_model_destroy(g);
    clnn_model_destroy(d);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && !strcmp(small, "1");
    Suite *s = suite_create("model-gan");
    TCase *tc = harness_tcase(s, "gradients");
    tcase_add_test(tc, input_gradient_through_pooling_matches_finite_differences);
    tcase_add_test(tc, input_gradient_through_softmax_matches_finite_differences);
    tcase_add_test(tc, backward_buffer_reproduces_compute_gradients);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    tc = harness_tcase(s, "gan");
    tcase_add_test(tc, tiny_gan_trains_without_nan);
    return harness_main(s);
}
