/* Convolution internals shared by conv.c (API, validation, algorithm choice),
 * conv_transpose.c, conv_gemm.c (im2col and 1x1 GEMM paths) and conv_direct.c
 * (depthwise and helper kernels). Not installed. */
#ifndef CLNN_OPS_CONV_INTERNAL_H
#define CLNN_OPS_CONV_INTERNAL_H

#include "../core/context.h"

/* A validated convolution in the forward direction: x [n, c, h, w] ->
 * y [n, k, oh, ow] with weights [k, c / groups, kh, kw]. Conv transpose fills it
 * with x and y swapped. Every size fits an int (checked on entry). */
typedef struct clnn_conv_geom {
    size_t n, c, h, w;
    size_t k, oh, ow;
    size_t kh, kw, sh, sw, dh, dw;
    size_t pad_top, pad_left;
    size_t groups;
    clnn_conv_algo algo; /* resolved, never AUTO */
} clnn_conv_geom;

/* Element counts derived from a geometry. */
size_t clnn_conv_x_count(const clnn_conv_geom *g);
size_t clnn_conv_y_count(const clnn_conv_geom *g);
size_t clnn_conv_w_count(const clnn_conv_geom *g);

/* Checks the geometry's sizes and groups and resolves `algo` (AUTO or forced)
 * into g->algo; CLNN_NOT_SUPPORTED names why a forced algorithm can't run. */
clnn_status clnn_conv_pick_algo(clnn_conv_geom *g, clnn_conv_algo algo, const char *fn);

/* Workspace: the least the ops accept and what clnn_*_workspace_size reports. */
size_t clnn_conv_workspace_min(const clnn_conv_geom *g);
size_t clnn_conv_workspace_recommended(clnn_context_t ctx, const clnn_conv_geom *g);
/* Checks the caller's workspace against the minimum and the buffer's size. */
clnn_status clnn_conv_check_workspace(clnn_context_t ctx, const clnn_conv_geom *g,
                                      cl_mem ws, size_t ws_size, const char *fn);

/* Checks the descriptors that define a convolution: conv's window (kernel {0, 0}
 * resolved from the weights into `resolved`), groups >= 1, rank-4 float32 x and
 * w (named in messages). */
clnn_status clnn_conv_check_descs(const char *fn, const clnn_window2d *win, int64_t groups,
                                  const clnn_tensor_desc *x_desc, const char *x_name,
                                  const clnn_tensor_desc *w_desc, const char *w_name,
                                  clnn_window2d *resolved);

/* A float32 [a, b, c, d] descriptor. */
clnn_tensor_desc clnn_conv_desc4(size_t a, size_t b, size_t c, size_t d);

/* A tensor operand of a call, named in messages. */
typedef struct clnn_conv_arg {
    const clnn_tensor_desc *desc;
    cl_mem buf;
    size_t off;
    const char *name;
} clnn_conv_arg;

/* Checks the three tensor operands of a pass: `a` and `b` (shapes already checked
 * by the geometry) and `shaped`, whose shape must equal `want`. */
clnn_status clnn_conv_check_operands(clnn_context_t ctx, const char *fn, clnn_conv_arg a,
                                     clnn_conv_arg b, clnn_conv_arg shaped,
                                     clnn_tensor_desc want);

/* An optional output descriptor of a workspace query: NULL or `want`'s shape. */
clnn_status clnn_conv_check_y_desc(const clnn_tensor_desc *y_desc, clnn_tensor_desc want,
                                   const char *fn);

/* The checks after the tensor operands: an optional bias (or bias gradient) named
 * `bias_name` with `channels` entries, an optional activation, the workspace. */
clnn_status clnn_conv_check_extras(clnn_context_t ctx, const clnn_conv_geom *g,
                                   const char *fn, const clnn_tensor_desc *b_desc,
                                   cl_mem bias, size_t b_offset, size_t channels,
                                   const char *bias_name, const clnn_activation_desc *act,
                                   cl_mem ws, size_t ws_size);

/* The passes on validated arguments (byte offsets). Dispatch on g->algo. */
clnn_status clnn_conv_run_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                  size_t xo, cl_mem w, size_t wo, cl_mem y, size_t yo,
                                  cl_mem ws, size_t ws_size);
clnn_status clnn_conv_run_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                        cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                        cl_mem dx, size_t dxo, cl_mem ws, size_t ws_size);
clnn_status clnn_conv_run_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                           cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                           cl_mem dw, size_t dwo, cl_mem ws,
                                           size_t ws_size);
/* db[k] = sum of dy over n, oh, ow (`dy` laid out as y). */
clnn_status clnn_conv_run_bias_grad(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem dy,
                                    size_t dyo, cl_mem db, size_t dbo);

/* ---- GEMM paths (conv_gemm.c) */
clnn_status clnn_conv_gemm_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                   size_t xo, cl_mem w, size_t wo, cl_mem y, size_t yo,
                                   cl_mem ws, size_t ws_size);
clnn_status clnn_conv_gemm_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                         cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                         cl_mem dx, size_t dxo, cl_mem ws, size_t ws_size);
clnn_status clnn_conv_gemm_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                            cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                            cl_mem dw, size_t dwo, cl_mem ws,
                                            size_t ws_size);

/* ---- Winograd F(4x4, 3x3) (conv_winograd.c): forward, with the bias (NULL for
 * none) and activation (NULL for none) fused into its output pass; backward
 * data as the forward of dy with the turned, transposed filter where every pad
 * is at most 2 (has_backward_data; else the GEMM path's); backward weights. */
size_t clnn_conv_winograd_workspace_min(const clnn_conv_geom *g);
size_t clnn_conv_winograd_workspace_recommended(const clnn_conv_geom *g);
bool clnn_conv_winograd_has_backward_data(const clnn_conv_geom *g);
clnn_status clnn_conv_winograd_forward(clnn_context_t ctx, const clnn_conv_geom *g, cl_mem x,
                                       size_t xo, cl_mem w, size_t wo, cl_mem bias,
                                       size_t bo, const clnn_activation_desc *act, cl_mem y,
                                       size_t yo, cl_mem ws, size_t ws_size);
clnn_status clnn_conv_winograd_backward_data(clnn_context_t ctx, const clnn_conv_geom *g,
                                             cl_mem w, size_t wo, cl_mem dy, size_t dyo,
                                             cl_mem dx, size_t dxo, cl_mem ws,
                                             size_t ws_size);
clnn_status clnn_conv_winograd_backward_weights(clnn_context_t ctx, const clnn_conv_geom *g,
                                                cl_mem x, size_t xo, cl_mem dy, size_t dyo,
                                                cl_mem dw, size_t dwo, cl_mem ws,
                                                size_t ws_size);

/* ---- kernels of cl/conv.cl (conv_direct.c) */

/* Kernel `name` of conv.cl with its arguments (x, x_off, y, y_off, [w, w_off,]
 * geometry as int16) set; `images` is the image count for im2col/col2im. */
typedef struct clnn_conv_operand {
    cl_mem buf;
    size_t off; /* bytes */
} clnn_conv_operand;
clnn_status clnn_conv_launch(clnn_context_t ctx, const clnn_conv_geom *g, const char *name,
                             clnn_conv_operand in, clnn_conv_operand out,
                             clnn_conv_operand weights, size_t images, size_t items);

#endif
