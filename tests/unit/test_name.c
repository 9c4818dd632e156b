/* Unit tests for following by name (src/name.c): rotation by rename,
 * delete and symlink switch, grace period, disappearance with and without
 * retry, a directory that appears later, and the watched pid. Every test
 * runs on both backends (inotify and polling). */
#include <atail.h>

#include "scratch.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void append(const char *name, const char *s)
{
    put(name, s, O_APPEND);
}
static void create(const char *name, const char *s)
{
    put(name, s, O_TRUNC);
}
static void mv(const char *a, const char *b)
{
    cr_assert_eq(rename(path(a), path(b)), 0);
}

#define BACKENDS(test)                                                                             \
    ParameterizedTestParameters(name, test)                                                        \
    {                                                                                              \
        static bool poll[] = {false, true};                                                        \
        return cr_make_param_array(bool, poll, 2);                                                 \
    }                                                                                              \
    ParameterizedTest(bool *poll, name, test, .init = setup, .fini = teardown, .timeout = 60)

static atail *open_handle(bool poll)
{
    struct atail_options o;
    atail_options_init(&o);
    o.rotate_grace_ms = 300;
    if (poll) {
        o.flags |= ATAIL_OPEN_POLL;
        o.poll_interval_ms = 20;
    }
    atail *t;
    cr_assert_eq(atail_open(&t, &o), 0);
    return t;
}

static int follow_name(atail *t, const char *name, bool retry, enum atail_start start)
{
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.follow = ATAIL_FOLLOW_NAME;
    fo.start = start;
    fo.flags = retry ? ATAIL_FOLLOW_RETRY : 0;
    return atail_follow(t, path(name), &fo);
}

/* Appends a textual trace of events to `out` until `want` is a suffix of
 * it, or the deadline passes: lines as "text|", other events as "<kind>". */
static void expect(atail *t, char *out, size_t cap, const char *want)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    time_t deadline = ts.tv_sec + 10;
    for (;;) {
        size_t n = strlen(out), w = strlen(want);
        if (n >= w && strcmp(out + n - w, want) == 0)
            return;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        cr_assert_lt(ts.tv_sec, deadline, "waited for '%s', got '%s'", want, out);
        struct atail_event ev;
        int r = atail_next(t, &ev);
        if (r == -EAGAIN) {
            atail_wait(t, 100);
            continue;
        }
        if (r == 0) {
            snprintf(out + n, cap - n, "<done>");
            continue;
        }
        cr_assert_eq(r, 1);
        static const char *kinds[] = {"",        "",      "",          "<eof>",      "<truncated>",
                                      "<error>", "<end>", "<rotated>", "<appeared>", "<gone>",
                                      "<lost>"};
        if (ev.kind == ATAIL_EVENT_LINE)
            snprintf(out + n, cap - n, "%.*s|", (int)ev.len, ev.data);
        else
            snprintf(out + n, cap - n, "%s", kinds[ev.kind]);
        cr_assert_lt(strlen(out) + 64, cap, "trace too long: %s", out);
    }
}

BACKENDS(rename_rotation)
{
    create("app.log", "a1\n");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_BEGIN), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "a1|<eof>");
    append("app.log", "a2\n");
    mv("app.log", "app.log.1");
    append("app.log.1", "a3\n"); /* the writer has not reopened yet */
    create("app.log", "");
    append("app.log.1", "a4\n");
    append("app.log", "b1\n"); /* now it has */
    expect(t, out, sizeof out, "a1|<eof>a2|a3|a4|<rotated>b1|");
    atail_close(t);
}

BACKENDS(delete_and_create)
{
    create("app.log", "a1\n");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_END), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "<eof>");
    append("app.log", "a2\npart");
    cr_assert_eq(unlink(path("app.log")), 0);
    create("app.log", "b1\n");
    expect(t, out, sizeof out, "<eof>a2|part|<rotated>b1|");
    atail_close(t);
}

BACKENDS(symlink_switch)
{
    create("one", "1a\n");
    create("two", "2a\n");
    cr_assert_eq(symlink("one", path("cur")), 0);
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "cur", false, ATAIL_START_BEGIN), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "1a|<eof>");
    cr_assert_eq(symlink("two", path("cur.new")), 0);
    mv("cur.new", "cur");
    expect(t, out, sizeof out, "<rotated>2a|");
    atail_close(t);
}

BACKENDS(empty_new_file_waits_for_grace_period)
{
    create("app.log", "");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_END), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "<eof>");
    mv("app.log", "app.log.1");
    create("app.log", ""); /* logrotate's create: empty until the writer moves */
    usleep(100 * 1000);
    append("app.log.1", "late\n");
    expect(t, out, sizeof out, "<eof>late|<rotated>");
    append("app.log", "new\n");
    expect(t, out, sizeof out, "<rotated>new|");
    atail_close(t);
}

BACKENDS(gone_without_retry_ends)
{
    create("app.log", "x\n");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_END), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "<eof>");
    cr_assert_eq(unlink(path("app.log")), 0);
    expect(t, out, sizeof out, "<gone><end><done>");
    atail_close(t);
}

