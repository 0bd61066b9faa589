/* Element-wise primitives (clnn_fill, clnn_scale, clnn_relu_forward/backward,
 * clnn_binary) and the tensor helpers clnn_tensor_fill / clnn_tensor_copy against
 * the CPU references in tests/ref/elementwise.c, plus the documented failures on bad
 * input.
 *
 * Every output lives inside a larger buffer filled with a sentinel, so writes before
 * or after the operand's range are caught. CLNN_TEST_SMALL=1 keeps every tensor at
 * <= ~300 elements so the binary can run under oclgrind.
 *
 * Tolerances: fill, scale, relu, relu_backward, add, sub and mul are one IEEE-754
 * operation (or none) per element. Computed in double from float inputs and rounded
 * to float, a single +, -, * or / is correctly rounded (double has more than
 * 2 * 24 + 2 bits), so these must match the rounded reference exactly (0 ulp).
 * OpenCL 1.2 allows single-precision division an error of 2.5 ulp, so DIV is
 * checked with rtol 3e-7 (2.5 * 2^-23). */
#include "harness.h"
#include "ref/ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int small_mode;

#define SENTINEL (-777.25f)
#define TAIL 7 /* sentinel elements after each operand */
#define DIV_RTOL 3e-7

/* ---------------------------------------------------------------- helpers */

/* Random values in [-2, 2) with IEEE special values sprinkled in (NaN, +-0, +-inf),
 * at positions that differ between seeds. */
static void special_random(float *x, size_t n, uint32_t seed)
{
    static const float specials[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY, 1.0f, -1.0f};
    harness_random(x, n, seed, -2.0f, 2.0f);
    for (size_t i = (seed % 5) + 1; i < n; i += 11) x[i] = specials[(i + seed) % 7];
}

static void round_to_float(double *want, size_t n)
{
    for (size_t i = 0; i < n; i++) want[i] = (float)want[i];
}

/* An operand inside a sentinel-filled buffer: `off` sentinels, `n` values, TAIL
 * sentinels. */
typedef struct span {
    size_t off, n, total;
    float *host; /* the whole buffer */
    cl_mem buf;
} span;

static span span_make(size_t off, size_t n, uint32_t seed, int with_data)
{
    span s = {off, n, off + n + TAIL, NULL, NULL};
    s.host = harness_alloc(s.total * sizeof(float));
    for (size_t i = 0; i < s.total; i++) s.host[i] = SENTINEL;
    if (with_data) special_random(s.host + off, n, seed);
    s.buf = harness_upload(s.host, s.total * sizeof(float));
    return s;
}

/* Downloads `s` and checks that everything outside its range is still the sentinel;
 * returns the values of the range (kept until the end of the test). */
static float *span_result(const span *s, const char *what)
{
    float *all = harness_alloc(s->total * sizeof(float));
    harness_download(s->buf, 0, all, s->total * sizeof(float));
    for (size_t i = 0; i < s->total; i++) {
        if (i >= s->off && i < s->off + s->n) continue;
        ck_assert_msg(all[i] == SENTINEL, "%s: element %zu (outside [%zu, %zu)) was changed "
                      "to %.9g", what, i, s->off, s->off + s->n, all[i]);
    }
    return all + s->off;
}

/* ------------------------------------------------- same-shape operations */

typedef enum ew_kind {
    EW_FILL,
    EW_SCALE,
    EW_RELU,
    EW_RELU_BWD,
    EW_ADD,
    EW_SUB,
    EW_MUL,
    EW_DIV,
    EW_COUNT
} ew_kind;

static const char *const ew_names[EW_COUNT] = {"fill", "scale", "relu", "relu_backward",
                                               "add",  "sub",   "mul",  "div"};

static int ew_inputs(ew_kind kind) { return kind == EW_FILL ? 0 : kind <= EW_RELU ? 1 : 2; }

#define FILL_VALUE 2.5f
#define SCALE_ALPHA (-1.75f)

/* Runs `kind` over `n` elements shaped as `desc`; input i starts at element
 * in_off[i] of its buffer and the output at out_off. `in_place` makes the output the
 * first input (same buffer and offset). */
