/* CLNN_PROFILE: per-kernel device times from OpenCL events, read in batches so
 * profiling adds no synchronisation per op (see include/clnn/profile.h). */
#include "context.h"

#include <stdlib.h>
#include <string.h>

/* Pending events: enough that the wait on a full list (for its older half) is
 * rare, few enough that the driver's event pool stays small. */
#define PENDING_MAX 256

typedef struct pending_event {
    cl_event event;
    cl_event begin;    /* a span's opening marker, or NULL              */
    cl_kernel kernel;  /* retained; NULL for CLBlast (label names it) */
    const char *label; /* static string, or NULL for a kernel         */
} pending_event;

struct clnn_profile {
    pending_event pending[PENDING_MAX];
    size_t pending_count;
    clnn_profile_entry *entries; /* names owned (malloc'd) */
    size_t count, capacity;
    bool sorted;
};

clnn_status clnn_profile_attach(struct clnn_context *c, bool adopted)
{
    if (!clnn_env_get()->profile) return CLNN_SUCCESS;
    if (adopted) {
        cl_command_queue_properties props = 0;
        clGetCommandQueueInfo(c->queue, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL);
        if (!(props & CL_QUEUE_PROFILING_ENABLE)) {
            clnn_log_warn("CLNN_PROFILE: the adopted queue was created without "
                          "CL_QUEUE_PROFILING_ENABLE; nothing will be recorded");
            return CLNN_SUCCESS;
        }
    }
    c->profile = calloc(1, sizeof *c->profile);
    if (!c->profile) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "profile: out of memory");
    return CLNN_SUCCESS;
}

static clnn_profile_entry *entry_for(struct clnn_profile *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->entries[i].name, name) == 0) return &p->entries[i];
    if (p->count == p->capacity) {
        size_t capacity = p->capacity ? 2 * p->capacity : 32;
        clnn_profile_entry *grown = realloc(p->entries, capacity * sizeof *grown);
        if (!grown) return NULL;
        p->entries = grown;
        p->capacity = capacity;
    }
    char *copy = clnn_strdup(name);
    if (!copy) return NULL;
    clnn_profile_entry *e = &p->entries[p->count++];
    e->name = copy;
    e->calls = 0;
    e->total_ns = 0;
    return e;
}

/* Adds one finished event to its kernel's totals and releases it. Host memory
 * exhaustion drops the sample (profiling must never fail an op). */
