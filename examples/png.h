/* A small PNG writer over zlib: 8-bit grayscale, one IDAT chunk. */
#ifndef CLNN_EXAMPLES_PNG_H
#define CLNN_EXAMPLES_PNG_H

#include <stdint.h>

/* Writes `width` x `height` gray pixels (row-major, 0 black .. 255 white) to
 * `path`. Returns 0 on success, -1 on an I/O or zlib error (errno may say why). */
int png_write_gray(const char *path, const uint8_t *pixels, int width, int height);

#endif
