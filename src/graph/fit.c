/* The loops over host data: fit (shuffled epochs, progress, validation),
 * evaluate, predict, compute_gradients and train_on_batch. Losses and accuracy
 * counts stay on the device in a ring of slots that is read back when full. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

clnn_fit_options clnn_fit_options_default(void)
{
    clnn_fit_options o;
    memset(&o, 0, sizeof o);
    o.epochs = 1;
    o.shuffle = 1;
    o.verbose = 1;
    return o;
}

static size_t y_row_bytes(const clnn_model *m)
{
    return (size_t)(model_loss_sparse(m->loss) ? model_label_rows(m) : model_output_count(m)) * 4;
}

/* Several inputs: each sample's row holds input 0's elements, then input 1's...;
 * each input's block goes to its own staging buffer. */
static clnn_status upload_inputs(clnn_model *m, const float *rows, int64_t n)
{
    int64_t xrow = model_x_row(m), col = 0;
    float *block = m->host_split;
    clnn_status st = CLNN_SUCCESS;
    for (int k = 0; k < m->ninputs && !st; k++) {
        int64_t c = model_desc_count(model_node_desc(m, -1 - k));
        for (int64_t i = 0; i < n; i++)
            memcpy(block + i * c, rows + i * xrow + col, (size_t)c * sizeof(float));
        st = clnn_buffer_write(m->ctx, model_input_stage(m, k), 0, block,
                               (size_t)(n * c) * sizeof(float));
        block += n * c;
        col += c;
    }
    return st;
}

clnn_status model_upload_batch(clnn_model *m, const float *x, const void *y,
                               const int64_t *order, int64_t first, int64_t n)
{
    size_t xrow = (size_t)model_x_row(m) * sizeof(float), yrow = y_row_bytes(m);
    const void *hx = (const char *)x + (size_t)first * xrow;
    const void *hy = y ? (const char *)y + (size_t)first * yrow : NULL;
    if (order) {
        for (int64_t i = 0; i < n; i++) {
            size_t r = (size_t)order[first + i];
            memcpy((char *)m->host_x + (size_t)i * xrow, (const char *)x + r * xrow, xrow);
            if (y)
                memcpy((char *)m->host_y + (size_t)i * yrow, (const char *)y + r * yrow, yrow);
        }
        hx = m->host_x;
        hy = m->host_y;
    }
    if (model_int_input(m)) {
        /* Token ids arrive as floats (validated by check_data) and go up as int32. */
        const float *src = hx;
        int32_t *ids = (int32_t *)(void *)m->host_x;
        for (size_t i = 0; i < (size_t)n * xrow / sizeof(float); i++) ids[i] = (int32_t)src[i];
        hx = ids;
    }
    clnn_status st = m->ninputs > 1
                         ? upload_inputs(m, hx, n)
                         : clnn_buffer_write(m->ctx, m->x_stage, 0, hx, (size_t)n * xrow);
    if (!st && y) st = clnn_buffer_write(m->ctx, m->y_stage, 0, hy, (size_t)n * yrow);
    return st;
}

/* Validates the common arguments of the loops (labels included). */
static clnn_status check_data(const clnn_model *m, const char *fn, const float *x,
                              const void *y, int need_y, int64_t n, int64_t max_n)
{
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: compile the model first", fn);
    if (!x) return clnn_fail(CLNN_NULL_POINTER, "%s: x is NULL", fn);
    if (need_y && !y) return clnn_fail(CLNN_NULL_POINTER, "%s: y is NULL", fn);
    if (n < 1 || n > max_n)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: n = %lld is outside 1..%lld", fn,
                         (long long)n, (long long)max_n);
    if (model_int_input(m)) {
        int64_t count = n * model_desc_count(&m->input), vocab = m->layers[0].vocab;
        for (int64_t i = 0; i < count; i++)
            if (!(x[i] >= 0.0f && x[i] < (float)vocab) || x[i] != floorf(x[i]))
                return clnn_fail(CLNN_INVALID_VALUE, "%s: x[%lld] = %g is not a token id in "
                                 "[0, %lld) (the first layer is an embedding)", fn,
                                 (long long)i, (double)x[i], (long long)vocab);
    }
    if (need_y && model_loss_sparse(m->loss)) {
        const int32_t *labels = y;
        int64_t classes = model_classes(m);
        for (int64_t i = 0; i < n * model_label_rows(m); i++)
            if (labels[i] < 0 || labels[i] >= classes)
                return clnn_fail(CLNN_INVALID_VALUE, "%s: y[%lld] = %d is outside [0, %lld)",
                                 fn, (long long)i, (int)labels[i], (long long)classes);
    }
    return CLNN_SUCCESS;
}

