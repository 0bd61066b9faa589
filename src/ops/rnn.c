/* Recurrent layers (ONNX RNN, LSTM, GRU): descriptor and operand validation,
 * workspace and reserve sizes. The enqueue loops are in rnn_run.c. */
#include "rnn.h"
#include "../core/check.h"

#include <math.h>

static clnn_status check_desc(const clnn_rnn_desc *rnn, const char *fn)
{
    if (!rnn) return clnn_fail(CLNN_NULL_POINTER, "%s: rnn descriptor is NULL", fn);
    if ((unsigned)rnn->mode > CLNN_RNN_GRU)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->mode %d is unknown", fn, (int)rnn->mode);
    if (rnn->hidden_size < 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->hidden_size %d (must be >= 1)", fn,
                         rnn->hidden_size);
    if ((unsigned)rnn->direction > CLNN_RNN_BIDIRECTIONAL)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->direction %d is unknown", fn,
                         (int)rnn->direction);
    if (rnn->mode == CLNN_RNN_SIMPLE && rnn->activation != CLNN_ACTIVATION_TANH &&
        rnn->activation != CLNN_ACTIVATION_RELU)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: rnn->activation %d (a simple RNN takes tanh or relu)", fn,
                         (int)rnn->activation);
    if (rnn->linear_before_reset != 0 && rnn->linear_before_reset != 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->linear_before_reset %d (must be 0 or 1)",
                         fn, rnn->linear_before_reset);
    if (!(rnn->clip >= 0.0f) || isinf(rnn->clip))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->clip %g (must be finite and >= 0)", fn,
                         (double)rnn->clip);
    return CLNN_SUCCESS;
}

/* Validates rnn and x, and derives the geometry. */
static clnn_status make_geom(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                             const clnn_tensor_desc *x_desc, const char *fn, clnn_rnn_geom *g)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_desc(rnn, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(x_desc, CLNN_FLOAT32, fn, "x");
    if (st != CLNN_SUCCESS) return st;
    if (x_desc->rank != 3)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: x has rank %d (must be 3: [T, N, I])", fn,
                         x_desc->rank);
    g->rnn = rnn;
    g->T = (size_t)x_desc->dims[0];
    g->N = (size_t)x_desc->dims[1];
    g->I = (size_t)x_desc->dims[2];
    g->H = (size_t)rnn->hidden_size;
    g->D = rnn->direction == CLNN_RNN_BIDIRECTIONAL ? 2 : 1;
    g->G = rnn->mode == CLNN_RNN_LSTM ? 4 : rnn->mode == CLNN_RNN_GRU ? 3 : 1;
    g->GH = g->G * g->H;
    g->S = (rnn->mode == CLNN_RNN_LSTM ? 7 : rnn->mode == CLNN_RNN_GRU ? 5 : 2) * g->H;
    g->gru_split = rnn->mode == CLNN_RNN_GRU && !rnn->linear_before_reset;
    g->separate_dgr = rnn->mode == CLNN_RNN_GRU && rnn->linear_before_reset;
    return CLNN_SUCCESS;
}

void clnn_rnn_layout_make(const clnn_rnn_geom *g, clnn_rnn_layout *l)
{
    size_t tn = g->T * g->N, nh = g->N * g->H, big = tn * g->D * g->GH;
    l->lens = 0;
    l->xw = (g->N + 15) / 16 * 16; /* keeps the float regions 64-byte aligned */
    l->hr = l->xw + big;
    l->tmp = l->hr + g->N * g->GH;
    l->hs = l->tmp + 2 * nh;
    l->cs = l->hs + g->D * nh;
    l->forward_end = l->cs + g->D * nh;
    l->dgw = l->xw;
    l->dgr = l->dgw + big;
    l->dgs = l->dgr + (g->separate_dgr ? big : 0);
    l->rec = l->dgs + g->N * g->GH;
    l->dcs = l->rec + nh;
    l->btmp = l->dcs + nh;
    l->backward_end = l->btmp + 2 * nh;
}

static size_t workspace_bytes(const clnn_rnn_geom *g)
{
    clnn_rnn_layout l;
    clnn_rnn_layout_make(g, &l);
    return 4 * (l.forward_end > l.backward_end ? l.forward_end : l.backward_end);
}

static size_t reserve_bytes(const clnn_rnn_geom *g)
{
    return 4 * g->D * g->T * g->N * g->S;
}

clnn_status clnn_rnn_workspace_size(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                    const clnn_tensor_desc *x_desc, size_t *bytes)
{
    static const char fn[] = "clnn_rnn_workspace_size";
    clnn_rnn_geom g;
    clnn_status st = make_geom(ctx, rnn, x_desc, fn, &g);
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) *bytes = workspace_bytes(&g);
    return st;
}

