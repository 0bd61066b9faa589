/* Lookups in the generated Unicode tables, Hangul decomposition by formula,
 * and UTF-8 coding. */
#include "unicode.h"

txt_class txt_char_class(uint32_t cp)
{
    /* the last run starting at or before cp */
    size_t lo = 0, hi = txt_class_run_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((txt_class_runs[mid] >> 3) <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return (txt_class)(txt_class_runs[lo] & 7u);
}

int txt_is_cjk(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

int txt_fold(uint32_t cp, uint32_t out[3])
{
    if (cp >= 0xAC00 && cp <= 0xD7A3) { /* Hangul syllable: NFD gives 2 or 3 jamo */
        uint32_t s = cp - 0xAC00, t = s % 28;
        out[0] = 0x1100 + s / (21 * 28);
        out[1] = 0x1161 + (s % (21 * 28)) / 28;
        if (t == 0) return 2;
        out[2] = 0x11A7 + t;
        return 3;
    }
    if (txt_char_class(cp) == TXT_MARK) return 0;
    size_t lo = 0, hi = txt_fold_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (txt_fold_table[mid][0] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == txt_fold_count || txt_fold_table[lo][0] != cp) {
        out[0] = cp;
        return 1;
    }
    int n = 0;
    for (int i = 1; i < 4 && txt_fold_table[lo][i]; i++) out[n++] = txt_fold_table[lo][i];
    return n;
}

size_t txt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    if (len == 0 || len > n) goto bad;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) goto bad;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    /* overlong forms, surrogates and values past U+10FFFF are invalid */
    static const uint32_t min_of[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_of[len] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) goto bad;
    *cp = v;
    return len;
bad:
    *cp = 0xFFFD;
    return 1;
}

size_t txt_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
