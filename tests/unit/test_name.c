/* Unit tests for following by name (src/name.c): rotation by rename,
 * delete and symlink switch, grace period, disappearance with and without
 * retry, a directory that appears later, and the watched pid. Every test
 * runs on both backends (inotify and polling). */
#include <atail.h>

#include "backends.h"

#include <criterion/criterion.h>
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

static atail *open_handle(bool poll)
{
    return open_backend(poll, 300);
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

/* A handle under test and the textual trace of its events so far: lines as
 * "text|", other events as "<kind>", the end as "<done>". */
struct trace {
    atail *t;
    char out[1024];
};

/* Opens tr's handle, waiting grace_ms for a rotated file's last lines,
 * and follows `name` by name on it. */
static void start_grace(struct trace *tr, bool poll, const char *name, bool retry,
                        enum atail_start from, unsigned grace_ms)
{
    tr->t = open_backend(poll, grace_ms);
    cr_assert_eq(follow_name(tr->t, name, retry, from), 0);
    tr->out[0] = '\0';
}

/* The same with the tests' usual grace period (open_handle()'s). */
static void start(struct trace *tr, bool poll, const char *name, bool retry, enum atail_start from)
{
    start_grace(tr, poll, name, retry, from, 300);
}

/* Appends a LOST event to the trace: "<lost=N>", N bytes; "<lost=N+>", at
 * least N; "@A-B" when they are the offsets A to B of the lost generation
 * (atail_lost_range()). */
static void trace_lost(struct trace *tr, const struct atail_event *ev)
{
    size_t n = strlen(tr->out);
    uint64_t from, to;
    char range[64] = "";
    if (atail_lost_range(tr->t, ev->file, &from, &to) == 0) {
        cr_assert_eq(to - from, ev->len, "the range is what len counts");
        snprintf(range, sizeof range, "@%llu-%llu", (unsigned long long)from,
                 (unsigned long long)to);
    }
    snprintf(tr->out + n, sizeof tr->out - n, "<lost=%zu%s%s>", ev->len,
             ev->flags & ATAIL_LOST_AT_LEAST ? "+" : "", range);
}

/* Appends events to the trace until `want` is a suffix of it, or the
 * deadline passes. */
static void expect(struct trace *tr, const char *want)
{
    char *out = tr->out;
    const size_t cap = sizeof tr->out;
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
        int r = atail_next(tr->t, &ev);
        if (r == -EAGAIN) {
            atail_wait(tr->t, 100);
            continue;
        }
        if (r == 0) {
            snprintf(out + n, cap - n, "<done>");
            continue;
        }
        cr_assert_eq(r, 1);
        static const char *kinds[] = {
            "",      "",          "",           "<eof>",  "<truncated>", "<error>",
            "<end>", "<rotated>", "<appeared>", "<gone>", "<lost>",      "<polling>"};
        if (ev.kind == ATAIL_EVENT_LINE)
            snprintf(out + n, cap - n, "%.*s|", (int)ev.len, ev.data);
        else if (ev.kind == ATAIL_EVENT_LOST)
            trace_lost(tr, &ev);
        else
            snprintf(out + n, cap - n, "%s", kinds[ev.kind]);
        cr_assert_lt(strlen(out) + 64, cap, "trace too long: %s", out);
    }
}

/* Creates app.log holding `text`, and starts tr following it. */
static void follow_new_log(struct trace *tr, bool poll, const char *text, bool retry,
                           enum atail_start from)
{
    create("app.log", text);
    start(tr, poll, "app.log", retry, from);
}

/* Renames app.log to `to`, and creates app.log again, holding `text`. */
static void rotate(const char *to, const char *text)
{
    mv("app.log", to);
    create("app.log", text);
}

