/* Batch reductions for training: losses (with their gradient), metrics, and the
 * sum of squares behind clipping by global norm.
 *
 * Options: -DLOCAL (work-group size, a power of two), -DVEC; for loss_rows also
 * -DKIND (below) and -DGRAD (1: also write d loss / d x). Offsets are in elements.
 * Every reduction is a per-work-item compensated (Kahan) sum followed by a tree in
 * local memory, in a fixed order, so results are reproducible run to run. */
#define KIND_MSE 0
#define KIND_BCE 1
#define KIND_BCE_LOGITS 2
#define KIND_CCE 3
#define KIND_CCE_LOGITS 4
#define KIND_SCCE 5
#define KIND_SCCE_LOGITS 6
#define KIND_ACCURACY 16
#define KIND_BINARY_ACCURACY 17

/* Keras' epsilon; 1 - EPS rounds to 0.99999988f. */
#define EPS 1e-7f

inline void kahan_add(float *s, float *c, float v)
{
    float y = v - *c, t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}

/* Sum of every work-item's `v` in the group. */
CLNN_DEFINE_GROUP_REDUCE(group_sum, float, CLNN_SUM)

#ifdef KIND
#if KIND == KIND_SCCE || KIND == KIND_SCCE_LOGITS || KIND == KIND_ACCURACY
#define SPARSE 1
#define TARGET_T int
#else
#define SPARSE 0
#define TARGET_T float
#endif

#if GRAD
#define SET_GRAD(j, v) (dx[j] = (v))
#else
#define SET_GRAD(j, v) ((void)0)
#endif

