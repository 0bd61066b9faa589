/* Batch normalization. Build options:
 *   WG       the fixed work-group size (one work-group per channel for the
 *            reductions)
 *   VEC      float vector width of the inference kernel
 *   CHUNK    values the reductions load at once: VEC when HW % VEC == 0, else 1
 * x is [N, C, HW] with HW the product of the spatial dims; offsets are in
 * elements. Channel c's values e = 0 .. M-1 (M = N * HW) lie at n * C * HW + hw
 * from the channel's start, e = n * HW + hw. */

/* Sums two values per work-item over the work-group. */
CLNN_DEFINE_GROUP_REDUCE(wg_sum2, float2, CLNN_SUM)

/* Visits a work-item's values e = lid, lid + WG, ... of a channel without a
 * division per value: (n, hw) advance by (WG / HW, WG % HW) with a carry, and
 * w.i = n * C * HW + hw is the value's index from the channel's start. */
typedef struct walker {
    ulong e, hw, i;
    ulong step_i, step_hw, HW, CHW;
} walker;

inline walker walk_start(ulong C, ulong HW)
{
    walker w;
    ulong n = get_local_id(0) / HW, step_n = WG / HW;
    w.e = get_local_id(0);
    w.hw = w.e - n * HW;
    w.HW = HW;
    w.CHW = C * HW;
    w.i = n * w.CHW + w.hw;
    w.step_hw = WG - step_n * HW;
    w.step_i = step_n * w.CHW + w.step_hw;
    return w;
}

inline void walk_next(walker *w)
{
    w->e += WG;
    w->hw += w->step_hw;
    w->i += w->step_i;
    if (w->hw >= w->HW) { /* carry into the next sample */
        w->hw -= w->HW;
        w->i += w->CHW - w->HW;
    }
}

#define FOR_CHANNEL(w, C, HW, M) for (walker w = walk_start(C, HW); w.e < (M); walk_next(&w))

/* The reductions walk chunks of CHUNK values (a chunk never crosses a plane, as
 * CHUNK divides HW): chunk index w.i is value index w.i * CHUNK. */
#if CHUNK == 1
#define CFLOAT float
#define CLOAD(i, p) ((p)[i])
#define CSTORE(v, i, p) ((p)[i] = (v))
#define CSUM(v) (v)
#else
#define CFLOAT CLNN_CAT(float, CHUNK)
#define CLOAD CLNN_CAT(vload, CHUNK)
#define CSTORE CLNN_CAT(vstore, CHUNK)
inline float csum(CFLOAT v)
{
    float a[CHUNK], s = 0.0f;
    CSTORE(v, 0, a);
    for (int i = 0; i < CHUNK; i++) s += a[i];
    return s;
}
#define CSUM(v) csum(v)
#endif

/* Training forward: batch statistics (two passes), y, running-statistics update
 * and the saved statistics. One work-group per channel. */
kernel void batchnorm_train_forward(global const float *x, ulong x_off, global float *y,
                                    ulong y_off, global const float *scale, ulong scale_off,
                                    global const float *bias, ulong bias_off,
                                    global float *run_mean, ulong run_mean_off,
                                    global float *run_var, ulong run_var_off,
                                    global float *saved_mean, ulong saved_mean_off,
                                    global float *saved_inv_std, ulong saved_inv_std_off,
                                    ulong C, ulong HW, ulong M, float eps, float momentum)
{
    local float2 scratch[WG];
    ulong c = get_group_id(0);
    x += x_off + c * HW;
    y += y_off + c * HW;
    ulong hwc = HW / CHUNK, mc = M / CHUNK;
    CFLOAT s = (CFLOAT)(0.0f);
    FOR_CHANNEL(w, C, hwc, mc) s += CLOAD(w.i, x);
    float mean = wg_sum2(scratch, (float2)(CSUM(s), 0.0f), WG).x / (float)M;
    CFLOAT q = (CFLOAT)(0.0f);
    FOR_CHANNEL(w, C, hwc, mc) {
        CFLOAT d = CLOAD(w.i, x) - mean;
        q += d * d;
    }
    float sq = wg_sum2(scratch, (float2)(CSUM(q), 0.0f), WG).x;
    float var = sq / (float)M, inv_std = 1.0f / sqrt(var + eps);
    float a = scale[scale_off + c] * inv_std, b = bias[bias_off + c];
    FOR_CHANNEL(w, C, hwc, mc) CSTORE((CLOAD(w.i, x) - mean) * a + b, w.i, y);
    if (get_local_id(0) == 0) {
        float unbiased = M > 1 ? sq / (float)(M - 1) : var;
        run_mean += run_mean_off + c;
        run_var += run_var_off + c;
        *run_mean = momentum * *run_mean + (1.0f - momentum) * mean;
        *run_var = momentum * *run_var + (1.0f - momentum) * unbiased;
        saved_mean[saved_mean_off + c] = mean;
        saved_inv_std[saved_inv_std_off + c] = inv_std;
    }
}

