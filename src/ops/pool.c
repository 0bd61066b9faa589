/* Pooling: validation, geometry and launches (kernels in cl/pool.cl). Program
 * variants: -DMODE (max / average excluding / including padding), -DIDX (write
 * argmax indices), -DSW (horizontal stride 1 or 2 baked in for vector loads). */
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>
#include <string.h>

/* Planes above this many elements use one work-group per plane in global pooling. */
#define GLOBAL_POOL_LARGE_PLANE 512

/* Resolved geometry, laid out as the kernels' arguments. */
typedef struct pool_geom {
    cl_int4 size; /* H, W, OH, OW */
    cl_int4 win;  /* KH, KW, SH, SW */
    cl_int4 pad;  /* top, left, bottom, right */
    cl_int2 dil;  /* DH, DW */
    size_t planes; /* N * C */
} pool_geom;

static clnn_status check_mode(clnn_pool_mode mode, const char *fn)
{
    if ((unsigned)mode > CLNN_POOL_AVERAGE_INCLUDE_PAD)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: unknown pooling mode %d", fn, (int)mode);
    return CLNN_SUCCESS;
}

/* A float32 (or int32) 4-D operand. */
static clnn_status check_4d(clnn_context_t ctx, const clnn_tensor_desc *desc, clnn_dtype dtype,
                            cl_mem buffer, size_t offset, const char *fn, const char *name)
{
    clnn_status st = clnn_check_operand(ctx, desc, dtype, buffer, offset, fn, name, NULL);
    if (st == CLNN_SUCCESS && desc->rank != 4)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has rank %d (pooling needs 4-D NCHW)", fn,
                         name, desc->rank);
    return st;
}

/* `desc` must be [dims[0], dims[1], dims[2], dims[3]]. */
static clnn_status expect_shape(const clnn_tensor_desc *desc, const int64_t dims[4],
                                const char *fn, const char *name)
{
    if (desc->rank == 4 && memcmp(desc->dims, dims, 4 * sizeof *dims) == 0)
        return CLNN_SUCCESS;
    clnn_tensor_desc want = *desc;
    memcpy(want.dims, dims, 4 * sizeof *dims);
    want.rank = 4;
    char got_s[160], want_s[160];
    clnn_format_shape(desc, got_s, sizeof got_s);
    clnn_format_shape(&want, want_s, sizeof want_s);
    return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has shape %s, expected %s", fn, name, got_s,
                     want_s);
}

/* Resolves `window` over x's plane into `g` (and the output dims) under the rules of
 * pool.h. */
static clnn_status resolve_window(clnn_pool_mode mode, const clnn_window2d *window,
                                  const clnn_tensor_desc *x_desc, const char *fn,
                                  const char *x_name, pool_geom *g, int64_t out[4])
{
    if (!window) return clnn_fail(CLNN_NULL_POINTER, "%s: window is NULL", fn);
    int64_t oh, ow, pads[4];
    const int64_t h = x_desc->dims[2], w = x_desc->dims[3];
    if (clnn_window2d_output(window, h, w, &oh, &ow, pads) != CLNN_SUCCESS) {
        char why[256];
        snprintf(why, sizeof why, "%s", clnn_last_error());
        return clnn_fail(CLNN_INVALID_VALUE, "%s: window: %s", fn, why);
    }
    for (int i = 0; i < 4; i++) {
        int axis = i % 2;
        int64_t span = window->dilations[axis] * (window->kernel[axis] - 1) + 1;
        if (pads[i] >= span)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: window pads[%d] = %lld must be smaller "
                                                 "than the dilated kernel extent %lld", fn, i,
                             (long long)pads[i], (long long)span);
    }
    if (mode != CLNN_POOL_MAX && (window->dilations[0] != 1 || window->dilations[1] != 1))
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: window dilations (%lld, %lld): average "
                                             "pooling supports only dilation 1", fn,
                         (long long)window->dilations[0], (long long)window->dilations[1]);
    if (h * w > INT32_MAX || oh * ow > INT32_MAX)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: %s planes of %lld x %lld exceed int32 indexing",
                         fn, x_name, (long long)h, (long long)w);
    *g = (pool_geom){
        .size = {{(cl_int)h, (cl_int)w, (cl_int)oh, (cl_int)ow}},
        .win = {{(cl_int)window->kernel[0], (cl_int)window->kernel[1],
                 (cl_int)window->strides[0], (cl_int)window->strides[1]}},
        .pad = {{(cl_int)pads[0], (cl_int)pads[1], (cl_int)pads[2], (cl_int)pads[3]}},
        .dil = {{(cl_int)window->dilations[0], (cl_int)window->dilations[1]}},
        .planes = (size_t)(x_desc->dims[0] * x_desc->dims[1])};
    out[0] = x_desc->dims[0];
    out[1] = x_desc->dims[1];
    out[2] = oh;
    out[3] = ow;
    return CLNN_SUCCESS;
}

