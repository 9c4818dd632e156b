/* atail --state: resuming where the last run stopped (without following,
 * after a clean stop, after kill -9 in the middle of a stream, after a
 * rotation while stopped), the lock between two processes, a damaged state
 * file, and saves that fail for want of space (a save redirected to
 * /dev/full, and a full tmpfs where mounting is allowed). */
#include "cli_common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *mounted; /* the tmpfs of save_fails_on_a_full_tmpfs */

static void kill_leftovers(void)
{
    kill_scratch_procs();
    if (mounted)
        umount2(mounted, MNT_DETACH); /* even when the test failed half-way */
    mounted = NULL;
}

TestSuite(cli_state, .fini = kill_leftovers, .timeout = 180);

Test(cli_state, resumes_without_following)
{
    const char *f = scratch_path("plain.log");
    const char *st = scratch_path("plain.state");
    write_str(f, "1\n2\n3\n");
    const char *argv[] = {atail(), "-n", "+1", "--state", st, f, NULL};
    struct proc *p = run(argv, NULL, 0, WAIT_MS);
    cr_expect_str_eq(p->out.data, "1\n2\n3\n");
    cr_expect_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    proc_free(p);

    append_str(f, "4\n5\n");
    p = run(argv, NULL, 0, WAIT_MS);
    cr_expect_str_eq(p->out.data, "4\n5\n", "the second run starts where the first stopped");
    proc_free(p);

    p = run(argv, NULL, 0, WAIT_MS);
    cr_expect_str_eq(p->out.data, "", "nothing new");
    cr_expect_eq(exit_code(p), 0);
    proc_free(p);

    /* The start options do not matter once the file has a position. */
    append_str(f, "6\n");
    const char *argv_last[] = {atail(), "-n", "1", "--state", st, f, NULL};
    p = run(argv_last, NULL, 0, WAIT_MS);
    cr_expect_str_eq(p->out.data, "6\n");
    proc_free(p);
}

/* Sequence numbers of the complete lines of out, appended to seqs. */
static size_t parse_seqs(const struct buf *out, long *seqs, size_t n, size_t max)
{
    const char *end = out->data + out->len;
    while (end > out->data && end[-1] != '\n')
        end--; /* a line cut by kill -9 does not count */
    for (const char *s = out->data; s < end && (s = strstr(s, "seq=")) != NULL && s < end; s += 4)
        if (n < max)
            seqs[n++] = strtol(s + 4, NULL, 10);
    return n;
}

struct runs {
    long *seqs;
    size_t n;
    size_t starts[64]; /* index of each run's first line */
    int n_runs;
};

/* Checks the concatenated output of the runs: no line missing, lines in
 * order within a run, and at each restart only lines of the previous run
 * again (at most max_dup of them). Returns the largest repeat. */
static long check_runs(const struct runs *r, long last, long max_dup)
{
    long worst = 0, next = 1;
    int run_i = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (run_i < r->n_runs && r->starts[run_i] == i) {
            run_i++;
            long dup = next - r->seqs[i];
            cr_assert_geq(dup, 0, "run %d starts at seq=%ld: lines %ld..%ld are missing", run_i,
                          r->seqs[i], next, r->seqs[i] - 1);
            cr_assert_leq(dup, max_dup, "run %d repeats %ld lines (at most %ld allowed)", run_i,
                          dup, max_dup);
            if (dup > worst)
                worst = dup;
        } else {
            cr_assert_eq(r->seqs[i], next, "seq=%ld where seq=%ld was due", r->seqs[i], next);
        }
        next = r->seqs[i] + 1;
    }
    cr_assert_eq(next, last + 1, "the output ends at seq=%ld, not %ld", next - 1, last);
    return worst;
}

/* kill -9 atail several times while a writer writes; restart it each time
 * with the same state. */
