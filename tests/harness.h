/* Shared test harness: one context per test binary, buffers, random data,
 * comparisons against the CPU references in tests/ref/. */
#ifndef CLNN_TEST_HARNESS_H
#define CLNN_TEST_HARNESS_H

#include <check.h>
#include <clnn.h>
#include <stdint.h>

/* Exit status that tells the automake test driver "skipped". */
#define HARNESS_SKIP 77

/* Runs `suite` without forking (OpenCL runtimes do not survive fork) on a context
 * created for the default device. Without any OpenCL device the binary skips,
 * unless CLNN_REQUIRE_DEVICE=1, which turns that into a failure. Returns the exit
 * status for main(). */
int harness_main(Suite *suite);

/* The binary's context (valid inside tests). */
clnn_context_t harness_ctx(void);

/* A device buffer of `bytes` bytes, released after the current test. */
cl_mem harness_buffer(size_t bytes);
/* A buffer holding a copy of host data. */
cl_mem harness_upload(const void *host, size_t bytes);
/* Reads `bytes` bytes at `offset` of a buffer into host memory (waits). */
void harness_download(cl_mem buffer, size_t offset, void *host, size_t bytes);
/* Frees host memory after the current test (returns `ptr`). */
void *harness_keep(void *ptr);
/* calloc that fails the test on exhaustion; freed after the current test. */
void *harness_alloc(size_t bytes);

/* Reproducible uniform floats in [lo, hi). */
void harness_random(float *x, size_t n, uint32_t seed, float lo, float hi);

/* Asserts |got - want| <= atol + rtol * |want| element-wise; reports the first
 * failure with its index and the worst error. NaNs must match NaNs. */
void harness_expect_close(const float *got, const double *want, size_t n, double rtol,
                          double atol, const char *what);

/* Asserts a status, printing clnn_last_error() when it differs. */
#define harness_expect_status(expr, want)                                               \
    do {                                                                                \
        clnn_status got_ = (expr);                                                      \
        ck_assert_msg(got_ == (want), "%s returned %s, expected %s (last error: %s)",   \
                      #expr, clnn_status_string(got_), clnn_status_string(want),       \
                      clnn_last_error());                                               \
    } while (0)
#define harness_expect_ok(expr) harness_expect_status(expr, CLNN_SUCCESS)

/* Asserts a failure status and that clnn_last_error() mentions `needle` (the
 * argument or shape the message must name). */
void harness_expect_error_at(clnn_status got, clnn_status want, const char *needle,
                             const char *what);
#define harness_expect_error(expr, want, needle)                                        \
    harness_expect_error_at((expr), (want), (needle), #expr)

/* A descriptor of float32 with the given dims (rank = count of dims). */
clnn_tensor_desc harness_desc(int rank, const int64_t *dims);
#define HARNESS_DESC(...)                                                               \
    harness_desc((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),             \
                 (int64_t[]){__VA_ARGS__})

/* Adds a test case to `suite` with per-test cleanup of harness buffers. */
TCase *harness_tcase(Suite *suite, const char *name);

#endif
