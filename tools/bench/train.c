/* clnn-bench train-step: one clnn_model_train_on_batch step (forward, loss,
 * backward, Adam) of the seed MLP and the seed CNN, beside the same step in
 * PyTorch, with the share of the step's wall time spent inside kernels (from the
 * CLNN_PROFILE event times) and outside them (host work, launches, waits). */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct train_case {
    const char *model; /* "MLP 784-128-10" or "CNN (mnist-cnn)" */
    const char *torch_op;
    int cnn;
    int64_t batch;
} train_case;

static const train_case cases[] = {
    {"seed MLP 784-128-10", "train_mlp", 0, 32},
    {"seed MLP 784-128-10", "train_mlp", 0, 128},
    {"seed CNN (mnist-cnn)", "train_cnn", 1, 32},
    {"seed CNN (mnist-cnn)", "train_cnn", 1, 128},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define PROFILED_CASE 2 /* its per-kernel table is printed below the suite's table */
#define TOP_KERNELS 8

typedef struct train_row {
    double step_s;      /* median wall time of a step (with its finish)         */
    double kernel_s;    /* mean kernel time of a step                           */
    double outside;     /* 1 - kernel time / wall time, over all timed steps    */
    double torch_ms;
} train_row;

typedef struct train_report {
    clnn_device_info device;
    int repeat, threads;
    char torch_version[64], torch_error[256];
    train_row rows[CASE_COUNT];
    size_t top_count;
    clnn_profile_entry top[TOP_KERNELS]; /* of PROFILED_CASE; names copied below */
    char top_names[TOP_KERNELS][64];
    uint64_t top_steps;
} train_report;

static clnn_status build_model(clnn_context_t ctx, const train_case *c, clnn_model_t *out)
{
    clnn_model_t m = NULL;
    clnn_status st = bench_noted(clnn_model_create(ctx, &m), "clnn_model_create");
    int64_t image[3] = {1, 28, 28};
    if (st == CLNN_SUCCESS) st = clnn_model_add_input(m, 3, image);
    for (int i = 0; c->cnn && i < 3 && st == CLNN_SUCCESS; i++) {
        st = clnn_model_add_conv2d(m, i == 0 ? 32 : 64, 3, 3, 1, CLNN_PAD_VALID,
                                   CLNN_ACTIVATION_RELU);
        if (st == CLNN_SUCCESS && i < 2) st = clnn_model_add_maxpool2d(m, 2, 2);
    }
    if (st == CLNN_SUCCESS) st = clnn_model_add_flatten(m);
    if (st == CLNN_SUCCESS)
        st = clnn_model_add_dense(m, c->cnn ? 64 : 128, CLNN_ACTIVATION_RELU);
    if (st == CLNN_SUCCESS) st = clnn_model_add_dense(m, 10, CLNN_ACTIVATION_NONE);
    clnn_optimizer_desc adam = clnn_optimizer_default(CLNN_OPTIMIZER_ADAM);
    if (st == CLNN_SUCCESS)
        st = clnn_model_compile(m, CLNN_LOSS_SPARSE_CE_LOGITS, &adam, c->batch);
    bench_noted(st, "building the seed model");
    if (st != CLNN_SUCCESS) clnn_model_destroy(m);
    *out = st == CLNN_SUCCESS ? m : NULL;
    return st;
}

typedef struct step_problem {
    clnn_model_t model;
    float *x;
    int32_t *y;
    int64_t batch;
} step_problem;

/* One training step, enqueued (train_on_batch without the loss does not wait). */
static clnn_status run_step(clnn_context_t ctx, void *arg)
{
    (void)ctx;
    step_problem *p = arg;
    return bench_noted(clnn_model_train_on_batch(p->model, p->x, p->y, p->batch, NULL),
                       "clnn_model_train_on_batch");
}

/* Keeps the largest kernels of the profiled case (names copied: the profile's
 * own strings go with the next reset). */
static void keep_top_kernels(clnn_context_t ctx, train_report *r, uint64_t steps)
{
    size_t count = 0;
    clnn_profile_kernel_count(ctx, &count);
    r->top_count = count < TOP_KERNELS ? count : TOP_KERNELS;
    r->top_steps = steps;
    for (size_t i = 0; i < r->top_count; i++) {
        clnn_profile_kernel(ctx, i, &r->top[i]);
        snprintf(r->top_names[i], sizeof r->top_names[i], "%s", r->top[i].name);
        r->top[i].name = r->top_names[i];
    }
}

/* `repeat` steps, each waited for: the median wall time, and the kernel time and
 * the share outside kernels over all of them (means, so the two compare). */
static clnn_status time_steps(clnn_context_t ctx, step_problem *p, int repeat, train_row *row)
{
    double *walls = malloc((size_t)repeat * sizeof *walls), wall_sum = 0.0;
    if (!walls) return bench_out_of_memory();
    clnn_status st = bench_noted(clnn_profile_reset(ctx), "clnn_profile_reset");
    for (int i = 0; i < repeat && st == CLNN_SUCCESS; i++) {
        double t0 = peak_now();
        st = run_step(ctx, p);
        if (st == CLNN_SUCCESS) st = bench_noted(clnn_context_finish(ctx), "clnn_context_finish");
        walls[i] = peak_now() - t0;
        wall_sum += walls[i];
    }
    uint64_t kernel_ns = 0;
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_profile_total_ns(ctx, &kernel_ns), "clnn_profile_total_ns");
    if (st == CLNN_SUCCESS) {
        row->step_s = peak_median(walls, (size_t)repeat);
        row->kernel_s = (double)kernel_ns * 1e-9 / repeat;
        row->outside = 1.0 - (double)kernel_ns * 1e-9 / wall_sum;
        if (row->outside < 0.0) row->outside = 0.0; /* event clocks vs the host's */
    }
    free(walls);
    return st;
}

