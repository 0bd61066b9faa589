/* The tuning database and parameter sets (include/clnn/tuning.h): saved sets are
 * found again, corrupt or foreign entries are ignored, a set applied with
 * clnn_tuning_set gives correct GEMMs, and bad input is refused.
 *
 * main() points CLNN_CACHE_DIR at a fresh temporary directory before the harness
 * creates its context, so the database starts empty. */
#include "harness.h"
#include "ref/ref.h"

#include <clnn/tuning.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char cache_dir[] = "/tmp/clnn-tuning-XXXXXX";

/* A complete, valid Xgemm set that differs from the shipped ones (smaller tiles,
 * no local memory), so a GEMM after clnn_tuning_set runs other kernel code. */
static clnn_tuning_params small_xgemm(void)
{
    static const char *const names[16] = {"GEMMK", "KREG", "KWG",   "KWI",  "MDIMA", "MDIMC",
                                          "MWG",   "NDIMB", "NDIMC", "NWG", "SA",    "SB",
                                          "STRM",  "STRN",  "VWM",   "VWN"};
    static const size_t values[16] = {0, 1, 16, 2, 8, 8, 32, 8, 8, 32, 0, 0, 0, 0, 4, 4};
    clnn_tuning_params p;
    memset(&p, 0, sizeof p);
    strcpy(p.family, "Xgemm");
    p.count = 16;
    for (int i = 0; i < 16; i++) {
        strcpy(p.names[i], names[i]);
        p.values[i] = values[i];
    }
    return p;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *text = harness_alloc(65536);
    size_t n = fread(text, 1, 65535, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static clnn_tuning_source source_of(const char *family, clnn_tuning_params *out)
{
    clnn_tuning_source source;
    char name[64];
    harness_expect_ok(clnn_tuning_get(harness_ctx(), family, out, &source, name, sizeof name));
    ck_assert_str_eq(name, source == CLNN_TUNING_FROM_DATABASE  ? "database"
                           : source == CLNN_TUNING_FROM_DEFAULT ? "default"
                                                                 : name);
    return source;
}

static void db_path(char *path, size_t len)
{
    harness_expect_ok(clnn_tuning_database_path(harness_ctx(), path, len));
    ck_assert_msg(strncmp(path, cache_dir, strlen(cache_dir)) == 0, "%s is outside %s", path,
                  cache_dir);
}

START_TEST(test_save_and_find)
{
    char path[1024];
    db_path(path, sizeof path);
    unlink(path);
    clnn_tuning_params before, after, copy_set;
    clnn_tuning_source source = source_of("Xgemm", &before);
    ck_assert_int_ne(source, CLNN_TUNING_FROM_DATABASE);
    if (source == CLNN_TUNING_FROM_DEFAULT) ck_assert_uint_eq(before.count, 0);
    else ck_assert_uint_eq(before.count, 16);

    clnn_tuning_params p = small_xgemm();
    harness_expect_ok(clnn_tuning_save(harness_ctx(), &p));
    ck_assert_int_eq(source_of("Xgemm", &after), CLNN_TUNING_FROM_DATABASE);
    ck_assert_mem_eq(&after, &p, sizeof p);

    /* a second family is added beside the first; saving again replaces */
    clnn_tuning_params routine;
    memset(&routine, 0, sizeof routine);
    strcpy(routine.family, "GemmRoutine");
    routine.count = 1;
    strcpy(routine.names[0], "XGEMM_MIN_INDIRECT_SIZE");
    routine.values[0] = 256;
    harness_expect_ok(clnn_tuning_save(harness_ctx(), &routine));
    routine.values[0] = 512;
    harness_expect_ok(clnn_tuning_save(harness_ctx(), &routine));
    ck_assert_int_eq(source_of("GemmRoutine", &copy_set), CLNN_TUNING_FROM_DATABASE);
    ck_assert_uint_eq(copy_set.values[0], 512);
    ck_assert_int_eq(source_of("Xgemm", &after), CLNN_TUNING_FROM_DATABASE);
    ck_assert_mem_eq(&after, &p, sizeof p);
    const char *text = read_text(path);
    ck_assert_ptr_nonnull(strstr(text, "clnn tuning database 1\n"));
    ck_assert_ptr_null(strstr(text, "=256"));
}
END_TEST

START_TEST(test_corrupt_entries_ignored)
{
    char path[1024];
    db_path(path, sizeof path);
    unlink(path);
    clnn_tuning_params table, got, p = small_xgemm();
    clnn_tuning_source table_source = source_of("Xgemm", &table);
    harness_expect_ok(clnn_tuning_save(harness_ctx(), &p));
    char *text = read_text(path);

    /* a changed value without a matching checksum: the line is ignored */
    char *kwg = strstr(text, "KWG=16");
    ck_assert_ptr_nonnull(kwg);
    kwg[5] = '2';
    write_text(path, text);
    ck_assert_int_eq(source_of("Xgemm", &got), table_source);
    ck_assert_mem_eq(&got, &table, sizeof got);

    /* garbage lines around a valid entry do not hide it */
    kwg[5] = '6';
    char *mixed = harness_alloc(strlen(text) + 64);
    sprintf(mixed, "%sXgemm MWG=\nnot an entry at all\n", text);
    write_text(path, mixed);
    ck_assert_int_eq(source_of("Xgemm", &got), CLNN_TUNING_FROM_DATABASE);

    /* a file made for another device is ignored as a whole */
    char *device = strstr(mixed, "\ndevice ");
    ck_assert_ptr_nonnull(device);
    device[8] = device[8] == 'X' ? 'Y' : 'X';
    write_text(path, mixed);
    ck_assert_int_eq(source_of("Xgemm", &got), table_source);

    /* an empty and a truncated file */
    write_text(path, "");
    ck_assert_int_eq(source_of("Xgemm", &got), table_source);
    text[strlen(text) / 2] = '\0';
    write_text(path, text);
    ck_assert_int_eq(source_of("Xgemm", &got), table_source);
    unlink(path);
}
END_TEST

/* A GEMM large enough for CLBlast's indirect Xgemm kernel, odd-sized. */
static void check_gemm(size_t m, size_t n, size_t k)
{
    float *a = harness_alloc(m * k * sizeof *a), *b = harness_alloc(k * n * sizeof *b),
          *c = harness_alloc(m * n * sizeof *c);
    double *want = harness_alloc(m * n * sizeof *want);
    harness_random(a, m * k, 1, -1.0f, 1.0f);
    harness_random(b, k * n, 2, -1.0f, 1.0f);
    harness_random(c, m * n, 3, -1.0f, 1.0f);
    cl_mem da = harness_upload(a, m * k * 4), db = harness_upload(b, k * n * 4),
           dc = harness_upload(c, m * n * 4);
    ref_gemm(CLNN_NO_TRANS, CLNN_NO_TRANS, m, n, k, 1.0, a, k, b, n, 0.5, c, n, want);
    harness_expect_ok(clnn_gemm(harness_ctx(), CLNN_NO_TRANS, CLNN_NO_TRANS, m, n, k, 1.0f, da,
                                0, k, db, 0, n, 0.5f, dc, 0, n));
    harness_download(dc, 0, c, m * n * 4);
    /* k products of |x| <= 1 each: rounding grows with k; 1e-4 relative is ~100 ulp */
    harness_expect_close(c, want, m * n, 1e-4, 1e-5, "C after clnn_tuning_set");
}

START_TEST(test_set_gives_correct_gemm)
{
    size_t big = getenv("CLNN_TEST_SMALL") ? 33 : 257;
    clnn_tuning_params p = small_xgemm();
    harness_expect_ok(clnn_tuning_set(harness_ctx(), &p));
    check_gemm(big, big - 4, big / 2 + 3);
    check_gemm(7, 93, 1);
    clnn_tuning_params routine;
    memset(&routine, 0, sizeof routine);
    strcpy(routine.family, "GemmRoutine");
    routine.count = 1;
    strcpy(routine.names[0], "XGEMM_MIN_INDIRECT_SIZE");
    routine.values[0] = 1; /* every GEMM through the indirect kernel */
    harness_expect_ok(clnn_tuning_set(harness_ctx(), &routine));
    check_gemm(7, 93, 1);
    check_gemm(big, 5, 3);
}
END_TEST

START_TEST(test_bad_input)
{
    clnn_context_t ctx = harness_ctx();
    clnn_tuning_params p = small_xgemm(), got;
    clnn_tuning_source source;
    char path[8];
    harness_expect_error(clnn_tuning_get(NULL, "Xgemm", &got, &source, NULL, 0),
                         CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_tuning_get(ctx, NULL, &got, &source, NULL, 0), CLNN_NULL_POINTER,
                         "family");
    harness_expect_error(clnn_tuning_get(ctx, "Xgemm", NULL, &source, NULL, 0),
                         CLNN_NULL_POINTER, "out");
    harness_expect_error(clnn_tuning_get(ctx, "Xgemm", &got, NULL, NULL, 0), CLNN_NULL_POINTER,
                         "source");
    harness_expect_error(clnn_tuning_get(ctx, "Conv", &got, &source, NULL, 0),
                         CLNN_INVALID_VALUE, "Conv");
    harness_expect_error(clnn_tuning_set(ctx, NULL), CLNN_NULL_POINTER, "params");
    harness_expect_error(clnn_tuning_save(NULL, &p), CLNN_NULL_POINTER, "context");
    harness_expect_error(clnn_tuning_database_path(ctx, NULL, 0), CLNN_NULL_POINTER, "path");
    harness_expect_error(clnn_tuning_database_path(ctx, path, sizeof path), CLNN_INVALID_VALUE,
                         "len");

    clnn_tuning_params bad = p;
    bad.count = 0;
    harness_expect_error(clnn_tuning_save(ctx, &bad), CLNN_INVALID_VALUE, "count");
    bad.count = 17;
    harness_expect_error(clnn_tuning_set(ctx, &bad), CLNN_INVALID_VALUE, "count");
    bad = p;
    strcpy(bad.names[3], "K WI");
    harness_expect_error(clnn_tuning_save(ctx, &bad), CLNN_INVALID_VALUE, "names[3]");
    bad = p;
    strcpy(bad.family, "");
    harness_expect_error(clnn_tuning_save(ctx, &bad), CLNN_INVALID_VALUE, "family");
    /* CLBlast itself refuses unknown parameters and incomplete sets */
    bad = p;
    strcpy(bad.names[0], "NOSUCH");
    harness_expect_error(clnn_tuning_set(ctx, &bad), CLNN_INVALID_VALUE, "Xgemm");
    bad = p;
    bad.count = 3;
    harness_expect_error(clnn_tuning_set(ctx, &bad), CLNN_INVALID_VALUE, "incomplete");
}
END_TEST

START_TEST(test_no_cache_dir)
{
    setenv("CLNN_CACHE_DIR", "off", 1);
    clnn_env_reload();
    clnn_context_t ctx = NULL;
    clnn_status st = clnn_context_create(&ctx);
    setenv("CLNN_CACHE_DIR", cache_dir, 1);
    clnn_env_reload();
    harness_expect_ok(st);
    clnn_tuning_params p = small_xgemm(), got;
    clnn_tuning_source source;
    char path[1024];
    harness_expect_error(clnn_tuning_save(ctx, &p), CLNN_NOT_SUPPORTED, "cache directory");
    harness_expect_error(clnn_tuning_database_path(ctx, path, sizeof path), CLNN_NOT_SUPPORTED,
                         "cache directory");
    harness_expect_ok(clnn_tuning_get(ctx, "Xgemm", &got, &source, NULL, 0));
    ck_assert_int_ne(source, CLNN_TUNING_FROM_DATABASE);
    clnn_context_destroy(ctx);
}
END_TEST

static void remove_cache_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cache_dir);
}

int main(void)
{
    if (!mkdtemp(cache_dir)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("CLNN_CACHE_DIR", cache_dir, 1);
    clnn_env_reload();
    Suite *s = suite_create("tuning");
    TCase *tc = harness_tcase(s, "database");
    tcase_add_test(tc, test_save_and_find);
    tcase_add_test(tc, test_corrupt_entries_ignored);
    tcase_add_test(tc, test_no_cache_dir);
    tcase_add_test(tc, test_bad_input);
    tc = harness_tcase(s, "parameters");
    tcase_add_test(tc, test_set_gives_correct_gemm);
    int status = harness_main(s);
    remove_cache_dir();
    return status;
}
