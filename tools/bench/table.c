/* clnn-bench: the side-by-side table (or JSON) that the op suites print: clnn's
 * time, throughput and % of the measured peak beside the PyTorch CPU reference. */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double throughput(double work, double seconds) { return work / seconds * 1e-9; }

/* "1.52x" when clnn is faster by that factor, "0.66x" when slower; "-" if unknown. */
static void ratio_text(double torch_ms, double clnn_s, char *buf, size_t len)
{
    if (isnan(torch_ms) || clnn_s <= 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2fx", torch_ms * 1e-3 / clnn_s);
}

static void ms_text(double ms, char *buf, size_t len)
{
    if (isnan(ms))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2f", ms);
}

static void print_json(const bench_table *t)
{
    printf("{\n  \"suite\": ");
    bench_json_string(t->suite);
    printf(",\n  \"device\": ");
    bench_json_string(t->device.device_name);
    printf(",\n  \"peak\": %.2f,\n  \"unit\": ", t->peak);
    bench_json_string(t->unit);
    printf(",\n  \"torch\": ");
    bench_json_string(t->torch_version[0] ? t->torch_version : t->torch_error);
    printf(",\n  \"rows\": [\n");
    for (size_t i = 0; i < t->count; i++) {
        const bench_row *r = &t->rows[i];
        printf("    {\"case\": ");
        bench_json_string(r->name);
        printf(", \"forward_ms\": %.4f, \"throughput\": %.2f, \"forward_backward_ms\": %.4f, "
               "\"torch_forward_ms\": %s%.4f%s, \"torch_forward_backward_ms\": %s%.4f%s}%s\n",
               r->forward_s * 1e3, throughput(r->work, r->forward_s), r->forward_backward_s * 1e3,
               isnan(r->torch_forward_ms) ? "\"" : "", r->torch_forward_ms,
               isnan(r->torch_forward_ms) ? "\"" : "",
               isnan(r->torch_forward_backward_ms) ? "\"" : "", r->torch_forward_backward_ms,
               isnan(r->torch_forward_backward_ms) ? "\"" : "", i + 1 < t->count ? "," : "");
    }
    printf("  ]\n}\n");
}

void bench_table_print(const bench_table *t, int json)
{
    if (json) {
        print_json(t);
        return;
    }
    printf("device: %s (%s)\n", t->device.device_name, t->device.platform_name);
    printf("peak:   %.1f %s (measured now; the 100 %% line)\n", t->peak, t->unit);
    if (t->torch_version[0])
        printf("reference: PyTorch %s on the CPU, %d threads, same shapes\n", t->torch_version,
               t->threads);
    else
        printf("reference: unavailable (%s)\n", t->torch_error);
    printf("times: median of %d runs after a warm-up; 'vs torch' > 1 means clnn is faster\n\n",
           t->repeat);
    printf("%-34s | %9s | %7s | %6s | %9s | %8s | %9s | %9s | %8s\n", "case", "fwd ms", t->unit,
           "% peak", "torch ms", "vs torch", "f+b ms", "torch f+b", "vs torch");
    for (int i = 0; i < 122; i++) putchar('-');
    putchar('\n');
    for (size_t i = 0; i < t->count; i++) {
        const bench_row *r = &t->rows[i];
        double tp = throughput(r->work, r->forward_s);
        char torch_f[16], ratio_f[16], torch_fb[16], ratio_fb[16];
        ms_text(r->torch_forward_ms, torch_f, sizeof torch_f);
        ratio_text(r->torch_forward_ms, r->forward_s, ratio_f, sizeof ratio_f);
        ms_text(r->torch_forward_backward_ms, torch_fb, sizeof torch_fb);
        ratio_text(r->torch_forward_backward_ms, r->forward_backward_s, ratio_fb,
                   sizeof ratio_fb);
        printf("%-34s | %9.2f | %7.1f | %5.1f%% | %9s | %8s | %9.2f | %9s | %8s\n", r->name,
               r->forward_s * 1e3, tp, 100.0 * tp / t->peak, torch_f, ratio_f,
               r->forward_backward_s * 1e3, torch_fb, ratio_fb);
    }
}

void bench_table_add_torch(bench_table *t, const bench_options *o, const char *cases)
{
    double fwd[BENCH_MAX_ROWS], both[BENCH_MAX_ROWS];
    t->threads = o->threads;
    if (bench_torch_reference(o, cases, t->count, fwd, both, t->torch_version,
                              sizeof t->torch_version, t->torch_error,
                              sizeof t->torch_error) != 0) {
        t->torch_version[0] = '\0';
        for (size_t i = 0; i < t->count; i++)
            t->rows[i].torch_forward_ms = t->rows[i].torch_forward_backward_ms = NAN;
        return;
    }
    for (size_t i = 0; i < t->count; i++) {
        t->rows[i].torch_forward_ms = fwd[i];
        t->rows[i].torch_forward_backward_ms = both[i];
    }
}

int bench_run_suite(bench_options *o, const bench_suite *suite)
{
    static bench_table t;
    memset(&t, 0, sizeof t);
    t.suite = suite->name;
    t.unit = suite->unit;
    t.repeat = o->repeat;
    clnn_context_t ctx = NULL;
    peak_result peak;
    clnn_status st = bench_open(o, &ctx, &t.device, &peak);
    t.peak = strcmp(suite->unit, "GB/s") == 0 ? peak.gbps : peak.gflops;
    char torch_cases[BENCH_MAX_ROWS * 160] = "";
    void *problem = calloc(1, suite->problem_size);
    if (!problem && st == CLNN_SUCCESS) st = bench_out_of_memory();
    for (size_t i = 0; i < suite->count && i < BENCH_MAX_ROWS && st == CLNN_SUCCESS; i++) {
        bench_row *r = &t.rows[t.count];
        size_t used = strlen(torch_cases);
        st = suite->create(ctx, i, problem, r, torch_cases + used, sizeof torch_cases - used);
        if (st != CLNN_SUCCESS) break;
        t.count++;
        st = bench_time(ctx, suite->forward, problem, o->repeat, &r->forward_s);
        if (st == CLNN_SUCCESS)
            st = bench_time(ctx, suite->forward_backward, problem, o->repeat,
                            &r->forward_backward_s);
        suite->destroy(problem);
    }
    free(problem);
    clnn_context_destroy(ctx); /* before PyTorch runs, so the two never share the CPU */
    if (st != CLNN_SUCCESS) return bench_report_failure();
    bench_table_add_torch(&t, o, torch_cases);
    bench_table_print(&t, o->json);
    return 0;
}
