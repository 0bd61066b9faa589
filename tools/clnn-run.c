/* clnn-run: runs an ONNX model on an OpenCL device with inputs from .npy files,
 * writes the outputs as .npy, times repeated runs, or lists the graph. */
#define _POSIX_C_SOURCE 200809L

#include "tools/npy.h"

#include <clnn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char prog[] = "clnn-run";

#define MAX_VALUES 64

typedef struct run_options {
    const char *model;
    const char *inputs[MAX_VALUES]; /* "name=file.npy" */
    int n_inputs;
    const char *output_dir;
    int bench;                      /* timed runs after one warm-up */
    int list;
    const char *device;
} run_options;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s MODEL.onnx [--input NAME=FILE.npy ...] [--output DIR] [--bench N]\n"
            "                [--list] [--device SPEC] [--help]\n"
            "Runs an ONNX model with clnn and prints each output's shape and first values.\n"
            "\n"
            "  --input NAME=FILE  a graph input from a .npy file (float32, int64, int32);\n"
            "                     float inputs not given are filled with reproducible\n"
            "                     uniform values in [-1, 1) (their shapes must be static)\n"
            "  --output DIR       write each output to DIR/NAME.npy\n"
            "  --bench N          after one warm-up run, time N runs (median, min, mean)\n"
            "  --list             print the graph (nodes and shapes) after one run\n"
            "  --device SPEC      the device, as CLNN_DEVICE (\"pocl\", \"0:1\", ...)\n"
            "  --help             show this help\n",
            prog);
}

static int parse_args(int argc, char **argv, run_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--input") == 0 || strcmp(a, "--output") == 0 ||
                    strcmp(a, "--bench") == 0 || strcmp(a, "--device") == 0;
        if (takes && !next) {
            fprintf(stderr, "%s: %s needs a value\n", prog, a);
            return -1;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--input") == 0) {
            if (o->n_inputs == MAX_VALUES || !strchr(next, '=')) {
                fprintf(stderr, "%s: --input wants NAME=FILE.npy (at most %d)\n", prog,
                        MAX_VALUES);
                return -1;
            }
            o->inputs[o->n_inputs++] = argv[++i];
        } else if (strcmp(a, "--output") == 0) {
            o->output_dir = argv[++i];
        } else if (strcmp(a, "--bench") == 0) {
            o->bench = atoi(argv[++i]);
            if (o->bench < 1) {
                fprintf(stderr, "%s: --bench wants a count >= 1\n", prog);
                return -1;
            }
        } else if (strcmp(a, "--device") == 0) {
            o->device = argv[++i];
        } else if (strcmp(a, "--list") == 0) {
            o->list = 1;
        } else if (a[0] == '-' || o->model) {
            fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", prog, a);
            return -1;
        } else {
            o->model = a;
        }
    }
    if (!o->model) {
        usage(stderr);
        return -1;
    }
    return 0;
}

static void print_shape(const clnn_onnx_value *v)
{
    printf("[");
    for (int i = 0; i < v->rank; i++)
        printf(i ? ", %lld" : "%lld", (long long)v->dims[i]);
    printf("]");
}

static int64_t count_of(const clnn_onnx_value *v)
{
    int64_t c = 1;
    for (int i = 0; i < v->rank; i++)
        c *= v->dims[i];
    return c;
}

