/* Parses an ONNX model into values and nodes, checks every node against the op
 * table, and uploads the initializers. */
#include "src/onnx/onnx_internal.h"

#include <stdlib.h>
#include <string.h>

static int find_value(const onnx_model *m, const char *name)
{
    for (int i = m->n_values - 1; i >= 0; i--)
        if (strcmp(m->values[i].name, name) == 0)
            return i;
    return -1;
}

/* Appends a value; fails on a duplicate name (SSA: each name is defined once). */
static clnn_status add_value(onnx_model *m, const char *name, int *index)
{
    if (!name || !name[0])
        return clnn_fail(CLNN_BAD_FORMAT, "onnx: a graph value has an empty name");
    if (find_value(m, name) >= 0)
        return clnn_fail(CLNN_BAD_FORMAT, "onnx: value '%s' is defined twice", name);
    onnx_value *v = &m->values[m->n_values];
    memset(v, 0, sizeof(*v));
    v->alias = -1;
    v->name = strdup(name);
    if (!v->name)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: value names");
    *index = m->n_values++;
    return CLNN_SUCCESS;
}

static clnn_status add_initializer(onnx_model *m, const Onnx__TensorProto *t)
{
    int idx;
    clnn_status s = add_value(m, t->name, &idx);
    if (s != CLNN_SUCCESS)
        return s;
    clnn_tensor_desc desc;
    void *host;
    s = onnx_tensor_to_host(t, m->base_dir, &desc, &host);
    if (s != CLNN_SUCCESS)
        return s;
    m->values[idx].is_const = 1;
    return onnx_make_constant(m, &m->values[idx], &desc, host);
}

/* The declared type and shape of a graph input or output (open dims: -1). */
static clnn_status declared(const Onnx__ValueInfoProto *vi, clnn_tensor_desc *d)
{
    const char *name = vi->name ? vi->name : "";
    /* TypeProto's value is a oneof (a union in protobuf-c): check which. */
    const Onnx__TypeProto__Tensor *tt =
        vi->type && vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
            ? vi->type->tensor_type : NULL;
    memset(d, 0, sizeof(*d));
    if (!tt)
        return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: graph value '%s' is not a tensor",
                         name);
    if (onnx_dtype_from_proto(tt->elem_type, &d->dtype) != CLNN_SUCCESS)
        return clnn_fail(CLNN_NOT_SUPPORTED,
                         "onnx: graph value '%s': element type %d is not supported "
                         "(float32, int64 and int32 are)", name, (int)tt->elem_type);
    if (!tt->shape)
        return CLNN_SUCCESS;  /* rank unknown until the first run */
    if (tt->shape->n_dim > CLNN_MAX_RANK)
        return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: graph value '%s': rank %zu above %d",
                         name, tt->shape->n_dim, CLNN_MAX_RANK);
    d->rank = (int)tt->shape->n_dim;
    for (int i = 0; i < d->rank; i++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
        d->dims[i] = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                         ? dim->dim_value : -1;
    }
    return CLNN_SUCCESS;
}

/* Every attribute must be one the op knows (its `attrs` list). */
static clnn_status check_attrs(const onnx_node *n)
{
    for (size_t i = 0; i < n->proto->n_attribute; i++) {
        const char *a = n->proto->attribute[i]->name ? n->proto->attribute[i]->name : "";
        size_t len = strlen(a);
        const char *p = n->op->attrs;
        int found = 0;
        while (len && p && *p && !found) {
            const char *end = strchr(p, ',');
            size_t l = end ? (size_t)(end - p) : strlen(p);
            found = l == len && strncmp(p, a, len) == 0;
            p = end ? end + 1 : NULL;
        }
        if (!found)
            return onnx_unsupported(n, "attribute '%s' is not supported", a);
    }
    return CLNN_SUCCESS;
}

static clnn_status add_node(onnx_model *m, const Onnx__NodeProto *p)
{
    onnx_node *n = &m->nodes[m->n_nodes++];
    memset(n, 0, sizeof(*n));
    n->proto = p;
    if (!p->op_type)
        return clnn_fail(CLNN_BAD_FORMAT, "onnx: a node has no op_type");
    if (p->domain && p->domain[0] && strcmp(p->domain, "ai.onnx") != 0)
        return onnx_unsupported(n, "domain '%s' is not supported", p->domain);
    n->op = onnx_find_op(p->op_type);
    if (!n->op)
        return onnx_unsupported(n, "op type '%s' is not supported", p->op_type);
    clnn_status s = check_attrs(n);
    if (s != CLNN_SUCCESS)
        return s;
    if ((int)p->n_input < n->op->min_in || (int)p->n_input > n->op->max_in)
        return onnx_node_fail(n, CLNN_BAD_FORMAT, "%zu inputs; the op takes %d to %d",
                              p->n_input, n->op->min_in, n->op->max_in);
    n->n_in = (int)p->n_input;
    n->n_out = (int)p->n_output;
    n->in = calloc(p->n_input + 1, sizeof(int));
    n->out = calloc(p->n_output + 1, sizeof(int));
    if (!n->in || !n->out)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: nodes");
    for (int i = 0; i < n->n_in; i++) {
        const char *name = p->input[i];
        n->in[i] = name && name[0] ? find_value(m, name) : -1;
        if (name && name[0] && n->in[i] < 0)
            return onnx_node_fail(n, CLNN_BAD_FORMAT,
                                  "input '%s' is no initializer, graph input or earlier "
                                  "node's output", name);
    }
    for (int i = 0; i < n->n_out; i++) {
        n->out[i] = -1;
        if (p->output[i] && p->output[i][0]) {
            s = add_value(m, p->output[i], &n->out[i]);
            if (s != CLNN_SUCCESS)
                return s;
        }
    }
    return n->op->check ? n->op->check(m, n) : CLNN_SUCCESS;
}

