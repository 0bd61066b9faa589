/* clnn-bench gemm: GEMM throughput against the measured peak, against CLBlast
 * with its own default parameters (measured in a child process, since CLBlast's
 * parameter overrides are process-wide and cannot be undone) and against OpenBLAS
 * on the host when configure found it. */
#define _XOPEN_SOURCE 700

#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

#define VERIFY_TOLERANCE 1e-4 /* fp32 over k=256 stays near 1e-6; a bad kernel is O(1) */

/* Square small and large, and the im2col GEMM of a 3x3 64-channel conv on 56x56. */
static const bench_gemm_shape shapes[] = {{256, 256, 256}, {1024, 1024, 1024}, {64, 3136, 576}};
#define SHAPE_COUNT (sizeof shapes / sizeof shapes[0])
#define VERIFIED_SHAPE 0 /* shapes[0] is checked against the CPU reference */

/* Times every shape; checks shapes[VERIFIED_SHAPE] when `error` is not NULL. */
static clnn_status bench_shapes(clnn_context_t ctx, int repeat, double seconds[SHAPE_COUNT],
                                double *error)
{
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 0; i < SHAPE_COUNT && st == CLNN_SUCCESS; i++) {
        bench_gemm_problem p;
        st = bench_gemm_problem_create(ctx, shapes[i].m, shapes[i].n, shapes[i].k, &p);
        if (st != CLNN_SUCCESS) break;
        st = bench_time(ctx, bench_gemm_problem_enqueue, &p, repeat, &seconds[i]);
        if (st == CLNN_SUCCESS && error && i == VERIFIED_SHAPE)
            st = bench_gemm_problem_verify(&p, error);
        bench_gemm_problem_destroy(&p);
    }
    return st;
}

/* ---------------------------------------------- CLBlast-default reference */

/* What the reference child sends back through its pipe. */
typedef struct reference_report {
    int ok;
    double seconds[SHAPE_COUNT];
    char error[BENCH_ERROR_MAX];
} reference_report;

/* In the child: a fresh OpenCL runtime whose CLBlast never saw clnn's overrides. */
static void reference_measure(const bench_options *o, reference_report *r)
{
    clnn_context_t ctx = NULL;
    clnn_status st = CLNN_SUCCESS;
    if (setenv("CLNN_GEMM_TUNING", "default", 1) != 0) {
        snprintf(bench_error_text, sizeof bench_error_text, "setenv: %s", strerror(errno));
        st = CLNN_INTERNAL;
    }
    if (st == CLNN_SUCCESS) {
        clnn_env_reload();
        st = bench_noted(clnn_context_create_on(o->device, &ctx), "clnn_context_create");
    }
    if (st == CLNN_SUCCESS) st = bench_shapes(ctx, o->repeat, r->seconds, NULL);
    clnn_context_destroy(ctx);
    r->ok = st == CLNN_SUCCESS;
    snprintf(r->error, sizeof r->error, "%s", bench_error_text);
}

/* Runs the reference in a child forked before this process touches OpenCL (an
 * OpenCL runtime does not survive fork), and waits for it: running both at once
 * would halve each one's CPU. Returns 0 when the child could be run at all. */
static int run_reference(const bench_options *o, reference_report *r)
{
    memset(r, 0, sizeof *r);
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "%s: pipe: %s\n", bench_prog, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", bench_prog, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        reference_measure(o, r);
        int rc = bench_write_all(fds[1], r, sizeof *r);
        _exit(rc == 0 && r->ok ? 0 : 1);
    }
    close(fds[1]);
    size_t got = bench_read_all(fds[0], r, sizeof *r);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof *r) {
        char how[64];
        bench_describe_exit(status, how, sizeof how);
        memset(r, 0, sizeof *r);
        snprintf(r->error, sizeof r->error, "the reference process %s before reporting", how);
    }
    r->error[sizeof r->error - 1] = '\0';
    return 0;
}

/* ---------------------------------------------------------- gemm output */

typedef struct gemm_report {
    clnn_device_info device;
    peak_result peak;
    int repeat;
    double seconds[SHAPE_COUNT];
    double verify_error;
    reference_report reference;
    int openblas_ok;
    double openblas_seconds[SHAPE_COUNT];
} gemm_report;

static double gemm_gflops(bench_gemm_shape s, double seconds)
{
    return 2.0 * (double)s.m * (double)s.n * (double)s.k / seconds * 1e-9;
}

