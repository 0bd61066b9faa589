/* The ONNX backend node tests (Debian's libonnx-testdata, data/node/): every
 * test whose model loads (all its ops and attributes claimed) runs on the device
 * and is compared with the stored outputs. A summary (passed / failed /
 * unsupported, by op) goes to stdout; the suite fails if a claimed test fails.
 *
 * Tolerance: rtol 1e-3, atol 1e-5 (the bar: fp32 kernels whose
 * accumulation order differs from numpy's) unless `tolerances` says otherwise.
 * CLNN_ONNX_TESTDATA overrides the data directory; CLNN_ONNX_NODE_FILTER runs
 * the tests whose name contains it; CLNN_TEST_SMALL=1 runs every 8th test. */
#include "harness.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ONNX_TESTDATA
#define ONNX_TESTDATA "/usr/share/libonnx-testdata/data"
#endif

static const char *node_dir;
static int small_mode;
static const char *filter;

/* Per-op tolerances where the default does not fit, with the reason. */
static const struct { const char *op; double rtol, atol; } tolerances[] = {
    /* Recurrences compound fp32 rounding over the time steps. */
    {"LSTM", 1e-3, 1e-4}, {"GRU", 1e-3, 1e-4}, {"RNN", 1e-3, 1e-4},
};

#define MAX_OPS 512
static struct { char op[48]; int passed, failed, unsupported; } stats[MAX_OPS];
static int n_stats;

static int *stat_of(const char *op, int which)
{
    int i;
    for (i = 0; i < n_stats; i++)
        if (strcmp(stats[i].op, op) == 0)
            break;
    if (i == n_stats && n_stats < MAX_OPS)
        snprintf(stats[n_stats++].op, sizeof(stats[0].op), "%s", op);
    if (i == MAX_OPS)
        i = MAX_OPS - 1;
    return which == 0 ? &stats[i].passed : which == 1 ? &stats[i].failed
                                                      : &stats[i].unsupported;
}

/* The op type an error message names ("node 'x' (Op): ..."), or "(model)" when
 * it names none (e.g. an element type or a data file clnn does not take). */
static void op_from_error(char *op, size_t size)
{
    const char *e = strstr(clnn_last_error(), "node '");
    const char *p = e ? strstr(e, "' (") : NULL;
    const char *end = p ? strstr(p, "):") : NULL;
    if (!p || !end || (size_t)(end - p - 3) >= size) {
        snprintf(op, size, "(model)");
        return;
    }
    memcpy(op, p + 3, (size_t)(end - p - 3));
    op[end - p - 3] = '\0';
}

static int compare(const clnn_onnx_value *got, const clnn_onnx_value *want, double rtol,
                   double atol, char *why, size_t size)
{
    int64_t count = 1;
    if (got->dtype != want->dtype || got->rank != want->rank) {
        snprintf(why, size, "dtype/rank %d/%d, want %d/%d", (int)got->dtype, got->rank,
                 (int)want->dtype, want->rank);
        return 0;
    }
    for (int i = 0; i < got->rank; i++) {
        if (got->dims[i] != want->dims[i]) {
            snprintf(why, size, "dim %d is %lld, want %lld", i, (long long)got->dims[i],
                     (long long)want->dims[i]);
            return 0;
        }
        count *= got->dims[i];
    }
    for (int64_t i = 0; i < count; i++) {
        double g, w;
        if (got->dtype == CLNN_FLOAT32) {
            g = ((const float *)got->data)[i];
            w = ((const float *)want->data)[i];
        } else if (got->dtype == CLNN_INT64) {
            g = (double)((const int64_t *)got->data)[i];
            w = (double)((const int64_t *)want->data)[i];
        } else {
            g = ((const int32_t *)got->data)[i];
            w = ((const int32_t *)want->data)[i];
        }
        if (isnan(w) ? !isnan(g) : !(fabs(g - w) <= atol + rtol * fabs(w))) {
            snprintf(why, size, "element %lld is %g, want %g", (long long)i, g, w);
            return 0;
        }
    }
    return 1;
}

/* Reads dir/prefix_<i>.pb for i = 0, 1, ... into values; returns the count.
 * *status gets the first read failure (e.g. NOT_SUPPORTED for an empty tensor). */
static int read_set(const char *dir, const char *prefix, clnn_onnx_value *values, int max,
                    clnn_status *status)
{
    int n = 0;
    for (; n < max; n++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s_%d.pb", dir, prefix, n);
        FILE *f = fopen(path, "rb");
        if (!f)
            break;
        fclose(f);
        clnn_status s = clnn_onnx_tensor_read_file(path, &values[n]);
        if (s != CLNN_SUCCESS) {
            if (*status == CLNN_SUCCESS)
                *status = s;
            break;
        }
    }
    return n;
}

static void release_all(clnn_onnx_value *v, int n)
{
    for (int i = 0; i < n; i++)
        clnn_onnx_value_release(&v[i]);
}

