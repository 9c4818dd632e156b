/* Unit tests for cli/json.c (included directly: the CLI is not a library). */
#include "../../cli/json.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *enc(const char *s, size_t n)
{
    static char out[JSON_STRING_MAX(64) + 1];
    size_t len = json_string(out, s, n);
    out[len] = '\0';
    return out;
}
#define ENC(lit) enc(lit, sizeof(lit) - 1)

Test(json, plain_and_escapes)
{
    cr_assert_str_eq(ENC("hello"), "\"hello\"");
    cr_assert_str_eq(ENC(""), "\"\"");
    cr_assert_str_eq(ENC("a\"b\\c"), "\"a\\\"b\\\\c\"");
    cr_assert_str_eq(ENC("\t\r\n"), "\"\\t\\r\\n\"");
    cr_assert_str_eq(ENC("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
    cr_assert_str_eq(ENC("nul\0x"), "\"nul\\u0000x\"");
}

Test(json, utf8_passes_and_invalid_bytes_are_surrogate_escaped)
{
    cr_assert_str_eq(ENC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    cr_assert_str_eq(ENC("\xff"), "\"\\udcff\"");
    cr_assert_str_eq(ENC("\xc3"), "\"\\udcc3\"", "truncated sequence");
    cr_assert_str_eq(ENC("\xc0\xaf"), "\"\\udcc0\\udcaf\"", "overlong");
    cr_assert_str_eq(ENC("\xed\xa0\x80"), "\"\\udced\\udca0\\udc80\"", "encoded surrogate");
    cr_assert_str_eq(ENC("\xf4\x90\x80\x80"), "\"\\udcf4\\udc90\\udc80\\udc80\"", "> U+10FFFF");
}

Test(json, python_decodes_back_to_the_bytes)
{
    /* A real JSON parser agrees: python3's json module. */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char out[JSON_STRING_MAX(256)];
    size_t len = json_string(out, (const char *)all, sizeof all);
    FILE *p = popen("python3 -c 'import json,sys; "
                    "s=json.loads(sys.stdin.buffer.read()); "
                    "sys.exit(0 if s.encode(\"utf-8\",\"surrogateescape\")==bytes(range(256)) "
                    "else 1)'",
                    "w");
    cr_assert_not_null(p);
    cr_assert_eq(fwrite(out, 1, len, p), len);
    int st = pclose(p);
    cr_assert_eq(st, 0, "python3 could not decode: %.*s", (int)len, out);
}

/* The encoding straight from its rules, a byte at a time: what the block
 * encoder must give, byte for byte. */
static size_t reference(char *out, const unsigned char *s, size_t n)
{
    char *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                     : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4
                                              : 0;
        uint32_t cp = len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
        for (size_t k = 1; k < len; k++) {
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80) {
                len = 0;
                break;
            }
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        if (len && (cp < (len == 2   ? 0x80u
                          : len == 3 ? 0x800u
                                     : 0x10000u) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
            len = 0;
        if (len) {
            memcpy(o, s + i, len);
            o += len;
            i += len;
            continue;
        }
        if (c == '"' || c == '\\')
            o += sprintf(o, "\\%c", c);
        else if (c == '\n')
            o += sprintf(o, "\\n");
        else if (c == '\t')
            o += sprintf(o, "\\t");
        else if (c == '\r')
            o += sprintf(o, "\\r");
        else if (c < 0x20)
            o += sprintf(o, "\\u%04x", c);
        else if (c >= 0x80)
            o += sprintf(o, "\\udc%02x", c);
        else
            *o++ = (char)c;
        i++;
    }
    *o++ = '"';
    return (size_t)(o - out);
}

/* Encodes s[0..n) from a buffer of exactly n bytes into one of exactly
 * JSON_STRING_MAX(n) (so that ASan sees any access past either) and
 * compares with the reference. */
static void expect_reference(const unsigned char *s, size_t n)
{
    unsigned char *in = malloc(n ? n : 1);
    char *out = malloc(JSON_STRING_MAX(n));
    char *want = malloc(6 * n + 2);
    cr_assert(in && out && want);
    memcpy(in, s, n);
    size_t len = json_string(out, (const char *)in, n);
    size_t want_len = reference(want, in, n);
    cr_assert(len == want_len && memcmp(out, want, len) == 0, "n=%zu: %.*s, want %.*s", n, (int)len,
              out, (int)want_len, want);
    free(in);
    free(out);
    free(want);
}

Test(json, one_special_at_every_place_of_every_length)
{
    /* Every length around the block sizes, every position: the fast path,
     * the last bytes taken with the blocks before them, and short inputs. */
    static const char *specials[] = {"\"",   "\\",       "\n",           "\x01",
                                     "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                     "\xff", "\xe2\x82"};
    unsigned char s[80];
    for (size_t n = 0; n <= sizeof s; n++) {
        for (size_t at = 0; at < n; at++) {
            for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
                memset(s, 'a', n);
                size_t l = strlen(specials[k]);
                memcpy(s + at, specials[k], at + l <= n ? l : n - at);
                expect_reference(s, n);
            }
        }
        memset(s, 'a', n);
        expect_reference(s, n);
    }
}

Test(json, random_mixes_match_the_reference)
{
    static const char *pieces[] = {"\"",
                                   "\\",
                                   "\t",
                                   "\r",
                                   "\n",
                                   "\x1f",
                                   "\xc3\xa9",
                                   "\xdf\xbf",
                                   "\xe2\x82\xac",
                                   "\xef\xbf\xbf",
                                   "\xf4\x8f\xbf\xbf",
                                   "\xc0\xaf",
                                   "\xed\xa0\x80",
                                   "\xf4\x90\x80\x80",
                                   "\xe0\x9f\xbf",
                                   "\x80"};
    uint64_t seed = 0x9e3779b97f4a7c15u;
    unsigned char s[300];
    for (int round = 0; round < 20000; round++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        size_t n = seed % sizeof s, i = 0;
        unsigned odds = 1 + (unsigned)(seed >> 20) % 64; /* one piece in odds */
        while (i < n) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            if (seed % odds) {
                s[i++] = (unsigned char)(' ' + (seed >> 8) % 95);
            } else if ((seed >> 8) % 4 == 0) {
                s[i++] = (unsigned char)(seed >> 16); /* any byte */
            } else {
                const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
                for (size_t k = 0; p[k] && i < n; k++)
                    s[i++] = (unsigned char)p[k];
            }
        }
        expect_reference(s, n);
    }
}
