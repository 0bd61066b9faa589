/* Recurrent layers (ONNX RNN, LSTM, GRU): descriptor and operand validation,
 * workspace and reserve sizes. The stack of layers is in rnn_stack.c, the
 * per-layer enqueue loops in rnn_run.c. */
#include "rnn.h"
#include "../core/check.h"

#include <math.h>
#include <stdio.h>

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
    if (rnn->num_layers < 0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->num_layers %d (must be >= 0)", fn,
                         rnn->num_layers);
    if (rnn->batch_major != 0 && rnn->batch_major != 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->batch_major %d (must be 0 or 1)", fn,
                         rnn->batch_major);
    if (!(rnn->dropout_ratio >= 0.0f && rnn->dropout_ratio < 1.0f))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rnn->dropout_ratio %g (must be in [0, 1))",
                         fn, (double)rnn->dropout_ratio);
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
    int bm = rnn->batch_major;
    if (x_desc->rank != 3)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: x has rank %d (must be 3: %s)", fn,
                         x_desc->rank, bm ? "[N, T, I]" : "[T, N, I]");
    g->rnn = rnn;
    g->L = rnn->num_layers > 1 ? (size_t)rnn->num_layers : 1;
    g->T = (size_t)x_desc->dims[bm];
    g->N = (size_t)x_desc->dims[1 - bm];
    g->I = (size_t)x_desc->dims[2];
    g->H = (size_t)rnn->hidden_size;
    g->D = rnn->direction == CLNN_RNN_BIDIRECTIONAL ? 2 : 1;
    g->G = rnn->mode == CLNN_RNN_LSTM ? 4 : rnn->mode == CLNN_RNN_GRU ? 3 : 1;
    g->GH = g->G * g->H;
    g->S = (rnn->mode == CLNN_RNN_LSTM ? 7 : rnn->mode == CLNN_RNN_GRU ? 5 : 2) * g->H;
    g->gru_split = rnn->mode == CLNN_RNN_GRU && !rnn->linear_before_reset;
    g->separate_dgr = rnn->mode == CLNN_RNN_GRU && rnn->linear_before_reset;
    size_t T = g->T, N = g->N, H = g->H, D = g->D, LD = g->L * D;
    if (bm) {
        /* x [N, T, I], y [N, T, D, H], states [N, L*D, H] */
        g->x_ts = 1, g->x_ns = T;
        g->ss = (clnn_rnn_strides){H, 0, LD * H};
        g->ss_layer = D * H;
        g->ys = (clnn_rnn_strides){H, D * H, T * D * H};
    } else {
        /* x [T, N, I], y [T, D, N, H], states [L*D, N, H] */
        g->x_ts = N, g->x_ns = 1;
        g->ss = (clnn_rnn_strides){N * H, 0, H};
        g->ss_layer = D * N * H;
        g->ys = (clnn_rnn_strides){N * H, D * N * H, H};
    }
    return CLNN_SUCCESS;
}

size_t clnn_rnn_records(const clnn_rnn_geom *g) { return g->D * g->T * g->N * g->S; }
size_t clnn_rnn_inter(const clnn_rnn_geom *g) { return g->T * g->N * g->D * g->H; }

static size_t align16(size_t n) { return (n + 15) / 16 * 16; }

void clnn_rnn_layout_make(const clnn_rnn_geom *g, clnn_rnn_layout *l)
{
    size_t tn = g->T * g->N, nh = g->N * g->H, big = tn * g->D * g->GH;
    l->lens = 0;
    l->xw = align16(g->N); /* keeps the float regions 64-byte aligned */
    l->hr = l->xw + big;
    l->tmp = l->hr + g->N * g->GH;
    l->hs = l->tmp + 2 * nh;
    l->cs = l->hs + g->D * nh;
    /* The fused kernels' h ping-pong pair and R transposed (cl/rnn.cl). */
    l->ping = l->cs + g->D * nh;
    l->rt = l->ping + 2 * nh;
    l->forward_end = l->rt + g->D * g->H * g->GH;
    l->dgw = l->xw;
    l->dgr = l->dgw + big;
    l->dgs = l->dgr + (g->separate_dgr ? big : 0);
    l->rec = l->dgs + g->N * g->GH;
    l->dcs = l->rec + nh;
    l->btmp = l->dcs + nh;
    l->backward_end = l->btmp + 2 * nh;
    size_t one = align16(l->forward_end > l->backward_end ? l->forward_end : l->backward_end);
    size_t inter = g->L > 1 ? align16(clnn_rnn_inter(g)) : 0;
    l->inter[0] = one;
    l->inter[1] = one + inter;
    l->end = one + 2 * inter;
}

static size_t workspace_bytes(const clnn_rnn_geom *g)
{
    clnn_rnn_layout l;
    clnn_rnn_layout_make(g, &l);
    return 4 * l.end;
}

