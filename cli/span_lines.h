/* span_lines.h - cuts the spans of bytes the library delivers
 * (ATAIL_EVENT_DATA) into the line events --output=json writes, so that a
 * line costs a memchr, not a call into the library. A line split across
 * two spans is carried (copied) until its end comes. The lines are the
 * library's line mode's, exactly: at most max_line bytes each, longer
 * lines in pieces flagged ATAIL_LINE_CUT (a delimiter right after a piece
 * ends the line), and a line of exactly max_line bytes waits for its next
 * byte. Pure: no I/O. */
#ifndef ATAIL_CLI_SPAN_LINES_H
#define ATAIL_CLI_SPAN_LINES_H

#include <atail.h>
#include <stddef.h>
#include <stdint.h>

/* The partial line of one file, carried to its next span. Zero it to
 * start; span_lines_free() releases it. */
struct span_lines {
    char *buf;
    size_t len, cap;
    uint64_t offset; /* file offset of buf[0] */
};

/* Receives each line (an ATAIL_EVENT_LINE borrowing the span's or the
 * carry's bytes). A non-zero return stops the cutting. */
typedef int span_line_fn(void *ctx, const struct atail_event *line);

/* Calls fn for each line that span (an ATAIL_EVENT_DATA) completes, then
 * carries its partial last line. Returns 0, fn's first non-zero return
 * (the rest of the span is dropped), or -ENOMEM. */
int span_lines_feed(struct span_lines *c, const struct atail_event *span, int delim,
                    size_t max_line, span_line_fn *fn, void *ctx);

/* The file ended or moved on (about: the event that says so): the carried
 * partial line, if any, goes to fn flagged ATAIL_LINE_NO_DELIM. Returns 0
 * or fn's return. */
int span_lines_flush(struct span_lines *c, const struct atail_event *about, span_line_fn *fn,
                     void *ctx);

/* Releases the carry. */
void span_lines_free(struct span_lines *c);

#endif
