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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The files interested in one watch descriptor. Files open on one inode, or
 * in one directory, share its wd. */
struct slot {
    int wd; /* -1: an empty place in the table */
    uint32_t *ids;
    uint32_t n, cap;
};

/* Watch descriptors map to slots through an open-addressing table: the
 * kernel hands out ever larger numbers (one per rotation of a followed
 * name), so a table indexed by wd would grow for ever. */
struct watch {
    int ifd;
    struct slot *tab;
    size_t cap, used;
};

static size_t wd_hash(const struct watch *w, int wd)
{
    return ((size_t)(unsigned)wd * 2654435761u) & (w->cap - 1);
}

static struct slot *slot_find(const struct watch *w, int wd)
{
    if (!w->cap)
        return NULL;
    for (size_t h = wd_hash(w, wd);; h = (h + 1) & (w->cap - 1)) {
        if (w->tab[h].wd == wd)
            return &w->tab[h];
        if (w->tab[h].wd < 0)
            return NULL;
    }
}

static int grow_table(struct watch *w)
{
    size_t cap = w->cap ? w->cap * 2 : 16;
    struct slot *tab = malloc(cap * sizeof *tab);
    if (!tab)
        return -ENOMEM;
    for (size_t k = 0; k < cap; k++)
        tab[k] = (struct slot){.wd = -1};
    struct watch n = {.tab = tab, .cap = cap};
    for (size_t k = 0; k < w->cap; k++) {
        if (w->tab[k].wd < 0)
            continue;
        size_t h = wd_hash(&n, w->tab[k].wd);
        while (tab[h].wd >= 0)
            h = (h + 1) & (cap - 1);
        tab[h] = w->tab[k];
    }
    free(w->tab);
    w->tab = tab;
    w->cap = cap;
    return 0;
}

/* The slot of wd, created empty if needed; NULL without memory. */
static struct slot *slot_get(struct watch *w, int wd)
{
    struct slot *s = slot_find(w, wd);
    if (s)
        return s;
    if ((w->used + 1) * 2 > w->cap && grow_table(w) < 0)
        return NULL;
    size_t h = wd_hash(w, wd);
    while (w->tab[h].wd >= 0)
        h = (h + 1) & (w->cap - 1);
    w->tab[h] = (struct slot){.wd = wd};
    w->used++;
    return &w->tab[h];
}

/* Frees a slot and closes the gap (backward-shift deletion). */
static void slot_delete(struct watch *w, struct slot *s)
{
    free(s->ids);
    size_t hole = (size_t)(s - w->tab);
    w->tab[hole] = (struct slot){.wd = -1};
    w->used--;
    for (size_t k = (hole + 1) & (w->cap - 1); w->tab[k].wd >= 0; k = (k + 1) & (w->cap - 1)) {
        size_t home = wd_hash(w, w->tab[k].wd);
        /* Move it into the hole unless its home lies cyclically in (hole, k]. */
        bool stays = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
        if (!stays) {
            w->tab[hole] = w->tab[k];
            w->tab[k] = (struct slot){.wd = -1};
            hole = k;
        }
    }
}

/* IN_CLOSE_WRITE: a rotated file waited on while a writer may append to
 * it is finished when the last writer closes it (name.c). */
#define FILE_EVENTS (IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE)
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
    for (size_t k = 0; k < w->cap; k++)
        if (w->tab[k].wd >= 0)
            free(w->tab[k].ids);
    free(w->tab);
    free(w);
}

static int slot_add(struct watch *w, int wd, uint32_t file_id)
{
    struct slot *s = slot_get(w, wd);
    if (!s)
        return -ENOMEM;
    for (uint32_t k = 0; k < s->n; k++)
        if (s->ids[k] == file_id)
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
    if (r < 0) {
        struct slot *s = slot_find(w, wd);
        if (!s || s->n == 0) {
            if (s)
                slot_delete(w, s);
            inotify_rm_watch(w->ifd, wd);
        }
    }
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
    struct slot *s = wid >= 0 ? slot_find(w, wid) : NULL;
    if (!s)
        return;
    for (uint32_t k = 0; k < s->n; k++) {
        if (s->ids[k] != file_id)
            continue;
        s->ids[k] = s->ids[--s->n];
        if (s->n == 0) {
            inotify_rm_watch(w->ifd, wid);
            slot_delete(w, s);
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
    if (m & (IN_MODIFY | IN_CLOSE_WRITE))
        what |= WATCH_MODIFIED;
    if (m & IN_ATTRIB)
        what |= WATCH_ATTRIB;
    if (m & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
        what |= (m & IN_ISDIR) ? WATCH_DIR_GONE : WATCH_GONE;
    return what;
}

static void report(struct watch *w, const struct inotify_event *ie, watch_cb *cb, void *ctx)
{
    unsigned what = translate(ie);
    /* IN_IGNORED: the kernel dropped the watch (its inode is gone). Whether
     * it was a file or a directory watch, its users must re-arm. */
    if (ie->mask & IN_IGNORED)
        what = WATCH_GONE | WATCH_DIR_GONE;
    const char *name = ie->len > 0 ? ie->name : NULL;
    /* Callbacks may add and remove watches, which moves the table and this
     * slot's ids: look the slot up afresh on every step, from the end. */
    const struct slot *s = slot_find(w, ie->wd);
    for (uint32_t k = s ? s->n : 0; k-- > 0;) {
        s = slot_find(w, ie->wd);
        if (!s)
            break;
        if (k < s->n)
            cb(ctx, s->ids[k], ie->wd, what, name, ie->cookie);
    }
    struct slot *gone = (ie->mask & IN_IGNORED) ? slot_find(w, ie->wd) : NULL;
    if (gone) /* the watch is gone for everyone */
        slot_delete(w, gone);
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