static void kill9_restarts(const char *sync, long max_dup)
{
    const long total = 8000;
    const char *f = scratch_path("crash.log");
    const char *st = scratch_path("crash.state");
    write_str(f, "");
    char count[32];
    snprintf(count, sizeof count, "%ld", total);
    struct proc *w = start_in_scratch((const char *[]){bin_path("log_writer"), "--count", count,
                                                       "--rate", "4000", "--file", f, NULL});
    struct runs r = {.seqs = calloc((size_t)total * 4, sizeof(long))};
    cr_assert_not_null(r.seqs);
    const char *argv[] = {atail(), "-F", "-n", "+1", "--state", st, "--state-interval=0.1",
                          sync,    f,    NULL};
    for (int i = 0; i < 5; i++) {
        struct proc *a = start_in_scratch(argv);
        /* Some hundreds of lines, then the crash. */
        proc_wait_count(a, '\n', 300 + (size_t)i * 137, WAIT_MS);
        kill(a->pid, SIGKILL);
        cr_assert(proc_wait_exit(a, WAIT_MS));
        r.starts[r.n_runs++] = r.n;
        r.n = parse_seqs(&a->out, r.seqs, r.n, (size_t)total * 4);
        proc_free(a);
    }
    cr_assert(proc_wait_exit(w, WAIT_MS * 3), "log_writer did not end");
    proc_free(w);
    struct proc *a = start_in_scratch(argv);
    char last[64];
    snprintf(last, sizeof last, "seq=%ld\n", total);
    cr_assert(proc_wait_output(a, last, WAIT_MS), "the last run did not reach %s", last);
    stop_by(a, SIGTERM);
    r.starts[r.n_runs++] = r.n;
    r.n = parse_seqs(&a->out, r.seqs, r.n, (size_t)total * 4);
    proc_free(a);
    long worst = check_runs(&r, total, max_dup);
    cr_log_info("%s: at most %ld lines repeated after kill -9", sync, worst);
    free(r.seqs);
}

/* One write of raw output is at most a read of the library (128 KiB):
 * log_writer's lines here are 35 bytes or more. */
#define LINES_PER_WRITE (128 * 1024 / 35)

/* Saved every 0.1 s: what was output since the last save may come again
 * (the write in flight, and 0.1 s of lines at 4000 lines/s), nothing
 * else. */
Test(cli_state, kill9_restarts_lose_nothing)
{
    kill9_restarts("--state-sync=interval", LINES_PER_WRITE + 400);
}

/* Saved after every write: at most the write in flight comes again. */
Test(cli_state, kill9_restarts_state_sync_line)
{
    kill9_restarts("--state-sync=line", LINES_PER_WRITE);
}

/* A clean stop saves: no line twice, whichever sync. */
static void clean_stops(const char *sync)
{
    const char *f = scratch_path("clean.log");
    const char *st = scratch_path("clean.state");
    write_str(f, "");
    struct proc *w = start_in_scratch((const char *[]){bin_path("log_writer"), "--count", "3000",
                                                       "--rate", "3000", "--file", f, NULL});
    struct runs r = {.seqs = calloc(3000 * 4, sizeof(long))};
    const char *argv[] = {atail(), "-F", "-n", "+1", "--state", st, sync, f, NULL};
    static const int stops[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        struct proc *a = start_in_scratch(argv);
        proc_wait_count(a, '\n', 200, WAIT_MS);
        stop_by(a, stops[i]);
        r.starts[r.n_runs++] = r.n;
        r.n = parse_seqs(&a->out, r.seqs, r.n, 3000 * 4);
        proc_free(a);
    }
    cr_assert(proc_wait_exit(w, WAIT_MS * 2));
    proc_free(w);
    /* The rest, if the runs above did not print it all (a slow stop, under
     * valgrind, may have): without -F, atail ends at the end. */
    const char *rest[] = {atail(), "-n", "+1", "--state", st, sync, f, NULL};
    struct proc *a = start_in_scratch(rest);
    cr_assert(proc_wait_exit(a, WAIT_MS), "atail without -F did not end");
    cr_assert_eq(exit_code(a), 0, "stderr: %s", a->err.data);
    r.starts[r.n_runs++] = r.n;
    r.n = parse_seqs(&a->out, r.seqs, r.n, 3000 * 4);
    proc_free(a);
    check_runs(&r, 3000, 0);
    free(r.seqs);
}

