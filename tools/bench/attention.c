/* clnn-bench attention / layernorm: scaled dot-product attention (GFLOPS) and layer
 * normalization (GB/s), forward and forward + backward, beside PyTorch CPU. The
 * attention rows name the algorithm and its workspace; fused rows are compared
 * with PyTorch's fused scaled_dot_product_attention, unfused rows with its
 * matmul-softmax-matmul. */
#include "bench.h"

#include <string.h>

/* ---------------------------------------------------------------- attention */

typedef struct attention_case {
    int64_t n, h, t, d;
    clnn_attention_algo algo;
} attention_case;

#define ATTENTION_BOTH(n, h, t, d) \
    {n, h, t, d, CLNN_ATTENTION_UNFUSED}, { n, h, t, d, CLNN_ATTENTION_FUSED }
static const attention_case attention_all[] = {
    ATTENTION_BOTH(8, 8, 256, 64), ATTENTION_BOTH(2, 8, 1024, 64),
    ATTENTION_BOTH(8, 8, 1024, 64), ATTENTION_BOTH(8, 8, 4096, 64)};
#define ATTENTION_ALL (sizeof attention_all / sizeof attention_all[0])
/* The unfused rows whose T x T workspace exceeds this are skipped (with a note). */
#define ATTENTION_MAX_WORKSPACE ((size_t)2 << 30)

/* The cases that run (attention_all less the skipped ones). */
static attention_case attention_cases[ATTENTION_ALL];
static size_t attention_count;

enum { Q, K, V, O, DO, DQ, DK, DV, WS, ATTENTION_TENSORS };

typedef struct attention_problem {
    clnn_attention_desc desc;
    clnn_tensor_t t[ATTENTION_TENSORS];
    size_t workspace_size;
} attention_problem;

static void destroy_tensors(clnn_tensor_t *t, int count)
{
    for (int i = 0; i < count; i++) {
        clnn_tensor_destroy(t[i]);
        t[i] = NULL;
    }
}

static void attention_destroy(void *arg)
{
    attention_problem *p = arg;
    destroy_tensors(p->t, ATTENTION_TENSORS);
}

#define D(i) clnn_tensor_get_desc(p->t[i])
#define M(i) clnn_tensor_get_buffer(p->t[i])

static clnn_status attention_forward(clnn_context_t ctx, void *arg)
{
    attention_problem *p = arg;
    return bench_noted(clnn_attention_forward(ctx, &p->desc, D(Q), M(Q), 0, D(K), M(K), 0,
                                              D(V), M(V), 0, NULL, NULL, 0, NULL, NULL, 0,
                                              D(O), M(O), 0, M(WS), p->workspace_size),
                       "clnn_attention_forward");
}

static clnn_status attention_forward_backward(clnn_context_t ctx, void *arg)
{
    attention_problem *p = arg;
    clnn_status st = attention_forward(ctx, arg);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_attention_backward(ctx, &p->desc, D(Q), M(Q), 0, D(K), M(K), 0,
                                                 D(V), M(V), 0, NULL, NULL, 0, NULL, NULL, 0,
                                                 D(DO), M(DO), 0, D(DQ), M(DQ),
                                                 0, D(DK), M(DK), 0, D(DV), M(DV), 0, M(WS),
                                                 p->workspace_size),
                         "clnn_attention_backward");
    return st;
}

static clnn_status attention_create(clnn_context_t ctx, size_t index, void *arg,
                                    bench_row *row, char *torch_line, size_t len)
{
    const attention_case *c = &attention_cases[index];
    attention_problem *p = arg;
    memset(p, 0, sizeof *p);
    p->desc.algo = c->algo;
    int64_t dims[4] = {c->n, c->h, c->t, c->d};
    clnn_status st = CLNN_SUCCESS;
    for (int i = Q; i < WS && st == CLNN_SUCCESS; i++)
        st = bench_random_tensor(ctx, 4, dims, 1.0f, (uint32_t)i + 1, &p->t[i]);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_attention_workspace_size_for(ctx, &p->desc, D(Q), D(K), D(V),
                                                           &p->workspace_size, NULL),
                         "clnn_attention_workspace_size_for");
    int64_t ws[1] = {(int64_t)(p->workspace_size / 4 + 1)};
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 1, ws, NULL, &p->t[WS]);
    if (st != CLNN_SUCCESS) {
        attention_destroy(p);
        return st;
    }
    int fused = c->algo == CLNN_ATTENTION_FUSED;
    /* the peak workspace: the op's own (Q, K, V, O and gradients aside) */
    snprintf(row->name, sizeof row->name, "attention N%lld H%lld T%lld D%lld %s ws %.3g MiB",
             (long long)c->n, (long long)c->h, (long long)c->t, (long long)c->d,
             fused ? "fused" : "unfused", (double)p->workspace_size / (1 << 20));
    row->work = 4.0 * (double)(c->n * c->h) * (double)(c->t * c->t) * (double)c->d;
    snprintf(torch_line, len, "attention n=%lld h=%lld t=%lld d=%lld fused=%d\n",
             (long long)c->n, (long long)c->h, (long long)c->t, (long long)c->d, fused);
    return CLNN_SUCCESS;
}

