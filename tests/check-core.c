/* Runtime tests: status and errors, logging, environment, devices, contexts,
 * tensors, and the program caches (memory and disk, CLNN_KERNEL_DIR). */
#include "config.h"
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ shared helpers */

/* Log capture: counts messages and keeps the last one. */
static int log_count;
static char log_last[2048];
static void capture_log(clnn_log_level level, const char *message, void *user)
{
    (void)level;
    (void)user;
    log_count++;
    snprintf(log_last, sizeof log_last, "%s", message);
}

static void capture_logs_start(clnn_log_level level)
{
    log_count = 0;
    log_last[0] = '\0';
    clnn_log_set_handler(capture_log, NULL);
    clnn_log_set_level(level);
}

static void capture_logs_stop(void)
{
    clnn_log_set_handler(NULL, NULL);
    clnn_log_set_level(CLNN_LOG_WARN);
}

/* A fresh directory under TMPDIR; removed (one level deep) by remove_dir. */
static char *make_temp_dir(void)
{
    char *dir = harness_keep(strdup("/tmp/clnn-test-XXXXXX"));
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void remove_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Sets (or unsets with NULL) an environment variable and re-reads the CLNN_* set. */
static void set_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
    clnn_env_reload();
}

/* Creates a context under the current environment, fills a 37-element tensor
 * with `value` through the element-wise program and checks the result. */
