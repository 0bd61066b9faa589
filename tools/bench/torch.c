/* clnn-bench: the PyTorch CPU reference. Runs bench/torch_ref.py with the cases
 * on stdin and reads one result line per case (see the script's docstring). */
#define _XOPEN_SOURCE 700

#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The script: --torch PATH, else the source tree's copy, else the installed one. */
static const char *script_path(const bench_options *o)
{
    static const char *const candidates[] = {CLNN_SRCDIR "/bench/torch_ref.py",
                                             CLNN_PKGDATADIR "/torch_ref.py"};
    if (o->torch) return o->torch;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (access(candidates[i], R_OK) == 0) return candidates[i];
    return NULL;
}

/* Debian's interpreter first: it is the one python3-torch installs into. */
static const char *python_path(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Starts the script with pipes on its stdin and stdout; returns its pid or -1. */
static pid_t start_script(const char *script, int threads, int repeat, int *to_child,
                          int *from_child)
{
    int in[2], out[2];
    if (pipe(in) != 0) return -1;
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    char threads_arg[16], repeat_arg[16];
    snprintf(threads_arg, sizeof threads_arg, "%d", threads);
    snprintf(repeat_arg, sizeof repeat_arg, "%d", repeat);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        const char *python = python_path();
        execlp(python, python, script, "--threads", threads_arg, "--repeat", repeat_arg,
               (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return -1;
    }
    *to_child = in[1];
    *from_child = out[0];
    return pid;
}

/* Parses "torch VERSION\n" then `count` result lines. */
static int parse_results(char *text, size_t count, double *forward_ms, double *both_ms,
                         char *version, size_t version_len, char *why, size_t why_len)
{
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    if (!line || strncmp(line, "torch ", 6) != 0) {
        snprintf(why, why_len, "%s", line ? line : "no output from the PyTorch script");
        return -1;
    }
    snprintf(version, version_len, "%s", line + 6);
    for (size_t i = 0; i < count; i++) {
        line = strtok_r(NULL, "\n", &save);
        forward_ms[i] = both_ms[i] = NAN;
        if (line && sscanf(line, "ok %lf %lf", &forward_ms[i], &both_ms[i]) == 2) continue;
        snprintf(why, why_len, "case %zu: %s", i + 1, line ? line : "no result");
        return -1;
    }
    return 0;
}

int bench_torch_reference(const bench_options *o, const char *cases, size_t count,
                          double *forward_ms, double *forward_backward_ms, char *version,
                          size_t version_len, char *why, size_t why_len)
{
    const char *script = script_path(o);
    if (!script) {
        snprintf(why, why_len, "bench/torch_ref.py not found (use --torch PATH)");
        return -1;
    }
    int to_child, from_child;
    pid_t pid = start_script(script, o->threads, o->repeat, &to_child, &from_child);
    if (pid < 0) {
        snprintf(why, why_len, "cannot start %s: %s", script, strerror(errno));
        return -1;
    }
    bench_write_all(to_child, cases, strlen(cases));
    close(to_child);
    size_t cap = 256 + count * 128;
    char *text = calloc(1, cap);
    if (text) bench_read_all(from_child, text, cap - 1);
    close(from_child);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int rc = -1;
    if (!text)
        snprintf(why, why_len, "out of host memory");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(why, why_len, "cannot run %s (python3 missing?)", python_path());
    else
        rc = parse_results(text, count, forward_ms, forward_backward_ms, version, version_len,
                           why, why_len);
    free(text);
    return rc;
}
