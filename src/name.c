/* name.c - following by name (tail -F): rotation, disappearance, retry.
 *
 * The name's directory is watched, so creations, renames and deletions of
 * the name are seen; any such change, and a change of the open file's
 * links or mode, makes the name be rechecked by stat(). When the name
 * leads to another file, that file is opened at once (so a second rotation
 * cannot take it from us) and read only after the old one:
 *
 *   name leads to our file            nothing to do
 *   name leads to another file        open it (queue next_fd); keep reading the
 *                                     old file until the new one has data
 *                                     (the writer moved on), no process has
 *                                     the old one open for writing, or the
 *                                     grace period ends; read the old file
 *                                     one last time; switch: ROTATED
 *   name leads nowhere (or to a dir)  keep reading the old file for the
 *                                     grace period, then GONE; wait for the
 *                                     name (retry, reappear) or end
 *   no file yet, name appears         open it, read from 0: APPEARED
 *
 * Rotations that happen while we are behind (output blocked, machine busy)
 * are not lost: the directory's rename events tell where each file that
 * held the name went, and those generations are queued, oldest first,
 * before the file the name leads to now.
 *
 * A missing directory is waited for through its nearest existing ancestor,
 * moving the watch down as the path comes into being. */
#include "name.h"

#include "idle.h"
#include "name_link.h"
#include "name_unseen.h"
#include "sibling.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void remove_dir_watch(struct file *f)
{
    if (f->dir_wid >= 0 && f->be && f->be->w)
        f->be->ops->remove(f->be->w, f->dir_wid, f->id);
    if (f->link_wid == f->dir_wid)
        f->link_wid = -1; /* it was the same watch: armed anew at the next recheck */
    f->dir_wid = -1;
    f->dir_is_parent = false;
}

/* Watches the name's directory, or its nearest existing ancestor. */
static void arm_dir(atail *t, struct file *f)
{
    if (f->dir_wid >= 0 && f->dir_is_parent)
        return;
    remove_dir_watch(f);
    char *p = strdup(f->dir);
    if (!p)
        return; /* retried at the next change */
    do {
        int r = f->be->ops->add_dir(f->be->w, p, f->id);
        if (r >= 0) {
            f->dir_wid = r;
            f->dir_is_parent = strcmp(p, f->dir) == 0;
            break;
        }
        if (r == -ENOSPC && f->be == &t->inotify) {
            handle_use_polling(t, f); /* re-arms through the poll backend */
            break;
        }
    } while (name_path_up(p));
    free(p);
}

static void start_grace(atail *t, struct file *f)
{
    if (f->deadline_ms)
        return;
    f->deadline_ms = handle_now_ms() + t->rotate_grace_ms;
    if (f->deadline_ms == 0)
        f->deadline_ms = 1;
    t->n_waiting++;
    handle_arm_timer(t);
}

static void clear_grace(atail *t, struct file *f)
{
    if (!f->deadline_ms)
        return;
    f->deadline_ms = 0;
    t->n_waiting--;
}

/* An error while the name has no file: said once per distinct error. */
static void wait_error(struct file *f, int err)
{
    if (err == f->last_error)
        return;
    f->last_error = err;
    f->error = err;
}

int name_init(atail *t, struct file *f, unsigned flags)
{
    f->by_name = true;
    f->retry = (flags & (ATAIL_FOLLOW_RETRY | ATAIL_FOLLOW_REAPPEAR)) != 0;
    f->give_up_dirs = (flags & ATAIL_FOLLOW_REAPPEAR) != 0;
    const char *slash = strrchr(f->path, '/');
    f->base = slash ? slash + 1 : f->path;
    if (!slash)
        f->dir = strdup(".");
    else if (slash == f->path)
        f->dir = strdup("/");
    else
        f->dir = strndup(f->path, (size_t)(slash - f->path));
    if (!f->dir)
        return -ENOMEM;
    struct stat st;
    if (f->fd >= 0)
        file_read_head(f);
    /* (What the name leads to, opened or not: a directory, a file we may
     * not read.) */
    int seen = f->fd >= 0 ? fstat(f->fd, &st) : stat(f->path, &st);
    name_unseen_start(f, seen == 0 ? &st : NULL);
    arm_dir(t, f);
    name_watch_link(t, f);
    return 0;
}

/* Remembers the file (dev, ino) beginning with the first `len` bytes of
 * f->head_sig as a generation read. */
static void done_add(struct file *f, dev_t dev, ino_t ino, uint32_t len)
{
    if (f->n_done == FILE_DONE_MAX)
        memmove(f->done, f->done + 1, --f->n_done * sizeof f->done[0]);
    f->done[f->n_done].dev = dev;
    f->done[f->n_done].ino = ino;
    f->done[f->n_done].head_len = len;
    f->done[f->n_done++].head_hash = ckpt_hash(f->head_sig, len);
}

/* Remembers the open generation as read to its end. */
static void mark_done(struct file *f)
{
    if (f->fd >= 0 && f->seekable)
        done_add(f, f->dev, f->ino, f->head_sig_len);
}

/* Whether the file open as fd is a generation read already. */
static bool already_read(const struct file *f, int fd, const struct stat *st)
{
    for (unsigned i = 0; i < f->n_done; i++) {
        if (f->done[i].dev != st->st_dev || f->done[i].ino != st->st_ino)
            continue;
        char head[FILE_SIG_MAX];
        uint32_t len = f->done[i].head_len;
        if (pread(fd, head, len, 0) == (ssize_t)len && ckpt_hash(head, len) == f->done[i].head_hash)
            return true;
    }
    return false;
}

