/* Programs: source lookup (embedded or CLNN_KERNEL_DIR), build with options, the
 * per-context in-memory cache of programs and kernels, and the disk binary cache. */
#include "program.h"
#include "cl_sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMON_HEADER "common.clh"

typedef struct clnn_kernel_entry {
    struct clnn_kernel_entry *next;
    char *name;
    cl_kernel kernel;
} clnn_kernel_entry;

struct clnn_program_entry {
    struct clnn_program_entry *next;
    char *source_name;
    char *options;
    cl_program program;
    clnn_kernel_entry *kernels;
};

/* ------------------------------------------------------------------ sources */

static char *read_text_file(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (!path) return NULL;
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) return NULL;
    char *text = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
            if (fread(text, 1, (size_t)size, f) != (size_t)size) {
                free(text);
                text = NULL;
            } else {
                text[size] = '\0';
            }
        }
    }
    fclose(f);
    return text;
}

static const char *embedded_source(const char *name)
{
    for (size_t i = 0; i < clnn_cl_source_count; i++)
        if (strcmp(clnn_cl_sources[i].name, name) == 0) return clnn_cl_sources[i].text;
    return NULL;
}

/* One source file, from CLNN_KERNEL_DIR when set, else embedded. Caller frees. */
static clnn_status load_source_file(clnn_context_t ctx, const char *name, char **out)
{
    if (ctx->kernel_dir) {
        *out = read_text_file(ctx->kernel_dir, name);
        if (!*out)
            return clnn_fail(CLNN_IO_ERROR, "cannot read kernel source %s/%s (CLNN_KERNEL_DIR)",
                             ctx->kernel_dir, name);
        return CLNN_SUCCESS;
    }
    const char *text = embedded_source(name);
    if (!text) return clnn_fail(CLNN_INTERNAL, "no embedded kernel source named '%s'", name);
    *out = clnn_strdup(text);
    return *out ? CLNN_SUCCESS : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "kernel source: out of memory");
}

/* The full program text: common.clh, then the file, with #line markers so the
 * compiler's log names the right file and line. */
static clnn_status assemble_source(clnn_context_t ctx, const char *name, char **out)
{
    char *common = NULL, *body = NULL;
    clnn_status st = load_source_file(ctx, COMMON_HEADER, &common);
    if (st == CLNN_SUCCESS) st = load_source_file(ctx, name, &body);
    if (st == CLNN_SUCCESS) {
        size_t n = strlen(common) + strlen(body) + 2 * strlen(name) + 64;
        *out = malloc(n);
        if (*out)
            snprintf(*out, n, "#line 1 \"%s\"\n%s\n#line 1 \"%s\"\n%s", COMMON_HEADER, common,
                     name, body);
        else
            st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "kernel source: out of memory");
    }
    free(common);
    free(body);
    return st;
}

/* ------------------------------------------------------------------- build */

/* Everything a built binary depends on; stored in full in the disk cache. */
static char *program_identity(clnn_context_t ctx, const char *source, const char *options)
{
    const clnn_device_info *d = &ctx->info;
    uint64_t source_hash = clnn_hash64(source, strlen(source), CLNN_HASH_SEED);
    size_t n = strlen(options) + 5 * CLNN_NAME_MAX + 128;
    char *id = malloc(n);
    if (id)
        snprintf(id, n, "clnn %s\nplatform %s\ndevice %s\ndriver %s\nversion %s\n"
                 "source %016llx\noptions %s\n",
                 PACKAGE_VERSION, d->platform_name, d->device_name, d->driver_version,
                 d->device_version, (unsigned long long)source_hash, options);
    return id;
}

static void append_build_log(clnn_context_t ctx, cl_program program)
{
    size_t size = 0;
    if (clGetProgramBuildInfo(program, ctx->info.device, CL_PROGRAM_BUILD_LOG, 0, NULL,
                              &size) != CL_SUCCESS || size == 0)
        return;
    char *log = malloc(size + 1);
    if (!log) return;
    if (clGetProgramBuildInfo(program, ctx->info.device, CL_PROGRAM_BUILD_LOG, size, log,
                              NULL) == CL_SUCCESS) {
        log[size] = '\0';
        clnn_error_append("\nbuild log:\n");
        clnn_error_append(log);
    }
    free(log);
}

