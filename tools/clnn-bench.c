/* clnn-bench: GEMM throughput against the measured peak and against CLBlast's own
 * parameters, and start-up cost (cold and warm caches) as a user sees it. */
#define _XOPEN_SOURCE 700 /* fork, pipe, mkdtemp, setenv, nftw */

#include "peak.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char prog[] = "clnn-bench";

#define WARM_START_GOAL_MS 150.0 /* the project's stated goal for a warm start */
#define VERIFY_TOLERANCE 1e-4    /* fp32 over k=256 stays near 1e-6; a bad kernel is O(1) */

typedef struct gemm_shape {
    size_t m, n, k;
} gemm_shape;

/* Square small and large, and the im2col GEMM of a 3x3 64-channel conv on 56x56. */
static const gemm_shape shapes[] = {{256, 256, 256}, {1024, 1024, 1024}, {64, 3136, 576}};
#define SHAPE_COUNT (sizeof shapes / sizeof shapes[0])
#define VERIFIED_SHAPE 0 /* shapes[0] is checked against the CPU reference */

typedef struct bench_options {
    const char *device; /* NULL: clnn's default choice */
    int repeat;
    int json;
} bench_options;

/* ------------------------------------------------------------------ errors */

/* The first failure, kept as text: clnn_last_error() does not outlive the next
 * clnn call, and the reference child sends it through a pipe. */
static char error_text[1024];

static clnn_status noted(clnn_status st, const char *what)
{
    if (st != CLNN_SUCCESS && !error_text[0]) {
        const char *detail = clnn_last_error();
        snprintf(error_text, sizeof error_text, "%s: %s%s%s", what, clnn_status_string(st),
                 *detail ? ": " : "", detail);
    }
    return st;
}

static clnn_status out_of_memory(void)
{
    if (!error_text[0]) snprintf(error_text, sizeof error_text, "out of host memory");
    return CLNN_OUT_OF_HOST_MEMORY;
}

static int report_failure(void)
{
    fprintf(stderr, "%s: %s\n", prog, error_text[0] ? error_text : "failed");
    return 1;
}

/* --------------------------------------------------------- GEMM problems */

/* One row-major NN problem: host copies of A and B (for the CPU check) and the
 * three device tensors. */
typedef struct gemm_problem {
    gemm_shape shape;
    float *a, *b;
    clnn_tensor_t ta, tb, tc;
} gemm_problem;

/* Deterministic values in [-1, 1) (xorshift32); same data in every process. */
static void fill_random(float *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        x[i] = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
    }
}

static clnn_status matrix_create(clnn_context_t ctx, size_t rows, size_t cols,
                                 const float *host, clnn_tensor_t *out)
{
    clnn_tensor_desc desc;
    int64_t dims[2] = {(int64_t)rows, (int64_t)cols};
    clnn_status st = noted(clnn_tensor_desc_set(&desc, CLNN_FLOAT32, 2, dims),
                           "clnn_tensor_desc_set");
    if (st == CLNN_SUCCESS) st = noted(clnn_tensor_create(ctx, &desc, out), "clnn_tensor_create");
    if (st == CLNN_SUCCESS && host) {
        st = noted(clnn_tensor_upload(*out, host, rows * cols * sizeof(float)),
                   "clnn_tensor_upload");
        if (st != CLNN_SUCCESS) {
            clnn_tensor_destroy(*out);
            *out = NULL;
        }
    }
    return st;
}

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
        return out_of_memory();
    }
    fill_random(p->a, shape.m * shape.k, 0x9e3779b9u);
    fill_random(p->b, shape.k * shape.n, 0x85ebca6bu);
    clnn_status st = matrix_create(ctx, shape.m, shape.k, p->a, &p->ta);
    if (st == CLNN_SUCCESS) st = matrix_create(ctx, shape.k, shape.n, p->b, &p->tb);
    if (st == CLNN_SUCCESS) st = matrix_create(ctx, shape.m, shape.n, NULL, &p->tc);
    if (st != CLNN_SUCCESS) problem_destroy(p);
    return st;
}

/* C = A * B, enqueued only. */
static clnn_status problem_enqueue(clnn_context_t ctx, const gemm_problem *p)
{
    const gemm_shape *s = &p->shape;
    return noted(clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, s->m, s->n, s->k, 1.0f,
                           clnn_tensor_get_buffer(p->ta), 0, s->k,
                           clnn_tensor_get_buffer(p->tb), 0, s->n, 0.0f,
                           clnn_tensor_get_buffer(p->tc), 0, s->n),
                 "clnn_gemm");
}

