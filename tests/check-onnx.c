/* ONNX importer: hand-made models (written with protobuf-c) run end to end
 * against the CPU references, malformed files and graphs, bad arguments, the
 * TensorProto reader and clnn-run's .npy code. The backend node tests run in
 * tests/check-onnx-node.c. */
#define _POSIX_C_SOURCE 200809L
#include "onnx-build.h"
#include "harness.h"
#include "ref/ref.h"
#include "tools/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* End-to-end tolerance: a conv -> gemm chain accumulates in fp32 (~1e-4
 * relative), softmax then adds a few ulp. */
#define E2E_RTOL 1e-4
#define E2E_ATOL 1e-5

static int small_mode;

/* A fresh directory for model files, removed with its files after the test. */
static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/clnn-onnx-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    static const char *const files[] = {"model.onnx", "w2.bin", "bad.onnx", "t.pb",
                                        "a.npy"};
    char path[128];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

static const char *tmp_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

/* ---- the end-to-end model:
 *   x [N,3,H,W] -> Conv(W1, B1, pads 1, strides 2) -> Relu -> MaxPool(2x2, s 1)
 *   -> Flatten -> Gemm(W2 (external data), C, transB, alpha 0.5, beta 2)
 *   -> Softmax(-1) = y;   q [3,1,4,5] MatMul k [2,5,6] + bias [6] = z. */
typedef struct e2e {
    int64_t n, h, w, oh, ow, ph, pw, feat;
    float *x, *w1, *b1, *w2, *c, *q, *k, *bias;
} e2e;

static void e2e_shapes(e2e *e)
{
    e->n = small_mode ? 1 : 2;
    e->h = small_mode ? 5 : 7;
    e->w = small_mode ? 6 : 9;
    e->oh = (e->h + 2 - 3) / 2 + 1;
    e->ow = (e->w + 2 - 3) / 2 + 1;
    e->ph = e->oh - 1;
    e->pw = e->ow - 1;
    e->feat = 4 * e->ph * e->pw;
}

static float *random_floats(size_t n, uint32_t seed, float lo, float hi)
{
    float *x = harness_alloc(n * sizeof(float));
    harness_random(x, n, seed, lo, hi);
    return x;
}

static void e2e_build(e2e *e, onnx_build *b)
{
    e2e_shapes(e);
    size_t nx = (size_t)(e->n * 3 * e->h * e->w);
    e->x = random_floats(nx, 1, -1, 1);
    e->w1 = random_floats(4 * 3 * 9, 2, -0.5f, 0.5f);
    e->b1 = random_floats(4, 3, -0.1f, 0.1f);
    e->w2 = random_floats((size_t)(5 * e->feat), 4, -0.3f, 0.3f);
    e->c = random_floats(5, 5, -1, 1);
    e->q = random_floats(3 * 4 * 5, 6, -1, 1);
    e->k = random_floats(2 * 5 * 6, 7, -1, 1);
    e->bias = random_floats(6, 8, -1, 1);
    ob_init(b, 13);
    ob_input(b, "x", 4, (int64_t[]){e->n, 3, e->h, e->w});
    ob_input(b, "q", 4, (int64_t[]){3, 1, 4, 5});
    ob_output(b, "y", 2, (int64_t[]){e->n, 5});
    ob_output(b, "z", 4, (int64_t[]){3, 2, 4, 6});
    ob_init_float(b, "W1", 4, (int64_t[]){4, 3, 3, 3}, e->w1);
    ob_init_float(b, "B1", 1, (int64_t[]){4}, e->b1);
    ob_init_float(b, "C", 1, (int64_t[]){5}, e->c);
    ob_init_float(b, "K", 3, (int64_t[]){2, 5, 6}, e->k);
    ob_init_float(b, "bias", 1, (int64_t[]){6}, e->bias);
    /* W2 lives in w2.bin next to the model (external data). */
    Onnx__TensorProto *w2 = ob_init_float(b, "W2", 2, (int64_t[]){5, e->feat}, e->w2);
    w2->n_float_data = 0;
    w2->has_data_location = 1;
    w2->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    Onnx__StringStringEntryProto *loc = harness_alloc(sizeof(*loc));
    onnx__string_string_entry_proto__init(loc);
    loc->key = "location";
    loc->value = "w2.bin";
    w2->external_data = harness_alloc(sizeof(*w2->external_data));
    w2->external_data[0] = loc;
    w2->n_external_data = 1;
    ck_assert_int_eq(ob_write_file(tmp_path("w2.bin"), e->w2,
                                   (size_t)(5 * e->feat) * sizeof(float)), 0);

    Onnx__NodeProto *n = ob_node(b, "Conv", (const char *[]){"x", "W1", "B1", NULL},
                                 (const char *[]){"c", NULL});
    ob_attr_ints(n, "pads", 4, (int64_t[]){1, 1, 1, 1});
    ob_attr_ints(n, "strides", 2, (int64_t[]){2, 2});
    ob_node(b, "Relu", (const char *[]){"c", NULL}, (const char *[]){"r", NULL});
    n = ob_node(b, "MaxPool", (const char *[]){"r", NULL}, (const char *[]){"p", NULL});
    ob_attr_ints(n, "kernel_shape", 2, (int64_t[]){2, 2});
    ob_node(b, "Flatten", (const char *[]){"p", NULL}, (const char *[]){"f", NULL});
    n = ob_node(b, "Gemm", (const char *[]){"f", "W2", "C", NULL},
                (const char *[]){"g", NULL});
    ob_attr_int(n, "transB", 1);
    ob_attr_float(n, "alpha", 0.5f);
    ob_attr_float(n, "beta", 2.0f);
    ob_node(b, "Softmax", (const char *[]){"g", NULL}, (const char *[]){"y", NULL});
    ob_node(b, "MatMul", (const char *[]){"q", "K", NULL}, (const char *[]){"mm", NULL});
    ob_node(b, "Add", (const char *[]){"mm", "bias", NULL}, (const char *[]){"z", NULL});
}

