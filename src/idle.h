/* idle.h - closing files followed by name that stay unchanged (the
 * idle_close_ms option), so that many files cost few descriptors: a closed
 * file keeps its inotify watch, and the change that wakes it reopens it,
 * found by identity under its name or the name it was rotated to. */
#ifndef ATAIL_IDLE_H
#define ATAIL_IDLE_H

#include "handle.h"

#include <stdbool.h>
#include <stdint.h>

/* f changed (a watch event) or was added at `now`: its idle time starts
 * again, and a look for idle files is planned. */
void idle_touch(atail *t, struct file *f, uint64_t now);

/* When the timer fires: closes the files unchanged for idle_close_ms, and
 * plans the next look (none once no open file is left to close). */
void idle_on_timer(atail *t, uint64_t now);

/* Descriptors ran out (EMFILE): closes the least recently changed file
 * that can be closed, other than `except`. Returns whether one was. */
bool idle_make_room(atail *t, const struct file *except);

/* Opens path for reading (non-blocking, no controlling terminal); when
 * descriptors run out and idle files may be closed, closes the least
 * recently changed one (not `except`) and tries again. Returns the
 * descriptor, or -1 with errno set. */
int idle_open(atail *t, const char *path, const struct file *except);

/* Reopens a closed file before it is served: the same file (device, inode
 * and first bytes) at its name or, rotated meanwhile, at a sibling name.
 * If it is gone, what was appended after it was closed is reported lost
 * and its name is looked at again. */
void idle_reopen(atail *t, struct file *f);

#endif