static clnn_status build_from_source(clnn_context_t ctx, const char *name, const char *source,
                                     const char *options, cl_program *out)
{
    cl_int err;
    cl_program program = clCreateProgramWithSource(ctx->cl_ctx, 1, &source, NULL, &err);
    if (!program) return clnn_fail_cl(err, "clCreateProgramWithSource");
    err = clBuildProgram(program, 1, &ctx->info.device, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        clnn_status st = clnn_fail(err == CL_BUILD_PROGRAM_FAILURE ? CLNN_BUILD_PROGRAM_FAILURE
                                                                   : CLNN_OPENCL_ERROR,
                                   "building %s with options \"%s\" failed: %s", name,
                                   options, clnn_cl_error_name(err));
        append_build_log(ctx, program);
        clReleaseProgram(program);
        return st;
    }
    *out = program;
    return CLNN_SUCCESS;
}

static cl_program build_from_binary(clnn_context_t ctx, const unsigned char *binary,
                                    size_t size)
{
    cl_int err, binary_status;
    cl_program program = clCreateProgramWithBinary(ctx->cl_ctx, 1, &ctx->info.device, &size,
                                                   &binary, &binary_status, &err);
    if (!program) return NULL;
    if (binary_status != CL_SUCCESS ||
        clBuildProgram(program, 1, &ctx->info.device, NULL, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(program);
        return NULL;
    }
    return program;
}

static void store_binary(clnn_context_t ctx, cl_program program, const char *identity)
{
    size_t size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) !=
            CL_SUCCESS || size == 0)
        return; /* the driver does not give binaries: nothing to cache */
    unsigned char *binary = malloc(size);
    if (!binary) return;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) ==
        CL_SUCCESS)
        clnn_disk_cache_store(ctx->cache_dir, identity, binary, size);
    free(binary);
}

/* Builds a program, through the disk cache when the context has one. */
static clnn_status build_program(clnn_context_t ctx, const char *name, const char *options,
                                 cl_program *out)
{
    char *source = NULL;
    clnn_status st = assemble_source(ctx, name, &source);
    if (st != CLNN_SUCCESS) return st;
    char *identity = ctx->cache_dir ? program_identity(ctx, source, options) : NULL;
    cl_program program = NULL;
    if (identity) {
        size_t size = 0;
        unsigned char *binary = clnn_disk_cache_load(ctx->cache_dir, identity, &size);
        if (binary) {
            program = build_from_binary(ctx, binary, size);
            if (!program) clnn_log_warn("cached binary of %s was rejected; rebuilding", name);
            free(binary);
        }
    }
    if (program) {
        clnn_log_debug("program %s [%s] loaded from the disk cache", name, options);
    } else {
        st = build_from_source(ctx, name, source, options, &program);
        if (st == CLNN_SUCCESS && identity) store_binary(ctx, program, identity);
        if (st == CLNN_SUCCESS) clnn_log_debug("program %s [%s] built", name, options);
    }
    free(identity);
    free(source);
    if (st == CLNN_SUCCESS) *out = program;
    return st;
}

/* ------------------------------------------------------------------- cache */

static struct clnn_program_entry *find_program(clnn_context_t ctx, const char *name,
                                               const char *options)
{
    for (struct clnn_program_entry *e = ctx->programs; e; e = e->next)
        if (strcmp(e->source_name, name) == 0 && strcmp(e->options, options) == 0) return e;
    return NULL;
}

