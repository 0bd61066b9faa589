/* Optimizers against the double reference over several steps, convergence on a
 * quadratic, clipping by value and by global norm, schedules, bad input. */
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool small_mode;

static clnn_optimizer_desc config(int i)
{
    clnn_optimizer_desc d = clnn_optimizer_default(i < 4 ? CLNN_OPTIMIZER_SGD
                                                   : i < 6 ? CLNN_OPTIMIZER_ADAM
                                                           : CLNN_OPTIMIZER_ADAMW);
    d.lr = 0.05f;
    if (i == 1 || i == 2) d.momentum = 0.9f;
    if (i == 2) d.nesterov = 1;
    if (i == 3 || i == 5) d.weight_decay = 0.01f;
    if (i == 6) d.weight_decay = 0.1f;
    return d;
}
#define CONFIG_COUNT 7

START_TEST(steps_match_reference)
{
    /* Two tensors in one call (with byte offsets), 5 steps with fresh gradients:
     * each step is a few fp32 roundings, so 1e-5 relative (plus 1e-6 absolute
     * for values that pass near 0). */
    clnn_context_t ctx = harness_ctx();
    clnn_optimizer_desc d = config(_i);
    int sf;
    harness_expect_ok(clnn_optimizer_state_size(&d, &sf));
    size_t sizes[2] = {small_mode ? 7 : 93, small_mode ? 21 : 1001}, off[2] = {0, 3};
    clnn_tensor_desc descs[2] = {HARNESS_DESC((int64_t)sizes[0]),
                                 HARNESS_DESC((int64_t)sizes[1] / 7, 7)};
    const clnn_tensor_desc *dp[2] = {&descs[0], &descs[1]};
    cl_mem p[2], g[2], st[2];
    size_t po[2], go[2], so[2];
    double *rp[2], *rm[2], *rv[2];
    for (int t = 0; t < 2; t++) {
        size_t n = sizes[t];
        float *host = harness_alloc((n + off[t]) * 4);
        harness_random(host + off[t], n, 11 + (uint32_t)t, -1, 1);
        rp[t] = harness_alloc(n * 8), rm[t] = harness_alloc(n * 8), rv[t] = harness_alloc(n * 8);
        for (size_t i = 0; i < n; i++) rp[t][i] = host[off[t] + i];
        p[t] = harness_upload(host, (n + off[t]) * 4);
        g[t] = harness_buffer((n + off[t]) * 4);
        float *zeros = harness_alloc((2 * n + off[t]) * 4);
        st[t] = harness_upload(zeros, (2 * n + off[t]) * 4);
        po[t] = go[t] = so[t] = off[t] * 4;
    }
    for (long step = 1; step <= 5; step++) {
        for (int t = 0; t < 2; t++) {
            /* the whole buffer: oclgrind loses track of writes at an offset */
            float *gh = harness_alloc((sizes[t] + off[t]) * 4);
            harness_random(gh, sizes[t] + off[t], (uint32_t)(100 * step + t), -2, 2);
            harness_expect_ok(clnn_buffer_write(ctx, g[t], 0, gh, (sizes[t] + off[t]) * 4));
            gh += off[t];
            double *gd = harness_alloc(sizes[t] * 8);
            for (size_t i = 0; i < sizes[t]; i++) gd[i] = gh[i];
            ref_optimizer_step(&d, step, sizes[t], rp[t], gd, rm[t], rv[t]);
        }
        harness_expect_ok(clnn_optimizer_step(ctx, &d, step, 2, dp, p, po, g, go,
                                              sf ? st : NULL, so));
    }
    for (int t = 0; t < 2; t++) {
        float *got = harness_alloc(sizes[t] * 4);
        harness_download(p[t], po[t], got, sizes[t] * 4);
        harness_expect_close(got, rp[t], sizes[t], 1e-5, 1e-6, "parameters after 5 steps");
        if (sf == 0) continue;
        harness_download(st[t], so[t], got, sizes[t] * 4);
        harness_expect_close(got, rm[t], sizes[t], 1e-5, 1e-6, "first state after 5 steps");
    }
}
END_TEST

