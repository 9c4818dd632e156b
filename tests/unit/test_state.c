/* Unit tests for checkpoints (src/state.c): resume, rotation and rewrite
 * while stopped, at-least-once delivery, crash without close, locking. */
#include <atail.h>

#include "scratch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(state, .init = setup, .fini = teardown, .timeout = 30);

static atail *open_state(unsigned interval_ms)
{
    struct atail_options o;
    atail_options_init(&o);
    o.state_path = path("state");
    o.state_interval_ms = interval_ms;
    o.rotate_grace_ms = 200;
    atail *t = NULL;
    cr_assert_eq(atail_open(&t, &o), 0);
    return t;
}

static void follow(atail *t, enum atail_follow_mode mode, enum atail_start start)
{
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.follow = mode;
    fo.start = start;
    cr_assert_eq(atail_follow(t, path("app.log"), &fo), 0);
}

/* Reads events until -EAGAIN persists for 300 ms, or max lines; returns the
 * trace ("line|" and "<rotated>"/"<truncated>"). */
static void trace(atail *t, char *out, size_t cap, int max_lines)
{
    out[0] = '\0';
    int lines = 0;
    for (;;) {
        struct atail_event ev;
        int r = atail_next(t, &ev);
        if (r == -EAGAIN) {
            if (atail_wait(t, 300) == 0)
                return;
            continue;
        }
        if (r <= 0)
            return;
        size_t n = strlen(out);
        if (ev.kind == ATAIL_EVENT_LINE) {
            snprintf(out + n, cap - n, "%.*s|", (int)ev.len, ev.data);
            if (++lines == max_lines)
                return;
        } else if (ev.kind == ATAIL_EVENT_ROTATED) {
            snprintf(out + n, cap - n, "<rotated>");
        }
    }
}

Test(state, resumes_after_the_last_commit)
{
    put("app.log", "1\n2\n3\n", O_TRUNC);
    atail *t = open_state(1000);
    follow(t, ATAIL_FOLLOW_DESCRIPTOR, ATAIL_START_BEGIN);
    char out[256];
    trace(t, out, sizeof out, 2);
    cr_assert_str_eq(out, "1|2|");
    cr_assert_eq(atail_commit(t), 0);
    trace(t, out, sizeof out, 1); /* delivered, never committed */
    cr_assert_str_eq(out, "3|");
    atail_close(t);

    put("app.log", "4\n", O_APPEND);
    t = open_state(1000);
    follow(t, ATAIL_FOLLOW_DESCRIPTOR, ATAIL_START_END); /* the state wins */
    trace(t, out, sizeof out, 0);
    cr_assert_str_eq(out, "3|4|", "at least once: 3 again, nothing skipped");
    atail_close(t);
}

/* A first run: app.log holds `text`; it is followed by name from its
 * start, its lines (`want`) delivered and committed, and the handle
 * closed. */
static void first_run(const char *text, const char *want)
{
    put("app.log", text, O_TRUNC);
    atail *t = open_state(1000);
    follow(t, ATAIL_FOLLOW_NAME, ATAIL_START_BEGIN);
    char out[256];
    trace(t, out, sizeof out, 0);
    cr_assert_str_eq(out, want);
    atail_commit(t);
    atail_close(t);
}

Test(state, finds_the_file_rotated_while_stopped)
{
    first_run("a1\na2\n", "a1|a2|");
    char out[256];

    put("app.log", "a3\n", O_APPEND);
    cr_assert_eq(rename(path("app.log"), path("app.log.1")), 0);
    put("app.log", "b1\n", O_TRUNC);
    atail *t = open_state(1000);
    follow(t, ATAIL_FOLLOW_NAME, ATAIL_START_END);
    trace(t, out, sizeof out, 0);
    cr_assert_str_eq(out, "a3|<rotated>b1|");
    atail_close(t);
}

/* Rotated while stopped, the new file not there yet: the rotated file is
 * read (atail_reading() says so), with no error, then the new one. */
