/* watch_inotify.c - Linux inotify backend.
 *
 * Watches are added through /proc/self/fd/N so they name the very inode the
 * handle holds open, with no window in which the path could point elsewhere.
 * One inotify descriptor serves every file; it is drained until EAGAIN on
 * each dispatch (libuv does the same). */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Maps inotify watch descriptors to file ids. Watch descriptors are small
 * integers handed out increasingly by the kernel; a sparse array suffices.
 * Files open on one inode share its wd (`atail -f x x`): they are chained
 * through next_file, so an event reaches each of them. */
struct watch {
    int ifd;
    uint32_t *wd_file; /* wd -> first file id + 1 (0: unused) */
    size_t n_wd;
    uint32_t *next_file; /* file id -> next file id + 1 on the same wd */
    size_t n_files;
};

/* Grows *arr (of *n zeroed uint32_t) so that index i exists. */
static int grow(uint32_t **arr, size_t *n, size_t i)
{
    if (i < *n)
        return 0;
    size_t m = *n ? *n : 16;
    while (m <= i)
        m *= 2;
    uint32_t *a = realloc(*arr, m * sizeof *a);
    if (!a)
        return -ENOMEM;
    memset(a + *n, 0, (m - *n) * sizeof *a);
    *arr = a;
    *n = m;
    return 0;
}

#define FILE_EVENTS (IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

static int ino_create(struct watch **out, int epfd, uint64_t tag)
{
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
    free(w->wd_file);
    free(w->next_file);
    free(w);
}

static int ino_add(struct watch *w, int fd, uint32_t file_id)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int wd = inotify_add_watch(w->ifd, path, FILE_EVENTS);
    if (wd < 0)
        return -errno;
    if (grow(&w->wd_file, &w->n_wd, (size_t)wd) < 0 ||
        grow(&w->next_file, &w->n_files, file_id) < 0) {
        if ((size_t)wd >= w->n_wd || !w->wd_file[wd])
            inotify_rm_watch(w->ifd, wd);
        return -ENOMEM;
    }
    w->next_file[file_id] = w->wd_file[wd];
    w->wd_file[wd] = file_id + 1;
    return wd;
}

static void ino_remove(struct watch *w, int wid, uint32_t file_id)
{
    if (wid < 0 || (size_t)wid >= w->n_wd || file_id >= w->n_files)
        return;
    uint32_t *link = &w->wd_file[wid];
    while (*link && *link != file_id + 1)
        link = &w->next_file[*link - 1];
    if (!*link)
        return;
    *link = w->next_file[file_id];
    w->next_file[file_id] = 0;
    if (!w->wd_file[wid])
        inotify_rm_watch(w->ifd, wid);
}

static unsigned translate(uint32_t mask)
{
    unsigned what = 0;
    if (mask & IN_MODIFY)
        what |= WATCH_MODIFIED;
    if (mask & IN_ATTRIB)
        what |= WATCH_ATTRIB;
    if (mask & (IN_DELETE_SELF | IN_MOVE_SELF))
        what |= WATCH_GONE;
    return what;
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
            if (ie->mask & IN_Q_OVERFLOW) {
                cb(ctx, UINT32_MAX, WATCH_OVERFLOW);
                continue;
            }
            if (ie->wd < 0 || (size_t)ie->wd >= w->n_wd || !w->wd_file[ie->wd])
                continue;
            unsigned what = translate(ie->mask);
            if (ie->mask & IN_IGNORED)
                what = WATCH_GONE;
            for (uint32_t id = w->wd_file[ie->wd]; id; id = w->next_file[id - 1])
                cb(ctx, id - 1, what);
            if (ie->mask & IN_IGNORED)
                w->wd_file[ie->wd] = 0;
        }
    }
}

const struct watch_ops watch_inotify_ops = {
    .name = "inotify",
    .create = ino_create,
    .destroy = ino_destroy,
    .add = ino_add,
    .remove = ino_remove,
    .dispatch = ino_dispatch,
};