static void fill_and_check(clnn_context_t ctx, float value)
{
    clnn_tensor_desc d = HARNESS_DESC(37);
    clnn_tensor_t t;
    harness_expect_ok(clnn_tensor_create(ctx, &d, &t));
    harness_expect_ok(clnn_tensor_fill(t, value));
    float out[37];
    harness_expect_ok(clnn_tensor_download(t, out, sizeof out));
    for (int i = 0; i < 37; i++) ck_assert_float_eq(out[i], value);
    clnn_tensor_destroy(t);
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = harness_alloc((size_t)n + 1);
    ck_assert_uint_eq(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* The one *.bin entry in a cache directory (fails unless exactly one exists). */
static char *single_cache_entry(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls '%s'/*.bin 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char line[512], *found = NULL;
    int count = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        found = harness_keep(strdup(line));
        count++;
    }
    pclose(p);
    ck_assert_msg(count == 1, "expected one cache entry in %s, found %d", dir, count);
    return found;
}

/* ------------------------------------------------------------- status/errors */

START_TEST(status_strings_are_distinct)
{
    const clnn_status all[] = {
        CLNN_SUCCESS, CLNN_INVALID_VALUE, CLNN_NULL_POINTER, CLNN_SHAPE_MISMATCH,
        CLNN_OUT_OF_HOST_MEMORY, CLNN_OUT_OF_DEVICE_MEMORY, CLNN_NOT_SUPPORTED,
        CLNN_DEVICE_NOT_FOUND, CLNN_BUILD_PROGRAM_FAILURE, CLNN_OPENCL_ERROR,
        CLNN_INSUFFICIENT_WORKSPACE, CLNN_IO_ERROR, CLNN_BAD_FORMAT, CLNN_INTERNAL};
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = clnn_status_string(all[i]);
        ck_assert_msg(strncmp(name, "CLNN_", 5) == 0, "bad name %s", name);
        for (size_t j = 0; j < i; j++) ck_assert_str_ne(name, clnn_status_string(all[j]));
    }
    ck_assert_str_eq(clnn_status_string(CLNN_SUCCESS), "CLNN_SUCCESS");
    ck_assert_str_eq(clnn_status_string((clnn_status)12345), "CLNN_UNKNOWN_STATUS");
    ck_assert_str_eq(clnn_version(), PACKAGE_VERSION);
}
END_TEST

static void *fail_in_thread(void *arg)
{
    (void)arg;
    clnn_tensor_desc d;
    clnn_tensor_desc_set(&d, CLNN_FLOAT32, 99, NULL);
    return strstr(clnn_last_error(), "rank 99") ? (void *)1 : NULL;
}

START_TEST(last_error_is_per_thread)
{
    clnn_clear_error();
    ck_assert_str_eq(clnn_last_error(), "");
    harness_expect_status(clnn_tensor_desc_set(NULL, CLNN_FLOAT32, 1, NULL), CLNN_NULL_POINTER);
    char mine[256];
    snprintf(mine, sizeof mine, "%s", clnn_last_error());
    ck_assert_ptr_nonnull(strstr(mine, "desc is NULL"));
    pthread_t t;
    void *other_saw_its_own = NULL;
    ck_assert_int_eq(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &other_saw_its_own), 0);
    ck_assert_ptr_nonnull(other_saw_its_own);
    ck_assert_str_eq(clnn_last_error(), mine);
}
END_TEST

/* ------------------------------------------------------------------- logging */

START_TEST(log_level_from_env_and_api)
{
    set_env("CLNN_LOG", "debug");
    ck_assert_int_eq(clnn_log_get_level(), CLNN_LOG_DEBUG);
    set_env("CLNN_LOG", "1");
    ck_assert_int_eq(clnn_log_get_level(), CLNN_LOG_ERROR);
    set_env("CLNN_LOG", NULL);
    clnn_log_set_level(CLNN_LOG_INFO);
    ck_assert_int_eq(clnn_log_get_level(), CLNN_LOG_INFO);
    clnn_log_set_level((clnn_log_level)42); /* clamped */
    ck_assert_int_eq(clnn_log_get_level(), CLNN_LOG_DEBUG);
    clnn_log_set_level(CLNN_LOG_WARN);
}
END_TEST

START_TEST(log_handler_receives_messages)
{
    capture_logs_start(CLNN_LOG_DEBUG);
    /* Failures are logged at debug level with their detail. */
    harness_expect_status(clnn_context_finish(NULL), CLNN_NULL_POINTER);
    ck_assert_int_ge(log_count, 1);
    ck_assert_ptr_nonnull(strstr(log_last, "context is NULL"));
    clnn_log_set_level(CLNN_LOG_OFF);
    int before = log_count;
    harness_expect_status(clnn_context_finish(NULL), CLNN_NULL_POINTER);
    ck_assert_int_eq(log_count, before);
    capture_logs_stop();
}
END_TEST

/* ------------------------------------------------------------------- devices */

START_TEST(device_list_reports_capabilities)
{
    size_t count = 0;
    harness_expect_ok(clnn_device_list(NULL, 0, &count));
    ck_assert_uint_ge(count, 1);
    clnn_device_info *all = harness_alloc(count * sizeof *all);
    size_t again = 0;
    harness_expect_ok(clnn_device_list(all, count, &again));
    ck_assert_uint_eq(again, count);
    for (size_t i = 0; i < count; i++) {
        ck_assert_str_ne(all[i].device_name, "");
        ck_assert_str_ne(all[i].platform_name, "");
        ck_assert_uint_ge(all[i].compute_units, 1);
        ck_assert_uint_ge(all[i].max_work_group_size, 1);
        ck_assert_uint_gt(all[i].max_alloc_bytes, 0);
        ck_assert_uint_ge(all[i].global_mem_bytes, all[i].max_alloc_bytes);
        ck_assert_int_ge(all[i].opencl_c_major, 1);
    }
    /* A smaller capacity still reports the total. */
    clnn_device_info one;
    harness_expect_ok(clnn_device_list(&one, 1, &again));
    ck_assert_uint_eq(again, count);
    ck_assert_str_eq(one.device_name, all[0].device_name);
    harness_expect_status(clnn_device_list(NULL, 0, NULL), CLNN_NULL_POINTER);
    harness_expect_status(clnn_device_list(NULL, 3, &count), CLNN_NULL_POINTER);
}
END_TEST

START_TEST(device_select_by_index_name_and_default)
{
    clnn_device_info first, chosen;
    size_t count;
    harness_expect_ok(clnn_device_list(&first, 1, &count));
    char reason[512];
    harness_expect_ok(clnn_device_select(NULL, &chosen, reason, sizeof reason));
    ck_assert_str_ne(reason, "");

    char spec[32];
    snprintf(spec, sizeof spec, "%u:%u", first.platform_index, first.device_index);
    harness_expect_ok(clnn_device_select(spec, &chosen, reason, sizeof reason));
    ck_assert_str_eq(chosen.device_name, first.device_name);
    ck_assert_ptr_nonnull(strstr(reason, spec));

    /* A case-swapped substring of the device name selects it too. */
    char sub[8] = {0};
    for (int i = 0; i < 4 && first.device_name[i]; i++) {
        char ch = first.device_name[i];
        sub[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
    }
    harness_expect_ok(clnn_device_select(sub, &chosen, NULL, 0));
}
END_TEST

START_TEST(device_select_unknown_lists_devices)
{
    clnn_device_info first, out;
    size_t count;
    harness_expect_ok(clnn_device_list(&first, 1, &count));
    memset(&out, 0xab, sizeof out);
    clnn_device_info before = out;
    harness_expect_status(clnn_device_select("no-such-device-xyz", &out, NULL, 0),
                          CLNN_DEVICE_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "no-such-device-xyz"));
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), first.device_name));
    ck_assert_mem_eq(&out, &before, sizeof out);
    harness_expect_status(clnn_device_select("99:99", &out, NULL, 0), CLNN_DEVICE_NOT_FOUND);
    harness_expect_status(clnn_device_select("0:0", NULL, NULL, 0), CLNN_NULL_POINTER);

    /* The same through CLNN_DEVICE and clnn_context_create. */
    set_env("CLNN_DEVICE", "no-such-device-xyz");
    clnn_context_t ctx = (clnn_context_t)0x1;
    harness_expect_status(clnn_context_create(&ctx), CLNN_DEVICE_NOT_FOUND);
    ck_assert_ptr_eq(ctx, (clnn_context_t)0x1);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "CLNN_DEVICE"));
    set_env("CLNN_DEVICE", NULL);
}
END_TEST

