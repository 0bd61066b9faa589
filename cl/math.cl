/* Element-wise math (include/clnn/math.h). Two kernel shapes:
 *  - unary_forward_<k> / unary_backward_<k> (-DUNARY): float32 maps, k the
 *    clnn_unary_math_op value, VEC elements per work-item as vectors;
 *  - map_<op>: up to three broadcast inputs of any dtype (-DTA/TB/TC, the
 *    output -DTY, -DARITY inputs); kernel map_<op> per op (below). */

#ifdef UNARY
#define U_EXP 0
#define U_LOG 1
#define U_SQRT 2
#define U_ABS 3
#define U_NEG 4
#define U_RECIPROCAL 5
#define U_ERF 6
#define U_SOFTSIGN 7
#define U_SELU 8
#define U_POW 9

#define TWO_OVER_SQRT_PI 1.1283791670955126f

/* `op` is a literal at every call site: after inlining one branch is left. */
#define DEFINE_UNARY_MATH(T, SUFFIX)                                                  \
    inline T um_forward##SUFFIX(int op, T x, float alpha, float beta)                 \
    {                                                                                 \
        const T one = (T)(1.0f);                                                      \
        if (op == U_EXP) return exp(x);                                               \
        if (op == U_LOG) return log(x);                                               \
        if (op == U_SQRT) return sqrt(x);                                             \
        if (op == U_ABS) return fabs(x);                                              \
        if (op == U_NEG) return -x;                                                   \
        if (op == U_RECIPROCAL) return one / x;                                       \
        if (op == U_ERF) return erf(x);                                               \
        if (op == U_SOFTSIGN) return x / (one + fabs(x));                             \
        if (op == U_SELU) return beta * select(x, alpha * expm1(x), x <= (T)(0.0f));   \
        return pow(x, (T)(alpha));                                                    \
    }                                                                                 \
    inline T um_backward##SUFFIX(int op, T x, T dy, float alpha, float beta)          \
    {                                                                                 \
        const T one = (T)(1.0f);                                                      \
        if (op == U_EXP) return dy * exp(x);                                          \
        if (op == U_LOG) return dy / x;                                               \
        if (op == U_SQRT) return dy * 0.5f / sqrt(x);                                 \
        if (op == U_ABS) return dy * sign(x);                                         \
        if (op == U_NEG) return -dy;                                                  \
        if (op == U_RECIPROCAL) return -dy / (x * x);                                 \
        if (op == U_ERF) return dy * TWO_OVER_SQRT_PI * exp(-x * x);                  \
        if (op == U_SOFTSIGN) {                                                       \
            T d = one + fabs(x);                                                      \
            return dy / (d * d);                                                      \
        }                                                                             \
        if (op == U_SELU) return dy * beta * select(one, alpha * exp(x), x <= (T)(0.0f)); \
        return dy * alpha * pow(x, (T)(alpha - 1.0f));                                \
    }

DEFINE_UNARY_MATH(float, )
DEFINE_UNARY_MATH(VFLOAT, _v)

/* unary_forward_<k> (out = f(x); dy unused) and unary_backward_<k> (out = dy *
 * f'(x)) for op value k; one work-item owns VEC consecutive elements. */
#define UNARY_KERNEL(NAME, K, V, S)                                                   \
    kernel void NAME##_##K(global const float *x, ulong x_off, global const float *dy, \
                           ulong dy_off, global float *out, ulong out_off, ulong n,   \
                           float alpha, float beta)                                   \
    {                                                                                 \
        ulong i = CLNN_CHUNK_START();                                                 \
        x += x_off + i;                                                               \
        dy += dy_off + i;                                                             \
        out += out_off + i;                                                           \
        if (i + VEC <= n) {                                                           \
            VSTORE(V, 0, out);                                                        \
        } else {                                                                      \
            for (ulong j = 0; i + j < n; j++) out[j] = S;                             \
        }                                                                             \
    }
#define UNARY_KERNELS(K)                                                              \
    UNARY_KERNEL(unary_forward, K, um_forward_v(K, VLOAD(0, x), alpha, beta),         \
                 um_forward(K, x[j], alpha, beta))                                    \
    UNARY_KERNEL(unary_backward, K,                                                   \
                 um_backward_v(K, VLOAD(0, x), VLOAD(0, dy), alpha, beta),            \
                 um_backward(K, x[j], dy[j], alpha, beta))

UNARY_KERNELS(0)
UNARY_KERNELS(1)
UNARY_KERNELS(2)
UNARY_KERNELS(3)
UNARY_KERNELS(4)
UNARY_KERNELS(5)
UNARY_KERNELS(6)
UNARY_KERNELS(7)
UNARY_KERNELS(8)
UNARY_KERNELS(9)
#endif /* UNARY */

#ifdef ARITY
/* ---- the ops of the broadcast maps: (a, b, c) -> y. `a != a` is the NaN test
 * that also compiles for integer types. */
#if TA_INT && TB_INT
/* Integer powers by squaring: exact, wrapping on overflow; a negative
 * exponent gives 1 / a^-e truncated toward 0 (0 for a = 0). */
