/* Tensors owned by clnn (descriptor + buffer) and host <-> device transfers. */
#include "check.h"

#include <stdlib.h>

struct clnn_tensor {
    clnn_context_t ctx;
    clnn_tensor_desc desc;
    cl_mem buffer;
    size_t bytes;
};

static clnn_status check_tensor(clnn_tensor_t t, const char *fn, const char *name)
{
    if (!t) return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, name);
    if (!clnn_handle_is_live(t))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s is not a live clnn tensor (destroyed?)",
                         fn, name);
    return clnn_context_check(t->ctx, fn);
}

clnn_status clnn_tensor_create(clnn_context_t ctx, const clnn_tensor_desc *desc,
                               clnn_tensor_t *tensor)
{
    static const char fn[] = "clnn_tensor_create";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(desc, -1, fn, "desc");
    if (st != CLNN_SUCCESS) return st;
    if (!tensor) return clnn_fail(CLNN_NULL_POINTER, "%s: tensor is NULL", fn);
    size_t bytes = clnn_desc_elements(desc) * clnn_dtype_size(desc->dtype);
    if (bytes > ctx->info.max_alloc_bytes)
        return clnn_fail(CLNN_OUT_OF_DEVICE_MEMORY,
                         "%s: %zu bytes exceed the device's largest allocation (%llu bytes, "
                         "CL_DEVICE_MAX_MEM_ALLOC_SIZE)", fn, bytes,
                         (unsigned long long)ctx->info.max_alloc_bytes);
    struct clnn_tensor *t = calloc(1, sizeof *t);
    if (!t) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    cl_int err;
    t->buffer = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (!t->buffer) {
        free(t);
        return clnn_fail_cl(err, "clnn_tensor_create: clCreateBuffer");
    }
    st = clnn_handle_register(t);
    if (st != CLNN_SUCCESS) {
        clReleaseMemObject(t->buffer);
        free(t);
        return st;
    }
    t->ctx = ctx;
    t->desc = *desc;
    t->bytes = bytes;
    *tensor = t;
    return CLNN_SUCCESS;
}

void clnn_tensor_destroy(clnn_tensor_t tensor)
{
    if (!tensor || !clnn_handle_is_live(tensor)) return;
    clnn_handle_unregister(tensor);
    clReleaseMemObject(tensor->buffer);
    free(tensor);
}

const clnn_tensor_desc *clnn_tensor_get_desc(clnn_tensor_t tensor)
{
    return tensor && clnn_handle_is_live(tensor) ? &tensor->desc : NULL;
}

cl_mem clnn_tensor_get_buffer(clnn_tensor_t tensor)
{
    return tensor && clnn_handle_is_live(tensor) ? tensor->buffer : NULL;
}

static clnn_status transfer(clnn_context_t ctx, cl_mem buffer, size_t offset, void *host,
                            size_t bytes, bool to_device, const char *fn)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st != CLNN_SUCCESS) return st;
    if (!host) return clnn_fail(CLNN_NULL_POINTER, "%s: host pointer is NULL", fn);
    st = clnn_check_buffer(ctx, buffer, offset, bytes, 1, fn, "buffer");
    if (st != CLNN_SUCCESS || bytes == 0) return st;
    cl_int err = to_device ? clEnqueueWriteBuffer(ctx->queue, buffer, CL_TRUE, offset, bytes,
                                                  host, 0, NULL, NULL)
                           : clEnqueueReadBuffer(ctx->queue, buffer, CL_TRUE, offset, bytes,
                                                 host, 0, NULL, NULL);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, fn);
}

clnn_status clnn_buffer_write(clnn_context_t ctx, cl_mem buffer, size_t offset,
                              const void *host, size_t bytes)
{
    return transfer(ctx, buffer, offset, (void *)host, bytes, true, "clnn_buffer_write");
}

clnn_status clnn_buffer_read(clnn_context_t ctx, cl_mem buffer, size_t offset, void *host,
                             size_t bytes)
{
    return transfer(ctx, buffer, offset, host, bytes, false, "clnn_buffer_read");
}

static clnn_status check_whole_transfer(clnn_tensor_t t, size_t bytes, const char *fn)
{
    clnn_status st = check_tensor(t, fn, "tensor");
    if (st == CLNN_SUCCESS && bytes != t->bytes)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: %zu bytes given, the tensor holds %zu", fn,
                       bytes, t->bytes);
    return st;
}

clnn_status clnn_tensor_upload(clnn_tensor_t tensor, const void *host, size_t bytes)
{
    clnn_status st = check_whole_transfer(tensor, bytes, "clnn_tensor_upload");
    return st == CLNN_SUCCESS ? clnn_buffer_write(tensor->ctx, tensor->buffer, 0, host, bytes)
                              : st;
}

clnn_status clnn_tensor_download(clnn_tensor_t tensor, void *host, size_t bytes)
{
    clnn_status st = check_whole_transfer(tensor, bytes, "clnn_tensor_download");
    return st == CLNN_SUCCESS ? clnn_buffer_read(tensor->ctx, tensor->buffer, 0, host, bytes)
                              : st;
}

clnn_status clnn_tensor_fill(clnn_tensor_t tensor, float value)
{
    clnn_status st = check_tensor(tensor, "clnn_tensor_fill", "tensor");
    return st == CLNN_SUCCESS
               ? clnn_fill(tensor->ctx, &tensor->desc, tensor->buffer, 0, value)
               : st;
}

clnn_status clnn_tensor_copy(clnn_tensor_t dst, clnn_tensor_t src)
{
    static const char fn[] = "clnn_tensor_copy";
    clnn_status st = check_tensor(dst, fn, "dst");
    if (st == CLNN_SUCCESS) st = check_tensor(src, fn, "src");
    if (st != CLNN_SUCCESS) return st;
    if (dst->ctx != src->ctx)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: dst and src belong to different contexts", fn);
    if (dst->desc.dtype != src->desc.dtype || dst->bytes != src->bytes)
        return clnn_fail(CLNN_SHAPE_MISMATCH,
                         "%s: dst (%zu bytes) and src (%zu bytes) differ in dtype or size", fn,
                         dst->bytes, src->bytes);
    if (dst == src || dst->bytes == 0) return CLNN_SUCCESS;
    cl_int err = clEnqueueCopyBuffer(dst->ctx->queue, src->buffer, dst->buffer, 0, 0,
                                     dst->bytes, 0, NULL, NULL);
    return err == CL_SUCCESS ? CLNN_SUCCESS : clnn_fail_cl(err, "clnn_tensor_copy");
}
