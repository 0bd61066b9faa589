/* Internal declarations shared by every part of the library (not installed). */
#ifndef CLNN_INTERNAL_H
#define CLNN_INTERNAL_H

#include "config.h"

#define CLNN_BUILDING_LIBRARY 1
#include <clnn.h>

#include <stdarg.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define CLNN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLNN_PRINTF(f, a)
#endif

/* ---- errors (status.c) */

/* Records "message" as this thread's last error and returns `status`. */
clnn_status clnn_fail(clnn_status status, const char *fmt, ...) CLNN_PRINTF(2, 3);
/* Maps an OpenCL error to a status and records "<what>: <CL_ERROR_NAME>". */
clnn_status clnn_fail_cl(cl_int err, const char *what);
const char *clnn_cl_error_name(cl_int err);
/* Appends to the last error (e.g. a build log). */
void clnn_error_append(const char *text);

/* ---- logging (log.c) */

void clnn_log(clnn_log_level level, const char *fmt, ...) CLNN_PRINTF(2, 3);
#define clnn_log_error(...) clnn_log(CLNN_LOG_ERROR, __VA_ARGS__)
#define clnn_log_warn(...) clnn_log(CLNN_LOG_WARN, __VA_ARGS__)
#define clnn_log_info(...) clnn_log(CLNN_LOG_INFO, __VA_ARGS__)
#define clnn_log_debug(...) clnn_log(CLNN_LOG_DEBUG, __VA_ARGS__)

/* ---- environment (env.c): the only place that reads the process environment. */

typedef enum clnn_gemm_tuning_mode {
    CLNN_GEMM_TUNING_TABLE = 0,   /* clnn's shipped overrides where they exist */
    CLNN_GEMM_TUNING_DEFAULT = 1  /* CLBlast's own parameters                  */
} clnn_gemm_tuning_mode;

typedef struct clnn_env {
    int log_level;              /* -1 when CLNN_LOG is unset                      */
    const char *device;         /* CLNN_DEVICE or NULL                            */
    const char *cache_dir;      /* resolved disk cache directory, or NULL if none */
    bool disk_cache_enabled;    /* false when CLNN_CACHE_DIR is "off"             */
    const char *kernel_dir;     /* CLNN_KERNEL_DIR or NULL                        */
    clnn_gemm_tuning_mode gemm_tuning;
    const char *conv_algo;      /* CLNN_CONV_ALGO or NULL (parsed by conv.c)       */
    const char *attention_algo; /* CLNN_ATTENTION_ALGO or NULL (attention.c)       */
    bool profile;               /* CLNN_PROFILE set to anything but "" or "0"     */
} clnn_env;

/* The environment snapshot (read on first call, again after clnn_env_reload). The
 * pointer stays valid until the next reload. */
const clnn_env *clnn_env_get(void);

/* ---- small helpers (util.c) */

uint64_t clnn_hash64(const void *data, size_t size, uint64_t seed);
#define CLNN_HASH_SEED 0xcbf29ce484222325ull
char *clnn_strdup(const char *s);
/* Case-insensitive substring test. */
bool clnn_str_icontains(const char *haystack, const char *needle);
/* Overflow-checked size arithmetic: return false on overflow. */
bool clnn_mul_size(size_t a, size_t b, size_t *out);
bool clnn_add_size(size_t a, size_t b, size_t *out);

#define CLNN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CLNN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CLNN_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif /* CLNN_INTERNAL_H */
