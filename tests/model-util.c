/* Helpers shared by the model suites. */
#include "model-util.h"

#include <stdio.h>
#include <string.h>

clnn_model_t mt_new_model(int rank, const int64_t *dims)
{
    clnn_model_t m;
    harness_expect_ok(clnn_model_create(harness_ctx(), &m));
    harness_expect_ok(clnn_model_add_input(m, rank, dims));
    return m;
}

char *mt_summary_text(clnn_model_t m)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    harness_expect_ok(clnn_model_summary(m, f));
    long size = ftell(f);
    char *text = harness_alloc((size_t)size + 1);
    rewind(f);
    ck_assert_int_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

const char *mt_row(const char *name, const char *shape, const char *count)
{
    static char row[160];
    snprintf(row, sizeof row, " %-27s %-25s %s", name, shape, count);
    return row;
}

/* 101770 -> "101,770" */
static void with_commas(int64_t v, char *out)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = 0;
}

void mt_expect_summary(clnn_model_t m, int64_t want_total, int64_t want_trainable,
                       const char *row)
{
    int64_t total = -1, trainable = -1;
    harness_expect_ok(clnn_model_param_count(m, &total, &trainable));
    ck_assert_int_eq(total, want_total);
    ck_assert_int_eq(trainable, want_trainable);
    char *text = mt_summary_text(m), line[96], count[48];
    const char *labels[3] = {"Total", "Trainable", "Non-trainable"};
    int64_t values[3] = {want_total, want_trainable, want_total - want_trainable};
    for (int i = 0; i < 3; i++) {
        with_commas(values[i], count);
        snprintf(line, sizeof line, "\n%s params: %s\n", labels[i], count);
        ck_assert_msg(strstr(text, line), "no '%s' in:\n%s", line + 1, text);
    }
    ck_assert_msg(strstr(text, row), "no row '%s' in:\n%s", row, text);
    clnn_model_destroy(m);
}

/* Step 1e-2 on losses of about 1: fp32 rounding of the loss (1e-7) gives 1e-5
 * absolute noise and the O(h^2) truncation about 1e-5 on these smooth layers,
 * hence atol 1e-4 and rtol 1e-3. */
void mt_check_gradients(clnn_model_t m, const float *x, const void *y, int64_t n,
                        int64_t stride)
{
    int count;
    harness_expect_ok(clnn_model_param_tensors(m, &count));
    for (int p = 0; p < count; p++) {
        clnn_tensor_desc d;
        const char *name;
        /* Gradients at the unperturbed point (the previous tensor's differences
         * left others in the model). */
        harness_expect_ok(clnn_model_compute_gradients(m, x, y, n, NULL));
        harness_expect_ok(clnn_model_get_param(m, p, &name, &d, NULL, NULL));
        int64_t e = 1;
        for (int k = 0; k < d.rank; k++) e *= d.dims[k];
        float *w = harness_alloc((size_t)e * sizeof(float));
        float *g = harness_alloc((size_t)e * sizeof(float));
        double *fd = harness_alloc((size_t)e * sizeof(double));
        harness_expect_ok(clnn_model_get_param(m, p, NULL, NULL, w, g));
        const float h = 1e-2f;
        int64_t checked = 0;
        /* Every `stride`-th element (compacted into g and fd). */
        for (int64_t i = 0; i < e; i += stride) {
            float keep = w[i], up, down;
            w[i] = keep + h;
            harness_expect_ok(clnn_model_set_param(m, p, w));
            harness_expect_ok(clnn_model_compute_gradients(m, x, y, n, &up));
            w[i] = keep - h;
            harness_expect_ok(clnn_model_set_param(m, p, w));
            harness_expect_ok(clnn_model_compute_gradients(m, x, y, n, &down));
            w[i] = keep;
            g[checked] = g[i];
            fd[checked++] = ((double)up - (double)down) / (2.0 * (double)h);
        }
        harness_expect_ok(clnn_model_set_param(m, p, w));
        harness_expect_close(g, fd, (size_t)checked, 1e-3, 1e-4, name);
    }
    clnn_model_destroy(m);
}

void mt_sign_task(float *x, int32_t *y, int64_t n, uint32_t seed)
{
    harness_random(x, (size_t)(4 * n), seed, -1, 1);
    for (int64_t i = 0; i < n; i++)
        y[i] = x[4 * i] > 0 ? (x[4 * i + 1] > 0 ? 2 : 1) : 0;
}
