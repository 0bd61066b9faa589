/* The model layer's functional form (several inputs, Add, Concatenate, gradients
 * summed over a node's consumers), LeakyReLU's alpha, fit's CSV log, and the
 * activation memory plan: forwards against double host references, gradients
 * through the graph against finite differences, and bad input. */
#include "model-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int small_mode; /* CLNN_TEST_SMALL=1: sparser finite differences */

static void compile_with(clnn_model_t m, clnn_loss loss, int64_t batch)
{
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_ok(clnn_model_compile(m, loss, &sgd, batch));
}

static int last_node(clnn_model_t m)
{
    int id = 0;
    harness_expect_ok(clnn_model_last_node(m, &id));
    return id;
}

/* Parameter `index`'s values (count floats; freed after the test). */
static float *param(clnn_model_t m, int index, int64_t count)
{
    float *v = harness_alloc((size_t)count * sizeof(float));
    harness_expect_ok(clnn_model_get_param(m, index, NULL, NULL, v, NULL));
    return v;
}

/* y[n, out] = act(x[n, in] . W[in, out] + b), in double; act 't' tanh, 'l' leaky
 * relu with `alpha`, 0 none. */
static void ref_dense(const double *x, const float *w, const float *b, double *y, int64_t n,
                      int64_t in, int64_t out, char act, double alpha)
{
    for (int64_t r = 0; r < n; r++)
        for (int64_t o = 0; o < out; o++) {
            double s = b[o];
            for (int64_t k = 0; k < in; k++) s += x[r * in + k] * (double)w[k * out + o];
            if (act == 't') s = tanh(s);
            if (act == 'l' && s < 0) s *= alpha;
            y[r * out + o] = s;
        }
}

static void ref_softmax(double *y, int64_t n, int64_t c)
{
    for (int64_t r = 0; r < n; r++) {
        double mx = y[r * c], sum = 0;
        for (int64_t k = 1; k < c; k++) mx = fmax(mx, y[r * c + k]);
        for (int64_t k = 0; k < c; k++) sum += y[r * c + k] = exp(y[r * c + k] - mx);
        for (int64_t k = 0; k < c; k++) y[r * c + k] /= sum;
    }
}

/* Input [5] -> dense(6, tanh) = x -> dense(6, tanh) -> dense(6) = h -> Add(x, h)
 * -> dense(3, softmax): x feeds a dense and the Add, so its gradient is a sum. */
static clnn_model_t residual_mlp(void)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){5});
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_TANH));
    int x = last_node(m);
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_NONE));
    int h = last_node(m);
    ck_assert_int_eq(x, 0);
    ck_assert_int_eq(h, 2);
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){x, h}));
    harness_expect_ok(clnn_model_add_add(m));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    return m;
}

START_TEST(residual_mlp_forward_and_gradients)
{
    enum { N = 7 };
    clnn_model_t m = residual_mlp();
    harness_expect_ok(clnn_model_set_seed(m, 3));
    compile_with(m, CLNN_LOSS_SPARSE_CE, N);
    float x[N * 5], out[N * 3];
    int32_t y[N];
    harness_random(x, N * 5, 11, -1, 1);
    for (int i = 0; i < N; i++) y[i] = i % 3;
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    double xd[N * 5], a[N * 6], b[N * 6], c[N * 6], want[N * 3];
    for (int i = 0; i < N * 5; i++) xd[i] = x[i];
    ref_dense(xd, param(m, 0, 30), param(m, 1, 6), a, N, 5, 6, 't', 0);
    ref_dense(a, param(m, 2, 36), param(m, 3, 6), b, N, 6, 6, 't', 0);
    ref_dense(b, param(m, 4, 36), param(m, 5, 6), c, N, 6, 6, 0, 0);
    for (int i = 0; i < N * 6; i++) c[i] += a[i];
    ref_dense(c, param(m, 6, 18), param(m, 7, 3), want, N, 6, 3, 0, 0);
    ref_softmax(want, N, 3);
    /* Four fp32 layers of at most 6 terms: a few ulp each. */
    harness_expect_close(out, want, N * 3, 1e-5, 1e-6, "residual predict");
    mt_check_gradients(m, x, y, N, small_mode ? 5 : 1);
}
END_TEST

