/* The context object and the per-context state every op reads (not installed). */
#ifndef CLNN_CONTEXT_H
#define CLNN_CONTEXT_H

#include "internal.h"

struct clnn_program_entry; /* program.c */

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
};

/* Validates a context argument: NULL gives CLNN_NULL_POINTER, a destroyed or
 * foreign pointer CLNN_INVALID_VALUE. `fn` names the caller for the message. */
clnn_status clnn_context_check(clnn_context_t ctx, const char *fn);

/* Live-handle registry (handles.c): lets the library detect destroyed handles
 * without dereferencing them. */
clnn_status clnn_handle_register(const void *handle);
void clnn_handle_unregister(const void *handle);
bool clnn_handle_is_live(const void *handle);

#endif