/* ------------------------------------------------------------------ contexts */

START_TEST(context_create_query_destroy)
{
    clnn_context_t ctx;
    harness_expect_ok(clnn_context_create(&ctx));
    clnn_device_info info;
    harness_expect_ok(clnn_context_device(ctx, &info));
    ck_assert_ptr_nonnull(clnn_context_cl_context(ctx));
    ck_assert_ptr_nonnull(clnn_context_cl_queue(ctx));
    harness_expect_ok(clnn_context_finish(ctx));
    clnn_context_destroy(ctx);
    clnn_context_destroy(NULL);

    /* A destroyed context is detected, not dereferenced. */
    harness_expect_status(clnn_context_finish(ctx), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_context_device(ctx, &info), CLNN_INVALID_VALUE);
    ck_assert_ptr_null(clnn_context_cl_context(ctx));
    clnn_context_destroy(ctx); /* harmless twice */

    harness_expect_status(clnn_context_create(NULL), CLNN_NULL_POINTER);
    harness_expect_status(clnn_context_create_on("0:0", NULL), CLNN_NULL_POINTER);
    harness_expect_status(clnn_context_device(harness_ctx(), NULL), CLNN_NULL_POINTER);
    ck_assert_ptr_null(clnn_context_cl_queue(NULL));
}
END_TEST