START_TEST(sgd_converges_on_a_quadratic)
{
    /* f(p) = sum a_i (p_i - c_i)^2 / 2 with a in [0.5, 2]: Nesterov SGD at lr 0.1
     * reaches c to 1e-4 within 150 steps. */
    clnn_context_t ctx = harness_ctx();
    enum { N = 37 };
    float a[N], c[N], p[N] = {0}, gr[N], z[N] = {0};
    harness_random(a, N, 1, 0.5f, 2);
    harness_random(c, N, 2, -3, 3);
    clnn_optimizer_desc d = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    d.lr = 0.1f, d.momentum = 0.5f, d.nesterov = 1;
    clnn_tensor_desc desc = HARNESS_DESC(N);
    const clnn_tensor_desc *dp = &desc;
    cl_mem pb = harness_upload(p, sizeof p), gb = harness_buffer(sizeof gr),
           sb = harness_upload(z, sizeof z);
    for (int step = 1; step <= 150; step++) {
        harness_download(pb, 0, p, sizeof p);
        for (int i = 0; i < N; i++) gr[i] = a[i] * (p[i] - c[i]);
        harness_expect_ok(clnn_buffer_write(ctx, gb, 0, gr, sizeof gr));
        harness_expect_ok(clnn_optimizer_step(ctx, &d, step, 1, &dp, &pb, NULL, &gb, NULL, &sb,
                                              NULL));
    }
    harness_download(pb, 0, p, sizeof p);
    double want[N];
    for (int i = 0; i < N; i++) want[i] = c[i];
    harness_expect_close(p, want, N, 0, 1e-4, "SGD minimum");
}
END_TEST

START_TEST(clip_by_value_clamps)
{
    float x[13];
    harness_random(x, 13, 4, -3, 3);
    x[5] = NAN;
    cl_mem b = harness_upload(x, sizeof x);
    clnn_tensor_desc d = HARNESS_DESC(12);
    harness_expect_ok(clnn_clip_by_value(harness_ctx(), -1, 0.5f, &d, b, 4));
    float got[13];
    double want[13];
    harness_download(b, 0, got, sizeof got);
    want[0] = x[0];
    for (int i = 1; i < 13; i++) want[i] = isnan(x[i]) ? NAN : fmin(fmax(x[i], -1), 0.5);
    harness_expect_close(got, want, 13, 0, 0, "clip by value");
}
END_TEST

static double host_norm(const float *const *xs, const size_t *n, int count)
{
    double s = 0;
    for (int t = 0; t < count; t++)
        for (size_t i = 0; i < n[t]; i++) s += (double)xs[t][i] * xs[t][i];
    return sqrt(s);
}

START_TEST(clip_by_global_norm)
{
    /* Norm within 1e-6 of the double reference (compensated sums); after clipping
     * the norm equals max_norm within 1e-5; no-op (bit-exact) below the threshold;
     * an exploding case (entries ~1e6) comes back to max_norm. */
    clnn_context_t ctx = harness_ctx();
    size_t n[3] = {7, small_mode ? 300 : 100000, 257};
    clnn_tensor_desc descs[3] = {HARNESS_DESC(7), HARNESS_DESC((int64_t)n[1]),
                                 HARNESS_DESC(1, 257)};
    const clnn_tensor_desc *dp[3] = {&descs[0], &descs[1], &descs[2]};
    size_t offs[3] = {4, 0, 8}, ws_bytes;
    harness_expect_ok(clnn_clip_global_norm_workspace_size(ctx, 3, dp, &ws_bytes));
    cl_mem ws = harness_buffer(ws_bytes);
    for (int round = 0; round < 3; round++) {
        float *host[3];
        cl_mem xs[3];
        for (int t = 0; t < 3; t++) {
            host[t] = harness_alloc(n[t] * 4 + offs[t]);
            float scale = round == 2 ? 1e6f : 1.0f;
            harness_random(host[t], n[t] + offs[t] / 4, 7 + (uint32_t)t, -scale, scale);
            xs[t] = harness_upload(host[t], n[t] * 4 + offs[t]);
        }
        const float *views[3] = {host[0] + 1, host[1], host[2] + 2};
        double norm = host_norm(views, n, 3);
        float max_norm = round == 1 ? (float)(norm * 2) : round == 2 ? 1.0f : (float)(norm / 3);
        float got_norm = -1;
        harness_expect_ok(clnn_clip_by_global_norm(ctx, max_norm, 3, dp, xs, offs, ws, ws_bytes,
                                                   round == 0 ? &got_norm : NULL));
        if (round == 0) harness_expect_close(&got_norm, &norm, 1, 1e-6, 0, "global norm");
        float *after[3];
        for (int t = 0; t < 3; t++) {
            after[t] = harness_alloc(n[t] * 4);
            harness_download(xs[t], offs[t], after[t], n[t] * 4);
        }
        if (round == 1) {
            for (int t = 0; t < 3; t++) ck_assert_mem_eq(after[t], views[t], n[t] * 4);
            continue;
        }
        float clipped = (float)host_norm((const float *const *)after, n, 3);
        double want = max_norm;
        harness_expect_close(&clipped, &want, 1, 1e-5, 0, "clipped norm");
    }
}
END_TEST

