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
#include "checkpoint.h"
#include "held_loss.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct reader_config {
    int delim;
    bool spans;
    size_t max_line;
    size_t read_size;
    char *shared; /* read_size + FILE_PAGE bytes from file_buffer_new(): spans
                     are read here (see make_room) */
};

/* Read buffers are aligned to a page, and each read lands at the offset
 * within a page of the file offset it reads (file_read_slot). */
#define FILE_PAGE ((size_t)4096)

/* A page-aligned block of size bytes for reading (free() releases it), or
 * NULL. */
char *file_buffer_new(size_t size);

/* Index in a page-aligned buffer where the bytes at file offset pos are
 * read, `used` bytes (the partial line) kept right before them: the
 * smallest index >= used at pos's offset within a page. */
size_t file_read_slot(uint64_t pos, size_t used);

/* First read size of a file in line mode; it doubles up to read_size while
 * reads fill it, so idle files cost little memory. */
#define FILE_FIRST_READ ((size_t)16 * 1024)

struct backend;

/* Bytes of a file remembered to recognize it: its first bytes, and those
 * just before the reading position (a truncation followed by new writes
 * past our offset, or a rewrite, changes them). */
#define FILE_SIG_MAX 64u

/* Generations of a followed name remembered at once (rotations while we
 * are behind); beyond this the oldest unread one is given up. */
#define FILE_NEXT_MAX 1024u
/* Generations remembered as read, to recognize them in the history. */
#define FILE_DONE_MAX 16u

struct file {
    uint32_t id;
    char *path;
    int fd; /* -1 while a followed name waits for its file */
    bool seekable;
    bool follow;
    bool epoll_ok;   /* a stream registered in the epoll set */
    bool reopen;     /* a FIFO followed by path: reopened when writers leave */
    bool reopen_now; /* its writers left: reopen it */
    dev_t dev;
    ino_t ino;
    struct backend *be; /* where its watches live */
    int wid;            /* watch on the open file, or -1 */

    char head_sig[FILE_SIG_MAX]; /* the file's first bytes */
    uint32_t head_sig_len;
    char sig[FILE_SIG_MAX]; /* the bytes just before `pos` */
    uint32_t sig_len;       /* 0: not known yet */
    /* Following by name: when the content read so far was last found in
     * place (CLOCK_REALTIME_COARSE, the clock file times come from: a file
     * made after this reading is stamped with it or later, which a
     * CLOCK_REALTIME reading, finer, does not ensure): a rotated copy born
     * later holds newer data (name.c, copytruncate). */
    struct timespec intact_at;
    /* Following by name, started over at 0 after a truncation: nothing
     * was read of what the file holds, so a truncation before its first
     * read cannot be told by content. Its first bytes read wait
     * (start_pending) until the handle has looked for a copy made since
     * verify_after holding a generation not read (name_check_start()). */
    bool verify_start;
    bool start_pending;
    struct timespec verify_after;
    /* What the file held when reading started over at 0: its first bytes
     * and size. First bytes read that do not begin so are another
     * generation's: the one started over with was truncated before its
     * first read, and its copy goes first, or it is said to be lost. */
    char start_sig[FILE_SIG_MAX];
    uint32_t start_sig_len;
    uint64_t start_size;

    /* Buffered bytes buf[head..tail) end at file offset `pos`. */
    char *buf;
    size_t cap, head, tail;
    bool buf_shared; /* buf is cfg->shared, not owned */
    size_t want;     /* room wanted for the next read */
    uint64_t pos;

    uint64_t skip_lines;   /* lines still to drop before delivering (-n +N) */
    uint64_t skip_bytes;   /* bytes still to drop (streams, -c +N) */
    enum atail_start hold; /* streams: LAST_LINES/LAST_BYTES held to EOF */
    uint64_t hold_count;
    struct held_loss held_loss; /* what the held lines lost at their front: said at EOF */

    bool parked;        /* closed while idle (idle.c): fd is -1, reopened
                           on change */
    uint64_t active_ms; /* last change seen, for idle closing */

    bool dirty;        /* may have unread data */
    bool at_eof;       /* the last read found the end */
    bool eof_reported; /* ATAIL_EVENT_EOF delivered */
    bool closed;       /* no more reads: finished, pipe closed, error */
    bool flush;        /* deliver a partial last line now (before a switch) */
    bool end_reported; /* ATAIL_EVENT_END delivered */
    bool truncated;    /* ATAIL_EVENT_TRUNCATED to deliver */
    bool lost;         /* ATAIL_EVENT_LOST to deliver: lost_bytes more */
    uint64_t lost_bytes, lost_total;
    bool lost_at_least;  /* lost_bytes is a lower bound (ATAIL_LOST_AT_LEAST) */
    unsigned lost_count; /* losses in lost_bytes; one: lost_from/to say where */
    bool lost_range;     /* [lost_from, lost_to) of the lost generation known */
    uint64_t lost_from, lost_to;
    bool said_range; /* the LOST event delivered last: its range */
    uint64_t said_from, said_to;
    uint64_t seen_size; /* the largest size known of the file read (a read
                           that filled the buffer looks at it) */
    bool trunc_pending; /* truncated, by name: the handle looks for a copy */
    uint64_t truncated_at;
    int error;                           /* ATAIL_EVENT_ERROR to deliver (negative errno) */
    enum atail_event_kind notice;        /* ROTATED, APPEARED, GONE or TRUNCATED to
                                            deliver */
    enum atail_event_kind switch_notice; /* what the next switch announces
                                            (0: ROTATED) */
    int notice_error;
    int polling_notice; /* ATAIL_EVENT_POLLING to deliver (its negative errno) once
                           the name's departure is told */