static clnn_status problem_run(clnn_context_t ctx, const gemm_problem *p)
{
    clnn_status st = problem_enqueue(ctx, p);
    return st == CLNN_SUCCESS ? noted(clnn_context_finish(ctx), "clnn_context_finish") : st;
}

/* Median seconds of `repeat` runs (enqueue + finish) after one warm-up run, which
 * pays for CLBlast's kernel compilation. */
static clnn_status time_problem(clnn_context_t ctx, const gemm_problem *p, int repeat,
                                double *seconds)
{
    double *times = malloc((size_t)repeat * sizeof *times);
    if (!times) {
        return out_of_memory();
    }
    clnn_status st = problem_run(ctx, p);
    for (int i = 0; i < repeat && st == CLNN_SUCCESS; i++) {
        double t0 = peak_now();
        st = problem_run(ctx, p);
        times[i] = peak_now() - t0;
    }
    if (st == CLNN_SUCCESS) *seconds = peak_median(times, (size_t)repeat);
    free(times);
    return st;
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
        return out_of_memory();
    }
    clnn_status st = noted(clnn_tensor_download(p->tc, c, bytes), "clnn_tensor_download");
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
        st = time_problem(ctx, &p, repeat, &seconds[i]);
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
    char error[sizeof error_text];
} reference_report;

/* In the child: a fresh OpenCL runtime whose CLBlast never saw clnn's overrides. */
static void reference_measure(const bench_options *o, reference_report *r)
{
    clnn_context_t ctx = NULL;
    clnn_status st = CLNN_SUCCESS;
    if (setenv("CLNN_GEMM_TUNING", "default", 1) != 0) {
        snprintf(error_text, sizeof error_text, "setenv: %s", strerror(errno));
        st = CLNN_INTERNAL;
    }
    if (st == CLNN_SUCCESS) {
        clnn_env_reload();
        st = noted(clnn_context_create_on(o->device, &ctx), "clnn_context_create");
    }
    if (st == CLNN_SUCCESS) st = bench_shapes(ctx, o->repeat, r->seconds, NULL);
    clnn_context_destroy(ctx);
    r->ok = st == CLNN_SUCCESS;
    snprintf(r->error, sizeof r->error, "%s", error_text);
}

static int write_all(int fd, const void *data, size_t len)
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
static size_t read_all(int fd, void *data, size_t len)
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
static void describe_exit(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "ended abnormally");
}

/* Runs the reference in a child forked before this process touches OpenCL (an
 * OpenCL runtime does not survive fork), and waits for it: running both at once
 * would halve each one's CPU. Returns 0 when the child could be run at all. */
