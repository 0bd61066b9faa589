/* The compiled model's activation buffers: which layer feeds which, which layers
 * need a gradient, each buffer's lifetime over a training pass (requested from
 * the plan, plan.c), then the links: every layer's input buffers, its gradient
 * edges and the layers that alias their input (flatten, reshape, activation).
 *
 * Lifetimes, in the plan's steps (forward of layer i at i, the loss at L,
 * backward of layer i at 2L - i): a layer's z lives from its forward to its
 * backward, which comes after every reader's (consumers have higher indices).
 * A separate a (after an activation) lives as long only where its softmax
 * backward, the loss (the output) or a consumer's backward reads it; pooling,
 * dropout, Add and Concatenate read only their gradient, so the conv + relu
 * before a max pool frees its a after the pool's forward.
 * Its gradient g lives from the backward of its writer (its last consumer, or
 * the writer of an aliasing consumer that hands g on; the loss for the output)
 * to its own backward. So during the backward pass gradients reuse the memory of
 * activations already differentiated. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static int is_alias_layer(const model_layer *l)
{
    return l->kind == LAYER_FLATTEN || l->kind == LAYER_RESHAPE || l->kind == LAYER_ACTIVATION;
}

/* The last consumer (in layer order) of each node, as layer * MAX + slot, or -1:
 * the backward pass meets it first, so it writes the node's gradient buffer
 * itself and the others write parts that the node sums (model_sum_grad_parts). */
static void last_consumers(const clnn_model *m, int *layer_last, int *input_last)
{
    for (int i = 0; i < m->nlayers; i++) layer_last[i] = -1;
    for (int k = 0; k < m->ninputs; k++) input_last[k] = -1;
    for (int i = 0; i < m->nlayers; i++)
        for (int s = 0; s < m->layers[i].ninputs; s++) {
            int j = m->layers[i].inputs[s];
            *(j >= 0 ? &layer_last[j] : &input_last[-1 - j]) = i * MODEL_MAX_LAYER_INPUTS + s;
        }
}

clnn_status model_check_graph(const clnn_model *m)
{
    int layer_last[MODEL_MAX_LAYERS], input_last[MODEL_MAX_INPUTS], fanout[MODEL_MAX_LAYERS];
    last_consumers(m, layer_last, input_last);
    for (int k = 0; k < m->ninputs; k++)
        if (input_last[k] < 0)
            return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_compile: input %d (node %d) feeds "
                             "no layer", k, -1 - k);
    memset(fanout, 0, sizeof fanout);
    for (int i = 0; i < m->nlayers; i++) {
        const model_layer *l = &m->layers[i];
        if (i < m->nlayers - 1 && layer_last[i] < 0)
            return clnn_fail(CLNN_INVALID_VALUE, "clnn_model_compile: layer %d (%s) feeds no "
                             "layer and is not the output (the last layer)", i, l->name);
        for (int s = 0; s < l->ninputs; s++)
            if (l->inputs[s] >= 0 && ++fanout[l->inputs[s]] > MODEL_MAX_FANOUT)
                return clnn_fail(CLNN_NOT_SUPPORTED, "clnn_model_compile: layer %d (%s) "
                                 "feeds more than %d inputs", l->inputs[s],
                                 m->layers[l->inputs[s]].name, MODEL_MAX_FANOUT);
    }
    return CLNN_SUCCESS;
}

typedef struct layout {
    int layer_last[MODEL_MAX_LAYERS], input_last[MODEL_MAX_INPUTS];
    int need[MODEL_MAX_LAYERS];   /* parameters at or upstream: a gradient        */
    int writer[MODEL_MAX_LAYERS]; /* the layer whose backward first writes g (L:
                                     the loss)                                     */
    int a_end[MODEL_MAX_LAYERS];  /* the last read of a separate a                */
} layout;

/* Whether a layer's backward reads its input's activation; aliasing layers hand
 * it on to theirs, so they count as readers. */
static int backward_reads_input(const model_layer *l)
{
    switch (l->kind) {
    case LAYER_MAXPOOL2D:
    case LAYER_AVGPOOL2D:
    case LAYER_GLOBAL_AVGPOOL2D:
    case LAYER_GLOBAL_MAXPOOL2D:
    case LAYER_DROPOUT:
    case LAYER_ADD:
    case LAYER_CONCATENATE:
        return 0;
    default:
        return 1;
    }
}