static clnn_status read_opset(onnx_model *m)
{
    for (size_t i = 0; i < m->proto->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->proto->opset_import[i];
        if (!o->domain || !o->domain[0] || strcmp(o->domain, "ai.onnx") == 0)
            m->opset = o->version;
    }
    if (m->opset <= 0 && m->proto->n_opset_import > 0)
        return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: the model imports only domain '%s'",
                         m->proto->opset_import[0]->domain);
    if (m->opset <= 0)
        return clnn_fail(CLNN_BAD_FORMAT, "onnx: the model imports no opset");
    /* Older opsets are fine where an op's semantics did not change; ops check the
     * versions they differ in (Softmax, Reshape, ...). */
    if (m->opset > 21)
        return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: opset %lld is newer than clnn knows "
                         "(at most 21)", (long long)m->opset);
    return CLNN_SUCCESS;
}

static clnn_status build(onnx_model *m)
{
    const Onnx__GraphProto *g = m->proto->graph;
    if (!g)
        return clnn_fail(CLNN_BAD_FORMAT, "onnx: the model has no graph");
    clnn_status s = read_opset(m);
    if (s != CLNN_SUCCESS)
        return s;
    size_t total = g->n_initializer + g->n_input;
    for (size_t i = 0; i < g->n_node; i++)
        total += g->node[i]->n_output;
    m->values = calloc(total + 1, sizeof(onnx_value));
    m->nodes = calloc(g->n_node + 1, sizeof(onnx_node));
    m->inputs = calloc(g->n_input + 1, sizeof(int));
    m->outputs = calloc(g->n_output + 1, sizeof(int));
    if (!m->values || !m->nodes || !m->inputs || !m->outputs)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: model tables");
    for (size_t i = 0; i < g->n_initializer; i++)
        if ((s = add_initializer(m, g->initializer[i])) != CLNN_SUCCESS)
            return s;
    for (size_t i = 0; i < g->n_input; i++) {
        if (g->input[i]->name && find_value(m, g->input[i]->name) >= 0)
            continue;   /* an initializer also listed as input (older exporters) */
        int idx;
        if ((s = add_value(m, g->input[i]->name, &idx)) != CLNN_SUCCESS ||
            (s = declared(g->input[i], &m->values[idx].desc)) != CLNN_SUCCESS)
            return s;
        m->values[idx].is_input = 1;
        m->inputs[m->n_inputs++] = idx;
    }
    for (size_t i = 0; i < g->n_node; i++)
        if ((s = add_node(m, g->node[i])) != CLNN_SUCCESS)
            return s;
    for (size_t i = 0; i < g->n_output; i++) {
        const char *name = g->output[i]->name ? g->output[i]->name : "";
        int idx = find_value(m, name);
        if (idx < 0)
            return clnn_fail(CLNN_BAD_FORMAT, "onnx: graph output '%s' is never produced",
                             name);
        if (!m->values[idx].known && !m->values[idx].is_input &&
            (s = declared(g->output[i], &m->values[idx].desc)) != CLNN_SUCCESS)
            return s;
        m->outputs[m->n_outputs++] = idx;
    }
    return CLNN_SUCCESS;
}

CLNN_API clnn_status clnn_onnx_model_load_memory(clnn_context_t ctx, const void *data,
                                                 size_t size, const char *base_dir,
                                                 clnn_onnx_model_t *model)
{
    if (!ctx || !data || !model)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_onnx_model_load_memory: %s is NULL",
                         !ctx ? "ctx" : !data ? "data" : "model");
    onnx_model *m = calloc(1, sizeof(*m));
    if (!m)
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_onnx_model_load_memory");
    m->ctx = ctx;
    m->base_dir = strdup(base_dir ? base_dir : ".");
    m->proto = onnx__model_proto__unpack(NULL, size, data);
    clnn_status s = !m->base_dir ? clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: base_dir")
                    : !m->proto  ? clnn_fail(CLNN_BAD_FORMAT, "onnx: not a valid ONNX "
                                             "model (protobuf parsing failed)")
                                 : build(m);
    if (s != CLNN_SUCCESS) {
        onnx_model_free(m);
        return s;
    }
    *model = m;
    return CLNN_SUCCESS;
}

CLNN_API clnn_status clnn_onnx_model_load(clnn_context_t ctx, const char *path,
                                          clnn_onnx_model_t *model)
{
    if (!ctx || !path || !model)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_onnx_model_load: %s is NULL",
                         !ctx ? "ctx" : !path ? "path" : "model");
    uint8_t *data;
    size_t size;
    clnn_status s = onnx_read_file(path, &data, &size);
    if (s != CLNN_SUCCESS)
        return s;
    char *dir = strdup(path);
    if (!dir) {
        free(data);
        return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_onnx_model_load");
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    s = clnn_onnx_model_load_memory(ctx, data, size, slash ? dir : ".", model);
    free(dir);
    free(data);
    return s;
}