/* Inputs A [4] and B [3]: a = dense(5, tanh)(A), b = dense(5, tanh)(B),
 * s = Add(a, b, a), c = Concatenate(s, b) [10], out = dense(3, softmax)(c). b
 * feeds two layers and a one layer twice. */
static clnn_model_t two_input_model(void)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    int in_b = 0;
    harness_expect_ok(clnn_model_add_dense(m, 5, CLNN_ACTIVATION_TANH));
    int a = last_node(m);
    harness_expect_ok(clnn_model_add_input_node(m, 1, (int64_t[]){3}, &in_b));
    ck_assert_int_eq(in_b, CLNN_MODEL_INPUT(1));
    ck_assert_int_eq(last_node(m), in_b);
    harness_expect_ok(clnn_model_add_dense(m, 5, CLNN_ACTIVATION_TANH)); /* takes B */
    int b = last_node(m);
    harness_expect_ok(clnn_model_set_inputs(m, 3, (int[]){a, b, a}));
    harness_expect_ok(clnn_model_add_add(m));
    int s = last_node(m);
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){s, b}));
    harness_expect_ok(clnn_model_add_concatenate(m, -1));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    return m;
}

START_TEST(two_input_forward_and_gradients)
{
    enum { N = 6 };
    clnn_model_t m = two_input_model();
    clnn_tensor_desc od;
    harness_expect_ok(clnn_model_output_desc(m, &od));
    ck_assert_int_eq(od.rank, 1);
    ck_assert_int_eq(od.dims[0], 3);
    int64_t total = 0;
    harness_expect_ok(clnn_model_param_count(m, &total, NULL));
    ck_assert_int_eq(total, 4 * 5 + 5 + 3 * 5 + 5 + 10 * 3 + 3);
    /* Keras 2's functional summary: InputLayer rows and "Connected to". */
    char *text = mt_summary_text(m);
    const char *want_text[] = {"Model: \"functional\"", "Connected to", "input_2 (InputLayer)",
                               "[(None, 3)]", "['input_2[0][0]']",
                               "['dense[0][0]', 'dense_1[0][0]', 'dense[0][0]']",
                               "['add[0][0]', 'dense_1[0][0]']", "Total params: 78"};
    for (size_t i = 0; i < sizeof want_text / sizeof *want_text; i++)
        ck_assert_msg(strstr(text, want_text[i]), "no '%s' in:\n%s", want_text[i], text);
    compile_with(m, CLNN_LOSS_SPARSE_CE, N);
    /* Each sample's row: A's 4 values, then B's 3. */
    float x[N * 7], out[N * 3];
    int32_t y[N];
    harness_random(x, N * 7, 5, -1, 1);
    for (int i = 0; i < N; i++) y[i] = (i * 2) % 3;
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    double A[N * 4], B[N * 3], a[N * 5], b[N * 5], c[N * 10], want[N * 3];
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 4; k++) A[i * 4 + k] = x[i * 7 + k];
        for (int k = 0; k < 3; k++) B[i * 3 + k] = x[i * 7 + 4 + k];
    }
    ref_dense(A, param(m, 0, 20), param(m, 1, 5), a, N, 4, 5, 't', 0);
    ref_dense(B, param(m, 2, 15), param(m, 3, 5), b, N, 3, 5, 't', 0);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 5; k++) {
            c[i * 10 + k] = 2 * a[i * 5 + k] + b[i * 5 + k];
            c[i * 10 + 5 + k] = b[i * 5 + k];
        }
    ref_dense(c, param(m, 4, 30), param(m, 5, 3), want, N, 10, 3, 0, 0);
    ref_softmax(want, N, 3);
    harness_expect_close(out, want, N * 3, 1e-5, 1e-6, "two-input predict");
    mt_check_gradients(m, x, y, N, small_mode ? 4 : 1);
}
END_TEST

/* Concatenate on axis 0 with an input that needs no gradient (its share goes to
 * a sink): A [2, 3] and dense(3)(B [1, 3]) -> [3, 3] -> flatten -> dense(2). */
