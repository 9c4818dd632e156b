/* name_link.h - a followed name that is a symbolic link: its target's
 * directory is watched too (name_link.c). Not installed. */
#ifndef ATAIL_NAME_LINK_H
#define ATAIL_NAME_LINK_H

#include "handle.h"

#include <stdbool.h>

/* Cuts the last component off a directory path, in place. Returns false at
 * the top ("/" or "."). */
bool name_path_up(char *p);
/* While f's name is a symbolic link, watches its final target's directory
 * (inotify only); stops when it is not one (handle_unwatch_link). */
void name_watch_link(atail *t, struct file *f);
/* Whether a change reported by watch wid concerns f's link target. */
bool name_link_changed(struct file *f, int wid, unsigned what, const char *name);

#endif