inline float stable_sigmoid(float z)
{
    float e = exp(-fabs(z));
    return z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

inline float row_max(global const float *x, ulong c)
{
    float m = -INFINITY;
    for (ulong j = 0; j < c; j++) m = fmax(m, x[j]);
    return m;
}

/* log(sum(exp(x))) of a row, shifted by its maximum. */
inline float row_logsumexp(global const float *x, ulong c)
{
    float m = row_max(x, c), s = 0.0f, comp = 0.0f;
    for (ulong j = 0; j < c; j++) kahan_add(&s, &comp, exp(x[j] - m));
    return m + log(s);
}

inline float row_sum(global const float *x, ulong c)
{
    float s = 0.0f, comp = 0.0f;
    for (ulong j = 0; j < c; j++) kahan_add(&s, &comp, x[j]);
    return s;
}

/* Row r's value (its loss before row_scale, or 1/0 for a metric); with GRAD its
 * gradient times gs goes to dx. x, t and dx point at the row. `aux` is the
 * threshold of the binary accuracy. */
inline float row_value(global const float *x, global const TARGET_T *t, global float *dx,
                       ulong c, float gs, float aux)
{
    float s = 0.0f, comp = 0.0f;
#if KIND == KIND_MSE
    for (ulong j = 0; j < c; j++) {
        float d = x[j] - t[j];
        kahan_add(&s, &comp, d * d);
        SET_GRAD(j, 2.0f * d * gs);
    }
#elif KIND == KIND_BCE
    for (ulong j = 0; j < c; j++) {
        float p = clamp(x[j], EPS, 1.0f - EPS), y = t[j];
        kahan_add(&s, &comp, -(y * log(p) + (1.0f - y) * log(1.0f - p)));
        SET_GRAD(j, x[j] == p ? (p - y) / (p * (1.0f - p)) * gs : 0.0f);
    }
#elif KIND == KIND_BCE_LOGITS
    for (ulong j = 0; j < c; j++) {
        float z = x[j], y = t[j];
        kahan_add(&s, &comp, fmax(z, 0.0f) - z * y + log1p(exp(-fabs(z))));
        SET_GRAD(j, (stable_sigmoid(z) - y) * gs);
    }
#elif KIND == KIND_CCE
    /* q = clip(p / sum p); d/dp_j = (sum_c a_c y_c - a_j y_j / q_j) / S, a_c = 1
     * where q_c is inside the clip range. */
    float inv = 1.0f / row_sum(x, c), ay = 0.0f, ayc = 0.0f;
    for (ulong j = 0; j < c; j++) {
        float q = x[j] * inv, qc = clamp(q, EPS, 1.0f - EPS);
        kahan_add(&s, &comp, -t[j] * log(qc));
        if (q == qc) kahan_add(&ay, &ayc, t[j]);
    }
#if GRAD
    for (ulong j = 0; j < c; j++) {
        float q = x[j] * inv, qc = clamp(q, EPS, 1.0f - EPS);
        dx[j] = (ay - (q == qc ? t[j] / qc : 0.0f)) * inv * gs;
    }
#endif
#elif KIND == KIND_CCE_LOGITS
    float lse = row_logsumexp(x, c), ys = 0.0f, ysc = 0.0f;
    for (ulong j = 0; j < c; j++) {
        kahan_add(&s, &comp, t[j] * (lse - x[j]));
        kahan_add(&ys, &ysc, t[j]);
    }
    for (ulong j = 0; j < c; j++) SET_GRAD(j, (ys * exp(x[j] - lse) - t[j]) * gs);
#elif SPARSE
    int label = t[0];
    bool valid = label >= 0 && (ulong)label < c;
#if KIND == KIND_ACCURACY
    /* argmax, first index on ties; NaN never wins */
    ulong best = 0;
    for (ulong j = 1; j < c; j++)
        if (x[j] > x[best] || (isnan(x[best]) && !isnan(x[j]))) best = j;
    s = valid && best == (ulong)label ? 1.0f : 0.0f;
#elif KIND == KIND_SCCE_LOGITS
    if (!valid) {
        for (ulong j = 0; j < c; j++) SET_GRAD(j, NAN);
        return NAN;
    }
    float lse = row_logsumexp(x, c);
    s = lse - x[label];
    for (ulong j = 0; j < c; j++)
        SET_GRAD(j, (exp(x[j] - lse) - (j == (ulong)label ? 1.0f : 0.0f)) * gs);
#else /* KIND_SCCE: q = clip(p / sum p); d/dp_j = a_l (1 - [j == l] / q_l) / S */
    if (!valid) {
        for (ulong j = 0; j < c; j++) SET_GRAD(j, NAN);
        return NAN;
    }
    float inv = 1.0f / row_sum(x, c), q = x[label] * inv, qc = clamp(q, EPS, 1.0f - EPS);
    s = -log(qc);
    float a = q == qc ? inv * gs : 0.0f;
    for (ulong j = 0; j < c; j++) SET_GRAD(j, j == (ulong)label ? a - a / qc : a);
#endif
#elif KIND == KIND_BINARY_ACCURACY
    for (ulong j = 0; j < c; j++) s += (x[j] > aux ? 1.0f : 0.0f) == t[j] ? 1.0f : 0.0f;
#endif
    return s;
}

/* Rows [g * per_group, (g + 1) * per_group) of the [rows, c] input go to group g,
 * row r to work-item r mod LOCAL. out[out_off + g] = out_scale * sum over the
 * group's rows of row_scale * row_value. */
kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
loss_rows(global const float *x, ulong x_off, global const TARGET_T *t, ulong t_off,
          global float *dx, ulong dx_off, global float *out, ulong out_off, ulong rows,
          ulong c, ulong per_group, float row_scale, float grad_scale, float out_scale,
          float aux)
{
    local float part[LOCAL];
    ulong g = get_group_id(0), begin = g * per_group, end = min(rows, begin + per_group);
    float s = 0.0f, comp = 0.0f;
    for (ulong r = begin + get_local_id(0); r < end; r += LOCAL) {
        float v = row_value(x + x_off + r * c, t + t_off + r * (SPARSE ? 1 : c),
                            dx + dx_off + r * c, c, grad_scale, aux);
        kahan_add(&s, &comp, v * row_scale);
    }
    float total = group_sum(part, s, LOCAL);
    if (get_local_id(0) == 0) out[out_off + g] = total * out_scale;
}
#endif /* KIND */

/* One work-group over n partial sums in p: with norm 0, out[out_off] = scale * sum;
 * with norm 1 (clipping by global norm; the partials are sums of squares),
 * out[out_off] = the norm and out[out_off + 1] = min(1, scale / norm), scale being
 * max_norm (1 for a zero or non-finite norm). */
kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
sum_partials(global const float *p, ulong p_off, ulong n, global float *out, ulong out_off,
             float scale, int norm)
{
    local float part[LOCAL];
    float s = 0.0f, comp = 0.0f;
    for (ulong i = get_local_id(0); i < n; i += LOCAL) kahan_add(&s, &comp, p[p_off + i]);
    float total = group_sum(part, s, LOCAL);
    if (get_local_id(0) != 0) return;
    if (!norm) {
        out[out_off] = total * scale;
        return;
    }
    float r = sqrt(total);
    out[out_off] = r;
    out[out_off + 1] = isfinite(r) && r > scale ? scale / r : 1.0f;
}

/* Sum of squares of x[x_off .. x_off + n), group g covering [g * per_group, ...):
 * out[out_off + g]. */
kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
sumsq_partials(global const float *x, ulong x_off, ulong n, ulong per_group, global float *out,
               ulong out_off)
{
    local float part[LOCAL];
    ulong g = get_group_id(0), begin = g * per_group, end = min(n, begin + per_group);
    float s = 0.0f, comp = 0.0f;
    for (ulong i = begin + get_local_id(0); i < end; i += LOCAL) {
        float v = x[x_off + i];
        kahan_add(&s, &comp, v * v);
    }
    float total = group_sum(part, s, LOCAL);
    if (get_local_id(0) == 0) out[out_off + g] = total;
}