START_TEST(concatenate_axis0_gradients)
{
    enum { N = 3 };
    clnn_model_t m = mt_new_model(2, (int64_t[]){2, 3});
    int in_b;
    harness_expect_ok(clnn_model_add_input_node(m, 2, (int64_t[]){1, 3}, &in_b));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){CLNN_MODEL_INPUT(0), 0}));
    harness_expect_ok(clnn_model_add_concatenate(m, 0));
    clnn_tensor_desc od;
    harness_expect_ok(clnn_model_output_desc(m, &od));
    ck_assert_int_eq(od.dims[0], 3);
    ck_assert_int_eq(od.dims[1], 3);
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 2, CLNN_ACTIVATION_SIGMOID));
    compile_with(m, CLNN_LOSS_MSE, N);
    float x[N * 9], y[N * 2];
    harness_random(x, N * 9, 21, -1, 1);
    harness_random(y, N * 2, 22, 0, 1);
    mt_check_gradients(m, x, y, N, 1);
}
END_TEST

/* fit with packed rows: the label is the sign of B's first value, which A does
 * not see. */
START_TEST(two_input_model_learns)
{
    enum { N = 64 };
    clnn_model_t m = mt_new_model(1, (int64_t[]){2});
    int in_b;
    harness_expect_ok(clnn_model_add_input_node(m, 1, (int64_t[]){2}, &in_b));
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){CLNN_MODEL_INPUT(0), in_b}));
    harness_expect_ok(clnn_model_add_concatenate(m, -1));
    harness_expect_ok(clnn_model_add_dense(m, 8, CLNN_ACTIVATION_TANH));
    harness_expect_ok(clnn_model_add_dense(m, 1, CLNN_ACTIVATION_SIGMOID));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    adam.lr = 0.05f;
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_BINARY_CE, &adam, 16));
    float x[N * 4], y[N];
    harness_random(x, N * 4, 9, -1, 1);
    for (int i = 0; i < N; i++) y[i] = x[i * 4 + 2] > 0 ? 1.0f : 0.0f;
    float loss0, acc;
    harness_expect_ok(clnn_model_evaluate(m, x, y, N, &loss0, NULL));
    clnn_fit_options o = clnn_fit_options_default();
    o.epochs = small_mode ? 10 : 30;
    o.verbose = 0;
    harness_expect_ok(clnn_model_fit(m, x, y, N, &o, NULL));
    float loss1;
    harness_expect_ok(clnn_model_evaluate(m, x, y, N, &loss1, &acc));
    ck_assert_msg(loss1 < 0.5f * loss0, "loss %g -> %g", loss0, loss1);
    ck_assert_msg(acc >= 0.9f, "accuracy %g", acc);
    clnn_model_destroy(m);
}
END_TEST