static double *to_double(const float *x, size_t n)
{
    double *d = harness_alloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        d[i] = x[i];
    return d;
}

/* y of the CNN branch, from the references (double). */
static void e2e_ref_y(const e2e *e, double *y)
{
    ref_conv cp = {e->n, 3, e->h, e->w, 4, e->oh, e->ow, 3, 3, 2, 2, 1, 1, 1, 1, 1};
    size_t nc = (size_t)(e->n * 4 * e->oh * e->ow);
    double *c = harness_alloc(nc * sizeof(double));
    ref_conv2d(REF_CONV_FORWARD, &cp, to_double(e->x, (size_t)(e->n * 3 * e->h * e->w)),
               to_double(e->w1, 4 * 27), c);
    for (size_t i = 0; i < nc; i++) {
        c[i] += e->b1[(i / (size_t)(e->oh * e->ow)) % 4];
        c[i] = c[i] > 0 ? c[i] : 0;
    }
    ref_pool pp = {CLNN_POOL_MAX, e->n, 4, e->oh, e->ow, e->ph, e->pw,
                   2, 2, 1, 1, 1, 1, 0, 0, 0, 0};
    double *p = harness_alloc((size_t)(e->n * e->feat) * sizeof(double));
    ref_pool2d_forward(&pp, c, p, NULL);
    double *g = harness_alloc((size_t)(e->n * 5) * sizeof(double));
    for (int64_t i = 0; i < e->n; i++)
        for (int64_t j = 0; j < 5; j++) {
            double acc = 0;
            for (int64_t k = 0; k < e->feat; k++)
                acc += p[i * e->feat + k] * e->w2[j * e->feat + k];
            g[i * 5 + j] = 0.5 * acc + 2.0 * e->c[j];
        }
    ref_softmax(CLNN_SOFTMAX, (size_t)e->n, 5, 1, g, y);
}

/* z [3,2,4,6] = q [3,1,4,5] @ k [2,5,6] + bias, batch axes broadcast. */
static void e2e_ref_z(const e2e *e, double *z)
{
    for (int a = 0; a < 3; a++)
        for (int bb = 0; bb < 2; bb++)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 6; j++) {
                    double acc = e->bias[j];
                    for (int k = 0; k < 5; k++)
                        acc += (double)e->q[(a * 4 + i) * 5 + k] *
                               e->k[(bb * 5 + k) * 6 + j];
                    z[((a * 2 + bb) * 4 + i) * 6 + j] = acc;
                }
}

