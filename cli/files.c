/* files.c - what is followed: operands and patterns become entries, in the
 * order output shows them, and are handed to the library.
 *
 *   operand "-"                 standard input (a pipe is read, not followed)
 *   operand with * ? [ that     a pattern: atail_follow_glob(), by name when
 *   does not exist, --glob      following; its current matches become
 *                               entries, in name order
 *   -F, --follow=name --retry   a name that cannot be opened now is said so
 *                               in its turn (as GNU does at start) and
 *                               waited for by the library
 *   --follow=name               a name that cannot be opened now is an
 *                               error; one that goes away later is waited
 *                               for (ATAIL_FOLLOW_REAPPEAR) while another
 *                               file is read (events.c), as GNU does
 *   -f --retry                  the same for a name missing at start; once
 *                               it appears it is followed by name
 *   anything else               atail_follow() with the start options
 *
 * The library numbers files in order of addition, so a pattern's matches
 * have the ids that follow the last one given out. */
#include "run.h"

#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_start(const struct cli_options *o, struct atail_follow_options *fo)
{
    atail_follow_options_init(fo);
    if (!o->follow)
        fo->follow = ATAIL_FOLLOW_NONE;
    else if (o->follow_name)
        fo->follow = ATAIL_FOLLOW_NAME;
    else
        fo->follow = ATAIL_FOLLOW_DESCRIPTOR;
    if (o->follow_name)
        fo->flags |= o->retry ? ATAIL_FOLLOW_RETRY : ATAIL_FOLLOW_REAPPEAR;
    if (o->lines && o->from_start) {
        fo->start = ATAIL_START_LINE; /* +0 is +1, as in GNU */
        fo->count = o->count ? o->count : 1;
    } else if (o->lines) {
        fo->start = ATAIL_START_LAST_LINES;
        fo->count = o->count;
    } else if (o->from_start) {
        fo->start = ATAIL_START_BYTE;
        fo->count = o->count ? o->count - 1 : 0;
    } else {
        fo->start = ATAIL_START_LAST_BYTES;
        fo->count = o->count;
    }
}

/* A new zeroed entry; NO_ENTRY when out of memory. */
static size_t new_entry(struct run *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct entry *e = realloc(r->ents, cap * sizeof *e);
        if (!e)
            return NO_ENTRY;
        r->ents = e;
        r->cap = cap;
    }
    r->ents[r->n] = (struct entry){.id = -1};
    return r->n++;
}

/* Records that library id `id` is entry k. */
static int map_id(struct run *r, int id, size_t k)
{
    size_t need = (size_t)id + 1;
    if (need > r->cap_ids) {
        size_t cap = r->cap_ids ? r->cap_ids : 16;
        while (cap < need)
            cap *= 2;
        size_t *m = realloc(r->by_id, cap * sizeof *m);
        if (!m)
            return -ENOMEM;
        for (size_t i = r->cap_ids; i < cap; i++)
            m[i] = NO_ENTRY;
        r->by_id = m;
        r->cap_ids = cap;
    }
    r->by_id[id] = k;
    if (need > r->n_ids)
        r->n_ids = need;
    r->ents[k].id = id;
    r->live++;
    return 0;
}

/* A pattern: an operand holding a wildcard that names no file. */
static bool is_pattern(const char *arg)
{
    struct stat st;
    return strpbrk(arg, "*?[") && lstat(arg, &st) < 0 && (errno == ENOENT || errno == ENOTDIR);
}

/* The name shown for a match of a pattern: "./a.log" is "a.log", as the
 * shell's expansion of *.log would have named it. */
static const char *match_name(const struct entry *e, const char *path)
{
    if (e->strip_dot && strncmp(path, "./", 2) == 0 && !strchr(path + 2, '/'))
        return path + 2;
    return path;
}

static int set_name(struct entry *e, const char *path)
{
    e->name_buf = strdup(match_name(e, path));
    if (!e->name_buf)
        return -ENOMEM;
    e->name = e->name_buf;
    return 0;
}

size_t files_entry(struct run *r, int id, const char *path)
{
    if (id < 0)
        return NO_ENTRY;
    if ((size_t)id < r->n_ids && r->by_id[id] != NO_ENTRY) {
        size_t k = r->by_id[id];
        if (!r->ents[k].name && path && set_name(&r->ents[k], path) < 0)
            return NO_ENTRY;
        return k;
    }
    /* A file that came to match a pattern: it shows its header with its
     * first data. */
    size_t k = new_entry(r);
    if (k == NO_ENTRY)
        return NO_ENTRY;
    struct entry *e = &r->ents[k];
    e->shown = true;
    e->strip_dot = r->has_globs;
    if ((path && set_name(e, path) < 0) || map_id(r, id, k) < 0) {
        free(e->name_buf);
        r->n--;
        return NO_ENTRY;
    }
    return k;
}