clnn_status clnn_rnn_reserve_size(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                  const clnn_tensor_desc *x_desc, size_t *bytes)
{
    static const char fn[] = "clnn_rnn_reserve_size";
    clnn_rnn_geom g;
    clnn_status st = make_geom(ctx, rnn, x_desc, fn, &g);
    if (st == CLNN_SUCCESS && !bytes) st = clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", fn);
    if (st == CLNN_SUCCESS) *bytes = reserve_bytes(&g);
    return st;
}

/* An operand that must have the shape `dims` (rank entries); absent is fine unless
 * `required`. */
static clnn_status check_shaped(clnn_context_t ctx, const char *fn, const char *name,
                                const clnn_rnn_tensor *t, bool required, int rank,
                                const int64_t *dims)
{
    if (!t) {
        if (!required) return CLNN_SUCCESS;
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL (required)", fn, name);
    }
    clnn_status st = clnn_check_operand(ctx, t->desc, CLNN_FLOAT32, t->mem, t->offset, fn, name,
                                        NULL);
    if (st != CLNN_SUCCESS) return st;
    clnn_tensor_desc want;
    st = clnn_tensor_desc_set(&want, CLNN_FLOAT32, rank, dims);
    if (st != CLNN_SUCCESS) return st;
    return clnn_check_same_shape(t->desc, &want, fn, name, "the shape x and rnn imply");
}

static clnn_status check_lens(const clnn_rnn_geom *g, const int32_t *lens, const char *fn)
{
    for (size_t n = 0; lens && n < g->N; n++)
        if (lens[n] < 0 || (size_t)lens[n] > g->T)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: seq_lens[%zu] = %d (must be in [0, %zu])",
                             fn, n, (int)lens[n], g->T);
    return CLNN_SUCCESS;
}

static clnn_status check_scratch(clnn_context_t ctx, const char *fn, const char *name, cl_mem m,
                                 size_t size, size_t need)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, name);
    if (size < need)
        return clnn_fail(CLNN_INSUFFICIENT_WORKSPACE, "%s: %s has %zu bytes, %zu needed", fn,
                         name, size, need);
    return clnn_check_buffer(ctx, m, 0, need, 4, fn, name);
}

/* Shapes of the operands, indexed like the backward operand list. */
static void shapes(const clnn_rnn_geom *g, int64_t dims[RB_COUNT][4], int ranks[RB_COUNT])
{
    int64_t T = (int64_t)g->T, N = (int64_t)g->N, I = (int64_t)g->I, H = (int64_t)g->H;
    int64_t D = (int64_t)g->D, GH = (int64_t)g->GH;
    const int64_t all[RB_COUNT][4] = {
        [RB_X] = {T, N, I},      [RB_W] = {D, GH, I},     [RB_R] = {D, GH, H},
        [RB_P] = {D, 3 * H},     [RB_DY] = {T, D, N, H},  [RB_DYH] = {D, N, H},
        [RB_DYC] = {D, N, H},    [RB_DX] = {T, N, I},     [RB_DW] = {D, GH, I},
        [RB_DR] = {D, GH, H},    [RB_DB] = {D, 2 * GH},   [RB_DP] = {D, 3 * H},
        [RB_DH0] = {D, N, H},    [RB_DC0] = {D, N, H}};
    static const int r[RB_COUNT] = {3, 3, 3, 2, 4, 3, 3, 3, 3, 3, 2, 2, 3, 3};
    for (int i = 0; i < RB_COUNT; i++) {
        ranks[i] = r[i];
        for (int k = 0; k < 4; k++) dims[i][k] = all[i][k];
    }
}

/* Operands only an LSTM has. */
static clnn_status check_lstm_only(const clnn_rnn_geom *g, const char *fn, const char *name,
                                   const clnn_rnn_tensor *t)
{
    if (t && g->rnn->mode != CLNN_RNN_LSTM)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s is given but only an LSTM has it", fn, name);
    return CLNN_SUCCESS;
}