START_TEST(schedules)
{
    float lr;
    harness_expect_ok(clnn_lr_step_decay(0.1f, 0.5f, 10, 25, &lr));
    ck_assert_float_eq_tol(lr, 0.025f, 1e-9f);
    harness_expect_ok(clnn_lr_cosine(1.0f, 100, 0.1f, 50, &lr));
    ck_assert_float_eq_tol(lr, 0.55f, 1e-6f);
    harness_expect_ok(clnn_lr_cosine(1.0f, 100, 0.1f, 500, &lr));
    ck_assert_float_eq_tol(lr, 0.1f, 1e-6f);
    harness_expect_ok(clnn_lr_cosine(2.0f, 100, 0.0f, 0, &lr));
    ck_assert_float_eq(lr, 2.0f);
    harness_expect_error(clnn_lr_step_decay(0.1f, 1.5f, 10, 1, &lr), CLNN_INVALID_VALUE, "drop");
    harness_expect_error(clnn_lr_step_decay(0.1f, 0.5f, 0, 1, &lr), CLNN_INVALID_VALUE,
                         "epochs_per_drop");
    harness_expect_error(clnn_lr_cosine(NAN, 10, 0, 1, &lr), CLNN_INVALID_VALUE, "initial");
    harness_expect_error(clnn_lr_cosine(1, 10, 0, -1, &lr), CLNN_INVALID_VALUE, "step");
    harness_expect_error(clnn_lr_cosine(1, 10, 0, 1, NULL), CLNN_NULL_POINTER, "lr");
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    float sentinel[16];
    for (int i = 0; i < 16; i++) sentinel[i] = (float)i;
    clnn_tensor_desc d = HARNESS_DESC(16), big = HARNESS_DESC(17), ints = HARNESS_DESC(16);
    ints.dtype = CLNN_INT32;
    const clnn_tensor_desc *dp = &d, *bp = &big, *ip = &ints, *np = NULL;
    cl_mem p = harness_upload(sentinel, 64), g = harness_upload(sentinel, 64);
    cl_mem s = harness_upload(sentinel, 64), none = NULL;
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM), bad;
    int sf;
