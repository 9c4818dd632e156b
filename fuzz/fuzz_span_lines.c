/* Fuzz target for cli/span_lines.c: cutting the text in spans of any size
 * gives the same lines (bytes, offsets, flags) as one span of the whole,
 * and those are what a byte-by-byte reference of the library's line mode
 * gives. Input: byte 0 = max_line seed, byte 1 = span size seed, byte 2 =
 * delimiter choice, the rest = the text. */
#include "span_lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINES = 4200 };

struct lines {
    size_t n;
    uint64_t off[MAX_LINES];
    size_t len[MAX_LINES];
    unsigned flags[MAX_LINES];
    uint64_t hash;
};

static int record(void *ctx, const struct atail_event *line)
{
    struct lines *l = ctx;
    if (l->n == MAX_LINES)
        abort();
    l->off[l->n] = line->offset;
    l->len[l->n] = line->len;
    l->flags[l->n] = line->flags;
    l->n++;
    for (size_t i = 0; i < line->len; i++)
        l->hash = l->hash * 1099511628211u ^ (unsigned char)line->data[i];
    l->hash = l->hash * 1099511628211u ^ 0x100u;
    return 0;
}

static void cut(const char *text, size_t len, size_t chunk, int delim, size_t max_line,
                struct lines *out)
{
    struct span_lines c = {0};
    for (size_t at = 0; at < len; at += chunk) {
        struct atail_event span = {.kind = ATAIL_EVENT_DATA,
                                   .data = text + at,
                                   .len = len - at < chunk ? len - at : chunk,
                                   .offset = at};
        if (span_lines_feed(&c, &span, delim, max_line, record, out) != 0)
            abort();
    }
    struct atail_event end = {.kind = ATAIL_EVENT_END};
    span_lines_flush(&c, &end, record, out);
    span_lines_free(&c);
}

/* The library's line mode, a byte at a time (file.c: deliver()). */
static void reference(const char *s, size_t len, int delim, size_t max_line, struct lines *out)
{
    size_t at = 0;
    while (at < len) {
        size_t n = 0;
        while (at + n < len && n < max_line && (unsigned char)s[at + n] != (unsigned char)delim)
            n++;
        struct atail_event line = {.data = s + at, .len = n, .offset = at};
        if (at + n < len && (unsigned char)s[at + n] == (unsigned char)delim) {
            at += n + 1;
        } else if (at + n < len) { /* n == max_line, more follows */
            at += n;
            line.flags = ATAIL_LINE_CUT;
        } else {
            at += n;
            line.flags = ATAIL_LINE_NO_DELIM;
        }
        record(out, &line);
    }
}

static void same(const struct lines *a, const struct lines *b)
{
    if (a->n != b->n || a->hash != b->hash || memcmp(a->off, b->off, a->n * sizeof *a->off) ||
        memcmp(a->len, b->len, a->n * sizeof *a->len) ||
        memcmp(a->flags, b->flags, a->n * sizeof *a->flags))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > MAX_LINES)
        return 0;
    size_t max_line = (size_t)data[0] % 40 + 1;
    size_t chunk = (size_t)data[1] % 23 + 1;
    int delim = data[2] & 1 ? '\n' : '\0';
    const char *text = (const char *)data + 3;
    size_t len = size - 3;
    static struct lines whole, chunked, ref;
    memset(&whole, 0, sizeof whole);
    memset(&chunked, 0, sizeof chunked);
    memset(&ref, 0, sizeof ref);
    cut(text, len, len ? len : 1, delim, max_line, &whole);
    cut(text, len, chunk, delim, max_line, &chunked);
    reference(text, len, delim, max_line, &ref);
    same(&whole, &chunked);
    same(&whole, &ref);
    return 0;
}