/* The indices operand: NULL/NULL means none (allowed unless `required`); only max
 * pooling takes one. Sets *present. */
static clnn_status check_indices(clnn_context_t ctx, clnn_pool_mode mode,
                                 const clnn_tensor_desc *desc, cl_mem buffer, size_t offset,
                                 const int64_t dims[4], int required, const char *fn,
                                 int *present)
{
    *present = desc || buffer;
    if (mode != CLNN_POOL_MAX) {
        if (*present)
            return clnn_fail(CLNN_INVALID_VALUE, "%s: indices must be NULL for average pooling",
                             fn);
        return CLNN_SUCCESS;
    }
    if (!*present) {
        if (required)
            return clnn_fail(CLNN_NULL_POINTER, "%s: indices are NULL (max pooling's backward "
                                                "needs the forward's indices)", fn);
        return CLNN_SUCCESS;
    }
    clnn_status st = check_4d(ctx, desc, CLNN_INT32, buffer, offset, fn, "indices");
    return st == CLNN_SUCCESS ? expect_shape(desc, dims, fn, "indices") : st;
}

/* Outputs per work-item of pool_forward, dx elements per work-item of pool_backward. */
static size_t pool_ov(clnn_context_t ctx) { return ctx->vector_width >= 8 ? 8 : 4; }

/* Build options; LOCAL and OV are per context, so every variant shares them. */
static clnn_status get_kernel(clnn_context_t ctx, clnn_pool_mode mode, int idx, int sw,
                              const char *name, cl_kernel *kernel)
{
    char options[128];
    snprintf(options, sizeof options, "-DVEC=%u -DMODE=%d -DIDX=%d -DOV=%d -DSW=%d -DLOCAL=%zu",
             ctx->vector_width, (int)mode, idx, (int)pool_ov(ctx), sw,
             ctx->local_size);
    return clnn_kernel_get(ctx, "pool.cl", options, name, kernel);
}

/* Launches pool_forward or pool_backward with geometry `g` over `items` work-items
 * (a, b, c are the kernel's three (buffer, offset) pairs in order). */
static clnn_status launch(clnn_context_t ctx, cl_kernel k, const pool_geom *g, cl_mem a,
                          size_t a_off, cl_mem b, size_t b_off, cl_mem c, size_t c_off,
                          cl_ulong bound, size_t items)
{
    cl_ulong ao = a_off / 4, bo = b_off / 4, co = c_off / 4;
    clnn_status st = clnn_set_args(k, CLNN_ARG(a), CLNN_ARG(ao), CLNN_ARG(b), CLNN_ARG(bo),
                                   CLNN_ARG(c), CLNN_ARG(co), CLNN_ARG(g->size),
                                   CLNN_ARG(g->win), CLNN_ARG(g->pad), CLNN_ARG(g->dil),
                                   CLNN_ARG(bound));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, items) : st;
}

/* Backward shared by pool2d and global pooling: one work-item per OV dx elements
 * of a row. */
static clnn_status backward_launch(clnn_context_t ctx, clnn_pool_mode mode, const pool_geom *g,
                                   cl_mem dy, size_t dy_offset, cl_mem indices,
                                   size_t indices_offset, cl_mem dx, size_t dx_offset)
{
    cl_kernel k;
    int avg = mode != CLNN_POOL_MAX;
    clnn_status st = get_kernel(ctx, mode, 0, 0, "pool_backward", &k);
    if (st != CLNN_SUCCESS) return st;
    size_t ov = pool_ov(ctx);
    size_t n = g->planes * (size_t)g->size.s[0] * (((size_t)g->size.s[1] + ov - 1) / ov);
    return launch(ctx, k, g, dy, dy_offset, avg ? dy : indices, avg ? 0 : indices_offset, dx,
                  dx_offset, (cl_ulong)n, n);
}