#define EXPECT_DESC(field, value, needle)                                                 \
    bad = adam, bad.field = value;                                                        \
    harness_expect_error(clnn_optimizer_step(ctx, &bad, 1, 1, &dp, &p, NULL, &g, NULL, &s,  \
                                             NULL), CLNN_INVALID_VALUE, needle);          \
    harness_expect_error(clnn_optimizer_state_size(&bad, &sf), CLNN_INVALID_VALUE, needle)
    EXPECT_DESC(lr, 0.0f, "lr");
    EXPECT_DESC(lr, NAN, "lr");
    EXPECT_DESC(lr, INFINITY, "lr");
    EXPECT_DESC(beta1, 1.0f, "beta1");
    EXPECT_DESC(beta2, -0.1f, "beta2");
    EXPECT_DESC(beta2, NAN, "beta2");
    EXPECT_DESC(eps, 0.0f, "eps");
    EXPECT_DESC(weight_decay, -1.0f, "weight_decay");
    EXPECT_DESC(kind, (clnn_optimizer_kind)7, "kind");
    bad = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    bad.momentum = 1.0f;
    harness_expect_error(clnn_optimizer_state_size(&bad, &sf), CLNN_INVALID_VALUE, "momentum");
    bad.momentum = 0.5f, bad.nesterov = 2;
    harness_expect_error(clnn_optimizer_state_size(&bad, &sf), CLNN_INVALID_VALUE, "nesterov");
    harness_expect_error(clnn_optimizer_state_size(NULL, &sf), CLNN_NULL_POINTER, "descriptor");
    harness_expect_error(clnn_optimizer_state_size(&adam, NULL), CLNN_NULL_POINTER,
                         "floats_per_element");
    harness_expect_error(clnn_optimizer_step(NULL, &adam, 1, 1, &dp, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_NULL_POINTER, "clnn_optimizer_step");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 0, 1, &dp, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_INVALID_VALUE, "step");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 0, &dp, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_INVALID_VALUE, "count");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 1, &dp, &p, NULL, &g, NULL, NULL,
                                             NULL), CLNN_NULL_POINTER, "state");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 1, &np, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_NULL_POINTER, "param[0]");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 1, &ip, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_INVALID_VALUE, "param[0]");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 1, &bp, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_INVALID_VALUE, "param[0]");
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 1, &dp, &p, NULL, &none, NULL, &s,
                                             NULL), CLNN_NULL_POINTER, "grad[0]");
    /* Adam needs 2 x 16 floats of state; s holds 16. */
    harness_expect_error(clnn_optimizer_step(ctx, &adam, 1, 1, &dp, &p, NULL, &g, NULL, &s, NULL),
                         CLNN_INVALID_VALUE, "state[0]");
    harness_expect_error(clnn_clip_by_value(ctx, 1, -1, &d, p, 0), CLNN_INVALID_VALUE, "lo");
    harness_expect_error(clnn_clip_by_value(ctx, NAN, 1, &d, p, 0), CLNN_INVALID_VALUE, "lo");
    harness_expect_error(clnn_clip_by_value(ctx, -1, 1, &d, p, 4), CLNN_INVALID_VALUE, "x");
    size_t ws_bytes;
    harness_expect_ok(clnn_clip_global_norm_workspace_size(ctx, 1, &dp, &ws_bytes));
    cl_mem ws = harness_buffer(ws_bytes);
    harness_expect_error(clnn_clip_global_norm_workspace_size(ctx, 0, &dp, &ws_bytes),
                         CLNN_INVALID_VALUE, "count");
    harness_expect_error(clnn_clip_global_norm_workspace_size(ctx, 1, &np, &ws_bytes),
                         CLNN_NULL_POINTER, "descs[0]");
    harness_expect_error(clnn_clip_by_global_norm(ctx, 0, 1, &dp, &p, NULL, ws, ws_bytes, NULL),
                         CLNN_INVALID_VALUE, "max_norm");
    harness_expect_error(clnn_clip_by_global_norm(ctx, NAN, 1, &dp, &p, NULL, ws, ws_bytes, NULL),
                         CLNN_INVALID_VALUE, "max_norm");
    harness_expect_error(clnn_clip_by_global_norm(ctx, 1, 1, &dp, NULL, NULL, ws, ws_bytes, NULL),
                         CLNN_NULL_POINTER, "xs");
    harness_expect_error(clnn_clip_by_global_norm(ctx, 1, 1, &bp, &p, NULL, ws, ws_bytes + 8, NULL),
                         CLNN_INVALID_VALUE, "xs[0]");
    harness_expect_error(clnn_clip_by_global_norm(ctx, 1, 1, &dp, &p, NULL, ws, ws_bytes - 4, NULL),
                         CLNN_INSUFFICIENT_WORKSPACE, "workspace");
    float after[16];
    harness_download(p, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
    harness_download(s, 0, after, sizeof after);
    ck_assert_mem_eq(after, sentinel, sizeof after);
}
END_TEST

START_TEST(state_sizes)
{
    clnn_optimizer_desc d = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    int sf = -1;
    harness_expect_ok(clnn_optimizer_state_size(&d, &sf));
    ck_assert_int_eq(sf, 0);
    d.momentum = 0.9f;
    harness_expect_ok(clnn_optimizer_state_size(&d, &sf));
    ck_assert_int_eq(sf, 1);
    d = clnn_optimizer_default(CLNN_OPTIMIZER_ADAMW);
    harness_expect_ok(clnn_optimizer_state_size(&d, &sf));
    ck_assert_int_eq(sf, 2);
    ck_assert_float_eq(d.weight_decay, 0.004f);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("optim");
    TCase *tc = harness_tcase(s, "optimizers");
    tcase_add_loop_test(tc, steps_match_reference, 0, CONFIG_COUNT);
    tcase_add_test(tc, sgd_converges_on_a_quadratic);
    tcase_add_test(tc, state_sizes);
    tc = harness_tcase(s, "clipping");
    tcase_add_test(tc, clip_by_value_clamps);
    tcase_add_test(tc, clip_by_global_norm);
    tc = harness_tcase(s, "schedules");
    tcase_add_test(tc, schedules);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
