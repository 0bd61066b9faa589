/*
 * clnn/rnn.h: recurrent layers over a whole sequence (ONNX RNN, LSTM and GRU,
 * float32), forward (inference or training) and backward through time.
 *
 * Shapes, with D = 1 or 2 directions, G gates (simple RNN 1, LSTM 4 in the
 * order i o f c, GRU 3 in the order z r h) and L = num_layers stacked layers
 * (ONNX layout 0, time-major; rnn->batch_major = 1 gives ONNX layout 1):
 *                 time-major        batch-major
 *   x             [T, N, I]         [N, T, I]      input sequence
 *   w[l]          [D, G*H, I_l]                    input weights
 *   r[l]          [D, G*H, H]                      recurrent weights
 *   b[l]          [D, 2*G*H]                       biases Wb then Rb (optional: zero)
 *   p[l]          [D, 3*H]                         LSTM peepholes i o f (optional: zero)
 *   h0, c0        [L*D, N, H]       [N, L*D, H]    initial hidden / LSTM cell state
 *                                                  (optional: zero)
 *   y             [T, D, N, H]      [N, T, D, H]   last layer's hidden states (optional)
 *   y_h, y_c      [L*D, N, H]       [N, L*D, H]    final hidden / LSTM cell state
 *                                                  (optional)
 * w, r, b and p point to arrays of L operands, one per layer (the first element
 * when L is 1): layer 0 has I_0 = I, layer l > 0 has I_l = D*H and reads layer
 * l-1's hidden states as its input (both directions concatenated, forward
 * first, per (t, n)). States are indexed by l*D + d (layer l, direction d), as
 * cuDNN and PyTorch stack them. Direction 0 runs forward in time, direction 1
 * (bidirectional) backward; with CLNN_RNN_REVERSE the single direction runs
 * backward. Batch-major costs nothing extra: the kernels and GEMMs address x, y
 * and the states with strides, no transposes.
 *
 * Dropout between layers (rnn->dropout_ratio > 0, L > 1, training forward
 * only): the output of each layer l < L-1, i.e. the input of layer l+1, becomes
 * y_l * mask / (1 - ratio), as clnn_dropout_forward does; the last layer's y,
 * the final states y_h / y_c (taken before dropout) and layer 0's input are
 * never dropped, a single layer has nothing to drop, and an inference forward
 * applies no dropout (as PyTorch's nn.LSTM `dropout`). Layer l's mask is the
 * stream of include/clnn/dropout.h with rnn->dropout_seed, element i taking counter
 * dropout_offset + l*T*N*D*H + i, where i is the element's row-major index in
 * layer l's output seen as [T, N, D*H] (batch-major: [N, T, D*H]). A training
 * loop that wants fresh masks advances dropout_offset by (L-1)*T*N*D*H per
 * call. The backward pass regenerates the same masks from the counters (they
 * are not stored), so it must see the same seed, offset and ratio.
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
 * reverse direction starts at the entry's own last step. The array is read
 * during the call and passed to the device as kernel arguments (no host wait);
 * it may be reused as soon as the call returns. The same lengths apply to every
 * layer of a stack.
 *
 * Memory (cuDNN style): a workspace (clnn_rnn_workspace_size, enough for forward
 * and backward) and, for training, a reserve (clnn_rnn_reserve_size) that the
 * forward pass fills and the backward pass reads; the reserve must be kept
 * unchanged in between. Inference needs no reserve. Both sizes cover the whole
 * stack: the intermediate layer outputs live in the reserve (training, after
 * dropout) or in the workspace (inference). The forward pass projects every
 * step's input with one GEMM; then, on devices with dedicated local memory
 * (GPUs), each step runs one recurrent GEMM and one gate kernel, while on
 * devices that emulate it (CPUs) each step is one kernel that does the
 * recurrent product and the gates together (GRU with linear_before_reset 0:
 * two of each). The backward pass runs one gate kernel and one GEMM per step.
 * Nothing waits for the device inside the time loop. The workspace includes,
 * per layer, R transposed (D*G*H*H floats) and two [N, H] hidden states for
 * the fused kernels, whichever path runs, so its size depends only on rnn and
 * x_desc.
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

/* What the layer (stack) is; every field is checked (CLNN_INVALID_VALUE
 * otherwise). A descriptor zeroed before its fields are set (memset or
 * `= {...}`) is one time-major layer without dropout. */
