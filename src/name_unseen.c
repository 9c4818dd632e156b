/* name_unseen.c - generations deleted at a followed name before anyone
 * looked.
 *
 * Each file that leaves the name brings one event for the name: deleted,
 * renamed away, or replaced (another file renamed over it). Between two
 * looks at the name (name_recheck()), the files that can have left it are
 * the one it led to at the first look, and files that came after it: those
 * were never opened, and the deletion of one loses what it held (one
 * renamed away is found again through the rename history). So the
 * deletions counted since the last look, less one if the file seen then
 * left by deletion, are generations lost.
 *
 * The look comes after the events queued so far are read, but a deletion
 * can happen between those reads and the look, which then sees the file
 * gone before its event: with deletions only, the balance goes below zero
 * and the late event brings it back, so nothing is said wrongly. With
 * renames and replacements among them, or events lost (inotify's queue
 * overflowed), which file left how is not always known: the count errs on
 * the side of saying nothing. */
#include "name_unseen.h"

static void remember(struct file *f, const struct stat *now)
{
    f->named = now != NULL;
    if (now) {
        f->named_dev = now->st_dev;
        f->named_ino = now->st_ino;
        f->named_type = now->st_mode & S_IFMT;
        f->named_ctime = now->st_ctim;
    }
}

/* Whether the name still leads to the file it led to at the last look.
 * An inode number is reused as soon as its file is gone (ext4 gives it to
 * the next file made): while we hold the file (named_fd) it cannot be; a
 * file we do not hold (a directory, one we could not open) must also have
 * kept its type and status change time, so that a change of either counts
 * as the file having left (which errs on saying nothing). */
static bool still_named(const struct file *f, const struct stat *now, int named_fd)
{
    if (!f->named || !now || now->st_dev != f->named_dev || now->st_ino != f->named_ino)
        return false;
    return named_fd >= 0 || ((now->st_mode & S_IFMT) == f->named_type &&
                             now->st_ctim.tv_sec == f->named_ctime.tv_sec &&
                             now->st_ctim.tv_nsec == f->named_ctime.tv_nsec);
}

void name_unseen_start(struct file *f, const struct stat *now)
{
    f->name_deletions = 0;
    f->name_moves = f->name_replacements = 0;
    f->name_events_lost = false;
    remember(f, now);
}

void name_unseen_deleted(struct file *f)
{
    f->name_deletions++;
}

void name_unseen_moved(struct file *f)
{
    f->name_moves++;
}

void name_unseen_replaced(struct file *f)
{
    f->name_replacements++;
}

void name_unseen_events_lost(struct file *f)
{
    f->name_events_lost = true;
}

/* Whether the file the name led to at the last look left it by deletion:
 * without renames at the name, yes; with some, if it has no link any more
 * (open as named_fd; not known: no). */
static bool named_deleted(const struct file *f, int named_fd)
{
    struct stat st;
    if (f->name_moves == 0 && f->name_replacements == 0)
        return true;
    return named_fd >= 0 && fstat(named_fd, &st) == 0 && st.st_nlink == 0;
}

void name_unseen_look(struct file *f, const struct stat *now, int named_fd, bool counted)
{
    bool left = f->named && !still_named(f, now, named_fd);
    if (!counted) {
        name_unseen_start(f, now);
        return;
    }
    bool unsure = f->name_moves > 0 || f->name_replacements > 0 || f->name_events_lost;
    if (left && named_deleted(f, named_fd))
        f->name_deletions--;
    for (; f->name_deletions > 0; f->name_deletions--)
        file_lost(f, 0);
    if (unsure)
        f->name_deletions = 0; /* no late deletion to count back */
    else if (f->name_deletions < -1)
        f->name_deletions = -1; /* the events are read before each look: one at most is late */
    f->name_moves = f->name_replacements = 0;
    f->name_events_lost = false;
    remember(f, now);
}
