/* json.c - see json.h. The input goes through two blocks at a time (a
 * block is 16 bytes with SSE2, else 8 taken as a 64-bit word): the blocks
 * are stored to the output as they are, then checked; the first byte that
 * needs care (an escape, or a non-ASCII byte to validate as UTF-8) is
 * handled alone, by care(), and what the blocks stored past it is
 * overwritten afterwards. Plain ASCII costs two loads, two stores and a
 * few compares per two blocks: no call, no second pass.
 *
 * The last bytes, fewer than two blocks, go with the two blocks that end
 * at the input's end when the bytes before them went out unchanged (the
 * store rewrites output already there with the same bytes); otherwise (a
 * short input, an escape just before) a block at a time, the last one
 * gathered without reading past the input. */
#include "json.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(ATAIL_JSON_PORTABLE)
#include <emmintrin.h>

enum { BLOCK = 16, PAIR = 2 * BLOCK };
typedef __m128i block;

static block load(const unsigned char *p)
{
    return _mm_loadu_si128((const void *)p);
}

static void store(char *o, block x)
{
    _mm_storeu_si128((void *)o, x);
}

/* The mask of the bytes that are control characters, '"', '\\' or
 * >= 0x80: bit i for byte i. */
static uint64_t attention(block x)
{
    __m128i low = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)); /* signed: >= 0x80 too */
    __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    __m128i bslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, bslash)));
}

/* The 0 < r < BLOCK bytes at p, first in the block, read in at most two
 * overlapping loads (x86 is little-endian). */
static block load_short(const unsigned char *p, size_t r)
{
    uint64_t lo, hi = 0;
    if (r >= 8) {
        memcpy(&lo, p, 8);
        memcpy(&hi, p + r - 8, 8);
        hi = hi >> (8 * (15 - r)) >> 8;
    } else if (r >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + r - 4, 4);
        lo = a | (uint64_t)b << (8 * (r - 4));
    } else {
        lo = p[0] | (uint64_t)p[r / 2] << (8 * (r / 2)) | (uint64_t)p[r - 1] << (8 * (r - 1));
    }
    return _mm_set_epi64x((long long)hi, (long long)lo);
}

#else

/* A block: byte i of the input in bits 8i..8i+7, whatever the byte
 * order. */
enum { BLOCK = 8, PAIR = 2 * BLOCK };
typedef uint64_t block;

#define ONES UINT64_C(0x0101010101010101)
#define HIGH (ONES * 0x80)

static uint64_t in_order(uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(x);
#else
    return x;
#endif
}

static block load(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return in_order(x);
}

static void store(char *o, block x)
{
    x = in_order(x);
    memcpy(o, &x, 8);
}

/* As the SSE2 one. Each byte is tested on its low 7 bits, where no sum
 * carries into the next byte, so every flag is exact; the multiplication
 * gathers the flags (bit 8i+7 for byte i) into the top byte, in order. */
static uint64_t attention(block x)
{
    uint64_t t = x & ~HIGH;
    uint64_t low = ~(t + ONES * (0x80 - 0x20));
    uint64_t quote = ~((t ^ ONES * '"') + ~HIGH);
    uint64_t bslash = ~((t ^ ONES * '\\') + ~HIGH);
    return ((x | low | quote | bslash) & HIGH) * UINT64_C(0x0002040810204081) >> 56;
}

static block load_short(const unsigned char *p, size_t r)
{
    block x = 0;
    for (size_t i = 0; i < r; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

#endif

/* Loads the two blocks at p, stores them at o and returns their mask. */
static inline uint64_t pass2(const unsigned char *p, char *o)
{
    block x0 = load(p), x1 = load(p + BLOCK);
    store(o, x0);
    store(o + BLOCK, x1);
    return attention(x0) | attention(x1) << BLOCK;
}

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

/* Writes what the byte at p, one that needs care, becomes (with the rest
 * of its UTF-8 sequence if valid); returns the bytes written and in *used
 * those taken. Out of line: the loop in json_string() keeps few registers
 * and a short prologue. */
static __attribute__((noinline)) size_t care(char *out, const unsigned char *p,
                                             const unsigned char *end, size_t *used)
{
    char *o = out;
    unsigned char c = *p;
    *used = 1;
    if (c >= 0x80) {
        size_t len = utf8_len(p, (size_t)(end - p));
        if (len) {
            for (size_t i = 0; i < len; i++)
                o[i] = (char)p[i];
            *used = len;
            return len;
        }
        return (size_t)(u_escape(o, 0xdc00u | c) - out);
    }
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
    return (size_t)(o - out);
}

size_t json_string(char *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    /* The input from `same` to p went out byte for byte. */
    const unsigned char *same = p;
    char *o = out;
    *o++ = '"';
    for (;;) {
        uint64_t m = 0;
        size_t r;
        while ((r = (size_t)(end - p)) >= PAIR && !(m = pass2(p, o))) {
            p += PAIR;
            o += PAIR;
        }
        if (!m) {
            if (r == 0)
                break;
            if ((size_t)(end - same) >= PAIR) {
                size_t back = PAIR - r;
                m = pass2(end - PAIR, o - back) >> back;
            } else if (r >= BLOCK) {
                block x = load(p);
                store(o, x);
                m = attention(x);
                r = BLOCK;
            } else {
                block x = load_short(p, r);
                store(o, x);
                m = attention(x) & ((UINT64_C(1) << r) - 1);
            }
            if (m == 0) {
                p += r;
                o += r;
                continue;
            }
        }
        p += __builtin_ctzll(m);
        o += __builtin_ctzll(m);
        size_t used, wrote = care(o, p, end, &used);
        p += used;
        o += wrote;
        if (wrote != used)
            same = p;
    }
    *o++ = '"';
    return (size_t)(o - out);
}
