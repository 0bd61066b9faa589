/* Kernel parameter sets (include/clnn/tuning.h): the database file (tuning_db.c)
 * and the shipped table with its application to CLBlast (gemm_tuning.c). */
#ifndef CLNN_CORE_TUNING_H
#define CLNN_CORE_TUNING_H

#include "context.h"

#include <clnn/tuning.h>

/* CLBlast kernel families clnn tunes, in the order they are applied. */
extern const char *const clnn_tuning_families[];
extern const size_t clnn_tuning_family_count;

/* Checks names, count and family; CLNN_INVALID_VALUE names the problem. */
clnn_status clnn_tuning_check(const clnn_tuning_params *p, const char *fn);

/* The database file of ctx's device (caller frees); NULL without a cache dir. */
char *clnn_tuning_db_path(clnn_context_t ctx);
/* The family's valid entry in the database, if any (bad lines are logged). */
bool clnn_tuning_db_find(clnn_context_t ctx, const char *family, clnn_tuning_params *out);
/* Replaces or adds the family's entry. */
clnn_status clnn_tuning_db_store(clnn_context_t ctx, const clnn_tuning_params *p);

/* The shipped table's set for the family on this device; returns the entry's name,
 * or NULL when the table has none. */
const char *clnn_tuning_table_find(const clnn_device_info *info, const char *family,
                                   clnn_tuning_params *out);

/* Applies one set to the device through CLBlastOverrideParameters. */
clnn_status clnn_tuning_override(const clnn_device_info *info, const clnn_tuning_params *p,
                                 const char *fn);
/* Marks the device as tuned for this process (clnn_tuning_set), so the first GEMM
 * does not replace the caller's sets with the database's or the table's. */
void clnn_tuning_mark_applied(cl_device_id device);

#endif