BACKENDS(name, rename_rotation)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    mv("app.log", "app.log.1");
    append("app.log.1", "a3\n"); /* the writer has not reopened yet */
    create("app.log", "");
    append("app.log.1", "a4\n");
    append("app.log", "b1\n"); /* now it has */
    expect(&tr, "a1|<eof>a2|a3|a4|<rotated>b1|");
    atail_close(tr.t);
}

BACKENDS(name, delete_and_create)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_END);
    expect(&tr, "<eof>");
    append("app.log", "a2\npart");
    cr_assert_eq(unlink(path("app.log")), 0);
    create("app.log", "b1\n");
    expect(&tr, "<eof>a2|part|<rotated>b1|");
    atail_close(tr.t);
}

BACKENDS(name, symlink_switch)
{
    create("one", "1a\n");
    create("two", "2a\n");
    cr_assert_eq(symlink("one", path("cur")), 0);
    struct trace tr;
    start(&tr, *poll, "cur", false, ATAIL_START_BEGIN);
    expect(&tr, "1a|<eof>");
    cr_assert_eq(symlink("two", path("cur.new")), 0);
    mv("cur.new", "cur");
    expect(&tr, "<rotated>2a|");
    atail_close(tr.t);
}

/* A writer's descriptor on app.log, as a daemon keeps it across a
 * rotation until told to reopen. */
static int writer_open(void)
{
    int fd = open(path("app.log"), O_WRONLY | O_APPEND | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    return fd;
}

static void writer_put(int fd, const char *s)
{
    cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

BACKENDS(name, empty_new_file_waits_for_grace_period)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "", false, ATAIL_START_END);
    expect(&tr, "<eof>");
    int w = writer_open();
    rotate("app.log.1", ""); /* logrotate's create: empty until the writer moves */
    usleep(100 * 1000);
    writer_put(w, "late\n");
    expect(&tr, "<eof>late|<rotated>");
    close(w);
    append("app.log", "new\n");
    expect(&tr, "<rotated>new|");
    atail_close(tr.t);
}

/* GNU's tail-2/inotify-rotate.sh: `mv x k` over the followed k, which no
 * process has open for writing. Nothing can come to the old file any more:
 * the switch comes at once, not after the grace period (a minute here,
 * longer than expect()'s deadline). While a writer holds the old file
 * open, it is read on. */
BACKENDS(name, rotation_without_writer_switches_at_once)
{
    struct trace tr;
    create("app.log", "a1\n");
    start_grace(&tr, *poll, "app.log", false, ATAIL_START_BEGIN, 60000);
    expect(&tr, "a1|<eof>");
    create("x", "");
    mv("x", "app.log");
    expect(&tr, "a1|<eof><rotated>");
    append("app.log", "ok\n");
    expect(&tr, "<rotated>ok|");

    int w = writer_open(); /* held across the next rotation */
    create("y", "");
    mv("y", "app.log");
    writer_put(w, "late\n");
    expect(&tr, "ok|late|");
    writer_put(w, "later\n");
    expect(&tr, "late|later|");
    struct atail_event ev;
    while (atail_next(tr.t, &ev) == 1) /* (it may not switch yet) */
        cr_assert_eq(ev.kind, ATAIL_EVENT_LINE, "%d before the writer left", ev.kind);
    close(w); /* the writer moves on: no grace period either */
    expect(&tr, "later|<rotated>");
    atail_close(tr.t);
}

/* Deleted, no writer holding it, the name waited for: nothing can come to
 * the old file, so it is given up at once, not after the grace period (a
 * minute here); the next file is read when it comes. (GNU's
 * tail-2/inotify-dir-recreate.sh removes the directory too: its removal is
 * seen only once the old file is closed.) */
BACKENDS(name, deleted_without_writer_is_gone_at_once)
{
    struct trace tr;
    create("app.log", "a1\n");
    start_grace(&tr, *poll, "app.log", true, ATAIL_START_BEGIN, 60000);
    expect(&tr, "a1|<eof>");
    cr_assert_eq(unlink(path("app.log")), 0);
    expect(&tr, "a1|<eof><gone>");
    create("app.log", "b1\n");
    expect(&tr, "<gone><appeared>b1|");
    atail_close(tr.t);
}

