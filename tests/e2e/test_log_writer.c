/* test_log_writer.c - the load generator: line format, counts, padding,
 * pacing, clean stop on signals, argument and write errors. */
#include "harness.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TS_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{4}"

/* Runs log_writer with args (NULL-terminated) in the scratch directory,
 * to completion within timeout_ms. */
static struct proc *writer_run(const char *const *args, int timeout_ms)
{
    const char *argv[32] = {bin_path("log_writer")};
    size_t n = 1;
    for (; args[n - 1]; n++) {
        cr_assert_lt(n, 31);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    struct proc *p = proc_start(argv, scratch_dir(), 0);
    if (!proc_wait_exit(p, timeout_ms)) {
        proc_stop(p, SIGKILL, 5000);
        cr_assert_fail("log_writer did not exit within %d ms", timeout_ms);
    }
    return p;
}

/* After every test, failed or not: no writer may stay running. */
TestSuite(log_writer, .fini = kill_scratch_procs);

#define RUN(timeout, ...) writer_run((const char *const[]){__VA_ARGS__, NULL}, timeout)

/* Counts the lines of b (all complete: b must end with a newline) and
 * checks that each matches the extended regex re and carries seq=first,
 * first+1, ... in order. Returns the number of lines. */
static size_t check_lines(const struct buf *b, const char *re, uint64_t first)
{
    regex_t rx;
    cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0, "bad regex %s", re);
    cr_assert(b->len == 0 || b->data[b->len - 1] == '\n', "last line incomplete");
    size_t n = 0;
    for (char *s = b->data, *nl; s < b->data + b->len; s = nl + 1, n++) {
        nl = memchr(s, '\n', (size_t)(b->data + b->len - s));
        *nl = '\0';
        cr_assert_eq(regexec(&rx, s, 0, NULL, 0), 0, "line %zu does not match %s: %s", n + 1, re,
                     s);
        char want[40];
        snprintf(want, sizeof want, "seq=%" PRIu64, first + n);
        const char *seq = strstr(s, "seq=");
        cr_assert(seq && strncmp(seq, want, strlen(want)) == 0 &&
                      (seq[strlen(want)] == ' ' || seq[strlen(want)] == '\0'),
                  "line %zu: expected %s: %s", n + 1, want, s);
        *nl = '\n';
    }
    regfree(&rx);
    return n;
}

static void read_log(const char *name, struct buf *b)
{
    read_file(scratch_path(name), b);
}

