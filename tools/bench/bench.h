/* Shared pieces of the clnn-bench suites (tools/bench). Not part of the library. */
#ifndef CLNN_TOOLS_BENCH_H
#define CLNN_TOOLS_BENCH_H

#include "../peak.h"

#include <stdint.h>
#include <stdio.h>

extern const char bench_prog[];

typedef struct bench_options {
    const char *device; /* NULL: clnn's default choice */
    int repeat;
    int json;
    const char *torch;  /* path of bench/torch_ref.py, or NULL to look for it */
    int threads;        /* CPU threads for the PyTorch reference                */
    const char *json_file; /* also write the JSON here (NULL: no)              */
    int repeat_given;      /* --repeat was on the command line                  */
    int tune_budget;       /* --tune: parameter sets to try                     */
    int tune_dry_run;      /* --tune: report only, save nothing                 */
    int max_t;             /* attention: longest sequence to run (0: all)       */
} bench_options;

#define BENCH_TUNE_BUDGET 24

#define BENCH_ALL_REPEAT 3 /* `all`'s short form */

/* ---- errors: the first failure, kept as text (clnn_last_error() does not outlive
 * the next clnn call, and child processes send it through a pipe). */
#define BENCH_ERROR_MAX 1024
extern char bench_error_text[BENCH_ERROR_MAX];
clnn_status bench_noted(clnn_status st, const char *what);
clnn_status bench_out_of_memory(void);
int bench_report_failure(void);

/* ---- data */
/* Deterministic values in [-1, 1) (xorshift32); the same data in every process. */
void bench_fill_random(float *x, size_t n, uint32_t seed);
/* A float32 tensor of `rank` dims, uploaded from `host` when it is not NULL. */
clnn_status bench_tensor(clnn_context_t ctx, int rank, const int64_t *dims, const float *host,
                         clnn_tensor_t *out);

/* Destroys `count` tensors and sets them to NULL. */
void bench_tensors_destroy(clnn_tensor_t *tensors, size_t count);

/* A float32 tensor of random values in [-scale, scale). */
clnn_status bench_random_tensor(clnn_context_t ctx, int rank, const int64_t *dims, float scale,
                                uint32_t seed, clnn_tensor_t *out);

/* ---- timing: median seconds of `repeat` runs of run(arg) + finish, after one
 * warm-up run (which pays for kernel compilation). */
typedef clnn_status (*bench_run_fn)(clnn_context_t ctx, void *arg);
clnn_status bench_time(clnn_context_t ctx, bench_run_fn run, void *arg, int repeat,
                       double *seconds);

/* ---- processes */
int bench_write_all(int fd, const void *data, size_t len);
size_t bench_read_all(int fd, void *data, size_t len);
void bench_describe_exit(int status, char *buf, size_t len);

#define BENCH_DASHES "----------------------------------------------------------------"

/* ---- output: text is Markdown (pipe tables), so `make bench` keeps it as is */
void bench_json_string(FILE *out, const char *s);
/* A JSON number, or the string "nan" where x is not finite. */
void bench_json_number(FILE *out, double x);
/* Prints `report` as text, or as JSON with --json, to stdout, and as JSON to
 * o->json_file when set. Returns 0, or 1 when the file cannot be written. */
typedef void (*bench_print_fn)(const void *report, FILE *out, int json);
int bench_emit(const bench_options *o, bench_print_fn print, const void *report);
/* "1.52x clnn" when the reference takes longer than clnn, "0.66x ref" (with the
 * reference's short name) when it is faster; "-" when either is unknown. */
void bench_ratio_text(double reference_s, double clnn_s, const char *ref_name, char *buf,
                      size_t len);

/* ---- PyTorch CPU reference: runs torch_ref.py with `cases_json` (a JSON list) on
 * stdin and the device's thread count; fills forward and forward+backward times in
 * ms (NAN where missing). Returns 0, or -1 with the reason in `why`. */
