/* Activation forward and backward, specialised by -DACT=k (see common.clh).
 * One work-item owns VEC consecutive elements; offsets are in elements. */

kernel void activation_forward(global const float *x, ulong x_off, global float *y,
                               ulong y_off, ulong n, float alpha, float beta)
{
    ulong i = CLNN_CHUNK_START();
    x += x_off + i;
    y += y_off + i;
    if (i + VEC <= n) {
        VSTORE(act_forward_v(VLOAD(0, x), alpha, beta), 0, y);
    } else {
        for (ulong j = 0; i + j < n; j++) y[j] = act_forward(x[j], alpha, beta);
    }
}

kernel void activation_backward(global const float *x, ulong x_off, global const float *dy,
                                ulong dy_off, global float *dx, ulong dx_off, ulong n,
                                float alpha, float beta)
{
    ulong i = CLNN_CHUNK_START();
    x += x_off + i;
    dy += dy_off + i;
    dx += dx_off + i;
    if (i + VEC <= n) {
        VSTORE(act_backward_v(VLOAD(0, x), VLOAD(0, dy), alpha, beta), 0, dx);
    } else {
        for (ulong j = 0; i + j < n; j++) dx[j] = act_backward(x[j], dy[j], alpha, beta);
    }
}
