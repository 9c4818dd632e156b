/* test_limits.c - resource limits of issue 6, end to end: a running atail
 * keeps the same number of descriptors and a flat RSS across 10,000
 * rotations by rename (-F) and 10,000 truncations (-f), done by the test
 * as fast as atail follows them. Counted from the outside, in
 * /proc/PID/fd and /proc/PID/status, so the real binary is measured.
 * Then rotations as logrotate's `create` makes them, one at a time (the
 * new line must come at once) and in quick batches (no line lost). */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Deadlines, scaled under valgrind (harness_slowdown()). */
#define WAIT_MS (10000 * harness_slowdown())
#define ROTATIONS 10000
/* Rotations before the first measurement: buffers, watches and timers
 * that come with the first rotation exist by then. */
#define WARMUP 100
/* Rotated files kept, as logrotate's `rotate 50`. */
#define KEEP 50
/* VmRSS may move by this much (kB) between the two measurements: a
 * follower that keeps nothing per rotation stays within a page or two
 * (the truncation test measures 0 kB); 128 KiB allows one step of malloc's
 * top pad. "A few MiB" would hide 200 bytes kept per rotation. */
#define RSS_SLACK_KB 128

TestSuite(limits, .fini = kill_scratch_procs, .timeout = 180);

struct usage {
    int fds;
    long rss_kb;
};

static struct usage measure(pid_t pid)
{
    struct usage u = {proc_fd_count(pid), proc_status_kb(pid, "VmRSS")};
    cr_assert_gt(u.fds, 0, "cannot read /proc/%d/fd", (int)pid);
    cr_assert_gt(u.rss_kb, 0, "cannot read /proc/%d/status", (int)pid);
    return u;
}

/* AddressSanitizer keeps freed memory in quarantine (up to 256 MiB), so
 * an ASan build's RSS grows without any leak: the RSS check is then left
 * to LeakSanitizer. */
static bool runs_asan(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    struct buf maps = {0};
    read_file(path, &maps);
    bool asan = strstr(maps.data, "libasan") != NULL;
    buf_free(&maps);
    return asan;
}

/* "gen0\n" ... "genN\n" */
static void expected_lines(struct buf *b, int n)
{
    FILE *f = open_memstream(&b->data, &b->len);
    cr_assert_not_null(f);
    for (int i = 0; i <= n; i++)
        fprintf(f, "gen%d\n", i);
    fclose(f);
}

/* Counts the lines of s equal to `line` (with its newline). */
static int count_lines(const char *s, const char *line)
{
    int n = 0;
    size_t len = strlen(line);
    for (const char *p = s; (p = strstr(p, line)) != NULL; p += len)
        if (p == s || p[-1] == '\n')
            n++;
    return n;
}

/* Checks the follower's output (every generation exactly once, in order)
 * and its usage before and after; returns nothing, fails on a leak. */
static void judge(struct proc *p, struct usage before, struct usage after, long long ms,
                  const char *what)
{
    struct buf want = {0};
    expected_lines(&want, ROTATIONS);
    if (p->out.len != want.len || memcmp(p->out.data, want.data, want.len) != 0) {
        size_t i = 0;
        while (i < p->out.len && i < want.len && p->out.data[i] == want.data[i])
            i++;
        size_t from = i > 40 ? i - 40 : 0;
        cr_expect_fail("%s: output differs from gen0..gen%d at byte %zu: \"%.80s\" (want "
                       "\"%.80s\")",
                       what, ROTATIONS, i, p->out.data + from, want.data + from);
    }
    free(want.data);
    bool asan = runs_asan(p->pid);
    /* Under valgrind (scripts/valgrind.sh), VmRSS is mostly valgrind's
     * own, which grows as it translates more of the code: not judged
     * either (the normal build judges it); the rest is. */
    bool vg = runs_under_valgrind(bin_path("atail"));
    fprintf(stderr,
            "%s: %d in %lld ms (%.2f ms each); descriptors %d -> %d, VmRSS %ld -> %ld kB, "
            "VmHWM %ld kB%s\n",
            what, ROTATIONS - WARMUP, ms, (double)ms / (ROTATIONS - WARMUP), before.fds, after.fds,
            before.rss_kb, after.rss_kb, proc_status_kb(p->pid, "VmHWM"),
            asan ? " (ASan build: RSS not judged)"
            : vg ? " (under valgrind: RSS not judged)"
                 : "");
    cr_expect(after.fds >= before.fds - 1 && after.fds <= before.fds + 1,
              "%s: descriptors %d after %d rotations, %d before: a leak", what, after.fds,
              ROTATIONS - WARMUP, before.fds);
    if (!asan && !vg)
        cr_expect_leq(after.rss_kb - before.rss_kb, RSS_SLACK_KB,
                      "%s: VmRSS grew from %ld to %ld kB in %d rotations: memory kept per "
                      "rotation",
                      what, before.rss_kb, after.rss_kb, ROTATIONS - WARMUP);
}

