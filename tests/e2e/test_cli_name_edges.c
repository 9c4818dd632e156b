/* Following names, the cases GNU coreutils' own tail tests (tail-2/
 * assert.sh, retry.sh, symlink.sh) showed atail getting wrong, side by side
 * with GNU tail 9.1: --follow=name without --retry picks up a name that
 * comes back while another file is read, and ends when none is; a symbolic
 * link whose target appears or is rotated in another directory; a name
 * that is a directory at the start (-F), or becomes one (-f --retry); the
 * name's directory removed and made again (inotify-dir-recreate.sh). */
#include "cli_common.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(cli_name_edges, .fini = kill_leftovers, .timeout = 120);

/* Both end on their own; same stderr (GNU's "tail" read as "atail") and
 * status, and atail's stderr is `want`. */
static void both_exit(struct proc *a, struct proc *g, const char *want)
{
    cr_assert(proc_wait_exit(g, WAIT_MS), "GNU tail did not end: stderr \"%s\"", g->err.data);
    cr_assert(proc_wait_exit(a, WAIT_MS), "atail did not end: stderr \"%s\"", a->err.data);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err, "stderr differs from GNU tail's");
    cr_expect_str_eq(a->err.data, want);
    cr_expect_eq(exit_code(a), exit_code(g));
    free(g_err);
}

/* --follow=name without --retry: a deleted name is still watched while
 * another file is read (GNU's tail-2/assert.sh), and the run ends when no
 * file is left. */
Test(cli_name_edges, follow_name_picks_up_a_name_that_returns)
{
    write_str(scratch_path("a"), "");
    write_str(scratch_path("foo"), "");
    struct proc *a = start_in_scratch(
        (const char *[]){atail(), "--follow=name", "--rotate-grace=0.1", "a", "foo", NULL});
    struct proc *g =
        start_in_scratch((const char *[]){GNU_TAIL, "--follow=name", "a", "foo", NULL});
    const char *start = "==> a <==\n\n==> foo <==\n";
    expect_output(a, start, "atail: headers");
    expect_output(g, start, "GNU tail: headers");
    wait_inotify_watch(a);
    wait_inotify_watch(g);
    cr_assert_eq(unlink(scratch_path("foo")), 0);
    expect_stderr(a, "atail: foo: No such file or directory\n", "atail: deleted");
    expect_stderr(g, "tail: foo: No such file or directory\n", "GNU tail: deleted");
    write_str(scratch_path("foo"), "ok\n");
    const char *back = "==> a <==\n\n==> foo <==\nok\n";
    expect_output(a, back, "atail: the name's new file");
    expect_output(g, back, "GNU tail: the name's new file");
    cr_assert_eq(unlink(scratch_path("a")), 0);
    expect_stderr(a, "atail: a: No such file or directory\n", "atail: a deleted");
    expect_stderr(g, "tail: a: No such file or directory\n", "GNU tail: a deleted");
    cr_assert(running(a), "atail ended while foo is read: %s", a->err.data);
    cr_assert_eq(unlink(scratch_path("foo")), 0);
    both_exit(a, g,
              "atail: foo: No such file or directory\n"
              "atail: 'foo' has appeared;  following new file\n"
              "atail: a: No such file or directory\n"
              "atail: foo: No such file or directory\n"
              "atail: no files remaining\n");
    cr_expect_eq(exit_code(a), 1);
    proc_free(a);
    proc_free(g);
}

/* -F on a link to a file that does not exist yet, in the link's own
 * directory (GNU's tail-2/symlink.sh): the target's creation is seen. */
Test(cli_name_edges, dangling_link_whose_target_appears)
{
    cr_assert_eq(symlink("target", scratch_path("link")), 0);
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "link", NULL});
    expect_stderr(a, "atail: cannot open 'link' for reading: No such file or directory\n",
                  "dangling");
    wait_inotify_watch(a);
    write_str(scratch_path("target"), "X\n");
    expect_output(a, "X\n", "the target's data");
    expect_stderr(a, "atail: 'link' has appeared;  following new file\n", "appeared");

    /* The link switched to another missing target, which then appears. */
    cr_assert_eq(unlink(scratch_path("link")), 0);
    cr_assert_eq(symlink("target2", scratch_path("link")), 0);
    expect_stderr(a, "atail: 'link' has become inaccessible: No such file or directory\n",
                  "switched to a missing target");
    write_str(scratch_path("target2"), "X2\n");
    expect_output(a, "X\nX2\n", "the new target's data");
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* A link to a log in another directory, rotated there (renamed, then a new
 * file created): nothing changes in the link's directory. */
Test(cli_name_edges, link_target_rotated_in_another_directory)
{
    cr_assert_eq(mkdir(scratch_path("logs"), 0755), 0);
    write_str(scratch_path("logs/app.log"), "1\n");
    cr_assert_eq(mkdir(scratch_path("links"), 0755), 0);
    cr_assert_eq(symlink("../logs/app.log", scratch_path("links/app")), 0);
    struct proc *a =
        start_in_scratch((const char *[]){atail(), "-F", "--rotate-grace=0.1", "links/app", NULL});
    expect_output(a, "1\n", "initial content");
    wait_inotify_watch(a);
    cr_assert_eq(rename(scratch_path("logs/app.log"), scratch_path("logs/app.log.1")), 0);
    expect_stderr(a, "atail: 'links/app' has become inaccessible: No such file or directory\n",
                  "target renamed away");
    write_str(scratch_path("logs/app.log"), "2\n");
    expect_output(a, "1\n2\n", "the new target");
    expect_stderr(a, "atail: 'links/app' has appeared;  following new file\n", "appeared");
    append_str(scratch_path("logs/app.log"), "3\n");
    expect_output(a, "1\n2\n3\n", "appended to the new target");
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* -F with a directory at the start: GNU's words (no "giving up": the name
 * is waited for), in its turn after its header; then a file there. */