START_TEST(context_adopts_caller_objects)
{
    clnn_device_info info;
    harness_expect_ok(clnn_context_device(harness_ctx(), &info));
    cl_int err;
    cl_context cl_ctx = clCreateContext(NULL, 1, &info.device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_command_queue queue = clCreateCommandQueue(cl_ctx, info.device, 0, &err);
    ck_assert_int_eq(err, CL_SUCCESS);

    clnn_context_t ctx;
    harness_expect_ok(clnn_context_adopt(cl_ctx, queue, &ctx));
    ck_assert_ptr_eq(clnn_context_cl_context(ctx), cl_ctx);
    ck_assert_ptr_eq(clnn_context_cl_queue(ctx), queue);
    fill_and_check(ctx, 2.5f);
    clnn_context_destroy(ctx);

    /* The caller's objects are still theirs and still work. */
    ck_assert_int_eq(clFinish(queue), CL_SUCCESS);

    cl_context other = clCreateContext(NULL, 1, &info.device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    harness_expect_status(clnn_context_adopt(other, queue, &ctx), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_context_adopt(NULL, queue, &ctx), CLNN_NULL_POINTER);
    harness_expect_status(clnn_context_adopt(cl_ctx, NULL, &ctx), CLNN_NULL_POINTER);
    harness_expect_status(clnn_context_adopt(cl_ctx, queue, NULL), CLNN_NULL_POINTER);
    clReleaseContext(other);
    clReleaseCommandQueue(queue);
    clReleaseContext(cl_ctx);
}
END_TEST

/* ------------------------------------------------------------------- tensors */

START_TEST(tensor_desc_validation)
{
    clnn_tensor_desc d, before;
    int64_t dims[9] = {2, 3, 4, 1, 1, 1, 1, 1, 1};
    harness_expect_ok(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 3, dims));
    int64_t n;
    size_t bytes;
    harness_expect_ok(clnn_tensor_desc_count(&d, &n));
    ck_assert_int_eq(n, 24);
    harness_expect_ok(clnn_tensor_desc_bytes(&d, &bytes));
    ck_assert_uint_eq(bytes, 96);
    harness_expect_ok(clnn_tensor_desc_set(&d, CLNN_INT64, 0, NULL)); /* scalar */
    harness_expect_ok(clnn_tensor_desc_count(&d, &n));
    ck_assert_int_eq(n, 1);
    harness_expect_ok(clnn_tensor_desc_bytes(&d, &bytes));
    ck_assert_uint_eq(bytes, 8);
    ck_assert_uint_eq(clnn_dtype_size(CLNN_INT32), 4);
    ck_assert_uint_eq(clnn_dtype_size((clnn_dtype)77), 0);

    before = d;
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 9, dims), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, -1, dims), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_desc_set(&d, (clnn_dtype)77, 1, dims), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 2, NULL), CLNN_NULL_POINTER);
    harness_expect_status(clnn_tensor_desc_set(NULL, CLNN_FLOAT32, 1, dims), CLNN_NULL_POINTER);
    int64_t zero[] = {4, 0}, negative[] = {-3}, huge[] = {INT64_MAX, 2},
            overflow[] = {(int64_t)1 << 40, (int64_t)1 << 40};
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 2, zero), CLNN_INVALID_VALUE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "dims[1]"));
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 1, negative), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 2, huge), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_desc_set(&d, CLNN_FLOAT32, 2, overflow), CLNN_INVALID_VALUE);
    ck_assert_mem_eq(&d, &before, sizeof d);

    /* Hand-filled descriptors are validated where they are used. */
    clnn_tensor_desc bad = {CLNN_FLOAT32, 12, {1, 1, 1, 1, 1, 1, 1, 1}};
    harness_expect_status(clnn_tensor_desc_count(&bad, &n), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_desc_count(NULL, &n), CLNN_NULL_POINTER);
    harness_expect_status(clnn_tensor_desc_bytes(&before, NULL), CLNN_NULL_POINTER);
}
END_TEST

