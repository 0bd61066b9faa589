/*
 * clnn/core.h: the runtime every clnn call stands on.
 *
 * Conventions (they hold for the whole library):
 *  - Every fallible function returns a clnn_status. CLNN_SUCCESS is 0; errors are
 *    negative. clnn_status_string() names a status; clnn_last_error() gives the
 *    detail of the last failure on the calling thread (which argument, which shape,
 *    the OpenCL error name, a kernel build log).
 *  - On failure nothing leaks, output arguments and the caller's buffers are left as
 *    they were.
 *  - destroy(NULL) is a no-op.
 *  - The library never prints to stdout and never exits; it logs through a handler
 *    (stderr by default, level from CLNN_LOG or clnn_log_set_level()).
 *  - A context wraps one device and one in-order command queue. Use one context per
 *    thread, or serialize calls on a shared one.
 */
#ifndef CLNN_CORE_H
#define CLNN_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CLNN_BUILDING_LIBRARY) && defined(__GNUC__)
#define CLNN_API __attribute__((visibility("default")))
#else
#define CLNN_API
#endif

/* ------------------------------------------------------------------ status */

typedef enum clnn_status {
    CLNN_SUCCESS = 0,
    CLNN_INVALID_VALUE = -1,          /* an argument is out of its valid range     */
    CLNN_NULL_POINTER = -2,           /* a required pointer argument is NULL       */
    CLNN_SHAPE_MISMATCH = -3,         /* tensor shapes do not fit together         */
    CLNN_OUT_OF_HOST_MEMORY = -4,
    CLNN_OUT_OF_DEVICE_MEMORY = -5,   /* includes sizes above the device's limits  */
    CLNN_NOT_SUPPORTED = -6,          /* valid request the library/device can't do */
    CLNN_DEVICE_NOT_FOUND = -7,       /* no OpenCL device, or none matches a choice*/
    CLNN_BUILD_PROGRAM_FAILURE = -8,  /* kernel compile failed; log in last error  */
    CLNN_OPENCL_ERROR = -9,           /* any other OpenCL failure                  */
    CLNN_INSUFFICIENT_WORKSPACE = -10,
    CLNN_IO_ERROR = -11,
    CLNN_BAD_FORMAT = -12,            /* a file or blob is malformed               */
    CLNN_INTERNAL = -13               /* a bug in clnn; please report it           */
} clnn_status;

/* A constant name for a status, e.g. "CLNN_INVALID_VALUE"; never NULL. */
CLNN_API const char *clnn_status_string(clnn_status status);

/* Detail of the last failure on this thread (empty string if none). The pointer is
 * valid until the next clnn call on this thread. */
CLNN_API const char *clnn_last_error(void);

/* Forget the last error of this thread. */
CLNN_API void clnn_clear_error(void);

/* The library version as "MAJOR.MINOR.PATCH". */
CLNN_API const char *clnn_version(void);

/* clnn reads its CLNN_* environment variables (CLNN_LOG, CLNN_DEVICE,
 * CLNN_CACHE_DIR, CLNN_KERNEL_DIR, CLNN_GEMM_TUNING; see README.md) once, on first
 * use. This re-reads them; contexts created afterwards see the new values. */
CLNN_API void clnn_env_reload(void);

/* ----------------------------------------------------------------- logging */

typedef enum clnn_log_level {
    CLNN_LOG_OFF = 0,
    CLNN_LOG_ERROR = 1,
    CLNN_LOG_WARN = 2,   /* default */
    CLNN_LOG_INFO = 3,
    CLNN_LOG_DEBUG = 4
} clnn_log_level;

/* Receives every message at or below the current level. `message` has no newline. */
typedef void (*clnn_log_handler)(clnn_log_level level, const char *message, void *user);

/* Installs a handler (NULL restores the default, which writes to stderr). */
CLNN_API void clnn_log_set_handler(clnn_log_handler handler, void *user);
/* Sets the level; the initial level comes from CLNN_LOG (off, error, warn, info,
 * debug, or 0-4), else warn. */
CLNN_API void clnn_log_set_level(clnn_log_level level);
CLNN_API clnn_log_level clnn_log_get_level(void);

/* ----------------------------------------------------------------- devices */