/* Adds standard input. */
static int add_stdin(struct run *r, struct entry *e, const struct atail_follow_options *fo)
{
    e->is_stdin = true;
    e->name = "standard input";
    if (r->closed_std & 1u)
        return -EBADF;
    struct stat st;
    struct atail_follow_options fo_pipe = *fo;
    e->stdin_pipe = fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
    if (e->stdin_pipe)
        fo_pipe.follow = ATAIL_FOLLOW_NONE;
    return atail_follow_fd(r->t, STDIN_FILENO, e->name, &fo_pipe);
}

/* Adds a file operand. */
static int add_path(struct run *r, struct entry *e, const struct atail_follow_options *fo)
{
    const struct cli_options *o = r->o;
    if (!e->name[0])
        return -ENOENT; /* what open("") says, and what GNU reports */
    if (fo->flags & ATAIL_FOLLOW_RETRY) {
        /* Said at its turn in the output, as GNU does; the library then
         * says the same error again, which is not repeated. */
        int fd = open(e->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0 || (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))) {
            e->start_error = e->said_error = fd < 0 ? -errno : -EISDIR;
            e->waiting = true;
        }
        if (fd >= 0)
            close(fd);
        e->retry = true;
        int id = atail_follow(r->t, e->name, fo);
        if (id >= 0 && e->waiting && atail_reading(r->t, id) == 1) {
            /* Resumed from the state in the file the name was rotated to:
             * its new file is on the way, nothing to report. */
            e->start_error = e->said_error = 0;
            e->waiting = false;
        }
        return id;
    }
    int id = atail_follow(r->t, e->name, fo);
    if (id < 0 && o->retry && o->follow && id != -EISDIR && id != -ENOMEM && id != -EMFILE &&
        id != -ENFILE) {
        /* -f --retry: wait for a name missing at the start. */
        struct atail_follow_options wait = *fo;
        wait.follow = ATAIL_FOLLOW_NAME;
        /* as GNU, a directory there ends it */
        wait.flags |= ATAIL_FOLLOW_RETRY | ATAIL_FOLLOW_REAPPEAR;
        e->start_error = e->said_error = id;
        e->waiting = e->retry = e->reappear = true;
        id = atail_follow(r->t, e->name, &wait);
    }
    return id;
}

/* Adds a pattern: an entry per current match, or one that says why there
 * is none when nothing more can come. */
static int add_pattern(struct run *r, const char *pattern, const struct atail_follow_options *fo,
                       int *next_id)
{
    const struct cli_options *o = r->o;
    struct atail_follow_options gfo = *fo;
    gfo.follow = o->follow ? ATAIL_FOLLOW_NAME : ATAIL_FOLLOW_NONE;
    gfo.flags = 0;
    if (o->follow)
        r->has_globs = true;
    int n = atail_follow_glob(r->t, pattern, (const char *const *)o->excludes, &gfo);
    if (n == -ENOMEM)
        return n;
    if (n < 0 || (n == 0 && !o->follow)) {
        size_t k = new_entry(r);
        if (k == NO_ENTRY)
            return -ENOMEM;
        struct entry *e = &r->ents[k];
        e->name = pattern;
        e->is_glob = true;
        e->add_error = n < 0 ? n : -ENOENT;
        return 0;
    }
    bool strip = !strchr(pattern, '/');
    for (int i = 0; i < n; i++) {
        size_t k = new_entry(r);
        if (k == NO_ENTRY || map_id(r, *next_id, k) < 0)
            return -ENOMEM;
        r->ents[k].strip_dot = strip;
        ++*next_id;
    }
    return 0;
}

int files_add(struct run *r)
{
    const struct cli_options *o = r->o;
    struct atail_follow_options fo;
    set_start(o, &fo);
    int next_id = 0, err = 0;
    for (size_t i = 0; err == 0 && i < o->n_globs; i++)
        err = add_pattern(r, o->globs[i], &fo, &next_id);
    for (size_t i = 0; err == 0 && i < o->n_files; i++) {
        const char *arg = o->files[i];
        if (strcmp(arg, "-") != 0 && is_pattern(arg)) {
            err = add_pattern(r, arg, &fo, &next_id);
            continue;
        }
        size_t k = new_entry(r);
        if (k == NO_ENTRY) {
            err = -ENOMEM;
            break;
        }
        struct entry *e = &r->ents[k];
        e->name = arg;
        int id = strcmp(arg, "-") == 0 ? add_stdin(r, e, &fo) : add_path(r, e, &fo);
        if (id < 0)
            e->add_error = id;
        else if ((err = map_id(r, id, k)) == 0)
            next_id = id + 1;
    }
    r->n_initial = r->n;
    if (err < 0) {
        msg(-err, "cannot follow files");
        return -1;
    }
    return 0;
}

void files_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->ents[i].name_buf);
        free(r->ents[i].json_path);
        free(r->ents[i].subject);
        span_lines_free(&r->ents[i].carry);
    }
    free(r->ents);
    free(r->by_id);
    r->ents = NULL;
    r->by_id = NULL;
    r->n = r->cap = r->n_ids = r->cap_ids = 0;
}