START_TEST(tensor_lifecycle_and_transfers)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tensor_desc d = HARNESS_DESC(3, 5, 7);
    clnn_tensor_t a, b;
    harness_expect_ok(clnn_tensor_create(ctx, &d, &a));
    harness_expect_ok(clnn_tensor_create(ctx, &d, &b));
    ck_assert_int_eq(clnn_tensor_get_desc(a)->dims[2], 7);
    ck_assert_ptr_nonnull(clnn_tensor_get_buffer(a));
    float in[105], out[105];
    harness_random(in, 105, 1, -1, 1);
    harness_expect_ok(clnn_tensor_upload(a, in, sizeof in));
    harness_expect_ok(clnn_tensor_copy(b, a));
    harness_expect_ok(clnn_tensor_download(b, out, sizeof out));
    ck_assert_mem_eq(in, out, sizeof in);

    harness_expect_status(clnn_tensor_upload(a, in, sizeof in - 4), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_tensor_download(a, NULL, sizeof out), CLNN_NULL_POINTER);
    harness_expect_status(clnn_tensor_upload(NULL, in, sizeof in), CLNN_NULL_POINTER);

    clnn_tensor_desc small = HARNESS_DESC(3, 5);
    clnn_tensor_t c;
    harness_expect_ok(clnn_tensor_create(ctx, &small, &c));
    harness_expect_status(clnn_tensor_copy(c, a), CLNN_SHAPE_MISMATCH);
    clnn_tensor_destroy(c);
    /* Destroyed tensors are detected. */
    harness_expect_status(clnn_tensor_fill(c, 1), CLNN_INVALID_VALUE);
    ck_assert_ptr_null(clnn_tensor_get_buffer(c));
    ck_assert_ptr_null(clnn_tensor_get_desc(NULL));
    clnn_tensor_destroy(c);
    clnn_tensor_destroy(NULL);

    clnn_tensor_t untouched = (clnn_tensor_t)0x1;
    harness_expect_status(clnn_tensor_create(NULL, &d, &untouched), CLNN_NULL_POINTER);
    harness_expect_status(clnn_tensor_create(ctx, NULL, &untouched), CLNN_NULL_POINTER);
    harness_expect_status(clnn_tensor_create(ctx, &d, NULL), CLNN_NULL_POINTER);
    ck_assert_ptr_eq(untouched, (clnn_tensor_t)0x1);
    clnn_tensor_destroy(a);
    clnn_tensor_destroy(b);
}
END_TEST

START_TEST(tensor_larger_than_device_fails_before_allocating)
{
    clnn_device_info info;
    harness_expect_ok(clnn_context_device(harness_ctx(), &info));
    int64_t elements = (int64_t)(info.max_alloc_bytes / 4) + 1;
    clnn_tensor_desc d = HARNESS_DESC(elements);
    clnn_tensor_t t = NULL;
    harness_expect_status(clnn_tensor_create(harness_ctx(), &d, &t), CLNN_OUT_OF_DEVICE_MEMORY);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "CL_DEVICE_MAX_MEM_ALLOC_SIZE"));
}
END_TEST

START_TEST(buffer_transfers_check_ranges)
{
    clnn_context_t ctx = harness_ctx();
    cl_mem buf = harness_buffer(64);
    char data[64] = {1, 2, 3};
    harness_expect_ok(clnn_buffer_write(ctx, buf, 0, data, 64));
    harness_expect_ok(clnn_buffer_write(ctx, buf, 60, data, 4));
    harness_expect_ok(clnn_buffer_write(ctx, buf, 10, data, 0));
    harness_expect_status(clnn_buffer_write(ctx, buf, 61, data, 4), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_buffer_read(ctx, buf, SIZE_MAX, data, 2), CLNN_INVALID_VALUE);
    harness_expect_status(clnn_buffer_read(ctx, NULL, 0, data, 2), CLNN_NULL_POINTER);
    harness_expect_status(clnn_buffer_read(NULL, buf, 0, data, 2), CLNN_NULL_POINTER);
    harness_expect_status(clnn_buffer_read(ctx, buf, 0, NULL, 2), CLNN_NULL_POINTER);
}
END_TEST

/* ------------------------------------------------------------ program caches */

START_TEST(disk_cache_stores_and_reuses_binaries)
{
    char *dir = make_temp_dir();
    set_env("CLNN_CACHE_DIR", dir);
    clnn_context_t ctx;
    harness_expect_ok(clnn_context_create(&ctx));
    fill_and_check(ctx, 1.0f);
    clnn_context_destroy(ctx);
    char *entry = single_cache_entry(dir);
    size_t size;
    char *data = read_file(entry, &size);
    ck_assert_uint_gt(size, 32);
    ck_assert_mem_eq(data, "CLNNBIN1", 8);

    /* A second context loads the binary instead of compiling. */
    capture_logs_start(CLNN_LOG_DEBUG);
    harness_expect_ok(clnn_context_create(&ctx));
    fill_and_check(ctx, 3.0f);
    clnn_context_destroy(ctx);
    ck_assert_msg(strstr(log_last, "loaded from the disk cache") || log_count > 0, "no log");
    capture_logs_stop();
    set_env("CLNN_CACHE_DIR", NULL);
    remove_dir(dir);
}
END_TEST