inline TA int_pow(TA a, TB e)
{
    if (e < 0) return a == 1 ? 1 : a == -1 ? ((e & 1) ? -1 : 1) : 0;
    TA r = 1;
    for (; e > 0; e >>= 1) {
        if (e & 1) r = (TA)((ulong)r * (ulong)a);
        a = (TA)((ulong)a * (ulong)a);
    }
    return r;
}
#define op_pow(a, b, c) int_pow((a), (b))
#else
#define op_pow(a, b, c) pow((float)(a), (float)(b))
#endif
#define op_min(a, b, c) (((a) < (b) || (a) != (a)) ? (a) : (b))
#define op_max(a, b, c) (((a) > (b) || (a) != (a)) ? (a) : (b))
#define op_prelu(a, b, c) ((a) < 0 ? (a) * (b) : (a))
#define op_eq(a, b, c) ((a) == (b) ? 1 : 0)
#define op_ne(a, b, c) ((a) != (b) ? 1 : 0)
#define op_lt(a, b, c) ((a) < (b) ? 1 : 0)
#define op_le(a, b, c) ((a) <= (b) ? 1 : 0)
#define op_gt(a, b, c) ((a) > (b) ? 1 : 0)
#define op_ge(a, b, c) ((a) >= (b) ? 1 : 0)
#define op_and(a, b, c) (((a) != 0) & ((b) != 0))
#define op_or(a, b, c) (((a) != 0) | ((b) != 0))
#define op_xor(a, b, c) (((a) != 0) ^ ((b) != 0))
#define op_not(a, b, c) ((a) == 0 ? 1 : 0)
#define op_where(a, b, c) ((a) != 0 ? (b) : (c))
/* NaN to integer 0 explicitly: saturating conversions only "should" do it
 * (oclgrind does not). */
#define op_cast(a, b, c) (TY_INT && (a) != (a) ? (TY)0 : CONVERT(a))

/* The host merges axes and gives each input's element strides per output axis
 * (0 where it broadcasts). A work-item owns VEC consecutive outputs: it finds
 * its coordinates once, then steps them like an odometer. One program per
 * dtype combination holds every op of its arity (fewer programs to build). */
#define MAP_KERNEL(NAME)                                                             \
    kernel void map_##NAME(global const TA *a, ulong a_off, global const TB *b,      \
                           ulong b_off, global const TC *c, ulong c_off,             \
                           global TY *y, ulong y_off, int rank, ulong8 dims8,        \
                           ulong8 a_strides8, ulong8 b_strides8, ulong8 c_strides8,  \
                           ulong n)                                                  \
    {                                                                                \
        ulong start = CLNN_CHUNK_START();                                            \
        if (start >= n) return;                                                      \
        ulong dims[8], as[8], bs[8], cs[8], coord[8];                                \
        vstore8(dims8, 0, dims);                                                     \
        vstore8(a_strides8, 0, as);                                                  \
        vstore8(b_strides8, 0, bs);                                                  \
        vstore8(c_strides8, 0, cs);                                                  \
        ulong rest = start, ai = a_off, bi = b_off, ci = c_off;                      \
        for (int d = rank - 1; d >= 0; d--) {                                        \
            ulong q = rest / dims[d];                                                \
            coord[d] = rest - q * dims[d];                                           \
            ai += coord[d] * as[d];                                                  \
            bi += coord[d] * bs[d];                                                  \
            ci += coord[d] * cs[d];                                                  \
            rest = q;                                                                \
        }                                                                            \
        ulong end = min(n, start + VEC), last = rank - 1;                            \
        if (end - start == VEC && coord[last] + VEC <= dims[last]) {                 \
            /* Within one innermost row: fixed strides, a loop the compiler can     \
             * unroll and vectorize. */                                             \
            ulong sa = as[last], sb = bs[last], sc = cs[last];                       \
            for (int j = 0; j < VEC; j++) {                                          \
                TA av = a[ai + j * sa];                                              \
                TB bv = ARITY > 1 ? b[bi + j * sb] : (TB)0;                          \
                TC cv = ARITY > 2 ? c[ci + j * sc] : (TC)0;                          \
                y[y_off + start + j] = (TY)(op_##NAME(av, bv, cv));                  \
            }                                                                        \
            return;                                                                  \
        }                                                                            \
        for (ulong k = start; k < end; k++) {                                        \
            TA av = a[ai];                                                           \
            TB bv = ARITY > 1 ? b[bi] : (TB)0;                                       \
            TC cv = ARITY > 2 ? c[ci] : (TC)0;                                       \
            y[y_off + k] = (TY)(op_##NAME(av, bv, cv));                              \
            for (int d = rank - 1; d >= 0; d--) {                                    \
                ai += as[d];                                                         \
                bi += bs[d];                                                         \
                ci += cs[d];                                                         \
                if (++coord[d] < dims[d]) break;                                     \
                ai -= as[d] * dims[d];                                               \
                bi -= bs[d] * dims[d];                                               \
                ci -= cs[d] * dims[d];                                               \
                coord[d] = 0;                                                        \
            }                                                                        \
        }                                                                            \
    }

#if ARITY == 1
MAP_KERNEL(not)
MAP_KERNEL(cast)
#elif ARITY == 2
MAP_KERNEL(pow)
MAP_KERNEL(min)
MAP_KERNEL(max)
MAP_KERNEL(prelu)
MAP_KERNEL(eq)
MAP_KERNEL(ne)
MAP_KERNEL(lt)
MAP_KERNEL(le)
MAP_KERNEL(gt)
MAP_KERNEL(ge)
MAP_KERNEL(and)
MAP_KERNEL(or)
MAP_KERNEL(xor)
#else
MAP_KERNEL(where)
#endif
#endif /* ARITY */
