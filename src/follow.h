/* follow.h - adding a file to the handle and dropping it (follow.c). Not
 * installed. */
#ifndef ATAIL_FOLLOW_H
#define ATAIL_FOLLOW_H

#include "handle.h"

#include <stdint.h>

/* Opens path and follows it as fo says (waiting for it with
 * ATAIL_FOLLOW_RETRY). Returns its id or a negative errno. */
int follow_add_path(atail *t, const char *path, const struct atail_follow_options *fo);
/* Follows fd (owned from now on; -1: a name waited for) under the name
 * path; base is where a seekable descriptor's content starts. Returns its
 * id or a negative errno. */
int follow_add_fd(atail *t, const char *path, int fd, uint64_t base,
                  const struct atail_follow_options *fo);
/* A file that could not be followed: its only events are ERROR (err), then
 * END. Returns its id or -ENOMEM. */
int follow_add_failed(atail *t, const char *path, int err);
/* Releases what f holds (watches, descriptor, buffer); f stays in the
 * table. */
void follow_drop(atail *t, struct file *f);

#endif
