/* Reduction plans shared by reductions and dense (not installed). */
#ifndef CLNN_OPS_REDUCE_INTERNAL_H
#define CLNN_OPS_REDUCE_INTERNAL_H

#include "../core/context.h"

/* x's axes with size-1 axes dropped and neighbours of equal kind merged
 * ("groups"), split into kept axes (one output per kept multi-index) and reduced
 * axes, each with dims and strides in x's elements. */
typedef struct clnn_reduce_plan {
    int grank, krank, rrank;
    size_t gdims[CLNN_MAX_RANK];
    bool greduced[CLNN_MAX_RANK];
    size_t kdims[CLNN_MAX_RANK], kstr[CLNN_MAX_RANK];
    size_t rdims[CLNN_MAX_RANK], rstr[CLNN_MAX_RANK];
    size_t nout, red; /* output elements, elements per output */
} clnn_reduce_plan;

void clnn_reduce_plan_make(const int64_t *dims, int rank, const bool *reduced,
                           clnn_reduce_plan *plan);

/* y = sum / mean / max of x per plan (float32; offsets in elements). */
clnn_status clnn_reduce_enqueue(clnn_context_t ctx, clnn_reduce_op op,
                                const clnn_reduce_plan *plan, cl_mem x, size_t x_off,
                                cl_mem y, size_t y_off);

#endif