static void adopt(atail *t, struct file *f, int fd, enum atail_event_kind notice)
{
    mark_done(f);
    handle_unwatch_file(t, f);
    int r = file_switch(f, fd);
    if (r == 0)
        r = handle_watch_file(t, f);
    if (r < 0) {
        wait_error(f, r);
        return;
    }
    f->notice = notice;
    f->last_error = 0;
    f->recheck = true; /* it may have moved on while we opened it */
}

/* ---- the queue of generations to read after the open one -------------- */

/* Where the generation (dev, ino) is: QUEUED_OPEN (being read), its index
 * among the waiting files, or QUEUED_NOT. */
enum { QUEUED_NOT = -2, QUEUED_OPEN = -1 };

static int queued_index(const struct file *f, dev_t dev, ino_t ino)
{
    struct stat st;
    if (f->fd >= 0 && f->dev == dev && f->ino == ino)
        return QUEUED_OPEN;
    for (unsigned i = 0; i < f->n_next; i++)
        if (fstat(f->next_fd[i], &st) == 0 && st.st_dev == dev && st.st_ino == ino)
            return (int)i;
    return QUEUED_NOT;
}

static bool queued_identity(const struct file *f, dev_t dev, ino_t ino)
{
    return queued_index(f, dev, ino) != QUEUED_NOT;
}

/* The descriptor of the generation (dev, ino) if we hold it, else -1. */
static int held_fd(const struct file *f, dev_t dev, ino_t ino)
{
    int at = queued_index(f, dev, ino);
    return at == QUEUED_OPEN ? f->fd : at >= 0 ? f->next_fd[at] : -1;
}

/* With inotify, the first file waiting to be read is watched too: its first
 * data means the writer moved on, and ends the grace period at once. */
static void watch_next(atail *t, struct file *f)
{
    if (f->next_wid >= 0 || f->n_next == 0 || f->be != &t->inotify || !f->be->w)
        return;
    int wid = f->be->ops->add_file(f->be->w, f->next_fd[0], f->id);
    f->next_wid = wid >= 0 && wid != f->wid ? wid : -1;
}

static void unwatch_next(struct file *f)
{
    if (f->next_wid >= 0 && f->be && f->be->w)
        f->be->ops->remove(f->be->w, f->next_wid, f->id);
    f->next_wid = -1;
}

/* Takes the first waiting file; its watch, if any, is the caller's to
 * keep (*wid) or drop. */
static int pop_next(struct file *f, int *wid)
{
    int fd = f->next_fd[0];
    memmove(f->next_fd, f->next_fd + 1, --f->n_next * sizeof f->next_fd[0]);
    if (f->next_at_name >= 0)
        f->next_at_name--; /* -1 once it is the one taken */
    *wid = f->next_wid;
    f->next_wid = -1;
    return fd;
}

/* When the file open as fd was created (statx birth time). Filesystems
 * stamp it with a coarse clock (ext4: one tick, a few milliseconds), so
 * files born within one tick compare equal; inode numbers say nothing, as
 * freed ones are reused. False when the filesystem does not record it. */
static bool birth(int fd, struct timespec *b)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &stx) < 0 || !(stx.stx_mask & STATX_BTIME))
        return false;
    b->tv_sec = stx.stx_btime.tv_sec;
    b->tv_nsec = stx.stx_btime.tv_nsec;
    return true;
}

