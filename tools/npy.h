/* Minimal .npy (NumPy format 1.0/2.0) read and write for little-endian float32,
 * int64 and int32 C-order arrays. */
#ifndef CLNN_TOOLS_NPY_H
#define CLNN_TOOLS_NPY_H

#include <clnn/onnx.h>
#include <stddef.h>

/* Parses a whole .npy file held in memory into `value` (data malloc'd; name
 * NULL). Returns 0, or -1 with a message in `err`. */
int npy_parse(const unsigned char *buf, size_t size, clnn_onnx_value *value, char *err,
              size_t err_size);
/* Reads `path` (via npy_parse). */
int npy_read(const char *path, clnn_onnx_value *value, char *err, size_t err_size);
/* Writes `value` to `path`. Returns 0, or -1 with a message in `err`. */
int npy_write(const char *path, const clnn_onnx_value *value, char *err, size_t err_size);

#endif