clnn_status clnn_pool2d_output_desc(clnn_pool_mode mode, const clnn_window2d *window,
                                    const clnn_tensor_desc *x_desc, clnn_tensor_desc *y_desc)
{
    static const char fn[] = "clnn_pool2d_output_desc";
    pool_geom g;
    int64_t dims[4];
    clnn_status st = check_mode(mode, fn);
    if (st == CLNN_SUCCESS) st = clnn_check_desc(x_desc, CLNN_FLOAT32, fn, "x");
    if (st == CLNN_SUCCESS && x_desc->rank != 4)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: x has rank %d (pooling needs 4-D NCHW)", fn,
                       x_desc->rank);
    if (st == CLNN_SUCCESS && !y_desc)
        st = clnn_fail(CLNN_NULL_POINTER, "%s: y_desc is NULL", fn);
    if (st == CLNN_SUCCESS) st = resolve_window(mode, window, x_desc, fn, "x", &g, dims);
    return st == CLNN_SUCCESS ? clnn_tensor_desc_set(y_desc, CLNN_FLOAT32, 4, dims) : st;
}

clnn_status clnn_pool2d_forward(clnn_context_t ctx, clnn_pool_mode mode,
                                const clnn_window2d *window, const clnn_tensor_desc *x_desc,
                                cl_mem x, size_t x_offset, const clnn_tensor_desc *y_desc,
                                cl_mem y, size_t y_offset, const clnn_tensor_desc *indices_desc,
                                cl_mem indices, size_t indices_offset)
{
    static const char fn[] = "clnn_pool2d_forward";
    pool_geom g;
    int64_t dims[4];
    int has_idx = 0;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_mode(mode, fn);
    if (st == CLNN_SUCCESS) st = check_4d(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, "x");
    if (st == CLNN_SUCCESS) st = resolve_window(mode, window, x_desc, fn, "x", &g, dims);
    if (st == CLNN_SUCCESS) st = check_4d(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y");
    if (st == CLNN_SUCCESS) st = expect_shape(y_desc, dims, fn, "y");
    if (st == CLNN_SUCCESS)
        st = check_indices(ctx, mode, indices_desc, indices, indices_offset, dims, 0, fn,
                           &has_idx);
    cl_kernel k;
    int sw = g.win.s[3] <= 2 ? g.win.s[3] : 0;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, mode, has_idx, sw, "pool_forward", &k);
    if (st != CLNN_SUCCESS) return st;
    size_t rows = g.planes * (size_t)g.size.s[2]; /* one work-item per output row */
    return launch(ctx, k, &g, x, x_offset, y, y_offset, has_idx ? indices : y,
                  has_idx ? indices_offset : 0, (cl_ulong)rows, rows);
}

clnn_status clnn_pool2d_backward(clnn_context_t ctx, clnn_pool_mode mode,
                                 const clnn_window2d *window, const clnn_tensor_desc *dy_desc,
                                 cl_mem dy, size_t dy_offset,
                                 const clnn_tensor_desc *indices_desc, cl_mem indices,
                                 size_t indices_offset, const clnn_tensor_desc *dx_desc,
                                 cl_mem dx, size_t dx_offset)
{
    static const char fn[] = "clnn_pool2d_backward";
    pool_geom g;
    int64_t dims[4];
    int has_idx;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_mode(mode, fn);
    if (st == CLNN_SUCCESS) st = check_4d(ctx, dx_desc, CLNN_FLOAT32, dx, dx_offset, fn, "dx");
    if (st == CLNN_SUCCESS) st = resolve_window(mode, window, dx_desc, fn, "dx", &g, dims);
    if (st == CLNN_SUCCESS) st = check_4d(ctx, dy_desc, CLNN_FLOAT32, dy, dy_offset, fn, "dy");
    if (st == CLNN_SUCCESS) st = expect_shape(dy_desc, dims, fn, "dy");
    if (st == CLNN_SUCCESS)
        st = check_indices(ctx, mode, indices_desc, indices, indices_offset, dims, 1, fn,
                           &has_idx);
    if (st != CLNN_SUCCESS) return st;
    return backward_launch(ctx, mode, &g, dy, dy_offset, indices, indices_offset, dx, dx_offset);
}

/* ---- global pooling */

/* Checks the plane tensor and the [N, C, 1, 1] tensor of a global pooling call
 * and fills `g` with a window covering the whole plane. */
