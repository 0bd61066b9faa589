/* The GAN training step shared by the gan and dcgan examples (and the GAN smoke
 * test): non-saturating loss, binary cross-entropy from D's logits, G trained
 * through D's input gradient (clnn_model_backward_buffer). Everything stays on
 * the device; noise comes from a pool of N(0, 1) rows drawn once on the host and
 * read at a random row each step. */
#ifndef CLNN_EXAMPLES_GAN_LOOP_H
#define CLNN_EXAMPLES_GAN_LOOP_H

#include <clnn.h>

#include <stdio.h>
#include <stdlib.h>

#define GAN_LOSS_SLOTS 64

/* The examples' error exit: the status and the library's message. */
#define GAN_CHECK(expr)                                                                 \
    do {                                                                                \
        clnn_status st_ = (expr);                                                       \
        if (st_ != CLNN_SUCCESS) {                                                      \
            fprintf(stderr, "%s: %s\n", clnn_status_string(st_), clnn_last_error());    \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

typedef struct gan_loop {
    clnn_context_t ctx;
    clnn_model_t g, d;             /* G compiled for `batch`, D for 2 * batch        */
    int64_t batch, noise_dim, sample, pool_rows;
    clnn_tensor_desc z, fake, d_in, logits, half_logits, sample_desc;
    cl_mem z_pool, d_in_buf;       /* d_in_buf: [2 * batch, sample...], real then fake */
    cl_mem logit_buf, dlogit_buf, targets, dfake, losses, loss_ws;
    size_t loss_ws_bytes;
    uint64_t rng;
    int64_t steps, read;           /* steps run; steps whose losses were read        */
    double d_sum, g_sum;           /* losses read since the last gan_loop_losses      */
    int64_t counted;
} gan_loop;

/* g maps [noise_dim] (N(0, 1) noise) to the data's per-sample shape; d maps
 * that to [1] (a logit). Both must be compiled: g with batch size `batch`, d with 2 * batch. */
clnn_status gan_loop_init(gan_loop *gl, clnn_context_t ctx, clnn_model_t g, clnn_model_t d,
                          int64_t noise_dim, int64_t batch, int64_t pool_rows, uint64_t seed);

/* One D step (real rows [batch, sample...] at real[real_offset] against fresh
 * fakes) then one G step. Only enqueues. */
clnn_status gan_loop_step(gan_loop *gl, cl_mem real, size_t real_offset);

/* Mean D loss (real + fake, as Keras sums the two means) and G loss over the
 * steps since the last call (waits; NaN when no step ran). */
clnn_status gan_loop_losses(gan_loop *gl, float *d_loss, float *g_loss);

/* N(0, 1) noise rows for sampling (host, Box-Muller). */
void gan_noise(float *z, int64_t count, uint64_t *state);

void gan_loop_free(gan_loop *gl);

#endif
