/* Strict, bounds-checked JSON parsing into a small tree (see json.h). */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const unsigned char *s;
    size_t n, pos;
    int depth;
    char *err;
    size_t err_size;
} parser;

static bool parse_value(parser *p, clnn_json *v);

static bool fail_at(parser *p, size_t at, const char *fmt, ...)
{
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->err_size, "byte %zu: %s", at, what);
    return false;
}

static void skip_space(parser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

/* True (and consumes it) when the next non-space byte is `c`. */
static bool accept(parser *p, unsigned char c)
{
    skip_space(p);
    if (p->pos < p->n && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

static bool fail_expected(parser *p, const char *what)
{
    if (p->pos >= p->n) return fail_at(p, p->pos, "unexpected end, expected %s", what);
    return fail_at(p, p->pos, "expected %s, found 0x%02x", what, p->s[p->pos]);
}

size_t clnn_utf8_sequence(const unsigned char *s, size_t n)
{
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

bool clnn_utf8_valid(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = clnn_utf8_sequence(u + i, n - i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) return out[0] = (char)cp, 1;
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Four hex digits at p->pos (after "\u"). */
static bool read_hex4(parser *p, uint32_t *cp)
{
    if (p->n - p->pos < 4) return fail_at(p, p->pos, "truncated \\u escape");
    *cp = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p->s[p->pos + i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else return fail_at(p, p->pos + i, "bad hex digit in \\u escape");
        *cp = *cp << 4 | d;
    }
    p->pos += 4;
    return true;
}

/* The escape after a backslash (p->pos at the letter); appends to out. */
static bool read_escape(parser *p, char *out, size_t *len)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    size_t at = p->pos - 1;
    if (p->pos >= p->n) return fail_at(p, at, "unterminated escape");
    unsigned char c = p->s[p->pos++];
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        out[(*len)++] = to[hit - from];
        return true;
    }
    if (c != 'u') return fail_at(p, at, "unknown escape \\%c", c >= 0x20 && c < 0x7F ? c : '?');
    uint32_t cp;
    if (!read_hex4(p, &cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail_at(p, at, "lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t low;
        if (p->n - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return fail_at(p, at, "high surrogate without a low surrogate");
        p->pos += 2;
        if (!read_hex4(p, &low)) return false;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail_at(p, at, "high surrogate without a low surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) return fail_at(p, at, "\\u0000 is not allowed in strings");
    *len += put_utf8(out + *len, cp);
    return true;
}

/* A string at p->pos (the opening quote). Decoded text never outgrows its
 * encoding, so one allocation of the raw span suffices. */
static bool parse_string(parser *p, char **out)
{
    size_t start = p->pos++, end = p->pos;
    while (end < p->n && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->n) return fail_at(p, start, "unterminated string");
    char *buf = malloc(end - p->pos + 1);
    if (!buf) return fail_at(p, start, "out of memory");
    size_t len = 0;
    while (p->s[p->pos] != '"') {
        unsigned char c = p->s[p->pos];
        size_t seq;
        if (c < 0x20) {
            free(buf);
            return fail_at(p, p->pos, "control character 0x%02x in a string", c);
        } else if (c == '\\') {
            p->pos++;
            if (!read_escape(p, buf, &len)) {
                free(buf);
                return false;
            }
        } else if ((seq = clnn_utf8_sequence(p->s + p->pos, end - p->pos)) == 0) {
            free(buf);
            return fail_at(p, p->pos, "invalid UTF-8 in a string");
        } else {
            memcpy(buf + len, p->s + p->pos, seq);
            len += seq;
            p->pos += seq;
        }
    }
    p->pos++;
    buf[len] = '\0';
    *out = buf;
    return true;
}

static bool parse_integer(parser *p, clnn_json *v)
{
    size_t start = p->pos;
    bool negative = p->s[p->pos] == '-';
    if (negative) p->pos++;
    if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
        return fail_at(p, start, "'-' without digits");
    if (p->s[p->pos] == '0' && p->pos + 1 < p->n && p->s[p->pos + 1] >= '0' &&
        p->s[p->pos + 1] <= '9')
        return fail_at(p, start, "leading zero in a number");
    uint64_t mag = 0, limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        unsigned d = p->s[p->pos++] - '0';
        if (mag > (limit - d) / 10) return fail_at(p, start, "integer out of the int64 range");
        mag = mag * 10 + d;
    }
    if (p->pos < p->n && (p->s[p->pos] == '.' || p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
        return fail_at(p, start, "numbers with a fraction or exponent are not supported");
    v->kind = CLNN_JSON_INTEGER;
    v->integer = negative ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

/* Makes room for one more member (keys only for objects). */
static bool grow(parser *p, clnn_json *v, size_t *cap)
{
    if (v->count < *cap) return true;
    size_t next = *cap ? 2 * *cap : 4;
    clnn_json *items = realloc(v->items, next * sizeof *items);
    if (!items) return fail_at(p, v->offset, "out of memory");
    v->items = items;
    if (v->kind == CLNN_JSON_OBJECT) {
        char **keys = realloc(v->keys, next * sizeof *keys);
        if (!keys) return fail_at(p, v->offset, "out of memory");
        v->keys = keys;
    }
    *cap = next;
    return true;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorting a copy of the keys finds duplicates in O(n log n) on huge headers. */
static bool check_duplicates(parser *p, const clnn_json *v)
{
    if (v->count < 2) return true;
    char **sorted = malloc(v->count * sizeof *sorted);
    if (!sorted) return fail_at(p, v->offset, "out of memory");
    memcpy(sorted, v->keys, v->count * sizeof *sorted);
    qsort(sorted, v->count, sizeof *sorted, compare_keys);
    bool ok = true;
    for (size_t i = 1; ok && i < v->count; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            ok = fail_at(p, v->offset, "duplicate key \"%.64s\"", sorted[i]);
    free(sorted);
    return ok;
}

/* An object or array at p->pos; members land in v as they parse, so a failure
 * part-way leaves v freeable. */
static bool parse_container(parser *p, clnn_json *v, bool object)
{
    unsigned char close = object ? '}' : ']';
    size_t cap = 0;
    v->kind = object ? CLNN_JSON_OBJECT : CLNN_JSON_ARRAY;
    if (++p->depth > CLNN_JSON_MAX_DEPTH)
        return fail_at(p, p->pos, "nesting deeper than %d", CLNN_JSON_MAX_DEPTH);
    p->pos++;
    if (accept(p, close)) {
        p->depth--;
        return true;
    }
    for (;;) {
        if (!grow(p, v, &cap)) return false;
        clnn_json *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        if (object) {
            skip_space(p);
            if (p->pos >= p->n || p->s[p->pos] != '"') return fail_expected(p, "a string key");
            if (!parse_string(p, &v->keys[v->count])) return false;
            v->count++;
            if (!accept(p, ':')) return fail_expected(p, "':'");
        } else {
            v->count++;
        }
        if (!parse_value(p, item)) return false;
        if (accept(p, ',')) continue;
        if (accept(p, close)) break;
        return fail_expected(p, object ? "',' or '}'" : "',' or ']'");
    }
    p->depth--;
    return !object || check_duplicates(p, v);
}

static bool parse_value(parser *p, clnn_json *v)
{
    skip_space(p);
    if (p->pos >= p->n) return fail_expected(p, "a value");
    v->offset = p->pos;
    unsigned char c = p->s[p->pos];
    if (c == '{' || c == '[') return parse_container(p, v, c == '{');
    if (c == '"') {
        v->kind = CLNN_JSON_STRING;
        return parse_string(p, &v->string);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_integer(p, v);
    if (c == 't' || c == 'f' || c == 'n')
        return fail_at(p, p->pos, "true, false and null are not supported");
    return fail_expected(p, "a value");
}

bool clnn_json_parse(const char *text, size_t size, clnn_json *out, char *err, size_t err_size)
{
    parser p = {(const unsigned char *)text, size, 0, 0, err, err_size};
    clnn_json v;
    memset(&v, 0, sizeof v);
    bool ok = parse_value(&p, &v);
    skip_space(&p);
    if (ok && p.pos != p.n) ok = fail_at(&p, p.pos, "unexpected bytes after the value");
    if (!ok) {
        clnn_json_free(&v);
        return false;
    }
    *out = v;
    return true;
}

void clnn_json_free(clnn_json *value)
{
    if (!value) return;
    for (size_t i = 0; i < value->count; i++) {
        if (value->keys) free(value->keys[i]);
        if (value->items) clnn_json_free(&value->items[i]);
    }
    free(value->keys);
    free(value->items);
    free(value->string);
    memset(value, 0, sizeof *value);
}

const char *clnn_json_kind_name(clnn_json_kind kind)
{
    switch (kind) {
    case CLNN_JSON_INTEGER: return "an integer";
    case CLNN_JSON_STRING: return "a string";
    case CLNN_JSON_ARRAY: return "an array";
    case CLNN_JSON_OBJECT: return "an object";
    }
    return "a value";
}
