/* BERT's WordPiece tokenizer (clnn/text.h): vocab loading and lookup, the basic
 * tokenizer (clean-up, CJK, lower-case + strip accents, punctuation) and the
 * greedy longest-match-first WordPiece split. Host only. */
#include "../core/internal.h"
#include "../data/json.h"
#include "unicode.h"

#include <clnn/text.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORD_CHARS 100 /* longer words are [UNK], as BERT's WordPiece does */

struct clnn_tokenizer {
    char *blob;    /* the file, lines NUL-terminated in place */
    char **tokens; /* count pointers into blob */
    size_t count;
    int32_t *slots; /* open-addressing hash table of ids, -1 empty */
    size_t slot_mask;
    int32_t pad, unk, cls, sep;
};

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

/* The id of prefix + s[0, n) (prefix "" or "##"), -1 when absent. */
static int32_t lookup(const clnn_tokenizer *t, const char *prefix, const char *s, size_t n)
{
    size_t pl = strlen(prefix);
    uint64_t h = hash_bytes(hash_bytes(14695981039346656037u, prefix, pl), s, n);
    for (size_t i = (size_t)h & t->slot_mask;; i = (i + 1) & t->slot_mask) {
        int32_t id = t->slots[i];
        if (id < 0) return -1;
        const char *tok = t->tokens[id];
        if (strncmp(tok, prefix, pl) == 0 && strncmp(tok + pl, s, n) == 0 && tok[pl + n] == 0)
            return id;
    }
}

void clnn_tokenizer_free(clnn_tokenizer *tok)
{
    if (!tok) return;
    free(tok->blob);
    free(tok->tokens);
    free(tok->slots);
    free(tok);
}

/* Splits the blob into lines and checks each. */
static clnn_status split_lines(clnn_tokenizer *t, size_t size, const char *path)
{
    size_t lines = 0;
    for (size_t i = 0; i < size; i++) lines += t->blob[i] == '\n';
    if (size && t->blob[size - 1] != '\n') lines++;
    if (lines == 0) return clnn_fail(CLNN_BAD_FORMAT, "clnn_tokenizer_load: %s is empty", path);
    t->tokens = malloc(lines * sizeof *t->tokens);
    if (!t->tokens) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_tokenizer_load: out of memory");
    char *p = t->blob, *end = t->blob + size;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        if (stop > p && stop[-1] == '\r') stop--;
        *stop = 0;
        if (stop == p || memchr(p, 0, (size_t)(stop - p)))
            return clnn_fail(CLNN_BAD_FORMAT,
                             "clnn_tokenizer_load: %s line %zu is empty or holds NUL", path,
                             t->count + 1);
        if (!clnn_utf8_valid(p))
            return clnn_fail(CLNN_BAD_FORMAT, "clnn_tokenizer_load: %s line %zu is not valid UTF-8",
                             path, t->count + 1);
        t->tokens[t->count++] = p;
        p = nl ? nl + 1 : end;
    }
    return CLNN_SUCCESS;
}

static clnn_status build_index(clnn_tokenizer *t, const char *path)
{
    size_t n = 16;
    while (n < 2 * t->count) n *= 2;
    t->slots = malloc(n * sizeof *t->slots);
    if (!t->slots) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_tokenizer_load: out of memory");
    memset(t->slots, 0xff, n * sizeof *t->slots);
    t->slot_mask = n - 1;
    for (size_t id = 0; id < t->count; id++) {
        const char *s = t->tokens[id];
        if (lookup(t, "", s, strlen(s)) >= 0)
            return clnn_fail(CLNN_BAD_FORMAT,
                             "clnn_tokenizer_load: %s line %zu repeats token \"%s\"", path, id + 1,
                             s);
        size_t i = (size_t)hash_bytes(14695981039346656037u, s, strlen(s)) & t->slot_mask;
        while (t->slots[i] >= 0) i = (i + 1) & t->slot_mask;
        t->slots[i] = (int32_t)id;
    }
    static const char *const special[4] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
    int32_t *ids[4] = {&t->pad, &t->unk, &t->cls, &t->sep};
    for (int k = 0; k < 4; k++) {
        *ids[k] = lookup(t, "", special[k], strlen(special[k]));
        if (*ids[k] < 0)
            return clnn_fail(CLNN_BAD_FORMAT, "clnn_tokenizer_load: %s has no %s token", path,
                             special[k]);
    }
    return CLNN_SUCCESS;
}

clnn_status clnn_tokenizer_load(const char *vocab_path, clnn_tokenizer **out)
{
    if (!vocab_path) return clnn_fail(CLNN_NULL_POINTER, "clnn_tokenizer_load: vocab_path is NULL");
    if (!out) return clnn_fail(CLNN_NULL_POINTER, "clnn_tokenizer_load: out is NULL");
    FILE *f = fopen(vocab_path, "rb");
    if (!f)
        return clnn_fail(CLNN_IO_ERROR, "clnn_tokenizer_load: cannot open %s: %s", vocab_path,
                         strerror(errno));
    clnn_tokenizer *t = calloc(1, sizeof *t);
    size_t size = 0, cap = 0;
    clnn_status st =
        t ? CLNN_SUCCESS : clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_tokenizer_load: out of memory");
    while (st == CLNN_SUCCESS) { /* read it all; +1 byte keeps room for a final NUL */
        if (size + 1 >= cap) {
            char *b = realloc(t->blob, cap = cap ? 2 * cap : 1 << 16);
            if (!b)
                st = clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "clnn_tokenizer_load: out of memory");
            else
                t->blob = b;
            continue;
        }
        size_t got = fread(t->blob + size, 1, cap - 1 - size, f);
        size += got;
        if (got == 0) break;
    }
    if (st == CLNN_SUCCESS && ferror(f))
        st = clnn_fail(CLNN_IO_ERROR, "clnn_tokenizer_load: cannot read %s", vocab_path);
    fclose(f);
    if (st == CLNN_SUCCESS) st = split_lines(t, size, vocab_path);
    if (st == CLNN_SUCCESS) st = build_index(t, vocab_path);
    if (st != CLNN_SUCCESS) {
        clnn_tokenizer_free(t);
        return st;
    }
    *out = t;
    return CLNN_SUCCESS;
}

