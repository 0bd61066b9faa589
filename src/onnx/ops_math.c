/* Arithmetic: Add/Sub/Mul/Div (numpy broadcasting), Gemm and MatMul. */
#include "src/onnx/onnx_internal.h"

#include <string.h>

/* The numpy broadcast of a and b into d; 0 when they do not broadcast. */
static int broadcast(const clnn_tensor_desc *a, const clnn_tensor_desc *b,
                     clnn_tensor_desc *d)
{
    int rank = a->rank > b->rank ? a->rank : b->rank;
    memset(d, 0, sizeof(*d));
    d->dtype = a->dtype;
    d->rank = rank;
    for (int i = 0; i < CLNN_MAX_RANK; i++)
        d->dims[i] = 1;
    for (int i = 0; i < rank; i++) {
        int ia = i - (rank - a->rank), ib = i - (rank - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return 0;
        d->dims[i] = da == 1 ? db : da;
    }
    return 1;
}

static clnn_status plan_binary(onnx_model *m, onnx_node *n)
{
    const onnx_value *a = onnx_in(m, n, 0), *b = onnx_in(m, n, 1);
    clnn_status s = onnx_need_floats(m, n, 2);
    if (s != CLNN_SUCCESS)
        return s;
    clnn_tensor_desc d;
    if (!broadcast(&a->desc, &b->desc, &d)) {
        char sa[96], sb[96];
        clnn_format_shape(&a->desc, sa, sizeof(sa));
        clnn_format_shape(&b->desc, sb, sizeof(sb));
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "inputs %s and %s do not broadcast",
                              sa, sb);
    }
    onnx_set_out(m, n, 0, &d);
    return CLNN_SUCCESS;
}

static clnn_status run_binary(onnx_model *m, onnx_node *n)
{
    static const struct { const char *op; clnn_binary_op bop; } map[] = {
        {"Add", CLNN_BINARY_ADD}, {"Sub", CLNN_BINARY_SUB},
        {"Mul", CLNN_BINARY_MUL}, {"Div", CLNN_BINARY_DIV},
    };
    clnn_binary_op op = CLNN_BINARY_ADD;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].op, n->proto->op_type) == 0)
            op = map[i].bop;
    const onnx_value *a = onnx_in(m, n, 0), *b = onnx_in(m, n, 1), *c = onnx_out(m, n, 0);
    return clnn_binary(m->ctx, op, &a->desc, onnx_mem(m, a), 0, &b->desc, onnx_mem(m, b), 0,
                       &c->desc, onnx_mem(m, c), 0);
}

/* Gemm: Y = alpha * op(A) op(B) + beta * C, C broadcast to [M, N]: beta * C goes
 * to the workspace, then is added to the product. */
typedef struct gemm_state {
    size_t m, n, k;
    int ta, tb;
    float alpha, beta;
} gemm_state;

static clnn_status plan_gemm(onnx_model *m, onnx_node *n)
{
    const onnx_value *a = onnx_in(m, n, 0), *b = onnx_in(m, n, 1), *c = onnx_in(m, n, 2);
    clnn_status s;
    gemm_state *st = onnx_state(m, n, sizeof(*st), 3, &s);
    if (!st)
        return s;
    if (a->desc.rank != 2 || b->desc.rank != 2)
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "A and B must be 2-D");
    st->ta = onnx_attr_int(n, "transA", 0) != 0;
    st->tb = onnx_attr_int(n, "transB", 0) != 0;
    st->alpha = onnx_attr_float(n, "alpha", 1.0f);
    st->beta = onnx_attr_float(n, "beta", 1.0f);
    st->m = (size_t)a->desc.dims[st->ta ? 1 : 0];
    st->k = (size_t)a->desc.dims[st->ta ? 0 : 1];
    st->n = (size_t)b->desc.dims[st->tb ? 0 : 1];
    if ((size_t)b->desc.dims[st->tb ? 1 : 0] != st->k)
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "A's K %zu differs from B's %lld",
                              st->k, (long long)b->desc.dims[st->tb ? 1 : 0]);
    clnn_tensor_desc y, bc;
    int64_t dims[2] = {(int64_t)st->m, (int64_t)st->n};
    clnn_tensor_desc_set(&y, CLNN_FLOAT32, 2, dims);
    if (c) {
        if (!broadcast(&c->desc, &y, &bc) || bc.dims[0] != dims[0] || bc.dims[1] != dims[1])
            return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "C does not broadcast to [M, N]");
        clnn_tensor_desc_bytes(&c->desc, &n->workspace);
    }
    onnx_set_out(m, n, 0, &y);
    return CLNN_SUCCESS;
}

