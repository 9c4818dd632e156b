/* name.c - following by name (tail -F): rotation, disappearance, retry.
 *
 * The name's directory is watched, so creations, renames and deletions of
 * the name are seen; any such change, and a change of the open file's
 * links or mode, makes the name be rechecked by stat(). When the name
 * leads to another file, that file is opened at once (so a second rotation
 * cannot take it from us) and read only after the old one:
 *
 *   name leads to our file            nothing to do
 *   name leads to another file        open it as next_fd; keep reading the
 *                                     old file until the new one has data
 *                                     (the writer moved on) or the grace
 *                                     period ends; read the old file one
 *                                     last time; switch: ROTATED
 *   name leads nowhere (or to a dir)  keep reading the old file for the
 *                                     grace period, then GONE; wait for the
 *                                     name (retry) or end
 *   no file yet, name appears         open it, read from 0: APPEARED
 *
 * A missing directory is waited for through its nearest existing ancestor,
 * moving the watch down as the path comes into being. */
#include "handle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void remove_dir_watch(struct file *f)
{
    if (f->dir_wid >= 0 && f->be && f->be->w)
        f->be->ops->remove(f->be->w, f->dir_wid, f->id);
    f->dir_wid = -1;
    f->dir_is_parent = false;
}

/* Cuts the last component off a directory path, in place. Returns false at
 * the top ("/" or "."). */
static bool up(char *p)
{
    if (strcmp(p, "/") == 0 || strcmp(p, ".") == 0)
        return false;
    char *slash = strrchr(p, '/');
    if (!slash)
        memcpy(p, ".", 2); /* p holds at least 2 bytes: it was not "." */
    else if (slash == p)
        p[1] = '\0';
    else
        *slash = '\0';
    return true;
}

/* Watches the name's directory, or its nearest existing ancestor. */
static void arm_dir(atail *t, struct file *f)
{
    if (f->dir_wid >= 0 && f->dir_is_parent)
        return;
    remove_dir_watch(f);
    char *p = strdup(f->dir);
    if (!p)
        return; /* retried at the next change */
    do {
        int r = f->be->ops->add_dir(f->be->w, p, f->id);
        if (r >= 0) {
            f->dir_wid = r;
            f->dir_is_parent = strcmp(p, f->dir) == 0;
            break;
        }
        if (r == -ENOSPC && f->be == &t->inotify) {
            handle_use_polling(t, f); /* re-arms through the poll backend */
            break;
        }
    } while (up(p));
    free(p);
}

static void start_grace(atail *t, struct file *f)
{
    if (f->deadline_ms)
        return;
    f->deadline_ms = handle_now_ms() + t->rotate_grace_ms;
    if (f->deadline_ms == 0)
        f->deadline_ms = 1;
    t->n_waiting++;
    handle_arm_timer(t);
}

static void clear_grace(atail *t, struct file *f)
{
    if (!f->deadline_ms)
        return;
    f->deadline_ms = 0;
    t->n_waiting--;
}

/* An error while the name has no file: said once per distinct error. */
static void wait_error(struct file *f, int err)
{
    if (err == f->last_error)
        return;
    f->last_error = err;
    f->error = err;
}

int name_init(atail *t, struct file *f, bool retry)
{
    f->by_name = true;
    f->retry = retry;
    const char *slash = strrchr(f->path, '/');
    f->base = slash ? slash + 1 : f->path;
    if (!slash)
        f->dir = strdup(".");
    else if (slash == f->path)
        f->dir = strdup("/");
    else
        f->dir = strndup(f->path, (size_t)(slash - f->path));
    if (!f->dir)
        return -ENOMEM;
    arm_dir(t, f);
    return 0;
}

/* Takes fd as the file the name leads to, read from its start. */
static void adopt(atail *t, struct file *f, int fd, enum atail_event_kind notice)
{
    handle_unwatch_file(t, f);
    int r = file_switch(f, fd);
    if (r == 0)
        r = handle_watch_file(t, f);
    if (r < 0) {
        wait_error(f, r);
        return;
    }
    f->notice = notice;
    f->last_error = 0;
    f->recheck = true; /* it may have moved on while we opened it */
}

void name_recheck(atail *t, struct file *f)
{
    f->recheck = false;
    struct stat st;
    int err = 0;
    if (stat(f->path, &st) < 0)
        err = -errno;
    else if (S_ISDIR(st.st_mode))
        err = -EISDIR;
    if (err) {
        if (f->fd >= 0 && !f->name_missing) {
            f->name_missing = true;
            f->name_error = err;
            start_grace(t, f);
        } else if (f->fd < 0) {
            wait_error(f, err);
        }
        arm_dir(t, f); /* the directory itself may have gone */
        return;
    }
    if (f->fd >= 0 && st.st_dev == f->dev && st.st_ino == f->ino) {
        /* The name leads to our file again (moved back). */
        f->name_missing = false;
        if (f->next_fd >= 0) {
            close(f->next_fd);
            f->next_fd = -1;
        }
        clear_grace(t, f);
        return;
    }
    if (f->next_fd >= 0)
        return; /* one switch at a time; rechecked after it */
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (f->fd < 0)
            wait_error(f, -errno);
        return;
    }
    if (f->fd < 0) {
        adopt(t, f, fd, ATAIL_EVENT_APPEARED);
        return;
    }
    f->next_fd = fd;
    f->name_missing = false;
    f->dirty = true; /* read the old file to its end */
    start_grace(t, f);
}