size_t clnn_tokenizer_vocab_size(const clnn_tokenizer *tok) { return tok ? tok->count : 0; }

int32_t clnn_tokenizer_lookup(const clnn_tokenizer *tok, const char *token)
{
    return tok && token ? lookup(tok, "", token, strlen(token)) : -1;
}

const char *clnn_tokenizer_token(const clnn_tokenizer *tok, int32_t id)
{
    return tok && id >= 0 && (size_t)id < tok->count ? tok->tokens[id] : NULL;
}

/* ------------------------------------------------------------ tokenization */

/* The word being gathered (its first MAX_WORD_CHARS + 1 characters suffice:
 * longer is [UNK] anyway) and the ids emitted so far. */
typedef struct tok_state {
    const clnn_tokenizer *t;
    char word[(MAX_WORD_CHARS + 1) * 4];
    size_t bound[MAX_WORD_CHARS + 2]; /* byte offset of each character, then the end */
    size_t chars;
    int32_t *ids;
    int count, room; /* room: pieces that fit between [CLS] and [SEP] */
} tok_state;

static void push_char(tok_state *s, uint32_t cp)
{
    if (s->chars > MAX_WORD_CHARS) return; /* already too long */
    size_t at = s->bound[s->chars];
    s->bound[++s->chars] = at + txt_utf8_encode(cp, s->word + at);
}

/* WordPiece of the gathered word: greedy longest match first. */
static void flush_word(tok_state *s)
{
    size_t n = s->chars;
    if (n == 0) return;
    s->chars = 0;
    int32_t pieces[MAX_WORD_CHARS];
    int np = 0;
    if (n > MAX_WORD_CHARS) goto unknown;
    for (size_t start = 0; start < n;) {
        size_t end = n;
        int32_t id = -1;
        for (; end > start; end--) {
            id = lookup(s->t, start ? "##" : "", s->word + s->bound[start],
                        s->bound[end] - s->bound[start]);
            if (id >= 0) break;
        }
        if (id < 0) goto unknown;
        pieces[np++] = id;
        start = end;
    }
    for (int i = 0; i < np && s->count < s->room; i++) s->ids[1 + s->count++] = pieces[i];
    return;
unknown:
    if (s->count < s->room) s->ids[1 + s->count++] = s->t->unk;
}

/* One input character through clean-up, CJK split, folding and punctuation. */
static void feed(tok_state *s, uint32_t cp)
{
    txt_class c = txt_char_class(cp);
    if (c == TXT_DROP) return;
    if (c == TXT_SPACE) {
        flush_word(s);
        return;
    }
    uint32_t f[3];
    int n = txt_fold(cp, f), cjk = txt_is_cjk(cp);
    if (cjk) flush_word(s);
    for (int i = 0; i < n; i++) {
        txt_class fc = txt_char_class(f[i]);
        if (fc == TXT_SPACE || fc == TXT_PUNCT) flush_word(s);
        if (fc == TXT_SPACE) continue;
        push_char(s, f[i]);
        if (fc == TXT_PUNCT) flush_word(s);
    }
    if (cjk) flush_word(s);
}

clnn_status clnn_tokenizer_encode(const clnn_tokenizer *tok, const char *text, int max_length,
                                  int32_t *ids, int32_t *mask, int *length)
{
    static const char fn[] = "clnn_tokenizer_encode";
    if (!tok) return clnn_fail(CLNN_NULL_POINTER, "%s: tok is NULL", fn);
    if (!text) return clnn_fail(CLNN_NULL_POINTER, "%s: text is NULL", fn);
    if (!ids) return clnn_fail(CLNN_NULL_POINTER, "%s: ids is NULL", fn);
    if (!length) return clnn_fail(CLNN_NULL_POINTER, "%s: length is NULL", fn);
    if (max_length < 2 || max_length > CLNN_TOKENIZER_MAX_LENGTH)
        return clnn_fail(CLNN_INVALID_VALUE, "%s: max_length is %d (must be in 2 .. %d)", fn,
                         max_length, CLNN_TOKENIZER_MAX_LENGTH);
    tok_state *s = malloc(sizeof *s);
    if (!s) return clnn_fail(CLNN_OUT_OF_HOST_MEMORY, "%s: out of memory", fn);
    s->t = tok, s->chars = 0, s->bound[0] = 0, s->ids = ids, s->count = 0;
    s->room = max_length - 2;
    ids[0] = tok->cls;
    const unsigned char *p = (const unsigned char *)text;
    size_t left = strlen(text);
    while (left && s->count < s->room) {
        uint32_t cp;
        size_t used = txt_utf8_decode(p, left, &cp);
        feed(s, cp);
        p += used, left -= used;
    }
    flush_word(s);
    int n = s->count + 2;
    free(s);
    ids[n - 1] = tok->sep;
    for (int i = n; i < max_length; i++) ids[i] = tok->pad;
    if (mask)
        for (int i = 0; i < max_length; i++) mask[i] = i < n;
    *length = n;
    return CLNN_SUCCESS;
}
