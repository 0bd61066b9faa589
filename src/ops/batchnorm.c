/* Batch normalization: inference, training forward and backward (kernels in
 * cl/batchnorm.cl). The training kernels reduce with one work-group per channel. */
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>

/* x seen as [N, C, HW]; M = N * HW values per channel. */
typedef struct bn_shape {
    cl_ulong C, HW, M;
} bn_shape;

/* A per-channel operand or a tensor operand as passed to a kernel: the buffer and
 * its offset in elements. */
typedef struct bn_arg {
    cl_mem buf;
    cl_ulong off;
    const char *name;
} bn_arg;

#define BN_MAX_ARGS 8

static clnn_status check_x(clnn_context_t ctx, const char *fn, const clnn_tensor_desc *x_desc,
                           cl_mem x, size_t x_offset, bn_shape *shape)
{
    clnn_status st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, "x", NULL);
    if (st != CLNN_SUCCESS) return st;
    if (x_desc->rank < 2)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: x has rank %d (must be >= 2: [N, C, ...])", fn,
                         x_desc->rank);
    shape->C = (cl_ulong)x_desc->dims[1];
    shape->HW = 1;
    for (int i = 2; i < x_desc->rank; i++) shape->HW *= (cl_ulong)x_desc->dims[i];
    shape->M = (cl_ulong)x_desc->dims[0] * shape->HW;
    return CLNN_SUCCESS;
}

/* Tensor operands of x's shape (args[0] is x itself, already checked). */
static clnn_status check_tensors(clnn_context_t ctx, const char *fn,
                                 const clnn_tensor_desc *x_desc,
                                 const clnn_tensor_desc *const *descs, const bn_arg *args,
                                 size_t count)
{
    clnn_status st = CLNN_SUCCESS;
    for (size_t i = 1; i < count && st == CLNN_SUCCESS; i++) {
        st = clnn_check_operand(ctx, descs[i], CLNN_FLOAT32, args[i].buf, args[i].off, fn,
                                args[i].name, NULL);
        if (st == CLNN_SUCCESS)
            st = clnn_check_same_shape(x_desc, descs[i], fn, "x", args[i].name);
    }
    return st;
}

/* The per-channel operands: param_desc must be [C] and each buffer hold C floats. */
static clnn_status check_params(clnn_context_t ctx, const char *fn,
                                const clnn_tensor_desc *x_desc, const bn_shape *shape,
                                const clnn_tensor_desc *param_desc, const bn_arg *args,
                                size_t count)
{
    clnn_status st = clnn_check_desc(param_desc, CLNN_FLOAT32, fn, "param_desc");
    if (st != CLNN_SUCCESS) return st;
    if (param_desc->rank != 1 || (cl_ulong)param_desc->dims[0] != shape->C) {
        char ps[128], xs[128];
        clnn_format_shape(param_desc, ps, sizeof ps);
        clnn_format_shape(x_desc, xs, sizeof xs);
        return clnn_fail(CLNN_SHAPE_MISMATCH,
                         "%s: param_desc (scale, bias, mean, var) has shape %s but x %s has "
                         "%llu channels",
                         fn, ps, xs, (unsigned long long)shape->C);
    }
    for (size_t i = 0; i < count && st == CLNN_SUCCESS; i++)
        st = clnn_check_buffer(ctx, args[i].buf, args[i].off, (size_t)shape->C * 4, 4, fn,
                               args[i].name);
    return st;
}

static clnn_status check_epsilon(const char *fn, float epsilon)
{
    if (epsilon > 0.0f) return CLNN_SUCCESS; /* false for NaN too */
    return clnn_fail(CLNN_INVALID_VALUE, "%s: epsilon %g must be > 0", fn, (double)epsilon);
}

/* Sets (buffer, element offset) pairs for `args` (byte offsets on entry), then the
 * scalar `tail`, and enqueues `items` work-items of kernel `name`. The reductions
 * load VEC values at once when planes of `hw` values split into whole vectors. */
static clnn_status bn_launch(clnn_context_t ctx, const char *name, bn_arg *args, size_t count,
                             const clnn_kernel_arg *tail, size_t tail_count, size_t items,
                             cl_ulong hw)
{
    clnn_kernel_arg all[2 * BN_MAX_ARGS + 8];
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        args[i].off /= sizeof(float);
        all[n++] = CLNN_ARG(args[i].buf);
        all[n++] = CLNN_ARG(args[i].off);
    }
    for (size_t i = 0; i < tail_count; i++) all[n++] = tail[i];

    char options[96];
    snprintf(options, sizeof options, "-DVEC=%u -DWG=%zu -DCHUNK=%u",
             ctx->vector_width, ctx->local_size,
             hw % ctx->vector_width == 0 ? ctx->vector_width : 1u);
    cl_kernel k;
    clnn_status st = clnn_kernel_get(ctx, "batchnorm.cl", options, name, &k);
    if (st == CLNN_SUCCESS) st = clnn_set_kernel_args(k, all, n);
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, items) : st;
}