/* Leaves out the unfused cases whose workspace would not fit, saying so, and
 * those over --max-t. */
static void attention_select_cases(const bench_options *o)
{
    attention_count = 0;
    for (size_t i = 0; i < ATTENTION_ALL; i++) {
        const attention_case *c = &attention_all[i];
        if (o->max_t && c->t > o->max_t) continue;
        double ws = 2.0 * (double)(c->n * c->h) * (double)(c->t * c->t) * 4.0;
        if (c->algo == CLNN_ATTENTION_UNFUSED && ws > (double)ATTENTION_MAX_WORKSPACE) {
            fprintf(stderr,
                    "%s: attention N%lld H%lld T%lld D%lld unfused skipped: its T x T "
                    "workspace is %.0f MiB (over %zu MiB); the fused row runs instead\n",
                    bench_prog, (long long)c->n, (long long)c->h, (long long)c->t,
                    (long long)c->d, ws / (1 << 20), ATTENTION_MAX_WORKSPACE >> 20);
            continue;
        }
        attention_cases[attention_count++] = *c;
    }
}

int bench_attention(bench_options *o)
{
    attention_select_cases(o);
    const bench_suite suite = {"attention",          "GFLOPS",
                               attention_count,      sizeof(attention_problem),
                               attention_create,     attention_destroy,
                               attention_forward,    attention_forward_backward};
    return bench_run_suite(o, &suite);
}

/* ---------------------------------------------------------------- layer norm */

typedef struct layernorm_case {
    int64_t rows, features;
} layernorm_case;

static const layernorm_case layernorm_cases[] = {{8192, 512}, {2048, 768}};
#define LAYERNORM_COUNT (sizeof layernorm_cases / sizeof layernorm_cases[0])

enum { LX, LY, LDY, LDX, SCALE, BIAS, DSCALE, DBIAS, MEAN, INV_STD, LAYERNORM_TENSORS };

typedef struct layernorm_problem {
    clnn_tensor_t t[LAYERNORM_TENSORS];
} layernorm_problem;

static void layernorm_destroy(void *arg)
{
    layernorm_problem *p = arg;
    destroy_tensors(p->t, LAYERNORM_TENSORS);
}

static clnn_status layernorm_forward(clnn_context_t ctx, void *arg)
{
    layernorm_problem *p = arg;
    return bench_noted(clnn_layernorm_forward(ctx, -1, 1e-6f, D(LX), M(LX), 0, D(SCALE),
                                              M(SCALE), 0, M(BIAS), 0, D(LY), M(LY), 0,
                                              D(MEAN), M(MEAN), 0, M(INV_STD), 0),
                       "clnn_layernorm_forward");
}

static clnn_status layernorm_forward_backward(clnn_context_t ctx, void *arg)
{
    layernorm_problem *p = arg;
    clnn_status st = layernorm_forward(ctx, arg);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_layernorm_backward(ctx, -1, D(LX), M(LX), 0, D(LDY), M(LDY), 0,
                                                 D(SCALE), M(SCALE), 0, D(MEAN), M(MEAN), 0,
                                                 M(INV_STD), 0, D(LDX), M(LDX), 0, M(DSCALE),
                                                 0, M(DBIAS), 0),
                         "clnn_layernorm_backward");
    return st;
}

static clnn_status layernorm_create(clnn_context_t ctx, size_t index, void *arg,
                                    bench_row *row, char *torch_line, size_t len)
{
    const layernorm_case *c = &layernorm_cases[index];
    layernorm_problem *p = arg;
    memset(p, 0, sizeof *p);
    int64_t data[2] = {c->rows, c->features}, param[1] = {c->features}, stat[1] = {c->rows};
    const struct {
        int index, rank;
        const int64_t *dims;
    } shapes[] = {{LX, 2, data},     {LY, 2, data},      {LDY, 2, data},   {LDX, 2, data},
                  {SCALE, 1, param}, {BIAS, 1, param},   {DSCALE, 1, param},
                  {DBIAS, 1, param}, {MEAN, 1, stat},    {INV_STD, 1, stat}};
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && st == CLNN_SUCCESS; i++)
        st = bench_random_tensor(ctx, shapes[i].rank, shapes[i].dims, 1.0f, (uint32_t)i + 1,
                                 &p->t[shapes[i].index]);
    if (st != CLNN_SUCCESS) {
        layernorm_destroy(p);
        return st;
    }
    snprintf(row->name, sizeof row->name, "layernorm %lld x %lld", (long long)c->rows,
             (long long)c->features);
    row->work = 2.0 * 4.0 * (double)(c->rows * c->features); /* read x, write y */
    snprintf(torch_line, len, "layernorm rows=%lld features=%lld\n", (long long)c->rows,
             (long long)c->features);
    return CLNN_SUCCESS;
}

int bench_layernorm(bench_options *o)
{
    static const bench_suite suite = {"layernorm", "GB/s", LAYERNORM_COUNT,
                                      sizeof(layernorm_problem), layernorm_create,
                                      layernorm_destroy, layernorm_forward,
                                      layernorm_forward_backward};
    return bench_run_suite(o, &suite);
}