static bool later(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

/* Room for one more waiting file; false when there is none (fd is then
 * closed and what it holds counted as lost). */
static bool next_room(struct file *f, int fd)
{
    if (f->n_next < f->cap_next)
        return true;
    unsigned cap = f->cap_next ? f->cap_next * 2 : 4;
    int *a = realloc(f->next_fd, cap * sizeof *a);
    if (!a) {
        struct stat st;
        file_lost(f, fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0);
        close(fd);
        return false;
    }
    f->next_fd = a;
    f->cap_next = cap;
    return true;
}

/* Puts fd first among the waiting files, whatever its birth time. */
static void push_first(atail *t, struct file *f, int fd)
{
    if (!next_room(f, fd))
        return;
    unwatch_next(f);
    memmove(f->next_fd + 1, f->next_fd, f->n_next * sizeof f->next_fd[0]);
    f->next_fd[0] = fd;
    f->n_next++;
    if (f->next_at_name >= 0)
        f->next_at_name++;
    watch_next(t, f);
}

/* Queues fd; returns its index, or -1 when it could not be kept. */
static int push_next(atail *t, struct file *f, int fd)
{
    if (f->n_next == FILE_NEXT_MAX) {
        /* Too far behind: the oldest waiting generation is given up. */
        int wid;
        int old = pop_next(f, &wid);
        struct stat st;
        file_lost(f, fstat(old, &st) == 0 ? (uint64_t)st.st_size : 0);
        close(old);
        if (wid >= 0)
            f->be->ops->remove(f->be->w, wid, f->id);
    }
    if (!next_room(f, fd))
        return -1;
    /* Generations are read in the order they were learnt (the rename
     * history, oldest first, then the name's current file), except that
     * one born clearly later goes after (names resolved late, when
     * several rotations came at once, can lead to newer files), and one
     * the history names while the file last seen at the name has not
     * left it yet is older than that file. */
    unsigned at = f->n_next;
    struct timespec born, other;
    bool known = birth(fd, &born);
    if (known)
        while (at > 0 && birth(f->next_fd[at - 1], &other) && later(&other, &born))
            at--;
    int named = f->next_at_name;
    if (named >= 0 && at > (unsigned)named &&
        !(known && birth(f->next_fd[named], &other) && later(&born, &other)))
        at = (unsigned)named;
    if (named >= 0 && at <= (unsigned)named)
        f->next_at_name++;
    if (at == 0 && f->n_next > 0)
        unwatch_next(f); /* the first waiting file changes */
    memmove(f->next_fd + at + 1, f->next_fd + at, (f->n_next - at) * sizeof f->next_fd[0]);
    f->next_fd[at] = fd;
    f->n_next++;
    watch_next(t, f);
    return (int)at;
}

/* Closes the waiting generations; with `unread`, what they hold counts as
 * lost (they held the name, and will never be read). */
static void drop_next(struct file *f, bool unread)
{
    unwatch_next(f);
    f->next_at_name = -1;
    f->copies = false;
    while (f->n_next > 0) {
        int wid;
        int fd = pop_next(f, &wid);
        struct stat st;
        if (unread && fstat(fd, &st) == 0 && st.st_size > 0)
            file_lost(f, (uint64_t)st.st_size);
        close(fd);
    }
}

/* ---- rename history ------------------------------------------------------ */

static int departed_index(const struct file *f, const char *name)
{
    for (unsigned i = 0; i < f->n_departed; i++)
        if (strcmp(f->departed[i], name) == 0)
            return (int)i;
    return -1;
}

static void departed_remove(struct file *f, unsigned i)
{
    free(f->departed[i]);
    f->n_departed--;
    memmove(f->departed + i, f->departed + i + 1, (f->n_departed - i) * sizeof f->departed[0]);
    memmove(f->departed_cookie + i, f->departed_cookie + i + 1,
            (f->n_departed - i) * sizeof f->departed_cookie[0]);
}

/* Room for one more history entry. */
static bool departed_reserve(struct file *f)
{
    if (f->n_departed < f->cap_departed)
        return true;
    unsigned cap = f->cap_departed ? f->cap_departed * 2 : 4;
    char **d = realloc(f->departed, cap * sizeof *d);
    if (d)
        f->departed = d;
    uint32_t *c = d ? realloc(f->departed_cookie, cap * sizeof *c) : NULL;
    if (c)
        f->departed_cookie = c;
    if (!d || !c)
        return false;
    f->cap_departed = cap;
    return true;
}

/* "dir/name" for a name in the followed name's directory (malloc'd), or
 * NULL when out of memory. */
static char *sibling_path(const struct file *f, const char *name)
{
    size_t len = strlen(f->dir) + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", f->dir, name);
    return p;
}

/* Whether dir/name leads to the file being read. */
static bool leads_to_open_file(const struct file *f, const char *name)
{
    char *p = sibling_path(f, name);
    struct stat st;
    bool r = p && f->fd >= 0 && stat(p, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino;
    free(p);
    return r;
}

/* The file last seen at the name has left it (deleted, or replaced) when
 * it has no link any more. */
static void check_left_name(struct file *f)
{
    struct stat st;
    if (f->next_at_name >= 0 && fstat(f->next_fd[f->next_at_name], &st) == 0 && st.st_nlink == 0)
        f->next_at_name = -1;
}

/* Keeps track, from the directory's events, of where each file that held
 * the name went: a rotation renames it (maybe several times, as logrotate
 * shifts app.log.1 to app.log.2), deletion forgets it. Returns true when
 * the event concerned the name or its history. */
static bool note_history(struct file *f, unsigned what, const char *name, uint32_t cookie)
{
    int i = departed_index(f, name);
    if (what & WATCH_MOVED_FROM) {
        if (strcmp(name, f->base) == 0) {
            name_unseen_moved(f);
            f->leaving_cookie = cookie;
            return true;
        }
        if (i >= 0) {
            f->departed_cookie[i] = cookie;
            f->history_changes++;
        }
        return i >= 0;
    }
    if (what & WATCH_MOVED_TO) {
        if (i >= 0 && f->departed_cookie[i] != cookie) {
            departed_remove(f, (unsigned)i); /* another file moved over it */
            f->history_changes++;
        }
        for (unsigned k = 0; cookie && k < f->n_departed; k++) {
            if (f->departed_cookie[k] == cookie) {
                char *to = strdup(name);
                if (to) {
                    free(f->departed[k]);
                    f->departed[k] = to;
                }
                f->departed_cookie[k] = 0;
                return true;
            }
        }
        if (cookie && cookie == f->leaving_cookie) {
            f->leaving_cookie = 0;
            /* Only "the file we read" can be told from its new name now:
             * with names reused (logrotate shifting app.log.1 to .2), the
             * name may already lead to a newer generation. The others are
             * told apart when the history is queued. */
            if (leads_to_open_file(f, name))
                return true;
            if (f->n_departed == FILE_NEXT_MAX) { /* too far behind */
                departed_remove(f, 0);
                file_lost(f, 0);
            }
            if (!departed_reserve(f) || !(name = strdup(name))) {
                file_lost(f, 0);
                return true;
            }
            f->departed[f->n_departed] = (char *)name;
            f->departed_cookie[f->n_departed++] = 0;
            return true;
        }
        if (strcmp(name, f->base) != 0)
            return false;
        check_left_name(f); /* another file moved over the name */
        name_unseen_replaced(f);
        return true;
    }
    if ((what & WATCH_DELETED) && strcmp(name, f->base) == 0) {
        check_left_name(f);
        name_unseen_deleted(f);
    }
    if ((what & WATCH_DELETED) && i >= 0) {
        /* A rotated generation deleted before we could open it. */
        departed_remove(f, (unsigned)i);
        f->history_changes++;
        file_lost(f, 0);
    }
    return strcmp(name, f->base) == 0 || i >= 0;
}

/* Takes fd, a generation the history names, unless it is read already. */
static void take_departed(atail *t, struct file *f, int fd)
{
    struct stat st;
    if (fd < 0)
        return;
    int at = fstat(fd, &st) == 0 ? queued_index(f, st.st_dev, st.st_ino) : QUEUED_OPEN;
    if (at >= 0 && at == f->next_at_name)
        f->next_at_name = -1; /* it left the name: what comes next is newer */
    if (at != QUEUED_NOT || !S_ISREG(st.st_mode) || already_read(f, fd, &st)) {
        close(fd);
        return;
    }
    push_next(t, f, fd);
}

/* Queues, oldest first, the generations that left the name and that we have
 * not read: with those, no rotation is missed however far behind we were.
 * Their names are resolved while the writer may still be rotating (with
 * logrotate shifting app.log.1 to app.log.2, a name soon leads to another
 * file): the files are taken only if no event moved one of those names
 * meanwhile, else the names are resolved again. */
static void queue_departed(atail *t, struct file *f)
{
    for (unsigned tries = 0; f->n_departed > 0; tries++) {
        unsigned n = f->n_departed;
        int *fds = malloc(n * sizeof *fds);
        if (!fds)
            return; /* tried again at the next recheck */
        for (unsigned i = 0; i < n; i++) {
            char *p = sibling_path(f, f->departed[i]);
            fds[i] = p ? open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) : -1;
            free(p);
        }
        unsigned seen = f->history_changes;
        handle_catch_up_events(t, f);
        bool moved = f->history_changes != seen;
        for (unsigned i = 0; i < n; i++) {
            if (moved && tries < 8) {
                if (fds[i] >= 0)
                    close(fds[i]);
                continue;
            }
            if (f->n_departed > 0) /* (after 8 tries, names may have gone) */
                departed_remove(f, 0);
            take_departed(t, f, fds[i]);
        }
        free(fds);
    }
}

void name_recheck(atail *t, struct file *f)
{
    /* Renames the events have not told yet would make the name's file
     * look newer than generations the history will name later. */
    if (f->fd >= 0)
        handle_catch_up_events(t, f);
    f->recheck = false;
    name_watch_link(t, f); /* the name may have become, or stopped being, a link */
    if (f->fd >= 0)
        queue_departed(t, f);
    struct stat st;
    int err = 0;
    if (stat(f->path, &st) < 0)
        err = -errno;
    else if (S_ISDIR(st.st_mode))
        err = -EISDIR;
    if (!err || err == -EISDIR || err == -ENOENT || err == -ENOTDIR) /* (else: not known) */
        name_unseen_look(f, err && err != -EISDIR ? NULL : &st,
                         f->named ? held_fd(f, f->named_dev, f->named_ino) : -1,
                         f->be == &t->inotify && f->dir_is_parent);
    if (err) {
        if (f->fd >= 0 && !f->name_missing) {
            f->name_missing = true;
            f->name_error = err;
            start_grace(t, f);
        } else if (f->fd < 0 && err == -EISDIR && f->give_up_dirs) {
            f->error = err; /* ATAIL_FOLLOW_REAPPEAR gives the name up */
            f->closed = f->at_eof = true;
            return;
        } else if (f->fd < 0) {
            wait_error(f, err);
        }
        arm_dir(t, f); /* the directory itself may have gone */
        return;
    }
    if (f->fd >= 0 && st.st_dev == f->dev && st.st_ino == f->ino) {
        /* The name leads to our file (again, if it had moved): files
         * that held it meanwhile are not read. */
        f->name_missing = false;
        drop_next(f, true);
        clear_grace(t, f);
        /* Its mode may have changed: say so once if we could not open it
         * any more; reading goes on through the descriptor we hold. */
        bool readable = faccessat(AT_FDCWD, f->path, R_OK, AT_EACCESS) == 0 || errno != EACCES;
        if (!readable && !f->access_lost)
            f->error = -EACCES;
        f->access_lost = !readable;
        return;
    }
    if (queued_identity(f, st.st_dev, st.st_ino))
        return; /* already waiting to be read */
    int fd = idle_open(t, f->path, f);
    if (fd < 0 && errno == ENOENT) {
        f->recheck = true; /* it moved on since stat(): look again */
        return;
    }
    if (fd < 0) {
        if (f->fd < 0) {
            wait_error(f, -errno);
        } else if (!f->access_lost) {
            /* The name leads to a file we cannot open: say so once; the
             * old file goes on being read, and the name rechecked. */
            f->error = -errno;
            f->access_lost = true;
        }
        return;
    }
    f->access_lost = false;
    if (f->fd < 0) {
        adopt(t, f, fd, ATAIL_EVENT_APPEARED);
        return;
    }
    f->next_at_name = -1;     /* the file seen at the name before has left it */
    if (f->be != &t->inotify) /* no rename tells what rotated between two looks */
        name_queue_later_siblings(t, f, fd);
    f->next_at_name = push_next(t, f, fd);
    f->name_missing = false;
    f->dirty = true; /* read the old file to its end */
    start_grace(t, f);
}

void name_on_change(atail *t, struct file *f, int wid, unsigned what, const char *name,
                    uint32_t cookie)
{
    if (what & WATCH_ALL) {
        name_unseen_events_lost(f);
        f->recheck = true;
        return;
    }
    if (name_link_changed(f, wid, what, name))
        f->recheck = true;
    if (wid < 0 || wid != f->dir_wid)
        return;
    if ((what & (WATCH_DIR_GONE | WATCH_GONE)) && f->dir_is_parent && f->be == &t->inotify) {
        /* The name's directory was removed (or moved): as GNU tail, the
         * name is polled from now on, and that is said. */
        handle_use_polling(t, f);
        f->polling_notice = -ENOENT;
        return;
    }
    if (what & (WATCH_DIR_GONE | WATCH_GONE)) {
        /* The directory went away (or its watch did): watch what exists. */
        remove_dir_watch(f);
        arm_dir(t, f);
        f->recheck = true;
        return;
    }
    if (f->dir_is_parent && name && !note_history(f, what, name, cookie))
        return;
    if (!f->dir_is_parent)
        arm_dir(t, f); /* a directory on the way may exist now */
    f->recheck = true;
}

/* Whether `name` (f's name plus a suffix) looks like a rotated copy of
 * f's: a suffix such as .1, -20261126 or _2026-11-26, and not compressed
 * (logrotate's compress: its bytes are not the log's lines). Other
 * siblings (app.log.state, app.log.bak) are not generations. */
static bool rotated_name(const struct file *f, const char *name)
{
    static const char *const ext[] = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".Z"};
    size_t blen = strlen(f->base), len = strlen(name);
    if (len < blen + 2 || strncmp(name, f->base, blen) != 0 || !strchr(".-_", name[blen]) ||
        name[blen] == '\0' || name[blen + 1] < '0' || name[blen + 1] > '9')
        return false;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (len > e && strcmp(name + len - e, ext[i]) == 0)
            return false;
    }
    return true;
}

