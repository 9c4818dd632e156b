/* lines.h - line scanning over byte buffers: pure functions, no I/O.
 * Shared by the reader (forward), the start-position code (backward) and the
 * fuzz targets. A "line" ends with the delimiter byte; bytes after the last
 * delimiter form a partial line. */
#ifndef ATAIL_LINES_H
#define ATAIL_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Skips whole lines at the start of buf[0..len): consumes bytes up to and
 * including the *n-th delimiter and decrements *n by the number of
 * delimiters consumed. When fewer than *n delimiters are present, consumes
 * all of buf (its tail is the start of a line still being skipped).
 * Returns the number of bytes consumed. */
size_t lines_skip(const char *buf, size_t len, int delim, uint64_t *n);

/* Lines in buf[0..len): its delimiters, plus one for a partial line at its
 * end (as tail -n counts them). */
uint64_t lines_count(const char *buf, size_t len, int delim);

/* Backward search for the start of the last N lines of a stream, fed in
 * blocks from its end towards its start (tail -n N). As GNU tail does, a
 * partial line at the very end counts as a line, and the delimiter ending
 * the stream does not start a new one. */
struct lines_rscan {
    uint64_t want;  /* delimiters still to find before the start */
    int delim;      /* the line delimiter byte */
    bool seen_last; /* the stream's very last byte has been looked at */
};

/* Prepares a scan for the last n lines delimited by delim. */
void lines_rscan_init(struct lines_rscan *s, uint64_t n, int delim);

/* Scans blk[0..len), the block just before everything scanned so far.
 * Returns true when the start is found, with *pos its index in blk (len if
 * the last N lines start after this block). Returns false when the start is
 * before this block: feed the previous one, or take the stream's start. */
bool lines_rscan_block(struct lines_rscan *s, const char *blk, size_t len, size_t *pos);

/* Index in buf[0..len) where the last n lines of buf start (0 if buf has
 * n lines or fewer). *whole (may be NULL) is set to true when buf holds more
 * than the last n lines, i.e. the start was found inside it. */
size_t lines_tail_start(const char *buf, size_t len, int delim, uint64_t n, bool *whole);

#endif
