/* clnn-bench: benchmarks that print clnn's figures beside a reference in the same
 * run. Each suite lives in tools/bench/<suite>.c. */
#include "bench/bench.h"

#include <stdlib.h>
#include <string.h>

const char bench_prog[] = "clnn-bench";

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s SUITE [--device SPEC] [--repeat N] [--json] [--json-file PATH]\n"
            "       [--torch PATH] [--max-t N]\n"
            "       %s --tune gemm [--device SPEC] [--budget N] [--dry-run]\n"
            "\n"
            "  gemm     GEMM 256^3, 1024^3 and 64x3136x576 (conv-shaped): clnn's time,\n"
            "           GFLOPS and %% of the measured peak, beside CLBlast with its\n"
            "           default parameters and OpenBLAS (when built in); checks 256^3\n"
            "           against a CPU reference\n"
            "  conv     convolution layers, forward and forward+backward, beside PyTorch\n"
            "  convtranspose  the DCGAN generator's transposed convolutions, beside PyTorch\n"
            "  pool     max and average pooling, as bandwidth, beside PyTorch\n"
            "  softmax  softmax over the last axis, as bandwidth, beside PyTorch\n"
            "  lstm, gru, rnn  one recurrent layer over a sequence, forward and BPTT,\n"
            "           beside PyTorch (rnn: the simple tanh RNN)\n"
            "  attention  scaled dot-product attention, fused and unfused (T 256, 1024,\n"
            "           4096), beside PyTorch\n"
            "  layernorm  layer normalization over 512 and 768 features, as bandwidth\n"
            "  train-step  one training step of the seed MLP and seed CNN (batch 32, 128)\n"
            "           beside PyTorch, with the time inside and outside kernels\n"
            "  startup  new-process cost up to a first GEMM, with cold then warm caches\n"
            "  all      every suite above, each in its own process, %d runs per shape\n"
            "\n"
            "  --device SPEC    \"P:D\" or part of a platform/device name (as CLNN_DEVICE)\n"
            "  --repeat N       timed runs per shape, median reported (default 10)\n"
            "  --json           print JSON instead of Markdown tables\n"
            "  --json-file PATH also write the JSON to PATH\n"
            "  --torch PATH     the PyTorch reference script (default: bench/torch_ref.py)\n"
            "  --max-t N        attention: leave out the rows with sequences over N\n"
            "\n"
            "  --tune gemm      search CLBlast's Xgemm parameters on the device, check each\n"
            "                   set against a CPU reference, and save the fastest in the\n"
            "                   tuning database (clnn/tuning.h) that later runs use\n"
            "  --budget N       parameter sets to try after the one in effect (default %d)\n"
            "  --dry-run        search and report, but save nothing\n",
            bench_prog, bench_prog, BENCH_ALL_REPEAT, BENCH_TUNE_BUDGET);
}

/* A whole number from min to max for `option`; 0 ok, -1 bad (reported). */
static int parse_count(const char *option, const char *value, long min, long max, int *out)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (!*value || *end || n < min || n > max) {
        fprintf(stderr, "%s: %s wants a count from %ld to %ld, not '%s'\n", bench_prog, option,
                min, max, value);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* Options after the command; 0 ok, -1 bad usage (reported). */
static int parse_options(int argc, char **argv, int first, bench_options *o)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(arg, "--json-file") == 0 && value) {
            o->json_file = value;
            i++;
        } else if (strcmp(arg, "--dry-run") == 0) {
            o->tune_dry_run = 1;
        } else if (strcmp(arg, "--budget") == 0 && value) {
            if (parse_count(arg, value, 0, 10000, &o->tune_budget) != 0) return -1;
            i++;
        } else if (strcmp(arg, "--max-t") == 0 && value) {
            if (parse_count(arg, value, 1, 1 << 20, &o->max_t) != 0) return -1;
            i++;
        } else if (strcmp(arg, "--torch") == 0 && value) {
            o->torch = value;
            i++;
        } else if (strcmp(arg, "--device") == 0 && value) {
            o->device = value;
            i++;
        } else if (strcmp(arg, "--repeat") == 0 && value) {
            if (parse_count(arg, value, 1, 100000, &o->repeat) != 0) return -1;
            o->repeat_given = 1;
            i++;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", bench_prog, arg);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "";
    if (strcmp(command, "--startup-child") == 0 && argc >= 3)
        return bench_startup_child(argv[2], argc >= 5 && strcmp(argv[3], "--device") == 0
                                          ? argv[4] : NULL);
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*run)(bench_options *o);
    } suites[] = {{"gemm", bench_gemm},           {"conv", bench_conv},
                  {"convtranspose", bench_convtranspose}, {"pool", bench_pool},
                  {"softmax", bench_softmax},     {"lstm", bench_lstm},
                  {"gru", bench_gru},             {"rnn", bench_rnn},
                  {"attention", bench_attention}, {"layernorm", bench_layernorm},
                  {"train-step", bench_train_step}};
    bench_options o = {NULL, 10, 0, NULL, 2, NULL, 0, BENCH_TUNE_BUDGET, 0, 0};
    if (strcmp(command, "--tune") == 0) {
        const char *suite = argc > 2 ? argv[2] : "";
        if (!*suite || parse_options(argc, argv, 3, &o) != 0) {
            usage(stderr);
            return 2;
        }
        return bench_tune(&o, suite);
    }
    int known = strcmp(command, "startup") == 0 || strcmp(command, "all") == 0;
    int (*run)(bench_options *) = NULL;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (strcmp(command, suites[i].name) == 0) run = suites[i].run;
    if ((!known && !run) || parse_options(argc, argv, 2, &o) != 0) {
        if (!known && !run && *command)
            fprintf(stderr, "%s: unknown suite '%s'\n", bench_prog, command);
        usage(stderr);
        return 2;
    }
    if (run) return run(&o);
    if (strcmp(command, "all") == 0) {
        if (!o.repeat_given) o.repeat = BENCH_ALL_REPEAT;
        return bench_all(&o, argv[0]);
    }
    return bench_startup(&o, argv[0]);
}
