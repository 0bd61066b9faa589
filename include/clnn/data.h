/*
 * clnn/data.h: data sets and weight files on the host. Nothing here touches a
 * device: everything lives in host memory the caller (or the model layer) uploads.
 *
 *  - IDX files (the MNIST format), plain or gzip-compressed.
 *  - The MNIST / Fashion-MNIST data set as float32 images and int32 labels.
 *  - safetensors files: a strict reader and a writer.
 *
 * Every loader validates its input completely: a malformed file gives
 * CLNN_BAD_FORMAT and a file that cannot be opened or read gives CLNN_IO_ERROR,
 * each with a clnn_last_error() message naming the file and the problem. On failure
 * nothing leaks and the output arguments are left untouched.
 */
#ifndef CLNN_DATA_H
#define CLNN_DATA_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- IDX */

/* Element types, numbered as the IDX magic's third byte. */
typedef enum clnn_idx_type {
    CLNN_IDX_UBYTE = 0x08,   /* uint8_t  */
    CLNN_IDX_BYTE = 0x09,    /* int8_t   */
    CLNN_IDX_SHORT = 0x0B,   /* int16_t  */
    CLNN_IDX_INT = 0x0C,     /* int32_t  */
    CLNN_IDX_FLOAT = 0x0D,   /* float    */
    CLNN_IDX_DOUBLE = 0x0E   /* double   */
} clnn_idx_type;

/* Limits of the reader: rank 1..CLNN_IDX_MAX_RANK, at most CLNN_IDX_MAX_BYTES of
 * data (4 GiB). */
#define CLNN_IDX_MAX_RANK 8
#define CLNN_IDX_MAX_BYTES ((uint64_t)1 << 32)

/* A loaded IDX file. `data` holds count elements of `type`, row-major, already
 * converted from the file's big-endian order to the host's. */
typedef struct clnn_idx {
    clnn_idx_type type;
    int rank;                             /* 1 .. CLNN_IDX_MAX_RANK         */
    uint32_t dims[CLNN_IDX_MAX_RANK];     /* each >= 1; unused entries are 0 */
    size_t count;                         /* product of dims                */
    size_t element_size;                  /* bytes per element              */
    void *data;                           /* count * element_size bytes     */
} clnn_idx;

/* Reads an IDX file: magic 0x00 0x00 <type> <rank>, `rank` big-endian uint32
 * dimensions, then the elements in big-endian order. gzip-compressed files are
 * recognised by their content (not their name) and decompressed on the fly.
 * CLNN_BAD_FORMAT (the message says which): a bad magic, an unknown type, rank 0
 * or above CLNN_IDX_MAX_RANK, a dimension of 0, a data size above
 * CLNN_IDX_MAX_BYTES, data shorter than the dimensions say, bytes after the data
 * (trailing garbage is rejected: it means the file is not what its header says;
 * zlib itself ignores bytes after a complete gzip stream), corrupt or truncated
 * gzip data. CLNN_IO_ERROR: the file cannot be opened or read.
 * Memory grows with the data actually read, so a lying header cannot make the
 * reader allocate gigabytes for a small file. Free the result with
 * clnn_idx_free(). */
CLNN_API clnn_status clnn_idx_load(const char *path, clnn_idx **out);

/* Frees a loaded file (NULL is a no-op). */
CLNN_API void clnn_idx_free(clnn_idx *idx);

/* ---------------------------------------------------------------- data sets */

/* The directory of Debian's dataset-fashion-mnist package. */
#define CLNN_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef enum clnn_dataset_split {
    CLNN_DATASET_TRAIN = 0,   /* train-images-idx3-ubyte, train-labels-idx1-ubyte */
    CLNN_DATASET_TEST = 1     /* t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte   */
} clnn_dataset_split;

/* An image classification data set in host memory. */
typedef struct clnn_dataset {
    size_t count;                  /* N                                        */
    int classes;                   /* labels are 0 .. classes - 1              */
    clnn_tensor_desc images_desc;  /* float32 [N, 1, H, W]                     */
    clnn_tensor_desc labels_desc;  /* int32 [N]                                */
    float *images;                 /* N*H*W pixels scaled to [0, 1] (v / 255)  */
    int32_t *labels;               /* N labels                                 */
} clnn_dataset;

/* Loads one split of MNIST or Fashion-MNIST (the same file layout) from `dir`;
 * NULL means CLNN_FASHION_MNIST_DIR. Each file is looked up with the ".gz" suffix
 * first, then without. The images file must be ubyte [N, H, W] and the labels file
 * ubyte [N] with the same N and every label in 0..9 (classes is 10); anything else
 * is CLNN_BAD_FORMAT naming the file. Fashion-MNIST gives N = 60000 (train) or
 * 10000 (test) and H = W = 28. A missing file is CLNN_IO_ERROR and the message
 * names the Debian package dataset-fashion-mnist. CLNN_INVALID_VALUE for an
 * unknown split. Free the result with clnn_dataset_free(). */
CLNN_API clnn_status clnn_dataset_load_mnist(const char *dir, clnn_dataset_split split,
                                             clnn_dataset **out);

/* Frees a data set (NULL is a no-op). */
CLNN_API void clnn_dataset_free(clnn_dataset *dataset);

/* -------------------------------------------------------------- safetensors */

/* The safetensors format: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON mapping tensor names to {"dtype", "shape", "data_offsets"} (plus an
 * optional "__metadata__" object of string values), then the data buffer, each
 * tensor little-endian and row-major at its [begin, end) offsets. */

