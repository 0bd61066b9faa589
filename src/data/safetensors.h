/* What the safetensors reader and writer share. */
#ifndef CLNN_DATA_SAFETENSORS_H
#define CLNN_DATA_SAFETENSORS_H

#include "../core/internal.h"

/* Header length limit, as the reference implementation has it. */
#define CLNN_SAFETENSORS_MAX_HEADER 100000000u

typedef struct clnn_st_dtype {
    const char *name;    /* "F32" */
    size_t size;         /* bytes per element */
    int clnn;            /* the clnn_dtype, or -1 */
} clnn_st_dtype;

/* The dtype called `name` (NULL when unknown). */
const clnn_st_dtype *clnn_st_dtype_by_name(const char *name);
/* The dtype of a clnn dtype (NULL for one safetensors cannot hold). */
const clnn_st_dtype *clnn_st_dtype_by_clnn(clnn_dtype dtype);

/* True on a little-endian host (the file order). */
bool clnn_st_little_endian(void);

#endif