Test(cli_name_edges, directory_at_start_with_retry)
{
    cr_assert_eq(mkdir(scratch_path("d"), 0755), 0);
    write_str(scratch_path("f"), "");
    /* --pid of no process: both output what there is, then end. (Their
     * statuses differ: GNU's --pid exit is 0 whatever failed before.) */
    char cmd[512];
    const char *rest = "-F --pid=2147483646 d f 2>&1";
    snprintf(cmd, sizeof cmd, "cd %s && %s %s", scratch_dir(), atail(), rest);
    struct proc *a = run_sh(cmd, WAIT_MS);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s", scratch_dir(), GNU_TAIL, rest);
    struct proc *g = run_sh(cmd, WAIT_MS);
    char *g_out = gnu_as_atail(&g->out);
    cr_expect_str_eq(a->out.data, g_out);
    cr_expect_str_eq(a->out.data, "==> d <==\n"
                                  "atail: error reading 'd': Is a directory\n"
                                  "atail: d: cannot follow end of this type of file\n"
                                  "\n==> f <==\n");
    free(g_out);
    proc_free(a);
    proc_free(g);

    struct proc *p = start_in_scratch((const char *[]){atail(), "-F", "d", NULL});
    expect_stderr(p, "atail: d: cannot follow end of this type of file\n", "directory");
    wait_inotify_watch(p);
    cr_assert_eq(rmdir(scratch_path("d")), 0);
    write_str(scratch_path("d"), "foo\n");
    expect_output(p, "foo\n", "a file in its place");
    expect_stderr(p, "atail: 'd' has become accessible\n", "accessible");
    stop_by(p, SIGTERM);
    cr_expect_str_eq(p->err.data, "atail: error reading 'd': Is a directory\n"
                                  "atail: d: cannot follow end of this type of file\n"
                                  "atail: 'd' has become accessible\n");
    proc_free(p);
}

/* -f --retry: a name missing at the start that comes as a directory is
 * given up (GNU's tail-2/retry.sh). */
Test(cli_name_edges, follow_descriptor_retry_gives_up_a_directory)
{
    struct proc *a = start_in_scratch((const char *[]){atail(), "-f", "--retry", "m", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-f", "--retry", "m", NULL});
    const char *start = "atail: warning: --retry only effective for the initial open\n"
                        "atail: cannot open 'm' for reading: No such file or directory\n";
    expect_stderr(a, start, "atail: missing");
    expect_stderr(g, "tail: cannot open 'm' for reading", "GNU tail: missing");
    wait_inotify_watch(a);
    cr_assert_eq(mkdir(scratch_path("m"), 0755), 0);
    both_exit(a, g,
              "atail: warning: --retry only effective for the initial open\n"
              "atail: cannot open 'm' for reading: No such file or directory\n"
              "atail: 'm' has been replaced with an untailable file; giving up on this name\n"
              "atail: no files remaining\n");
    proc_free(a);
    proc_free(g);
}

/* The name's directory removed, then made again (GNU's tail-2/
 * inotify-dir-recreate.sh): said as GNU says it, and the name polled from
 * then on. */
Test(cli_name_edges, directory_removed_and_recreated)
{
    cr_assert_eq(mkdir(scratch_path("dir"), 0755), 0);
    write_str(scratch_path("dir/file"), "inotify\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "dir/file", NULL});
    struct proc *g = start_in_scratch((const char *[]){GNU_TAIL, "-F", "dir/file", NULL});
    expect_output(a, "inotify\n", "atail: initial content");
    expect_output(g, "inotify\n", "GNU tail: initial content");
    wait_inotify_watch(a);
    wait_inotify_watch(g);
    cr_assert_eq(unlink(scratch_path("dir/file")), 0); /* rm -r dir */
    cr_assert_eq(rmdir(scratch_path("dir")), 0);
    expect_stderr(a, "atail: inotify cannot be used, reverting to polling\n", "atail: polling");
    expect_stderr(g, "tail: inotify cannot be used, reverting to polling\n", "GNU tail: polling");
    cr_assert_eq(mkdir(scratch_path("dir"), 0755), 0);
    write_str(scratch_path("dir/file"), "back\n");
    expect_output(a, "inotify\nback\n", "atail: the new file");
    expect_output(g, "inotify\nback\n", "GNU tail: the new file");
    const char *want = "atail: 'dir/file' has become inaccessible: No such file or directory\n"
                       "atail: directory containing watched file was removed\n"
                       "atail: inotify cannot be used, reverting to polling\n"
                       "atail: 'dir/file' has appeared;  following new file\n";
    expect_stderr(a, want, "atail: appeared");
    expect_stderr(g, "tail: 'dir/file' has appeared", "GNU tail: appeared");
    same_stderr(a, g, want);
}