/* One tensor to write. dims[0 .. rank-1] are used; a dimension may be 0 (an empty
 * tensor, for which `data` may be NULL). */
typedef struct clnn_safetensors_entry {
    const char *name;                /* non-empty UTF-8, unique, not "__metadata__" */
    clnn_dtype dtype;                /* CLNN_FLOAT32 -> F32, INT32 -> I32, INT64 -> I64 */
    int rank;                        /* 0 (scalar) .. CLNN_MAX_RANK              */
    int64_t dims[CLNN_MAX_RANK];     /* each >= 0                                */
    const void *data;                /* host-order elements, row-major           */
} clnn_safetensors_entry;

/* Writes `count` tensors and `metadata_count` metadata pairs (metadata[2i] is a
 * key, metadata[2i+1] its value; metadata may be NULL when metadata_count is 0) to
 * `path`, through a temporary file in the same directory renamed over `path`, so a
 * failed save leaves any existing file intact. The header is padded with spaces to
 * a multiple of 8 bytes and tensors are laid out by descending element size, so
 * every tensor's data starts aligned to its element size. CLNN_NULL_POINTER /
 * CLNN_INVALID_VALUE name the bad entry (empty, duplicate or reserved name, bad
 * dtype, rank or dimension, invalid UTF-8, a size that overflows); CLNN_IO_ERROR
 * names the file when writing fails. */
CLNN_API clnn_status clnn_safetensors_save(const char *path,
                                           const clnn_safetensors_entry *entries,
                                           size_t count, const char *const *metadata,
                                           size_t metadata_count);

/* A parsed safetensors file held in host memory (opaque). */
typedef struct clnn_safetensors clnn_safetensors;

/* What the file says about one tensor. The strings belong to the file handle. */
typedef struct clnn_safetensors_info {
    const char *name;
    const char *dtype_name;          /* as in the file: "F32", "BF16", "I64" ...  */
    size_t element_size;             /* bytes per element                        */
    int has_dtype;                   /* 1 when the dtype is F32, I32 or I64      */
    clnn_dtype dtype;                /* the matching clnn dtype when has_dtype   */
    int rank;                        /* 0 .. CLNN_MAX_RANK                       */
    int64_t dims[CLNN_MAX_RANK];     /* each >= 0; unused entries are 1          */
    size_t bytes;                    /* element_size * product of dims           */
} clnn_safetensors_info;

/* Reads a whole file into memory and validates it. CLNN_BAD_FORMAT (the message
 * names the file and the problem): a file shorter than 8 bytes, a header length
 * above 100 MB or beyond the file, a header that is not strict JSON (objects,
 * arrays, strings, integers only; valid UTF-8; no duplicate keys; no \u0000),
 * a tensor entry without exactly the keys dtype, shape and data_offsets, an
 * unknown dtype (known: BOOL U8 I8 F8_E4M3 F8_E5M2 U16 I16 F16 BF16 U32 I32 F32
 * U64 I64 F64), a rank above CLNN_MAX_RANK, a negative dimension, offsets whose
 * length is not element size x element count, offsets beyond the data, tensors
 * that overlap or leave gaps, and bytes after the last tensor (the data buffer
 * must be covered exactly, as the reference implementation requires).
 * CLNN_IO_ERROR: the file cannot be opened or read. */
CLNN_API clnn_status clnn_safetensors_load(const char *path, clnn_safetensors **out);

/* The same from bytes in memory (copied); `what` names the source in messages
 * (NULL: "memory"). For embedding and fuzzing. */
CLNN_API clnn_status clnn_safetensors_parse(const void *bytes, size_t size, const char *what,
                                            clnn_safetensors **out);

/* Frees a file handle (NULL is a no-op). */
CLNN_API void clnn_safetensors_free(clnn_safetensors *file);

/* Number of tensors (0 for NULL). Tensors keep the file's header order. */
CLNN_API size_t clnn_safetensors_count(const clnn_safetensors *file);

/* Describes tensor `index` (CLNN_INVALID_VALUE when index >= count). */
CLNN_API clnn_status clnn_safetensors_info_at(const clnn_safetensors *file, size_t index,
                                              clnn_safetensors_info *info);

/* Describes the tensor called `name` (CLNN_INVALID_VALUE naming it when absent). */
CLNN_API clnn_status clnn_safetensors_find(const clnn_safetensors *file, const char *name,
                                           clnn_safetensors_info *info);

/* Copies the tensor `name` into `dst`; `dst_bytes` must equal its size
 * (CLNN_SHAPE_MISMATCH otherwise). Elements are copied as stored (little-endian). */
CLNN_API clnn_status clnn_safetensors_read(const clnn_safetensors *file, const char *name,
                                           void *dst, size_t dst_bytes);

/* Points `*data` at the tensor's bytes inside the handle's buffer (valid until
 * clnn_safetensors_free) and sets `*bytes`. The pointer is aligned to the element
 * size for files clnn_safetensors_save wrote; for other files copy before casting. */
CLNN_API clnn_status clnn_safetensors_data(const clnn_safetensors *file, const char *name,
                                           const void **data, size_t *bytes);

/* Metadata: the number of pairs, pair `index` (CLNN_INVALID_VALUE when out of
 * range), and the value of `key` (NULL when absent or for NULL arguments). */
CLNN_API size_t clnn_safetensors_metadata_count(const clnn_safetensors *file);
CLNN_API clnn_status clnn_safetensors_metadata_at(const clnn_safetensors *file, size_t index,
                                                  const char **key, const char **value);
CLNN_API const char *clnn_safetensors_metadata_get(const clnn_safetensors *file,
                                                   const char *key);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_DATA_H */
