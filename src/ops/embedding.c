/* Embedding lookup and gradient, positional encoding (kernels in cl/embedding.cl). */
#include "../core/check.h"
#include "../core/program.h"

#include <stdio.h>
#include <stdlib.h>

/* The lookup's geometry: P positions, a [V, D] table. */
typedef struct emb_shape {
    cl_ulong P, V, D;
} emb_shape;

static clnn_status get_kernel(clnn_context_t ctx, const char *name, cl_kernel *k)
{
    char options[32];
    snprintf(options, sizeof options, "-DVEC=%u", ctx->vector_width);
    return clnn_kernel_get(ctx, "embedding.cl", options, name, k);
}

/* indices (int32, any rank < 8), the table [V, D] and the per-position tensor
 * y / dy, which must be [indices..., D]. */
static clnn_status check_lookup(clnn_context_t ctx, const char *fn, int64_t pad,
                                const clnn_tensor_desc *table_desc, cl_mem table,
                                size_t table_offset, const char *table_name,
                                const clnn_tensor_desc *idx_desc, cl_mem idx, size_t idx_offset,
                                const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                                const char *y_name, emb_shape *s)
{
    size_t positions;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, table_desc, CLNN_FLOAT32, table, table_offset, fn,
                                table_name, NULL);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, idx_desc, CLNN_INT32, idx, idx_offset, fn, "indices",
                                &positions);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, y_name, NULL);
    if (st != CLNN_SUCCESS) return st;
    char a[128], b[128], c[128];
    clnn_format_shape(table_desc, a, sizeof a);
    if (table_desc->rank != 2)
        return clnn_fail(CLNN_SHAPE_MISMATCH, "%s: %s has shape %s (must be [V, D])", fn,
                         table_name, a);
    int ok = idx_desc->rank < CLNN_MAX_RANK && y_desc->rank == idx_desc->rank + 1 &&
             y_desc->dims[idx_desc->rank] == table_desc->dims[1];
    for (int i = 0; ok && i < idx_desc->rank; i++) ok = y_desc->dims[i] == idx_desc->dims[i];
    if (!ok) {
        clnn_format_shape(idx_desc, b, sizeof b);
        clnn_format_shape(y_desc, c, sizeof c);
        return clnn_fail(CLNN_SHAPE_MISMATCH,
                         "%s: %s has shape %s, but indices %s and %s %s need [indices..., %lld]",
                         fn, y_name, c, b, table_name, a, (long long)table_desc->dims[1]);
    }
    if (pad < -1 || pad >= table_desc->dims[0])
        return clnn_fail(CLNN_INVALID_VALUE, "%s: padding_index %lld is outside -1..%lld", fn,
                         (long long)pad, (long long)table_desc->dims[0] - 1);
    s->P = positions;
    s->V = (cl_ulong)table_desc->dims[0];
    s->D = (cl_ulong)table_desc->dims[1];
    return CLNN_SUCCESS;
}

clnn_status clnn_embedding_forward(clnn_context_t ctx, int64_t padding_index,
                                   const clnn_tensor_desc *table_desc, cl_mem table,
                                   size_t table_offset, const clnn_tensor_desc *indices_desc,
                                   cl_mem indices, size_t indices_offset,
                                   const clnn_tensor_desc *y_desc, cl_mem y, size_t y_offset,
                                   cl_mem error_flag, size_t error_flag_offset)
{
    static const char fn[] = "clnn_embedding_forward";
    emb_shape s;
    clnn_status st = check_lookup(ctx, fn, padding_index, table_desc, table, table_offset, "table",
                                  indices_desc, indices, indices_offset, y_desc, y, y_offset, "y",
                                  &s);
    if (st == CLNN_SUCCESS && error_flag)
        st = clnn_check_buffer(ctx, error_flag, error_flag_offset, 4, 4, fn, "error_flag");
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, "embedding_forward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong to = table_offset / 4, io = indices_offset / 4, yo = y_offset / 4;
    cl_ulong fo = error_flag ? error_flag_offset / 4 : 0;
    cl_int use_flag = error_flag != NULL;
    cl_mem flag = error_flag ? error_flag : indices; /* never written without the flag */
    cl_long pad = padding_index;
    st = clnn_set_args(k, CLNN_ARG(table), CLNN_ARG(to), CLNN_ARG(indices), CLNN_ARG(io),
                       CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(flag), CLNN_ARG(fo),
                       CLNN_ARG(use_flag), CLNN_ARG(s.P), CLNN_ARG(s.V), CLNN_ARG(s.D),
                       CLNN_ARG(pad));
    size_t chunks = ((size_t)s.D + ctx->vector_width - 1) / ctx->vector_width;
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, (size_t)s.P * chunks) : st;
}

