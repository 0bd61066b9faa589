/* Element-wise activations, softmax, and the pass-through ops (Identity,
 * inference Dropout). */
#include "src/onnx/onnx_internal.h"

#include <math.h>
#include <string.h>

typedef struct act_state {
    clnn_activation_desc act;
} act_state;

static clnn_activation act_kind(const char *op)
{
    static const struct { const char *op; clnn_activation kind; } map[] = {
        {"Relu", CLNN_ACTIVATION_RELU},       {"LeakyRelu", CLNN_ACTIVATION_LEAKY_RELU},
        {"Elu", CLNN_ACTIVATION_ELU},         {"Sigmoid", CLNN_ACTIVATION_SIGMOID},
        {"Tanh", CLNN_ACTIVATION_TANH},       {"Softplus", CLNN_ACTIVATION_SOFTPLUS},
        {"HardSigmoid", CLNN_ACTIVATION_HARD_SIGMOID}, {"Gelu", CLNN_ACTIVATION_GELU},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].op, op) == 0)
            return map[i].kind;
    return CLNN_ACTIVATION_NONE;
}

static clnn_status check_gelu(onnx_model *m, onnx_node *n)
{
    const char *a = onnx_attr_string(n, "approximate", "none");
    if (strcmp(a, "none") != 0 && strcmp(a, "tanh") != 0)
        return onnx_node_fail(n, CLNN_INVALID_VALUE, "attribute 'approximate' = '%s'", a);
    return CLNN_SUCCESS;
}

static clnn_status plan_act(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    act_state *st = onnx_state(m, n, sizeof(*st), 1, &s);
    if (!st)
        return s;
    clnn_activation kind = act_kind(n->proto->op_type);
    if (kind == CLNN_ACTIVATION_GELU &&
        strcmp(onnx_attr_string(n, "approximate", "none"), "tanh") == 0)
        kind = CLNN_ACTIVATION_GELU_TANH;
    st->act = clnn_activation_default(kind);
    st->act.alpha = onnx_attr_float(n, "alpha", st->act.alpha);
    st->act.beta = onnx_attr_float(n, "beta", st->act.beta);
    onnx_set_out(m, n, 0, &x->desc);
    return CLNN_SUCCESS;
}

static clnn_status run_act(onnx_model *m, onnx_node *n)
{
    const act_state *st = n->state;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    return clnn_activation_forward(m->ctx, &st->act, &x->desc, onnx_mem(m, x), 0, &y->desc,
                                   onnx_mem(m, y), 0);
}

/* Softmax before opset 13 coerces x to 2-D at `axis` (default 1); from 13 on it
 * normalizes along `axis` alone (default -1). */
typedef struct softmax_state {
    clnn_tensor_desc view;
    int axis;
} softmax_state;

static clnn_status plan_softmax(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    softmax_state *st = onnx_state(m, n, sizeof(*st), 1, &s);
    if (!st)
        return s;
    int legacy = m->opset < 13;
    int axis;
    s = onnx_axis(n, onnx_attr_int(n, "axis", legacy ? 1 : -1), x->desc.rank ? x->desc.rank
                  : 1, &axis);
    if (s != CLNN_SUCCESS)
        return s;
    st->view = x->desc;
    st->axis = axis;
    if (legacy) {
        s = clnn_tensor_desc_flatten(&x->desc, axis, &st->view);
        st->axis = 1;
    }
    onnx_set_out(m, n, 0, &x->desc);
    return s;
}

static clnn_status run_softmax(onnx_model *m, onnx_node *n)
{
    const softmax_state *st = n->state;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    clnn_softmax_mode mode = strcmp(n->proto->op_type, "LogSoftmax") == 0
                                 ? CLNN_LOG_SOFTMAX : CLNN_SOFTMAX;
    return clnn_softmax_forward(m->ctx, mode, st->axis, &st->view, onnx_mem(m, x), 0,
                                &st->view, onnx_mem(m, y), 0);
}

/* Clip: bounds from attributes (opset < 11) or scalar inputs; y = x then
 * clamped in place. */
typedef struct clip_state {
    float lo, hi;
} clip_state;

static clnn_status plan_clip(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    clip_state *st = onnx_state(m, n, sizeof(*st), 1, &s);
    if (!st)
        return s;
    st->lo = onnx_attr_float(n, "min", -INFINITY);
    st->hi = onnx_attr_float(n, "max", INFINITY);
    if (onnx_in(m, n, 1) && (s = onnx_host_float(m, n, 1, &st->lo)) != CLNN_SUCCESS)
        return s;
    if (onnx_in(m, n, 2) && (s = onnx_host_float(m, n, 2, &st->hi)) != CLNN_SUCCESS)
        return s;
    if (isnan(st->lo) || isnan(st->hi))
        return onnx_unsupported(n, "NaN bounds");
    onnx_set_out(m, n, 0, &x->desc);
    return CLNN_SUCCESS;
}

static clnn_status run_clip(onnx_model *m, onnx_node *n)
{
    const clip_state *st = n->state;
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    cl_mem ym = onnx_mem(m, y);
    clnn_status s = clnn_scale(m->ctx, 1.0f, &x->desc, onnx_mem(m, x), 0, &y->desc, ym, 0);
    /* ONNX: with min > max every value becomes max. */
    float lo = st->lo > st->hi ? st->hi : st->lo;
    return s == CLNN_SUCCESS ? clnn_clip_by_value(m->ctx, lo, st->hi, &y->desc, ym, 0) : s;
}

static clnn_status check_dropout(onnx_model *m, onnx_node *n)
{
    if (n->n_out > 1 && n->out[1] >= 0)
        return onnx_unsupported(n, "output 'mask' is not supported (inference only)");
    const onnx_value *train = onnx_in(m, n, 2);
    if (train)
        return onnx_unsupported(n, "input 'training_mode' is not supported (inference "
                                "only)");
    /* Before opset 7, Dropout trains unless is_test = 1. */
    if (onnx_attr_int(n, "is_test", m->opset < 7 ? 0 : 1) == 0)
        return onnx_unsupported(n, "attribute 'is_test' = 0 (training) is not supported");
    return CLNN_SUCCESS;
}

static clnn_status plan_alias(onnx_model *m, onnx_node *n)
{
    onnx_alias_out(m, n, 0, 0, &onnx_in(m, n, 0)->desc);
    return CLNN_SUCCESS;
}

static clnn_status run_nothing(onnx_model *m, onnx_node *n)
{
    return CLNN_SUCCESS;
}

const onnx_op onnx_ops_unary[] = {
    {"Relu", "", 1, 1, NULL, plan_act, run_act},
    {"LeakyRelu", "alpha", 1, 1, NULL, plan_act, run_act},
    {"Elu", "alpha", 1, 1, NULL, plan_act, run_act},
    {"Sigmoid", "", 1, 1, NULL, plan_act, run_act},
    {"Tanh", "", 1, 1, NULL, plan_act, run_act},
    {"Softplus", "", 1, 1, NULL, plan_act, run_act},
    {"HardSigmoid", "alpha,beta", 1, 1, NULL, plan_act, run_act},
    {"Gelu", "approximate", 1, 1, check_gelu, plan_act, run_act},
    {"Softmax", "axis", 1, 1, NULL, plan_softmax, run_softmax},
    {"LogSoftmax", "axis", 1, 1, NULL, plan_softmax, run_softmax},
    {"Clip", "min,max", 1, 3, NULL, plan_clip, run_clip},
    {"Identity", "", 1, 1, NULL, plan_alias, run_nothing},
    {"Dropout", "ratio,seed,is_test", 1, 3, check_dropout, plan_alias, run_nothing},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
