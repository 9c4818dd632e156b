/* Unit tests for closing idle files (src/idle.c, the idle_close_ms option):
 * a file followed by name that stays unchanged is closed, and reopened
 * when it changes: the same file, found again after a rotation, read from
 * 0 after a truncation, reported lost when deleted meanwhile; and when
 * descriptors run out, the least recently changed files make room. */
#include <atail.h>

#include "scratch.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

TestSuite(idle, .init = setup, .fini = teardown, .timeout = 60);

static atail *open_idle(unsigned idle_ms)
{
    struct atail_options o;
    atail_options_init(&o);
    o.idle_close_ms = idle_ms;
    o.rotate_grace_ms = 200;
    atail *t = NULL;
    cr_assert_eq(atail_open(&t, &o), 0);
    return t;
}

static int follow(atail *t, const char *name)
{
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.follow = ATAIL_FOLLOW_NAME;
    fo.flags = ATAIL_FOLLOW_RETRY;
    fo.start = ATAIL_START_BEGIN;
    int id = atail_follow(t, path(name), &fo);
    cr_assert_geq(id, 0, "%s: %s", name, strerror(-id));
    return id;
}

/* Appends the events until none comes for quiet_ms to out: "line|",
 * "<rotated>", "<truncated>", "<lost>", "<appeared>", "<error N>". */
static void collect(atail *t, char *out, size_t cap, int quiet_ms)
{
    size_t n = strlen(out);
    for (;;) {
        struct atail_event ev;
        int r = atail_next(t, &ev);
        if (r == -EAGAIN) {
            if (atail_wait(t, quiet_ms) == 0)
                return;
            continue;
        }
        cr_assert_eq(r, 1, "atail_next: %d", r);
        switch (ev.kind) {
        case ATAIL_EVENT_LINE:
            n += (size_t)snprintf(out + n, cap - n, "%.*s|", (int)ev.len, ev.data);
            break;
        case ATAIL_EVENT_ROTATED:
            n += (size_t)snprintf(out + n, cap - n, "<rotated>");
            break;
        case ATAIL_EVENT_TRUNCATED:
            n += (size_t)snprintf(out + n, cap - n, "<truncated>");
            break;
        case ATAIL_EVENT_LOST:
            n += (size_t)snprintf(out + n, cap - n, "<lost>");
            break;
        case ATAIL_EVENT_APPEARED:
            n += (size_t)snprintf(out + n, cap - n, "<appeared>");
            break;
        case ATAIL_EVENT_ERROR:
            n += (size_t)snprintf(out + n, cap - n, "<error %d>", ev.error);
            break;
        default:
            break;
        }
        cr_assert_lt(n, cap);
    }
}

/* How many of this process's descriptors are open on dir/name. */
static int open_count(const char *name)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char link[300], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if (strcmp(target, path(name)) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Serves t until `name` has no descriptor open (the idle sweep ran), or
 * fails after 5 s. */
static void wait_closed(atail *t, const char *name)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (open_count(name) > 0) {
        char out[256] = "";
        collect(t, out, sizeof out, 20);
        cr_assert_str_eq(out, "", "no event while idle");
        clock_gettime(CLOCK_MONOTONIC, &now);
        cr_assert_lt(now.tv_sec - start.tv_sec, 5, "%s was never closed", name);
    }
}

/* Follows app.log holding `first` (one line) by name, closing it when idle
 * for 50 ms; returns once its line is out (in out) and the file closed. */
static atail *closed_after(const char *first, char *out, size_t cap)
{
    put("app.log", first, O_TRUNC);
    atail *t = open_idle(50);
    follow(t, "app.log");
    out[0] = '\0';
    collect(t, out, cap, 100);
    cr_assert_eq(strlen(out), strlen(first), "%s", out);
    wait_closed(t, "app.log");
    return t;
}

Test(idle, an_idle_file_is_closed_and_reopened_on_change)
{
    char out[256];
    atail *t = closed_after("a\n", out, sizeof out);
    cr_assert_str_eq(out, "a|");
    cr_assert_eq(atail_reading(t, 0), 1, "closed while idle, still being read");
    put("app.log", "b\n", O_APPEND);
    out[0] = '\0';
    collect(t, out, sizeof out, 100);
    cr_assert_str_eq(out, "b|");
    /* Closed again once idle: the next change still reaches it. */
    wait_closed(t, "app.log");
    put("app.log", "c\n", O_APPEND);
    out[0] = '\0';
    collect(t, out, sizeof out, 100);
    cr_assert_str_eq(out, "c|");
    atail_close(t);
}

Test(idle, rotated_while_closed)
{
    char out[256];
    atail *t = closed_after("a\n", out, sizeof out);
    put("app.log", "b\n", O_APPEND);
    cr_assert_eq(rename(path("app.log"), path("app.log.1")), 0);
    put("app.log", "c\n", O_TRUNC);
    collect(t, out, sizeof out, 500);
    cr_assert_str_eq(out, "a|b|<rotated>c|", "the rotated file's end, then the new file");
    atail_close(t);
}

Test(idle, truncated_while_closed)
{
    char out[256];
    atail *t = closed_after("first line\n", out, sizeof out);
    put("app.log", "x\n", O_TRUNC);
    collect(t, out, sizeof out, 300);
    cr_assert_str_eq(out, "first line|<truncated>x|");
    atail_close(t);
}

Test(idle, deleted_while_closed_is_reported_lost)
{
    char out[256];
    atail *t = closed_after("a\n", out, sizeof out);
    put("app.log", "never read\n", O_APPEND);
    cr_assert_eq(unlink(path("app.log")), 0);
    put("app.log", "new\n", O_TRUNC);
    collect(t, out, sizeof out, 300);
    cr_assert_str_eq(out, "a|<lost><appeared>new|");
    atail_close(t);
}

/* With 16 descriptors to spare, 40 files are followed and each gets a
 * line: the least recently changed files are closed to make room, and
 * every line comes, once. */
Test(idle, descriptors_running_out_close_the_least_recent_files)
{
    enum { FILES = 40 };
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    atail *t = open_idle(60000); /* never idle long enough: only EMFILE closes */
    char name[32];
    int w[FILES]; /* the writers' descriptors, opened before the limit */
    for (int i = 0; i < FILES; i++) {
        snprintf(name, sizeof name, "f%02d.log", i);
        w[i] = open(path(name), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        cr_assert_geq(w[i], 0);
    }
    int in_use = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            in_use = fd + 1;
    struct rlimit low = {(rlim_t)in_use + 16, rl.rlim_max};
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    for (int i = 0; i < FILES; i++) {
        snprintf(name, sizeof name, "f%02d.log", i);
        cr_assert_eq(follow(t, name), i);
    }
    char out[4096] = "";
    collect(t, out, sizeof out, 100);
    cr_assert_str_eq(out, "");
    char want[4096] = "";
    for (int i = 0; i < FILES; i++) {
        char line[32];
        int len = snprintf(line, sizeof line, "line %d\n", i);
        cr_assert_eq(write(w[i], line, (size_t)len), len);
        snprintf(want + strlen(want), sizeof want - strlen(want), "line %d|", i);
        collect(t, out, sizeof out, 50);
    }
    cr_assert_str_eq(out, want);
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    for (int i = 0; i < FILES; i++)
        close(w[i]);
    atail_close(t);
}