typedef struct clnn_rnn_desc {
    clnn_rnn_mode mode;
    int hidden_size;                /* H >= 1                                    */
    clnn_rnn_direction direction;
    clnn_activation activation;     /* simple RNN: CLNN_ACTIVATION_TANH or _RELU;
                                       ignored by LSTM and GRU                   */
    int linear_before_reset;        /* GRU: 0 or 1 (ONNX attribute)              */
    float clip;                     /* 0: none; else > 0 (ONNX `clip`)           */
    int num_layers;                 /* L: 0 or 1 one layer; L >= 1 stacked        */
    int batch_major;                /* 0: time-major; 1: ONNX layout 1            */
    float dropout_ratio;            /* in [0, 1): between layers, training only  */
    uint64_t dropout_seed;          /* Philox key (include/clnn/dropout.h)        */
    uint64_t dropout_offset;        /* stream position of layer 0's mask          */
} clnn_rnn_desc;

/* One operand: descriptor, buffer and byte offset. An optional operand is
 * passed as a NULL pointer to this struct. */
typedef struct clnn_rnn_tensor {
    const clnn_tensor_desc *desc;
    cl_mem mem;
    size_t offset;
} clnn_rnn_tensor;

/* Bytes of workspace clnn_rnn_forward and clnn_rnn_backward need for `rnn` on an
 * input of shape x_desc ([T, N, I], batch-major [N, T, I]). */
CLNN_API clnn_status clnn_rnn_workspace_size(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                             const clnn_tensor_desc *x_desc, size_t *bytes);

/* Bytes of reserve a training forward pass fills for the backward pass. */
CLNN_API clnn_status clnn_rnn_reserve_size(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                           const clnn_tensor_desc *x_desc, size_t *bytes);

/* Runs the layer over the whole sequence. x, w and r are required, the rest
 * optional (NULL). training != 0 fills `reserve` (then required, at least
 * clnn_rnn_reserve_size bytes); training == 0 ignores reserve (may be NULL).
 * Statuses: CLNN_NULL_POINTER (ctx, rnn, a required operand or its buffer, an
 * element of w r b p arrays), CLNN_INVALID_VALUE (descriptor fields, among them
 * num_layers < 0, batch_major not 0 or 1, dropout_ratio outside [0, 1); ranks, a
 * sequence length outside [0, T], ranges outside buffers), CLNN_SHAPE_MISMATCH
 * (operands that do not fit x, H and L, e.g. w's G*H or D, a layer's weights,
 * named "w[l]" in stacks, or h0 without L*D states), CLNN_INSUFFICIENT_WORKSPACE
 * (workspace or reserve too small; the message says which). */
CLNN_API clnn_status clnn_rnn_forward(clnn_context_t ctx, const clnn_rnn_desc *rnn,
                                      int training, const int32_t *seq_lens,
                                      const clnn_rnn_tensor *x, const clnn_rnn_tensor *w,
                                      const clnn_rnn_tensor *r, const clnn_rnn_tensor *b,
                                      const clnn_rnn_tensor *p, const clnn_rnn_tensor *h0,
                                      const clnn_rnn_tensor *c0, const clnn_rnn_tensor *y,
                                      const clnn_rnn_tensor *y_h, const clnn_rnn_tensor *y_c,
                                      cl_mem workspace, size_t workspace_size,
                                      cl_mem reserve, size_t reserve_size);

/* Backward through time (and through the stack, undoing the dropout between
 * layers) after a training forward with the same rnn, seq_lens, x, w, r, p and
 * reserve. dy (shape of y), dy_h and dy_c (shape of y_h) are the gradients of
 * the outputs (optional: zero). Gradients written (overwritten, not
 * accumulated; each optional): dx (shape of x), dw, dr, db, dp (arrays of L
 * like w, r, b, p), dh0, dc0 (shape of h0). Without p, dp is zero. Statuses as
 * forward. */
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