/* Damages the cache entry with `damage`, then checks that a new context notices,
 * rebuilds correct kernels and rewrites a valid entry. */
static void check_damaged_entry_is_rebuilt(void (*damage)(const char *path, char *data,
                                                           size_t size))
{
    char *dir = make_temp_dir();
    set_env("CLNN_CACHE_DIR", dir);
    clnn_context_t ctx;
    harness_expect_ok(clnn_context_create(&ctx));
    fill_and_check(ctx, 1.0f);
    clnn_context_destroy(ctx);
    char *entry = single_cache_entry(dir);
    size_t size;
    char *good = read_file(entry, &size);
    damage(entry, good, size);

    capture_logs_start(CLNN_LOG_WARN);
    harness_expect_ok(clnn_context_create(&ctx));
    fill_and_check(ctx, -4.0f);
    clnn_context_destroy(ctx);
    ck_assert_msg(strstr(log_last, "ignored") || strstr(log_last, "rejected"),
                  "damage not reported; last log: %s", log_last);
    capture_logs_stop();

    size_t new_size;
    char *rewritten = read_file(single_cache_entry(dir), &new_size);
    ck_assert_uint_eq(new_size, size);
    ck_assert_mem_eq(rewritten, good, 8);
    set_env("CLNN_CACHE_DIR", NULL);
    remove_dir(dir);
}

static void fill_with_garbage(const char *path, char *data, size_t size)
{
    char *garbage = harness_alloc(size);
    for (size_t i = 0; i < size; i++) garbage[i] = (char)(i * 7 + 3);
    (void)data;
    write_file(path, garbage, size);
}

static void truncate_to_half(const char *path, char *data, size_t size)
{
    write_file(path, data, size / 2);
}

static void flip_one_binary_byte(const char *path, char *data, size_t size)
{
    char *copy = harness_alloc(size);
    memcpy(copy, data, size);
    copy[size - 10] ^= 0x5a;
    write_file(path, copy, size);
}

static void change_stored_identity(const char *path, char *data, size_t size)
{
    /* The identity text follows the 28-byte header; alter its first letter. */
    char *copy = harness_alloc(size);
    memcpy(copy, data, size);
    copy[28] = copy[28] == 'x' ? 'y' : 'x';
    write_file(path, copy, size);
}

START_TEST(disk_cache_rejects_garbage) { check_damaged_entry_is_rebuilt(fill_with_garbage); }
END_TEST
START_TEST(disk_cache_rejects_truncated) { check_damaged_entry_is_rebuilt(truncate_to_half); }
END_TEST
START_TEST(disk_cache_rejects_corrupt) { check_damaged_entry_is_rebuilt(flip_one_binary_byte); }
END_TEST
START_TEST(disk_cache_rejects_foreign) { check_damaged_entry_is_rebuilt(change_stored_identity); }
END_TEST

START_TEST(unwritable_cache_dir_only_disables_cache)
{
    char *dir = make_temp_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/a-file", dir);
    write_file(path, "x", 1);
    snprintf(path, sizeof path, "%s/a-file/cache", dir); /* below a regular file */
    set_env("CLNN_CACHE_DIR", path);
    capture_logs_start(CLNN_LOG_WARN);
    clnn_context_t ctx;
    harness_expect_ok(clnn_context_create(&ctx));
    ck_assert_ptr_nonnull(strstr(log_last, "not writable"));
    capture_logs_stop();
    fill_and_check(ctx, 5.0f);
    clnn_context_destroy(ctx);

    set_env("CLNN_CACHE_DIR", "off");
    harness_expect_ok(clnn_context_create(&ctx));
    fill_and_check(ctx, 6.0f);
    clnn_context_destroy(ctx);
    set_env("CLNN_CACHE_DIR", NULL);
    remove_dir(dir);
}
END_TEST

