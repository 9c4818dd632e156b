/* name.h - following by name (name.c): rename/delete/symlink rotation,
 * rename history, copytruncate copies, grace period, retry, missing
 * directories. Not installed. */
#ifndef ATAIL_NAME_H
#define ATAIL_NAME_H

#include "handle.h"

#include <stdbool.h>
#include <stdint.h>

/* flags: ATAIL_FOLLOW_RETRY, ATAIL_FOLLOW_REAPPEAR. */
int name_init(atail *t, struct file *f, unsigned flags);
void name_on_change(atail *t, struct file *f, int wid, unsigned what, const char *name,
                    uint32_t cookie);
void name_recheck(atail *t, struct file *f);
/* Called when f has nothing to deliver: leaves a drained old file for the
 * one its name leads to now, or gives it up when its name is gone. Returns
 * true when f may have events again. */
bool name_settle(atail *t, struct file *f);
void name_release(atail *t, struct file *f);
/* f was truncated (f->truncated_at): finish its copy if one is found next
 * to it, then read it from 0. */
void name_truncated(atail *t, struct file *f);

/* f, started over at 0 after a truncation, has its first bytes read
 * (f->start_pending): if a copy made since f->verify_after holds a
 * generation not read (app.log copied and truncated again before that
 * read), it is read first, those bytes later; else they are delivered. */
void name_check_start(atail *t, struct file *f);
/* f is to be read to its end, then next_fd (owned from now on) from 0. */
void name_expect(atail *t, struct file *f, int next_fd);
/* After a restart: queues, oldest first, the rotated siblings born after
 * the open file and that are not cur_fd's file (generations rotated while
 * nobody followed the name), to be read before cur_fd's. */
void name_queue_later_siblings(atail *t, struct file *f, int cur_fd);

#endif
