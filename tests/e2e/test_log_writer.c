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
    const char *cases[][4] = {
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
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[6] = {bin_path("log_writer")};
        for (size_t j = 0; j < 4 && cases[i][j]; j++)
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
    "--file", "-f", "--interval", "-i",     "--rate",    "-r",     "--count", "-c",
    "--size", "-s", "--start",    "--mono", "--no-time", "--help", "-h",      "--version"};

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
