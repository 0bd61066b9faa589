/* safetensors writer: validated entries, JSON header, temp file renamed into place. */
#include "safetensors.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FN "clnn_safetensors_save"

/* A growable string; `failed` records an allocation failure. */
typedef struct text {
    char *p;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->failed) return;
    if (t->cap - t->len <= n) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap - t->len <= n) {
            if (cap > SIZE_MAX / 2) {
                t->failed = true;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(t->p, cap);
        if (!p) {
            t->failed = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void puts_text(text *t, const char *s) { put(t, s, strlen(s)); }

static void put_int(text *t, unsigned long long v)
{
    char buf[32];
    put(t, buf, (size_t)snprintf(buf, sizeof buf, "%llu", v));
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_string(text *t, const char *s)
{
    put(t, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(t, esc, 2);
        } else if (c < 0x20) {
            put(t, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
        } else {
            put(t, (const char *)&c, 1);
        }
    }
    put(t, "\"", 1);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fails when two of the `n` strings the accessor yields are equal. */
static clnn_status check_unique(const void *base, size_t n,
                                const char *(*name_at)(const void *, size_t), const char *what)
{
    const char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": %zu %s", n, what);
    for (size_t i = 0; i < n; i++) sorted[i] = name_at(base, i);
    qsort(sorted, n, sizeof *sorted, compare_strings);
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 1; i < n && st == CLNN_SUCCESS; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            st = clnn_fail(CLNN_INVALID_VALUE, FN ": %s: '%s' appears twice", what, sorted[i]);
    free(sorted);
    return st;
}

static const char *entry_name(const void *base, size_t i)
{
    return ((const clnn_safetensors_entry *)base)[i].name;
}

static const char *metadata_key(const void *base, size_t i)
{
    return ((const char *const *)base)[2 * i];
}

/* Validates one entry and returns its byte size. */
static clnn_status check_entry(const clnn_safetensors_entry *e, size_t i, size_t *bytes)
{
    if (!e->name) return clnn_fail(CLNN_NULL_POINTER, FN ": entries[%zu].name is NULL", i);
    if (!e->name[0] || strcmp(e->name, "__metadata__") == 0 || !clnn_utf8_valid(e->name))
        return clnn_fail(CLNN_INVALID_VALUE, FN ": entries[%zu].name '%s' is empty, reserved or "
                                               "not UTF-8",
                         i, e->name);
    const clnn_st_dtype *dt = clnn_st_dtype_by_clnn(e->dtype);
    if (!dt)
        return clnn_fail(CLNN_INVALID_VALUE, FN ": entries[%zu] ('%s'): unknown dtype %d", i,
                         e->name, (int)e->dtype);
    if (e->rank < 0 || e->rank > CLNN_MAX_RANK)
        return clnn_fail(CLNN_INVALID_VALUE, FN ": entries[%zu] ('%s'): rank %d outside 0..%d",
                         i, e->name, e->rank, CLNN_MAX_RANK);
    *bytes = dt->size;
    for (int d = 0; d < e->rank; d++) {
        if (e->dims[d] < 0)
            return clnn_fail(CLNN_INVALID_VALUE, FN ": entries[%zu] ('%s'): dims[%d] = %lld < 0",
                             i, e->name, d, (long long)e->dims[d]);
        if ((uint64_t)e->dims[d] > SIZE_MAX || !clnn_mul_size(*bytes, (size_t)e->dims[d], bytes))
            return clnn_fail(CLNN_INVALID_VALUE, FN ": entries[%zu] ('%s'): size overflows", i,
                             e->name);
    }
    if (*bytes && !e->data)
        return clnn_fail(CLNN_NULL_POINTER, FN ": entries[%zu].data ('%s') is NULL", i, e->name);
    return CLNN_SUCCESS;
}

static clnn_status check_metadata(const char *const *metadata, size_t pairs)
{
    if (pairs && !metadata) return clnn_fail(CLNN_NULL_POINTER, FN ": metadata is NULL");
    for (size_t i = 0; i < 2 * pairs; i++) {
        if (!metadata[i]) return clnn_fail(CLNN_NULL_POINTER, FN ": metadata[%zu] is NULL", i);
        if (!clnn_utf8_valid(metadata[i]))
            return clnn_fail(CLNN_INVALID_VALUE, FN ": metadata[%zu] is not UTF-8", i);
    }
    return check_unique(metadata, pairs, metadata_key, "metadata keys");
}

/* Offsets: descending element size keeps every tensor aligned to its element. */
static clnn_status layout(const clnn_safetensors_entry *entries, size_t count,
                          const size_t *bytes, size_t *order, size_t *begin, size_t *total)
{
    static const size_t sizes[] = {8, 4, 2, 1};
    size_t n = 0, at = 0;
    for (size_t s = 0; s < CLNN_ARRAY_SIZE(sizes); s++)
        for (size_t i = 0; i < count; i++) {
            if (clnn_st_dtype_by_clnn(entries[i].dtype)->size != sizes[s]) continue;
            order[n++] = i;
            begin[i] = at;
            if (!clnn_add_size(at, bytes[i], &at))
                return clnn_fail(CLNN_INVALID_VALUE, FN ": the total size overflows");
        }
    *total = at;
    return CLNN_SUCCESS;
}

static void build_header(text *t, const clnn_safetensors_entry *entries, size_t count,
                         const size_t *bytes, const size_t *begin, const char *const *metadata,
                         size_t pairs)
{
    puts_text(t, "{");
    if (pairs) {
        puts_text(t, "\"__metadata__\":{");
        for (size_t i = 0; i < pairs; i++) {
            if (i) puts_text(t, ",");
            put_string(t, metadata[2 * i]);
            puts_text(t, ":");
            put_string(t, metadata[2 * i + 1]);
        }
        puts_text(t, count ? "}," : "}");
    }
    for (size_t i = 0; i < count; i++) {
        const clnn_safetensors_entry *e = &entries[i];
        if (i) puts_text(t, ",");
        put_string(t, e->name);
        puts_text(t, ":{\"dtype\":\"");
        puts_text(t, clnn_st_dtype_by_clnn(e->dtype)->name);
        puts_text(t, "\",\"shape\":[");
        for (int d = 0; d < e->rank; d++) {
            if (d) puts_text(t, ",");
            put_int(t, (unsigned long long)e->dims[d]);
        }
        puts_text(t, "],\"data_offsets\":[");
        put_int(t, begin[i]);
        puts_text(t, ",");
        put_int(t, begin[i] + bytes[i]);
        puts_text(t, "]}");
    }
    puts_text(t, "}");
    while (t->len % 8) puts_text(t, " ");   /* keeps the data buffer 8-byte aligned */
}

/* Writes elements in little-endian order (swapped through a bounce buffer on a
 * big-endian host). */
static bool write_elements(FILE *f, const unsigned char *p, size_t bytes, size_t size)
{
    if (clnn_st_little_endian() || size == 1) return fwrite(p, 1, bytes, f) == bytes;
    unsigned char chunk[4096];
    while (bytes) {
        size_t n = CLNN_MIN(bytes, sizeof chunk);
        for (size_t i = 0; i < n; i += size)
            for (size_t b = 0; b < size; b++) chunk[i + b] = p[i + size - 1 - b];
        if (fwrite(chunk, 1, n, f) != n) return false;
        p += n;
        bytes -= n;
    }
    return true;
}

/* A new file beside `path` (so rename stays on one file system); honours umask. */
static clnn_status open_temp(const char *path, char **tmp_path, FILE **f)
{
    static unsigned counter;
    size_t n = strlen(path) + 48;
    char *tmp = malloc(n);
    if (!tmp) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": '%s'", path);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, n, "%s.tmp.%ld.%u", path, (long)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) break;
        if ((*f = fdopen(fd, "wb")) == NULL) {
            close(fd);
            unlink(tmp);
            break;
        }
        *tmp_path = tmp;
        return CLNN_SUCCESS;
    }
    clnn_status st = clnn_fail(CLNN_IO_ERROR, FN ": cannot create a temporary file for '%s': %s",
                               path, strerror(errno));
    free(tmp);
    return st;
}

static clnn_status write_file(const char *path, const text *header,
                              const clnn_safetensors_entry *entries, size_t count,
                              const size_t *bytes, const size_t *order)
{
    char *tmp = NULL;
    FILE *f = NULL;
    clnn_status st = open_temp(path, &tmp, &f);
    if (st != CLNN_SUCCESS) return st;
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)header->len >> (8 * i));
    bool ok = fwrite(len, 1, 8, f) == 8 && fwrite(header->p, 1, header->len, f) == header->len;
    for (size_t k = 0; ok && k < count; k++) {
        const clnn_safetensors_entry *e = &entries[order[k]];
        ok = write_elements(f, e->data, bytes[order[k]], clnn_st_dtype_by_clnn(e->dtype)->size);
    }
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    ok = fclose(f) == 0 && ok;
    if (ok) ok = rename(tmp, path) == 0;
    else errno = saved ? saved : errno;
    if (!ok) {
        st = clnn_fail(CLNN_IO_ERROR, FN ": cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return st;
}

clnn_status clnn_safetensors_save(const char *path, const clnn_safetensors_entry *entries,
                                  size_t count, const char *const *metadata,
                                  size_t metadata_count)
{
    if (!path) return clnn_fail(CLNN_NULL_POINTER, FN ": path is NULL");
    if (count && !entries) return clnn_fail(CLNN_NULL_POINTER, FN ": entries is NULL");
    if (count > SIZE_MAX / (3 * sizeof(size_t)) || metadata_count > SIZE_MAX / 4)
        return clnn_fail(CLNN_INVALID_VALUE, FN ": count is too large");
    clnn_status st = check_metadata(metadata, metadata_count);
    if (st != CLNN_SUCCESS) return st;
    size_t *scratch = malloc((3 * count + 1) * sizeof *scratch), total;
    if (!scratch) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": %zu entries", count);
    size_t *bytes = scratch, *begin = scratch + count, *order = scratch + 2 * count;
    for (size_t i = 0; i < count && st == CLNN_SUCCESS; i++)
        st = check_entry(&entries[i], i, &bytes[i]);
    if (st == CLNN_SUCCESS)
        st = check_unique(entries, count, entry_name, "tensor names");
    if (st == CLNN_SUCCESS) st = layout(entries, count, bytes, order, begin, &total);
    text header = {0};
    if (st == CLNN_SUCCESS) {
        build_header(&header, entries, count, bytes, begin, metadata, metadata_count);
        if (header.failed || header.len > CLNN_SAFETENSORS_MAX_HEADER)
            st = clnn_fail(header.failed ? CLNN_OUT_OF_HOST_MEMORY : CLNN_INVALID_VALUE,
                           FN ": the header for '%s' is too large", path);
    }
    if (st == CLNN_SUCCESS) st = write_file(path, &header, entries, count, bytes, order);
    free(header.p);
    free(scratch);
    return st;
}
