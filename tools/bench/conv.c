/* clnn-bench conv: convolution forward and forward+backward (data, weights, bias)
 * on the seed CNN's layers and the common layer shapes, beside PyTorch CPU, with
 * the algorithm AUTO picks (CLNN_CONV_ALGO forces one). */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

typedef struct conv_case {
    const char *name;
    int64_t n, c, h, w, k, kernel, stride, pad, groups;
} conv_case;

/* The seed CNN (examples/mnist-cnn.c) has 3x3 valid convolutions 1->32 on 28x28
 * and 32->64 on 13x13; 32->64 28x28 with padding is the speed target's shape. */
static const conv_case cases[] = {
    {"3x3 1->32 28x28 b32 valid (seed)", 32, 1, 28, 28, 32, 3, 1, 0, 1},
    {"3x3 32->64 13x13 b32 valid (seed)", 32, 32, 13, 13, 64, 3, 1, 0, 1},
    {"3x3 32->64 28x28 b32 pad 1", 32, 32, 28, 28, 64, 3, 1, 1, 1},
    {"3x3 64->64 56x56 b64", 64, 64, 56, 56, 64, 3, 1, 1, 1},
    {"1x1 256->64 56x56 b32", 32, 256, 56, 56, 64, 1, 1, 0, 1},
    {"depthwise 3x3 128ch 28x28 b32", 32, 128, 28, 28, 128, 3, 1, 1, 128},
    {"3x3 stride 2 64->128 56x56 b32", 32, 64, 56, 56, 128, 3, 2, 1, 1},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

/* x, w, b, y and their gradients, plus the workspace, for one case. */
typedef struct conv_problem {
    clnn_conv2d_desc conv;
    clnn_tensor_t x, w, b, y, dx, dw, db, dy, workspace;
    size_t workspace_size;
} conv_problem;

static void problem_destroy(conv_problem *p)
{
    clnn_tensor_t *all[] = {&p->x, &p->w, &p->b, &p->y, &p->dx, &p->dw, &p->db, &p->dy,
                            &p->workspace};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        clnn_tensor_destroy(*all[i]);
        *all[i] = NULL;
    }
}

/* A tensor of random values, or undefined contents when !fill. */
static clnn_status random_tensor(clnn_context_t ctx, int rank, const int64_t *dims, int fill,
                                 uint32_t seed, clnn_tensor_t *out)
{
    return fill ? bench_random_tensor(ctx, rank, dims, 1.0f, seed, out)
                : bench_tensor(ctx, rank, dims, NULL, out);
}

static clnn_status problem_create(clnn_context_t ctx, const conv_case *c, conv_problem *p)
{
    memset(p, 0, sizeof *p);
    p->conv = clnn_conv2d_default(c->stride, c->pad);
    p->conv.groups = c->groups;
    int64_t xd[4] = {c->n, c->c, c->h, c->w};
    int64_t wd[4] = {c->k, c->c / c->groups, c->kernel, c->kernel};
    int64_t bd[1] = {c->k};
    clnn_tensor_desc x_desc, w_desc, y_desc;
    clnn_tensor_desc_set(&x_desc, CLNN_FLOAT32, 4, xd);
    clnn_tensor_desc_set(&w_desc, CLNN_FLOAT32, 4, wd);
    clnn_status st = bench_noted(clnn_conv2d_output_desc(&p->conv, &x_desc, &w_desc, &y_desc),
                                 "clnn_conv2d_output_desc");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_conv2d_workspace_size(ctx, &p->conv, &x_desc, &w_desc, &y_desc,
                                                    &p->workspace_size),
                         "clnn_conv2d_workspace_size");
    int64_t ws[1] = {(int64_t)(p->workspace_size / 4 + 1)};
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 4, xd, 1, 1, &p->x);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 4, wd, 1, 2, &p->w);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 1, bd, 1, 3, &p->b);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 4, y_desc.dims, 0, 0, &p->y);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 4, y_desc.dims, 1, 4, &p->dy);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 4, xd, 0, 0, &p->dx);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 4, wd, 0, 0, &p->dw);
    if (st == CLNN_SUCCESS) st = random_tensor(ctx, 1, bd, 0, 0, &p->db);
    if (st == CLNN_SUCCESS && p->workspace_size)
        st = random_tensor(ctx, 1, ws, 0, 0, &p->workspace);
    if (st != CLNN_SUCCESS) problem_destroy(p);
    return st;
}

#define DESC(t) clnn_tensor_get_desc(p->t)
#define BUF(t) clnn_tensor_get_buffer(p->t)
#define WORKSPACE (p->workspace ? BUF(workspace) : NULL), p->workspace_size

static clnn_status run_forward(clnn_context_t ctx, void *arg)
{
    conv_problem *p = arg;
    return bench_noted(clnn_conv2d_forward(ctx, &p->conv, DESC(x), BUF(x), 0, DESC(w), BUF(w),
                                           0, DESC(b), BUF(b), 0, NULL, DESC(y), BUF(y), 0,
                                           WORKSPACE),
                       "clnn_conv2d_forward");
}

/* Forward, then the gradients a training step needs: data, weights and bias. */
static clnn_status run_forward_backward(clnn_context_t ctx, void *arg)
{
    conv_problem *p = arg;
    clnn_status st = run_forward(ctx, arg);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_conv2d_backward_data(ctx, &p->conv, DESC(w), BUF(w), 0, DESC(dy),
                                                   BUF(dy), 0, DESC(dx), BUF(dx), 0, WORKSPACE),
                         "clnn_conv2d_backward_data");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_conv2d_backward_weights(ctx, &p->conv, DESC(x), BUF(x), 0,
                                                      DESC(dy), BUF(dy), 0, DESC(dw), BUF(dw),
                                                      0, DESC(db), BUF(db), 0, WORKSPACE),
                         "clnn_conv2d_backward_weights");
    return st;
}

static double forward_flops(const conv_case *c, const clnn_tensor_desc *y)
{
    return 2.0 * (double)c->n * (double)c->k * (double)(c->c / c->groups) *
           (double)(c->kernel * c->kernel) * (double)(y->dims[2] * y->dims[3]);
}

/* bench_suite.create: case `index` into `arg`, its row and its torch_ref.py line. */
static clnn_status create_case(clnn_context_t ctx, size_t index, void *arg, bench_row *row,
                               char *torch_line, size_t len)
{
    const conv_case *c = &cases[index];
    conv_problem *p = arg;
    clnn_status st = problem_create(ctx, c, p);
    if (st != CLNN_SUCCESS) return st;
    snprintf(row->name, sizeof row->name, "%s", c->name);
    row->work = forward_flops(c, clnn_tensor_get_desc(p->y));
    snprintf(torch_line, len,
             "conv2d n=%lld c=%lld h=%lld w=%lld k=%lld kh=%lld kw=%lld stride=%lld pad=%lld "
             "groups=%lld\n", (long long)c->n, (long long)c->c, (long long)c->h,
             (long long)c->w, (long long)c->k, (long long)c->kernel, (long long)c->kernel,
             (long long)c->stride, (long long)c->pad, (long long)c->groups);
    return CLNN_SUCCESS;
}

static void destroy_case(void *arg) { problem_destroy(arg); }

int bench_conv(bench_options *o)
{
    static const bench_suite suite = {"conv", "GFLOPS", CASE_COUNT, sizeof(conv_problem),
                                      create_case, destroy_case, run_forward,
                                      run_forward_backward};
    return bench_run_suite(o, &suite);
}
