/* atail with patterns: an operand holding * ? [ that names no file, and
 * --glob. The current matches in name order (the same output as GNU tail
 * given the shell's expansion), excludes, files that come to match while
 * following and files that go, no match, a wildcard in a directory; many
 * files, and the descriptor limit. */
#include "cli_common.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(cli_glob, .fini = kill_leftovers, .timeout = 120);

static void make_files(void)
{
    write_str(scratch_path("b.log"), "b1\nb2\n");
    write_str(scratch_path("a.log"), "a1\n");
    write_str(scratch_path("c.txt"), "c1\n");
    mkdir(scratch_path("d.log"), 0755); /* a directory: not a match to follow */
}

/* atail with a pattern and GNU tail with its expansion: same output. */
static void same_as_gnu_expanded(const char *const *a_args, const char *const *g_args)
{
    const char *argv_a[16] = {atail()}, *argv_g[16] = {GNU_TAIL};
    for (int i = 0; a_args[i]; i++)
        argv_a[i + 1] = a_args[i];
    for (int i = 0; g_args[i]; i++)
        argv_g[i + 1] = g_args[i];
    struct proc *a = start_in_scratch(argv_a), *g = start_in_scratch(argv_g);
    cr_assert(proc_wait_exit(a, WAIT_MS) && proc_wait_exit(g, WAIT_MS));
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->out.data, g->out.data);
    cr_expect_str_eq(a->err.data, g_err);
    cr_expect_eq(exit_code(a), exit_code(g));
    free(g_err);
    proc_free(a);
    proc_free(g);
}

Test(cli_glob, initial_matches_in_name_order_as_gnu)
{
    make_files();
    same_as_gnu_expanded((const char *[]){"-n", "+1", "*.log", NULL},
                         (const char *[]){"-n", "+1", "a.log", "b.log", NULL});
    same_as_gnu_expanded((const char *[]){"-n", "1", "c.txt", "?.log", NULL},
                         (const char *[]){"-n", "1", "c.txt", "a.log", "b.log", NULL});
    same_as_gnu_expanded((const char *[]){"[ab].log", NULL},
                         (const char *[]){"a.log", "b.log", NULL});
    /* One match: no header, as for one file. */
    same_as_gnu_expanded((const char *[]){"a*", NULL}, (const char *[]){"a.log", NULL});

    /* An absolute pattern names its matches by their paths. */
    char pattern[512], a[512], b[512];
    snprintf(pattern, sizeof pattern, "%s/*.log", scratch_dir());
    snprintf(a, sizeof a, "%s/a.log", scratch_dir());
    snprintf(b, sizeof b, "%s/b.log", scratch_dir());
    same_as_gnu_expanded((const char *[]){pattern, NULL}, (const char *[]){a, b, NULL});
}

Test(cli_glob, explicit_glob_and_excludes)
{
    make_files();
    write_str(scratch_path("ab.log"), "ab1\n");
    same_as_gnu_expanded((const char *[]){"--glob=*.log", "--exclude=b*", "--exclude=ab*", NULL},
                         (const char *[]){"a.log", NULL});
    /* A file that exists is a file, wildcards or not. */
    write_str(scratch_path("*.log"), "star\n");
    same_as_gnu_expanded((const char *[]){"*.log", NULL}, (const char *[]){"*.log", NULL});
}

Test(cli_glob, no_match_and_bad_patterns)
{
    same_as_gnu_expanded((const char *[]){"*.nomatch", NULL}, (const char *[]){"*.nomatch", NULL});
    struct proc *p = start_in_scratch((const char *[]){atail(), "nodir*/x.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->err.data, "atail: 'nodir*/x.log': wildcards are allowed in the last "
                                  "component of a pattern only\n");
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
    p = start_in_scratch((const char *[]){atail(), "--glob=missing/*.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->err.data,
                     "atail: cannot open 'missing/*.log' for reading: No such file or directory\n");
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
}

/* Following: a file that comes to match is followed from its start, with
 * its header; an excluded or non-matching one is not; a deleted one is
 * dropped once read, and followed again when its name returns. */
Test(cli_glob, files_come_and_go_while_following)
{
    make_files();
    struct proc *a = start_in_scratch((const char *[]){
        atail(), "-F", "-n", "+1", "--rotate-grace=0.1", "--exclude=x*", "*.log", NULL});
    char want[2048] = "==> a.log <==\na1\n\n==> b.log <==\nb1\nb2\n";
    expect_output(a, want, "initial matches");
    write_str(scratch_path("x.log"), "excluded\n");
    write_str(scratch_path("e.txt"), "no match\n");
    write_str(scratch_path("c.log"), "c1\n");
    strcat(want, "\n==> c.log <==\nc1\n");
    expect_output(a, want, "a new match");
    expect_stderr(a, "atail: 'c.log' has appeared;  following new file\n", "new match");
    append_str(scratch_path("a.log"), "a2\n");
    strcat(want, "\n==> a.log <==\na2\n");
    expect_output(a, want, "an initial match goes on");
    cr_assert_eq(unlink(scratch_path("b.log")), 0);
    expect_stderr(a, "atail: b.log: No such file or directory\n", "a match deleted");
    write_str(scratch_path("b.log"), "b-again\n");
    strcat(want, "\n==> b.log <==\nb-again\n");
    expect_output(a, want, "the name back");
    stop_by(a, SIGTERM);
    cr_expect(!strstr(a->out.data, "excluded") && !strstr(a->out.data, "no match"));
    proc_free(a);
}

/* A pattern with no match yet, followed: waits quietly for one. (The
 * marker file's content, which comes after the pattern's, says that atail
 * has looked for matches: a file made before would be an initial match.) */
Test(cli_glob, follow_pattern_without_match_yet)
{
    write_str(scratch_path("marker"), "m\n");
    struct proc *a = start_in_scratch((const char *[]){atail(), "-F", "*.later", "marker", NULL});
    expect_output(a, "==> marker <==\nm\n", "the marker");
    write_str(scratch_path("one.later"), "1\n");
    expect_output(a, "==> marker <==\nm\n\n==> one.later <==\n1\n", "first match");
    const char notice[] = "atail: 'one.later' has appeared;  following new file\n";
    expect_stderr(a, notice, "the new match");
    stop_by(a, SIGTERM);
    cr_expect_str_eq(a->err.data, notice);
    proc_free(a);
}

Test(cli_glob, many_files)
{
    const int n = 2000;
    mkdir(scratch_path("many"), 0755);
    char name[64], line[64];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "many/f%05d.log", i);
        snprintf(line, sizeof line, "line of %d\n", i);
        write_str(scratch_path(name), line);
    }
    struct proc *p =
        start_in_scratch((const char *[]){atail(), "-q", "-n", "1", "many/*.log", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS * 3));
    cr_expect_eq(exit_code(p), 0, "%s", p->err.data);
    long k = 0;
    for (const char *s = p->out.data; (s = strstr(s, "line of ")) != NULL; s++, k++)
        cr_assert_eq(strtol(s + 8, NULL, 10), k, "file order");
    cr_expect_eq(k, n);
    proc_free(p);
}

