/* start.c - see start.h. Only the end of the file is read: tail -n 10 on a
 * 1 GiB log costs one or two preads, not a scan of the file. */
#include "start.h"

#include "lines.h"

#include <errno.h>
#include <unistd.h>

int start_last_lines(int fd, uint64_t base, uint64_t end, uint64_t n, int delim, char *blk,
                     size_t blk_len, uint64_t *off)
{
    struct lines_rscan scan;
    lines_rscan_init(&scan, n, delim);
    uint64_t pos = end;
    while (pos > base) {
        size_t len = pos - base < blk_len ? (size_t)(pos - base) : blk_len;
        /* Align later blocks to blk_len so reads stay page-aligned. */
        if (pos != end && pos % blk_len != 0 && pos % blk_len < len)
            len = (size_t)(pos % blk_len);
        size_t got = 0;
        while (got < len) {
            ssize_t r = pread(fd, blk + got, len - got, (off_t)(pos - len + got));
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                return -errno;
            }
            if (r == 0)
                return -EIO; /* the file shrank under us */
            got += (size_t)r;
        }
        size_t at;
        if (lines_rscan_block(&scan, blk, len, &at)) {
            *off = pos - len + at;
            return 0;
        }
        pos -= len;
    }
    *off = base;
    return 0;
}