BACKENDS(name, gone_without_retry_ends)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "x\n", false, ATAIL_START_END);
    expect(&tr, "<eof>");
    cr_assert_eq(unlink(path("app.log")), 0);
    expect(&tr, "<gone><end><done>");
    atail_close(tr.t);
}

BACKENDS(name, missing_with_retry_appears_later)
{
    struct trace tr;
    start(&tr, *poll, "sub/dir/app.log", true, ATAIL_START_END);
    expect(&tr, "<error>");
    cr_assert_eq(mkdir(path("sub"), 0755), 0);
    cr_assert_eq(mkdir(path("sub/dir"), 0755), 0);
    create("sub/dir/app.log", "first\n");
    expect(&tr, "<error><appeared>first|");
    cr_assert_eq(unlink(path("sub/dir/app.log")), 0);
    expect(&tr, "<gone>");
    create("sub/dir/app.log", "again\n");
    expect(&tr, "<gone><appeared>again|");
    atail_close(tr.t);
}

BACKENDS(name, missing_without_retry_is_an_error)
{
    atail *t = open_handle(*poll);
    cr_assert_eq(follow_name(t, "nope", false, ATAIL_START_END), -ENOENT);
    atail_close(t);
}

BACKENDS(name, pid_death_ends_after_last_lines)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "", true, ATAIL_START_END);
    expect(&tr, "<eof>");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        append("app.log", "last words\n");
        _exit(0);
    }
    cr_assert_eq(atail_watch_pid(tr.t, pid), 0);
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
    expect(&tr, "last words|<done>");
    atail_close(tr.t);
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

BACKENDS(name, truncated_and_refilled_past_offset_is_noticed)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "0123456789\n0123456789\n", false, ATAIL_START_BEGIN);
    expect(&tr, "0123456789|<eof>");
    /* Between two looks: truncated, then more written than was there. */
    create("app.log", "new-1 xxxxxxxxxx\nnew-2 xxxxxxxxxx\n");
    expect(&tr, "<eof><truncated>new-1 xxxxxxxxxx|new-2 xxxxxxxxxx|");
    atail_close(tr.t);
}

BACKENDS(name, copytruncate_while_behind_reads_the_copy_first)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    /* The follower does not look while logrotate copies and truncates. */
    append("app.log", "a2\na3\n");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path("app.log"), path("app.log.1"));
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(truncate(path("app.log"), 0), 0);
    append("app.log", "b1\n");
    expect(&tr, "<eof>a2|a3|<truncated>b1|");
    atail_close(tr.t);
}

/* Waits (a deadline, no blind sleep) until the filesystem stamps a new
 * file later than anything done so far: copies made after this are told
 * apart by their times from what was read before (ext4 stamps files with
 * a clock that moves every few milliseconds). */
static void next_file_time(void)
{
    struct stat a, b;
    put("probe", "", O_TRUNC);
    cr_assert_eq(stat(path("probe"), &a), 0);
    for (int i = 0; i < 1000; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        cr_assert_eq(unlink(path("probe")), 0);
        put("probe", "", O_TRUNC);
        cr_assert_eq(stat(path("probe"), &b), 0);
        if (b.st_mtim.tv_sec != a.st_mtim.tv_sec || b.st_mtim.tv_nsec != a.st_mtim.tv_nsec)
            return;
    }
    cr_assert_fail("file times did not move in 1 s");
}

/* copytruncate as logrotate does it with `rotate N`: app.log.1 ... move up
 * one, app.log is copied to app.log.1 and truncated; then `text` is
 * written to it. */
