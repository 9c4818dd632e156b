/* strset.h - a set of strings (open addressing with tombstones). */
#ifndef ATAIL_STRSET_H
#define ATAIL_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset {
    char **slots; /* NULL: empty; STRSET_TOMB: removed */
    size_t cap, used, live;
};

bool strset_has(const struct strset *s, const char *key);
/* Adds a copy of key. Returns 0 (also when present) or -ENOMEM. */
int strset_add(struct strset *s, const char *key);
void strset_remove(struct strset *s, const char *key);
void strset_free(struct strset *s);

#endif
