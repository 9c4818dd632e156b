/* sibling.h - a followed file's siblings: the entries of its directory
 * named like it plus a suffix (app.log.1, app.log-20261126). Not installed. */
#ifndef ATAIL_SIBLING_H
#define ATAIL_SIBLING_H

#include "file.h"

#include <stdbool.h>

/* Looks among f's siblings for one that match() accepts; returns its
 * descriptor (the caller owns it) or -1. */
typedef bool sibling_match(int fd, void *ctx);
int sibling_find(const struct file *f, sibling_match *match, void *ctx);

#endif