clnn_status clnn_embedding_check_indices(clnn_context_t ctx, int64_t num_embeddings,
                                         const clnn_tensor_desc *indices_desc, cl_mem indices,
                                         size_t indices_offset)
{
    static const char fn[] = "clnn_embedding_check_indices";
    size_t n;
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, indices_desc, CLNN_INT32, indices, indices_offset, fn,
                                "indices", &n);
    if (st == CLNN_SUCCESS && num_embeddings < 1)
        st = clnn_fail(CLNN_INVALID_VALUE, "%s: num_embeddings is %lld (must be >= 1)", fn,
                       (long long)num_embeddings);
    if (st != CLNN_SUCCESS) return st;
    int32_t *host = malloc(n * sizeof *host);
    if (!host) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: no memory for %zu indices", fn, n);
    st = clnn_buffer_read(ctx, indices, indices_offset, host, n * sizeof *host);
    for (size_t i = 0; st == CLNN_SUCCESS && i < n; i++)
        if (host[i] < 0 || host[i] >= num_embeddings)
            st = clnn_fail(CLNN_INVALID_VALUE, "%s: indices[%zu] = %d is outside [0, %lld)", fn,
                           i, (int)host[i], (long long)num_embeddings);
    free(host);
    return st;
}

clnn_status clnn_embedding_backward(clnn_context_t ctx, int64_t padding_index,
                                    const clnn_tensor_desc *indices_desc, cl_mem indices,
                                    size_t indices_offset, const clnn_tensor_desc *dy_desc,
                                    cl_mem dy, size_t dy_offset,
                                    const clnn_tensor_desc *dtable_desc, cl_mem dtable,
                                    size_t dtable_offset)
{
    static const char fn[] = "clnn_embedding_backward";
    emb_shape s;
    clnn_status st = check_lookup(ctx, fn, padding_index, dtable_desc, dtable, dtable_offset,
                                  "dtable", indices_desc, indices, indices_offset, dy_desc, dy,
                                  dy_offset, "dy", &s);
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, "embedding_backward", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong io = indices_offset / 4, dyo = dy_offset / 4, dto = dtable_offset / 4;
    cl_long pad = padding_index;
    st = clnn_set_args(k, CLNN_ARG(indices), CLNN_ARG(io), CLNN_ARG(dy), CLNN_ARG(dyo),
                       CLNN_ARG(dtable), CLNN_ARG(dto), CLNN_ARG(s.P), CLNN_ARG(s.V),
                       CLNN_ARG(s.D), CLNN_ARG(pad));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, (size_t)(s.V * s.D)) : st;
}

clnn_status clnn_positional_encoding(clnn_context_t ctx, const clnn_tensor_desc *y_desc, cl_mem y,
                                     size_t y_offset)
{
    static const char fn[] = "clnn_positional_encoding";
    clnn_status st = clnn_context_check(ctx, fn);
    if (st == CLNN_SUCCESS)
        st = clnn_check_operand(ctx, y_desc, CLNN_FLOAT32, y, y_offset, fn, "y", NULL);
    if (st == CLNN_SUCCESS && y_desc->rank != 2) {
        char shape[128];
        clnn_format_shape(y_desc, shape, sizeof shape);
        st = clnn_fail(CLNN_SHAPE_MISMATCH, "%s: y has shape %s (must be [T, D])", fn, shape);
    }
    cl_kernel k;
    if (st == CLNN_SUCCESS) st = get_kernel(ctx, "positional_encoding", &k);
    if (st != CLNN_SUCCESS) return st;
    cl_ulong yo = y_offset / 4, T = (cl_ulong)y_desc->dims[0], D = (cl_ulong)y_desc->dims[1];
    st = clnn_set_args(k, CLNN_ARG(y), CLNN_ARG(yo), CLNN_ARG(T), CLNN_ARG(D));
    return st == CLNN_SUCCESS ? clnn_enqueue_1d(ctx, k, (size_t)(T * D)) : st;
}