static void check_same_shape(ew_kind kind, const clnn_tensor_desc *desc, size_t n,
                             const size_t in_off[2], size_t out_off, int in_place,
                             uint32_t seed)
{
    clnn_context_t ctx = harness_ctx();
    span in[2] = {{0}, {0}};
    int inputs = ew_inputs(kind);
    for (int i = 0; i < inputs; i++) in[i] = span_make(in_off[i], n, seed + (uint32_t)i, 1);
    span out = in_place ? in[0] : span_make(out_off, n, 0, 0);
    const float *x = in[0].host + in[0].off, *x2 = in[1].host + in[1].off;

    double *want = harness_alloc(n * sizeof(double));
    clnn_status st = CLNN_INTERNAL;
    size_t xo = in[0].off * 4, x2o = in[1].off * 4, yo = out.off * 4;
    switch (kind) {
    case EW_FILL:
        st = clnn_fill(ctx, desc, out.buf, yo, FILL_VALUE);
        for (size_t i = 0; i < n; i++) want[i] = FILL_VALUE;
        break;
    case EW_SCALE:
        st = clnn_scale(ctx, SCALE_ALPHA, desc, in[0].buf, xo, desc, out.buf, yo);
        ref_scale(SCALE_ALPHA, x, n, want);
        break;
    case EW_RELU:
        st = clnn_relu_forward(ctx, desc, in[0].buf, xo, desc, out.buf, yo);
        ref_relu(x, n, want);
        break;
    case EW_RELU_BWD:
        st = clnn_relu_backward(ctx, desc, in[0].buf, xo, desc, in[1].buf, x2o, desc,
                                out.buf, yo);
        ref_relu_backward(x, x2, n, want);
        break;
    default: {
        clnn_binary_op op = (clnn_binary_op)(kind - EW_ADD);
        st = clnn_binary(ctx, op, desc, in[0].buf, xo, desc, in[1].buf, x2o, desc, out.buf,
                         yo);
        ref_binary(op, desc, x, desc, x2, desc, want);
        break;
    }
    }
    char what[128];
    snprintf(what, sizeof what, "%s n=%zu rank=%d offsets %zu/%zu -> %zu%s", ew_names[kind], n,
             desc->rank, in_off[0], in_off[1], out_off, in_place ? " in place" : "");
    ck_assert_msg(st == CLNN_SUCCESS, "%s: %s (%s)", what, clnn_status_string(st),
                  clnn_last_error());
    const float *got = span_result(&out, what);
    round_to_float(want, n);
    harness_expect_close(got, want, n, kind == EW_DIV ? DIV_RTOL : 0.0, 0.0, what);
}

/* Every size 1..67 (each vector width's full chunks plus every tail), then larger
 * ones that are not multiples of any width. */
static size_t test_sizes(size_t *sizes)
{
    static const size_t big[] = {93, 257, 1000, 4099, 100003};
    size_t count = 0;
    for (size_t n = 1; n <= 67; n++) sizes[count++] = n;
    for (size_t i = 0; i < (small_mode ? 2u : 5u); i++) sizes[count++] = big[i];
    return count;
}

/* Offsets (in elements) that make vector loads and stores unaligned. */
static const size_t offsets[] = {0, 1, 3, 5};

static void check_all_sizes(ew_kind kind)
{
    size_t sizes[80], count = test_sizes(sizes);
    for (size_t s = 0; s < count; s++) {
        size_t n = sizes[s];
        clnn_tensor_desc d = HARNESS_DESC((int64_t)n);
        size_t in_off[2] = {offsets[s % 4], offsets[(s / 4) % 4]};
        check_same_shape(kind, &d, n, in_off, offsets[(s + 1) % 4], 0, (uint32_t)(s * 3 + kind));
    }
}

START_TEST(test_sizes_loop)
{
    check_all_sizes((ew_kind)_i);
}
END_TEST

/* Every offset combination, in place, and descriptors of other ranks (the
 * element-wise ops only see the element count). */
START_TEST(test_offsets_and_ranks)
{
    ew_kind kind = (ew_kind)_i;
    static const size_t ns[] = {1, 8, 19, 93};
    for (size_t s = 0; s < 4; s++) {
        clnn_tensor_desc d = HARNESS_DESC((int64_t)ns[s]);
        for (size_t i = 0; i < 4; i++)
            for (size_t o = 0; o < 4; o++) {
                size_t in_off[2] = {offsets[i], offsets[(i + o) % 4]};
                check_same_shape(kind, &d, ns[s], in_off, offsets[o], 0, (uint32_t)(i + o));
            }
        size_t in_off[2] = {offsets[s], offsets[3 - s]};
        /* In place where the header allows it (relu_backward does not say). */
        if (kind != EW_FILL && kind != EW_RELU_BWD) check_same_shape(kind, &d, ns[s], in_off, 0, 1, 40u + (uint32_t)s);
    }
    size_t no_off[2] = {0, 0}, odd_off[2] = {3, 1};
    clnn_tensor_desc scalar = harness_desc(0, NULL);
    check_same_shape(kind, &scalar, 1, odd_off, 5, 0, 50);
    clnn_tensor_desc nchw = HARNESS_DESC(2, 3, 1, 7);
    check_same_shape(kind, &nchw, 42, no_off, 1, 0, 51);
    clnn_tensor_desc rank8 = HARNESS_DESC(2, 1, 3, 1, 1, 2, 1, 5);
    check_same_shape(kind, &rank8, 60, odd_off, 3, 0, 52);
}
END_TEST