/* Running sums of the loss and accuracy over the slots read so far. */
typedef struct metric_acc {
    double loss_sum, correct;
    int64_t samples;
    int pending;
    int64_t pending_n[MODEL_METRIC_SLOTS];
} metric_acc;

static clnn_status acc_flush(clnn_model *m, metric_acc *acc)
{
    float v[2 * MODEL_METRIC_SLOTS];
    if (!acc->pending) return CLNN_SUCCESS;
    clnn_status st = clnn_buffer_read(m->ctx, m->metrics, 0, v, sizeof v);
    if (st) return st;
    for (int i = 0; i < acc->pending; i++) {
        acc->loss_sum += (double)v[i] * (double)acc->pending_n[i];
        acc->samples += acc->pending_n[i];
        if (model_has_accuracy(m)) acc->correct += v[MODEL_METRIC_SLOTS + i];
    }
    acc->pending = 0;
    return CLNN_SUCCESS;
}

static float acc_loss(const metric_acc *acc)
{
    return acc->samples ? (float)(acc->loss_sum / (double)acc->samples) : NAN;
}

static float acc_accuracy(const clnn_model *m, const metric_acc *acc)
{
    if (!model_has_accuracy(m) || !acc->samples) return NAN;
    double per = (double)(model_loss_sparse(m->train_loss) ? model_label_rows(m)
                                                           : model_output_count(m));
    return (float)(acc->correct / ((double)acc->samples * per));
}

/* One batch already uploaded: the loss and count go to the next slot. */
static clnn_status run_batch(clnn_model *m, metric_acc *acc, int64_t nb, int train)
{
    int slot = acc->pending;
    clnn_status st = model_forward(m, nb, train);
    if (!st) st = model_loss(m, nb, slot, train);
    if (!st && train) st = model_backward(m, nb);
    if (!st && train) st = model_update(m);
    if (st) return st;
    acc->pending_n[acc->pending++] = nb;
    return acc->pending == MODEL_METRIC_SLOTS ? acc_flush(m, acc) : CLNN_SUCCESS;
}

static clnn_status evaluate(clnn_model *m, const float *x, const void *y, int64_t n,
                            metric_acc *acc)
{
    memset(acc, 0, sizeof *acc);
    clnn_status st = CLNN_SUCCESS;
    for (int64_t first = 0; first < n && !st; first += m->batch) {
        int64_t nb = n - first < m->batch ? n - first : m->batch;
        st = model_upload_batch(m, x, y, NULL, first, nb);
        if (!st) st = run_batch(m, acc, nb, 0);
    }
    return st ? st : acc_flush(m, acc);
}

clnn_status clnn_model_evaluate(clnn_model_t m, const float *x, const void *y, int64_t n,
                                float *loss, float *accuracy)
{
    clnn_status st = check_data(m, "clnn_model_evaluate", x, y, 1, n, INT64_MAX);
    if (st) return st;
    metric_acc acc;
    if ((st = evaluate(m, x, y, n, &acc))) return st;
    if (loss) *loss = acc_loss(&acc);
    if (accuracy) *accuracy = acc_accuracy(m, &acc);
    return CLNN_SUCCESS;
}

