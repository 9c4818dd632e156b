/* atail --spawn: the command runs while atail follows; atail ends once it
 * has ended and its last lines are out. SIGTERM, SIGINT, SIGHUP and a
 * reader that leaves stop and reap it (and what it started), even when it
 * was stopped; nothing is left in /proc. A failing command is said; atail's
 * status stays its own. */
#include "cli_common.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(cli_spawn, .fini = kill_leftovers, .timeout = 120);

/* No process other than the test's children runs in the scratch
 * directory: what atail started has been reaped. Waits a little for
 * zombies of other tests' processes to go. */
static void expect_no_process_left(const char *what)
{
    pid_t pids[16];
    long long deadline = now_ms() + WAIT_MS;
    int n;
    while ((n = scratch_procs(pids, 16)) > 0 && now_ms() < deadline)
        sleep_ms(10);
    cr_expect_eq(n, 0, "%s: %d process(es) left, the first %d", what, n, n > 0 ? (int)pids[0] : 0);
}

static struct proc *writer_run(const char *extra_arg)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --count 50 --interval 0.01 --file spawn.log",
             bin_path("log_writer"));
    write_str(scratch_path("spawn.log"), "");
    const char *argv[] = {atail(), "-n", "+1", "--spawn", cmd, extra_arg, "spawn.log", NULL};
    if (!extra_arg) {
        argv[5] = "spawn.log";
        argv[6] = NULL;
    }
    return start_in_scratch(argv);
}

static void expect_50_lines(struct proc *p)
{
    long next = 1;
    for (const char *s = p->out.data; (s = strstr(s, "seq=")) != NULL; s += 4, next++)
        cr_assert_eq(strtol(s + 4, NULL, 10), next, "line %ld", next);
    cr_assert_eq(next, 51, "%ld lines of 50", next - 1);
}

Test(cli_spawn, runs_the_command_and_ends_with_it)
{
    static const char *const modes[] = {NULL, "-f", "-F", "--follow=name"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        struct proc *p = writer_run(modes[i]);
        cr_assert(proc_wait_exit(p, WAIT_MS), "atail did not end with its command (case %zu)", i);
        cr_expect_eq(exit_code(p), 0, "case %zu: stderr %s", i, p->err.data);
        cr_expect_str_eq(p->err.data, "", "case %zu", i);
        expect_50_lines(p);
        proc_free(p);
        expect_no_process_left("after the command ended");
    }
}

/* Stopped by a signal: the command (here a shell that forked sleep) is
 * stopped and reaped, quickly (SIGTERM, not the SIGKILL after 2 s), and
 * atail dies of the signal. */
static void stopped_by(int sig, const char *command)
{
    write_str(scratch_path("s.log"), "ready\n");
    struct proc *p =
        start_in_scratch((const char *[]){atail(), "-F", "--spawn", command, "s.log", NULL});
    expect_output(p, "ready\n", "started");
    long long t0 = now_ms();
    stop_by(p, sig);
    long long took = now_ms() - t0;
    cr_expect_lt(took, 1500, "stopping took %lld ms: the command did not die of SIGTERM", took);
    proc_free(p);
    expect_no_process_left("after the signal");
}

Test(cli_spawn, sigterm_stops_and_reaps_the_command)
{
    stopped_by(SIGTERM, "sleep 60; true");
}

Test(cli_spawn, sigint_and_sighup_too)
{
    stopped_by(SIGINT, "sleep 60; true");
    stopped_by(SIGHUP, "sleep 60 & sleep 60; wait");
}

/* What the command started outlives the shell and ignores SIGTERM: atail
 * (a child subreaper) kills it after the grace period and reaps it, so
 * nothing of the command is left once atail has exited. */
