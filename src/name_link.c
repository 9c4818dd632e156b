/* name_link.c - a followed name that is a symbolic link: its target's
 * directory is watched too.
 *
 * What the name leads to can change without any event in the name's own
 * directory: a dangling link's target is created, the target is rotated
 * (renamed, deleted and created again) in a directory of its own. So while
 * the name is a link, the directory of its final target (links resolved,
 * up to LINK_HOPS of them), or that directory's nearest existing ancestor,
 * is watched as well, and a change there of the target's name (of anything,
 * in an ancestor) rechecks the name. Polled files need none of this: the
 * poll backend rechecks every name at every tick. */
#include "name_link.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINK_HOPS 8

bool name_path_up(char *p)
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

/* The path `target` (a link's contents) stands for, read from the link at
 * `link`: as is when absolute, else from the link's directory. */
static char *resolve(const char *link, const char *target)
{
    if (target[0] == '/')
        return strdup(target);
    const char *slash = strrchr(link, '/');
    size_t dir_len = slash ? (size_t)(slash - link) + 1 : 0, len = strlen(target);
    char *p = malloc(dir_len + len + 1);
    if (p) {
        memcpy(p, link, dir_len);
        memcpy(p + dir_len, target, len + 1);
    }
    return p;
}

/* Where the name finally leads when it is a symbolic link (malloc'd; the
 * last hop's path when there are too many), or NULL when it is not one. */
static char *final_target(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p && hops < LINK_HOPS; hops++) {
        struct stat st;
        char buf[PATH_MAX];
        ssize_t n;
        if (lstat(p, &st) < 0 || !S_ISLNK(st.st_mode) ||
            (n = readlink(p, buf, sizeof buf - 1)) <= 0) {
            if (hops == 0) {
                free(p);
                return NULL;
            }
            return p;
        }
        buf[n] = '\0';
        char *next = resolve(p, buf);
        free(p);
        p = next;
    }
    return p;
}

void name_watch_link(atail *t, struct file *f)
{
    if (f->be != &t->inotify || !f->be->w)
        return;
    char *target = final_target(f->path);
    if (!target) {
        handle_unwatch_link(f);
        return;
    }
    if (f->link_path && f->link_wid >= 0 && f->link_is_parent &&
        strcmp(target, f->link_path) == 0) {
        free(target);
        return; /* watched already */
    }
    handle_unwatch_link(f);
    f->link_path = target;
    char *slash = strrchr(target, '/');
    f->link_base = slash ? slash + 1 : target;
    char *dir = !slash            ? strdup(".")
                : slash == target ? strdup("/")
                                  : strndup(target, (size_t)(slash - target));
    if (!dir)
        return; /* tried again at the next recheck */
    char *want = strdup(dir);
    do {
        int r = f->be->ops->add_dir(f->be->w, dir, f->id);
        if (r >= 0) {
            f->link_wid = r;
            f->link_is_parent = want && strcmp(dir, want) == 0;
            break;
        }
    } while (name_path_up(dir));
    free(want);
    free(dir);
}

bool name_link_changed(struct file *f, int wid, unsigned what, const char *name)
{
    if (wid < 0 || wid != f->link_wid)
        return false;
    if (what & (WATCH_DIR_GONE | WATCH_GONE)) {
        /* The kernel dropped the watch: the next recheck watches anew. */
        if (f->link_wid != f->dir_wid)
            f->link_wid = -1;
        return true;
    }
    return !f->link_is_parent || (name && f->link_base && strcmp(name, f->link_base) == 0);
}