#define CLNN_NAME_MAX 256

typedef enum clnn_device_kind {
    CLNN_DEVICE_KIND_GPU = 0,
    CLNN_DEVICE_KIND_ACCELERATOR = 1,
    CLNN_DEVICE_KIND_CPU = 2,
    CLNN_DEVICE_KIND_OTHER = 3
} clnn_device_kind;

/* What clnn knows of a device: queried once, read by kernels and algorithm
 * choices (never the vendor name alone). */
typedef struct clnn_device_info {
    unsigned platform_index;       /* position in clGetPlatformIDs            */
    unsigned device_index;         /* position within the platform            */
    cl_platform_id platform;
    cl_device_id device;
    clnn_device_kind kind;
    int integrated;                /* 1: shares memory with the host          */
    char platform_name[CLNN_NAME_MAX];
    char device_name[CLNN_NAME_MAX];
    char vendor[CLNN_NAME_MAX];
    char driver_version[CLNN_NAME_MAX];
    char device_version[CLNN_NAME_MAX];   /* "OpenCL 3.0 PoCL ..."            */
    int opencl_c_major;            /* highest OpenCL C version supported      */
    int opencl_c_minor;
    unsigned compute_units;
    unsigned max_clock_mhz;
    size_t max_work_group_size;
    uint64_t global_mem_bytes;
    uint64_t max_alloc_bytes;      /* largest single buffer                   */
    uint64_t local_mem_bytes;
    int local_mem_is_real;         /* 1: dedicated local memory (CL_LOCAL)    */
    int has_fp16;                  /* cl_khr_fp16                             */
    int has_fp64;                  /* cl_khr_fp64                             */
    int has_subgroups;             /* cl_khr_subgroups or cl_intel_subgroups  */
    unsigned preferred_float_vector_width;
    int available;                 /* CL_DEVICE_AVAILABLE and compiler present*/
} clnn_device_info;

/* Lists every OpenCL device of every platform the ICD loader finds. Writes up to
 * `capacity` entries into `devices` (may be NULL when capacity is 0) and the total
 * number found into `*count`. No platform at all gives CLNN_DEVICE_NOT_FOUND. */
CLNN_API clnn_status clnn_device_list(clnn_device_info *devices, size_t capacity,
                                      size_t *count);

/* Chooses a device. `spec` NULL means the CLNN_DEVICE environment variable, and if
 * that is unset the default rule: a GPU (discrete before integrated, then by
 * compute units x clock), else an accelerator, else a CPU.
 * A spec is "P:D" (platform and device index) or a case-insensitive substring of
 * the platform or device name ("pocl", "rusticl", "nvidia"). A spec that matches
 * nothing fails with CLNN_DEVICE_NOT_FOUND and lists the devices in
 * clnn_last_error(). `reason` (may be NULL) receives why the device was chosen. */
CLNN_API clnn_status clnn_device_select(const char *spec, clnn_device_info *out,
                                        char *reason, size_t reason_size);

/* ---------------------------------------------------------------- contexts */

typedef struct clnn_context *clnn_context_t;

/* Creates a context on the device clnn_device_select(NULL, ...) picks. */
CLNN_API clnn_status clnn_context_create(clnn_context_t *ctx);

/* Creates a context on the device `spec` names (see clnn_device_select). */
CLNN_API clnn_status clnn_context_create_on(const char *spec, clnn_context_t *ctx);

/* Adopts a caller's OpenCL context and in-order queue (clnn retains both and
 * releases its references on destroy). The queue's device is used. */
CLNN_API clnn_status clnn_context_adopt(cl_context cl_ctx, cl_command_queue queue,
                                        clnn_context_t *ctx);

/* Waits for queued work, then releases everything the context holds. */
CLNN_API void clnn_context_destroy(clnn_context_t ctx);

/* The device the context runs on. */
CLNN_API clnn_status clnn_context_device(clnn_context_t ctx, clnn_device_info *out);

/* The underlying OpenCL objects (owned by the context; do not release). NULL for a
 * NULL context. */
CLNN_API cl_context clnn_context_cl_context(clnn_context_t ctx);
CLNN_API cl_command_queue clnn_context_cl_queue(clnn_context_t ctx);