/* Every layer's records, then the outputs of all layers but the last. */
static size_t reserve_bytes(const clnn_rnn_geom *g)
{
    return 4 * (g->L * clnn_rnn_records(g) + (g->L - 1) * clnn_rnn_inter(g));
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

/* dims[0 .. rank) = the values given; returns rank. */
static int set_dims(int64_t *dims, int rank, size_t a, size_t b, size_t c, size_t d)
{
    const size_t v[4] = {a, b, c, d};
    for (int k = 0; k < rank; k++) dims[k] = (int64_t)v[k];
    return rank;
}

/* The shape operand i (RB_ slots) must have in layer l; returns its rank. */
static int shape_of(const clnn_rnn_geom *g, int i, size_t l, int64_t *dims)
{
    size_t T = g->T, N = g->N, H = g->H, D = g->D, GH = g->GH, LD = g->L * D;
    int bm = g->rnn->batch_major;
    switch (i) {
    case RB_X:
    case RB_DX: return bm ? set_dims(dims, 3, N, T, g->I, 0) : set_dims(dims, 3, T, N, g->I, 0);
    case RB_W:
    case RB_DW: return set_dims(dims, 3, D, GH, l ? D * H : g->I, 0);
    case RB_R:
    case RB_DR: return set_dims(dims, 3, D, GH, H, 0);
    case RB_P:
    case RB_DP: return set_dims(dims, 2, D, 3 * H, 0, 0);
    case RB_DB: return set_dims(dims, 2, D, 2 * GH, 0, 0);
    case RB_DY: return bm ? set_dims(dims, 4, N, T, D, H) : set_dims(dims, 4, T, D, N, H);
    default: return bm ? set_dims(dims, 3, N, LD, H, 0) : set_dims(dims, 3, LD, N, H, 0);
    }
}

/* Weights, biases and peepholes (and their gradients): arrays of L. */
static bool per_layer(int i)
{
    return i == RB_W || i == RB_R || i == RB_P || i == RB_DB || i == RB_DW || i == RB_DR ||
           i == RB_DP;
}

/* Every named operand (and every layer's element of the arrays) against its
 * shape; x, w and r are required. Names carry the layer index in stacks. */
static clnn_status check_ops(clnn_context_t ctx, const clnn_rnn_geom *g, const char *fn,
                             const char *const *names, const clnn_rnn_tensor *const *ops)
{
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; st == CLNN_SUCCESS && i < RB_COUNT; i++) {
        if (!names[i]) continue;
        size_t layers = per_layer(i) && ops[i] ? g->L : 1;
        for (size_t l = 0; st == CLNN_SUCCESS && l < layers; l++) {
            char name[32];
            int64_t dims[4];
            int rank = shape_of(g, i, l, dims);
            if (g->L > 1 && per_layer(i))
                snprintf(name, sizeof name, "%s[%zu]", names[i], l);
            else
                snprintf(name, sizeof name, "%s", names[i]);
            st = check_shaped(ctx, fn, name, ops[i] ? &ops[i][l] : NULL, i <= RB_R, rank, dims);
        }
    }
    /* Operands only an LSTM has. */
    static const int lstm_only[] = {RB_P, RB_DYC, RB_DP, RB_DC0};
    for (size_t k = 0; st == CLNN_SUCCESS && k < sizeof lstm_only / sizeof lstm_only[0]; k++) {
        int i = lstm_only[k];
        if (names[i] && ops[i] && g->rnn->mode != CLNN_RNN_LSTM)
            st = clnn_fail(CLNN_INVALID_VALUE, "%s: %s is given but only an LSTM has it", fn,
                           names[i]);
    }
    return st;
}

/* Everything both passes check before enqueueing anything. */
static clnn_status validate(clnn_context_t ctx, const clnn_rnn_desc *rnn, const char *fn,
                            const char *const *names, const clnn_rnn_tensor *const *ops,
                            const int32_t *seq_lens, cl_mem workspace, size_t workspace_size,
                            int need_reserve, cl_mem reserve, size_t reserve_size,
                            clnn_rnn_geom *g)
{
    if (!ops[RB_X]) return clnn_fail(CLNN_NULL_POINTER, "%s: x is NULL (required)", fn);
    clnn_status st = make_geom(ctx, rnn, ops[RB_X]->desc, fn, g);
    if (st == CLNN_SUCCESS) st = check_ops(ctx, g, fn, names, ops);
    if (st == CLNN_SUCCESS) st = check_lens(g, seq_lens, fn);
    if (st == CLNN_SUCCESS)
        st = check_scratch(ctx, fn, "workspace", workspace, workspace_size, workspace_bytes(g));
    if (st == CLNN_SUCCESS && need_reserve)
        st = check_scratch(ctx, fn, "reserve", reserve, reserve_size, reserve_bytes(g));
    return st;
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
    static const char *const names[RB_COUNT] = {
        [RF_X] = "x",  [RF_W] = "w",    [RF_R] = "r",    [RF_B] = "b",  [RF_P] = "p",
        [RF_H0] = "h0", [RF_C0] = "c0", [RF_Y] = "y",    [RF_YH] = "y_h", [RF_YC] = "y_c"};
    const clnn_rnn_tensor *ops[RB_COUNT] = {
        [RF_X] = x,   [RF_W] = w,   [RF_R] = r, [RF_B] = b,    [RF_P] = p,
        [RF_H0] = h0, [RF_C0] = c0, [RF_Y] = y, [RF_YH] = y_h, [RF_YC] = y_c};
    clnn_rnn_geom g;
    clnn_status st = validate(ctx, rnn, "clnn_rnn_forward", names, ops, seq_lens, workspace,
                              workspace_size, training, reserve, reserve_size, &g);
    if (st != CLNN_SUCCESS) return st;
    return clnn_rnn_stack_forward(ctx, &g, training, seq_lens, ops, workspace,
                                  training ? reserve : NULL);
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
    static const char *const names[RB_COUNT] = {"x",  "w",  "r",  "p",  "dy",  "dy_h", "dy_c",
                                                 "dx", "dw", "dr", "db", "dp", "dh0", "dc0"};
    const clnn_rnn_tensor *ops[RB_COUNT] = {x,  w,  r,  p,  dy, dy_h, dy_c,
                                            dx, dw, dr, db, dp, dh0, dc0};
    clnn_rnn_geom g;
    clnn_status st = validate(ctx, rnn, "clnn_rnn_backward", names, ops, seq_lens, workspace,
                              workspace_size, 1, reserve, reserve_size, &g);
    if (st != CLNN_SUCCESS) return st;
    return clnn_rnn_stack_backward(ctx, &g, seq_lens, ops, workspace, reserve);
}