/* The IEEE special cases spelled out (the loops above mix them into random data). */
START_TEST(test_relu_specials)
{
    static const float x[] = {NAN, -0.0f, 0.0f, -INFINITY, INFINITY, -1e-30f, 1e-30f, -3, 3};
    static const float dy[] = {5, 5, 5, 5, 5, 5, 5, NAN, NAN};
    const size_t n = sizeof x / sizeof *x;
    clnn_tensor_desc d = HARNESS_DESC((int64_t)n);
    cl_mem xb = harness_upload(x, sizeof x), dyb = harness_upload(dy, sizeof dy);
    cl_mem y = harness_buffer(sizeof x), dx = harness_buffer(sizeof x);
    harness_expect_ok(clnn_relu_forward(harness_ctx(), &d, xb, 0, &d, y, 0));
    harness_expect_ok(clnn_relu_backward(harness_ctx(), &d, xb, 0, &d, dyb, 0, &d, dx, 0));
    float got[9], gdx[9];
    harness_download(y, 0, got, sizeof got);
    harness_download(dx, 0, gdx, sizeof gdx);
    ck_assert_msg(isnan(got[0]), "relu(NaN) = %g, expected NaN", got[0]);
    ck_assert_msg(got[1] == 0 && got[2] == 0, "relu(-0) = %g, relu(0) = %g", got[1], got[2]);
    ck_assert_msg(got[3] == 0 && got[4] == INFINITY, "relu(-inf) = %g, relu(inf) = %g", got[3],
                  got[4]);
    ck_assert_msg(got[5] == 0 && got[6] == 1e-30f && got[7] == 0 && got[8] == 3,
                  "relu of small/finite values: %g %g %g %g", got[5], got[6], got[7], got[8]);
    /* dx = dy where x > 0: NaN, +-0 and -inf give 0; a NaN dy passes through. */
    static const float want_dx[] = {0, 0, 0, 0, 5, 0, 5, 0};
    for (size_t i = 0; i < 8; i++)
        ck_assert_msg(gdx[i] == want_dx[i], "relu_backward element %zu: %g, expected %g", i,
                      gdx[i], want_dx[i]);
    ck_assert_msg(isnan(gdx[8]), "relu_backward with x > 0 and dy NaN gave %g", gdx[8]);
}
END_TEST

/* ------------------------------------------------------- broadcasting */

typedef struct shape {
    int rank;
    int64_t d[CLNN_MAX_RANK];
} shape;

typedef struct bcast_case {
    shape a, b;
} bcast_case;

/* numpy broadcast of two shapes (the pairs in the tables are broadcastable). */
static clnn_tensor_desc broadcast_desc(const shape *a, const shape *b)
{
    shape c = {a->rank > b->rank ? a->rank : b->rank, {0}};
    for (int i = 0; i < c.rank; i++) {
        int ia = a->rank - c.rank + i, ib = b->rank - c.rank + i;
        int64_t da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
        c.d[i] = da > db ? da : db;
    }
    return harness_desc(c.rank, c.d);
}

static size_t desc_count(const clnn_tensor_desc *d)
{
    size_t n = 1;
    for (int i = 0; i < d->rank; i++) n *= (size_t)d->dims[i];
    return n;
}

/* c = a (op) b; `alias` 1 makes c the buffer of a, 2 that of b (which then has c's
 * shape). */
static void check_broadcast(clnn_binary_op op, const bcast_case *bc, int alias, uint32_t seed)
{
    clnn_tensor_desc ad = harness_desc(bc->a.rank, bc->a.d);
    clnn_tensor_desc bd = harness_desc(bc->b.rank, bc->b.d);
    clnn_tensor_desc cd = broadcast_desc(&bc->a, &bc->b);
    size_t na = desc_count(&ad), nb = desc_count(&bd), nc = desc_count(&cd);
    span a = span_make(offsets[seed % 4], na, seed, 1);
    span b = span_make(offsets[(seed + 1) % 4], nb, seed + 7, 1);
    span c = alias == 1 ? a : alias == 2 ? b : span_make(offsets[(seed + 2) % 4], nc, 0, 0);
    ck_assert_msg(c.n == nc, "test bug: alias with an operand that is not c's shape");

    double *want = harness_alloc(nc * sizeof(double));
    ref_binary(op, &ad, a.host + a.off, &bd, b.host + b.off, &cd, want);
    char what[200], sa[80] = "", sb[80] = "";
    for (int i = 0; i < ad.rank; i++)
        snprintf(sa + strlen(sa), sizeof sa - strlen(sa), "%lld,", (long long)ad.dims[i]);
    for (int i = 0; i < bd.rank; i++)
        snprintf(sb + strlen(sb), sizeof sb - strlen(sb), "%lld,", (long long)bd.dims[i]);
    snprintf(what, sizeof what, "%s [%s] with [%s]%s", ew_names[EW_ADD + op], sa, sb,
             alias ? (alias == 1 ? " into a" : " into b") : "");

    harness_expect_ok(clnn_binary(harness_ctx(), op, &ad, a.buf, a.off * 4, &bd, b.buf,
                                  b.off * 4, &cd, c.buf, c.off * 4));
    const float *got = span_result(&c, what);
    round_to_float(want, nc);
    harness_expect_close(got, want, nc, op == CLNN_BINARY_DIV ? DIV_RTOL : 0.0, 0.0, what);
}

