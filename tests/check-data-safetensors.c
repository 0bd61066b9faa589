/* safetensors: write -> read round trips, hand-made headers of every kind of
 * malformation, and bad arguments. */
#include "data_files.h"

#include <stdio.h>
#include <string.h>

/* A file image: 8-byte little-endian length, the header, `data` zero bytes. */
static unsigned char *image(const char *header, size_t header_len, size_t data, size_t *size)
{
    *size = 8 + header_len + data;
    unsigned char *b = harness_alloc(*size);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)header_len >> (8 * i));
    memcpy(b + 8, header, header_len);
    return b;
}

/* Expects CLNN_BAD_FORMAT naming the file and `needle`, output untouched. */
static void expect_bad_bytes(const unsigned char *bytes, size_t size, const char *needle)
{
    char *path = data_path("bad.safetensors");
    data_write(path, bytes, size);
    clnn_safetensors *sentinel = (clnn_safetensors *)&sentinel, *file = sentinel;
    harness_expect_error(clnn_safetensors_load(path, &file), CLNN_BAD_FORMAT, path);
    ck_assert_msg(strstr(clnn_last_error(), needle), "'%s' lacks '%s'", clnn_last_error(),
                  needle);
    ck_assert_ptr_eq(file, sentinel);
    /* The in-memory entry point agrees and names its source. */
    harness_expect_error(clnn_safetensors_parse(bytes, size, "blob", &file), CLNN_BAD_FORMAT,
                         "'blob'");
    ck_assert_ptr_eq(file, sentinel);
}

static void expect_bad(const char *header, size_t data, const char *needle)
{
    size_t size;
    unsigned char *b = image(header, strlen(header), data, &size);
    expect_bad_bytes(b, size, needle);
}

#define T(x) "{\"t\":" x "}"
#define OK_T "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"