static int run_reference(const bench_options *o, reference_report *r)
{
    memset(r, 0, sizeof *r);
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        reference_measure(o, r);
        int rc = write_all(fds[1], r, sizeof *r);
        _exit(rc == 0 && r->ok ? 0 : 1);
    }
    close(fds[1]);
    size_t got = read_all(fds[0], r, sizeof *r);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof *r) {
        char how[64];
        describe_exit(status, how, sizeof how);
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

/* Prints `s` as a JSON string. */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_gemm_json(const gemm_report *g)
{
    const reference_report *ref = &g->reference;
    printf("{\n  \"device\": ");
    json_string(g->device.device_name);
    printf(",\n  \"platform\": ");
    json_string(g->device.platform_name);
    printf(",\n  \"peak_gflops\": %.2f,\n  \"peak_gbps\": %.2f,\n  \"repeat\": %d,\n",
           g->peak.gflops, g->peak.gbps, g->repeat);
    printf("  \"verify\": {\"m\": %zu, \"n\": %zu, \"k\": %zu, \"max_rel_error\": %.3g, "
           "\"tolerance\": %g},\n", shapes[VERIFIED_SHAPE].m, shapes[VERIFIED_SHAPE].n,
           shapes[VERIFIED_SHAPE].k, g->verify_error, VERIFY_TOLERANCE);
    printf("  \"clblast_default_error\": ");
    if (ref->ok)
        printf("null");
    else
        json_string(ref->error);
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
    clnn_status st = noted(clnn_context_create_on(o->device, &ctx), "clnn_context_create");
    if (st == CLNN_SUCCESS) st = noted(clnn_context_device(ctx, &g->device), "clnn_context_device");
    char err[sizeof error_text / 2];
    if (st == CLNN_SUCCESS && peak_measure(ctx, &g->peak, err, sizeof err) != 0) {
        snprintf(error_text, sizeof error_text, "peak measurement: %s", err);
        st = CLNN_OPENCL_ERROR;
    }
    if (st == CLNN_SUCCESS) st = bench_shapes(ctx, o->repeat, g->seconds, &g->verify_error);
    clnn_context_destroy(ctx);
    return st;
}

static int command_gemm(const bench_options *o)
{
    gemm_report g;
    memset(&g, 0, sizeof g);
    g.repeat = o->repeat;
    if (run_reference(o, &g.reference) != 0) return 1; /* before any OpenCL call here */
    if (measure_clnn(o, &g) != CLNN_SUCCESS) return report_failure();
    if (o->json)
        print_gemm_json(&g);
    else
        print_gemm_table(&g);
    int rc = 0;
    if (!g.reference.ok) {
        fprintf(stderr, "%s: CLBlast-default reference failed: %s\n", prog,
                g.reference.error[0] ? g.reference.error : "unknown error");
        rc = 1;
    }
    if (!(g.verify_error <= VERIFY_TOLERANCE)) {
        fprintf(stderr, "%s: clnn_gemm gives wrong results (max relative error %.3g > %g)\n",
                prog, g.verify_error, VERIFY_TOLERANCE);
        rc = 1;
    }
    return rc;
}

/* -------------------------------------------------------------- start-up */

typedef struct startup_sample {
    double to_main_ms;  /* fork + exec + dynamic loading, up to main()   */
    double context_ms;  /* clnn_context_create                           */
    double gemm_ms;     /* tensors, first 256^3 clnn_gemm, finish        */
    double total_ms;    /* from the parent's fork to the end of the GEMM */
} startup_sample;

/* The child: times what a fresh process pays before its first result. `t0` is the
 * parent's CLOCK_MONOTONIC just before fork (the clock is system-wide). */
static int startup_child(const char *t0_text, const char *device)
{
    double t_main = peak_now();
    double t0 = strtod(t0_text, NULL);
    clnn_context_t ctx = NULL;
    clnn_status st = noted(clnn_context_create_on(device, &ctx), "clnn_context_create");
    double t_ctx = peak_now();
    gemm_problem p;
    if (st == CLNN_SUCCESS) st = problem_create(ctx, shapes[VERIFIED_SHAPE], &p);
    if (st == CLNN_SUCCESS) {
        st = problem_run(ctx, &p);
        problem_destroy(&p);
    }
    double t_gemm = peak_now();
    clnn_context_destroy(ctx);
    if (st != CLNN_SUCCESS) return report_failure();
    printf("main=%.3f context=%.3f gemm=%.3f total=%.3f\n", (t_main - t0) * 1e3,
           (t_ctx - t_main) * 1e3, (t_gemm - t_ctx) * 1e3, (t_gemm - t0) * 1e3);
    return 0;
}

/* Runs `self --startup-child T0 [--device SPEC]` with stdout on a pipe and parses
 * its one line. */
static int spawn_startup_child(const char *self, const char *device, startup_sample *out)
{
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
        return -1;
    }
    char t0[64];
    snprintf(t0, sizeof t0, "%.9f", peak_now());
    char *args[] = {(char *)self, "--startup-child", t0, "--device", (char *)device, NULL};
    if (!device) args[3] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], STDOUT_FILENO) < 0) _exit(127);
        close(fds[1]);
        execv("/proc/self/exe", args); /* this very binary, wherever it lives */
        execvp(self, args);
        fprintf(stderr, "%s: cannot run %s: %s\n", prog, self, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
        close(fds[0]);
        return -1;
    }
    char line[256] = "";
    read_all(fds[0], line, sizeof line - 1);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(line, "main=%lf context=%lf gemm=%lf total=%lf", &out->to_main_ms,
               &out->context_ms, &out->gemm_ms, &out->total_ms) != 4) {
        char how[64];
        describe_exit(status, how, sizeof how);
        fprintf(stderr, "%s: the start-up child %s (output: '%s')\n", prog, how, line);
        return -1;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_tree(const char *root)
{
    if (nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "%s: could not remove %s: %s\n", prog, root, strerror(errno));
}

/* Makes ROOT/clnn and ROOT/pocl under a fresh ROOT and points the caches there. */
static int make_cache_dirs(char *root, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, len, "%s/clnn-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        fprintf(stderr, "%s: mkdtemp %s: %s\n", prog, root, strerror(errno));
        return -1;
    }
    static const struct {
        const char *sub, *var;
    } caches[] = {{"clnn", "CLNN_CACHE_DIR"}, {"pocl", "POCL_CACHE_DIR"}};
    for (size_t i = 0; i < sizeof caches / sizeof caches[0]; i++) {
        char dir[4096 + 16]; /* root is at most 4096 */
        snprintf(dir, sizeof dir, "%s/%s", root, caches[i].sub);
        if (mkdir(dir, 0700) != 0 || setenv(caches[i].var, dir, 1) != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
            remove_tree(root);
            return -1;
        }
    }
    return 0;
}