#define S(...)                                                                            \
    {                                                                                     \
        (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), { __VA_ARGS__ }       \
    }
#define SCALAR {0, {0}}

static const bcast_case full_cases[] = {
    {S(5, 93), S(5, 93)},                      /* same shape */
    {SCALAR, S(7, 13)},                        /* scalar with a tensor, both orders */
    {S(7, 13), SCALAR},
    {SCALAR, SCALAR},
    {S(33, 257), S(257)},                      /* [N,C] + [C] (bias) */
    {S(17, 7), S(7)},
    {S(2, 5, 7, 9), S(1, 5, 1, 1)},            /* [N,C,H,W] * [1,C,1,1] */
    {S(1, 16, 1, 1), S(3, 16, 13, 11)},
    {S(3, 1, 93), S(1, 5, 1)},                 /* [N,1,W] with [1,H,1] */
    {S(2, 1, 3, 1, 2, 3, 1, 5), S(1, 2, 1, 3, 2, 1, 4, 1)}, /* rank 8 */
    {S(2, 2, 3, 3, 2, 3, 4, 5), S(2, 2, 3, 3, 2, 3, 4, 5)},
    {S(4, 1, 1, 7), S(4, 3, 5, 7)},            /* size-1 axes in the middle */
    {S(6, 1, 1, 9), S(6, 1, 1, 9)},
    {S(5, 7), S(5, 1)},                        /* inner dims 7, 93, 257 */
    {S(3, 93), S(1, 93)},
    {S(2, 257), S(2, 1)},
    {S(1, 257), S(9, 1)},                      /* both operands broadcast */
    {S(4099), S(1)},
};

static const bcast_case small_cases[] = {
    {S(5, 13), S(5, 13)},
    {SCALAR, S(7, 13)},
    {S(7, 13), SCALAR},
    {SCALAR, SCALAR},
    {S(9, 19), S(19)},
    {S(17, 7), S(7)},
    {S(2, 3, 5, 7), S(1, 3, 1, 1)},
    {S(1, 4, 1, 1), S(2, 4, 3, 5)},
    {S(3, 1, 19), S(1, 4, 1)},
    {S(2, 1, 3, 1, 2, 1, 1, 5), S(1, 2, 1, 3, 1, 1, 2, 1)},
    {S(2, 1, 3, 1, 2, 1, 1, 5), S(2, 1, 3, 1, 2, 1, 1, 5)},
    {S(2, 1, 1, 7), S(2, 3, 5, 7)},
    {S(6, 1, 1, 9), S(6, 1, 1, 9)},
    {S(5, 7), S(5, 1)},
    {S(3, 93), S(1, 93)},
    {S(1, 257), S(1, 1)},
    {S(1, 33), S(9, 1)},
    {S(257), S(1)},
};

static const bcast_case *bcast_cases(size_t *count)
{
    *count = small_mode ? sizeof small_cases / sizeof *small_cases
                        : sizeof full_cases / sizeof *full_cases;
    return small_mode ? small_cases : full_cases;
}

START_TEST(test_broadcast)
{
    clnn_binary_op op = (clnn_binary_op)_i;
    size_t count;
    const bcast_case *cases = bcast_cases(&count);
    for (size_t i = 0; i < count; i++) check_broadcast(op, &cases[i], 0, (uint32_t)(i + 13 * op));
}
END_TEST

/* c aliasing a (or b) when that operand already has c's shape. */
START_TEST(test_broadcast_alias)
{
    size_t count;
    const bcast_case *cases = bcast_cases(&count);
    for (int op = 0; op < 4; op++)
        for (size_t i = 0; i < count; i++) {
            clnn_tensor_desc cd = broadcast_desc(&cases[i].a, &cases[i].b);
            size_t nc = desc_count(&cd);
            clnn_tensor_desc ad = harness_desc(cases[i].a.rank, cases[i].a.d);
            clnn_tensor_desc bd = harness_desc(cases[i].b.rank, cases[i].b.d);
            if (desc_count(&ad) == nc && ad.rank == cd.rank)
                check_broadcast((clnn_binary_op)op, &cases[i], 1, (uint32_t)(100 + i));
            if (desc_count(&bd) == nc && bd.rank == cd.rank)
                check_broadcast((clnn_binary_op)op, &cases[i], 2, (uint32_t)(200 + i));
        }
}
END_TEST