START_TEST(malformed_json)
{
    static const struct {
        const char *header, *needle;
    } cases[] = {
        {"", "expected a value"},
        {"   ", "expected a value"},
        {"{", "expected a string key"},
        {"{\"a\"}", "expected ':'"},
        {"{\"a\":}", "expected a value"},
        {"{,}", "expected a string key"},
        {"{\"t\":" OK_T ",}", "expected a string key"},
        {"{\"t\":" OK_T "", "expected ',' or '}'"},
        {T("{\"dtype\":\"F32\",\"shape\":[2,],\"data_offsets\":[0,8]}"), "expected a value"},
        {T("{\"dtype\":\"F32\",\"shape\":[2 3],\"data_offsets\":[0,8]}"), "expected ',' or ']'"},
        {"{'t':1}", "expected a string key"},
        {"{t:1}", "expected a string key"},
        {T("1.5"), "fraction or exponent"},
        {T("1e3"), "fraction or exponent"},
        {T("-"), "without digits"},
        {T("01"), "leading zero"},
        {T("99999999999999999999"), "int64 range"},
        {T("-9223372036854775809"), "int64 range"},
        {T("true"), "not supported"},
        {T("null"), "not supported"},
        {T("+1"), "expected a value"},
        {T("\"\\x\""), "unknown escape"},
        {T("\"\\u12\""), "bad hex digit"},
        {T("\"\\u12G4\""), "bad hex digit"},
        {T("\"\\ud800\""), "without a low surrogate"},
        {T("\"\\ud800\\u0041\""), "without a low surrogate"},
        {T("\"\\udc00\""), "lone low surrogate"},
        {T("\"\\u0000\""), "\\u0000"},
        {T("\"a\x01\""), "control character"},
        {T("\"\xff\""), "invalid UTF-8"},
        {T("\"\xc0\xaf\""), "invalid UTF-8"},
        {T("\"\xed\xa0\x80\""), "invalid UTF-8"},
        {T("\"\xf4\x90\x80\x80\""), "invalid UTF-8"},
        {T("\"\xe2\x82\""), "invalid UTF-8"},
        {T("\"abc"), "unterminated string"},
        {T("\"abc\\"), "unterminated string"},
        {"{\"t\":" OK_T ",\"t\":" OK_T "}", "duplicate key \"t\""},
        {"{\"t\":" OK_T "} x", "unexpected bytes after the value"},
        {"{}{}", "unexpected bytes after the value"},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
         "nesting deeper than 32"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_bad(cases[i].header, 8, cases[i].needle);
    /* A NUL byte inside the header. */
    static const char nul[] = "{\"t\":\0}";
    size_t size;
    unsigned char *b = image(nul, sizeof nul - 1, 0, &size);
    expect_bad_bytes(b, size, "expected a value");
}
END_TEST

START_TEST(malformed_schema)
{
    static const struct {
        const char *header;
        size_t data;
        const char *needle;
    } cases[] = {
        {"[]", 0, "the header is an array, not an object"},
        {"\"x\"", 0, "not an object"},
        {T("1"), 8, "tensor 't' is an integer, not an object"},
        {T("{\"shape\":[2],\"data_offsets\":[0,8]}"), 8, "missing \"dtype\""},
        {T("{\"dtype\":\"F32\",\"data_offsets\":[0,8]}"), 8, "missing \"shape\""},
        {T("{\"dtype\":\"F32\",\"shape\":[2]}"), 8, "missing \"data_offsets\""},
        {T("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}"), 8,
         "unknown key \"x\""},
        {T("{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}"), 8, "not a string"},
        {T("{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}"), 8, "unknown dtype \"F31\""},
        {T("{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}"), 8, "unknown dtype"},
        {T("{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}"), 8, "not an array"},
        {T("{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}"), 8, "not an integer"},
        {T("{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}"), 8, "negative"},
        {T("{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}"), 8,
         "has 9 entries (at most 8)"},
        {T("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}"), 8, "has 3 entries"},
        {T("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}"), 8, "has 1 entries, not 2"},
        {T("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}"), 8, "end before"},
        {T("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), 4,
         "beyond the 4-byte data buffer"},
        {T("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}"), 8,
         "beyond"},
        {T("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}"), 8,
         "span 8 bytes but F32 x shape is 12 bytes"},
        {T("{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}"), 8,
         "overflows"},
        {"{\"a\":" OK_T ",\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
         "tensors 'a' and 'b' overlap"},
        {"{\"a\":" OK_T ",\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16,
         "4 unused bytes before tensor 'b'"},
        {T(OK_T), 12, "4 bytes after the last tensor's data"},
        {"{}", 1, "1 bytes after the last tensor's data"},
        {"{\"__metadata__\":[]," "\"t\":" OK_T "}", 8, "\"__metadata__\" is an array"},
        {"{\"__metadata__\":{\"k\":1}," "\"t\":" OK_T "}", 8, "value of \"k\" is an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_bad(cases[i].header, cases[i].data, cases[i].needle);
}
END_TEST

START_TEST(absurd_header_lengths)
{
    unsigned char b[16] = {0};
    expect_bad_bytes(b, 0, "0 bytes, shorter than the 8-byte");
    expect_bad_bytes(b, 7, "shorter than the 8-byte");
    b[7] = 0x80;   /* 2^63 */
    expect_bad_bytes(b, 16, "above the 100000000-byte limit");
    memset(b, 0, sizeof b);
    b[0] = 0x01, b[1] = 0xe1, b[2] = 0xf5, b[3] = 0x05;   /* 100000001 */
    expect_bad_bytes(b, 16, "above the 100000000-byte limit");
    memset(b, 0, sizeof b);
    b[0] = 9;
    memcpy(b + 8, "{}      ", 8);
    expect_bad_bytes(b, 16, "header length 9 runs past the end of the 16-byte file");
}
END_TEST

/* Five tensors (scalar, empty, rank 8, odd names) and metadata. */
static float w[6] = {1.5f, -2, 3, 0.25f, 5, -6};
static int32_t idx32[7] = {1, -2, 3, 2147483647, -2147483647 - 1, 0, 9};
static int64_t step = -1234567890123ll, one = 42;
#define ENTRIES 5
static const clnn_safetensors_entry entries[ENTRIES] = {
    {"layer.weight", CLNN_FLOAT32, 2, {2, 3}, w},
    {"idx", CLNN_INT32, 1, {7}, idx32},
    {"step", CLNN_INT64, 0, {0}, &step},
    {"empty", CLNN_FLOAT32, 2, {0, 4}, NULL},
    {"w\"eird\\name\n\xc3\xa9", CLNN_INT64, 8, {1, 1, 1, 1, 1, 1, 1, 1}, &one},
};
static const char *const metadata[4] = {"format", "pt", "note", "line\nbreak \"quoted\" \xe2\x82\xac"};

static void check_round_trip(const clnn_safetensors *file)
{
    ck_assert_uint_eq(clnn_safetensors_count(file), ENTRIES);
    for (size_t i = 0; i < ENTRIES; i++) {
        const clnn_safetensors_entry *e = &entries[i];
        clnn_safetensors_info info;
        harness_expect_ok(clnn_safetensors_info_at(file, i, &info));
        ck_assert_str_eq(info.name, e->name);
        ck_assert_int_eq(info.has_dtype, 1);
        ck_assert_int_eq(info.dtype, e->dtype);
        ck_assert_str_eq(info.dtype_name, e->dtype == CLNN_FLOAT32 ? "F32"
                                          : e->dtype == CLNN_INT32 ? "I32" : "I64");
        ck_assert_int_eq(info.rank, e->rank);
        size_t bytes = info.element_size;
        for (int d = 0; d < e->rank; d++) {
            ck_assert_int_eq(info.dims[d], e->dims[d]);
            bytes *= (size_t)e->dims[d];
        }
        ck_assert_uint_eq(info.bytes, bytes);
        const void *data;
        size_t got_bytes;
        harness_expect_ok(clnn_safetensors_data(file, e->name, &data, &got_bytes));
        ck_assert_uint_eq(got_bytes, bytes);
        ck_assert_uint_eq((uintptr_t)data % info.element_size, 0);   /* aligned, as documented */
        unsigned char *copy = harness_alloc(bytes + 1);
        harness_expect_ok(clnn_safetensors_read(file, e->name, bytes ? copy : NULL, bytes));
        if (bytes) ck_assert_mem_eq(copy, e->data, bytes);
    }
    ck_assert_uint_eq(clnn_safetensors_metadata_count(file), 2);
    for (size_t i = 0; i < 2; i++) {
        const char *key, *value;
        harness_expect_ok(clnn_safetensors_metadata_at(file, i, &key, &value));
        ck_assert_str_eq(key, metadata[2 * i]);
        ck_assert_str_eq(value, metadata[2 * i + 1]);
        ck_assert_str_eq(clnn_safetensors_metadata_get(file, key), metadata[2 * i + 1]);
    }
    ck_assert_ptr_null(clnn_safetensors_metadata_get(file, "absent"));
}

START_TEST(round_trip)
{
    char *path = data_path("model.safetensors");
    data_write(path, "old contents", 12);   /* replaced atomically */
    harness_expect_ok(clnn_safetensors_save(path, entries, ENTRIES, metadata, 2));
    clnn_safetensors *file = NULL;
    harness_expect_ok(clnn_safetensors_load(path, &file));
    check_round_trip(file);
    clnn_safetensors_free(file);
    /* The raw layout: header padded to 8 bytes, the I64 tensors first. */
    size_t size;
    unsigned char *raw = data_read(path, &size);
    ck_assert_uint_eq(raw[0] % 8, 0);
    ck_assert_uint_eq(size, 8 + raw[0] + raw[1] * 256u + 24 + 28 + 8 + 8);
    harness_expect_ok(clnn_safetensors_parse(raw, size, NULL, &file));
    check_round_trip(file);
    clnn_safetensors_free(file);
    /* No tensors, no metadata: "{}" padded. */
    harness_expect_ok(clnn_safetensors_save(path, NULL, 0, NULL, 0));
    raw = data_read(path, &size);
    ck_assert_uint_eq(size, 16);
    ck_assert_mem_eq(raw + 8, "{}      ", 8);
    harness_expect_ok(clnn_safetensors_load(path, &file));
    ck_assert_uint_eq(clnn_safetensors_count(file), 0);
    ck_assert_uint_eq(clnn_safetensors_metadata_count(file), 0);
    clnn_safetensors_free(file);
    clnn_safetensors_free(NULL);
}
END_TEST

START_TEST(foreign_dtypes_and_whitespace)
{
    /* As another writer might lay it out: spaces, newlines, F16/BF16, key order. */
    const char *h = "\n{ \"b\" : { \"shape\" : [ 1 ] , \"dtype\" : \"BF16\" ,"
                    " \"data_offsets\" : [ 2 , 4 ] } ,\r\n\t\"a\":{\"data_offsets\":[0,2],"
                    "\"dtype\":\"F16\",\"shape\":[]} }  ";
    size_t size;
    unsigned char *b = image(h, strlen(h), 4, &size);
    b[size - 4] = 0x11, b[size - 1] = 0x44;
    clnn_safetensors *file = NULL;
    harness_expect_ok(clnn_safetensors_parse(b, size, "foreign", &file));
    ck_assert_uint_eq(clnn_safetensors_count(file), 2);
    clnn_safetensors_info info;
    harness_expect_ok(clnn_safetensors_info_at(file, 0, &info));
    ck_assert_str_eq(info.name, "b");
    ck_assert_str_eq(info.dtype_name, "BF16");
    ck_assert_int_eq(info.has_dtype, 0);
    ck_assert_uint_eq(info.element_size, 2);
    ck_assert_int_eq(info.rank, 1);
    harness_expect_ok(clnn_safetensors_find(file, "a", &info));
    ck_assert_int_eq(info.rank, 0);
    ck_assert_str_eq(info.dtype_name, "F16");
    unsigned char two[2];
    harness_expect_ok(clnn_safetensors_read(file, "b", two, 2));
    ck_assert_uint_eq(two[1], 0x44);
    harness_expect_ok(clnn_safetensors_read(file, "a", two, 2));
    ck_assert_uint_eq(two[0], 0x11);
    clnn_safetensors_free(file);
}
END_TEST

START_TEST(truncated_at_every_byte)
{
    char *path = data_path("full.safetensors");
    harness_expect_ok(clnn_safetensors_save(path, entries, ENTRIES, metadata, 2));
    size_t size;
    unsigned char *raw = data_read(path, &size);
    for (size_t k = 0; k < size; k++) expect_bad_bytes(raw, k, "");
    /* One byte more is a tail the tensors do not cover. */
    unsigned char *longer = harness_alloc(size + 1);
    memcpy(longer, raw, size);
    expect_bad_bytes(longer, size + 1, "1 bytes after the last tensor's data");
}
END_TEST

START_TEST(reader_bad_arguments)
{
    clnn_safetensors *file = NULL;
    char *missing = data_path("missing.safetensors");
    harness_expect_error(clnn_safetensors_load(missing, &file), CLNN_IO_ERROR, missing);
    char *dir = data_path("");
    harness_expect_error(clnn_safetensors_load(dir, &file), CLNN_IO_ERROR, dir);
    ck_assert_ptr_null(file);
    harness_expect_error(clnn_safetensors_load(NULL, &file), CLNN_NULL_POINTER, "path");
    harness_expect_error(clnn_safetensors_load(missing, NULL), CLNN_NULL_POINTER, "out");
    harness_expect_error(clnn_safetensors_parse(NULL, 8, NULL, &file), CLNN_NULL_POINTER, "bytes");
    harness_expect_error(clnn_safetensors_parse("", 0, NULL, NULL), CLNN_NULL_POINTER, "out");

    char *path = data_path("args.safetensors");
    harness_expect_ok(clnn_safetensors_save(path, entries, ENTRIES, metadata, 2));
    harness_expect_ok(clnn_safetensors_load(path, &file));
    clnn_safetensors_info info;
    float out[6], untouched[6] = {7, 7, 7, 7, 7, 7};
    memcpy(out, untouched, sizeof out);
    const void *data = NULL;
    size_t bytes = 0;
    const char *key = NULL, *value = NULL;
    harness_expect_error(clnn_safetensors_find(file, "nope", &info), CLNN_INVALID_VALUE, "'nope'");
    harness_expect_error(clnn_safetensors_find(NULL, "idx", &info), CLNN_NULL_POINTER, "file");
    harness_expect_error(clnn_safetensors_find(file, NULL, &info), CLNN_NULL_POINTER, "name");
    harness_expect_error(clnn_safetensors_find(file, "idx", NULL), CLNN_NULL_POINTER, "info");
    harness_expect_error(clnn_safetensors_info_at(file, ENTRIES, &info), CLNN_INVALID_VALUE,
                         "index 5");
    harness_expect_error(clnn_safetensors_info_at(file, 0, NULL), CLNN_NULL_POINTER, "info");
    harness_expect_error(clnn_safetensors_read(file, "layer.weight", out, 20),
                         CLNN_SHAPE_MISMATCH, "24 bytes, dst_bytes is 20");
    harness_expect_error(clnn_safetensors_read(file, "layer.weight", NULL, 24),
                         CLNN_NULL_POINTER, "dst");
    harness_expect_error(clnn_safetensors_read(file, "nope", out, 24), CLNN_INVALID_VALUE,
                         "'nope'");
    ck_assert_mem_eq(out, untouched, sizeof out);
    harness_expect_error(clnn_safetensors_data(file, "idx", NULL, &bytes), CLNN_NULL_POINTER,
                         "data");
    harness_expect_error(clnn_safetensors_data(file, "idx", &data, NULL), CLNN_NULL_POINTER,
                         "bytes");
    ck_assert_ptr_null(data);
    harness_expect_error(clnn_safetensors_metadata_at(file, 2, &key, &value),
                         CLNN_INVALID_VALUE, "index 2");
    harness_expect_error(clnn_safetensors_metadata_at(file, 0, NULL, &value),
                         CLNN_NULL_POINTER, "key");
    ck_assert_ptr_null(value);
    ck_assert_ptr_null(clnn_safetensors_metadata_get(file, NULL));
    ck_assert_ptr_null(clnn_safetensors_metadata_get(NULL, "format"));
    ck_assert_uint_eq(clnn_safetensors_count(NULL), 0);
    ck_assert_uint_eq(clnn_safetensors_metadata_count(NULL), 0);
    clnn_safetensors_free(file);
}
END_TEST

/* Expects a failed save that leaves the existing file as it was. */
static void expect_save_error(const clnn_safetensors_entry *e, size_t n, const char *const *md,
                              size_t pairs, clnn_status want, const char *needle)
{
    char *path = data_path("keep.safetensors");
    data_write(path, "keep", 4);
    harness_expect_error(clnn_safetensors_save(path, e, n, md, pairs), want, needle);
    size_t size;
    unsigned char *raw = data_read(path, &size);
    ck_assert_uint_eq(size, 4);
    ck_assert_mem_eq(raw, "keep", 4);
}

START_TEST(writer_bad_arguments)
{
    clnn_safetensors_entry e[2] = {entries[0], entries[1]};
    expect_save_error(NULL, 1, NULL, 0, CLNN_NULL_POINTER, "entries");
    e[1].name = NULL;
    expect_save_error(e, 2, NULL, 0, CLNN_NULL_POINTER, "entries[1].name");
    e[1].name = "";
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "entries[1].name");
    e[1].name = "__metadata__";
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "reserved");
    e[1].name = "bad\xff";
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "not UTF-8");
    e[1].name = entries[0].name;
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "'layer.weight' appears twice");
    e[1] = entries[1];
    e[1].dtype = (clnn_dtype)7;
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "unknown dtype 7");
    e[1] = entries[1];
    e[1].rank = 9;
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "rank 9");
    e[1].rank = -1;
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "rank -1");
    e[1] = entries[1];
    e[1].dims[0] = -7;
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "dims[0] = -7");
    e[1].rank = 3;
    e[1].dims[0] = e[1].dims[1] = e[1].dims[2] = INT64_MAX;
    expect_save_error(e, 2, NULL, 0, CLNN_INVALID_VALUE, "overflows");
    e[1] = entries[1];
    e[1].data = NULL;
    expect_save_error(e, 2, NULL, 0, CLNN_NULL_POINTER, "entries[1].data");
    const char *md[4] = {"k", "v", "k", "w"};
    expect_save_error(entries, 1, NULL, 1, CLNN_NULL_POINTER, "metadata");
    expect_save_error(entries, 1, md, 2, CLNN_INVALID_VALUE, "'k' appears twice");
    md[1] = NULL;
    expect_save_error(entries, 1, md, 1, CLNN_NULL_POINTER, "metadata[1]");
    md[1] = "\xc0\x80";
    expect_save_error(entries, 1, md, 1, CLNN_INVALID_VALUE, "metadata[1] is not UTF-8");
    harness_expect_error(clnn_safetensors_save(NULL, entries, 1, NULL, 0), CLNN_NULL_POINTER,
                         "path");
    char *nodir = data_path("no/such/dir/x.safetensors");
    harness_expect_error(clnn_safetensors_save(nodir, entries, 1, NULL, 0), CLNN_IO_ERROR, nodir);
}
END_TEST

void data_add_safetensors(Suite *suite)
{
    TCase *tc = harness_tcase(suite, "safetensors");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, foreign_dtypes_and_whitespace);
    tcase_add_test(tc, truncated_at_every_byte);
    tcase_add_test(tc, malformed_json);
    tcase_add_test(tc, malformed_schema);
    tcase_add_test(tc, absurd_header_lengths);
    tcase_add_test(tc, reader_bad_arguments);
    tcase_add_test(tc, writer_bad_arguments);
}
