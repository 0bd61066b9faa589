/* The context object and the per-context state every op reads (not installed). */
#ifndef CLNN_CONTEXT_H
#define CLNN_CONTEXT_H

#include "internal.h"

struct clnn_program_entry; /* program.c */
struct clnn_profile;       /* profile.c */

struct clnn_context {
    cl_context cl_ctx;
    cl_command_queue queue;
    clnn_device_info info;
    struct clnn_program_entry *programs; /* in-memory program + kernel cache */
    char *cache_dir;                     /* NULL: no disk cache              */
    char *kernel_dir;                    /* NULL: embedded sources            */
    clnn_gemm_tuning_mode gemm_tuning;
    unsigned vector_width;               /* float vector width for kernels    */
    size_t local_size;                   /* fixed 1-D work-group size         */
    bool used_gemm;                      /* CLBlast holds programs for it     */
    struct clnn_profile *profile;        /* NULL unless CLNN_PROFILE is on    */
};

/* Validates a context argument: NULL gives CLNN_NULL_POINTER, a destroyed or
 * foreign pointer CLNN_INVALID_VALUE. `fn` names the caller for the message. */
clnn_status clnn_context_check(clnn_context_t ctx, const char *fn);

/* Live-handle registry (handles.c): lets the library detect destroyed handles
 * without dereferencing them. */
clnn_status clnn_handle_register(const void *handle);
void clnn_handle_unregister(const void *handle);
bool clnn_handle_is_live(const void *handle);

/* ---- profiling (profile.c; see include/clnn/profile.h) */

/* Turns profiling on for a new context when CLNN_PROFILE is set; an adopted queue
 * without CL_QUEUE_PROFILING_ENABLE only logs a warning. */
clnn_status clnn_profile_attach(struct clnn_context *c, bool adopted);
/* Reads the pending events, prints the table to stderr if anything was
 * recorded, and frees the profile (at context destruction, after clFinish). */
void clnn_profile_detach(clnn_context_t ctx);
/* Reads the pending events' times (after clFinish: no waiting). */
void clnn_profile_flush(clnn_context_t ctx);
/* Where an enqueue should return its event: NULL when profiling is off. */
#define CLNN_PROFILE_EVENT(ctx, event) ((ctx)->profile ? (event) : NULL)
/* Takes over `event` (NULL: nothing happens) of a launch of `kernel`, or of a
 * library call named `label` when kernel is NULL (CLBlast). */
void clnn_profile_record(clnn_context_t ctx, cl_kernel kernel, const char *label,
                         cl_event event);
/* For calls that launch several kernels but return one event (CLBlast: its last
 * kernel): a marker enqueued before the call (NULL when profiling is off) ... */
cl_event clnn_profile_mark(clnn_context_t ctx);
/* ... and the call's event: `label` is charged from the marker's end (the queue
 * reached the call) to the event's end. Takes over both events (either NULL:
 * nothing is recorded). */
void clnn_profile_record_span(clnn_context_t ctx, const char *label, cl_event begin,
                              cl_event end);

#endif
