/* clnn_gemm and clnn_gemm_strided_batched: validation, then CLBlast, or on CPUs
 * for the shapes where it is faster clnn's register-tiled kernel
 * (gemm_batched.c). */
#include "check.h"
#include "gemm.h"
#include "gemm_batched.h"

#include <clblast_c.h>
#include <clnn/gemm_batched.h>
#include <stdio.h>

static clnn_status clblast_status(CLBlastStatusCode code, const char *fn)
{
    if (code == CLBlastSuccess) return CLNN_SUCCESS;
    if (code > -1000) {
        char what[128];
        snprintf(what, sizeof what, "%s: CLBlast", fn);
        return clnn_fail_cl((cl_int)code, what);
    }
    if (code == CLBlastNotImplemented || code == CLBlastNoDoublePrecision ||
        code == CLBlastNoHalfPrecision)
        return clnn_fail(CLNN_NOT_SUPPORTED, "%s: CLBlast does not support this (%d)", fn,
                         (int)code);
    if (code == CLBlastInsufficientMemoryTemp)
        return clnn_fail(CLNN_OUT_OF_DEVICE_MEMORY, "%s: CLBlast could not allocate its "
                                                    "temporary buffer", fn);
    return clnn_fail(CLNN_INTERNAL, "%s: CLBlast returned status %d", fn, (int)code);
}

/* One matrix operand of `rows` x `cols` (as stored) with leading dimension `ld`,
 * repeated `batch` times `stride` elements apart. */
typedef struct gemm_operand {
    const char *name;
    cl_mem buffer;
    size_t offset; /* bytes */
    size_t rows, cols, ld, stride;
} gemm_operand;

static clnn_status check_operand(clnn_context_t ctx, const gemm_operand *op, size_t batch,
                                 const char *fn)
{
    if (op->ld < op->cols || op->ld == 0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: ld%s = %zu is smaller than the %zu columns "
                                             "of %s", fn, op->name, op->ld, op->cols, op->name);
    size_t last_row, span, batch_span, elements, bytes;
    if (!clnn_mul_size(op->rows - 1, op->ld, &last_row) ||
        !clnn_add_size(last_row, op->cols, &span) ||
        !clnn_mul_size(batch - 1, op->stride, &batch_span) ||
        !clnn_add_size(batch_span, span, &elements) || !clnn_mul_size(elements, 4, &bytes))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: the extent of %s overflows", fn, op->name);
    return clnn_check_buffer(ctx, op->buffer, op->offset, bytes, 4, fn, op->name);
}

static clnn_status check_gemm(clnn_context_t ctx, clnn_transpose ta, clnn_transpose tb,
                              size_t m, size_t n, size_t k, const gemm_operand *ops,
                              size_t batch, const char *fn)
{
    clnn_status st = clnn_context_check(ctx, fn);
    if (st != CLNN_SUCCESS) return st;
    if ((ta != CLNN_NO_TRANS && ta != CLNN_TRANS) || (tb != CLNN_NO_TRANS && tb != CLNN_TRANS))
        return clnn_fail(CLNN_INVALID_VALUE, "%s: trans_%s is not CLNN_NO_TRANS or CLNN_TRANS",
                         fn, (ta != CLNN_NO_TRANS && ta != CLNN_TRANS) ? "a" : "b");
    if (m == 0 || n == 0 || k == 0 || batch == 0)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: m=%zu n=%zu k=%zu batch=%zu must all be >= 1",
                         fn, m, n, k, batch);
    if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: m, n and k must be below 2^31", fn);
    for (int i = 0; i < 3; i++) {
        st = check_operand(ctx, &ops[i], batch, fn);
        if (st != CLNN_SUCCESS) return st;
    }
    const gemm_operand *c = &ops[2];
    if (batch > 1 && c->stride < (c->rows - 1) * c->ld + c->cols)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: stride_c = %zu makes the C matrices overlap "
                                             "(needs >= %zu)", fn, c->stride,
                         (c->rows - 1) * c->ld + c->cols);
    ctx->used_gemm = true;
    return clnn_gemm_apply_tuning(ctx);
}

static void describe_operands(gemm_operand ops[3], clnn_transpose ta, clnn_transpose tb,
                              size_t m, size_t n, size_t k)
{
    ops[0].rows = ta == CLNN_TRANS ? k : m;
    ops[0].cols = ta == CLNN_TRANS ? m : k;
    ops[1].rows = tb == CLNN_TRANS ? n : k;
    ops[1].cols = tb == CLNN_TRANS ? k : n;
    ops[2].rows = m;
    ops[2].cols = n;
}

static CLBlastTranspose to_clblast(clnn_transpose t)
{
    return t == CLNN_TRANS ? CLBlastTransposeYes : CLBlastTransposeNo;
}

