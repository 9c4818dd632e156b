/* atail -F / --follow=name / --retry: rotation by rename and by delete,
 * a name missing at the start that appears, truncation, a name replaced
 * by a directory and back, a name given up without --retry; the messages
 * side by side with GNU tail 9.1's (its polling mode, whose wording for a
 * rename is "has been replaced", like atail's). The polling backend
 * (-s, ---disable-inotify), --pid with -F, and a writer rotating under
 * load with nothing lost or repeated, on both backends. */
#include "cli_common.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* GNU in polling mode rechecks names after 5 unchanged looks: every 50 ms
 * here. */
#define GNU_POLL "---disable-inotify", "-s", "0.05"

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(cli_name, .fini = kill_leftovers, .timeout = 120);

/* atail (a) and GNU tail (g) run the same steps: both outputs must become
 * `want`, and the stderr of each must hold `err`. */
static void both_output(struct proc *a, struct proc *g, const char *want, const char *what)
{
    char label[256];
    snprintf(label, sizeof label, "GNU tail, %s", what);
    expect_output(g, want, label);
    expect_output(a, want, what);
}

/* `want` as GNU words it: "atail: " at the start of a line is
 * "/usr/bin/tail: ". */
static char *as_gnu(const char *want)
{
    static char out[4096];
    size_t n = 0;
    for (const char *s = want; *s && n < sizeof out - 32;) {
        if ((s == want || s[-1] == '\n') && strncmp(s, "atail: ", 7) == 0) {
            n += (size_t)snprintf(out + n, sizeof out - n, "%s: ", GNU_TAIL);
            s += 7;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    return out;
}

static void both_stderr(struct proc *a, struct proc *g, const char *want, const char *what)
{
    char label[256];
    snprintf(label, sizeof label, "GNU tail, %s", what);
    expect_stderr(g, as_gnu(want), label);
    expect_stderr(a, want, what);
}

static void rename_path(const char *from, const char *to)
{
    cr_assert_eq(rename(scratch_path(from), scratch_path(to)), 0);
}

Test(cli_name, rename_rotation_as_gnu)
{
    write_str(scratch_path("x"), "1\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "x", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-F", GNU_POLL, "x", NULL});
    both_output(a, g, "1\n", "initial content");
    write_str(scratch_path("x.new"), "2\n");
    rename_path("x", "x.1");
    rename_path("x.new", "x");
    both_output(a, g, "1\n2\n", "the new file");
    append_str(scratch_path("x"), "3\n");
    both_output(a, g, "1\n2\n3\n", "appended to the new file");
    same_stderr(a, g, "atail: 'x' has been replaced;  following new file\n");
}

Test(cli_name, delete_then_create_as_gnu)
{
    write_str(scratch_path("x"), "1\n");
    struct proc *a =
        start_in_scratch((const char *[]){atail(), "-F", "--rotate-grace=0.1", "x", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-F", GNU_POLL, "x", NULL});
    both_output(a, g, "1\n", "initial content");
    cr_assert_eq(unlink(scratch_path("x")), 0);
    both_stderr(a, g, "atail: 'x' has become inaccessible: No such file or directory\n",
                "name deleted");
    write_str(scratch_path("x"), "2\n");
    both_output(a, g, "1\n2\n", "the name's new file, from its start");
    both_stderr(a, g, "has appeared;  following new file\n", "name back");
    same_stderr(a, g,
                "atail: 'x' has become inaccessible: No such file or directory\n"
                "atail: 'x' has appeared;  following new file\n");
}

/* A name missing at the start, after one that exists: its error in its
 * turn, then its data when it appears (GNU prints no header for it: the
 * last file counts as the one output last). */
Test(cli_name, missing_at_start_then_appears_as_gnu)
{
    write_str(scratch_path("a"), "a1\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "a", "b", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-F", GNU_POLL, "a", "b", NULL});
    both_output(a, g, "==> a <==\na1\n", "initial content");
    both_stderr(a, g, "atail: cannot open 'b' for reading: No such file or directory\n",
                "missing at start");
    write_str(scratch_path("b"), "b1\n");
    both_output(a, g, "==> a <==\na1\nb1\n", "the name appeared");
    append_str(scratch_path("a"), "a2\n");
    both_output(a, g, "==> a <==\na1\nb1\n\n==> a <==\na2\n", "output switches back");
    same_stderr(a, g,
                "atail: cannot open 'b' for reading: No such file or directory\n"
                "atail: 'b' has appeared;  following new file\n");
}

Test(cli_name, truncation_as_gnu)
{
    write_str(scratch_path("x"), "1\n2\n3\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "x", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-F", GNU_POLL, "x", NULL});
    both_output(a, g, "1\n2\n3\n", "initial content");
    write_str(scratch_path("x"), "t\n");
    both_output(a, g, "1\n2\n3\nt\n", "after truncation");
    same_stderr(a, g, "atail: x: file truncated\n");
}

/* The name becomes a directory while waited for, then a file again. */
Test(cli_name, replaced_by_directory_and_back_as_gnu)
{
    write_str(scratch_path("x"), "1\n");
    struct proc *a =
        start_in_scratch((const char *[]){atail(), "-F", "--rotate-grace=0.1", "x", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-F", GNU_POLL, "x", NULL});
    both_output(a, g, "1\n", "initial content");
    cr_assert_eq(unlink(scratch_path("x")), 0);
    both_stderr(a, g, "has become inaccessible", "deleted");
    cr_assert_eq(mkdir(scratch_path("x"), 0755), 0);
    both_stderr(a, g, "atail: 'x' has been replaced with an untailable file\n", "directory");
    cr_assert_eq(rmdir(scratch_path("x")), 0);
    write_str(scratch_path("x"), "back\n");
    both_output(a, g, "1\nback\n", "a file again");
    both_stderr(a, g, "atail: 'x' has become accessible\n", "accessible");
    same_stderr(a, g,
                "atail: 'x' has become inaccessible: No such file or directory\n"
                "atail: 'x' has been replaced with an untailable file\n"
                "atail: 'x' has become accessible\n");
}

/* Without --retry a name that goes is given up: GNU's words, status 1. */
Test(cli_name, follow_name_without_retry_gives_up_as_gnu)
{
    write_str(scratch_path("x"), "1\n");
    struct proc *a = start_in_scratch(
        (const char *[]){atail(), "--follow=name", "--rotate-grace=0.1", "x", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "--follow=name", "x", NULL});
    both_output(a, g, "1\n", "initial content");
    wait_inotify_watch(g);
    wait_inotify_watch(a);
    cr_assert_eq(unlink(scratch_path("x")), 0);
    cr_assert(proc_wait_exit(g, WAIT_MS), "GNU tail did not end");
    cr_assert(proc_wait_exit(a, WAIT_MS), "atail did not end: stderr \"%s\"", a->err.data);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    cr_expect_str_eq(a->err.data,
                     "atail: x: No such file or directory\natail: no files remaining\n");
    cr_expect_eq(exit_code(a), 1);
    cr_expect_eq(exit_code(a), exit_code(g));
    cr_expect_str_eq(a->out.data, "1\n");
    free(g_err);
    proc_free(a);
    proc_free(g);

    /* Missing at the start: nothing to follow at all. */
    struct proc *p = run((const char *[]){atail(), "--follow=name", scratch_path("none"), NULL},
                         NULL, 0, WAIT_MS);
    g = run((const char *[]){GNU_TAIL, "--follow=name", scratch_path("none"), NULL}, NULL, 0,
            WAIT_MS);
    g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(p->err.data, g_err);
    cr_expect_eq(exit_code(p), 1);
    free(g_err);
    proc_free(p);
    proc_free(g);
}

/* -f --retry: a name missing at the start is waited for. */
Test(cli_name, follow_descriptor_retry_waits_for_the_name)
{
    struct proc *a = start_in_scratch((const char *[]){atail(), "-f", "--retry", "y", NULL});
    struct proc *g =
        start_in_scratch((const char *[]){GNU_TAIL, "-f", "--retry", GNU_POLL, "y", NULL});
    const char *start_err = "atail: warning: --retry only effective for the initial open\n"
                            "atail: cannot open 'y' for reading: No such file or directory\n";
    both_stderr(a, g, start_err, "missing at start");
    write_str(scratch_path("y"), "hi\n");
    expect_output(a, "hi\n", "the file that appeared");
    both_stderr(a, g, "atail: 'y' has appeared;  following new file\n", "appeared");
    append_str(scratch_path("y"), "more\n");
    expect_output(a, "hi\nmore\n", "appended");
    stop_by(a, SIGTERM);
    proc_stop(g, SIGKILL, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    free(g_err);
    proc_free(a);
    proc_free(g);
}

/* The polling backend: appends, a rename rotation, a deletion and a new
 * file, seen within a few polling periods. */
static void polling_backend(const char *disable_option)
{
    write_str(scratch_path("p"), "1\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "-s", "0.05", disable_option,
                                                       "--rotate-grace=0.1", "p", NULL});
    expect_output(a, "1\n", "initial content");
    append_str(scratch_path("p"), "2\n");
    expect_output(a, "1\n2\n", "append");
    write_str(scratch_path("p.new"), "3\n");
    rename_path("p", "p.1");
    rename_path("p.new", "p");
    expect_output(a, "1\n2\n3\n", "rename rotation");
    expect_stderr(a, "atail: 'p' has been replaced;  following new file\n", "rotation");
    cr_assert_eq(unlink(scratch_path("p")), 0);
    expect_stderr(a, "atail: 'p' has become inaccessible: No such file or directory\n", "gone");
    write_str(scratch_path("p"), "4\n");
    expect_output(a, "1\n2\n3\n4\n", "new file");
    expect_stderr(a, "atail: 'p' has appeared;  following new file\n", "appeared");
    stop_by(a, SIGTERM);
    proc_free(a);
}

Test(cli_name, polling_backend)
{
    polling_backend("---disable-inotify");
}

Test(cli_name, polling_backend_two_dashes)
{
    polling_backend("--disable-inotify");
}

/* Parses "... seq=N ..." lines: every number from 1 to n once, in order,
 * but for whole generations of `per_gen` lines (per_gen 0: none) missing,
 * each one said lost on stderr (some LOST: line; none if nothing is
 * missing). */
static void expect_sequence(const struct proc *p, long n, long per_gen)
{
    long next = 1, missing = 0;
    for (const char *s = p->out.data; (s = strstr(s, "seq=")) != NULL; s += 4) {
        long seq = strtol(s + 4, NULL, 10);
        bool whole =
            per_gen > 0 && seq > next && (next - 1) % per_gen == 0 && (seq - 1) % per_gen == 0;
        cr_assert(seq == next || whole, "line seq=%ld where seq=%ld was due", seq, next);
        missing += seq - next;
        next = seq + 1;
    }
    if (per_gen > 0 && next <= n && (next - 1) % per_gen == 0)
        missing += n + 1 - next; /* the last generations */
    else
        cr_assert_eq(next, n + 1, "%ld lines of %ld", next - 1, n);
    bool said = strstr(p->err.data, "LOST:") != NULL;
    cr_assert_eq(said, missing > 0, "%ld lines missing; stderr: %s", missing, p->err.data);
}

/* The writer (started by atail itself, --spawn, so that atail has the name
 * before the first line) rotates every 200 lines, ten times a second,
 * while atail follows the name: every line once, in order, then atail
 * ends with the writer. With delete rotation a generation can come and go
 * before atail opens it (a busy machine): its lines are gone from the
 * disk, and atail must say so (the directory's events count deletions). */
static void rotation_under_load(const char *mode, bool poll)
{
    char cmd[1024];
    bool deletes = strcmp(mode, "delete") == 0;
    snprintf(cmd, sizeof cmd,
             "exec %s --count 3000 --rate 2000 --rotate %s --rotate-every 200 %s "
             "--file load.log --report report",
             bin_path("log_writer"), mode, deletes ? "" : "--keep=40");
    write_str(scratch_path("load.log"), "");
    const char *argv_inotify[] = {atail(), "-F", "-n", "+1", "--spawn", cmd, "load.log", NULL};
    const char *argv_poll[] = {
        atail(),   "-F", "-n",       "+1", "-s", "0.02", "---disable-inotify",
        "--spawn", cmd,  "load.log", NULL};
    struct proc *a = start_in_scratch(poll ? argv_poll : argv_inotify);
    /* (proc_wait_exit() reads atail's output as it comes: a full pipe
     * would hold it back.) */
    cr_assert(proc_wait_exit(a, WAIT_MS * 3), "atail did not end after the writer");
    cr_assert_eq(exit_code(a), 0, "stderr: %s", a->err.data);
    expect_sequence(a, 3000, deletes ? 200 : 0);
    proc_free(a);
}

Test(cli_name, rename_rotation_under_load)
{
    rotation_under_load("rename", false);
}

Test(cli_name, delete_rotation_under_load)
{
    rotation_under_load("delete", false);
}

Test(cli_name, rename_rotation_under_load_polling)
{
    rotation_under_load("rename", true);
}

/* --pid with -F: the writer's last lines are out before atail ends. */
Test(cli_name, pid_ends_after_the_last_lines)
{
    const char *log = scratch_path("pid.log");
    write_str(log, "");
    struct proc *w = start_in_scratch((const char *[]){bin_path("log_writer"), "--count", "200",
                                                       "--interval", "0.001", "--file", log, NULL});
    char pid_opt[64];
    snprintf(pid_opt, sizeof pid_opt, "--pid=%d", (int)w->pid);
    struct proc *a =
        start_in_scratch((const char *[]){atail(), "-F", "-n", "+1", pid_opt, log, NULL});
    proc_wait_count(a, '\n', 200, WAIT_MS);
    cr_assert(proc_wait_exit(w, WAIT_MS), "log_writer did not end");
    cr_assert(proc_wait_exit(a, WAIT_MS), "atail did not end after --pid died");
    cr_assert_eq(exit_code(a), 0, "stderr: %s", a->err.data);
    expect_sequence(a, 200, 0);
    proc_free(w);
    proc_free(a);
}

/* copytruncate as logrotate does it with `rotate 5`, then `line` written
 * to the emptied log. */
static void copytruncate_5(const char *line)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && for i in 4 3 2 1; do [ ! -e app.log.$i ] || mv app.log.$i "
             "app.log.$((i + 1)); done && cp app.log app.log.1 && : >app.log && echo %s >>app.log",
             scratch_dir(), line);
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_assert_eq(exit_code(p), 0, "%s", p->err.data);
    proc_free(p);
}

/* More copytruncates while atail is stopped than copies are kept: the
 * copy of what it was reading is gone. What it knows is said: the file and
 * the offset it had read to, the amount not known; then the copies left
 * and the log, in order. */
Test(cli_name, copytruncate_copy_deleted_while_stopped_says_where_the_loss_starts)
{
    write_str(scratch_path("app.log"), "a1\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "-n", "+1", "app.log", NULL});
    expect_output(a, "a1\n", "initial content");
    wait_inotify_watch(a);
    cr_assert_eq(kill(a->pid, SIGSTOP), 0);
    append_str(scratch_path("app.log"), "a2\n");
    static const char *const gen[] = {"b1", "c1", "d1", "e1", "f1", "g1"};
    for (unsigned i = 0; i < 6; i++)
        copytruncate_5(gen[i]);
    cr_assert_eq(kill(a->pid, SIGCONT), 0);
    expect_output(a, "a1\nb1\nc1\nd1\ne1\nf1\ng1\n", "the copies left, then the log");
    expect_stderr(a,
                  "atail: LOST: app.log from offset 3 on, an unknown amount (deleted before it "
                  "could be read)\n",
                  "the loss");
    stop_by(a, SIGTERM);
    proc_free(a);
}
