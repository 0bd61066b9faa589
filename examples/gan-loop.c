/* See gan-loop.h. One step:
 *   D: [real; G(z1)] -> logits -> BCE against [1...; 0...] -> D's gradients, applied.
 *   G: G(z2) -> D -> logits -> BCE against 1 (non-saturating) -> d/d fake through D
 *      (D's gradients are computed but not applied: D is frozen) -> G's gradients,
 *      applied. */
#include "gan-loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s)
{
    return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
}

void gan_noise(float *z, int64_t count, uint64_t *state)
{
    for (int64_t i = 0; i < count; i += 2) {
        double r = sqrt(-2.0 * log(uniform01(state))), t = 6.283185307179586 * uniform01(state);
        z[i] = (float)(r * cos(t));
        if (i + 1 < count) z[i + 1] = (float)(r * sin(t));
    }
}

static clnn_status new_buffer(gan_loop *gl, size_t bytes, const void *init, cl_mem *out)
{
    cl_int err;
    *out = clCreateBuffer(clnn_context_cl_context(gl->ctx), CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) return CLNN_OPENCL_ERROR;
    if (init) return clnn_buffer_write(gl->ctx, *out, 0, init, bytes);
    return CLNN_SUCCESS;
}

/* [rows, per-sample dims...] */
static clnn_tensor_desc rows_of(const clnn_tensor_desc *sample, int64_t rows)
{
    clnn_tensor_desc d = *sample;
    d.rank = sample->rank + 1;
    d.dims[0] = rows;
    memcpy(&d.dims[1], sample->dims, (size_t)sample->rank * sizeof(int64_t));
    return d;
}

clnn_status gan_loop_init(gan_loop *gl, clnn_context_t ctx, clnn_model_t g, clnn_model_t d,
                          int64_t noise_dim, int64_t batch, int64_t pool_rows, uint64_t seed)
{
    memset(gl, 0, sizeof *gl);
    gl->ctx = ctx;
    gl->g = g;
    gl->d = d;
    gl->batch = batch;
    gl->pool_rows = pool_rows;
    gl->rng = seed;
    clnn_tensor_desc out;
    clnn_status st = clnn_model_output_desc(g, &gl->sample_desc);
    if (!st) st = clnn_model_output_desc(d, &out);
    if (st) return st;
    if (out.rank != 1 || out.dims[0] != 1 || pool_rows < batch) return CLNN_SHAPE_MISMATCH;
    int64_t one = 1, nz = noise_dim;
    gl->noise_dim = nz;
    gl->sample = 1;
    for (int i = 0; i < gl->sample_desc.rank; i++) gl->sample *= gl->sample_desc.dims[i];
    clnn_tensor_desc zs, ls;
    clnn_tensor_desc_set(&zs, CLNN_FLOAT32, 1, &nz);
    clnn_tensor_desc_set(&ls, CLNN_FLOAT32, 1, &one);
    gl->z = rows_of(&zs, batch);
    gl->fake = rows_of(&gl->sample_desc, batch);
    gl->d_in = rows_of(&gl->sample_desc, 2 * batch);
    gl->logits = rows_of(&ls, 2 * batch);
    gl->half_logits = rows_of(&ls, batch);
    size_t zb = (size_t)(pool_rows * nz) * sizeof(float), sb = (size_t)gl->sample * 4;
    float *host = malloc(zb > (size_t)(2 * batch) * 4 ? zb : (size_t)(2 * batch) * 4);
    if (!host) return CLNN_OUT_OF_HOST_MEMORY;
    gan_noise(host, pool_rows * nz, &gl->rng);
    st = new_buffer(gl, zb, host, &gl->z_pool);
    for (int64_t i = 0; i < 2 * batch; i++) host[i] = i < batch ? 1.0f : 0.0f;
    if (!st) st = new_buffer(gl, (size_t)(2 * batch) * 4, host, &gl->targets);
    free(host);
    if (!st) st = new_buffer(gl, (size_t)(2 * batch) * sb, NULL, &gl->d_in_buf);
    if (!st) st = new_buffer(gl, (size_t)batch * sb, NULL, &gl->dfake);
    if (!st) st = new_buffer(gl, (size_t)(2 * batch) * 4, NULL, &gl->logit_buf);
    if (!st) st = new_buffer(gl, (size_t)(2 * batch) * 4, NULL, &gl->dlogit_buf);
    if (!st) st = new_buffer(gl, 2 * GAN_LOSS_SLOTS * 4, NULL, &gl->losses);
    if (!st) st = clnn_loss_workspace_size(ctx, &gl->logits, &gl->loss_ws_bytes);
    if (!st && gl->loss_ws_bytes) st = new_buffer(gl, gl->loss_ws_bytes, NULL, &gl->loss_ws);
    return st;
}

