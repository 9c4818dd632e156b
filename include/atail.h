/*
 * atail.h - libatail, an asynchronous follower of growing files (logs).
 *
 * One opaque handle follows one or more files. Everything the handle waits
 * for (inotify, pipes, timers) lives in one epoll set whose descriptor,
 * atail_fd(), becomes readable when atail_next() may have news, so the
 * follower drops into any event loop (poll, epoll, libuv, Python asyncio).
 *
 *     atail *t;
 *     struct atail_event ev;
 *     if (atail_open(&t, NULL) < 0) ...
 *     if (atail_follow(t, "app.log", NULL) < 0) ...      // from its end
 *     for (;;) {
 *         int r = atail_next(t, &ev);
 *         if (r == -EAGAIN) { atail_wait(t, -1); continue; }
 *         if (r <= 0) break;                          // 0: nothing left
 *         if (ev.kind == ATAIL_EVENT_LINE) fwrite(ev.data, 1, ev.len, stdout);
 *     }
 *     atail_close(t);
 *
 * Rules that hold for the whole API (stated once, here):
 *
 * - Errors are negative errno values (-EINVAL: bad argument, -ENOMEM, or
 *   what the failing system call said). atail_strerror() describes them.
 * - Ownership: the handle owns every descriptor, watch and buffer it creates
 *   and releases all of them in atail_close(), on every path. Strings passed
 *   in (paths, names) are copied; the caller keeps its own.
 * - Borrowed data: the `data` and `path` pointers of an event point into the
 *   handle's memory. They stay valid until the next call to atail_next() or
 *   atail_close() on that handle, whichever comes first. Copy what you keep.
 * - Readiness: after atail_fd() polls readable, call atail_next() until it
 *   returns -EAGAIN. As long as atail_next() has not returned -EAGAIN, the
 *   descriptor stays readable, so a caller that stops early loses nothing
 *   (it may see one -EAGAIN before the rest, when it waited on atail_fd()
 *   itself rather than through atail_wait()).
 * - No function blocks, except atail_wait() (for at most its timeout) and
 *   atail_follow() on slow filesystems (open and stat).
 * - The library has no global state, starts no thread, never prints and
 *   never exits. A handle may be used by one thread at a time.
 * - Every descriptor is opened with O_CLOEXEC.
 */
#ifndef ATAIL_H
#define ATAIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(ATAIL_STATIC_BUILD)
#define ATAIL_EXPORT __attribute__((visibility("default")))
#else
#define ATAIL_EXPORT
#endif

#define ATAIL_VERSION_MAJOR 0
#define ATAIL_VERSION_MINOR 1
#define ATAIL_VERSION_PATCH 0
#define ATAIL_VERSION_STRING "0.1.0"

/* Default longest line delivered whole in line mode; longer lines come in
 * pieces flagged ATAIL_LINE_CUT. Memory per file stays below about this
 * plus the read size. */
#define ATAIL_DEFAULT_MAX_LINE ((size_t)1024 * 1024)
/* Default size of one read() from a file. */
#define ATAIL_DEFAULT_READ_SIZE ((size_t)128 * 1024)

typedef struct atail atail;

/* ---- Handle options ---------------------------------------------------- */

/* Deliver ATAIL_EVENT_DATA spans (whole bytes as read, including the
 * delimiters, and a partial last line at once, as tail does) instead of one
 * ATAIL_EVENT_LINE per line. The fastest way to copy output. */
#define ATAIL_OPEN_SPANS 0x1u
/* Never use inotify: check every file by stat every poll_interval_ms (for
 * filesystems whose changes inotify cannot see, or to compare). Without
 * it, polling is still chosen per file on network and FUSE filesystems and
 * when inotify watches run out. */
#define ATAIL_OPEN_POLL 0x2u

/* Default period of the polling backend, and default grace period during
 * which a rotated file is still read (see ATAIL_EVENT_ROTATED). */
#define ATAIL_DEFAULT_POLL_INTERVAL_MS 1000u
#define ATAIL_DEFAULT_ROTATE_GRACE_MS 2000u
#define ATAIL_DEFAULT_STATE_INTERVAL_MS 1000u

