/* Recurrent layers: the geometry shared by validation (rnn.c) and the enqueue
 * loops (rnn_run.c) (not installed). */
#ifndef CLNN_OPS_RNN_INTERNAL_H
#define CLNN_OPS_RNN_INTERNAL_H

#include "../core/context.h"

typedef struct clnn_rnn_geom {
    const clnn_rnn_desc *rnn;
    size_t T, N, I, H, D, G, GH, S; /* S: reserve floats per (t, n) and direction */
    bool gru_split;                 /* GRU lbr=0: two half steps                   */
    bool separate_dgr;              /* GRU lbr=1: R-side gate gradient differs     */
} clnn_rnn_geom;

/* Float offsets of the workspace regions (both passes start with the lengths). */
typedef struct clnn_rnn_layout {
    size_t lens, xw, hr, tmp, hs, cs, forward_end;  /* forward  */
    size_t dgw, dgr, dgs, rec, dcs, btmp, backward_end; /* backward */
} clnn_rnn_layout;

void clnn_rnn_layout_make(const clnn_rnn_geom *g, clnn_rnn_layout *l);

/* A present operand's buffer and byte offset, or `fallback` (offset 0). */
typedef struct clnn_rnn_buf {
    cl_mem mem;
    cl_ulong off; /* elements */
    int has;
} clnn_rnn_buf;
clnn_rnn_buf clnn_rnn_buf_of(const clnn_rnn_tensor *t, cl_mem fallback);

clnn_status clnn_rnn_run_forward(clnn_context_t ctx, const clnn_rnn_geom *g, int training,
                                 const int32_t *seq_lens, const clnn_rnn_tensor *x,
                                 const clnn_rnn_tensor *w, const clnn_rnn_tensor *r,
                                 const clnn_rnn_tensor *b, const clnn_rnn_tensor *p,
                                 const clnn_rnn_tensor *h0, const clnn_rnn_tensor *c0,
                                 const clnn_rnn_tensor *y, const clnn_rnn_tensor *y_h,
                                 const clnn_rnn_tensor *y_c, cl_mem ws, cl_mem reserve);

/* Backward operands in one place: index by the names below. */
enum { RB_X, RB_W, RB_R, RB_P, RB_DY, RB_DYH, RB_DYC, RB_DX, RB_DW, RB_DR, RB_DB, RB_DP,
       RB_DH0, RB_DC0, RB_COUNT };
clnn_status clnn_rnn_run_backward(clnn_context_t ctx, const clnn_rnn_geom *g,
                                  const int32_t *seq_lens,
                                  const clnn_rnn_tensor *const *ops, cl_mem ws,
                                  cl_mem reserve);

#endif