static clnn_onnx_value host_value(const char *name, void *data, int rank,
                                  const int64_t *dims)
{
    clnn_onnx_value v;
    memset(&v, 0, sizeof(v));
    v.name = name;
    v.dtype = CLNN_FLOAT32;
    v.rank = rank;
    memcpy(v.dims, dims, (size_t)rank * sizeof(int64_t));
    v.data = data;
    return v;
}

static void e2e_check_outputs(const e2e *e, clnn_onnx_value *out)
{
    double *y = harness_alloc((size_t)(e->n * 5) * sizeof(double));
    double *z = harness_alloc(3 * 2 * 4 * 6 * sizeof(double));
    e2e_ref_y(e, y);
    e2e_ref_z(e, z);
    ck_assert_str_eq(out[0].name, "y");
    ck_assert_int_eq(out[0].rank, 2);
    ck_assert_int_eq(out[0].dims[0], e->n);
    ck_assert_int_eq(out[1].rank, 4);
    ck_assert_int_eq(out[1].dims[1], 2);
    harness_expect_close(out[0].data, y, (size_t)(e->n * 5), E2E_RTOL, E2E_ATOL, "y");
    harness_expect_close(out[1].data, z, 3 * 2 * 4 * 6, E2E_RTOL, E2E_ATOL, "z");
    clnn_onnx_value_release(&out[0]);
    clnn_onnx_value_release(&out[1]);
    ck_assert_ptr_null(out[0].data);
}

START_TEST(end_to_end_matches_reference)
{
    make_tmpdir();
    onnx_build b;
    e2e e;
    e2e_build(&e, &b);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    ck_assert_int_eq(ob_write_file(tmp_path("model.onnx"), bytes, size), 0);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load(harness_ctx(), tmp_path("model.onnx"), &model));

    int count;
    clnn_onnx_value info;
    harness_expect_ok(clnn_onnx_model_input_count(model, &count));
    ck_assert_int_eq(count, 2);
    harness_expect_ok(clnn_onnx_model_input_info(model, 1, &info));
    ck_assert_str_eq(info.name, "q");
    ck_assert_int_eq(info.dims[3], 5);
    harness_expect_ok(clnn_onnx_model_node_count(model, &count));
    ck_assert_int_eq(count, 8);

    clnn_onnx_value in[2] = {host_value("q", e.q, 4, (int64_t[]){3, 1, 4, 5}),
                             host_value("x", e.x, 4, (int64_t[]){e.n, 3, e.h, e.w})};
    clnn_onnx_value out[2];
    harness_expect_ok(clnn_onnx_model_run(model, 2, in, 2, out));
    e2e_check_outputs(&e, out);

    /* A second run with new data reuses the plan; inputs given by position. */
    harness_random(e.x, (size_t)(e.n * 3 * e.h * e.w), 9, -2, 2);
    harness_random(e.q, 60, 10, -2, 2);
    clnn_onnx_value pos[2] = {host_value(NULL, e.x, 4, (int64_t[]){e.n, 3, e.h, e.w}),
                              host_value(NULL, e.q, 4, (int64_t[]){3, 1, 4, 5})};
    harness_expect_ok(clnn_onnx_model_run(model, 2, pos, 2, out));
    e2e_check_outputs(&e, out);

    const char *op, *name;
    harness_expect_ok(clnn_onnx_model_node_info(model, 4, &op, &name, &info));
    ck_assert_str_eq(op, "Gemm");
    ck_assert_int_eq(info.dims[1], 5);
    clnn_onnx_model_destroy(model);
    remove_tmpdir();
}
END_TEST

/* Constant (int64 shape) -> Reshape -> Transpose -> ReduceMean -> Concat, from
 * memory (no file). */