struct atail_options {
    unsigned flags;             /* ATAIL_OPEN_* bits; 0 by default */
    int delimiter;              /* line delimiter byte: '\n' (default) or '\0' */
    size_t max_line;            /* see ATAIL_DEFAULT_MAX_LINE; must be >= 1 */
    size_t read_size;           /* bytes per read(); ATAIL_DEFAULT_READ_SIZE */
    unsigned poll_interval_ms;  /* polling period, >= 1 */
    unsigned rotate_grace_ms;   /* see ATAIL_EVENT_ROTATED */
    const char *state_path;     /* checkpoint file (see atail_commit()), or
                                   NULL for none; copied */
    unsigned state_interval_ms; /* save committed positions at most this
                                   often; 0: at every atail_commit() */
    unsigned idle_close_ms;     /* 0 (default): files stay open. Otherwise a
                                   file followed by name (ATAIL_FOLLOW_NAME,
                                   globs) that has not changed for this long
                                   is closed, and sooner when descriptors run
                                   out (EMFILE) and it is the least recently
                                   changed; its inotify watch stays, and a
                                   change reopens it, found by identity
                                   (device, inode, first bytes) under its
                                   name or a rotated one. What is appended
                                   to a closed file and then deleted with it
                                   before the change is seen is lost
                                   (ATAIL_EVENT_LOST, amount unknown). Files
                                   on polled filesystems are not closed. The
                                   closing happens in atail_next(), when its
                                   timer has fired. */
};

/* Fills *opt with the defaults. Always call it before setting fields, so
 * that fields added in later versions get their defaults. */
ATAIL_EXPORT void atail_options_init(struct atail_options *opt);

/* ---- Opening and closing (C's `async with`) ---------------------------- */

/* Creates a handle. opt may be NULL for the defaults; it is copied.
 * Returns 0 and sets *out, or a negative errno (*out is then NULL):
 * -EINVAL for bad options, -ENOMEM, -EMFILE and the like from epoll,
 * inotify or eventfd creation; with a state_path, -EBUSY when another
 * handle (in any process) uses that state file, -EBADMSG when the file is
 * damaged or not a state file, or the errno of reading it. A missing state
 * file is an empty state. */
ATAIL_EXPORT int atail_open(atail **out, const struct atail_options *opt);

/* Releases every descriptor, watch and buffer of the handle. Accepts NULL.
 * Always returns NULL, so `t = atail_close(t);` leaves no dangling pointer. */
ATAIL_EXPORT atail *atail_close(atail *t);

/* For __attribute__((cleanup)) users: ATAIL_CLEANUP atail *t = NULL; closes
 * the handle when t goes out of scope, on every path. */
ATAIL_EXPORT void atail_closep(atail **t);
#if defined(__GNUC__)
#define ATAIL_CLEANUP __attribute__((cleanup(atail_closep)))
#endif

/* ---- Adding files ------------------------------------------------------ */

enum atail_start {
    ATAIL_START_END = 0,    /* only data appended from now on (default) */
    ATAIL_START_BEGIN,      /* the whole file */
    ATAIL_START_LAST_LINES, /* the last `count` lines (tail -n N); read
                               backwards from the end, never the whole file */
    ATAIL_START_LAST_BYTES, /* the last `count` bytes (tail -c N) */
    ATAIL_START_LINE,       /* from line number `count`, 1-based (-n +N) */
    ATAIL_START_BYTE,       /* from byte offset `count`, 0-based (-c +N+1) */
};

enum atail_follow_mode {
    ATAIL_FOLLOW_NONE = 0,   /* read to the current end, then the file ends */
    ATAIL_FOLLOW_DESCRIPTOR, /* keep reading the open file, whatever its name
                                becomes (tail -f) */
    ATAIL_FOLLOW_NAME,       /* follow the name through rotation (tail -F):
                                see ATAIL_EVENT_ROTATED */
};

/* Keep waiting for a name that is missing or unreadable, at the start or
 * later (tail --retry); without it such a name ends. */
