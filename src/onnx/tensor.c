/* TensorProto -> host arrays (inline, raw or external data), and the public
 * TensorProto file reader. */
#include "src/onnx/onnx_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

clnn_status onnx_dtype_from_proto(int32_t data_type, clnn_dtype *dtype)
{
    switch (data_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: *dtype = CLNN_FLOAT32; return CLNN_SUCCESS;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: *dtype = CLNN_INT64; return CLNN_SUCCESS;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: *dtype = CLNN_INT32; return CLNN_SUCCESS;
    /* clnn has no bool dtype: bool tensors are int32 0 / 1 (see onnx.h). */
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: *dtype = CLNN_INT32; return CLNN_SUCCESS;
    default: return CLNN_NOT_SUPPORTED;
    }
}

/* Reads `bytes` at `offset` of base_dir/location into a new array, checking the
 * file's size first so that a small model claiming a huge external tensor fails
 * without a huge allocation. */
static clnn_status read_external(const char *base_dir, const char *location,
                                 long long offset, size_t bytes, void **dst)
{
    if (!location || !location[0] || location[0] == '/' || strstr(location, ".."))
        return clnn_fail(CLNN_BAD_FORMAT,
                         "onnx: external data location '%s' must be a relative path "
                         "inside the model's directory", location ? location : "");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", base_dir ? base_dir : ".", location);
    FILE *f = fopen(path, "rb");
    if (!f)
        return clnn_fail(CLNN_IO_ERROR, "onnx: cannot open external data '%s': %s", path,
                         strerror(errno));
    /* A regular file holding the bytes: only then allocate them. */
    struct stat st;
    unsigned long long end = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)
                                 ? (unsigned long long)st.st_size : 0;
    int fits = (unsigned long long)offset <= end &&
               bytes <= end - (unsigned long long)offset;
    void *host = fits ? malloc(bytes) : NULL;
    int ok = host && fseek(f, (long)offset, SEEK_SET) == 0 && fread(host, 1, bytes, f) == bytes;
    fclose(f);
    if (!ok) {
        free(host);
        return fits && !host
                   ? clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: external data '%s': %zu bytes",
                               path, bytes)
                   : clnn_fail(CLNN_BAD_FORMAT,
                               "onnx: external data '%s' holds fewer than %lld + %zu bytes",
                               path, offset, bytes);
    }
    *dst = host;
    return CLNN_SUCCESS;
}

static clnn_status external_data(const Onnx__TensorProto *t, const char *base_dir,
                                 size_t bytes, void **dst)
{
    const char *location = NULL;
    long long offset = 0, length = -1;
    for (size_t i = 0; i < t->n_external_data; i++) {
        const Onnx__StringStringEntryProto *e = t->external_data[i];
        if (!e->key || !e->value)
            continue;
        if (strcmp(e->key, "location") == 0)
            location = e->value;
        else if (strcmp(e->key, "offset") == 0)
            offset = strtoll(e->value, NULL, 10);
        else if (strcmp(e->key, "length") == 0)
            length = strtoll(e->value, NULL, 10);
    }
    if (offset < 0 || (length >= 0 && (size_t)length != bytes))
        return clnn_fail(CLNN_BAD_FORMAT,
                         "onnx: tensor '%s': external data length %lld, offset %lld do "
                         "not fit its %zu bytes", t->name ? t->name : "", length, offset,
                         bytes);
    return read_external(base_dir, location, offset, bytes, dst);
}

/* Copies the typed repeated field that matches dtype; returns its count. */
static size_t typed_data(const Onnx__TensorProto *t, clnn_dtype dtype, void *dst,
                         size_t count)
{
    size_t have;
    if (dtype == CLNN_FLOAT32) {
        have = t->n_float_data;
        if (dst && have == count)
            memcpy(dst, t->float_data, count * sizeof(float));
    } else if (dtype == CLNN_INT64) {
        have = t->n_int64_data;
        if (dst && have == count)
            memcpy(dst, t->int64_data, count * sizeof(int64_t));
    } else {
        have = t->n_int32_data;
        if (dst && have == count)
            memcpy(dst, t->int32_data, count * sizeof(int32_t));
    }
    return have;
}

