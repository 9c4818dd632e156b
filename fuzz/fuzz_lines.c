/* Fuzz target for src/lines.c: any chunking of any input gives the same
 * results as the whole input, for both forward skipping and the backward
 * search for the last N lines. Input: byte 0 = N, byte 1 = chunk size seed,
 * byte 2 = delimiter choice, the rest = the text. */
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference: the start of the last n lines, found byte by byte. */
static size_t naive_tail_start(const char *s, size_t len, int delim, uint64_t n)
{
    if (n == 0)
        return len;
    size_t end = len;
    if (end > 0 && (unsigned char)s[end - 1] == (unsigned char)delim)
        end--;
    for (size_t i = end; i-- > 0;)
        if ((unsigned char)s[i] == (unsigned char)delim && --n == 0)
            return i + 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint64_t n = data[0] % 16;
    size_t chunk = (size_t)data[1] % 17 + 1;
    int delim = data[2] & 1 ? '\n' : '\0';
    const char *text = (const char *)data + 3;
    size_t len = size - 3;

    size_t want = naive_tail_start(text, len, delim, n);
    if (lines_tail_start(text, len, delim, n, NULL) != want)
        abort();

    /* Backward, block by block from the end. */
    struct lines_rscan s;
    lines_rscan_init(&s, n, delim);
    size_t end = len, got = 0, at;
    while (end > 0) {
        size_t l = end < chunk ? end : chunk;
        if (lines_rscan_block(&s, text + end - l, l, &at)) {
            got = end - l + at;
            break;
        }
        end -= l;
    }
    if (len > 0 && got != want)
        abort();

    /* Forward skipping, in chunks, equals skipping the whole at once. */
    uint64_t k1 = n, k2 = n;
    size_t whole = lines_skip(text, len, delim, &k1);
    size_t off = 0;
    while (off < len && k2 > 0) {
        size_t l = len - off < chunk ? len - off : chunk;
        off += lines_skip(text + off, l, delim, &k2);
    }
    if (k2 == 0 && (off != whole || k1 != 0))
        abort();
    if (k2 != 0 && (whole != len || k1 != k2))
        abort();
    return 0;
}