clnn_status clnn_gemm(clnn_context_t ctx, clnn_transpose trans_a, clnn_transpose trans_b,
                      size_t m, size_t n, size_t k, float alpha, cl_mem a, size_t a_offset,
                      size_t lda, cl_mem b, size_t b_offset, size_t ldb, float beta, cl_mem c,
                      size_t c_offset, size_t ldc)
{
    static const char fn[] = "clnn_gemm";
    gemm_operand ops[3] = {{"a", a, a_offset, 0, 0, lda, 0},
                           {"b", b, b_offset, 0, 0, ldb, 0},
                           {"c", c, c_offset, 0, 0, ldc, 0}};
    describe_operands(ops, trans_a, trans_b, m, n, k);
    clnn_status st = check_gemm(ctx, trans_a, trans_b, m, n, k, ops, 1, fn);
    if (st != CLNN_SUCCESS) return st;
    if (clnn_gemm_tiled_wins(ctx, trans_a, trans_b, m, n, k, 1))
        return clnn_gemm_strided_batched_tiled(ctx, trans_a, trans_b, m, n, k, alpha, a,
                                               a_offset, lda, 0, b, b_offset, ldb, 0, beta, c,
                                               c_offset, ldc, 0, 1);
    cl_event begin = clnn_profile_mark(ctx), event = NULL;
    CLBlastStatusCode code = CLBlastSgemm(
        CLBlastLayoutRowMajor, to_clblast(trans_a), to_clblast(trans_b), m, n, k, alpha, a,
        a_offset / 4, lda, b, b_offset / 4, ldb, beta, c, c_offset / 4, ldc, &ctx->queue,
        CLNN_PROFILE_EVENT(ctx, &event));
    clnn_profile_record_span(ctx, "CLBlast sgemm", begin, event);
    return clblast_status(code, fn);
}

clnn_status clnn_gemm_strided_batched(clnn_context_t ctx, clnn_transpose trans_a,
                                      clnn_transpose trans_b, size_t m, size_t n, size_t k,
                                      float alpha, cl_mem a, size_t a_offset, size_t lda,
                                      size_t stride_a, cl_mem b, size_t b_offset, size_t ldb,
                                      size_t stride_b, float beta, cl_mem c, size_t c_offset,
                                      size_t ldc, size_t stride_c, size_t batch)
{
    static const char fn[] = "clnn_gemm_strided_batched";
    gemm_operand ops[3] = {{"a", a, a_offset, 0, 0, lda, stride_a},
                           {"b", b, b_offset, 0, 0, ldb, stride_b},
                           {"c", c, c_offset, 0, 0, ldc, stride_c}};
    describe_operands(ops, trans_a, trans_b, m, n, k);
    clnn_status st = check_gemm(ctx, trans_a, trans_b, m, n, k, ops, batch, fn);
    if (st != CLNN_SUCCESS) return st;
    if (clnn_gemm_tiled_wins(ctx, trans_a, trans_b, m, n, k, batch))
        return clnn_gemm_strided_batched_tiled(ctx, trans_a, trans_b, m, n, k, alpha, a,
                                               a_offset, lda, stride_a, b, b_offset, ldb,
                                               stride_b, beta, c, c_offset, ldc, stride_c, batch);
    cl_event begin = clnn_profile_mark(ctx), event = NULL;
    CLBlastStatusCode code = CLBlastSgemmStridedBatched(
        CLBlastLayoutRowMajor, to_clblast(trans_a), to_clblast(trans_b), m, n, k, alpha, a,
        a_offset / 4, lda, stride_a, b, b_offset / 4, ldb, stride_b, beta, c, c_offset / 4,
        ldc, stride_c, batch, &ctx->queue, CLNN_PROFILE_EVENT(ctx, &event));
    clnn_profile_record_span(ctx, "CLBlast sgemm_strided_batched", begin, event);
    return clblast_status(code, fn);
}

clnn_status clnn_gemm_warm_up(clnn_context_t ctx)
{
    static const char fn[] = "clnn_gemm_warm_up";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st != CLNN_SUCCESS) return st;
    cl_int err;
    cl_mem buf = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, 3 * 8 * 8 * sizeof(float),
                                NULL, &err);
    if (!buf) return clnn_fail_cl(err, "clnn_gemm_warm_up: clCreateBuffer");
    float zeros[3 * 8 * 8] = {0};
    st = clnn_buffer_write(ctx, buf, 0, zeros, sizeof zeros);
    if (st == CLNN_SUCCESS)
        st = clnn_gemm(ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, 8, 8, 8, 1.0f, buf, 0, 8, buf,
                       64 * sizeof(float), 8, 0.0f, buf, 128 * sizeof(float), 8);
    if (st == CLNN_SUCCESS) st = clnn_context_finish(ctx);
    clReleaseMemObject(buf);
    return st;
}
