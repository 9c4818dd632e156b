/* strset.c - see strset.h. */
#include "strset.h"

#include "checkpoint.h" /* ckpt_hash */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Removed slots point at this byte; it is never written. */
static const char tomb_mark;
#define TOMB ((char *)&tomb_mark)

static size_t find(const struct strset *s, const char *key, bool *found)
{
    size_t mask = s->cap - 1, h = (size_t)ckpt_hash(key, strlen(key)) & mask;
    size_t first_free = SIZE_MAX;
    for (;; h = (h + 1) & mask) {
        char *k = s->slots[h];
        if (!k) {
            *found = false;
            return first_free != SIZE_MAX ? first_free : h;
        }
        if (k == TOMB) {
            if (first_free == SIZE_MAX)
                first_free = h;
        } else if (strcmp(k, key) == 0) {
            *found = true;
            return h;
        }
    }
}

bool strset_has(const struct strset *s, const char *key)
{
    bool found = false;
    if (s->cap)
        find(s, key, &found);
    return found;
}

static int rehash(struct strset *s, size_t cap)
{
    struct strset n = {.slots = calloc(cap, sizeof(char *)), .cap = cap};
    if (!n.slots)
        return -ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        char *k = s->slots[i];
        if (!k || k == TOMB)
            continue;
        bool found;
        n.slots[find(&n, k, &found)] = k;
        n.used++;
        n.live++;
    }
    free(s->slots);
    *s = n;
    return 0;
}

int strset_add(struct strset *s, const char *key)
{
    if ((s->used + 1) * 2 > s->cap) {
        /* Tombstones count as used: rehashing drops them. */
        size_t cap = 16;
        while (cap < (s->live + 1) * 4)
            cap *= 2;
        if (rehash(s, cap) < 0)
            return -ENOMEM;
    }
    bool found;
    size_t h = find(s, key, &found);
    if (found)
        return 0;
    char *k = strdup(key);
    if (!k)
        return -ENOMEM;
    if (!s->slots[h])
        s->used++;
    s->slots[h] = k;
    s->live++;
    return 0;
}

void strset_remove(struct strset *s, const char *key)
{
    bool found = false;
    size_t h = s->cap ? find(s, key, &found) : 0;
    if (!found)
        return;
    free(s->slots[h]);
    s->slots[h] = TOMB;
    s->live--;
}

void strset_free(struct strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i] != TOMB)
            free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}
