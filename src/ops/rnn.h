/* Recurrent layers: the geometry shared by validation (rnn.c), the stack of
 * layers (rnn_stack.c) and the per-layer enqueue loops (rnn_run.c) (not
 * installed). */
#ifndef CLNN_OPS_RNN_INTERNAL_H
#define CLNN_OPS_RNN_INTERNAL_H

#include "../core/context.h"

/* Element strides of a [.., H] tensor: per direction, time step, batch entry. */
typedef struct clnn_rnn_strides {
    cl_ulong d, t, n;
} clnn_rnn_strides;

typedef struct clnn_rnn_geom {
    const clnn_rnn_desc *rnn;
    size_t L, T, N, I, H, D, G, GH, S; /* I: x's width; S: reserve floats per row */
    bool gru_split;                    /* GRU lbr=0: two half steps                */
    bool separate_dgr;                 /* GRU lbr=1: R-side gate gradient differs  */
    /* Row (t, n) of x, the projections, reserve records and gate gradients sits
     * at t * x_ts + n * x_ns: x's own order (time-major (N, 1), batch-major
     * (1, T)), so the input GEMMs read x and write dx in place. */
    cl_ulong x_ts, x_ns;
    clnn_rnn_strides ss; /* h0 c0 y_h y_c and their gradients (t unused)     */
    cl_ulong ss_layer;   /* their offset from one layer to the next          */
    clnn_rnn_strides ys; /* the user's y and dy                              */
} clnn_rnn_geom;

/* Float offsets of one layer's workspace regions (both passes start with the
 * lengths); then, for stacks, two [rows, D*H] buffers for the layer outputs
 * (inference) or their gradients (backward). */
typedef struct clnn_rnn_layout {
    size_t lens, xw, hr, tmp, hs, cs, ping, rt, forward_end; /* forward  */
    size_t dgw, dgr, dgs, rec, dcs, btmp, backward_end; /* backward */
    size_t inter[2], end;
} clnn_rnn_layout;

void clnn_rnn_layout_make(const clnn_rnn_geom *g, clnn_rnn_layout *l);

/* Floats of one layer's reserve records, and of one intermediate output. */
size_t clnn_rnn_records(const clnn_rnn_geom *g);
size_t clnn_rnn_inter(const clnn_rnn_geom *g);

/* A present operand's buffer and element offset, or `fallback` (offset 0). */
typedef struct clnn_rnn_buf {
    cl_mem mem;
    cl_ulong off; /* elements */
    int has;
} clnn_rnn_buf;
clnn_rnn_buf clnn_rnn_buf_of(const clnn_rnn_tensor *t, cl_mem fallback);

/* Operands in one place: index by the names below. The forward pass uses the
 * RF_ names (aliases of slots it shares with the backward list). */
enum { RB_X, RB_W, RB_R, RB_P, RB_DY, RB_DYH, RB_DYC, RB_DX, RB_DW, RB_DR, RB_DB, RB_DP,
       RB_DH0, RB_DC0, RB_COUNT };
enum { RF_X = RB_X, RF_W = RB_W, RF_R = RB_R, RF_P = RB_P, RF_B = RB_DB, RF_Y = RB_DY,
       RF_YH = RB_DYH, RF_YC = RB_DYC, RF_H0 = RB_DH0, RF_C0 = RB_DC0 };

/* One layer of the stack as the enqueue loops see it. */
typedef struct clnn_rnn_layer {
    size_t I;                 /* input width: x's I (layer 0) or D*H          */
    cl_ulong rs;              /* float offset of its records in the reserve    */
    clnn_rnn_strides ys;      /* strides of its y (forward) or dy (backward)   */
    clnn_rnn_buf o[RB_COUNT]; /* operands at this layer's slice                */
} clnn_rnn_layer;

/* Kernel `name` of cl/rnn.cl built for g's cell; the _tiled form builds the
 * fused forward kernels too (cvw units of nb entries per work-item; nb 0: not). */
clnn_status clnn_rnn_kernel(clnn_context_t ctx, const clnn_rnn_geom *g, const char *name,
                            cl_kernel *k);
clnn_status clnn_rnn_kernel_tiled(clnn_context_t ctx, const clnn_rnn_geom *g, const char *name,
                                  int cvw, int nb, cl_kernel *k);

clnn_status clnn_rnn_layer_forward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                   const clnn_rnn_layer *lay, int has_lens, cl_mem ws,
                                   cl_mem reserve);
clnn_status clnn_rnn_layer_backward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                    const clnn_rnn_layer *lay, int has_lens, cl_mem ws,
                                    cl_mem reserve);

/* The whole call: lengths upload, the layers, dropout between them. `ops` is
 * indexed by the RF_ (forward) or RB_ (backward) names; w r b p and their
 * gradients point to arrays of L. */
clnn_status clnn_rnn_stack_forward(clnn_context_t ctx, const clnn_rnn_geom *g, int training,
                                   const int32_t *seq_lens,
                                   const clnn_rnn_tensor *const *ops, cl_mem ws,
                                   cl_mem reserve);
clnn_status clnn_rnn_stack_backward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                    const int32_t *seq_lens,
                                    const clnn_rnn_tensor *const *ops, cl_mem ws,
                                    cl_mem reserve);

#endif
