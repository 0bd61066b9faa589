/* safetensors reader: the whole file in memory, header validated strictly. */
#include "safetensors.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const clnn_st_dtype dtypes[] = {
    {"BOOL", 1, -1},    {"U8", 1, -1},      {"I8", 1, -1},  {"F8_E4M3", 1, -1},
    {"F8_E5M2", 1, -1}, {"U16", 2, -1},     {"I16", 2, -1}, {"F16", 2, -1},
    {"BF16", 2, -1},    {"U32", 4, -1},     {"I32", 4, CLNN_INT32},
    {"F32", 4, CLNN_FLOAT32},               {"U64", 8, -1}, {"I64", 8, CLNN_INT64},
    {"F64", 8, -1},
};

const clnn_st_dtype *clnn_st_dtype_by_name(const char *name)
{
    for (size_t i = 0; i < CLNN_ARRAY_SIZE(dtypes); i++)
        if (strcmp(dtypes[i].name, name) == 0) return &dtypes[i];
    return NULL;
}

const clnn_st_dtype *clnn_st_dtype_by_clnn(clnn_dtype dtype)
{
    for (size_t i = 0; i < CLNN_ARRAY_SIZE(dtypes); i++)
        if (dtypes[i].clnn >= 0 && dtypes[i].clnn == (int)dtype) return &dtypes[i];
    return NULL;
}

bool clnn_st_little_endian(void)
{
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe == 1;
}

typedef struct st_tensor {
    char *name;
    const clnn_st_dtype *dtype;
    int rank;
    int64_t dims[CLNN_MAX_RANK];
    size_t begin, end;
} st_tensor;

struct clnn_safetensors {
    unsigned char *buffer;        /* the whole file                 */
    const unsigned char *data;    /* the data buffer inside it      */
    size_t data_size;
    size_t count, meta_count;
    st_tensor *tensors;
    char **meta_keys, **meta_values;
};

/* Names the function and the source in every message. */
typedef struct source {
    const char *fn, *what;
} source;

static clnn_status bad(const source *src, const char *fmt, ...) CLNN_PRINTF(2, 3);
static clnn_status bad(const source *src, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return clnn_fail(CLNN_BAD_FORMAT, "%s: '%s': %s", src->fn, src->what, msg);
}

/* A JSON array of non-negative integers with at most `max` elements. */
static clnn_status int_array(const source *src, const char *name, const char *key,
                             const clnn_json *v, size_t max)
{
    if (v->kind != CLNN_JSON_ARRAY)
        return bad(src, "tensor '%s': \"%s\" is %s, not an array", name, key,
                   clnn_json_kind_name(v->kind));
    if (v->count > max)
        return bad(src, "tensor '%s': \"%s\" has %zu entries (at most %zu)", name, key, v->count,
                   max);
    for (size_t i = 0; i < v->count; i++) {
        if (v->items[i].kind != CLNN_JSON_INTEGER)
            return bad(src, "tensor '%s': \"%s\"[%zu] is %s, not an integer", name, key, i,
                       clnn_json_kind_name(v->items[i].kind));
        if (v->items[i].integer < 0)
            return bad(src, "tensor '%s': \"%s\"[%zu] is negative", name, key, i);
    }
    return CLNN_SUCCESS;
}

/* Finds the three keys of a tensor entry, each exactly once and nothing else. */
static clnn_status tensor_keys(const source *src, const char *name, const clnn_json *v,
                               const clnn_json *found[3])
{
    static const char *const keys[3] = {"dtype", "shape", "data_offsets"};
    if (v->kind != CLNN_JSON_OBJECT)
        return bad(src, "tensor '%s' is %s, not an object", name, clnn_json_kind_name(v->kind));
    found[0] = found[1] = found[2] = NULL;
    for (size_t i = 0; i < v->count; i++) {
        size_t k = 0;
        while (k < 3 && strcmp(v->keys[i], keys[k]) != 0) k++;
        if (k == 3) return bad(src, "tensor '%s': unknown key \"%.64s\"", name, v->keys[i]);
        found[k] = &v->items[i];
    }
    for (size_t k = 0; k < 3; k++)
        if (!found[k]) return bad(src, "tensor '%s': missing \"%s\"", name, keys[k]);
    return CLNN_SUCCESS;
}