START_TEST(shape_ops_match_reference)
{
    onnx_build b;
    ob_init(&b, 13);
    ob_input(&b, "x", 3, (int64_t[]){3, 4, 5});
    ob_output(&b, "m", 1, (int64_t[]){30});
    Onnx__NodeProto *n = ob_node(&b, "Constant", (const char *[]){NULL},
                                 (const char *[]){"shape", NULL});
    ob_attr_ints(n, "value_ints", 2, (int64_t[]){4, -1});
    ob_node(&b, "Reshape", (const char *[]){"x", "shape", NULL}, (const char *[]){"r", NULL});
    ob_node(&b, "Transpose", (const char *[]){"r", NULL}, (const char *[]){"t", NULL});
    n = ob_node(&b, "ReduceMean", (const char *[]){"t", NULL}, (const char *[]){"r1", NULL});
    ob_attr_ints(n, "axes", 1, (int64_t[]){-1});
    ob_attr_int(n, "keepdims", 0);
    /* Concat last: oclgrind 21.10 loses track of initialized memory through
     * clEnqueueCopyBufferRect, which clnn_concat_forward uses, so a kernel
     * reading a concat result draws false reports there. */
    n = ob_node(&b, "Concat", (const char *[]){"r1", "r1", NULL}, (const char *[]){"m", NULL});
    ob_attr_int(n, "axis", 0);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model));
    float *x = random_floats(60, 11, -1, 1);
    clnn_onnx_value in = host_value("x", x, 3, (int64_t[]){3, 4, 5}), out;
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 1, &out));
    /* r = x as [4, 15]; t = r^T [15, 4]; r1[i] = mean_j t[i][j]; m = [r1, r1]. */
    double want[30];
    for (int i = 0; i < 30; i++) {
        double acc = 0;
        for (int j = 0; j < 4; j++)
            acc += x[j * 15 + i % 15];
        want[i] = acc / 4;
    }
    ck_assert_int_eq(out.rank, 1);
    ck_assert_int_eq(out.dims[0], 30);
    /* A 4-term mean: a few ulp. */
    harness_expect_close(out.data, want, 30, 1e-6, 1e-7, "m");
    clnn_onnx_value_release(&out);
    clnn_onnx_model_destroy(model);
}
END_TEST

/* Gelu (opset 20, both approximations; not in Debian's node tests) and
 * LeakyRelu with its alpha, against ref_activation. */
START_TEST(activations_match_reference)
{
    onnx_build b;
    ob_init(&b, 20);
    int64_t dims[2] = {7, 93};
    ob_input(&b, "x", 2, dims);
    static const char *const outs[] = {"gelu", "gelu_tanh", "leaky"};
    for (int i = 0; i < 3; i++)
        ob_output(&b, outs[i], 2, dims);
    ob_node(&b, "Gelu", (const char *[]){"x", NULL}, (const char *[]){"gelu", NULL});
    Onnx__NodeProto *n = ob_node(&b, "Gelu", (const char *[]){"x", NULL},
                                 (const char *[]){"gelu_tanh", NULL});
    Onnx__AttributeProto approx = ONNX__ATTRIBUTE_PROTO__INIT, *attrs = &approx;
    approx.name = "approximate";
    approx.has_type = 1;
    approx.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    approx.has_s = 1;
    approx.s.data = (uint8_t *)"tanh";
    approx.s.len = 4;
    n->attribute = &attrs;
    n->n_attribute = 1;
    n = ob_node(&b, "LeakyRelu", (const char *[]){"x", NULL}, (const char *[]){"leaky", NULL});
    ob_attr_float(n, "alpha", 0.3f);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model));
    float *x = random_floats(7 * 93, 13, -4, 4);
    clnn_onnx_value in = host_value("x", x, 2, dims), out[3];
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 3, out));
    const clnn_activation_desc acts[3] = {{CLNN_ACTIVATION_GELU, 0, 0},
                                          {CLNN_ACTIVATION_GELU_TANH, 0, 0},
                                          {CLNN_ACTIVATION_LEAKY_RELU, 0.3f, 0}};
    double *want = harness_alloc(7 * 93 * sizeof(double));
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 7 * 93; i++)
            want[i] = ref_activation(acts[k], x[i]);
        /* One element-wise function: a few ulp (erf, tanh in fp32). */
        harness_expect_close(out[k].data, want, 7 * 93, 1e-5, 1e-6, outs[k]);
        clnn_onnx_value_release(&out[k]);
    }
    clnn_onnx_model_destroy(model);
}
END_TEST

/* A Reshape shape given as a graph input decides the plan: later runs must pass
 * the same values; the data input may change freely. */
