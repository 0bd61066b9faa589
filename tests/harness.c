/* Shared test harness (see harness.h). */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static clnn_context_t ctx;

#define MAX_TRACKED 4096
static cl_mem buffers[MAX_TRACKED];
static size_t buffer_count;
static void *host_blocks[MAX_TRACKED];
static size_t host_count;

clnn_context_t harness_ctx(void) { return ctx; }

static void release_tracked(void)
{
    for (size_t i = 0; i < buffer_count; i++) clReleaseMemObject(buffers[i]);
    buffer_count = 0;
    for (size_t i = 0; i < host_count; i++) free(host_blocks[i]);
    host_count = 0;
}

void *harness_keep(void *ptr)
{
    ck_assert_msg(host_count < MAX_TRACKED, "harness: too many host blocks");
    host_blocks[host_count++] = ptr;
    return ptr;
}

void *harness_alloc(size_t bytes)
{
    void *p = calloc(1, bytes ? bytes : 1);
    ck_assert_msg(p != NULL, "harness: out of host memory (%zu bytes)", bytes);
    return harness_keep(p);
}

cl_mem harness_buffer(size_t bytes)
{
    cl_int err;
    cl_mem b = clCreateBuffer(clnn_context_cl_context(ctx), CL_MEM_READ_WRITE, bytes, NULL, &err);
    ck_assert_msg(b != NULL, "clCreateBuffer(%zu) failed: %d", bytes, err);
    ck_assert_msg(buffer_count < MAX_TRACKED, "harness: too many buffers");
    buffers[buffer_count++] = b;
    return b;
}

cl_mem harness_upload(const void *host, size_t bytes)
{
    cl_mem b = harness_buffer(bytes);
    harness_expect_ok(clnn_buffer_write(ctx, b, 0, host, bytes));
    return b;
}

void harness_download(cl_mem buffer, size_t offset, void *host, size_t bytes)
{
    harness_expect_ok(clnn_buffer_read(ctx, buffer, offset, host, bytes));
}

void harness_random(float *x, size_t n, uint32_t seed, float lo, float hi)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        x[i] = lo + (hi - lo) * (float)((s >> 8) * (1.0 / 16777216.0));
    }
}

void harness_expect_close(const float *got, const double *want, size_t n, double rtol,
                          double atol, const char *what)
{
    size_t worst = 0, first_bad = n;
    double worst_excess = -1;
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        if (isnan(w) || isnan(g)) {
            if (!(isnan(w) && isnan(g)) && first_bad == n) first_bad = i;
            continue;
        }
        double err = fabs(g - w), limit = atol + rtol * fabs(w);
        if (err > limit && first_bad == n) first_bad = i;
        if (err - limit > worst_excess) {
            worst_excess = err - limit;
            worst = i;
        }
    }
    ck_assert_msg(first_bad == n,
                  "%s: element %zu of %zu is %.9g, expected %.9g (rtol %g, atol %g); worst "
                  "at %zu: %.9g vs %.9g",
                  what, first_bad, n, first_bad < n ? got[first_bad] : 0.0,
                  first_bad < n ? want[first_bad] : 0.0, rtol, atol, worst, got[worst],
                  want[worst]);
}

void harness_expect_error_at(clnn_status got, clnn_status want, const char *needle,
                             const char *what)
{
    ck_assert_msg(got == want, "%s returned %s, expected %s (last error: %s)", what,
                  clnn_status_string(got), clnn_status_string(want), clnn_last_error());
    ck_assert_msg(strstr(clnn_last_error(), needle) != NULL,
                  "%s: last error \"%s\" does not mention \"%s\"", what, clnn_last_error(),
                  needle);
}

clnn_tensor_desc harness_desc(int rank, const int64_t *dims)
{
    clnn_tensor_desc d;
    clnn_status st = clnn_tensor_desc_set(&d, CLNN_FLOAT32, rank, dims);
    ck_assert_msg(st == CLNN_SUCCESS, "harness_desc: %s", clnn_last_error());
    return d;
}

TCase *harness_tcase(Suite *suite, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, NULL, release_tracked);
    tcase_set_timeout(tc, 600);
    suite_add_tcase(suite, tc);
    return tc;
}

static int device_required(void)
{
    const char *v = getenv("CLNN_REQUIRE_DEVICE");
    return v && strcmp(v, "1") == 0;
}

int harness_main(Suite *suite)
{
    clnn_status st = clnn_context_create(&ctx);
    if (st == CLNN_DEVICE_NOT_FOUND) {
        size_t count = 0;
        int no_device_at_all = clnn_device_list(NULL, 0, &count) != CLNN_SUCCESS || count == 0;
        if (no_device_at_all && !device_required()) {
            fprintf(stderr, "SKIP: no OpenCL device (%s)\n", clnn_last_error());
            return HARNESS_SKIP;
        }
    }
    if (st != CLNN_SUCCESS) {
        fprintf(stderr, "FAIL: cannot create a context: %s: %s\n", clnn_status_string(st),
                clnn_last_error());
        return 1;
    }
    clnn_device_info info;
    if (clnn_context_device(ctx, &info) == CLNN_SUCCESS)
        fprintf(stderr, "device: %s / %s\n", info.platform_name, info.device_name);
    SRunner *runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    release_tracked();
    clnn_context_destroy(ctx);
    return failed == 0 ? 0 : 1;
}
