/* The public model API: queries, run, destroy. */
#include "src/onnx/onnx_internal.h"

#include <stdlib.h>
#include <string.h>

/* Forgets the plan (after a failed first run) so a later run can plan again. */
static void unplan(onnx_model *m)
{
    for (int i = 0; i < m->n_values; i++) {
        onnx_value *v = &m->values[i];
        if (v->is_const)
            continue;   /* initializers and Constant outputs stay */
        clnn_tensor_destroy(v->tensor);
        v->tensor = NULL;
        v->alias = -1;
        v->known = 0;
        v->pinned = 0;
        free(v->host);
        v->host = NULL;
    }
    for (int i = 0; i < m->n_nodes; i++) {
        free(m->nodes[i].state);
        m->nodes[i].state = NULL;
        m->nodes[i].workspace = 0;
    }
    clnn_tensor_destroy(m->workspace);
    m->workspace = NULL;
    m->workspace_size = 0;
}

void onnx_model_free(onnx_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_values; i++) {
        clnn_tensor_destroy(m->values[i].tensor);
        free(m->values[i].host);
        free(m->values[i].name);
    }
    for (int i = 0; i < m->n_nodes; i++) {
        free(m->nodes[i].in);
        free(m->nodes[i].out);
        free(m->nodes[i].state);
    }
    clnn_tensor_destroy(m->workspace);
    if (m->proto)
        onnx__model_proto__free_unpacked(m->proto, NULL);
    free(m->values);
    free(m->nodes);
    free(m->inputs);
    free(m->outputs);
    free(m->base_dir);
    free(m);
}

CLNN_API void clnn_onnx_model_destroy(clnn_onnx_model_t model)
{
    if (model)
        clnn_context_finish(model->ctx);
    onnx_model_free(model);
}

CLNN_API int clnn_onnx_op_supported(const char *op_type)
{
    return op_type && onnx_find_op(op_type) != NULL;
}

static void fill_info(const onnx_value *v, clnn_onnx_value *info)
{
    memset(info, 0, sizeof(*info));
    info->name = v->name;
    info->dtype = v->desc.dtype;
    info->rank = v->desc.rank;
    memcpy(info->dims, v->desc.dims, sizeof(info->dims));
}

static clnn_status count_of(const char *fn, clnn_onnx_model_t model, int *count, int n)
{
    if (!model || !count)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn,
                         !model ? "model" : "count");
    *count = n;
    return CLNN_SUCCESS;
}

static clnn_status info_of(const char *fn, clnn_onnx_model_t model, int index,
                           clnn_onnx_value *info, const int *list, int n)
{
    if (!model || !info)
        return clnn_fail(CLNN_NULL_POINTER, "%s: %s is NULL", fn, !model ? "model" : "info");
    if (index < 0 || index >= n)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: index %d outside 0 .. %d", fn, index,
                         n - 1);
    fill_info(&model->values[list[index]], info);
    return CLNN_SUCCESS;
}

CLNN_API clnn_status clnn_onnx_model_input_count(clnn_onnx_model_t model, int *count)
{
    return count_of("clnn_onnx_model_input_count", model, count,
                    model ? model->n_inputs : 0);
}

CLNN_API clnn_status clnn_onnx_model_output_count(clnn_onnx_model_t model, int *count)
{
    return count_of("clnn_onnx_model_output_count", model, count,
                    model ? model->n_outputs : 0);
}

CLNN_API clnn_status clnn_onnx_model_node_count(clnn_onnx_model_t model, int *count)
{
    return count_of("clnn_onnx_model_node_count", model, count, model ? model->n_nodes : 0);
}

CLNN_API clnn_status clnn_onnx_model_input_info(clnn_onnx_model_t model, int index,
                                                clnn_onnx_value *info)
{
    return info_of("clnn_onnx_model_input_info", model, index, info,
                   model ? model->inputs : NULL, model ? model->n_inputs : 0);
}

