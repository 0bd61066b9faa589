/* Builds small ONNX models in memory for tests/check-onnx.c (protobuf-c, the code
 * generated from the system onnx.proto). Everything is allocated with
 * harness_alloc, so it is freed after the current test. */
#ifndef CLNN_TEST_ONNX_BUILD_H
#define CLNN_TEST_ONNX_BUILD_H

#include "src/onnx/onnx.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct onnx_build {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
    Onnx__NodeProto *nodes[32];
    Onnx__TensorProto *inits[32];
    Onnx__ValueInfoProto *inputs[8], *outputs[8];
} onnx_build;

/* An empty model of `opset` (default domain). */
void ob_init(onnx_build *b, int64_t opset);
/* A float32 graph input / output with a static shape. */
void ob_input(onnx_build *b, const char *name, int rank, const int64_t *dims);
void ob_output(onnx_build *b, const char *name, int rank, const int64_t *dims);
/* A float32 initializer (data copied); returns it for further edits. */
Onnx__TensorProto *ob_init_float(onnx_build *b, const char *name, int rank,
                                 const int64_t *dims, const float *data);
/* A node with NULL-terminated input and output name lists. */
Onnx__NodeProto *ob_node(onnx_build *b, const char *op, const char *const *inputs,
                         const char *const *outputs);
/* Attributes on a node. */
void ob_attr_int(Onnx__NodeProto *n, const char *name, int64_t v);
void ob_attr_float(Onnx__NodeProto *n, const char *name, float v);
void ob_attr_ints(Onnx__NodeProto *n, const char *name, int count, const int64_t *v);
/* Serializes the model (harness_alloc'd); *size gets the byte count. */
uint8_t *ob_pack(onnx_build *b, size_t *size);
/* Writes bytes to a file; returns 0 on success. */
int ob_write_file(const char *path, const void *data, size_t size);

#endif
