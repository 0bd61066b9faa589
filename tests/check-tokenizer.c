/* The WordPiece tokenizer (clnn/text.h) on a small vocabulary written by the test,
 * so the suite needs no model files: punctuation, accents, CJK, unknown words,
 * WordPiece splits, clean-up, truncation, padding, and bad vocab files. (The
 * ids of the real vocab against the reference tokenizer: check-minilm.) */
#include "harness.h"

#include <clnn/text.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char VOCAB[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n,\n!\n.\nun\n##believ\n##ab\n##ly\n"
    "want\n##ed\ncafe\ncreme\n\xe6\x9d\xb1\n\xe4\xba\xac\nis\na\ntest\ne\n-\nmail\n"
    "@\nexample\ncom\n\xe1\x84\x92\n##\xe1\x85\xa1\n##\xe1\x86\xab\nstrasse\n";

/* Writes `text` to a fresh temporary file; returns its path (freed after the test). */
static const char *temp_file(const char *text, size_t n)
{
    char *path = harness_keep(strdup("/tmp/clnn-vocab-XXXXXX"));
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, text, n), (int)n);
    close(fd);
    return path;
}

static clnn_tokenizer *load_vocab(void)
{
    const char *path = temp_file(VOCAB, sizeof VOCAB - 1);
    clnn_tokenizer *tok = NULL;
    harness_expect_ok(clnn_tokenizer_load(path, &tok));
    unlink(path);
    return tok;
}

/* Tokenizes `text` with max_length and compares the pieces, space separated,
 * with `want` (which excludes [CLS]/[SEP] and padding). */
static void expect_tokens(const clnn_tokenizer *tok, const char *text, int max_length,
                          const char *want)
{
    int32_t ids[64], mask[64];
    int len = -1;
    harness_expect_ok(clnn_tokenizer_encode(tok, text, max_length, ids, mask, &len));
    ck_assert_int_ge(len, 2);
    ck_assert_int_le(len, max_length);
    char got[512] = "";
    for (int i = 1; i < len - 1; i++) {
        if (i > 1) strcat(got, " ");
        strcat(got, clnn_tokenizer_token(tok, ids[i]));
    }
    ck_assert_msg(strcmp(got, want) == 0, "\"%s\" gave \"%s\", expected \"%s\"", text, got, want);
    ck_assert_str_eq(clnn_tokenizer_token(tok, ids[0]), "[CLS]");
    ck_assert_str_eq(clnn_tokenizer_token(tok, ids[len - 1]), "[SEP]");
    for (int i = 0; i < max_length; i++) {
        ck_assert_int_eq(mask[i], i < len);
        if (i >= len) ck_assert_int_eq(ids[i], clnn_tokenizer_lookup(tok, "[PAD]"));
    }
}

START_TEST(punctuation_splits_words)
{
    clnn_tokenizer *tok = load_vocab();
    expect_tokens(tok, "Hello, world!", 16, "hello , world !");
    expect_tokens(tok, "e-mail@example.com", 16, "e - mail @ example . com");
    expect_tokens(tok, "hello...", 16, "hello . . .");
    clnn_tokenizer_free(tok);
}
END_TEST

START_TEST(accents_and_case_fold)
{
    clnn_tokenizer *tok = load_vocab();
    expect_tokens(tok, "Caf\xc3\xa9 CR\xc3\x88ME", 16, "cafe creme");   /* precomposed */
    expect_tokens(tok, "cafe\xcc\x81 cre\xcc\x80me", 16, "cafe creme"); /* combining */
    expect_tokens(tok, "STRASSE", 16, "strasse");
    /* Hangul syllable U+D55C decomposes into jamo, which WordPiece then splits */
    expect_tokens(tok, "\xed\x95\x9c", 16, "\xe1\x84\x92 ##\xe1\x85\xa1 ##\xe1\x86\xab");
    clnn_tokenizer_free(tok);
}
END_TEST