clnn_status clnn_batchnorm_forward_inference(
    clnn_context_t ctx, float epsilon, const clnn_tensor_desc *x_desc, cl_mem x,
    size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset, cl_mem bias,
    size_t bias_offset, cl_mem mean, size_t mean_offset, cl_mem var, size_t var_offset)
{
    static const char fn[] = "clnn_batchnorm_forward_inference";
    bn_arg args[] = {{x, x_offset, "x"},          {y, y_offset, "y"},
                     {scale, scale_offset, "scale"}, {bias, bias_offset, "bias"},
                     {mean, mean_offset, "mean"},    {var, var_offset, "var"}};
    const clnn_tensor_desc *descs[] = {x_desc, y_desc};
    bn_shape sh;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_epsilon(fn, epsilon);
    if (st == CLNN_SUCCESS) st = check_x(ctx, fn, x_desc, x, x_offset, &sh);
    if (st == CLNN_SUCCESS) st = check_tensors(ctx, fn, x_desc, descs, args, 2);
    if (st == CLNN_SUCCESS) st = check_params(ctx, fn, x_desc, &sh, param_desc, args + 2, 4);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong planes = (cl_ulong)x_desc->dims[0] * sh.C;
    size_t chunks = (size_t)(sh.HW + ctx->vector_width - 1) / ctx->vector_width;
    clnn_kernel_arg tail[] = {CLNN_ARG(sh.C), CLNN_ARG(sh.HW), CLNN_ARG(planes),
                              CLNN_ARG(epsilon)};
    return bn_launch(ctx, "batchnorm_inference", args, 6, tail, 4, (size_t)planes * chunks, 1);
}

clnn_status clnn_batchnorm_forward_training(
    clnn_context_t ctx, float epsilon, float momentum, const clnn_tensor_desc *x_desc,
    cl_mem x, size_t x_offset, const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset, cl_mem bias,
    size_t bias_offset, cl_mem running_mean, size_t running_mean_offset, cl_mem running_var,
    size_t running_var_offset, cl_mem saved_mean, size_t saved_mean_offset,
    cl_mem saved_inv_std, size_t saved_inv_std_offset)
{
    static const char fn[] = "clnn_batchnorm_forward_training";
    bn_arg args[] = {{x, x_offset, "x"},
                     {y, y_offset, "y"},
                     {scale, scale_offset, "scale"},
                     {bias, bias_offset, "bias"},
                     {running_mean, running_mean_offset, "running_mean"},
                     {running_var, running_var_offset, "running_var"},
                     {saved_mean, saved_mean_offset, "saved_mean"},
                     {saved_inv_std, saved_inv_std_offset, "saved_inv_std"}};
    const clnn_tensor_desc *descs[] = {x_desc, y_desc};
    bn_shape sh;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_epsilon(fn, epsilon);
    if (st == CLNN_SUCCESS && !(momentum >= 0.0f && momentum <= 1.0f))
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: momentum %g is outside [0, 1]", fn,
                       (double)momentum);
    if (st == CLNN_SUCCESS) st = check_x(ctx, fn, x_desc, x, x_offset, &sh);
    if (st == CLNN_SUCCESS) st = check_tensors(ctx, fn, x_desc, descs, args, 2);
    if (st == CLNN_SUCCESS) st = check_params(ctx, fn, x_desc, &sh, param_desc, args + 2, 6);
    if (st != CLNN_SUCCESS) return st;
    clnn_kernel_arg tail[] = {CLNN_ARG(sh.C), CLNN_ARG(sh.HW), CLNN_ARG(sh.M),
                              CLNN_ARG(epsilon), CLNN_ARG(momentum)};
    return bn_launch(ctx, "batchnorm_train_forward", args, 8, tail, 5,
                     (size_t)sh.C * ctx->local_size, sh.HW);
}

clnn_status clnn_batchnorm_backward(
    clnn_context_t ctx, const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
    const clnn_tensor_desc *dy_desc, cl_mem dy, size_t dy_offset,
    const clnn_tensor_desc *dx_desc, cl_mem dx, size_t dx_offset,
    const clnn_tensor_desc *param_desc, cl_mem scale, size_t scale_offset,
    cl_mem saved_mean, size_t saved_mean_offset, cl_mem saved_inv_std,
    size_t saved_inv_std_offset, cl_mem dscale, size_t dscale_offset, cl_mem dbias,
    size_t dbias_offset)
{
    static const char fn[] = "clnn_batchnorm_backward";
    bn_arg args[] = {{x, x_offset, "x"},
                     {dy, dy_offset, "dy"},
                     {dx, dx_offset, "dx"},
                     {scale, scale_offset, "scale"},
                     {saved_mean, saved_mean_offset, "saved_mean"},
                     {saved_inv_std, saved_inv_std_offset, "saved_inv_std"},
                     {dscale, dscale_offset, "dscale"},
                     {dbias, dbias_offset, "dbias"}};
    const clnn_tensor_desc *descs[] = {x_desc, dy_desc, dx_desc};
    bn_shape sh;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_x(ctx, fn, x_desc, x, x_offset, &sh);
    if (st == CLNN_SUCCESS) st = check_tensors(ctx, fn, x_desc, descs, args, 3);
    if (st == CLNN_SUCCESS) st = check_params(ctx, fn, x_desc, &sh, param_desc, args + 3, 5);
    if (st != CLNN_SUCCESS) return st;
    clnn_kernel_arg tail[] = {CLNN_ARG(sh.C), CLNN_ARG(sh.HW), CLNN_ARG(sh.M)};
    return bn_launch(ctx, "batchnorm_backward", args, 8, tail, 3,
                     (size_t)sh.C * ctx->local_size, sh.HW);
}
