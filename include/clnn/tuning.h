/*
 * clnn/tuning.h: kernel parameter sets and the persistent tuning database.
 *
 * CLBlast's GEMM kernels are compiled with a parameter set per device (tile sizes,
 * vector widths, work-group shape; its "kernel families" Xgemm, XgemmDirect,
 * GemmRoutine, Copy, Pad, Transpose, Padtranspose). For each family clnn uses, in
 * this order:
 *   1. the tuning database in the cache directory, written by clnn_tuning_save()
 *      (`clnn-bench --tune gemm` searches and saves the winner);
 *   2. clnn's shipped table, matched most specific first (device > vendor and
 *      architecture > kind);
 *   3. CLBlast's own defaults.
 * CLNN_GEMM_TUNING=default skips 1 and 2, and clnn's own GEMM kernel that
 * clnn_gemm runs on CPUs for small shapes (clnn/gemm_batched.h): CLBlast as it
 * comes. The choice is made once per device and
 * process, when the first GEMM runs (CLBlast's parameters are process-wide).
 *
 * The database is one text file per device and driver,
 *   <cache dir>/tuning-<hash>.txt
 * (clnn_tuning_database_path), whose header names the platform, device and driver
 * version it was measured on; a file for another device or driver (e.g. after a
 * driver update) is ignored. Each entry is one line,
 *   <family> <NAME>=<value> ... checksum=<16 hex digits>
 * Lines that do not parse or whose checksum does not match are ignored with a
 * warning in the log, and the table applies for that family. No cache directory
 * (CLNN_CACHE_DIR=off) means no database: clnn_tuning_save() then returns
 * CLNN_NOT_SUPPORTED.
 */
#ifndef CLNN_TUNING_H
#define CLNN_TUNING_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLNN_TUNING_MAX_PARAMS 16
#define CLNN_TUNING_NAME_MAX 32

/* One kernel family's parameter set. Names and family are [A-Za-z0-9_], as
 * CLBlast spells them ("Xgemm", "MWG"). */
typedef struct clnn_tuning_params {
    char family[CLNN_TUNING_NAME_MAX];
    unsigned count;                                       /* 1..16 */
    char names[CLNN_TUNING_MAX_PARAMS][CLNN_TUNING_NAME_MAX];
    size_t values[CLNN_TUNING_MAX_PARAMS];
} clnn_tuning_params;

typedef enum clnn_tuning_source {
    CLNN_TUNING_FROM_DEFAULT = 0,  /* CLBlast's defaults (count is 0)   */
    CLNN_TUNING_FROM_TABLE = 1,    /* clnn's shipped table              */
    CLNN_TUNING_FROM_DATABASE = 2  /* the tuning database               */
} clnn_tuning_source;

/* The parameter set the next process would use for `family` on ctx's device, and
 * where it comes from (reads the database now). `out->count` is 0 for
 * CLNN_TUNING_FROM_DEFAULT. `table_name` (may be NULL) receives the table entry's
 * name, "database" or "default". */
CLNN_API clnn_status clnn_tuning_get(clnn_context_t ctx, const char *family,
                                     clnn_tuning_params *out, clnn_tuning_source *source,
                                     char *table_name, size_t table_name_len);

/* Applies `params` to ctx's device for the rest of this process, in place of the
 * database's or the table's set for that family (the other families keep theirs),
 * and drops CLBlast's compiled programs so the next GEMM is built with them (for searches; slow: every GEMM recompiles). CLBlast checks
 * the set: an unknown family or parameter, or an incomplete set, gives
 * CLNN_INVALID_VALUE with CLBlast's status in the message. */
CLNN_API clnn_status clnn_tuning_set(clnn_context_t ctx, const clnn_tuning_params *params);

/* Stores `params` in the database for ctx's device and driver, replacing the
 * family's entry (the file is rewritten through a temporary file and a rename).
 * Statuses: CLNN_NULL_POINTER, CLNN_INVALID_VALUE (malformed names, count 0 or
 * over 16), CLNN_NOT_SUPPORTED (no cache directory), CLNN_IO_ERROR (the file
 * cannot be written). */
CLNN_API clnn_status clnn_tuning_save(clnn_context_t ctx, const clnn_tuning_params *params);

/* The database file's path for ctx's device (it need not exist yet). */
CLNN_API clnn_status clnn_tuning_database_path(clnn_context_t ctx, char *path, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_TUNING_H */
