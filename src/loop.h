/* loop.h - the event loop (loop.c). Not installed. */
#ifndef ATAIL_LOOP_H
#define ATAIL_LOOP_H

#include "handle.h"

#include <stdint.h>

/* atail_next()'s body: t and ev are valid. */
int loop_next(atail *t, struct atail_event *ev);
/* The watch backends' callback (watch_cb), with ctx the handle. */
void loop_on_watch(void *ctx, uint32_t file_id, int wid, unsigned what, const char *name,
                   uint32_t cookie);

#endif
