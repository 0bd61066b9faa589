/* clnn-bench lstm, gru, rnn: one recurrent layer over a whole sequence, forward
 * (inference) and forward + backward through time (training), beside PyTorch CPU.
 * The `rnn` suite holds the simple (tanh) RNN rows only. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

typedef struct rnn_case {
    const char *name, *torch_op;
    clnn_rnn_mode mode;
    int gates;
    int64_t t, n, input, hidden;
} rnn_case;

/* The shape (T64 b32 in128 h256) and a short, small-batch one where
 * launch overhead dominates. Rows 0-1 LSTM, 2-3 GRU, 4-5 RNN. */
static const rnn_case cases[] = {
    {"LSTM T64 b32 in128 h256", "lstm", CLNN_RNN_LSTM, 4, 64, 32, 128, 256},
    {"LSTM T16 b1 in64 h128", "lstm", CLNN_RNN_LSTM, 4, 16, 1, 64, 128},
    {"GRU T64 b32 in128 h256", "gru", CLNN_RNN_GRU, 3, 64, 32, 128, 256},
    {"GRU T16 b1 in64 h128", "gru", CLNN_RNN_GRU, 3, 16, 1, 64, 128},
    {"RNN tanh T64 b32 in128 h256", "rnn", CLNN_RNN_SIMPLE, 1, 64, 32, 128, 256},
    {"RNN tanh T16 b1 in64 h128", "rnn", CLNN_RNN_SIMPLE, 1, 16, 1, 64, 128},
};
#define ROWS_PER_MODE 2

enum { X, W, R, B, Y, DY, DX, DW, DR, DB, WORKSPACE, RESERVE, TENSOR_COUNT };

typedef struct rnn_problem {
    clnn_rnn_desc desc;
    clnn_tensor_t t[TENSOR_COUNT];
    size_t workspace_size, reserve_size;
} rnn_problem;

static void problem_destroy(void *arg)
{
    bench_tensors_destroy(((rnn_problem *)arg)->t, TENSOR_COUNT);
}

static clnn_status problem_create(clnn_context_t ctx, const rnn_case *c, rnn_problem *p)
{
    memset(p, 0, sizeof *p);
    p->desc.mode = c->mode;
    p->desc.hidden_size = (int)c->hidden;
    p->desc.direction = CLNN_RNN_FORWARD;
    p->desc.activation = CLNN_ACTIVATION_TANH;
    p->desc.linear_before_reset = 1; /* as PyTorch's GRU */
    int64_t gh = c->gates * c->hidden;
    int64_t xd[3] = {c->t, c->n, c->input}, wd[3] = {1, gh, c->input};
    int64_t rd[3] = {1, gh, c->hidden}, bd[2] = {1, 2 * gh};
    int64_t yd[4] = {c->t, 1, c->n, c->hidden};
    const struct {
        int index, rank;
        const int64_t *dims;
    } shapes[] = {{X, 3, xd}, {W, 3, wd}, {R, 3, rd}, {B, 2, bd}, {Y, 4, yd}, {DY, 4, yd},
                  {DX, 3, xd}, {DW, 3, wd}, {DR, 3, rd}, {DB, 2, bd}};
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && st == CLNN_SUCCESS; i++)
        st = bench_random_tensor(ctx, shapes[i].rank, shapes[i].dims, 0.1f, (uint32_t)i + 1,
                                 &p->t[shapes[i].index]);
    const clnn_tensor_desc *x_desc = st == CLNN_SUCCESS ? clnn_tensor_get_desc(p->t[X]) : NULL;
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_rnn_workspace_size(ctx, &p->desc, x_desc, &p->workspace_size),
                         "clnn_rnn_workspace_size");
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_rnn_reserve_size(ctx, &p->desc, x_desc, &p->reserve_size),
                         "clnn_rnn_reserve_size");
    int64_t wsd[1] = {(int64_t)(p->workspace_size / 4 + 1)};
    int64_t rsd[1] = {(int64_t)(p->reserve_size / 4 + 1)};
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 1, wsd, NULL, &p->t[WORKSPACE]);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 1, rsd, NULL, &p->t[RESERVE]);
    if (st != CLNN_SUCCESS) problem_destroy(p);
    return st;
}