START_TEST(graph_bad_input_is_rejected)
{
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    int id;
    harness_expect_error(clnn_model_last_node(NULL, &id), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_last_node(m, NULL), CLNN_NULL_POINTER, "node");
    harness_expect_error(clnn_model_add_input_node(NULL, 1, (int64_t[]){2}, &id),
                         CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_add_input_node(m, 1, NULL, &id), CLNN_NULL_POINTER, "dims");
    harness_expect_error(clnn_model_add_input_node(m, 0, (int64_t[]){2}, &id),
                         CLNN_INVALID_VALUE, "rank");
    harness_expect_error(clnn_model_add_input_node(m, 1, (int64_t[]){0}, &id),
                         CLNN_INVALID_VALUE, "dims");
    harness_expect_error(clnn_model_set_inputs(NULL, 1, (int[]){-1}), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_model_set_inputs(m, 1, NULL), CLNN_NULL_POINTER, "nodes");
    harness_expect_error(clnn_model_set_inputs(m, 0, (int[]){-1}), CLNN_INVALID_VALUE, "count");
    harness_expect_error(clnn_model_set_inputs(m, 9, (int[9]){-1}), CLNN_INVALID_VALUE, "count");
    harness_expect_error(clnn_model_set_inputs(m, 1, (int[]){0}), CLNN_INVALID_VALUE,
                         "nodes[0] = 0");
    harness_expect_error(clnn_model_set_inputs(m, 2, (int[]){-1, -2}), CLNN_INVALID_VALUE,
                         "nodes[1] = -2");
    harness_expect_error(clnn_model_add_add(m), CLNN_INVALID_VALUE, "layer 0 (Add 'add')");
    harness_expect_ok(clnn_model_add_dense(m, 5, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_dense(m, 4, CLNN_ACTIVATION_NONE));
    /* Add of [5] and [4]: both shapes named. */
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){0, 1}));
    harness_expect_error(clnn_model_add_add(m), CLNN_SHAPE_MISMATCH, "[5]");
    harness_expect_error(clnn_model_add_add(m), CLNN_SHAPE_MISMATCH, "[4]");
    harness_expect_error(clnn_model_add_add(m), CLNN_SHAPE_MISMATCH, "layer 2 (Add 'add')");
    /* The inputs stay set after a failed layer; a one-input layer refuses two. */
    harness_expect_error(clnn_model_add_dense(m, 3, 0), CLNN_INVALID_VALUE, "takes one input");
    harness_expect_error(clnn_model_add_concatenate(m, 1), CLNN_INVALID_VALUE, "axis");
    harness_expect_error(clnn_model_add_concatenate(m, -2), CLNN_INVALID_VALUE, "axis");
    harness_expect_ok(clnn_model_add_concatenate(m, 0));
    harness_expect_ok(clnn_model_add_input_node(m, 2, (int64_t[]){2, 9}, &id));
    ck_assert_int_eq(id, -2);
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){2, id}));
    harness_expect_error(clnn_model_add_concatenate(m, -1), CLNN_SHAPE_MISMATCH, "[2, 9]");
    harness_expect_error(clnn_model_add_embedding(m, 4, 2), CLNN_INVALID_VALUE, "takes one");
    harness_expect_ok(clnn_model_set_inputs(m, 1, (int[]){id}));
    harness_expect_error(clnn_model_add_embedding(m, 4, 2), CLNN_INVALID_VALUE, "one-input");
    harness_expect_ok(clnn_model_set_inputs(m, 1, (int[]){2}));
    harness_expect_ok(clnn_model_add_dense(m, 2, 0));
    /* Input 1 feeds nothing. */
    clnn_optimizer_desc sgd = clnn_optimizer_default(CLNN_OPTIMIZER_SGD);
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_MSE, &sgd, 2), CLNN_INVALID_VALUE,
                         "input 1 (node -2) feeds no layer");
    clnn_model_destroy(m);
    /* A layer that feeds nothing and is not the output. */
    m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 3, 0));
    harness_expect_ok(clnn_model_set_inputs(m, 1, (int[]){-1}));
    harness_expect_ok(clnn_model_add_dense(m, 2, 0));
    harness_expect_error(clnn_model_compile(m, CLNN_LOSS_MSE, &sgd, 2), CLNN_INVALID_VALUE,
                         "layer 0 (dense) feeds no layer");
    clnn_model_destroy(m);
    /* An embedding model has one input; the manual passes take one input. */
    m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_embedding(m, 5, 2));
    harness_expect_error(clnn_model_add_input_node(m, 1, (int64_t[]){2}, &id),
                         CLNN_NOT_SUPPORTED, "embedding");
    clnn_model_destroy(m);
    m = two_input_model();
    compile_with(m, CLNN_LOSS_SPARSE_CE, 2);
    clnn_tensor_desc xd, yd;
    clnn_tensor_desc_set(&xd, CLNN_FLOAT32, 2, (int64_t[]){2, 4});
    clnn_tensor_desc_set(&yd, CLNN_FLOAT32, 2, (int64_t[]){2, 3});
    cl_mem buf = harness_buffer(64);
    harness_expect_error(clnn_model_forward_buffer(m, 0, &xd, buf, 0, &yd, buf, 32),
                         CLNN_NOT_SUPPORTED, "2 inputs");
    clnn_model_destroy(m);
    /* A residual model runs the manual passes but gives no input gradient. */
    m = residual_mlp();
    compile_with(m, CLNN_LOSS_SPARSE_CE, 2);
    clnn_tensor_desc_set(&xd, CLNN_FLOAT32, 2, (int64_t[]){2, 5});
    float zeros[10] = {0};
    cl_mem x = harness_upload(zeros, 40), y = harness_upload(zeros, 24);
    cl_mem dx = harness_upload(zeros, 40);
    harness_expect_ok(clnn_model_forward_buffer(m, 1, &xd, x, 0, &yd, y, 0));
    harness_expect_error(clnn_model_backward_buffer(m, &yd, y, 0, &xd, dx, 0),
                         CLNN_NOT_SUPPORTED, "functional");
    harness_expect_ok(clnn_model_backward_buffer(m, &yd, y, 0, NULL, NULL, 0));
    clnn_model_destroy(m);
}
END_TEST