Test(cli_spawn, grandchild_ignoring_sigterm_is_killed_and_reaped)
{
    write_str(scratch_path("s.log"), "");
    struct proc *p = start_in_scratch((const char *[]){
        atail(), "-F", "--spawn",
        "sh -c 'trap \"\" TERM; echo armed >> s.log; exec sleep 60'; true", "s.log", NULL});
    expect_output(p, "armed\n", "the grandchild ignores SIGTERM");
    stop_by(p, SIGTERM);
    proc_free(p);
    pid_t pids[4];
    int n = scratch_procs(pids, 4); /* at once: atail has reaped them all */
    cr_expect_eq(n, 0, "%d process(es) left after atail exited, the first %d", n,
                 n > 0 ? (int)pids[0] : 0);
}

/* What the command leaves behind (here background jobs of a shell that
 * exited: orphans, which come to atail, a child subreaper) is reaped as
 * it ends, while atail goes on following: no zombie piles up. */
Test(cli_spawn, orphans_are_reaped_while_following)
{
    write_str(scratch_path("o.log"), "");
    struct proc *p = start_in_scratch((const char *[]){
        atail(), "-F", "--spawn",
        "sh -c 'sleep 0.2 & sleep 0.2 & sleep 0.2 &'; echo armed >> o.log; exec sleep 60", "o.log",
        NULL});
    expect_output(p, "armed\n", "the shell left three sleeps behind");
    int n, zombies;
    long long deadline = now_ms() + WAIT_MS;
    while (((n = proc_children(p->pid, &zombies)) != 1 || zombies) && now_ms() < deadline)
        sleep_ms(20);
    cr_expect_eq(zombies, 0, "%d zombie(s) of atail: the orphans were not reaped", zombies);
    cr_expect_eq(n, 1, "atail has %d children: want only the command", n);
    cr_expect(proc_running(p), "atail still follows");
    stop_by(p, SIGTERM);
    proc_free(p);
}

Test(cli_spawn, stopped_command_is_continued_and_stopped)
{
    stopped_by(SIGTERM, "kill -STOP $$; sleep 60");
}

/* The reader of standard output leaves: atail ends quietly, stopping the
 * command. */
Test(cli_spawn, reader_leaves)
{
    write_str(scratch_path("r.log"), "one\ntwo\n");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && %s -F --spawn 'sleep 60; true' r.log | head -1",
             scratch_dir(), atail());
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect_str_eq(p->out.data, "one\n");
    cr_expect_str_eq(p->err.data, "");
    proc_free(p);
    expect_no_process_left("after the reader left");
}

Test(cli_spawn, failing_command_is_said)
{
    write_str(scratch_path("f.log"), "");
    struct proc *p = start_in_scratch(
        (const char *[]){atail(), "--spawn", "echo out >> f.log; exit 3", "f.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->out.data, "out\n", "what it wrote is out first");
    cr_expect_str_eq(p->err.data, "atail: the --spawn command exited with status 3\n");
    cr_expect_eq(exit_code(p), 0, "atail's own status");
    proc_free(p);

    p = start_in_scratch((const char *[]){atail(), "--spawn", "kill -9 $$", "f.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->err.data, "atail: the --spawn command was killed by signal 9 (Killed)\n");
    cr_expect_eq(exit_code(p), 0);
    proc_free(p);
    expect_no_process_left("after failed commands");
}

Test(cli_spawn, bad_combinations)
{
    write_str(scratch_path("b.log"), "");
    struct proc *p =
        start_in_scratch((const char *[]){atail(), "--spawn", "true", "--pid=1", "b.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->err.data, "atail: --spawn and --pid cannot be used together\n");
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);

    /* Nothing to follow: the command is not started. */
    p = start_in_scratch(
        (const char *[]){atail(), "--spawn", "touch started", "missing.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->err.data, "atail: cannot open 'missing.log' for reading: No such file or "
                                  "directory\natail: no files remaining\n");
    cr_expect_eq(exit_code(p), 1);
    cr_expect_neq(access(scratch_path("started"), F_OK), 0);
    proc_free(p);
}
