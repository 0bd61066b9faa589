/* In-memory ONNX model builder for the tests (see onnx-build.h). */
#include "onnx-build.h"
#include "harness.h"

#include <stdio.h>
#include <string.h>

static char *dup_str(const char *s)
{
    char *d = harness_alloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

void ob_init(onnx_build *b, int64_t opset)
{
    memset(b, 0, sizeof(*b));
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    onnx__operator_set_id_proto__init(&b->opset);
    b->model.has_ir_version = 1;
    b->model.ir_version = 8;
    b->model.graph = &b->graph;
    b->opset.domain = dup_str("");
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opsets[0] = &b->opset;
    b->model.opset_import = b->opsets;
    b->model.n_opset_import = 1;
    b->graph.name = dup_str("test");
    b->graph.node = b->nodes;
    b->graph.initializer = b->inits;
    b->graph.input = b->inputs;
    b->graph.output = b->outputs;
}

static Onnx__ValueInfoProto *value_info(const char *name, int rank, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = harness_alloc(sizeof(*vi));
    Onnx__TypeProto *type = harness_alloc(sizeof(*type));
    Onnx__TypeProto__Tensor *tt = harness_alloc(sizeof(*tt));
    Onnx__TensorShapeProto *shape = harness_alloc(sizeof(*shape));
    Onnx__TensorShapeProto__Dimension **dim = harness_alloc(8 * sizeof(*dim));
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(type);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(shape);
    for (int i = 0; i < rank; i++) {
        dim[i] = harness_alloc(sizeof(**dim));
        onnx__tensor_shape_proto__dimension__init(dim[i]);
        dim[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        dim[i]->dim_value = dims[i];
    }
    shape->dim = dim;
    shape->n_dim = (size_t)rank;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = shape;
    type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type->tensor_type = tt;
    vi->name = dup_str(name);
    vi->type = type;
    return vi;
}

void ob_input(onnx_build *b, const char *name, int rank, const int64_t *dims)
{
    b->inputs[b->graph.n_input++] = value_info(name, rank, dims);
}

void ob_output(onnx_build *b, const char *name, int rank, const int64_t *dims)
{
    b->outputs[b->graph.n_output++] = value_info(name, rank, dims);
}

Onnx__TensorProto *ob_init_float(onnx_build *b, const char *name, int rank,
                                 const int64_t *dims, const float *data)
{
    Onnx__TensorProto *t = harness_alloc(sizeof(*t));
    onnx__tensor_proto__init(t);
    size_t count = 1;
    t->dims = harness_alloc((size_t)(rank + 1) * sizeof(int64_t));
    for (int i = 0; i < rank; i++) {
        t->dims[i] = dims[i];
        count *= (size_t)dims[i];
    }
    t->n_dims = (size_t)rank;
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->float_data = harness_alloc(count * sizeof(float));
    memcpy(t->float_data, data, count * sizeof(float));
    t->n_float_data = count;
    t->name = dup_str(name);
    b->inits[b->graph.n_initializer++] = t;
    return t;
}

Onnx__NodeProto *ob_node(onnx_build *b, const char *op, const char *const *inputs,
                         const char *const *outputs)
{
    Onnx__NodeProto *n = harness_alloc(sizeof(*n));
    onnx__node_proto__init(n);
    n->op_type = dup_str(op);
    n->input = harness_alloc(8 * sizeof(char *));
    n->output = harness_alloc(8 * sizeof(char *));
    n->attribute = harness_alloc(8 * sizeof(*n->attribute));
    while (inputs[n->n_input])
        n->input[n->n_input] = dup_str(inputs[n->n_input]), n->n_input++;
    while (outputs[n->n_output])
        n->output[n->n_output] = dup_str(outputs[n->n_output]), n->n_output++;
    b->nodes[b->graph.n_node++] = n;
    return n;
}

static Onnx__AttributeProto *attr(Onnx__NodeProto *n, const char *name,
                                  Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = harness_alloc(sizeof(*a));
    onnx__attribute_proto__init(a);
    a->name = dup_str(name);
    a->has_type = 1;
    a->type = type;
    n->attribute[n->n_attribute++] = a;
    return a;
}

void ob_attr_int(Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void ob_attr_float(Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void ob_attr_ints(Onnx__NodeProto *n, const char *name, int count, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->ints = harness_alloc((size_t)count * sizeof(int64_t));
    memcpy(a->ints, v, (size_t)count * sizeof(int64_t));
    a->n_ints = (size_t)count;
}

uint8_t *ob_pack(onnx_build *b, size_t *size)
{
    *size = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = harness_alloc(*size + 1);
    onnx__model_proto__pack(&b->model, buf);
    return buf;
}

int ob_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, size, f) == size;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}
