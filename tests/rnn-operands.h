/* Device operands for the recurrent suites (check-rnn, check-rnn-stack). */
#ifndef CLNN_TEST_RNN_OPERANDS_H
#define CLNN_TEST_RNN_OPERANDS_H

#include <clnn.h>

typedef struct dev_t_ {
    clnn_tensor_desc desc;
    clnn_rnn_tensor t;
} dev_tensor;

/* A device operand at element offset `off` holding host[0 .. n) (NULL: NaN). */
clnn_rnn_tensor *operand(dev_tensor *d, const float *host, size_t n, size_t off, int rank,
                         const int64_t *dims);

/* n floats of an operand (freed after the test). */
float *download(const clnn_rnn_tensor *t, size_t n);

/* Scratch memory filled with NaN: catches reads of never-written data, and
 * oclgrind then sees initialized buffers. */
cl_mem scratch(size_t bytes);

/* Selects clnn_rnn_forward's path on the harness context: 1 the fused kernels
 * (CPUs, emulated local memory), 0 recurrent GEMMs (GPUs), by setting its
 * local-memory capability; returns the previous choice. */
int rnn_use_fused(int fused);

#endif
