/* The activation memory plan: compile requests every activation and
 * activation-gradient buffer with its lifetime (first write and last read, in
 * steps of one training pass), and the plan assigns them buffers from a pool so
 * that tensors whose lifetimes do not meet share a buffer.
 * The plan turned off (clnn_model_set_memory_plan) gives one buffer per tensor. */
#include "model.h"
#include "../core/context.h"

#include <stdlib.h>
#include <string.h>

clnn_status model_plan_request(clnn_model *m, model_plan *p, size_t bytes, int start, int end,
                               cl_mem *slot)
{
    if (p->count == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        model_plan_req *r = realloc(p->reqs, (size_t)cap * sizeof *r);
        if (!r) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_model_compile: out of memory");
        p->reqs = r;
        p->cap = cap;
    }
    model_plan_req r = {bytes, 0, start, end, slot};
    p->reqs[p->count++] = r;
    m->naive_bytes += bytes;
    return CLNN_SUCCESS;
}

static int meet(const model_plan_req *a, const model_plan_req *b)
{
    return a->start <= b->end && b->start <= a->end;
}

/* Largest first; ties by request order (deterministic). */
static int after(const model_plan_req *r, int i, int j)
{
    return r[i].bytes != r[j].bytes ? r[i].bytes < r[j].bytes : i > j;
}

static void sort_by_size(int *order, int n, const model_plan_req *reqs)
{
    for (int i = 1; i < n; i++) /* insertion sort: a few hundred requests at most */
        for (int j = i; j > 0 && after(reqs, order[j - 1], order[j]); j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* First fit over a pool of buffers, the largest requests first (ties in request
 * order): a request shares the first buffer none of whose tensors it meets, so
 * a buffer's size is that of its first (largest) tensor. Every tensor holds a
 * reference to its buffer. (One arena with sub-buffers would pack tighter, but
 * PoCL 5 crashes copying rectangles out of a sub-buffer, as concat does.) */
static clnn_status commit_planned(clnn_model *m, model_plan *p)
{
    int n = p->count, npool = 0;
    int *order = malloc((size_t)n * sizeof *order), *pool = malloc((size_t)n * sizeof *pool);
    cl_mem *bufs = calloc((size_t)n, sizeof *bufs);
    clnn_status st = CLNN_SUCCESS;
    if (!order || !pool || !bufs)
        st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_model_compile: out of memory");
    for (int i = 0; i < n && !st; i++) order[i] = i;
    if (!st) sort_by_size(order, n, p->reqs);
    m->activation_bytes = 0;
    for (int k = 0; k < n && !st; k++) {
        const model_plan_req *r = &p->reqs[order[k]];
        int b = 0;
        for (int prev = 0; prev < k; prev++)
            if (pool[prev] == b && meet(&p->reqs[order[prev]], r)) {
                b++;
                prev = -1; /* rescan against the next buffer */
            }
        pool[k] = b;
        if (b == npool) {
            npool++;
            m->activation_bytes += r->bytes;
            st = model_alloc(m, r->bytes, &bufs[b]);
        }
        if (!st) {
            clRetainMemObject(bufs[b]);
            *r->slot = bufs[b];
        }
    }
    for (int b = 0; b < npool; b++)
        if (bufs[b]) clReleaseMemObject(bufs[b]); /* the tensors hold theirs */
    free(order);
    free(pool);
    free(bufs);
    return st;
}

clnn_status model_plan_commit(clnn_model *m, model_plan *p)
{
    clnn_status st = CLNN_SUCCESS;
    if (!p->count) {
        m->activation_bytes = 0;
    } else if (m->no_plan) {
        m->activation_bytes = m->naive_bytes;
        for (int i = 0; i < p->count && !st; i++)
            st = model_alloc(m, p->reqs[i].bytes, p->reqs[i].slot);
    } else {
        st = commit_planned(m, p);
    }
    free(p->reqs);
    memset(p, 0, sizeof *p);
    return st;
}

clnn_status clnn_model_set_memory_plan(clnn_model_t m, int enabled)
{
    const char *fn = "clnn_model_set_memory_plan";
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (enabled != 0 && enabled != 1)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: enabled must be 0 or 1, not %d", fn, enabled);
    if (m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: the model is compiled", fn);
    m->no_plan = !enabled;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_memory_stats(clnn_model_t m, size_t *activation_bytes,
                                    size_t *naive_bytes)
{
    const char *fn = "clnn_model_memory_stats";
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: compile the model first", fn);
    if (activation_bytes) *activation_bytes = m->activation_bytes;
    if (naive_bytes) *naive_bytes = m->naive_bytes;
    return CLNN_SUCCESS;
}
