/* file.c - one followed file: reads into its buffer and cuts the buffer
 * into events. See file.h.
 *
 * Cases handled, in the order file_next() checks them:
 *   an error or a truncation to report      -> ERROR / TRUNCATED event
 *   bytes to skip (-n +N, -c +N on streams) -> dropped as they arrive
 *   a stream (or a file of one block, whose size may lie) holding its
 *   last N lines/bytes                      -> nothing until its EOF
 *   buffered bytes                          -> DATA span, or LINE / CUT piece
 *   the end reached for the first time      -> EOF event
 *   the file finished or closed             -> END event, once
 *   a change reported                       -> read, then loop
 */
#include "file.h"

#include "lines.h"
#include "start.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Reads fd's identity and kind into f. */
static int identify(struct file *f, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    f->seekable = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->sig_len = 0;
    f->head_sig_len = 0;
    if (f->by_name)
        file_read_head(f);
    return 0;
}

/* What was read of a file followed by name is in place now. */
static void note_intact(struct file *f)
{
    if (f->by_name)
        clock_gettime(CLOCK_REALTIME_COARSE, &f->intact_at);
}

void file_read_head(struct file *f)
{
    ssize_t n = f->seekable ? pread(f->fd, f->head_sig, FILE_SIG_MAX, 0) : 0;
    f->head_sig_len = n > 0 ? (uint32_t)n : 0;
    note_intact(f);
}

int file_init(struct file *f, uint32_t id, const char *path, int fd, bool follow)
{
    f->id = id;
    f->fd = fd;
    f->wid = -1;
    f->dir_wid = -1;
    f->link_wid = -1;
    f->next_wid = -1;
    f->next_at_name = -1;
    f->follow = follow;
    f->hold = ATAIL_START_END;
    f->path = strdup(path);
    if (!f->path)
        return -ENOMEM;
    return fd >= 0 ? identify(f, fd) : 0;
}

int file_switch(struct file *f, int fd)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = fd;
    int r = identify(f, fd);
    if (r < 0) {
        close(fd);
        f->fd = -1;
        return r;
    }
    f->pos = f->seen_size = 0;
    f->head = f->tail = 0;
    f->skip_lines = f->skip_bytes = 0;
    f->hold = ATAIL_START_END;
    f->at_eof = f->flush = f->truncated = false;
    f->verify_start = f->start_pending = false;
    f->dirty = true;
    return 0;
}

/* The file's size, and whether that size may be wrong: a regular file
 * of at most one block (/proc and /sys files say 0 or 4096 whatever they
 * hold). */
static int file_size(const struct file *f, uint64_t *size, bool *unsure)
{
    struct stat st;
    if (fstat(f->fd, &st) < 0)
        return -errno;
    *unsure = false;
    if (S_ISREG(st.st_mode)) {
        *size = (uint64_t)st.st_size;
        *unsure = st.st_size <= (st.st_blksize > 0 ? st.st_blksize : 512);
        return 0;
    }
    off_t end = lseek(f->fd, 0, SEEK_END);
    if (end < 0)
        return -errno;
    *size = (uint64_t)end;
    return 0;
}

static int start_seekable(struct file *f, const struct atail_follow_options *fo,
                          const struct reader_config *cfg, uint64_t base, char *scratch)
{
    uint64_t size = 0;
    bool unsure = false;
    int r = file_size(f, &size, &unsure);
    if (r < 0)
        return r;
    if (size < base)
        size = base;
    if (unsure && (fo->start == ATAIL_START_LAST_LINES || fo->start == ATAIL_START_LAST_BYTES)) {
        /* Read it all, keeping its last lines or bytes as a stream does
         * (as GNU tail does below a block): tail -c 1 /proc/version. */
        f->pos = base;
        f->hold = fo->start;
        f->hold_count = fo->count;
        return 0;
    }
    switch (fo->start) {
    case ATAIL_START_END:
        f->pos = size;
        return 0;
    case ATAIL_START_BEGIN:
        f->pos = base;
        return 0;
    case ATAIL_START_LAST_LINES:
        return start_last_lines(f->fd, base, size, fo->count, cfg->delim, scratch, cfg->read_size,
                                &f->pos);
    case ATAIL_START_LAST_BYTES:
        f->pos = size - base > fo->count ? size - fo->count : base;
        return 0;
    case ATAIL_START_LINE:
        f->pos = base;
        f->skip_lines = fo->count > 0 ? fo->count - 1 : 0;
        return 0;
    case ATAIL_START_BYTE:
        f->pos = base + fo->count;
        return 0;
    }
    return -EINVAL;
}

