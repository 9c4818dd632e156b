/* glob.c - following every file whose name matches a pattern, now and as
 * files appear (atail -F with a quoted pattern like app/ *.log, without
 * the space).
 *
 * The pattern's directory is watched for entries created or moved in; any
 * such change marks the glob for a rescan, done after the backend's events
 * are dispatched (adding files while the backend reports would move its
 * tables under it). A rescan lists the directory and follows matching
 * regular files not followed yet, by name and without retry: a deleted file
 * is dropped once read, and followed again if its name comes back. A new
 * name that leads to a file already being read (a rotation's target, like
 * app.log.1 for the pattern 'app.log*') is not followed twice. */
#include "glob.h"

#include "follow.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void glob_free(struct glob_watch *g)
{
    if (!g)
        return;
    free(g->dir);
    free(g->pattern);
    if (g->exclude)
        for (char **e = g->exclude; *e; e++)
            free(*e);
    free(g->exclude);
    strset_free(&g->names);
    strset_free(&g->skipped);
    strset_free(&g->failed);
    free(g);
}

void glob_free_all(atail *t)
{
    for (size_t i = 0; i < t->n_globs; i++) {
        struct glob_watch *g = t->globs[i];
        if (g->wid >= 0 && g->be && g->be->w)
            g->be->ops->remove(g->be->w, g->wid, GLOB_ID_BIT | (uint32_t)i);
        g->wid = -1;
        glob_free(g);
    }
    free(t->globs);
    t->globs = NULL;
    t->n_globs = 0;
}

static bool excluded(const struct glob_watch *g, const char *name)
{
    if (g->exclude)
        for (char *const *e = g->exclude; *e; e++)
            if (fnmatch(*e, name, FNM_PERIOD) == 0)
                return true;
    return false;
}

/* Whether a live file already reads the file at path. */
static bool already_read(const atail *t, const struct stat *st)
{
    for (size_t i = 0; i < t->n_files; i++) {
        const struct file *f = t->files[i];
        if ((f->fd >= 0 || f->parked) && !f->end_reported && f->dev == st->st_dev &&
            f->ino == st->st_ino)
            return true;
    }
    return false;
}

/* Follows new matches. `later`: they appeared after the glob was added, so
 * they are read from their start and announced. Returns the number of files
 * added or a negative errno. */
static int scan(atail *t, uint32_t gi, bool later)
{
    struct glob_watch *g = t->globs[gi];
    struct dirent **list;
    int n = scandir(g->dir, &list, NULL, alphasort);
    if (n < 0)
        return -errno;
    int added = 0, err = 0;
    struct strset skipped = {0}, failed = {0};
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (err == 0 && strset_has(&g->skipped, name)) {
            err = strset_add(&skipped, name);
        } else if (err == 0 && fnmatch(g->pattern, name, FNM_PERIOD) == 0 && !excluded(g, name) &&
                   !strset_has(&g->names, name)) {
            size_t len = strlen(g->dir) + strlen(name) + 2;
            char *path = malloc(len);
            struct stat st;
            if (!path) {
                err = -ENOMEM;
            } else {
                snprintf(path, len, "%s/%s", strcmp(g->dir, "/") ? g->dir : "", name);
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && later && already_read(t, &st)) {
                    /* A rotation's new name for a file being read: it stays
                     * skipped for as long as the name exists. */
                    err = strset_add(&skipped, name);
                } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                    int id = follow_add_path(t, path, &g->fo);
                    if (id >= 0 && strset_add(&g->names, name) == 0) {
                        t->files[id]->glob = gi + 1;
                        if (later)
                            t->files[id]->notice = ATAIL_EVENT_APPEARED;
                        added++;
                    } else if (id == -ENOMEM) {
                        err = id;
                    } else if (id < 0) {
                        /* Said once (an ERROR event); tried again at each
                         * rescan while the name exists. */
                        if ((!strset_has(&g->failed, name) && follow_add_failed(t, path, id) < 0) ||
                            strset_add(&failed, name) < 0)
                            err = -ENOMEM;
                    }
                }
                free(path);
            }
        }
        free(list[i]);
    }
    free(list);
    strset_free(&g->skipped);
    g->skipped = skipped;
    strset_free(&g->failed);
    g->failed = failed;
    return err ? err : added;
}

