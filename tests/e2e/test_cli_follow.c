/* atail -f: appended data, partial lines, headers when output switches
 * files, truncation, --max-lines, pipes and FIFOs, a closed stdout, --pid
 * and signals. Every wait has a deadline; nothing sleeps blindly. */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS 5000
#define GNU_TAIL "/usr/bin/tail"

static const char *atail(void)
{
    return bin_path("atail");
}

/* Asserts the whole stdout of p is `want`, after waiting for it. */
static void expect_output(struct proc *p, const char *want, const char *what)
{
    bool seen = proc_wait_output(p, want, WAIT_MS);
    cr_assert(seen && p->out.len == strlen(want),
              "%s: want stdout \"%s\", got \"%s\" (stderr \"%s\")", what, want, p->out.data,
              p->err.data);
}

static bool running(struct proc *p)
{
    if (p->status != -1)
        return false;
    int st;
    if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->status = st;
        return false;
    }
    return true;
}

/* Stops a follower that must still be running, and checks it ends by the
 * signal (not by the SIGKILL that proc_stop sends after the deadline). */
static void stop_follower(struct proc *p)
{
    cr_assert(running(p), "atail ended early: status %d, stderr \"%s\"", p->status, p->err.data);
    int st = proc_stop(p, SIGTERM, WAIT_MS);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM did not end atail (status %d)",
              st);
    proc_free(p);
}

Test(cli_follow, appends_appear)
{
    const char *f = scratch_path("app.log");
    write_str(f, "one\ntwo\n");
    const char *argv[] = {atail(), "-f", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "one\ntwo\n", "initial content");

    append_str(f, "three\n");
    expect_output(p, "one\ntwo\nthree\n", "first append");

    char want[8192] = "one\ntwo\nthree\n", line[32];
    for (int i = 0; i < 200; i++) {
        snprintf(line, sizeof line, "line %d\n", i);
        append_str(f, line);
        strcat(want, line);
    }
    expect_output(p, want, "200 appends");
    stop_follower(p);
}

Test(cli_follow, partial_line_shows_at_once)
{
    const char *f = scratch_path("partial.log");
    write_str(f, "start\n");
    const char *argv[] = {atail(), "-f", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "start\n", "initial content");
    append_str(f, "par");
    expect_output(p, "start\npar", "partial line (raw output, like GNU tail)");
    append_str(f, "tial\nnext");
    expect_output(p, "start\npartial\nnext", "rest of the line");
    stop_follower(p);
}

Test(cli_follow, from_start_and_bytes)
{
    const char *f = scratch_path("bytes.log");
    write_str(f, "abcdef\n");
    const char *argv[] = {atail(), "-f", "-c", "+3", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "cdef\n", "-c +3");
    append_str(f, "gh");
    expect_output(p, "cdef\ngh", "appended bytes");
    stop_follower(p);

    const char *g = scratch_path("zero.log");
    write_file(g, "a\0b\0c", 5);
    const char *argv_z[] = {atail(), "-z", "-n", "1", "-f", g, NULL};
    p = proc_start(argv_z, NULL, 0);
    cr_assert(proc_wait_output(p, "c", WAIT_MS), "-z -n 1: the last (partial) record");
    append_file(g, "d\0e\0", 4);
    cr_assert(proc_wait_count(p, '\0', 2, WAIT_MS), "-z: got %zu bytes", p->out.len);
    cr_assert_eq(p->out.len, 5);
    cr_assert(memcmp(p->out.data, "cd\0e\0", 5) == 0, "-z -n 1 output");
    stop_follower(p);
}

/* Runs the same steps against atail and GNU tail side by side: both must
 * print exactly `want` after each step. */
