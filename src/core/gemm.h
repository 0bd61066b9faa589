/* GEMM through CLBlast and its per-device parameter table (not installed). */
#ifndef CLNN_CORE_GEMM_INTERNAL_H
#define CLNN_CORE_GEMM_INTERNAL_H

#include "context.h"

/* Applies the tuning table's CLBlast overrides for the context's device, once per
 * device and process (CLBlast's parameters are process-wide). */
clnn_status clnn_gemm_apply_tuning(clnn_context_t ctx);

/* Name of the tuning-table entry used for a device ("default" when none). */
const char *clnn_gemm_tuning_name(const clnn_device_info *info);

#endif
