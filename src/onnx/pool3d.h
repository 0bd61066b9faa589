/* 3-D pooling (rank-5 inputs) for ops_conv.c's pool entries (ops_pool3d.c). */
#ifndef CLNN_ONNX_POOL3D_H
#define CLNN_ONNX_POOL3D_H

#include "src/onnx/onnx_internal.h"

clnn_status onnx_plan_pool3d(onnx_model *m, onnx_node *n);
clnn_status onnx_run_pool3d(onnx_model *m, onnx_node *n);

#endif