#define ATAIL_FOLLOW_RETRY 0x1u
/* Following by name: once the name has led to a file, keep waiting for it
 * when it leads nowhere or to an unreadable file (deleted, moved away, its
 * mode changed), and read the file that comes back from its start
 * (ATAIL_EVENT_APPEARED); but a name that leads to a directory ends
 * (ATAIL_EVENT_GONE or ATAIL_EVENT_ERROR with -EISDIR, then
 * ATAIL_EVENT_END; atail_follow() returns -EISDIR). Alone, a name that
 * cannot be opened at atail_follow() is an error: GNU tail --follow=name
 * without --retry (which also ends such names once no other file is being
 * read: see atail_reading()). With ATAIL_FOLLOW_RETRY, a name missing at
 * the start is waited for too: GNU tail -f --retry. */
#define ATAIL_FOLLOW_REAPPEAR 0x2u

struct atail_follow_options {
    enum atail_start start;        /* default ATAIL_START_END */
    uint64_t count;                /* lines or bytes for `start` */
    enum atail_follow_mode follow; /* default ATAIL_FOLLOW_DESCRIPTOR */
    unsigned flags;                /* ATAIL_FOLLOW_* bits */
};

/* Fills *fo with the defaults: from the end, follow by descriptor. */
ATAIL_EXPORT void atail_follow_options_init(struct atail_follow_options *fo);

/* Starts following the file at `path`. fo may be NULL for the defaults.
 * Regular files, FIFOs, character devices and sockets are accepted.
 * Returns the file's id (>= 0, in order of addition; events carry it), or a
 * negative errno: -ENOENT, -EACCES, -EISDIR (a directory), -ENOMEM, ...
 * With ATAIL_FOLLOW_NAME and ATAIL_FOLLOW_RETRY, a name that cannot be
 * opened is not an error: its id is returned, an ATAIL_EVENT_ERROR says
 * why, and ATAIL_EVENT_APPEARED comes when it can be read (from its start).
 * Files deliver their initial content in order of addition: every event of
 * the file added first up to its first ATAIL_EVENT_EOF comes before any
 * event of the second, and so on; after that, events interleave. */
ATAIL_EXPORT int atail_follow(atail *t, const char *path, const struct atail_follow_options *fo);

/* Like atail_follow(), for an open descriptor (standard input, say). The
 * handle duplicates fd, so the caller keeps and closes its own. `name` is
 * what events report as path (e.g. "standard input"). A pipe, FIFO or
 * terminal is read when it polls readable and ends at its end of file,
 * since nothing can be appended after that; a regular file behaves as with
 * atail_follow(). Returns the file id or a negative errno. */
ATAIL_EXPORT int atail_follow_fd(atail *t, int fd, const char *name,
                                 const struct atail_follow_options *fo);

/* Follows every regular file whose name matches `pattern`, now and whenever
 * one appears later (like a shell pattern: /var/log/app/ *.log without the
 * space). Wildcards (fnmatch(3))
 * are allowed in the last path component only. Files present now are added
 * in name order with fo's start position; files that appear later are read
 * from their start and announced by ATAIL_EVENT_APPEARED; with
 * ATAIL_FOLLOW_NAME a deleted file is dropped once read (no retry), and
 * followed again if its name returns. A name that leads to a file already
 * being read (a rotated file matching the pattern) is not followed twice.
 * exclude: NULL-terminated fnmatch patterns for names to leave out, or NULL.
 * fo->follow must be ATAIL_FOLLOW_NAME or ATAIL_FOLLOW_NONE (only the
 * current matches). Returns the number of files added now (>= 0), or a
 * negative errno (-ENOENT: the directory does not exist; -EINVAL). */
ATAIL_EXPORT int atail_follow_glob(atail *t, const char *pattern, const char *const *exclude,
                                   const struct atail_follow_options *fo);