BACKENDS(missing_with_retry_appears_later)
{
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "sub/dir/app.log", true, ATAIL_START_END), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "<error>");
    cr_assert_eq(mkdir(path("sub"), 0755), 0);
    cr_assert_eq(mkdir(path("sub/dir"), 0755), 0);
    create("sub/dir/app.log", "first\n");
    expect(t, out, sizeof out, "<error><appeared>first|");
    cr_assert_eq(unlink(path("sub/dir/app.log")), 0);
    expect(t, out, sizeof out, "<gone>");
    create("sub/dir/app.log", "again\n");
    expect(t, out, sizeof out, "<gone><appeared>again|");
    atail_close(t);
}

BACKENDS(missing_without_retry_is_an_error)
{
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "nope", false, ATAIL_START_END), -ENOENT);
    atail_close(t);
}

BACKENDS(pid_death_ends_after_last_lines)
{
    create("app.log", "");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", true, ATAIL_START_END), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "<eof>");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        append("app.log", "last words\n");
        _exit(0);
    }
    cr_assert_eq(atail_watch_pid(t, pid), 0);
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
    expect(t, out, sizeof out, "last words|<done>");
    atail_close(t);
}

Test(name, watch_pid_errors)
{
    atail *t = open_handle(false);
    cr_assert_eq(atail_watch_pid(t, 0), -EINVAL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    cr_assert_eq(atail_watch_pid(t, pid), -ESRCH);
    atail_close(t);
}

BACKENDS(truncated_and_refilled_past_offset_is_noticed)
{
    create("app.log", "0123456789\n0123456789\n");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_BEGIN), 0);
    char out[2048] = "";
    expect(t, out, sizeof out, "0123456789|<eof>");
    /* Between two looks: truncated, then more written than was there. */
    create("app.log", "new-1 xxxxxxxxxx\nnew-2 xxxxxxxxxx\n");
    expect(t, out, sizeof out, "<eof><truncated>new-1 xxxxxxxxxx|new-2 xxxxxxxxxx|");
    atail_close(t);
}

BACKENDS(copytruncate_while_behind_reads_the_copy_first)
{
    create("app.log", "a1\n");
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_BEGIN), 0);
    char out[2048] = "";
    expect(t, out, sizeof out, "a1|<eof>");
    /* The follower does not look while logrotate copies and truncates. */
    append("app.log", "a2\na3\n");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path("app.log"), path("app.log.1"));
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(truncate(path("app.log"), 0), 0);
    append("app.log", "b1\n");
    expect(t, out, sizeof out, "<eof>a2|a3|<truncated>b1|");
    atail_close(t);
}

Test(name, two_rotations_while_behind_lose_nothing, .init = setup, .fini = teardown, .timeout = 60)
{
    create("app.log", "a1\n");
    atail *t = open_handle(false);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_BEGIN), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "a1|<eof>");
    /* The follower does not look while two rotations happen. */
    mv("app.log", "app.log.1");
    create("app.log", "b1\n");
    mv("app.log", "app.log.2");
    create("app.log", "c1\n");
    expect(t, out, sizeof out, "<eof><rotated>b1|<rotated>c1|");
    atail_close(t);
}

Test(name, a_generation_that_left_the_name_is_read_while_the_name_is_missing, .init = setup,
     .fini = teardown, .timeout = 60)
{
    create("app.log", "a1\n");
    atail *t = open_handle(false);
    cr_assert_eq(follow_name(t, "app.log", true, ATAIL_START_BEGIN), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "a1|<eof>");
    /* B holds the name for a moment; then the name stays missing. */
    mv("app.log", "app.log.1");
    create("app.log", "b1\n");
    mv("app.log", "app.log.2");
    expect(t, out, sizeof out, "<eof><rotated>b1|");
    /* B is read through the grace period, not given up at once. */
    append("app.log.2", "b2\n");
    expect(t, out, sizeof out, "<rotated>b1|b2|");
    expect(t, out, sizeof out, "<gone>");
    create("app.log", "c1\n");
    expect(t, out, sizeof out, "<gone><appeared>c1|");
    atail_close(t);
}

Test(name, logrotate_shifting_while_behind_loses_nothing, .init = setup, .fini = teardown,
     .timeout = 60)
{
    create("app.log", "a1\n");
    atail *t = open_handle(false);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_BEGIN), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "a1|<eof>");
    /* logrotate shifts the old files before renaming the current one. */
    append("app.log", "a2\n");
    mv("app.log", "app.log.1");
    create("app.log", "b1\n");
    mv("app.log.1", "app.log.2");
    mv("app.log", "app.log.1");
    create("app.log", "c1\n");
    mv("app.log.2", "app.log.3");
    mv("app.log.1", "app.log.2");
    mv("app.log", "app.log.1");
    create("app.log", "d1\n");
    expect(t, out, sizeof out, "<eof>a2|<rotated>b1|<rotated>c1|<rotated>d1|");
    atail_close(t);
}

Test(name, a_generation_deleted_before_it_was_read_is_reported_lost, .init = setup,
     .fini = teardown, .timeout = 60)
{
    create("app.log", "a1\n");
    atail *t = open_handle(false);
    cr_assert_eq(follow_name(t, "app.log", false, ATAIL_START_BEGIN), 0);
    char out[1024] = "";
    expect(t, out, sizeof out, "a1|<eof>");
    /* While the follower does not look: B comes and goes, never read. */
    mv("app.log", "app.log.1");
    create("app.log", "b1\n");
    mv("app.log", "app.log.2");
    cr_assert_eq(unlink(path("app.log.2")), 0);
    create("app.log", "c1\n");
    expect(t, out, sizeof out, "<eof><lost><rotated>c1|");
    atail_close(t);
}