/* ------------------------------------------------------ tensor helpers */

static clnn_tensor_t make_tensor(clnn_context_t ctx, clnn_dtype dtype, int64_t n)
{
    clnn_tensor_desc d;
    harness_expect_ok(clnn_tensor_desc_set(&d, dtype, 1, &n));
    clnn_tensor_t t = NULL;
    harness_expect_ok(clnn_tensor_create(ctx, &d, &t));
    return t;
}

static void expect_tensor_equals(clnn_tensor_t t, const float *want, size_t n, const char *what)
{
    float *got = harness_alloc(n * sizeof(float));
    harness_expect_ok(clnn_tensor_download(t, got, n * sizeof(float)));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(memcmp(&got[i], &want[i], sizeof(float)) == 0,
                      "%s: element %zu of %zu is %.9g, expected %.9g", what, i, n, got[i],
                      want[i]);
}

START_TEST(test_tensor_fill_copy)
{
    clnn_context_t ctx = harness_ctx();
    size_t sizes[80], count = test_sizes(sizes);
    for (size_t s = 0; s < count; s++) {
        size_t n = sizes[s];
        clnn_tensor_t src = make_tensor(ctx, CLNN_FLOAT32, (int64_t)n);
        clnn_tensor_t dst = make_tensor(ctx, CLNN_FLOAT32, (int64_t)n);
        float *data = harness_alloc(n * sizeof(float)), *filled = harness_alloc(n * sizeof(float));
        special_random(data, n, (uint32_t)s);
        for (size_t i = 0; i < n; i++) filled[i] = -0.0f;
        harness_expect_ok(clnn_tensor_fill(dst, -0.0f));
        expect_tensor_equals(dst, filled, n, "clnn_tensor_fill(-0.0)");
        harness_expect_ok(clnn_tensor_upload(src, data, n * sizeof(float)));
        harness_expect_ok(clnn_tensor_copy(dst, src));
        expect_tensor_equals(dst, data, n, "clnn_tensor_copy"); /* bit for bit, NaNs too */
        harness_expect_ok(clnn_tensor_copy(dst, dst));          /* a no-op */
        expect_tensor_equals(dst, data, n, "clnn_tensor_copy onto itself");
        clnn_tensor_destroy(src);
        clnn_tensor_destroy(dst);
    }
    /* Same element count, other shapes: allowed. */
    clnn_tensor_desc d1 = HARNESS_DESC(6), d2 = HARNESS_DESC(2, 3);
    clnn_tensor_t a = NULL, b = NULL;
    harness_expect_ok(clnn_tensor_create(ctx, &d1, &a));
    harness_expect_ok(clnn_tensor_create(ctx, &d2, &b));
    static const float six[6] = {1, 2, 3, 4, 5, 6};
    harness_expect_ok(clnn_tensor_upload(a, six, sizeof six));
    harness_expect_ok(clnn_tensor_copy(b, a));
    expect_tensor_equals(b, six, 6, "clnn_tensor_copy [6] -> [2, 3]");
    clnn_tensor_destroy(a);
    clnn_tensor_destroy(b);
}
END_TEST

/* ------------------------------------------------------------ bad input */

typedef enum ew_fn { FN_FILL, FN_SCALE, FN_RELU, FN_RELU_BWD, FN_BINARY, FN_COUNT } ew_fn;

static const char *const fn_names[FN_COUNT] = {"clnn_fill", "clnn_scale", "clnn_relu_forward",
                                               "clnn_relu_backward", "clnn_binary"};
static const char *const operand_names[FN_COUNT][3] = {
    {"y"}, {"x", "y"}, {"x", "y"}, {"x", "dy", "dx"}, {"a", "b", "c"}};
static const int operand_count[FN_COUNT] = {1, 2, 2, 3, 3};

/* Every argument of one call; the last operand is the output. */
typedef struct ew_call {
    ew_fn fn;
    clnn_context_t ctx;
    int op;
    const clnn_tensor_desc *desc[3];
    cl_mem buf[3];
    size_t off[3];
} ew_call;

#define BAD_ELEMENTS 20 /* descriptors [4, 5] */
#define BAD_CAPACITY 48 /* buffer size in floats */

static clnn_status call_ew(const ew_call *c)
{
    const clnn_tensor_desc *const *d = c->desc;
    const cl_mem *b = c->buf;
    const size_t *o = c->off;
    switch (c->fn) {
    case FN_FILL: return clnn_fill(c->ctx, d[0], b[0], o[0], 1.0f);
    case FN_SCALE: return clnn_scale(c->ctx, 2.0f, d[0], b[0], o[0], d[1], b[1], o[1]);
    case FN_RELU: return clnn_relu_forward(c->ctx, d[0], b[0], o[0], d[1], b[1], o[1]);
    case FN_RELU_BWD:
        return clnn_relu_backward(c->ctx, d[0], b[0], o[0], d[1], b[1], o[1], d[2], b[2], o[2]);
    default:
        return clnn_binary(c->ctx, (clnn_binary_op)c->op, d[0], b[0], o[0], d[1], b[1], o[1],
                           d[2], b[2], o[2]);
    }
}