START_TEST(plan_inputs_are_pinned)
{
    onnx_build b;
    ob_init(&b, 14);
    ob_input(&b, "x", 2, (int64_t[]){2, 6});
    ob_input(&b, "shape", 1, (int64_t[]){3});
    b.inputs[1]->type->tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    ob_output(&b, "y", 3, (int64_t[]){3, 2, 2});
    ob_node(&b, "Reshape", (const char *[]){"x", "shape", NULL}, (const char *[]){"y", NULL});
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model));
    float x[12];
    double want[12];
    int64_t shape[3] = {3, 2, -1};
    clnn_onnx_value in[2] = {host_value("x", x, 2, (int64_t[]){2, 6}),
                             host_value("shape", shape, 1, (int64_t[]){3})}, out;
    in[1].dtype = CLNN_INT64;
    for (uint32_t run = 0; run < 2; run++) {
        harness_random(x, 12, 12 + run, -1, 1);
        for (int i = 0; i < 12; i++)
            want[i] = x[i];
        harness_expect_ok(clnn_onnx_model_run(model, 2, in, 1, &out));
        ck_assert_int_eq(out.rank, 3);
        ck_assert_int_eq(out.dims[2], 2);
        /* A reshape moves no data: exact. */
        harness_expect_close(out.data, want, 12, 0, 0, "y");
        clnn_onnx_value_release(&out);
    }
    shape[0] = 2;
    shape[1] = 3;
    out.data = NULL;
    harness_expect_error(clnn_onnx_model_run(model, 2, in, 1, &out), CLNN_INVALID_VALUE,
                         "'shape'");
    ck_assert_ptr_null(out.data);
    clnn_onnx_model_destroy(model);
}
END_TEST

/* ---- malformed files */

static clnn_status load_bytes(const void *data, size_t size)
{
    clnn_onnx_model_t model = NULL;
    clnn_status s = clnn_onnx_model_load_memory(harness_ctx(), data, size, NULL, &model);
    ck_assert_msg(s != CLNN_SUCCESS || model, "success without a model");
    clnn_onnx_model_destroy(s == CLNN_SUCCESS ? model : NULL);
    return s;
}

START_TEST(malformed_files_are_rejected)
{
    onnx_build b;
    e2e e;
    make_tmpdir();
    e2e_build(&e, &b);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    /* Truncated anywhere inside the last field, or in the middle. */
    harness_expect_error(load_bytes(bytes, size - 1), CLNN_BAD_FORMAT, "protobuf");
    harness_expect_error(load_bytes(bytes, size / 2), CLNN_BAD_FORMAT, "protobuf");
    /* graph (field 7) with a fixed32 wire type instead of length-delimited. */
    static const uint8_t wire[] = {0x08, 0x08, 0x3d, 1, 2, 3, 4};
    harness_expect_error(load_bytes(wire, sizeof(wire)), CLNN_BAD_FORMAT, "protobuf");
    /* graph with a length prefix of 2^35 - 1 bytes. */
    static const uint8_t huge[] = {0x3a, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x0a, 0x00};
    harness_expect_error(load_bytes(huge, sizeof(huge)), CLNN_BAD_FORMAT, "protobuf");
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    harness_expect_error(load_bytes(garbage, sizeof(garbage)), CLNN_BAD_FORMAT, "protobuf");
    /* A valid but empty message: no graph. */
    harness_expect_error(load_bytes("", 0), CLNN_BAD_FORMAT, "no graph");
    clnn_onnx_model_t model = NULL;
    harness_expect_error(clnn_onnx_model_load(harness_ctx(), tmp_path("missing.onnx"),
                                              &model), CLNN_IO_ERROR, "missing.onnx");
    ck_assert_ptr_null(model);
    /* External data shorter than its tensor: BAD_FORMAT, found from the file's
     * size before the tensor is allocated (a fuzzer's find: a tiny model once
     * claimed a 1.4 TB tensor). */
    ck_assert_int_eq(ob_write_file(tmp_path("bad.onnx"), bytes, size), 0);
    ck_assert_int_eq(ob_write_file(tmp_path("w2.bin"), "\0\0\0\0", 4), 0);
    harness_expect_error(clnn_onnx_model_load(harness_ctx(), tmp_path("bad.onnx"), &model),
                         CLNN_BAD_FORMAT, "w2.bin");
    ck_assert_ptr_null(model);
    /* Without its external data file next to it, the model does not load. */
    unlink(tmp_path("w2.bin"));
    harness_expect_error(clnn_onnx_model_load(harness_ctx(), tmp_path("bad.onnx"), &model),
                         CLNN_IO_ERROR, "w2.bin");
    remove_tmpdir();
}
END_TEST

