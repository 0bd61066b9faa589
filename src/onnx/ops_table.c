/* The table of supported ops: one array per op group (ops_*.c). */
#include "src/onnx/onnx_internal.h"

#include <string.h>

static const onnx_op *const groups[] = {
    onnx_ops_unary, onnx_ops_math,   onnx_ops_conv, onnx_ops_norm,
    onnx_ops_shape, onnx_ops_layout, onnx_ops_reduce, onnx_ops_rnn,
    onnx_ops_math2,
    onnx_ops_data,
};

const onnx_op *onnx_find_op(const char *op_type)
{
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
        for (const onnx_op *op = groups[g]; op->op_type; op++)
            if (strcmp(op->op_type, op_type) == 0)
                return op;
    return NULL;
}
