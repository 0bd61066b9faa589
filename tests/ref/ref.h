/* Plain CPU references for the tests: straightforward loops, double accumulation.
 * One file per op family. */
#ifndef CLNN_TEST_REF_H
#define CLNN_TEST_REF_H

#include <clnn.h>
#include <stddef.h>

/* C = alpha * op(A) * op(B) + beta * C, row-major; C is given in float and the
 * result returned in `out` (m x n, dense). */
void ref_gemm(clnn_transpose ta, clnn_transpose tb, size_t m, size_t n, size_t k,
              double alpha, const float *a, size_t lda, const float *b, size_t ldb,
              double beta, const float *c, size_t ldc, double *out);

/* c = a (op) b with numpy broadcasting; c has `c_desc`'s shape. */
void ref_binary(clnn_binary_op op, const clnn_tensor_desc *a_desc, const float *a,
                const clnn_tensor_desc *b_desc, const float *b,
                const clnn_tensor_desc *c_desc, double *c);

void ref_relu(const float *x, size_t n, double *y);
void ref_relu_backward(const float *x, const float *dy, size_t n, double *dx);
void ref_scale(double alpha, const float *x, size_t n, double *y);

/* f(x) for an activation descriptor. */
double ref_activation(clnn_activation_desc act, double x);

/* ---- pooling (tests/ref/pool.c): geometry with pads already resolved. */
typedef struct ref_pool {
    clnn_pool_mode mode;
    long n, c, h, w, oh, ow;
    long kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} ref_pool;
/* y (and, for max, plane-local argmax indices when not NULL) of pool2d. */
void ref_pool2d_forward(const ref_pool *p, const double *x, double *y, int *indices);
/* y [N, C] = max or mean of each plane; indices as above (may be NULL). */
void ref_global_pool_forward(clnn_pool_mode mode, long planes, long hw, const double *x,
                             double *y, int *indices);

/* ---- norm family: softmax (tests/ref/softmax.c), batch norm (tests/ref/batchnorm.c),
 * dropout (tests/ref/dropout.c). Tensors seen as [outer, len, inner] / [N, C, HW]. */
void ref_softmax(clnn_softmax_mode mode, size_t outer, size_t len, size_t inner,
                 const double *x, double *y);
/* dx from the forward output y and dy. */
void ref_softmax_backward(clnn_softmax_mode mode, size_t outer, size_t len, size_t inner,
                          const double *y, const double *dy, double *dx);
/* Training-mode y with batch statistics; mean and var (biased) per channel when
 * not NULL. */
void ref_batchnorm_train(size_t n, size_t c, size_t hw, double eps, const double *x,
                         const double *scale, const double *bias, double *y, double *mean,
                         double *var);
void ref_batchnorm_inference(size_t n, size_t c, size_t hw, double eps, const float *x,
                             const float *scale, const float *bias, const float *mean,
                             const float *var, double *y);
/* Philox4x32-10 on one block, as Random123 defines it. */
void ref_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
/* The dropout keep mask (1 kept) of n elements starting at stream position offset. */
void ref_dropout_mask(uint64_t seed, uint64_t offset, size_t n, float ratio, int *mask);

/* ---- convolution (tests/ref/conv.c): x [n, c, h, w], w [k, c/groups, kh, kw],
 * y [n, k, oh, ow], pads resolved (top, left). */
typedef struct ref_conv {
    long n, c, h, w, k, oh, ow;
    long kh, kw, sh, sw, dh, dw, pt, pl, groups;
} ref_conv;
typedef enum ref_conv_pass {
    REF_CONV_FORWARD,
    REF_CONV_BACKWARD_DATA,
    REF_CONV_BACKWARD_WEIGHTS
} ref_conv_pass;
/* One pass of the convolution, accumulating into its output (zero it first):
 * forward y += x (*) w; backward data x += adjoint with y = dy; backward weights
 * w += gradient with y = dy. */
void ref_conv2d(ref_conv_pass pass, const ref_conv *p, double *x, double *w, double *y);
/* ONNX ConvTranspose with its own loops: x [n, c, h, w], w [c, k/groups, kh, kw],
 * y [n, k, oh, ow] (overwritten; bias may be NULL). */