void glob_on_change(atail *t, uint32_t glob_id, unsigned what, const char *name)
{
    uint32_t gi = glob_id & ~GLOB_ID_BIT;
    if (gi >= t->n_globs)
        return;
    struct glob_watch *g = t->globs[gi];
    if (name && (fnmatch(g->pattern, name, FNM_PERIOD) != 0 || excluded(g, name)))
        return;
    (void)what;
    g->rescan = true;
    t->globs_pending = true;
}

void glob_rescan_pending(atail *t)
{
    if (!t->globs_pending)
        return;
    t->globs_pending = false;
    for (size_t i = 0; i < t->n_globs; i++) {
        if (!t->globs[i]->rescan)
            continue;
        t->globs[i]->rescan = false;
        scan(t, (uint32_t)i, true);
    }
}

void glob_file_ended(atail *t, struct file *f)
{
    if (!f->glob || f->glob > t->n_globs)
        return;
    const char *slash = strrchr(f->path, '/');
    strset_remove(&t->globs[f->glob - 1]->names, slash ? slash + 1 : f->path);
}

static char *literal_dir(const char *pattern, const char **base)
{
    const char *slash = strrchr(pattern, '/');
    *base = slash ? slash + 1 : pattern;
    if (!slash)
        return strdup(".");
    if (slash == pattern)
        return strdup("/");
    return strndup(pattern, (size_t)(slash - pattern));
}

int atail_follow_glob(atail *t, const char *pattern, const char *const *exclude,
                      const struct atail_follow_options *fo)
{
    struct atail_follow_options defaults;
    atail_follow_options_init(&defaults);
    if (!fo)
        fo = &defaults;
    if (!t || !pattern || !*pattern || fo->follow == ATAIL_FOLLOW_DESCRIPTOR ||
        (unsigned)fo->start > ATAIL_START_BYTE)
        return -EINVAL;
    struct glob_watch **globs = realloc(t->globs, (t->n_globs + 1) * sizeof(struct glob_watch *));
    if (!globs)
        return -ENOMEM;
    t->globs = globs;
    struct glob_watch *g = calloc(1, sizeof *g);
    if (!g)
        return -ENOMEM;
    g->wid = -1;
    const char *base;
    g->dir = literal_dir(pattern, &base);
    g->pattern = strdup(base);
    size_t n_ex = 0;
    while (exclude && exclude[n_ex])
        n_ex++;
    g->exclude = n_ex ? calloc(n_ex + 1, sizeof(char *)) : NULL;
    int r = (!g->dir || !g->pattern || (n_ex && !g->exclude)) ? -ENOMEM : 0;
    for (size_t i = 0; r == 0 && i < n_ex; i++)
        if (!(g->exclude[i] = strdup(exclude[i])))
            r = -ENOMEM;
    if (r == 0 && strpbrk(g->dir, "*?["))
        r = -EINVAL; /* wildcards only in the last component */
    g->fo = *fo;
    if (g->fo.follow == ATAIL_FOLLOW_NAME)
        g->fo.flags &= ~(ATAIL_FOLLOW_RETRY | ATAIL_FOLLOW_REAPPEAR);
    if (r < 0) {
        glob_free(g);
        return r;
    }
    uint32_t gi = (uint32_t)t->n_globs;
    t->globs[t->n_globs++] = g;
    if (fo->follow != ATAIL_FOLLOW_NONE) {
        r = handle_set_backend(t, &g->be, g->dir);
        if (r == 0) {
            r = g->be->ops->add_dir(g->be->w, g->dir, GLOB_ID_BIT | gi);
            g->wid = r >= 0 ? r : -1;
        }
        if (r < 0) {
            t->n_globs--;
            glob_free(g);
            return r;
        }
    }
    r = scan(t, gi, false);
    /* Files found later start at their beginning. */
    g->fo.start = ATAIL_START_BEGIN;
    g->fo.count = 0;
    if (fo->follow == ATAIL_FOLLOW_NONE) {
        /* Nothing will appear: the glob is only its current matches. */
        t->n_globs--;
        for (size_t i = 0; i < t->n_files; i++)
            if (t->files[i]->glob == gi + 1)
                t->files[i]->glob = 0;
        glob_free(g);
    }
    return r;
}