/* G(z) for a random window of the noise pool, into d_in's fake half. */
static clnn_status generate(gan_loop *gl)
{
    int64_t row = (int64_t)(splitmix(&gl->rng) % (uint64_t)(gl->pool_rows - gl->batch + 1));
    size_t z_off = (size_t)(row * gl->noise_dim) * 4;
    size_t fake_off = (size_t)(gl->batch * gl->sample) * 4;
    return clnn_model_forward_buffer(gl->g, 1, &gl->z, gl->z_pool, z_off, &gl->fake,
                                     gl->d_in_buf, fake_off);
}

static clnn_status bce(gan_loop *gl, const clnn_tensor_desc *logits, int slot)
{
    return clnn_loss_forward_backward(gl->ctx, CLNN_LOSS_BINARY_CE_LOGITS, logits, gl->logit_buf,
                                      0, logits, gl->targets, 0, gl->losses,
                                      (size_t)slot * 4, logits, gl->dlogit_buf, 0, gl->loss_ws,
                                      gl->loss_ws_bytes);
}

/* Adds the slots written since the last read to the running sums (waits). */
static clnn_status flush(gan_loop *gl)
{
    float v[2 * GAN_LOSS_SLOTS];
    if (gl->steps == gl->read) return CLNN_SUCCESS;
    clnn_status st = clnn_buffer_read(gl->ctx, gl->losses, 0, v, sizeof v);
    if (st) return st;
    for (int64_t s = gl->read; s < gl->steps; s++) {
        gl->d_sum += v[s % GAN_LOSS_SLOTS];
        gl->g_sum += v[GAN_LOSS_SLOTS + s % GAN_LOSS_SLOTS];
        gl->counted++;
    }
    gl->read = gl->steps;
    return CLNN_SUCCESS;
}

clnn_status gan_loop_step(gan_loop *gl, cl_mem real, size_t real_offset)
{
    int slot = (int)(gl->steps % GAN_LOSS_SLOTS);
    size_t half = (size_t)(gl->batch * gl->sample) * 4;
    size_t fake_off = half;
    cl_int err = clEnqueueCopyBuffer(clnn_context_cl_queue(gl->ctx), real, gl->d_in_buf,
                                     real_offset, 0, half, 0, NULL, NULL);
    if (err != CL_SUCCESS) return CLNN_OPENCL_ERROR;
    clnn_status st = generate(gl);
    /* D step on [real; fake] against [1; 0] */
    if (!st) st = clnn_model_forward_buffer(gl->d, 1, &gl->d_in, gl->d_in_buf, 0, &gl->logits,
                                            gl->logit_buf, 0);
    if (!st) st = bce(gl, &gl->logits, slot);
    if (!st) st = clnn_model_backward_buffer(gl->d, &gl->logits, gl->dlogit_buf, 0, NULL, NULL, 0);
    if (!st) st = clnn_model_apply_gradients(gl->d);
    /* G step: D(G(z)) against 1 (the first half of the targets) */
    if (!st) st = generate(gl);
    if (!st) st = clnn_model_forward_buffer(gl->d, 1, &gl->fake, gl->d_in_buf, fake_off,
                                            &gl->half_logits, gl->logit_buf, 0);
    if (!st) st = bce(gl, &gl->half_logits, GAN_LOSS_SLOTS + slot);
    if (!st) st = clnn_model_backward_buffer(gl->d, &gl->half_logits, gl->dlogit_buf, 0,
                                             &gl->fake, gl->dfake, 0);
    if (!st) st = clnn_model_backward_buffer(gl->g, &gl->fake, gl->dfake, 0, NULL, NULL, 0);
    if (!st) st = clnn_model_apply_gradients(gl->g);
    if (st) return st;
    gl->steps++;
    return gl->steps - gl->read == GAN_LOSS_SLOTS ? flush(gl) : CLNN_SUCCESS;
}

clnn_status gan_loop_losses(gan_loop *gl, float *d_loss, float *g_loss)
{
    clnn_status st = flush(gl);
    if (st) return st;
    /* D's loss is the mean over [real; fake], half of Keras' sum of the two means */
    *d_loss = gl->counted ? (float)(2.0 * gl->d_sum / (double)gl->counted) : NAN;
    *g_loss = gl->counted ? (float)(gl->g_sum / (double)gl->counted) : NAN;
    gl->d_sum = gl->g_sum = 0.0;
    gl->counted = 0;
    return CLNN_SUCCESS;
}

void gan_loop_free(gan_loop *gl)
{
    cl_mem *all[] = {&gl->z_pool, &gl->d_in_buf, &gl->logit_buf, &gl->dlogit_buf,
                     &gl->targets, &gl->dfake, &gl->losses, &gl->loss_ws};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (*all[i]) clReleaseMemObject(*all[i]);
        *all[i] = NULL;
    }
}
