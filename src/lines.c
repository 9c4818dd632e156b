/* lines.c - see lines.h. memchr/memrchr do the scanning: they run at memory
 * speed, far ahead of a byte loop. */
#include "lines.h"

#include <string.h>

size_t lines_skip(const char *buf, size_t len, int delim, uint64_t *n)
{
    const char *p = buf;
    const char *end = buf + len;
    while (*n > 0 && p < end) {
        const char *d = memchr(p, delim, (size_t)(end - p));
        if (!d)
            return len;
        p = d + 1;
        (*n)--;
    }
    return (size_t)(p - buf);
}

void lines_rscan_init(struct lines_rscan *s, uint64_t n, int delim)
{
    s->want = n;
    s->delim = delim;
    s->seen_last = false;
}

bool lines_rscan_block(struct lines_rscan *s, const char *blk, size_t len, size_t *pos)
{
    const int delim = s->delim;
    size_t end = len;
    if (s->want == 0) {
        *pos = len;
        return true;
    }
    if (!s->seen_last && len > 0) {
        s->seen_last = true;
        /* The delimiter that ends the stream does not start a new line. */
        if ((unsigned char)blk[len - 1] == (unsigned char)delim)
            end--;
    }
    while (end > 0) {
        const char *d = memrchr(blk, delim, end);
        if (!d)
            return false;
        if (--s->want == 0) {
            *pos = (size_t)(d - blk) + 1;
            return true;
        }
        end = (size_t)(d - blk);
    }
    return false;
}

size_t lines_tail_start(const char *buf, size_t len, int delim, uint64_t n, bool *whole)
{
    struct lines_rscan s;
    size_t pos = 0;
    lines_rscan_init(&s, n, delim);
    bool found = lines_rscan_block(&s, buf, len, &pos);
    if (whole)
        *whole = found && pos > 0;
    return found ? pos : 0;
}

uint64_t lines_count(const char *buf, size_t len, int delim)
{
    uint64_t n = 0;
    const char *p = buf, *end = buf + len;
    const char *d;
    while (p < end && (d = memchr(p, delim, (size_t)(end - p))) != NULL) {
        n++;
        p = d + 1;
    }
    return n + (p < end ? 1 : 0);
}
