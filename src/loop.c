/* loop.c - the event loop: what the epoll set reports goes to the module
 * concerned (name.c, glob.c, idle.c, state.c), and files are served in
 * order: the one whose initial content is being delivered (`catchup`)
 * first, then the FIFO run queue. atail_next()'s body. */
#include "loop.h"

#include "follow.h"
#include "glob.h"
#include "idle.h"
#include "name.h"
#include "state.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

void loop_on_watch(void *ctx, uint32_t file_id, int wid, unsigned what, const char *name,
                   uint32_t cookie)
{
    atail *t = ctx;
    if (file_id == UINT32_MAX) { /* inotify overflow: anything may have changed */
        for (size_t i = 0; i < t->n_files; i++)
            loop_on_watch(t, (uint32_t)i, -1, WATCH_ALL, NULL, 0);
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
        loop_on_watch(t, (uint32_t)i, -1, WATCH_ALL, NULL, 0);
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
            int r = be->ops->dispatch(be->w, loop_on_watch, t);
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
    int r = fd < 0 ? -errno : handle_epoll_add(t->epfd, fd, TAG_FILE0 + f->id);
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
                follow_drop(t, f);
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
        if (f->start_pending) {
            name_check_start(t, f);
            continue;
        }
        if (!f->by_name || f->end_reported || !name_settle(t, f))
            return 0;
    }
}

/* Whether f may have another event without a new change report. */
static bool file_has_more(const struct file *f)
{
    return f->head < f->tail || f->dirty || f->error || f->truncated || f->notice ||
           f->trunc_pending || f->start_pending || f->reopen_now || f->recheck || f->n_next > 0 ||
           f->name_missing || (f->at_eof && !f->eof_reported) || (f->closed && !f->end_reported);
}

/* An event is returned: keep atail_fd() readable if more may follow. The
 * common case, a file read to its end, writes nothing. */
static int returning(atail *t, const struct file *f, bool from_queue)
{
    if (t->save_error || t->rq_len > (from_queue ? 1u : 0u) ||
        (t->catchup < t->n_files && t->files[t->catchup] != f) || (f && file_has_more(f)))
        handle_wake(t);
    return 1;
}

int loop_next(atail *t, struct atail_event *ev)
{
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
                handle_advance_catchup(t);
                return returning(t, f, false);
            }
            handle_advance_catchup(t);
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
            handle_unwake(t);
            return 0;
        }
        /* Asked the epoll set since the caller last waited: whatever became
         * ready since keeps atail_fd() readable, so no need to ask again. */
        if (t->collected) {
            t->collected = false;
            handle_unwake(t);
            return -EAGAIN;
        }
        int r = collect(t);
        if (r < 0)
            return r;
        t->collected = true;
    }
}
