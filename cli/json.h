/* json.h - JSON string encoding of arbitrary bytes, for --output=json.
 *
 * Every output is a valid JSON string literal, whatever the input:
 * '"', '\\' and control characters are escaped; valid UTF-8 passes through;
 * each byte that is not part of valid UTF-8 becomes a lone low surrogate
 * \udc80..\udcff (Python's "surrogateescape"), so the exact bytes can be
 * recovered: json.loads(s).encode("utf-8", "surrogateescape"). Pure. */
#ifndef ATAIL_CLI_JSON_H
#define ATAIL_CLI_JSON_H

#include <stddef.h>

/* Room json_string() needs for n input bytes: at most 6 * n + 2 bytes of
 * literal, quotes included, plus JSON_STRING_SLACK it may overwrite past
 * the literal's end (it stores whole blocks). */
#define JSON_STRING_SLACK 16
#define JSON_STRING_MAX(n) (6 * (n) + 2 + JSON_STRING_SLACK)

/* Writes the JSON string literal for s[0..n) to out (which has room for
 * JSON_STRING_MAX(n) bytes) and returns its length. Not NUL-terminated;
 * the bytes of out past the literal are unspecified. */
size_t json_string(char *out, const char *s, size_t n);

#endif
