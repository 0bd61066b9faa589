/* The sentence encoder's state (clnn/text.h), shared by its loader
 * (minilm_load.c) and its forward pass (minilm.c). */
#ifndef CLNN_TEXT_MINILM_H
#define CLNN_TEXT_MINILM_H

#include "../core/internal.h"

#include <clnn/activation.h>
#include <clnn/text.h>

#define MINILM_MAX_LENGTH 128 /* the length all-MiniLM-L6-v2 was trained with */

/* Float offsets of one encoder layer's parameters in the weight buffer; Linear
 * weights are stored [in, out]. */
typedef struct minilm_layer {
    size_t w[4], b[4]; /* query, key, value, attention output (CLNN_MHA_Q..O) */
    size_t ln1_g, ln1_b, w1, b1, w2, b2, ln2_g, ln2_b;
} minilm_layer;

struct clnn_sentence_encoder {
    clnn_context_t ctx;
    clnn_tokenizer *tok;
    int E, H, F, L, V, P; /* hidden, heads, feed-forward, layers, vocab, positions */
    float eps;
    clnn_activation act;
    cl_mem weights;                           /* every parameter, float32 */
    size_t word, pos, emb_g, emb_b, l2_scale; /* pos holds position + token type 0 */
    minilm_layer *layers;
    cl_mem run; /* activations and scratch of the last batch size */
    size_t run_bytes;
};

/* Reads config.json, model.safetensors and vocab.txt of `dir` into `enc`
 * (ctx set); on failure frees what it made. */
clnn_status minilm_load(clnn_sentence_encoder *enc, const char *dir);

#endif
