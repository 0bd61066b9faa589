/* The ONNX glue of the data-movement ops where the backend node tests do not
 * reach: Gather and Slice computed on the host (Shape -> Gather / Slice ->
 * Reshape, the shape arithmetic of exported models), an int graph input gathered
 * on the host and pinned, and a 3-D pool with pads against a double reference. */
#include "harness.h"
#include "onnx-build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static clnn_onnx_value value_of(const char *name, clnn_dtype dtype, void *data, int rank,
                                const int64_t *dims)
{
    clnn_onnx_value v = {name, dtype, rank, {0}, data};
    memcpy(v.dims, dims, (size_t)rank * sizeof(int64_t));
    return v;
}

static clnn_onnx_model_t load(onnx_build *b)
{
    size_t size;
    uint8_t *bytes = ob_pack(b, &size);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model));
    return model;
}

START_TEST(shape_gather_reshape_runs_on_the_host)
{
    /* y = Reshape(x, Gather(Shape(x), [0, 2, 1])): [2, 3, 4] -> [2, 4, 3], the
     * data unchanged. */
    onnx_build b;
    ob_init(&b, 13);
    ob_input(&b, "x", 3, (int64_t[]){2, 3, 4});
    ob_output(&b, "y", 3, (int64_t[]){2, 4, 3});
    ob_node(&b, "Shape", (const char *[]){"x", NULL}, (const char *[]){"s", NULL});
    Onnx__NodeProto *c = ob_node(&b, "Constant", (const char *[]){NULL},
                                 (const char *[]){"i", NULL});
    ob_attr_ints(c, "value_ints", 3, (int64_t[]){0, -1, 1});
    ob_node(&b, "Gather", (const char *[]){"s", "i", NULL}, (const char *[]){"g", NULL});
    ob_node(&b, "Reshape", (const char *[]){"x", "g", NULL}, (const char *[]){"y", NULL});
    clnn_onnx_model_t model = load(&b);
    float x[24];
    harness_random(x, 24, 3, -1, 1);
    clnn_onnx_value in = value_of("x", CLNN_FLOAT32, x, 3, (int64_t[]){2, 3, 4}), out;
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 1, &out));
    ck_assert_int_eq(out.rank, 3);
    ck_assert(out.dims[0] == 2 && out.dims[1] == 4 && out.dims[2] == 3);
    ck_assert(memcmp(out.data, x, sizeof x) == 0);
    clnn_onnx_value_release(&out);
    clnn_onnx_model_destroy(model);
}
END_TEST

START_TEST(shape_slice_reshape_runs_on_the_host)
{
    /* y = Reshape(x, Slice(Shape(x), [-1], [-100], [0], [-1])): the reversed shape. */
    static const char *const names[] = {"starts", "ends", "axes", "steps"};
    static const int64_t values[] = {-1, -100, 0, -1};
    onnx_build b;
    ob_init(&b, 13);
    ob_input(&b, "x", 3, (int64_t[]){2, 3, 4});
    ob_output(&b, "y", 3, (int64_t[]){4, 3, 2});
    ob_node(&b, "Shape", (const char *[]){"x", NULL}, (const char *[]){"s", NULL});
    for (int i = 0; i < 4; i++)
        ob_attr_ints(ob_node(&b, "Constant", (const char *[]){NULL},
                             (const char *[]){names[i], NULL}),
                     "value_ints", 1, &values[i]);
    ob_node(&b, "Slice", (const char *[]){"s", "starts", "ends", "axes", "steps", NULL},
            (const char *[]){"r", NULL});
    ob_node(&b, "Reshape", (const char *[]){"x", "r", NULL}, (const char *[]){"y", NULL});
    clnn_onnx_model_t model = load(&b);
    float x[24];
    harness_random(x, 24, 4, -1, 1);
    clnn_onnx_value in = value_of("x", CLNN_FLOAT32, x, 3, (int64_t[]){2, 3, 4}), out;
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 1, &out));
    ck_assert(out.rank == 3 && out.dims[0] == 4 && out.dims[1] == 3 && out.dims[2] == 2);
    ck_assert(memcmp(out.data, x, sizeof x) == 0);
    clnn_onnx_value_release(&out);
    clnn_onnx_model_destroy(model);
}
END_TEST

