/* A small strict JSON parser for file headers (safetensors): objects, arrays,
 * strings and integers only. Every read is bounds-checked; nesting is limited so
 * hostile input cannot exhaust the stack. */
#ifndef CLNN_DATA_JSON_H
#define CLNN_DATA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLNN_JSON_MAX_DEPTH 32

typedef enum clnn_json_kind {
    CLNN_JSON_INTEGER = 0,   /* zero-initialised values are empty integers */
    CLNN_JSON_STRING,
    CLNN_JSON_ARRAY,
    CLNN_JSON_OBJECT
} clnn_json_kind;

typedef struct clnn_json clnn_json;
struct clnn_json {
    clnn_json_kind kind;
    size_t offset;        /* where the value starts in the text, for messages    */
    int64_t integer;      /* INTEGER                                             */
    char *string;         /* STRING: NUL-terminated UTF-8 without NUL inside     */
    size_t count;         /* ARRAY elements or OBJECT members                    */
    char **keys;          /* OBJECT: count keys, unique, in text order           */
    clnn_json *items;     /* ARRAY elements or OBJECT values                     */
};

/* Parses text[0, size) as exactly one value with optional whitespace around it.
 * Rejects true/false/null, fractions and exponents, integers outside int64,
 * invalid UTF-8, control characters and \u0000 in strings, lone surrogates,
 * duplicate object keys, trailing commas, and anything after the value. On
 * failure writes "byte N: what is wrong" into err and returns false; `*out` is
 * then empty. Free a parsed value with clnn_json_free. */
bool clnn_json_parse(const char *text, size_t size, clnn_json *out, char *err, size_t err_size);
void clnn_json_free(clnn_json *value);

/* "an integer", "a string", "an array", "an object". */
const char *clnn_json_kind_name(clnn_json_kind kind);

/* Length (1-4) of the valid UTF-8 sequence at s[0, n), or 0 when it is invalid
 * (truncated, overlong, a surrogate, above U+10FFFF). */
size_t clnn_utf8_sequence(const unsigned char *s, size_t n);

/* True when the NUL-terminated string is valid UTF-8. */
bool clnn_utf8_valid(const char *s);

#endif