/* Blocks until all work queued on the context has finished. Operations only
 * enqueue work; downloads and this call are the synchronisation points. */
CLNN_API clnn_status clnn_context_finish(clnn_context_t ctx);

/* ----------------------------------------------------------------- tensors */

#define CLNN_MAX_RANK 8

typedef enum clnn_dtype {
    CLNN_FLOAT32 = 0,
    CLNN_INT32 = 1,   /* indices */
    CLNN_INT64 = 2    /* indices, as ONNX stores them */
} clnn_dtype;

/* Shape and type of a dense, row-major (C-contiguous) tensor; NCHW and [N,T,C]
 * as ONNX lays them out. A value type: set it with clnn_tensor_desc_set(). */
typedef struct clnn_tensor_desc {
    clnn_dtype dtype;
    int rank;                      /* 0 (scalar) .. CLNN_MAX_RANK             */
    int64_t dims[CLNN_MAX_RANK];   /* each >= 1; unused entries are 1         */
} clnn_tensor_desc;

/* Fills `desc`. Fails with CLNN_INVALID_VALUE for a bad dtype, a rank outside
 * 0..CLNN_MAX_RANK, a dimension < 1, or an element count whose byte size
 * overflows; `desc` is then left untouched. */
CLNN_API clnn_status clnn_tensor_desc_set(clnn_tensor_desc *desc, clnn_dtype dtype,
                                          int rank, const int64_t *dims);

/* Number of elements and bytes a descriptor covers. */
CLNN_API clnn_status clnn_tensor_desc_count(const clnn_tensor_desc *desc,
                                            int64_t *elements);
CLNN_API clnn_status clnn_tensor_desc_bytes(const clnn_tensor_desc *desc,
                                            size_t *bytes);

/* Size of one element of `dtype` in bytes (0 for an unknown dtype). */
CLNN_API size_t clnn_dtype_size(clnn_dtype dtype);

/* A device buffer with its descriptor, owned by clnn. Operations take
 * (descriptor, cl_mem, byte offset) so callers may use their own buffers too;
 * these helpers cover the common case. */
typedef struct clnn_tensor *clnn_tensor_t;

/* Allocates a tensor on the context's device (contents undefined). Sizes above
 * the device's CL_DEVICE_MAX_MEM_ALLOC_SIZE fail with CLNN_OUT_OF_DEVICE_MEMORY
 * before anything is allocated. */
CLNN_API clnn_status clnn_tensor_create(clnn_context_t ctx, const clnn_tensor_desc *desc,
                                        clnn_tensor_t *tensor);
CLNN_API void clnn_tensor_destroy(clnn_tensor_t tensor);

/* Accessors; NULL for a NULL tensor. */
CLNN_API const clnn_tensor_desc *clnn_tensor_get_desc(clnn_tensor_t tensor);
CLNN_API cl_mem clnn_tensor_get_buffer(clnn_tensor_t tensor);

/* Copies `bytes` (which must equal the tensor's byte size) from host memory to the
 * tensor, or back. Both wait for completion. */
CLNN_API clnn_status clnn_tensor_upload(clnn_tensor_t tensor, const void *host,
                                        size_t bytes);
CLNN_API clnn_status clnn_tensor_download(clnn_tensor_t tensor, void *host,
                                          size_t bytes);

/* Sets every element of a float32 tensor to `value` (enqueued, no wait). */
CLNN_API clnn_status clnn_tensor_fill(clnn_tensor_t tensor, float value);

/* Copies `src` into `dst`; both must have the same dtype and element count
 * (CLNN_SHAPE_MISMATCH otherwise) and belong to one context. */
CLNN_API clnn_status clnn_tensor_copy(clnn_tensor_t dst, clnn_tensor_t src);

/* Host <-> buffer transfers for caller-owned buffers: `offset` and `bytes` are
 * checked against the buffer's size. Both wait for completion. */
CLNN_API clnn_status clnn_buffer_write(clnn_context_t ctx, cl_mem buffer, size_t offset,
                                       const void *host, size_t bytes);
CLNN_API clnn_status clnn_buffer_read(clnn_context_t ctx, cl_mem buffer, size_t offset,
                                      void *host, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_CORE_H */