int file_start(struct file *f, const struct atail_follow_options *fo,
               const struct reader_config *cfg, uint64_t base, char *scratch)
{
    f->dirty = f->seekable || !f->epoll_ok;
    if (f->seekable)
        return start_seekable(f, fo, cfg, base, scratch);
    /* A stream cannot seek: the start is applied to the bytes as they come. */
    switch (fo->start) {
    case ATAIL_START_END:
    case ATAIL_START_BEGIN:
        return 0;
    case ATAIL_START_LAST_LINES:
    case ATAIL_START_LAST_BYTES:
        f->hold = fo->start;
        f->hold_count = fo->count;
        return 0;
    case ATAIL_START_LINE:
        f->skip_lines = fo->count > 0 ? fo->count - 1 : 0;
        return 0;
    case ATAIL_START_BYTE:
        f->skip_bytes = fo->count;
        return 0;
    }
    return -EINVAL;
}

void file_release(struct file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (!f->buf_shared)
        free(f->buf);
    f->buf = NULL;
    f->buf_shared = false;
    f->cap = f->head = f->tail = 0;
    held_loss_free(&f->held_loss);
}

void file_free(struct file *f)
{
    file_release(f);
    for (unsigned i = 0; i < f->n_next; i++)
        close(f->next_fd[i]);
    for (unsigned i = 0; i < f->n_departed; i++)
        free(f->departed[i]);
    free(f->next_fd);
    free(f->departed);
    free(f->departed_cookie);
    free(f->path);
    free(f->dir);
    free(f->link_path);
    free(f);
}

/* Start of the part of buf[head..tail) a held stream keeps (its last N
 * lines or bytes); `whole` tells whether more than that is buffered. */
static size_t held_start(const struct file *f, int delim, bool *whole)
{
    size_t avail = f->tail - f->head;
    if (f->hold == ATAIL_START_LAST_BYTES) {
        *whole = avail > f->hold_count;
        return *whole ? avail - (size_t)f->hold_count : 0;
    }
    return lines_tail_start(f->buf + f->head, avail, delim, f->hold_count, whole);
}

/* Drops what a held stream no longer needs: lines before its last N (or
 * bytes before its last N), and, for lines, whatever exceeds N lines of
 * max_line bytes and their delimiters: the start of an overlong line, and
 * lines before it, recorded in held_loss. */
static void keep_held(struct file *f, const struct reader_config *cfg)
{
    bool whole;
    size_t s = held_start(f, cfg->delim, &whole);
    if (whole && s > 0) {
        f->head += s;
        held_loss_clear(&f->held_loss); /* a line cut before is not kept at all */
    }
    if (f->hold != ATAIL_START_LAST_LINES)
        return;
    uint64_t limit = (uint64_t)cfg->max_line + 1;
    if (f->hold_count > 1)
        limit = f->hold_count > UINT64_MAX / limit ? UINT64_MAX : limit * f->hold_count;
    size_t used = f->tail - f->head;
    if (used > limit) {
        /* (Out of memory, the total said at the end may come out low.) */
        (void)held_loss_drop(&f->held_loss, f->buf + f->head, used - (size_t)limit, cfg->delim,
                             f->hold_count);
        f->head = f->tail - (size_t)limit;
    }
}

