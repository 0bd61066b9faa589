/* Data loaders: IDX files (generated here, plain and gzip), the MNIST loader on
 * generated and real Fashion-MNIST files, and (check-data-safetensors.c) safetensors. */
#define _GNU_SOURCE
#include "data_files.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------ temp files */

static char tmpdir[64];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_tmpdir(void) { nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS); }

char *data_path(const char *name)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/clnn-check-data-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        atexit(remove_tmpdir);
    }
    size_t n = strlen(tmpdir) + strlen(name) + 2;
    char *p = harness_alloc(n);
    snprintf(p, n, "%s/%s", tmpdir, name);
    return p;
}

void data_write(const char *path, const void *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

unsigned char *data_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    struct stat sb;
    ck_assert_int_eq(fstat(fileno(f), &sb), 0);
    unsigned char *buf = harness_alloc((size_t)sb.st_size + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)sb.st_size, f), (size_t)sb.st_size);
    fclose(f);
    *size = (size_t)sb.st_size;
    return buf;
}

int data_exists(const char *path) { return access(path, F_OK) == 0; }

static void write_gzip(const char *path, const void *bytes, size_t size)
{
    gzFile f = gzopen(path, "wb9");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, bytes, (unsigned)size), (int)size);
    ck_assert_int_eq(gzclose(f), Z_OK);
}

/* ------------------------------------------------------------------ IDX */

static const struct {
    int type;
    size_t size;
} idx_types[] = {{CLNN_IDX_UBYTE, 1}, {CLNN_IDX_BYTE, 1},  {CLNN_IDX_SHORT, 2},
                 {CLNN_IDX_INT, 4},   {CLNN_IDX_FLOAT, 4}, {CLNN_IDX_DOUBLE, 8}};
#define IDX_TYPES (sizeof idx_types / sizeof idx_types[0])

/* An IDX image: header plus elements whose host-order bytes are in *host. */
typedef struct idx_image {
    unsigned char *file;
    size_t file_size;
    unsigned char *host;
    size_t count;
} idx_image;