clnn_status clnn_model_predict(clnn_model_t m, const float *x, int64_t n, float *out)
{
    clnn_status st = check_data(m, "clnn_model_predict", x, NULL, 0, n, INT64_MAX);
    if (st) return st;
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "clnn_model_predict: out is NULL");
    size_t row = (size_t)model_output_count(m) * sizeof(float);
    for (int64_t first = 0; first < n && !st; first += m->batch) {
        int64_t nb = n - first < m->batch ? n - first : m->batch;
        st = model_upload_batch(m, x, NULL, NULL, first, nb);
        if (!st) st = model_forward(m, nb, 0);
        if (!st)
            st = clnn_buffer_read(m->ctx, model_output(m), 0, (char *)out + (size_t)first * row,
                                  (size_t)nb * row);
    }
    return st;
}

clnn_status clnn_model_compute_gradients(clnn_model_t m, const float *x, const void *y,
                                         int64_t n, float *loss)
{
    clnn_status st = check_data(m, "clnn_model_compute_gradients", x, y, 1, n,
                                m ? m->batch : 0);
    if (st) return st;
    if ((st = model_upload_batch(m, x, y, NULL, 0, n)) || (st = model_forward(m, n, 1)) ||
        (st = model_loss(m, n, 0, 1)) || (st = model_backward(m, n)))
        return st;
    return loss ? clnn_loss_read(m->ctx, m->metrics, 0, loss) : CLNN_SUCCESS;
}

clnn_status clnn_model_train_on_batch(clnn_model_t m, const float *x, const void *y, int64_t n,
                                      float *loss)
{
    clnn_status st = clnn_model_compute_gradients(m, x, y, n, NULL);
    if (!st) st = model_update(m);
    return !st && loss ? clnn_loss_read(m->ctx, m->metrics, 0, loss) : st;
}

/* SplitMix64, for the per-epoch permutation. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void shuffle(int64_t *order, int64_t n, uint64_t seed)
{
    for (int64_t i = 0; i < n; i++) order[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(splitmix(&seed) % (uint64_t)(i + 1));
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static void print_metrics(FILE *f, const char *prefix, float loss, float accuracy)
{
    fprintf(f, " - %sloss: %.4f", prefix, loss);
    if (!isnan(accuracy)) fprintf(f, " - %saccuracy: %.4f", prefix, accuracy);
}

/* Keras' bar: "  640/1875 [=========>....................] - ETA: 3s - loss: ..." */
static void print_bar(const clnn_model *m, FILE *f, int64_t done, int64_t steps,
                      double elapsed, const metric_acc *acc)
{
    int width = 30, fill = (int)(width * done / steps);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : (i == fill && done < steps ? '>' : '.');
    bar[width] = 0;
    fprintf(f, "\r%6lld/%lld [%s] - ", (long long)done, (long long)steps, bar);
    if (done < steps)
        fprintf(f, "ETA: %.0fs", elapsed / (double)done * (double)(steps - done));
    else
        fprintf(f, "%.0fs %.0fms/step", elapsed, 1e3 * elapsed / (double)steps);
    print_metrics(f, "", acc_loss(acc), acc_accuracy(m, acc));
    fflush(f);
}

static clnn_status fit_epoch(clnn_model *m, const float *x, const void *y, int64_t n,
                             const int64_t *order, FILE *f, int bar, metric_acc *acc)
{
    int64_t steps = (n + m->batch - 1) / m->batch;
    double t0 = now_seconds();
    clnn_status st = CLNN_SUCCESS;
    memset(acc, 0, sizeof *acc);
    for (int64_t s = 0; s < steps && !st; s++) {
        int64_t first = s * m->batch;
        int64_t nb = n - first < m->batch ? n - first : m->batch;
        int was_pending = acc->pending;
        st = model_upload_batch(m, x, y, order, first, nb);
        if (!st) st = run_batch(m, acc, nb, 1);
        if (!st && s == steps - 1) st = acc_flush(m, acc);
        if (!st && bar && (acc->pending < was_pending || s == steps - 1))
            print_bar(m, f, s + 1, steps, now_seconds() - t0, acc);
    }
    return st;
}

