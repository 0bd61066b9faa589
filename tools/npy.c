/* .npy read/write (see npy.h). The header is a Python dict literal; only the
 * keys 'descr', 'fortran_order' and 'shape' matter. */
#include "tools/npy.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* The value text after 'key': in the header, or NULL. */
static const char *field(const char *hdr, const char *key)
{
    const char *p = strstr(hdr, key);
    if (!p)
        return NULL;
    p = strchr(p + strlen(key), ':');
    if (!p)
        return NULL;
    for (p++; *p == ' '; p++)
        ;
    return p;
}

static int parse_shape(const char *p, clnn_onnx_value *v, char *err, size_t size)
{
    if (!p || *p != '(')
        return fail(err, size, "npy: no shape tuple");
    v->rank = 0;
    for (p++; *p && *p != ')';) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        long long d = strtoll(p, &end, 10);
        if (end == p || d < 1 || d > ((long long)1 << 40))
            return fail(err, size, "npy: bad dimension in shape");
        if (v->rank == CLNN_MAX_RANK)
            return fail(err, size, "npy: rank above %d", CLNN_MAX_RANK);
        v->dims[v->rank++] = d;
        p = end;
    }
    return *p == ')' ? 0 : fail(err, size, "npy: unterminated shape");
}

int npy_parse(const unsigned char *buf, size_t size, clnn_onnx_value *value, char *err,
              size_t err_size)
{
    if (size < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return fail(err, err_size, "npy: not a .npy file (bad magic)");
    int major = buf[6];
    size_t hlen, start;
    if (major == 1) {
        hlen = buf[8] | (size_t)buf[9] << 8;
        start = 10;
    } else if ((major == 2 || major == 3) && size >= 12) {
        hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        start = 12;
    } else {
        return fail(err, err_size, "npy: unsupported version %d", major);
    }
    if (hlen > size - start)
        return fail(err, err_size, "npy: header length %zu beyond the file", hlen);
    char *hdr = malloc(hlen + 1);
    if (!hdr)
        return fail(err, err_size, "npy: out of memory");
    memcpy(hdr, buf + start, hlen);
    hdr[hlen] = '\0';
    clnn_onnx_value v;
    memset(&v, 0, sizeof(v));
    const char *descr = field(hdr, "'descr'"), *fortran = field(hdr, "'fortran_order'");
    int rc = 0;
    if (!descr || !fortran)
        rc = fail(err, err_size, "npy: header lacks 'descr' or 'fortran_order'");
    else if (strncmp(fortran, "False", 5) != 0)
        rc = fail(err, err_size, "npy: Fortran-order arrays are not supported");
    else if (strncmp(descr, "'<f4'", 5) == 0)
        v.dtype = CLNN_FLOAT32;
    else if (strncmp(descr, "'<i8'", 5) == 0)
        v.dtype = CLNN_INT64;
    else if (strncmp(descr, "'<i4'", 5) == 0)
        v.dtype = CLNN_INT32;
    else
        rc = fail(err, err_size, "npy: dtype %.8s is not supported (<f4, <i8, <i4 are)",
                  descr);
    if (rc == 0)
        rc = parse_shape(field(hdr, "'shape'"), &v, err, err_size);
    free(hdr);
    if (rc != 0)
        return rc;
    size_t count = 1, elem = clnn_dtype_size(v.dtype);
    for (int i = 0; i < v.rank; i++) {
        if ((size_t)v.dims[i] > (size_t)-1 / 16 / count)
            return fail(err, err_size, "npy: shape too large");
        count *= (size_t)v.dims[i];
    }
    size_t bytes = count * elem, data = start + hlen;
    if (bytes > size - data)
        return fail(err, err_size, "npy: %zu data bytes expected, %zu present", bytes,
                    size - data);
    v.data = malloc(bytes ? bytes : 1);
    if (!v.data)
        return fail(err, err_size, "npy: out of memory");
    memcpy(v.data, buf + data, bytes);
    *value = v;
    return 0;
}

int npy_read(const char *path, clnn_onnx_value *value, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, err_size, "npy: cannot open '%s'", path);
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf && (len += fread(buf + len, 1, cap - len, f)) == cap) {
        unsigned char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return fail(err, err_size, "npy: out of memory reading '%s'", path);
    int rc = npy_parse(buf, len, value, err, err_size);
    free(buf);
    return rc;
}

int npy_write(const char *path, const clnn_onnx_value *v, char *err, size_t err_size)
{
    const char *descr = v->dtype == CLNN_FLOAT32 ? "<f4" : v->dtype == CLNN_INT64 ? "<i8"
                                                                                 : "<i4";
    char hdr[512], shape[256] = "";
    size_t count = 1, off = 0;
    for (int i = 0; i < v->rank; i++) {
        off += (size_t)snprintf(shape + off, sizeof(shape) - off, "%lld,%s",
                                (long long)v->dims[i], i + 1 < v->rank ? " " : "");
        count *= (size_t)v->dims[i];
    }
    if (v->rank > 1)
        shape[off - 1] = '\0';   /* a trailing comma only for 1-tuples */
    int len = snprintf(hdr, sizeof(hdr), "{'descr': '%s', 'fortran_order': False, "
                       "'shape': (%s), }", descr, shape);
    int pad = 64 - (10 + len + 1) % 64;   /* total header a multiple of 64 */
    if (pad == 64)
        pad = 0;
    memset(hdr + len, ' ', (size_t)pad);
    hdr[len + pad] = '\n';
    len += pad + 1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 255),
                             (unsigned char)(len >> 8)};
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(err, err_size, "npy: cannot create '%s'", path);
    size_t bytes = count * clnn_dtype_size(v->dtype);
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)len, f) == (size_t)len &&
             fwrite(v->data, 1, bytes, f) == bytes;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : fail(err, err_size, "npy: write error on '%s'", path);
}
