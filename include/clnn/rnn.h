/*
 * clnn/rnn.h: recurrent layers over a whole sequence (ONNX RNN, LSTM and GRU,
 * float32), forward (inference or training) and backward through time.
 *
 * Shapes (ONNX, layout 0, time-major), with D = 1 or 2 directions and G gates
 * (simple RNN 1, LSTM 4 in the order i o f c, GRU 3 in the order z r h):
 *   x   [T, N, I]          input sequence
 *   w   [D, G*H, I]        input weights
 *   r   [D, G*H, H]        recurrent weights
 *   b   [D, 2*G*H]         biases Wb then Rb (optional: zero)
 *   p   [D, 3*H]           LSTM peepholes in the order i o f (optional: zero)
 *   h0  [D, N, H]          initial hidden state (optional: zero)
 *   c0  [D, N, H]          LSTM initial cell state (optional: zero)
 *   y   [T, D, N, H]       every hidden state (optional)
 *   y_h [D, N, H]          final hidden state (optional)
 *   y_c [D, N, H]          LSTM final cell state (optional)
 * Direction 0 runs forward in time, direction 1 (bidirectional) backward; with
 * CLNN_RNN_REVERSE the single direction runs backward.
 * Batch-major input (ONNX layout 1) is not handled here: transpose with
 * clnn_transpose. Stacks of layers are the caller's: call once per layer with the
 * previous layer's y (seen as [T, N, D*H]) as x.
 *
 * Equations (f = sigmoid, g = h = tanh, as the ONNX defaults):
 *   RNN:  h_t = act(W x_t + R h_{t-1} + Wb + Rb), act tanh or relu
 *   LSTM: i = f(Wi x + Ri h + Pi.c_{t-1} + b), f_ = f(Wf x + Rf h + Pf.c_{t-1} + b),
 *         c~ = g(Wc x + Rc h + b), c_t = f_.c_{t-1} + i.c~,
 *         o = f(Wo x + Ro h + Po.c_t + b), h_t = o.h(c_t)
 *   GRU:  z = f(Wz x + Rz h + b), r = f(Wr x + Rr h + b),
 *         linear_before_reset 0: h~ = g(Wh x + Rh (r.h_{t-1}) + Rbh + Wbh)
 *         linear_before_reset 1: h~ = g(Wh x + r.(Rh h_{t-1} + Rbh) + Wbh)
 *         h_t = (1 - z).h~ + z.h_{t-1}
 * clip > 0 clamps every gate pre-activation to [-clip, clip] (ONNX `clip`); the
 * backward pass gives zero gradient where a gate saturated at the clip bound.
 *
 * Sequence lengths: `seq_lens` (host array of N int32, or NULL for all T) gives
 * each batch entry's length in [0, T]. Outputs y past an entry's end are zero, its
 * final state is the state after its own last step (h0 for length 0), and the
 * reverse direction starts at the entry's own last step. The array is copied to
 * the device at the start of the call (a blocking write, only when not NULL).
 *
 * Memory (cuDNN style): a workspace (clnn_rnn_workspace_size, enough for forward
 * and backward) and, for training, a reserve (clnn_rnn_reserve_size) that the
 * forward pass fills and the backward pass reads; the reserve must be kept
 * unchanged in between. Inference needs no reserve. Each step runs one recurrent
 * GEMM and one fused gate kernel (GRU with linear_before_reset 0: two of each);
 * nothing waits for the device inside the time loop.
 */
#ifndef CLNN_RNN_H
#define CLNN_RNN_H

#include <clnn/core.h>
#include <clnn/activation.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clnn_rnn_mode {
    CLNN_RNN_SIMPLE = 0, /* one gate, activation tanh or relu */
    CLNN_RNN_LSTM = 1,
    CLNN_RNN_GRU = 2
} clnn_rnn_mode;

typedef enum clnn_rnn_direction {
    CLNN_RNN_FORWARD = 0,
    CLNN_RNN_REVERSE = 1,
    CLNN_RNN_BIDIRECTIONAL = 2
} clnn_rnn_direction;

