/* glob.h - globs (glob.c): directory watch, rescans, excludes,
 * rotation-aware dedupe. Not installed. */
#ifndef ATAIL_GLOB_H
#define ATAIL_GLOB_H

#include "handle.h"

#include <stdint.h>

void glob_on_change(atail *t, uint32_t glob_id, unsigned what, const char *name);
void glob_rescan_pending(atail *t);
void glob_file_ended(atail *t, struct file *f);
void glob_free_all(atail *t);

#endif