static clnn_status parse_tensor(const source *src, const char *name, const clnn_json *v,
                                size_t data_size, st_tensor *t)
{
    const clnn_json *f[3];
    clnn_status st = tensor_keys(src, name, v, f);
    if (st != CLNN_SUCCESS) return st;
    if (f[0]->kind != CLNN_JSON_STRING)
        return bad(src, "tensor '%s': \"dtype\" is %s, not a string", name,
                   clnn_json_kind_name(f[0]->kind));
    t->dtype = clnn_st_dtype_by_name(f[0]->string);
    if (!t->dtype) return bad(src, "tensor '%s': unknown dtype \"%.32s\"", name, f[0]->string);
    if ((st = int_array(src, name, "shape", f[1], CLNN_MAX_RANK)) != CLNN_SUCCESS) return st;
    if ((st = int_array(src, name, "data_offsets", f[2], 2)) != CLNN_SUCCESS) return st;
    if (f[2]->count != 2)
        return bad(src, "tensor '%s': \"data_offsets\" has %zu entries, not 2", name,
                   f[2]->count);
    size_t bytes = t->dtype->size;
    t->rank = (int)f[1]->count;
    for (int i = 0; i < CLNN_MAX_RANK; i++) t->dims[i] = 1;
    for (int i = 0; i < t->rank; i++) {
        t->dims[i] = f[1]->items[i].integer;
        if ((uint64_t)t->dims[i] > SIZE_MAX || !clnn_mul_size(bytes, (size_t)t->dims[i], &bytes))
            return bad(src, "tensor '%s': the byte size of the shape overflows", name);
    }
    uint64_t begin = (uint64_t)f[2]->items[0].integer, end = (uint64_t)f[2]->items[1].integer;
    if (begin > end)
        return bad(src, "tensor '%s': data_offsets [%llu, %llu] end before they begin", name,
                   (unsigned long long)begin, (unsigned long long)end);
    if (end > data_size)
        return bad(src, "tensor '%s': data_offsets [%llu, %llu] beyond the %zu-byte data buffer",
                   name, (unsigned long long)begin, (unsigned long long)end, data_size);
    if (end - begin != bytes)
        return bad(src, "tensor '%s': data_offsets span %llu bytes but %s x shape is %zu bytes",
                   name, (unsigned long long)(end - begin), t->dtype->name, bytes);
    t->begin = (size_t)begin;
    t->end = (size_t)end;
    return CLNN_SUCCESS;
}

/* Takes the metadata strings out of the tree. */
static clnn_status parse_metadata(const source *src, clnn_json *v, clnn_safetensors *file)
{
    if (v->kind != CLNN_JSON_OBJECT)
        return bad(src, "\"__metadata__\" is %s, not an object", clnn_json_kind_name(v->kind));
    for (size_t i = 0; i < v->count; i++)
        if (v->items[i].kind != CLNN_JSON_STRING)
            return bad(src, "\"__metadata__\" value of \"%.64s\" is %s, not a string",
                       v->keys[i], clnn_json_kind_name(v->items[i].kind));
    if (v->count == 0) return CLNN_SUCCESS;
    file->meta_keys = calloc(v->count, sizeof *file->meta_keys);
    file->meta_values = calloc(v->count, sizeof *file->meta_values);
    if (!file->meta_keys || !file->meta_values)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: '%s': metadata", src->fn, src->what);
    for (size_t i = 0; i < v->count; i++) {
        file->meta_keys[i] = v->keys[i];
        file->meta_values[i] = v->items[i].string;
        v->keys[i] = v->items[i].string = NULL;
    }
    file->meta_count = v->count;
    return CLNN_SUCCESS;
}