/* More files than descriptors: raised to the hard limit quietly; where the
 * hard limit itself is too low, said clearly. */
Test(cli_glob, descriptor_limit)
{
    const int n = 100;
    mkdir(scratch_path("lim"), 0755);
    char files[8192] = "", name[64];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "lim/f%03d", i);
        write_str(scratch_path(name), "x\n");
        strcat(files, " ");
        strcat(files, name);
    }
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cd %s && ulimit -S -n 40 && exec %s -q %s", scratch_dir(), atail(),
             files);
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect_eq(exit_code(p), 0, "soft limit raised: %s", p->err.data);
    cr_expect_eq(strlen(p->out.data), (size_t)n * 2);
    proc_free(p);

    snprintf(cmd, sizeof cmd, "cd %s && ulimit -S -n 40 && ulimit -H -n 40 && exec %s -q %s",
             scratch_dir(), atail(), files);
    p = run_sh(cmd, WAIT_MS);
    cr_expect_eq(exit_code(p), 1);
    cr_expect(strstr(p->err.data, "atail: too many open files (limit 40): cannot open 'lim/f099' "
                                  "for reading\n") != NULL,
              "stderr: %s", p->err.data);
    cr_expect_gt(strlen(p->out.data), 0, "the files that could be opened are output");
    proc_free(p);
}

/* lim/f000 .. lim/f099, each holding "x\n". */
static void make_lim_files(void)
{
    mkdir(scratch_path("lim"), 0755);
    char name[64];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "lim/f%03d", i);
        write_str(scratch_path(name), "x\n");
    }
}

/* A pattern operand whose matches exceed the descriptor limit: each file
 * that cannot be opened is named, and the exit status is 1, as for files
 * given one by one. */
Test(cli_glob, pattern_beyond_descriptor_limit)
{
    make_lim_files();
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && ulimit -S -n 40 && ulimit -H -n 40 && exec %s -q 'lim/*'",
             scratch_dir(), atail());
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect(strstr(p->err.data, "atail: too many open files (limit 40): cannot open 'lim/f099' "
                                  "for reading\n") != NULL,
              "stderr: \"%s\", %zu of 100 files output", p->err.data, strlen(p->out.data) / 2);
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
}

/* The same while following: said once. */
Test(cli_glob, pattern_beyond_descriptor_limit_following)
{
    make_lim_files();
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && ulimit -S -n 40 && ulimit -H -n 40 && exec %s -F -q 'lim/*'", scratch_dir(),
             atail());
    struct proc *p = proc_start((const char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, 0);
    cr_expect(proc_wait_stderr(p,
                               "atail: too many open files (limit 40): cannot open "
                               "'lim/f099' for reading\n",
                               3000),
              "stderr: \"%s\", %zu of 100 files output", p->err.data, strlen(p->out.data) / 2);
    proc_free(p);
}

/* The same with --close-idle: files are closed to make room, least
 * recently changed first, and reopened when they change: every file is
 * output, then every line appended to each, with no error. */
Test(cli_glob, pattern_beyond_descriptor_limit_with_close_idle)
{
    make_lim_files();
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && ulimit -S -n 40 && ulimit -H -n 40 && exec %s -F -q --close-idle=60 'lim/*'",
             scratch_dir(), atail());
    struct proc *p = proc_start((const char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, 0);
    char want[512] = "";
    for (int i = 0; i < 100; i++)
        strcat(want, "x\n");
    cr_assert(proc_wait_output(p, want, WAIT_MS) && p->out.len == 200,
              "the 100 files: \"%s\" (stderr \"%s\")", p->out.data, p->err.data);
    for (int i = 0; i < 100; i++) {
        char name[64];
        snprintf(name, sizeof name, "lim/f%03d", i);
        append_str(scratch_path(name), "y\n");
        strcat(want, "y\n");
    }
    cr_assert(proc_wait_output(p, want, WAIT_MS) && p->out.len == 400,
              "a line appended to each: \"%s\" (stderr \"%s\")", p->out.data, p->err.data);
    cr_expect_str_eq(p->err.data, "");
    int st = proc_stop(p, SIGTERM, WAIT_MS);
    cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
    proc_free(p);
}