CLNN_API clnn_status clnn_onnx_model_output_info(clnn_onnx_model_t model, int index,
                                                 clnn_onnx_value *info)
{
    return info_of("clnn_onnx_model_output_info", model, index, info,
                   model ? model->outputs : NULL, model ? model->n_outputs : 0);
}

CLNN_API clnn_status clnn_onnx_model_node_info(clnn_onnx_model_t model, int index,
                                               const char **op_type, const char **name,
                                               clnn_onnx_value *output)
{
    if (!model || !op_type || !name || !output)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_onnx_model_node_info: %s is NULL",
                         !model ? "model" : !op_type ? "op_type" : !name ? "name"
                                                                          : "output");
    if (index < 0 || index >= model->n_nodes)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_onnx_model_node_info: index %d outside "
                         "0 .. %d", index, model->n_nodes - 1);
    const onnx_node *n = &model->nodes[index];
    *op_type = n->proto->op_type;
    *name = n->proto->name ? n->proto->name : "";
    memset(output, 0, sizeof(*output));
    if (n->n_out > 0 && n->out[0] >= 0)
        fill_info(&model->values[n->out[0]], output);
    return CLNN_SUCCESS;
}

/* The caller's value for graph input k (by name, or position when unnamed). */
static const clnn_onnx_value *given(const onnx_model *m, int k, int count,
                                    const clnn_onnx_value *inputs)
{
    const char *name = m->values[m->inputs[k]].name;
    for (int i = 0; i < count; i++)
        if (inputs[i].name ? strcmp(inputs[i].name, name) == 0 : i == k)
            return &inputs[i];
    return NULL;
}

static clnn_status check_input(const onnx_model *m, const onnx_value *v,
                               const clnn_onnx_value *in)
{
    char want[128], got[128];
    clnn_tensor_desc d;
    if (!in->data)
        return clnn_fail(CLNN_NULL_POINTER, "clnn_onnx_model_run: input '%s' has NULL data",
                         v->name);
    if (clnn_tensor_desc_set(&d, in->dtype, in->rank, in->dims) != CLNN_SUCCESS)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_onnx_model_run: input '%s': bad dtype "
                         "or shape", v->name);
    int ok = d.dtype == v->desc.dtype && (v->desc.rank == 0 && !m->planned ? 1
                                          : d.rank == v->desc.rank);
    for (int i = 0; ok && i < d.rank && i < v->desc.rank; i++)
        ok = v->desc.dims[i] < 0 || v->desc.dims[i] == d.dims[i];
    if (ok)
        return CLNN_SUCCESS;
    clnn_format_shape(&v->desc, want, sizeof(want));
    clnn_format_shape(&d, got, sizeof(got));
    return clnn_fail(CLNN_SHAPE_MISMATCH, "clnn_onnx_model_run: input '%s' is %s (dtype %d), "
                     "the model expects %s (dtype %d)", v->name, got, (int)d.dtype, want,
                     (int)v->desc.dtype);
}

/* Validates every input, and on the first run plans the model. */
static clnn_status prepare(onnx_model *m, int count, const clnn_onnx_value *inputs)
{
    for (int k = 0; k < m->n_inputs; k++) {
        onnx_value *v = &m->values[m->inputs[k]];
        const clnn_onnx_value *in = given(m, k, count, inputs);
        if (!in)
            return clnn_fail(CLNN_INVALID_VALUE, "clnn_onnx_model_run: inputs: graph input "
                             "'%s' is not given", v->name);
        clnn_status s = check_input(m, v, in);
        if (s != CLNN_SUCCESS)
            return s;
    }
    if (m->planned)
        return CLNN_SUCCESS;
    for (int k = 0; k < m->n_inputs; k++) {
        onnx_value *v = &m->values[m->inputs[k]];
        const clnn_onnx_value *in = given(m, k, count, inputs);
        clnn_tensor_desc_set(&v->desc, in->dtype, in->rank, in->dims);
        v->known = 1;
        size_t bytes;
        clnn_tensor_desc_bytes(&v->desc, &bytes);
        if (v->desc.dtype != CLNN_FLOAT32 || bytes == sizeof(float)) {
            /* Int inputs may decide shapes (Reshape) or lengths (RNN), scalars
             * parameters (Clip's bounds). */
            v->host = malloc(bytes);
            if (!v->host)
                return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_onnx_model_run");
            memcpy(v->host, in->data, bytes);
        }
    }
    clnn_status s = onnx_plan(m);
    if (s != CLNN_SUCCESS)
        unplan(m);
    return s;
}

