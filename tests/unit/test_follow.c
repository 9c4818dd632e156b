/* Unit tests for the handle (src/atail.c and the layers beneath it,
 * src/file.c, src/start.c): start positions, line splitting, spans, pipes, ordering, truncation,
 * the readiness contract and resource release. Real files in a temp directory. */
#include <atail.h>

#include "scratch.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(follow, .init = setup, .fini = teardown, .timeout = 30);

static atail *open_handle(unsigned flags, size_t max_line)
{
    struct atail_options o;
    atail_options_init(&o);
    o.flags = flags;
    if (max_line)
        o.max_line = max_line;
    atail *t = NULL;
    cr_assert_eq(atail_open(&t, &o), 0);
    cr_assert_not_null(t);
    return t;
}

static int follow(atail *t, const char *name, enum atail_start start, uint64_t count,
                  enum atail_follow_mode mode)
{
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.start = start;
    fo.count = count;
    fo.follow = mode;
    return atail_follow(t, path(name), &fo);
}

/* Appends the text of a LINE event (with "|" after it, "~" for a cut
 * piece, "$" for no delimiter) or a DATA event to out, n bytes so far;
 * returns the new length. */
static size_t add_text(char *out, size_t n, size_t cap, const struct atail_event *ev)
{
    cr_assert_lt(n + ev->len + 2, cap);
    memcpy(out + n, ev->data, ev->len);
    n += ev->len;
    if (ev->kind == ATAIL_EVENT_LINE)
        out[n++] = ev->flags & ATAIL_LINE_CUT ? '~' : ev->flags & ATAIL_LINE_NO_DELIM ? '$' : '|';
    out[n] = '\0';
    return n;
}

/* Collects the text of LINE and DATA events until -EAGAIN or the end. */
static int drain(atail *t, char *out, size_t cap)
{
    struct atail_event ev;
    size_t n = 0;
    int r;
    out[0] = '\0';
    while ((r = atail_next(t, &ev)) == 1) {
        if (ev.kind == ATAIL_EVENT_LINE || ev.kind == ATAIL_EVENT_DATA)
            n = add_text(out, n, cap, &ev);
    }
    return r;
}

/* Waits for news, then collects it as drain() does, up to -EAGAIN. */
static void drain_news(atail *t, char *out, size_t cap)
{
    cr_assert_eq(atail_wait(t, 5000), 1);
    cr_assert_eq(drain(t, out, cap), -EAGAIN);
}

/* Follows the read end of a new pipe from `start`; returns the write end. */
static int follow_pipe(atail *t, enum atail_start start, uint64_t count)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    fo.start = start;
    fo.count = count;
    cr_assert_eq(atail_follow_fd(t, p[0], "pipe", &fo), 0);
    close(p[0]);
    return p[1];
}

/* Reads file f from `start` to its end on a new handle with max_line (0:
 * the default), and checks what came. */
static void expect_text(size_t max_line, enum atail_start start, uint64_t count, const char *want)
{
    atail *t = open_handle(0, max_line);
    cr_assert_geq(follow(t, "f", start, count, ATAIL_FOLLOW_NONE), 0);
    char out[4096];
    cr_assert_eq(drain(t, out, sizeof out), 0);
    cr_assert_str_eq(out, want, "start %d count %lu", start, (unsigned long)count);
    atail_close(t);
}

static void expect_lines(enum atail_start start, uint64_t count, const char *want)
{
    expect_text(0, start, count, want);
}

/* Creates `name` holding `text` and follows its descriptor from `start`. */
static void follow_new_file(atail *t, const char *name, const char *text, enum atail_start start)
{
    put(name, text, O_TRUNC);
    cr_assert_geq(follow(t, name, start, 0, ATAIL_FOLLOW_DESCRIPTOR), 0);
}