static int by_offset(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The tensors must tile the data buffer exactly: no overlap, gap or tail. */
static clnn_status check_layout(const source *src, const clnn_safetensors *file)
{
    st_tensor **order = malloc((file->count ? file->count : 1) * sizeof *order);
    if (!order) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: '%s'", src->fn, src->what);
    for (size_t i = 0; i < file->count; i++) order[i] = &file->tensors[i];
    qsort(order, file->count, sizeof *order, by_offset);
    clnn_status st = CLNN_SUCCESS;
    size_t at = 0;
    for (size_t i = 0; i < file->count && st == CLNN_SUCCESS; i++) {
        if (order[i]->begin < at)
            st = bad(src, "tensors '%s' and '%s' overlap", order[i - 1]->name, order[i]->name);
        else if (order[i]->begin > at)
            st = bad(src, "%zu unused bytes before tensor '%s' at data offset %zu",
                     order[i]->begin - at, order[i]->name, at);
        at = order[i]->end;
    }
    if (st == CLNN_SUCCESS && at != file->data_size)
        st = bad(src, "%zu bytes after the last tensor's data", file->data_size - at);
    free(order);
    return st;
}

static clnn_status parse_header(const source *src, clnn_json *root, clnn_safetensors *file)
{
    if (root->kind != CLNN_JSON_OBJECT)
        return bad(src, "the header is %s, not an object", clnn_json_kind_name(root->kind));
    file->tensors = calloc(root->count ? root->count : 1, sizeof *file->tensors);
    if (!file->tensors) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: '%s'", src->fn, src->what);
    for (size_t i = 0; i < root->count; i++) {
        clnn_status st;
        if (strcmp(root->keys[i], "__metadata__") == 0) {
            st = parse_metadata(src, &root->items[i], file);
        } else {
            st_tensor *t = &file->tensors[file->count];
            st = parse_tensor(src, root->keys[i], &root->items[i], file->data_size, t);
            if (st == CLNN_SUCCESS) {
                t->name = root->keys[i];
                root->keys[i] = NULL;
                file->count++;
            }
        }
        if (st != CLNN_SUCCESS) return st;
    }
    return check_layout(src, file);
}

static uint64_t read_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Parses a file image and takes ownership of `buffer` (freed on failure). */
static clnn_status parse_owned(const source *src, unsigned char *buffer, size_t size,
                               clnn_safetensors **out)
{
    clnn_status st;
    clnn_safetensors *file = NULL;
    clnn_json root;
    memset(&root, 0, sizeof root);
    char err[256];
    uint64_t header = size >= 8 ? read_le64(buffer) : 0;
    if (size < 8)
        st = bad(src, "%zu bytes, shorter than the 8-byte header length", size);
    else if (header > CLNN_SAFETENSORS_MAX_HEADER)
        st = bad(src, "header length %llu above the %u-byte limit", (unsigned long long)header,
                 CLNN_SAFETENSORS_MAX_HEADER);
    else if (header > size - 8)
        st = bad(src, "header length %llu runs past the end of the %zu-byte file",
                 (unsigned long long)header, size);
    else if (!clnn_json_parse((const char *)buffer + 8, (size_t)header, &root, err, sizeof err))
        st = bad(src, "the header is not valid JSON: header %s", err);
    else if (!(file = calloc(1, sizeof *file)))
        st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: '%s'", src->fn, src->what);
    else {
        file->buffer = buffer;
        file->data = buffer + 8 + header;
        file->data_size = size - 8 - (size_t)header;
        st = parse_header(src, &root, file);
    }
    clnn_json_free(&root);
    if (st != CLNN_SUCCESS) {
        if (file) clnn_safetensors_free(file);
        else free(buffer);
        return st;
    }
    *out = file;
    return CLNN_SUCCESS;
}

clnn_status clnn_safetensors_parse(const void *bytes, size_t size, const char *what,
                                   clnn_safetensors **out)
{
    source src = {"clnn_safetensors_parse", what ? what : "memory"};
    if (!bytes && size) return clnn_fail(CLNN_NULL_POINTER, "%s: bytes is NULL", src.fn);
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "%s: out is NULL", src.fn);
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: %zu bytes", src.fn, size);
    if (size) memcpy(copy, bytes, size);
    return parse_owned(&src, copy, size, out);
}

/* The whole file, or CLNN_IO_ERROR naming it. */
static clnn_status read_file(const source *src, unsigned char **out, size_t *size)
{
    FILE *f = fopen(src->what, "rb");
    if (!f)
        return clnn_fail(CLNN_IO_ERROR, "%s: cannot open '%s': %s", src->fn, src->what,
                         strerror(errno));
    struct stat sb;
    clnn_status st = CLNN_SUCCESS;
    unsigned char *buf = NULL;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        st = clnn_fail(CLNN_IO_ERROR, "%s: '%s' is not a regular file", src->fn, src->what);
    else if ((uint64_t)sb.st_size > SIZE_MAX - 1 || !(buf = malloc((size_t)sb.st_size + 1)))
        st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: '%s': %lld bytes", src->fn, src->what,
                       (long long)sb.st_size);
    else if (fread(buf, 1, (size_t)sb.st_size + 1, f) != (size_t)sb.st_size || ferror(f))
        st = clnn_fail(CLNN_IO_ERROR, "%s: cannot read '%s' (%s)", src->fn, src->what,
                       ferror(f) ? strerror(errno) : "its size changed while reading");
    fclose(f);
    if (st != CLNN_SUCCESS) {
        free(buf);
        return st;
    }
    *out = buf;
    *size = (size_t)sb.st_size;
    return CLNN_SUCCESS;
}

clnn_status clnn_safetensors_load(const char *path, clnn_safetensors **out)
{
    source src = {"clnn_safetensors_load", path};
    if (!path) return clnn_fail(CLNN_NULL_POINTER, "%s: path is NULL", src.fn);
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "%s: out is NULL", src.fn);
    unsigned char *buffer = NULL;
    size_t size = 0;
    clnn_status st = read_file(&src, &buffer, &size);
    if (st != CLNN_SUCCESS) return st;
    return parse_owned(&src, buffer, size, out);
}