void ref_conv_transpose2d(const ref_conv *p, const double *x, const double *w,
                          const double *bias, double *y);
/* The workspace bytes CLNN_CONV_ALGO_WINOGRAD needs for chunks of nb images, as
 * include/clnn/conv.h states it (p: a 3x3, stride 1 case). */
size_t ref_conv_winograd_workspace(const ref_conv *p, size_t nb);

/* ---- tensor family: dense (tests/ref/dense.c), layout ops (tests/ref/tensor_ops.c),
 * reductions (tests/ref/reduce.c). */
#include <stdbool.h>
/* y [m, n] = act(x [m, k] w [k, n] + b) (b NULL: no bias; act NULL: identity). */
void ref_dense(size_t m, size_t k, size_t n, const double *x, const double *w,
               const double *b, const clnn_activation_desc *act, double *y);
/* ONNX Transpose of a row-major x with dims `desc`. */
void ref_transpose(const clnn_tensor_desc *desc, const int *perm, const double *x, double *y);
/* Concat of `count` pieces seen as [outer, sizes[i] * inner] rows into y, and the
 * reverse (split). */
void ref_concat(size_t outer, size_t inner, int count, const size_t *sizes,
                const double *const *xs, double *y);
void ref_split(size_t outer, size_t inner, int count, const size_t *sizes, const double *x,
               double *const *ys);
/* Sum / mean / max over the axes flagged in `reduced`; y in row-major order of the
 * kept axes (the same with and without keepdims). */
void ref_reduce(clnn_reduce_op op, const clnn_tensor_desc *desc, const bool *reduced,
                const double *x, double *y);
/* ArgMax along `axis` (first index on ties, last with `last`). */
void ref_argmax(const clnn_tensor_desc *desc, int axis, int last, const double *x,
                int64_t *y);

/* ---- train family: losses (tests/ref/loss.c), optimizers (tests/ref/optim.c). */
/* Batch loss of x [rows, cols] against t (dense targets) or labels (sparse kinds). */
double ref_loss(clnn_loss kind, size_t rows, size_t cols, const double *x, const double *t,
                const int *labels);
/* One update of n parameters p (state m, v as the kind needs; may be NULL if unused). */
void ref_optimizer_step(const clnn_optimizer_desc *d, long step, size_t n, double *p,
                        const double *grad, double *m, double *v);

/* ---- rnn family (tests/ref/rnn.c): ONNX RNN / LSTM / GRU, layout 0, H <= 128. */
typedef struct ref_rnn {
    clnn_rnn_mode mode;
    int relu, lbr, reverse; /* simple RNN relu; GRU linear_before_reset; single reverse */
    size_t T, N, I, H, D;
    double clip;
    const int32_t *lens; /* NULL: all T */
} ref_rnn;
/* y [T, D, N, H] (zero past each length), yh / yc [D, N, H] (may be NULL); b, pp,
 * h0, c0 may be NULL (zero). */
void ref_rnn_forward(const ref_rnn *p, const double *x, const double *w, const double *r,
                     const double *b, const double *pp, const double *h0, const double *c0,
                     double *y, double *yh, double *yc);
/* A stack of L such layers (layer.I: layer 0's input width), batch-major or
 * time-major as clnn_rnn_desc, with dropout `ratio` (0: none) between layers
 * using the Philox masks documented in include/clnn/rnn.h. w r b pp: arrays of
 * L (b, pp may be NULL); states [L*D, N, H] (batch-major [N, L*D, H]). */
typedef struct ref_rnn_stack {
    ref_rnn layer;
    size_t L;
    int batch_major;
    double ratio;
    uint64_t seed, offset;
} ref_rnn_stack;
void ref_rnn_stack_forward(const ref_rnn_stack *s, const double *x, const double *const *w,
                           const double *const *r, const double *const *b,
                           const double *const *pp, const double *h0, const double *c0,
                           double *y, double *yh, double *yc);

/* ---- attention family: layer / RMS norm (tests/ref/layernorm.c), x as [rows, len].
 * scale / bias may be NULL (1 / 0); mean / inv may be NULL (not returned). RMS
 * (rms != 0) takes mean 0 and ignores bias. */
void ref_layernorm(int rms, size_t rows, size_t len, double eps, const double *x,
                   const double *scale, const double *bias, double *y, double *mean,
                   double *inv);