    /* Following by name (name.c). */
    bool by_name;
    bool retry;            /* wait for the name when it leads nowhere */
    bool give_up_dirs;     /* ATAIL_FOLLOW_REAPPEAR: a directory ends it */
    char *dir;             /* the directory holding the name */
    const char *base;      /* the name's last component, inside path */
    int dir_wid;           /* watch on dir, or on its nearest existing ancestor */
    bool dir_is_parent;    /* dir_wid watches dir itself */
    char *link_path;       /* the name is a symbolic link to this path (name_link.c) */
    const char *link_base; /* its last component, inside link_path */
    int link_wid;          /* watch on link_path's directory or an ancestor, or -1 */
    bool link_is_parent;   /* link_wid watches link_path's directory itself */
    bool recheck;          /* the name may lead elsewhere: stat it */
    int *next_fd;          /* files the name led to since, read after
                                            this one, oldest first */
    unsigned n_next, cap_next;
    int next_wid; /* watch on next_fd[0] (inotify): its first data ends the
                     grace period at once */
    bool copies;  /* copytruncate: reading the copies of the name's
                     file (made after copies_after, oldest first), the
                     file itself waiting in next_fd */
    struct timespec copies_after;
    int next_at_name; /* index in next_fd of the file the name led to when
                         last looked at, until the events tell it left the
                         name (-1): generations the events name before
                         then are older, and go before it */
    /* Where files that left the name went (rename history, oldest first),
     * to read a generation that came and went while we were behind. */
    char **departed;
    uint32_t *departed_cookie; /* it is being renamed again */
    unsigned cap_departed;
    unsigned n_departed;
    unsigned history_changes; /* renames and removals of departed entries */
    /* Generations already read to their end, most recent last: a rename
     * history entry that leads to one is not read again. The hash of the
     * first bytes tells a recycled inode from the file once read. */
    struct {
        dev_t dev;
        ino_t ino;
        uint32_t head_len;
        uint64_t head_hash;
    } done[FILE_DONE_MAX];
    unsigned n_done;
    bool access_lost;        /* the name's file became unreadable: said once */
    uint32_t leaving_cookie; /* the name's file is being renamed away */
    bool name_missing;       /* the name leads nowhere (deleted, moved away) */
    int name_error;          /* why (negative errno) */
    bool draining;           /* final read of the old file before leaving it */
    uint64_t deadline_ms;    /* end of the grace period, 0 if none */
    int last_error;          /* last error reported while waiting, to say it once */
    /* The file the name led to at the last look (name_unseen.c), and the
     * events at the name since: deletions (less one counted back ahead of
     * its event), renames away, renames over it, and whether events were
     * lost meanwhile. */
    bool named;
    dev_t named_dev;
    ino_t named_ino;
    mode_t named_type;
    struct timespec named_ctime;
    int name_deletions;
    unsigned name_moves, name_replacements;
    bool name_events_lost;

    /* Checkpoints (state.c). */
    uint32_t glob;          /* index + 1 of the glob that added it, or 0 */
    bool uncommitted;       /* delivered data since the last atail_commit() */
    bool mark_unsaved;      /* `mark` changed since the last save */
    struct ckpt_entry mark; /* the committed position (path unused) */
};

/* Sets up f (zeroed by the caller) for the open descriptor fd, which f
 * owns from now on, even on failure; fd may be -1 for a name still waited
 * for. Checks its type: -EISDIR for a directory. Returns 0 or a negative
 * errno. */
int file_init(struct file *f, uint32_t id, const char *path, int fd, bool follow);

/* Takes fd (owned from now on) as the file's new descriptor, to be read
 * from offset 0: the name now leads to it. Buffered bytes are dropped, so
 * deliver them first. Returns 0 or a negative errno (fd is then closed and
 * f has no descriptor). */
int file_switch(struct file *f, int fd);

/* Sets where reading starts, reading backwards from the end for the last N
 * lines (through scratch, cfg->read_size bytes). `base` is the lowest offset
 * to read (the descriptor's position for an inherited one). Call it after
 * the file's watch is armed, so no append falls between the two. Returns 0
 * or a negative errno. */
int file_start(struct file *f, const struct atail_follow_options *fo,
               const struct reader_config *cfg, uint64_t base, char *scratch);

/* Reads the file's first bytes into head_sig (following by name: to find a
 * copytruncate copy, and to tell a recycled inode from a generation read). */
void file_read_head(struct file *f);

/* Reports a whole generation of `bytes` bytes lost (0: an unknown amount)
 * with ATAIL_EVENT_LOST. */
void file_lost(struct file *f, uint64_t bytes);

/* Reports the bytes [from, to) of a generation lost; with at_least, more
 * after `to` (how many is not known). */
void file_lost_range(struct file *f, uint64_t from, uint64_t to, bool at_least);

/* Reading starts over at offset 0, dropping what is buffered. */
void file_restart(struct file *f);

/* Closes the descriptor and frees the buffer; the path stays until
 * file_free(). Idempotent. */
void file_release(struct file *f);

/* file_release() and frees the path. */
void file_free(struct file *f);

/* Produces f's next event into ev, reading if needed. Returns 1 with ev
 * filled, 0 when f has nothing now. */
int file_next(struct file *f, const struct reader_config *cfg, struct atail_event *ev);

#endif