static clnn_tensor_desc desc_4x5;

/* A valid call: every operand [4, 5] at offset 0 of its own BAD_CAPACITY buffer. */
static ew_call valid_call(ew_fn fn)
{
    ew_call c = {fn, harness_ctx(), CLNN_BINARY_MUL, {NULL}, {NULL}, {0}};
    float data[BAD_CAPACITY];
    harness_random(data, BAD_CAPACITY, (uint32_t)fn, -1.0f, 1.0f);
    desc_4x5 = HARNESS_DESC(4, 5);
    for (int i = 0; i < operand_count[fn]; i++) {
        c.desc[i] = &desc_4x5;
        c.buf[i] = harness_upload(data, sizeof data);
    }
    return c;
}

static int in_harness_context(cl_mem m)
{
    cl_context owner = NULL;
    return m && clGetMemObjectInfo(m, CL_MEM_CONTEXT, sizeof owner, &owner, NULL) ==
                    CL_SUCCESS && owner == clnn_context_cl_context(harness_ctx());
}

/* Calls, expects `want` with "<needle>" in clnn_last_error(), and the output buffer
 * bit for bit unchanged. */
static void expect_ew_fails(const ew_call *c, clnn_status want, const char *needle)
{
    cl_mem out = c->buf[operand_count[c->fn] - 1];
    int check_out = in_harness_context(out);
    float before[BAD_CAPACITY], after[BAD_CAPACITY];
    if (check_out) harness_download(out, 0, before, sizeof before);
    clnn_clear_error();
    harness_expect_error_at(call_ew(c), want, needle, fn_names[c->fn]);
    if (!check_out) return;
    harness_expect_ok(clnn_context_finish(harness_ctx()));
    harness_download(out, 0, after, sizeof after);
    ck_assert_msg(memcmp(before, after, sizeof before) == 0, "%s: failed call changed %s",
                  fn_names[c->fn], needle);
}

START_TEST(test_bad_context)
{
    clnn_context_t dead;
    harness_expect_ok(clnn_context_create(&dead));
    clnn_context_destroy(dead);
    for (int fn = 0; fn < FN_COUNT; fn++) {
        ew_call c = valid_call((ew_fn)fn);
        harness_expect_ok(call_ew(&c)); /* the baseline is valid */
        c.ctx = NULL;
        expect_ew_fails(&c, CLNN_NULL_POINTER, "context is NULL");
        c.ctx = dead;
        expect_ew_fails(&c, CLNN_INVALID_VALUE, "not a live clnn context");
    }
}
END_TEST

/* A copy of the valid descriptor with one field broken. */
typedef struct bad_desc {
    clnn_tensor_desc desc;
    const char *detail; /* what the message says after "<name> " */
} bad_desc;

START_TEST(test_bad_descriptors)
{
    bad_desc bad[] = {
        {{CLNN_INT32, 2, {4, 5, 1, 1, 1, 1, 1, 1}}, "is int32"},
        {{(clnn_dtype)7, 2, {4, 5, 1, 1, 1, 1, 1, 1}}, "has unknown dtype"},
        {{CLNN_FLOAT32, 9, {4, 5, 1, 1, 1, 1, 1, 1}}, "has rank 9"},
        {{CLNN_FLOAT32, -1, {4, 5, 1, 1, 1, 1, 1, 1}}, "has rank -1"},
        {{CLNN_FLOAT32, 2, {4, -5, 1, 1, 1, 1, 1, 1}}, "has dims[1] = -5"},
        {{CLNN_FLOAT32, 2, {0, 5, 1, 1, 1, 1, 1, 1}}, "has dims[0] = 0"},
        {{CLNN_FLOAT32, 3, {INT64_MAX, INT64_MAX, 2, 1, 1, 1, 1, 1}}, "element count overflows"},
    };
    char needle[64];
    for (int fn = 0; fn < FN_COUNT; fn++)
        for (int i = 0; i < operand_count[fn]; i++) {
            const char *name = operand_names[fn][i];
            ew_call c = valid_call((ew_fn)fn);
            c.desc[i] = NULL;
            snprintf(needle, sizeof needle, " %s descriptor is NULL", name);
            expect_ew_fails(&c, CLNN_NULL_POINTER, needle);
            for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
                c.desc[i] = &bad[k].desc;
                snprintf(needle, sizeof needle, " %s %s", name, bad[k].detail);
                expect_ew_fails(&c, CLNN_INVALID_VALUE, needle);
            }
        }
}
END_TEST

