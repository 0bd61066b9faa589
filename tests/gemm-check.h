/* One GEMM problem run on the device and checked against the double
 * reference: shared by check-gemm (clnn_gemm, clnn_gemm_strided_batched) and
 * check-gemm-batched (clnn_gemm_strided_batched_tiled). */
#ifndef CLNN_TESTS_GEMM_CHECK_H
#define CLNN_TESTS_GEMM_CHECK_H

#include <clnn.h>

#include <stdint.h>

/* A GEMM problem. batch 0 calls clnn_gemm; batch >= 1 calls
 * clnn_gemm_strided_batched, or clnn_gemm_strided_batched_tiled when `tiled`.
 * Leading dimensions are the stored column count plus `pad`; the batch stride
 * is the matrix extent plus `gap` (0 when `shared`). */
typedef struct gemm_case {
    clnn_transpose ta, tb;
    size_t m, n, k;
    float alpha, beta;
    size_t pad[3];   /* a, b, c */
    size_t off[3];   /* elements before the first matrix */
    size_t gap[3];   /* elements between matrices of a batch */
    int shared[3];   /* stride 0 (A or B only) */
    size_t batch;
    int tiled;
} gemm_case;

/* Runs one problem and checks C: the m x n results of each batch entry against
 * the reference, and every other element of C's buffer (ld padding, gaps
 * between batch entries, the offset and the tail) bit for bit unchanged. With
 * beta 0, C starts as NaN: it must be written without being read. */
void gemm_check_case(const gemm_case *gc, uint32_t seed);

/* Runs `base` with all four transpose combinations (seeds seed + 10 t). */
void gemm_check_transposes(gemm_case base, uint32_t seed);

#endif
