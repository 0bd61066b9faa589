/* CLNN_PROFILE: per-kernel counts and times from a profiling context, nothing
 * recorded without it, and bad input to the profile API. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define N 93 /* not a multiple of the vector width or local size */

/* A context created while CLNN_PROFILE has `value` (NULL: unset); the process
 * environment is restored to "unset" afterwards. */
static clnn_context_t context_with_profile(const char *value)
{
    if (value)
        setenv("CLNN_PROFILE", value, 1);
    else
        unsetenv("CLNN_PROFILE");
    clnn_env_reload();
    clnn_context_t ctx = NULL;
    clnn_status st = clnn_context_create(&ctx);
    unsetenv("CLNN_PROFILE");
    clnn_env_reload();
    harness_expect_ok(st);
    return ctx;
}

static clnn_tensor_t tensor(clnn_context_t ctx, const clnn_tensor_desc *d)
{
    clnn_tensor_t t = NULL;
    harness_expect_ok(clnn_tensor_create(ctx, d, &t));
    harness_expect_ok(clnn_tensor_fill(t, 0.5f));
    return t;
}

/* `relus` ReLU forwards on N floats and `gemms` 8x8x8 GEMMs, then a finish. The
 * GEMMs transpose both operands, which always runs CLBlast (small GEMMs on CPUs
 * otherwise run clnn's own kernel), so the CLBlast span shows. */
static void run_ops(clnn_context_t ctx, int relus, int gemms)
{
    clnn_tensor_desc v = HARNESS_DESC(N), m = HARNESS_DESC(3, 8, 8);
    clnn_tensor_t x = tensor(ctx, &v), y = tensor(ctx, &v), g = tensor(ctx, &m);
    clnn_activation_desc relu = clnn_activation_default(CLNN_ACTIVATION_RELU);
    cl_mem gb = clnn_tensor_get_buffer(g);
    for (int i = 0; i < relus; i++)
        harness_expect_ok(clnn_activation_forward(ctx, &relu, &v, clnn_tensor_get_buffer(x), 0,
                                                  &v, clnn_tensor_get_buffer(y), 0));
    for (int i = 0; i < gemms; i++)
        harness_expect_ok(clnn_gemm(ctx, CLNN_TRANS, CLNN_TRANS, 8, 8, 8, 1.0f, gb, 0, 8,
                                    gb, 256, 8, 0.0f, gb, 512, 8));
    harness_expect_ok(clnn_context_finish(ctx));
    clnn_tensor_destroy(x);
    clnn_tensor_destroy(y);
    clnn_tensor_destroy(g);
}

/* The entry named `name`; fails the test when there is none. */
static clnn_profile_entry find_entry(clnn_context_t ctx, const char *name)
{
    size_t count = 0;
    harness_expect_ok(clnn_profile_kernel_count(ctx, &count));
    for (size_t i = 0; i < count; i++) {
        clnn_profile_entry e;
        harness_expect_ok(clnn_profile_kernel(ctx, i, &e));
        if (strcmp(e.name, name) == 0) return e;
    }
    ck_abort_msg("no profile entry named '%s' among %zu", name, count);
    return (clnn_profile_entry){NULL, 0, 0};
}

/* The report as text (caller frees). */
static char *report_text(clnn_context_t ctx)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    harness_expect_ok(clnn_profile_report(ctx, f));
    long size = ftell(f);
    char *text = harness_alloc((size_t)size + 1);
    rewind(f);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

START_TEST(counts_calls_and_times_per_kernel)
{
    clnn_context_t ctx = context_with_profile("1");
    int enabled = 0;
    harness_expect_ok(clnn_profile_enabled(ctx, &enabled));
    ck_assert_int_eq(enabled, 1);
    /* 300 launches: more than the pending list holds, so batches are read early. */
    run_ops(ctx, 300, 2);
    clnn_profile_entry relu = find_entry(ctx, "activation_forward");
    clnn_profile_entry gemm = find_entry(ctx, "CLBlast sgemm");
    ck_assert_uint_eq(relu.calls, 300);
    ck_assert_uint_eq(gemm.calls, 2);
    ck_assert_uint_gt(relu.total_ns, 0);
    ck_assert_uint_gt(gemm.total_ns, 0);

    size_t count = 0;
    uint64_t total = 0, sum = 0, previous = UINT64_MAX;
    harness_expect_ok(clnn_profile_kernel_count(ctx, &count));
    for (size_t i = 0; i < count; i++) {
        clnn_profile_entry e;
        harness_expect_ok(clnn_profile_kernel(ctx, i, &e));
        ck_assert_uint_le(e.total_ns, previous); /* sorted by total, largest first */
        previous = e.total_ns;
        sum += e.total_ns;
    }
    harness_expect_ok(clnn_profile_total_ns(ctx, &total));
    ck_assert_uint_eq(total, sum);

    char *text = report_text(ctx);
    ck_assert_ptr_nonnull(strstr(text, "activation_forward"));
    ck_assert_ptr_nonnull(strstr(text, "CLBlast sgemm"));
    ck_assert_ptr_nonnull(strstr(text, "300"));

    harness_expect_ok(clnn_profile_reset(ctx));
    harness_expect_ok(clnn_profile_kernel_count(ctx, &count));
    ck_assert_uint_eq(count, 0);
    run_ops(ctx, 3, 0); /* counting starts again from zero */
    ck_assert_uint_eq(find_entry(ctx, "activation_forward").calls, 3);
    harness_expect_ok(clnn_profile_reset(ctx)); /* keep the destroy-time table short */
    clnn_context_destroy(ctx);
}
END_TEST