START_TEST(test_bad_buffers)
{
    clnn_context_t other;
    harness_expect_ok(clnn_context_create(&other));
    cl_int err;
    cl_mem foreign = clCreateBuffer(clnn_context_cl_context(other), CL_MEM_READ_WRITE,
                                    BAD_CAPACITY * sizeof(float), NULL, &err);
    ck_assert_msg(foreign != NULL, "clCreateBuffer: %d", err);
    const size_t last_fit = (BAD_CAPACITY - BAD_ELEMENTS) * sizeof(float);
    char needle[64];
    for (int fn = 0; fn < FN_COUNT; fn++)
        for (int i = 0; i < operand_count[fn]; i++) {
            const char *name = operand_names[fn][i];
            ew_call c = valid_call((ew_fn)fn);
            c.off[i] = last_fit; /* the last offset that fits is valid */
            harness_expect_ok(call_ew(&c));
            c = valid_call((ew_fn)fn);
            c.buf[i] = NULL;
            snprintf(needle, sizeof needle, "buffer %s is NULL", name);
            expect_ew_fails(&c, CLNN_NULL_POINTER, needle);
            c = valid_call((ew_fn)fn);
            c.buf[i] = foreign;
            snprintf(needle, sizeof needle, " %s belongs to another cl_context", name);
            expect_ew_fails(&c, CLNN_INVALID_VALUE, needle);
            c = valid_call((ew_fn)fn);
            snprintf(needle, sizeof needle, " %s offset", name);
            static const size_t misaligned[] = {1, 2, 6};
            for (size_t k = 0; k < 3; k++) {
                c.off[i] = misaligned[k];
                expect_ew_fails(&c, CLNN_INVALID_VALUE, needle);
            }
            snprintf(needle, sizeof needle, " %s range", name);
            static const size_t past[] = {last_fit + 4, BAD_CAPACITY * sizeof(float),
                                          SIZE_MAX - 3};
            for (size_t k = 0; k < 3; k++) {
                c.off[i] = past[k];
                expect_ew_fails(&c, CLNN_INVALID_VALUE, needle);
            }
        }
    clReleaseMemObject(foreign);
    clnn_context_destroy(other);
}
END_TEST

START_TEST(test_bad_shapes)
{
    clnn_tensor_desc d5x4 = HARNESS_DESC(5, 4), d20 = HARNESS_DESC(20);
    clnn_tensor_desc d1x4x5 = HARNESS_DESC(1, 4, 5), d4 = HARNESS_DESC(4);
    clnn_tensor_desc d2x10 = HARNESS_DESC(2, 10), d4x1 = HARNESS_DESC(4, 1);
    clnn_tensor_desc d2x4x5 = HARNESS_DESC(2, 4, 5);
    const clnn_tensor_desc *wrong[] = {&d5x4, &d20, &d1x4x5};
    /* Same-shape operations: each operand after the first differs from x. */
    for (int fn = FN_SCALE; fn <= FN_RELU_BWD; fn++)
        for (int i = 1; i < operand_count[fn]; i++)
            for (size_t k = 0; k < 3; k++) {
                ew_call c = valid_call((ew_fn)fn);
                c.desc[i] = wrong[k];
                char needle[32];
                snprintf(needle, sizeof needle, " %s has shape", operand_names[fn][i]);
                expect_ew_fails(&c, CLNN_SHAPE_MISMATCH, needle);
            }
    /* Binary: operands that do not broadcast, and c not exactly the broadcast shape. */
    ew_call c = valid_call(FN_BINARY);
    c.desc[1] = &d4; /* [4, 5] with [4] */
    expect_ew_fails(&c, CLNN_SHAPE_MISMATCH, "do not broadcast");
    c = valid_call(FN_BINARY);
    c.desc[0] = &d5x4;
    expect_ew_fails(&c, CLNN_SHAPE_MISMATCH, "do not broadcast");
    const clnn_tensor_desc *wrong_c[] = {&d5x4, &d20, &d1x4x5, &d2x10, &d4x1, &d2x4x5};
    for (size_t k = 0; k < sizeof wrong_c / sizeof *wrong_c; k++) {
        c = valid_call(FN_BINARY);
        c.desc[2] = wrong_c[k];
        expect_ew_fails(&c, CLNN_SHAPE_MISMATCH, "c has shape");
    }
    c = valid_call(FN_BINARY); /* [4, 1] + [4, 5] into [4, 1]: c must be [4, 5] */
    c.desc[0] = &d4x1;
    c.desc[2] = &d4x1;
    expect_ew_fails(&c, CLNN_SHAPE_MISMATCH, "c has shape");
}
END_TEST

START_TEST(test_bad_binary_op)
{
    static const int ops[] = {4, -1, 1000};
    for (size_t k = 0; k < 3; k++) {
        ew_call c = valid_call(FN_BINARY);
        c.op = ops[k];
        expect_ew_fails(&c, CLNN_INVALID_VALUE, "unknown op");
    }
}
END_TEST