clnn_status onnx_tensor_to_host(const Onnx__TensorProto *t, const char *base_dir,
                                clnn_tensor_desc *desc, void **data)
{
    const char *name = t->name ? t->name : "";
    clnn_dtype dtype;
    if (onnx_dtype_from_proto(t->data_type, &dtype) != CLNN_SUCCESS)
        return clnn_fail(CLNN_NOT_SUPPORTED,
                         "onnx: tensor '%s': element type %d is not supported (float32, "
                         "int64 and int32 are)", name, (int)t->data_type);
    if (t->n_dims > CLNN_MAX_RANK)
        return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: tensor '%s': rank %zu above %d", name,
                         t->n_dims, CLNN_MAX_RANK);
    size_t count = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0 || t->dims[i] > ((int64_t)1 << 40))
            return clnn_fail(CLNN_BAD_FORMAT, "onnx: tensor '%s': bad dim %lld", name,
                             (long long)t->dims[i]);
        if (t->dims[i] == 0)
            return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: tensor '%s': empty tensors "
                             "(a 0 dim) are not supported", name);
        count *= (size_t)t->dims[i];
        if (count > ((size_t)1 << 40))
            return clnn_fail(CLNN_BAD_FORMAT, "onnx: tensor '%s' too large", name);
    }
    clnn_status s = clnn_tensor_desc_set(desc, dtype, (int)t->n_dims, t->dims);
    if (s != CLNN_SUCCESS)
        return clnn_fail(CLNN_BAD_FORMAT, "onnx: tensor '%s': bad shape", name);
    size_t bytes = count * clnn_dtype_size(dtype);
    /* Raw and external bool data hold one byte per value; int32_data one int. */
    int is_bool = t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
    size_t stored = is_bool ? count : bytes;
    int external = t->has_data_location &&
                   t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    /* Check the inline sizes before allocating, so a huge claimed shape with
     * little data fails without a huge allocation. */
    if (!external && t->has_raw_data ? t->raw_data.len != stored
                                     : (!external && typed_data(t, dtype, NULL, 0) != count))
        return clnn_fail(CLNN_BAD_FORMAT,
                         "onnx: tensor '%s': data holds %zu bytes / %zu values, its "
                         "shape needs %zu values", name,
                         t->has_raw_data ? t->raw_data.len : 0,
                         typed_data(t, dtype, NULL, 0), count);
    void *host = NULL;
    if (external) {
        s = external_data(t, base_dir, stored, &host);
        if (s != CLNN_SUCCESS)
            return s;
        void *wide = stored == bytes ? host : realloc(host, bytes);
        if (!wide) {
            free(host);
            return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: tensor '%s': %zu bytes", name,
                             bytes);
        }
        host = wide;
    } else {
        host = malloc(bytes);
        if (!host)
            return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: tensor '%s': %zu bytes", name,
                             bytes);
        if (t->has_raw_data) {
            memcpy(host, t->raw_data.data, stored);   /* little-endian, as on the host */
        } else {
            typed_data(t, dtype, host, count);
            stored = bytes;
        }
    }
    if (stored != bytes)   /* widen bool bytes to int32 0 / 1, last first */
        for (size_t i = count; i-- > 0;)
            ((int32_t *)host)[i] = ((const uint8_t *)host)[i] != 0;
    *data = host;
    return CLNN_SUCCESS;
}

static clnn_status read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return clnn_fail(CLNN_IO_ERROR, "onnx: cannot open '%s': %s", path,
                         strerror(errno));
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: reading '%s'", path);
    if (err) {
        free(buf);
        return clnn_fail(CLNN_IO_ERROR, "onnx: read error on '%s'", path);
    }
    *data = buf;
    *size = len;
    return CLNN_SUCCESS;
}

clnn_status onnx_read_file(const char *path, uint8_t **data, size_t *size)
{
    return read_file(path, data, size);
}

CLNN_API clnn_status clnn_onnx_tensor_read_file(const char *path, clnn_onnx_value *value)
{
    if (!path || !value)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_onnx_tensor_read_file: %s is NULL",
                         path ? "value" : "path");
    uint8_t *buf;
    size_t size;
    clnn_status s = read_file(path, &buf, &size);
    if (s != CLNN_SUCCESS)
        return s;
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, size, buf);
    free(buf);
    if (!t)
        return clnn_fail(CLNN_BAD_FORMAT, "clnn_onnx_tensor_read_file: '%s' is not a "
                         "TensorProto", path);
    clnn_tensor_desc desc;
    void *data = NULL;
    s = onnx_tensor_to_host(t, NULL, &desc, &data);
    if (s == CLNN_SUCCESS) {
        /* The name lives after the data, in the same block. */
        size_t bytes;
        clnn_tensor_desc_bytes(&desc, &bytes);
        const char *name = t->name ? t->name : "";
        char *block = realloc(data, bytes + strlen(name) + 1);
        if (!block) {
            free(data);
            s = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_onnx_tensor_read_file");
        } else {
            strcpy(block + bytes, name);
            value->name = block + bytes;
            value->dtype = desc.dtype;
            value->rank = desc.rank;
            memcpy(value->dims, desc.dims, sizeof(desc.dims));
            value->data = block;
        }
    }
    onnx__tensor_proto__free_unpacked(t, NULL);
    return s;
}

CLNN_API void clnn_onnx_value_release(clnn_onnx_value *value)
{
    if (!value)
        return;
    free(value->data);
    value->data = NULL;
}
