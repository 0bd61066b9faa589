/* clnn-bench: the side-by-side table (or JSON) that the op suites print: clnn's
 * time, throughput and % of the measured peak beside the PyTorch CPU reference. */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double throughput(double work, double seconds) { return work / seconds * 1e-9; }

static void ms_text(double ms, char *buf, size_t len)
{
    if (isnan(ms))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2f", ms);
}

static void print_json(const bench_table *t, FILE *out)
{
    fprintf(out, "{\n  \"suite\": ");
    bench_json_string(out, t->suite);
    fprintf(out, ",\n  \"device\": ");
    bench_json_string(out, t->device.device_name);
    fprintf(out, ",\n  \"peak\": %.2f,\n  \"unit\": ", t->peak);
    bench_json_string(out, t->unit);
    fprintf(out, ",\n  \"repeat\": %d,\n  \"torch\": ", t->repeat);
    bench_json_string(out, t->torch_version[0] ? t->torch_version : t->torch_error);
    fprintf(out, ",\n  \"rows\": [\n");
    for (size_t i = 0; i < t->count; i++) {
        const bench_row *r = &t->rows[i];
        fprintf(out, "    {\"case\": ");
        bench_json_string(out, r->name);
        fprintf(out, ", \"forward_ms\": %.4f, \"throughput\": %.2f, \"forward_backward_ms\": "
                "%.4f, \"torch_forward_ms\": ", r->forward_s * 1e3,
                throughput(r->work, r->forward_s), r->forward_backward_s * 1e3);
        bench_json_number(out, r->torch_forward_ms);
        fprintf(out, ", \"torch_forward_backward_ms\": ");
        bench_json_number(out, r->torch_forward_backward_ms);
        fprintf(out, ", \"ratio_forward\": ");
        bench_json_number(out, r->torch_forward_ms * 1e-3 / r->forward_s);
        fprintf(out, ", \"ratio_forward_backward\": ");
        bench_json_number(out, r->torch_forward_backward_ms * 1e-3 / r->forward_backward_s);
        fprintf(out, "}%s\n", i + 1 < t->count ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

void bench_table_print(const void *table, FILE *out, int json)
{
    const bench_table *t = table;
    if (json) {
        print_json(t, out);
        return;
    }
    fprintf(out, "### %s\n\n", t->suite);
    fprintf(out, "- device: %s (%s)\n", t->device.device_name, t->device.platform_name);
    fprintf(out, "- peak: %.1f %s (measured now; the 100 %% line)\n", t->peak, t->unit);
    if (t->torch_version[0])
        fprintf(out, "- reference: PyTorch %s on the CPU, %d threads, same shapes\n",
                t->torch_version, t->threads);
    else
        fprintf(out, "- reference: unavailable (%s)\n", t->torch_error);
    fprintf(out, "- times: median of %d runs after a warm-up; ratio = torch time / clnn time, "
            "and who wins\n\n", t->repeat);
    fprintf(out, "| %-34s | %9s | %7s | %6s | %9s | %11s | %9s | %9s | %11s |\n", "case",
            "fwd ms", t->unit, "% peak", "torch ms", "ratio", "f+b ms", "torch f+b", "ratio");
    fprintf(out, "|:%.34s-|-%.9s:|-%.7s:|-%.6s:|-%.9s:|-%.11s:|-%.9s:|-%.9s:|-%.11s:|\n",
            BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES, BENCH_DASHES,
            BENCH_DASHES, BENCH_DASHES, BENCH_DASHES);
    for (size_t i = 0; i < t->count; i++) {
        const bench_row *r = &t->rows[i];
        double tp = throughput(r->work, r->forward_s);
        char torch_f[16], ratio_f[24], torch_fb[16], ratio_fb[24];
        ms_text(r->torch_forward_ms, torch_f, sizeof torch_f);
        bench_ratio_text(r->torch_forward_ms * 1e-3, r->forward_s, "torch", ratio_f,
                         sizeof ratio_f);
        ms_text(r->torch_forward_backward_ms, torch_fb, sizeof torch_fb);
        bench_ratio_text(r->torch_forward_backward_ms * 1e-3, r->forward_backward_s, "torch",
                         ratio_fb, sizeof ratio_fb);
        fprintf(out, "| %-34s | %9.2f | %7.1f | %5.1f%% | %9s | %11s | %9.2f | %9s | %11s |\n",
                r->name, r->forward_s * 1e3, tp, 100.0 * tp / t->peak, torch_f, ratio_f,
                r->forward_backward_s * 1e3, torch_fb, ratio_fb);
    }
    fputc('\n', out);
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
    return bench_emit(o, bench_table_print, &t);
}