void name_on_change(atail *t, struct file *f, int wid, unsigned what, const char *name)
{
    if (what & WATCH_ALL) {
        f->recheck = true;
        return;
    }
    if (wid < 0 || wid != f->dir_wid)
        return;
    if (what & (WATCH_DIR_GONE | WATCH_GONE)) {
        /* The directory went away (or its watch did): watch what exists. */
        remove_dir_watch(f);
        arm_dir(t, f);
        f->recheck = true;
        return;
    }
    if (f->dir_is_parent && name && strcmp(name, f->base) != 0)
        return;
    if (!f->dir_is_parent)
        arm_dir(t, f); /* a directory on the way may exist now */
    f->recheck = true;
}

int name_find_sibling(const struct file *f, sibling_match *match, void *ctx)
{
    DIR *d = f->dir ? opendir(f->dir) : NULL;
    if (!d)
        return -1;
    size_t blen = strlen(f->base);
    int found = -1;
    const struct dirent *de;
    while (found < 0 && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, f->base, blen) != 0 || de->d_name[blen] == '\0')
            continue;
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
            continue;
        if (match(fd, ctx))
            found = fd;
        else
            close(fd);
    }
    closedir(d);
    return found;
}

/* Whether fd holds, up to the truncated file's old offset, what we read of
 * it: its first bytes, and the bytes just before that offset. */
static bool is_copy(int fd, void *ctx)
{
    const struct file *f = ctx;
    struct stat st;
    char buf[FILE_SIG_MAX];
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (st.st_dev == f->dev && st.st_ino == f->ino) || (uint64_t)st.st_size < f->truncated_at ||
        f->sig_len == 0)
        return false;
    if (pread(fd, buf, f->head_sig_len, 0) != (ssize_t)f->head_sig_len ||
        memcmp(buf, f->head_sig, f->head_sig_len) != 0)
        return false;
    return pread(fd, buf, f->sig_len, (off_t)(f->truncated_at - f->sig_len)) ==
               (ssize_t)f->sig_len &&
           memcmp(buf, f->sig, f->sig_len) == 0;
}

void name_truncated(atail *t, struct file *f)
{
    f->trunc_pending = false;
    int copy = name_find_sibling(f, is_copy, f);
    if (copy < 0) {
        file_restart(f);
        f->truncated = true;
        return;
    }
    /* copytruncate: finish the copy from where we were, then read the
     * truncated file from its start. */
    char sig[FILE_SIG_MAX], head[FILE_SIG_MAX];
    uint32_t sig_len = f->sig_len, head_len = f->head_sig_len;
    memcpy(sig, f->sig, sig_len);
    memcpy(head, f->head_sig, head_len);
    handle_unwatch_file(t, f);
    int cur = f->fd;
    f->fd = -1;
    if (file_switch(f, copy) < 0) {
        f->fd = cur;
        file_restart(f);
        f->truncated = true;
        handle_watch_file(t, f);
        return;
    }
    f->pos = f->truncated_at;
    memcpy(f->sig, sig, sig_len);
    f->sig_len = sig_len;
    f->switch_notice = ATAIL_EVENT_TRUNCATED;
    name_expect(t, f, cur);
}

void name_expect(atail *t, struct file *f, int next_fd)
{
    f->next_fd = next_fd;
    start_grace(t, f);
}

bool name_settle(atail *t, struct file *f)
{
    if (f->next_fd < 0 && !f->name_missing)
        return false;
    bool leave = handle_now_ms() >= f->deadline_ms;
    if (!leave && f->next_fd >= 0) {
        struct stat st;
        leave = fstat(f->next_fd, &st) == 0 && st.st_size > 0;
    }
    if (!leave)
        return false; /* the grace timer or a change wakes us */
    if (!f->draining) {
        /* One last read of the old file, and out with a partial line. */
        f->draining = true;
        f->flush = true;
        f->dirty = true;
        return true;
    }
    f->draining = false;
    f->flush = false;
    clear_grace(t, f);
    if (f->next_fd >= 0) {
        int fd = f->next_fd;
        enum atail_event_kind notice = f->switch_notice ? f->switch_notice : ATAIL_EVENT_ROTATED;
        f->next_fd = -1;
        f->switch_notice = 0;
        adopt(t, f, fd, notice);
        return true;
    }
    handle_unwatch_file(t, f);
    close(f->fd);
    f->fd = -1;
    f->head = f->tail = 0;
    f->name_missing = false;
    f->notice = ATAIL_EVENT_GONE;
    f->notice_error = f->name_error;
    f->last_error = f->name_error;
    if (!f->retry) {
        f->closed = true;
        f->at_eof = true;
    }
    return true;
}

void name_release(atail *t, struct file *f)
{
    remove_dir_watch(f);
    clear_grace(t, f);
    if (f->next_fd >= 0)
        close(f->next_fd);
    f->next_fd = -1;
}