Test(state, resumes_with_the_name_missing)
{
    first_run("a1\n", "a1|");
    char out[256];

    put("app.log", "a2\n", O_APPEND);
    cr_assert_eq(rename(path("app.log"), path("app.log.1")), 0);
    atail *t = open_state(1000);
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.follow = ATAIL_FOLLOW_NAME;
    fo.flags = ATAIL_FOLLOW_RETRY;
    cr_assert_eq(atail_follow(t, path("app.log"), &fo), 0);
    cr_assert_eq(atail_reading(t, 0), 1, "the rotated file is read");
    cr_assert_eq(atail_reading(t, 1), -EINVAL);
    struct atail_event ev;
    int r;
    while ((r = atail_next(t, &ev)) == 1 && ev.kind != ATAIL_EVENT_LINE)
        cr_assert_neq(ev.kind, ATAIL_EVENT_ERROR, "error %d", ev.error);
    cr_assert_eq(r, 1);
    cr_assert_eq(ev.len, 2);
    cr_assert_arr_eq(ev.data, "a2", 2);
    while ((r = atail_next(t, &ev)) == 1)
        cr_assert_neq(ev.kind, ATAIL_EVENT_ERROR, "error %d", ev.error);
    cr_assert_eq(r, -EAGAIN);
    put("app.log", "b1\n", O_TRUNC);
    trace(t, out, sizeof out, 0);
    cr_assert_str_eq(out, "<rotated>b1|");
    atail_close(t);

    /* Without a state, the missing name is waited for: nothing is read. */
    cr_assert_eq(unlink(path("app.log")), 0);
    cr_assert_eq(atail_open(&t, NULL), 0);
    cr_assert_eq(atail_follow(t, path("app.log"), &fo), 0);
    cr_assert_eq(atail_reading(t, 0), 0);
    atail_close(t);
}

Test(state, rewritten_file_is_read_from_zero)
{
    put("app.log", "old line\n", O_TRUNC);
    atail *t = open_state(1000);
    follow(t, ATAIL_FOLLOW_DESCRIPTOR, ATAIL_START_BEGIN);
    char out[256];
    trace(t, out, sizeof out, 0);
    atail_commit(t);
    atail_close(t);

    /* Same inode, other content, longer than before: not ours any more. */
    put("app.log", "brand new content\n", O_TRUNC);
    t = open_state(1000);
    follow(t, ATAIL_FOLLOW_DESCRIPTOR, ATAIL_START_END);
    trace(t, out, sizeof out, 0);
    cr_assert_str_eq(out, "brand new content|");
    atail_close(t);
}

Test(state, crash_without_close_keeps_saved_commits)
{
    put("app.log", "1\n2\n3\n", O_TRUNC);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        atail *t = open_state(0); /* save at every commit */
        follow(t, ATAIL_FOLLOW_DESCRIPTOR, ATAIL_START_BEGIN);
        char out[256];
        trace(t, out, sizeof out, 2);
        atail_commit(t);
        _exit(0); /* no close: a crash */
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    atail *t = open_state(1000);
    follow(t, ATAIL_FOLLOW_DESCRIPTOR, ATAIL_START_BEGIN);
    char out[256];
    trace(t, out, sizeof out, 0);
    cr_assert_str_eq(out, "3|");
    atail_close(t);
}

Test(state, one_handle_per_state_file)
{
    atail *a = open_state(1000), *b = NULL;
    struct atail_options o;
    atail_options_init(&o);
    o.state_path = path("state");
    cr_assert_eq(atail_open(&b, &o), -EBUSY);
    cr_assert_null(b);
    atail_close(a);
    cr_assert_eq(atail_open(&b, &o), 0, "the lock goes with the handle");
    atail_close(b);
}

Test(state, damaged_state_is_refused)
{
    put("state", "atail-state 1\nf garbage\n", O_TRUNC);
    struct atail_options o;
    atail_options_init(&o);
    o.state_path = path("state");
    atail *t = NULL;
    cr_assert_eq(atail_open(&t, &o), -EBADMSG);
    cr_assert_null(t);
}
