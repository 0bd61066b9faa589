/* clnn-bench gemm: GEMM throughput against the measured peak and against CLBlast
 * with its own default parameters (measured in a child process, since CLBlast's
 * parameter overrides are process-wide and cannot be undone). */
#define _XOPEN_SOURCE 700

#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VERIFY_TOLERANCE 1e-4 /* fp32 over k=256 stays near 1e-6; a bad kernel is O(1) */

typedef struct gemm_shape {
    size_t m, n, k;
} gemm_shape;

/* Square small and large, and the im2col GEMM of a 3x3 64-channel conv on 56x56. */
static const gemm_shape shapes[] = {{256, 256, 256}, {1024, 1024, 1024}, {64, 3136, 576}};
#define SHAPE_COUNT (sizeof shapes / sizeof shapes[0])
#define VERIFIED_SHAPE 0 /* shapes[0] is checked against the CPU reference */

/* One row-major NN problem: host copies of A and B (for the CPU check) and the
 * three device tensors. */
typedef struct gemm_problem {
    gemm_shape shape;
    float *a, *b;
    clnn_tensor_t ta, tb, tc;
} gemm_problem;

static void problem_destroy(gemm_problem *p)
{
    clnn_tensor_destroy(p->ta);
    clnn_tensor_destroy(p->tb);
    clnn_tensor_destroy(p->tc);
    free(p->a);
    free(p->b);
    memset(p, 0, sizeof *p);
}

static clnn_status problem_create(clnn_context_t ctx, gemm_shape shape, gemm_problem *p)
{
    memset(p, 0, sizeof *p);
    p->shape = shape;
    p->a = malloc(shape.m * shape.k * sizeof(float));
    p->b = malloc(shape.k * shape.n * sizeof(float));
    if (!p->a || !p->b) {
        problem_destroy(p);
        return bench_out_of_memory();
    }
    bench_fill_random(p->a, shape.m * shape.k, 0x9e3779b9u);
    bench_fill_random(p->b, shape.k * shape.n, 0x85ebca6bu);
    int64_t a_dims[2] = {(int64_t)shape.m, (int64_t)shape.k};
    int64_t b_dims[2] = {(int64_t)shape.k, (int64_t)shape.n};
    int64_t c_dims[2] = {(int64_t)shape.m, (int64_t)shape.n};
    clnn_status st = bench_tensor(ctx, 2, a_dims, p->a, &p->ta);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 2, b_dims, p->b, &p->tb);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 2, c_dims, NULL, &p->tc);
    if (st != CLNN_SUCCESS) problem_destroy(p);
    return st;
}

/* C = A * B, enqueued only (a bench_run_fn). */
static clnn_status problem_enqueue(clnn_context_t ctx, void *arg)
{
    const gemm_problem *p = arg;
    const gemm_shape *s = &p->shape;
    return bench_noted(clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, s->m, s->n, s->k, 1.0f,
                                 clnn_tensor_get_buffer(p->ta), 0, s->k,
                                 clnn_tensor_get_buffer(p->tb), 0, s->n, 0.0f,
                                 clnn_tensor_get_buffer(p->tc), 0, s->n),
                       "clnn_gemm");
}

/* Largest |c - ref| / sum_k |a_ik * b_kj| over C: the error relative to the
 * magnitude fp32 rounding scales with (plain relative error explodes where the
 * exact result is near 0). The reference accumulates in double. */
static double max_relative_error(const gemm_problem *p, const float *c)
{
    const gemm_shape *s = &p->shape;
    double worst = 0.0;
    for (size_t i = 0; i < s->m; i++) {
        for (size_t j = 0; j < s->n; j++) {
            double sum = 0.0, scale = 0.0;
            for (size_t l = 0; l < s->k; l++) {
                double prod = (double)p->a[i * s->k + l] * (double)p->b[l * s->n + j];
                sum += prod;
                scale += fabs(prod);
            }
            double err = fabs((double)c[i * s->n + j] - sum) / (scale > 0.0 ? scale : 1.0);
            if (!(err <= worst)) worst = err; /* NaN sticks */
        }
    }
    return worst;
}

static clnn_status verify_problem(const gemm_problem *p, double *error)
{
    size_t bytes = p->shape.m * p->shape.n * sizeof(float);
    float *c = malloc(bytes);
    if (!c) {
        return bench_out_of_memory();
    }
    clnn_status st = bench_noted(clnn_tensor_download(p->tc, c, bytes), "clnn_tensor_download");
    if (st == CLNN_SUCCESS) *error = max_relative_error(p, c);
    free(c);
    return st;
}

