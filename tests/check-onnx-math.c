/* The ONNX glue of the element-wise math ops (src/onnx/ops_math2.c) on a built
 * model: the casts (int32, int64, bool as int32 0 / 1, back to float), a
 * comparison, Not, Where, variadic Max, Selu's attributes and Pow with an
 * integer exponent, against plain C; and the NOT_SUPPORTED paths. The ops
 * themselves are tested in check-math. */
#include "harness.h"
#include "onnx-build.h"

#include <math.h>
#include <string.h>

#define N 10
static const float x_values[N] = {-2.5f, 0.0f, 1.5f, 3.75f, -0.25f,
                                  2.0f,  -3.0f, 0.5f, 7.25f, -1.0f};
static const float t_values[5] = {0.0f, -1.0f, 2.0f, 3.75f, -0.5f};

static const char *const outputs[] = {"y1", "y2", "y3", "y4", "y5", "y6"};

static void build(onnx_build *b)
{
    const int64_t dims[2] = {2, 5};
    ob_init(b, 19);
    ob_input(b, "x", 2, dims);
    ob_init_float(b, "t", 1, (int64_t[]){5}, t_values);
    ob_attr_int(ob_node(b, "Cast", (const char *[]){"x", NULL}, (const char *[]){"xi", NULL}),
                "to", 6);
    ob_attr_int(ob_node(b, "Cast", (const char *[]){"xi", NULL}, (const char *[]){"xl", NULL}),
                "to", 7);
    ob_attr_int(ob_node(b, "Cast", (const char *[]){"xl", NULL}, (const char *[]){"y1", NULL}),
                "to", 1);
    ob_attr_int(ob_node(b, "Cast", (const char *[]){"x", NULL}, (const char *[]){"xb", NULL}),
                "to", 9);
    ob_attr_int(ob_node(b, "Cast", (const char *[]){"xb", NULL}, (const char *[]){"y2", NULL}),
                "to", 1);
    ob_node(b, "Less", (const char *[]){"x", "t", NULL}, (const char *[]){"lt", NULL});
    ob_node(b, "Not", (const char *[]){"lt", NULL}, (const char *[]){"ge", NULL});
    ob_node(b, "Where", (const char *[]){"ge", "x", "t", NULL}, (const char *[]){"y3", NULL});
    ob_node(b, "Max", (const char *[]){"t", "y3", "x", NULL}, (const char *[]){"y4", NULL});
    Onnx__NodeProto *selu = ob_node(b, "Selu", (const char *[]){"x", NULL},
                                    (const char *[]){"y5", NULL});
    ob_attr_float(selu, "alpha", 2.0f);
    ob_attr_float(selu, "gamma", 3.0f);
    ob_node(b, "Pow", (const char *[]){"x", "xi", NULL}, (const char *[]){"y6", NULL});
    for (int i = 0; i < 6; i++) ob_output(b, outputs[i], 2, dims);
}

START_TEST(casts_compare_where_max_selu_pow)
{
    onnx_build b;
    build(&b);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_onnx_model_t model;
    harness_expect_ok(clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model));
    clnn_onnx_value in = {"x", CLNN_FLOAT32, 2, {2, 5}, (void *)x_values}, out[6];
    harness_expect_ok(clnn_onnx_model_run(model, 1, &in, 6, out));
    double want[6][N];
    for (int i = 0; i < N; i++) {
        double x = x_values[i], t = t_values[i % 5], where = x >= t ? x : t;
        want[0][i] = trunc(x);
        want[1][i] = x != 0;
        want[2][i] = where;
        want[3][i] = fmax(fmax(t, where), x);
        want[4][i] = 3.0 * (x > 0 ? x : 2.0 * expm1(x));
        want[5][i] = pow(x, trunc(x));
    }
    /* Exact ops except Selu's expm1 and pow (a few ulp). */
    for (int k = 0; k < 6; k++) {
        ck_assert_int_eq(out[k].dtype, CLNN_FLOAT32);
        harness_expect_close(out[k].data, want[k], N, 1e-6, 1e-7, outputs[k]);
        clnn_onnx_value_release(&out[k]);
    }
    clnn_onnx_model_destroy(model);
}
END_TEST

/* A model of one node `op` on x [2, 5] with an int attribute (name NULL: none). */
static clnn_status load_one(const char *op, const char *attr, int64_t value)
{
    onnx_build b;
    const int64_t dims[2] = {2, 5};
    ob_init(&b, 19);
    ob_input(&b, "x", 2, dims);
    Onnx__NodeProto *n = ob_node(&b, op, (const char *[]){"x", NULL},
                                 (const char *[]){"y", NULL});
    if (attr) ob_attr_int(n, attr, value);
    ob_output(&b, "y", 2, dims);
    size_t size;
    uint8_t *bytes = ob_pack(&b, &size);
    clnn_onnx_model_t model = NULL;
    clnn_status s = clnn_onnx_model_load_memory(harness_ctx(), bytes, size, NULL, &model);
    clnn_onnx_model_destroy(model);
    return s;
}

START_TEST(unsupported_cases_name_node_and_attribute)
{
    /* Cast to double, an unknown attribute, then a model that loads. */
    harness_expect_error(load_one("Cast", "to", 11), CLNN_NOT_SUPPORTED, "'to' = 11");
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "(Cast)"));
    harness_expect_error(load_one("Exp", "bogus", 1), CLNN_NOT_SUPPORTED, "bogus");
    harness_expect_ok(load_one("Cast", "to", 7));
    ck_assert_int_eq(clnn_onnx_op_supported("Where"), 1);
    ck_assert_int_eq(clnn_onnx_op_supported("Erf"), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("onnx-math");
    TCase *tc = harness_tcase(s, "import");
    tcase_add_test(tc, casts_compare_where_max_selu_pow);
    tcase_add_test(tc, unsupported_cases_name_node_and_attribute);
    return harness_main(s);
}
