/* Contexts: one device, one in-order queue, the program cache and settings. */
#include "context.h"
#include "device.h"
#include "program.h"

#include <clblast_c.h>

#include <stdlib.h>
#include <string.h>

clnn_status clnn_context_check(clnn_context_t ctx, const char *fn)
{
    if (!ctx) return clnn_fail(CLNN_NULL_POINTER, "%s: context is NULL", fn);
    if (!clnn_handle_is_live(ctx))
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: context %p is not a live clnn context (destroyed?)", fn,
                         (void *)ctx);
    return CLNN_SUCCESS;
}

/* Kernel shape defaults derived from capabilities, not from vendor names. */
static void choose_kernel_defaults(struct clnn_context *c)
{
    unsigned width = c->info.preferred_float_vector_width;
    if (c->info.kind == CLNN_DEVICE_KIND_CPU)
        c->vector_width = width >= 16 ? 16 : 8; /* PoCL: wide vectors map to AVX */
    else
        c->vector_width = 4; /* GPUs: 16-byte loads per work-item coalesce well */
    c->local_size = CLNN_MIN((size_t)64, c->info.max_work_group_size);
}

/* Builds the context around an existing cl_context/queue (references taken). */
static clnn_status finish_create(cl_context cl_ctx, cl_command_queue queue,
                                 const clnn_device_info *info, bool adopted,
                                 clnn_context_t *out)
{
    struct clnn_context *c = calloc(1, sizeof *c);
    if (!c) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "context: out of memory");
    const clnn_env *env = clnn_env_get();
    c->cl_ctx = cl_ctx;
    c->queue = queue;
    c->info = *info;
    c->gemm_tuning = env->gemm_tuning;
    c->cache_dir = env->disk_cache_enabled ? clnn_strdup(env->cache_dir) : NULL;
    c->kernel_dir = clnn_strdup(env->kernel_dir);
    choose_kernel_defaults(c);
    if (c->cache_dir && !clnn_disk_cache_prepare(c->cache_dir)) {
        free(c->cache_dir);
        c->cache_dir = NULL;
    }
    bool strings_ok = !env->kernel_dir || c->kernel_dir;
    clnn_status st = strings_ok ? clnn_profile_attach(c, adopted)
                                : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "context: out of memory");
    if (st == CLNN_SUCCESS) st = clnn_handle_register(c);
    if (st != CLNN_SUCCESS) {
        free(c->profile);
        free(c->cache_dir);
        free(c->kernel_dir);
        free(c);
        return st;
    }
    clnn_log_info("context on '%s' (%s), vector width %u, cache %s", info->device_name,
                  info->platform_name, c->vector_width,
                  c->cache_dir ? c->cache_dir : "disabled");
    *out = c;
    return CLNN_SUCCESS;
}

clnn_status clnn_context_create_on(const char *spec, clnn_context_t *ctx)
{
    if (!ctx) return clnn_fail(CLNN_NULL_POINTER, "clnn_context_create: ctx is NULL");
    clnn_device_info info;
    clnn_status st = clnn_device_select(spec, &info, NULL, 0);
    if (st != CLNN_SUCCESS) return st;

    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                     (cl_context_properties)info.platform, 0};
    cl_context cl_ctx = clCreateContext(props, 1, &info.device, NULL, NULL, &err);
    if (!cl_ctx) return clnn_fail_cl(err, "clCreateContext");
    cl_command_queue_properties qprops =
        clnn_env_get()->profile ? CL_QUEUE_PROFILING_ENABLE : 0;
    cl_command_queue queue = clCreateCommandQueue(cl_ctx, info.device, qprops, &err);
    if (!queue) {
        clReleaseContext(cl_ctx);
        return clnn_fail_cl(err, "clCreateCommandQueue");
    }
    st = finish_create(cl_ctx, queue, &info, false, ctx);
    if (st != CLNN_SUCCESS) {
        clReleaseCommandQueue(queue);
        clReleaseContext(cl_ctx);
    }
    return st;
}

clnn_status clnn_context_create(clnn_context_t *ctx)
{
    return clnn_context_create_on(NULL, ctx);
}

