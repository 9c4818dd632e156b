/* atail.c - the handle: the file table, the epoll set, and atail_next().
 *
 * Every source of news is registered in one epoll set (the descriptor
 * atail_fd() returns): the watch backends' descriptors, each stream's
 * descriptor, a timerfd for deadlines (rotation grace, pid checks), a pidfd,
 * and an eventfd that stays readable while atail_next() has news it has not
 * yet returned. atail_next() asks the set what is ready, with a zero
 * timeout, only when it has nothing buffered: the cost of waiting is paid
 * per batch, not per line.
 *
 * Files wait in a FIFO run queue while they may have events. The file whose
 * initial content is being delivered (`catchup`) is served before the
 * queue, and files added after it are not served until it reaches its end:
 * that gives the order of `tail a b`.
 */
#include "handle.h"
#include "idle.h"

#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PID_CHECK_MS 1000u /* without pidfd */

void atail_options_init(struct atail_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->delimiter = '\n';
    opt->max_line = ATAIL_DEFAULT_MAX_LINE;
    opt->read_size = ATAIL_DEFAULT_READ_SIZE;
    opt->poll_interval_ms = ATAIL_DEFAULT_POLL_INTERVAL_MS;
    opt->rotate_grace_ms = ATAIL_DEFAULT_ROTATE_GRACE_MS;
    opt->state_interval_ms = ATAIL_DEFAULT_STATE_INTERVAL_MS;
}

void atail_follow_options_init(struct atail_follow_options *fo)
{
    if (!fo)
        return;
    memset(fo, 0, sizeof *fo);
    fo->start = ATAIL_START_END;
    fo->follow = ATAIL_FOLLOW_DESCRIPTOR;
}

uint64_t handle_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int epoll_add(int epfd, int fd, uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int atail_open(atail **out, const struct atail_options *opt)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    struct atail_options defaults;
    atail_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    if (opt->max_line == 0 || opt->read_size < 64 || opt->delimiter < 0 || opt->delimiter > 255 ||
        opt->poll_interval_ms == 0 || (opt->flags & ~(ATAIL_OPEN_SPANS | ATAIL_OPEN_POLL)))
        return -EINVAL;

    atail *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->epfd = t->wakefd = t->timerfd = t->pidfd = t->state_lock = -1;
    t->state_interval_ms = opt->state_interval_ms;
    t->flags = opt->flags;
    t->poll_interval_ms = opt->poll_interval_ms;
    t->rotate_grace_ms = opt->rotate_grace_ms;
    t->idle_close_ms = opt->idle_close_ms;
    t->cfg = (struct reader_config){
        .delim = opt->delimiter,
        .spans = (opt->flags & ATAIL_OPEN_SPANS) != 0,
        .max_line = opt->max_line,
        .read_size = opt->read_size,
    };
    t->inotify = (struct backend){.ops = &watch_inotify_ops, .tag = TAG_INOTIFY};
    t->poll = (struct backend){.ops = &watch_poll_ops, .tag = TAG_POLL};
    int r = -ENOMEM;
    t->scratch = malloc(opt->read_size);
    if (t->cfg.spans)
        t->cfg.shared = malloc(opt->read_size);
    if (!t->scratch || (t->cfg.spans && !t->cfg.shared))
        goto fail;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    t->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (t->epfd < 0 || t->wakefd < 0 || t->timerfd < 0) {
        r = -errno;
        goto fail;
    }
    r = epoll_add(t->epfd, t->wakefd, TAG_WAKE);
    if (r == 0)
        r = epoll_add(t->epfd, t->timerfd, TAG_TIMER);
    if (r == 0 && opt->state_path)
        r = state_open(t, opt->state_path);
    if (r < 0)
        goto fail;
    *out = t;
    return 0;
fail:
    atail_close(t);
    return r;
}

static void drop_file(atail *t, struct file *f)
{
    handle_unwatch_file(t, f);
    if (f->by_name)
        name_release(t, f);
    /* The descriptor may share its open file description with the caller's
     * (standard input): only an explicit DEL takes it out of the set. */
    if (f->epoll_ok && f->fd >= 0)
        epoll_ctl(t->epfd, EPOLL_CTL_DEL, f->fd, NULL);
    f->epoll_ok = false;
    file_release(f);
}

