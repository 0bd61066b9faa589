/* Element-wise launch helpers shared by op families (not installed). */
#ifndef CLNN_OPS_ELEMENTWISE_INTERNAL_H
#define CLNN_OPS_ELEMENTWISE_INTERNAL_H

#include "../core/context.h"

/* Build options of the element-wise programs for this context ("-DVEC=8"). */
void clnn_elementwise_options(clnn_context_t ctx, char *buf, size_t size);

/* Runs a kernel of elementwise.cl whose arguments are set, over `n` elements
 * (VEC elements per work-item). */
clnn_status clnn_elementwise_launch(clnn_context_t ctx, cl_kernel kernel, size_t n);

/* Activation helpers (activation.c) for fused operations. */
clnn_status clnn_activation_check(const clnn_activation_desc *act, const char *fn);
/* Build options of a program specialised for activation `kind`. */
void clnn_activation_options(clnn_context_t ctx, clnn_activation kind, char *buf,
                             size_t size);

#endif