/* What the layer is; every field is checked (CLNN_INVALID_VALUE otherwise). */
typedef struct clnn_rnn_desc {
    clnn_rnn_mode mode;
    int hidden_size;                /* H >= 1                                    */
    clnn_rnn_direction direction;
    clnn_activation activation;     /* simple RNN: CLNN_ACTIVATION_TANH or _RELU;
                                       ignored by LSTM and GRU                   */
    int linear_before_reset;        /* GRU: 0 or 1 (ONNX attribute)              */
    float clip;                     /* 0: none; else > 0 (ONNX `clip`)           */
} clnn_rnn_desc;

/* One operand: descriptor, buffer and byte offset. An optional operand is
 * passed as a NULL pointer to this struct. */
typedef struct clnn_rnn_tensor {
    const clnn_tensor_desc *desc;
    cl_mem mem;
    size_t offset;
} clnn_rnn_tensor;

/* Bytes of workspace clnn_rnn_forward and clnn_rnn_backward need for `rnn` on an
 * input of shape x_desc [T, N, I]. */
CLNN_API clnn_status clnn_rnn_workspace_size(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                             const clnn_tensor_desc *x_desc, size_t *bytes);

/* Bytes of reserve a training forward pass fills for the backward pass. */
CLNN_API clnn_status clnn_rnn_reserve_size(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                           const clnn_tensor_desc *x_desc, size_t *bytes);

/* Runs the layer over the whole sequence. x, w and r are required, the rest
 * optional (NULL). training != 0 fills `reserve` (then required, at least
 * clnn_rnn_reserve_size bytes); training == 0 ignores reserve (may be NULL).
 * Statuses: CLNN_NULL_POINTER (ctx, rnn, a required operand or its buffer),
 * CLNN_INVALID_VALUE (descriptor fields, ranks, a sequence length outside
 * [0, T], ranges outside buffers), CLNN_SHAPE_MISMATCH (operands that do not fit
 * x and H, e.g. w's G*H or D), CLNN_INSUFFICIENT_WORKSPACE (workspace or reserve
 * too small; the message says which). */
CLNN_API clnn_status clnn_rnn_forward(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                      int training, const int32_t *seq_lens,
                                      const clnn_rnn_tensor *x, const clnn_rnn_tensor *w,
                                      const clnn_rnn_tensor *r, const clnn_rnn_tensor *b,
                                      const clnn_rnn_tensor *p, const clnn_rnn_tensor *h0,
                                      const clnn_rnn_tensor *c0, const clnn_rnn_tensor *y,
                                      const clnn_rnn_tensor *y_h, const clnn_rnn_tensor *y_c,
                                      cl_mem workspace, size_t workspace_size,
                                      cl_mem reserve, size_t reserve_size);

/* Backward through time after a training forward with the same rnn, seq_lens,
 * x, w, r, p and reserve. dy [T, D, N, H], dy_h and dy_c [D, N, H] are the
 * gradients of the outputs (optional: zero). Gradients written (overwritten,
 * not accumulated; each optional): dx [T, N, I], dw, dr, db, dp (shapes of w, r,
 * b, p), dh0, dc0 [D, N, H]. Without p, dp is zero. Statuses as forward. */
CLNN_API clnn_status clnn_rnn_backward(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                       const int32_t *seq_lens, const clnn_rnn_tensor *x,
                                       const clnn_rnn_tensor *w, const clnn_rnn_tensor *r,
                                       const clnn_rnn_tensor *p, const clnn_rnn_tensor *dy,
                                       const clnn_rnn_tensor *dy_h,
                                       const clnn_rnn_tensor *dy_c, const clnn_rnn_tensor *dx,
                                       const clnn_rnn_tensor *dw, const clnn_rnn_tensor *dr,
                                       const clnn_rnn_tensor *db, const clnn_rnn_tensor *dp,
                                       const clnn_rnn_tensor *dh0,
                                       const clnn_rnn_tensor *dc0, cl_mem workspace,
                                       size_t workspace_size, cl_mem reserve,
                                       size_t reserve_size);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_RNN_H */
