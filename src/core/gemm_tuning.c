/* CLBlast parameter overrides per device class (DESIGN section 6).
 *
 * CLBlast's tuning database has no entry for CPU OpenCL implementations such as
 * PoCL, and its defaults run GEMM at a few percent of a CPU's peak. The table below
 * holds parameter sets measured with `clnn-bench gemm` (figures in the comments).
 * Entries are matched on capabilities and names, most specific first. */
#include "gemm.h"
#include "tuning.h"

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

const char *const clnn_tuning_families[] = {"Xgemm",     "XgemmDirect", "GemmRoutine", "Copy",
                                            "Pad",       "Transpose",   "Padtranspose"};
const size_t clnn_tuning_family_count = CLNN_ARRAY_SIZE(clnn_tuning_families);

const char *clnn_tuning_table_find(const clnn_device_info *info, const char *family,
                                   clnn_tuning_params *out)
{
    const gemm_tuning_entry *e = find_entry(info);
    for (size_t i = 0; e && i < e->override_count; i++) {
        const clblast_override *o = &e->overrides[i];
        if (strcmp(o->kernel, family) != 0) continue;
        memset(out, 0, sizeof *out);
        snprintf(out->family, sizeof out->family, "%s", o->kernel);
        out->count = (unsigned)o->count;
        for (size_t j = 0; j < o->count; j++) {
            snprintf(out->names[j], sizeof out->names[j], "%s", o->names[j]);
            out->values[j] = o->values[j];
        }
        return e->name;
    }
    return NULL;
}

const char *clnn_gemm_tuning_name(const clnn_device_info *info)
{
    const gemm_tuning_entry *e = find_entry(info);
    return e ? e->name : "default";
}

clnn_status clnn_tuning_override(const clnn_device_info *info, const clnn_tuning_params *p,
                                 const char *fn)
{
    const char *names[CLNN_TUNING_MAX_PARAMS];
    for (unsigned i = 0; i < p->count; i++) names[i] = p->names[i];
    CLBlastStatusCode code = CLBlastOverrideParameters(info->device, p->family,
                                                       CLBlastPrecisionSingle, p->count, names,
                                                       p->values);
    if (code == CLBlastSuccess) return CLNN_SUCCESS;
    return clnn_fail(CLNN_INVALID_VALUE,
                     "%s: CLBlast rejected the %s parameters for %s (status %d: an unknown "
                     "family or parameter, or an incomplete set)",
                     fn, p->family, info->device_name, (int)code);
}

/* Devices whose parameters are already chosen in this process. */
static pthread_mutex_t tuned_lock = PTHREAD_MUTEX_INITIALIZER;
static cl_device_id tuned_devices[64];
static size_t tuned_count;

static bool tuned_locked(cl_device_id device)
{
    for (size_t i = 0; i < tuned_count; i++)
        if (tuned_devices[i] == device) return true;
    return false;
}

static void mark_locked(cl_device_id device)
{
    if (!tuned_locked(device) && tuned_count < CLNN_ARRAY_SIZE(tuned_devices))
        tuned_devices[tuned_count++] = device;
}

void clnn_tuning_mark_applied(cl_device_id device)
{
    pthread_mutex_lock(&tuned_lock);
    mark_locked(device);
    pthread_mutex_unlock(&tuned_lock);
}

clnn_status clnn_gemm_apply_tuning(clnn_context_t ctx)
{
    if (ctx->gemm_tuning == CLNN_GEMM_TUNING_DEFAULT) return CLNN_SUCCESS;
    clnn_status st = CLNN_SUCCESS;
    pthread_mutex_lock(&tuned_lock);
    if (!tuned_locked(ctx->info.device)) {
        int from_db = 0, from_table = 0;
        for (size_t i = 0; i < clnn_tuning_family_count && st == CLNN_SUCCESS; i++) {
            clnn_tuning_params p;
            if (clnn_tuning_db_find(ctx, clnn_tuning_families[i], &p)) from_db++;
            else if (clnn_tuning_table_find(&ctx->info, clnn_tuning_families[i], &p)) from_table++;
            else continue;
            st = clnn_tuning_override(&ctx->info, &p, "GEMM tuning");
        }
        if (st == CLNN_SUCCESS) {
            mark_locked(ctx->info.device);
            if (from_db || from_table)
                clnn_log_info("GEMM: CLBlast parameters for %s: %d sets from the tuning "
                              "database, %d from the table '%s'",
                              ctx->info.device_name, from_db, from_table,
                              clnn_gemm_tuning_name(&ctx->info));
        }
    }
    pthread_mutex_unlock(&tuned_lock);
    return st;
}