static void account(struct clnn_profile *p, pending_event *pe)
{
    cl_ulong start = 0, end = 0, marked = 0;
    cl_int err = clGetEventProfilingInfo(pe->event, CL_PROFILING_COMMAND_START, sizeof start,
                                         &start, NULL);
    /* A span starts when its marker completes (the queue reached the call); the
     * min() and the zero test guard against drivers that stamp markers late or not
     * at all (rusticl). */
    if (err == CL_SUCCESS && pe->begin &&
        clGetEventProfilingInfo(pe->begin, CL_PROFILING_COMMAND_END, sizeof marked, &marked,
                                NULL) == CL_SUCCESS && marked > 0)
        start = CLNN_MIN(start, marked);
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(pe->event, CL_PROFILING_COMMAND_END, sizeof end, &end,
                                      NULL);
    char name[128] = "?";
    if (pe->label)
        snprintf(name, sizeof name, "%s", pe->label);
    else
        clGetKernelInfo(pe->kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
    name[sizeof name - 1] = '\0';
    clnn_profile_entry *e = err == CL_SUCCESS ? entry_for(p, name) : NULL;
    if (e) {
        e->calls++;
        e->total_ns += end > start ? end - start : 0;
        p->sorted = false;
    }
    clReleaseEvent(pe->event);
    if (pe->begin) clReleaseEvent(pe->begin);
    if (pe->kernel) clReleaseKernel(pe->kernel);
}

/* Waits for the oldest `n` pending events and accounts them. */
static void harvest(struct clnn_profile *p, size_t n)
{
    n = CLNN_MIN(n, p->pending_count);
    if (n == 0) return;
    cl_event events[PENDING_MAX];
    for (size_t i = 0; i < n; i++) events[i] = p->pending[i].event;
    clWaitForEvents((cl_uint)n, events);
    for (size_t i = 0; i < n; i++) account(p, &p->pending[i]);
    memmove(p->pending, p->pending + n, (p->pending_count - n) * sizeof *p->pending);
    p->pending_count -= n;
}

static void add_pending(struct clnn_profile *p, pending_event pe)
{
    if (p->pending_count == PENDING_MAX) harvest(p, PENDING_MAX / 2);
    if (pe.kernel) clRetainKernel(pe.kernel); /* the name is read when the event is */
    p->pending[p->pending_count++] = pe;
}

void clnn_profile_record(clnn_context_t ctx, cl_kernel kernel, const char *label,
                         cl_event event)
{
    if (ctx->profile && event) add_pending(ctx->profile, (pending_event){event, NULL, kernel, label});
}

cl_event clnn_profile_mark(clnn_context_t ctx)
{
    cl_event marker = NULL;
    if (ctx->profile && clEnqueueMarkerWithWaitList(ctx->queue, 0, NULL, &marker) != CL_SUCCESS)
        marker = NULL;
    return marker;
}

void clnn_profile_record_span(clnn_context_t ctx, const char *label, cl_event begin,
                              cl_event end)
{
    if (ctx->profile && begin && end) {
        add_pending(ctx->profile, (pending_event){end, begin, NULL, label});
        return;
    }
    if (begin) clReleaseEvent(begin);
    if (end) clReleaseEvent(end);
}

void clnn_profile_flush(clnn_context_t ctx)
{
    if (ctx->profile) harvest(ctx->profile, ctx->profile->pending_count);
}

static void forget(struct clnn_profile *p)
{
    for (size_t i = 0; i < p->count; i++) free((char *)p->entries[i].name);
    p->count = 0;
}

static int by_total_desc(const void *a, const void *b)
{
    const clnn_profile_entry *x = a, *y = b;
    if (x->total_ns != y->total_ns) return x->total_ns < y->total_ns ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Flushes and sorts; NULL when profiling is off. */
static struct clnn_profile *settled(clnn_context_t ctx)
{
    struct clnn_profile *p = ctx->profile;
    if (!p) return NULL;
    harvest(p, p->pending_count);
    if (!p->sorted && p->count > 1) qsort(p->entries, p->count, sizeof *p->entries, by_total_desc);
    p->sorted = true;
    return p;
}

static uint64_t total_of(const struct clnn_profile *p)
{
    uint64_t total = 0;
    for (size_t i = 0; p && i < p->count; i++) total += p->entries[i].total_ns;
    return total;
}

static void print_table(struct clnn_profile *p, FILE *out)
{
    uint64_t total = total_of(p);
    fprintf(out, "%-40s %9s %11s %11s %7s\n", "kernel", "calls", "total ms", "mean us",
            "share");
    for (size_t i = 0; i < p->count; i++) {
        const clnn_profile_entry *e = &p->entries[i];
        fprintf(out, "%-40s %9llu %11.3f %11.2f %6.1f%%\n", e->name,
                (unsigned long long)e->calls, (double)e->total_ns * 1e-6,
                (double)e->total_ns * 1e-3 / (double)e->calls,
                total ? 100.0 * (double)e->total_ns / (double)total : 0.0);
    }
    fprintf(out, "%-40s %9s %11.3f\n", "total", "", (double)total * 1e-6);
}

void clnn_profile_detach(clnn_context_t ctx)
{
    struct clnn_profile *p = settled(ctx);
    if (!p) return;
    if (p->count > 0) {
        fprintf(stderr, "clnn profile of context %p on '%s':\n", (void *)ctx,
                ctx->info.device_name);
        print_table(p, stderr);
    }
    forget(p);
    free(p->entries);
    free(p);
    ctx->profile = NULL;
}

/* ------------------------------------------------------------- public API */

/* The context and the one output pointer every call below takes. */
static clnn_status check_call(clnn_context_t ctx, const char *fn, const void *out,
                              const char *name)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !out) st = clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, name);
    return st;
}

clnn_status clnn_profile_enabled(clnn_context_t ctx, int *enabled)
{
    clnn_status st = check_call(ctx, "clnn_profile_enabled", enabled, "enabled");
    if (st != CLNN_SUCCESS) return st;
    *enabled = ctx->profile != NULL;
    return CLNN_SUCCESS;
}

clnn_status clnn_profile_kernel_count(clnn_context_t ctx, size_t *count)
{
    clnn_status st = check_call(ctx, "clnn_profile_kernel_count", count, "count");
    if (st != CLNN_SUCCESS) return st;
    struct clnn_profile *p = settled(ctx);
    *count = p ? p->count : 0;
    return CLNN_SUCCESS;
}

clnn_status clnn_profile_kernel(clnn_context_t ctx, size_t index, clnn_profile_entry *entry)
{
    clnn_status st = check_call(ctx, "clnn_profile_kernel", entry, "entry");
    if (st != CLNN_SUCCESS) return st;
    struct clnn_profile *p = settled(ctx);
    size_t count = p ? p->count : 0;
    if (index >= count)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_profile_kernel: index %zu is out of range "
                         "(%zu kernels recorded)", index, count);
    *entry = p->entries[index];
    return CLNN_SUCCESS;
}

clnn_status clnn_profile_total_ns(clnn_context_t ctx, uint64_t *total_ns)
{
    clnn_status st = check_call(ctx, "clnn_profile_total_ns", total_ns, "total_ns");
    if (st != CLNN_SUCCESS) return st;
    *total_ns = total_of(settled(ctx));
    return CLNN_SUCCESS;
}

clnn_status clnn_profile_report(clnn_context_t ctx, FILE *out)
{
    clnn_status st = check_call(ctx, "clnn_profile_report", out, "out");
    if (st != CLNN_SUCCESS) return st;
    struct clnn_profile *p = settled(ctx);
    if (p)
        print_table(p, out);
    else
        fprintf(out, "clnn profile: off (set CLNN_PROFILE=1 before creating the context)\n");
    return CLNN_SUCCESS;
}

clnn_status clnn_profile_reset(clnn_context_t ctx)
{
    clnn_status st = clnn_context_check(ctx, "clnn_profile_reset");
    if (st != CLNN_SUCCESS) return st;
    struct clnn_profile *p = settled(ctx);
    if (p) forget(p);
    return CLNN_SUCCESS;
}