atail *atail_close(atail *t)
{
    if (!t)
        return NULL;
    state_close(t);
    glob_free_all(t);
    for (size_t i = 0; i < t->n_files; i++) {
        drop_file(t, t->files[i]);
        file_free(t->files[i]);
    }
    free(t->files);
    free(t->runq);
    free(t->queued);
    if (t->inotify.w)
        t->inotify.ops->destroy(t->inotify.w);
    if (t->poll.w)
        t->poll.ops->destroy(t->poll.w);
    if (t->pidfd >= 0)
        close(t->pidfd);
    if (t->timerfd >= 0)
        close(t->timerfd);
    if (t->wakefd >= 0)
        close(t->wakefd);
    if (t->epfd >= 0)
        close(t->epfd);
    free(t->scratch);
    free(t->cfg.shared);
    free(t);
    return NULL;
}

void atail_closep(atail **t)
{
    if (t)
        *t = atail_close(*t);
}

int atail_fd(const atail *t)
{
    return t ? t->epfd : -EINVAL;
}

/* Keeps atail_fd() readable until atail_next() returns -EAGAIN. */
static void wake(atail *t)
{
    if (t->woken)
        return;
    uint64_t one = 1;
    if (write(t->wakefd, &one, sizeof one) == (ssize_t)sizeof one)
        t->woken = true;
}

static void unwake(atail *t)
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

