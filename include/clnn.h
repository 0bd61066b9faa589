/*
 * clnn: neural network primitives and models on any OpenCL device.
 *
 * This umbrella header includes every public part of the library:
 *   clnn/core.h  status codes, errors, logging, devices, contexts, tensors
 *   clnn/ops.h   primitives: GEMM, element-wise operations
 *   clnn/profile.h  per-kernel device times (CLNN_PROFILE)
 *
 * Link with `pkg-config --libs clnn`.
 */
#ifndef CLNN_H
#define CLNN_H

#include <clnn/core.h>
#include <clnn/ops.h>
#include <clnn/data.h>
#include <clnn/model.h>
#include <clnn/profile.h>
#include <clnn/tuning.h>
#include <clnn/onnx.h>
#include <clnn/text.h>

#endif /* CLNN_H */