/* Whether file id is being read now: 1 when a file is open for it (or
 * closed while idle, see idle_close_ms), 0 when its name is waited for
 * (missing or unreadable, ATAIL_FOLLOW_RETRY) or it has ended, -EINVAL for
 * an id atail_follow() never returned. A name missing at atail_follow() may
 * still be read: resumed from a checkpoint (see atail_commit()) in the file
 * it was rotated to while nothing followed it. */
ATAIL_EXPORT int atail_reading(const atail *t, int file);

/* The identity (device and inode numbers) of the file whose data file id
 * delivered last: call it after atail_next() returned that data, before
 * the next call (a rotation switches the file). A shipper keys what it
 * sent with it, as the checkpoint does. Returns 0, -ENOENT when no file
 * was ever opened for the id, or -EINVAL for an unknown id. */
ATAIL_EXPORT int atail_file_identity(const atail *t, int file, uint64_t *dev, uint64_t *ino);

/* ---- Events (C's `async for`) ------------------------------------------ */

enum atail_event_kind {
    ATAIL_EVENT_LINE = 1,  /* data/len: one line without its delimiter */
    ATAIL_EVENT_DATA,      /* data/len: bytes as read (ATAIL_OPEN_SPANS) */
    ATAIL_EVENT_EOF,       /* the file reached its end for the first time:
                              its initial content has been delivered */
    ATAIL_EVENT_TRUNCATED, /* the file shrank below what was read; reading
                              starts again at offset 0 */
    ATAIL_EVENT_ERROR,     /* error: a negative errno; the file goes on being
                              followed unless ATAIL_EVENT_END follows */
    ATAIL_EVENT_END,       /* the file gives no more events (not followed
                              and fully read, a pipe closed, a fatal error,
                              a name gone without ATAIL_FOLLOW_RETRY) */
    ATAIL_EVENT_ROTATED,   /* following by name, the name now leads to
                              another file (renamed, deleted or replaced, a
                              symbolic link switched). The old file has been
                              read to its end, including what was appended
                              to it until the new file received data or the
                              grace period (rotate_grace_ms) passed; reading
                              continues with the new file from its start. */
    ATAIL_EVENT_APPEARED,  /* a name that was missing or unreadable leads to
                              a readable file: read from its start */
    ATAIL_EVENT_GONE,      /* the name leads to no readable file any more
                              (error: why); the old file has been read to
                              its end. With ATAIL_FOLLOW_RETRY or
                              ATAIL_FOLLOW_REAPPEAR the name is waited for
                              (with REAPPEAR, unless it leads to a
                              directory); otherwise ATAIL_EVENT_END follows. */
    ATAIL_EVENT_LOST,      /* data known to be lost for good: len is how
                              many bytes; with ATAIL_LOST_AT_LEAST in flags,
                              a lower bound (0: the amount is not known: a
                              rotated file deleted before it could be read,
                              one more generation than the library keeps
                              while behind, a copytruncate copy deleted
                              before what followed our offset was read).
                              atail_lost_range() tells which bytes of the
                              lost file they were. offset is the file's
                              running total of bytes counted in len. */
    ATAIL_EVENT_POLLING,   /* following by name, the name is watched by
                              polling (every poll_interval_ms) from now on,
                              inotify being of no use for it; error says
                              why: -ENOENT, its directory was removed (said
                              after the file's ATAIL_EVENT_GONE). */
};

/* Flags of a line event.
 * ATAIL_LINE_CUT: longer than max_line: this is a piece, the rest follows.
 * ATAIL_LINE_NO_DELIM: no delimiter after this line: the file ended (not
 * followed, a closed pipe) or was left for another (rotation). */
#define ATAIL_LINE_CUT 0x1u
#define ATAIL_LINE_NO_DELIM 0x2u
/* Flag of a LOST event: the bytes were the start of a line longer than
 * max_line among the last lines of a stream (ATAIL_START_LAST_LINES on a
 * pipe or device), which keeps at most count * (max_line + 1) bytes: memory
 * stays bounded whatever comes (tail -n 1 /dev/zero). Said at the stream's
 * end, before the lines kept. */