void clnn_safetensors_free(clnn_safetensors *file)
{
    if (!file) return;
    for (size_t i = 0; i < file->count; i++) free(file->tensors[i].name);
    for (size_t i = 0; i < file->meta_count; i++) {
        free(file->meta_keys[i]);
        free(file->meta_values[i]);
    }
    free(file->meta_keys);
    free(file->meta_values);
    free(file->tensors);
    free(file->buffer);
    free(file);
}

size_t clnn_safetensors_count(const clnn_safetensors *file) { return file ? file->count : 0; }

static void fill_info(const st_tensor *t, clnn_safetensors_info *info)
{
    memset(info, 0, sizeof *info);
    info->name = t->name;
    info->dtype_name = t->dtype->name;
    info->element_size = t->dtype->size;
    info->has_dtype = t->dtype->clnn >= 0;
    info->dtype = info->has_dtype ? (clnn_dtype)t->dtype->clnn : CLNN_FLOAT32;
    info->rank = t->rank;
    memcpy(info->dims, t->dims, sizeof info->dims);
    info->bytes = t->end - t->begin;
}

clnn_status clnn_safetensors_info_at(const clnn_safetensors *file, size_t index,
                                     clnn_safetensors_info *info)
{
    if (!file || !info)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_safetensors_info_at: %s is NULL",
                         file ? "info" : "file");
    if (index >= file->count)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_safetensors_info_at: index %zu >= count %zu",
                         index, file->count);
    fill_info(&file->tensors[index], info);
    return CLNN_SUCCESS;
}

/* The tensor called `name`, or a failure naming it; `arg` is the output
 * argument the caller needs (NULL when missing) and `arg_name` its name. */
static clnn_status lookup(const clnn_safetensors *file, const char *name, const void *arg,
                          const char *arg_name, const char *fn, const st_tensor **out)
{
    if (!file || !name || !arg)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn,
                         !file ? "file" : !name ? "name" : arg_name);
    for (size_t i = 0; i < file->count; i++)
        if (strcmp(file->tensors[i].name, name) == 0) {
            *out = &file->tensors[i];
            return CLNN_SUCCESS;
        }
    return clnn_fail(CLNN_INVALID_VALUE, "%s: no tensor named '%s'", fn, name);
}

clnn_status clnn_safetensors_find(const clnn_safetensors *file, const char *name,
                                  clnn_safetensors_info *info)
{
    const st_tensor *t;
    clnn_status st = lookup(file, name, info, "info", "clnn_safetensors_find", &t);
    if (st == CLNN_SUCCESS) fill_info(t, info);
    return st;
}

clnn_status clnn_safetensors_read(const clnn_safetensors *file, const char *name, void *dst,
                                  size_t dst_bytes)
{
    const st_tensor *t;
    const char *fn = "clnn_safetensors_read";
    /* dst may be NULL for an empty tensor (dst_bytes 0). */
    clnn_status st = lookup(file, name, dst || !dst_bytes ? fn : NULL, "dst", fn, &t);
    if (st != CLNN_SUCCESS) return st;
    if (dst_bytes != t->end - t->begin)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: tensor '%s' has %zu bytes, dst_bytes is %zu",
                         fn, name, t->end - t->begin, dst_bytes);
    if (dst_bytes) memcpy(dst, file->data + t->begin, dst_bytes);
    return CLNN_SUCCESS;
}

clnn_status clnn_safetensors_data(const clnn_safetensors *file, const char *name,
                                  const void **data, size_t *bytes)
{
    const st_tensor *t;
    clnn_status st = lookup(file, name, data && bytes ? data : NULL, data ? "bytes" : "data",
                            "clnn_safetensors_data", &t);
    if (st != CLNN_SUCCESS) return st;
    *data = file->data + t->begin;
    *bytes = t->end - t->begin;
    return CLNN_SUCCESS;
}

size_t clnn_safetensors_metadata_count(const clnn_safetensors *file)
{
    return file ? file->meta_count : 0;
}

clnn_status clnn_safetensors_metadata_at(const clnn_safetensors *file, size_t index,
                                         const char **key, const char **value)
{
    const char *fn = "clnn_safetensors_metadata_at";
    if (!file || !key || !value)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn,
                         !file ? "file" : !key ? "key" : "value");
    if (index >= file->meta_count)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: index %zu >= metadata count %zu", fn, index,
                         file->meta_count);
    *key = file->meta_keys[index];
    *value = file->meta_values[index];
    return CLNN_SUCCESS;
}

const char *clnn_safetensors_metadata_get(const clnn_safetensors *file, const char *key)
{
    if (!file || !key) return NULL;
    for (size_t i = 0; i < file->meta_count; i++)
        if (strcmp(file->meta_keys[i], key) == 0) return file->meta_values[i];
    return NULL;
}