static void print_startup(const startup_sample s[2], int json)
{
    static const char *names[2] = {"cold", "warm"};
    int met = s[1].total_ms < WARM_START_GOAL_MS;
    if (json) {
        printf("{\n");
        for (int i = 0; i < 2; i++)
            printf("  \"%s\": {\"to_main_ms\": %.1f, \"context_ms\": %.1f, "
                   "\"first_gemm_ms\": %.1f, \"total_ms\": %.1f},\n", names[i],
                   s[i].to_main_ms, s[i].context_ms, s[i].gemm_ms, s[i].total_ms);
        printf("  \"warm_goal_ms\": %.0f,\n  \"warm_goal_met\": %s\n}\n", WARM_START_GOAL_MS,
               met ? "true" : "false");
        return;
    }
    printf("start-up: new process -> clnn_context_create -> first 256x256x256 clnn_gemm "
           "-> finish\n");
    printf("(cold: empty CLNN_CACHE_DIR and POCL_CACHE_DIR; warm: the same dirs again)\n\n");
    printf("%-5s | %11s | %10s | %14s | %9s\n", "", "to main ms", "context ms",
           "first GEMM ms", "total ms");
    printf("------+-------------+------------+----------------+----------\n");
    for (int i = 0; i < 2; i++)
        printf("%-5s | %11.1f | %10.1f | %14.1f | %9.1f\n", names[i], s[i].to_main_ms,
               s[i].context_ms, s[i].gemm_ms, s[i].total_ms);
    printf("\nwarm start goal < %.0f ms: %s\n", WARM_START_GOAL_MS, met ? "met" : "NOT met");
}

static int command_startup(const bench_options *o, const char *argv0)
{
    char root[4096];
    if (make_cache_dirs(root, sizeof root) != 0) return 1;
    startup_sample s[2];
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) rc = spawn_startup_child(argv0, o->device, &s[i]);
    remove_tree(root);
    if (rc != 0) return 1;
    print_startup(s, o->json);
    return 0;
}

/* ------------------------------------------------------------------- main */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s gemm [--device SPEC] [--repeat N] [--json]\n"
            "       %s startup [--device SPEC] [--json]\n"
            "\n"
            "  gemm     GEMM 256^3, 1024^3 and 64x3136x576 (conv-shaped): clnn's time,\n"
            "           GFLOPS and %% of the measured peak, beside CLBlast with its\n"
            "           default parameters; checks 256^3 against a CPU reference\n"
            "  startup  new-process cost up to a first GEMM, with cold then warm caches\n"
            "\n"
            "  --device SPEC  \"P:D\" or part of a platform/device name (as CLNN_DEVICE)\n"
            "  --repeat N     timed runs per shape, median reported (default 10)\n"
            "  --json         print JSON instead of a table\n",
            prog, prog);
}

/* Options after the command; 0 ok, -1 bad usage (reported). */
static int parse_options(int argc, char **argv, int first, bench_options *o)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(arg, "--device") == 0 && value) {
            o->device = value;
            i++;
        } else if (strcmp(arg, "--repeat") == 0 && value) {
            char *end;
            long n = strtol(value, &end, 10);
            if (*end || n < 1 || n > 100000) {
                fprintf(stderr, "%s: --repeat wants a count from 1 to 100000, not '%s'\n",
                        prog, value);
                return -1;
            }
            o->repeat = (int)n;
            i++;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog, arg);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "";
    if (strcmp(command, "--startup-child") == 0 && argc >= 3)
        return startup_child(argv[2], argc >= 5 && strcmp(argv[3], "--device") == 0
                                          ? argv[4] : NULL);
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    bench_options o = {NULL, 10, 0};
    int known = strcmp(command, "gemm") == 0 || strcmp(command, "startup") == 0;
    if (!known || parse_options(argc, argv, 2, &o) != 0) {
        if (!known && *command) fprintf(stderr, "%s: unknown command '%s'\n", prog, command);
        usage(stderr);
        return 2;
    }
    return command[0] == 'g' ? command_gemm(&o) : command_startup(&o, argv[0]);
}