/* Stops a follower that must still be running, by SIGTERM. */
static void stop(struct proc *p)
{
    cr_assert(proc_running(p), "atail ended early: status %d, stderr \"%.300s\"", p->status,
              p->err.data);
    int st = proc_stop(p, SIGTERM, WAIT_MS);
    cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM: status 0x%x", st);
}

/* -F through 10,000 rotations by rename: a new log holding one line is
 * swapped in for app.log (renameat2 RENAME_EXCHANGE, so the name is never
 * missing), then the old log, now at app.log.new, is renamed to
 * app.log.(i % 50), replacing the rotated file of 50 rotations ago. Each
 * rotation waits for its line. (Rotations in batches, and a new log
 * created empty and written a little later, are rename_rotations_in_batches
 * and rename_rotation_latency below; this test measures leaks.) */
Test(limits, no_leak_across_rename_rotations)
{
    struct proc *h =
        run((const char *const[]){bin_path("atail"), "--help", NULL}, NULL, 0, WAIT_MS);
    bool has_name = strstr(h->out.data, "same as --follow=name --retry\n") != NULL;
    proc_free(h);
    cr_assert(has_name, "this atail has no -F");

    const char *dir = scratch_path("rot");
    cr_assert_eq(mkdir(dir, 0755), 0);
    const char *log = scratch_path("rot/app.log"), *next = scratch_path("rot/app.log.new");
    write_str(log, "gen0\n");
    struct proc *p = proc_start(
        (const char *const[]){bin_path("atail"), "-F", "-n", "+1", log, NULL}, scratch_dir(), 0);
    cr_assert(proc_wait_count(p, '\n', 1, WAIT_MS), "gen0 never came");
    struct usage before = {0, 0};
    long long t0 = 0;
    for (int i = 1; i <= ROTATIONS; i++) {
        char line[32], old[64];
        snprintf(line, sizeof line, "gen%d\n", i);
        write_str(next, line);
        snprintf(old, sizeof old, "rot/app.log.%d", i % KEEP);
        cr_assert_eq(renameat2(AT_FDCWD, next, AT_FDCWD, log, RENAME_EXCHANGE), 0, "renameat2: %s",
                     strerror(errno));
        cr_assert_eq(rename(next, scratch_path(old)), 0);
        cr_assert(proc_wait_count(p, '\n', (size_t)i + 1, WAIT_MS),
                  "rotation %d: the new line never came (last output \"%.60s\", stderr \"%.300s\")",
                  i, p->out.len > 60 ? p->out.data + p->out.len - 60 : p->out.data,
                  p->err.len > 300 ? p->err.data + p->err.len - 300 : p->err.data);
        if (i == WARMUP) {
            before = measure(p->pid);
            t0 = now_ms();
        }
    }
    long long ms = now_ms() - t0;
    struct usage after = measure(p->pid);
    judge(p, before, after, ms, "atail -F, rename rotations");
    char msg[512];
    snprintf(msg, sizeof msg, "atail: '%s' has been replaced;  following new file\n", log);
    int replaced = count_lines(p->err.data, msg);
    cr_expect_eq(replaced, ROTATIONS,
                 "%d \"has been replaced\" messages for %d rotations; stderr ends \"%.300s\"",
                 replaced, ROTATIONS,
                 p->err.len > 300 ? p->err.data + p->err.len - 300 : p->err.data);
    stop(p);
    proc_free(p);
}

/* -f through 10,000 truncations: the file is truncated and rewritten with
 * one line (as copytruncate leaves it), each time once atail has printed
 * the previous line. */