static void copytruncate(const char *text)
{
    next_file_time();
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && for i in 4 3 2 1; do [ ! -e app.log.$i ] || mv app.log.$i "
             "app.log.$((i + 1)); done && cp app.log app.log.1",
             dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(truncate(path("app.log"), 0), 0);
    append("app.log", text);
}

/* Three copytruncate rotations while the follower does not look: the copy
 * of what it was reading is finished from where it was (now app.log.3),
 * then the later copies in the order they were made, then app.log. */
BACKENDS(name, copytruncate_while_behind_reads_every_copy_in_order)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    copytruncate("b1\n");
    copytruncate("c1\nc2\n");
    copytruncate("d1\n");
    expect(&tr, "<eof>a2|<truncated>b1|<truncated>c1|c2|<truncated>d1|");
    atail_close(tr.t);
}

/* The copy of what the follower was reading was deleted (more rotations
 * than the copies kept): that is said (LOST: from offset 3, where it had
 * read to, an amount not known), and the copies left are read, oldest
 * first, then app.log. */
BACKENDS(name, copytruncate_while_behind_says_a_deleted_copy_was_lost)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    copytruncate("b1\n");
    copytruncate("c1\n");
    cr_assert_eq(unlink(path("app.log.2")), 0); /* a1 a2: gone */
    expect(&tr, "<eof><lost=0+@3-3><truncated>b1|<truncated>c1|");
    atail_close(tr.t);
}

/* A copy made and app.log not yet truncated when the follower looks: the
 * copy is read, then app.log from where the copy ended, not from 0. */
BACKENDS(name, copytruncate_while_behind_goes_on_past_a_copy_not_yet_truncated)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    copytruncate("b1\n");
    append("app.log", "b2\n");
    next_file_time();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && mv app.log.1 app.log.2 && cp app.log app.log.1", dir);
    cr_assert_eq(system(cmd), 0);
    append("app.log", "b3\n"); /* between the copy and the truncation */
    expect(&tr, "<eof>a2|<truncated>b1|b2|b3|");
    cr_assert_eq(truncate(path("app.log"), 0), 0);
    append("app.log", "c1\n");
    expect(&tr, "b3|<truncated>c1|");
    atail_close(tr.t);
}

/* The consumer takes its time over the TRUNCATED event, which comes before
 * app.log's first bytes are read: meanwhile app.log is copied and
 * truncated again. Its first bytes tell nothing (nothing was read of that
 * generation), but the copy made since holds a generation not read: it
 * goes first. After the copies of a lagging follower: */
BACKENDS(name, copytruncate_again_before_the_first_read_after_the_copies)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    copytruncate("b1\n");
    expect(&tr, "<eof>a2|<truncated>");
    copytruncate("c1\n"); /* b1: only in app.log.1 now */
    expect(&tr, "a2|<truncated>b1|<truncated>c1|");
    atail_close(tr.t);
}

/* The same after a truncation with no copy (read from 0 again). */
BACKENDS(name, copytruncate_again_before_the_first_read_after_a_restart)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    create("app.log", "b1\n");
    expect(&tr, "<eof><truncated>");
    copytruncate("c1\n");
    expect(&tr, "<eof><truncated>b1|<truncated>c1|");
    atail_close(tr.t);
}

/* Copies kept by copytruncate(): a sixth copytruncate deletes the oldest. */
#define COPIES_KEPT 5

/* One copytruncate more than copies are kept, writing "c1\n", "d1\n" ...
 * from `first` on: the copy of what app.log held before is deleted. */
static void copytruncate_past_kept(char first)
{
    for (unsigned i = 0; i <= COPIES_KEPT; i++) {
        const char text[] = {(char)(first + (char)i), '1', '\n', '\0'};
        copytruncate(text);
    }
}

/* More copytruncates before app.log's first read than copies are kept: the
 * copy of the generation read from 0 is deleted (b1, 3 bytes when reading
 * started over). That is said (LOST, at least those 3 bytes, from offset
 * 0), before the copies left and app.log. */