/* ---- copytruncate: the copies that continue a truncated file ----------- */

/* Whether fd holds, up to the truncated file's old offset, what we read of
 * it: its first bytes, and the bytes just before that offset. */
static bool is_copy(int fd, void *ctx)
{
    const struct file *f = ctx;
    struct stat st;
    char buf[FILE_SIG_MAX];
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (st.st_dev == f->dev && st.st_ino == f->ino) || (uint64_t)st.st_size < f->truncated_at ||
        f->sig_len == 0)
        return false;
    if (pread(fd, buf, f->head_sig_len, 0) != (ssize_t)f->head_sig_len ||
        memcmp(buf, f->head_sig, f->head_sig_len) != 0)
        return false;
    return pread(fd, buf, f->sig_len, (off_t)(f->truncated_at - f->sig_len)) ==
               (ssize_t)f->sig_len &&
           memcmp(buf, f->sig, f->sig_len) == 0;
}

/* Whether fd is the copy of the truncated file that ends before our old
 * offset: we read all it holds and more (lines written between the copy
 * and the truncation, which the copy misses). */
static bool is_read_copy(int fd, void *ctx)
{
    const struct file *f = ctx;
    struct stat st;
    char buf[FILE_SIG_MAX];
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
        (st.st_dev == f->dev && st.st_ino == f->ino) || (uint64_t)st.st_size >= f->truncated_at)
        return false;
    /* (A copy shorter than the first bytes we know is compared whole.) */
    size_t n = (uint64_t)st.st_size < f->head_sig_len ? (size_t)st.st_size : f->head_sig_len;
    return n > 0 && pread(fd, buf, n, 0) == (ssize_t)n && memcmp(buf, f->head_sig, n) == 0;
}