START_TEST(int_input_gathered_on_the_host_is_pinned)
{
    /* g = Gather(ids, k) with both int64 graph inputs; a scalar k gives rank 0. */
    onnx_build b;
    ob_init(&b, 13);
    ob_input(&b, "ids", 1, (int64_t[]){5});
    ob_input(&b, "k", 0, NULL);
    ob_output(&b, "g", 0, NULL);
    ob_node(&b, "Gather", (const char *[]){"ids", "k", NULL}, (const char *[]){"g", NULL});
    b.inputs[0]->type->tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    b.inputs[1]->type->tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    b.outputs[0]->type->tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    clnn_onnx_model_t model = load(&b);
    int64_t ids[5] = {10, 11, 12, 13, 14}, k = -2;
    clnn_onnx_value in[2] = {value_of("ids", CLNN_INT64, ids, 1, (int64_t[]){5}),
                             value_of("k", CLNN_INT64, &k, 0, NULL)}, out;
    harness_expect_ok(clnn_onnx_model_run(model, 2, in, 1, &out));
    ck_assert_int_eq(out.rank, 0);
    ck_assert_int_eq(*(int64_t *)out.data, 13);
    clnn_onnx_value_release(&out);
    /* The plan holds the values: a changed input is refused, not silently stale. */
    ids[3] = 99;
    harness_expect_error(clnn_onnx_model_run(model, 2, in, 1, &out), CLNN_INVALID_VALUE,
                         "ids");
    clnn_onnx_model_destroy(model);
}
END_TEST

START_TEST(pool3d_with_pads_matches_reference)
{
    /* AveragePool 3x2x3, strides 2x1x2, pads 1,1,0 / 1,0,1, ceil_mode, excluding
     * the padding: a sum of up to 18 fp32 values, rtol 1e-5. */
    static const int64_t D = 5, H = 4, W = 7, kd = 3, kh = 2, kw = 3;
    onnx_build b;
    ob_init(&b, 13);
    ob_input(&b, "x", 5, (int64_t[]){1, 2, D, H, W});
    ob_output(&b, "y", 5, (int64_t[]){1, 2, 3, 4, 4});
    Onnx__NodeProto *n = ob_node(&b, "AveragePool", (const char *[]){"x", NULL},
                                 (const char *[]){"y", NULL});
    ob_attr_ints(n, "kernel_shape", 3, (int64_t[]){kd, kh, kw});
    ob_attr_ints(n, "strides", 3, (int64_t[]){2, 1, 2});
    ob_attr_ints(n, "pads", 6, (int64_t[]){1, 1, 0, 1, 0, 1});
    ob_attr_int(n, "ceil_mode", 1);
    clnn_onnx_model_t model = load(&b);
    float x[2 * 5 * 4 * 7];
    harness_random(x, 2 * D * H * W, 5, -2, 2);
    clnn_onnx_value in = value_of("x", CLNN_FLOAT32, x, 5, (int64_t[]){1, 2, D, H, W}), out;
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 1, &out));
    /* D: ceil((5 + 2 - 3) / 2) + 1 = 3, H: (4 + 1 - 2) + 1 = 4, W: ceil(5 / 2) + 1 = 4. */
    int64_t OD = out.dims[2], OH = out.dims[3], OW = out.dims[4];
    ck_assert(OD == 3 && OH == 4 && OW == 4);
    double want[2 * 3 * 4 * 4];
    for (int64_t c = 0, o = 0; c < 2; c++)
        for (int64_t od = 0; od < OD; od++)
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++, o++) {
                    double sum = 0;
                    int count = 0;
                    for (int64_t i = 0; i < kd * kh * kw; i++) {
                        int64_t d = od * 2 - 1 + i / (kh * kw), h = oh - 1 + i / kw % kh,
                                w = ow * 2 + i % kw;
                        if (d >= 0 && d < D && h >= 0 && h < H && w >= 0 && w < W)
                            sum += x[((c * D + d) * H + h) * W + w], count++;
                    }
                    want[o] = sum / count;
                }
    harness_expect_close(out.data, want, (size_t)(2 * OD * OH * OW), 1e-5, 1e-6,
                         "AveragePool 3-D");
    clnn_onnx_value_release(&out);
    clnn_onnx_model_destroy(model);
}
END_TEST

int main(void)
{
    /* Every model is small: CLNN_TEST_SMALL needs no smaller shapes here. */
    Suite *s = suite_create("onnx-data");
    TCase *tc = harness_tcase(s, "onnx-data");
    tcase_add_test(tc, shape_gather_reshape_runs_on_the_host);
    tcase_add_test(tc, shape_slice_reshape_runs_on_the_host);
    tcase_add_test(tc, int_input_gathered_on_the_host_is_pinned);
    tcase_add_test(tc, pool3d_with_pads_matches_reference);
    return harness_main(s);
}