/* LeakyReLU(0.3), Keras' default alpha, against the host reference, and its
 * gradient; the activation layer's own leaky relu keeps the op's 0.01. */
START_TEST(leaky_relu_alpha)
{
    enum { N = 9 };
    clnn_model_t m = mt_new_model(1, (int64_t[]){7});
    harness_expect_ok(clnn_model_add_dense(m, 6, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_leaky_relu(m, 0.3f));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_ACTIVATION_NONE));
    harness_expect_ok(clnn_model_add_activation(m, CLNN_ACTIVATION_LEAKY_RELU));
    compile_with(m, CLNN_LOSS_MSE, N);
    float x[N * 7], y[N * 3], out[N * 3];
    harness_random(x, N * 7, 31, -2, 2);
    harness_random(y, N * 3, 32, -1, 1);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    double xd[N * 7], h[N * 6], want[N * 3];
    for (int i = 0; i < N * 7; i++) xd[i] = x[i];
    ref_dense(xd, param(m, 0, 42), param(m, 1, 6), h, N, 7, 6, 'l', 0.3);
    ref_dense(h, param(m, 2, 18), param(m, 3, 3), want, N, 6, 3, 'l', 0.01);
    int negative = 0;
    for (int i = 0; i < N * 6; i++) negative += h[i] < 0;
    ck_assert_int_gt(negative, 5); /* the slope is exercised */
    /* Two fp32 dense layers of at most 7 terms. */
    harness_expect_close(out, want, N * 3, 1e-5, 1e-6, "leaky relu predict");
    mt_check_gradients(m, x, y, N, small_mode ? 5 : 1);
    m = mt_new_model(1, (int64_t[]){7});
    harness_expect_error(clnn_model_add_leaky_relu(m, -0.1f), CLNN_INVALID_VALUE, "alpha");
    harness_expect_error(clnn_model_add_leaky_relu(m, NAN), CLNN_INVALID_VALUE, "alpha");
    harness_expect_error(clnn_model_add_leaky_relu(m, INFINITY), CLNN_INVALID_VALUE, "alpha");
    harness_expect_error(clnn_model_add_leaky_relu(NULL, 0.3f), CLNN_NULL_POINTER, "model");
    clnn_model_destroy(m);
}
END_TEST

/* Reads a whole small text file (freed after the test). */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char *text = harness_alloc(4096);
    size_t n = fread(text, 1, 4095, f);
    text[n] = 0;
    fclose(f);
    return text;
}

