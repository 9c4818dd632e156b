/* span_lines.c - see span_lines.h. */
#include "span_lines.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int carry(struct span_lines *c, const char *p, size_t n)
{
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->len + n)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b)
            return -ENOMEM;
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    return 0;
}

static int emit(const struct atail_event *span, const char *data, size_t len, uint64_t offset,
                unsigned flags, span_line_fn *fn, void *ctx)
{
    struct atail_event line = {.kind = ATAIL_EVENT_LINE,
                               .file = span->file,
                               .path = span->path,
                               .data = data,
                               .len = len,
                               .offset = offset,
                               .flags = flags};
    return fn(ctx, &line);
}

/* Completes the carried line with the start of p[0..n); sets *used to the
 * bytes taken. Returns fn's return, 0 (also when the line is still not
 * complete: then *used is n), or -ENOMEM. */
static int complete_carry(struct span_lines *c, const struct atail_event *span, const char *p,
                          size_t n, int delim, size_t max_line, span_line_fn *fn, void *ctx,
                          size_t *used)
{
    size_t room = max_line - c->len;
    const char *q = memchr(p, delim, n < room ? n : room);
    size_t take = q ? (size_t)(q - p) : n < room ? n : room;
    int r = carry(c, p, take);
    if (r < 0)
        return r;
    *used = take;
    unsigned flags = 0;
    if (q) {
        *used += 1;
    } else if (n > room) { /* full: the next byte says whether it ends there */
        if ((unsigned char)p[room] == (unsigned char)delim)
            *used += 1;
        else
            flags = ATAIL_LINE_CUT;
    } else {
        return 0; /* still open */
    }
    size_t len = c->len;
    c->len = 0;
    return emit(span, c->buf, len, c->offset, flags, fn, ctx);
}

int span_lines_feed(struct span_lines *c, const struct atail_event *span, int delim,
                    size_t max_line, span_line_fn *fn, void *ctx)
{
    const char *p = span->data, *end = span->data + span->len;
    if (c->len > 0) {
        size_t used;
        int r = complete_carry(c, span, p, span->len, delim, max_line, fn, ctx, &used);
        if (r)
            return r;
        p += used;
    }
    while (p < end) {
        size_t avail = (size_t)(end - p);
        uint64_t offset = span->offset + (uint64_t)(p - span->data);
        const char *q = memchr(p, delim, avail < max_line ? avail : max_line);
        int r;
        if (q) {
            r = emit(span, p, (size_t)(q - p), offset, 0, fn, ctx);
            p = q + 1;
        } else if (avail > max_line) {
            bool ends = (unsigned char)p[max_line] == (unsigned char)delim;
            r = emit(span, p, max_line, offset, ends ? 0 : ATAIL_LINE_CUT, fn, ctx);
            p += max_line + (ends ? 1 : 0);
        } else {
            c->offset = offset;
            return carry(c, p, avail);
        }
        if (r)
            return r;
    }
    return 0;
}

int span_lines_flush(struct span_lines *c, const struct atail_event *about, span_line_fn *fn,
                     void *ctx)
{
    if (c->len == 0)
        return 0;
    size_t len = c->len;
    c->len = 0;
    return emit(about, c->buf, len, c->offset, ATAIL_LINE_NO_DELIM, fn, ctx);
}

void span_lines_free(struct span_lines *c)
{
    free(c->buf);
    *c = (struct span_lines){0};
}