Test(cli_state, clean_stop_repeats_nothing_state_sync_line)
{
    clean_stops("--state-sync=line");
}

Test(cli_state, clean_stop_repeats_nothing_interval)
{
    clean_stops("--state-interval=5");
}

/* Rotated while stopped: the rest of the old file, then the new one. */
Test(cli_state, rotation_while_stopped)
{
    write_str(scratch_path("rot.log"), "1\n2\n");
    const char *argv[] = {atail(), "-F", "--state=rot.state", "rot.log", NULL};
    struct proc *a = start_in_scratch(argv);
    expect_output(a, "1\n2\n", "first run");
    stop_by(a, SIGTERM);
    proc_free(a);
    append_str(scratch_path("rot.log"), "3\n4\n");
    cr_assert_eq(rename(scratch_path("rot.log"), scratch_path("rot.log.1")), 0);
    write_str(scratch_path("rot.log"), "5\n");
    a = start_in_scratch(argv);
    expect_output(a, "3\n4\n5\n", "second run: the rotated file's rest, then the new file");
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* Waits until stat(path) succeeds and, if `other` is given, names another
 * inode than it (the state file is replaced at each save: a new inode is a
 * new save). */
static void wait_state(const char *path, struct stat *st, const struct stat *other)
{
    long long deadline = now_ms() + WAIT_MS;
    while ((stat(path, st) < 0 || (other && st->st_ino == other->st_ino)) && now_ms() < deadline)
        poll(NULL, 0, 10);
}

/* kill -9 a, start argv again, append `line` to log: only it comes out. */
static void kill9_then_only_new(struct proc *a, const char *const argv[], const char *log,
                                const char *line, const char *what)
{
    kill(a->pid, SIGKILL);
    cr_assert(proc_wait_exit(a, WAIT_MS));
    proc_free(a);
    a = start_in_scratch(argv);
    wait_inotify_watch(a);
    append_str(scratch_path(log), line);
    expect_output(a, line, what);
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* The first commit of a run is saved at once, whatever the interval: a run
 * killed before its first periodic save does not make every later run print
 * again what it printed. */
Test(cli_state, first_commit_saved_at_once)
{
    write_str(scratch_path("k.log"), "1\n2\n3\n");
    const char *argv[] = {atail(), "-f", "-n", "+1", "--state=k.state", "--state-interval=3600",
                          "k.log", NULL};
    struct proc *a = start_in_scratch(argv);
    expect_output(a, "1\n2\n3\n", "first run");
    struct stat st;
    wait_state(scratch_path("k.state"), &st, NULL);
    kill9_then_only_new(a, argv, "k.log", "4\n", "after kill -9: nothing printed again");
}

/* A file's initial content is saved once it is out, whatever the interval:
 * a restart's catch-up is not printed again after a kill -9. */
Test(cli_state, saved_when_the_initial_content_is_out)
{
    FILE *w = fopen(scratch_path("big.log"), "w");
    cr_assert_not_null(w);
    for (int i = 1; i <= 100000; i++)
        fprintf(w, "line %d\n", i);
    cr_assert_eq(fclose(w), 0);
    const char *argv[] = {atail(),   "-f", "-n", "+1", "--state=big.state", "--state-interval=3600",
                          "big.log", NULL};
    struct proc *a = start_in_scratch(argv);
    cr_assert(proc_wait_output(a, "line 100000\n", WAIT_MS));
    /* The first commit (the first write) was saved at once; the end of the
     * initial content makes one more save. */
    struct stat first, now;
    wait_state(scratch_path("big.state"), &first, NULL);
    wait_state(scratch_path("big.state"), &now, &first);
    kill9_then_only_new(a, argv, "big.log", "new\n",
                        "after kill -9: the initial content is not printed again");
}

Test(cli_state, two_processes_one_state_file)
{
    write_str(scratch_path("lock.log"), "x\n");
    const char *argv[] = {atail(), "-F", "--state=lock.state", "lock.log", NULL};
    struct proc *a = start_in_scratch(argv);
    expect_output(a, "x\n", "first process");
    struct proc *b = proc_start(argv, scratch_dir(), 0);
    cr_assert(proc_wait_exit(b, WAIT_MS));
    cr_expect_str_eq(b->err.data,
                     "atail: state file 'lock.state' is in use by another atail process\n");
    cr_expect_str_eq(b->out.data, "");
    cr_expect_eq(exit_code(b), 1);
    proc_free(b);
    stop_by(a, SIGTERM);
    proc_free(a);
}

Test(cli_state, damaged_state_file)
{
    write_str(scratch_path("d.log"), "x\n");
    static const char *const garbage[] = {"not a state file\n", "", "\x01\x02\x03"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        write_str(scratch_path("d.state"), garbage[i]);
        const char *argv[] = {atail(), "--state", scratch_path("d.state"), scratch_path("d.log"),
                              NULL};
        struct proc *p = run(argv, NULL, 0, WAIT_MS);
        char want[512];
        snprintf(want, sizeof want,
                 "atail: state file '%s' is damaged or not an atail state file\n",
                 scratch_path("d.state"));
        cr_expect_str_eq(p->err.data, want, "case %zu", i);
        cr_expect_eq(exit_code(p), 1);
        cr_expect_str_eq(p->out.data, "", "case %zu", i);
        proc_free(p);
    }
}

/* A save that fails is said, following goes on, and the exit status is 1.
 * The state file's temporary file is made a link to /dev/full, where every
 * write fails with ENOSPC (the library removes it after the failure, so
 * the next save works). */
Test(cli_state, save_fails_for_want_of_space)
{
    write_str(scratch_path("full.log"), "0\n");
    struct proc *sleeper = start_in_scratch((const char *[]){"/bin/sleep", "60", NULL});
    char pid_opt[64];
    snprintf(pid_opt, sizeof pid_opt, "--pid=%d", (int)sleeper->pid);
    struct proc *a =
        start_in_scratch((const char *[]){atail(), "-F", "-n", "+1", "--state=full.state",
                                          "--state-sync=line", pid_opt, "full.log", NULL});
    expect_output(a, "0\n", "initial content (saved)");
    char tmp[64];
    snprintf(tmp, sizeof tmp, "full.state.tmp.%d", (int)a->pid);
    /* The save after the first write may still be under way. */
    long long deadline = now_ms() + WAIT_MS;
    while (symlink("/dev/full", scratch_path(tmp)) != 0) {
        cr_assert(errno == EEXIST && now_ms() < deadline, "symlink: %s", strerror(errno));
        proc_wait_output(a, "\x01never", 5);
    }
    append_str(scratch_path("full.log"), "a\n");
    expect_output(a, "0\na\n", "output goes on");
    expect_stderr(a, "atail: cannot save state to 'full.state': No space left on device\n",
                  "failed save");
    append_str(scratch_path("full.log"), "b\n");
    expect_output(a, "0\na\nb\n", "following goes on after the failed save");
    proc_stop(sleeper, SIGKILL, WAIT_MS);
    proc_free(sleeper);
    cr_assert(proc_wait_exit(a, WAIT_MS), "atail did not end with its --pid");
    cr_expect_eq(exit_code(a), 1, "a failed save makes the exit status 1");
    cr_expect_str_eq(a->err.data,
                     "atail: cannot save state to 'full.state': No space left on device\n");
    proc_free(a);

    /* The later save worked: a new run starts after b. */
    append_str(scratch_path("full.log"), "c\n");
    struct proc *p =
        start_in_scratch((const char *[]){atail(), "--state=full.state", "full.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->out.data, "c\n");
    proc_free(p);
}

/* The same on a really full filesystem: a 64 KiB tmpfs, where mounting is
 * allowed (root). Periodic saves fail; said once. */
Test(cli_state, save_fails_on_a_full_tmpfs)
{
    const char *mnt = scratch_path("small");
    cr_assert_eq(mkdir(mnt, 0755), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0)
        cr_skip_test("cannot mount a tmpfs here: %s", strerror(errno));
    mounted = mnt;
    char filler[256];
    snprintf(filler, sizeof filler, "%s/filler", mnt);
    int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char block[4096];
    while (fd >= 0 && write(fd, block, sizeof block) > 0)
        ;
    if (fd >= 0)
        close(fd);
    write_str(scratch_path("t.log"), "1\n");
    struct proc *sleeper = start_in_scratch((const char *[]){"/bin/sleep", "60", NULL});
    char pid_opt[64];
    snprintf(pid_opt, sizeof pid_opt, "--pid=%d", (int)sleeper->pid);
    struct proc *a =
        start_in_scratch((const char *[]){atail(), "-F", "-n", "+1", "--state=small/t.state",
                                          "--state-interval=0.05", pid_opt, "t.log", NULL});
    expect_output(a, "1\n", "initial content");
    const char *want = "atail: cannot save state to 'small/t.state': No space left on device\n";
    expect_stderr(a, want, "failed periodic save");
    append_str(scratch_path("t.log"), "2\n");
    expect_output(a, "1\n2\n", "following goes on");
    proc_stop(sleeper, SIGKILL, WAIT_MS);
    proc_free(sleeper);
    cr_assert(proc_wait_exit(a, WAIT_MS));
    cr_expect_eq(exit_code(a), 1);
    cr_expect_str_eq(a->err.data, want, "the same failure is said once");
    proc_free(a);
}

/* Two rename rotations while atail is stopped: the rest of the saved file
 * (now r.log.2), all of the middle generation (r.log.1), then r.log. The
 * state file sits next to the log (r.log.state): not a generation. */
Test(cli_state, two_rotations_while_stopped_read_every_generation)
{
    write_str(scratch_path("r.log"), "1\n2\n");
    const char *argv[] = {atail(), "-F", "--state=r.log.state", "r.log", NULL};
    struct proc *a = start_in_scratch(argv);
    expect_output(a, "1\n2\n", "first run");
    stop_by(a, SIGTERM);
    proc_free(a);
    append_str(scratch_path("r.log"), "3\n");
    cr_assert_eq(rename(scratch_path("r.log"), scratch_path("r.log.1")), 0);
    write_str(scratch_path("r.log"), "4\n");
    cr_assert_eq(rename(scratch_path("r.log.1"), scratch_path("r.log.2")), 0);
    cr_assert_eq(rename(scratch_path("r.log"), scratch_path("r.log.1")), 0);
    write_str(scratch_path("r.log"), "5\n");
    a = start_in_scratch(argv);
    expect_output(a, "3\n4\n5\n", "the rest of r.log.2, all of r.log.1, then r.log");
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* Rotated while stopped, and the new file not created yet when atail
 * starts (between logrotate's rename and the writer's create): the rest of
 * the rotated file (line 3), then the new file when it comes. */
Test(cli_state, rotated_while_stopped_name_missing_at_restart)
{
    write_str(scratch_path("m.log"), "1\n2\n");
    const char *argv[] = {atail(), "-F", "--state=m.state", "m.log", NULL};
    struct proc *a = start_in_scratch(argv);
    expect_output(a, "1\n2\n", "first run");
    stop_by(a, SIGTERM);
    proc_free(a);
    append_str(scratch_path("m.log"), "3\n");
    cr_assert_eq(rename(scratch_path("m.log"), scratch_path("m.log.1")), 0);
    a = start_in_scratch(argv);
    wait_inotify_watch(a);
    write_str(scratch_path("m.log"), "4\n");
    expect_output(a, "3\n4\n", "the rest of m.log.1, then the new m.log");
    /* The name was missing, but its file was found: no "cannot open". */
    const char notice[] = "atail: 'm.log' has been replaced;  following new file\n";
    expect_stderr(a, notice, "the switch to the new m.log");
    stop_by(a, SIGTERM);
    cr_expect_str_eq(a->err.data, notice);
    proc_free(a);
}