START_TEST(fit_writes_a_csv_log)
{
    enum { N = 24 };
    clnn_model_t m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    compile_with(m, CLNN_LOSS_SPARSE_CE, 8);
    float x[N * 4];
    int32_t y[N];
    mt_sign_task(x, y, N, 4);
    char path[] = "/tmp/clnn-model-csv-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    clnn_fit_options o = clnn_fit_options_default();
    o.epochs = 3;
    o.verbose = 0;
    o.csv_path = path;
    o.val_x = x;
    o.val_y = y;
    o.val_count = 8;
    clnn_metrics last;
    harness_expect_ok(clnn_model_fit(m, x, y, N, &o, &last));
    char *text = read_text(path);
    const char *header = "epoch,loss,accuracy,val_loss,val_accuracy\n";
    ck_assert_msg(!strncmp(text, header, strlen(header)), "header of:\n%s", text);
    const char *line = text + strlen(header);
    for (int e = 0; e < 3; e++) {
        int epoch = -1;
        float v[4];
        ck_assert_int_eq(sscanf(line, "%d,%g,%g,%g,%g", &epoch, &v[0], &v[1], &v[2], &v[3]),
                         5);
        ck_assert_int_eq(epoch, e);
        if (e == 2) {
            ck_assert_float_eq(v[0], last.loss);
            ck_assert_float_eq(v[1], last.accuracy);
            ck_assert_float_eq(v[2], last.val_loss);
            ck_assert_float_eq(v[3], last.val_accuracy);
        }
        line = strchr(line, '\n');
        ck_assert_ptr_nonnull(line);
        line++;
    }
    ck_assert_str_eq(line, "");
    /* Without validation data and accuracy (MSE): epoch,loss only. */
    clnn_model_destroy(m);
    m = mt_new_model(1, (int64_t[]){4});
    harness_expect_ok(clnn_model_add_dense(m, 1, CLNN_ACTIVATION_NONE));
    compile_with(m, CLNN_LOSS_MSE, 8);
    o.val_x = NULL;
    o.epochs = 1;
    harness_expect_ok(clnn_model_fit(m, x, x, 8, &o, NULL));
    text = read_text(path);
    ck_assert_msg(!strncmp(text, "epoch,loss\n0,", 13), "got:\n%s", text);
    unlink(path);
    /* A path that cannot be created: CLNN_IO_ERROR naming it, weights untouched. */
    float before[4], after[4];
    harness_expect_ok(clnn_model_get_param(m, 0, NULL, NULL, before, NULL));
    o.csv_path = "/nonexistent-dir/log.csv";
    harness_expect_error(clnn_model_fit(m, x, x, 8, &o, NULL), CLNN_IO_ERROR,
                         "/nonexistent-dir/log.csv");
    harness_expect_ok(clnn_model_get_param(m, 0, NULL, NULL, after, NULL));
    ck_assert_mem_eq(before, after, sizeof before);
    clnn_model_destroy(m);
}
END_TEST

/* A deep MLP and a small CNN, with and without the plan: the plan's pool is
 * smaller than one buffer per tensor, and predictions, losses and gradients are
 * bit for bit those of separate buffers, also after training steps (passes
 * leave no stale data the next one reads). */
static clnn_model_t deep_model(int cnn, int plan)
{
    clnn_model_t m;
    if (cnn) {
        m = mt_new_model(3, (int64_t[]){1, 9, 9});
        harness_expect_ok(clnn_model_add_conv2d(m, 4, 3, 3, 1, CLNN_PAD_SAME_UPPER,
                                                CLNN_ACTIVATION_RELU));
        harness_expect_ok(clnn_model_add_conv2d(m, 4, 3, 3, 1, CLNN_PAD_SAME_UPPER,
                                                CLNN_ACTIVATION_TANH));
        harness_expect_ok(clnn_model_add_maxpool2d(m, 2, 2));
        harness_expect_ok(clnn_model_add_conv2d(m, 6, 3, 3, 1, CLNN_PAD_VALID,
                                                CLNN_ACTIVATION_RELU));
        harness_expect_ok(clnn_model_add_flatten(m));
    } else {
        m = mt_new_model(1, (int64_t[]){20});
        for (int i = 0; i < 8; i++)
            harness_expect_ok(clnn_model_add_dense(m, 24, i % 2 ? CLNN_ACTIVATION_TANH
                                                                : CLNN_ACTIVATION_RELU));
    }
    harness_expect_ok(clnn_model_add_dense(m, 5, CLNN_MODEL_SOFTMAX));
    harness_expect_ok(clnn_model_set_memory_plan(m, plan));
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    harness_expect_ok(clnn_model_compile(m, CLNN_LOSS_SPARSE_CE, &adam, 8));
    return m;
}

/* Every parameter gradient, concatenated (count floats at most). */
static int64_t all_grads(clnn_model_t m, float *out)
{
    int count;
    int64_t at = 0;
    harness_expect_ok(clnn_model_param_tensors(m, &count));
    for (int p = 0; p < count; p++) {
        clnn_tensor_desc d;
        harness_expect_ok(clnn_model_get_param(m, p, NULL, &d, NULL, out + at));
        int64_t e = 1;
        for (int k = 0; k < d.rank; k++) e *= d.dims[k];
        at += e;
    }
    return at;
}

