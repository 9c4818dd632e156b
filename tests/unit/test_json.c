/* Unit tests for cli/json.c (included directly: the CLI is not a library). */
#include "../../cli/json.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

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