/* Fills in[] for every graph input: from --input files, else random floats. */
static int gather_inputs(clnn_onnx_model_t model, const run_options *o, clnn_onnx_value *in,
                         int *n_in)
{
    int count;
    clnn_onnx_model_input_count(model, &count);
    if (count > MAX_VALUES) {
        fprintf(stderr, "%s: the model has more than %d inputs\n", prog, MAX_VALUES);
        return -1;
    }
    for (int k = 0; k < count; k++) {
        clnn_onnx_value info;
        clnn_onnx_model_input_info(model, k, &info);
        const char *file = NULL;
        size_t len = strlen(info.name);
        for (int i = 0; i < o->n_inputs; i++)
            if (strncmp(o->inputs[i], info.name, len) == 0 && o->inputs[i][len] == '=')
                file = o->inputs[i] + len + 1;
        char err[256];
        if (file) {
            if (npy_read(file, &in[k], err, sizeof(err)) != 0) {
                fprintf(stderr, "%s: input '%s': %s\n", prog, info.name, err);
                return -1;
            }
        } else {
            in[k] = info;
            int64_t c = count_of(&info);
            if (info.dtype != CLNN_FLOAT32 || c < 1) {
                fprintf(stderr, "%s: input '%s' needs --input (not float32 or open "
                        "shape)\n", prog, info.name);
                return -1;
            }
            for (int i = 0; i < info.rank; i++)
                if (info.dims[i] < 1) {
                    fprintf(stderr, "%s: input '%s' has an open shape: give --input\n",
                            prog, info.name);
                    return -1;
                }
            float *x = malloc((size_t)c * sizeof(float));
            if (!x)
                return -1;
            uint32_t s = 12345u + (uint32_t)k;
            for (int64_t i = 0; i < c; i++) {
                s = s * 1664525u + 1013904223u;
                x[i] = (float)((s >> 8) * (2.0 / 16777216.0) - 1.0);
            }
            in[k].data = x;
        }
        in[k].name = info.name;
        *n_in = k + 1;
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void list_graph(clnn_onnx_model_t model)
{
    int count;
    clnn_onnx_model_node_count(model, &count);
    for (int i = 0; i < count; i++) {
        const char *type, *name;
        clnn_onnx_value out;
        clnn_onnx_model_node_info(model, i, &type, &name, &out);
        printf("%4d  %-20s %-30s -> %s ", i, type, name, out.name ? out.name : "");
        print_shape(&out);
        printf("\n");
    }
}

static int report_outputs(const run_options *o, clnn_onnx_value *out, int n_out)
{
    for (int i = 0; i < n_out; i++) {
        printf("output '%s' ", out[i].name);
        print_shape(&out[i]);
        int64_t c = count_of(&out[i]);
        for (int64_t k = 0; k < c && k < 6; k++) {
            if (out[i].dtype == CLNN_FLOAT32)
                printf(" %.6g", ((const float *)out[i].data)[k]);
            else if (out[i].dtype == CLNN_INT64)
                printf(" %lld", (long long)((const int64_t *)out[i].data)[k]);
        }
        printf(c > 6 ? " ...\n" : "\n");
        if (o->output_dir) {
            char path[4096], err[256], name[256];
            snprintf(name, sizeof(name), "%s", out[i].name);
            for (char *p = name; *p; p++)
                if (*p == '/' || *p == '\\' || *p == ':')
                    *p = '_';
            snprintf(path, sizeof(path), "%s/%s.npy", o->output_dir, name);
            if (npy_write(path, &out[i], err, sizeof(err)) != 0) {
                fprintf(stderr, "%s: %s\n", prog, err);
                return -1;
            }
        }
    }
    return 0;
}

static int bench(clnn_onnx_model_t model, int n_in, const clnn_onnx_value *in, int runs)
{
    double *t = calloc((size_t)runs, sizeof(double)), sum = 0;
    if (!t)
        return -1;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        clnn_status s = clnn_onnx_model_run(model, n_in, in, 0, NULL);
        t[r] = now_ms() - t0;
        sum += t[r];
        if (s != CLNN_SUCCESS) {
            fprintf(stderr, "%s: run: %s: %s\n", prog, clnn_status_string(s),
                    clnn_last_error());
            free(t);
            return -1;
        }
    }
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    printf("bench: %d runs: median %.3f ms, min %.3f ms, mean %.3f ms (inputs uploaded, "
           "outputs not read back)\n", runs, t[runs / 2], t[0], sum / runs);
    free(t);
    return 0;
}

static int run(const run_options *o, clnn_context_t ctx)
{
    clnn_onnx_model_t model;
    clnn_status s = clnn_onnx_model_load(ctx, o->model, &model);
    if (s != CLNN_SUCCESS) {
        fprintf(stderr, "%s: %s: %s: %s\n", prog, o->model, clnn_status_string(s),
                clnn_last_error());
        return 1;
    }
    clnn_onnx_value in[MAX_VALUES], out[MAX_VALUES];
    int n_in = 0, n_out, rc = 1;
    clnn_onnx_model_output_count(model, &n_out);
    n_out = n_out > MAX_VALUES ? MAX_VALUES : n_out;
    if (gather_inputs(model, o, in, &n_in) == 0) {
        double t0 = now_ms();
        s = clnn_onnx_model_run(model, n_in, in, n_out, out);
        double ms = now_ms() - t0;
        if (s != CLNN_SUCCESS) {
            fprintf(stderr, "%s: run: %s: %s\n", prog, clnn_status_string(s),
                    clnn_last_error());
        } else {
            printf("run: %.3f ms (first run: plans, compiles kernels)\n", ms);
            if (o->list)
                list_graph(model);
            rc = report_outputs(o, out, n_out) != 0 ||
                 (o->bench && bench(model, n_in, in, o->bench) != 0);
            for (int i = 0; i < n_out; i++)
                clnn_onnx_value_release(&out[i]);
        }
    }
    for (int i = 0; i < n_in; i++)
        free(in[i].data);
    clnn_onnx_model_destroy(model);
    return rc;
}

int main(int argc, char **argv)
{
    run_options o;
    memset(&o, 0, sizeof(o));
    int p = parse_args(argc, argv, &o);
    if (p != 0)
        return p > 0 ? 0 : 2;
    clnn_context_t ctx;
    clnn_status s = o.device ? clnn_context_create_on(o.device, &ctx)
                             : clnn_context_create(&ctx);
    if (s != CLNN_SUCCESS) {
        fprintf(stderr, "%s: no context: %s: %s\n", prog, clnn_status_string(s),
                clnn_last_error());
        return 1;
    }
    int rc = run(&o, ctx);
    clnn_context_destroy(ctx);
    return rc;
}
