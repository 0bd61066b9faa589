/* Batch normalization (inference) and layer normalization. */
#include "src/onnx/onnx_internal.h"

static clnn_status check_batchnorm(onnx_model *m, onnx_node *n)
{
    if (onnx_attr_int(n, "training_mode", 0) != 0)
        return onnx_unsupported(n, "attribute 'training_mode' = 1 is not supported "
                                "(inference only)");
    for (int i = 1; i < n->n_out; i++)
        if (n->out[i] >= 0)
            return onnx_unsupported(n, "output %d (training statistics) is not supported",
                                    i);
    if (onnx_attr_int(n, "spatial", 1) != 1)
        return onnx_unsupported(n, "attribute 'spatial' = 0 is not supported");
    return CLNN_SUCCESS;
}

static clnn_status plan_same_shape(onnx_model *m, onnx_node *n)
{
    clnn_status s = onnx_need_floats(m, n, 5);
    if (s == CLNN_SUCCESS)
        onnx_set_out(m, n, 0, &onnx_in(m, n, 0)->desc);
    return s;
}

static clnn_status run_batchnorm(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *y = onnx_out(m, n, 0);
    cl_mem p[4];
    for (int i = 0; i < 4; i++)
        p[i] = onnx_mem(m, onnx_in(m, n, i + 1));
    return clnn_batchnorm_forward_inference(
        m->ctx, onnx_attr_float(n, "epsilon", 1e-5f), &x->desc, onnx_mem(m, x), 0, &y->desc,
        onnx_mem(m, y), 0, &onnx_in(m, n, 1)->desc, p[0], 0, p[1], 0, p[2], 0, p[3], 0);
}

/* LayerNormalization: Mean and InvStdDev keep x's leading dims, 1 after axis. */
static clnn_status plan_layernorm(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0);
    clnn_status s;
    int *axis = onnx_state(m, n, sizeof(int), 3, &s);
    if (!axis)
        return s;
    if (onnx_attr_int(n, "stash_type", 1) != 1)
        return onnx_unsupported(n, "attribute 'stash_type' other than 1 (float)");
    if ((s = onnx_axis(n, onnx_attr_int(n, "axis", -1), x->desc.rank, axis)) != CLNN_SUCCESS)
        return s;
    clnn_tensor_desc stat = x->desc;
    for (int i = *axis; i < stat.rank; i++)
        stat.dims[i] = 1;
    onnx_set_out(m, n, 0, &x->desc);
    onnx_set_out(m, n, 1, &stat);
    onnx_set_out(m, n, 2, &stat);
    return CLNN_SUCCESS;
}

static clnn_status run_layernorm(onnx_model *m, onnx_node *n)
{
    const onnx_value *x = onnx_in(m, n, 0), *sc = onnx_in(m, n, 1), *b = onnx_in(m, n, 2);
    const onnx_value *y = onnx_out(m, n, 0), *mean = onnx_out(m, n, 1);
    const onnx_value *inv = onnx_out(m, n, 2);
    const onnx_value *stat = mean ? mean : inv;
    return clnn_layernorm_forward(
        m->ctx, *(const int *)n->state, onnx_attr_float(n, "epsilon", 1e-5f), &x->desc,
        onnx_mem(m, x), 0, &sc->desc, onnx_mem(m, sc), 0, b ? onnx_mem(m, b) : NULL, 0,
        &y->desc, onnx_mem(m, y), 0, stat ? &stat->desc : NULL,
        mean ? onnx_mem(m, mean) : NULL, 0, inv ? onnx_mem(m, inv) : NULL, 0);
}

const onnx_op onnx_ops_norm[] = {
    {"BatchNormalization", "epsilon,momentum,training_mode,spatial", 5, 5, check_batchnorm,
     plan_same_shape, run_batchnorm},
    {"LayerNormalization", "axis,epsilon,stash_type", 2, 3, NULL, plan_layernorm,
     run_layernorm},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