char *file_buffer_new(size_t size)
{
    void *p = NULL;
    return posix_memalign(&p, FILE_PAGE, size) == 0 ? p : NULL;
}

/* Index in a page-aligned buffer where a read of the bytes at file offset
 * pos lands, with `used` bytes kept right before it: the smallest index
 * >= used at the same offset within a page as pos. The kernel then copies
 * each page of the page cache to the same offset in a page of ours: at
 * distance 0, which some CPUs copy at up to 4 times the speed of a nearby
 * distance (docs/ARCHITECTURE.md, "Reads land where the page cache has
 * them"). */
size_t file_read_slot(uint64_t pos, size_t used)
{
    size_t s = (size_t)(pos % FILE_PAGE);
    return used <= s ? s : s + (used - s + FILE_PAGE - 1) / FILE_PAGE * FILE_PAGE;
}

/* Puts the unread bytes buf[head..tail) right before index `at` of a
 * buffer of `cap` bytes: the same buffer, or a new one (b, freed f->buf
 * unless shared). */
static void place(struct file *f, char *b, size_t cap, size_t at)
{
    size_t used = f->tail - f->head;
    if (b != f->buf) {
        if (used)
            memcpy(b + at - used, f->buf + f->head, used);
        if (!f->buf_shared)
            free(f->buf);
        f->buf = b;
        f->cap = cap;
        f->buf_shared = false;
    } else if (f->head != at - used) {
        memmove(b + at - used, b + f->head, used);
    }
    f->head = at - used;
    f->tail = at;
}

/* Makes room for one read at the buffer's index `tail`, at the offset
 * within a page that the file offset `pos` has (file_read_slot): drops
 * what a held stream no longer needs, moves the unread bytes, and grows
 * the buffer geometrically. Buffers are page-aligned. Since a read moves
 * `tail` and `pos` together, a buffer stays in step with the file until
 * its bytes move. */
static int make_room(struct file *f, const struct reader_config *cfg)
{
    if (f->head == f->tail) {
        f->head = f->tail = file_read_slot(f->pos, 0);
        /* A span is delivered whole as soon as it is read, so between two
         * reads a file holds nothing: every file reads through the handle's
         * one buffer and costs no memory of its own. */
        if (cfg->spans && f->hold == ATAIL_START_END && cfg->shared) {
            if (!f->buf_shared)
                free(f->buf);
            f->buf = cfg->shared;
            f->cap = f->tail + cfg->read_size; /* cfg->shared has FILE_PAGE more */
            f->buf_shared = true;
            return 0;
        }
    }
    if (!f->want)
        f->want = FILE_FIRST_READ < cfg->read_size ? FILE_FIRST_READ : cfg->read_size;
    size_t used = f->tail - f->head;
    if (f->buf_shared) { /* keeping bytes across reads: a buffer of its own */
        size_t at = file_read_slot(f->pos, used);
        char *b = file_buffer_new(at + cfg->read_size);
        if (!b)
            return -ENOMEM;
        place(f, b, at + cfg->read_size, at);
        return 0;
    }
    if (f->tail % FILE_PAGE == f->pos % FILE_PAGE && f->cap >= f->tail + f->want)
        return 0;
    if (f->hold != ATAIL_START_END)
        keep_held(f, cfg);
    used = f->tail - f->head;
    size_t at = file_read_slot(f->pos, used);
    if (f->buf && f->cap >= at + f->want) {
        place(f, f->buf, f->cap, at);
        return 0;
    }
    size_t cap = f->cap * 2 > at + f->want ? f->cap * 2 : at + f->want;
    char *b = file_buffer_new(cap);
    if (!b)
        return -ENOMEM;
    place(f, b, cap, at);
    return 0;
}

/* The file ended (not followed, or a stream at EOF): no more reads. */
static void finish(struct file *f)
{
    f->at_eof = true;
    f->closed = true;
    f->dirty = false;
}