START_TEST(memory_plan_reuses_buffers)
{
    enum { N = 8, MAXG = 8192 };
    for (int cnn = 0; cnn < 2; cnn++) {
        clnn_model_t planned = deep_model(cnn, 1), naive = deep_model(cnn, 0);
        size_t pool = 0, sum = 0, pool_off = 0, sum_off = 0;
        harness_expect_ok(clnn_model_memory_stats(planned, &pool, &sum));
        harness_expect_ok(clnn_model_memory_stats(naive, &pool_off, &sum_off));
        ck_assert_uint_eq(sum, sum_off);
        ck_assert_uint_eq(pool_off, sum_off);
        /* The MLP's pool is about 2 of its 3 tensors a layer (z and a; the
         * gradients reuse activations already differentiated); in the CNN the
         * tanh output before the max pool is free after the pool's forward. */
        ck_assert_msg(pool < sum * 4 / 5, "%s: pool %zu bytes, one buffer each %zu",
                      cnn ? "cnn" : "mlp", pool, sum);
        int64_t in = cnn ? 81 : 20;
        float *x = harness_alloc((size_t)(N * in) * sizeof(float));
        float out_p[N * 5], out_n[N * 5], loss_p, loss_n;
        float *g_p = harness_alloc(MAXG * sizeof(float));
        float *g_n = harness_alloc(MAXG * sizeof(float));
        int32_t y[N];
        harness_random(x, (size_t)(N * in), 40 + (uint32_t)cnn, -1, 1);
        for (int i = 0; i < N; i++) y[i] = i % 5;
        for (int step = 0; step < 3; step++) {
            harness_expect_ok(clnn_model_predict(planned, x, N, out_p));
            harness_expect_ok(clnn_model_predict(naive, x, N, out_n));
            ck_assert_mem_eq(out_p, out_n, sizeof out_p);
            harness_expect_ok(clnn_model_compute_gradients(planned, x, y, N, &loss_p));
            harness_expect_ok(clnn_model_compute_gradients(naive, x, y, N, &loss_n));
            ck_assert_float_eq(loss_p, loss_n);
            int64_t count = all_grads(planned, g_p);
            ck_assert_int_le(count, MAXG);
            ck_assert_int_eq(all_grads(naive, g_n), count);
            ck_assert_mem_eq(g_p, g_n, (size_t)count * sizeof(float));
            harness_expect_ok(clnn_model_train_on_batch(planned, x, y, N - 3, NULL));
            harness_expect_ok(clnn_model_train_on_batch(naive, x, y, N - 3, NULL));
        }
        clnn_model_destroy(planned);
        clnn_model_destroy(naive);
    }
    clnn_model_t m = mt_new_model(1, (int64_t[]){3});
    size_t b;
    harness_expect_error(clnn_model_memory_stats(NULL, &b, &b), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_memory_stats(m, &b, &b), CLNN_INVALID_VALUE, "compile");
    harness_expect_error(clnn_model_set_memory_plan(NULL, 1), CLNN_NULL_POINTER, "model");
    harness_expect_error(clnn_model_set_memory_plan(m, 2), CLNN_INVALID_VALUE, "enabled");
    harness_expect_ok(clnn_model_add_dense(m, 2, 0));
    compile_with(m, CLNN_LOSS_MSE, 2);
    harness_expect_ok(clnn_model_memory_stats(m, NULL, NULL));
    harness_expect_error(clnn_model_set_memory_plan(m, 0), CLNN_INVALID_VALUE, "compiled");
    clnn_model_destroy(m);
}
END_TEST

/* MultiHeadAttention(2, key_dim 3, value_dim 4) on [5, 6]: Keras' 194 params
 * (query and key 6*6 + 6 each, value 6*8 + 8, output 8*6 + 6); the causal mask
 * keeps earlier outputs independent of later inputs; gradients in a residual
 * block x + MHA(x) through the graph. */