static idx_image make_idx(int type, size_t size, int rank, const uint32_t *dims)
{
    idx_image im = {0};
    im.count = 1;
    for (int i = 0; i < rank; i++) im.count *= dims[i];
    im.file_size = 4 + 4 * (size_t)rank + im.count * size;
    im.file = harness_alloc(im.file_size);
    im.host = harness_alloc(im.count * size);
    im.file[2] = (unsigned char)type;
    im.file[3] = (unsigned char)rank;
    for (int i = 0; i < rank; i++)
        for (int b = 0; b < 4; b++) im.file[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
    unsigned char *data = im.file + 4 + 4 * rank;
    for (size_t i = 0; i < im.count; i++) {
        unsigned char v[8];
        int64_t k = (int64_t)(i * 37 % 251) - 100;   /* negatives for the signed types */
        if (type == CLNN_IDX_UBYTE) v[0] = (unsigned char)(i * 37);
        else if (type == CLNN_IDX_BYTE) v[0] = (unsigned char)(int8_t)k;
        else if (type == CLNN_IDX_SHORT) { int16_t x = (int16_t)(k * 97); memcpy(v, &x, 2); }
        else if (type == CLNN_IDX_INT) { int32_t x = (int32_t)(k * 1000003); memcpy(v, &x, 4); }
        else if (type == CLNN_IDX_FLOAT) { float x = (float)k / 7.0f; memcpy(v, &x, 4); }
        else { double x = (double)k / 7.0; memcpy(v, &x, 8); }
        memcpy(im.host + i * size, v, size);
        for (size_t b = 0; b < size; b++) data[i * size + b] = v[size - 1 - b];   /* big-endian */
    }
    return im;
}

START_TEST(idx_round_trip)
{
    /* _i enumerates type x rank 1..4 x {plain, gzip}. */
    int t = _i / 8, rank = _i / 2 % 4 + 1, gz = _i % 2;
    const uint32_t dims[4] = {3, 1, 5, 2};
    idx_image im = make_idx(idx_types[t].type, idx_types[t].size, rank, dims);
    char name[32];
    snprintf(name, sizeof name, "rt-%d.idx%s", _i, gz ? ".gz" : "");
    char *path = data_path(name);
    if (gz) write_gzip(path, im.file, im.file_size);
    else data_write(path, im.file, im.file_size);
    clnn_idx *idx = NULL;
    harness_expect_ok(clnn_idx_load(path, &idx));
    ck_assert_int_eq(idx->type, idx_types[t].type);
    ck_assert_int_eq(idx->rank, rank);
    for (int i = 0; i < rank; i++) ck_assert_uint_eq(idx->dims[i], dims[i]);
    ck_assert_uint_eq(idx->count, im.count);
    ck_assert_uint_eq(idx->element_size, idx_types[t].size);
    ck_assert_mem_eq(idx->data, im.host, im.count * idx_types[t].size);
    clnn_idx_free(idx);
}
END_TEST

/* Loads `bytes` from a file and expects CLNN_BAD_FORMAT naming the file and
 * `needle`, with *out untouched. */
static void expect_idx_bad(const char *name, const void *bytes, size_t size, int gz,
                           const char *needle)
{
    char *path = data_path(name);
    if (gz) write_gzip(path, bytes, size);
    else data_write(path, bytes, size);
    clnn_idx *sentinel = (clnn_idx *)&sentinel, *idx = sentinel;
    harness_expect_error(clnn_idx_load(path, &idx), CLNN_BAD_FORMAT, path);
    ck_assert_msg(strstr(clnn_last_error(), needle), "'%s' lacks '%s'", clnn_last_error(), needle);
    ck_assert_ptr_eq(idx, sentinel);
}

START_TEST(idx_truncated_at_every_byte)
{
    const uint32_t dims[2] = {2, 3};
    idx_image im = make_idx(CLNN_IDX_INT, 4, 2, dims);
    for (size_t k = 0; k < im.file_size; k++) expect_idx_bad("cut.idx", im.file, k, 0, "truncated");
    /* Gzip streams cut anywhere, trailer included, are rejected as well. */
    char *full = data_path("full.idx.gz");
    write_gzip(full, im.file, im.file_size);
    size_t gz_size;
    unsigned char *gz = data_read(full, &gz_size);
    for (size_t k = 0; k < gz_size; k++) expect_idx_bad("cut.idx.gz", gz, k, 0, "");
    /* Trailing bytes after the data, plain and inside the gzip stream. */
    unsigned char *longer = harness_alloc(im.file_size + 1);
    memcpy(longer, im.file, im.file_size);
    expect_idx_bad("long.idx", longer, im.file_size + 1, 0, "trailing");
    expect_idx_bad("long.idx.gz", longer, im.file_size + 1, 1, "trailing");
}
END_TEST

START_TEST(idx_malformed_headers)
{
    static const struct {
        unsigned char bytes[16];
        size_t size;
        const char *needle;
    } cases[] = {
        {{1, 0, 8, 1, 0, 0, 0, 1, 7}, 9, "bad magic"},
        {{0, 1, 8, 1, 0, 0, 0, 1, 7}, 9, "bad magic"},
        {{0, 0, 0x0A, 1, 0, 0, 0, 1, 7}, 9, "unknown element type 0x0a"},
        {{0, 0, 0, 1, 0, 0, 0, 1, 7}, 9, "unknown element type"},
        {{0, 0, 0xFF, 1, 0, 0, 0, 1, 7}, 9, "unknown element type"},
        {{0, 0, 8, 0, 7}, 5, "rank 0"},
        {{0, 0, 8, 9, 0, 0, 0, 1}, 8, "rank 9"},
        {{0, 0, 8, 255}, 4, "rank 255"},
        {{0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 0}, 12, "dimension 1 is 0"},
        {{0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255}, 12, "limit"},
        /* int32 x 2^30 + 1 elements: just above 4 GiB */
        {{0, 0, 0x0C, 1, 0x40, 0, 0, 1}, 8, "limit"},
        /* 1 GiB promised, 4 bytes present: the reader must not allocate it up front */
        {{0, 0, 8, 1, 0x40, 0, 0, 0, 1, 2, 3, 4}, 12, "truncated data (4 of 1073741824"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_idx_bad("bad.idx", cases[i].bytes, cases[i].size, 0, cases[i].needle);
        expect_idx_bad("bad.idx.gz", cases[i].bytes, cases[i].size, 1, cases[i].needle);
    }
    /* Not gzip at all although it starts like one: corrupt data. */
    static const unsigned char fake_gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff};
    expect_idx_bad("fake.idx.gz", fake_gz, sizeof fake_gz, 0, "gzip");
}
END_TEST

START_TEST(idx_missing_file_and_bad_arguments)
{
    clnn_idx *idx = NULL;
    char *missing = data_path("does-not-exist.idx");
    harness_expect_error(clnn_idx_load(missing, &idx), CLNN_IO_ERROR, missing);
    ck_assert_ptr_null(idx);
    char *dir = data_path("");
    harness_expect_error(clnn_idx_load(dir, &idx), CLNN_IO_ERROR, dir);
    ck_assert_ptr_null(idx);
    harness_expect_error(clnn_idx_load(NULL, &idx), CLNN_NULL_POINTER, "path");
    harness_expect_error(clnn_idx_load(missing, NULL), CLNN_NULL_POINTER, "out");
    clnn_idx_free(NULL);
}
END_TEST

/* ---------------------------------------------------------------- MNIST */

/* Writes a small MNIST-like split: n images of h x w, images gzip-compressed and
 * labels plain (both file name forms). */
static char *make_mnist(const char *sub, uint32_t n, uint32_t h, uint32_t w, uint32_t n_labels,
                        unsigned char max_label)
{
    char *dir = data_path(sub);
    mkdir(dir, 0700);
    const uint32_t idims[3] = {n, h, w}, ldims[1] = {n_labels};
    idx_image im = make_idx(CLNN_IDX_UBYTE, 1, 3, idims);
    idx_image lb = make_idx(CLNN_IDX_UBYTE, 1, 1, ldims);
    for (uint32_t i = 0; i < n_labels; i++) lb.file[8 + i] = (unsigned char)(i % (max_label + 1u));
    char path[512];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    write_gzip(path, im.file, im.file_size);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    data_write(path, lb.file, lb.file_size);
    return dir;
}

START_TEST(mnist_generated)
{
    char *dir = make_mnist("mnist-ok", 5, 4, 3, 5, 9);
    clnn_dataset *ds = NULL;
    harness_expect_ok(clnn_dataset_load_mnist(dir, CLNN_DATASET_TRAIN, &ds));
    ck_assert_uint_eq(ds->count, 5);
    ck_assert_int_eq(ds->classes, 10);
    ck_assert_int_eq(ds->images_desc.dtype, CLNN_FLOAT32);
    ck_assert_int_eq(ds->images_desc.rank, 4);
    const int64_t want[4] = {5, 1, 4, 3};
    for (int i = 0; i < 4; i++) ck_assert_int_eq(ds->images_desc.dims[i], want[i]);
    ck_assert_int_eq(ds->labels_desc.dtype, CLNN_INT32);
    ck_assert_int_eq(ds->labels_desc.rank, 1);
    ck_assert_int_eq(ds->labels_desc.dims[0], 5);
    for (size_t i = 0; i < 60; i++)   /* exact: v / 255 in float, as documented */
        ck_assert_float_eq(ds->images[i], (float)(unsigned char)(i * 37) / 255.0f);
    for (int i = 0; i < 5; i++) ck_assert_int_eq(ds->labels[i], i);
    clnn_dataset_free(ds);
    clnn_dataset_free(NULL);
    /* The test split is not there: the message names the file and the package. */
    ds = NULL;
    harness_expect_error(clnn_dataset_load_mnist(dir, CLNN_DATASET_TEST, &ds), CLNN_IO_ERROR,
                         "dataset-fashion-mnist");
    ck_assert_msg(strstr(clnn_last_error(), "t10k-images-idx3-ubyte"), "%s", clnn_last_error());
    ck_assert_ptr_null(ds);
}
END_TEST

START_TEST(mnist_inconsistent_files)
{
    clnn_dataset *ds = NULL;
    char *dir = make_mnist("mnist-count", 5, 4, 3, 6, 9);
    harness_expect_error(clnn_dataset_load_mnist(dir, CLNN_DATASET_TRAIN, &ds), CLNN_BAD_FORMAT,
                         "holds 5 images but");
    dir = make_mnist("mnist-label", 12, 2, 2, 12, 10);
    harness_expect_error(clnn_dataset_load_mnist(dir, CLNN_DATASET_TRAIN, &ds), CLNN_BAD_FORMAT,
                         "label 10 at index 10");
    dir = make_mnist("mnist-type", 3, 2, 2, 3, 9);
    const uint32_t dims[3] = {3, 2, 2};
    idx_image ints = make_idx(CLNN_IDX_INT, 4, 3, dims);
    char path[512];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    write_gzip(path, ints.file, ints.file_size);
    harness_expect_error(clnn_dataset_load_mnist(dir, CLNN_DATASET_TRAIN, &ds), CLNN_BAD_FORMAT,
                         "expected ubyte data of rank 3");
    dir = make_mnist("mnist-truncated", 3, 2, 2, 3, 9);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    data_write(path, "\0\0\x08\x01\0\0\0\x03\x01", 9);
    harness_expect_error(clnn_dataset_load_mnist(dir, CLNN_DATASET_TRAIN, &ds), CLNN_BAD_FORMAT,
                         "truncated");
    ck_assert_ptr_null(ds);
    harness_expect_error(clnn_dataset_load_mnist(dir, CLNN_DATASET_TRAIN, NULL),
                         CLNN_NULL_POINTER, "out");
    harness_expect_error(clnn_dataset_load_mnist(dir, (clnn_dataset_split)2, &ds),
                         CLNN_INVALID_VALUE, "split");
    ck_assert_ptr_null(ds);
}
END_TEST

/* The real data set when installed; without it, the documented error. */
START_TEST(fashion_mnist)
{
    static const size_t counts[2] = {60000, 10000};
    clnn_dataset_split split = _i ? CLNN_DATASET_TEST : CLNN_DATASET_TRAIN;
    clnn_dataset *ds = NULL;
    if (!data_exists(CLNN_FASHION_MNIST_DIR)) {
        harness_expect_error(clnn_dataset_load_mnist(NULL, split, &ds), CLNN_IO_ERROR,
                             "dataset-fashion-mnist");
        ck_assert_ptr_null(ds);
        return;
    }
    harness_expect_ok(clnn_dataset_load_mnist(NULL, split, &ds));
    size_t n = counts[_i];
    ck_assert_uint_eq(ds->count, n);
    const int64_t want[4] = {(int64_t)n, 1, 28, 28};
    for (int i = 0; i < 4; i++) ck_assert_int_eq(ds->images_desc.dims[i], want[i]);
    ck_assert_int_eq(ds->labels_desc.dims[0], (int64_t)n);
    /* Counted, then asserted once: each Check assertion costs a system call. */
    size_t per_class[10] = {0}, outside = 0, wrong = 0;
    for (size_t i = 0; i < n; i++) {
        if (ds->labels[i] < 0 || ds->labels[i] > 9) outside++;
        else per_class[ds->labels[i]]++;
    }
    ck_assert_uint_eq(outside, 0);
    for (int c = 0; c < 10; c++) ck_assert_uint_eq(per_class[c], n / 10);   /* balanced */
    /* Pixels are the raw bytes over 255. */
    clnn_idx *raw = NULL;
    harness_expect_ok(clnn_idx_load(_i ? CLNN_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz"
                                       : CLNN_FASHION_MNIST_DIR "/train-images-idx3-ubyte.gz",
                                    &raw));
    ck_assert_uint_eq(raw->count, n * 784);
    const unsigned char *px = raw->data;
    float lo = 1, hi = 0;
    for (size_t i = 0; i < raw->count; i++) {
        wrong += ds->images[i] != (float)px[i] / 255.0f;
        lo = ds->images[i] < lo ? ds->images[i] : lo;
        hi = ds->images[i] > hi ? ds->images[i] : hi;
    }
    ck_assert_uint_eq(wrong, 0);
    ck_assert_float_eq(lo, 0.0f);
    ck_assert_float_eq(hi, 1.0f);
    clnn_idx_free(raw);
    clnn_dataset_free(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("data");
    TCase *tc = harness_tcase(s, "idx");
    tcase_add_loop_test(tc, idx_round_trip, 0, (int)IDX_TYPES * 8);
    tcase_add_test(tc, idx_truncated_at_every_byte);
    tcase_add_test(tc, idx_malformed_headers);
    tcase_add_test(tc, idx_missing_file_and_bad_arguments);
    tc = harness_tcase(s, "mnist");
    tcase_add_test(tc, mnist_generated);
    tcase_add_test(tc, mnist_inconsistent_files);
    tcase_add_loop_test(tc, fashion_mnist, 0, 2);
    data_add_safetensors(s);
    return harness_main(s);
}