/* The file no longer holds what was read before `pos`: truncated (maybe
 * refilled past our offset since), or rewritten. Reading starts over at 0
 * (tail's "file truncated"); following by name, the handle first looks for
 * a copy of the old content (copytruncate) to finish. */
static void on_truncation(struct file *f)
{
    f->truncated_at = f->pos;
    f->dirty = false;
    if (f->by_name) {
        f->trunc_pending = true;
        return;
    }
    file_restart(f);
    f->truncated = true;
}

void file_lost_range(struct file *f, uint64_t from, uint64_t to, bool at_least)
{
    f->lost = true;
    f->lost_bytes += to - from;
    f->lost_total += to - from;
    f->lost_at_least |= at_least;
    f->lost_range = f->lost_count++ == 0;
    f->lost_from = from;
    f->lost_to = to;
}

void file_lost(struct file *f, uint64_t bytes)
{
    file_lost_range(f, 0, bytes, bytes == 0);
    if (bytes == 0)
        f->lost_range = false; /* nothing known of it */
}

void file_restart(struct file *f)
{
    f->pos = f->seen_size = 0;
    f->head = f->tail = 0;
    f->sig_len = 0;
    f->head_sig_len = 0; /* relearnt from the new content */
    note_intact(f);
    f->dirty = true;
    f->at_eof = false;
}

/* Remembers the last bytes read, data[0..n), as the bytes before `pos`, and
 * the first bytes of the file when they are among them. */
static void remember(struct file *f, const char *data, size_t n, uint64_t at)
{
    if (at == 0)
        f->head_sig_len = 0; /* read now: what file_read_head() saw may be gone */
    if (at < FILE_SIG_MAX && at + n > f->head_sig_len && at <= f->head_sig_len) {
        size_t k = FILE_SIG_MAX - (size_t)at < n ? FILE_SIG_MAX - (size_t)at : n;
        memcpy(f->head_sig + at, data, k);
        f->head_sig_len = (uint32_t)(at + k);
    }
    if (n >= FILE_SIG_MAX) {
        memcpy(f->sig, data + n - FILE_SIG_MAX, FILE_SIG_MAX);
        f->sig_len = FILE_SIG_MAX;
        return;
    }
    size_t keep = f->sig_len < FILE_SIG_MAX - n ? f->sig_len : FILE_SIG_MAX - n;
    memmove(f->sig, f->sig + f->sig_len - keep, keep);
    memcpy(f->sig + keep, data, n);
    f->sig_len = (uint32_t)(keep + n);
}

/* Reads at f->pos into the buffer. A followed seekable file is read from a
 * few bytes earlier, in the same call, to check that they are still what
 * was read: if not, *changed is set and nothing is returned. */
static ssize_t read_at(struct file *f, size_t room, bool *changed)
{
    *changed = false;
    if (!f->seekable)
        return read(f->fd, f->buf + f->tail, room);
    size_t k = !f->follow ? 0 : f->pos < FILE_SIG_MAX ? (size_t)f->pos : FILE_SIG_MAX;
    if (k == 0)
        return pread(f->fd, f->buf + f->tail, room, (off_t)f->pos);
    char before[FILE_SIG_MAX];
    struct iovec iov[2] = {{before, k}, {f->buf + f->tail, room}};
    ssize_t n = preadv(f->fd, iov, 2, (off_t)(f->pos - k));
    if (n < 0)
        return n;
    if ((size_t)n < k || (f->sig_len == k && memcmp(before, f->sig, k) != 0)) {
        *changed = true;
        return 0;
    }
    if (f->sig_len != k) { /* started mid-file: learn them now */
        memcpy(f->sig, before, k);
        f->sig_len = (uint32_t)k;
    }
    return n - (ssize_t)k;
}

/* Following by name and behind (a read filled the buffer): how much the
 * file holds, the lower bound of a loss should it be truncated and its
 * copy deleted before it is read. */
