/* Reductions over a set of axes. The host splits x's (merged) axes into kept ones
 * (one output element per kept multi-index) and reduced ones, each with its dims
 * and strides in x, so one kernel covers contiguous and scattered axes alike.
 * Options: -DKRANK, -DRRANK (axis counts, 0..8), -DOP (below), -DLOCAL (work-group
 * size of reduce_groups, a power of two), -DIDX (index type), -DVEC (vector width
 * of reduce_cols). Offsets are in elements. */
#ifndef IDX
#define IDX ulong
#endif
#define OP_SUM 0
#define OP_MAX 2
#define OP_ARGMAX_FIRST 3
#define OP_ARGMAX_LAST 4

#if OP >= OP_ARGMAX_FIRST
#define OUT_T long
#define TIE_WINS (OP == OP_ARGMAX_LAST) /* select_last_index */
#else
#define OUT_T float
#endif

/* Offset of multi-index `idx` (row-major in d) through strides s. The outermost
 * axis needs no division; IDX (uint when x has < 2^32 elements) keeps the others
 * cheap. */
inline IDX offset_of(IDX idx, const ulong *d, const ulong *s, int rank)
{
    IDX off = 0;
    for (int k = rank - 1; k > 0; k--) {
        IDX q = idx / (IDX)d[k];
        off += (idx - q * (IDX)d[k]) * (IDX)s[k];
        idx = q;
    }
    return rank > 0 ? off + idx * (IDX)s[0] : 0;
}

#define PLAN_ARGS ulong8 kdims, ulong8 kstr, ulong8 rdims, ulong8 rstr
#define LOAD_PLAN                                                                     \
    ulong kd[8], ks[8], rd[8], rs[8];                                                 \
    vstore8(kdims, 0, kd);                                                            \
    vstore8(kstr, 0, ks);                                                             \
    vstore8(rdims, 0, rd);                                                            \
    vstore8(rstr, 0, rs)
#define RED_AT(p, r) (p)[offset_of((r), rd, rs, RRANK)]

/* Compensated summation: c keeps the low bits each addition loses. */
inline void kahan_add(float *s, float *c, float v)
{
    float y = v - *c, t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}

/* One work-item per output element: for short reductions and ArgMax. */
kernel void reduce_lines(global const float *x, ulong x_off, global OUT_T *y, ulong y_off,
                         ulong nout, ulong red, PLAN_ARGS, float scale)
{
    ulong o = get_global_id(0);
    if (o >= nout) return;
    LOAD_PLAN;
    global const float *p = x + x_off + offset_of(o, kd, ks, KRANK);
#if OP >= OP_ARGMAX_FIRST
    float m = RED_AT(p, 0);
    long best = 0;
    for (ulong r = 1; r < red; r++) {
        float v = RED_AT(p, r);
        bool better = v > m || (isnan(m) && !isnan(v));
        if (TIE_WINS) better = better || v == m;
        if (better) {
            m = v;
            best = (long)r;
        }
    }
    y[y_off + o] = best;
#elif OP == OP_MAX
    float m = -INFINITY;
    for (ulong r = 0; r < red; r++) m = fmax(m, RED_AT(p, r));
    y[y_off + o] = m;
#else
    float s = 0.0f, c = 0.0f;
    for (ulong r = 0; r < red; r++) kahan_add(&s, &c, RED_AT(p, r));
    y[y_off + o] = s * scale;
#endif
}

#if OP < OP_ARGMAX_FIRST
#if OP == OP_MAX
CLNN_DEFINE_GROUP_REDUCE(group_combine, float, CLNN_FMAX)
#else
CLNN_DEFINE_GROUP_REDUCE(group_combine, float, CLNN_SUM)
#endif

/* Long reductions: `chunks` work-groups per output, group c covering elements
 * [c * chunk_len, (c + 1) * chunk_len) of its slice with strided partials, then a
 * tree in local memory; y[o * chunks + c] gets the group's result (a second pass
 * combines chunks > 1). */
