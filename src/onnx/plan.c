/* Planning: shapes from the first run's inputs, node by node, then one device
 * buffer per value (reshape-like outputs alias their input) and one workspace
 * shared by all nodes (they run one after another on an in-order queue). */
#include "src/onnx/onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

onnx_value *onnx_in(onnx_model *m, const onnx_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? &m->values[n->in[i]] : NULL;
}

onnx_value *onnx_out(onnx_model *m, const onnx_node *n, int i)
{
    return i < n->n_out && n->out[i] >= 0 ? &m->values[n->out[i]] : NULL;
}

cl_mem onnx_mem(onnx_model *m, const onnx_value *v)
{
    while (v->alias >= 0)
        v = &m->values[v->alias];
    return clnn_tensor_get_buffer(v->tensor);
}

void onnx_set_out(onnx_model *m, const onnx_node *n, int i, const clnn_tensor_desc *d)
{
    onnx_value *v = onnx_out(m, n, i);
    if (v) {
        v->desc = *d;
        v->known = 1;
    }
}

void onnx_alias_out(onnx_model *m, const onnx_node *n, int i, int j,
                    const clnn_tensor_desc *d)
{
    onnx_value *v = onnx_out(m, n, i);
    if (v) {
        onnx_set_out(m, n, i, d);
        v->alias = n->in[j];
    }
}

clnn_status onnx_host_ints(onnx_model *m, const onnx_node *n, int i, int64_t *out,
                           int max, int *count)
{
    const onnx_value *v = onnx_in(m, n, i);
    if (!v || !v->host || v->desc.dtype == CLNN_FLOAT32)
        return onnx_unsupported(n, "input %d must be an int64 initializer or graph input "
                                "(computed shapes are not supported)", i);
    int64_t c;
    clnn_tensor_desc_count(&v->desc, &c);
    if (c > max)
        return onnx_unsupported(n, "input %d has %lld values (at most %d)", i,
                                (long long)c, max);
    ((onnx_value *)v)->pinned |= !m->planned;
    for (int k = 0; k < (int)c; k++)
        out[k] = v->desc.dtype == CLNN_INT64 ? ((const int64_t *)v->host)[k]
                                             : ((const int32_t *)v->host)[k];
    *count = (int)c;
    return CLNN_SUCCESS;
}

clnn_status onnx_host_float(onnx_model *m, const onnx_node *n, int i, float *out)
{
    const onnx_value *v = onnx_in(m, n, i);
    int64_t count;
    if (v)
        clnn_tensor_desc_count(&v->desc, &count);
    if (!v || !v->host || v->desc.dtype != CLNN_FLOAT32 || count != 1)
        return onnx_unsupported(n, "input %d must be a float32 scalar initializer, Constant "
                                "or graph input", i);
    ((onnx_value *)v)->pinned |= !m->planned;
    *out = *(const float *)v->host;
    return CLNN_SUCCESS;
}

clnn_status onnx_make_constant(onnx_model *m, onnx_value *v, const clnn_tensor_desc *d,
                               void *host)
{
    v->desc = *d;
    v->host = host;
    v->known = 1;
    size_t bytes;
    clnn_tensor_desc_bytes(d, &bytes);
    clnn_status s = clnn_tensor_create(m->ctx, d, &v->tensor);
    return s == CLNN_SUCCESS ? clnn_tensor_upload(v->tensor, host, bytes) : s;
}

clnn_status onnx_need_float(const onnx_node *n, const onnx_value *v, int i)
{
    if (v && v->desc.dtype != CLNN_FLOAT32)
        return onnx_unsupported(n, "input %d: only float32 is supported", i);
    return CLNN_SUCCESS;
}

clnn_status onnx_need_floats(onnx_model *m, const onnx_node *n, int count)
{
    clnn_status s = CLNN_SUCCESS;
    for (int i = 0; i < n->n_in && i < count && s == CLNN_SUCCESS; i++)
        s = onnx_need_float(n, onnx_in(m, n, i), i);
    return s;
}

