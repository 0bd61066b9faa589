/* One GEMM problem for the gemm suite and the tuner (tools/bench/tune.c): data,
 * device tensors, the enqueue and the check against a double reference. */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bench_gemm_problem_destroy(bench_gemm_problem *p)
{
    clnn_tensor_destroy(p->ta);
    clnn_tensor_destroy(p->tb);
    clnn_tensor_destroy(p->tc);
    free(p->a);
    free(p->b);
    memset(p, 0, sizeof *p);
}

clnn_status bench_gemm_problem_create(clnn_context_t ctx, size_t m, size_t n, size_t k,
                                      bench_gemm_problem *p)
{
    memset(p, 0, sizeof *p);
    bench_gemm_shape shape = {m, n, k};
    p->shape = shape;
    p->a = malloc(shape.m * shape.k * sizeof(float));
    p->b = malloc(shape.k * shape.n * sizeof(float));
    if (!p->a || !p->b) {
        bench_gemm_problem_destroy(p);
        return bench_out_of_memory();
    }
    bench_fill_random(p->a, shape.m * shape.k, 0x9e3779b9u);
    bench_fill_random(p->b, shape.k * shape.n, 0x85ebca6bu);
    int64_t a_dims[2] = {(int64_t)shape.m, (int64_t)shape.k};
    int64_t b_dims[2] = {(int64_t)shape.k, (int64_t)shape.n};
    int64_t c_dims[2] = {(int64_t)shape.m, (int64_t)shape.n};
    clnn_status st = bench_tensor(ctx, 2, a_dims, p->a, &p->ta);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 2, b_dims, p->b, &p->tb);
    if (st == CLNN_SUCCESS) st = bench_tensor(ctx, 2, c_dims, NULL, &p->tc);
    if (st != CLNN_SUCCESS) bench_gemm_problem_destroy(p);
    return st;
}

clnn_status bench_gemm_problem_enqueue(clnn_context_t ctx, void *arg)
{
    const bench_gemm_problem *p = arg;
    const bench_gemm_shape *s = &p->shape;
    return bench_noted(clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, s->m, s->n, s->k, 1.0f,
                                 clnn_tensor_get_buffer(p->ta), 0, s->k,
                                 clnn_tensor_get_buffer(p->tb), 0, s->n, 0.0f,
                                 clnn_tensor_get_buffer(p->tc), 0, s->n),
                       "clnn_gemm");
}

/* Largest |c - ref| / sum_k |a_ik * b_kj| over C: the error relative to the
 * magnitude fp32 rounding scales with (plain relative error explodes where the
 * exact result is near 0). The reference accumulates in double. */
static double max_relative_error(const bench_gemm_problem *p, const float *c)
{
    const bench_gemm_shape *s = &p->shape;
    double worst = 0.0;
    for (size_t i = 0; i < s->m; i++) {
        for (size_t j = 0; j < s->n; j++) {
            double sum = 0.0, scale = 0.0;
            for (size_t l = 0; l < s->k; l++) {
                double prod = (double)p->a[i * s->k + l] * (double)p->b[l * s->n + j];
                sum += prod;
                scale += fabs(prod);
            }
            double err = fabs((double)c[i * s->n + j] - sum) / (scale > 0.0 ? scale : 1.0);
            if (!(err <= worst)) worst = err; /* NaN sticks */
        }
    }
    return worst;
}

clnn_status bench_gemm_problem_verify(const bench_gemm_problem *p, double *error)
{
    size_t bytes = p->shape.m * p->shape.n * sizeof(float);
    float *c = malloc(bytes);
    if (!c) {
        return bench_out_of_memory();
    }
    clnn_status st = bench_noted(clnn_tensor_download(p->tc, c, bytes), "clnn_tensor_download");
    if (st == CLNN_SUCCESS) *error = max_relative_error(p, c);
    free(c);
    return st;
}

