/* watch_inotify.c - Linux inotify backend.
 *
 * File watches are added through /proc/self/fd/N so they name the very inode
 * the handle holds open, with no window in which the path could point
 * elsewhere. Directory watches (for following by name) report entry changes
 * with the entry's name. One inotify descriptor serves everything; it is
 * drained until EAGAIN on each dispatch (as libuv does). */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The files interested in one watch descriptor. Files open on one inode, or
 * in one directory, share its wd. */
struct slot {
    uint32_t *ids;
    uint32_t n, cap;
};

/* Watch descriptors are small integers handed out increasingly by the
 * kernel: a sparse array indexed by wd suffices. */
struct watch {
    int ifd;
    struct slot *slots;
    size_t n_slots;
};

#define FILE_EVENTS (IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define DIR_EVENTS                                                                                 \
    (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |            \
     IN_MOVE_SELF | IN_ONLYDIR)

static int ino_create(struct watch **out, int epfd, uint64_t tag, unsigned interval_ms)
{
    (void)interval_ms;
    struct watch *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->ifd < 0) {
        int err = -errno;
        free(w);
        return err;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, w->ifd, &ev) < 0) {
        int err = -errno;
        close(w->ifd);
        free(w);
        return err;
    }
    *out = w;
    return 0;
}

static void ino_destroy(struct watch *w)
{
    if (!w)
        return;
    close(w->ifd);
    for (size_t i = 0; i < w->n_slots; i++)
        free(w->slots[i].ids);
    free(w->slots);
    free(w);
}

static int slot_add(struct watch *w, int wd, uint32_t file_id)
{
    if ((size_t)wd >= w->n_slots) {
        size_t n = w->n_slots ? w->n_slots : 16;
        while (n <= (size_t)wd)
            n *= 2;
        struct slot *s = realloc(w->slots, n * sizeof *s);
        if (!s)
            return -ENOMEM;
        memset(s + w->n_slots, 0, (n - w->n_slots) * sizeof *s);
        w->slots = s;
        w->n_slots = n;
    }
    struct slot *s = &w->slots[wd];
    for (uint32_t i = 0; i < s->n; i++)
        if (s->ids[i] == file_id)
            return wd;
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 1;
        uint32_t *ids = realloc(s->ids, cap * sizeof *ids);
        if (!ids)
            return -ENOMEM;
        s->ids = ids;
        s->cap = cap;
    }
    s->ids[s->n++] = file_id;
    return wd;
}

static int add_watch(struct watch *w, const char *path, uint32_t mask, uint32_t file_id)
{
    int wd = inotify_add_watch(w->ifd, path, mask);
    if (wd < 0)
        return -errno;
    int r = slot_add(w, wd, file_id);
    if (r < 0 && ((size_t)wd >= w->n_slots || w->slots[wd].n == 0))
        inotify_rm_watch(w->ifd, wd);
    return r;
}

static int ino_add_file(struct watch *w, int fd, uint32_t file_id)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return add_watch(w, path, FILE_EVENTS, file_id);
}

static int ino_add_dir(struct watch *w, const char *path, uint32_t file_id)
{
    return add_watch(w, path, DIR_EVENTS, file_id);
}

static void ino_remove(struct watch *w, int wid, uint32_t file_id)
{
    if (wid < 0 || (size_t)wid >= w->n_slots)
        return;
    struct slot *s = &w->slots[wid];
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->ids[i] != file_id)
            continue;
        s->ids[i] = s->ids[--s->n];
        if (s->n == 0) {
            inotify_rm_watch(w->ifd, wid);
            free(s->ids);
            *s = (struct slot){0};
        }
        return;
    }
}

static unsigned translate(const struct inotify_event *ie)
{
    uint32_t m = ie->mask;
    if (ie->len > 0) { /* an entry of a watched directory */
        unsigned what = WATCH_NAME;
        if (m & IN_CREATE)
            what |= WATCH_CREATED;
        if (m & IN_DELETE)
            what |= WATCH_DELETED;
        if (m & IN_MOVED_FROM)
            what |= WATCH_MOVED_FROM;
        if (m & IN_MOVED_TO)
            what |= WATCH_MOVED_TO;
        return what;
    }
    unsigned what = 0;
    if (m & IN_MODIFY)
        what |= WATCH_MODIFIED;
    if (m & IN_ATTRIB)
        what |= WATCH_ATTRIB;
    if (m & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
        what |= (m & IN_ISDIR) ? WATCH_DIR_GONE : WATCH_GONE;
    return what;
}

static void report(struct watch *w, const struct inotify_event *ie, watch_cb *cb, void *ctx)
{
    size_t wd = (size_t)ie->wd;
    if (ie->wd < 0 || wd >= w->n_slots)
        return;
    unsigned what = translate(ie);
    /* IN_IGNORED: the kernel dropped the watch (its inode is gone). Whether
     * it was a file or a directory watch, its users must re-arm. */
    if (ie->mask & IN_IGNORED)
        what = WATCH_GONE | WATCH_DIR_GONE;
    const char *name = ie->len > 0 ? ie->name : NULL;
    /* Callbacks may add and remove watches, which moves w->slots and this
     * slot's ids: index afresh on every step, from the end. */
    for (uint32_t i = w->slots[wd].n; i-- > 0;) {
        if (i >= w->slots[wd].n)
            continue;
        cb(ctx, w->slots[wd].ids[i], ie->wd, what, name, ie->cookie);
    }
    if (ie->mask & IN_IGNORED) { /* the watch is gone for everyone */
        free(w->slots[wd].ids);
        w->slots[wd] = (struct slot){0};
    }
}

static int ino_dispatch(struct watch *w, watch_cb *cb, void *ctx)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->ifd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -errno;
        }
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ie = (const struct inotify_event *)p;
            p += sizeof *ie + ie->len;
            if (ie->mask & IN_Q_OVERFLOW)
                cb(ctx, UINT32_MAX, -1, WATCH_ALL, NULL, 0);
            else
                report(w, ie, cb, ctx);
        }
        /* Less than a buffer: the queue was empty. What comes later keeps
         * the descriptor readable; no read just to see EAGAIN. */
        if ((size_t)n < sizeof buf - sizeof(struct inotify_event) - NAME_MAX - 1)
            return 0;
    }
}

const struct watch_ops watch_inotify_ops = {
    .name = "inotify",
    .create = ino_create,
    .destroy = ino_destroy,
    .add_file = ino_add_file,
    .add_dir = ino_add_dir,
    .remove = ino_remove,
    .dispatch = ino_dispatch,
};
