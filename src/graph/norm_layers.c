/* The normalization layers of the sequential model: BatchNormalization (batch
 * statistics and a moving-average update in training, the moving statistics in
 * inference) and LayerNormalization (over the last axis). */
#include "model.h"

#include <math.h>
#include <string.h>

static clnn_status check_epsilon(clnn_model *m, const model_layer *l, float epsilon,
                                 const char *fn)
{
    if (epsilon > 0.0f && !isinf(epsilon)) return CLNN_SUCCESS;
    char why[80];
    snprintf(why, sizeof why, "epsilon %g must be finite and > 0", (double)epsilon);
    return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
}

/* gamma (ones) and beta (zeros) over `channels`. */
static void add_affine(clnn_model *m, model_layer *l, int64_t channels)
{
    model_add_param(m, l, "gamma", 1, &channels)->init = CLNN_INIT_ONES;
    model_add_param(m, l, "beta", 1, &channels);
}

/* The channel axis: C of a [C, H, W] image, else the last axis. */
static int64_t bn_channels(const clnn_tensor_desc *in)
{
    return in->rank == 3 ? in->dims[0] : in->dims[in->rank - 1];
}

clnn_status clnn_model_add_batchnorm(clnn_model_t m, float momentum, float epsilon)
{
    const char *fn = "clnn_model_add_batchnorm";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_BATCHNORM, fn, &l);
    if (st) return st;
    if (!(momentum >= 0.0f && momentum <= 1.0f)) {
        char why[80];
        snprintf(why, sizeof why, "momentum %g is outside [0, 1]", (double)momentum);
        return model_layer_fail(m, CLNN_INVALID_VALUE, fn, l, why);
    }
    if ((st = check_epsilon(m, l, epsilon, fn))) return st;
    int64_t c = bn_channels(&l->in);
    l->momentum = momentum;
    l->epsilon = epsilon;
    add_affine(m, l, c);
    model_add_param(m, l, "moving_mean", 1, &c)->frozen = 1;
    model_param *var = model_add_param(m, l, "moving_variance", 1, &c);
    var->frozen = 1;
    var->init = CLNN_INIT_ONES;
    m->nlayers++;
    return CLNN_SUCCESS;
}

clnn_status clnn_model_add_layernorm(clnn_model_t m, float epsilon)
{
    const char *fn = "clnn_model_add_layernorm";
    model_layer *l;
    clnn_status st = model_begin_layer(m, LAYER_LAYERNORM, fn, &l);
    if (st) return st;
    if ((st = check_epsilon(m, l, epsilon, fn))) return st;
    l->epsilon = epsilon;
    add_affine(m, l, l->in.dims[l->in.rank - 1]);
    m->nlayers++;
    return CLNN_SUCCESS;
}

/* The op's view of a batch norm input: [n, C, H, W] for images, else
 * [rows, C] with every other axis folded into the batch (Keras' axis -1). The
 * statistics and parameters are [C]; for layer norm `stat` is [rows]. */
typedef struct norm_shapes {
    clnn_tensor_desc x, param, stat;
} norm_shapes;

static norm_shapes shapes_of(const model_layer *l, int64_t n)
{
    norm_shapes s;
    int64_t last = l->in.dims[l->in.rank - 1];
    int64_t rows = n * model_desc_count(&l->in) / last;
    if (l->kind == LAYER_BATCHNORM && l->in.rank == 3) {
        s.x = model_batch_desc(&l->in, n);
        clnn_tensor_desc_set(&s.param, CLNN_FLOAT32, 1, l->in.dims);
    } else {
        clnn_tensor_desc_set(&s.x, CLNN_FLOAT32, 2, (int64_t[]){rows, last});
        clnn_tensor_desc_set(&s.param, CLNN_FLOAT32, 1, &last);
    }
    clnn_tensor_desc_set(&s.stat, CLNN_FLOAT32, 1, &rows);
    return s;
}

clnn_status model_norm_forward(clnn_model *m, const model_layer *l, int64_t n, int training)
{
    const model_param *p = &m->params[l->param_first];
    norm_shapes s = shapes_of(l, n);
    if (l->kind == LAYER_LAYERNORM)
        return clnn_layernorm_forward(m->ctx, -1, l->epsilon, &s.x, l->in_a, 0, &s.param,
                                      p[0].value, 0, p[1].value, 0, &s.x, l->z, 0, &s.stat,
                                      l->stat_mean, 0, l->stat_inv_std, 0);
    if (!training)
        return clnn_batchnorm_forward_inference(m->ctx, l->epsilon, &s.x, l->in_a, 0, &s.x,
                                                l->z, 0, &s.param, p[0].value, 0, p[1].value,
                                                0, p[2].value, 0, p[3].value, 0);
    return clnn_batchnorm_forward_training(m->ctx, l->epsilon, l->momentum, &s.x, l->in_a, 0,
                                           &s.x, l->z, 0, &s.param, p[0].value, 0,
                                           p[1].value, 0, p[2].value, 0, p[3].value, 0,
                                           l->stat_mean, 0, l->stat_inv_std, 0);
}

clnn_status model_norm_backward(clnn_model *m, const model_layer *l, int64_t n)
{
    const model_param *p = &m->params[l->param_first];
    norm_shapes s = shapes_of(l, n);
    if (l->kind == LAYER_LAYERNORM)
        return clnn_layernorm_backward(m->ctx, -1, &s.x, l->in_a, 0, &s.x, l->g, 0, &s.param,
                                       p[0].value, 0, &s.stat, l->stat_mean, 0,
                                       l->stat_inv_std, 0, &s.x, l->in_g, 0, p[0].grad, 0,
                                       p[1].grad, 0);
    /* Batch norm always computes dx; without a previous gradient it goes to g,
     * in place (dy is not needed afterwards). */
    return clnn_batchnorm_backward(m->ctx, &s.x, l->in_a, 0, &s.x, l->g, 0, &s.x,
                                   l->in_g ? l->in_g : l->g, 0, &s.param, p[0].value, 0,
                                   l->stat_mean, 0, l->stat_inv_std, 0, p[0].grad, 0,
                                   p[1].grad, 0);
}

clnn_status model_norm_alloc(clnn_model *m, model_layer *l)
{
    norm_shapes s = shapes_of(l, m->batch);
    const clnn_tensor_desc *d = l->kind == LAYER_LAYERNORM ? &s.stat : &s.param;
    size_t bytes = (size_t)model_desc_count(d) * sizeof(float);
    clnn_status st = model_alloc(m, bytes, &l->stat_mean);
    return st ? st : model_alloc(m, bytes, &l->stat_inv_std);
}
