/*
 * clnn/onnx.h: runs ONNX models (.onnx files) on the context's device.
 *
 * Loading parses the file (protobuf, generated from the onnx.proto that Debian's
 * libonnx-dev ships), checks every node's op type and attributes against the
 * supported set, and uploads the initializers (external-data initializers are
 * read relative to the model's directory). Supported ops (ONNX opsets 1 .. 21
 * where an op's semantics match; clnn_onnx_op_supported answers for one type):
 *   activations  Relu LeakyRelu Elu Sigmoid Tanh Softplus HardSigmoid Gelu Clip
 *   softmax      Softmax LogSoftmax (the pre-13 2-D coercion included)
 *   arithmetic   Add Sub Mul Div (numpy broadcasting) Gemm MatMul (batched,
 *                batch axes broadcast)
 *   math         Exp Log Sqrt Abs Neg Reciprocal Erf Softsign Selu Pow Min
 *                Max PRelu (broadcasting; Min and Max variadic)
 *   logic        Equal Less LessOrEqual Greater GreaterOrEqual Not And Or Xor
 *                Where Cast (float32, int32, int64; bool as int32 0 / 1)
 *   spatial      Conv ConvTranspose MaxPool (with its Indices output)
 *                AveragePool GlobalAveragePool GlobalMaxPool, 1-D and 2-D
 *                (NCHW); pooling also 3-D
 *   norms        BatchNormalization (inference) LayerNormalization
 *   layout       Reshape Flatten Squeeze Unsqueeze Transpose Concat Split
 *                Identity Dropout (inference) Constant Shape Gather Slice
 *                Pad (constant, reflect, edge) Expand Range ConstantOfShape
 *   reductions   ReduceMean ReduceSum ReduceMax ArgMax
 *   recurrent    RNN LSTM GRU (default activations, or Relu for RNN)
 * Tensors are float32; int64 (and int32) tensors are accepted where ONNX uses
 * them as indices or shapes (Reshape's shape, axes, split sizes, RNN
 * sequence_lens, ArgMax's output, Gather's indices), and by the math, logic
 * and data-movement ops above. Scalars (rank 0) are accepted; tensors with a
 * 0 dimension are not.
 *
 * Shapes are static per model: the first clnn_onnx_model_run fixes them. It
 * takes the graph inputs' shapes from that call, infers every tensor's shape
 * and allocates device buffers (float buffers start as NaN, so a value an op
 * failed to write shows); later runs must pass inputs of the same shapes
 * (CLNN_SHAPE_MISMATCH otherwise). Int64 inputs that decide the plan (a
 * Reshape shape or axes given as a graph input) and scalar inputs read as
 * parameters (Clip's bounds) are read on the host by that first run, and later
 * runs must pass the same values (CLNN_INVALID_VALUE otherwise); RNN
 * sequence_lens may change from run to run. Problems that depend on shapes
 * (e.g. a 3-D convolution) are reported by the first run, which may then be
 * retried with other inputs.
 *
 * Statuses: a malformed file CLNN_BAD_FORMAT (with a message); an op type or an
 * attribute (or attribute value) clnn cannot run CLNN_NOT_SUPPORTED, naming the
 * node, its op type and the attribute; an unreadable file CLNN_IO_ERROR.
 */
#ifndef CLNN_ONNX_H
#define CLNN_ONNX_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clnn_onnx_model *clnn_onnx_model_t;

/* A host tensor: name, dtype (CLNN_FLOAT32, CLNN_INT64 or CLNN_INT32), shape and
 * row-major data. In shape queries, a dimension the model leaves open is -1 and
 * `data` is NULL. */
typedef struct clnn_onnx_value {
    const char *name;
    clnn_dtype dtype;
    int rank;
    int64_t dims[CLNN_MAX_RANK];
    void *data;
} clnn_onnx_value;

/* Loads the model at `path` for `ctx` (which must outlive the model). */
CLNN_API clnn_status clnn_onnx_model_load(clnn_context_t ctx, const char *path,
                                          clnn_onnx_model_t *model);

/* Loads a model from memory (`size` bytes, copied as needed). External-data
 * initializers are read relative to `base_dir` (NULL: the current directory). */
CLNN_API clnn_status clnn_onnx_model_load_memory(clnn_context_t ctx, const void *data,
                                                 size_t size, const char *base_dir,
                                                 clnn_onnx_model_t *model);

/* Releases the model and its device buffers; NULL is a no-op. */
CLNN_API void clnn_onnx_model_destroy(clnn_onnx_model_t model);

/* 1 if the importer runs nodes of `op_type` (e.g. "Conv"), else 0. */
CLNN_API int clnn_onnx_op_supported(const char *op_type);

/* The graph's inputs (initializers excluded) and outputs, in graph order. `info`
 * gets the name (owned by the model), dtype and shape: declared shapes before
 * the first run, the planned ones after it; `data` is NULL. */
CLNN_API clnn_status clnn_onnx_model_input_count(clnn_onnx_model_t model, int *count);
CLNN_API clnn_status clnn_onnx_model_input_info(clnn_onnx_model_t model, int index,
                                                clnn_onnx_value *info);
CLNN_API clnn_status clnn_onnx_model_output_count(clnn_onnx_model_t model, int *count);
CLNN_API clnn_status clnn_onnx_model_output_info(clnn_onnx_model_t model, int index,
                                                 clnn_onnx_value *info);

/* Node `index` (0 .. node count - 1, in execution order): its op type and name
 * (owned by the model; the name may be empty), and its first output's shape as
 * in clnn_onnx_model_input_info. */
CLNN_API clnn_status clnn_onnx_model_node_count(clnn_onnx_model_t model, int *count);
CLNN_API clnn_status clnn_onnx_model_node_info(clnn_onnx_model_t model, int index,
                                               const char **op_type, const char **name,
                                               clnn_onnx_value *output);

/* Runs the model. `inputs` holds `input_count` values, matched to the graph's
 * inputs by name (a NULL name: by position). Every graph input must be given.
 * `outputs` receives `output_count` (at most the model's output count) values,
 * the graph's first outputs in order: name, dtype, shape and `data`, which the
 * library allocates and clnn_onnx_value_release frees. Waits for the device.
 * On error the outputs are untouched. */
CLNN_API clnn_status clnn_onnx_model_run(clnn_onnx_model_t model, int input_count,
                                         const clnn_onnx_value *inputs, int output_count,
                                         clnn_onnx_value *outputs);

/* Frees the data of a value filled by clnn_onnx_model_run or
 * clnn_onnx_tensor_read_file and sets `data` to NULL; NULL is a no-op. */
CLNN_API void clnn_onnx_value_release(clnn_onnx_value *value);

/* Reads a serialized ONNX TensorProto (the backend tests' input_0.pb ...) into
 * `value` (float32, int64 or int32 data; name owned by the value until released;
 * data allocated by the library). CLNN_BAD_FORMAT for malformed files,
 * CLNN_NOT_SUPPORTED for other element types. */
CLNN_API clnn_status clnn_onnx_tensor_read_file(const char *path, clnn_onnx_value *value);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_ONNX_H */
