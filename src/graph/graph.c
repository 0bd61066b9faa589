/* The functional form: more model inputs, node ids, a layer's chosen inputs, the
 * Add and Concatenate layers and their passes. Gradient edges (a node feeding
 * several consumers) are wired at compile (compile.c) and summed here. */
#include "model.h"
#include "../core/context.h"
#include "../core/check.h"

#include <stdio.h>
#include <string.h>

const clnn_tensor_desc *model_node_desc(const clnn_model *m, int id)
{
    if (id >= 0) return &m->layers[id].out;
    return id == -1 ? &m->input : &m->more_inputs[-1 - id];
}

cl_mem model_input_stage(const clnn_model *m, int k)
{
    return k ? m->more_stage[k] : m->x_stage;
}

int64_t model_x_row(const clnn_model *m)
{
    int64_t row = 0;
    for (int k = 0; k < m->ninputs; k++) row += model_desc_count(model_node_desc(m, -1 - k));
    return row;
}

int model_is_graph(const clnn_model *m)
{
    if (m->ninputs > 1) return 1;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].ninputs != 1 || m->layers[i].inputs[0] != i - 1) return 1;
    return 0;
}

/* The node a layer takes by default: the input added after the last layer, else
 * the last layer. */
static int previous_node(const clnn_model *m)
{
    return m->last_node_at == m->nlayers ? m->last_node : m->nlayers - 1;
}

clnn_status model_link_inputs(clnn_model *m, model_layer *l, const char *fn)
{
    if (m->npending && m->pending_at == m->nlayers) {
        l->ninputs = m->npending;
        memcpy(l->inputs, m->pending, sizeof m->pending);
    } else {
        l->ninputs = 1;
        l->inputs[0] = previous_node(m);
    }
    l->in = *model_node_desc(m, l->inputs[0]);
    l->out = l->in;
    int multi = l->kind == LAYER_ADD || l->kind == LAYER_CONCATENATE;
    char why[96];
    if (multi && l->ninputs < 2)
        snprintf(why, sizeof why, "takes 2 or more inputs (clnn_model_set_inputs), not %d",
                 l->ninputs);
    else if (!multi && l->ninputs != 1)
        snprintf(why, sizeof why, "takes one input, not the %d set by clnn_model_set_inputs",
                 l->ninputs);
    else
        return CLNN_SUCCESS;
    return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
}

clnn_status clnn_model_add_input_node(clnn_model_t m, int rank, const int64_t *dims, int *node)
{
    const char *fn = "clnn_model_add_input_node";
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!m->has_input) {
        clnn_status st = clnn_model_add_input(m, rank, dims);
        if (!st && node) *node = -1;
        return st;
    }
    if (!dims) return clnn_fail(CLNN_NULL_POINTER, "%s: dims is NULL", fn);
    if (m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: the model is compiled", fn);
    if (m->ninputs >= MODEL_MAX_INPUTS)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: at most %d inputs", fn, MODEL_MAX_INPUTS);
    if (m->nlayers && m->layers[0].kind == LAYER_EMBEDDING)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: a model starting with an embedding (token "
                         "ids) has one input", fn);
    clnn_tensor_desc d;
    if (rank < 1 || rank >= CLNN_MAX_RANK ||
        clnn_tensor_desc_set(&d, CLNN_FLOAT32, rank, dims) != CLNN_SUCCESS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: rank %d must be in 1..%d and dims >= 1", fn,
                         rank, CLNN_MAX_RANK - 1);
    int k = m->ninputs++;
    m->more_inputs[k] = d;
    m->last_node = -1 - k;
    m->last_node_at = m->nlayers;
    if (node) *node = -1 - k;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_last_node(clnn_model_t m, int *node)
{
    if (!m || !node)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_model_last_node: %s is NULL",
                         m ? "node" : "model");
    if (!m->has_input)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_last_node: the model has no input");
    *node = previous_node(m);
    return CLNN_SUCCESS;
}

clnn_status clnn_model_set_inputs(clnn_model_t m, int count, const int *nodes)
{
    const char *fn = "clnn_model_set_inputs";
    if (!m) return clnn_fail(CLNN_NULL_POINTER, "%s: model is NULL", fn);
    if (!nodes) return clnn_fail(CLNN_NULL_POINTER, "%s: nodes is NULL", fn);
    if (m->compiled) return clnn_fail(CLNN_INVALID_VALUE, "%s: the model is compiled", fn);
    if (count < 1 || count > MODEL_MAX_LAYER_INPUTS)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: count %d is outside 1..%d", fn, count,
                         MODEL_MAX_LAYER_INPUTS);
    for (int i = 0; i < count; i++)
        if (nodes[i] < -m->ninputs || nodes[i] >= m->nlayers)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: nodes[%d] = %d is not a node (layers "
                             "0..%d, inputs -1..%d)", fn, i, nodes[i], m->nlayers - 1,
                             -m->ninputs);
    memcpy(m->pending, nodes, (size_t)count * sizeof *nodes);
    m->npending = count;
    m->pending_at = m->nlayers;
    return CLNN_SUCCESS;
}