Test(limits, no_leak_across_truncations)
{
    const char *log = scratch_path("trunc.log");
    write_str(log, "gen0\n");
    struct proc *p = proc_start(
        (const char *const[]){bin_path("atail"), "-f", "-n", "+1", log, NULL}, scratch_dir(), 0);
    cr_assert(proc_wait_count(p, '\n', 1, WAIT_MS), "gen0 never came");
    struct usage before = {0, 0};
    long long t0 = 0;
    for (int i = 1; i <= ROTATIONS; i++) {
        char line[32];
        snprintf(line, sizeof line, "gen%d\n", i);
        write_str(log, line);
        cr_assert(proc_wait_count(p, '\n', (size_t)i + 1, WAIT_MS),
                  "truncation %d: the new line never came (stderr \"%.300s\")", i,
                  p->err.len > 300 ? p->err.data + p->err.len - 300 : p->err.data);
        if (i == WARMUP) {
            before = measure(p->pid);
            t0 = now_ms();
        }
    }
    long long ms = now_ms() - t0;
    struct usage after = measure(p->pid);
    judge(p, before, after, ms, "atail -f, truncations");
    char msg[512];
    snprintf(msg, sizeof msg, "atail: %s: file truncated\n", log);
    cr_expect_eq(count_lines(p->err.data, msg), ROTATIONS,
                 "want one \"file truncated\" per truncation; stderr ends \"%.300s\"",
                 p->err.len > 300 ? p->err.data + p->err.len - 300 : p->err.data);
    stop(p);
    proc_free(p);
}

/* Starts atail -F -n +1 on rot/app.log holding "gen0\n". */
static struct proc *start_name_follower(const char **log)
{
    struct proc *h =
        run((const char *const[]){bin_path("atail"), "--help", NULL}, NULL, 0, WAIT_MS);
    bool has_name = strstr(h->out.data, "same as --follow=name --retry\n") != NULL;
    proc_free(h);
    cr_assert(has_name, "this atail has no -F");
    cr_assert_eq(mkdir(scratch_path("rot"), 0755), 0);
    *log = scratch_path("rot/app.log");
    write_str(*log, "gen0\n");
    struct proc *p = proc_start(
        (const char *const[]){bin_path("atail"), "-F", "-n", "+1", *log, NULL}, scratch_dir(), 0);
    cr_assert(proc_wait_output(p, "gen0\n", WAIT_MS), "gen0 never came");
    return p;
}

/* One rotation the way logrotate's `create` does it: rename the log to
 * rot/app.log.i and create the new log, empty; then, delay_ms later (the
 * writer reopening its log), the writer writes a line. */
static void rotate_create(const char *log, int i, int delay_ms)
{
    char old[64], line[32];
    snprintf(old, sizeof old, "rot/app.log.%d", i);
    cr_assert_eq(rename(log, scratch_path(old)), 0);
    write_str(log, "");
    if (delay_ms)
        poll(NULL, 0, delay_ms);
    snprintf(line, sizeof line, "gen%d\n", i);
    append_str(log, line);
}

/* Rotation as logrotate's `create` does it, one at a time, the writer
 * writing to the new log 20 ms after it was created: that line must come
 * out at once (GNU tail -F: within 5 ms), not after the rotate grace (2 s):
 * the new file got data, so the grace is over. */
Test(limits, rename_rotation_latency)
{
    const char *log;
    struct proc *p = start_name_follower(&log);
    long long worst = 0;
    for (int i = 1; i <= 10; i++) {
        rotate_create(log, i, 20);
        long long t0 = now_ms(); /* the line is written */
        char line[32];
        snprintf(line, sizeof line, "gen%d\n", i);
        cr_assert(proc_wait_output(p, line, WAIT_MS), "rotation %d: the new line never came", i);
        long long ms = now_ms() - t0;
        worst = ms > worst ? ms : worst;
        if (ms > 500) {
            cr_expect_fail("BUG: rotation %d (mv app.log app.log.%d; : > app.log; sleep 0.02; "
                           "echo gen%d >> app.log): the new line came %lld ms after it was "
                           "written",
                           i, i, i, ms);
            break;
        }
    }
    fprintf(stderr, "rename_rotation_latency: slowest rotation %lld ms\n", worst);
    stop(p);
    proc_free(p);
}

/* logrotate's `rotate KEEP` with `create`: app.log.(KEEP-1) .. app.log.1
 * shift up one (the last one is replaced), app.log becomes app.log.1, a
 * new app.log is created empty, then written. */