/* Finds the platform/device indices of an adopted device, for the info record. */
static void locate_indices(clnn_device_info *info)
{
    clnn_device_info all[64];
    size_t n = 0;
    if (clnn_device_list(all, CLNN_ARRAY_SIZE(all), &n) != CLNN_SUCCESS) return;
    for (size_t i = 0; i < CLNN_MIN(n, CLNN_ARRAY_SIZE(all)); i++) {
        if (all[i].device == info->device) {
            info->platform_index = all[i].platform_index;
            info->device_index = all[i].device_index;
        }
    }
}

clnn_status clnn_context_adopt(cl_context cl_ctx, cl_command_queue queue,
                               clnn_context_t *ctx)
{
    if (!ctx || !cl_ctx || !queue)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_context_adopt: %s is NULL",
                         !ctx ? "ctx" : !cl_ctx ? "cl_ctx" : "queue");
    cl_device_id device;
    cl_context queue_ctx;
    cl_command_queue_properties qprops;
    cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof device, &device, NULL);
    err |= clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof queue_ctx, &queue_ctx, NULL);
    err |= clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof qprops, &qprops, NULL);
    if (err != CL_SUCCESS)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_context_adopt: queue is not a valid "
                                             "cl_command_queue");
    if (queue_ctx != cl_ctx)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "clnn_context_adopt: queue belongs to another cl_context");
    if (qprops & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)
        return clnn_fail(CLNN_NOT_SUPPORTED,
                         "clnn_context_adopt: out-of-order queues are not supported; "
                         "clnn relies on in-order execution");
    cl_platform_id platform;
    err = clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof platform, &platform, NULL);
    if (err != CL_SUCCESS) return clnn_fail_cl(err, "clnn_context_adopt: device platform");
    clnn_device_info info;
    clnn_status st = clnn_device_query(platform, device, &info);
    if (st != CLNN_SUCCESS) return st;
    locate_indices(&info);
    clRetainContext(cl_ctx);
    clRetainCommandQueue(queue);
    st = finish_create(cl_ctx, queue, &info, true, ctx);
    if (st != CLNN_SUCCESS) {
        clReleaseCommandQueue(queue);
        clReleaseContext(cl_ctx);
    }
    return st;
}

void clnn_context_destroy(clnn_context_t ctx)
{
    if (!ctx || !clnn_handle_is_live(ctx)) return;
    clnn_handle_unregister(ctx);
    clFinish(ctx->queue);
    clnn_profile_detach(ctx);
    /* CLBlast caches programs per cl_context process-wide; drop them before the
     * context goes, or they outlive it (a leak, and a crash in oclgrind). This also
     * clears other contexts' entries, which CLBlast rebuilds from its binary cache
     * or the driver's cache on their next GEMM. */
    if (ctx->used_gemm) CLBlastClearCache();
    clnn_program_cache_release(ctx);
    clReleaseCommandQueue(ctx->queue);
    clReleaseContext(ctx->cl_ctx);
    free(ctx->cache_dir);
    free(ctx->kernel_dir);
    free(ctx);
}

clnn_status clnn_context_device(clnn_context_t ctx, clnn_device_info *out)
{
    clnn_status st = clnn_context_check(ctx, "clnn_context_device");
    if (st != CLNN_SUCCESS) return st;
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "clnn_context_device: out is NULL");
    *out = ctx->info;
    return CLNN_SUCCESS;
}

cl_context clnn_context_cl_context(clnn_context_t ctx)
{
    return ctx && clnn_handle_is_live(ctx) ? ctx->cl_ctx : NULL;
}

cl_command_queue clnn_context_cl_queue(clnn_context_t ctx)
{
    return ctx && clnn_handle_is_live(ctx) ? ctx->queue : NULL;
}

clnn_status clnn_context_finish(clnn_context_t ctx)
{
    clnn_status st = clnn_context_check(ctx, "clnn_context_finish");
    if (st != CLNN_SUCCESS) return st;
    cl_int err = clFinish(ctx->queue);
    clnn_profile_flush(ctx);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "clFinish");
}