/* Times every shape; checks shapes[VERIFIED_SHAPE] when `error` is not NULL. */
static clnn_status bench_shapes(clnn_context_t ctx, int repeat, double seconds[SHAPE_COUNT],
                                double *error)
{
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 0; i < SHAPE_COUNT && st == CLNN_SUCCESS; i++) {
        gemm_problem p;
        st = problem_create(ctx, shapes[i], &p);
        if (st != CLNN_SUCCESS) break;
        st = bench_time(ctx, problem_enqueue, &p, repeat, &seconds[i]);
        if (st == CLNN_SUCCESS && error && i == VERIFIED_SHAPE) st = verify_problem(&p, error);
        problem_destroy(&p);
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
} gemm_report;

static double gemm_gflops(gemm_shape s, double seconds)
{
    return 2.0 * (double)s.m * (double)s.n * (double)s.k / seconds * 1e-9;
}

static void print_gemm_json(const gemm_report *g)
{
    const reference_report *ref = &g->reference;
    printf("{\n  \"device\": ");
    bench_json_string(g->device.device_name);
    printf(",\n  \"platform\": ");
    bench_json_string(g->device.platform_name);
    printf(",\n  \"peak_gflops\": %.2f,\n  \"peak_gbps\": %.2f,\n  \"repeat\": %d,\n",
           g->peak.gflops, g->peak.gbps, g->repeat);
    printf("  \"verify\": {\"m\": %zu, \"n\": %zu, \"k\": %zu, \"max_rel_error\": %.3g, "
           "\"tolerance\": %g},\n", shapes[VERIFIED_SHAPE].m, shapes[VERIFIED_SHAPE].n,
           shapes[VERIFIED_SHAPE].k, g->verify_error, VERIFY_TOLERANCE);
    printf("  \"clblast_default_error\": ");
    if (ref->ok)
        printf("null");
    else
        bench_json_string(ref->error);
    printf(",\n  \"gemm\": [\n");
    for (size_t i = 0; i < SHAPE_COUNT; i++) {
        gemm_shape s = shapes[i];
        double gf = gemm_gflops(s, g->seconds[i]);
        printf("    {\"m\": %zu, \"n\": %zu, \"k\": %zu, \"clnn_ms\": %.3f, "
               "\"clnn_gflops\": %.2f, \"percent_peak\": %.1f",
               s.m, s.n, s.k, g->seconds[i] * 1e3, gf, 100.0 * gf / g->peak.gflops);
        if (ref->ok)
            printf(", \"clblast_default_ms\": %.3f, \"clblast_default_gflops\": %.2f, "
                   "\"speedup\": %.2f", ref->seconds[i] * 1e3,
                   gemm_gflops(s, ref->seconds[i]), ref->seconds[i] / g->seconds[i]);
        printf("}%s\n", i + 1 < SHAPE_COUNT ? "," : "");
    }
    printf("  ]\n}\n");
}

static void print_gemm_table(const gemm_report *g)
{
    const reference_report *ref = &g->reference;
    printf("device: %s (%s)\n", g->device.device_name, g->device.platform_name);
    printf("peak:   %.1f GFLOPS fp32, %.1f GB/s (measured now; the 100 %% line)\n",
           g->peak.gflops, g->peak.gbps);
    printf("GEMM row-major NN fp32, median of %d runs after 1 warm-up; CLBlast-default = "
           "CLBlast's own parameters, in a separate process\n\n", g->repeat);
    printf("%-16s | %9s | %7s | %6s | %18s | %7s | %8s\n", "shape (MxNxK)", "clnn ms",
           "GFLOPS", "% peak", "CLBlast-default ms", "GFLOPS", "speed-up");
    printf("-----------------+-----------+---------+--------+--------------------+---------"
           "+---------\n");
    for (size_t i = 0; i < SHAPE_COUNT; i++) {
        gemm_shape s = shapes[i];
        char name[48];
        snprintf(name, sizeof name, "%zux%zux%zu", s.m, s.n, s.k);
        double gf = gemm_gflops(s, g->seconds[i]);
        printf("%-16s | %9.3f | %7.1f | %5.1f%% | ", name, g->seconds[i] * 1e3, gf,
               100.0 * gf / g->peak.gflops);
        if (ref->ok)
            printf("%18.3f | %7.1f | %7.2fx\n", ref->seconds[i] * 1e3,
                   gemm_gflops(s, ref->seconds[i]), ref->seconds[i] / g->seconds[i]);
        else
            printf("%18s | %7s | %8s\n", "-", "-", "-");
    }
    printf("\ncheck %zux%zux%zu against a CPU double reference: max relative error %.3g "
           "(|c - ref| / sum|a*b|, tolerance %g): %s\n", shapes[VERIFIED_SHAPE].m,
           shapes[VERIFIED_SHAPE].n, shapes[VERIFIED_SHAPE].k, g->verify_error,
           VERIFY_TOLERANCE, g->verify_error <= VERIFY_TOLERANCE ? "ok" : "WRONG RESULTS");
}

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
    if (o->json)
        print_gemm_json(&g);
    else
        print_gemm_table(&g);
    int rc = 0;
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