static clnn_status execute(onnx_model *m, int count, const clnn_onnx_value *inputs)
{
    for (int k = 0; k < m->n_inputs; k++) {
        onnx_value *v = &m->values[m->inputs[k]];
        const clnn_onnx_value *in = given(m, k, count, inputs);
        size_t bytes;
        clnn_tensor_desc_bytes(&v->desc, &bytes);
        if (v->pinned && memcmp(v->host, in->data, bytes) != 0)
            return clnn_fail(CLNN_INVALID_VALUE, "clnn_onnx_model_run: input '%s' decides "
                             "the plan (a shape, axes or bounds) and must keep the first "
                             "run's values", v->name);
        if (v->host)
            memcpy(v->host, in->data, bytes);
        clnn_status s = clnn_tensor_upload(v->tensor, in->data, bytes);
        if (s != CLNN_SUCCESS)
            return s;
    }
    for (int i = 0; i < m->n_nodes; i++) {
        clnn_status s = m->nodes[i].op->run(m, &m->nodes[i]);
        if (s != CLNN_SUCCESS)
            return s;
    }
    return CLNN_SUCCESS;
}

static clnn_status fetch(onnx_model *m, int count, clnn_onnx_value *outputs)
{
    void *data[64] = {0};
    clnn_status s = CLNN_SUCCESS;
    for (int i = 0; i < count && s == CLNN_SUCCESS; i++) {
        const onnx_value *v = &m->values[m->outputs[i]];
        size_t bytes;
        clnn_tensor_desc_bytes(&v->desc, &bytes);
        data[i] = malloc(bytes);
        s = !data[i] ? clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_onnx_model_run: outputs")
                     : clnn_buffer_read(m->ctx, onnx_mem(m, v), 0, data[i], bytes);
    }
    for (int i = 0; i < count; i++) {
        if (s != CLNN_SUCCESS) {
            free(data[i]);
            continue;
        }
        fill_info(&m->values[m->outputs[i]], &outputs[i]);
        outputs[i].data = data[i];
    }
    return s;
}

CLNN_API clnn_status clnn_onnx_model_run(clnn_onnx_model_t model, int input_count,
                                         const clnn_onnx_value *inputs, int output_count,
                                         clnn_onnx_value *outputs)
{
    if (!model || (input_count > 0 && !inputs) || (output_count > 0 && !outputs))
        return clnn_fail(CLNN_NULL_POINTER, "clnn_onnx_model_run: %s is NULL",
                         !model ? "model" : (input_count > 0 && !inputs) ? "inputs"
                                                                         : "outputs");
    if (input_count < 0 || output_count < 0 || output_count > model->n_outputs ||
        output_count > 64)
        return clnn_fail(CLNN_INVALID_VALUE, "clnn_onnx_model_run: input_count %d / "
                         "output_count %d (the model has %d outputs; at most 64)",
                         input_count, output_count, model->n_outputs);
    clnn_status s = prepare(model, input_count, inputs);
    if (s == CLNN_SUCCESS)
        s = execute(model, input_count, inputs);
    if (s == CLNN_SUCCESS)
        s = output_count > 0 ? fetch(model, output_count, outputs)
                             : clnn_context_finish(model->ctx);
    return s;
}
