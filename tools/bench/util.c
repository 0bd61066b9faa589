/* clnn-bench: error text, data, timing, process and JSON helpers shared by the
 * suites. */
#define _XOPEN_SOURCE 700

#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The first failure, kept as text: clnn_last_error() does not outlive the next
 * clnn call, and the reference child sends it through a pipe. */
char bench_error_text[BENCH_ERROR_MAX];

clnn_status bench_noted(clnn_status st, const char *what)
{
    if (st != CLNN_SUCCESS && !bench_error_text[0]) {
        const char *detail = clnn_last_error();
        snprintf(bench_error_text, sizeof bench_error_text, "%s: %s%s%s", what, clnn_status_string(st),
                 *detail ? ": " : "", detail);
    }
    return st;
}

clnn_status bench_out_of_memory(void)
{
    if (!bench_error_text[0]) snprintf(bench_error_text, sizeof bench_error_text, "out of host memory");
    return CLNN_OUT_OF_HOST_MEMORY;
}

int bench_report_failure(void)
{
    fprintf(stderr, "%s: %s\n", bench_prog, bench_error_text[0] ? bench_error_text : "failed");
    return 1;
}

/* Deterministic values in [-1, 1) (xorshift32); same data in every process. */
void bench_fill_random(float *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        x[i] = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
    }
}

/* A float32 tensor of `rank` dims, uploaded from `host` when not NULL. */
clnn_status bench_tensor(clnn_context_t ctx, int rank, const int64_t *dims, const float *host,
                         clnn_tensor_t *out)
{
    clnn_tensor_desc desc;
    clnn_status st = bench_noted(clnn_tensor_desc_set(&desc, CLNN_FLOAT32, rank, dims),
                                 "clnn_tensor_desc_set");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_tensor_create(ctx, &desc, out), "clnn_tensor_create");
    if (st == CLNN_SUCCESS && host) {
        size_t bytes = 0;
        clnn_tensor_desc_bytes(&desc, &bytes);
        st = bench_noted(clnn_tensor_upload(*out, host, bytes), "clnn_tensor_upload");
        if (st != CLNN_SUCCESS) {
            clnn_tensor_destroy(*out);
            *out = NULL;
        }
    }
    return st;
}

void bench_tensors_destroy(clnn_tensor_t *tensors, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        clnn_tensor_destroy(tensors[i]);
        tensors[i] = NULL;
    }
}

clnn_status bench_random_tensor(clnn_context_t ctx, int rank, const int64_t *dims, float scale,
                                uint32_t seed, clnn_tensor_t *out)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    float *host = malloc(n * sizeof *host);
    if (!host) return bench_out_of_memory();
    bench_fill_random(host, n, seed);
    for (size_t i = 0; i < n; i++) host[i] *= scale;
    clnn_status st = bench_tensor(ctx, rank, dims, host, out);
    free(host);
    return st;
}

static clnn_status run_and_finish(clnn_context_t ctx, bench_run_fn run, void *arg)
{
    clnn_status st = run(ctx, arg);
    return st == CLNN_SUCCESS ? bench_noted(clnn_context_finish(ctx), "clnn_context_finish")
                              : st;
}

clnn_status bench_time(clnn_context_t ctx, bench_run_fn run, void *arg, int repeat,
                       double *seconds)
{
    double *times = malloc((size_t)repeat * sizeof *times);
    if (!times) return bench_out_of_memory();
    clnn_status st = run_and_finish(ctx, run, arg);
    for (int i = 0; i < repeat && st == CLNN_SUCCESS; i++) {
        double t0 = peak_now();
        st = run_and_finish(ctx, run, arg);
        times[i] = peak_now() - t0;
    }
    if (st == CLNN_SUCCESS) *seconds = peak_median(times, (size_t)repeat);
    free(times);
    return st;
}

int bench_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads up to `len` bytes until EOF; returns how many arrived. */
size_t bench_read_all(int fd, void *data, size_t len)
{
    char *p = data;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    return got;
}

/* "exited with status 3" / "killed by signal 11". */
void bench_describe_exit(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "ended abnormally");
}

/* Prints `s` as a JSON string. */
void bench_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

void bench_json_number(FILE *out, double x)
{
    if (isfinite(x))
        fprintf(out, "%.4f", x);
    else
        fprintf(out, "\"nan\"");
}

int bench_emit(const bench_options *o, bench_print_fn print, const void *report)
{
    print(report, stdout, o->json);
    fflush(stdout);
    if (!o->json_file) return 0;
    FILE *f = fopen(o->json_file, "w");
    if (!f) {
        fprintf(stderr, "%s: cannot write %s: %s\n", bench_prog, o->json_file, strerror(errno));
        return 1;
    }
    print(report, f, 1);
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", bench_prog, o->json_file, strerror(errno));
        return 1;
    }
    return 0;
}

void bench_ratio_text(double reference_s, double clnn_s, const char *ref_name, char *buf,
                      size_t len)
{
    if (!isfinite(reference_s) || !isfinite(clnn_s) || reference_s <= 0 || clnn_s <= 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2fx %s", reference_s / clnn_s,
                 reference_s >= clnn_s ? "clnn" : ref_name);
}


clnn_status bench_open(bench_options *o, clnn_context_t *ctx, clnn_device_info *info,
                       peak_result *peak)
{
    clnn_status st = bench_noted(clnn_context_create_on(o->device, ctx), "clnn_context_create");
    if (st == CLNN_SUCCESS) st = bench_noted(clnn_context_device(*ctx, info), "clnn_context_device");
    char err[BENCH_ERROR_MAX / 2];
    if (st == CLNN_SUCCESS && peak_measure(*ctx, peak, err, sizeof err) != 0) {
        snprintf(bench_error_text, sizeof bench_error_text, "peak measurement: %s", err);
        st = CLNN_OPENCL_ERROR;
    }
    if (st == CLNN_SUCCESS && info->kind == CLNN_DEVICE_KIND_CPU)
        o->threads = (int)info->compute_units;
    return st;
}
