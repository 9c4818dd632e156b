/* test_demo.c - examples/async_tail, the exercise's program: it prints
 * exactly the lines its log_writer child writes, and on every way out
 * (enough lines, a signal, the child dying, stdout closed) leaves no
 * process behind. */
#include "harness.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_RE                                                                                    \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{4} seq=([0-9]+)$"

/* Runs async_tail with args (NULL-terminated) in the scratch directory. */
static struct proc *demo_start(const char *const *args)
{
    const char *argv[16] = {bin_path("async_tail")};
    for (size_t i = 0; args[i]; i++) {
        cr_assert_lt(i, 14);
        argv[i + 1] = args[i];
    }
    return proc_start(argv, scratch_dir(), 0);
}

#define START(...) demo_start((const char *const[]){__VA_ARGS__, NULL})

/* Checks that the output is exactly n lines of log_writer's format with
 * seq=1..n. */
static void check_output(const struct proc *p, int n)
{
    regex_t rx;
    cr_assert_eq(regcomp(&rx, LINE_RE, REG_EXTENDED), 0);
    const char *s = p->out.data;
    for (int i = 1; i <= n; i++) {
        const char *nl = strchr(s, '\n');
        cr_assert_not_null(nl, "line %d missing; output:\n%s", i, p->out.data);
        char line[256];
        cr_assert_lt((size_t)(nl - s), sizeof line);
        memcpy(line, s, (size_t)(nl - s));
        line[nl - s] = '\0';
        regmatch_t m[2];
        cr_assert_eq(regexec(&rx, line, 2, m, 0), 0, "bad line %d: %s", i, line);
        cr_assert_eq(atoi(line + m[1].rm_so), i, "line %d: %s", i, line);
        s = nl + 1;
    }
    cr_assert_str_eq(s, "", "more than %d lines:\n%s", n, p->out.data);
    regfree(&rx);
}

/* Fails if a process is left in the scratch directory (once async_tail
 * has exited, only its log_writer could be), killing it first so that a
 * failing test leaves nothing behind either. */
static void assert_no_leftover(void)
{
    pid_t pids[8];
    int n = scratch_procs(pids, 8);
    for (int i = 0; i < n && i < 8; i++)
        kill(pids[i], SIGKILL); /* not kill_scratch_procs(): it frees the test's procs */
    cr_assert_eq(n, 0, "%d process(es) left in the scratch directory, e.g. pid %d", n,
                 n ? pids[0] : 0);
}

/* After every test, failed or not: nothing may stay running. */
TestSuite(demo, .fini = kill_scratch_procs, .timeout = 60);

/* The log_writer child of p: the process in the scratch directory other
 * than p itself. */
static pid_t find_writer(const struct proc *p)
{
    pid_t pids[8];
    int n = scratch_procs(pids, 8);
    for (int i = 0; i < n && i < 8; i++)
        if (pids[i] != p->pid)
            return pids[i];
    cr_assert_fail("no log_writer found");
    return -1;
}

Test(demo, prints_exactly_ten_lines_and_reaps_the_writer)
{
    struct proc *p = START("-i", "0.05");
    cr_assert(proc_wait_exit(p, 20000), "async_tail did not exit");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    check_output(p, 10);
    cr_assert_eq(p->err.len, 0, "stderr: %s", p->err.data);
    assert_no_leftover();
    cr_assert_eq(access(scratch_path("app.log"), F_OK), 0, "app.log not created");
    proc_free(p);
}

Test(demo, old_content_is_not_printed)
{
    write_str(scratch_path("app.log"), "old line 1\nold line 2 seq=99\n");
    struct proc *p = START("-i", "0.05");
    cr_assert(proc_wait_exit(p, 20000));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    check_output(p, 10);
    assert_no_leftover();
    proc_free(p);
}

Test(demo, line_count_option_and_argument)
{
    struct proc *p = START("-i", "0.02", "-n", "3");
    cr_assert(proc_wait_exit(p, 20000));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    check_output(p, 3);
    proc_free(p);
    assert_no_leftover();

    remove(scratch_path("app.log"));
    p = START("-i", "0.02", "25");
    cr_assert(proc_wait_exit(p, 20000));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    check_output(p, 25);
    proc_free(p);
    assert_no_leftover();
}