static clnn_status run_gemm(onnx_model *m, onnx_node *n)
{
    const gemm_state *st = n->state;
    const onnx_value *a = onnx_in(m, n, 0), *b = onnx_in(m, n, 1), *c = onnx_in(m, n, 2);
    const onnx_value *y = onnx_out(m, n, 0);
    cl_mem ym = onnx_mem(m, y), ws = onnx_workspace(m);
    clnn_status s = CLNN_SUCCESS;
    if (c && st->beta != 0.0f)
        s = clnn_scale(m->ctx, st->beta, &c->desc, onnx_mem(m, c), 0, &c->desc, ws, 0);
    if (s == CLNN_SUCCESS)
        s = clnn_gemm(m->ctx, st->ta ? CLNN_TRANS : CLNN_NO_TRANS,
                      st->tb ? CLNN_TRANS : CLNN_NO_TRANS, st->m, st->n, st->k, st->alpha,
                      onnx_mem(m, a), 0, (size_t)a->desc.dims[1], onnx_mem(m, b), 0,
                      (size_t)b->desc.dims[1], 0.0f, ym, 0, st->n);
    if (s == CLNN_SUCCESS && c && st->beta != 0.0f)
        s = clnn_binary(m->ctx, CLNN_BINARY_ADD, &y->desc, ym, 0, &c->desc, ws, 0, &y->desc,
                        ym, 0);
    return s;
}

/* MatMul (numpy matmul): 1-D operands gain and then lose a unit axis; batch
 * axes broadcast. Equal batches (or one batch of 1) run as one strided batched
 * GEMM, other broadcasts as one GEMM per output matrix. */
typedef struct matmul_state {
    size_t m, n, k, batch;
    clnn_tensor_desc ab, bb, yb;   /* batch shapes, aligned to the output's */
    int simple;                    /* one strided batched call */
    size_t stride_a, stride_b;
} matmul_state;

static size_t batch_offset(const clnn_tensor_desc *part, const clnn_tensor_desc *full,
                           size_t index)
{
    size_t off = 0, stride = 1;
    for (int i = full->rank - 1; i >= 0; i--) {
        size_t coord = index % (size_t)full->dims[i];
        index /= (size_t)full->dims[i];
        if (part->dims[i] != 1)
            off += coord * stride;
        stride *= (size_t)part->dims[i];
    }
    return off;
}

static void batch_desc(const clnn_tensor_desc *x, int rank, clnn_tensor_desc *b)
{
    memset(b, 0, sizeof(*b));
    b->rank = rank;
    for (int i = 0; i < CLNN_MAX_RANK; i++)
        b->dims[i] = 1;
    int xb = x->rank > 2 ? x->rank - 2 : 0;
    for (int i = 0; i < xb; i++)
        b->dims[rank - xb + i] = x->dims[i];
}

