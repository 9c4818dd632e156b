/* atail.c - the public calls (include/atail.h): they check their arguments
 * and hand over to the layers beneath.
 *
 *   atail.c    the public face
 *   loop.c     the event loop: watch events to the modules, files served
 *   glob.c     globs                      (adds files through follow.c)
 *   follow.c   adding and dropping a file
 *   state.c    checkpoints                (name.c: rotated siblings)
 *   name.c     following by name          (idle.c: opening under EMFILE)
 *   idle.c     closing idle files         (sibling.c: reopening when moved)
 *   sibling.c  a file's rotated siblings
 *   handle.c   the handle's machinery: epoll set, run queue, backends,
 *              watches, the deadline timer
 *   file.c, start.c, lines.c, checkpoint.c, watch_*.c, strset.c: one file,
 *              pure helpers, the backends
 *
 * Each file calls only the ones below it; the loop's watch-event handler
 * reaches handle.c as a pointer in the handle (t->on_watch). */
#include "follow.h"
#include "glob.h"
#include "handle.h"
#include "loop.h"
#include "state.h"

#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

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
    t->on_watch = loop_on_watch;
    int r = -ENOMEM;
    t->scratch = file_buffer_new(opt->read_size);
    if (t->cfg.spans)
        t->cfg.shared = file_buffer_new(opt->read_size + FILE_PAGE);
    if (!t->scratch || (t->cfg.spans && !t->cfg.shared))
        goto fail;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    t->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (t->epfd < 0 || t->wakefd < 0 || t->timerfd < 0) {
        r = -errno;
        goto fail;
    }
    r = handle_epoll_add(t->epfd, t->wakefd, TAG_WAKE);
    if (r == 0)
        r = handle_epoll_add(t->epfd, t->timerfd, TAG_TIMER);
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

atail *atail_close(atail *t)
{
    if (!t)
        return NULL;
    state_close(t);
    glob_free_all(t);
    for (size_t i = 0; i < t->n_files; i++) {
        follow_drop(t, t->files[i]);
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
        int r = handle_epoll_add(t->epfd, fd, TAG_PID);
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

static bool valid_follow_options(const struct atail_follow_options *fo)
{
    return (unsigned)fo->start <= ATAIL_START_BYTE && (unsigned)fo->follow <= ATAIL_FOLLOW_NAME &&
           !(fo->flags & ~(ATAIL_FOLLOW_RETRY | ATAIL_FOLLOW_REAPPEAR));
}

int atail_follow(atail *t, const char *path, const struct atail_follow_options *fo)
{
    struct atail_follow_options defaults;
    atail_follow_options_init(&defaults);
    if (!fo)
        fo = &defaults;
    if (!t || !path || !valid_follow_options(fo))
        return -EINVAL;
    return follow_add_path(t, path, fo);
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
    return follow_add_fd(t, name, dup, cur > 0 ? (uint64_t)cur : 0, fo);
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

int atail_lost_range(const atail *t, int file, uint64_t *from, uint64_t *to)
{
    if (!t || file < 0 || (size_t)file >= t->n_files || !from || !to)
        return -EINVAL;
    const struct file *f = t->files[file];
    if (!f->said_range)
        return -ENOENT;
    *from = f->said_from;
    *to = f->said_to;
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

int atail_next(atail *t, struct atail_event *ev)
{
    if (!t || !ev)
        return -EINVAL;
    return loop_next(t, ev);
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

const char *atail_strerror(int err)
{
    if (err == 0)
        return "Success";
    const char *s = strerrordesc_np(err < 0 ? -err : err);
    return s ? s : "Unknown error";
}