#define ATAIL_LOST_LONG_LINE 0x4u
/* Flag of a LOST event: len is a lower bound; more was lost, how much is
 * not known (the end of a file whose copy was deleted, whole generations
 * never seen). */
#define ATAIL_LOST_AT_LEAST 0x8u

struct atail_event {
    enum atail_event_kind kind;
    int file;         /* id returned by atail_follow(); -1 for the state file */
    const char *path; /* as given to atail_follow(); borrowed */
    const char *data; /* LINE and DATA; borrowed, not NUL-terminated */
    size_t len;
    uint64_t offset; /* offset in the file of data[0] (or of the end, for
                        EOF; of the old end, for TRUNCATED) */
    unsigned flags;  /* ATAIL_LINE_* */
    int error;       /* ERROR: the negative errno */
};

/* The handle's pollable descriptor: readable when atail_next() may return
 * an event. Owned by the handle; do not close it. */
ATAIL_EXPORT int atail_fd(const atail *t);

/* Returns the next event without blocking:
 *    1        *ev is filled;
 *    -EAGAIN  nothing now: wait for atail_fd() (or call atail_wait());
 *    0        nothing will ever come: every file has ended, or the
 *             process given to atail_watch_pid() has died and what was
 *             written before has been delivered;
 *    < 0      a negative errno for a failure of the handle itself. */
ATAIL_EXPORT int atail_next(atail *t, struct atail_event *ev);

/* Waits until atail_next() may have news, at most timeout_ms milliseconds
 * (-1: no limit). Returns 1 when ready, 0 on timeout, -EINTR when a signal
 * arrived, or another negative errno. */
ATAIL_EXPORT int atail_wait(atail *t, int timeout_ms);

/* Where the bytes the ATAIL_EVENT_LOST of file id just returned counted
 * were: offsets *from to *to (*to - *from is its len) of the file lost
 * (the generation the name led to, or a copytruncate copy of it); with
 * ATAIL_LOST_AT_LEAST, bytes after *to were lost too (*from = *to: from
 * *from on, how many is not known). Call it after atail_next() returned
 * that event, before the next call. Returns 0, -ENOENT when no range is
 * known (an amount not known, or losses of several files told at once:
 * len is then their sum), or -EINVAL for an unknown id or NULL pointers. */
ATAIL_EXPORT int atail_lost_range(const atail *t, int file, uint64_t *from, uint64_t *to);

/* ---- Checkpoints ----------------------------------------------------------- */

/* Declares that every event returned so far has been processed (written
 * out, say): with a state_path, each file's position just past its last
 * delivered byte is recorded, and saved to the state file (atomically:
 * temporary file, fsync, rename, fsync of the directory) at most every
 * state_interval_ms, after a rotation, and at atail_close(). On the next
 * atail_open() with the same state_path, atail_follow() of the same path
 * resumes there, whatever its start option says: in the same file if it
 * is unchanged, in its rotated sibling (following by name) if the name now
 * leads to another file, or from offset 0 if the file was rewritten,
 * truncated or replaced. Delivery is at-least-once: what was delivered
 * after the last save may be delivered again after a crash; nothing is
 * skipped. Cheap enough to call after every write. Returns 0, or the
 * negative errno of a save made now (the positions stay recorded and the
 * save is retried). Without a state_path it does nothing and returns 0. */
ATAIL_EXPORT int atail_commit(atail *t);

/* Saves the committed positions now. Returns 0 or a negative errno
 * (-ENOSPC: disk full; the previous state file is intact). A failed
 * periodic save is reported by an ATAIL_EVENT_ERROR with file -1 and the
 * state file's path. */
ATAIL_EXPORT int atail_save(atail *t);

/* Ends following when process pid has exited, once everything written
 * before its death has been delivered: atail_next() then returns 0. Uses a
 * pidfd where the kernel has one, a one-second check otherwise. Returns 0
 * or a negative errno (-ESRCH: no such process). */
ATAIL_EXPORT int atail_watch_pid(atail *t, int pid);

/* Describes a negative errno returned by this library. Never NULL; the
 * string is static. */
ATAIL_EXPORT const char *atail_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* ATAIL_H */