static int same_shape(const clnn_tensor_desc *a, const clnn_tensor_desc *b)
{
    if (a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

/* Fails naming the layer, input 0's shape and input k's. */
static clnn_status input_mismatch(clnn_model *m, const char *fn, const model_layer *l, int k,
                                  const char *need)
{
    char s[96], why[192];
    clnn_format_shape(model_node_desc(m, l->inputs[k]), s, sizeof s);
    snprintf(why, sizeof why, "input %d (node %d) has shape %s; %s", k, l->inputs[k], s, need);
    return model_layer_fail(m, CLNN_SHAPE_MISMATCH, fn, l, why);
}

clnn_status clnn_model_add_add(clnn_model_t m)
{
    const char *fn = "clnn_model_add_add";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_ADD, fn, &l);
    if (st) return st;
    for (int k = 1; k < l->ninputs; k++)
        if (!same_shape(model_node_desc(m, l->inputs[k]), &l->in))
            return input_mismatch(m, fn, l, k, "Add needs every input of input 0's shape");
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_concatenate(clnn_model_t m, int axis)
{
    const char *fn = "clnn_model_add_concatenate";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_CONCATENATE, fn, &l);
    if (st) return st;
    int rank = l->in.rank;
    if (axis < -rank || axis >= rank)
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, "axis is outside [-rank, rank)");
    l->axis = axis < 0 ? axis + rank : axis;
    for (int k = 1; k < l->ninputs; k++) {
        const clnn_tensor_desc *d = model_node_desc(m, l->inputs[k]);
        int ok = d->rank == rank;
        for (int a = 0; ok && a < rank; a++) ok = a == l->axis || d->dims[a] == l->in.dims[a];
        if (!ok)
            return input_mismatch(m, fn, l, k, "Concatenate needs input 0's rank and dims "
                                  "but along the axis");
        l->out.dims[l->axis] += d->dims[l->axis];
    }
    m->nlayers++;
    return CLNN_SUCCESS;
}

/* The batch descriptors of a multi-input layer's inputs. */
static void input_descs(const clnn_model *m, const model_layer *l, int64_t n,
                        clnn_tensor_desc *d, const clnn_tensor_desc **p)
{
    for (int k = 0; k < l->ninputs; k++) {
        d[k] = model_batch_desc(model_node_desc(m, l->inputs[k]), n);
        p[k] = &d[k];
    }
}

clnn_status model_graph_forward(clnn_model *m, const model_layer *l, int64_t n)
{
    clnn_tensor_desc y = model_batch_desc(&l->out, n), d[MODEL_MAX_LAYER_INPUTS];
    const clnn_tensor_desc *p[MODEL_MAX_LAYER_INPUTS];
    if (l->kind == LAYER_CONCATENATE) {
        input_descs(m, l, n, d, p);
        return clnn_concat_forward(m->ctx, l->axis + 1, l->ninputs, p, l->in_as, NULL, &y,
                                   l->z, 0);
    }
    clnn_status st = clnn_binary(m->ctx, CLNN_BINARY_ADD, &y, l->in_as[0], 0, &y, l->in_as[1],
                                 0, &y, l->z, 0);
    for (int k = 2; k < l->ninputs && !st; k++)
        st = clnn_binary(m->ctx, CLNN_BINARY_ADD, &y, l->z, 0, &y, l->in_as[k], 0, &y, l->z, 0);
    return st;
}

clnn_status model_graph_backward(clnn_model *m, const model_layer *l, int64_t n)
{
    clnn_tensor_desc y = model_batch_desc(&l->out, n), d[MODEL_MAX_LAYER_INPUTS];
    const clnn_tensor_desc *p[MODEL_MAX_LAYER_INPUTS];
    if (l->kind == LAYER_CONCATENATE) {
        input_descs(m, l, n, d, p); /* compile gave every input a buffer (sinks) */
        return clnn_split_forward(m->ctx, l->axis + 1, &y, l->g, 0, l->ninputs, p, l->in_gs,
                                  NULL);
    }
    size_t bytes = (size_t)model_desc_count(&y) * sizeof(float);
    for (int k = 0; k < l->ninputs; k++) {
        if (!l->in_gs[k]) continue;
        cl_int err = clEnqueueCopyBuffer(m->ctx->queue, l->g, l->in_gs[k], 0, 0, bytes, 0, NULL,
                                         NULL);
        if (err != CL_SUCCESS) return clnn_fail_cl(err, "clnn_model (Add backward)");
    }
    return CLNN_SUCCESS;
}

clnn_status model_sum_grad_parts(clnn_model *m, const model_layer *l, int64_t n)
{
    clnn_tensor_desc y = model_batch_desc(&l->out, n);
    clnn_status st = CLNN_SUCCESS;
    for (int k = 0; k < l->nparts && !st; k++)
        st = clnn_binary(m->ctx, CLNN_BINARY_ADD, &y, l->g, 0, &y, l->grad_parts[k], 0, &y,
                         l->g, 0);
    return st;
}
