/* clnn-bench softmax: softmax over the last axis, forward and forward+backward, as
 * memory bandwidth against the measured peak, beside PyTorch CPU. */
#include "bench.h"

#include <string.h>

typedef struct softmax_case {
    const char *name;
    int64_t rows, features;
} softmax_case;

/* A classifier's output, attention scores (N8 H8 T256: rows of 256), and a
 * language model's vocabulary. */
static const softmax_case cases[] = {
    {"softmax 128 x 1000", 128, 1000},
    {"softmax 16384 x 256 (attn T256)", 16384, 256},
    {"softmax 64 x 32000 (vocabulary)", 64, 32000},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

enum { X, Y, DY, DX, TENSOR_COUNT };

typedef struct softmax_problem {
    clnn_tensor_t t[TENSOR_COUNT];
} softmax_problem;

static void problem_destroy(void *arg)
{
    bench_tensors_destroy(((softmax_problem *)arg)->t, TENSOR_COUNT);
}

#define DESC(i) clnn_tensor_get_desc(p->t[i])
#define BUF(i) clnn_tensor_get_buffer(p->t[i])

static clnn_status run_forward(clnn_context_t ctx, void *arg)
{
    softmax_problem *p = arg;
    return bench_noted(clnn_softmax_forward(ctx, CLNN_SOFTMAX, 1, DESC(X), BUF(X), 0, DESC(Y),
                                            BUF(Y), 0),
                       "clnn_softmax_forward");
}

static clnn_status run_forward_backward(clnn_context_t ctx, void *arg)
{
    softmax_problem *p = arg;
    clnn_status st = run_forward(ctx, arg);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_softmax_backward(ctx, CLNN_SOFTMAX, 1, DESC(Y), BUF(Y), 0,
                                               DESC(DY), BUF(DY), 0, DESC(DX), BUF(DX), 0),
                         "clnn_softmax_backward");
    return st;
}

/* bench_suite.create: case `index` into `arg`, its row and its torch_ref.py line. */
static clnn_status create_case(clnn_context_t ctx, size_t index, void *arg, bench_row *row,
                               char *torch_line, size_t len)
{
    const softmax_case *c = &cases[index];
    softmax_problem *p = arg;
    memset(p, 0, sizeof *p);
    int64_t dims[2] = {c->rows, c->features};
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; i < TENSOR_COUNT && st == CLNN_SUCCESS; i++)
        st = bench_random_tensor(ctx, 2, dims, 4.0f, (uint32_t)i + 1, &p->t[i]);
    if (st != CLNN_SUCCESS) {
        problem_destroy(p);
        return st;
    }
    snprintf(row->name, sizeof row->name, "%s", c->name);
    row->work = 2.0 * (double)(c->rows * c->features) * sizeof(float); /* read x, write y */
    snprintf(torch_line, len, "softmax rows=%lld features=%lld\n", (long long)c->rows,
             (long long)c->features);
    return CLNN_SUCCESS;
}

int bench_softmax(bench_options *o)
{
    static const bench_suite suite = {"softmax", "GB/s", CASE_COUNT, sizeof(softmax_problem),
                                      create_case, problem_destroy, run_forward,
                                      run_forward_backward};
    return bench_run_suite(o, &suite);
}