/* A one-node model (Relu x -> y) to break in one place at a time. */
static Onnx__NodeProto *relu_model(onnx_build *b)
{
    ob_init(b, 13);
    ob_input(b, "x", 2, (int64_t[]){2, 3});
    ob_output(b, "y", 2, (int64_t[]){2, 3});
    return ob_node(b, "Relu", (const char *[]){"x", NULL}, (const char *[]){"y", NULL});
}

static clnn_status load_built(onnx_build *b)
{
    size_t size;
    uint8_t *bytes = ob_pack(b, &size);
    return load_bytes(bytes, size);
}

START_TEST(bad_graphs_are_rejected)
{
    onnx_build b;
    Onnx__NodeProto *n = relu_model(&b);
    harness_expect_ok(load_built(&b));
    n->op_type = "FrobnicateV2";
    n->name = "node7";
    harness_expect_error(load_built(&b), CLNN_NOT_SUPPORTED, "node 'node7' (FrobnicateV2)");
    n = relu_model(&b);
    ob_attr_float(n, "bogus_gain", 2.0f);
    harness_expect_error(load_built(&b), CLNN_NOT_SUPPORTED, "'bogus_gain'");
    n = relu_model(&b);
    n->input[0] = "W_missing";
    harness_expect_error(load_built(&b), CLNN_BAD_FORMAT, "'W_missing'");
    n = relu_model(&b);
    n->domain = "com.example";
    harness_expect_error(load_built(&b), CLNN_NOT_SUPPORTED, "com.example");
    n = relu_model(&b);
    b.outputs[0]->name = "never_made";
    harness_expect_error(load_built(&b), CLNN_BAD_FORMAT, "'never_made'");
    /* An initializer whose data does not fill its shape. */
    relu_model(&b);
    Onnx__TensorProto *t = ob_init_float(&b, "short", 1, (int64_t[]){4}, (float[4]){0});
    t->n_float_data = 3;
    harness_expect_error(load_built(&b), CLNN_BAD_FORMAT, "'short'");
    /* A huge claimed shape with no data fails before allocating. */
    t->dims[0] = (int64_t)1 << 38;
    harness_expect_error(load_built(&b), CLNN_BAD_FORMAT, "'short'");
    /* External data must stay inside the model's directory. */
    relu_model(&b);
    t = ob_init_float(&b, "ext", 1, (int64_t[]){4}, (float[4]){0});
    t->n_float_data = 0;
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    Onnx__StringStringEntryProto loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT, *locs = &loc;
    loc.key = "location";
    loc.value = "../../etc/passwd";
    t->external_data = &locs;
    t->n_external_data = 1;
    harness_expect_error(load_built(&b), CLNN_BAD_FORMAT, "../../etc/passwd");
    /* Unsupported attribute values and element types name what is wrong. */
    n = relu_model(&b);
    n->op_type = "BatchNormalization";
    ob_attr_int(n, "training_mode", 1);
    n->n_input = 5;
    for (int i = 1; i < 5; i++)
        n->input[i] = "x";
    harness_expect_error(load_built(&b), CLNN_NOT_SUPPORTED, "'training_mode'");
    relu_model(&b);
    b.inputs[0]->type->tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
    harness_expect_error(load_built(&b), CLNN_NOT_SUPPORTED, "'x'");
    /* A node with too many inputs for its op. */
    n = relu_model(&b);
    n->input[1] = "x";
    n->n_input = 2;
    harness_expect_error(load_built(&b), CLNN_BAD_FORMAT, "2 inputs");
    /* A shape problem found when the first run plans the model. */
    n = relu_model(&b);
    n->op_type = "Add";
    n->input[1] = "w";
    n->n_input = 2;
    ob_init_float(&b, "w", 1, (int64_t[]){4}, (float[4]){0});
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model));
    float x[6] = {0}, sentinel = 42.0f;
    clnn_onnx_value in = host_value("x", x, 2, (int64_t[]){2, 3}), out;
    out.data = &sentinel;
    harness_expect_error(clnn_onnx_model_run(model, 1, &in, 1, &out), CLNN_SHAPE_MISMATCH,
                         "do not broadcast");
    ck_assert_ptr_eq(out.data, &sentinel);
    clnn_onnx_model_destroy(model);
}
END_TEST

