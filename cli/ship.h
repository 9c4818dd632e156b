/* ship.h - --to=URL: lines go to a sink (sink.h) instead of standard
 * output. The event loop asks ship_blocked() before it takes an event
 * from the library: while the sink's window is full, failed messages wait
 * to go again, or a checkpoint is overdue, atail reads nothing (the file
 * is the buffer) and waits on the sink's descriptor. The checkpoint
 * (--state) is committed only when nothing is in flight, so it never
 * passes a line the server has not acknowledged; when lines keep coming,
 * reading pauses every --state-interval until the window drains. */
#ifndef ATAIL_CLI_SHIP_H
#define ATAIL_CLI_SHIP_H

#include "run.h"

/* Connects the sink of --to. Returns 0, or -1 after saying why. */
int ship_open(struct run *r);

/* Closes it (what is in flight is not committed). */
void ship_close(struct run *r);

/* Publishes the line of LINE event ev of entry k. Returns 0 or a STOP_*
 * code. */
int ship_line(struct run *r, size_t k, const struct atail_event *ev);

/* Output was "written": commits now if nothing is in flight, else when
 * the window drains. Returns 0 or a STOP_* code. */
int ship_written(struct run *r);

/* Polls the sink when due (every few lines, or `now`), and commits when
 * the window has drained. Returns 0 or a STOP_* code. */
int ship_step(struct run *r, bool now);

/* Whether the loop must wait for the sink before reading on. */
bool ship_blocked(struct run *r);

/* Waits until every message in flight is acknowledged, then commits.
 * Returns 0 or a STOP_* code (a signal, the sink failed). */
int ship_drain(struct run *r);

#endif