/* Training backward: dbias = sum(dy), dscale = sum(dy * xhat), then dx. */
kernel void batchnorm_backward(global const float *x, ulong x_off, global const float *dy,
                               ulong dy_off, global float *dx, ulong dx_off,
                               global const float *scale, ulong scale_off,
                               global const float *saved_mean, ulong saved_mean_off,
                               global const float *saved_inv_std, ulong saved_inv_std_off,
                               global float *dscale, ulong dscale_off, global float *dbias,
                               ulong dbias_off, ulong C, ulong HW, ulong M)
{
    local float2 scratch[WG];
    ulong c = get_group_id(0);
    x += x_off + c * HW;
    dy += dy_off + c * HW;
    dx += dx_off + c * HW;
    float mean = saved_mean[saved_mean_off + c], inv_std = saved_inv_std[saved_inv_std_off + c];
    ulong hwc = HW / CHUNK, mc = M / CHUNK;
    CFLOAT sum_dy = (CFLOAT)(0.0f), sum_dy_xhat = (CFLOAT)(0.0f);
    FOR_CHANNEL(w, C, hwc, mc) {
        CFLOAT g = CLOAD(w.i, dy);
        sum_dy += g;
        sum_dy_xhat += g * (CLOAD(w.i, x) - mean) * inv_std;
    }
    float2 acc = wg_sum2(scratch, (float2)(CSUM(sum_dy), CSUM(sum_dy_xhat)), WG);
    float a = scale[scale_off + c] * inv_std;
    float mb = acc.x / (float)M, ms = acc.y / (float)M;
    FOR_CHANNEL(w, C, hwc, mc) {
        CFLOAT xhat = (CLOAD(w.i, x) - mean) * inv_std;
        CSTORE(a * (CLOAD(w.i, dy) - mb - xhat * ms), w.i, dx);
    }
    if (get_local_id(0) == 0) {
        dbias[dbias_off + c] = acc.x;
        dscale[dscale_off + c] = acc.y;
    }
}

/* Inference: each work-item owns up to VEC consecutive values of one (n, c) plane,
 * so the channel is found once per work-item. */
kernel void batchnorm_inference(global const float *x, ulong x_off, global float *y,
                                ulong y_off, global const float *scale, ulong scale_off,
                                global const float *bias, ulong bias_off,
                                global const float *mean, ulong mean_off,
                                global const float *var, ulong var_off, ulong C, ulong HW,
                                ulong planes, float eps)
{
    ulong chunks = (HW + VEC - 1) / VEC, gid = get_global_id(0);
    ulong p = gid / chunks;
    if (p >= planes) return;
    ulong c = p % C, first = (gid - p * chunks) * VEC;
    float m = mean[mean_off + c];
    float a = scale[scale_off + c] / sqrt(var[var_off + c] + eps), b = bias[bias_off + c];
    x += x_off + p * HW + first;
    y += y_off + p * HW + first;
    if (first + VEC <= HW) {
        VSTORE((VLOAD(0, x) - m) * a + b, 0, y);
    } else {
        for (ulong j = 0; first + j < HW; j++) y[j] = (x[j] - m) * a + b;
    }
}
