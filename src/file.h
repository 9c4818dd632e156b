/* file.h - one followed file: its descriptor, its read buffer, and the
 * state machine that turns reads into events.
 *
 * Two kinds of source:
 * - seekable files (regular files, block devices) are read with pread at
 *   the handle's own offset, whenever the watch backend says they changed;
 *   they never block;
 * - streams (pipes, FIFOs, terminals, sockets, character devices) are read
 *   once per readiness report from the epoll set, since a descriptor shared
 *   with other processes (standard input) must not be made non-blocking.
 */
#ifndef ATAIL_FILE_H
#define ATAIL_FILE_H

#include "atail.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct reader_config {
    int delim;
    bool spans;
    size_t max_line;
    size_t read_size;
};

struct file {
    uint32_t id;
    char *path;
    int fd;
    int wid; /* watch id, or -1 */
    bool seekable;
    bool follow;
    bool epoll_ok; /* a stream registered in the epoll set */
    dev_t dev;
    ino_t ino;

    /* Buffered bytes buf[head..tail) end at file offset `pos`. */
    char *buf;
    size_t cap, head, tail;
    uint64_t pos;

    uint64_t skip_lines;   /* lines still to drop before delivering (-n +N) */
    uint64_t skip_bytes;   /* bytes still to drop (streams, -c +N) */
    enum atail_start hold; /* streams: LAST_LINES/LAST_BYTES held to EOF */
    uint64_t hold_count;

    bool dirty;        /* may have unread data */
    bool at_eof;       /* the last read found the end */
    bool eof_reported; /* ATAIL_EVENT_EOF delivered */
    bool closed;       /* no more reads: finished, pipe closed, error */
    bool end_reported; /* ATAIL_EVENT_END delivered */
    bool truncated;    /* ATAIL_EVENT_TRUNCATED to deliver */
    uint64_t truncated_at;
    int error; /* ATAIL_EVENT_ERROR to deliver (negative errno) */
};

/* Sets up f (zeroed by the caller) for the open descriptor fd, which f
 * owns from now on, even on failure. Checks its type: -EISDIR for a
 * directory. Returns 0 or a negative errno. */
int file_init(struct file *f, uint32_t id, const char *path, int fd, bool follow);

/* Sets where reading starts, reading backwards from the end for the last N
 * lines (through scratch, cfg->read_size bytes). `base` is the lowest offset
 * to read (the descriptor's position for an inherited one). Call it after
 * the file's watch is armed, so no append falls between the two. Returns 0
 * or a negative errno. */
int file_start(struct file *f, const struct atail_follow_options *fo,
               const struct reader_config *cfg, uint64_t base, char *scratch);

/* Closes the descriptor and frees the buffer; the path stays until
 * file_free(). Idempotent. */
void file_release(struct file *f);

/* file_release() and frees the path. */
void file_free(struct file *f);

/* Produces f's next event into ev, reading if needed. Returns 1 with ev
 * filled, 0 when f has nothing now. */
int file_next(struct file *f, const struct reader_config *cfg, struct atail_event *ev);

#endif
