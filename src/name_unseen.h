/* name_unseen.h - generations deleted at a followed name before anyone
 * looked (delete rotation, several times while the follower was behind):
 * counted from the directory's events, said lost. Not installed. */
#ifndef ATAIL_NAME_UNSEEN_H
#define ATAIL_NAME_UNSEEN_H

#include "file.h"

#include <stdbool.h>
#include <sys/stat.h>

/* The name leads to *now (NULL: to nothing) at f's first look. */
void name_unseen_start(struct file *f, const struct stat *now);

/* The directory's events at the name: a file deleted, one renamed away,
 * one renamed over it. */
void name_unseen_deleted(struct file *f);
void name_unseen_moved(struct file *f);
void name_unseen_replaced(struct file *f);
/* Events may have been lost (the kernel's queue overflowed). */
void name_unseen_events_lost(struct file *f);

/* At a look at the name, which leads to *now (NULL: to nothing): of the
 * deletions the events told since the last look, one may be the file the
 * name led to then, which has left it (named_fd: that file, if open, else
 * -1); every other one was a file that came and went unseen, reported
 * lost (an unknown amount). `counted`: the events are the directory's
 * own, so the count is exact (else nothing is said). */
void name_unseen_look(struct file *f, const struct stat *now, int named_fd, bool counted);

#endif