/* Analytic gradients in double: dx (may be NULL), dscale, dbias (may be NULL). */
void ref_layernorm_backward(int rms, size_t rows, size_t len, double eps, const double *x,
                            const double *scale, const double *dy, double *dx,
                            double *dscale, double *dbias);

/* Embedding (tests/ref/embedding.c): table [V, D], P indices; pad -1 for none.
 * Out-of-range indices and the padding index give zero rows / no gradient. */
void ref_embedding_forward(long pad, size_t V, size_t D, size_t P, const double *table,
                           const int32_t *idx, double *y);
void ref_embedding_backward(long pad, size_t V, size_t D, size_t P, const int32_t *idx,
                            const double *dy, double *dtable);
/* y [T, D]: sin / cos of t * 10000^(-2i / D). */
void ref_positional_encoding(size_t T, size_t D, double *y);

/* Scaled dot-product attention (tests/ref/attention.c), heads laid out as in
 * include/clnn/attention.h. mask: additive, element (n, h, i, j) at
 * n * msn + h * msh + i * Tk + j; kpm [N, Tk] (0 masks); keep: dropout keep mask
 * over the N * H * Tq * Tk weights (NULL: none). */
typedef struct ref_attention {
    size_t N, H, Tq, Tk, D, Dv;
    double scale, ratio;
    int causal;
    const double *mask;
    size_t msn, msh;
    const int32_t *kpm;
    const int *keep;
} ref_attention;
void ref_attention_forward(const ref_attention *p, const double *q, const double *k,
                           const double *v, double *o);
void ref_attention_backward(const ref_attention *p, const double *q, const double *k,
                            const double *v, const double *d_o, double *dq, double *dk,
                            double *dv);

/* ---- multi-head attention and encoder block (tests/ref/mha.c). Projection i
 * (0 q, 1 k, 2 v, 3 o) has weight w[i] and bias b[i] (NULL: none); `att` holds
 * the masks and dropout keep mask of the heads (its N, H, Tq, Tk, D, Dv, scale
 * are filled in by ref_mha_forward; scale 0 means 1 / sqrt(kd)). */
typedef struct ref_mha {
    size_t N, Tq, Tk, E, H, kd, vd;
    ref_attention att;
    const double *w[4], *b[4];
} ref_mha;
void ref_mha_forward(const ref_mha *m, const double *q, const double *k, const double *v,
                     double *y);
/* The encoder block of include/clnn/mha.h on x [N, T, E]; keep1 / keep2: the two
 * dropout keep masks (NULL: none) with `ratio`. */
typedef struct ref_encoder {
    ref_mha mha;
    size_t F;
    clnn_activation_desc act;
    double ratio;
    const int *keep1, *keep2;
    const double *ln1_s, *ln1_b, *w1, *b1, *w2, *b2, *ln2_s, *ln2_b;
} ref_encoder;
void ref_encoder_forward(const ref_encoder *e, const double *x, double *y);

/* ---- element-wise math (tests/ref/math.c) */
/* The element of `in` that output element `index` (of shape `out`) reads under
 * numpy broadcasting. */
size_t ref_broadcast_source(const clnn_tensor_desc *in, const clnn_tensor_desc *out,
                            size_t index);
double ref_unary_math(clnn_unary_math_op op, double alpha, double beta, double x);
double ref_math_binary(clnn_math_binary_op op, double a, double b);
int ref_compare(clnn_compare_op op, double a, double b);
int ref_logical(clnn_logical_op op, double a, double b);

/* ---- data movement: slice, pad, expand, gather (tests/ref/data_ops.c) */
/* The indices ONNX Slice reads on one axis (clamped as the spec says); returns
 * their count (idx needs room for dim). */
int64_t ref_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *idx);
/* The x index a padded coordinate c reads (-1: the constant). */
int64_t ref_pad_index(clnn_pad_mode mode, int64_t c, int64_t dim);
/* y (counts[0] x ... row-major) = x at lists[0][i0], lists[1][i1], ...; a -1 in
 * a list gives `value`. */
void ref_take(int rank, const int64_t *x_dims, const int64_t *counts,
              const int64_t *const *lists, double value, const double *x, double *y);

#endif
