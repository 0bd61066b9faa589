/* peak.h: measured device peaks (the 100 % line of clnn-bench) and the few small
 * helpers clnn-info and clnn-bench share. Not part of the library. */
#ifndef CLNN_TOOLS_PEAK_H
#define CLNN_TOOLS_PEAK_H

#include <stddef.h>

#include <clnn.h>

typedef struct peak_result {
    double gflops;         /* fp32 FMA throughput, 2 flops per FMA     */
    double gbps;           /* global memory copy, bytes read + written */
    unsigned vector_width; /* floatN the kernels used                  */
    int hardware_fma;      /* 1: fma(), 0: mad()                       */
} peak_result;

/* Measures the peak of the context's device with a vectorized FMA kernel and a copy
 * kernel (median of a few timed runs after a warm-up; well under 2 s on a 2-core
 * CPU once PoCL's kernel cache is warm). Returns 0, or -1 with a message in `err`. */
int peak_measure(clnn_context_t ctx, peak_result *out, char *err, size_t errlen);

/* Seconds on CLOCK_MONOTONIC (comparable between processes of the same boot). */
double peak_now(void);

/* Median of `n` values (n >= 1); sorts `values` in place. */
double peak_median(double *values, size_t n);

/* "prog: what: CLNN_STATUS: detail" on stderr. */
void peak_print_clnn_error(const char *prog, const char *what, clnn_status st);

#endif /* CLNN_TOOLS_PEAK_H */
