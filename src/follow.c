/* follow.c - adding a file to the handle and dropping it: its table slot,
 * backend and watch (or epoll registration for a stream), following by name,
 * resuming from the state file, its start position. Used by the public
 * calls (atail.c) and by globs (glob.c) for the files they find. */
#include "follow.h"

#include "idle.h"
#include "name.h"
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

void follow_drop(atail *t, struct file *f)
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

/* Registers what tells us about changes: the watch backend for a followed
 * seekable file, the epoll set for a stream. */
static int arm(atail *t, struct file *f)
{
    if (f->fd >= 0 && !f->seekable) {
        int r = handle_epoll_add(t->epfd, f->fd, TAG_FILE0 + f->id);
        if (r == 0)
            f->epoll_ok = true;
        /* Devices epoll refuses (/dev/null, /dev/zero) never block. */
        return r == -EPERM ? 0 : r;
    }
    return handle_watch_file(t, f);
}

int follow_add_fd(atail *t, const char *path, int fd, uint64_t base,
                  const struct atail_follow_options *fo)
{
    int r = handle_grow_tables(t);
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
        r = handle_set_file_backend(t, f);
    if (r == 0 && by_name)
        r = name_init(t, f, fo->flags);
    int resumed = r == 0 ? state_resume(t, f) : 0;
    if (resumed < 0)
        r = resumed;
    if (r == 0)
        r = arm(t, f);
    if (r == 0 && fd >= 0 && !resumed)
        r = file_start(f, fo, &t->cfg, f->seekable ? base : 0, t->scratch);
    if (r < 0) {
        follow_drop(t, f);
        file_free(f);
        return r;
    }
    if (fd < 0)
        f->eof_reported = true; /* a name waited for has no initial content */
    t->files[t->n_files++] = f;
    if (t->idle_close_ms && by_name)
        idle_touch(t, f, handle_now_ms());
    handle_advance_catchup(t);
    handle_wake(t); /* its initial content is news */
    return (int)f->id;
}

int follow_add_failed(atail *t, const char *path, int err)
{
    int r = handle_grow_tables(t);
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
    handle_advance_catchup(t);
    handle_enqueue(t, f);
    handle_wake(t);
    return (int)f->id;
}

int follow_add_path(atail *t, const char *path, const struct atail_follow_options *fo)
{
    if (t->n_files >= INT32_MAX)
        return -EMFILE;
    int fd = idle_open(t, path, NULL);
    if (fd < 0) {
        int err = -errno;
        bool wait = fo->follow == ATAIL_FOLLOW_NAME && (fo->flags & ATAIL_FOLLOW_RETRY);
        if (!wait || err == -ENOMEM)
            return err;
        int id = follow_add_fd(t, path, -1, 0, fo);
        if (id >= 0 && t->files[id]->fd < 0) /* (else resumed in a rotated file) */
            t->files[id]->error = t->files[id]->last_error = err;
        return id;
    }
    int id = follow_add_fd(t, path, fd, 0, fo);
    bool wait = fo->follow == ATAIL_FOLLOW_NAME && (fo->flags & ATAIL_FOLLOW_RETRY);
    if (id == -EISDIR && wait && !(fo->flags & ATAIL_FOLLOW_REAPPEAR)) {
        /* a directory for now: wait for a file */
        id = follow_add_fd(t, path, -1, 0, fo);
        if (id >= 0)
            t->files[id]->error = t->files[id]->last_error = -EISDIR;
        return id;
    }
    struct stat st;
    if (id >= 0 && fo->follow != ATAIL_FOLLOW_NONE && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        t->files[id]->reopen = true; /* a FIFO outlives its writers */
    return id;
}
