/* Weight initializers, generated on the host (see include/clnn/init.h for the
 * rules and the RNG). */
#include "../core/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Keras' TruncatedNormal stddev correction: the std of N(0, 1) cut at +-2. */
#define TRUNCATED_STD 0.87962566103423978

typedef struct rng {
    uint64_t state;
} rng;

static uint64_t splitmix64(rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform01(rng *r) { return (double)(splitmix64(r) >> 11) * 0x1.0p-53; }

static double normal01(rng *r)
{
    double u = 1.0 - uniform01(r); /* (0, 1]: log is finite */
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * uniform01(r));
}

clnn_status clnn_init_fans(const clnn_tensor_desc *desc, double *fan_in, double *fan_out)
{
    static const char fn[] = "clnn_init_fans";
    clnn_status st = clnn_check_desc(desc, -1, fn, "desc");
    if (st == CLNN_SUCCESS && (!fan_in || !fan_out))
        st = clnn_fail(CLNN_NULL_POINTER, "%s: fan_in or fan_out is NULL", fn);
    if (st != CLNN_SUCCESS) return st;
    const int64_t *d = desc->dims;
    if (desc->rank < 2) {
        *fan_in = *fan_out = (double)clnn_desc_elements(desc);
    } else if (desc->rank == 2) {
        *fan_in = (double)d[0];
        *fan_out = (double)d[1];
    } else {
        double receptive = 1;
        for (int i = 2; i < desc->rank; i++) receptive *= (double)d[i];
        *fan_in = (double)d[1] * receptive;
        *fan_out = (double)d[0] * receptive;
    }
    return CLNN_SUCCESS;
}

/* Orthonormalises the k columns (column-major, length m >= k) of a in place by
 * modified Gram-Schmidt, each projection done twice so Q^T Q = I to double
 * precision. R's diagonal is the positive norms, matching Keras' sign fix. */
static void gram_schmidt(double *a, size_t m, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double *col = a + j * m;
        for (int pass = 0; pass < 2; pass++)
            for (size_t c = 0; c < j; c++) {
                const double *qc = a + c * m;
                double dot = 0;
                for (size_t i = 0; i < m; i++) dot += qc[i] * col[i];
                for (size_t i = 0; i < m; i++) col[i] -= dot * qc[i];
            }
        double norm = 0;
        for (size_t i = 0; i < m; i++) norm += col[i] * col[i];
        norm = sqrt(norm);
        for (size_t i = 0; i < m; i++) col[i] /= norm;
    }
}

static clnn_status orthogonal(const clnn_tensor_desc *desc, double gain, rng *r, float *out,
                              const char *fn)
{
    if (desc->rank < 2)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: orthogonal needs rank >= 2, desc has %d", fn,
                         desc->rank);
    size_t cols = (size_t)desc->dims[desc->rank - 1], rows = clnn_desc_elements(desc) / cols;
    size_t m = CLNN_MAX(rows, cols), k = CLNN_MIN(rows, cols);
    double *a = malloc(m * k * sizeof *a);
    if (!a) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: %zu x %zu matrix", fn, m, k);
    for (size_t i = 0; i < m * k; i++) a[i] = normal01(r);
    gram_schmidt(a, m, k);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) /* Q is rows x cols, or its transpose */
            out[i * cols + j] = (float)(gain * (rows >= cols ? a[j * m + i] : a[i * m + j]));
    free(a);
    return CLNN_SUCCESS;
}

static double truncated_normal(rng *r)
{
    double z;
    do z = normal01(r);
    while (fabs(z) > 2.0);
    return z;
}

clnn_status clnn_init_host(const clnn_init_desc *init, const clnn_tensor_desc *desc, float *out)
{
    static const char fn[] = "clnn_init_host";
    if (!init) return clnn_fail(CLNN_NULL_POINTER, "%s: init is NULL", fn);
    clnn_status st = clnn_check_desc(desc, CLNN_FLOAT32, fn, "desc");
    if (st != CLNN_SUCCESS) return st;
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "%s: out is NULL", fn);
    if ((unsigned)init->kind > CLNN_INIT_ORTHOGONAL)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown init kind %d", fn, (int)init->kind);
    if (!isfinite(init->value))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: value %g is not finite", fn, init->value);
    size_t n = clnn_desc_elements(desc);
    double fan_in, fan_out;
    clnn_init_fans(desc, &fan_in, &fan_out);
    rng r = {init->seed};
    double limit = 0, std = 0;
    switch (init->kind) {
    case CLNN_INIT_ZEROS:
    case CLNN_INIT_ONES:
    case CLNN_INIT_CONSTANT: {
        float v = init->kind == CLNN_INIT_ZEROS ? 0.0f
                  : init->kind == CLNN_INIT_ONES ? 1.0f
                                                 : init->value;
        for (size_t i = 0; i < n; i++) out[i] = v;
        return CLNN_SUCCESS;
    }
    case CLNN_INIT_GLOROT_UNIFORM: limit = sqrt(6.0 / (fan_in + fan_out)); break;
    case CLNN_INIT_HE_UNIFORM: limit = sqrt(6.0 / fan_in); break;
    case CLNN_INIT_HE_NORMAL: std = sqrt(2.0 / fan_in) / TRUNCATED_STD; break;
    case CLNN_INIT_ORTHOGONAL: return orthogonal(desc, init->value, &r, out, fn);
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (float)(std > 0 ? std * truncated_normal(&r)
                                 : limit * (2.0 * uniform01(&r) - 1.0));
    return CLNN_SUCCESS;
}

clnn_status clnn_init_forward(clnn_context_t ctx, const clnn_init_desc *init,
                              const clnn_tensor_desc *desc, cl_mem buffer, size_t offset)
{
    static const char fn[] = "clnn_init_forward";
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, desc, CLNN_FLOAT32, buffer, offset, fn, "buffer", &n);
    if (st != CLNN_SUCCESS) return st;
    float *host = malloc(n * sizeof *host);
    if (!host) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: %zu floats", fn, n);
    st = clnn_init_host(init, desc, host);
    if (st == CLNN_SUCCESS) st = clnn_buffer_write(ctx, buffer, offset, host, n * sizeof *host);
    free(host);
    return st;
}