/* Times case `i`: a warm-up step (kernel builds), then `repeat` recorded steps. */
static clnn_status measure_case(clnn_context_t ctx, size_t i, int repeat, train_report *r)
{
    const train_case *c = &cases[i];
    step_problem p = {NULL, NULL, NULL, c->batch};
    clnn_status st = build_model(ctx, c, &p.model);
    size_t pixels = (size_t)c->batch * 28 * 28;
    p.x = malloc(pixels * sizeof *p.x);
    p.y = malloc((size_t)c->batch * sizeof *p.y);
    if (st == CLNN_SUCCESS && (!p.x || !p.y)) st = bench_out_of_memory();
    if (st == CLNN_SUCCESS) {
        bench_fill_random(p.x, pixels, 11);
        for (int64_t j = 0; j < c->batch; j++) p.y[j] = (int32_t)((j * 7 + 3) % 10);
        st = run_step(ctx, &p);
    }
    if (st == CLNN_SUCCESS) st = bench_noted(clnn_context_finish(ctx), "clnn_context_finish");
    if (st == CLNN_SUCCESS) st = time_steps(ctx, &p, repeat, &r->rows[i]);
    if (st == CLNN_SUCCESS && i == PROFILED_CASE) keep_top_kernels(ctx, r, (uint64_t)repeat);
    clnn_model_destroy(p.model);
    free(p.x);
    free(p.y);
    return st;
}

/* A context that records kernel times: CLNN_PROFILE is set only around its
 * creation. */
static clnn_status open_profiled(bench_options *o, clnn_context_t *ctx, train_report *r)
{
    setenv("CLNN_PROFILE", "1", 1);
    clnn_env_reload();
    clnn_status st = bench_noted(clnn_context_create_on(o->device, ctx), "clnn_context_create");
    unsetenv("CLNN_PROFILE");
    clnn_env_reload();
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_context_device(*ctx, &r->device), "clnn_context_device");
    if (st == CLNN_SUCCESS && r->device.kind == CLNN_DEVICE_KIND_CPU)
        o->threads = (int)r->device.compute_units;
    return st;
}

static void print_json(const train_report *r, FILE *out)
{
    fprintf(out, "{\n  \"suite\": \"train-step\",\n  \"device\": ");
    bench_json_string(out, r->device.device_name);
    fprintf(out, ",\n  \"repeat\": %d,\n  \"torch\": ", r->repeat);
    bench_json_string(out, r->torch_version[0] ? r->torch_version : r->torch_error);
    fprintf(out, ",\n  \"rows\": [\n");
    for (size_t i = 0; i < CASE_COUNT; i++) {
        const train_row *row = &r->rows[i];
        fprintf(out, "    {\"model\": ");
        bench_json_string(out, cases[i].model);
        fprintf(out, ", \"batch\": %lld, \"step_ms\": %.4f, \"kernel_ms\": %.4f, "
                "\"outside_kernels\": %.4f, \"torch_step_ms\": ", (long long)cases[i].batch,
                row->step_s * 1e3, row->kernel_s * 1e3, row->outside);
        bench_json_number(out, row->torch_ms);
        fprintf(out, ", \"ratio\": ");
        bench_json_number(out, row->torch_ms * 1e-3 / row->step_s);
        fprintf(out, "}%s\n", i + 1 < CASE_COUNT ? "," : "");
    }
    fprintf(out, "  ],\n  \"profile\": {\"case\": %d, \"steps\": %llu, \"kernels\": [\n",
            PROFILED_CASE, (unsigned long long)r->top_steps);
    for (size_t i = 0; i < r->top_count; i++) {
        fprintf(out, "    {\"name\": ");
        bench_json_string(out, r->top[i].name);
        fprintf(out, ", \"calls\": %llu, \"total_ms\": %.4f}%s\n",
                (unsigned long long)r->top[i].calls, (double)r->top[i].total_ns * 1e-6,
                i + 1 < r->top_count ? "," : "");
    }
    fprintf(out, "  ]}\n}\n");
}

