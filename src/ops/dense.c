/* Dense (fully connected) layer: GEMMs through clnn_gemm, bias and activation in
 * the fused epilogue, the bias gradient through the reduction kernels. */
#include "epilogue.h"
#include "elementwise.h"
#include "reduce.h"
#include "../core/check.h"

/* Validates x-side [.., in], W [in, out] and y-side [.., out] operands (names
 * given by the caller) and returns the GEMM sizes: rows m, in k, out n. */
static clnn_status check_dense(clnn_context_t ctx, const char *fn,
                               const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                               const char *x_name, const clnn_tensor_desc *w_desc, cl_mem w,
                               size_t w_offset, const char *w_name,
                               const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                               const char *y_name, size_t *m, size_t *k, size_t *n)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, x_desc, CLNN_FLOAT32, x, x_offset, fn, x_name, NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, w_desc, CLNN_FLOAT32, w, w_offset, fn, w_name, NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, y_name, NULL);
    if (st != CLNN_SUCCESS) return st;
    if (x_desc->rank < 2)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has rank %d (must be >= 2)", fn, x_name,
                         x_desc->rank);
    if (w_desc->rank != 2)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: %s has rank %d (must be 2: [in, out])", fn,
                         w_name, w_desc->rank);
    clnn_tensor_desc want = *x_desc;
    want.dims[x_desc->rank - 1] = w_desc->dims[1];
    if (x_desc->dims[x_desc->rank - 1] != w_desc->dims[0]) {
        char sx[160], sw[160];
        clnn_format_shape(x_desc, sx, sizeof sx);
        clnn_format_shape(w_desc, sw, sizeof sw);
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s %s has %lld features but %s %s has %lld rows",
                         fn, x_name, sx, (long long)x_desc->dims[x_desc->rank - 1], w_name, sw,
                         (long long)w_desc->dims[0]);
    }
    st = clnn_check_same_shape(y_desc, &want, fn, y_name, "x with W's out features");
    if (st != CLNN_SUCCESS) return st;
    *k = (size_t)w_desc->dims[0];
    *n = (size_t)w_desc->dims[1];
    *m = clnn_desc_elements(x_desc) / *k;
    return CLNN_SUCCESS;
}

/* An optional bias: both NULL, or a float32 [n] operand. */
static clnn_status check_bias(clnn_context_t ctx, const char *fn, const char *name,
                              const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                              size_t n)
{
    if (!b_desc && !b) return CLNN_SUCCESS;
    clnn_status st = clnn_check_operand(ctx, b_desc, CLNN_FLOAT32, b, b_offset, fn, name, NULL);
    if (st != CLNN_SUCCESS) return st;
    if (b_desc->rank != 1 || (size_t)b_desc->dims[0] != n) {
        char s[160];
        clnn_format_shape(b_desc, s, sizeof s);
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has shape %s, expected [%zu]", fn, name, s,
                         n);
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_dense_forward(clnn_context_t ctx, const clnn_activation_desc *act,
                               const clnn_tensor_desc *x_desc, cl_mem x, size_t x_offset,
                               const clnn_tensor_desc *w_desc, cl_mem w, size_t w_offset,
                               const clnn_tensor_desc *b_desc, cl_mem b, size_t b_offset,
                               const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset)
{
    static const char fn[] = "clnn_dense_forward";
    size_t m, k, n;
    clnn_status st = check_dense(ctx, fn, x_desc, x, x_offset, "x", w_desc, w, w_offset, "w",
                                 y_desc, y, y_offset, "y", &m, &k, &n);
    if (st == CLNN_SUCCESS) st = check_bias(ctx, fn, "b", b_desc, b, b_offset, n);
    if (st == CLNN_SUCCESS && act) st = clnn_activation_check(act, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, m, n, k, 1.0f, x, x_offset, k, w,
                       w_offset, n, 0.0f, y, y_offset, n);
    if (st != CLNN_SUCCESS) return st;
    return clnn_epilogue_bias_act(ctx, y, y_offset, m, 0, n, CLNN_BIAS_PER_COL, b, b_offset, act);
}

clnn_status clnn_dense_backward_data(clnn_context_t ctx, const clnn_tensor_desc *dy_desc,
                                     cl_mem dy, size_t dy_offset, const clnn_tensor_desc *w_desc,
                                     cl_mem w, size_t w_offset, const clnn_tensor_desc *dx_desc,
                                     cl_mem dx, size_t dx_offset)
{
    size_t m, k, n;
    clnn_status st = check_dense(ctx, "clnn_dense_backward_data", dx_desc, dx, dx_offset, "dx",
                                 w_desc, w, w_offset, "w", dy_desc, dy, dy_offset, "dy", &m, &k,
                                 &n);
    if (st != CLNN_SUCCESS) return st;
    return clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_TRANS, m, k, n, 1.0f, dy, dy_offset, n, w,
                     w_offset, n, 0.0f, dx, dx_offset, k);
}

clnn_status clnn_dense_backward_weights(clnn_context_t ctx, const clnn_tensor_desc *x_desc,
                                        cl_mem x, size_t x_offset,
                                        const clnn_tensor_desc *dy_desc, cl_mem dy,
                                        size_t dy_offset, const clnn_tensor_desc *dw_desc,
                                        cl_mem dw, size_t dw_offset,
                                        const clnn_tensor_desc *db_desc, cl_mem db,
                                        size_t db_offset)
{
    static const char fn[] = "clnn_dense_backward_weights";
    size_t m, k, n;
    clnn_status st = check_dense(ctx, fn, x_desc, x, x_offset, "x", dw_desc, dw, dw_offset,
                                 "dw", dy_desc, dy, dy_offset, "dy", &m, &k, &n);
    if (st == CLNN_SUCCESS) st = check_bias(ctx, fn, "db", db_desc, db, db_offset, n);
    if (st == CLNN_SUCCESS)
        st = clnn_gemm(ctx, CLNN_TRANS, CLNN_NO_TRANS, k, n, m, 1.0f, x, x_offset, k, dy,
                       dy_offset, n, 0.0f, dw, dw_offset, n);
    if (st != CLNN_SUCCESS || !db) return st;
    /* db[j] = sum over rows of dy[., j]: dy as [m, n] with the rows reduced. */
    int64_t dims[2] = {(int64_t)m, (int64_t)n};
    bool reduced[2] = {true, false};
    clnn_reduce_plan plan;
    clnn_reduce_plan_make(dims, 2, reduced, &plan);
    return clnn_reduce_enqueue(ctx, CLNN_REDUCE_SUM, &plan, dy, dy_offset / 4, db, db_offset / 4);
}
