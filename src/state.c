/* state.c - checkpoints: where each followed file was, by identity, so a
 * restart neither skips nor repeats what was committed.
 *
 * A file's committed position ("mark") is its identity (device, inode, a
 * hash of its first bytes) and the offset just past what the consumer has
 * processed, with a hash of the bytes just before it. On restart:
 *
 *   same inode, hashes match          resume at the offset
 *   same inode, hashes differ         rewritten, truncated or a recycled
 *                                     inode: read from 0
 *   another file under the name       look for ours among the rotated
 *                                     siblings (name.N, name-DATE, ...): read
 *                                     it from the offset, then the siblings
 *                                     born after it (rotated while we were
 *                                     down), then the new file from 0
 *                                     (following by name)
 *   no file under the name            the same, then wait for the name
 *   ours is nowhere                   read the new file from 0
 *
 * Commits only record positions in memory; the file is written by
 * ckpt_save() (atomic) every state_interval_ms, at the first commit after a
 * rotation, at every commit when the interval is 0, and on close. */
#include "state.h"

#include "name.h"
#include "sibling.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int state_open(atail *t, const char *path)
{
    t->state_path = strdup(path);
    size_t n = strlen(path) + sizeof ".lock";
    char *lock = malloc(n);
    if (!t->state_path || !lock) {
        free(lock);
        return -ENOMEM;
    }
    snprintf(lock, n, "%s.lock", path);
    /* The lock lives in its own file: the state file is replaced by rename
     * at every save, which would drop a lock held on it. */
    t->state_lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(lock);
    if (t->state_lock < 0)
        return -errno;
    if (flock(t->state_lock, LOCK_EX | LOCK_NB) < 0)
        return errno == EWOULDBLOCK ? -EBUSY : -errno;
    /* The first commit saves at once: a run that ends before the interval
     * (killed at once, or restarted in a loop) still moves the state on,
     * so that what it printed is not printed again by every later run. */
    t->save_soon = true;
    return ckpt_load(path, &t->state, NULL);
}

void state_close(atail *t)
{
    if (t->state_path && t->state_unsaved)
        state_save(t);
    ckpt_free(&t->state);
    free(t->touched);
    free(t->state_path);
    if (t->state_lock >= 0)
        close(t->state_lock); /* releases the lock */
}

/* Hash of len bytes at offset, or -1 on a short read. */
static int hash_at(int fd, uint64_t offset, uint32_t len, char *buf, uint64_t *h)
{
    ssize_t n = pread(fd, buf, len, (off_t)offset);
    if (n != (ssize_t)len)
        return -1;
    *h = ckpt_hash(buf, len);
    return 0;
}

/* Fills the identity and hashes of the position `offset` in fd. */
static int make_mark(atail *t, const struct file *f, uint64_t offset, struct ckpt_entry *m)
{
    m->dev = (uint64_t)f->dev;
    m->ino = (uint64_t)f->ino;
    m->offset = offset;
    m->fp_len = offset < CKPT_FP_MAX ? (uint32_t)offset : CKPT_FP_MAX;
    m->tail_len = offset < CKPT_TAIL_MAX ? (uint32_t)offset : CKPT_TAIL_MAX;
    if (hash_at(f->fd, 0, m->fp_len, t->scratch, &m->fp_hash) < 0 ||
        hash_at(f->fd, offset - m->tail_len, m->tail_len, t->scratch, &m->tail_hash) < 0)
        return -EIO;
    return 0;
}

/* Whether the file open as fd is the one e describes, unchanged up to its
 * offset. */
static bool matches(atail *t, int fd, const struct ckpt_entry *e)
{
    struct stat st;
    uint64_t h;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != e->dev || (uint64_t)st.st_ino != e->ino ||
        (uint64_t)st.st_size < e->offset)
        return false;
    if (hash_at(fd, 0, e->fp_len, t->scratch, &h) < 0 || h != e->fp_hash)
        return false;
    return hash_at(fd, e->offset - e->tail_len, e->tail_len, t->scratch, &h) == 0 &&
           h == e->tail_hash;
}

struct rotated_ctx {
    atail *t;
    const struct ckpt_entry *e;
};

static bool is_rotated(int fd, void *ctx)
{
    const struct rotated_ctx *c = ctx;
    return matches(c->t, fd, c->e);
}