START_TEST(multi_head_attention_layer)
{
    enum { N = 3, T = 5, E = 6 };
    clnn_model_t m = mt_new_model(2, (int64_t[]){T, E});
    harness_expect_ok(clnn_model_add_multi_head_attention(m, 2, 3, 4, 1));
    mt_expect_summary(m, 194, 194,
                      mt_row("multi_head_attention (Mult", "(None, 5, 6)", "194"));
    m = mt_new_model(2, (int64_t[]){T, E});
    harness_expect_ok(clnn_model_add_multi_head_attention(m, 2, 3, 4, 1));
    compile_with(m, CLNN_LOSS_MSE, N);
    float x[N * T * E], out[N * T * E], out2[N * T * E];
    harness_random(x, N * T * E, 51, -1, 1);
    harness_expect_ok(clnn_model_predict(m, x, N, out));
    for (int i = 0; i < N; i++) x[(i * T + T - 1) * E + 2] += 0.5f; /* the last step */
    harness_expect_ok(clnn_model_predict(m, x, N, out2));
    for (int i = 0; i < N; i++) {
        const float *a = out + i * T * E, *b = out2 + i * T * E;
        ck_assert_mem_eq(a, b, (T - 1) * E * sizeof(float));
        int moved = 0;
        for (int k = 0; k < E; k++) moved |= a[(T - 1) * E + k] != b[(T - 1) * E + k];
        ck_assert(moved);
    }
    clnn_model_destroy(m);
    /* x + MHA(x) -> flatten -> dense(3, softmax): x feeds the attention (as
     * query, key and value) and the Add. */
    m = mt_new_model(2, (int64_t[]){T, E});
    harness_expect_ok(clnn_model_add_dense(m, E, CLNN_ACTIVATION_TANH));
    int x0 = last_node(m);
    harness_expect_ok(clnn_model_add_multi_head_attention(m, 2, 3, 0, 0));
    harness_expect_ok(clnn_model_set_inputs(m, 2, (int[]){x0, last_node(m)}));
    harness_expect_ok(clnn_model_add_add(m));
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_ok(clnn_model_add_dense(m, 3, CLNN_MODEL_SOFTMAX));
    compile_with(m, CLNN_LOSS_SPARSE_CE, N);
    int32_t y[N] = {0, 2, 1};
    mt_check_gradients(m, x, y, N, small_mode ? 7 : 2);
    m = mt_new_model(2, (int64_t[]){T, E});
    harness_expect_error(clnn_model_add_multi_head_attention(m, 0, 3, 0, 0), CLNN_INVALID_VALUE,
                         "num_heads");
    harness_expect_error(clnn_model_add_multi_head_attention(m, 2, 0, 0, 0), CLNN_INVALID_VALUE,
                         "key_dim");
    harness_expect_error(clnn_model_add_multi_head_attention(m, 2, 3, -1, 0),
                         CLNN_INVALID_VALUE, "value_dim");
    harness_expect_error(clnn_model_add_multi_head_attention(m, 2, 3, 0, 2), CLNN_INVALID_VALUE,
                         "causal");
    harness_expect_ok(clnn_model_add_flatten(m));
    harness_expect_error(clnn_model_add_multi_head_attention(m, 2, 3, 0, 0),
                         CLNN_SHAPE_MISMATCH, "[T, D]");
    clnn_model_destroy(m);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && !strcmp(small, "1");
    Suite *s = suite_create("model-graph");
    TCase *tc = harness_tcase(s, "functional");
    tcase_add_test(tc, residual_mlp_forward_and_gradients);
    tcase_add_test(tc, two_input_forward_and_gradients);
    tcase_add_test(tc, concatenate_axis0_gradients);
    tcase_add_test(tc, two_input_model_learns);
    tcase_add_test(tc, graph_bad_input_is_rejected);
    tc = harness_tcase(s, "options");
    tcase_add_test(tc, leaky_relu_alpha);
    tcase_add_test(tc, fit_writes_a_csv_log);
    tcase_add_test(tc, multi_head_attention_layer);
    tc = harness_tcase(s, "memory");
    tcase_add_test(tc, memory_plan_reuses_buffers);
    return harness_main(s);
}
