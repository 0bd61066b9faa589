/*
 * clnn/profile.h: where the device time goes, per kernel.
 *
 * With CLNN_PROFILE set (to anything but "" or "0") when a context is created, the
 * context's queue is created with CL_QUEUE_PROFILING_ENABLE and every kernel the
 * library enqueues (its own kernels and CLBlast's GEMMs) records an OpenCL event.
 * Events are read in batches, not one by one: when the context's list of pending
 * events fills (then the library waits for the older half of them), at
 * clnn_context_finish, at clnn_context_destroy and in the calls below, which wait
 * for the pending events. Times are the device's START..END of each command, summed
 * per kernel name. A CLBlast GEMM counts as one call named "CLBlast sgemm" (or
 * "CLBlast sgemm_strided_batched"), timed from a marker enqueued before it (when
 * the queue reached the call) to the end of CLBlast's last kernel, so its helper
 * kernels (padding, transposes) are included; so is any time the device waited
 * for CLBlast's host code between them.
 *
 * clnn_context_destroy prints the table of clnn_profile_report to stderr when
 * profiling is on and anything was recorded.
 *
 * A context adopted from a caller's queue without CL_QUEUE_PROFILING_ENABLE cannot
 * profile: it logs a warning once and records nothing, as does a context created
 * without CLNN_PROFILE (call clnn_env_reload() after changing the environment).
 */
#ifndef CLNN_PROFILE_H
#define CLNN_PROFILE_H

#include <stdio.h>
#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One kernel's totals. `name` stays valid until the next clnn_profile_reset or
 * the context's destruction. */
typedef struct clnn_profile_entry {
    const char *name;
    uint64_t calls;
    uint64_t total_ns;
} clnn_profile_entry;

/* Whether `ctx` records kernel times (1) or not (0). */
CLNN_API clnn_status clnn_profile_enabled(clnn_context_t ctx, int *enabled);

/* Number of distinct kernels recorded so far (0 when profiling is off). Waits for
 * the pending events. */
CLNN_API clnn_status clnn_profile_kernel_count(clnn_context_t ctx, size_t *count);

/* Entry `index` (0 .. count - 1) in order of decreasing total time. Index out of
 * range: CLNN_INVALID_VALUE. Waits for the pending events. */
CLNN_API clnn_status clnn_profile_kernel(clnn_context_t ctx, size_t index,
                                         clnn_profile_entry *entry);

/* Sum of all recorded kernel times in nanoseconds (0 when off). Waits for the
 * pending events. */
CLNN_API clnn_status clnn_profile_total_ns(clnn_context_t ctx, uint64_t *total_ns);

/* Prints the table (kernel, calls, total ms, mean us, share %), sorted by total
 * time, to `out`; a single line saying so when profiling is off. Waits for the
 * pending events. */
CLNN_API clnn_status clnn_profile_report(clnn_context_t ctx, FILE *out);

/* Forgets everything recorded so far (after waiting for the pending events), so
 * a caller can profile one phase, e.g. a training step after the warm-up. */
CLNN_API clnn_status clnn_profile_reset(clnn_context_t ctx);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_PROFILE_H */
