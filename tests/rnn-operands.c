/* Device operands for the recurrent suites. */
#include "rnn-operands.h"
#include "harness.h"
#include "src/core/context.h" /* the capability rnn_use_fused flips */

#include <math.h>
#include <string.h>

clnn_rnn_tensor *operand(dev_tensor *d, const float *host, size_t n, size_t off, int rank,
                         const int64_t *dims)
{
    float *buf = harness_alloc((n + off) * sizeof *buf);
    for (size_t i = 0; i < n + off; i++) buf[i] = NAN;
    if (host) memcpy(buf + off, host, n * sizeof *buf);
    d->desc = harness_desc(rank, dims);
    d->t.desc = &d->desc;
    d->t.mem = harness_upload(buf, (n + off) * sizeof *buf);
    d->t.offset = off * 4;
    return &d->t;
}

float *download(const clnn_rnn_tensor *t, size_t n)
{
    float *h = harness_alloc(n * sizeof *h);
    harness_download(t->mem, t->offset, h, n * 4);
    return h;
}

cl_mem scratch(size_t bytes)
{
    float *h = harness_alloc(bytes);
    for (size_t i = 0; i < bytes / 4; i++) h[i] = NAN;
    return harness_upload(h, bytes);
}

int rnn_use_fused(int fused)
{
    clnn_context_t ctx = harness_ctx();
    int was = !ctx->info.local_mem_is_real;
    ctx->info.local_mem_is_real = !fused;
    return was;
}
