/* json.c - see json.h. Runs of bytes that need no escape are found with a
 * table and copied with memcpy: the common ASCII log line costs about a
 * copy. */
#include "json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* 1 for bytes that end a plain run: controls, '"', '\\', and non-ASCII. */
static const unsigned char special[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 0, [0x80 ... 0xff] = 1,
};

static const char hex[] = "0123456789abcdef";

static char *u_escape(char *o, unsigned v)
{
    *o++ = '\\';
    *o++ = 'u';
    *o++ = hex[(v >> 12) & 15];
    *o++ = hex[(v >> 8) & 15];
    *o++ = hex[(v >> 4) & 15];
    *o++ = hex[v & 15];
    return o;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Whether none of the 8 bytes in x needs an escape or a UTF-8 check: no
 * control character, '"', '\\' or byte >= 0x80 (the usual "has a zero
 * byte" bit trick, exact for any/none). */
static bool plain8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
    uint64_t bad = (x - ones * 0x20) | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash);
    return ((bad | x) & high) == 0;
}

size_t json_string(char *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    char *o = out;
    *o++ = '"';
    while (p < end) {
        const unsigned char *run = p;
        for (uint64_t x; end - p >= 8 && (memcpy(&x, p, 8), plain8(x));)
            p += 8;
        while (p < end && !special[*p])
            p++;
        memcpy(o, run, (size_t)(p - run));
        o += p - run;
        if (p == end)
            break;
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t len = utf8_len(p, (size_t)(end - p));
            if (len) {
                memcpy(o, p, len);
                o += len;
                p += len;
            } else {
                o = u_escape(o, 0xdc00u | c);
                p++;
            }
            continue;
        }
        p++;
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\t':
            *o++ = 't';
            break;
        case '\r':
            *o++ = 'r';
            break;
        default:
            o = u_escape(o - 1, c);
            break;
        }
    }
    *o++ = '"';
    return (size_t)(o - out);
}