BACKENDS(name, copytruncate_again_more_times_than_copies_kept_says_lost)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    create("app.log", "b1\n");
    expect(&tr, "<eof><truncated>");
    copytruncate_past_kept('c');
    expect(&tr,
           "<truncated><lost=3+@0-3>c1|<truncated>d1|<truncated>e1|<truncated>f1|<truncated>g1|"
           "<truncated>h1|");
    atail_close(tr.t);
}

/* The same after the copies of a lagging follower. */
BACKENDS(name, copytruncate_again_more_times_than_copies_kept_after_the_copies_says_lost)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    copytruncate("b1\n");
    expect(&tr, "<eof>a2|<truncated>");
    copytruncate_past_kept('c');
    expect(&tr, "a2|<truncated><lost=3+@0-3>c1|<truncated>d1|<truncated>e1|<truncated>f1|"
                "<truncated>g1|<truncated>h1|");
    atail_close(tr.t);
}

/* More copytruncates while the follower lags than copies are kept: the
 * copy of what it was reading is gone; what it had read up to (offset 6)
 * is where the loss starts, its end is not known. */
BACKENDS(name, copytruncate_while_behind_more_times_than_copies_kept_says_where)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    append("app.log", "a2\n");
    expect(&tr, "a2|");
    append("app.log", "a3\n");
    copytruncate_past_kept('b');
    expect(&tr, "<lost=0+@6-6><truncated>b1|<truncated>c1|<truncated>d1|<truncated>e1|"
                "<truncated>f1|<truncated>g1|");
    atail_close(tr.t);
}

/* The tests where files move while the follower does not look, on inotify
 * only. Each starts with follow_a1(): app.log, holding "a1\n", followed
 * from its start and read to its end. */
#define BEHIND(test) Test(name, test, .init = setup, .fini = teardown, .timeout = 60)

static void follow_a1(struct trace *tr, bool retry)
{
    follow_new_log(tr, false, "a1\n", retry, ATAIL_START_BEGIN);
    expect(tr, "a1|<eof>");
}

/* Three rotations while the follower does not look; `spaced`: file
 * times apart (ext4's clock moves every few milliseconds). */
static void rotations_unseen(struct trace *tr, bool spaced)
{
    static const char *const to[] = {"app.log.1", "app.log.2", "app.log.3"};
    static const char *const text[] = {"b1\n", "c1\n", "d1\n"};
    for (int i = 0; i < 3; i++) {
        if (spaced)
            next_file_time();
        rotate(to[i], text[i]);
    }
    expect(tr, "<eof><rotated>b1|<rotated>c1|<rotated>d1|");
}

/* logrotate shifts the old files before renaming the current one, three
 * times while the follower does not look. */
static void logrotate_shifting_unseen(struct trace *tr, bool spaced)
{
    append("app.log", "a2\n");
    if (spaced)
        next_file_time();
    rotate("app.log.1", "b1\n");
    if (spaced)
        next_file_time();
    mv("app.log.1", "app.log.2");
    rotate("app.log.1", "c1\n");
    if (spaced)
        next_file_time();
    mv("app.log.2", "app.log.3");
    mv("app.log.1", "app.log.2");
    rotate("app.log.1", "d1\n");
    expect(tr, "<eof>a2|<rotated>b1|<rotated>c1|<rotated>d1|");
}

/* On inotify the rename events tell where each generation went, file
 * times or not. */
BEHIND(rotations_while_behind_lose_nothing)
{
    struct trace tr;
    follow_a1(&tr, false);
    rotations_unseen(&tr, false);
    atail_close(tr.t);
}

BEHIND(logrotate_shifting_while_behind_loses_nothing)
{
    struct trace tr;
    follow_a1(&tr, false);
    logrotate_shifting_unseen(&tr, false);
    atail_close(tr.t);
}

/* On polling no rename event does: the siblings born after the file being
 * read, oldest first, are the generations it missed. */
