/* peak.c: measures a device's fp32 FMA throughput and global memory bandwidth with
 * two small OpenCL kernels, plain OpenCL calls on the clnn context's queue. */
#define _POSIX_C_SOURCE 200809L

#include "peak.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each work-item runs PEAK_ACC independent FMA chains (enough to cover the FMA
 * latency of a CPU core, or give a GPU lane ILP) PEAK_UNROLL times per loop trip.
 * b and c are kernel arguments and the sum is stored, so nothing folds away.
 * OP is fma() where the device has it in hardware: PoCL turns mad() into a
 * separate multiply and add, half the FMA rate. */
#define PEAK_ACC 16   /* the kernel's REP16                */
#define PEAK_UNROLL 4 /* REP16(STEP) four times a trip */

static const char peak_source[] =
    "#define CAT_(a, b) a##b\n"
    "#define CAT(a, b) CAT_(a, b)\n"
    "#if VW == 1\n"
    "#define VEC float\n"
    "#else\n"
    "#define VEC CAT(float, VW)\n"
    "#endif\n"
    "#define REP16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \\\n"
    "                 M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)\n"
    "#define DECL(i) VEC x##i = seed + (float)(i) * 0.01f;\n"
    "#define STEP(i) x##i = OP(x##i, b, c);\n"
    "#define SUM(i) + x##i\n"
    "__kernel void peak_fma(__global VEC *out, float b, float c, int iterations)\n"
    "{\n"
    "    VEC seed = (VEC)(1.0f + (float)(get_global_id(0) & 7) * 0.001f);\n"
    "    REP16(DECL)\n"
    "    for (int i = 0; i < iterations; i++) {\n"
    "        REP16(STEP) REP16(STEP) REP16(STEP) REP16(STEP)\n"
    "    }\n"
    "    out[get_global_id(0)] = (VEC)(0.0f) REP16(SUM);\n"
    "}\n"
    "\n"
    "/* Each work-item copies PER vectors: a contiguous run on CPUs (one thread walks\n"
    " * memory in order), interleaved across work-items on GPUs (coalesced). */\n"
    "__kernel void peak_copy(__global const VEC *in, __global VEC *out)\n"
    "{\n"
    "    size_t gid = get_global_id(0), n = get_global_size(0);\n"
    "    for (size_t j = 0; j < PER; j++) {\n"
    "        size_t i = CONTIGUOUS ? gid * PER + j : j * n + gid;\n"
    "        out[i] = in[i];\n"
    "    }\n"
    "}\n";

#define PEAK_RUNS 5                /* timed runs; the median is reported       */
#define PEAK_TARGET_S 0.03         /* length of one timed FMA run              */
#define PEAK_MAX_ITERATIONS (1 << 26)
#define PEAK_COPY_BYTES (64u << 20) /* copy source size (as much again written) */

typedef struct peak_state {
    cl_context context;
    cl_command_queue queue;
    cl_device_id device;
    cl_program program;
    cl_kernel fma, copy;
    int cpu;
    int hardware_fma;     /* CL_FP_FMA: fma() is one instruction      */
    unsigned width;       /* floatN                                   */
    unsigned units;       /* compute units                            */
    size_t local;         /* fixed local size: a new one recompiles   */
    size_t copy_per_item; /* vectors each copy work-item moves        */
    uint64_t max_alloc;
    char *err;
    size_t errlen;
} peak_state;