static void print_text(const train_report *r, FILE *out)
{
    fprintf(out, "### train-step\n\n- device: %s (%s)\n", r->device.device_name,
            r->device.platform_name);
    if (r->torch_version[0])
        fprintf(out, "- reference: PyTorch %s on the CPU, %d threads, the same step (Adam, "
                "sparse cross-entropy from logits)\n", r->torch_version, r->threads);
    else
        fprintf(out, "- reference: unavailable (%s)\n", r->torch_error);
    fprintf(out, "- step: clnn_model_train_on_batch + finish, median of %d after a warm-up, "
            "with CLNN_PROFILE on; kernel ms = mean device time of a step's kernels (event "
            "START..END; a CLBlast GEMM from the queue reaching it to its last kernel's "
            "end); outside = 1 - kernel / wall time over the same steps: host work, "
            "launches and waits\n\n", r->repeat);
    fprintf(out, "| %-22s | %5s | %9s | %9s | %11s | %9s | %7s |\n", "model", "batch",
            "step ms", "torch ms", "ratio", "kernel ms", "outside");
    fprintf(out, "|:%.22s-|-%.5s:|-%.9s:|-%.9s:|-%.11s:|-%.9s:|-%.7s:|\n", BENCH_DASHES,
            BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES,
            BENCH_DASHES);
    for (size_t i = 0; i < CASE_COUNT; i++) {
        const train_row *row = &r->rows[i];
        char torch[16] = "-", ratio[24];
        if (!isnan(row->torch_ms)) snprintf(torch, sizeof torch, "%.2f", row->torch_ms);
        bench_ratio_text(row->torch_ms * 1e-3, row->step_s, "torch", ratio, sizeof ratio);
        fprintf(out, "| %-22s | %5lld | %9.2f | %9s | %11s | %9.2f | %6.1f%% |\n",
                cases[i].model, (long long)cases[i].batch, row->step_s * 1e3, torch, ratio,
                row->kernel_s * 1e3, 100.0 * row->outside);
    }
    const train_row *pr = &r->rows[PROFILED_CASE];
    fprintf(out, "\nWhere a %s batch-%lld step goes (%llu steps; the largest kernels):\n\n",
            cases[PROFILED_CASE].model, (long long)cases[PROFILED_CASE].batch,
            (unsigned long long)r->top_steps);
    fprintf(out, "| %-40s | %9s | %9s | %7s |\n", "kernel", "per step", "ms/step", "% step");
    fprintf(out, "|:%.40s-|-%.9s:|-%.9s:|-%.7s:|\n", BENCH_DASHES, BENCH_DASHES, BENCH_DASHES,
            BENCH_DASHES);
    double steps = (double)(r->top_steps ? r->top_steps : 1);
    for (size_t i = 0; i < r->top_count; i++) {
        double ms = (double)r->top[i].total_ns * 1e-6 / steps;
        fprintf(out, "| %-40s | %9.1f | %9.3f | %6.1f%% |\n", r->top[i].name,
                (double)r->top[i].calls / steps, ms, 100.0 * ms * 1e-3 / pr->step_s);
    }
    fprintf(out, "| %-40s | %9s | %9.3f | %6.1f%% |\n\n", "(outside kernels)", "",
            pr->outside * pr->step_s * 1e3, 100.0 * pr->outside);
}

static void print_report(const void *report, FILE *out, int json)
{
    if (json)
        print_json(report, out);
    else
        print_text(report, out);
}

int bench_train_step(bench_options *o)
{
    static train_report r;
    memset(&r, 0, sizeof r);
    r.repeat = o->repeat;
    clnn_context_t ctx = NULL;
    clnn_status st = open_profiled(o, &ctx, &r);
    for (size_t i = 0; i < CASE_COUNT && st == CLNN_SUCCESS; i++)
        st = measure_case(ctx, i, o->repeat, &r);
    if (ctx) clnn_profile_reset(ctx); /* no table on stderr at destruction */
    clnn_context_destroy(ctx);        /* before PyTorch runs: never share the CPU */
    if (st != CLNN_SUCCESS) return bench_report_failure();
    r.threads = o->threads;
    char lines[CASE_COUNT * 32] = "";
    for (size_t i = 0; i < CASE_COUNT; i++) {
        size_t used = strlen(lines);
        snprintf(lines + used, sizeof lines - used, "%s n=%lld\n", cases[i].torch_op,
                 (long long)cases[i].batch);
    }
    double step_ms[CASE_COUNT], unused[CASE_COUNT];
    if (bench_torch_reference(o, lines, CASE_COUNT, step_ms, unused, r.torch_version,
                              sizeof r.torch_version, r.torch_error, sizeof r.torch_error) != 0)
        r.torch_version[0] = '\0';
    for (size_t i = 0; i < CASE_COUNT; i++)
        r.rows[i].torch_ms = r.torch_version[0] ? step_ms[i] : NAN;
    return bench_emit(o, print_report, &r);
}
