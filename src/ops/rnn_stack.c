/* Recurrent layers: a stack of L layers in one call (cuDNN style) with dropout
 * between them. Layer l > 0 reads layer l-1's output [rows, D*H] (rows in x's
 * order): in the reserve after a training forward (the backward pass reads it
 * for dW), else in one of two workspace buffers. The per-layer loops are in
 * rnn_run.c. */
#include "rnn.h"
#include "../core/program.h"

#include <clnn/dropout.h>
#include <string.h>

/* The host lengths into the workspace, 16 per launch as kernel arguments: no
 * host wait (arguments are copied at enqueue), and no partial host write, which
 * oclgrind 21.10 takes as un-initialising the rest of the buffer. */
static clnn_status upload_lens(clnn_context_t ctx, const clnn_rnn_geom *g, const int32_t *lens,
                               cl_mem ws)
{
    cl_kernel k;
    if (!lens) return CLNN_SUCCESS;
    clnn_status st = clnn_rnn_kernel(ctx, g, "rnn_store_lens", &k);
    for (size_t n0 = 0; st == CLNN_SUCCESS && n0 < g->N; n0 += 16) {
        cl_int16 v = {{0}};
        cl_int count = (cl_int)(g->N - n0 < 16 ? g->N - n0 : 16);
        cl_ulong off = n0;
        memcpy(v.s, lens + n0, (size_t)count * sizeof *lens);
        st = clnn_set_args(k, CLNN_ARG(ws), CLNN_ARG(off), CLNN_ARG(count), CLNN_ARG(v));
        if (st == CLNN_SUCCESS) st = clnn_enqueue_1d(ctx, k, 16);
    }
    return st;
}

/* Element l of an operand array (absent when the array is). */
static clnn_rnn_buf at(const clnn_rnn_tensor *arr, size_t l, cl_mem fallback)
{
    return clnn_rnn_buf_of(arr ? &arr[l] : NULL, fallback);
}

/* Layer l's slice of a stacked state tensor. */
static clnn_rnn_buf state_at(const clnn_rnn_geom *g, const clnn_rnn_tensor *t, size_t l,
                             cl_mem fallback)
{
    clnn_rnn_buf b = clnn_rnn_buf_of(t, fallback);
    if (b.has) b.off += l * g->ss_layer;
    return b;
}

/* Layer l's output when another layer follows: the reserve (training) or the
 * workspace buffers taken in turn (inference). */
static clnn_rnn_buf inter_buf(const clnn_rnn_geom *g, const clnn_rnn_layout *lo, size_t l,
                              int training, cl_mem ws, cl_mem reserve)
{
    clnn_rnn_buf b = {ws, lo->inter[l % 2], 1};
    if (training) {
        b.mem = reserve;
        b.off = g->L * clnn_rnn_records(g) + l * clnn_rnn_inter(g);
    }
    return b;
}

/* The intermediate outputs' strides: [rows, D, H]. */
static clnn_rnn_strides inter_strides(const clnn_rnn_geom *g)
{
    cl_ulong dh = g->D * g->H;
    clnn_rnn_strides s = {g->H, g->x_ts * dh, g->x_ns * dh};
    return s;
}

/* Dropout of layer l's output (forward) or of its gradient (backward), in place;
 * layer l's mask uses stream positions dropout_offset + l * rows * D*H + i. */
static clnn_status dropout(clnn_context_t ctx, const clnn_rnn_geom *g, size_t l,
                           clnn_rnn_buf b, int forward)
{
    const clnn_rnn_desc *rnn = g->rnn;
    if (rnn->dropout_ratio == 0.0f) return CLNN_SUCCESS;
    size_t n = clnn_rnn_inter(g);
    clnn_tensor_desc desc;
    clnn_status st = clnn_tensor_desc_set(&desc, CLNN_FLOAT32, 1, (int64_t[]){(int64_t)n});
    uint64_t off = rnn->dropout_offset + (uint64_t)l * n;
    if (st == CLNN_SUCCESS && forward)
        st = clnn_dropout_forward(ctx, rnn->dropout_ratio, 1, rnn->dropout_seed, off, &desc,
                                  b.mem, b.off * 4, &desc, b.mem, b.off * 4, NULL, NULL, 0);
    else if (st == CLNN_SUCCESS)
        st = clnn_dropout_backward(ctx, rnn->dropout_ratio, rnn->dropout_seed, off, &desc,
                                   b.mem, b.off * 4, &desc, b.mem, b.off * 4);
    return st;
}

