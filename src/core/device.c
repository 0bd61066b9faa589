/* Device enumeration through the ICD loader, capability queries and the default
 * choice (DESIGN section 4). */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void query_string(cl_device_id d, cl_device_info what, char *out, size_t size)
{
    out[0] = '\0';
    if (clGetDeviceInfo(d, what, size, out, NULL) != CL_SUCCESS) out[0] = '\0';
    out[size - 1] = '\0';
}

static char *query_extensions(cl_device_id d)
{
    size_t size = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &size) != CL_SUCCESS || !size)
        return NULL;
    char *ext = malloc(size + 1);
    if (!ext) return NULL;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, size, ext, NULL) != CL_SUCCESS) {
        free(ext);
        return NULL;
    }
    ext[size] = '\0';
    return ext;
}

static bool list_has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        bool starts = p == list || p[-1] == ' ';
        bool ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends) return true;
    }
    return false;
}

bool clnn_device_has_extension(cl_device_id device, const char *extension)
{
    char *ext = query_extensions(device);
    bool found = ext && list_has_word(ext, extension);
    free(ext);
    return found;
}

/* "OpenCL C 1.2 pocl" -> 1, 2 */
static void parse_c_version(const char *text, int *major, int *minor)
{
    *major = 1;
    *minor = 0;
    const char *p = strstr(text, "OpenCL C ");
    if (p) sscanf(p + 9, "%d.%d", major, minor);
}

clnn_status clnn_device_query(cl_platform_id platform, cl_device_id device,
                              clnn_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->platform = platform;
    info->device = device;
    if (clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof info->platform_name,
                          info->platform_name, NULL) != CL_SUCCESS)
        info->platform_name[0] = '\0';
    info->platform_name[CLNN_NAME_MAX - 1] = '\0';
    query_string(device, CL_DEVICE_NAME, info->device_name, sizeof info->device_name);
    query_string(device, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    query_string(device, CL_DRIVER_VERSION, info->driver_version,
                 sizeof info->driver_version);
    query_string(device, CL_DEVICE_VERSION, info->device_version,
                 sizeof info->device_version);

    char c_version[CLNN_NAME_MAX];
    query_string(device, CL_DEVICE_OPENCL_C_VERSION, c_version, sizeof c_version);
    parse_c_version(c_version, &info->opencl_c_major, &info->opencl_c_minor);

    cl_device_type type = 0;
    cl_uint units = 0, clock = 0, width = 0;
    cl_ulong global = 0, alloc = 0, local = 0;
    cl_device_local_mem_type local_type = CL_GLOBAL;
    cl_bool unified = CL_FALSE, available = CL_FALSE, compiler = CL_FALSE;
    size_t wg = 0;
    cl_int err = clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof clock, &clock,
                           NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global, &global, NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof alloc, &alloc,
                           NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_LOCAL_MEM_TYPE, sizeof local_type,
                           &local_type, NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_AVAILABLE, sizeof available, &available,
                           NULL);
    err |= clGetDeviceInfo(device, CL_DEVICE_COMPILER_AVAILABLE, sizeof compiler,
                           &compiler, NULL);
    if (err != CL_SUCCESS)
        return clnn_fail(CLNN_OPENCL_ERROR, "clGetDeviceInfo failed for device '%s'",
                         info->device_name);
    /* Optional queries: a missing answer leaves a safe default. */
    clGetDeviceInfo(device, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL);
    clGetDeviceInfo(device, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, sizeof width, &width,
                    NULL);

    info->kind = (type & CL_DEVICE_TYPE_GPU)           ? CLNN_DEVICE_KIND_GPU
                 : (type & CL_DEVICE_TYPE_ACCELERATOR) ? CLNN_DEVICE_KIND_ACCELERATOR
                 : (type & CL_DEVICE_TYPE_CPU)         ? CLNN_DEVICE_KIND_CPU
                                                       : CLNN_DEVICE_KIND_OTHER;
    info->integrated = unified == CL_TRUE;
    info->compute_units = units;
    info->max_clock_mhz = clock;
    info->max_work_group_size = wg;
    info->global_mem_bytes = global;
    info->max_alloc_bytes = alloc;
    info->local_mem_bytes = local;
    info->local_mem_is_real = local_type == CL_LOCAL;
    info->preferred_float_vector_width = width ? width : 1;
    info->available = available == CL_TRUE && compiler == CL_TRUE;

    char *ext = query_extensions(device);
    if (ext) {
        info->has_fp16 = list_has_word(ext, "cl_khr_fp16");
        info->has_fp64 = list_has_word(ext, "cl_khr_fp64");
        info->has_subgroups = list_has_word(ext, "cl_khr_subgroups") ||
                              list_has_word(ext, "cl_intel_subgroups");
        free(ext);
    }
    return CLNN_SUCCESS;
}