START_TEST(bad_arguments_are_rejected)
{
    onnx_build b;
    relu_model(&b);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_context_t ctx = harness_ctx();
    clnn_onnx_model_t model = NULL;
    harness_expect_error(clnn_onnx_model_load(NULL, "m.onnx", &model), CLNN_NULL_POINTER,
                         "ctx");
    harness_expect_error(clnn_onnx_model_load(ctx, NULL, &model), CLNN_NULL_POINTER, "path");
    harness_expect_error(clnn_onnx_model_load(ctx, "m.onnx", NULL), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_onnx_model_load_memory(NULL, bytes, size, NULL, &model),
                         CLNN_NULL_POINTER, "ctx");
    harness_expect_error(clnn_onnx_model_load_memory(ctx, NULL, size, NULL, &model),
                         CLNN_NULL_POINTER, "data");
    harness_expect_error(clnn_onnx_model_load_memory(ctx, bytes, size, NULL, NULL),
                         CLNN_NULL_POINTER, "model");
    ck_assert_ptr_null(model);
    harness_expect_ok(clnn_onnx_model_load_memory(ctx, bytes, size, NULL, &model));

    int count;
    clnn_onnx_value info, out[2];
    const char *op, *name;
    harness_expect_error(clnn_onnx_model_input_count(NULL, &count), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_onnx_model_output_count(model, NULL), CLNN_NULL_POINTER,
                         "count");
    harness_expect_error(clnn_onnx_model_node_count(NULL, &count), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_onnx_model_input_info(model, 1, &info), CLNN_INVALID_VALUE,
                         "index 1");
    harness_expect_error(clnn_onnx_model_output_info(model, -1, &info), CLNN_INVALID_VALUE,
                         "index -1");
    harness_expect_error(clnn_onnx_model_output_info(model, 0, NULL), CLNN_NULL_POINTER,
                         "info");
    harness_expect_error(clnn_onnx_model_node_info(model, 1, &op, &name, &info),
                         CLNN_INVALID_VALUE, "index 1");
    harness_expect_error(clnn_onnx_model_node_info(model, 0, NULL, &name, &info),
                         CLNN_NULL_POINTER, "op_type");

    float x[6] = {-1, 2, -3, 4, -5, 6}, sentinel = 42.0f;
    clnn_onnx_value in = host_value("x", x, 2, (int64_t[]){2, 3});
    out[0].data = &sentinel;
    harness_expect_error(clnn_onnx_model_run(NULL, 1, &in, 1, out), CLNN_NULL_POINTER,
                         "model");
    harness_expect_error(clnn_onnx_model_run(model, 1, NULL, 1, out), CLNN_NULL_POINTER,
                         "inputs");
    harness_expect_error(clnn_onnx_model_run(model, 1, &in, 1, NULL), CLNN_NULL_POINTER,
                         "outputs");
    harness_expect_error(clnn_onnx_model_run(model, 1, &in, 2, out), CLNN_INVALID_VALUE,
                         "output_count 2");
    harness_expect_error(clnn_onnx_model_run(model, 0, &in, 1, out), CLNN_INVALID_VALUE,
                         "'x' is not given");
    clnn_onnx_value wrong = host_value("x", x, 2, (int64_t[]){3, 2});
    harness_expect_error(clnn_onnx_model_run(model, 1, &wrong, 1, out), CLNN_SHAPE_MISMATCH,
                         "'x'");
    wrong = host_value("x", NULL, 2, (int64_t[]){2, 3});
    harness_expect_error(clnn_onnx_model_run(model, 1, &wrong, 1, out), CLNN_NULL_POINTER,
                         "'x'");
    ck_assert_ptr_eq(out[0].data, &sentinel);
    /* After the failures the model still runs, and fixes its shapes. */
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 1, out));
    double want[6] = {0, 2, 0, 4, 0, 6};
    harness_expect_close(out[0].data, want, 6, 0, 0, "relu");
    clnn_onnx_value_release(&out[0]);
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 0, NULL));
    ck_assert_int_eq(clnn_onnx_op_supported("LSTM"), 1);
    ck_assert_int_eq(clnn_onnx_op_supported("NoSuchOp"), 0);
    ck_assert_int_eq(clnn_onnx_op_supported(NULL), 0);
    clnn_onnx_model_destroy(model);
    clnn_onnx_model_destroy(NULL);
    clnn_onnx_value_release(NULL);
}
END_TEST