static clnn_status get_program_entry(clnn_context_t ctx, const char *name,
                                     const char *options, struct clnn_program_entry **out)
{
    if (!options) options = "";
    struct clnn_program_entry *e = find_program(ctx, name, options);
    if (e) {
        *out = e;
        return CLNN_SUCCESS;
    }
    e = calloc(1, sizeof *e);
    if (e) {
        e->source_name = clnn_strdup(name);
        e->options = clnn_strdup(options);
    }
    if (!e || !e->source_name || !e->options) {
        if (e) {
            free(e->source_name);
            free(e->options);
            free(e);
        }
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "program cache: out of memory");
    }
    clnn_status st = build_program(ctx, name, options, &e->program);
    if (st != CLNN_SUCCESS) {
        free(e->source_name);
        free(e->options);
        free(e);
        return st;
    }
    e->next = ctx->programs;
    ctx->programs = e;
    *out = e;
    return CLNN_SUCCESS;
}

clnn_status clnn_program_get(clnn_context_t ctx, const char *source_name,
                             const char *options, cl_program *program)
{
    struct clnn_program_entry *e;
    clnn_status st = get_program_entry(ctx, source_name, options, &e);
    if (st == CLNN_SUCCESS) *program = e->program;
    return st;
}

clnn_status clnn_kernel_get(clnn_context_t ctx, const char *source_name,
                            const char *options, const char *kernel_name, cl_kernel *kernel)
{
    struct clnn_program_entry *e;
    clnn_status st = get_program_entry(ctx, source_name, options, &e);
    if (st != CLNN_SUCCESS) return st;
    for (clnn_kernel_entry *k = e->kernels; k; k = k->next) {
        if (strcmp(k->name, kernel_name) == 0) {
            *kernel = k->kernel;
            return CLNN_SUCCESS;
        }
    }
    clnn_kernel_entry *k = calloc(1, sizeof *k);
    if (!k || !(k->name = clnn_strdup(kernel_name))) {
        free(k);
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "kernel cache: out of memory");
    }
    cl_int err;
    k->kernel = clCreateKernel(e->program, kernel_name, &err);
    if (!k->kernel) {
        free(k->name);
        free(k);
        char what[256];
        snprintf(what, sizeof what, "clCreateKernel(%s in %s)", kernel_name, source_name);
        return clnn_fail_cl(err, what);
    }
    k->next = e->kernels;
    e->kernels = k;
    *kernel = k->kernel;
    return CLNN_SUCCESS;
}

void clnn_program_cache_release(clnn_context_t ctx)
{
    struct clnn_program_entry *e = ctx->programs;
    while (e) {
        struct clnn_program_entry *next = e->next;
        clnn_kernel_entry *k = e->kernels;
        while (k) {
            clnn_kernel_entry *knext = k->next;
            clReleaseKernel(k->kernel);
            free(k->name);
            free(k);
            k = knext;
        }
        clReleaseProgram(e->program);
        free(e->source_name);
        free(e->options);
        free(e);
        e = next;
    }
    ctx->programs = NULL;
}

/* ------------------------------------------------------------------ launch */

clnn_status clnn_set_kernel_args(cl_kernel kernel, const clnn_kernel_arg *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cl_int err = clSetKernelArg(kernel, (cl_uint)i, args[i].size, args[i].value);
        if (err != CL_SUCCESS) {
            char what[64];
            snprintf(what, sizeof what, "clSetKernelArg(%zu)", i);
            return clnn_fail_cl(err, what);
        }
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_enqueue_nd(clnn_context_t ctx, cl_kernel kernel, cl_uint dims,
                            const size_t *global, const size_t *local)
{
    cl_event event = NULL;
    cl_int err = clEnqueueNDRangeKernel(ctx->queue, kernel, dims, NULL, global, local, 0, NULL,
                                        CLNN_PROFILE_EVENT(ctx, &event));
    if (err != CL_SUCCESS) return clnn_fail_cl(err, "clEnqueueNDRangeKernel");
    clnn_profile_record(ctx, kernel, NULL, event);
    return CLNN_SUCCESS;
}

clnn_status clnn_enqueue_1d(clnn_context_t ctx, cl_kernel kernel, size_t items)
{
    size_t local = ctx->local_size;
    size_t global = (items + local - 1) / local * local;
    if (global == 0) return CLNN_SUCCESS;
    return clnn_enqueue_nd(ctx, kernel, 1, &global, &local);
}
