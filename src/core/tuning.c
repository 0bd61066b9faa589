/* The public face of kernel tuning (include/clnn/tuning.h). */
#include "gemm.h"
#include "tuning.h"

#include <clblast_c.h>
#include <stdio.h>
#include <string.h>

static clnn_status check_family_arg(const char *family, const char *fn)
{
    if (!family) return clnn_fail(CLNN_NULL_POINTER, "%s: family is NULL", fn);
    for (size_t i = 0; i < clnn_tuning_family_count; i++)
        if (strcmp(family, clnn_tuning_families[i]) == 0) return CLNN_SUCCESS;
    return clnn_fail(CLNN_INVALID_VALUE,
                     "%s: family '%s' is not one clnn tunes (Xgemm, XgemmDirect, GemmRoutine, "
                     "Copy, Pad, Transpose, Padtranspose)",
                     fn, family);
}

clnn_status clnn_tuning_get(clnn_context_t ctx, const char *family, clnn_tuning_params *out,
                            clnn_tuning_source *source, char *table_name, size_t table_name_len)
{
    static const char fn[] = "clnn_tuning_get";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && (!out || !source))
        st = clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, out ? "source" : "out");
    if (st == CLNN_SUCCESS) st = check_family_arg(family, fn);
    if (st != CLNN_SUCCESS) return st;
    clnn_tuning_params p;
    const char *name = "default";
    memset(&p, 0, sizeof p);
    *source = CLNN_TUNING_FROM_DEFAULT;
    if (ctx->gemm_tuning == CLNN_GEMM_TUNING_DEFAULT) {
        /* CLNN_GEMM_TUNING=default: neither database nor table */
    } else if (clnn_tuning_db_find(ctx, family, &p)) {
        *source = CLNN_TUNING_FROM_DATABASE;
        name = "database";
    } else if ((name = clnn_tuning_table_find(&ctx->info, family, &p)) != NULL) {
        *source = CLNN_TUNING_FROM_TABLE;
    } else {
        name = "default";
        memset(&p, 0, sizeof p);
        snprintf(p.family, sizeof p.family, "%s", family);
    }
    *out = p;
    if (table_name && table_name_len) snprintf(table_name, table_name_len, "%s", name);
    return CLNN_SUCCESS;
}

clnn_status clnn_tuning_set(clnn_context_t ctx, const clnn_tuning_params *params)
{
    static const char fn[] = "clnn_tuning_set";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !params) st = clnn_fail(CLNN_NULL_POINTER, "%s: params is NULL", fn);
    if (st == CLNN_SUCCESS) st = clnn_tuning_check(params, fn);
    /* the other families keep the database's or the table's sets: apply those
     * first (once per process), then this one on top */
    if (st == CLNN_SUCCESS) st = clnn_gemm_apply_tuning(ctx);
    if (st == CLNN_SUCCESS) st = clnn_tuning_override(&ctx->info, params, fn);
    if (st != CLNN_SUCCESS) return st;
    clnn_tuning_mark_applied(ctx->info.device);
    /* CLBlast caches compiled programs per device, not per parameter set */
    clFinish(ctx->queue);
    CLBlastClearCache();
    return CLNN_SUCCESS;
}

clnn_status clnn_tuning_save(clnn_context_t ctx, const clnn_tuning_params *params)
{
    static const char fn[] = "clnn_tuning_save";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !params) st = clnn_fail(CLNN_NULL_POINTER, "%s: params is NULL", fn);
    if (st == CLNN_SUCCESS) st = clnn_tuning_check(params, fn);
    if (st == CLNN_SUCCESS && !ctx->cache_dir)
        st = clnn_fail(CLNN_NOT_SUPPORTED,
                       "%s: no cache directory for the tuning database (CLNN_CACHE_DIR is "
                       "off, or no HOME)",
                       fn);
    return st == CLNN_SUCCESS ? clnn_tuning_db_store(ctx, params) : st;
}

clnn_status clnn_tuning_database_path(clnn_context_t ctx, char *path, size_t len)
{
    static const char fn[] = "clnn_tuning_database_path";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS && !path) st = clnn_fail(CLNN_NULL_POINTER, "%s: path is NULL", fn);
    if (st != CLNN_SUCCESS) return st;
    if (!ctx->cache_dir)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: no cache directory (CLNN_CACHE_DIR is off)", fn);
    char *p = clnn_tuning_db_path(ctx);
    if (!p) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    size_t n = strlen(p);
    if (n >= len)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: len %zu is too small for %zu characters", fn, len,
                       n);
    else memcpy(path, p, n + 1);
    free(p);
    return st;
}
