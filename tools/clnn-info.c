/* clnn-info: lists the OpenCL platforms and devices clnn sees, their capabilities,
 * the device clnn picks by default and why, and the measured peak (GFLOPS, GB/s)
 * that clnn-bench reports against. */
#define _POSIX_C_SOURCE 200809L

#include "peak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char prog[] = "clnn-info";

typedef struct info_options {
    const char *device; /* --device SPEC: measure this one; NULL: the default */
    int peak;           /* 0 with --no-peak                                    */
} info_options;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [--device SPEC] [--no-peak] [--help]\n"
            "Lists the OpenCL platforms and devices, marks the one clnn uses by default\n"
            "and measures its peak fp32 GFLOPS and memory bandwidth.\n"
            "\n"
            "  --device SPEC  measure this device instead of the default: \"P:D\"\n"
            "                 (platform:device index) or part of a platform or device\n"
            "                 name (\"pocl\", \"rusticl\"); same syntax as CLNN_DEVICE\n"
            "  --no-peak      list only, measure nothing\n"
            "  --help         show this help\n",
            prog);
}

/* 0: run; 1: help shown; -1: bad usage (reported). */
static int parse_args(int argc, char **argv, info_options *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(argv[i], "--no-peak") == 0) {
            o->peak = 0;
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            o->device = argv[++i];
        } else {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog, argv[i]);
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

static const char *kind_name(clnn_device_kind kind)
{
    switch (kind) {
    case CLNN_DEVICE_KIND_GPU: return "GPU";
    case CLNN_DEVICE_KIND_ACCELERATOR: return "accelerator";
    case CLNN_DEVICE_KIND_CPU: return "CPU";
    default: return "other";
    }
}

static const char *yes_no(int flag) { return flag ? "yes" : "no"; }

/* "512 KiB", "1.0 GiB": the largest unit that keeps the number >= 1. */
static const char *format_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = (double)bytes;
    size_t u = 0;
    while (value >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        value /= 1024.0;
        u++;
    }
    snprintf(buf, len, u == 0 || value == (double)(uint64_t)value ? "%.0f %s" : "%.1f %s",
             value, units[u]);
    return buf;
}

static int same_device(const clnn_device_info *a, const clnn_device_info *b)
{
    return a && b && a->platform_index == b->platform_index &&
           a->device_index == b->device_index;
}

static void print_device(const clnn_device_info *d, int is_default)
{
    char mem[32], alloc[32], local[32];
    printf("  [%u:%u] %s%s\n", d->platform_index, d->device_index, d->device_name,
           is_default ? "   <- default" : "");
    printf("      kind               %s%s\n", kind_name(d->kind),
           d->integrated ? " (integrated, shares host memory)" : "");
    printf("      vendor             %s\n", d->vendor);
    printf("      driver             %s\n", d->driver_version);
    printf("      device version     %s\n", d->device_version);
    printf("      OpenCL C           %d.%d\n", d->opencl_c_major, d->opencl_c_minor);
    printf("      compute units      %u at %u MHz\n", d->compute_units, d->max_clock_mhz);
    printf("      global memory      %s (largest buffer %s)\n",
           format_bytes(d->global_mem_bytes, mem, sizeof mem),
           format_bytes(d->max_alloc_bytes, alloc, sizeof alloc));
    printf("      local memory       %s (%s)\n", format_bytes(d->local_mem_bytes, local,
                                                          sizeof local),
           d->local_mem_is_real ? "dedicated" : "emulated in global memory");
    printf("      max work-group     %zu\n", d->max_work_group_size);
    printf("      fp16 / fp64        %s / %s\n", yes_no(d->has_fp16), yes_no(d->has_fp64));
    printf("      subgroups          %s\n", yes_no(d->has_subgroups));
    printf("      float vector width %u (preferred)\n", d->preferred_float_vector_width);
    printf("      available          %s\n", yes_no(d->available));
}

/* Number of platforms and the name of platform `index` straight from OpenCL, so
 * platforms without devices (which clnn_device_list cannot show) appear too. */
static unsigned platform_count(void)
{
    cl_uint n = 0;
    return clGetPlatformIDs(0, NULL, &n) == CL_SUCCESS ? n : 0;
}

static void platform_name(unsigned index, char *name, size_t len)
{
    snprintf(name, len, "(unknown)");
    cl_platform_id ids[64];
    cl_uint n = 0;
    if (clGetPlatformIDs(64, ids, &n) != CL_SUCCESS || index >= n) return;
    clGetPlatformInfo(ids[index], CL_PLATFORM_NAME, len, name, NULL);
}

