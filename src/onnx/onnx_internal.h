/* ONNX importer internals: the model (values, nodes), the op table and helpers. */
#ifndef CLNN_ONNX_INTERNAL_H
#define CLNN_ONNX_INTERNAL_H

#include "src/core/internal.h"
#include "src/core/check.h"
#include "src/onnx/onnx.pb-c.h"

/* A tensor of the graph. Its device buffer is either owned (`tensor`) or that of
 * the value `alias` (reshape-like ops move no data). */
typedef struct onnx_value {
    char *name;
    clnn_tensor_desc desc;   /* planned shape (or declared, -1 for open dims)   */
    int known;               /* desc is final                                    */
    int is_input;            /* a graph input the caller passes                  */
    int is_const;            /* made at load (initializer, Constant): kept       */
    void *host;              /* host copy: constants; int and scalar inputs      */
    int pinned;              /* host values read by planning (must not change)  */
    clnn_tensor_t tensor;
    int alias;               /* -1, or the value whose buffer this one uses      */
} onnx_value;

struct onnx_op;

typedef struct onnx_node {
    const struct onnx_op *op;
    const Onnx__NodeProto *proto;   /* attributes, names (owned by the model)     */
    int n_in, n_out;
    int *in, *out;                  /* value indices; -1 for an omitted operand   */
    void *state;                    /* op parameters set by plan, freed by free() */
    size_t workspace;               /* bytes of the shared workspace it needs     */
} onnx_node;

struct clnn_onnx_model {
    clnn_context_t ctx;
    Onnx__ModelProto *proto;
    char *base_dir;
    int64_t opset;                  /* default-domain opset                       */
    onnx_value *values;
    int n_values;
    onnx_node *nodes;
    int n_nodes;
    int *inputs, n_inputs;          /* value indices of the caller's inputs       */
    int *outputs, n_outputs;
    int planned;
    clnn_tensor_t workspace;
    size_t workspace_size;
};
typedef struct clnn_onnx_model onnx_model;

/* An op: the attributes it knows (comma-separated; others are NOT_SUPPORTED),
 * the input count range, `check` (attribute values, at load; may be NULL),
 * `plan` (output shapes, state, workspace; at the first run) and `run`. */
typedef struct onnx_op {
    const char *op_type;
    const char *attrs;
    int min_in, max_in;
    clnn_status (*check)(onnx_model *m, onnx_node *n);
    clnn_status (*plan)(onnx_model *m, onnx_node *n);
    clnn_status (*run)(onnx_model *m, onnx_node *n);
} onnx_op;

/* ops_table.c */
const onnx_op *onnx_find_op(const char *op_type);

/* The op groups, each a table ending with a zeroed entry. */
extern const onnx_op onnx_ops_unary[];
extern const onnx_op onnx_ops_math[];
extern const onnx_op onnx_ops_conv[];
extern const onnx_op onnx_ops_norm[];
extern const onnx_op onnx_ops_shape[];
extern const onnx_op onnx_ops_layout[];
extern const onnx_op onnx_ops_reduce[];
extern const onnx_op onnx_ops_rnn[];
extern const onnx_op onnx_ops_math2[];
extern const onnx_op onnx_ops_data[];   /* ops_data.c */

/* attr.c: attribute access with defaults (ints also accept a single INTS). */
const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name);
int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt);
float onnx_attr_float(const onnx_node *n, const char *name, float dflt);
/* Returns the count (0 when absent) and points *v at the values. */
size_t onnx_attr_ints(const onnx_node *n, const char *name, const int64_t **v);
const char *onnx_attr_string(const onnx_node *n, const char *name, const char *dflt);
/* NOT_SUPPORTED naming the node, its op and `what` (an attribute or a case). */
clnn_status onnx_unsupported(const onnx_node *n, const char *fmt, ...) CLNN_PRINTF(2, 3);
/* BAD_FORMAT / SHAPE_MISMATCH likewise. */
clnn_status onnx_node_fail(const onnx_node *n, clnn_status s, const char *fmt, ...)
    CLNN_PRINTF(3, 4);
const char *onnx_node_name(const onnx_node *n);

/* model.c: frees a model and everything it holds (NULL: nothing). */
void onnx_model_free(onnx_model *m);

/* tensor.c: TensorProto <-> host arrays, and whole files into memory. */
clnn_status onnx_read_file(const char *path, uint8_t **data, size_t *size);
clnn_status onnx_dtype_from_proto(int32_t data_type, clnn_dtype *dtype);
/* Fills desc and a malloc'd host copy of the data (external data read from
 * base_dir). `what` names the tensor in messages. */
clnn_status onnx_tensor_to_host(const Onnx__TensorProto *t, const char *base_dir,
                                clnn_tensor_desc *desc, void **data);

/* plan.c: values and buffers during planning and running. */
onnx_value *onnx_in(onnx_model *m, const onnx_node *n, int i);   /* NULL: omitted */
onnx_value *onnx_out(onnx_model *m, const onnx_node *n, int i);
cl_mem onnx_mem(onnx_model *m, const onnx_value *v);
/* Sets output i's shape (and marks it known). */
void onnx_set_out(onnx_model *m, const onnx_node *n, int i, const clnn_tensor_desc *d);
/* Makes output i share input j's buffer with shape d (reshape-like ops). */
void onnx_alias_out(onnx_model *m, const onnx_node *n, int i, int j,
                    const clnn_tensor_desc *d);
/* The host copy of an int tensor input (an initializer or a graph input) as
 * int64 values; NOT_SUPPORTED when it is computed on the device. Read while
 * planning, the input is pinned: later runs must pass the same values. */
clnn_status onnx_host_ints(onnx_model *m, const onnx_node *n, int i, int64_t *out,
                           int max, int *count);
/* The host copy of a float32 scalar input (initializer, Constant, or graph
 * input); NOT_SUPPORTED when it is computed on the device. */
clnn_status onnx_host_float(onnx_model *m, const onnx_node *n, int i, float *out);
/* Gives v shape d, host data `host` (owned by v from now on, even on failure)
 * and a device copy, uploaded now: initializers, Constant and Shape outputs. */
clnn_status onnx_make_constant(onnx_model *m, onnx_value *v, const clnn_tensor_desc *d,
                               void *host);
/* Requires input i to be float32 (NOT_SUPPORTED otherwise). */
clnn_status onnx_need_float(const onnx_node *n, const onnx_value *v, int i);
/* Requires the first `count` inputs (those present) to be float32. */
clnn_status onnx_need_floats(onnx_model *m, const onnx_node *n, int count);
/* The shared workspace buffer (NULL when none is needed). */
cl_mem onnx_workspace(onnx_model *m);
clnn_status onnx_plan(onnx_model *m);
/* Checks that the first `floats` inputs are float32, then allocates n->state
 * of `size` zeroed bytes; NULL with *s set on failure. */
void *onnx_state(onnx_model *m, onnx_node *n, size_t size, int floats, clnn_status *s);
/* Normalizes axis for rank (CLNN_INVALID_VALUE named when out of range). */
clnn_status onnx_axis(const onnx_node *n, int64_t axis, int rank, int *out);

#endif /* CLNN_ONNX_INTERNAL_H */
