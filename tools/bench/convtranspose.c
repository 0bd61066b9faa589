/* clnn-bench convtranspose: the DCGAN generator's transposed convolutions (4x4
 * kernels, 100 -> 512 -> 256 -> 128 -> 64 -> 3 channels, 1x1 up to 64x64), forward
 * and forward + backward (data, weights, bias), beside PyTorch CPU. */
#include "bench.h"

#include <string.h>

typedef struct convt_case {
    const char *name;
    int64_t n, c, h, k, stride, pad; /* square: x [n, c, h, h], w [c, k, 4, 4] */
} convt_case;

#define KERNEL 4
#define BATCH 32
static const convt_case cases[] = {
    {"DCGAN 100->512 1->4 b32", BATCH, 100, 1, 512, 1, 0},
    {"DCGAN 512->256 4->8 b32", BATCH, 512, 4, 256, 2, 1},
    {"DCGAN 256->128 8->16 b32", BATCH, 256, 8, 128, 2, 1},
    {"DCGAN 128->64 16->32 b32", BATCH, 128, 16, 64, 2, 1},
    {"DCGAN 64->3 32->64 b32", BATCH, 64, 32, 3, 2, 1},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

enum { X, W, B, Y, DY, DX, DW, DB, WS, TENSOR_COUNT };

typedef struct convt_problem {
    clnn_conv_transpose2d_desc conv;
    clnn_tensor_t t[TENSOR_COUNT];
    size_t workspace_size;
} convt_problem;

static void problem_destroy(void *arg)
{
    bench_tensors_destroy(((convt_problem *)arg)->t, TENSOR_COUNT);
}

static clnn_status problem_create(clnn_context_t ctx, const convt_case *c, convt_problem *p)
{
    memset(p, 0, sizeof *p);
    p->conv.window = clnn_window2d_square(KERNEL, c->stride, c->pad);
    p->conv.groups = 1;
    p->conv.algo = CLNN_CONV_ALGO_AUTO;
    int64_t xd[4] = {c->n, c->c, c->h, c->h}, wd[4] = {c->c, c->k, KERNEL, KERNEL};
    int64_t bd[1] = {c->k};
    clnn_tensor_desc x_desc, w_desc, y_desc;
    clnn_tensor_desc_set(&x_desc, CLNN_FLOAT32, 4, xd);
    clnn_tensor_desc_set(&w_desc, CLNN_FLOAT32, 4, wd);
    clnn_status st = bench_noted(clnn_conv_transpose2d_output_desc(&p->conv, &x_desc, &w_desc,
                                                                   &y_desc),
                                 "clnn_conv_transpose2d_output_desc");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_conv_transpose2d_workspace_size(ctx, &p->conv, &x_desc, &w_desc,
                                                              &y_desc, &p->workspace_size),
                         "clnn_conv_transpose2d_workspace_size");
    int64_t wsd[1] = {(int64_t)(p->workspace_size / 4 + 1)};
    const struct {
        int index, rank;
        const int64_t *dims;
    } shapes[] = {{X, 4, xd}, {W, 4, wd}, {B, 1, bd}, {Y, 4, y_desc.dims},
                  {DY, 4, y_desc.dims}, {DX, 4, xd}, {DW, 4, wd}, {DB, 1, bd}, {WS, 1, wsd}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && st == CLNN_SUCCESS; i++)
        st = bench_random_tensor(ctx, shapes[i].rank, shapes[i].dims, 1.0f, (uint32_t)i + 1,
                                 &p->t[shapes[i].index]);
    if (st != CLNN_SUCCESS) problem_destroy(p);
    return st;
}

#define DESC(i) clnn_tensor_get_desc(p->t[i])
#define BUF(i) clnn_tensor_get_buffer(p->t[i])
#define OPERAND(i) DESC(i), BUF(i), 0
#define WORKSPACE BUF(WS), p->workspace_size

static clnn_status run_forward(clnn_context_t ctx, void *arg)
{
    convt_problem *p = arg;
    return bench_noted(clnn_conv_transpose2d_forward(ctx, &p->conv, OPERAND(X), OPERAND(W),
                                                     OPERAND(B), NULL, OPERAND(Y), WORKSPACE),
                       "clnn_conv_transpose2d_forward");
}

/* Forward, then the gradients a training step needs: data, weights and bias. */
static clnn_status run_forward_backward(clnn_context_t ctx, void *arg)
{
    convt_problem *p = arg;
    clnn_status st = run_forward(ctx, arg);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_conv_transpose2d_backward_data(ctx, &p->conv, OPERAND(W),
                                                             OPERAND(DY), OPERAND(DX),
                                                             WORKSPACE),
                         "clnn_conv_transpose2d_backward_data");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_conv_transpose2d_backward_weights(ctx, &p->conv, OPERAND(X),
                                                                OPERAND(DY), OPERAND(DW),
                                                                OPERAND(DB), WORKSPACE),
                         "clnn_conv_transpose2d_backward_weights");
    return st;
}

/* bench_suite.create: case `index` into `arg`, its row and its torch_ref.py line. */
static clnn_status create_case(clnn_context_t ctx, size_t index, void *arg, bench_row *row,
                               char *torch_line, size_t len)
{
    const convt_case *c = &cases[index];
    clnn_status st = problem_create(ctx, c, arg);
    if (st != CLNN_SUCCESS) return st;
    snprintf(row->name, sizeof row->name, "%s", c->name);
    /* Every input pixel meets K * 4 * 4 weights: 2 flops per multiply-add. */
    row->work = 2.0 * (double)(c->n * c->c * c->h * c->h) * (double)(c->k * KERNEL * KERNEL);
    snprintf(torch_line, len,
             "conv_transpose2d n=%lld c=%lld h=%lld w=%lld k=%lld kh=%d kw=%d stride=%lld "
             "pad=%lld\n", (long long)c->n, (long long)c->c, (long long)c->h, (long long)c->h,
             (long long)c->k, KERNEL, KERNEL, (long long)c->stride, (long long)c->pad);
    return CLNN_SUCCESS;
}

int bench_convtranspose(bench_options *o)
{
    static const bench_suite suite = {"convtranspose", "GFLOPS", CASE_COUNT,
                                      sizeof(convt_problem), create_case, problem_destroy,
                                      run_forward, run_forward_backward};
    return bench_run_suite(o, &suite);
}