kernel __attribute__((reqd_work_group_size(LOCAL, 1, 1))) void
reduce_groups(global const float *x, ulong x_off, global float *y, ulong y_off, ulong nout,
              ulong red, PLAN_ARGS, float scale, ulong chunks, ulong chunk_len)
{
    local float part[LOCAL];
    ulong g = get_group_id(0), o = g / chunks, c = g - o * chunks;
    ulong begin = c * chunk_len, end = min(red, begin + chunk_len);
    size_t lid = get_local_id(0);
    LOAD_PLAN;
    global const float *p = x + x_off + offset_of(o, kd, ks, KRANK);
#if OP == OP_MAX
    float v = -INFINITY;
    for (ulong r = begin + lid; r < end; r += LOCAL) v = fmax(v, RED_AT(p, r));
#else
    float v = 0.0f, comp = 0.0f;
    for (ulong r = begin + lid; r < end; r += LOCAL) kahan_add(&v, &comp, RED_AT(p, r));
#endif
    float total = group_combine(part, v, LOCAL);
    if (lid == 0) y[y_off + g] = OP == OP_MAX ? total : total * scale;
}

/* Kept innermost axis contiguous (column sums and the like): each work-item owns
 * VEC neighbouring outputs along that axis and reads them with one vector load
 * per reduced element; a row's last partial chunk goes element by element. */
#if KRANK > 0
kernel void reduce_cols(global const float *x, ulong x_off, global float *y, ulong y_off,
                        ulong nout, ulong red, PLAN_ARGS, float scale)
{
    LOAD_PLAN;
    ulong inner = kd[KRANK - 1], per_row = (inner + VEC - 1) / VEC, item = get_global_id(0);
    ulong row = item / per_row, col = (item - row * per_row) * VEC, o = row * inner + col;
    if (o >= nout) return;
    global const float *p = x + x_off + offset_of(o, kd, ks, KRANK);
    ulong width = min((ulong)VEC, inner - col);
    if (width == VEC) {
#if OP == OP_MAX
        VFLOAT m = (VFLOAT)(-INFINITY);
        for (ulong r = 0; r < red; r++) m = fmax(m, VLOAD(0, p + offset_of(r, rd, rs, RRANK)));
        VSTORE(m, 0, y + y_off + o);
#else
        VFLOAT s = (VFLOAT)(0.0f), c = (VFLOAT)(0.0f);
        for (ulong r = 0; r < red; r++) {
            VFLOAT v = VLOAD(0, p + offset_of(r, rd, rs, RRANK)) - c, t = s + v;
            c = (t - s) - v;
            s = t;
        }
        VSTORE(s * scale, 0, y + y_off + o);
#endif
        return;
    }
    for (ulong j = 0; j < width; j++) {
#if OP == OP_MAX
        float m = -INFINITY;
        for (ulong r = 0; r < red; r++) m = fmax(m, RED_AT(p + j, r));
        y[y_off + o + j] = m;
#else
        float s = 0.0f, c = 0.0f;
        for (ulong r = 0; r < red; r++) kahan_add(&s, &c, RED_AT(p + j, r));
        y[y_off + o + j] = s * scale;
#endif
    }
}
#endif

/* ReduceMax backward, one work-item per slice: dy goes to the slice's first
 * maximum, every other element of the slice gets 0 (dx has x's layout). */
kernel void reduce_max_backward(global const float *x, ulong x_off, global const float *dy,
                                ulong dy_off, global float *dx, ulong dx_off, ulong nout,
                                ulong red, PLAN_ARGS)
{
    ulong o = get_global_id(0);
    if (o >= nout) return;
    LOAD_PLAN;
    ulong base = offset_of(o, kd, ks, KRANK);
    global const float *p = x + x_off + base;
    float m = RED_AT(p, 0);
    ulong best = 0;
    for (ulong r = 1; r < red; r++) {
        float v = RED_AT(p, r);
        if (v > m || (isnan(m) && !isnan(v))) {
            m = v;
            best = r;
        }
    }
    float g = dy[dy_off + o];
    global float *q = dx + dx_off + base;
    for (ulong r = 0; r < red; r++) RED_AT(q, r) = r == best ? g : 0.0f;
}
#endif
