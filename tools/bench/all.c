/* clnn-bench all: every suite in a short form, each in its own process (the gemm
 * suite forks before touching OpenCL, and suites must not inherit each other's
 * CLBlast overrides or caches). Tables (Markdown) go to stdout; the suites' JSON
 * documents are gathered into one {"suites": [...]} for --json / --json-file. */
#define _XOPEN_SOURCE 700

#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const suites[] = {"gemm",    "conv",      "convtranspose", "pool",
                                     "softmax", "layernorm", "lstm",          "gru",
                                     "rnn",     "attention", "train-step",    "startup"};
#define SUITE_COUNT (sizeof suites / sizeof suites[0])

/* Runs `argv0 suite ...` writing its JSON to `json_path`; its stdout goes to ours,
 * or nowhere when `quiet`. Returns the wait status, or -1 if it could not start. */
static int run_child(const char *argv0, const char *suite, const bench_options *o,
                     const char *json_path, int quiet)
{
    char repeat[16];
    snprintf(repeat, sizeof repeat, "%d", o->repeat);
    const char *argv[12];
    int n = 0;
    argv[n++] = argv0;
    argv[n++] = suite;
    argv[n++] = "--repeat";
    argv[n++] = repeat;
    argv[n++] = "--json-file";
    argv[n++] = json_path;
    if (o->device) {
        argv[n++] = "--device";
        argv[n++] = o->device;
    }
    if (o->torch) {
        argv[n++] = "--torch";
        argv[n++] = o->torch;
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (quiet) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, STDOUT_FILENO);
        }
        execv("/proc/self/exe", (char *const *)argv); /* this very binary */
        execvp(argv0, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

/* Appends the file's text to `out` (without its trailing newline). */
static int copy_document(const char *path, FILE *out)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char buf[4096];
    size_t n, pending_newline = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < pending_newline; i++) fputc('\n', out);
        pending_newline = 0;
        while (n > 0 && buf[n - 1] == '\n') {
            n--;
            pending_newline++;
        }
        fwrite(buf, 1, n, out);
    }
    fclose(f);
    return 0;
}

int bench_all(const bench_options *o, const char *argv0)
{
    char dir[] = "/tmp/clnn-bench-all-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "%s: mkdtemp: %s\n", bench_prog, strerror(errno));
        return 1;
    }
    FILE *json = tmpfile();
    if (!json) {
        fprintf(stderr, "%s: tmpfile: %s\n", bench_prog, strerror(errno));
        rmdir(dir);
        return 1;
    }
    fprintf(json, "{\"suites\": [\n");
    int failures = 0;
    for (size_t i = 0; i < SUITE_COUNT; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%zu.json", dir, i);
        int status = run_child(argv0, suites[i], o, path, o->json);
        int ok = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (i > 0) fprintf(json, ",\n");
        if (ok && copy_document(path, json) == 0) {
            unlink(path);
            continue;
        }
        char how[64] = "could not be started";
        if (status >= 0) bench_describe_exit(status, how, sizeof how);
        fprintf(stderr, "%s: suite '%s' %s\n", bench_prog, suites[i], how);
        fprintf(json, "{\"suite\": ");
        bench_json_string(json, suites[i]);
        fprintf(json, ", \"error\": ");
        bench_json_string(json, how);
        fprintf(json, "}");
        unlink(path);
        failures++;
    }
    fprintf(json, "\n]}\n");
    rmdir(dir);
    int rc = failures ? 1 : 0;
    FILE *targets[2] = {o->json ? stdout : NULL, o->json_file ? fopen(o->json_file, "w") : NULL};
    if (o->json_file && !targets[1]) {
        fprintf(stderr, "%s: cannot write %s: %s\n", bench_prog, o->json_file, strerror(errno));
        rc = 1;
    }
    for (int t = 0; t < 2; t++) {
        if (!targets[t]) continue;
        rewind(json);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, json)) > 0) fwrite(buf, 1, n, targets[t]);
        if (t == 1 && fclose(targets[t]) != 0) rc = 1;
    }
    fclose(json);
    return rc;
}