static void analyse(const clnn_model *m, layout *t)
{
    int n = m->nlayers;
    last_consumers(m, t->layer_last, t->input_last);
    for (int i = 0; i < n; i++) {
        const model_layer *l = &m->layers[i];
        t->need[i] = l->param_count > 0;
        for (int s = 0; s < l->ninputs; s++)
            if (l->inputs[s] >= 0 && t->need[l->inputs[s]]) t->need[i] = 1;
    }
    for (int i = 0; i < n; i++) {
        const model_layer *l = &m->layers[i];
        t->a_end[i] = l->act == CLNN_MODEL_SOFTMAX || i == n - 1 ? 2 * n - i : i;
        for (int c = i + 1; c < n; c++)
            for (int s = 0; s < m->layers[c].ninputs; s++)
                if (m->layers[c].inputs[s] == i) {
                    int end = backward_reads_input(&m->layers[c]) ? 2 * n - c : c;
                    if (end > t->a_end[i]) t->a_end[i] = end;
                }
    }
    for (int i = n - 1; i >= 0; i--) {
        int d = t->layer_last[i] / MODEL_MAX_LAYER_INPUTS;
        t->writer[i] = t->layer_last[i] < 0 ? n
                       : is_alias_layer(&m->layers[d]) ? t->writer[d] : d;
    }
}

static size_t node_bytes(const clnn_model *m, int id)
{
    return (size_t)(model_desc_count(model_node_desc(m, id)) * m->batch) * sizeof(float);
}

static clnn_status request_layer(clnn_model *m, const layout *t, model_plan *p, int i)
{
    model_layer *l = &m->layers[i];
    int L = m->nlayers, bwd = 2 * L - i;
    size_t bytes = node_bytes(m, i);
    clnn_status st = CLNN_SUCCESS;
    if (!is_alias_layer(l) && !(st = model_plan_request(m, p, bytes, i, bwd, &l->z)))
        l->owns_z = 1;
    if (!st && l->act != CLNN_ACTIVATION_NONE &&
        !(st = model_plan_request(m, p, bytes, i, t->a_end[i], &l->a)))
        l->owns_a = 1;
    if (!st && t->need[i] && !is_alias_layer(l) &&
        !(st = model_plan_request(m, p, bytes, 2 * L - t->writer[i], bwd, &l->g)))
        l->owns_g = 1;
    for (int s = 0; s < l->ninputs && !st; s++) {
        int j = l->inputs[s];
        l->edge_part[s] = -1;
        if (j < 0 || !t->need[j] || t->layer_last[j] == i * MODEL_MAX_LAYER_INPUTS + s) continue;
        model_layer *q = &m->layers[j];
        int w = is_alias_layer(l) ? t->writer[i] : i; /* an alias hands its g on */
        l->edge_part[s] = q->nparts;
        st = model_plan_request(m, p, node_bytes(m, j), 2 * L - w, 2 * L - j,
                                &q->grad_parts[q->nparts++]);
    }
    /* Concatenate splits its gradient into every input: sinks for those without. */
    for (int s = 0; l->kind == LAYER_CONCATENATE && t->need[i] && s < l->ninputs && !st; s++)
        if (l->inputs[s] < 0 || !t->need[l->inputs[s]])
            st = model_plan_request(m, p, node_bytes(m, l->inputs[s]), bwd, bwd, &l->sinks[s]);
    return st;
}

static void link_layer(clnn_model *m, const layout *t, int i)
{
    model_layer *l = &m->layers[i];
    int any = 0;
    for (int s = 0; s < l->ninputs; s++) {
        int j = l->inputs[s];
        const model_layer *q = j >= 0 ? &m->layers[j] : NULL;
        l->in_as[s] = q ? q->a : model_input_stage(m, -1 - j);
        l->in_gs[s] = !q || !q->g ? NULL : l->edge_part[s] < 0 ? q->g
                                                               : q->grad_parts[l->edge_part[s]];
        any |= l->in_gs[s] != NULL;
        if (!l->in_gs[s]) l->in_gs[s] = l->sinks[s];
    }
    l->in_a = l->in_as[0];
    l->in_g = any ? l->in_gs[0] : NULL;
    if (is_alias_layer(l)) l->z = l->in_a;
    if (l->act == CLNN_ACTIVATION_NONE) l->a = l->z;
    if (is_alias_layer(l) && t->need[i]) l->g = l->in_g;
}

clnn_status model_alloc_layers(clnn_model *m)
{
    layout t;
    model_plan plan;
    memset(&plan, 0, sizeof plan);
    analyse(m, &t);
    m->naive_bytes = 0;
    clnn_status st = CLNN_SUCCESS;
    for (int i = 0; i < m->nlayers && !st; i++) st = request_layer(m, &t, &plan, i);
    if (st) {
        free(plan.reqs);
        return st;
    }
    st = model_plan_commit(m, &plan);
    for (int i = 0; i < m->nlayers && !st; i++) {
        model_layer *l = &m->layers[i];
        link_layer(m, &t, i);
        if (l->kind == LAYER_MAXPOOL2D || l->kind == LAYER_GLOBAL_MAXPOOL2D)
            st = model_alloc(m, node_bytes(m, i), &l->indices); /* int32: float-sized */
        if (!st && MODEL_IS_RNN(l->kind)) st = model_rnn_alloc(m, l);
        if (!st && MODEL_IS_NORM(l->kind)) st = model_norm_alloc(m, l);
        if (!st && MODEL_IS_TRANSFORMER(l->kind)) st = model_transformer_alloc(m, l);
    }
    return st;
}