/* Runs one data set; 1 on a match, 0 on a mismatch, -1 when unsupported. */
static int run_set(clnn_onnx_model_t model, const char *set, const char *op, char *why,
                   size_t size)
{
    clnn_onnx_value in[16], want[16], got[16];
    clnn_status s = CLNN_SUCCESS;
    int ni = read_set(set, "input", in, 16, &s), no = read_set(set, "output", want, 16, &s);
    double rtol = 1e-3, atol = 1e-5;
    for (size_t i = 0; i < sizeof(tolerances) / sizeof(tolerances[0]); i++)
        if (strcmp(tolerances[i].op, op) == 0) {
            rtol = tolerances[i].rtol;
            atol = tolerances[i].atol;
        }
    for (int i = 0; i < ni; i++)
        if (!in[i].name[0])
            in[i].name = NULL;   /* positional */
    int result = 1;
    if (s == CLNN_SUCCESS)
        s = clnn_onnx_model_run(model, ni, in, no, got);
    if (s != CLNN_SUCCESS) {
        snprintf(why, size, "%s: %s", clnn_status_string(s), clnn_last_error());
        result = s == CLNN_NOT_SUPPORTED ? -1 : 0;
    } else {
        for (int i = 0; i < no && result == 1; i++)
            result = compare(&got[i], &want[i], rtol, atol, why, size);
        release_all(got, no);
    }
    release_all(in, ni);
    release_all(want, no);
    return result;
}

/* 1 passed, 0 failed, -1 unsupported. */
static int run_test(const char *name, char *op, size_t op_size, char *why, size_t size)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/model.onnx", node_dir, name);
    clnn_onnx_model_t model;
    clnn_status s = clnn_onnx_model_load(harness_ctx(), path, &model);
    if (s != CLNN_SUCCESS) {
        op_from_error(op, op_size);
        snprintf(why, size, "%s: %s", clnn_status_string(s), clnn_last_error());
        return s == CLNN_NOT_SUPPORTED ? -1 : 0;
    }
    int count, result = 1;
    const char *type, *node_name;
    clnn_onnx_value out;
    clnn_onnx_model_node_count(model, &count);
    snprintf(op, op_size, "?");
    if (count > 0 && clnn_onnx_model_node_info(model, count - 1, &type, &node_name, &out) ==
                         CLNN_SUCCESS)
        snprintf(op, op_size, "%s", type);
    for (int k = 0; result == 1; k++) {
        char set[1100];
        snprintf(set, sizeof(set), "%s/%s/test_data_set_%d", node_dir, name, k);
        DIR *d = opendir(set);
        if (!d)
            break;
        closedir(d);
        result = run_set(model, set, op, why, size);
        if (result == -1)
            op_from_error(op, op_size);
    }
    clnn_onnx_model_destroy(model);
    return result;
}

START_TEST(node_tests_pass)
{
    struct dirent **list;
    int n = scandir(node_dir, &list, NULL, alphasort), passed = 0, failed = 0, unsup = 0;
    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        int skip = name[0] == '.' || (filter && !strstr(name, filter)) ||
                   (small_mode && i % 8 != 0);
        if (!skip) {
            char op[48], why[600] = "";
            int r = run_test(name, op, sizeof(op), why, sizeof(why));
            ++*stat_of(op, r == 1 ? 0 : r == 0 ? 1 : 2);
            if (r == 1)
                passed++;
            else if (r == 0)
                failed++, printf("FAIL %s: %s\n", name, why);
            else
                unsup++;
            if (r == -1 && getenv("CLNN_ONNX_NODE_VERBOSE"))
                printf("unsupported %s: %s\n", name, why);
        }
        free(list[i]);
    }
    free(list);
    printf("ONNX node tests: %d passed, %d failed, %d unsupported\n", passed, failed, unsup);
    printf("%-24s %7s %7s %12s\n", "op", "passed", "failed", "unsupported");
    for (int i = 0; i < n_stats; i++)
        printf("%-24s %7d %7d %12d\n", stats[i].op, stats[i].passed, stats[i].failed,
               stats[i].unsupported);
    fflush(stdout);
    ck_assert_msg(failed == 0, "%d claimed ONNX node tests failed (listed above)", failed);
    ck_assert_int_gt(passed, 0);
}
END_TEST

int main(void)
{
    static char dir[1024];
    const char *data = getenv("CLNN_ONNX_TESTDATA");
    snprintf(dir, sizeof(dir), "%s/node", data && data[0] ? data : ONNX_TESTDATA);
    DIR *d = opendir(dir);
    if (!d) {
        printf("check-onnx-node: skipped: no ONNX node tests in %s (install the Debian "
               "package libonnx-testdata or configure --with-onnx-testdata=DIR)\n", dir);
        return HARNESS_SKIP;
    }
    closedir(d);
    node_dir = dir;
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;
    filter = getenv("CLNN_ONNX_NODE_FILTER");
    Suite *s = suite_create("onnx-node");
    TCase *tc = harness_tcase(s, "node");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, node_tests_pass);
    return harness_main(s);
}
