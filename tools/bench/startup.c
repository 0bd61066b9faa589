/* clnn-bench startup: what a new process pays up to its first result, with cold
 * caches (empty clnn and PoCL kernel caches) and then warm ones. */
#define _XOPEN_SOURCE 700 /* fork, mkdtemp, setenv, nftw */

#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WARM_START_GOAL_MS 150.0 /* the project's stated goal for a warm start */

typedef struct startup_sample {
    double to_main_ms;  /* fork + exec + dynamic loading, up to main()   */
    double context_ms;  /* clnn_context_create                           */
    double gemm_ms;     /* tensors, first 256^3 clnn_gemm, finish        */
    double total_ms;    /* from the parent's fork to the end of the GEMM */
} startup_sample;

/* A 256^3 GEMM on fresh tensors, waited for: the first result a user sees. */
static clnn_status first_gemm(clnn_context_t ctx)
{
    enum { N = 256 };
    static float host[N * N];
    bench_fill_random(host, N * N, 0x9e3779b9u);
    int64_t dims[2] = {N, N};
    clnn_tensor_t t[3] = {NULL, NULL, NULL};
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; i < 3 && st == CLNN_SUCCESS; i++)
        st = bench_tensor(ctx, 2, dims, i < 2 ? host : NULL, &t[i]);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, N, N, N, 1.0f,
                                   clnn_tensor_get_buffer(t[0]), 0, N,
                                   clnn_tensor_get_buffer(t[1]), 0, N, 0.0f,
                                   clnn_tensor_get_buffer(t[2]), 0, N),
                         "clnn_gemm");
    if (st == CLNN_SUCCESS) st = bench_noted(clnn_context_finish(ctx), "clnn_context_finish");
    for (int i = 0; i < 3; i++) clnn_tensor_destroy(t[i]);
    return st;
}

/* The child: times what a fresh process pays before its first result. `t0` is the
 * parent's CLOCK_MONOTONIC just before fork (the clock is system-wide). */
int bench_startup_child(const char *t0_text, const char *device)
{
    double t_main = peak_now();
    double t0 = strtod(t0_text, NULL);
    clnn_context_t ctx = NULL;
    clnn_status st = bench_noted(clnn_context_create_on(device, &ctx), "clnn_context_create");
    double t_ctx = peak_now();
    if (st == CLNN_SUCCESS) st = first_gemm(ctx);
    double t_gemm = peak_now();
    clnn_context_destroy(ctx);
    if (st != CLNN_SUCCESS) return bench_report_failure();
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
        fprintf(stderr, "%s: pipe: %s\n", bench_prog, strerror(errno));
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
        fprintf(stderr, "%s: cannot run %s: %s\n", bench_prog, self, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", bench_prog, strerror(errno));
        close(fds[0]);
        return -1;
    }
    char line[256] = "";
    bench_read_all(fds[0], line, sizeof line - 1);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(line, "main=%lf context=%lf gemm=%lf total=%lf", &out->to_main_ms,
               &out->context_ms, &out->gemm_ms, &out->total_ms) != 4) {
        char how[64];
        bench_describe_exit(status, how, sizeof how);
        fprintf(stderr, "%s: the start-up child %s (output: '%s')\n", bench_prog, how, line);
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
        fprintf(stderr, "%s: could not remove %s: %s\n", bench_prog, root, strerror(errno));
}

/* Makes ROOT/clnn and ROOT/pocl under a fresh ROOT and points the caches there. */
static int make_cache_dirs(char *root, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, len, "%s/clnn-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        fprintf(stderr, "%s: mkdtemp %s: %s\n", bench_prog, root, strerror(errno));
        return -1;
    }
    static const struct {
        const char *sub, *var;
    } caches[] = {{"clnn", "CLNN_CACHE_DIR"}, {"pocl", "POCL_CACHE_DIR"}};
    for (size_t i = 0; i < sizeof caches / sizeof caches[0]; i++) {
        char dir[4096 + 16]; /* root is at most 4096 */
        snprintf(dir, sizeof dir, "%s/%s", root, caches[i].sub);
        if (mkdir(dir, 0700) != 0 || setenv(caches[i].var, dir, 1) != 0) {
            fprintf(stderr, "%s: %s: %s\n", bench_prog, dir, strerror(errno));
            remove_tree(root);
            return -1;
        }
    }
    return 0;
}

static void print_startup(const void *samples, FILE *out, int json)
{
    static const char *names[2] = {"cold", "warm"};
    const startup_sample *s = samples;
    int met = s[1].total_ms < WARM_START_GOAL_MS;
    if (json) {
        fprintf(out, "{\n  \"suite\": \"startup\",\n");
        for (int i = 0; i < 2; i++)
            fprintf(out, "  \"%s\": {\"to_main_ms\": %.1f, \"context_ms\": %.1f, "
                    "\"first_gemm_ms\": %.1f, \"total_ms\": %.1f},\n", names[i],
                    s[i].to_main_ms, s[i].context_ms, s[i].gemm_ms, s[i].total_ms);
        fprintf(out, "  \"warm_goal_ms\": %.0f,\n  \"warm_goal_met\": %s\n}\n",
                WARM_START_GOAL_MS, met ? "true" : "false");
        return;
    }
    fprintf(out, "### startup\n\n- new process -> clnn_context_create -> first 256x256x256 "
            "clnn_gemm -> finish\n");
    fprintf(out, "- cold: empty CLNN_CACHE_DIR and POCL_CACHE_DIR; warm: the same dirs "
            "again\n\n");
    fprintf(out, "| %-5s | %10s | %10s | %13s | %9s |\n", "", "to main ms", "context ms",
            "first GEMM ms", "total ms");
    fprintf(out, "|:%.5s-|-%.10s:|-%.10s:|-%.13s:|-%.9s:|\n", BENCH_DASHES, BENCH_DASHES,
            BENCH_DASHES, BENCH_DASHES, BENCH_DASHES);
    for (int i = 0; i < 2; i++)
        fprintf(out, "| %-5s | %10.1f | %10.1f | %13.1f | %9.1f |\n", names[i], s[i].to_main_ms,
                s[i].context_ms, s[i].gemm_ms, s[i].total_ms);
    fprintf(out, "\nwarm start goal < %.0f ms: %s\n\n", WARM_START_GOAL_MS,
            met ? "met" : "NOT met");
}

int bench_startup(const bench_options *o, const char *argv0)
{
    char root[4096];
    if (make_cache_dirs(root, sizeof root) != 0) return 1;
    startup_sample s[2];
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) rc = spawn_startup_child(argv0, o->device, &s[i]);
    remove_tree(root);
    if (rc != 0) return 1;
    return bench_emit(o, print_startup, s);
}

