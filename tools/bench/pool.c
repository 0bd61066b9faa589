/* clnn-bench pool: pooling forward and forward+backward, as memory bandwidth
 * against the measured peak, beside PyTorch CPU. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

typedef struct pool_case {
    const char *name;
    clnn_pool_mode mode;
    int64_t n, c, h, w, kernel, stride, pad;
} pool_case;

static const pool_case cases[] = {
    {"max 2x2 s2 64x64x56x56", CLNN_POOL_MAX, 64, 64, 56, 56, 2, 2, 0},
    {"max 3x3 s2 p1 32x64x56x56", CLNN_POOL_MAX, 32, 64, 56, 56, 3, 2, 1},
    {"avg 2x2 s2 64x64x56x56", CLNN_POOL_AVERAGE_INCLUDE_PAD, 64, 64, 56, 56, 2, 2, 0},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

typedef struct pool_problem {
    const pool_case *c;
    clnn_window2d window;
    clnn_tensor_t x, y, dy, dx, indices;
} pool_problem;

static void problem_destroy(pool_problem *p)
{
    clnn_tensor_t *all[] = {&p->x, &p->y, &p->dy, &p->dx, &p->indices};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        clnn_tensor_destroy(*all[i]);
        *all[i] = NULL;
    }
}

static clnn_status problem_create(clnn_context_t ctx, const pool_case *c, pool_problem *p)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    p->window = clnn_window2d_square(c->kernel, c->stride, c->pad);
    int64_t xd[4] = {c->n, c->c, c->h, c->w};
    clnn_tensor_desc x_desc, y_desc, i_desc;
    clnn_tensor_desc_set(&x_desc, CLNN_FLOAT32, 4, xd);
    clnn_status st = bench_noted(clnn_pool2d_output_desc(c->mode, &p->window, &x_desc, &y_desc),
                                 "clnn_pool2d_output_desc");
    size_t n = (size_t)(c->n * c->c * c->h * c->w);
    float *host = st == CLNN_SUCCESS ? malloc(n * sizeof *host) : NULL;
    if (st == CLNN_SUCCESS && !host) st = bench_out_of_memory();
    if (host) bench_fill_random(host, n, 7);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 4, xd, host, &p->x);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 4, y_desc.dims, NULL, &p->y);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 4, y_desc.dims, host, &p->dy);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 4, xd, NULL, &p->dx);
    if (st == CLNN_SUCCESS && c->mode == CLNN_POOL_MAX) {
        clnn_tensor_desc_set(&i_desc, CLNN_INT32, 4, y_desc.dims);
        st = bench_noted(clnn_tensor_create(ctx, &i_desc, &p->indices), "clnn_tensor_create");
    }
    free(host);
    if (st != CLNN_SUCCESS) problem_destroy(p);
    return st;
}

#define DESC(t) clnn_tensor_get_desc(p->t)
#define BUF(t) clnn_tensor_get_buffer(p->t)

/* Forward without indices: what inference runs. */
static clnn_status run_forward(clnn_context_t ctx, void *arg)
{
    pool_problem *p = arg;
    return bench_noted(clnn_pool2d_forward(ctx, p->c->mode, &p->window, DESC(x), BUF(x), 0,
                                           DESC(y), BUF(y), 0, NULL, NULL, 0),
                       "clnn_pool2d_forward");
}

/* Training: forward keeping the argmax indices (max pooling), then backward. */
static clnn_status run_forward_backward(clnn_context_t ctx, void *arg)
{
    pool_problem *p = arg;
    const clnn_tensor_desc *i_desc = p->indices ? DESC(indices) : NULL;
    cl_mem indices = p->indices ? BUF(indices) : NULL;
    clnn_status st = bench_noted(clnn_pool2d_forward(ctx, p->c->mode, &p->window, DESC(x),
                                                     BUF(x), 0, DESC(y), BUF(y), 0, i_desc,
                                                     indices, 0),
                                 "clnn_pool2d_forward");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_pool2d_backward(ctx, p->c->mode, &p->window, DESC(dy), BUF(dy), 0,
                                              i_desc, indices, 0, DESC(dx), BUF(dx), 0),
                         "clnn_pool2d_backward");
    return st;
}

/* bench_suite.create: case `index` into `arg`, its row and its torch_ref.py line. */
static clnn_status create_case(clnn_context_t ctx, size_t index, void *arg, bench_row *row,
                               char *torch_line, size_t len)
{
    const pool_case *c = &cases[index];
    pool_problem *p = arg;
    clnn_status st = problem_create(ctx, c, p);
    if (st != CLNN_SUCCESS) return st;
    snprintf(row->name, sizeof row->name, "%s", c->name);
    size_t x_bytes = 0, y_bytes = 0;
    clnn_tensor_desc_bytes(clnn_tensor_get_desc(p->x), &x_bytes);
    clnn_tensor_desc_bytes(clnn_tensor_get_desc(p->y), &y_bytes);
    row->work = (double)(x_bytes + y_bytes); /* one read of x, one write of y */
    snprintf(torch_line, len, "%s n=%lld c=%lld h=%lld w=%lld kernel=%lld stride=%lld pad=%lld\n",
             c->mode == CLNN_POOL_MAX ? "maxpool2d" : "avgpool2d", (long long)c->n,
             (long long)c->c, (long long)c->h, (long long)c->w, (long long)c->kernel,
             (long long)c->stride, (long long)c->pad);
    return CLNN_SUCCESS;
}

static void destroy_case(void *arg) { problem_destroy(arg); }

int bench_pool(bench_options *o)
{
    static const bench_suite suite = {"pool", "GB/s", CASE_COUNT, sizeof(pool_problem),
                                      create_case, destroy_case, run_forward,
                                      run_forward_backward};
    return bench_run_suite(o, &suite);
}