static clnn_rnn_tensor operand(const rnn_problem *p, int i)
{
    clnn_rnn_tensor t = {clnn_tensor_get_desc(p->t[i]), clnn_tensor_get_buffer(p->t[i]), 0};
    return t;
}

static clnn_status forward(clnn_context_t ctx, rnn_problem *p, int training)
{
    clnn_rnn_tensor x = operand(p, X), w = operand(p, W), r = operand(p, R), b = operand(p, B),
                    y = operand(p, Y);
    return bench_noted(clnn_rnn_forward(ctx, &p->desc, training, NULL, &x, &w, &r, &b, NULL,
                                        NULL, NULL, &y, NULL, NULL,
                                        clnn_tensor_get_buffer(p->t[WORKSPACE]),
                                        p->workspace_size,
                                        training ? clnn_tensor_get_buffer(p->t[RESERVE]) : NULL,
                                        training ? p->reserve_size : 0),
                       "clnn_rnn_forward");
}

static clnn_status run_forward(clnn_context_t ctx, void *arg) { return forward(ctx, arg, 0); }

/* Training: forward keeping the reserve, then every gradient. */
static clnn_status run_forward_backward(clnn_context_t ctx, void *arg)
{
    rnn_problem *p = arg;
    clnn_status st = forward(ctx, p, 1);
    clnn_rnn_tensor x = operand(p, X), w = operand(p, W), r = operand(p, R),
                    dy = operand(p, DY), dx = operand(p, DX), dw = operand(p, DW),
                    dr = operand(p, DR), db = operand(p, DB);
    if (st == CLNN_SUCCESS)
        st = bench_noted(clnn_rnn_backward(ctx, &p->desc, NULL, &x, &w, &r, NULL, &dy, NULL,
                                           NULL, &dx, &dw, &dr, &db, NULL, NULL, NULL,
                                           clnn_tensor_get_buffer(p->t[WORKSPACE]),
                                           p->workspace_size,
                                           clnn_tensor_get_buffer(p->t[RESERVE]),
                                           p->reserve_size),
                         "clnn_rnn_backward");
    return st;
}

/* bench_suite.create: row `index` of the suite whose rows start at `first`. */
static clnn_status create_row(const rnn_case *c, clnn_context_t ctx, void *arg,
                              bench_row *row, char *torch_line, size_t len)
{
    clnn_status st = problem_create(ctx, c, arg);
    if (st != CLNN_SUCCESS) return st;
    snprintf(row->name, sizeof row->name, "%s", c->name);
    /* The input and recurrent GEMMs: 2 flops per multiply-add. */
    row->work = 2.0 * (double)(c->t * c->n) * (double)(c->input + c->hidden) *
                (double)(c->gates * c->hidden);
    snprintf(torch_line, len, "%s t=%lld n=%lld input=%lld hidden=%lld\n", c->torch_op,
             (long long)c->t, (long long)c->n, (long long)c->input, (long long)c->hidden);
    return CLNN_SUCCESS;
}

#define CREATE_FOR(mode_name, first)                                                   \
    static clnn_status create_##mode_name(clnn_context_t ctx, size_t index, void *arg,  \
                                          bench_row *row, char *torch_line, size_t len) \
    {                                                                                   \
        return create_row(&cases[(first) + index], ctx, arg, row, torch_line, len);     \
    }
CREATE_FOR(lstm, 0)
CREATE_FOR(gru, ROWS_PER_MODE)
CREATE_FOR(rnn, 2 * ROWS_PER_MODE)

#define SUITE(mode_name)                                                                \
    {#mode_name, "GFLOPS", ROWS_PER_MODE, sizeof(rnn_problem), create_##mode_name,      \
     problem_destroy, run_forward, run_forward_backward}

int bench_lstm(bench_options *o)
{
    static const bench_suite suite = SUITE(lstm);
    return bench_run_suite(o, &suite);
}

int bench_gru(bench_options *o)
{
    static const bench_suite suite = SUITE(gru);
    return bench_run_suite(o, &suite);
}

int bench_rnn(bench_options *o)
{
    static const bench_suite suite = SUITE(rnn);
    return bench_run_suite(o, &suite);
}
