/* atail's errors against GNU tail's: for missing files, directories,
 * unreadable files, bad options and numbers, failed writes, the same
 * standard output, the same messages on standard error (GNU's "tail: " read
 * as "atail: ") and the same exit status. Plus the warnings of following
 * by name, and --help against the man page. */
#include "harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GNU_TAIL "/usr/bin/tail"
#define WAIT_MS 5000
#define MAX_ARGS 24

static const char *atail(void)
{
    return bin_path("atail");
}

/* Runs atail and GNU tail with args (NULL-terminated); both must give the
 * same stdout, stderr and exit status. Returns atail's exit status. */
static int same_as_gnu(const char *const *args, const char *stdin_data)
{
    const char *argv_a[MAX_ARGS] = {atail()}, *argv_g[MAX_ARGS] = {GNU_TAIL};
    char shown[1024] = "";
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(i, MAX_ARGS - 2);
        argv_a[i + 1] = argv_g[i + 1] = args[i];
        size_t len = strlen(shown);
        snprintf(shown + len, sizeof shown - len, " %s", args[i]);
    }
    size_t in_len = stdin_data ? strlen(stdin_data) : 0;
    struct proc *a = run(argv_a, stdin_data, in_len, WAIT_MS);
    struct proc *g = run(argv_g, stdin_data, in_len, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err, "[atail%s] stderr differs from GNU tail's", shown);
    cr_expect(a->out.len == g->out.len && memcmp(a->out.data, g->out.data, a->out.len) == 0,
              "[atail%s] stdout differs: \"%s\" vs GNU \"%s\"", shown, a->out.data, g->out.data);
    cr_expect_eq(exit_code(a), exit_code(g), "[atail%s] exit %d, GNU tail %d", shown, exit_code(a),
                 exit_code(g));
    int code = exit_code(a);
    free(g_err);
    proc_free(a);
    proc_free(g);
    return code;
}

#define SAME_AS_GNU(...) same_as_gnu((const char *const[]){__VA_ARGS__, NULL}, NULL)