/* When the file open as fd was made: its birth time, else its last
 * modification (a copy is written once, when it is made). */
static bool copy_time(int fd, struct timespec *at)
{
    struct stat st;
    if (birth(fd, at))
        return true;
    if (fstat(fd, &st) < 0)
        return false;
    *at = st.st_mtim;
    return true;
}

/* Calls visit(fd, name, ctx) for each of f's siblings with a rotated name
 * (rotated_name()) that opens; visit() owns fd. False when f's directory
 * cannot be read. */
typedef void rotated_visit(int fd, const char *name, void *ctx);

static bool each_rotated(const struct file *f, rotated_visit *visit, void *ctx)
{
    DIR *d = f->dir ? opendir(f->dir) : NULL;
    if (!d)
        return false;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!rotated_name(f, de->d_name))
            continue;
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0)
            visit(fd, de->d_name, ctx);
    }
    closedir(d);
    return true;
}

/* Whether fd begins with the first bytes read of the open file (as far as
 * either goes): a copy of the content being read. */
static bool begins_as_open(const struct file *f, int fd, const struct stat *st)
{
    char buf[FILE_SIG_MAX];
    size_t n = (uint64_t)st->st_size < f->head_sig_len ? (size_t)st->st_size : f->head_sig_len;
    return n > 0 && pread(fd, buf, n, 0) == (ssize_t)n && memcmp(buf, f->head_sig, n) == 0;
}

/* Which copies oldest_copy_after() takes. */
enum copy_kind {
    ANY_COPY,
    OTHER_HEAD, /* only files not beginning as the open file does */
    START_COPY, /* only files beginning as the open file did when reading
                   started over (start_sig) */
};

/* Whether fd begins with the bytes the open file held when reading
 * started over at 0. */
static bool begins_as_start(const struct file *f, int fd, const struct stat *st)
{
    char buf[FILE_SIG_MAX];
    uint32_t n = f->start_sig_len;
    return n > 0 && (uint64_t)st->st_size >= n && pread(fd, buf, n, 0) == (ssize_t)n &&
           memcmp(buf, f->start_sig, n) == 0;
}

/* oldest_copy_after()'s search. */
struct oldest {
    const struct file *f;
    const struct timespec *after;
    const struct stat *skip;
    enum copy_kind kind;
    int best;
    unsigned long best_number;
    struct timespec at;
};

