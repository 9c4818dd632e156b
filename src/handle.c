/* handle.c - the handle's own machinery, beneath the modules (name.c,
 * state.c, idle.c, glob.c) that call it: the clock, the epoll set and the
 * readiness eventfd, the run queue and the file table, the choice of a
 * watch backend per file, file watches, and the deadline timer. It calls
 * no module: what happens on a watch event is the loop's (loop.c), which
 * hands its handler in as t->on_watch. */
#include "handle.h"

#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PID_CHECK_MS 1000u /* without pidfd */

uint64_t handle_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int handle_epoll_add(int epfd, int fd, uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Keeps atail_fd() readable until atail_next() returns -EAGAIN. */
void handle_wake(atail *t)
{
    if (t->woken)
        return;
    uint64_t one = 1;
    if (write(t->wakefd, &one, sizeof one) == (ssize_t)sizeof one)
        t->woken = true;
}

void handle_unwake(atail *t)
{
    if (!t->woken)
        return;
    uint64_t n;
    if (read(t->wakefd, &n, sizeof n) == (ssize_t)sizeof n || errno == EAGAIN)
        t->woken = false;
}

void handle_enqueue(atail *t, struct file *f)
{
    /* Files still waiting for their turn to catch up are served directly
     * when their turn comes; queueing them now would break the order. */
    if (f->id >= t->catchup && t->catchup < t->n_files)
        return;
    if (t->queued[f->id] || f->end_reported)
        return;
    size_t tail = (t->rq_head + t->rq_len) % t->rq_cap;
    t->runq[tail] = f->id;
    t->rq_len++;
    t->queued[f->id] = true;
}

/* ---- watches ------------------------------------------------------------ */

/* Filesystems whose changes made elsewhere inotify cannot see: polled, as
 * GNU tail does. Magic numbers from statfs(2). */
static bool is_remote_fs(long type)
{
    switch ((unsigned long)type) {
    case 0x6969:     /* NFS */
    case 0x517B:     /* SMB */
    case 0xFF534D42: /* CIFS */
    case 0xFE534D42: /* SMB2 */
    case 0x65735546: /* FUSE */
    case 0x00C36400: /* Ceph */
    case 0x01021997: /* 9P */
    case 0x5346414F: /* AFS */
    case 0x01161970: /* GFS2 */
    case 0x7461636F: /* OCFS2 */
    case 0x0BD00BD0: /* Lustre */
    case 0x564C:     /* NCP */
    case 0x73757245: /* Coda */
        return true;
    default:
        return false;
    }
}

static int ensure_backend(atail *t, struct backend *be)
{
    if (be->w)
        return 0;
    return be->ops->create(&be->w, t->epfd, be->tag, t->poll_interval_ms);
}

/* The one place where a file's backend is chosen: polling when asked for,
 * on remote filesystems, and (handle_use_polling) when inotify runs out. */
static struct backend *choose_backend(atail *t, const struct file *f)
{
    if (t->flags & ATAIL_OPEN_POLL)
        return &t->poll;
    struct statfs sfs;
    int r = f->fd >= 0 ? fstatfs(f->fd, &sfs) : statfs(f->dir ? f->dir : ".", &sfs);
    if (r == 0 && is_remote_fs((long)sfs.f_type))
        return &t->poll;
    return &t->inotify;
}

static int set_backend(atail *t, struct file *f, struct backend *be)
{
    int r = ensure_backend(t, be);
    if (r < 0 && be == &t->inotify) {
        be = &t->poll; /* no inotify instance left (EMFILE): poll */
        r = ensure_backend(t, be);
    }
    if (r == 0)
        f->be = be;
    return r;
}

int handle_set_backend(atail *t, struct backend **be, const char *dir)
{
    struct backend *want = &t->inotify;
    struct statfs sfs;
    if ((t->flags & ATAIL_OPEN_POLL) || (statfs(dir, &sfs) == 0 && is_remote_fs((long)sfs.f_type)))
        want = &t->poll;
    int r = ensure_backend(t, want);
    if (r < 0 && want == &t->inotify) {
        want = &t->poll;
        r = ensure_backend(t, want);
    }
    if (r == 0)
        *be = want;
    return r;
}

void handle_unwatch_link(struct file *f)
{
    /* The name's directory and the target's may be one: one watch then,
     * which is the name's to remove. */
    if (f->link_wid >= 0 && f->link_wid != f->dir_wid && f->be && f->be->w)
        f->be->ops->remove(f->be->w, f->link_wid, f->id);
    f->link_wid = -1;
    f->link_is_parent = false;
    free(f->link_path);
    f->link_path = NULL;
    f->link_base = NULL;
}

void handle_use_polling(atail *t, struct file *f)
{
    int fwid = f->wid;
    handle_unwatch_link(f); /* polling rechecks the name at every tick */
    if (f->be && f->wid >= 0)
        f->be->ops->remove(f->be->w, f->wid, f->id);
    if (f->be && f->dir_wid >= 0)
        f->be->ops->remove(f->be->w, f->dir_wid, f->id);
    f->wid = f->dir_wid = -1;
    f->dir_is_parent = false;
    if (set_backend(t, f, &t->poll) < 0)
        return;
    if (fwid >= 0 && f->fd >= 0)
        f->wid = f->be->ops->add_file(f->be->w, f->fd, f->id);
    if (f->by_name)
        f->dir_wid = f->be->ops->add_dir(f->be->w, f->dir, f->id);
    f->dir_is_parent = f->dir_wid >= 0;
    f->recheck = f->by_name;
    f->dirty = f->fd >= 0;
}

int handle_set_file_backend(atail *t, struct file *f)
{
    return set_backend(t, f, choose_backend(t, f));
}

int handle_watch_file(atail *t, struct file *f)
{
    if (!f->seekable || !f->follow || f->fd < 0)
        return 0;
    int r = f->be ? 0 : handle_set_file_backend(t, f);
    if (r < 0 || !f->be)
        return r < 0 ? r : -EINVAL;
    r = f->be->ops->add_file(f->be->w, f->fd, f->id);
    if ((r == -ENOSPC || r == -ENOMEM) && f->be == &t->inotify) {
        handle_use_polling(t, f);
        r = f->be == &t->poll ? f->be->ops->add_file(f->be->w, f->fd, f->id) : r;
    }
    if (r < 0)
        return r;
    f->wid = r;
    return 0;
}

void handle_unwatch_file(atail *t, struct file *f)
{
    (void)t;
    if (f->wid >= 0 && f->be && f->be->w)
        f->be->ops->remove(f->be->w, f->wid, f->id);
    f->wid = -1;
}

void handle_catch_up_events(atail *t, const struct file *f)
{
    if (f->be == &t->inotify && f->be->w)
        f->be->ops->dispatch(f->be->w, t->on_watch, t); /* errors: seen at the next collect */
}

/* ---- the deadline timer ---------------------------------------------- */

void handle_arm_timer(atail *t)
{
    uint64_t at = t->save_at_ms;
    if (t->idle_sweep_ms && (!at || t->idle_sweep_ms < at))
        at = t->idle_sweep_ms;
    if (t->pid && t->pidfd < 0 && !t->pid_dead) {
        uint64_t p = handle_now_ms() + PID_CHECK_MS;
        if (!at || p < at)
            at = p;
    }
    for (size_t i = 0; t->n_waiting > 0 && i < t->n_files; i++) {
        uint64_t d = t->files[i]->deadline_ms;
        if (d && (!at || d < at))
            at = d;
    }
    if (at == t->timer_at_ms)
        return;
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)(at / 1000u);
    its.it_value.tv_nsec = (long)(at % 1000u) * 1000000L;
    if (timerfd_settime(t->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
        t->timer_at_ms = at;
}

/* Moves the catch-up position past files whose initial content is out,
 * queueing them so later changes reach them. */
void handle_advance_catchup(atail *t)
{
    while (t->catchup < t->n_files) {
        struct file *f = t->files[t->catchup];
        if (!f->eof_reported && !f->end_reported)
            break;
        t->catchup++;
        handle_enqueue(t, f);
    }
}

/* ---- the file table ------------------------------------------------- */

/* Makes room for one more file in the table and the run queue. */
int handle_grow_tables(atail *t)
{
    if (t->n_files < t->cap_files)
        return 0;
    size_t cap = t->cap_files ? t->cap_files * 2 : 8;
    struct file **files = realloc(t->files, cap * sizeof(struct file *));
    if (!files)
        return -ENOMEM;
    t->files = files;
    bool *queued = realloc(t->queued, cap * sizeof *queued);
    if (!queued)
        return -ENOMEM;
    memset(queued + t->cap_files, 0, (cap - t->cap_files) * sizeof *queued);
    t->queued = queued;
    uint32_t *runq = malloc(cap * sizeof *runq);
    if (!runq)
        return -ENOMEM;
    for (size_t i = 0; i < t->rq_len; i++)
        runq[i] = t->runq[(t->rq_head + i) % t->rq_cap];
    free(t->runq);
    t->runq = runq;
    t->rq_head = 0;
    t->rq_cap = cap;
    t->cap_files = cap;
    return 0;
}