/* Enumerates all devices into a malloc'ed array. */
static clnn_status enumerate(clnn_device_info **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    cl_uint nplat = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &nplat);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (err == CL_SUCCESS && nplat == 0))
        return clnn_fail(CLNN_DEVICE_NOT_FOUND,
                         "no OpenCL platform found (is an ICD installed? On Debian: "
                         "pocl-opencl-icd for CPUs; check /etc/OpenCL/vendors)");
    if (err != CL_SUCCESS) return clnn_fail_cl(err, "clGetPlatformIDs");

    cl_platform_id *plats = calloc(nplat, sizeof *plats);
    if (!plats) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "device list: out of memory");
    clnn_status st = CLNN_SUCCESS;
    clnn_device_info *infos = NULL;
    size_t n = 0;
    err = clGetPlatformIDs(nplat, plats, NULL);
    if (err != CL_SUCCESS) {
        st = clnn_fail_cl(err, "clGetPlatformIDs");
        goto done;
    }
    for (cl_uint p = 0; p < nplat; p++) {
        cl_uint ndev = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &ndev) != CL_SUCCESS ||
            ndev == 0)
            continue; /* a platform without devices (e.g. rusticl not enabled) */
        cl_device_id *devs = calloc(ndev, sizeof *devs);
        clnn_device_info *grown = realloc(infos, (n + ndev) * sizeof *infos);
        if (!devs || !grown) {
            free(devs);
            if (grown) infos = grown;
            st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "device list: out of memory");
            goto done;
        }
        infos = grown;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, ndev, devs, NULL) == CL_SUCCESS) {
            for (cl_uint d = 0; d < ndev; d++) {
                if (clnn_device_query(plats[p], devs[d], &infos[n]) != CLNN_SUCCESS)
                    continue;
                infos[n].platform_index = p;
                infos[n].device_index = d;
                n++;
            }
        }
        free(devs);
    }
    if (n == 0)
        st = clnn_fail(CLNN_DEVICE_NOT_FOUND,
                       "OpenCL platforms exist but none has a device (for Mesa's "
                       "rusticl set RUSTICL_ENABLE=llvmpipe)");
done:
    free(plats);
    if (st != CLNN_SUCCESS) {
        free(infos);
        return st;
    }
    *out = infos;
    *count = n;
    return CLNN_SUCCESS;
}

clnn_status clnn_device_list(clnn_device_info *devices, size_t capacity, size_t *count)
{
    if (!count) return clnn_fail(CLNN_NULL_POINTER, "clnn_device_list: count is NULL");
    if (capacity > 0 && !devices)
        return clnn_fail(CLNN_NULL_POINTER,
                         "clnn_device_list: devices is NULL but capacity is %zu", capacity);
    clnn_device_info *all;
    size_t n;
    clnn_status st = enumerate(&all, &n);
    if (st != CLNN_SUCCESS) return st;
    if (devices) memcpy(devices, all, CLNN_MIN(n, capacity) * sizeof *all);
    *count = n;
    free(all);
    return CLNN_SUCCESS;
}

/* Higher is better: kind first, then discrete over integrated, then units x clock. */
static double device_score(const clnn_device_info *d)
{
    static const double kind_rank[] = {3, 2, 1, 0};
    double throughput = (double)d->compute_units * (d->max_clock_mhz ? d->max_clock_mhz : 1);
    return (d->available ? 1e15 : 0) + kind_rank[d->kind] * 1e13 +
           (d->kind == CLNN_DEVICE_KIND_GPU && !d->integrated ? 1e12 : 0) + throughput;
}

static const char *kind_name(clnn_device_kind kind)
{
    static const char *const names[] = {"GPU", "accelerator", "CPU", "other"};
    return names[kind];
}

/* Writes "  P:D  platform / device (kind)" lines for error messages. */
static void describe_all(const clnn_device_info *all, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "\n  %u:%u  %s / %s (%s)",
                         all[i].platform_index, all[i].device_index, all[i].platform_name,
                         all[i].device_name, kind_name(all[i].kind));
        if (w < 0) break;
        used += (size_t)w;
    }
}

static bool parse_index_spec(const char *spec, unsigned *p, unsigned *d)
{
    char tail;
    return sscanf(spec, "%u:%u%c", p, d, &tail) == 2;
}

clnn_status clnn_device_select(const char *spec, clnn_device_info *out, char *reason,
                               size_t reason_size)
{
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "clnn_device_select: out is NULL");
    const char *source = "argument";
    if (!spec) {
        spec = clnn_env_get()->device;
        source = "CLNN_DEVICE";
    }
    clnn_device_info *all;
    size_t n;
    clnn_status st = enumerate(&all, &n);
    if (st != CLNN_SUCCESS) return st;

    long best = -1;
    char why[512];
    if (spec) {
        unsigned p, d;
        bool by_index = parse_index_spec(spec, &p, &d);
        for (size_t i = 0; i < n && best < 0; i++) {
            bool match = by_index ? all[i].platform_index == p && all[i].device_index == d
                                  : clnn_str_icontains(all[i].platform_name, spec) ||
                                        clnn_str_icontains(all[i].device_name, spec);
            if (match) best = (long)i;
        }
        snprintf(why, sizeof why, "chosen by %s=\"%s\"", source, spec);
    } else {
        for (size_t i = 0; i < n; i++)
            if (best < 0 || device_score(&all[i]) > device_score(&all[best])) best = (long)i;
        if (best >= 0)
            snprintf(why, sizeof why,
                     "default rule: best %s%s (GPU > accelerator > CPU, discrete first, "
                     "then compute units x clock = %u x %u MHz)",
                     all[best].kind == CLNN_DEVICE_KIND_GPU && !all[best].integrated
                         ? "discrete " : "",
                     kind_name(all[best].kind), all[best].compute_units,
                     all[best].max_clock_mhz);
    }
    if (best < 0 || !all[best].available) {
        char list[4096];
        describe_all(all, n, list, sizeof list);
        st = best < 0 ? clnn_fail(CLNN_DEVICE_NOT_FOUND,
                                  "no OpenCL device matches %s=\"%s\"; devices:%s", source,
                                  spec ? spec : "", list)
                      : clnn_fail(CLNN_DEVICE_NOT_FOUND,
                                  "device '%s' is not available or has no compiler; "
                                  "devices:%s", all[best].device_name, list);
        free(all);
        return st;
    }
    *out = all[best];
    if (reason && reason_size) snprintf(reason, reason_size, "%s", why);
    free(all);
    return CLNN_SUCCESS;
}