START_TEST(records_nothing_when_off)
{
    clnn_context_t ctx = context_with_profile("0");
    int enabled = 1;
    harness_expect_ok(clnn_profile_enabled(ctx, &enabled));
    ck_assert_int_eq(enabled, 0);
    run_ops(ctx, 5, 1);
    size_t count = 1;
    uint64_t total = 1;
    harness_expect_ok(clnn_profile_kernel_count(ctx, &count));
    harness_expect_ok(clnn_profile_total_ns(ctx, &total));
    ck_assert_uint_eq(count, 0);
    ck_assert_uint_eq(total, 0);
    ck_assert_ptr_nonnull(strstr(report_text(ctx), "off"));
    harness_expect_ok(clnn_profile_reset(ctx));
    clnn_context_destroy(ctx);
}
END_TEST

/* Counts warnings that name the missing queue property. */
static void count_profiling_warnings(clnn_log_level level, const char *message, void *user)
{
    if (level == CLNN_LOG_WARN && strstr(message, "CL_QUEUE_PROFILING_ENABLE")) ++*(int *)user;
}

/* An adopted queue made without CL_QUEUE_PROFILING_ENABLE cannot be profiled: one
 * warning, nothing recorded. */
START_TEST(adopted_queue_without_profiling_records_nothing)
{
    clnn_device_info info;
    harness_expect_ok(clnn_context_device(harness_ctx(), &info));
    cl_context cl_ctx = clnn_context_cl_context(harness_ctx());
    cl_int err;
    cl_command_queue queue = clCreateCommandQueue(cl_ctx, info.device, 0, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    setenv("CLNN_PROFILE", "1", 1);
    clnn_env_reload();
    clnn_context_t ctx = NULL;
    int warnings = 0;
    clnn_log_level level = clnn_log_get_level();
    clnn_log_set_level(CLNN_LOG_WARN);
    clnn_log_set_handler(count_profiling_warnings, &warnings);
    clnn_status st = clnn_context_adopt(cl_ctx, queue, &ctx);
    clnn_log_set_handler(NULL, NULL);
    clnn_log_set_level(level);
    unsetenv("CLNN_PROFILE");
    clnn_env_reload();
    harness_expect_ok(st);
    ck_assert_int_eq(warnings, 1);
    int enabled = 1;
    harness_expect_ok(clnn_profile_enabled(ctx, &enabled));
    ck_assert_int_eq(enabled, 0);
    run_ops(ctx, 2, 0);
    size_t count = 1;
    harness_expect_ok(clnn_profile_kernel_count(ctx, &count));
    ck_assert_uint_eq(count, 0);
    clnn_context_destroy(ctx);
    clReleaseCommandQueue(queue);
}
END_TEST

START_TEST(bad_input_is_rejected)
{
    clnn_context_t ctx = harness_ctx();
    int enabled = 7;
    size_t count = 7;
    uint64_t total = 7;
    clnn_profile_entry e = {"untouched", 7, 7};
    harness_expect_error(clnn_profile_enabled(NULL, &enabled), CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_profile_enabled(ctx, NULL), CLNN_NULL_POINTER, "enabled");
    harness_expect_error(clnn_profile_kernel_count(NULL, &count), CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_profile_kernel_count(ctx, NULL), CLNN_NULL_POINTER, "count");
    harness_expect_error(clnn_profile_kernel(NULL, 0, &e), CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_profile_kernel(ctx, 0, NULL), CLNN_NULL_POINTER, "entry");
    harness_expect_error(clnn_profile_kernel(ctx, 0, &e), CLNN_INVALID_VALUE, "index");
    harness_expect_error(clnn_profile_total_ns(NULL, &total), CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_profile_total_ns(ctx, NULL), CLNN_NULL_POINTER, "total_ns");
    harness_expect_error(clnn_profile_report(NULL, stderr), CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_profile_report(ctx, NULL), CLNN_NULL_POINTER, "out");
    harness_expect_error(clnn_profile_reset(NULL), CLNN_NULL_POINTER, "context");
    ck_assert_int_eq(enabled, 7);
    ck_assert_uint_eq(count, 7);
    ck_assert_uint_eq(total, 7);
    ck_assert_str_eq(e.name, "untouched");
    ck_assert_uint_eq(e.calls, 7);
}
END_TEST

int main(void)
{
    /* The binary's own context must not profile, whatever the caller's environment. */
    unsetenv("CLNN_PROFILE");
    clnn_env_reload();
    Suite *s = suite_create("profile");
    TCase *tc = harness_tcase(s, "profile");
    tcase_add_test(tc, counts_calls_and_times_per_kernel);
    tcase_add_test(tc, records_nothing_when_off);
    tcase_add_test(tc, adopted_queue_without_profiling_records_nothing);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_input_is_rejected);
    return harness_main(s);
}
