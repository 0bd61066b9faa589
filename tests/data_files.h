/* Shared by the data suites: a private temporary directory and file helpers. */
#ifndef CLNN_TEST_DATA_FILES_H
#define CLNN_TEST_DATA_FILES_H

#include "harness.h"

#include <stddef.h>

/* "<temporary directory>/<name>" (freed after the current test). The directory
 * is created on first use and removed with its contents at exit. */
char *data_path(const char *name);

/* Writes bytes to a file (fails the test on error). */
void data_write(const char *path, const void *bytes, size_t size);

/* Reads a whole file (freed after the current test). */
unsigned char *data_read(const char *path, size_t *size);

/* True when `path` exists. */
int data_exists(const char *path);

/* The safetensors test cases (check-data-safetensors.c). */
void data_add_safetensors(Suite *suite);

#endif