Test(cli_follow, headers_when_output_switches)
{
    const char *a = scratch_path("a.log"), *b = scratch_path("b.log");
    write_str(a, "a1\n");
    write_str(b, "b1\n");
    const char *argv_a[] = {atail(), "-f", a, b, NULL};
    const char *argv_g[] = {GNU_TAIL, "-f", a, b, NULL};
    struct proc *pa = proc_start(argv_a, NULL, 0);
    struct proc *pg = proc_start(argv_g, NULL, 0);

    char want[4096];
    snprintf(want, sizeof want, "==> %s <==\na1\n\n==> %s <==\nb1\n", a, b);
    expect_output(pg, want, "GNU tail, initial");
    expect_output(pa, want, "initial headers");

    static const struct {
        int file; /* 0: a, 1: b */
        const char *data;
        bool header;
    } steps[] = {
        {0, "a2\n", true}, {1, "b2\n", true},  {1, "b3\n", false},
        {0, "a3\n", true}, {0, "a4\n", false}, {1, "b4\n", true},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const char *path = steps[i].file ? b : a;
        append_str(path, steps[i].data);
        size_t len = strlen(want);
        if (steps[i].header)
            snprintf(want + len, sizeof want - len, "\n==> %s <==\n%s", path, steps[i].data);
        else
            snprintf(want + len, sizeof want - len, "%s", steps[i].data);
        char what[64];
        snprintf(what, sizeof what, "GNU tail, step %zu", i);
        expect_output(pg, want, what);
        snprintf(what, sizeof what, "step %zu", i);
        expect_output(pa, want, what);
    }
    stop_follower(pa);
    proc_stop(pg, SIGKILL, WAIT_MS);
    proc_free(pg);
}

Test(cli_follow, truncation)
{
    const char *f = scratch_path("trunc.log");
    write_str(f, "1\n2\n3\n");
    const char *argv[] = {atail(), "-f", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "1\n2\n3\n", "initial content");
    write_str(f, "x\n"); /* truncate, then write less than before */
    char want_err[512];
    snprintf(want_err, sizeof want_err, "atail: %s: file truncated\n", f);
    cr_assert(proc_wait_stderr(p, want_err, WAIT_MS), "want stderr \"%s\", got \"%s\"", want_err,
              p->err.data);
    expect_output(p, "1\n2\n3\nx\n", "content after truncation");
    append_str(f, "y\n");
    expect_output(p, "1\n2\n3\nx\ny\n", "append after truncation");
    cr_assert_str_eq(p->err.data, want_err);
    stop_follower(p);
}

Test(cli_follow, renamed_file_is_still_followed)
{
    const char *f = scratch_path("moved.log"), *g = scratch_path("moved.log.1");
    write_str(f, "before\n");
    const char *argv[] = {atail(), "-f", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "before\n", "initial content");
    cr_assert_eq(rename(f, g), 0);
    append_str(g, "after\n");
    expect_output(p, "before\nafter\n", "append to the renamed file (follow by descriptor)");
    stop_follower(p);
}

Test(cli_follow, max_lines)
{
    const char *f = scratch_path("max.log");
    write_str(f, "1\n2\n");
    const char *argv[] = {atail(), "-f", "--max-lines=5", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "1\n2\n", "initial content");
    append_str(f, "3\n4\n");
    expect_output(p, "1\n2\n3\n4\n", "two more lines");
    cr_assert(running(p), "exited before 5 lines");
    append_str(f, "5\n6\n7\n");
    cr_assert(proc_wait_exit(p, WAIT_MS), "--max-lines=5 did not exit after 5 lines");
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->out.data, "1\n2\n3\n4\n5\n");
    proc_free(p);

    /* Without -f, and with headers (which are not lines). */
    const char *g = scratch_path("max2.log");
    write_str(g, "a\nb\nc\n");
    const char *argv2[] = {atail(), "-v", "--max-lines=2", "-n", "3", g, NULL};
    p = run(argv2, NULL, 0, WAIT_MS);
    char want[512];
    snprintf(want, sizeof want, "==> %s <==\na\nb\n", g);
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->out.data, want);
    proc_free(p);

    /* The Nth line in the middle of a span: the write is cut after it. */
    const char *argv3[] = {atail(), "--max-lines=1K", "-n", "+1", scratch_path("max.log"), NULL};
    p = run(argv3, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->out.data, "1\n2\n3\n4\n5\n6\n7\n");
    proc_free(p);
    const char *argv4[] = {atail(), "--max-lines=3",         "-f", "-n",
                           "+1",    scratch_path("max.log"), NULL};
    p = run(argv4, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->out.data, "1\n2\n3\n");
    proc_free(p);
}

static void feed(struct proc *p, const char *s)
{
    size_t len = strlen(s);
    cr_assert_eq(write(p->in_fd, s, len), (ssize_t)len);
}