START_TEST(tensor_files_are_read)
{
    make_tmpdir();
    onnx_build b;
    ob_init(&b, 13);
    float data[6] = {1, 2, 3, 4, 5, 6};
    Onnx__TensorProto *t = ob_init_float(&b, "input_a", 2, (int64_t[]){2, 3}, data);
    size_t size = onnx__tensor_proto__get_packed_size(t);
    uint8_t *bytes = harness_alloc(size);
    onnx__tensor_proto__pack(t, bytes);
    ck_assert_int_eq(ob_write_file(tmp_path("t.pb"), bytes, size), 0);
    clnn_onnx_value v;
    harness_expect_ok(clnn_onnx_tensor_read_file(tmp_path("t.pb"), &v));
    ck_assert_str_eq(v.name, "input_a");
    ck_assert_int_eq(v.rank, 2);
    ck_assert_int_eq(v.dims[1], 3);
    ck_assert_int_eq(v.dtype, CLNN_FLOAT32);
    ck_assert_mem_eq(v.data, data, sizeof(data));
    clnn_onnx_value_release(&v);
    ck_assert_int_eq(ob_write_file(tmp_path("t.pb"), bytes, size - 2), 0);
    harness_expect_error(clnn_onnx_tensor_read_file(tmp_path("t.pb"), &v), CLNN_BAD_FORMAT,
                         "t.pb");
    harness_expect_error(clnn_onnx_tensor_read_file(NULL, &v), CLNN_NULL_POINTER, "path");
    harness_expect_error(clnn_onnx_tensor_read_file(tmp_path("t.pb"), NULL),
                         CLNN_NULL_POINTER, "value");
    remove_tmpdir();
}
END_TEST

START_TEST(npy_round_trip_and_errors)
{
    make_tmpdir();
    float data[7] = {1.5f, -2, 3, 4, 5, 6, 7};
    clnn_onnx_value v = host_value("a", data, 3, (int64_t[]){7, 1, 1}), r;
    char err[256];
    ck_assert_int_eq(npy_write(tmp_path("a.npy"), &v, err, sizeof(err)), 0);
    ck_assert_int_eq(npy_read(tmp_path("a.npy"), &r, err, sizeof(err)), 0);
    ck_assert_int_eq(r.rank, 3);
    ck_assert_int_eq(r.dims[0], 7);
    ck_assert_int_eq(r.dtype, CLNN_FLOAT32);
    ck_assert_mem_eq(r.data, data, sizeof(data));
    free(r.data);
    static const char bad_magic[] = "\x93NUMPX\x01\x00\x10\x00";
    ck_assert_int_eq(npy_parse((const unsigned char *)bad_magic, 10, &r, err, sizeof(err)),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "magic"));
    /* A header length beyond the file. */
    static const unsigned char long_hdr[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0x7f};
    ck_assert_int_eq(npy_parse(long_hdr, sizeof(long_hdr), &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "header length"));
    /* Fewer data bytes than the shape needs. */
    const char *hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }\n";
    unsigned char buf[128] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              (unsigned char)strlen(hdr), 0};
    memcpy(buf + 10, hdr, strlen(hdr));
    ck_assert_int_eq(npy_parse(buf, 10 + strlen(hdr) + 8, &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "data bytes"));
    memcpy(buf + 10 + 11, "'<f8'", 5);
    ck_assert_int_eq(npy_parse(buf, sizeof(buf), &r, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "dtype"));
    remove_tmpdir();
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    Suite *s = suite_create("onnx");
    TCase *tc = harness_tcase(s, "model");
    tcase_add_test(tc, end_to_end_matches_reference);
    tcase_add_test(tc, shape_ops_match_reference);
    tcase_add_test(tc, plan_inputs_are_pinned);
    tcase_add_test(tc, activations_match_reference);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, malformed_files_are_rejected);
    tcase_add_test(tc, bad_graphs_are_rejected);
    tcase_add_test(tc, bad_arguments_are_rejected);
    tc = harness_tcase(s, "files");
    tcase_add_test(tc, tensor_files_are_read);
    tcase_add_test(tc, npy_round_trip_and_errors);
    return harness_main(s);
}
