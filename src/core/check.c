/* Argument validation shared by all public entry points. */
#include "check.h"

#include <stdio.h>

size_t clnn_dtype_size(clnn_dtype dtype)
{
    switch (dtype) {
    case CLNN_FLOAT32: return 4;
    case CLNN_INT32: return 4;
    case CLNN_INT64: return 8;
    }
    return 0;
}

static const char *dtype_name(clnn_dtype dtype)
{
    switch (dtype) {
    case CLNN_FLOAT32: return "float32";
    case CLNN_INT32: return "int32";
    case CLNN_INT64: return "int64";
    }
    return "unknown";
}

void clnn_format_shape(const clnn_tensor_desc *desc, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < desc->rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "",
                                 (long long)desc->dims[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

size_t clnn_desc_elements(const clnn_tensor_desc *desc)
{
    size_t n = 1;
    for (int i = 0; i < desc->rank; i++) n *= (size_t)desc->dims[i];
    return n;
}

/* Validates fields; on success stores the element count. `who` prefixes messages. */
static clnn_status validate_fields(clnn_dtype dtype, int rank, const int64_t *dims,
                                   const char *fn, const char *name, size_t *elements)
{
    size_t esize = clnn_dtype_size(dtype);
    if (esize == 0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has unknown dtype %d", fn, name, (int)dtype);
    if (rank < 0 || rank > CLNN_MAX_RANK)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has rank %d (must be 0..%d)", fn, name,
                         rank, CLNN_MAX_RANK);
    if (rank > 0 && !dims) return clnn_fail(CLNN_NULL_POINTER, "%s: dims is NULL", fn);
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 1)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has dims[%d] = %lld (must be >= 1)",
                             fn, name, i, (long long)dims[i]);
        if ((uint64_t)dims[i] > SIZE_MAX || !clnn_mul_size(n, (size_t)dims[i], &n))
            return clnn_fail(CLNN_INVALID_VALUE, "%s: %s element count overflows", fn, name);
    }
    size_t bytes;
    if (!clnn_mul_size(n, esize, &bytes) || bytes > (SIZE_MAX >> 1))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s byte size overflows", fn, name);
    *elements = n;
    return CLNN_SUCCESS;
}

clnn_status clnn_check_desc(const clnn_tensor_desc *desc, int dtype, const char *fn,
                            const char *name)
{
    if (!desc) return clnn_fail(CLNN_NULL_POINTER, "%s: %s descriptor is NULL", fn, name);
    size_t n;
    clnn_status st = validate_fields(desc->dtype, desc->rank, desc->dims, fn, name, &n);
    if (st != CLNN_SUCCESS) return st;
    if (dtype >= 0 && (int)desc->dtype != dtype)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s is %s, expected %s", fn, name,
                         dtype_name(desc->dtype), dtype_name((clnn_dtype)dtype));
    return CLNN_SUCCESS;
}

clnn_status clnn_check_buffer(clnn_context_t ctx, cl_mem buffer, size_t offset, size_t bytes,
                              size_t align, const char *fn, const char *name)
{
    if (!buffer) return clnn_fail(CLNN_NULL_POINTER, "%s: buffer %s is NULL", fn, name);
    size_t size = 0;
    cl_context owner = NULL;
    if (clGetMemObjectInfo(buffer, CL_MEM_SIZE, sizeof size, &size, NULL) != CL_SUCCESS ||
        clGetMemObjectInfo(buffer, CL_MEM_CONTEXT, sizeof owner, &owner, NULL) != CL_SUCCESS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s is not a valid cl_mem", fn, name);
    if (owner != ctx->cl_ctx)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s belongs to another cl_context", fn, name);
    if (align > 1 && offset % align != 0)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: %s offset %zu is not a multiple of the element size %zu", fn,
                         name, offset, align);
    size_t end;
    if (!clnn_add_size(offset, bytes, &end) || end > size)
        return clnn_fail(CLNN_INVALID_VALUE,
                         "%s: %s range [%zu, %zu + %zu) exceeds its buffer of %zu bytes", fn,
                         name, offset, offset, bytes, size);
    return CLNN_SUCCESS;
}

clnn_status clnn_check_operand(clnn_context_t ctx, const clnn_tensor_desc *desc, int dtype,
                               cl_mem buffer, size_t offset, const char *fn,
                               const char *name, size_t *count)
{
    clnn_status st = clnn_check_desc(desc, dtype, fn, name);
    if (st != CLNN_SUCCESS) return st;
    size_t n = clnn_desc_elements(desc), esize = clnn_dtype_size(desc->dtype);
    st = clnn_check_buffer(ctx, buffer, offset, n * esize, esize, fn, name);
    if (st == CLNN_SUCCESS && count) *count = n;
    return st;
}

clnn_status clnn_check_same_shape(const clnn_tensor_desc *a, const clnn_tensor_desc *b,
                                  const char *fn, const char *name_a, const char *name_b)
{
    bool same = a->rank == b->rank;
    for (int i = 0; same && i < a->rank; i++) same = a->dims[i] == b->dims[i];
    if (same) return CLNN_SUCCESS;
    char sa[160], sb[160];
    clnn_format_shape(a, sa, sizeof sa);
    clnn_format_shape(b, sb, sizeof sb);
    return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has shape %s but %s has shape %s", fn,
                     name_a, sa, name_b, sb);
}

clnn_status clnn_check_unary(clnn_context_t ctx, const char *fn, const clnn_tensor_desc *x_desc,
                             cl_mem x, size_t x_offset, const char *x_name,
                             const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                             const char *y_name, size_t *count)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, x_name, count);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, y_name, NULL);
    if (st == CLNN_SUCCESS) st = clnn_check_same_shape(x_desc, y_desc, fn, x_name, y_name);
    return st;
}

/* ---- public descriptor functions */

clnn_status clnn_tensor_desc_set(clnn_tensor_desc *desc, clnn_dtype dtype, int rank,
                                 const int64_t *dims)
{
    static const char fn[] = "clnn_tensor_desc_set";
    if (!desc) return clnn_fail(CLNN_NULL_POINTER, "%s: desc is NULL", fn);
    size_t n;
    clnn_status st = validate_fields(dtype, rank, dims, fn, "tensor", &n);
    if (st != CLNN_SUCCESS) return st;
    desc->dtype = dtype;
    desc->rank = rank;
    for (int i = 0; i < CLNN_MAX_RANK; i++) desc->dims[i] = i < rank ? dims[i] : 1;
    return CLNN_SUCCESS;
}

clnn_status clnn_tensor_desc_count(const clnn_tensor_desc *desc, int64_t *elements)
{
    clnn_status st = clnn_check_desc(desc, -1, "clnn_tensor_desc_count", "desc");
    if (st != CLNN_SUCCESS) return st;
    if (!elements) return clnn_fail(CLNN_NULL_POINTER, "clnn_tensor_desc_count: elements is NULL");
    *elements = (int64_t)clnn_desc_elements(desc);
    return CLNN_SUCCESS;
}

clnn_status clnn_tensor_desc_bytes(const clnn_tensor_desc *desc, size_t *bytes)
{
    clnn_status st = clnn_check_desc(desc, -1, "clnn_tensor_desc_bytes", "desc");
    if (st != CLNN_SUCCESS) return st;
    if (!bytes) return clnn_fail(CLNN_NULL_POINTER, "clnn_tensor_desc_bytes: bytes is NULL");
    *bytes = clnn_desc_elements(desc) * clnn_dtype_size(desc->dtype);
    return CLNN_SUCCESS;
}