Test(log_writer, count_writes_exactly_n_lines_in_format)
{
    struct proc *p =
        RUN(20000, "--file", scratch_path("a.log"), "--interval", "0", "--count", "50");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    cr_assert_eq(p->out.len + p->err.len, 0, "unexpected output: %s%s", p->out.data, p->err.data);
    struct buf b = {0};
    read_log("a.log", &b);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=[0-9]+$", 1), 50);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, default_is_app_log_one_per_second_first_at_once)
{
    long long t0 = now_ms();
    struct proc *p = RUN(10000, "-c", "2");
    long long took = now_ms() - t0;
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    /* The first line at once, the second a second later, then exit. */
    cr_assert_geq(took, 900, "2 lines took %lld ms", took);
    cr_assert_lt(took, 5000, "2 lines took %lld ms", took);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=[0-9]+$", 1), 2);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, appends_to_existing_file)
{
    write_str(scratch_path("app.log"), "old\n");
    struct proc *p = RUN(10000, "-i", "0", "-c", "3", "--no-time");
    cr_assert_eq(exit_code(p), 0);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_str_eq(b.data, "old\nseq=1\nseq=2\nseq=3\n");
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, timestamp_is_local_time_with_offset)
{
    setenv("TZ", "IST-5:30", 1); /* a POSIX TZ string: no tzdata needed */
    time_t before = time(NULL);
    struct proc *p = RUN(10000, "-c", "1");
    cr_assert_eq(exit_code(p), 0);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=1$", 1), 1);
    cr_assert(strstr(b.data, "+0530 seq=1"), "%s", b.data);
    struct tm tm = {0};
    cr_assert_not_null(strptime(b.data, "%Y-%m-%dT%H:%M:%S", &tm));
    time_t when = mktime(&tm); /* local time, as TZ says */
    cr_assert(when >= before - 1 && when <= time(NULL) + 1, "timestamp %s is not now", b.data);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, start_sets_first_sequence_number)
{
    struct proc *p = RUN(10000, "-i", "0", "-c", "5", "--start", "1000");
    cr_assert_eq(exit_code(p), 0);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=[0-9]+$", 1000), 5);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, size_pads_every_line_exactly)
{
    struct proc *p = RUN(10000, "-i", "0", "-c", "20", "--size", "100", "--mono");
    cr_assert_eq(exit_code(p), 0);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(b.len, 20 * 100);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=[0-9]+ mono=[0-9]+ x+$", 1), 20);
    for (size_t i = 0; i < 20; i++)
        cr_assert_eq(b.data[i * 100 + 99], '\n', "line %zu is not 100 bytes", i + 1);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, size_below_natural_length_changes_nothing)
{
    /* "seq=1\n" is 6 bytes: 3 leaves it alone, 7 adds a lone space, 8 a
     * space and one x. */
    struct {
        const char *size, *want;
    } cases[] = {{"3", "seq=1\n"}, {"6", "seq=1\n"}, {"7", "seq=1 \n"}, {"8", "seq=1 x\n"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = scratch_path(cases[i].size);
        struct proc *p = RUN(10000, "-f", path, "-c", "1", "--no-time", "-s", cases[i].size);
        cr_assert_eq(exit_code(p), 0);
        struct buf b = {0};
        read_file(path, &b);
        cr_assert_str_eq(b.data, cases[i].want, "--size %s", cases[i].size);
        buf_free(&b);
        proc_free(p);
    }
}

Test(log_writer, large_size_lines)
{
    /* Lines larger than a --rate batch are still written whole. */
    struct proc *p = RUN(20000, "-r", "1000", "-c", "10", "-s", "200000");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(b.len, 10 * 200000);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=[0-9]+ x+$", 1), 10);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, mono_is_the_monotonic_clock)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long before = ts.tv_sec * 1000000000LL + ts.tv_nsec;
    struct proc *p = RUN(10000, "-i", "0.01", "-c", "3", "--mono", "--no-time");
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long after = ts.tv_sec * 1000000000LL + ts.tv_nsec;
    cr_assert_eq(exit_code(p), 0);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(check_lines(&b, "^seq=[0-9]+ mono=[0-9]+$", 1), 3);
    long long last = before;
    for (const char *s = b.data; (s = strstr(s, "mono=")) != NULL; s++) {
        long long v = atoll(s + 5);
        cr_assert(v >= last && v <= after, "mono=%lld not in [%lld, %lld]", v, last, after);
        last = v;
    }
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, rate_is_accurate_and_loses_nothing)
{
    long long t0 = now_ms();
    struct proc *p = RUN(30000, "--rate", "10000", "--count", "20000");
    long long took = now_ms() - t0;
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    /* 20000 lines at 10000/s: the last is due 1.9999 s after the first. */
    cr_assert_geq(took, 1900, "took %lld ms", took);
    cr_assert_lt(took, 10000, "took %lld ms", took);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_eq(check_lines(&b, "^" TS_RE " seq=[0-9]+$", 1), 20000);
    buf_free(&b);
    proc_free(p);
}

Test(log_writer, count_zero_creates_empty_file)
{
    struct proc *p = RUN(10000, "-c", "0");
    cr_assert_eq(exit_code(p), 0);
    struct stat st;
    cr_assert_eq(stat(scratch_path("app.log"), &st), 0);
    cr_assert_eq(st.st_size, 0);
    proc_free(p);
}

/* Waits until path holds at least `bytes` bytes. */
static bool wait_size(const char *path, off_t bytes, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    struct stat st;
    while (stat(path, &st) != 0 || st.st_size < bytes) {
        if (now_ms() > deadline)
            return false;
        usleep(2000);
    }
    return true;
}

/* Starts a writer, stops it with sig once it has written something, and
 * checks that it exited 0 leaving only complete, consecutive lines. */
static void stop_mid_run(int sig, const char *const *args, const char *re)
{
    const char *argv[16] = {bin_path("log_writer")};
    for (size_t i = 0; args[i]; i++)
        argv[i + 1] = args[i];
    struct proc *p = proc_start(argv, scratch_dir(), 0);
    cr_assert(wait_size(scratch_path("app.log"), 1, 10000), "nothing written");
    int status = proc_stop(p, sig, 10000);
    cr_assert_eq(exit_code(p), 0, "status %d, stderr: %s", status, p->err.data);
    struct buf b = {0};
    read_log("app.log", &b);
    cr_assert_gt(check_lines(&b, re, 1), 0);
    buf_free(&b);
    proc_free(p);
    remove(scratch_path("app.log"));
}

Test(log_writer, sigterm_and_sigint_leave_complete_lines_and_exit_0)
{
    const char *fast[] = {"-r", "50000", "-s", "3000", NULL};
    const char *asap[] = {"-i", "0", NULL};
    const char *slow[] = {"-i", "30", NULL}; /* stopped while it waits */
    for (int i = 0; i < 10; i++) {
        stop_mid_run(i % 2 ? SIGINT : SIGTERM, fast, "^" TS_RE " seq=[0-9]+ x+$");
        stop_mid_run(i % 2 ? SIGTERM : SIGINT, asap, "^" TS_RE " seq=[0-9]+$");
    }
    long long t0 = now_ms();
    stop_mid_run(SIGTERM, slow, "^" TS_RE " seq=[0-9]+$");
    cr_assert_lt(now_ms() - t0, 10000, "SIGTERM did not interrupt the wait");
}

Test(log_writer, bad_arguments_exit_2_with_prefix)
{
    const char *cases[][5] = {
        {"--interval", "-1"},
        {"--interval", "abc"},
        {"-i", "1s"},
        {"--interval", "nan"},
        {"--rate", "0"},
        {"--rate", "-5"},
        {"--count", "-5"},
        {"--count", "x"},
        {"-c", ""},
        {"--size", "1e3"},
        {"--size", "99999999999"},
        {"--start", "-1"},
        {"--bogus"},
        {"-x"},
        {"-i", "1", "-r", "5"},
        {"extra"},
        {"--count"},
        {"--mono=1"},
        {"--file", ""},
        {"--rotate=bogus", "--rotate-every=5"},
        {"--rotate=rename"},
        {"--rotate-every=5"},
        {"--rotate=rename", "--rotate-every=0"},
        {"--rotate=rename", "--rotate-every=5", "--rotate-bytes=100"},
        {"--rotate=rename", "--rotate-bytes=1X"},
        {"--rotate=rename", "--rotate-bytes=99999999999G"},
        {"--rotate=rename", "--rotate-seconds=0"},
        {"--rotate=rename", "--rotate-seconds=-1"},
        {"--rotate=rename", "--rotate-every=5", "--keep=0"},
        {"--rotate=copytruncate", "--rotate-every=5", "--keep=0"},
        {"--rotate=delete", "--rotate-every=5", "--keep=2"},
        {"--rotate=rename", "--rotate-every=5", "--truncate-delay=1"},
        {"--rotate=copytruncate", "--rotate-every=5", "--truncate-delay=x"},
        {"--keep=3"},
        {"--report", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[7] = {bin_path("log_writer")};
        for (size_t j = 0; j < 5 && cases[i][j]; j++)
            argv[j + 1] = cases[i][j];
        struct proc *p = proc_start(argv, scratch_dir(), 0);
        cr_assert(proc_wait_exit(p, 10000), "case %zu (%s) did not exit", i, argv[1]);
        cr_assert_eq(exit_code(p), 2, "case %zu (%s): exit %d", i, argv[1], exit_code(p));
        cr_assert_eq(strncmp(p->err.data, "log_writer: ", 12), 0, "case %zu (%s): stderr: %s", i,
                     argv[1], p->err.data);
        cr_assert_eq(p->out.len, 0);
        proc_free(p);
        cr_assert_neq(access(scratch_path("app.log"), F_OK), 0, "case %zu created app.log", i);
    }
}

static const char *const options[] = {
    "--file",           "-f",       "--interval",       "-i",
    "--rate",           "-r",       "--count",          "-c",
    "--size",           "-s",       "--start",          "--mono",
    "--no-time",        "--rotate", "--rotate-every",   "--rotate-bytes",
    "--rotate-seconds", "--keep",   "--truncate-delay", "--report",
    "--help",           "-h",       "--version",        "copytruncate",
    "symlink",          "SIGHUP"};

Test(log_writer, help_mentions_every_option_and_matches_man_page)
{
    struct proc *p = RUN(10000, "--help");
    cr_assert_eq(exit_code(p), 0);
    cr_assert_eq(p->err.len, 0);
    cr_assert_eq(strncmp(p->out.data, "Usage: log_writer", 17), 0, "%s", p->out.data);

    const char *src = getenv("ATAIL_SOURCE_DIR");
    cr_assert_not_null(src);
    char man[4096];
    snprintf(man, sizeof man, "%s/man/log_writer.1", src);
    struct buf page = {0};
    read_file(man, &page);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        cr_assert(strstr(p->out.data, options[i]), "--help lacks %s", options[i]);
        /* In roff, a '-' is written '\-'. */
        char roff[64];
        size_t n = 0;
        for (const char *s = options[i]; *s; s++) {
            if (*s == '-')
                roff[n++] = '\\';
            roff[n++] = *s;
        }
        roff[n] = '\0';
        cr_assert(strstr(page.data, roff), "man page lacks %s", roff);
    }
    buf_free(&page);
    proc_free(p);

    p = RUN(10000, "-h");
    cr_assert_eq(exit_code(p), 0);
    cr_assert_eq(strncmp(p->out.data, "Usage: log_writer", 17), 0);
    proc_free(p);
}

Test(log_writer, version)
{
    struct proc *p = RUN(10000, "--version");
    cr_assert_eq(exit_code(p), 0);
    cr_assert(strstr(p->out.data, "log_writer") && strstr(p->out.data, "0.1.0"), "%s", p->out.data);
    proc_free(p);
}

Test(log_writer, file_in_missing_directory_exits_1)
{
    const char *path = scratch_path("missing/dir/app.log");
    struct proc *p = RUN(10000, "--file", path, "-c", "1");
    cr_assert_eq(exit_code(p), 1);
    cr_assert_eq(strncmp(p->err.data, "log_writer: ", 12), 0, "%s", p->err.data);
    cr_assert(strstr(p->err.data, path), "%s", p->err.data);
    proc_free(p);
}

Test(log_writer, write_error_exits_1)
{
    struct proc *p = RUN(10000, "--file", "/dev/full", "-c", "1");
    cr_assert_eq(exit_code(p), 1);
    cr_assert_eq(strncmp(p->err.data, "log_writer: ", 12), 0, "%s", p->err.data);
    cr_assert(strstr(p->err.data, "No space"), "%s", p->err.data);
    proc_free(p);
}

/* ---- rotation ------------------------------------------------------------ */

/* The whole content of scratch file `name`, or NULL when it is missing. */
static char *content(const char *name)
{
    if (access(scratch_path(name), F_OK) != 0)
        return NULL;
    struct buf b = {0};
    read_log(name, &b);
    return b.data;
}

static void expect_content(const char *name, const char *want)
{
    char *got = content(name);
    if (!want) {
        cr_assert_null(got, "%s exists: \"%s\"", name, got);
        return;
    }
    cr_assert_not_null(got, "%s is missing", name);
    cr_assert_str_eq(got, want, "%s", name);
    free(got);
}

Test(log_writer, rename_rotation_shifts_and_keeps_k_files)
{
    struct proc *p = RUN(10000, "-i", "0", "-c", "10", "--no-time", "--rotate=rename",
                         "--rotate-every=2", "--keep=3", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    cr_assert_eq(p->err.len, 0, "%s", p->err.data);
    expect_content("app.log", "seq=9\nseq=10\n");
    expect_content("app.log.1", "seq=7\nseq=8\n");
    expect_content("app.log.2", "seq=5\nseq=6\n");
    expect_content("app.log.3", "seq=3\nseq=4\n");
    expect_content("app.log.4", NULL);
    expect_content("report", "# rotation 1 rename before seq=3\n"
                             "# rotation 2 rename before seq=5\n"
                             "# rotation 3 rename before seq=7\n"
                             "# rotation 4 rename before seq=9\n");
    proc_free(p);
}

Test(log_writer, rotation_report_goes_to_stderr_by_default)
{
    struct proc *p =
        RUN(10000, "-i", "0", "-c", "3", "--no-time", "--rotate=rename", "--rotate-every=2");
    cr_assert_eq(exit_code(p), 0);
    cr_assert_str_eq(p->err.data, "# rotation 1 rename before seq=3\n");
    proc_free(p);
}

Test(log_writer, rotate_bytes_ends_files_with_the_line_reaching_the_limit)
{
    /* "seq=N\n" is 6 bytes for N < 10: 13 bytes are reached by the third
     * line of each file. */
    struct proc *p = RUN(10000, "-i", "0", "-c", "10", "--no-time", "--rotate=rename",
                         "--rotate-bytes=13", "--keep=9");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    expect_content("app.log.3", "seq=1\nseq=2\nseq=3\n");
    expect_content("app.log.2", "seq=4\nseq=5\nseq=6\n");
    expect_content("app.log.1", "seq=7\nseq=8\nseq=9\n");
    expect_content("app.log", "seq=10\n");
    proc_free(p);
    /* Suffixes: 1K is 1024 bytes; the batch of a fast --rate stops there. */
    p = RUN(20000, "-r", "100000", "-c", "1000", "-s", "100", "-f", scratch_path("k.log"),
            "--rotate=rename", "--rotate-bytes=1K", "--keep=200", "--report", scratch_path("r"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    struct stat st;
    cr_assert_eq(stat(scratch_path("k.log.1"), &st), 0);
    cr_assert_eq(st.st_size, 1100, "a file of 11 lines of 100 bytes, not %lld",
                 (long long)st.st_size);
    proc_free(p);
}

Test(log_writer, delete_rotation_keeps_nothing)
{
    struct proc *p = RUN(10000, "-i", "0", "-c", "10", "--no-time", "--rotate=delete",
                         "--rotate-every=4", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    expect_content("app.log", "seq=9\nseq=10\n");
    expect_content("app.log.1", NULL);
    expect_content("report", "# rotation 1 delete before seq=5\n"
                             "# rotation 2 delete before seq=9\n");
    proc_free(p);
}

Test(log_writer, symlink_rotation_switches_link_and_resumes)
{
    struct proc *p = RUN(10000, "-i", "0", "-c", "10", "--no-time", "--rotate=symlink",
                         "--rotate-every=3", "--keep=1", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    char target[64] = "";
    cr_assert_gt(readlink(scratch_path("app.log"), target, sizeof target - 1), 0);
    cr_assert_str_eq(target, "app.log.0004");
    expect_content("app.log.0004", "seq=10\n");
    expect_content("app.log.0003", "seq=7\nseq=8\nseq=9\n");
    expect_content("app.log.0002", NULL); /* --keep=1 */
    expect_content("app.log.0001", NULL);
    struct buf b = {0};
    read_log("report", &b);
    cr_assert(strstr(b.data, "# rotation 3 symlink to ") && strstr(b.data, "app.log.0004 before "
                                                                           "seq=10\n"),
              "%s", b.data);
    buf_free(&b);
    proc_free(p);

    /* Started again: goes on with the file the link leads to. */
    p = RUN(10000, "-i", "0", "-c", "2", "--start", "11", "--no-time", "--rotate=symlink",
            "--rotate-every=3", "--keep=1", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    expect_content("app.log.0004", "seq=10\nseq=11\nseq=12\n");
    proc_free(p);

    /* A regular file in the link's place is not destroyed. */
    write_str(scratch_path("plain.log"), "keep me\n");
    p = RUN(10000, "-c", "1", "-f", scratch_path("plain.log"), "--rotate=symlink",
            "--rotate-every=3");
    cr_assert_eq(exit_code(p), 1);
    cr_assert(strstr(p->err.data, "not a symbolic link"), "%s", p->err.data);
    expect_content("plain.log", "keep me\n");
    proc_free(p);
}

Test(log_writer, copytruncate_copies_then_truncates_in_place)
{
    struct proc *p = RUN(10000, "-i", "0", "-c", "10", "--no-time", "--rotate=copytruncate",
                         "--rotate-every=4", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    expect_content("app.log.2", "seq=1\nseq=2\nseq=3\nseq=4\n");
    expect_content("app.log.1", "seq=5\nseq=6\nseq=7\nseq=8\n");
    expect_content("app.log", "seq=9\nseq=10\n"); /* from offset 0: O_APPEND */
    expect_content("report", "# rotation 1 copytruncate before seq=5: nothing written between "
                             "the copy and the truncation\n"
                             "# rotation 2 copytruncate before seq=9: nothing written between "
                             "the copy and the truncation\n");
    proc_free(p);
}

Test(log_writer, copytruncate_delay_loses_and_reports_exactly)
{
    /* A line every 10 ms, 45 ms between copy and truncation: lines 6-10
     * (or so) are lost, and reported as such; too few lines follow for a
     * second rotation. */
    struct proc *p =
        RUN(10000, "-i", "0.01", "-c", "14", "--no-time", "--rotate=copytruncate",
            "--rotate-every=5", "--truncate-delay=0.045", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    char *copy = content("app.log.1"), *rep = content("report");
    cr_assert_not_null(copy);
    cr_assert_str_eq(copy, "seq=1\nseq=2\nseq=3\nseq=4\nseq=5\n");
    /* The report names the first line after the copy up to the last
     * before the truncation; the file starts right after it. */
    unsigned first, last;
    cr_assert_eq(sscanf(rep, "%u-%u # rotation 1 copytruncate", &first, &last), 2, "%s", rep);
    cr_assert_eq(first, 6, "%s", rep);
    cr_assert(last >= 7 && last <= 12, "%s", rep);
    char *now = content("app.log");
    char want[16];
    snprintf(want, sizeof want, "seq=%u\n", last + 1);
    cr_assert_eq(strncmp(now, want, strlen(want)), 0, "app.log: %s\nreport: %s", now, rep);
    free(copy);
    free(rep);
    free(now);
    proc_free(p);
}

Test(log_writer, copytruncate_pending_at_exit_is_left_undone)
{
    long long t0 = now_ms();
    struct proc *p =
        RUN(10000, "-i", "0", "-c", "6", "--no-time", "--rotate=copytruncate", "--rotate-every=4",
            "--truncate-delay=100", "--report", scratch_path("report"));
    cr_assert_lt(now_ms() - t0, 5000, "waited for the truncation");
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    expect_content("app.log.1", "seq=1\nseq=2\nseq=3\nseq=4\n");
    expect_content("app.log", "seq=1\nseq=2\nseq=3\nseq=4\nseq=5\nseq=6\n");
    expect_content("report", "# rotation 1 copytruncate before seq=5: not truncated, the writer "
                             "stopped first\n");
    proc_free(p);
}

/* Counts the lines of the report that start with "# rotation". */
static int rotations_reported(const char *name)
{
    char *rep = content(name);
    cr_assert_not_null(rep);
    int n = 0;
    for (const char *s = rep; (s = strstr(s, "# rotation ")) != NULL; s++)
        n++;
    free(rep);
    return n;
}

Test(log_writer, rotate_seconds_on_schedule_even_when_idle)
{
    /* 1000 lines at 2000/s: 0.5 s, a rotation every 0.1 s: about 4. */
    struct proc *p = RUN(20000, "-r", "2000", "-c", "1000", "--rotate=rename",
                         "--rotate-seconds=0.1", "--keep=50", "--report", scratch_path("report"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    int n = rotations_reported("report");
    cr_assert(n >= 3 && n <= 6, "%d rotations", n);
    proc_free(p);
    /* Two lines 0.5 s apart: rotations go on while no line is due. */
    p = RUN(20000, "-i", "0.5", "-c", "2", "-f", scratch_path("idle.log"), "--rotate=rename",
            "--rotate-seconds=0.1", "--keep=50", "--report", scratch_path("report2"));
    cr_assert_eq(exit_code(p), 0, "stderr: %s", p->err.data);
    n = rotations_reported("report2");
    cr_assert(n >= 3 && n <= 6, "%d rotations", n);
    proc_free(p);
}

Test(log_writer, sighup_reopens_by_name)
{
    const char *argv[] = {bin_path("log_writer"), "-i", "0.002", "--no-time", "--report",
                          scratch_path("report"), NULL};
    struct proc *p = proc_start(argv, scratch_dir(), 0);
    cr_assert(wait_size(scratch_path("app.log"), 60, 10000), "nothing written");
    /* An outside rotation: the writer keeps writing to the renamed file
     * until SIGHUP, then to a new app.log. */
    cr_assert_eq(rename(scratch_path("app.log"), scratch_path("app.log.1")), 0);
    cr_assert_eq(kill(p->pid, SIGHUP), 0);
    cr_assert(wait_size(scratch_path("app.log"), 60, 10000), "app.log not reopened");
    int status = proc_stop(p, SIGTERM, 10000);
    cr_assert_eq(exit_code(p), 0, "status %d, stderr: %s", status, p->err.data);
    struct buf old = {0}, now = {0};
    read_log("app.log.1", &old);
    read_log("app.log", &now);
    size_t n_old = check_lines(&old, "^seq=[0-9]+$", 1);
    cr_assert_gt(check_lines(&now, "^seq=[0-9]+$", n_old + 1), 0);
    buf_free(&old);
    buf_free(&now);
    char *rep = content("report");
    char want[128];
    snprintf(want, sizeof want, "# reopened app.log (SIGHUP) before seq=%zu\n", n_old + 1);
    cr_assert_str_eq(rep, want);
    free(rep);
    proc_free(p);
}

Test(log_writer, sigterm_during_rotations_exits_0)
{
    const char *modes[] = {"--rotate=rename", "--rotate=copytruncate", "--rotate=delete",
                           "--rotate=symlink"};
    for (size_t i = 0; i < 4; i++) {
        char name[32], report[32];
        snprintf(name, sizeof name, "m%zu.log", i);
        snprintf(report, sizeof report, "m%zu.report", i);
        const char *argv[] = {bin_path("log_writer"),
                              "-r",
                              "50000",
                              "-f",
                              scratch_path(name),
                              modes[i],
                              "--rotate-every=100",
                              "--report",
                              scratch_path(report),
                              NULL};
        /* Each its own report: the signal must not come before the writer
         * has started. */
        struct proc *p = proc_start(argv, scratch_dir(), 0);
        cr_assert(wait_size(scratch_path(report), 200, 10000), "%s: no rotation", modes[i]);
        int status = proc_stop(p, i % 2 ? SIGINT : SIGTERM, 10000);
        cr_assert_eq(exit_code(p), 0, "%s: status %d, stderr: %s", modes[i], status, p->err.data);
        proc_free(p);
    }
}
