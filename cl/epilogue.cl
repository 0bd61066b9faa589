/* Fused epilogues run on an op's output in place: y = act(y + bias), specialised
 * by -DACT=k (see common.clh) and -DHAS_BIAS=0/1.
 *
 * The output is viewed as rows x inner (contiguous). bias_act_rows adds one bias
 * per row, repeating every `channels` rows (NCHW: rows = N*C, inner = H*W);
 * bias_act_cols adds bias[j] to column j ([N, C] from a dense layer). A work-item
 * owns VEC consecutive elements of one row. */

#ifndef HAS_BIAS
#define HAS_BIAS 1
#endif

kernel void bias_act_rows(global float *y, ulong y_off, global const float *bias,
                          ulong bias_off, ulong rows, ulong channels, ulong inner,
                          float alpha, float beta)
{
    ulong chunks_per_row = (inner + VEC - 1) / VEC;
    ulong chunk = get_global_id(0);
    if (chunk >= rows * chunks_per_row) return;
    ulong row = chunk / chunks_per_row;
    ulong col = (chunk - row * chunks_per_row) * VEC;
    float b = HAS_BIAS ? bias[bias_off + row % channels] : 0.0f;
    y += y_off + row * inner + col;
    if (col + VEC <= inner) {
        VSTORE(act_forward_v(VLOAD(0, y) + b, alpha, beta), 0, y);
    } else {
        for (ulong j = 0; col + j < inner; j++) y[j] = act_forward(y[j] + b, alpha, beta);
    }
}

kernel void bias_act_cols(global float *y, ulong y_off, global const float *bias,
                          ulong bias_off, ulong rows, ulong inner, float alpha, float beta)
{
    ulong chunks_per_row = (inner + VEC - 1) / VEC;
    ulong chunk = get_global_id(0);
    if (chunk >= rows * chunks_per_row) return;
    ulong row = chunk / chunks_per_row;
    ulong col = (chunk - row * chunks_per_row) * VEC;
    y += y_off + row * inner + col;
    bias += bias_off + col;
    if (col + VEC <= inner) {
        VFLOAT b = HAS_BIAS ? VLOAD(0, bias) : (VFLOAT)(0.0f);
        VSTORE(act_forward_v(VLOAD(0, y) + b, alpha, beta), 0, y);
    } else {
        for (ulong j = 0; col + j < inner; j++)
            y[j] = act_forward(y[j] + (HAS_BIAS ? bias[j] : 0.0f), alpha, beta);
    }
}
