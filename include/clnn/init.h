/*
 * clnn/init.h: weight initializers (float32), Keras' rules, generated on the host
 * from a seed and uploaded.
 *
 * Fans: rank 0 and 1: fan_in = fan_out = the element count; rank 2 (dense, W is
 * [in, out] as in clnn_dense_forward): fan_in = dims[0], fan_out = dims[1];
 * rank >= 3 (convolution weights [K, C/groups, kh, kw], ONNX layout):
 * fan_in = dims[1] * receptive, fan_out = dims[0] * receptive, receptive being the
 * product of dims[2..].
 *
 * RNG: SplitMix64 seeded with `seed` (the same seed gives the same values on every
 * platform); uniforms are the top 53 bits scaled to [0, 1); normals come from the
 * Box-Muller transform in double.
 */
#ifndef CLNN_INIT_H
#define CLNN_INIT_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_init_kind {
    CLNN_INIT_ZEROS = 0,
    CLNN_INIT_ONES = 1,
    CLNN_INIT_CONSTANT = 2,        /* every element = value                        */
    CLNN_INIT_GLOROT_UNIFORM = 3,  /* U(-l, l), l = sqrt(6 / (fan_in + fan_out))   */
    CLNN_INIT_HE_UNIFORM = 4,      /* U(-l, l), l = sqrt(6 / fan_in)               */
    CLNN_INIT_HE_NORMAL = 5,       /* truncated normal as Keras: N(0, s) redrawn
                                      outside +-2 s, s = sqrt(2 / fan_in) / 0.8796...
                                      so the result's std is sqrt(2 / fan_in)      */
    CLNN_INIT_ORTHOGONAL = 6       /* value * Q of the QR of a Gaussian matrix     */
} clnn_init_kind;

/* An initializer: `value` is the constant of CLNN_INIT_CONSTANT and the gain of
 * CLNN_INIT_ORTHOGONAL (ignored otherwise). */
typedef struct clnn_init_desc {
    clnn_init_kind kind;
    float value;
    uint64_t seed;
} clnn_init_desc;

/* Keras-style fans of a weight shaped `desc` (see above). */
CLNN_API clnn_status clnn_init_fans(const clnn_tensor_desc *desc, double *fan_in,
                                    double *fan_out);

/* Fills host memory: `out` holds the descriptor's element count of floats.
 * Orthogonal: the tensor is seen as a matrix [rows = product of all dims but the
 * last, cols = the last dim] (rank >= 2); a Gaussian matrix is orthogonalised in
 * double (Householder QR, with R's diagonal made positive) so the columns are
 * orthonormal when rows >= cols and the rows otherwise. Errors:
 * CLNN_NULL_POINTER, CLNN_INVALID_VALUE (unknown kind, non-float32 descriptor,
 * a non-finite value, orthogonal of rank < 2), CLNN_OUT_OF_HOST_MEMORY. */
CLNN_API clnn_status clnn_init_host(const clnn_init_desc *init, const clnn_tensor_desc *desc,
                                    float *out);

/* Fills a device tensor: generates on the host and uploads (waits). Not for a hot
 * path. Errors as clnn_init_host plus the buffer's. */
CLNN_API clnn_status clnn_init_forward(clnn_context_t ctx, const clnn_init_desc *init,
                                       const clnn_tensor_desc *desc, cl_mem buffer,
                                       size_t offset);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_INIT_H */