START_TEST(cjk_characters_are_words)
{
    clnn_tokenizer *tok = load_vocab();
    expect_tokens(tok,
                  "\xe6\x9d\xb1\xe4\xba\xac"
                  "is a test",
                  16, "\xe6\x9d\xb1 \xe4\xba\xac is a test");
    clnn_tokenizer_free(tok);
}
END_TEST

START_TEST(wordpiece_and_unknown_words)
{
    clnn_tokenizer *tok = load_vocab();
    expect_tokens(tok, "unbelievably wanted", 16, "un ##believ ##ab ##ly want ##ed");
    /* a word with an unmatched part is [UNK] as a whole; so is an emoji */
    expect_tokens(tok, "unbelievablyx hello \xf0\x9f\x98\x80", 16, "[UNK] hello [UNK]");
    char longword[160];
    memset(longword, 'a', 101);
    strcpy(longword + 101, " a");
    expect_tokens(tok, longword, 16, "[UNK] a"); /* over 100 characters */
    clnn_tokenizer_free(tok);
}
END_TEST

START_TEST(whitespace_controls_and_bad_utf8)
{
    clnn_tokenizer *tok = load_vocab();
    /* tab/newline/NBSP separate; BEL, zero-width space, soft hyphen and an
     * invalid byte are removed without separating */
    expect_tokens(tok, "\t hello\a\xe2\x80\x8b\n\xc2\xa0wor\xffld test \xc2\xad", 16,
                  "hello world test");
    expect_tokens(tok, "hel\alo", 16, "hello");
    clnn_tokenizer_free(tok);
}
END_TEST

START_TEST(empty_truncation_and_padding)
{
    clnn_tokenizer *tok = load_vocab();
    expect_tokens(tok, "", 8, "");
    expect_tokens(tok, " \t\n ", 8, "");
    expect_tokens(tok, "hello", 2, "");
    char text[2000] = "";
    for (int i = 0; i < 300; i++) strcat(text, "hello ");
    expect_tokens(tok, text, 7, "hello hello hello hello hello");
    /* a word cut by truncation keeps its first pieces */
    expect_tokens(tok, "a unbelievably", 5, "a un ##believ");
    int32_t ids[CLNN_TOKENIZER_MAX_LENGTH];
    int len;
    harness_expect_ok(clnn_tokenizer_encode(tok, text, CLNN_TOKENIZER_MAX_LENGTH, ids, NULL, &len));
    ck_assert_int_eq(len, 302);
    clnn_tokenizer_free(tok);
}
END_TEST

START_TEST(lookup_and_token)
{
    clnn_tokenizer *tok = load_vocab();
    ck_assert_uint_eq(clnn_tokenizer_vocab_size(tok), 32);
    ck_assert_int_eq(clnn_tokenizer_lookup(tok, "[CLS]"), 2);
    ck_assert_int_eq(clnn_tokenizer_lookup(tok, "##ly"), 12);
    ck_assert_int_eq(clnn_tokenizer_lookup(tok, "nope"), -1);
    ck_assert_int_eq(clnn_tokenizer_lookup(tok, NULL), -1);
    ck_assert_ptr_null(clnn_tokenizer_token(tok, 32));
    ck_assert_ptr_null(clnn_tokenizer_token(tok, -1));
    ck_assert_str_eq(clnn_tokenizer_token(tok, 4), "hello");
    ck_assert_uint_eq(clnn_tokenizer_vocab_size(NULL), 0);
    clnn_tokenizer_free(tok);
    clnn_tokenizer_free(NULL);
}
END_TEST

/* A vocab file that must be rejected with `want`, the message naming `needle`. */
static void expect_bad_vocab(const char *text, size_t n, clnn_status want, const char *needle)
{
    const char *path = temp_file(text, n);
    clnn_tokenizer *tok = (clnn_tokenizer *)harness_keep(malloc(1)), *before = tok;
    harness_expect_error(clnn_tokenizer_load(path, &tok), want, needle);
    ck_assert_ptr_eq(tok, before);
    unlink(path);
}