Test(follow, start_positions)
{
    put("f", "a\nb\nc\nd", O_TRUNC);
    expect_lines(ATAIL_START_BEGIN, 0, "a|b|c|d$");
    expect_lines(ATAIL_START_END, 0, "");
    expect_lines(ATAIL_START_LAST_LINES, 2, "c|d$");
    expect_lines(ATAIL_START_LAST_LINES, 0, "");
    expect_lines(ATAIL_START_LAST_LINES, 99, "a|b|c|d$");
    expect_lines(ATAIL_START_LAST_BYTES, 3, "c|d$");
    expect_lines(ATAIL_START_LINE, 3, "c|d$");
    expect_lines(ATAIL_START_LINE, 0, "a|b|c|d$");
    expect_lines(ATAIL_START_BYTE, 4, "c|d$");
    expect_lines(ATAIL_START_BYTE, 100, "");
}

Test(follow, last_lines_reads_only_the_end_of_a_big_file)
{
    /* 3 MiB of lines: the backward search crosses many read blocks. */
    int fd = open(path("big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char line[32];
    for (int i = 0; i < 300000; i++) {
        int n = snprintf(line, sizeof line, "line %06d\n", i);
        cr_assert_eq(write(fd, line, (size_t)n), n);
    }
    close(fd);
    atail *t = open_handle(0, 0);
    cr_assert_geq(follow(t, "big", ATAIL_START_LAST_LINES, 20000, ATAIL_FOLLOW_NONE), 0);
    struct atail_event ev;
    int lines = 0, first = -1;
    while (atail_next(t, &ev) == 1) {
        if (ev.kind != ATAIL_EVENT_LINE)
            continue;
        if (first < 0)
            first = atoi(ev.data + 5);
        lines++;
    }
    cr_assert_eq(lines, 20000);
    cr_assert_eq(first, 280000);
    atail_close(t);
}

Test(follow, appends_and_partial_lines_are_held_in_line_mode)
{
    atail *t = open_handle(0, 0);
    follow_new_file(t, "f", "old\n", ATAIL_START_END);
    char out[256];
    cr_assert_eq(drain(t, out, sizeof out), -EAGAIN);
    cr_assert_str_eq(out, "");
    put("f", "new1\npart", O_APPEND);
    drain_news(t, out, sizeof out);
    cr_assert_str_eq(out, "new1|");
    put("f", "ial\n", O_APPEND);
    drain_news(t, out, sizeof out);
    cr_assert_str_eq(out, "partial|");
    atail_close(t);
}

Test(follow, spans_show_partial_data_at_once)
{
    atail *t = open_handle(ATAIL_OPEN_SPANS, 0);
    follow_new_file(t, "f", "", ATAIL_START_BEGIN);
    char out[256];
    drain(t, out, sizeof out);
    put("f", "ab\nc", O_APPEND);
    cr_assert_eq(atail_wait(t, 5000), 1);
    drain(t, out, sizeof out);
    cr_assert_str_eq(out, "ab\nc");
    atail_close(t);
}

Test(follow, long_lines_come_in_pieces)
{
    put("f", "0123456789\nabcd\n0123\n", O_TRUNC);
    expect_text(4, ATAIL_START_BEGIN, 0, "0123~4567~89|abcd|0123|");
}

/* A line of exactly max_line bytes is not cut: at the end of the file it
 * is a last line without delimiter; followed, it waits for its next byte. */
Test(follow, a_line_of_exactly_max_line_bytes_is_whole)
{
    put("f", "0123456789", O_TRUNC);
    expect_text(5, ATAIL_START_BEGIN, 0, "01234~56789$");

    atail *t = open_handle(0, 5);
    follow_new_file(t, "g", "", ATAIL_START_BEGIN);
    char out[256];
    drain(t, out, sizeof out);
    put("g", "abcde", O_APPEND);
    drain_news(t, out, sizeof out);
    cr_assert_str_eq(out, "", "a line of max_line bytes is waited for, not cut");
    put("g", "\nfghijk\n", O_APPEND);
    drain_news(t, out, sizeof out);
    cr_assert_str_eq(out, "abcde|fghij~k|");
    atail_close(t);
}

Test(follow, nul_delimiter)
{
    put_bytes("f", "a\0b\nc\0", 6, O_TRUNC);
    struct atail_options o;
    atail_options_init(&o);
    o.delimiter = '\0';
    atail *t;
    cr_assert_eq(atail_open(&t, &o), 0);
    cr_assert_geq(follow(t, "f", ATAIL_START_LAST_LINES, 1, ATAIL_FOLLOW_NONE), 0);
    char out[64];
    drain(t, out, sizeof out);
    cr_assert_str_eq(out, "b\nc|");
    atail_close(t);
}

Test(follow, initial_content_comes_in_order_of_addition)
{
    put("a", "a1\na2\n", O_TRUNC);
    put("b", "b1\n", O_TRUNC);
    atail *t = open_handle(0, 0);
    cr_assert_eq(follow(t, "a", ATAIL_START_BEGIN, 0, ATAIL_FOLLOW_DESCRIPTOR), 0);
    cr_assert_eq(follow(t, "b", ATAIL_START_BEGIN, 0, ATAIL_FOLLOW_DESCRIPTOR), 1);
    struct atail_event ev;
    const char *want[] = {"0:1:a1", "0:1:a2", "0:3:", "1:1:b1", "1:3:"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        cr_assert_eq(atail_next(t, &ev), 1);
        char got[64];
        snprintf(got, sizeof got, "%d:%d:%.*s", ev.file, ev.kind, (int)ev.len,
                 ev.data ? ev.data : "");
        cr_assert_str_eq(got, want[i]);
    }
    cr_assert_eq(atail_next(t, &ev), -EAGAIN);
    atail_close(t);
}

Test(follow, truncation_restarts_at_zero)
{
    atail *t = open_handle(0, 0);
    follow_new_file(t, "f", "one\ntwo\n", ATAIL_START_END);
    char out[256];
    drain(t, out, sizeof out);
    put("f", "x\n", O_TRUNC);
    cr_assert_eq(atail_wait(t, 5000), 1);
    struct atail_event ev;
    cr_assert_eq(atail_next(t, &ev), 1);
    cr_assert_eq(ev.kind, ATAIL_EVENT_TRUNCATED);
    cr_assert_eq(ev.offset, 8);
    drain(t, out, sizeof out);
    cr_assert_str_eq(out, "x|");
    atail_close(t);
}

Test(follow, pipe_with_last_lines_waits_for_eof)
{
    atail *t = open_handle(0, 0);
    int w = follow_pipe(t, ATAIL_START_LAST_LINES, 2);
    char out[256];
    cr_assert_eq(write(w, "1\n2\n3\n", 6), 6);
    drain_news(t, out, sizeof out);
    cr_assert_str_eq(out, "");
    cr_assert_eq(write(w, "4", 1), 1);
    close(w);
    for (int i = 0; i < 100 && atail_wait(t, 5000) == 1; i++) {
        int r = drain(t, out + strlen(out), sizeof out - strlen(out));
        if (r == 0)
            break;
    }
    cr_assert_str_eq(out, "3|4$");
    atail_close(t);
}

/* Follows the read end of a new pipe from its last `count` lines, with a
 * small read size and max_line; returns the write end. */
static int held_pipe(atail **t, uint64_t count, size_t max_line)
{
    struct atail_options o;
    atail_options_init(&o);
    o.max_line = max_line;
    o.read_size = 64;
    cr_assert_eq(atail_open(t, &o), 0);
    return follow_pipe(*t, ATAIL_START_LAST_LINES, count);
}

/* Collects a held stream's events to its end: lines as drain() does,
 * "<lost N>" for a LOST event flagged ATAIL_LOST_LONG_LINE. */
static void drain_to_end(atail *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < 1000; i++) {
        struct atail_event ev;
        int r = atail_next(t, &ev);
        if (r == 0)
            return;
        if (r == -EAGAIN) {
            cr_assert_eq(atail_wait(t, 5000), 1);
            continue;
        }
        cr_assert_eq(r, 1);
        if (ev.kind == ATAIL_EVENT_LOST) {
            cr_assert_eq(ev.flags, ATAIL_LOST_LONG_LINE);
            n += (size_t)snprintf(out + n, cap - n, "<lost %zu>", ev.len);
        } else if (ev.kind == ATAIL_EVENT_LINE) {
            n = add_text(out, n, cap, &ev);
        }
    }
    cr_assert_fail("no end");
}

/* The last lines of a stream hold at most count * (max_line + 1) bytes:
 * the start of an overlong line is dropped and said (tail -n 1 /dev/zero
 * runs in bounded memory). */
Test(follow, pipe_last_lines_memory_is_bounded)
{
    atail *t;
    int w = held_pipe(&t, 2, 4);
    cr_assert_eq(write(w, "1\nabcdefghij\nxy", 15), 15);
    close(w);
    char out[256];
    drain_to_end(t, out, sizeof out);
    cr_assert_str_eq(out, "<lost 3>defg~hij|xy$");
    atail_close(t);

    /* A line cut while it was among the last lines, then pushed out of
     * them by later lines: nothing kept was dropped, nothing is said. */
    w = held_pipe(&t, 1, 8);
    char x[1000];
    memset(x, 'x', sizeof x);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(write(w, x, sizeof x), (ssize_t)sizeof x);
    cr_assert_eq(write(w, "\nok\n", 4), 4);
    close(w);
    drain_to_end(t, out, sizeof out);
    cr_assert_str_eq(out, "ok|");
    atail_close(t);

    /* A line dropped whole with the start of an overlong one: said while
     * it is among the last lines at the end, not once pushed out. */
    char xs[100];
    memset(xs, 'x', sizeof xs);
    for (int pushed = 0; pushed <= 1; pushed++) {
        w = held_pipe(&t, 2, 4);
        cr_assert_eq(write(w, "a\nb\n", 4), 4);
        cr_assert_eq(write(w, xs, sizeof xs), (ssize_t)sizeof xs);
        struct atail_event ev;
        while (atail_next(t, &ev) == 1) /* read (and cut) before the rest comes */
            ;
        if (pushed)
            cr_assert_eq(write(w, "\nc\n", 3), 3);
        close(w);
        drain_to_end(t, out, sizeof out);
        /* Kept: the last 2 x (max_line+1) bytes. Pushed: "b\n" is not among
         * the last 2 lines any more, only the x line's start is said. */
        cr_assert_str_eq(out, pushed ? "<lost 93>xxxx~xxx|c|" : "<lost 92>xxxx~xxxx~xx$");
        atail_close(t);
    }

    /* An endless line: memory stays near max_line, whatever comes. */
    w = held_pipe(&t, 1, 8);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(write(w, x, sizeof x), (ssize_t)sizeof x);
    close(w);
    drain_to_end(t, out, sizeof out);
    cr_assert_str_eq(out, "<lost 9991>xxxxxxxx~x$");
    atail_close(t);
}

Test(follow, pipe_lines_arrive_as_written)
{
    atail *t = open_handle(0, 0);
    int w = follow_pipe(t, ATAIL_START_LINE, 2);
    char out[256];
    cr_assert_eq(write(w, "skip\nkeep\n", 10), 10);
    cr_assert_eq(atail_wait(t, 5000), 1);
    drain(t, out, sizeof out);
    cr_assert_str_eq(out, "keep|");
    close(w);
    atail_close(t);
}

Test(follow, stays_readable_until_eagain)
{
    atail *t = open_handle(0, 0);
    follow_new_file(t, "f", "1\n2\n3\n", ATAIL_START_BEGIN);
    struct atail_event ev;
    cr_assert_eq(atail_wait(t, 0), 1, "a new file is news");
    cr_assert_eq(atail_next(t, &ev), 1);
    cr_assert_eq(atail_wait(t, 0), 1, "news not yet returned keeps the fd readable");
    while (atail_next(t, &ev) == 1)
        ;
    cr_assert_eq(atail_wait(t, 0), 0, "drained: the fd is quiet");
    atail_close(t);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

Test(follow, close_releases_every_descriptor)
{
    put("f", "x\n", O_TRUNC);
    int before = count_fds();
    for (int i = 0; i < 50; i++) {
        atail *t = open_handle(0, 0);
        cr_assert_geq(follow(t, "f", ATAIL_START_BEGIN, 0, ATAIL_FOLLOW_DESCRIPTOR), 0);
        cr_assert_eq(follow(t, "missing", ATAIL_START_BEGIN, 0, ATAIL_FOLLOW_DESCRIPTOR), -ENOENT);
        char out[64];
        drain(t, out, sizeof out);
        t = atail_close(t);
        cr_assert_null(t);
    }
    cr_assert_eq(count_fds(), before);
}

Test(follow, errors_are_negative_errno)
{
    cr_assert_eq(atail_open(NULL, NULL), -EINVAL);
    atail *t = open_handle(0, 0);
    cr_assert_eq(follow(t, "missing", ATAIL_START_END, 0, ATAIL_FOLLOW_DESCRIPTOR), -ENOENT);
    cr_assert_eq(atail_follow(t, dir, NULL), -EISDIR);
    cr_assert_eq(atail_follow(t, NULL, NULL), -EINVAL);
    struct atail_event ev;
    cr_assert_eq(atail_next(t, &ev), 0, "no file: nothing will ever come");
    cr_assert_str_eq(atail_strerror(-ENOENT), "No such file or directory");
    atail_close(t);
    atail_close(NULL);
}

Test(follow, cleanup_attribute_closes)
{
    int before = count_fds();
    {
        ATAIL_CLEANUP atail *t = open_handle(0, 0);
        cr_assert_geq(atail_fd(t), 0);
        cr_assert_gt(count_fds(), before);
    }
    cr_assert_eq(count_fds(), before);
}

/* atail_file_identity(): the device and inode of the file whose data came
 * last, through a rotation by name. */
Test(follow, file_identity_is_the_file_read)
{
    put("r", "old\n", O_TRUNC);
    struct stat st_old;
    cr_assert_eq(stat(path("r"), &st_old), 0);
    atail *t = open_handle(0, 0);
    int id = follow(t, "r", ATAIL_START_BEGIN, 0, ATAIL_FOLLOW_NAME);
    cr_assert_geq(id, 0);
    uint64_t dev = 0, ino = 0;
    cr_assert_eq(atail_file_identity(t, id + 1, &dev, &ino), -EINVAL);
    struct atail_event ev;
    cr_assert_eq(atail_next(t, &ev), 1);
    cr_assert_eq(ev.kind, ATAIL_EVENT_LINE);
    cr_assert_eq(atail_file_identity(t, id, &dev, &ino), 0);
    cr_assert(dev == (uint64_t)st_old.st_dev && ino == (uint64_t)st_old.st_ino);

    cr_assert_eq(rename(path("r"), path("r.1")), 0);
    put("r", "new\n", O_TRUNC);
    struct stat st_new;
    cr_assert_eq(stat(path("r"), &st_new), 0);
    bool seen = false;
    while (!seen && atail_wait(t, 5000) == 1) {
        while (atail_next(t, &ev) == 1) {
            if (ev.kind != ATAIL_EVENT_LINE)
                continue;
            cr_assert_eq(ev.len, 3);
            cr_assert_eq(memcmp(ev.data, "new", 3), 0);
            cr_assert_eq(atail_file_identity(t, id, &dev, &ino), 0);
            cr_assert_eq(ino, (uint64_t)st_new.st_ino);
            seen = true;
        }
    }
    cr_assert(seen, "the new file's line never came");
    atail_close(t);
}