BACKENDS(name, rotations_between_two_looks_lose_nothing)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    rotations_unseen(&tr, true);
    atail_close(tr.t);
}

BACKENDS(name, logrotate_shifting_between_two_looks_loses_nothing)
{
    struct trace tr;
    follow_new_log(&tr, *poll, "a1\n", false, ATAIL_START_BEGIN);
    expect(&tr, "a1|<eof>");
    logrotate_shifting_unseen(&tr, true);
    atail_close(tr.t);
}

BEHIND(a_generation_that_left_the_name_is_read_while_the_name_is_missing)
{
    struct trace tr;
    follow_a1(&tr, true);
    /* B holds the name for a moment; then the name stays missing. */
    rotate("app.log.1", "b1\n");
    mv("app.log", "app.log.2");
    expect(&tr, "<eof><rotated>b1|");
    /* B is read through the grace period, not given up at once. */
    append("app.log.2", "b2\n");
    expect(&tr, "<rotated>b1|b2|");
    expect(&tr, "<gone>");
    create("app.log", "c1\n");
    expect(&tr, "<gone><appeared>c1|");
    atail_close(tr.t);
}

BEHIND(a_generation_deleted_before_it_was_read_is_reported_lost)
{
    struct trace tr;
    follow_a1(&tr, false);
    /* While the follower does not look: B comes and goes, never read. */
    rotate("app.log.1", "b1\n");
    mv("app.log", "app.log.2");
    cr_assert_eq(unlink(path("app.log.2")), 0);
    create("app.log", "c1\n");
    expect(&tr, "<eof><lost=0+><rotated>c1|");
    atail_close(tr.t);
}

/* Deletes app.log and creates it again, holding `text`. */
static void recreate(const char *text)
{
    cr_assert_eq(unlink(path("app.log")), 0);
    create("app.log", text);
}

/* Delete rotation, three times while the follower does not look: the two
 * generations deleted before anyone opened them are said lost (the
 * directory's events count the deletions at the name), as soon as that is
 * known: before the rest of the file being read. */
BEHIND(generations_deleted_at_the_name_unread_are_reported_lost)
{
    struct trace tr;
    follow_a1(&tr, false);
    append("app.log", "a2\n");
    recreate("b1\n");
    recreate("c1\n");
    recreate("d1\n");
    expect(&tr, "<eof><lost=0+>a2|<rotated>d1|");
    atail_close(tr.t);
}

/* One delete rotation while behind: the deleted file is the one being
 * read, read to its end; nothing is lost, nothing said lost. */
BEHIND(one_delete_rotation_while_behind_loses_nothing)
{
    struct trace tr;
    follow_a1(&tr, false);
    append("app.log", "a2\n");
    recreate("b1\n");
    append("app.log", "b2\n");
    expect(&tr, "<eof>a2|<rotated>b1|b2|");
    atail_close(tr.t);
}

/* The name missing (retry): a file that comes and goes there before the
 * follower looks is said lost. */
BEHIND(a_file_come_and_gone_while_the_name_was_missing_is_reported_lost)
{
    struct trace tr;
    follow_a1(&tr, true);
    cr_assert_eq(unlink(path("app.log")), 0);
    expect(&tr, "<gone>");
    create("app.log", "b1\n");
    recreate("c1\n");
    expect(&tr, "<gone><appeared><lost=0+>c1|");
    atail_close(tr.t);
}

/* A rename rotation, then a delete one, while behind: the renamed file is
 * read to its end through the history, the deleted one is lost. */
BEHIND(a_rename_then_a_deletion_while_behind_reports_the_deleted_one)
{
    struct trace tr;
    follow_a1(&tr, false);
    rotate("app.log.1", "b1\n");
    recreate("c1\n");
    expect(&tr, "<eof><lost=0+><rotated>c1|");
    atail_close(tr.t);
}
