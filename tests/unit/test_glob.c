/* Unit tests for globs (src/glob.c) on both backends: initial matches in
 * name order, excludes, files that appear later, deletion, no double
 * following of rotated names, many files. */
#include <atail.h>

#include "backends.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atail *open_handle(bool poll)
{
    return open_backend(poll, 200);
}

static int follow_glob(atail *t, const char *pattern, const char *const *exclude)
{
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.follow = ATAIL_FOLLOW_NAME;
    fo.start = ATAIL_START_BEGIN;
    return atail_follow_glob(t, path(pattern), exclude, &fo);
}

/* Appends "base:line|" for lines and "base<kind>" for appeared/gone/end to
 * out until it ends with want (10 s at most). */
static void expect(atail *t, char *out, size_t cap, const char *want)
{
    time_t deadline = time(NULL) + 10;
    for (;;) {
        size_t n = strlen(out), w = strlen(want);
        if (n >= w && strcmp(out + n - w, want) == 0)
            return;
        cr_assert_lt(time(NULL), deadline, "waited for '%s', got '%s'", want, out);
        struct atail_event ev;
        int r = atail_next(t, &ev);
        if (r == -EAGAIN) {
            atail_wait(t, 100);
            continue;
        }
        cr_assert_eq(r, 1);
        const char *base = strrchr(ev.path, '/') + 1;
        if (ev.kind == ATAIL_EVENT_LINE)
            snprintf(out + n, cap - n, "%s:%.*s|", base, (int)ev.len, ev.data);
        else if (ev.kind == ATAIL_EVENT_APPEARED)
            snprintf(out + n, cap - n, "%s<appeared>", base);
        else if (ev.kind == ATAIL_EVENT_GONE)
            snprintf(out + n, cap - n, "%s<gone>", base);
        else if (ev.kind == ATAIL_EVENT_END)
            snprintf(out + n, cap - n, "%s<end>", base);
        else if (ev.kind == ATAIL_EVENT_ROTATED)
            snprintf(out + n, cap - n, "%s<rotated>", base);
    }
}

BACKENDS(glob, initial_matches_in_order_with_excludes)
{
    put("b.log", "b1\n", O_TRUNC);
    put("a.log", "a1\n", O_TRUNC);
    put("c.txt", "c1\n", O_TRUNC);
    put("debug.log", "d1\n", O_TRUNC);
    atail *t = open_handle(*poll);
    const char *exclude[] = {"debug*", NULL};
    cr_assert_eq(follow_glob(t, "*.log", exclude), 2);
    char out[1024] = "";
    expect(t, out, sizeof out, "a.log:a1|b.log:b1|");
    atail_close(t);
}

BACKENDS(glob, files_that_appear_later_are_read_from_their_start)
{
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_glob(t, "*.log", NULL), 0);
    put("new.log", "n1\nn2\n", O_TRUNC);
    put("other.txt", "x\n", O_TRUNC);
    char out[1024] = "";
    expect(t, out, sizeof out, "new.log<appeared>new.log:n1|new.log:n2|");
    cr_assert_eq(unlink(path("new.log")), 0);
    expect(t, out, sizeof out, "new.log<gone>new.log<end>");
    put("new.log", "again\n", O_TRUNC);
    expect(t, out, sizeof out, "new.log<appeared>new.log:again|");
    atail_close(t);
}

BACKENDS(glob, rotated_names_are_not_followed_twice)
{
    put("app.log", "a1\n", O_TRUNC);
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_glob(t, "app.log*", NULL), 1);
    char out[1024] = "";
    expect(t, out, sizeof out, "app.log:a1|");
    cr_assert_eq(rename(path("app.log"), path("app.log.1")), 0);
    put("app.log", "b1\n", O_TRUNC);
    expect(t, out, sizeof out, "app.log<rotated>app.log:b1|");
    put("app.log", "b2\n", O_APPEND);
    expect(t, out, sizeof out, "app.log:b2|");
    cr_assert_null(strstr(out, "app.log.1"), "app.log.1 was followed too: %s", out);
    atail_close(t);
}

Test(glob, many_files, .init = setup, .fini = teardown, .timeout = 60)
{
    char name[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "f%04d.log", i);
        put(name, "x\n", O_TRUNC);
    }
    atail *t = open_handle(false);
    cr_assert_eq(follow_glob(t, "*.log", NULL), 2000);
    struct atail_event ev;
    int lines = 0;
    while (atail_next(t, &ev) == 1)
        lines += ev.kind == ATAIL_EVENT_LINE;
    cr_assert_eq(lines, 2000);
    put("f0999.log", "y\n", O_APPEND);
    cr_assert_eq(atail_wait(t, 5000), 1);
    cr_assert_eq(atail_next(t, &ev), 1);
    cr_assert_eq(ev.kind, ATAIL_EVENT_LINE);
    cr_assert(strstr(ev.path, "f0999.log"));
    atail_close(t);
}

Test(glob, bad_patterns, .init = setup, .fini = teardown)
{
    atail *t = open_handle(false);
    cr_assert_eq(follow_glob(t, "no-such-dir/*.log", NULL), -ENOENT);
    cr_assert_eq(follow_glob(t, "*/x.log", NULL), -EINVAL);
    atail_close(t);
}