static const char *existing(void)
{
    const char *f = scratch_path("exists.txt");
    write_str(f, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n");
    return f;
}

static const char *directory(void)
{
    const char *d = scratch_path("a_dir");
    mkdir(d, 0755);
    return d;
}

Test(cli_errors, missing_file)
{
    const char *m = scratch_path("missing.txt");
    cr_expect_eq(SAME_AS_GNU(m), 1);
    struct proc *p = run((const char *const[]){atail(), m, NULL}, NULL, 0, WAIT_MS);
    char want[512];
    snprintf(want, sizeof want, "atail: cannot open '%s' for reading: No such file or directory\n",
             m);
    cr_expect_str_eq(p->err.data, want);
    cr_expect_str_eq(p->out.data, "");
    proc_free(p);
    /* Nothing to output means nothing opened, as GNU. */
    cr_expect_eq(SAME_AS_GNU("-n", "0", m), 0);
    cr_expect_eq(SAME_AS_GNU("-c", "0", m, directory()), 0);
    cr_expect_eq(SAME_AS_GNU("-n", "+0", m), 1);
}

Test(cli_errors, directory)
{
    const char *d = directory(), *f = existing();
    cr_expect_eq(SAME_AS_GNU(d), 1);
    cr_expect_eq(SAME_AS_GNU("-v", d), 1);
    cr_expect_eq(SAME_AS_GNU(d, f), 1);
    cr_expect_eq(SAME_AS_GNU(f, d, f), 1);
    cr_expect_eq(SAME_AS_GNU("-c", "3", f, d), 1);
    /* With -f: GNU gives up on the directory, and has no file left. */
    cr_expect_eq(SAME_AS_GNU("-f", d), 1);
    cr_expect_eq(SAME_AS_GNU("-f", "-q", d, scratch_path("nope")), 1);
}

Test(cli_errors, missing_and_existing)
{
    const char *m = scratch_path("missing.txt"), *f = existing();
    cr_expect_eq(SAME_AS_GNU(m, f), 1);
    cr_expect_eq(SAME_AS_GNU(f, m), 1);
    cr_expect_eq(SAME_AS_GNU("-q", f, m, f), 1);
    cr_expect_eq(SAME_AS_GNU("-n", "2", m, f, m), 1);

    /* The existing file is printed all the same. */
    struct proc *p = run((const char *const[]){atail(), "-n", "1", m, f, NULL}, NULL, 0, WAIT_MS);
    char want[512];
    snprintf(want, sizeof want, "==> %s <==\n12\n", f);
    cr_expect_str_eq(p->out.data, want);
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
}

Test(cli_errors, follow_goes_on_with_the_files_that_exist)
{
    const char *m = scratch_path("missing.txt"), *d = directory(), *f = existing();
    struct proc *p =
        proc_start((const char *const[]){atail(), "-f", "-n", "1", m, d, f, NULL}, NULL, 0);
    char want[1024];
    snprintf(want, sizeof want, "==> %s <==\n\n==> %s <==\n12\n", d, f);
    cr_assert(proc_wait_output(p, want, WAIT_MS), "got \"%s\"", p->out.data);
    append_str(f, "13\n");
    strcat(want, "13\n");
    cr_assert(proc_wait_output(p, want, WAIT_MS), "appended line: got \"%s\"", p->out.data);
    char want_err[2048];
    snprintf(want_err, sizeof want_err,
             "atail: cannot open '%s' for reading: No such file or directory\n"
             "atail: error reading '%s': Is a directory\n"
             "atail: %s: cannot follow end of this type of file; giving up on this name\n",
             m, d, d);
    cr_expect_str_eq(p->err.data, want_err);
    cr_expect_eq(p->status, -1, "atail -f must go on following");
    proc_free(p);
}

Test(cli_errors, follow_only_missing_files)
{
    const char *m1 = scratch_path("m1"), *m2 = scratch_path("m2");
    long long t0 = now_ms();
    cr_expect_eq(SAME_AS_GNU("-f", m1), 1);
    cr_expect_eq(SAME_AS_GNU("-f", m1, m2), 1);
    cr_expect_eq(SAME_AS_GNU("-f", "-v", m1, directory()), 1);
    cr_expect_lt(now_ms() - t0, 4 * WAIT_MS);
    struct proc *p = run((const char *const[]){atail(), "-f", m1, NULL}, NULL, 0, WAIT_MS);
    cr_expect(strstr(p->err.data, "atail: no files remaining\n") != NULL, "stderr: %s",
              p->err.data);
    proc_free(p);
}

static const char *unprivileged_runner(void)
{
    if (access("/usr/bin/setpriv", X_OK) == 0)
        return "/usr/bin/setpriv --reuid=nobody --regid=nogroup --clear-groups";
    if (access("/usr/sbin/runuser", X_OK) == 0)
        return "/usr/sbin/runuser -u nobody --";
    if (access("/sbin/runuser", X_OK) == 0)
        return "/sbin/runuser -u nobody --";
    return NULL;
}

Test(cli_errors, permission_denied)
{
    const char *runner = unprivileged_runner();
    cr_assert_not_null(runner, "neither setpriv nor runuser is installed: cannot run as "
                               "'nobody' to test an unreadable file");
    const char *f = scratch_path("secret.txt"), *ok = scratch_path("public.txt");
    write_str(f, "secret\n");
    write_str(ok, "public\n");
    cr_assert_eq(chmod(f, 0), 0);
    cr_assert_eq(chmod(ok, 0644), 0);

    char cmd_a[1024], cmd_g[1024];
    snprintf(cmd_a, sizeof cmd_a, "%s %s %s %s", runner, atail(), f, ok);
    snprintf(cmd_g, sizeof cmd_g, "%s %s %s %s", runner, GNU_TAIL, f, ok);
    struct proc *a = run_sh(cmd_a, WAIT_MS), *g = run_sh(cmd_g, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    char want_err[512];
    snprintf(want_err, sizeof want_err, "atail: cannot open '%s' for reading: Permission denied\n",
             f);
    cr_expect_str_eq(a->err.data, want_err);
    cr_expect_str_eq(a->err.data, g_err);
    cr_expect_str_eq(a->out.data, g->out.data);
    cr_expect_eq(exit_code(a), 1);
    cr_expect_eq(exit_code(g), 1);
    free(g_err);
    proc_free(a);
    proc_free(g);
}

Test(cli_errors, bad_options)
{
    const char *f = existing();
    static const char *const cases[][4] = {
        {"-x"},
        {"--foo"},
        {"-n"},
        {"--lines"},
        {"-c"},
        {"--bytes"},
        {"-s"},
        {"--ver"},
        {"--sl"}, /* "--s" is ambiguous in both, with more possibilities in atail */
        {"--follow=x"},
        {"--follow="},
        {"-s", "abc"},
        {"-s", "-1"},
        {"-s", "5 "},
        {"--pid=abc"},
        {"--pid=-1"},
        {"--pid=99999999999"},
        {"--pid=1K"},
        {"--max-unchanged-stats=x"},
        {"--max-unchanged-stats=-1"},
        {"-5", "-n", "3"},
        {"-n", "3", "-7"},
        {"-12x"},
        {"-qv5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[8];
        int n = 0;
        for (int j = 0; j < 4 && cases[i][j]; j++)
            args[n++] = cases[i][j];
        args[n++] = f;
        args[n] = NULL;
        cr_expect_eq(same_as_gnu(args, NULL), 1, "case %zu (%s)", i, cases[i][0]);
    }
}

Test(cli_errors, bad_numbers)
{
    const char *f = existing();
    static const char *const numbers[] = {
        "abc",
        "",
        "+",
        "-",
        "--5",
        "+-5",
        "+ 5",
        " -5",
        "5x",
        "5 ",
        "1e3",
        "0x10",
        "1Ki",
        "1bB",
        "1D",
        "1g",
        "1t",
        "1B",
        "1R",
        "1Q",
        "0Q",
        "1w",
        "1kBx",
        "16E",
        "1Z",
        "1Y",
        "19EB",
        "18446744073709551616",
        "99999999999999999999",
        "1Zx",
        "a'b",
        "a\\b",
        "tab\there",
        "new\nline",
        "\xc3\xa9",
        "\xff",
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        cr_expect_eq(SAME_AS_GNU("-n", numbers[i], f), 1, "-n \"%s\"", numbers[i]);
        cr_expect_eq(SAME_AS_GNU("-c", numbers[i], f), 1, "-c \"%s\"", numbers[i]);
        char opt[64];
        snprintf(opt, sizeof opt, "--lines=%s", numbers[i]);
        cr_expect_eq(SAME_AS_GNU(opt, f), 1, "%s", opt);
    }
    /* Valid, if odd, numbers GNU accepts. */
    static const char *const valid[] = {" 5", " +5", "K",   "b",   "kB",
                                        "0Z", "0Y",  "010", "1KD", "18446744073709551615",
                                        "1E", "-3",  "+0"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        cr_expect_eq(SAME_AS_GNU("-n", valid[i], f), 0, "-n \"%s\"", valid[i]);
        cr_expect_eq(SAME_AS_GNU("-c", valid[i], f), 0, "-c \"%s\"", valid[i]);
    }
    /* The obsolete form. */
    static const char *const obsolete[] = {"-99999999999999999999", "-18446744073709551616",
                                           "-9999999999999999999b", "-99999999999999999999b"};
    for (size_t i = 0; i < sizeof obsolete / sizeof obsolete[0]; i++)
        cr_expect_eq(SAME_AS_GNU(obsolete[i], f), 1, "%s", obsolete[i]);
}

Test(cli_errors, names_quoted_as_gnu)
{
    static const char *const names[] = {
        "plain",    "a b",  "it's", "a'b ", "a'b$", "a'b@", "a{b'", "{}",    "{",
        "a{b",      "#x",   "x#",   "~x",   "a\nb", "a\tb", "\x01", "a\x7f", "\xc3\xa9t\xc3\xa9",
        "\xff\xfe", "a\\b", "a$b",  "a*b",  "a\"b", "-x",   "a=b",  "a:b",   "a,b",
        "a@b",      "a%b",  "a+b",  "a^b",  "a!b",  "a[b",  "a?b",  "",
    };
    const char *d = directory();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", scratch_dir(), names[i]);
        cr_expect_eq(SAME_AS_GNU("--", names[i]), 1, "missing \"%s\"", names[i]);
        /* A directory named so: "error reading" and the -f message, which
         * quotes only when needed. */
        char dpath[600];
        snprintf(dpath, sizeof dpath, "%s/%s", d, names[i]);
        if (names[i][0] && mkdir(dpath, 0755) == 0) {
            cr_expect_eq(SAME_AS_GNU("-f", "--", dpath), 1, "directory \"%s\"", names[i]);
        }
    }
}

Test(cli_errors, write_error)
{
    const char *f = existing();
    char cmd_a[512], cmd_g[512];
    snprintf(cmd_a, sizeof cmd_a, "%s %s > /dev/full", atail(), f);
    struct proc *a = run_sh(cmd_a, WAIT_MS), *g;
    cr_expect_str_eq(a->err.data,
                     "atail: error writing 'standard output': No space left on device\n");
    cr_expect_eq(exit_code(a), 1);
    proc_free(a);

    /* GNU says so too once its stdio buffer overflows (for a short output
     * it fails at exit, with "write error"). */
    const char *big = scratch_path("big.txt");
    char line[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(line, sizeof line, "line %d of a big file\n", i);
        append_str(big, line);
    }
    snprintf(cmd_a, sizeof cmd_a, "%s -n +1 %s > /dev/full", atail(), big);
    snprintf(cmd_g, sizeof cmd_g, "%s -n +1 %s > /dev/full", GNU_TAIL, big);
    a = run_sh(cmd_a, WAIT_MS);
    g = run_sh(cmd_g, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    cr_expect_eq(exit_code(a), 1);
    cr_expect_eq(exit_code(a), exit_code(g));
    free(g_err);
    proc_free(a);
    proc_free(g);

    snprintf(cmd_a, sizeof cmd_a, "%s --help > /dev/full", atail());
    a = run_sh(cmd_a, WAIT_MS);
    cr_expect_eq(exit_code(a), 1);
    cr_expect_str_eq(a->err.data, "atail: write error: No space left on device\n");
    proc_free(a);
}

Test(cli_errors, warnings_as_gnu)
{
    const char *f = existing();
    cr_expect_eq(SAME_AS_GNU("--retry", f), 0);
    cr_expect_eq(SAME_AS_GNU("--pid=1", f), 0);
    cr_expect_eq(SAME_AS_GNU("-s", "0.5", "--max-unchanged-stats=3", f), 0);
    cr_expect_eq(SAME_AS_GNU("---disable-inotify", f), 0);
}

/* Following by name: GNU's warnings and errors, checked with a --pid that
 * is already dead (output what is there, then exit). */
Test(cli_errors, follow_name_warnings_as_gnu)
{
    const char *f = existing();
    const char *true_argv[] = {"/bin/true", NULL};
    struct proc *gone = run(true_argv, NULL, 0, WAIT_MS);
    char pid_opt[64];
    snprintf(pid_opt, sizeof pid_opt, "--pid=%d", (int)gone->pid);
    proc_free(gone);
    cr_expect_eq(SAME_AS_GNU("--follow=name", pid_opt, f), 0);
    cr_expect_eq(SAME_AS_GNU("--follow=n", pid_opt, f), 0);
    cr_expect_eq(SAME_AS_GNU("-F", pid_opt, f), 0);
    cr_expect_eq(SAME_AS_GNU("-F", "-f", pid_opt, f), 0); /* --retry only for the initial open */
    cr_expect_eq(SAME_AS_GNU("-f", "--retry", pid_opt, f), 0);
    cr_expect_eq(SAME_AS_GNU("--follow=name", "--retry", pid_opt, f), 0);
    /* Standard input has no name to follow. */
    cr_expect_eq(SAME_AS_GNU("-F", pid_opt), 1);
    cr_expect_eq(SAME_AS_GNU("-F", pid_opt, "-", f), 1);
    cr_expect_eq(SAME_AS_GNU("--follow=name", pid_opt, f, "-"), 1);
}

Test(cli_errors, help_and_version)
{
    struct proc *p = run((const char *const[]){atail(), "--help", NULL}, NULL, 0, WAIT_MS);
    cr_expect_eq(exit_code(p), 0);
    cr_expect(strncmp(p->out.data, "Usage: atail [OPTION]... [FILE]...\n", 35) == 0);
    cr_expect_str_eq(p->err.data, "");

    /* --help and the man page list the same long options. */
    const char *src = getenv("ATAIL_SOURCE_DIR");
    cr_assert_not_null(src, "ATAIL_SOURCE_DIR is not set (run the tests through ctest)");
    char man_path[512];
    snprintf(man_path, sizeof man_path, "%s/man/atail.1", src);
    struct buf man = {0};
    read_file(man_path, &man);
    static const char *const options[] = {
        "--bytes",
        "--follow",
        "--lines",
        "--max-lines",
        "--max-unchanged-stats",
        "--pid",
        "--quiet",
        "--silent",
        "--retry",
        "--sleep-interval",
        "--verbose",
        "--zero-terminated",
        "--help",
        "--version",
        "--exclude",
        "--glob",
        "--json-host",
        "--json-time",
        "--max-line",
        "--output",
        "--rotate-grace",
        "--spawn",
        "--state",
        "--state-interval",
        "--state-sync",
        "---disable-inotify",
    };
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        char roff[64];
        size_t n = 0;
        for (const char *c = options[i]; *c && n < sizeof roff - 3; c++) {
            if (*c == '-')
                roff[n++] = '\\';
            roff[n++] = *c;
        }
        roff[n] = '\0';
        cr_expect(strstr(p->out.data, options[i]) != NULL, "--help lacks %s", options[i]);
        cr_expect(strstr(man.data, roff) != NULL, "man/atail.1 lacks %s", roff);
    }
    static const char *const shorts[] = {"-c", "-f", "-F", "-n", "-q", "-s", "-v", "-z"};
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++) {
        char roff[16];
        snprintf(roff, sizeof roff, "\\%s", shorts[i]);
        char help[16];
        snprintf(help, sizeof help, "  %s", shorts[i]);
        cr_expect(strstr(p->out.data, help) != NULL, "--help lacks %s", shorts[i]);
        cr_expect(strstr(man.data, roff) != NULL, "man/atail.1 lacks %s", roff);
    }
    buf_free(&man);
    proc_free(p);

    p = run((const char *const[]){atail(), "--version", NULL}, NULL, 0, WAIT_MS);
    cr_expect_eq(exit_code(p), 0);
    cr_expect(strncmp(p->out.data, "atail ", 6) == 0, "--version: %s", p->out.data);
    proc_free(p);
    /* GNU stops at the first of --help and --version. */
    p = run((const char *const[]){atail(), "--version", "--help", NULL}, NULL, 0, WAIT_MS);
    cr_expect(strncmp(p->out.data, "atail ", 6) == 0);
    proc_free(p);
    p = run((const char *const[]){atail(), "--help", "-x", NULL}, NULL, 0, WAIT_MS);
    cr_expect_eq(exit_code(p), 0);
    proc_free(p);
}

/* Runs "PROGRAM rest" with the shell (rest holds arguments and
 * redirections), as atail and as GNU tail: same stdout, stderr and exit
 * status. */
static void same_as_gnu_sh(const char *rest)
{
    char cmd_a[1024], cmd_g[1024];
    snprintf(cmd_a, sizeof cmd_a, "%s %s", atail(), rest);
    snprintf(cmd_g, sizeof cmd_g, "%s %s", GNU_TAIL, rest);
    struct proc *a = run_sh(cmd_a, WAIT_MS), *g = run_sh(cmd_g, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err, "[%s] stderr", cmd_a);
    cr_expect_str_eq(a->out.data, g->out.data, "[%s] stdout", cmd_a);
    cr_expect_eq(exit_code(a), exit_code(g), "[%s] exit status", cmd_a);
    free(g_err);
    proc_free(a);
    proc_free(g);
}

Test(cli_errors, closed_or_odd_standard_descriptors)
{
    const char *f = existing(), *d = directory();
    char rest[1024], cmd[1024];
    same_as_gnu_sh("<&-");
    snprintf(rest, sizeof rest, "-n 1 - %s %s <&-", f, d);
    same_as_gnu_sh(rest);
    snprintf(rest, sizeof rest, "< %s", d);
    same_as_gnu_sh(rest);
    snprintf(rest, sizeof rest, "-n 1 %s - < %s", f, d);
    same_as_gnu_sh(rest);
    snprintf(rest, sizeof rest, "-f < %s", d);
    same_as_gnu_sh(rest);
    /* Following a closed stdin: GNU's fstat() fails twice, and says both. */
    same_as_gnu_sh("-f - <&-");
    same_as_gnu_sh("-c 3 -f <&-");

    /* A closed stdout: every write fails (GNU, buffered, says "write error"
     * at exit; atail, unbuffered, says it at the write). */
    snprintf(cmd, sizeof cmd, "%s %s >&-", atail(), f);
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect_str_eq(p->err.data, "atail: error writing 'standard output': Bad file descriptor\n");
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
    snprintf(cmd, sizeof cmd, "%s -f %s >&-", atail(), f);
    p = run_sh(cmd, WAIT_MS);
    cr_expect_str_eq(p->err.data, "atail: standard output: Bad file descriptor\n");
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
}

/* Runs "tail rest" with the shell, tail being the first on PATH: a link to
 * atail in one directory, to GNU tail in another. Same stdout, stderr and
 * exit status, with no rewriting of the program's name. */
static void same_as_gnu_as_tail(const char *a_dir, const char *g_dir, const char *rest)
{
    char cmd_a[1024], cmd_g[1024];
    snprintf(cmd_a, sizeof cmd_a, "cd %s && PATH=%s:$PATH tail %s", scratch_dir(), a_dir, rest);
    snprintf(cmd_g, sizeof cmd_g, "cd %s && PATH=%s:$PATH tail %s", scratch_dir(), g_dir, rest);
    struct proc *a = run_sh(cmd_a, WAIT_MS), *g = run_sh(cmd_g, WAIT_MS);
    cr_expect_str_eq(a->err.data, g->err.data, "[tail %s] stderr", rest);
    cr_expect_str_eq(a->out.data, g->out.data, "[tail %s] stdout", rest);
    cr_expect_eq(exit_code(a), exit_code(g), "[tail %s] exit status", rest);
    proc_free(a);
    proc_free(g);
}

/* Reached through a link named tail, atail names itself "tail", as GNU
 * tail does: in diagnostics, getopt's complaints, "Try ..." and --help. */
Test(cli_errors, named_by_the_link_that_ran_it)
{
    const char *a_dir = scratch_path("a_bin"), *g_dir = scratch_path("g_bin");
    const char *a_tail = scratch_path("a_bin/tail");
    cr_assert_eq(mkdir(a_dir, 0755), 0);
    cr_assert_eq(mkdir(g_dir, 0755), 0);
    cr_assert_eq(symlink(atail(), a_tail), 0);
    cr_assert_eq(symlink(GNU_TAIL, scratch_path("g_bin/tail")), 0);
    existing();
    same_as_gnu_as_tail(a_dir, g_dir, "missing");
    same_as_gnu_as_tail(a_dir, g_dir, "-x");
    same_as_gnu_as_tail(a_dir, g_dir, "-n 1x exists.txt");
    same_as_gnu_as_tail(a_dir, g_dir, "--follow=sideways exists.txt");
    same_as_gnu_as_tail(a_dir, g_dir, "-n 2 exists.txt missing");
    same_as_gnu_as_tail(a_dir, g_dir, "-f - <&-");
    same_as_gnu_as_tail(a_dir, g_dir, "--retry exists.txt");

    /* By its path, too: the last component names it (GNU would say the
     * whole path). */
    struct proc *p = run((const char *const[]){a_tail, "missing", NULL}, NULL, 0, WAIT_MS);
    cr_expect_str_eq(p->err.data,
                     "tail: cannot open 'missing' for reading: No such file or directory\n");
    proc_free(p);
    p = run((const char *const[]){a_tail, "--help", NULL}, NULL, 0, WAIT_MS);
    cr_expect(strncmp(p->out.data, "Usage: tail [OPTION]... [FILE]...\n", 34) == 0, "%s",
              p->out.data);
    proc_free(p);
    p = run((const char *const[]){a_tail, "--version", NULL}, NULL, 0, WAIT_MS);
    cr_expect(strncmp(p->out.data, "atail ", 6) == 0, "--version: %s", p->out.data);
    proc_free(p);
}