/* The name leads nowhere now: if the file it led to at the save was
 * rotated meanwhile, it is read from its mark, then what came after it. */
static int resume_missing(atail *t, struct file *f, const struct ckpt_entry *e)
{
    struct rotated_ctx ctx = {t, e};
    int old = sibling_find(f, is_rotated, &ctx);
    if (old < 0)
        return 0;
    int r = file_switch(f, old);
    if (r < 0)
        return r;
    f->mark = *e;
    f->mark.path = NULL;
    f->pos = e->offset;
    f->recheck = true; /* the name is missing: noticed, and waited for */
    name_queue_later_siblings(t, f, -1);
    return 1;
}

int state_resume(atail *t, struct file *f)
{
    if (!t->state_path)
        return 0;
    const struct ckpt_entry *e = ckpt_find(&t->state, f->path);
    if (!e)
        return 0;
    if (f->fd < 0)
        return f->by_name ? resume_missing(t, f, e) : 0;
    if (!f->seekable)
        return 0;
    f->mark = *e;
    f->mark.path = NULL;
    f->dirty = true;
    f->pos = 0;
    if ((uint64_t)f->dev == e->dev && (uint64_t)f->ino == e->ino) {
        if (matches(t, f->fd, e))
            f->pos = e->offset;
        return 1; /* else rewritten, truncated or recycled: from 0 */
    }
    struct rotated_ctx ctx = {t, e};
    int old = f->by_name ? sibling_find(f, is_rotated, &ctx) : -1;
    if (old >= 0) {
        /* Read the rotated file from the mark, then the name's from 0. */
        int cur = f->fd;
        f->fd = -1;
        int r = file_switch(f, old);
        if (r < 0) {
            close(cur);
            return r;
        }
        f->pos = e->offset;
        name_queue_later_siblings(t, f, cur); /* rotated more than once */
        name_expect(t, f, cur);
    }
    return 1;
}

int state_delivered(atail *t, struct file *f)
{
    if (!t->state_path || f->uncommitted)
        return 0;
    if (t->n_touched == t->cap_touched) {
        size_t cap = t->cap_touched ? t->cap_touched * 2 : 16;
        uint32_t *n = realloc(t->touched, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        t->touched = n;
        t->cap_touched = cap;
    }
    t->touched[t->n_touched++] = f->id;
    f->uncommitted = true;
    return 0;
}

int state_commit(atail *t)
{
    if (!t->state_path)
        return 0;
    for (size_t i = 0; i < t->n_touched; i++) {
        struct file *f = t->files[t->touched[i]];
        f->uncommitted = false;
        if (f->fd < 0 || !f->seekable)
            continue;
        uint64_t done = f->pos - (f->tail - f->head);
        if (make_mark(t, f, done, &f->mark) == 0) {
            f->mark_unsaved = true;
            t->state_unsaved = true;
        }
    }
    t->n_touched = 0;
    if (!t->state_unsaved)
        return 0;
    if (t->state_interval_ms == 0 || t->save_soon)
        return state_save(t);
    if (!t->save_at_ms) {
        t->save_at_ms = handle_now_ms() + t->state_interval_ms;
        handle_arm_timer(t);
    }
    return 0;
}

int state_save(atail *t)
{
    if (!t->state_path)
        return 0;
    for (size_t i = 0; i < t->n_files; i++) {
        struct file *f = t->files[i];
        if (!f->mark_unsaved)
            continue;
        struct ckpt_entry e = f->mark;
        e.path = f->path;
        int r = ckpt_put(&t->state, &e);
        if (r < 0)
            return r;
        f->mark_unsaved = false;
    }
    int r = ckpt_save(t->state_path, &t->state);
    if (r < 0)
        return r;
    t->state_unsaved = false;
    t->save_soon = false;
    t->save_at_ms = 0;
    return 0;
}

void state_on_timer(atail *t, uint64_t now)
{
    if (!t->save_at_ms || now < t->save_at_ms)
        return;
    int r = state_save(t);
    if (r < 0) {
        t->save_error = r; /* reported by atail_next(); retried later */
        t->save_at_ms = now + (t->state_interval_ms ? t->state_interval_ms : 1000);
    }
}