static clnn_status plan_matmul(onnx_model *m, onnx_node *n)
{
    const onnx_value *a = onnx_in(m, n, 0), *b = onnx_in(m, n, 1);
    clnn_status s;
    matmul_state *st = onnx_state(m, n, sizeof(*st), 2, &s);
    if (!st)
        return s;
    const clnn_tensor_desc *ad = &a->desc, *bd = &b->desc;
    if (ad->rank < 1 || bd->rank < 1)
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "scalar operands");
    st->m = ad->rank == 1 ? 1 : (size_t)ad->dims[ad->rank - 2];
    st->k = (size_t)ad->dims[ad->rank - 1];
    st->n = bd->rank == 1 ? 1 : (size_t)bd->dims[bd->rank - 1];
    size_t kb = (size_t)bd->dims[bd->rank == 1 ? 0 : bd->rank - 2];
    int rank = (ad->rank > bd->rank ? ad->rank : bd->rank);
    rank = rank > 2 ? rank - 2 : 0;
    batch_desc(ad, rank, &st->ab);
    batch_desc(bd, rank, &st->bb);
    if (kb != st->k || !broadcast(&st->ab, &st->bb, &st->yb))
        return onnx_node_fail(n, CLNN_SHAPE_MISMATCH, "A's K %zu vs B's %zu, or batch "
                              "axes that do not broadcast", st->k, kb);
    int64_t count, ca, cb;
    clnn_tensor_desc_count(&st->yb, &count);
    clnn_tensor_desc_count(&st->ab, &ca);
    clnn_tensor_desc_count(&st->bb, &cb);
    st->batch = (size_t)count;
    st->simple = (ca == count || ca == 1) && (cb == count || cb == 1);
    st->stride_a = ca == 1 ? 0 : st->m * st->k;
    st->stride_b = cb == 1 ? 0 : st->k * st->n;
    clnn_tensor_desc y = st->yb;
    y.dtype = CLNN_FLOAT32;
    if (ad->rank > 1)
        y.dims[y.rank++] = (int64_t)st->m;
    if (bd->rank > 1)
        y.dims[y.rank++] = (int64_t)st->n;
    onnx_set_out(m, n, 0, &y);
    return CLNN_SUCCESS;
}

static clnn_status run_matmul(onnx_model *m, onnx_node *n)
{
    const matmul_state *st = n->state;
    cl_mem a = onnx_mem(m, onnx_in(m, n, 0)), b = onnx_mem(m, onnx_in(m, n, 1));
    cl_mem y = onnx_mem(m, onnx_out(m, n, 0));
    if (st->simple)
        return clnn_gemm_strided_batched(m->ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, st->m, st->n,
                                         st->k, 1.0f, a, 0, st->k, st->stride_a, b, 0,
                                         st->n, st->stride_b, 0.0f, y, 0, st->n,
                                         st->m * st->n, st->batch);
    clnn_status s = CLNN_SUCCESS;
    for (size_t i = 0; i < st->batch && s == CLNN_SUCCESS; i++) {
        size_t oa = batch_offset(&st->ab, &st->yb, i) * st->m * st->k * 4;
        size_t ob = batch_offset(&st->bb, &st->yb, i) * st->k * st->n * 4;
        s = clnn_gemm(m->ctx, CLNN_NO_TRANS, CLNN_NO_TRANS, st->m, st->n, st->k, 1.0f, a, oa,
                      st->k, b, ob, st->n, 0.0f, y, i * st->m * st->n * 4, st->n);
    }
    return s;
}

const onnx_op onnx_ops_math[] = {
    {"Add", "", 2, 2, NULL, plan_binary, run_binary},
    {"Sub", "", 2, 2, NULL, plan_binary, run_binary},
    {"Mul", "", 2, 2, NULL, plan_binary, run_binary},
    {"Div", "", 2, 2, NULL, plan_binary, run_binary},
    {"Gemm", "alpha,beta,transA,transB", 2, 3, NULL, plan_gemm, run_gemm},
    {"MatMul", "", 2, 2, NULL, plan_matmul, run_matmul},
    {NULL, NULL, 0, 0, NULL, NULL, NULL},
};
