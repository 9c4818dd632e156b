/* idle.c - see idle.h. A closed ("parked") file has fd -1 and `parked`
 * set; everything else about it (position, identity, signatures, watch)
 * is kept, so reopening it is the same as never having closed it, unless
 * it was replaced or deleted meanwhile. */
#include "idle.h"

#include "sibling.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether f can be closed now: followed by name, open, with an inotify
 * watch to wake it, nothing buffered, nothing uncommitted, and no rotation
 * or notice in progress. `busy_ok`: even if it may have unread data (it is
 * read again from its position when reopened). */
static bool closable(const atail *t, const struct file *f, bool busy_ok)
{
    return f->by_name && !f->parked && f->fd >= 0 && f->seekable && f->follow &&
           f->be == &t->inotify && f->wid >= 0 && f->head == f->tail && (busy_ok || !f->dirty) &&
           !f->closed && !f->end_reported && !f->error && !f->truncated && !f->lost && !f->notice &&
           !f->trunc_pending && !f->start_pending && !f->recheck && f->n_next == 0 &&
           !f->name_missing && !f->draining && f->deadline_ms == 0 && !f->uncommitted &&
           !f->flush && !f->reopen_now && !f->access_lost;
}

static void park(struct file *f)
{
    close(f->fd);
    f->fd = -1;
    f->parked = true;
    if (!f->buf_shared)
        free(f->buf);
    f->buf = NULL;
    f->buf_shared = false;
    f->cap = f->head = f->tail = 0;
    f->want = 0;
}

void idle_touch(atail *t, struct file *f, uint64_t now)
{
    f->active_ms = now;
    if (t->idle_sweep_ms == 0) {
        t->idle_sweep_ms = now + t->idle_close_ms;
        handle_arm_timer(t);
    }
}

void idle_on_timer(atail *t, uint64_t now)
{
    if (t->idle_sweep_ms == 0 || now < t->idle_sweep_ms)
        return;
    uint64_t next = 0;
    for (size_t i = 0; i < t->n_files; i++) {
        struct file *f = t->files[i];
        if (!f->by_name || f->parked || f->fd < 0 || f->end_reported)
            continue;
        uint64_t due = f->active_ms + t->idle_close_ms;
        if (due <= now && closable(t, f, false)) {
            park(f);
            continue;
        }
        if (due <= now)
            due = now + t->idle_close_ms; /* busy now: look again later */
        if (next == 0 || due < next)
            next = due;
    }
    t->idle_sweep_ms = next;
}

bool idle_make_room(atail *t, const struct file *except)
{
    struct file *oldest = NULL;
    for (size_t i = 0; i < t->n_files; i++) {
        struct file *f = t->files[i];
        if (f != except && closable(t, f, true) && (!oldest || f->active_ms < oldest->active_ms))
            oldest = f;
    }
    if (oldest)
        park(oldest);
    return oldest != NULL;
}

/* Whether the file open as fd is f's: same device and inode, and, if its
 * watch is gone (the file was deleted: the inode may be recycled), the
 * same first bytes. With the watch alive, different first bytes mean a
 * truncation, which reading reports. */
static bool same_file(int fd, void *ctx)
{
    const struct file *f = ctx;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_dev != f->dev || st.st_ino != f->ino)
        return false;
    if (f->wid >= 0)
        return true;
    char head[FILE_SIG_MAX];
    ssize_t n = pread(fd, head, f->head_sig_len, 0);
    return n >= 0 && memcmp(head, f->head_sig, (size_t)n) == 0;
}

int idle_open(atail *t, const char *path, const struct file *except)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    while (fd < 0 && (errno == EMFILE || errno == ENFILE) && t->idle_close_ms &&
           idle_make_room(t, except))
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    return fd;
}

void idle_reopen(atail *t, struct file *f)
{
    f->parked = false;
    if (t->idle_close_ms)
        idle_touch(t, f, handle_now_ms());
    int fd = idle_open(t, f->path, f);
    if (fd >= 0 && !same_file(fd, f)) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        /* Rotated while closed? Its directory and the siblings are
         * opened one at a time: two descriptors. */
        idle_make_room(t, f);
        idle_make_room(t, f);
        fd = sibling_find(f, same_file, f);
    }
    f->recheck = true; /* its name may lead elsewhere now */
    if (fd < 0) {
        /* Deleted (or moved out of its directory) while closed: what was
         * appended to it since is lost. The name is followed on: a file
         * there now is read from its start. */
        handle_unwatch_file(t, f);
        file_lost(f, 0);
        if (!f->retry && access(f->path, F_OK) != 0)
            f->closed = true; /* a glob's match: dropped, as when deleted */
        return;
    }
    f->fd = fd;
    f->dirty = true;
}