static void consider_copy(int fd, const char *name, void *ctx)
{
    struct oldest *o = ctx;
    const struct file *f = o->f;
    struct stat st;
    struct timespec made;
    /* The generation number in the name (app.log.3: 3) breaks ties. */
    unsigned long number = strtoul(name + strlen(f->base) + 1, NULL, 10);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
        (st.st_dev == f->dev && st.st_ino == f->ino) ||
        (o->skip && st.st_dev == o->skip->st_dev && st.st_ino == o->skip->st_ino) ||
        queued_identity(f, st.st_dev, st.st_ino) || !copy_time(fd, &made) ||
        later(o->after, &made) || already_read(f, fd, &st) ||
        (o->kind == OTHER_HEAD && begins_as_open(f, fd, &st)) ||
        (o->kind == START_COPY && !begins_as_start(f, fd, &st)) ||
        (o->best >= 0 &&
         (later(&made, &o->at) || (!later(&o->at, &made) && number < o->best_number)))) {
        close(fd);
        return;
    }
    if (o->best >= 0)
        close(o->best);
    o->best = fd;
    o->best_number = number;
    o->at = made;
}

/* The oldest of f's rotated siblings made at `after` or later, with *at
 * its time: the copy of the generation that followed. Names are not
 * trusted for the order (the writer may shift app.log.1 to app.log.2 as
 * we look), only to break ties of time (file times tick every few
 * milliseconds; the higher number is the older). Not candidates: the file
 * being read, those waiting, the generations read already, and `skip`
 * (dev, ino; NULL for none). Returns its descriptor or -1. */
static int oldest_copy_after(const struct file *f, const struct timespec *after,
                             const struct stat *skip, enum copy_kind kind, struct timespec *at)
{
    struct oldest o = {.f = f, .after = after, .skip = skip, .kind = kind, .best = -1};
    each_rotated(f, consider_copy, &o);
    if (o.best >= 0)
        *at = o.at;
    return o.best;
}

/* Whether a directory's status a and b, taken before and after reading
 * it, say it did not change meanwhile: a name renamed while readdir runs
 * (the writer shifting app.log.1 to app.log.2) may be missed. */