static void print_platforms(const clnn_device_info *devs, size_t count,
                            const clnn_device_info *chosen)
{
    unsigned platforms = platform_count();
    for (size_t i = 0; i < count; i++)
        if (devs[i].platform_index >= platforms) platforms = devs[i].platform_index + 1;
    for (unsigned p = 0; p < platforms; p++) {
        char name[CLNN_NAME_MAX];
        size_t shown = 0;
        platform_name(p, name, sizeof name);
        for (size_t i = 0; i < count; i++) {
            if (devs[i].platform_index != p) continue;
            if (shown++ == 0) printf("Platform %u: %s\n", p, devs[i].platform_name);
            print_device(&devs[i], same_device(&devs[i], chosen));
        }
        if (shown == 0) printf("Platform %u: %s\n  (no devices)\n", p, name);
        printf("\n");
    }
}

/* All devices, allocated; *count 0 and 0 returned when there is none. */
static int list_devices(clnn_device_info **devs, size_t *count)
{
    *devs = NULL;
    *count = 0;
    size_t n = 0;
    clnn_status st = clnn_device_list(NULL, 0, &n);
    if (st == CLNN_DEVICE_NOT_FOUND) return 0;
    if (st != CLNN_SUCCESS) {
        peak_print_clnn_error(prog, "clnn_device_list", st);
        return -1;
    }
    if (n == 0) return 0;
    *devs = calloc(n, sizeof **devs);
    if (!*devs) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return -1;
    }
    st = clnn_device_list(*devs, n, &n); /* a device may have gone meanwhile */
    if (st != CLNN_SUCCESS) {
        peak_print_clnn_error(prog, "clnn_device_list", st);
        free(*devs);
        *devs = NULL;
        return -1;
    }
    *count = n;
    return 0;
}

static int print_peak(const char *spec)
{
    clnn_context_t ctx = NULL;
    clnn_status st = clnn_context_create_on(spec, &ctx);
    if (st != CLNN_SUCCESS) {
        peak_print_clnn_error(prog, "clnn_context_create", st);
        return -1;
    }
    clnn_device_info d;
    st = clnn_context_device(ctx, &d);
    if (st != CLNN_SUCCESS) {
        peak_print_clnn_error(prog, "clnn_context_device", st);
        clnn_context_destroy(ctx);
        return -1;
    }
    printf("Peak of [%u:%u] %s (measured):\n", d.platform_index, d.device_index, d.device_name);
    fflush(stdout);
    peak_result r;
    char err[2048];
    int rc = peak_measure(ctx, &r, err, sizeof err);
    clnn_context_destroy(ctx);
    if (rc) {
        fprintf(stderr, "%s: peak measurement failed: %s\n", prog, err);
        return -1;
    }
    printf("  fp32 compute       %.1f GFLOPS (float%u %s chains)\n", r.gflops, r.vector_width,
           r.hardware_fma ? "fma" : "mad");
    printf("  global memory      %.1f GB/s (float%u copy, read + write)\n", r.gbps,
           r.vector_width);
    printf("  These are the 100 %% lines for clnn-bench.\n");
    return 0;
}

int main(int argc, char **argv)
{
    info_options o = {NULL, 1};
    int parsed = parse_args(argc, argv, &o);
    if (parsed) return parsed > 0 ? 0 : 2;

    printf("clnn %s\n\n", clnn_version());
    clnn_device_info *devs;
    size_t count;
    if (list_devices(&devs, &count)) return 1;
    if (count == 0) {
        printf("No OpenCL device found: no OpenCL platform (ICD) is installed, or none "
               "has a device.\nInstall one (e.g. PoCL: apt install pocl-opencl-icd) and "
               "check /etc/OpenCL/vendors.\n");
        return 1;
    }

    clnn_device_info chosen;
    char reason[512] = "";
    clnn_status st = clnn_device_select(NULL, &chosen, reason, sizeof reason);
    print_platforms(devs, count, st == CLNN_SUCCESS ? &chosen : NULL);
    free(devs);
    if (st != CLNN_SUCCESS) {
        peak_print_clnn_error(prog, "choosing the default device", st);
        return 1;
    }
    printf("Default device: [%u:%u] %s (%s)\n  why: %s\n\n", chosen.platform_index,
           chosen.device_index, chosen.device_name, chosen.platform_name, reason);
    fflush(stdout);
    if (o.peak && print_peak(o.device)) return 1;
    return 0;
}
