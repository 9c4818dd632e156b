/* watch_poll.c - stat polling backend: a periodic timerfd in the epoll set.
 *
 * Each tick reports WATCH_ALL for every registered file; the handle then
 * rereads each file (a pread at its end costs what a stat costs) and
 * rechecks names. Used where inotify cannot see changes (network and FUSE
 * filesystems), when inotify watches run out, and on request (-s, as with
 * tail's ---disable-inotify). Only when some file uses it does it tick. */
#include "watch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Registrations per id: a file and its directory count twice. Ids with the
 * top bit set (the handle's globs) are a second, small namespace. */
struct refs {
    uint32_t *n;
    size_t len;
};

struct watch {
    int tfd;
    unsigned interval_ms;
    struct refs refs[2]; /* by the id's top bit, indexed by its other bits */
    size_t users;        /* ids with registrations */
};

#define TOP_BIT 0x80000000u

static int arm(struct watch *w, bool on)
{
    struct itimerspec its = {0};
    if (on) {
        its.it_interval.tv_sec = w->interval_ms / 1000;
        its.it_interval.tv_nsec = (long)(w->interval_ms % 1000) * 1000000L;
        its.it_value = its.it_interval;
    }
    return timerfd_settime(w->tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

static int poll_create(struct watch **out, int epfd, uint64_t tag, unsigned interval_ms)
{
    struct watch *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    w->interval_ms = interval_ms ? interval_ms : 1;
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    if (w->tfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, w->tfd, &ev) < 0) {
        int err = -errno;
        if (w->tfd >= 0)
            close(w->tfd);
        free(w);
        return err;
    }
    *out = w;
    return 0;
}

static void poll_destroy(struct watch *w)
{
    if (!w)
        return;
    close(w->tfd);
    free(w->refs[0].n);
    free(w->refs[1].n);
    free(w);
}

static uint32_t *slot(struct watch *w, uint32_t id, bool grow)
{
    struct refs *r = &w->refs[id >> 31];
    size_t i = id & ~TOP_BIT;
    if (i >= r->len) {
        if (!grow)
            return NULL;
        size_t n = r->len ? r->len : 16;
        while (n <= i)
            n *= 2;
        uint32_t *a = realloc(r->n, n * sizeof *a);
        if (!a)
            return NULL;
        memset(a + r->len, 0, (n - r->len) * sizeof *a);
        r->n = a;
        r->len = n;
    }
    return &r->n[i];
}

static int ref(struct watch *w, uint32_t file_id)
{
    uint32_t *n = slot(w, file_id, true);
    if (!n)
        return -ENOMEM;
    if ((*n)++ == 0 && w->users++ == 0) {
        int r = arm(w, true);
        if (r < 0)
            return r;
    }
    return 0; /* every registration has watch id 0 */
}

static int poll_add_file(struct watch *w, int fd, uint32_t file_id)
{
    (void)fd;
    return ref(w, file_id);
}

static int poll_add_dir(struct watch *w, const char *path, uint32_t file_id)
{
    (void)path;
    return ref(w, file_id);
}

static void poll_remove(struct watch *w, int wid, uint32_t file_id)
{
    uint32_t *n = slot(w, file_id, false);
    if (wid < 0 || !n || *n == 0)
        return;
    if (--*n == 0 && --w->users == 0)
        arm(w, false);
}

static int poll_dispatch(struct watch *w, watch_cb *cb, void *ctx)
{
    uint64_t ticks;
    if (read(w->tfd, &ticks, sizeof ticks) < 0)
        return errno == EAGAIN ? 0 : -errno;
    for (uint32_t top = 0; top < 2; top++)
        for (size_t i = 0; i < w->refs[top].len; i++)
            if (w->refs[top].n[i])
                cb(ctx, (uint32_t)i | (top << 31), -1, WATCH_ALL, NULL, 0);
    return 0;
}

const struct watch_ops watch_poll_ops = {
    .name = "poll",
    .create = poll_create,
    .destroy = poll_destroy,
    .add_file = poll_add_file,
    .add_dir = poll_add_dir,
    .remove = poll_remove,
    .dispatch = poll_dispatch,
};
