/* CLBlast parameter overrides per device class (DESIGN section 6).
 *
 * CLBlast's tuning database has no entry for CPU OpenCL implementations such as
 * PoCL, and its defaults run GEMM at a few percent of a CPU's peak. The table below
 * holds parameter sets measured with `clnn-bench gemm` (figures in the comments).
 * Entries are matched on capabilities and names, most specific first. */
#include "gemm.h"

#include <clblast_c.h>
#include <pthread.h>
#include <string.h>

typedef struct clblast_override {
    const char *kernel;      /* CLBlast kernel family: "Xgemm", "GemmRoutine", ... */
    size_t count;
    const char *names[16];
    size_t values[16];
} clblast_override;

typedef struct gemm_tuning_entry {
    const char *name;
    clnn_device_kind kind;
    const char *platform_substring; /* NULL: any */
    const char *device_substring;   /* NULL: any */
    size_t override_count;
    clblast_override overrides[4];
} gemm_tuning_entry;

#define XGEMM_NAMES                                                                        \
    {"GEMMK", "KREG", "KWG", "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB", "NDIMC", "NWG", "SA", \
     "SB", "STRM", "STRN", "VWM", "VWN"}

/* PoCL on x86-64 CPUs (measured on a 2-core AVX-512 Xeon, median of 15, GFLOPS,
 * CLBlast defaults -> this set): 1024^3 16.5 -> 90, 256^3 31 -> 76,
 * 64x3136x576 33 -> 113, 1024^3 A^T 17 -> 108, B^T 17 -> 94. What mattered: local
 * memory tiles (SA=SB=1), 64x64 work-group tiles (3136 = 64 * 49, so no padding),
 * 16x8 outputs per work-item, 8-wide vectors (16-wide was 2-5x slower), and the
 * indirect kernel from 128 (m*n*k)^(1/3) up, where it beats the direct one.
 * On rusticl/llvmpipe the same set is ~20 % slower than the defaults, so it is
 * matched to PoCL only. */
static const gemm_tuning_entry tuning_table[] = {
    {"pocl-cpu",
     CLNN_DEVICE_KIND_CPU,
     "Portable Computing Language",
     NULL,
     2,
     {{"Xgemm", 16, XGEMM_NAMES, {0, 1, 32, 2, 4, 4, 64, 8, 8, 64, 1, 1, 0, 0, 8, 8}},
      {"GemmRoutine", 1, {"XGEMM_MIN_INDIRECT_SIZE"}, {128}}}},
};

static const gemm_tuning_entry *find_entry(const clnn_device_info *info)
{
    for (size_t i = 0; i < CLNN_ARRAY_SIZE(tuning_table); i++) {
        const gemm_tuning_entry *e = &tuning_table[i];
        if (e->kind != info->kind) continue;
        if (e->platform_substring && !clnn_str_icontains(info->platform_name, e->platform_substring))
            continue;
        if (e->device_substring && !clnn_str_icontains(info->device_name, e->device_substring))
            continue;
        return e;
    }
    return NULL;
}

const char *clnn_gemm_tuning_name(const clnn_device_info *info)
{
    const gemm_tuning_entry *e = find_entry(info);
    return e ? e->name : "default";
}

/* Devices whose overrides are already applied in this process. */
static pthread_mutex_t tuned_lock = PTHREAD_MUTEX_INITIALIZER;
static cl_device_id tuned_devices[64];
static size_t tuned_count;

clnn_status clnn_gemm_apply_tuning(clnn_context_t ctx)
{
    if (ctx->gemm_tuning == CLNN_GEMM_TUNING_DEFAULT) return CLNN_SUCCESS;
    const gemm_tuning_entry *entry = find_entry(&ctx->info);
    if (!entry) return CLNN_SUCCESS;

    clnn_status st = CLNN_SUCCESS;
    pthread_mutex_lock(&tuned_lock);
    bool done = false;
    for (size_t i = 0; i < tuned_count && !done; i++) done = tuned_devices[i] == ctx->info.device;
    for (size_t i = 0; i < entry->override_count && !done; i++) {
        const clblast_override *o = &entry->overrides[i];
        CLBlastStatusCode code = CLBlastOverrideParameters(
            ctx->info.device, o->kernel, CLBlastPrecisionSingle, o->count,
            (const char **)o->names, o->values);
        if (code != CLBlastSuccess) {
            st = clnn_fail(CLNN_INTERNAL, "CLBlast rejected the '%s' overrides for %s (%d)",
                           entry->name, o->kernel, (int)code);
            break;
        }
    }
    if (!done && st == CLNN_SUCCESS) {
        if (tuned_count < CLNN_ARRAY_SIZE(tuned_devices))
            tuned_devices[tuned_count++] = ctx->info.device;
        clnn_log_info("GEMM: CLBlast parameters '%s' for %s", entry->name, ctx->info.device_name);
    }
    pthread_mutex_unlock(&tuned_lock);
    return st;
}