/* The CSV log: created with its header before training (NULL path: none). */
static clnn_status csv_open(const clnn_model *m, const clnn_fit_options *o, FILE **csv)
{
    *csv = NULL;
    if (!o->csv_path) return CLNN_SUCCESS;
    if (!(*csv = fopen(o->csv_path, "w")))
        return clnn_fail(CLNN_IO_ERROR, "clnn_model_fit: csv_path: cannot create '%s'",
                         o->csv_path);
    int acc = model_has_accuracy(m);
    fprintf(*csv, "epoch,loss%s%s%s\n", acc ? ",accuracy" : "", o->val_x ? ",val_loss" : "",
            o->val_x && acc ? ",val_accuracy" : "");
    return CLNN_SUCCESS;
}

static void csv_row(const clnn_model *m, FILE *csv, int epoch, const clnn_metrics *r, int val)
{
    int acc = model_has_accuracy(m);
    fprintf(csv, "%d,%.9g", epoch, (double)r->loss);
    if (acc) fprintf(csv, ",%.9g", (double)r->accuracy);
    if (val) fprintf(csv, ",%.9g", (double)r->val_loss);
    if (val && acc) fprintf(csv, ",%.9g", (double)r->val_accuracy);
    fprintf(csv, "\n");
    fflush(csv);
}

clnn_status clnn_model_fit(clnn_model_t m, const float *x, const void *y, int64_t n,
                           const clnn_fit_options *options, clnn_metrics *last)
{
    const char *fn = "clnn_model_fit";
    clnn_status st = check_data(m, fn, x, y, 1, n, INT64_MAX);
    if (st) return st;
    clnn_fit_options o = options ? *options : clnn_fit_options_default();
    if (o.epochs < 1) return clnn_fail(CLNN_INVALID_VALUE, "%s: epochs must be >= 1", fn);
    if (o.val_x && (st = check_data(m, fn, o.val_x, o.val_y, 1, o.val_count, INT64_MAX)))
        return st;
    FILE *f = o.progress ? o.progress : stderr;
    int bar = o.verbose && isatty(fileno(f));
    FILE *csv;
    if ((st = csv_open(m, &o, &csv))) return st;
    int64_t *order = o.shuffle ? malloc((size_t)n * sizeof *order) : NULL;
    if (o.shuffle && !order) st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    int64_t steps = (n + m->batch - 1) / m->batch;
    for (int e = 0; e < o.epochs && !st; e++) {
        clnn_metrics r = {NAN, NAN, NAN, NAN, 0.0};
        metric_acc acc, val;
        double t0 = now_seconds();
        if (order) shuffle(order, n, o.shuffle_seed + (uint64_t)e * 0x632BE59BD9B4E019ull);
        if (o.verbose) fprintf(f, "Epoch %d/%d\n", e + 1, o.epochs);
        if ((st = fit_epoch(m, x, y, n, order, f, bar, &acc))) break;
        r.loss = acc_loss(&acc);
        r.accuracy = acc_accuracy(m, &acc);
        if (o.val_x) {
            if ((st = evaluate(m, o.val_x, o.val_y, o.val_count, &val))) break;
            r.val_loss = acc_loss(&val);
            r.val_accuracy = acc_accuracy(m, &val);
        }
        r.seconds = now_seconds() - t0;
        if (o.verbose) {
            if (!bar) fprintf(f, "%lld/%lld - %.1fs", (long long)steps, (long long)steps,
                              r.seconds);
            if (!bar) print_metrics(f, "", r.loss, r.accuracy);
            if (o.val_x) print_metrics(f, "val_", r.val_loss, r.val_accuracy);
            if (bar) fprintf(f, " - %.1fs", r.seconds);
            fprintf(f, "\n");
            fflush(f);
        }
        if (csv) csv_row(m, csv, e, &r, o.val_x != NULL);
        if (last) *last = r;
    }
    free(order);
    if (csv) fclose(csv);
    return st;
}
