/* held_loss.h - what a stream held for its last N lines lost at its front.
 *
 * A pipe read with -n N keeps its last N lines in at most N x (max_line+1)
 * bytes (file.c, keep_held()): past that, bytes are dropped from the front,
 * the start of an overlong line and, with it, whole lines before it. Those
 * bytes are said at the end only when their line is among the last N then:
 * a line dropped whole may still be pushed out by lines that come later.
 * So this keeps, per line, what was dropped: the dropped start of the line
 * the kept bytes begin in, and the lengths of up to N-1 lines dropped whole
 * before it (at most N-1 of them can be among the last N, as the kept bytes
 * hold at least one line). Pure: no I/O. */
#ifndef ATAIL_HELD_LOSS_H
#define ATAIL_HELD_LOSS_H

#include <stddef.h>
#include <stdint.h>

struct held_loss {
    uint64_t partial; /* dropped start of the line the kept bytes begin in */
    uint64_t *whole;  /* ring of the lengths of lines dropped whole */
    size_t n, cap, first;
};

/* Bytes data[0..len), the front of what was kept, are dropped; at most
 * `lines` lines are kept. Returns 0, or -ENOMEM when the ring could not
 * grow (the oldest length is then forgotten: the total may come out low). */
int held_loss_drop(struct held_loss *h, const char *data, size_t len, int delim, uint64_t lines);

/* The kept bytes start at a line's start again and hold the last N lines:
 * nothing dropped can be among them any more. */
void held_loss_clear(struct held_loss *h);

/* Bytes dropped from the last N lines, when the kept bytes hold `kept`
 * lines (the first one counted even when its start was dropped). */
uint64_t held_loss_total(const struct held_loss *h, uint64_t lines, uint64_t kept);

/* Releases the ring; h is then cleared. */
void held_loss_free(struct held_loss *h);

#endif