static int fail(peak_state *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, s->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int cl_check(peak_state *s, cl_int code, const char *what)
{
    return code == CL_SUCCESS ? 0 : fail(s, "%s failed (OpenCL error %d)", what, (int)code);
}

double peak_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double peak_median(double *values, size_t n)
{
    qsort(values, n, sizeof *values, compare_double);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void peak_print_clnn_error(const char *prog, const char *what, clnn_status st)
{
    const char *detail = clnn_last_error();
    fprintf(stderr, "%s: %s failed: %s%s%s\n", prog, what, clnn_status_string(st),
            *detail ? ": " : "", detail);
}

/* Device shape: wide vectors and contiguous copies on CPUs, float4 and coalesced
 * copies elsewhere. */
static int describe_device(peak_state *s, clnn_context_t ctx)
{
    clnn_device_info info;
    clnn_status st = clnn_context_device(ctx, &info);
    if (st != CLNN_SUCCESS)
        return fail(s, "clnn_context_device: %s: %s", clnn_status_string(st), clnn_last_error());
    s->context = clnn_context_cl_context(ctx);
    s->queue = clnn_context_cl_queue(ctx);
    s->device = info.device;
    s->cpu = info.kind == CLNN_DEVICE_KIND_CPU;
    s->width = s->cpu ? 16 : 4;
    s->units = info.compute_units ? info.compute_units : 1;
    s->local = info.max_work_group_size < 64 ? info.max_work_group_size : 64;
    if (s->cpu && s->local > 8) s->local = 8; /* PoCL loops over work-items per thread */
    s->copy_per_item = s->cpu ? 256 : 16;
    s->max_alloc = info.max_alloc_bytes;
    cl_device_fp_config fp = 0;
    cl_int code = clGetDeviceInfo(s->device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
    if (cl_check(s, code, "clGetDeviceInfo(CL_DEVICE_SINGLE_FP_CONFIG)")) return -1;
    s->hardware_fma = (fp & CL_FP_FMA) != 0;
    return 0;
}

static int build_program(peak_state *s)
{
    const char *src = peak_source;
    cl_int code;
    s->program = clCreateProgramWithSource(s->context, 1, &src, NULL, &code);
    if (cl_check(s, code, "clCreateProgramWithSource")) return -1;
    char options[160];
    snprintf(options, sizeof options,
             "-cl-mad-enable -DOP=%s -DVW=%u -DPER=%zu -DCONTIGUOUS=%d",
             s->hardware_fma ? "fma" : "mad", s->width, s->copy_per_item, s->cpu);
    code = clBuildProgram(s->program, 1, &s->device, options, NULL, NULL);
    if (code != CL_SUCCESS) {
        char log[2048] = "";
        clGetProgramBuildInfo(s->program, s->device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log,
                              NULL);
        return fail(s, "clBuildProgram failed (OpenCL error %d): %s", (int)code, log);
    }
    s->fma = clCreateKernel(s->program, "peak_fma", &code);
    if (cl_check(s, code, "clCreateKernel(peak_fma)")) return -1;
    s->copy = clCreateKernel(s->program, "peak_copy", &code);
    return cl_check(s, code, "clCreateKernel(peak_copy)");
}

/* One launch of `kernel` over `global` work-items, waited for; wall seconds. */
static int run_timed(peak_state *s, cl_kernel kernel, size_t global, double *seconds)
{
    double t0 = peak_now();
    cl_int code = clEnqueueNDRangeKernel(s->queue, kernel, 1, NULL, &global, &s->local, 0,
                                         NULL, NULL);
    if (cl_check(s, code, "clEnqueueNDRangeKernel")) return -1;
    if (cl_check(s, clFinish(s->queue), "clFinish")) return -1;
    *seconds = peak_now() - t0;
    return 0;
}

/* Median of PEAK_RUNS launches (after the caller's warm-up). */
static int run_median(peak_state *s, cl_kernel kernel, size_t global, double *seconds)
{
    double times[PEAK_RUNS];
    for (size_t i = 0; i < PEAK_RUNS; i++)
        if (run_timed(s, kernel, global, &times[i])) return -1;
    *seconds = peak_median(times, PEAK_RUNS);
    return 0;
}

static int set_iterations(peak_state *s, cl_int iterations)
{
    return cl_check(s, clSetKernelArg(s->fma, 3, sizeof iterations, &iterations),
                    "clSetKernelArg(iterations)");
}

/* Loop trips that make a run of `iterations` trips lasting `seconds` last about
 * PEAK_TARGET_S. */
static cl_int scaled_iterations(cl_int iterations, double seconds)
{
    if (seconds >= PEAK_TARGET_S) return iterations;
    double scaled = iterations * (PEAK_TARGET_S / (seconds > 1e-6 ? seconds : 1e-6));
    return scaled >= PEAK_MAX_ITERATIONS ? PEAK_MAX_ITERATIONS : (cl_int)scaled;
}

static int measure_fma(peak_state *s, double *gflops)
{
    /* Enough work-groups per compute unit to balance, few enough to stay short. */
    size_t global = s->local * s->units * (s->cpu ? 8 : 64);
    cl_int code;
    cl_mem out = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY,
                                global * s->width * sizeof(float), NULL, &code);
    if (cl_check(s, code, "clCreateBuffer(fma)")) return -1;
    float b = 0.9999f, c = 0.0001f; /* x -> x*b + c stays near 1: no overflow/denormals */
    int rc = cl_check(s, clSetKernelArg(s->fma, 0, sizeof out, &out), "clSetKernelArg");
    if (!rc) rc = cl_check(s, clSetKernelArg(s->fma, 1, sizeof b, &b), "clSetKernelArg");
    if (!rc) rc = cl_check(s, clSetKernelArg(s->fma, 2, sizeof c, &c), "clSetKernelArg");

    /* Warm-up (the first enqueue JITs), then grow the loop until a run is long
     * enough to time, then scale it to PEAK_TARGET_S; scale again when the median
     * shows that a slow one-off run (a late compile) misled the estimate. */
    double t = 0;
    cl_int iterations = 4;
    if (!rc) rc = set_iterations(s, iterations);
    if (!rc) rc = run_timed(s, s->fma, global, &t);
    while (!rc) {
        rc = run_timed(s, s->fma, global, &t);
        if (rc || t >= 0.004 || iterations >= PEAK_MAX_ITERATIONS / 8) break;
        iterations *= 8;
        rc = set_iterations(s, iterations);
    }
    for (int attempt = 0; !rc && attempt < 3; attempt++) {
        iterations = scaled_iterations(iterations, t);
        rc = set_iterations(s, iterations);
        if (!rc) rc = run_median(s, s->fma, global, &t);
        if (t >= PEAK_TARGET_S / 3 || iterations >= PEAK_MAX_ITERATIONS) break;
    }
    clReleaseMemObject(out);
    if (rc) return rc;
    double flops = 2.0 * PEAK_ACC * PEAK_UNROLL * s->width * (double)global * iterations;
    *gflops = flops / t * 1e-9;
    return 0;
}

static int measure_copy(peak_state *s, double *gbps)
{
    size_t chunk = s->width * sizeof(float) * s->copy_per_item * s->local;
    uint64_t limit = s->max_alloc < PEAK_COPY_BYTES ? s->max_alloc : PEAK_COPY_BYTES;
    size_t bytes = (size_t)(limit / chunk) * chunk;
    if (bytes == 0) return fail(s, "the device's largest buffer is too small to measure");
    size_t global = bytes / (s->width * sizeof(float) * s->copy_per_item);

    cl_int code, code2;
    cl_mem in = clCreateBuffer(s->context, CL_MEM_READ_ONLY, bytes, NULL, &code);
    cl_mem out = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, bytes, NULL, &code2);
    int rc = cl_check(s, code != CL_SUCCESS ? code : code2, "clCreateBuffer(copy)");
    float one = 1.0f;
    if (!rc)
        rc = cl_check(s, clEnqueueFillBuffer(s->queue, in, &one, sizeof one, 0, bytes, 0, NULL,
                                             NULL), "clEnqueueFillBuffer");
    if (!rc) rc = cl_check(s, clSetKernelArg(s->copy, 0, sizeof in, &in), "clSetKernelArg");
    if (!rc) rc = cl_check(s, clSetKernelArg(s->copy, 1, sizeof out, &out), "clSetKernelArg");
    double t = 0;
    if (!rc) rc = run_timed(s, s->copy, global, &t); /* warm-up: JIT, first touch */
    if (!rc) rc = run_median(s, s->copy, global, &t);
    if (in) clReleaseMemObject(in);
    if (out) clReleaseMemObject(out);
    if (rc) return rc;
    *gbps = 2.0 * (double)bytes / t * 1e-9;
    return 0;
}

int peak_measure(clnn_context_t ctx, peak_result *out, char *err, size_t errlen)
{
    peak_state s = {0};
    s.err = err;
    s.errlen = errlen;
    if (!ctx || !out) return fail(&s, "peak_measure: NULL argument");
    peak_result r = {0};
    int rc = describe_device(&s, ctx);
    if (!rc) rc = build_program(&s);
    if (!rc) rc = measure_fma(&s, &r.gflops);
    if (!rc) rc = measure_copy(&s, &r.gbps);
    if (s.fma) clReleaseKernel(s.fma);
    if (s.copy) clReleaseKernel(s.copy);
    if (s.program) clReleaseProgram(s.program);
    if (rc) return rc;
    r.vector_width = s.width;
    r.hardware_fma = s.hardware_fma;
    *out = r;
    return 0;
}
