/* Reduction helpers shared by the training family: losses, metrics and clipping
 * (loss.c, clip.c; kernels in cl/loss.cl). Not installed. */
#ifndef CLNN_OPS_TRAIN_INTERNAL_H
#define CLNN_OPS_TRAIN_INTERNAL_H

#include "../core/context.h"

/* Most work-groups one reduction spreads over (and so most partial sums). */
#define CLNN_TRAIN_MAX_GROUPS 256

/* Work-group size of the reduction kernels: the largest power of two not above
 * the context's fixed local size. */
size_t clnn_train_local(clnn_context_t ctx);

/* Work-groups for `items` units of work (at least one, at most
 * CLNN_TRAIN_MAX_GROUPS, each with at least `per_item` units per work-item). */
size_t clnn_train_groups(clnn_context_t ctx, size_t items, size_t per_item);

/* A kernel of `source` built with "-DVEC=.. -DLOCAL=.. <extra>". */
clnn_status clnn_train_kernel(clnn_context_t ctx, const char *source, const char *extra,
                              const char *name, cl_kernel *kernel);

/* Enqueues `groups` work-groups of clnn_train_local work-items. */
clnn_status clnn_train_launch(clnn_context_t ctx, cl_kernel kernel, size_t groups);

/* out[out_off] = scale * sum of n floats at partials[p_off] (norm 0), or the
 * norm and clipping factor of n sums of squares (norm 1, scale = max_norm; see
 * sum_partials in cl/loss.cl). Offsets in elements. */
clnn_status clnn_train_sum(clnn_context_t ctx, cl_mem partials, size_t p_off, size_t n,
                           cl_mem out, size_t out_off, float scale, int norm);

/* Validates `workspace` against `need` bytes (NULL is fine when need is 0). */
clnn_status clnn_train_check_workspace(clnn_context_t ctx, cl_mem workspace,
                                       size_t workspace_size, size_t need, const char *fn);

#endif
