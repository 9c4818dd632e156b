/* atail.c - the handle: the file table, the epoll set, and atail_next().
 *
 * Every source of news is registered in one epoll set (the descriptor
 * atail_fd() returns): the watch backend's descriptor, each stream's
 * descriptor, and an eventfd that stays readable while atail_next() has
 * news it has not yet returned. atail_next() asks the set what is ready
 * with a zero timeout only when it has nothing buffered, so the cost of
 * waiting is paid per batch, not per line.
 *
 * Files wait in a FIFO run queue while they may have events. The file whose
 * initial content is being delivered (`catchup`) is served before the
 * queue, and files added after it are not served at all until it reaches
 * its end: that is what gives the order of `tail a b`.
 */
#include "atail.h"

#include "file.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* epoll data tags: small constants, then files by id. */
#define TAG_WATCH 0u
#define TAG_WAKE 1u
#define TAG_FILE0 2u

struct atail {
    struct reader_config cfg;
    int epfd;
    int wakefd;
    bool woken; /* wakefd holds a count: atail_fd() polls readable */
    const struct watch_ops *wops;
    struct watch *watch;

    struct file **files;
    size_t n_files, cap_files;
    size_t n_ended; /* files whose END event has been returned */
    size_t catchup; /* first file whose initial content is not delivered */

    uint32_t *runq; /* ring of file ids that may have events */
    bool *queued;   /* by file id */
    size_t rq_head, rq_len, rq_cap;

    char *scratch; /* cfg.read_size bytes for backward reading */
};

void atail_options_init(struct atail_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->delimiter = '\n';
    opt->max_line = ATAIL_DEFAULT_MAX_LINE;
    opt->read_size = ATAIL_DEFAULT_READ_SIZE;
}

void atail_follow_options_init(struct atail_follow_options *fo)
{
    if (!fo)
        return;
    memset(fo, 0, sizeof *fo);
    fo->start = ATAIL_START_END;
    fo->follow = ATAIL_FOLLOW_DESCRIPTOR;
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
        (opt->flags & ~ATAIL_OPEN_SPANS))
        return -EINVAL;

    atail *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->epfd = t->wakefd = -1;
    t->cfg = (struct reader_config){
        .delim = opt->delimiter,
        .spans = (opt->flags & ATAIL_OPEN_SPANS) != 0,
        .max_line = opt->max_line,
        .read_size = opt->read_size,
    };
    int r = -ENOMEM;
    t->scratch = malloc(opt->read_size);
    if (!t->scratch)
        goto fail;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (t->epfd < 0 || t->wakefd < 0) {
        r = -errno;
        goto fail;
    }
    r = epoll_add(t->epfd, t->wakefd, TAG_WAKE);
    if (r < 0)
        goto fail;
    t->wops = &watch_inotify_ops;
    r = t->wops->create(&t->watch, t->epfd, TAG_WATCH);
    if (r < 0)
        goto fail;
    *out = t;
    return 0;
fail:
    atail_close(t);
    return r;
}

static void file_drop(atail *t, struct file *f)
{
    if (f->wid >= 0)
        t->wops->remove(t->watch, f->wid, f->id);
    f->wid = -1;
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
    for (size_t i = 0; i < t->n_files; i++) {
        file_drop(t, t->files[i]);
        file_free(t->files[i]);
    }
    free(t->files);
    free(t->runq);
    free(t->queued);
    if (t->watch)
        t->wops->destroy(t->watch);
    if (t->wakefd >= 0)
        close(t->wakefd);
    if (t->epfd >= 0)
        close(t->epfd);
    free(t->scratch);
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

static void enqueue(atail *t, struct file *f)
{
    /* Files still waiting for their turn to catch up are served directly
     * when their turn comes; queueing them now would break the order. */
    if (f->id > t->catchup || (f->id == t->catchup && t->catchup < t->n_files))
        return;
    if (t->queued[f->id])
        return;
    size_t tail = (t->rq_head + t->rq_len) % t->rq_cap;
    t->runq[tail] = f->id;
    t->rq_len++;
    t->queued[f->id] = true;
}

static void on_watch(void *ctx, uint32_t file_id, unsigned what)
{
    atail *t = ctx;
    (void)what;
    if (file_id == UINT32_MAX) { /* overflow: anything may have changed */
        for (size_t i = 0; i < t->n_files; i++) {
            t->files[i]->dirty = t->files[i]->fd >= 0;
            enqueue(t, t->files[i]);
        }
        return;
    }
    if (file_id >= t->n_files)
        return;
    struct file *f = t->files[file_id];
    if (f->fd < 0)
        return;
    f->dirty = true;
    enqueue(t, f);
}

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
        if (tag == TAG_WATCH) {
            int r = t->wops->dispatch(t->watch, on_watch, t);
            if (r < 0)
                return r;
        } else if (tag >= TAG_FILE0 && tag - TAG_FILE0 < t->n_files) {
            struct file *f = t->files[tag - TAG_FILE0];
            f->dirty = true;
            enqueue(t, f);
        }
    }
    return 0;
}

