/* See png.h. A PNG is the signature, then chunks (length, type, data, CRC-32 of
 * type and data): IHDR, one IDAT (the zlib stream of the rows, each prefixed by
 * filter byte 0), IEND. */
#include "png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t head[8];
    put32(head, len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, head + 4, 4);
    if (len) crc = crc32(crc, data, len);
    uint8_t tail[4];
    put32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) &&
                   fwrite(tail, 1, 4, f) == 4
               ? 0
               : -1;
}

int png_write_gray(const char *path, const uint8_t *pixels, int width, int height)
{
    static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    size_t row = (size_t)width + 1, raw_len = row * (size_t)height;
    uLongf packed_len = compressBound((uLong)raw_len);
    uint8_t *raw = malloc(raw_len), *packed = malloc(packed_len);
    int rc = -1;
    if (!raw || !packed || width < 1 || height < 1) goto out;
    for (int y = 0; y < height; y++) {
        raw[(size_t)y * row] = 0; /* filter: none */
        memcpy(raw + (size_t)y * row + 1, pixels + (size_t)y * (size_t)width, (size_t)width);
    }
    if (compress2(packed, &packed_len, raw, (uLong)raw_len, 9) != Z_OK) goto out;
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)width);
    put32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 0;  /* grayscale */
    ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filters, no interlace */
    FILE *f = fopen(path, "wb");
    if (!f) goto out;
    rc = fwrite(signature, 1, 8, f) == 8 && !chunk(f, "IHDR", ihdr, 13) &&
                 !chunk(f, "IDAT", packed, (uint32_t)packed_len) && !chunk(f, "IEND", NULL, 0)
             ? 0
             : -1;
    if (fclose(f) != 0) rc = -1;
out:
    free(raw);
    free(packed);
    return rc;
}
