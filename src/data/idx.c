/* IDX reader (the MNIST format), plain or gzip through zlib's gzread. */
#include "../core/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define FN "clnn_idx_load"

/* Grows the data buffer with what was actually read, so a header claiming
 * gigabytes costs nothing when the file is small. */
#define IDX_FIRST_CHUNK ((size_t)1 << 20)

static size_t idx_type_size(int type)
{
    switch (type) {
    case CLNN_IDX_UBYTE: case CLNN_IDX_BYTE: return 1;
    case CLNN_IDX_SHORT: return 2;
    case CLNN_IDX_INT: case CLNN_IDX_FLOAT: return 4;
    case CLNN_IDX_DOUBLE: return 8;
    }
    return 0;
}

/* Reads up to `want` bytes; `*got` is what arrived. Decompression errors are
 * CLNN_BAD_FORMAT, operating-system read errors CLNN_IO_ERROR. */
static clnn_status gz_read(gzFile f, const char *path, void *buf, size_t want, size_t *got)
{
    *got = 0;
    while (*got < want) {
        size_t step = CLNN_MIN(want - *got, (size_t)1 << 30);
        int n = gzread(f, (char *)buf + *got, (unsigned)step);
        if (n < 0) {
            int errnum = 0;
            const char *msg = gzerror(f, &errnum);
            if (errnum == Z_ERRNO)
                return clnn_fail(CLNN_IO_ERROR, FN ": cannot read '%s': %s", path,
                                 strerror(errno));
            return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': corrupt gzip data (%s)", path, msg);
        }
        if (n == 0) {
            int errnum = 0;
            const char *msg = gzerror(f, &errnum);
            /* A gzip stream cut short (even in its trailer) reports Z_BUF_ERROR. */
            if (errnum != Z_OK)
                return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': corrupt gzip data (%s)", path,
                                 msg);
            break;
        }
        *got += (size_t)n;
    }
    return CLNN_SUCCESS;
}

static clnn_status truncated(const char *path, const char *what, size_t got, size_t want)
{
    return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': truncated %s (%zu of %zu bytes)", path, what,
                     got, want);
}

/* Validates magic, type, rank and dims; fills everything of `idx` but data. */
static clnn_status read_header(gzFile f, const char *path, clnn_idx *idx)
{
    unsigned char magic[4], raw[4 * CLNN_IDX_MAX_RANK];
    size_t got;
    clnn_status st = gz_read(f, path, magic, 4, &got);
    if (st != CLNN_SUCCESS) return st;
    if (got < 4) return truncated(path, "magic number", got, 4);
    if (magic[0] != 0 || magic[1] != 0)
        return clnn_fail(CLNN_BAD_FORMAT,
                         FN ": '%s': bad magic %02x %02x %02x %02x (want 00 00 <type> <rank>)",
                         path, magic[0], magic[1], magic[2], magic[3]);
    idx->element_size = idx_type_size(magic[2]);
    if (idx->element_size == 0)
        return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': unknown element type 0x%02x", path,
                         magic[2]);
    idx->type = (clnn_idx_type)magic[2];
    idx->rank = magic[3];
    if (idx->rank < 1 || idx->rank > CLNN_IDX_MAX_RANK)
        return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': rank %d outside 1..%d", path, idx->rank,
                         CLNN_IDX_MAX_RANK);
    size_t dims_bytes = 4 * (size_t)idx->rank;
    st = gz_read(f, path, raw, dims_bytes, &got);
    if (st != CLNN_SUCCESS) return st;
    if (got < dims_bytes) return truncated(path, "dimensions", got, dims_bytes);
    uint64_t bytes = idx->element_size;
    for (int i = 0; i < idx->rank; i++) {
        const unsigned char *p = raw + 4 * i;
        idx->dims[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (idx->dims[i] == 0)
            return clnn_fail(CLNN_BAD_FORMAT, FN ": '%s': dimension %d is 0", path, i);
        bytes *= idx->dims[i];   /* <= 2^32 * 2^32 at most, no overflow before the check */
        if (bytes > CLNN_IDX_MAX_BYTES || (uint64_t)(size_t)bytes != bytes)
            return clnn_fail(CLNN_BAD_FORMAT,
                             FN ": '%s': data size above the %llu-byte limit (dims up to %d)",
                             path, (unsigned long long)CLNN_IDX_MAX_BYTES, i);
    }
    idx->count = (size_t)(bytes / idx->element_size);
    return CLNN_SUCCESS;
}

/* Reads exactly `want` bytes into a buffer that grows as data arrives. */
static clnn_status read_data(gzFile f, const char *path, size_t want, void **out)
{
    size_t cap = CLNN_MIN(want, IDX_FIRST_CHUNK), have = 0;
    unsigned char *buf = malloc(cap), extra;
    if (!buf) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": '%s': %zu bytes", path, cap);
    clnn_status st = CLNN_SUCCESS;
    for (;;) {
        size_t got;
        st = gz_read(f, path, buf + have, cap - have, &got);
        if (st != CLNN_SUCCESS) break;
        have += got;
        if (have < cap) {
            st = truncated(path, "data", have, want);
            break;
        }
        if (cap == want) break;
        size_t next = want - cap > cap ? 2 * cap : want;
        unsigned char *grown = realloc(buf, next);
        if (!grown) {
            st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": '%s': %zu bytes", path, next);
            break;
        }
        buf = grown;
        cap = next;
    }
    if (st == CLNN_SUCCESS) {
        size_t got;
        st = gz_read(f, path, &extra, 1, &got);
        if (st == CLNN_SUCCESS && got != 0)
            st = clnn_fail(CLNN_BAD_FORMAT,
                           FN ": '%s': trailing bytes after the %zu bytes of data", path, want);
    }
    if (st != CLNN_SUCCESS) {
        free(buf);
        return st;
    }
    *out = buf;
    return CLNN_SUCCESS;
}

/* Big-endian file order to host order, in place. */
static void to_host_order(unsigned char *p, size_t count, size_t size)
{
    const uint16_t probe = 1;
    if (size == 1 || *(const unsigned char *)&probe == 0) return;   /* big-endian host */
    for (size_t i = 0; i < count; i++, p += size)
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

clnn_status clnn_idx_load(const char *path, clnn_idx **out)
{
    if (!path) return clnn_fail(CLNN_NULL_POINTER, FN ": path is NULL");
    if (!out) return clnn_fail(CLNN_NULL_POINTER, FN ": out is NULL");
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return clnn_fail(CLNN_IO_ERROR, FN ": cannot open '%s': %s", path,
                         errno ? strerror(errno) : "out of memory");
    clnn_idx header = {0};
    void *data = NULL;
    clnn_status st = read_header(f, path, &header);
    if (st == CLNN_SUCCESS) st = read_data(f, path, header.count * header.element_size, &data);
    gzclose(f);
    if (st != CLNN_SUCCESS) return st;
    clnn_idx *idx = malloc(sizeof *idx);
    if (!idx) {
        free(data);
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, FN ": '%s'", path);
    }
    *idx = header;
    idx->data = data;
    to_host_order(data, idx->count, idx->element_size);
    *out = idx;
    return CLNN_SUCCESS;
}

void clnn_idx_free(clnn_idx *idx)
{
    if (!idx) return;
    free(idx->data);
    free(idx);
}