/* Runs clnn_fill on a fresh context whose kernels come from `kernel_dir`. */
static clnn_status fill_with_kernel_dir(const char *kernel_dir)
{
    set_env("CLNN_KERNEL_DIR", kernel_dir);
    set_env("CLNN_CACHE_DIR", "off");
    clnn_context_t ctx;
    harness_expect_ok(clnn_context_create(&ctx));
    clnn_tensor_desc d = HARNESS_DESC(16);
    clnn_tensor_t t;
    harness_expect_ok(clnn_tensor_create(ctx, &d, &t));
    clnn_status st = clnn_fill(ctx, &d, clnn_tensor_get_buffer(t), 0, 1.0f);
    clnn_tensor_destroy(t);
    clnn_context_destroy(ctx);
    set_env("CLNN_KERNEL_DIR", NULL);
    set_env("CLNN_CACHE_DIR", NULL);
    return st;
}

START_TEST(kernel_dir_loads_sources_from_disk)
{
    const char *srcdir = getenv("top_srcdir");
    char cl_dir[1024];
    snprintf(cl_dir, sizeof cl_dir, "%s/cl", srcdir ? srcdir : ".");
    harness_expect_ok(fill_with_kernel_dir(cl_dir));

    /* A source that does not compile reports the compiler's log. */
    char *dir = make_temp_dir();
    char path[512], common[1200];
    snprintf(common, sizeof common, "%s/common.clh", cl_dir);
    size_t size;
    char *text = read_file(common, &size);
    snprintf(path, sizeof path, "%s/common.clh", dir);
    write_file(path, text, size);
    static const char broken[] = "kernel void fill_f32(global float *y) { y[0] = oops; }\n";
    snprintf(path, sizeof path, "%s/elementwise.cl", dir);
    write_file(path, broken, sizeof broken - 1);
    harness_expect_status(fill_with_kernel_dir(dir), CLNN_BUILD_PROGRAM_FAILURE);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "build log"));
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "oops"));

    /* A missing source is an I/O error naming the file. */
    ck_assert_int_eq(unlink(path), 0);
    harness_expect_status(fill_with_kernel_dir(dir), CLNN_IO_ERROR);
    ck_assert_ptr_nonnull(strstr(clnn_last_error(), "elementwise.cl"));
    remove_dir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = harness_tcase(s, "status");
    tcase_add_test(tc, status_strings_are_distinct);
    tcase_add_test(tc, last_error_is_per_thread);
    tc = harness_tcase(s, "log");
    tcase_add_test(tc, log_level_from_env_and_api);
    tcase_add_test(tc, log_handler_receives_messages);
    tc = harness_tcase(s, "device");
    tcase_add_test(tc, device_list_reports_capabilities);
    tcase_add_test(tc, device_select_by_index_name_and_default);
    tcase_add_test(tc, device_select_unknown_lists_devices);
    tc = harness_tcase(s, "context");
    tcase_add_test(tc, context_create_query_destroy);
    tcase_add_test(tc, context_adopts_caller_objects);
    tc = harness_tcase(s, "tensor");
    tcase_add_test(tc, tensor_desc_validation);
    tcase_add_test(tc, tensor_lifecycle_and_transfers);
    tcase_add_test(tc, tensor_larger_than_device_fails_before_allocating);
    tcase_add_test(tc, buffer_transfers_check_ranges);
    tc = harness_tcase(s, "program-cache");
    tcase_add_test(tc, disk_cache_stores_and_reuses_binaries);
    tcase_add_test(tc, disk_cache_rejects_garbage);
    tcase_add_test(tc, disk_cache_rejects_truncated);
    tcase_add_test(tc, disk_cache_rejects_corrupt);
    tcase_add_test(tc, disk_cache_rejects_foreign);
    tcase_add_test(tc, unwritable_cache_dir_only_disables_cache);
    tcase_add_test(tc, kernel_dir_loads_sources_from_disk);
    return harness_main(s);
}
