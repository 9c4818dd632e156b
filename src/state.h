/* state.h - checkpoints (state.c): marks, resume decisions, periodic
 * atomic saves, the lock. Not installed. */
#ifndef ATAIL_STATE_H
#define ATAIL_STATE_H

#include "handle.h"

#include <stdint.h>

int state_open(atail *t, const char *path);
void state_close(atail *t);
/* Decides where f starts from the state file; returns 1 when it did (the
 * start options are then ignored), 0 when f has no usable entry, or a
 * negative errno. */
int state_resume(atail *t, struct file *f);
/* Notes that f delivered data up to its current position. */
int state_delivered(atail *t, struct file *f);
int state_commit(atail *t);
int state_save(atail *t);
/* The periodic save deadline passed. */
void state_on_timer(atail *t, uint64_t now);

#endif