void *onnx_state(onnx_model *m, onnx_node *n, size_t size, int floats, clnn_status *s)
{
    *s = onnx_need_floats(m, n, floats);
    if (*s != CLNN_SUCCESS)
        return NULL;
    free(n->state);
    n->state = calloc(1, size);
    if (!n->state)
        *s = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: node '%s': state", onnx_node_name(n));
    return n->state;
}

cl_mem onnx_workspace(onnx_model *m)
{
    return m->workspace ? clnn_tensor_get_buffer(m->workspace) : NULL;
}

/* Creates v's buffer. Buffers start as NaN written from the host (once, at
 * planning; int buffers get its bit pattern): a missed write shows, and memory
 * checkers such as oclgrind see defined contents even where the allocator
 * recycles memory. */
static clnn_status create_buffer(onnx_model *m, onnx_value *v, float **nans, size_t *cap)
{
    clnn_status s = clnn_tensor_create(m->ctx, &v->desc, &v->tensor);
    if (s != CLNN_SUCCESS || v->is_input)
        return s;
    size_t bytes;
    clnn_tensor_desc_bytes(&v->desc, &bytes);
    if (bytes > *cap) {
        float *bigger = realloc(*nans, bytes);
        if (!bigger)
            return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: planning");
        for (size_t i = *cap / sizeof(float); i < bytes / sizeof(float); i++)
            bigger[i] = NAN;
        *nans = bigger;
        *cap = bytes;
    }
    return clnn_tensor_upload(v->tensor, *nans, bytes);
}

static clnn_status allocate(onnx_model *m)
{
    float *nans = NULL;
    size_t cap = 0;
    clnn_status s = CLNN_SUCCESS;
    for (int i = 0; i < m->n_values && s == CLNN_SUCCESS; i++) {
        onnx_value *v = &m->values[i];
        if (!v->tensor && v->alias < 0 && v->known)
            s = create_buffer(m, v, &nans, &cap);
    }
    free(nans);
    if (s != CLNN_SUCCESS)
        return s;
    size_t ws = 0;
    for (int i = 0; i < m->n_nodes; i++)
        ws = m->nodes[i].workspace > ws ? m->nodes[i].workspace : ws;
    if (ws) {
        clnn_tensor_desc d;
        int64_t elems = (int64_t)((ws + 3) / 4);
        s = clnn_tensor_desc_set(&d, CLNN_FLOAT32, 1, &elems);
        if (s == CLNN_SUCCESS)
            s = clnn_tensor_create(m->ctx, &d, &m->workspace);
        /* Written from the host once too (zeros), for the reason create_buffer
         * gives: one node's workspace output is the next pass's input. */
        float *zeros = s == CLNN_SUCCESS ? calloc((size_t)elems, sizeof(float)) : NULL;
        if (s == CLNN_SUCCESS)
            s = zeros ? clnn_tensor_upload(m->workspace, zeros, (size_t)elems * 4)
                      : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "onnx: planning");
        free(zeros);
        if (s != CLNN_SUCCESS)
            return s;
        m->workspace_size = (size_t)elems * 4;
    }
    return CLNN_SUCCESS;
}

clnn_status onnx_plan(onnx_model *m)
{
    for (int i = 0; i < m->n_nodes; i++) {
        onnx_node *n = &m->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] >= 0 && !m->values[n->in[k]].known)
                return onnx_unsupported(n, "input %d is an optional output that clnn "
                                        "does not compute", k);
        clnn_status s = n->op->plan(m, n);
        if (s != CLNN_SUCCESS)
            return s;
    }
    for (int i = 0; i < m->n_outputs; i++)
        if (!m->values[m->outputs[i]].known)
            return clnn_fail(CLNN_NOT_SUPPORTED, "onnx: graph output '%s' is an optional "
                             "output that clnn does not compute",
                             m->values[m->outputs[i]].name);
    clnn_status s = allocate(m);
    if (s == CLNN_SUCCESS)
        m->planned = 1;
    return s;
}