static void rotate_shifting(const char *log, int i, int keep)
{
    for (int k = keep - 1; k >= 1; k--) {
        char from[64], to[64];
        snprintf(from, sizeof from, "rot/app.log.%d", k);
        snprintf(to, sizeof to, "rot/app.log.%d", k + 1);
        if (rename(scratch_path(from), scratch_path(to)) < 0)
            cr_assert_eq(errno, ENOENT, "rename %s: %s", from, strerror(errno));
    }
    cr_assert_eq(rename(log, scratch_path("rot/app.log.1")), 0);
    write_str(log, "");
    char line[32];
    snprintf(line, sizeof line, "gen%d\n", i);
    append_str(log, line);
}

/* n rotations (rotate(log, i) each) in batches: the batch's last line is
 * waited for only after the whole batch, so that atail falls behind. No
 * generation is deleted before it could be read, so every line must come
 * out exactly once, in order (the library follows the rename history of
 * the name). The output is complete once gen<n> came and nothing more came
 * for 2.5 s, longer than the rotate grace (or 10 s passed). */
static void rotations_in_batches(const char *what, int n, int batch,
                                 void (*rotate)(const char *log, int i))
{
    const char *log;
    struct proc *p = start_name_follower(&log);
    for (int i = 1; i <= n; i++) {
        rotate(log, i);
        if (i % batch == 0) {
            char line[32];
            snprintf(line, sizeof line, "\ngen%d\n", i);
            cr_assert(proc_wait_output(p, line, WAIT_MS), "%s: rotation %d: gen%d never came", what,
                      i, i);
        }
    }
    size_t len;
    long long deadline = now_ms() + 10000;
    do {
        len = p->out.len;
        proc_wait_output(p, "\x01never", 2500);
    } while (p->out.len != len && now_ms() < deadline);
    struct buf want = {0};
    expected_lines(&want, n);
    int dups = 0, missing = 0;
    for (int i = 0; i <= n; i++) {
        char line[32];
        snprintf(line, sizeof line, "gen%d\n", i);
        int c = count_lines(p->out.data, line);
        dups += c > 1 ? c - 1 : 0;
        missing += c == 0;
    }
    /* What atail says it lost: its last "LOST: ..." line. */
    const char *notice = NULL;
    for (const char *q = p->err.data; (q = strstr(q, "LOST: ")) != NULL; q++)
        notice = q;
    const char *said = "nothing";
    char said_buf[160];
    if (notice) {
        const char *bol = notice;
        while (bol > p->err.data && bol[-1] != '\n')
            bol--;
        const char *eol = strchr(notice, '\n');
        snprintf(said_buf, sizeof said_buf, "\"%.*s\"", (int)((eol ? eol : notice) - bol), bol);
        said = said_buf;
    }
    size_t at = 0;
    while (at < p->out.len && at < want.len && p->out.data[at] == want.data[at])
        at++;
    bool in_order = p->out.len == want.len && at == want.len;
    fprintf(stderr,
            "%s: %d rotations in batches of %d: %d lines repeated, %d lost, %s; atail "
            "said %s\n",
            what, n, batch, dups, missing, in_order ? "in order" : "out of order", said);
    cr_expect(dups == 0, "%s: %d lines repeated", what, dups);
    cr_expect(missing == 0, "%s: %d lines lost; atail said %s", what, missing, said);
    size_t from = at > 20 ? at - 20 : 0;
    cr_expect(in_order, "%s: output out of order at byte %zu: \"%.60s\"", what, at,
              p->out.data + from);
    free(want.data);
    stop(p);
    proc_free(p);
}

static void rotate_create_now(const char *log, int i)
{
    rotate_create(log, i, 0);
}

/* Every rotated file stays (app.log.1 ... app.log.400). */
Test(limits, rename_rotations_in_batches)
{
    rotations_in_batches("rename_rotations_in_batches", 400, 5, rotate_create_now);
}

#define SHIFT_KEEP 6

static void rotate_shifting_keep(const char *log, int i)
{
    rotate_shifting(log, i, SHIFT_KEEP);
}

/* The rotated files shift names under atail's feet (app.log.1 becomes
 * app.log.2 ...); batches are shorter than what is kept. */
Test(limits, logrotate_shifting_rotations_in_batches)
{
    rotations_in_batches("logrotate_shifting_rotations_in_batches", 300, SHIFT_KEEP - 1,
                         rotate_shifting_keep);
}
