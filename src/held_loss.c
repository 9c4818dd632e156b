/* held_loss.c - see held_loss.h. */
#include "held_loss.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Appends one whole line's length, keeping the last `most` of them. */
static int push_whole(struct held_loss *h, uint64_t len, uint64_t most)
{
    if (most == 0)
        return 0;
    int r = 0;
    if (h->n == h->cap && h->cap < most) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        if (cap > most)
            cap = (size_t)most;
        uint64_t *w = malloc(cap * sizeof *w);
        if (w) {
            for (size_t i = 0; i < h->n; i++)
                w[i] = h->whole[(h->first + i) % h->cap];
            free(h->whole);
            h->whole = w;
            h->cap = cap;
            h->first = 0;
        } else {
            r = -ENOMEM;
        }
    }
    if (h->cap == 0)
        return r;
    if (h->n == h->cap) { /* full: the oldest can no longer count */
        h->first = (h->first + 1) % h->cap;
        h->n--;
    }
    h->whole[(h->first + h->n) % h->cap] = len;
    h->n++;
    return r;
}

int held_loss_drop(struct held_loss *h, const char *data, size_t len, int delim, uint64_t lines)
{
    int r = 0;
    const char *end = data + len;
    for (;;) {
        const char *d = memchr(data, delim, (size_t)(end - data));
        if (!d) {
            h->partial += (uint64_t)(end - data);
            return r;
        }
        int p = push_whole(h, h->partial + (uint64_t)(d - data) + 1, lines ? lines - 1 : 0);
        if (p < 0)
            r = p;
        h->partial = 0;
        data = d + 1;
    }
}

void held_loss_clear(struct held_loss *h)
{
    h->partial = 0;
    h->n = h->first = 0;
}

uint64_t held_loss_total(const struct held_loss *h, uint64_t lines, uint64_t kept)
{
    if (lines == 0 || kept > lines)
        return 0;
    uint64_t total = h->partial;
    uint64_t more = lines - kept; /* lines before the kept ones among the last N */
    for (size_t i = 0; i < h->n && i < more; i++)
        total += h->whole[(h->first + h->n - 1 - i) % h->cap];
    return total;
}

void held_loss_free(struct held_loss *h)
{
    free(h->whole);
    *h = (struct held_loss){0};
}