static bool dir_unchanged(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Reading f starts over at 0 (after a truncation, or at the truncated
 * file after its copies): its first bytes read are checked against what
 * it holds now, and against the copies made since `after`
 * (name_check_start()). */
static void verify_from(struct file *f, const struct timespec *after)
{
    struct stat st;
    ssize_t n = pread(f->fd, f->start_sig, FILE_SIG_MAX, 0);
    f->start_sig_len = n > 0 ? (uint32_t)n : 0;
    f->start_size = fstat(f->fd, &st) == 0 && (uint64_t)st.st_size > f->start_sig_len
                        ? (uint64_t)st.st_size
                        : f->start_sig_len;
    f->verify_start = true;
    f->verify_after = *after;
}

/* Where to go on after f was truncated: the copy of what was read, from
 * our offset (*from = truncated_at), or else the oldest copy made after
 * it, from 0 (*lost when the copy of what was read is not there). A copy
 * is told by content whichever look found it; the directory is read again
 * when it changed meanwhile. Returns the descriptor, with *made its time,
 * or -1. */
static int find_continuation(struct file *f, uint64_t *from, struct timespec *made, bool *lost)
{
    for (unsigned tries = 0;; tries++) {
        struct stat d0, d1, ms;
        bool looked = stat(f->dir, &d0) == 0;
        struct timespec after = f->intact_at;
        *made = f->intact_at;
        *from = f->truncated_at;
        *lost = false;
        int mine = -1, copy = sibling_find(f, is_copy, f);
        if (copy >= 0) {
            copy_time(copy, made);
        } else {
            mine = sibling_find(f, is_read_copy, f);
            bool known = mine >= 0 && fstat(mine, &ms) == 0;
            if (known && !already_read(f, mine, &ms)) /* what it holds was read */
                done_add(f, ms.st_dev, ms.st_ino,
                         (uint64_t)ms.st_size < f->head_sig_len ? (uint32_t)ms.st_size
                                                                : f->head_sig_len);
            if (known && copy_time(mine, made))
                after = *made;
            copy = oldest_copy_after(f, &after, known ? &ms : NULL, ANY_COPY, made);
            if (copy >= 0 && is_copy(copy, f)) {
                looked = false; /* found late: look again */
            } else {
                *from = 0;
                /* Copies made later, and not the one of what we read:
                 * that one was deleted before we looked (we lagged more
                 * rotations than the copies kept), and what we had not
                 * read of it is gone. */
                *lost = copy >= 0 && mine < 0;
                looked = looked && !(copy >= 0 && is_read_copy(copy, f));
            }
            if (mine >= 0)
                close(mine);
        }
        if ((looked && stat(f->dir, &d1) == 0 && dir_unchanged(&d0, &d1)) || tries == 8)
            return copy;
        if (copy >= 0)
            close(copy);
    }
}

/* Opens copy in place of the truncated file, which is returned (its
 * descriptor), or -1 when copy cannot be taken: the file is then read
 * again from 0. */
static int take_copy(atail *t, struct file *f, int copy)
{
    handle_unwatch_file(t, f);
    int cur = f->fd;
    f->fd = -1;
    if (file_switch(f, copy) < 0) {
        f->fd = cur;
        file_restart(f);
        handle_watch_file(t, f);
        return -1;
    }
    return cur;
}

/* The copy open (made at *made) is read, then the later copies in the
 * order they were made, then the truncated file, cur. */
static void read_copies(atail *t, struct file *f, int cur, const struct timespec *made)
{
    f->copies = true;
    f->copies_after = *made;
    f->switch_notice = ATAIL_EVENT_TRUNCATED;
    name_expect(t, f, cur);
}

void name_truncated(atail *t, struct file *f)
{
    f->trunc_pending = false;
    /* Copies made after the content we read was last seen in place hold
     * newer data; the copy of the generation we read is told by content. */
    struct timespec made;
    uint64_t from;
    bool lost;
    /* What was lost, when it was: from our offset to the size last seen. */
    uint64_t at = f->truncated_at, seen = f->seen_size > at ? f->seen_size : at;
    int copy = find_continuation(f, &from, &made, &lost);
    if (copy < 0) {
        /* (made: the time copies were looked for from) */
        if (seen > at) /* bytes past our offset, and no copy holds them */
            file_lost_range(f, at, seen, true);
        file_restart(f);
        f->truncated = true;
        verify_from(f, &made);
        return;
    }
    /* copytruncate: finish the copy from where we were (or read the next
     * copy made), the later copies in the order they were made, then the
     * truncated file from its start. */
    char sig[FILE_SIG_MAX];
    uint32_t sig_len = f->sig_len;
    memcpy(sig, f->sig, sig_len);
    int cur = take_copy(t, f, copy);
    if (cur < 0) {
        f->truncated = true;
        return;
    }
    if (from > 0) {
        f->pos = from;
        memcpy(f->sig, sig, sig_len);
        f->sig_len = sig_len;
    } else {
        f->notice = ATAIL_EVENT_TRUNCATED;
    }
    if (lost)
        file_lost_range(f, at, seen, true);
    read_copies(t, f, cur, &made);
}

/* oldest_copy_after() (no skip), the directory read again while it
 * changed meanwhile (8 times at most). */
static int settled_copy_after(const struct file *f, const struct timespec *after,
                              enum copy_kind kind, struct timespec *made)
{
    int fd = -1;
    for (unsigned tries = 0; tries <= 8; tries++) {
        struct stat d0, d1;
        bool looked = stat(f->dir, &d0) == 0;
        fd = oldest_copy_after(f, after, NULL, kind, made);
        if (looked && stat(f->dir, &d1) == 0 && dir_unchanged(&d0, &d1))
            break;
        if (fd >= 0 && tries < 8) {
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

/* Whether the first bytes read of the open file begin as it did when
 * reading started over (or nothing was known of it then). */
static bool same_start(const struct file *f)
{
    return f->head_sig_len >= f->start_sig_len &&
           memcmp(f->head_sig, f->start_sig, f->start_sig_len) == 0;
}

void name_check_start(atail *t, struct file *f)
{
    f->start_pending = false;
    f->verify_start = false;
    struct timespec made;
    int copy = -1;
    if (!same_start(f)) {
        /* Another generation: the one started over with was copied and
         * truncated before its first read. Its copy goes first; deleted
         * already (more copytruncates than copies kept), it is lost. */
        copy = settled_copy_after(f, &f->verify_after, START_COPY, &made);
        if (copy < 0)
            file_lost_range(f, 0, f->start_size, true);
    }
    if (copy < 0)
        copy = settled_copy_after(f, &f->verify_after, OTHER_HEAD, &made);
    if (copy < 0)
        return; /* the bytes read are the generation that came next */
    /* Copied and truncated again before we read it: that copy first (the
     * bytes read wait in the file, read again from 0 after the copies). */
    int cur = take_copy(t, f, copy);
    if (cur >= 0)
        read_copies(t, f, cur, &made);
}

/* Whether the file open as fd holds what was read of the copy: its first
 * bytes, and the bytes before our offset. */
static bool holds_read(const struct file *f, int fd)
{
    char buf[FILE_SIG_MAX];
    struct stat st;
    return f->head_sig_len > 0 && f->sig_len > 0 && fstat(fd, &st) == 0 &&
           (uint64_t)st.st_size >= f->pos &&
           pread(fd, buf, f->head_sig_len, 0) == (ssize_t)f->head_sig_len &&
           memcmp(buf, f->head_sig, f->head_sig_len) == 0 &&
           pread(fd, buf, f->sig_len, (off_t)(f->pos - f->sig_len)) == (ssize_t)f->sig_len &&
           memcmp(buf, f->sig, f->sig_len) == 0;
}

/* Reading the copies of a truncated file, one is read: the next one made
 * goes first, or the file itself comes when none is left. Returns true
 * when the file itself still holds the copy just read (copied, not yet
 * truncated): it is then read on from the copy's end, not from 0. */
static bool next_copy(atail *t, struct file *f)
{
    struct timespec made = {0};
    int fd = settled_copy_after(f, &f->copies_after, ANY_COPY, &made);
    f->switch_notice = ATAIL_EVENT_TRUNCATED;
    if (fd < 0) {
        f->copies = false;
        return f->n_next > 0 && holds_read(f, f->next_fd[0]);
    }
    f->copies_after = made;
    push_first(t, f, fd);
    return false;
}

struct generation {
    int fd;
    struct timespec born;
};

static int by_birth(const void *a, const void *b)
{
    const struct generation *x = a, *y = b;
    return later(&x->born, &y->born) - later(&y->born, &x->born);
}

/* name_queue_later_siblings()'s search. */
struct later_siblings {
    struct file *f;
    struct timespec born; /* the open file's */
    const struct stat *cur;
    struct generation *g;
    size_t n, cap;
};

static void consider_later(int fd, const char *name, void *ctx)
{
    struct later_siblings *ls = ctx;
    struct file *f = ls->f;
    struct stat st;
    struct timespec b;
    (void)name;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !birth(fd, &b) || !later(&b, &ls->born) ||
        (st.st_dev == f->dev && st.st_ino == f->ino) ||
        (ls->cur && st.st_dev == ls->cur->st_dev && st.st_ino == ls->cur->st_ino) ||
        queued_identity(f, st.st_dev, st.st_ino) || already_read(f, fd, &st)) {
        close(fd);
        return;
    }
    if (ls->n == ls->cap) {
        size_t c = ls->cap ? ls->cap * 2 : 8;
        struct generation *a = realloc(ls->g, c * sizeof *a);
        if (!a) {
            close(fd);
            file_lost(f, (uint64_t)st.st_size);
            return;
        }
        ls->g = a;
        ls->cap = c;
    }
    ls->g[ls->n++] = (struct generation){fd, b};
}

void name_queue_later_siblings(atail *t, struct file *f, int cur_fd)
{
    struct stat cur = {0};
    struct later_siblings ls = {.f = f, .cur = cur_fd >= 0 ? &cur : NULL};
    if (f->fd < 0 || !birth(f->fd, &ls.born) || (cur_fd >= 0 && fstat(cur_fd, &cur) < 0))
        return; /* without birth times, rotated names cannot be ordered */
    each_rotated(f, consider_later, &ls);
    if (ls.n > 1)
        qsort(ls.g, ls.n, sizeof *ls.g, by_birth);
    for (size_t i = 0; i < ls.n; i++)
        push_next(t, f, ls.g[i].fd);
    free(ls.g);
    if (ls.n > 0)
        start_grace(t, f);
}

void name_expect(atail *t, struct file *f, int next_fd)
{
    push_next(t, f, next_fd);
    start_grace(t, f);
}

/* Whether some process may still append to the file open as fd: it is
 * open for writing somewhere. The kernel grants a read lease only when it
 * is not (fcntl(2), F_SETLEASE); the lease is dropped at once. (No signal
 * can come of it: our descriptors have no owner, F_SETOWN.) When it cannot
 * tell (not the file's owner and no CAP_LEASE, a filesystem without
 * leases), the answer is yes. */
static bool may_be_written(int fd)
{
    if (fcntl(fd, F_SETLEASE, F_RDLCK) < 0)
        return true;
    fcntl(fd, F_SETLEASE, F_UNLCK);
    return false;
}

bool name_settle(atail *t, struct file *f)
{
    if (f->n_next == 0 && !f->name_missing)
        return false;
    /* (A copytruncate copy is complete: nothing more will come to it.) */
    bool leave = f->copies || handle_now_ms() >= f->deadline_ms;
    if (!leave && f->n_next > 0) {
        struct stat st;
        leave = fstat(f->next_fd[0], &st) == 0 && st.st_size > 0;
    }
    /* No writer has the old file open: nothing can come to it any more
     * (rotated with `mv new app.log` after the writer closed it, or by a
     * writer that opens the log for each line). No grace period then when
     * the name leads to another file, or when the old file was deleted and
     * the name is waited for (retry, reappear): its next file, when it
     * comes, is read from its start. A name that would end, or whose file
     * was renamed (its rename history is still being learnt), waits. */
    struct stat old;
    if (!leave && f->fd >= 0 &&
        (f->n_next > 0 || (f->retry && fstat(f->fd, &old) == 0 && old.st_nlink == 0)))
        leave = !may_be_written(f->fd);
    if (!leave)
        return false; /* the grace timer or a change wakes us */
    if (!f->draining) {
        /* One last read of the old file, and out with a partial line. */
        f->draining = true;
        f->flush = true;
        f->dirty = true;
        return true;
    }
    f->draining = false;
    f->flush = false;
    clear_grace(t, f);
    /* Generations that left the name before the one waiting first came
     * are read before it: take in what the events tell by now. */
    handle_catch_up_events(t, f);
    queue_departed(t, f);
    if (f->n_next > 0) {
        bool copies = f->copies;
        bool resume = copies && next_copy(t, f);
        uint64_t pos = f->pos;
        uint32_t sig_len = f->sig_len;
        char sig[FILE_SIG_MAX];
        memcpy(sig, f->sig, sig_len);
        int wid;
        int fd = pop_next(f, &wid);
        enum atail_event_kind notice = f->switch_notice ? f->switch_notice : ATAIL_EVENT_ROTATED;
        f->switch_notice = 0;
        adopt(t, f, fd, resume ? 0 : notice);
        if (resume && f->fd >= 0) {
            f->pos = pos;
            memcpy(f->sig, sig, sig_len);
            f->sig_len = sig_len;
        } else if (copies && !f->copies && f->fd >= 0) {
            /* The truncated file itself, from 0, after its copies. */
            verify_from(f, &f->copies_after);
        }
        /* Its watch was one more registration on the same inode as the
         * one adopt() made for it: drop it unless it is that one. */
        if (wid >= 0 && wid != f->wid)
            f->be->ops->remove(f->be->w, wid, f->id);
        watch_next(t, f);
        if (f->n_next > 0 || f->name_missing)
            start_grace(t, f); /* more generations wait, or the name is gone */
        return true;
    }
    mark_done(f);
    handle_unwatch_file(t, f);
    close(f->fd);
    f->fd = -1;
    f->head = f->tail = 0;
    f->name_missing = false;
    while (f->n_departed > 0)
        departed_remove(f, 0);
    bool wait = f->retry && !(f->give_up_dirs && f->name_error == -EISDIR);
    f->recheck = wait; /* what the name became meanwhile (a directory?) */
    f->notice = ATAIL_EVENT_GONE;
    f->notice_error = f->name_error;
    f->last_error = f->name_error;
    if (!wait) {
        f->closed = true;
        f->at_eof = true;
    }
    return true;
}

void name_release(atail *t, struct file *f)
{
    handle_unwatch_link(f);
    remove_dir_watch(f);
    clear_grace(t, f);
    drop_next(f, false);
}