static clnn_status global_check(clnn_context_t ctx, clnn_pool_mode mode,
                                const clnn_tensor_desc *plane_desc, cl_mem plane,
                                size_t plane_offset, const char *plane_name,
                                const clnn_tensor_desc *pooled_desc, cl_mem pooled,
                                size_t pooled_offset, const char *pooled_name, const char *fn,
                                pool_geom *g, int64_t dims[4])
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS) st = check_mode(mode, fn);
    if (st == CLNN_SUCCESS)
        st = check_4d(ctx, plane_desc, CLNN_FLOAT32, plane, plane_offset, fn, plane_name);
    if (st == CLNN_SUCCESS)
        st = check_4d(ctx, pooled_desc, CLNN_FLOAT32, pooled, pooled_offset, fn, pooled_name);
    if (st != CLNN_SUCCESS) return st;
    const int64_t *d = plane_desc->dims;
    if (d[2] * d[3] > INT32_MAX)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: %s planes of %lld x %lld exceed int32 "
                                             "indexing", fn, plane_name, (long long)d[2],
                         (long long)d[3]);
    dims[0] = d[0];
    dims[1] = d[1];
    dims[2] = dims[3] = 1;
    *g = (pool_geom){.size = {{(cl_int)d[2], (cl_int)d[3], 1, 1}},
                     .win = {{(cl_int)d[2], (cl_int)d[3], 1, 1}},
                     .pad = {{0, 0, 0, 0}},
                     .dil = {{1, 1}},
                     .planes = (size_t)(d[0] * d[1])};
    return expect_shape(pooled_desc, dims, fn, pooled_name);
}

clnn_status clnn_global_pool_forward(clnn_context_t ctx, clnn_pool_mode mode,
                                     const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                                     const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                                     const clnn_tensor_desc *indices_desc, cl_mem indices,
                                     size_t indices_offset)
{
    static const char fn[] = "clnn_global_pool_forward";
    pool_geom g;
    int64_t dims[4];
    int has_idx = 0;
    clnn_status st = global_check(ctx, mode, x_desc, x, x_offset, "x", y_desc, y, y_offset, "y",
                                  fn, &g, dims);
    if (st == CLNN_SUCCESS)
        st = check_indices(ctx, mode, indices_desc, indices, indices_offset, dims, 0, fn,
                           &has_idx);
    if (st != CLNN_SUCCESS) return st;
    /* Both average modes give the plane mean: share one program. */
    clnn_pool_mode m = mode == CLNN_POOL_MAX ? mode : CLNN_POOL_AVERAGE_EXCLUDE_PAD;
    cl_int hw = g.size.s[0] * g.size.s[1];
    int large = hw > GLOBAL_POOL_LARGE_PLANE;
    cl_kernel k;
    st = get_kernel(ctx, m, has_idx, 0, large ? "global_pool_large" : "global_pool_small", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_mem arg = has_idx ? indices : y;
    cl_ulong xo = x_offset / 4, yo = y_offset / 4, io = has_idx ? indices_offset / 4 : 0;
    cl_ulong planes = g.planes;
    st = clnn_set_args(k, CLNN_ARG(x), CLNN_ARG(xo), CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(arg),
                       CLNN_ARG(io), CLNN_ARG(hw), CLNN_ARG(planes));
    if (st != CLNN_SUCCESS) return st;
    return clnn_enqueue_1d(ctx, k, large ? g.planes * ctx->local_size : g.planes);
}

clnn_status clnn_global_pool_backward(clnn_context_t ctx, clnn_pool_mode mode,
                                      const clnn_tensor_desc *dy_desc, cl_mem dy,
                                      size_t dy_offset, const clnn_tensor_desc *indices_desc,
                                      cl_mem indices, size_t indices_offset,
                                      const clnn_tensor_desc *dx_desc, cl_mem dx,
                                      size_t dx_offset)
{
    static const char fn[] = "clnn_global_pool_backward";
    pool_geom g;
    int64_t dims[4];
    int has_idx;
    clnn_status st = global_check(ctx, mode, dx_desc, dx, dx_offset, "dx", dy_desc, dy,
                                  dy_offset, "dy", fn, &g, dims);
    if (st == CLNN_SUCCESS)
        st = check_indices(ctx, mode, indices_desc, indices, indices_offset, dims, 1, fn,
                           &has_idx);
    if (st != CLNN_SUCCESS) return st;
    /* A window covering the plane: each dx element sees exactly one window. */
    clnn_pool_mode m = mode == CLNN_POOL_MAX ? mode : CLNN_POOL_AVERAGE_EXCLUDE_PAD;
    return backward_launch(ctx, m, &g, dy, dy_offset, indices, indices_offset, dx, dx_offset);
}