/* Serves one file; on its END, releases what it holds. */
static int serve(atail *t, struct file *f, struct atail_event *ev)
{
    int r = file_next(f, &t->cfg, ev);
    if (r == 1 && ev->kind == ATAIL_EVENT_END) {
        file_drop(t, f);
        t->n_ended++;
    }
    return r;
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
        if (!f->end_reported)
            enqueue(t, f);
    }
}

int atail_next(atail *t, struct atail_event *ev)
{
    if (!t || !ev)
        return -EINVAL;
    bool collected = false;
    for (;;) {
        if (t->catchup < t->n_files) {
            struct file *f = t->files[t->catchup];
            int r = serve(t, f, ev);
            if (r == 1) {
                if (ev->kind == ATAIL_EVENT_EOF || ev->kind == ATAIL_EVENT_END)
                    advance_catchup(t);
                wake(t);
                return 1;
            }
        }
        while (t->rq_len > 0) {
            struct file *f = t->files[t->runq[t->rq_head]];
            if (serve(t, f, ev) == 1) {
                wake(t);
                return 1;
            }
            t->queued[f->id] = false;
            t->rq_head = (t->rq_head + 1) % t->rq_cap;
            t->rq_len--;
        }
        if (t->n_ended == t->n_files) {
            unwake(t);
            return 0;
        }
        if (collected) {
            unwake(t);
            return -EAGAIN;
        }
        int r = collect(t);
        if (r < 0)
            return r;
        collected = true;
    }
}

int atail_wait(atail *t, int timeout_ms)
{
    if (!t)
        return -EINVAL;
    struct pollfd pfd = {.fd = t->epfd, .events = POLLIN};
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0)
        return -errno;
    return r > 0 ? 1 : 0;
}

static int grow_tables(atail *t)
{
    if (t->n_files < t->cap_files)
        return 0;
    size_t cap = t->cap_files ? t->cap_files * 2 : 8;
    struct file **files = realloc(t->files, cap * sizeof *files);
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
    if (!f->seekable) {
        int r = epoll_add(t->epfd, f->fd, TAG_FILE0 + f->id);
        if (r == 0)
            f->epoll_ok = true;
        /* Devices epoll refuses (/dev/null, /dev/zero) never block. */
        return r == -EPERM ? 0 : r;
    }
    if (!f->follow)
        return 0;
    int wid = t->wops->add(t->watch, f->fd, f->id);
    if (wid < 0)
        return wid;
    f->wid = wid;
    return 0;
}

static int add_file(atail *t, const char *path, int fd, uint64_t base,
                    const struct atail_follow_options *fo)
{
    struct atail_follow_options defaults;
    atail_follow_options_init(&defaults);
    if (!fo)
        fo = &defaults;
    int r = grow_tables(t);
    struct file *f = calloc(1, sizeof *f);
    if (r < 0 || !f) {
        close(fd);
        free(f);
        return -ENOMEM;
    }
    r = file_init(f, (uint32_t)t->n_files, path, fd, fo->follow != ATAIL_FOLLOW_NONE);
    if (r == 0)
        r = arm(t, f);
    if (r == 0)
        r = file_start(f, fo, &t->cfg, f->seekable ? base : 0, t->scratch);
    if (r < 0) {
        file_drop(t, f);
        file_free(f);
        return r;
    }
    t->files[t->n_files++] = f;
    wake(t); /* its initial content is news */
    return (int)f->id;
}

static bool valid_follow_options(const struct atail_follow_options *fo)
{
    return !fo || ((unsigned)fo->start <= ATAIL_START_BYTE &&
                   (unsigned)fo->follow <= ATAIL_FOLLOW_DESCRIPTOR);
}

int atail_follow(atail *t, const char *path, const struct atail_follow_options *fo)
{
    if (!t || !path || !valid_follow_options(fo))
        return -EINVAL;
    if (t->n_files >= INT32_MAX)
        return -EMFILE;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    return add_file(t, path, fd, 0, fo);
}

int atail_follow_fd(atail *t, int fd, const char *name, const struct atail_follow_options *fo)
{
    if (!t || fd < 0 || !name || !valid_follow_options(fo))
        return -EINVAL;
    if (t->n_files >= INT32_MAX)
        return -EMFILE;
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0)
        return -errno;
    off_t cur = lseek(dup, 0, SEEK_CUR);
    return add_file(t, name, dup, cur > 0 ? (uint64_t)cur : 0, fo);
}

const char *atail_strerror(int err)
{
    if (err == 0)
        return "Success";
    const char *s = strerrordesc_np(err < 0 ? -err : err);
    return s ? s : "Unknown error";
}