Test(cli_follow, stdin_pipe_ends_at_eof)
{
    static const char *const variants[][4] = {
        {"-f", NULL},
        {"-f", "-", NULL},
        {"-f", "-n", "+1", NULL},
        {"-f", "-c", "3", NULL},
    };
    static const char *const want[] = {"a\nb\n", "a\nb\n", "a\nb\n", "\nb\n"};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        const char *argv[8] = {atail()};
        for (int i = 0; variants[v][i]; i++)
            argv[i + 1] = variants[v][i];
        struct proc *p = proc_start(argv, NULL, PROC_STDIN);
        feed(p, "a\n");
        feed(p, "b\n");
        proc_close_stdin(p);
        cr_assert(proc_wait_exit(p, WAIT_MS), "variant %zu: -f on a pipe did not end at EOF", v);
        cr_assert_eq(exit_code(p), 0, "variant %zu: exit %d, stderr %s", v, exit_code(p),
                     p->err.data);
        cr_assert_str_eq(p->out.data, want[v], "variant %zu", v);
        cr_assert_str_eq(p->err.data, "", "variant %zu", v);
        proc_free(p);
    }
}

Test(cli_follow, stdin_pipe_then_file)
{
    /* The pipe ends; the file goes on being followed. */
    const char *f = scratch_path("after_stdin.log");
    write_str(f, "f1\n");
    const char *argv[] = {atail(), "-f", "-", f, NULL};
    struct proc *p = proc_start(argv, NULL, PROC_STDIN);
    feed(p, "s1\n");
    proc_close_stdin(p);
    char want[1024];
    snprintf(want, sizeof want, "==> standard input <==\ns1\n\n==> %s <==\nf1\n", f);
    expect_output(p, want, "pipe then file");
    append_str(f, "f2\n");
    strcat(want, "f2\n");
    expect_output(p, want, "file followed after the pipe ended");
    stop_follower(p);
}

/* Opens the FIFO for writing once its reader (atail, p) has it open. */
static int open_fifo_writer(struct proc *p, const char *path)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        cr_assert_eq(errno, ENXIO, "open fifo: %s", strerror(errno));
        cr_assert(running(p),
                  "atail ended instead of following the FIFO: status %d, stdout \"%s\", "
                  "stderr \"%s\"",
                  p->status, p->out.data, p->err.data);
        cr_assert_lt(now_ms(), deadline, "atail does not have the FIFO open for reading");
        proc_wait_output(p, "\x01never", 5); /* no reader yet: reads output meanwhile */
    }
}

Test(cli_follow, fifo_by_name)
{
    const char *fifo = scratch_path("fifo");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    const char *argv[] = {atail(), "-f", fifo, NULL};
    struct proc *p = proc_start(argv, NULL, 0);

    int w = open_fifo_writer(p, fifo);
    cr_assert_eq(write(w, "one\n", 4), 4);
    close(w);
    expect_output(p, "one\n", "first writer");

    w = open_fifo_writer(p, fifo);
    cr_assert_eq(write(w, "two\n", 4), 4);
    close(w);
    expect_output(p, "one\ntwo\n", "second writer (a FIFO by name is followed)");
    stop_follower(p);
}

Test(cli_follow, closed_stdout_ends_atail)
{
    const char *f = scratch_path("pipe.log");
    write_str(f, "l1\nl2\nl3\n");

    /* Nothing more is written: atail must notice the reader left. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -f %s | head -1", atail(), f);
    long long t0 = now_ms();
    struct proc *p = run_sh(cmd, 10000);
    long long took = now_ms() - t0;
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->out.data, "l1\n");
    cr_assert_lt(took, WAIT_MS, "atail -f | head -1 took %lld ms", took);
    proc_free(p);

    /* The reader leaves after data arrived: atail notices (EPIPE or poll).
     * The reader is the shell's read/echo: unlike head, it does not buffer
     * what it prints. */
    snprintf(cmd, sizeof cmd,
             "%s -f -n 1 %s | { read a && echo \"$a\" && read b && echo \"$b\"; }; echo done",
             atail(), f);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    p = proc_start(argv, NULL, 0);
    expect_output(p, "l3\n", "last line");
    append_str(f, "l4\nl5\n");
    cr_assert(proc_wait_exit(p, WAIT_MS), "pipeline did not end after head exited");
    cr_assert_str_eq(p->out.data, "l3\nl4\ndone\n");
    cr_assert_str_eq(p->err.data, "", "the closed pipe must end atail quietly");
    proc_free(p);

    /* Without -f a big output into a closed pipe ends quietly too. */
    snprintf(cmd, sizeof cmd, "yes 0123456789 | head -c 3000000 > %s; %s -n +1 %s | head -c 10", f,
             atail(), f);
    p = run_sh(cmd, 10000);
    cr_assert_str_eq(p->out.data, "0123456789");
    cr_assert_str_eq(p->err.data, "");
    proc_free(p);
}