Test(demo, bad_usage_exits_2_without_starting_the_writer)
{
    const char *cases[][3] = {{"-n", "0"}, {"-n", "x"}, {"-1"}, {"3", "4"}, {"-z"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct proc *p = demo_start(cases[i]);
        cr_assert(proc_wait_exit(p, 10000));
        cr_assert_eq(exit_code(p), 2, "case %zu: exit %d", i, exit_code(p));
        cr_assert(strstr(p->err.data, "usage"), "case %zu: stderr: %s", i, p->err.data);
        proc_free(p);
        assert_no_leftover();
    }
}

/* Starts a long run, waits for 3 lines, then sends sig to async_tail. */
static void stop_with(int sig, int want_code)
{
    struct proc *p = START("-i", "0.05", "-n", "100000");
    cr_assert(proc_wait_count(p, '\n', 3, 10000), "no output: %s", p->err.data);
    kill(p->pid, sig);
    cr_assert(proc_wait_exit(p, 10000), "async_tail ignored signal %d", sig);
    cr_assert_eq(exit_code(p), want_code, "stderr: %s", p->err.data);
    assert_no_leftover();
    proc_free(p);
}

Test(demo, sigint_stops_and_reaps_the_writer)
{
    stop_with(SIGINT, 130);
}

Test(demo, sigterm_stops_and_reaps_the_writer)
{
    stop_with(SIGTERM, 143);
}

/* Kills the writer with sig while async_tail runs. */
static void kill_writer(int sig)
{
    struct proc *p = START("-i", "0.05", "-n", "100000");
    cr_assert(proc_wait_count(p, '\n', 2, 10000), "no output: %s", p->err.data);
    cr_assert_eq(kill(find_writer(p), sig), 0);
    cr_assert(proc_wait_exit(p, 10000), "async_tail did not notice its writer died");
    cr_assert_eq(exit_code(p), 1, "stderr: %s", p->err.data);
    cr_assert(strstr(p->err.data, "async_tail: log_writer exited early"), "stderr: %s",
              p->err.data);
    assert_no_leftover();
    proc_free(p);
}

Test(demo, writer_killed_makes_it_fail)
{
    kill_writer(SIGKILL);
}

Test(demo, writer_terminated_makes_it_fail)
{
    kill_writer(SIGTERM);
}

Test(demo, bad_interval_is_reported_by_the_writer)
{
    struct proc *p = START("-i", "soon");
    cr_assert(proc_wait_exit(p, 10000));
    cr_assert_eq(exit_code(p), 1);
    cr_assert(strstr(p->err.data, "log_writer: invalid interval"), "stderr: %s", p->err.data);
    cr_assert(strstr(p->err.data, "async_tail: log_writer exited early"), "stderr: %s",
              p->err.data);
    cr_assert_eq(p->out.len, 0);
    proc_free(p);
}

Test(demo, closed_stdout_stops_and_reaps_the_writer)
{
    char cmd[PATH_MAX * 2 + 64];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' -i 0.02 100000 | head -n 2", scratch_dir(),
             bin_path("async_tail"));
    struct proc *p = run_sh(cmd, 20000);
    cr_assert_eq(exit_code(p), 0);
    cr_assert_eq(strlen(p->out.data) > 0, 1);
    assert_no_leftover();
    proc_free(p);
}

Test(demo, missing_log_writer_is_reported)
{
    /* A copy of async_tail with no log_writer beside it nor on $PATH. */
    char cmd[PATH_MAX * 2 + 64];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", bin_path("async_tail"), scratch_path("lonely"));
    proc_free(run_sh(cmd, 10000));
    setenv("PATH", "/nonexistent", 1);
    const char *argv[] = {scratch_path("lonely"), NULL};
    struct proc *p = proc_start(argv, scratch_dir(), 0);
    cr_assert(proc_wait_exit(p, 10000));
    cr_assert_eq(exit_code(p), 1);
    cr_assert(strstr(p->err.data, "async_tail: log_writer: "), "stderr: %s", p->err.data);
    proc_free(p);
}

Test(demo, real_default_one_line_per_second)
{
    struct proc *p = START(NULL);
    long long t0 = now_ms(), first = 0;
    for (size_t n = 1; n <= 10; n++) {
        cr_assert(proc_wait_count(p, '\n', n, 5000), "line %zu late; output:\n%s", n, p->out.data);
        if (n == 1)
            first = now_ms();
    }
    long long last = now_ms();
    cr_assert(proc_wait_exit(p, 5000), "async_tail did not exit after 10 lines");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    check_output(p, 10);
    /* The first line at once, then one per second: 9 s from the first to
     * the tenth. */
    cr_assert_lt(first - t0, 2000, "first line after %lld ms", first - t0);
    cr_assert_geq(last - first, 8000, "10 lines in %lld ms", last - first);
    cr_assert_lt(last - first, 15000, "10 lines in %lld ms", last - first);
    assert_no_leftover();
    proc_free(p);
}

/* `make demo`, as a newcomer's first command: the exercise's lines and
 * nothing else (the build says one line, when it builds anything). Run on
 * this build directory, up to date or nearly, at 20 lines a second. */
Test(demo, make_demo_shows_only_the_exercise)
{
    const char *src = getenv("ATAIL_SOURCE_DIR"), *bin = getenv("ATAIL_BIN_DIR");
    cr_assert(src && bin, "run the tests through ctest");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "make -C %s --no-print-directory demo BUILD=%s DEMO_ARGS='-i 0.05'",
             src, bin);
    struct proc *p = run_sh(cmd, 120000);
    cr_assert_eq(exit_code(p), 0, "stdout: %s\nstderr: %s", p->out.data, p->err.data);
    cr_expect_eq(p->err.len, 0, "stderr: %s", p->err.data);
    const char *lines = p->out.data;
    if (strncmp(lines, "Built ", 6) == 0) /* relinked meanwhile: one line says so */
        lines = strchr(lines, '\n') + 1;
    struct proc only = {.out = {.data = (char *)lines, .len = strlen(lines)}};
    check_output(&only, 10);
    proc_free(p);

    /* A failed build is shown, with what failed. */
    snprintf(cmd, sizeof cmd, "%s/scripts/quiet-build.sh %s 1 no_such_target", src, bin);
    p = run_sh(cmd, 120000);
    cr_expect_neq(exit_code(p), 0);
    cr_expect(strstr(p->err.data, "no_such_target") != NULL, "stderr: %s", p->err.data);
    cr_expect(strstr(p->err.data, "Building no_such_target failed") != NULL, "stderr: %s",
              p->err.data);
    proc_free(p);
}