static void note_size(struct file *f)
{
    struct stat st;
    if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size > f->seen_size)
        f->seen_size = (uint64_t)st.st_size;
}

/* One read into the buffer. Returns 0 or a negative errno. */
static int fill(struct file *f, const struct reader_config *cfg)
{
    int r = make_room(f, cfg);
    if (r < 0)
        return r;
    size_t room = f->cap - f->tail;
    ssize_t n;
    bool changed;
    do {
        n = read_at(f, room, &changed);
    } while (n < 0 && errno == EINTR);

    if (n < 0) {
        if (errno == EAGAIN) {
            f->dirty = false;
            return 0;
        }
        return -errno;
    }
    if (changed) {
        on_truncation(f);
        return 0;
    }
    note_intact(f);
    if (n > 0) {
        if ((size_t)n == room && f->want < cfg->read_size) /* busy: read more at once */
            f->want = f->want * 2 < cfg->read_size ? f->want * 2 : cfg->read_size;
        if ((size_t)n == room && f->by_name)
            note_size(f);
        if (f->seekable)
            remember(f, f->buf + f->tail, (size_t)n, f->pos);
        f->tail += (size_t)n;
        f->pos += (uint64_t)n;
        f->at_eof = false;
        f->start_pending = f->verify_start;
        /* A stream is read once per readiness report; a device that cannot
         * be polled (epoll_ok false) is always ready. A short read of a
         * seekable file means its end: later appends come with a change
         * report, since the watch was armed before the first read. */
        if (!f->seekable) {
            f->dirty = !f->epoll_ok;
        } else if ((size_t)n < room && f->follow) {
            f->dirty = false;
            f->at_eof = true;
        }
        return 0;
    }
    if (f->reopen) {
        f->at_eof = true;
        f->dirty = false;
        f->reopen_now = true;
        return 0;
    }
    if (!f->seekable && f->follow && !f->epoll_ok) {
        /* A device that cannot be polled and is at its end (/dev/null):
         * followed, it is waited on forever, as tail -f does. */
        f->at_eof = true;
        f->dirty = false;
        return 0;
    }
    if (!f->seekable || !f->follow) {
        finish(f);
        return 0;
    }
    f->at_eof = true;
    f->dirty = false;
    return 0;
}

static void set_event(struct atail_event *ev, const struct file *f, enum atail_event_kind kind)
{
    ev->kind = kind;
    ev->file = (int)f->id;
    ev->path = f->path;
    ev->data = NULL;
    ev->len = 0;
    ev->offset = f->pos;
    ev->flags = 0;
    ev->error = 0;
}

static void set_data(struct atail_event *ev, const struct file *f, enum atail_event_kind kind,
                     size_t len, unsigned flags)
{
    set_event(ev, f, kind);
    ev->data = f->buf + f->head;
    ev->len = len;
    ev->offset = f->pos - (f->tail - f->head);
    ev->flags = flags;
}