int bench_torch_reference(const bench_options *o, const char *cases_json, size_t count,
                          double *forward_ms, double *forward_backward_ms, char *version,
                          size_t version_len, char *why, size_t why_len);

/* ---- the op suites' table */
#define BENCH_MAX_ROWS 16
typedef struct bench_row {
    char name[64];
    double work;                  /* flops (or bytes) of one forward pass     */
    double forward_s, forward_backward_s;
    double torch_forward_ms, torch_forward_backward_ms; /* NAN: none          */
} bench_row;

typedef struct bench_table {
    const char *suite;
    clnn_device_info device;
    double peak;                  /* GFLOPS or GB/s, as `unit` says           */
    const char *unit;             /* "GFLOPS" or "GB/s"                       */
    int repeat, threads;
    char torch_version[64], torch_error[256];
    size_t count;
    bench_row rows[BENCH_MAX_ROWS];
} bench_table;

/* Runs the PyTorch reference over `cases` (one line per row, in order). */
void bench_table_add_torch(bench_table *t, const bench_options *o, const char *cases);
void bench_table_print(const void *table, FILE *out, int json);

/* A context on the chosen device with its measured peak; sets o->threads to the
 * device's compute units when it is a CPU. */
clnn_status bench_open(bench_options *o, clnn_context_t *ctx, clnn_device_info *info,
                       peak_result *peak);

/* An op suite: `count` cases, each set up by create() (which fills the row's name
 * and work, and the case's line for torch_ref.py), timed with forward() and
 * forward_backward(), then torn down. */
typedef struct bench_suite {
    const char *name;
    const char *unit; /* "GFLOPS" (work in flops) or "GB/s" (work in bytes) */
    size_t count;
    size_t problem_size; /* bytes of the suite's problem struct */
    clnn_status (*create)(clnn_context_t ctx, size_t index, void *problem, bench_row *row,
                          char *torch_line, size_t torch_line_len);
    void (*destroy)(void *problem);
    bench_run_fn forward, forward_backward;
} bench_suite;

/* Runs every case of `suite` on the chosen device, then the PyTorch reference, and
 * prints the table. Returns the exit status. */
int bench_run_suite(bench_options *o, const bench_suite *suite);

/* ---- GEMM problems (gemm_problem.c): C = A * B row-major, A and B random. */
typedef struct bench_gemm_shape {
    size_t m, n, k;
} bench_gemm_shape;
typedef struct bench_gemm_problem {
    bench_gemm_shape shape;
    float *a, *b;           /* host copies, for the check */
    clnn_tensor_t ta, tb, tc;
} bench_gemm_problem;
clnn_status bench_gemm_problem_create(clnn_context_t ctx, size_t m, size_t n, size_t k,
                                      bench_gemm_problem *p);
void bench_gemm_problem_destroy(bench_gemm_problem *p);
/* C = A * B, enqueued only (a bench_run_fn; arg is the problem). */
clnn_status bench_gemm_problem_enqueue(clnn_context_t ctx, void *arg);
/* Downloads C; *error = max |c - ref| / sum_k |a b| (double reference). */
clnn_status bench_gemm_problem_verify(const bench_gemm_problem *p, double *error);

/* ---- suites */
/* clnn-bench --tune SUITE (tune.c) */
int bench_tune(bench_options *o, const char *suite);
int bench_conv(bench_options *o);
int bench_pool(bench_options *o);
int bench_rnn(bench_options *o);
int bench_lstm(bench_options *o);
int bench_gru(bench_options *o);
int bench_softmax(bench_options *o);
int bench_convtranspose(bench_options *o);
int bench_train_step(bench_options *o);
int bench_all(const bench_options *o, const char *argv0);
int bench_attention(bench_options *o);
int bench_layernorm(bench_options *o);
int bench_gemm(bench_options *o);
int bench_startup(const bench_options *o, const char *argv0);
int bench_startup_child(const char *t0_text, const char *device);

#endif