START_TEST(bad_vocab_files)
{
    expect_bad_vocab("", 0, CLNN_BAD_FORMAT, "empty");
    expect_bad_vocab("[PAD]\n[UNK]\n[CLS]\n", 18, CLNN_BAD_FORMAT, "[SEP]");
    expect_bad_vocab("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nhello\n", 36, CLNN_BAD_FORMAT,
                     "line 6 repeats");
    expect_bad_vocab("[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n", 25, CLNN_BAD_FORMAT, "line 3");
    expect_bad_vocab("[PAD]\n[UNK]\n[CLS]\n[SEP]\n\xff\xfe\n", 27, CLNN_BAD_FORMAT, "UTF-8");
    expect_bad_vocab("[PAD]\n[UNK]\n[C\0S]\n[SEP]\n", 24, CLNN_BAD_FORMAT, "line 3");
    clnn_tokenizer *tok = NULL;
    harness_expect_error(clnn_tokenizer_load("/nonexistent/vocab.txt", &tok), CLNN_IO_ERROR,
                         "/nonexistent/vocab.txt");
    harness_expect_error(clnn_tokenizer_load(NULL, &tok), CLNN_NULL_POINTER, "vocab_path");
    harness_expect_error(clnn_tokenizer_load("/tmp", NULL), CLNN_NULL_POINTER, "out");
    ck_assert_ptr_null(tok);
    /* CRLF line ends are accepted */
    const char *path = temp_file("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello", 33);
    harness_expect_ok(clnn_tokenizer_load(path, &tok));
    ck_assert_int_eq(clnn_tokenizer_lookup(tok, "hello"), 4);
    clnn_tokenizer_free(tok);
    unlink(path);
}
END_TEST

START_TEST(bad_encode_arguments)
{
    clnn_tokenizer *tok = load_vocab();
    int32_t ids[8], mask[8];
    int len = -7;
    for (int i = 0; i < 8; i++) ids[i] = mask[i] = -5;
    harness_expect_error(clnn_tokenizer_encode(NULL, "a", 8, ids, mask, &len), CLNN_NULL_POINTER,
                         "tok");
    harness_expect_error(clnn_tokenizer_encode(tok, NULL, 8, ids, mask, &len), CLNN_NULL_POINTER,
                         "text");
    harness_expect_error(clnn_tokenizer_encode(tok, "a", 8, NULL, mask, &len), CLNN_NULL_POINTER,
                         "ids");
    harness_expect_error(clnn_tokenizer_encode(tok, "a", 8, ids, mask, NULL), CLNN_NULL_POINTER,
                         "length");
    harness_expect_error(clnn_tokenizer_encode(tok, "a", 1, ids, mask, &len), CLNN_INVALID_VALUE,
                         "max_length");
    harness_expect_error(
        clnn_tokenizer_encode(tok, "a", CLNN_TOKENIZER_MAX_LENGTH + 1, ids, mask, &len),
        CLNN_INVALID_VALUE, "max_length");
    for (int i = 0; i < 8; i++) ck_assert(ids[i] == -5 && mask[i] == -5);
    ck_assert_int_eq(len, -7);
    clnn_tokenizer_free(tok);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tokenizer");
    TCase *tc = harness_tcase(s, "basic");
    tcase_add_test(tc, punctuation_splits_words);
    tcase_add_test(tc, accents_and_case_fold);
    tcase_add_test(tc, cjk_characters_are_words);
    tcase_add_test(tc, whitespace_controls_and_bad_utf8);
    tc = harness_tcase(s, "wordpiece");
    tcase_add_test(tc, wordpiece_and_unknown_words);
    tcase_add_test(tc, empty_truncation_and_padding);
    tcase_add_test(tc, lookup_and_token);
    tc = harness_tcase(s, "bad-input");
    tcase_add_test(tc, bad_vocab_files);
    tcase_add_test(tc, bad_encode_arguments);
    return harness_main(s);
}