/* The operands every layer takes from the caller's arrays and stacked states. */
static void layer_common(const clnn_rnn_geom *g, size_t l, const clnn_rnn_tensor *const *ops,
                         cl_mem ws, clnn_rnn_layer *lay)
{
    static const int arrays[] = {RB_W, RB_R, RB_P, RB_DB, RB_DW, RB_DR, RB_DP};
    static const int states[] = {RB_DYH, RB_DYC, RB_DH0, RB_DC0};
    memset(lay, 0, sizeof *lay);
    for (int i = 0; i < RB_COUNT; i++) lay->o[i] = clnn_rnn_buf_of(NULL, ws);
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        lay->o[arrays[i]] = at(ops[arrays[i]], l, ws);
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        lay->o[states[i]] = state_at(g, ops[states[i]], l, ws);
    lay->I = l ? g->D * g->H : g->I;
    lay->rs = l * clnn_rnn_records(g);
    lay->ys = g->ys;
}

clnn_status clnn_rnn_stack_forward(clnn_context_t ctx, const clnn_rnn_geom *g, int training,
                                   const int32_t *seq_lens,
                                   const clnn_rnn_tensor *const *ops, cl_mem ws,
                                   cl_mem reserve)
{
    clnn_rnn_layout lo;
    clnn_rnn_layout_make(g, &lo);
    clnn_status st = upload_lens(ctx, g, seq_lens, ws);
    clnn_rnn_buf prev = clnn_rnn_buf_of(ops[RF_X], ws);
    for (size_t l = 0; st == CLNN_SUCCESS && l < g->L; l++) {
        clnn_rnn_layer lay;
        layer_common(g, l, ops, ws, &lay);
        lay.o[RF_X] = prev;
        if (l + 1 < g->L) {
            lay.o[RF_Y] = inter_buf(g, &lo, l, training, ws, reserve);
            lay.ys = inter_strides(g);
        } else {
            lay.o[RF_Y] = clnn_rnn_buf_of(ops[RF_Y], ws);
        }
        st = clnn_rnn_layer_forward(ctx, g, &lay, seq_lens != NULL, ws,
                                    training ? reserve : NULL);
        if (st == CLNN_SUCCESS && training && l + 1 < g->L)
            st = dropout(ctx, g, l, lay.o[RF_Y], 1);
        prev = lay.o[RF_Y];
    }
    return st;
}

clnn_status clnn_rnn_stack_backward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                    const int32_t *seq_lens,
                                    const clnn_rnn_tensor *const *ops, cl_mem ws,
                                    cl_mem reserve)
{
    clnn_rnn_layout lo;
    clnn_rnn_layout_make(g, &lo);
    clnn_status st = upload_lens(ctx, g, seq_lens, ws);
    for (size_t l = g->L; st == CLNN_SUCCESS && l-- > 0;) {
        clnn_rnn_layer lay;
        layer_common(g, l, ops, ws, &lay);
        if (l + 1 < g->L) {
            /* Written by layer l+1's dx GEMM, dropout already undone. */
            lay.o[RB_DY] = (clnn_rnn_buf){ws, lo.inter[l % 2], 1};
            lay.ys = inter_strides(g);
        } else {
            lay.o[RB_DY] = clnn_rnn_buf_of(ops[RB_DY], ws);
        }
        if (l > 0) {
            lay.o[RB_X] = inter_buf(g, &lo, l - 1, 1, ws, reserve);
            lay.o[RB_DX] = (clnn_rnn_buf){ws, lo.inter[(l - 1) % 2], 1};
        } else {
            lay.o[RB_X] = clnn_rnn_buf_of(ops[RB_X], ws);
            lay.o[RB_DX] = clnn_rnn_buf_of(ops[RB_DX], ws);
        }
        st = clnn_rnn_layer_backward(ctx, g, &lay, seq_lens != NULL, ws, reserve);
        if (st == CLNN_SUCCESS && l > 0) st = dropout(ctx, g, l - 1, lay.o[RB_DX], 0);
    }
    return st;
}