void handle_use_polling(atail *t, struct file *f)
{
    int fwid = f->wid;
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

int handle_watch_file(atail *t, struct file *f)
{
    if (!f->seekable || !f->follow || f->fd < 0)
        return 0;
    int r = f->be ? 0 : set_backend(t, f, choose_backend(t, f));
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

static void on_watch(void *ctx, uint32_t file_id, int wid, unsigned what, const char *name,
                     uint32_t cookie)
{
    atail *t = ctx;
    if (file_id == UINT32_MAX) { /* inotify overflow: anything may have changed */
        for (size_t i = 0; i < t->n_files; i++)
            on_watch(t, (uint32_t)i, -1, WATCH_ALL, NULL, 0);
        for (size_t i = 0; i < t->n_globs; i++)
            glob_on_change(t, GLOB_ID_BIT | (uint32_t)i, WATCH_ALL, NULL);
        return;
    }
    if (file_id & GLOB_ID_BIT) {
        glob_on_change(t, file_id, what, name);
        return;
    }
    if (file_id >= t->n_files)
        return;
    struct file *f = t->files[file_id];
    if (f->end_reported)
        return;
    if (t->idle_close_ms && f->by_name)
        idle_touch(t, f, handle_now_ms());
    if (wid >= 0 && wid == f->next_wid) {
        handle_enqueue(t, f); /* the next file got data: time to switch? */
        return;
    }
    if (wid >= 0 && wid == f->wid) {
        if (what & WATCH_DIR_GONE)
            f->wid = -1; /* the kernel dropped the watch */
        if (f->by_name && (what & (WATCH_ATTRIB | WATCH_GONE)))
            f->recheck = true;
    } else if (f->by_name) {
        name_on_change(t, f, wid, what, name, cookie);
        if (!(what & WATCH_ALL))
            goto queue; /* a directory entry changed: the data did not */
    }
    f->dirty = (f->fd >= 0 || f->parked) && (f->seekable || !f->epoll_ok);
queue:
    handle_enqueue(t, f);
}

void handle_catch_up_events(atail *t, const struct file *f)
{
    if (f->be == &t->inotify && f->be->w)
        f->be->ops->dispatch(f->be->w, on_watch, t); /* errors: seen at the next collect */
}

/* ---- timers and the watched process ---------------------------------- */

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

/* Without pidfd: whether pid runs. A zombie (the caller's child, dead and
 * not yet reaped: --spawn) has ended too; it is not reaped here, its
 * status is the caller's. */
static bool pid_alive(int pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    char path[32], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true; /* no /proc: kill() is all we know */
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    /* "pid (comm) S ...": the state follows the last ')'. */
    const char *paren = strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

static void pid_died(atail *t)
{
    t->pid_dead = true;
    /* Its last writes may not have been reported yet: look at everything. */
    for (size_t i = 0; i < t->n_files; i++)
        on_watch(t, (uint32_t)i, -1, WATCH_ALL, NULL, 0);
}

static void on_timer(atail *t)
{
    uint64_t n;
    if (read(t->timerfd, &n, sizeof n) < 0 && errno == EAGAIN)
        return;
    t->timer_at_ms = 0;
    uint64_t now = handle_now_ms();
    for (size_t i = 0; t->n_waiting > 0 && i < t->n_files; i++) {
        struct file *f = t->files[i];
        if (f->deadline_ms && f->deadline_ms <= now)
            handle_enqueue(t, f);
    }
    if (t->pid && t->pidfd < 0 && !t->pid_dead && !pid_alive(t->pid))
        pid_died(t);
    state_on_timer(t, now);
    idle_on_timer(t, now);
    handle_arm_timer(t);
}

int atail_watch_pid(atail *t, int pid)
{
    if (!t || pid <= 0)
        return -EINVAL;
    if (t->pid)
        return -EBUSY;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0 && errno == ESRCH)
        return -ESRCH;
    if (fd < 0 && kill(pid, 0) < 0 && errno == ESRCH)
        return -ESRCH;
    t->pid = pid;
    if (fd >= 0) {
        int r = epoll_add(t->epfd, fd, TAG_PID);
        if (r < 0) {
            close(fd);
            t->pid = 0;
            return r;
        }
        t->pidfd = fd;
    }
    handle_arm_timer(t);
    return 0;
}

/* ---- the event loop ------------------------------------------------------ */

/* Asks the epoll set what is ready, without waiting. */
static int collect(atail *t)
{
    struct epoll_event evs[64];
    int n;
    do {
        n = epoll_wait(t->epfd, evs, 64, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (int i = 0; i < n; i++) {
        uint64_t tag = evs[i].data.u64;
        struct backend *be = tag == TAG_INOTIFY ? &t->inotify : tag == TAG_POLL ? &t->poll : NULL;
        if (be) {
            int r = be->ops->dispatch(be->w, on_watch, t);
            if (r < 0)
                return r;
        } else if (tag == TAG_TIMER) {
            on_timer(t);
        } else if (tag == TAG_PID) {
            epoll_ctl(t->epfd, EPOLL_CTL_DEL, t->pidfd, NULL);
            pid_died(t);
        } else if (tag >= TAG_FILE0 && tag - TAG_FILE0 < t->n_files) {
            struct file *f = t->files[tag - TAG_FILE0];
            f->dirty = true;
            handle_enqueue(t, f);
        }
    }
    glob_rescan_pending(t);
    return 0;
}

/* A followed FIFO's writers all left: open it again, so the next writer's
 * data is read (tail -f does the same). Until a writer comes, the new
 * descriptor polls neither readable nor hung up. */
static void reopen_fifo(atail *t, struct file *f)
{
    f->reopen_now = false;
    /* Open before closing: while one reader holds the FIFO, what a writer
     * wrote in between stays in it. */
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    epoll_ctl(t->epfd, EPOLL_CTL_DEL, f->fd, NULL);
    close(f->fd);
    f->epoll_ok = false;
    f->fd = fd;
    int r = fd < 0 ? -errno : epoll_add(t->epfd, fd, TAG_FILE0 + f->id);
    if (r == 0) {
        f->epoll_ok = true;
        return;
    }
    f->error = r;
    f->closed = true;
    handle_enqueue(t, f);
}

/* Serves one file; on its END, releases what it holds. */
static int serve(atail *t, struct file *f, struct atail_event *ev)
{
    if (f->parked)
        idle_reopen(t, f);
    if (f->recheck && !f->end_reported)
        name_recheck(t, f);
    for (;;) {
        int r = file_next(f, &t->cfg, ev);
        if (r == 1) {
            if (ev->kind == ATAIL_EVENT_LINE || ev->kind == ATAIL_EVENT_DATA)
                state_delivered(t, f);
            else if (ev->kind == ATAIL_EVENT_ROTATED || ev->kind == ATAIL_EVENT_EOF)
                t->save_soon = true; /* (EOF: a restart's catch-up is done) */
            else if (ev->kind == ATAIL_EVENT_END) {
                drop_file(t, f);
                glob_file_ended(t, f);
                t->n_ended++;
            }
            return 1;
        }
        if (f->reopen_now && f->fd >= 0)
            reopen_fifo(t, f);
        if (f->trunc_pending) {
            name_truncated(t, f);
            continue;
        }
        if (!f->by_name || f->end_reported || !name_settle(t, f))
            return 0;
    }
}

/* Moves the catch-up position past files whose initial content is out,
 * queueing them so later changes reach them. */
static void advance_catchup(atail *t)
{
    while (t->catchup < t->n_files) {
        struct file *f = t->files[t->catchup];
        if (!f->eof_reported && !f->end_reported)
            break;
        t->catchup++;
        handle_enqueue(t, f);
    }
}

/* Whether f may have another event without a new change report. */
static bool file_has_more(const struct file *f)
{
    return f->head < f->tail || f->dirty || f->error || f->truncated || f->notice ||
           f->trunc_pending || f->reopen_now || f->recheck || f->n_next > 0 || f->name_missing ||
           (f->at_eof && !f->eof_reported) || (f->closed && !f->end_reported);
}

/* An event is returned: keep atail_fd() readable if more may follow. The
 * common case, a file read to its end, writes nothing. */
static int returning(atail *t, const struct file *f, bool from_queue)
{
    if (t->save_error || t->rq_len > (from_queue ? 1u : 0u) ||
        (t->catchup < t->n_files && t->files[t->catchup] != f) || (f && file_has_more(f)))
        wake(t);
    return 1;
}

int atail_next(atail *t, struct atail_event *ev)
{
    if (!t || !ev)
        return -EINVAL;
    for (;;) {
        if (t->save_error) {
            *ev = (struct atail_event){.kind = ATAIL_EVENT_ERROR,
                                       .file = -1,
                                       .path = t->state_path,
                                       .error = t->save_error};
            t->save_error = 0;
            return returning(t, NULL, false);
        }
        if (t->catchup < t->n_files) {
            struct file *f = t->files[t->catchup];
            if (serve(t, f, ev) == 1) {
                advance_catchup(t);
                return returning(t, f, false);
            }
            advance_catchup(t);
        }
        while (t->rq_len > 0) {
            struct file *f = t->files[t->runq[t->rq_head]];
            if (serve(t, f, ev) == 1)
                return returning(t, f, true);
            t->queued[f->id] = false;
            t->rq_head = (t->rq_head + 1) % t->rq_cap;
            t->rq_len--;
        }
        if ((t->n_ended == t->n_files && t->n_globs == 0) || (t->collected && t->pid_dead)) {
            unwake(t);
            return 0;
        }
        /* Asked the epoll set since the caller last waited: whatever became
         * ready since keeps atail_fd() readable, so no need to ask again. */
        if (t->collected) {
            t->collected = false;
            unwake(t);
            return -EAGAIN;
        }
        int r = collect(t);
        if (r < 0)
            return r;
        t->collected = true;
    }
}

int atail_wait(atail *t, int timeout_ms)
{
    if (!t)
        return -EINVAL;
    t->collected = false; /* the caller waits: look again afterwards */
    struct pollfd pfd = {.fd = t->epfd, .events = POLLIN};
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0)
        return -errno;
    return r > 0 ? 1 : 0;
}

/* ---- adding files -------------------------------------------------------- */

static int grow_tables(atail *t)
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

/* Registers what tells us about changes: the watch backend for a followed
 * seekable file, the epoll set for a stream. */
static int arm(atail *t, struct file *f)
{
    if (f->fd >= 0 && !f->seekable) {
        int r = epoll_add(t->epfd, f->fd, TAG_FILE0 + f->id);
        if (r == 0)
            f->epoll_ok = true;
        /* Devices epoll refuses (/dev/null, /dev/zero) never block. */
        return r == -EPERM ? 0 : r;
    }
    return handle_watch_file(t, f);
}

static int add_file(atail *t, const char *path, int fd, uint64_t base,
                    const struct atail_follow_options *fo)
{
    int r = grow_tables(t);
    struct file *f = calloc(1, sizeof *f);
    if (r < 0 || !f) {
        if (fd >= 0)
            close(fd);
        free(f);
        return -ENOMEM;
    }
    bool by_name = fo->follow == ATAIL_FOLLOW_NAME;
    r = file_init(f, (uint32_t)t->n_files, path, fd, fo->follow != ATAIL_FOLLOW_NONE);
    if (r == 0 && (by_name || f->seekable))
        r = set_backend(t, f, choose_backend(t, f));
    if (r == 0 && by_name)
        r = name_init(t, f, (fo->flags & ATAIL_FOLLOW_RETRY) != 0);
    int resumed = r == 0 ? state_resume(t, f) : 0;
    if (resumed < 0)
        r = resumed;
    if (r == 0)
        r = arm(t, f);
    if (r == 0 && fd >= 0 && !resumed)
        r = file_start(f, fo, &t->cfg, f->seekable ? base : 0, t->scratch);
    if (r < 0) {
        drop_file(t, f);
        file_free(f);
        return r;
    }
    if (fd < 0)
        f->eof_reported = true; /* a name waited for has no initial content */
    t->files[t->n_files++] = f;
    if (t->idle_close_ms && by_name)
        idle_touch(t, f, handle_now_ms());
    advance_catchup(t);
    wake(t); /* its initial content is news */
    return (int)f->id;
}

int handle_add_failed(atail *t, const char *path, int err)
{
    int r = grow_tables(t);
    struct file *f = calloc(1, sizeof *f);
    if (r < 0 || !f) {
        free(f);
        return -ENOMEM;
    }
    if (file_init(f, (uint32_t)t->n_files, path, -1, false) < 0) {
        file_free(f); /* its fd is -1 */
        return -ENOMEM;
    }
    f->error = err;
    f->closed = f->at_eof = f->eof_reported = true;
    t->files[t->n_files++] = f;
    advance_catchup(t);
    handle_enqueue(t, f);
    wake(t);
    return (int)f->id;
}

static bool valid_follow_options(const struct atail_follow_options *fo)
{
    return (unsigned)fo->start <= ATAIL_START_BYTE && (unsigned)fo->follow <= ATAIL_FOLLOW_NAME &&
           !(fo->flags & ~ATAIL_FOLLOW_RETRY);
}

int handle_add_path(atail *t, const char *path, const struct atail_follow_options *fo)
{
    if (t->n_files >= INT32_MAX)
        return -EMFILE;
    int fd = idle_open(t, path, NULL);
    if (fd < 0) {
        int err = -errno;
        bool wait = fo->follow == ATAIL_FOLLOW_NAME && (fo->flags & ATAIL_FOLLOW_RETRY);
        if (!wait || err == -ENOMEM)
            return err;
        int id = add_file(t, path, -1, 0, fo);
        if (id >= 0 && t->files[id]->fd < 0) /* (else resumed in a rotated file) */
            t->files[id]->error = t->files[id]->last_error = err;
        return id;
    }
    int id = add_file(t, path, fd, 0, fo);
    bool wait = fo->follow == ATAIL_FOLLOW_NAME && (fo->flags & ATAIL_FOLLOW_RETRY);
    if (id == -EISDIR && wait) { /* a directory for now: wait for a file */
        id = add_file(t, path, -1, 0, fo);
        if (id >= 0)
            t->files[id]->error = t->files[id]->last_error = -EISDIR;
        return id;
    }
    struct stat st;
    if (id >= 0 && fo->follow != ATAIL_FOLLOW_NONE && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        t->files[id]->reopen = true; /* a FIFO outlives its writers */
    return id;
}

int atail_follow(atail *t, const char *path, const struct atail_follow_options *fo)
{
    struct atail_follow_options defaults;
    atail_follow_options_init(&defaults);
    if (!fo)
        fo = &defaults;
    if (!t || !path || !valid_follow_options(fo))
        return -EINVAL;
    return handle_add_path(t, path, fo);
}

int atail_follow_fd(atail *t, int fd, const char *name, const struct atail_follow_options *fo)
{
    struct atail_follow_options defaults;
    atail_follow_options_init(&defaults);
    if (!fo)
        fo = &defaults;
    if (!t || fd < 0 || !name || !valid_follow_options(fo))
        return -EINVAL;
    if (fo->follow == ATAIL_FOLLOW_NAME)
        return -EINVAL; /* a descriptor has no name to follow */
    if (t->n_files >= INT32_MAX)
        return -EMFILE;
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0)
        return -errno;
    off_t cur = lseek(dup, 0, SEEK_CUR);
    return add_file(t, name, dup, cur > 0 ? (uint64_t)cur : 0, fo);
}

int atail_reading(const atail *t, int file)
{
    if (!t || file < 0 || (size_t)file >= t->n_files)
        return -EINVAL;
    const struct file *f = t->files[file];
    return (f->fd >= 0 || f->parked) && !f->end_reported;
}

int atail_file_identity(const atail *t, int file, uint64_t *dev, uint64_t *ino)
{
    if (!t || file < 0 || (size_t)file >= t->n_files || !dev || !ino)
        return -EINVAL;
    const struct file *f = t->files[file];
    if (f->dev == 0 && f->ino == 0)
        return -ENOENT; /* never opened */
    *dev = (uint64_t)f->dev;
    *ino = (uint64_t)f->ino;
    return 0;
}

int atail_commit(atail *t)
{
    return t ? state_commit(t) : -EINVAL;
}

int atail_save(atail *t)
{
    return t ? state_save(t) : -EINVAL;
}

const char *atail_strerror(int err)
{
    if (err == 0)
        return "Success";
    const char *s = strerrordesc_np(err < 0 ? -err : err);
    return s ? s : "Unknown error";
}