/* clnn_tensor_fill and clnn_tensor_copy with bad tensors; dst stays as it was. */
static void expect_tensor_fails(clnn_status got, clnn_status want, const char *needle,
                                clnn_tensor_t dst, const float *dst_was)
{
    harness_expect_error_at(got, want, needle, "tensor helper");
    harness_expect_ok(clnn_context_finish(harness_ctx()));
    expect_tensor_equals(dst, dst_was, 6, needle);
}

START_TEST(test_bad_tensors)
{
    clnn_context_t ctx = harness_ctx(), other;
    harness_expect_ok(clnn_context_create(&other));
    static const float six[6] = {1, 2, 3, 4, 5, 6};
    clnn_tensor_t dst = make_tensor(ctx, CLNN_FLOAT32, 6);
    clnn_tensor_t seven = make_tensor(ctx, CLNN_FLOAT32, 7);
    clnn_tensor_t ints = make_tensor(ctx, CLNN_INT32, 6);
    clnn_tensor_t foreign = make_tensor(other, CLNN_FLOAT32, 6);
    clnn_tensor_t dead = make_tensor(ctx, CLNN_FLOAT32, 6);
    clnn_tensor_destroy(dead);
    harness_expect_ok(clnn_tensor_upload(dst, six, sizeof six));

    expect_tensor_fails(clnn_tensor_fill(NULL, 0), CLNN_NULL_POINTER, "tensor is NULL", dst, six);
    expect_tensor_fails(clnn_tensor_fill(dead, 0), CLNN_INVALID_VALUE, "not a live", dst, six);
    expect_tensor_fails(clnn_tensor_fill(ints, 0), CLNN_INVALID_VALUE, "int32", dst, six);
    expect_tensor_fails(clnn_tensor_copy(NULL, dst), CLNN_NULL_POINTER, "dst is NULL", dst, six);
    expect_tensor_fails(clnn_tensor_copy(dst, NULL), CLNN_NULL_POINTER, "src is NULL", dst, six);
    expect_tensor_fails(clnn_tensor_copy(dst, dead), CLNN_INVALID_VALUE, "src is not a live",
                        dst, six);
    expect_tensor_fails(clnn_tensor_copy(dead, dst), CLNN_INVALID_VALUE, "dst is not a live",
                        dst, six);
    expect_tensor_fails(clnn_tensor_copy(dst, seven), CLNN_SHAPE_MISMATCH, "differ", dst, six);
    expect_tensor_fails(clnn_tensor_copy(dst, foreign), CLNN_INVALID_VALUE,
                        "different contexts", dst, six);
    /* Same byte size, other dtype: the header requires the same dtype but names no
     * status; either argument status is acceptable. */
    clnn_status st = clnn_tensor_copy(dst, ints);
    ck_assert_msg(st == CLNN_INVALID_VALUE || st == CLNN_SHAPE_MISMATCH,
                  "clnn_tensor_copy float32 <- int32 gave %s", clnn_status_string(st));
    expect_tensor_fails(st, st, "dtype", dst, six);

    clnn_tensor_destroy(dst);
    clnn_tensor_destroy(seven);
    clnn_tensor_destroy(ints);
    clnn_tensor_destroy(foreign);
    clnn_context_destroy(other);
}
END_TEST

int main(void)
{
    const char *small = getenv("CLNN_TEST_SMALL");
    small_mode = small && strcmp(small, "1") == 0;

    /* Bad input first: oclgrind (--log) truncates its log whenever a cl_context is
     * created, and these tests create extra contexts; every kernel report after them
     * is kept. */
    Suite *s = suite_create("elementwise");
    TCase *tc = harness_tcase(s, "bad_input");
    tcase_add_test(tc, test_bad_context);
    tcase_add_test(tc, test_bad_tensors);
    tcase_add_test(tc, test_bad_descriptors);
    tcase_add_test(tc, test_bad_buffers);
    tcase_add_test(tc, test_bad_shapes);
    tcase_add_test(tc, test_bad_binary_op);
    tc = harness_tcase(s, "sizes");
    tcase_add_loop_test(tc, test_sizes_loop, 0, EW_COUNT);
    tc = harness_tcase(s, "offsets_in_place_ranks");
    tcase_add_loop_test(tc, test_offsets_and_ranks, 0, EW_COUNT);
    tcase_add_test(tc, test_relu_specials);
    tc = harness_tcase(s, "broadcast");
    tcase_add_loop_test(tc, test_broadcast, CLNN_BINARY_ADD, CLNN_BINARY_DIV + 1);
    tcase_add_test(tc, test_broadcast_alias);
    tc = harness_tcase(s, "tensor_helpers");
    tcase_add_test(tc, test_tensor_fill_copy);
    return harness_main(s);
}