/* Cuts the next event out of the buffered bytes. Returns 1 or 0. */
static int deliver(struct file *f, const struct reader_config *cfg, struct atail_event *ev)
{
    if (f->skip_bytes > 0) {
        size_t d = f->tail - f->head;
        if (d > f->skip_bytes)
            d = (size_t)f->skip_bytes;
        f->head += d;
        f->skip_bytes -= d;
    }
    if (f->skip_lines > 0)
        f->head += lines_skip(f->buf + f->head, f->tail - f->head, cfg->delim, &f->skip_lines);
    if (f->hold != ATAIL_START_END) {
        if (!f->at_eof)
            return 0;
        keep_held(f, cfg);
        uint64_t kept = lines_count(f->buf + f->head, f->tail - f->head, cfg->delim);
        uint64_t lost = f->hold == ATAIL_START_LAST_LINES
                            ? held_loss_total(&f->held_loss, f->hold_count, kept)
                            : 0;
        held_loss_free(&f->held_loss);
        f->hold = ATAIL_START_END;
        if (lost) {
            set_event(ev, f, ATAIL_EVENT_LOST);
            ev->len = (size_t)lost;
            f->lost_total += lost;
            ev->offset = f->lost_total;
            ev->flags = ATAIL_LOST_LONG_LINE;
            f->said_range = false;
            return 1;
        }
    }
    size_t avail = f->tail - f->head;
    if (avail == 0)
        return 0;
    if (cfg->spans) {
        set_data(ev, f, ATAIL_EVENT_DATA, avail, 0);
        f->head = f->tail;
        return 1;
    }
    size_t scan = avail < cfg->max_line ? avail : cfg->max_line;
    const char *d = memchr(f->buf + f->head, cfg->delim, scan);
    if (d) {
        size_t len = (size_t)(d - (f->buf + f->head));
        set_data(ev, f, ATAIL_EVENT_LINE, len, 0);
        f->head += len + 1;
        return 1;
    }
    if (avail > cfg->max_line) {
        /* A delimiter right after the cut ends the line: no empty piece.
         * (A line of exactly max_line bytes waits for its next byte.) */
        bool ends = (unsigned char)f->buf[f->head + cfg->max_line] == (unsigned char)cfg->delim;
        set_data(ev, f, ATAIL_EVENT_LINE, cfg->max_line, ends ? 0 : ATAIL_LINE_CUT);
        f->head += cfg->max_line + (ends ? 1 : 0);
        return 1;
    }
    if (f->closed || f->flush) {
        set_data(ev, f, ATAIL_EVENT_LINE, avail, ATAIL_LINE_NO_DELIM);
        f->head = f->tail;
        return 1;
    }
    return 0;
}

int file_next(struct file *f, const struct reader_config *cfg, struct atail_event *ev)
{
    for (;;) {
        if (f->error) {
            set_event(ev, f, ATAIL_EVENT_ERROR);
            ev->error = f->error;
            f->error = 0;
            return 1;
        }
        if (f->truncated) {
            set_event(ev, f, ATAIL_EVENT_TRUNCATED);
            ev->offset = f->truncated_at;
            f->truncated = false;
            return 1;
        }
        if (f->lost) {
            set_event(ev, f, ATAIL_EVENT_LOST);
            ev->len = (size_t)f->lost_bytes;
            ev->offset = f->lost_total;
            ev->flags = f->lost_at_least ? ATAIL_LOST_AT_LEAST : 0;
            f->said_range = f->lost_range;
            f->said_from = f->lost_from;
            f->said_to = f->lost_to;
            f->lost = f->lost_at_least = f->lost_range = false;
            f->lost_bytes = 0;
            f->lost_count = 0;
            return 1;
        }
        if (f->notice) {
            set_event(ev, f, f->notice);
            if (f->notice == ATAIL_EVENT_TRUNCATED)
                ev->offset = f->truncated_at;
            ev->error = f->notice_error;
            f->notice = 0;
            f->notice_error = 0;
            return 1;
        }
        if (f->polling_notice && !f->name_missing) {
            set_event(ev, f, ATAIL_EVENT_POLLING);
            ev->error = f->polling_notice;
            f->polling_notice = 0;
            return 1;
        }
        if (f->start_pending)
            return 0; /* the handle checks them first */
        if (deliver(f, cfg, ev))
            return 1;
        if (f->at_eof && !f->eof_reported) {
            set_event(ev, f, ATAIL_EVENT_EOF);
            f->eof_reported = true;
            return 1;
        }
        if (f->closed) {
            if (f->end_reported)
                return 0;
            set_event(ev, f, ATAIL_EVENT_END);
            f->end_reported = true;
            return 1;
        }
        if (!f->dirty || f->fd < 0 || f->trunc_pending)
            return 0;
        int r = fill(f, cfg);
        if (r < 0) {
            f->error = r;
            finish(f);
        }
    }
}
