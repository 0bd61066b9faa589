/* Optimizer updates and gradient clipping, in place. One work-item owns VEC
 * consecutive elements (the last partial chunk element by element); offsets are
 * in elements.
 *
 * optimizer_step options: -DKIND (0 SGD, 1 Adam; AdamW is Adam with WD 2),
 * -DMOMENTUM, -DNESTEROV (SGD, 0/1), -DWD (0 none, 1 L2 added to the gradient,
 * 2 decoupled: p -= lr * wd * p before the update). The state holds n floats of
 * SGD velocity, or n floats of Adam's m followed by n floats of v. */
#define KIND_SGD 0
#define KIND_ADAM 1

#ifdef KIND
/* Keras' update rules (see include/clnn/optim.h) on lvalues p, m, v and the
 * gradient value g (float or VFLOAT, so one macro serves the vector body and the
 * scalar tail). lr_t is Adam's bias-corrected rate lr * sqrt(1 - b2^t) / (1 - b1^t). */
#define UPDATE(p, g, m, v)                                                            \
    do {                                                                              \
        if (WD == 1) g += wd * p;                                                     \
        if (WD == 2) p -= lr * wd * p;                                                \
        if (KIND == KIND_ADAM) {                                                      \
            m += (g - m) * (1.0f - b1);                                               \
            v += (g * g - v) * (1.0f - b2);                                           \
            p -= lr_t * m / (sqrt(v) + eps);                                          \
        } else if (MOMENTUM) {                                                        \
            m = b1 * m - lr * g;                                                      \
            p += NESTEROV ? b1 * m - lr * g : m;                                      \
        } else {                                                                      \
            p -= lr * g;                                                              \
        }                                                                             \
    } while (0)

/* b1 is the SGD momentum or Adam's beta1. */
kernel void optimizer_step(global float *param, ulong p_off, global const float *grad,
                           ulong g_off, global float *state, ulong s_off, ulong n, float lr,
                           float lr_t, float b1, float b2, float eps, float wd)
{
    ulong i = CLNN_CHUNK_START();
    global float *p = param + p_off + i, *m = state + s_off + i, *v = m + n;
    global const float *g = grad + g_off + i;
    const bool has_m = KIND == KIND_ADAM || MOMENTUM, has_v = KIND == KIND_ADAM;
    if (i + VEC <= n) {
        VFLOAT pv = VLOAD(0, p), gv = VLOAD(0, g), mv = (VFLOAT)(0.0f), vv = (VFLOAT)(0.0f);
        if (has_m) mv = VLOAD(0, m);
        if (has_v) vv = VLOAD(0, v);
        UPDATE(pv, gv, mv, vv);
        VSTORE(pv, 0, p);
        if (has_m) VSTORE(mv, 0, m);
        if (has_v) VSTORE(vv, 0, v);
        return;
    }
    for (ulong j = 0; i + j < n; j++) {
        float ps = p[j], gs = g[j], ms = has_m ? m[j] : 0.0f, vs = has_v ? v[j] : 0.0f;
        UPDATE(ps, gs, ms, vs);
        p[j] = ps;
        if (has_m) m[j] = ms;
        if (has_v) v[j] = vs;
    }
}
#endif /* KIND */

/* x = clamp(x, lo, hi); NaN stays NaN. */
kernel void clip_value(global float *x, ulong x_off, ulong n, float lo, float hi)
{
    ulong i = CLNN_CHUNK_START();
    x += x_off + i;
    if (i + VEC <= n) {
        VFLOAT a = VLOAD(0, x);
        VSTORE(select(fmin(fmax(a, lo), hi), a, isnan(a)), 0, x);
    } else {
        for (ulong j = 0; i + j < n; j++) x[j] = isnan(x[j]) ? x[j] : fmin(fmax(x[j], lo), hi);
    }
}

/* x *= factor[f_off], the factor computed on the device (loss.cl sum_partials). */
kernel void scale_by(global float *x, ulong x_off, ulong n, global const float *factor,
                     ulong f_off)
{
    ulong i = CLNN_CHUNK_START();
    float f = factor[f_off];
    x += x_off + i;
    if (i + VEC <= n) {
        VSTORE(VLOAD(0, x) * f, 0, x);
    } else {
        for (ulong j = 0; i + j < n; j++) x[j] *= f;
    }
}
