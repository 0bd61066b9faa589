/* OpenCL programs: sources, build options, in-memory and on-disk caches. */
#ifndef CLNN_PROGRAM_H
#define CLNN_PROGRAM_H

#include "context.h"

/* Returns the kernel `kernel_name` of program `source_name` ("elementwise.cl")
 * built with `options` ("-DVEC=8 ..."). Built once per context; the kernel object
 * is owned by the context's cache (do not release). Not thread-safe: a context is
 * used by one thread at a time. */
clnn_status clnn_kernel_get(clnn_context_t ctx, const char *source_name,
                            const char *options, const char *kernel_name,
                            cl_kernel *kernel);

/* The same for the whole program. */
clnn_status clnn_program_get(clnn_context_t ctx, const char *source_name,
                             const char *options, cl_program *program);

/* Releases every program and kernel the context cached. */
void clnn_program_cache_release(clnn_context_t ctx);

/* Kernel arguments as (size, pointer) pairs: clnn_set_args(k, CLNN_ARG(x), ...). */
typedef struct clnn_kernel_arg {
    size_t size;
    const void *value;
} clnn_kernel_arg;
#define CLNN_ARG(x) ((clnn_kernel_arg){sizeof(x), &(x)})
#define clnn_set_args(kernel, ...)                                                    \
    clnn_set_kernel_args((kernel), (const clnn_kernel_arg[]){__VA_ARGS__},           \
                         sizeof((const clnn_kernel_arg[]){__VA_ARGS__}) /             \
                             sizeof(clnn_kernel_arg))
clnn_status clnn_set_kernel_args(cl_kernel kernel, const clnn_kernel_arg *args, size_t n);

/* Enqueues a 1-D range of at least `items` work-items with the context's fixed
 * local size (the global size is rounded up; kernels bound-check). */
clnn_status clnn_enqueue_1d(clnn_context_t ctx, cl_kernel kernel, size_t items);

/* Enqueues `kernel` over `dims` dimensions with explicit global and local sizes
 * (a fixed local size, never NULL: PoCL recompiles per local size). Every kernel
 * launch goes through here or clnn_enqueue_1d, so CLNN_PROFILE sees it. */
clnn_status clnn_enqueue_nd(clnn_context_t ctx, cl_kernel kernel, cl_uint dims,
                            const size_t *global, const size_t *local);

/* ---- disk cache (cache.c) */

/* Loads a program binary stored under `identity`; returns NULL (and logs why) if
 * there is none or it is truncated, corrupt or made for another identity. */
unsigned char *clnn_disk_cache_load(const char *dir, const char *identity, size_t *size);
/* Stores a binary (temp file + rename). Failures only log a warning. */
void clnn_disk_cache_store(const char *dir, const char *identity,
                           const unsigned char *binary, size_t size);
/* Creates the directory if needed; false (with a warning) if it is unusable. */
bool clnn_disk_cache_prepare(const char *dir);
/* Path of the entry for `identity` (for tests and tools); caller frees. */
char *clnn_disk_cache_path(const char *dir, const char *identity);

#endif