clnn_status clnn_rnn_forward(clnn_context_t ctx, const clnn_rnn_desc *rnn, int training,
                             const int32_t *seq_lens, const clnn_rnn_tensor *x,
                             const clnn_rnn_tensor *w, const clnn_rnn_tensor *r,
                             const clnn_rnn_tensor *b, const clnn_rnn_tensor *p,
                             const clnn_rnn_tensor *h0, const clnn_rnn_tensor *c0,
                             const clnn_rnn_tensor *y, const clnn_rnn_tensor *y_h,
                             const clnn_rnn_tensor *y_c, cl_mem workspace,
                             size_t workspace_size, cl_mem reserve, size_t reserve_size)
{
    static const char fn[] = "clnn_rnn_forward";
    if (!x) return clnn_fail(CLNN_NULL_POINTER, "%s: x is NULL (required)", fn);
    clnn_rnn_geom g;
    clnn_status st = make_geom(ctx, rnn, x->desc, fn, &g);
    int64_t d[RB_COUNT][4];
    int rk[RB_COUNT];
    if (st != CLNN_SUCCESS) return st;
    shapes(&g, d, rk);
    struct { const char *name; const clnn_rnn_tensor *t; bool req; int i; } list[] = {
        {"x", x, true, RB_X},     {"w", w, true, RB_W},      {"r", r, true, RB_R},
        {"b", b, false, RB_DB},   {"p", p, false, RB_P},     {"h0", h0, false, RB_DH0},
        {"c0", c0, false, RB_DC0}, {"y", y, false, RB_DY},   {"y_h", y_h, false, RB_DYH},
        {"y_c", y_c, false, RB_DYC}};
    for (size_t i = 0; st == CLNN_SUCCESS && i < sizeof list / sizeof list[0]; i++)
        st = check_shaped(ctx, fn, list[i].name, list[i].t, list[i].req, rk[list[i].i],
                          d[list[i].i]);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "p", p);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "c0", c0);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "y_c", y_c);
    if (st == CLNN_SUCCESS) st = check_lens(&g, seq_lens, fn);
    if (st == CLNN_SUCCESS)
        st = check_scratch(ctx, fn, "workspace", workspace, workspace_size, workspace_bytes(&g));
    if (st == CLNN_SUCCESS && training)
        st = check_scratch(ctx, fn, "reserve", reserve, reserve_size, reserve_bytes(&g));
    if (st != CLNN_SUCCESS) return st;
    return clnn_rnn_run_forward(ctx, &g, training, seq_lens, x, w, r, b, p, h0, c0, y, y_h,
                                y_c, workspace, training ? reserve : NULL);
}

clnn_status clnn_rnn_backward(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                              const int32_t *seq_lens, const clnn_rnn_tensor *x,
                              const clnn_rnn_tensor *w, const clnn_rnn_tensor *r,
                              const clnn_rnn_tensor *p, const clnn_rnn_tensor *dy,
                              const clnn_rnn_tensor *dy_h, const clnn_rnn_tensor *dy_c,
                              const clnn_rnn_tensor *dx, const clnn_rnn_tensor *dw,
                              const clnn_rnn_tensor *dr, const clnn_rnn_tensor *db,
                              const clnn_rnn_tensor *dp, const clnn_rnn_tensor *dh0,
                              const clnn_rnn_tensor *dc0, cl_mem workspace,
                              size_t workspace_size, cl_mem reserve, size_t reserve_size)
{
    static const char fn[] = "clnn_rnn_backward";
    static const char *const names[RB_COUNT] = {"x",  "w",  "r",  "p",  "dy",  "dy_h", "dy_c",
                                                 "dx", "dw", "dr", "db", "dp", "dh0", "dc0"};
    const clnn_rnn_tensor *ops[RB_COUNT] = {x,  w,  r,  p,  dy, dy_h, dy_c,
                                            dx, dw, dr, db, dp, dh0, dc0};
    if (!x) return clnn_fail(CLNN_NULL_POINTER, "%s: x is NULL (required)", fn);
    clnn_rnn_geom g;
    clnn_status st = make_geom(ctx, rnn, x->desc, fn, &g);
    int64_t d[RB_COUNT][4];
    int rk[RB_COUNT];
    if (st != CLNN_SUCCESS) return st;
    shapes(&g, d, rk);
    for (int i = 0; st == CLNN_SUCCESS && i < RB_COUNT; i++)
        st = check_shaped(ctx, fn, names[i], ops[i], i <= RB_R, rk[i], d[i]);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "p", p);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "dy_c", dy_c);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "dp", dp);
    if (st == CLNN_SUCCESS) st = check_lstm_only(&g, fn, "dc0", dc0);
    if (st == CLNN_SUCCESS) st = check_lens(&g, seq_lens, fn);
    if (st == CLNN_SUCCESS)
        st = check_scratch(ctx, fn, "workspace", workspace, workspace_size, workspace_bytes(&g));
    if (st == CLNN_SUCCESS)
        st = check_scratch(ctx, fn, "reserve", reserve, reserve_size, reserve_bytes(&g));
    if (st != CLNN_SUCCESS) return st;
    return clnn_rnn_run_backward(ctx, &g, seq_lens, ops, workspace, reserve);
}