static void print_gemm_json(const void *report, FILE *out)
{
    const gemm_report *g = report;
    const reference_report *ref = &g->reference;
    fprintf(out, "{\n  \"suite\": \"gemm\",\n  \"device\": ");
    bench_json_string(out, g->device.device_name);
    fprintf(out, ",\n  \"platform\": ");
    bench_json_string(out, g->device.platform_name);
    fprintf(out, ",\n  \"peak_gflops\": %.2f,\n  \"peak_gbps\": %.2f,\n  \"repeat\": %d,\n",
            g->peak.gflops, g->peak.gbps, g->repeat);
    fprintf(out, "  \"verify\": {\"m\": %zu, \"n\": %zu, \"k\": %zu, \"max_rel_error\": %.3g, "
            "\"tolerance\": %g},\n", shapes[VERIFIED_SHAPE].m, shapes[VERIFIED_SHAPE].n,
            shapes[VERIFIED_SHAPE].k, g->verify_error, VERIFY_TOLERANCE);
    fprintf(out, "  \"clblast_default_error\": ");
    if (ref->ok)
        fprintf(out, "null");
    else
        bench_json_string(out, ref->error);
    fprintf(out, ",\n  \"openblas\": %s,\n  \"gemm\": [\n", g->openblas_ok ? "true" : "false");
    for (size_t i = 0; i < SHAPE_COUNT; i++) {
        bench_gemm_shape s = shapes[i];
        double gf = gemm_gflops(s, g->seconds[i]);
        fprintf(out, "    {\"m\": %zu, \"n\": %zu, \"k\": %zu, \"clnn_ms\": %.3f, "
                "\"clnn_gflops\": %.2f, \"percent_peak\": %.1f",
                s.m, s.n, s.k, g->seconds[i] * 1e3, gf, 100.0 * gf / g->peak.gflops);
        if (ref->ok)
            fprintf(out, ", \"clblast_default_ms\": %.3f, \"clblast_default_gflops\": %.2f, "
                    "\"speedup\": %.2f", ref->seconds[i] * 1e3,
                    gemm_gflops(s, ref->seconds[i]), ref->seconds[i] / g->seconds[i]);
        if (g->openblas_ok)
            fprintf(out, ", \"openblas_ms\": %.3f, \"openblas_gflops\": %.2f, "
                    "\"ratio_openblas\": %.2f", g->openblas_seconds[i] * 1e3,
                    gemm_gflops(s, g->openblas_seconds[i]),
                    g->openblas_seconds[i] / g->seconds[i]);
        fprintf(out, "}%s\n", i + 1 < SHAPE_COUNT ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

/* "12.3" GFLOPS of a reference, or "-" when it did not run. */
static void gflops_text(int ok, bench_gemm_shape s, double seconds, char *buf, size_t len)
{
    if (ok)
        snprintf(buf, len, "%.1f", gemm_gflops(s, seconds));
    else
        snprintf(buf, len, "-");
}

static void print_gemm(const void *report, FILE *out, int json)
{
    const gemm_report *g = report;
    if (json) {
        print_gemm_json(report, out);
        return;
    }
    const reference_report *ref = &g->reference;
    fprintf(out, "### gemm\n\n");
    fprintf(out, "- device: %s (%s)\n", g->device.device_name, g->device.platform_name);
    fprintf(out, "- peak: %.1f GFLOPS fp32, %.1f GB/s (measured now; the 100 %% line)\n",
            g->peak.gflops, g->peak.gbps);
    fprintf(out, "- GEMM row-major NN fp32, median of %d runs after 1 warm-up; CLBlast-default "
            "= CLBlast's own parameters, in a separate process; OpenBLAS = cblas_sgemm on "
            "the host (%s); ratio = reference time / clnn time, and who wins\n\n", g->repeat,
            g->openblas_ok ? "same process, after clnn" : "not built in");
    fprintf(out, "| %-16s | %9s | %7s | %6s | %15s | %11s | %15s | %14s |\n", "shape (MxNxK)",
            "clnn ms", "GFLOPS", "% peak", "CLBlast-default", "ratio", "OpenBLAS GFLOPS",
            "ratio");
    fprintf(out, "|:%.16s-|-%.9s:|-%.7s:|-%.6s:|-%.15s:|-%.11s:|-%.15s:|-%.14s:|\n",
            BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES,
            BENCH_DASHES, BENCH_DASHES);
    for (size_t i = 0; i < SHAPE_COUNT; i++) {
        bench_gemm_shape s = shapes[i];
        char name[48], ref_gf[16], ref_ratio[24], blas_gf[16], blas_ratio[24];
        snprintf(name, sizeof name, "%zux%zux%zu", s.m, s.n, s.k);
        double gf = gemm_gflops(s, g->seconds[i]);
        gflops_text(ref->ok, s, ref->seconds[i], ref_gf, sizeof ref_gf);
        bench_ratio_text(ref->ok ? ref->seconds[i] : NAN, g->seconds[i], "CLBlast", ref_ratio,
                         sizeof ref_ratio);
        gflops_text(g->openblas_ok, s, g->openblas_seconds[i], blas_gf, sizeof blas_gf);
        bench_ratio_text(g->openblas_ok ? g->openblas_seconds[i] : NAN, g->seconds[i],
                         "OpenBLAS", blas_ratio, sizeof blas_ratio);
        fprintf(out, "| %-16s | %9.3f | %7.1f | %5.1f%% | %15s | %11s | %15s | %14s |\n", name,
                g->seconds[i] * 1e3, gf, 100.0 * gf / g->peak.gflops, ref_gf, ref_ratio,
                blas_gf, blas_ratio);
    }
    fprintf(out, "\ncheck %zux%zux%zu against a CPU double reference: max relative error "
            "%.3g (|c - ref| / sum|a*b|, tolerance %g): %s\n\n", shapes[VERIFIED_SHAPE].m,
            shapes[VERIFIED_SHAPE].n, shapes[VERIFIED_SHAPE].k, g->verify_error,
            VERIFY_TOLERANCE, g->verify_error <= VERIFY_TOLERANCE ? "ok" : "WRONG RESULTS");
}

/* ------------------------------------------------------ OpenBLAS reference */

#ifdef HAVE_OPENBLAS
/* cblas_sgemm on the host over the same shapes and data, after clnn is done so
 * the two never share the CPU. */
static int measure_openblas(int repeat, double seconds[SHAPE_COUNT])
{
    for (size_t i = 0; i < SHAPE_COUNT; i++) {
        bench_gemm_shape s = shapes[i];
        float *a = malloc(s.m * s.k * sizeof *a), *b = malloc(s.k * s.n * sizeof *b);
        float *c = malloc(s.m * s.n * sizeof *c);
        double *times = malloc((size_t)repeat * sizeof *times);
        int ok = a && b && c && times;
        if (ok) {
            bench_fill_random(a, s.m * s.k, 0x9e3779b9u);
            bench_fill_random(b, s.k * s.n, 0x85ebca6bu);
            for (int r = -1; r < repeat; r++) { /* r = -1: the warm-up */
                double t0 = peak_now();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s.m, (int)s.n,
                            (int)s.k, 1.0f, a, (int)s.k, b, (int)s.n, 0.0f, c, (int)s.n);
                if (r >= 0) times[r] = peak_now() - t0;
            }
            seconds[i] = peak_median(times, (size_t)repeat);
        }
        free(a);
        free(b);
        free(c);
        free(times);
        if (!ok) return 0;
    }
    return 1;
}
#else
static int measure_openblas(int repeat, double seconds[SHAPE_COUNT])
{
    (void)repeat;
    (void)seconds;
    return 0;
}
#endif

/* The clnn side, in this process: peak, then the tuned GEMMs. */
static clnn_status measure_clnn(const bench_options *o, gemm_report *g)
{
    clnn_context_t ctx = NULL;
    clnn_status st = bench_noted(clnn_context_create_on(o->device, &ctx), "clnn_context_create");
    if (st == CLNN_SUCCESS) st = bench_noted(clnn_context_device(ctx, &g->device), "clnn_context_device");
    char err[BENCH_ERROR_MAX / 2];
    if (st == CLNN_SUCCESS && peak_measure(ctx, &g->peak, err, sizeof err) != 0) {
        snprintf(bench_error_text, sizeof bench_error_text, "peak measurement: %s", err);
        st = CLNN_OPENCL_ERROR;
    }
    if (st == CLNN_SUCCESS) st = bench_shapes(ctx, o->repeat, g->seconds, &g->verify_error);
    clnn_context_destroy(ctx);
    return st;
}

int bench_gemm(bench_options *o)
{
    gemm_report g;
    memset(&g, 0, sizeof g);
    g.repeat = o->repeat;
    if (run_reference(o, &g.reference) != 0) return 1; /* before any OpenCL call here */
    if (measure_clnn(o, &g) != CLNN_SUCCESS) return bench_report_failure();
    g.openblas_ok = measure_openblas(o->repeat, g.openblas_seconds);
    int rc = bench_emit(o, print_gemm, &g);
    if (!g.reference.ok) {
        fprintf(stderr, "%s: CLBlast-default reference failed: %s\n", bench_prog,
                g.reference.error[0] ? g.reference.error : "unknown error");
        rc = 1;
    }
    if (!(g.verify_error <= VERIFY_TOLERANCE)) {
        fprintf(stderr, "%s: clnn_gemm gives wrong results (max relative error %.3g > %g)\n",
                bench_prog, g.verify_error, VERIFY_TOLERANCE);
        rc = 1;
    }
    return rc;
}