Test(cli_follow, sigterm_ends_it)
{
    const char *f = scratch_path("term.log");
    write_str(f, "x\n");
    const char *argv[] = {atail(), "-f", f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "x\n", "initial content");
    stop_follower(p);
}

Test(cli_follow, pid_ends_following)
{
    const char *f = scratch_path("pid.log");
    write_str(f, "start\n");
    const char *sleeper_argv[] = {"/bin/sleep", "60", NULL};
    struct proc *sleeper = proc_start(sleeper_argv, NULL, 0);
    char pid_opt[64];
    snprintf(pid_opt, sizeof pid_opt, "--pid=%d", (int)sleeper->pid);
    const char *argv[] = {atail(), "-f", pid_opt, f, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "start\n", "initial content");
    append_str(f, "last words\n");
    proc_stop(sleeper, SIGKILL, WAIT_MS);
    proc_free(sleeper);
    cr_assert(proc_wait_exit(p, WAIT_MS), "atail did not end when --pid died");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    cr_assert_str_eq(p->out.data, "start\nlast words\n");
    proc_free(p);

    /* A process that is already gone: output what is there, then exit. */
    const char *true_argv[] = {"/bin/true", NULL};
    struct proc *gone = run(true_argv, NULL, 0, WAIT_MS);
    snprintf(pid_opt, sizeof pid_opt, "--pid=%d", (int)gone->pid);
    proc_free(gone);
    const char *argv2[] = {atail(), "-f", pid_opt, f, NULL};
    p = run(argv2, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->out.data, "start\nlast words\n");
    proc_free(p);
}

Test(cli_follow, stdin_regular_file_is_followed)
{
    /* `atail -f < file`: standard input is a regular file, so it is
     * followed like a named one. */
    const char *f = scratch_path("redirected.log");
    write_str(f, "r1\n");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "exec %s -f < %s", atail(), f);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct proc *p = proc_start(argv, NULL, 0);
    expect_output(p, "r1\n", "initial content");
    append_str(f, "r2\n");
    expect_output(p, "r1\nr2\n", "appended to the file behind stdin");
    stop_follower(p);
}

Test(cli_follow, empty_files_get_headers_at_once)
{
    const char *e = scratch_path("empty.log"), *b = scratch_path("b.log");
    write_str(e, "");
    write_str(b, "b1\n");
    const char *argv_a[] = {atail(), "-f", "-n", "0", e, b, NULL};
    const char *argv_g[] = {GNU_TAIL, "-f", "-n", "0", e, b, NULL};
    struct proc *pa = proc_start(argv_a, NULL, 0);
    struct proc *pg = proc_start(argv_g, NULL, 0);
    char want[2048];
    snprintf(want, sizeof want, "==> %s <==\n\n==> %s <==\n", e, b);
    expect_output(pg, want, "GNU tail, initial");
    expect_output(pa, want, "headers of an empty file and of -n 0");
    append_str(b, "b2\n");
    strcat(want, "b2\n");
    expect_output(pg, want, "GNU tail, append to the last file");
    expect_output(pa, want, "append to the last file: no new header");
    append_str(e, "e1\n");
    size_t len = strlen(want);
    snprintf(want + len, sizeof want - len, "\n==> %s <==\ne1\n", e);
    expect_output(pg, want, "GNU tail, append to the empty file");
    expect_output(pa, want, "append to the empty file");
    stop_follower(pa);
    proc_stop(pg, SIGKILL, WAIT_MS);
    proc_free(pg);
}
