/*
 * clnn/ops.h: primitives (cuDNN style). Each takes a context and its operands as
 * (descriptor, cl_mem, byte offset), validates everything on the host, enqueues
 * work on the context's queue and returns without waiting.
 *
 * Byte offsets must be multiples of the element size. Every operand's range is
 * checked against its buffer's size; a range that does not fit returns
 * CLNN_INVALID_VALUE and nothing is enqueued.
 */
#ifndef CLNN_OPS_H
#define CLNN_OPS_H

#include <clnn/core.h>

#include <clnn/gemm.h>
#include <clnn/gemm_batched.h>
#include <clnn/elementwise.h>
#include <clnn/activation.h>
#include <clnn/window.h>
#include <clnn/conv.h>
#include <clnn/pool.h>
#include <clnn/softmax.h>
#include <clnn/norm.h>
#include <clnn/dropout.h>
#include <clnn/dense.h>
#include <clnn/tensor_ops.h>
#include <clnn/reduce.h>
#include <clnn/loss.h>
#include <clnn/optim.h>
#include <clnn/init.h>
#include <clnn/rnn.h>
#include <clnn/layernorm.h>
#include <clnn/embedding.h>
#include <clnn/attention.h>
#include <clnn/mha.h>
#include <clnn/data_ops.h>
#include <clnn/math.h>

#endif /* CLNN_OPS_H */
