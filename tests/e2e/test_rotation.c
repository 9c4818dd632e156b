/* test_rotation.c - the proof of issue 3: atail -F follows a log through
 * every kind of rotation a real system performs, with real files and real
 * processes, and seqcheck (tools/seqcheck.c) proves that no line was lost,
 * duplicated or reordered.
 *
 * Every workload runs the same way: the follower starts on a log that
 * holds one marker line ("ready"), its output going to a file; once the
 * marker is printed, log_writer writes numbered lines at 10,000 lines/s
 * while the log is rotated; when the writer is done and the follower has
 * printed the last line (waited for, with a deadline), the follower is
 * stopped with SIGTERM and seqcheck judges the output.
 *
 * Environment:
 *   ATAIL_ROTATION_SECONDS  duration of each rotation workload (default 10,
 *                           as the issue says; fractions allowed; 5 under
 *                           valgrind, see workload_seconds())
 *   ATAIL_ROTATION_PEER     "gnu": run /usr/bin/tail -F instead of atail
 *                           (tests/rotation/compare_gnu.sh); tests of atail's
 *                           own options (--spawn) are skipped
 *   ATAIL_ROTATION_REPORT   append one line of results per workload to this
 *                           file (for the comparison script)
 *
 * The suite "seqcheck" tests the checker itself. */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* For anything a follower should do promptly; scaled under valgrind
 * (harness_slowdown()). */
#define WAIT_MS (10000 * harness_slowdown())
#define RATE 10000         /* lines per second */
#define ROTATE_EVERY "0.2" /* seconds between rotations */
#define GNU_TAIL "/usr/bin/tail"
#define MARKER "ready\n"
/* Bytes of a follower's stderr quoted in a failure message: enough for the
 * last few notices; Criterion's runner copes badly with huge messages. */
#define ERR_TAIL 800

/* After every test, failed or not: no writer or follower stays running. */
TestSuite(rotation, .fini = kill_scratch_procs);
TestSuite(seqcheck, .fini = kill_scratch_procs);

/* ---- configuration ------------------------------------------------------- */

static bool peer_gnu(void)
{
    const char *p = getenv("ATAIL_ROTATION_PEER");
    return p && strcmp(p, "gnu") == 0;
}

/* Under valgrind (scripts/valgrind.sh), 5 s by default: 25 rotations per
 * workload instead of 50, judged the same way, so that the suite takes
 * about 1.5 minutes instead of 2.5 there. */
static double workload_seconds(void)
{
    const double standard = harness_valgrind() ? 5 : 10;
    const char *s = getenv("ATAIL_ROTATION_SECONDS");
    double v = s ? strtod(s, NULL) : standard;
    return v > 0 ? v : standard;
}

/* Lines a rotation workload writes: RATE per second for its duration. */
static uint64_t workload_lines(void)
{
    uint64_t n = (uint64_t)(workload_seconds() * RATE);
    return n > 0 ? n : 1;
}

static int writer_timeout_ms(void)
{
    return (int)(workload_seconds() * 1000) + 30000;
}

/* A copy of s that lives until exit (reachable, for leak checkers). */
static const char *keep_str(const char *s)
{
    static char *kept[64];
    static size_t n_kept;
    cr_assert_lt(n_kept, sizeof kept / sizeof kept[0]);
    kept[n_kept] = strdup(s);
    cr_assert_not_null(kept[n_kept]);
    return kept[n_kept++];
}

static const char *u64(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return keep_str(s);
}

/* ---- files ----------------------------------------------------------------- */

/* The logs live in a directory of their own, so that the follower's
 * directory watch does not see its own output. */
static const char *log_dir(void)
{
    const char *d = scratch_path("log");
    if (mkdir(d, 0755) != 0)
        cr_assert_eq(errno, EEXIST, "mkdir %s: %s", d, strerror(errno));
    return d;
}

/* log/name in the scratch directory; the directory is created. */
static const char *log_path(const char *name)
{
    char rel[256];
    log_dir();
    snprintf(rel, sizeof rel, "log/%s", name);
    return scratch_path(rel);
}

static const char *app_log(void)
{
    return log_path("app.log");
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The last `max` bytes of a file, for failure messages. */
static char *file_tail(const char *path, size_t max)
{
    struct buf b = {0};
    if (!exists(path))
        return strdup("(none)");
    read_file(path, &b);
    size_t from = b.len > max ? b.len - max : 0;
    char *s = strdup(b.data + from);
    buf_free(&b);
    return s;
}

/* Waits until the file at path contains `needle`, reading only what was
 * added since the last look; woken by inotify when the file changes (and
 * every 100 ms, in case the file was replaced). *scanned carries the
 * offset already searched from one call to the next (start with 0). */
static bool wait_file(const char *path, const char *needle, int timeout_ms, off_t *scanned)
{
    long long deadline = now_ms() + timeout_ms;
    size_t nlen = strlen(needle);
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    cr_assert_geq(in, 0);
    int wd = -1;
    char *chunk = malloc(65536 + nlen);
    cr_assert_not_null(chunk);
    bool found = false;
    for (;;) {
        if (wd < 0)
            wd = inotify_add_watch(in, path, IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            off_t at = *scanned > (off_t)nlen ? *scanned - (off_t)nlen : 0;
            for (;;) {
                ssize_t n = pread(fd, chunk, 65536 + nlen, at);
                if (n <= 0)
                    break;
                if (memmem(chunk, (size_t)n, needle, nlen)) {
                    found = true;
                    break;
                }
                *scanned = at + n;
                if ((size_t)n <= nlen)
                    break;
                at += n - (ssize_t)nlen;
            }
            close(fd);
        }
        long long left = deadline - now_ms();
        if (found || left <= 0)
            break;
        struct pollfd pf = {.fd = in, .events = POLLIN};
        if (poll(&pf, 1, left < 100 ? (int)left : 100) > 0) {
            char ev[4096];
            while (read(in, ev, sizeof ev) > 0) {
            }
        }
    }
    free(chunk);
    close(in);
    return found;
}

/* Copies a program into the scratch directory, where any user may run
 * it (the build tree may not be reachable by nobody). */
static const char *copy_program(const char *from)
{
    const char *base = strrchr(from, '/');
    const char *to = scratch_path(base ? base + 1 : from);
    struct buf b = {0};
    read_file(from, &b);
    write_file(to, b.data, b.len);
    buf_free(&b);
    cr_assert_eq(chmod(to, 0755), 0);
    return to;
}

/* ---- the follower ------------------------------------------------------------ */

enum {
    F_POLL = 0x1,   /* polling backend: -s 0.05 ---disable-inotify */
    F_NOBODY = 0x2, /* run as user nobody, so that permissions matter */
};

struct follower {
    struct proc *p;
    const char *out; /* its standard output */
    const char *err; /* its standard error */
    char cmd[1024];  /* the command, for messages and the report */
    bool early;      /* it had ended before it was to be stopped */
    int status;      /* wait status once stopped */
};

/* How to run as nobody: setpriv (execs, same pid) or runuser. Fails the
 * test loudly when neither exists. */
static void push_nobody(const char **argv, size_t *n)
{
    if (access("/usr/bin/setpriv", X_OK) == 0) {
        argv[(*n)++] = "/usr/bin/setpriv";
        argv[(*n)++] = "--reuid=nobody";
        argv[(*n)++] = "--regid=nogroup";
        argv[(*n)++] = "--clear-groups";
        argv[(*n)++] = "--";
    } else if (access("/usr/sbin/runuser", X_OK) == 0 || access("/sbin/runuser", X_OK) == 0) {
        argv[(*n)++] =
            access("/usr/sbin/runuser", X_OK) == 0 ? "/usr/sbin/runuser" : "/sbin/runuser";
        argv[(*n)++] = "-u";
        argv[(*n)++] = "nobody";
        argv[(*n)++] = "--";
    } else {
        cr_assert_fail("neither setpriv nor runuser exists: cannot run the follower as nobody "
                       "(install util-linux)");
    }
}

/* Starts the follower by name on `file` (NULL: none, e.g. with --spawn
 * and the file in extra), printing from the file's start (-n +1), with
 * extra options (NULL-terminated, may be NULL). The program is atail -F,
 * or GNU tail -F with ATAIL_ROTATION_PEER=gnu. Its standard output and
 * error go to files named after `tag` in the scratch directory; its
 * current directory is the scratch directory. */
static struct follower follower_start(const char *tag, const char *file, unsigned flags,
                                      const char *const *extra)
{
    struct follower f = {0};
    char name[64];
    snprintf(name, sizeof name, "%s.out", tag);
    f.out = scratch_path(name);
    snprintf(name, sizeof name, "%s.err", tag);
    f.err = scratch_path(name);

    const char *argv[48];
    size_t n = 0;
    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = "out=$1 err=$2; shift 2; exec \"$@\" >\"$out\" 2>\"$err\"";
    argv[n++] = "sh";
    argv[n++] = f.out;
    argv[n++] = f.err;
    size_t cmd_start = n;
    const char *prog = peer_gnu() ? GNU_TAIL : bin_path("atail");
    if (flags & F_NOBODY) {
        push_nobody(argv, &n);
        if (!peer_gnu())
            prog = copy_program(prog);
    }
    argv[n++] = prog;
    argv[n++] = "-F";
    argv[n++] = "-n";
    argv[n++] = "+1";
    if (flags & F_POLL) {
        argv[n++] = "-s";
        argv[n++] = "0.05";
        argv[n++] = "---disable-inotify";
    }
    for (size_t i = 0; extra && extra[i]; i++) {
        cr_assert_lt(n, 44);
        argv[n++] = extra[i];
    }
    if (file)
        argv[n++] = file;
    argv[n] = NULL;

    for (size_t i = cmd_start; i < n; i++) {
        size_t len = strlen(f.cmd);
        snprintf(f.cmd + len, sizeof f.cmd - len, "%s%s", i > cmd_start ? " " : "", argv[i]);
    }
    f.p = proc_start(argv, scratch_dir(), 0);
    return f;
}

static bool running(struct proc *p)
{
    if (p->status != -1)
        return false;
    int st;
    if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->status = st;
        return false;
    }
    return true;
}

/* Waits for the follower to print the marker line: it has opened the log
 * and will see every change from now on. */
static void follower_ready(struct follower *f)
{
    off_t scanned = 0;
    bool ok = wait_file(f->out, MARKER, WAIT_MS, &scanned);
    char *err = file_tail(f->err, ERR_TAIL);
    cr_assert(ok, "%s: the marker line never came out (running: %d); stderr: %s", f->cmd,
              running(f->p), err);
    free(err);
}

/* Stops the follower with SIGTERM; it must still be running and end by
 * the signal (or exit 0), not need the SIGKILL proc_stop sends after the
 * deadline. */
static void follower_stop(struct follower *f)
{
    char *err = file_tail(f->err, ERR_TAIL);
    cr_assert(running(f->p), "%s ended early: status %d; stderr: %s", f->cmd, f->p->status, err);
    int st = proc_stop(f->p, SIGTERM, WAIT_MS);
    cr_assert((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) || (WIFEXITED(st) && !WEXITSTATUS(st)),
              "%s: SIGTERM did not end it cleanly (status %d); stderr: %s", f->cmd, st, err);
    free(err);
}

/* Waits for the last line (seq=last) in the follower's output, then stops
 * the follower with SIGTERM. A follower that lost that line is stopped at
 * the deadline, one that already ended is noted: either way it is judged
 * (judge() fails the test then). */
static void finish_follower(struct follower *f, uint64_t last)
{
    char needle[40];
    snprintf(needle, sizeof needle, "seq=%" PRIu64 "\n", last);
    off_t scanned = 0;
    wait_file(f->out, needle, WAIT_MS, &scanned);
    f->early = !running(f->p);
    f->status = f->early ? f->p->status : proc_stop(f->p, SIGTERM, WAIT_MS);
}

/* ---- the writer ------------------------------------------------------------ */

/* Starts log_writer with args (NULL-terminated) in the scratch directory. */
static struct proc *writer_start(const char *const *args)
{
    const char *argv[40] = {bin_path("log_writer")};
    size_t n = 1;
    for (; args[n - 1]; n++) {
        cr_assert_lt(n, 39);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    return proc_start(argv, scratch_dir(), 0);
}

#define WRITER(...) writer_start((const char *const[]){__VA_ARGS__, NULL})

static void writer_finish(struct proc *w)
{
    cr_assert(proc_wait_exit(w, writer_timeout_ms()), "log_writer did not finish in time");
    cr_assert_eq(exit_code(w), 0, "log_writer failed: %s", w->err.data);
}

/* ---- judging --------------------------------------------------------------- */

struct verdict {
    int rc; /* seqcheck's exit status */
    unsigned long long lost, allowed, dup, order, malformed, unexpected;
};

/* Appends a result line to $ATAIL_ROTATION_REPORT, if set. */
static void record(const char *workload, const struct follower *f, const struct verdict *v,
                   const char *notes)
{
    const char *path = getenv("ATAIL_ROTATION_REPORT");
    if (!path || !*path)
        return;
    char line[2048];
    snprintf(
        line, sizeof line,
        "%s\t%s\tlost=%llu\tallowed_lost=%llu\tduplicated=%llu\tout_of_order=%llu\t"
        "malformed=%llu\tunexpected=%llu\t%s%s%s%s\t%s\n",
        workload, peer_gnu() ? "gnu" : "atail", v->lost, v->allowed, v->dup, v->order, v->malformed,
        v->unexpected, v->rc == 0 && !f->early && !(notes && *notes) ? "OK" : "FAIL",
        f->early ? " (ended early)" : "", notes && *notes ? ": " : "", notes ? notes : "", f->cmd);
    append_str(path, line);
}

/* Runs seqcheck on the follower's output (after the marker line, when
 * `marker`), expecting seq 1..expect, allowing the losses listed in
 * `allow` (NULL: none), records the result and fails the test on any
 * problem: in the output, in how the follower ended, or in `notes` (what
 * the test saw go wrong before; NULL or "" for nothing). */
static void judge(const char *workload, const struct follower *f, uint64_t expect,
                  const char *allow, bool marker, const char *notes)
{
    struct buf out = {0};
    read_file(f->out, &out);
    size_t skip = 0;
    if (marker) {
        cr_assert(strncmp(out.data, MARKER, strlen(MARKER)) == 0,
                  "%s: the output does not start with the marker line", workload);
        skip = strlen(MARKER);
    }
    char name[80];
    snprintf(name, sizeof name, "%s.checked", workload);
    const char *body = scratch_path(name);
    write_file(body, out.data + skip, out.len - skip);
    buf_free(&out);

    char expect_arg[40], allow_arg[300];
    snprintf(expect_arg, sizeof expect_arg, "--expect=%" PRIu64, expect);
    const char *argv[8] = {bin_path("seqcheck"), expect_arg, "--max-ranges=10"};
    size_t n = 3;
    if (allow) {
        snprintf(allow_arg, sizeof allow_arg, "--allow-lost=%s", allow);
        argv[n++] = allow_arg;
    }
    argv[n++] = body;
    argv[n] = NULL;
    struct proc *p = run(argv, NULL, 0, 60000);

    struct verdict v = {.rc = exit_code(p)};
    const char *sum = strstr(p->out.data, "seqcheck: ");
    cr_assert_not_null(sum, "seqcheck said nothing useful: %s%s", p->out.data, p->err.data);
    const char *lost = strstr(sum, " lost=");
    cr_assert_not_null(lost);
    cr_assert_eq(sscanf(lost,
                        " lost=%llu allowed_lost=%llu duplicated=%llu out_of_order=%llu "
                        "malformed=%llu unexpected=%llu",
                        &v.lost, &v.allowed, &v.dup, &v.order, &v.malformed, &v.unexpected),
                 6, "cannot parse: %s", sum);
    record(workload, f, &v, notes);

    char *err = file_tail(f->err, ERR_TAIL);
    cr_assert_eq(v.rc, 0, "%s: %s\n%s%sfollower %s; stderr (end): %s", workload, f->cmd,
                 p->out.data, p->err.data, f->early ? "had ended early" : "was stopped", err);
    cr_assert(!f->early, "%s: %s ended before it was stopped (status %d); stderr: %s", workload,
              f->cmd, f->status, err);
    int st = f->status;
    cr_assert((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) || (WIFEXITED(st) && !WEXITSTATUS(st)),
              "%s: %s: SIGTERM did not end it cleanly (status %d); stderr: %s", workload, f->cmd,
              st, err);
    cr_assert(!notes || !*notes, "%s: %s: %s; stderr: %s", workload, f->cmd, notes, err);
    free(err);
    proc_free(p);
}

/* ---- rotation workloads --------------------------------------------------- */

/* The follower starts on app.log holding the marker, then log_writer
 * rotates it with `mode` every 0.2 s at 10,000 lines/s for the workload's
 * duration. */
static void writer_rotation(const char *workload, const char *mode, unsigned flags, double share)
{
    const char *report = scratch_path("report.txt");
    if (strcmp(mode, "symlink") == 0) {
        /* log_writer goes on with the generation the link leads to. */
        write_str(log_path("app.log.0001"), MARKER);
        cr_assert_eq(symlink("app.log.0001", app_log()), 0);
    } else {
        write_str(app_log(), MARKER);
    }
    struct follower f = follower_start(workload, app_log(), flags, NULL);
    follower_ready(&f);

    uint64_t n = (uint64_t)((double)workload_lines() * share);
    n = n > 0 ? n : 1;
    char rotate[40];
    snprintf(rotate, sizeof rotate, "--rotate=%s", mode);
    bool copytruncate = strcmp(mode, "copytruncate") == 0;
    /* copytruncate: 5 ms of lines between copy and truncation are lost;
     * delete keeps no file; the others keep 5. Last, as NULL ends the
     * arguments. */
    const char *extra = copytruncate                  ? "--truncate-delay=0.005"
                        : strcmp(mode, "delete") == 0 ? NULL
                                                      : "--keep=5";
    struct proc *w = WRITER("-r", u64(RATE), "-c", u64(n), "-f", app_log(), rotate,
                            "--rotate-seconds=" ROTATE_EVERY, "--report", report, extra);
    writer_finish(w);
    proc_free(w);

    finish_follower(&f, n);
    judge(workload, &f, n, copytruncate ? report : NULL, true, NULL);
    proc_free(f.p);
}

Test(rotation, rename, .timeout = 180)
{
    writer_rotation("rename", "rename", 0, 1);
}

Test(rotation, delete, .timeout = 180)
{
    writer_rotation("delete", "delete", 0, 1);
}

Test(rotation, symlink, .timeout = 180)
{
    writer_rotation("symlink", "symlink", 0, 1);
}

/* Lines written between the copy and the truncation (5 ms of them per
 * rotation) may be lost, as log_writer reports; no other. */
Test(rotation, copytruncate, .timeout = 180)
{
    writer_rotation("copytruncate", "copytruncate", 0, 1);
}

/* The polling backend, which sees changes only every 50 ms: rename for the
 * full duration, the other modes for a third of it (so that the suite
 * stays within about two minutes). */
Test(rotation, poll_rename, .timeout = 180)
{
    writer_rotation("poll_rename", "rename", F_POLL, 1);
}

Test(rotation, poll_delete, .timeout = 180)
{
    writer_rotation("poll_delete", "delete", F_POLL, 1.0 / 3);
}

Test(rotation, poll_symlink, .timeout = 180)
{
    writer_rotation("poll_symlink", "symlink", F_POLL, 1.0 / 3);
}

Test(rotation, poll_copytruncate, .timeout = 180)
{
    writer_rotation("poll_copytruncate", "copytruncate", F_POLL, 1.0 / 3);
}

/* ---- copytruncate while the follower lags --------------------------------- */

/* Marks in on[1..n] the sequence numbers the file at path holds. */
static void mark_seqs(const char *path, bool *on, uint64_t n)
{
    if (!exists(path))
        return;
    struct buf b = {0};
    read_file(path, &b);
    for (const char *p = b.data; (p = strstr(p, "seq=")) != NULL; p += 4) {
        uint64_t s = strtoull(p + 4, NULL, 10);
        if (s >= 1 && s <= n)
            on[s] = true;
    }
    buf_free(&b);
}

/* The largest sequence number in the file at path (0: none). */
static uint64_t max_seq(const char *path)
{
    struct buf b = {0};
    read_file(path, &b);
    uint64_t max = 0;
    for (const char *p = b.data; (p = strstr(p, "seq=")) != NULL; p += 4) {
        uint64_t s = strtoull(p + 4, NULL, 10);
        max = s > max ? s : max;
    }
    buf_free(&b);
    return max;
}

/* Appends to allow, as ranges, the numbers in (from, to] that on[] does
 * not hold; returns how many. */
static uint64_t append_missing(const char *allow, const bool *on, uint64_t from, uint64_t to)
{
    uint64_t count = 0;
    for (uint64_t s = from + 1; s <= to; s++) {
        if (on[s])
            continue;
        uint64_t e = s;
        while (e < to && !on[e + 1])
            e++;
        char range[64];
        snprintf(range, sizeof range, "%" PRIu64 "-%" PRIu64 " # gone when it woke\n", s, e);
        append_str(allow, range);
        count += e - s + 1;
        s = e;
    }
    return count;
}

/* The log is rotated by copytruncate every 0.2 s at 10,000 lines/s, 5
 * copies kept (log_writer), 40,000 lines; once the follower has printed
 * 0.9 s of lines it is stopped (SIGSTOP) for `stop_ms`, then continued.
 * Every line still on disk when it wakes must be printed once, in order:
 * the copy of the generation it was reading from where it stopped, the
 * later copies as they were made (log_writer shifts app.log.1 to
 * app.log.2 ... meanwhile), then the log.
 *
 * Allowed to be missing, and no more: the lines log_writer reports as
 * written between a copy and its truncation (in no file a reader can
 * see), and the lines that were on no disk file when the follower woke
 * and it had not printed before it stopped (copies deleted as more than
 * 5 rotations passed: 1.5 s is 7 or 8 rotations), or only in app.log.5,
 * which the next rotation deletes, up to 0.2 s after it woke (a follower
 * on a busy machine, or under a sanitizer, may come too late for it). To
 * tell those, the writer is stopped too for the moment the test reads the
 * files (the follower's output, app.log and its copies), then both are
 * continued. When lines were on no file, the follower must have said so
 * (LOST). */
static void copytruncate_lagging(const char *workload, unsigned flags, int stop_ms)
{
    const uint64_t n = 4 * RATE;
    const char *report = scratch_path("report.txt");
    write_str(app_log(), MARKER);
    struct follower f = follower_start(workload, app_log(), flags, NULL);
    follower_ready(&f);
    struct proc *w = WRITER("-r", u64(RATE), "-c", u64(n), "-f", app_log(), "--rotate=copytruncate",
                            "--rotate-seconds=" ROTATE_EVERY, "--keep=5", "--report", report,
                            "--truncate-delay=0.005");

    char needle[40];
    snprintf(needle, sizeof needle, "seq=%u\n", RATE * 9 / 10);
    off_t scanned = 0;
    cr_assert(wait_file(f.out, needle, WAIT_MS, &scanned), "%s: %s never printed %s", workload,
              f.cmd, needle);
    cr_assert_eq(kill(f.p->pid, SIGSTOP), 0);
    sleep_ms(stop_ms);
    cr_assert_eq(kill(w->pid, SIGSTOP), 0);
    bool *on = calloc(n + 1, sizeof *on), *oldest = calloc(n + 1, sizeof *oldest);
    cr_assert(on && oldest);
    mark_seqs(app_log(), on, n);
    for (int k = 1; k <= 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "app.log.%d", k);
        mark_seqs(log_path(name), on, n);
    }
    mark_seqs(log_path("app.log.5"), oldest, n);
    uint64_t printed = max_seq(f.out), written = 0;
    for (uint64_t s = 1; s <= n; s++)
        written = on[s] ? s : written;
    cr_assert_eq(kill(f.p->pid, SIGCONT), 0);
    cr_assert_eq(kill(w->pid, SIGCONT), 0);
    writer_finish(w);
    proc_free(w);
    finish_follower(&f, n);

    /* The writer's report (copy-to-truncation losses), then what was gone. */
    const char *allow = scratch_path("allowed.txt");
    struct buf rep = {0};
    read_file(report, &rep);
    write_file(allow, rep.data, rep.len);
    buf_free(&rep);
    uint64_t allowed = append_missing(allow, on, printed, written), gone = 0;
    for (uint64_t s = printed + 1; s <= written; s++) {
        gone += !on[s] && !oldest[s];
        on[s] = on[s] || oldest[s];
    }
    /* Of those on no file, the ones log_writer reports written between a
     * copy and its truncation; the others were in copies deleted before
     * it woke. */
    struct buf windows = {0};
    read_file(report, &windows);
    uint64_t window = 0;
    for (const char *p = windows.data; p && *p;) {
        unsigned long long lo, hi;
        if (sscanf(p, "%llu-%llu", &lo, &hi) == 2)
            for (uint64_t s = lo > printed ? lo : printed + 1; s <= hi && s <= written; s++)
                window += !on[s];
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    buf_free(&windows);
    free(on);
    free(oldest);
    cr_log_info("%s: stopped with seq 1-%" PRIu64 " printed, woke with seq 1-%" PRIu64
                " written: %" PRIu64 " on no file (%" PRIu64
                " of them written between a copy and its truncation), %" PRIu64
                " only in app.log.5",
                workload, printed, written, gone, window, allowed - gone);
    judge(workload, &f, n, allow, true, NULL);

    /* Lines gone apart from the copy-to-truncation losses: said. */
    struct buf err = {0};
    read_file(f.err, &err);
    if (gone > window && !peer_gnu())
        cr_expect(strstr(err.data, "deleted before it could be read") != NULL,
                  "%s: %" PRIu64 " lines were gone when it woke, and it did not say so: %s",
                  workload, gone - window, err.data);
    buf_free(&err);
    proc_free(f.p);
}

Test(rotation, copytruncate_lagging_0_3s, .timeout = 120)
{
    copytruncate_lagging("copytruncate_lagging_0.3s", 0, 300);
}

Test(rotation, copytruncate_lagging_0_7s, .timeout = 120)
{
    copytruncate_lagging("copytruncate_lagging_0.7s", 0, 700);
}

Test(rotation, copytruncate_lagging_1_5s, .timeout = 120)
{
    copytruncate_lagging("copytruncate_lagging_1.5s", 0, 1500);
}

Test(rotation, poll_copytruncate_lagging_0_3s, .timeout = 120)
{
    copytruncate_lagging("poll_copytruncate_lagging_0.3s", F_POLL, 300);
}

Test(rotation, poll_copytruncate_lagging_0_7s, .timeout = 120)
{
    copytruncate_lagging("poll_copytruncate_lagging_0.7s", F_POLL, 700);
}

Test(rotation, poll_copytruncate_lagging_1_5s, .timeout = 120)
{
    copytruncate_lagging("poll_copytruncate_lagging_1.5s", F_POLL, 1500);
}

/* ---- the real logrotate ------------------------------------------------------ */

static const char *logrotate_bin(void)
{
    static const char *const where[] = {"/usr/sbin/logrotate", "/usr/bin/logrotate",
                                        "/sbin/logrotate"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    cr_assert_fail("logrotate is not installed (Debian package logrotate: "
                   "scripts/install-test-deps.sh)");
    return NULL;
}

/* Runs logrotate -f with a private configuration and state file every
 * 0.2 s while log_writer writes, with `directives` in the configuration
 * (create and a postrotate SIGHUP to the writer, or copytruncate). */
static void logrotate_workload(const char *workload, bool copytruncate)
{
    const char *lr = logrotate_bin();
    const char *conf = scratch_path("logrotate.conf");
    const char *state = scratch_path("logrotate.state");
    uint64_t n = workload_lines();
    /* Keep every rotated file, so that what logrotate's copytruncate lost
     * can be found: the lines in none of them. */
    unsigned keep = (unsigned)(workload_seconds() * 10) + 20;

    write_str(app_log(), MARKER);
    struct follower f = follower_start(workload, app_log(), 0, NULL);
    follower_ready(&f);

    /* The writer waits on its standard input, so that its pid can go
     * into the configuration before it writes anything. */
    const char *argv[] = {"/bin/sh",
                          "-c",
                          "read go; exec \"$@\"",
                          "sh",
                          bin_path("log_writer"),
                          "-r",
                          u64(RATE),
                          "-c",
                          u64(n),
                          "-f",
                          app_log(),
                          "--report",
                          scratch_path("report.txt"),
                          NULL};
    struct proc *w = proc_start(argv, scratch_dir(), PROC_STDIN);
    char cfg[2048];
    if (copytruncate)
        snprintf(cfg, sizeof cfg,
                 "%s {\n  rotate %u\n  copytruncate\n  missingok\n  nocompress\n}\n", app_log(),
                 keep);
    else
        snprintf(cfg, sizeof cfg,
                 "%s {\n  rotate %u\n  create\n  missingok\n  nocompress\n"
                 "  postrotate\n    kill -HUP %ld\n  endscript\n}\n",
                 app_log(), keep, (long)w->pid);
    write_str(conf, cfg);
    proc_close_stdin(w); /* go */

    const char *lr_argv[] = {lr, "-f", "-s", state, conf, NULL};
    unsigned rotations = 0;
    while (!proc_wait_exit(w, 200)) { /* the writer's end, or 0.2 s */
        struct proc *r = run(lr_argv, NULL, 0, 30000);
        cr_assert_eq(exit_code(r), 0, "logrotate failed: %s%s", r->out.data, r->err.data);
        proc_free(r);
        rotations++;
    }
    cr_assert_eq(exit_code(w), 0, "log_writer failed: %s", w->err.data);
    proc_free(w);
    cr_assert_geq(rotations, 2, "logrotate ran only %u times", rotations);

    const char *allow = NULL;
    if (copytruncate) {
        /* The lines in no file: written between logrotate's copy and its
         * truncation. No reader can have seen them; they are allowed. */
        char last[40];
        snprintf(last, sizeof last, "app.log.%u", keep);
        cr_assert(!exists(log_path(last)), "logrotate deleted rotated files: raise `rotate`");
        const char *sargv[2 * 256 + 8];
        size_t k = 0;
        char expect_arg[40];
        snprintf(expect_arg, sizeof expect_arg, "--expect=%" PRIu64, n);
        sargv[k++] = bin_path("seqcheck");
        sargv[k++] = "--any-order";
        sargv[k++] = "--quiet";
        sargv[k++] = expect_arg;
        sargv[k++] = "--write-lost";
        sargv[k++] = allow = scratch_path("lost_on_disk.txt");
        for (unsigned i = keep; i >= 1; i--) {
            char rotated[40];
            snprintf(rotated, sizeof rotated, "log/app.log.%u", i);
            if (exists(scratch_path(rotated)) && k < sizeof sargv / sizeof sargv[0] - 2)
                sargv[k++] = scratch_path(rotated);
        }
        sargv[k++] = app_log();
        sargv[k] = NULL;
        struct proc *s = run(sargv, NULL, 0, 60000);
        /* Exit 1 is expected (lines are lost, and the marker line is
         * malformed); 2 is not. */
        cr_assert_lt(exit_code(s), 2, "seqcheck on the rotated files: %s", s->err.data);
        proc_free(s);
    }

    finish_follower(&f, n);
    judge(workload, &f, n, allow, true, NULL);
    proc_free(f.p);
}

Test(rotation, logrotate_create, .timeout = 180)
{
    logrotate_workload("logrotate_create", false);
}

Test(rotation, logrotate_copytruncate, .timeout = 180)
{
    logrotate_workload("logrotate_copytruncate", true);
}

/* ---- names that come and go --------------------------------------------------- */

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Problems found along the way, judged after the output (so that the
 * comparison with GNU tail records the output of a follower that gave
 * up too). */
struct notes {
    char text[1024];
};

static void expect_that(struct notes *n, bool ok, const char *what)
{
    size_t len = strlen(n->text);
    if (!ok)
        snprintf(n->text + len, sizeof n->text - len, "%s%s", len ? "; " : "", what);
}

/* Waits for the follower to write something about app.log on stderr past
 * `mark` (its size before the change, see file_size()); notes it when it
 * does not, or when it has ended. */
static void expect_report(struct follower *f, struct notes *n, const char *what, off_t mark)
{
    char msg[200];
    snprintf(msg, sizeof msg, "no message on stderr when %s", what);
    expect_that(n, wait_file(f->err, "app.log", WAIT_MS, &mark), msg);
    snprintf(msg, sizeof msg, "gave up when %s", what);
    expect_that(n, running(f->p), msg);
}

static void write_lines(const char *file, uint64_t first, uint64_t count)
{
    struct proc *w = WRITER("-r", u64(RATE), "-c", u64(count), "--start", u64(first), "-f", file);
    writer_finish(w);
    proc_free(w);
}

/* Waits until the follower printed seq=last (noted when it does not). */
static void expect_printed(struct follower *f, struct notes *n, uint64_t last)
{
    char needle[40], msg[80];
    snprintf(needle, sizeof needle, "seq=%" PRIu64 "\n", last);
    snprintf(msg, sizeof msg, "seq=%" PRIu64 " was not printed in time", last);
    off_t scanned = 0;
    expect_that(n, wait_file(f->out, needle, WAIT_MS, &scanned), msg);
}

Test(rotation, missing_file_appears, .timeout = 60)
{
    struct notes n = {0};
    struct follower f = follower_start("missing_file", app_log(), 0, NULL);
    expect_report(&f, &n, "app.log is missing", 0);
    write_lines(app_log(), 1, 5000);
    finish_follower(&f, 5000);
    judge("missing_file_appears", &f, 5000, NULL, false, n.text);
    proc_free(f.p);
}

Test(rotation, missing_directory_appears, .timeout = 60)
{
    struct notes n = {0};
    const char *file = scratch_path("log/sub/app.log"); /* neither log/ nor log/sub/ exist */
    struct follower f = follower_start("missing_dir", file, 0, NULL);
    expect_report(&f, &n, "its directory is missing", 0);
    log_dir();
    cr_assert_eq(mkdir(scratch_path("log/sub"), 0755), 0);
    write_lines(file, 1, 5000);
    finish_follower(&f, 5000);
    judge("missing_directory_appears", &f, 5000, NULL, false, n.text);
    proc_free(f.p);
}

Test(rotation, file_replaced_by_directory_and_back, .timeout = 60)
{
    struct notes n = {0};
    write_str(app_log(), MARKER);
    struct follower f = follower_start("file_dir_file", app_log(), 0, NULL);
    follower_ready(&f);
    write_lines(app_log(), 1, 3000);
    expect_printed(&f, &n, 3000);

    /* The name becomes a directory: reported, and waited for. */
    off_t mark = file_size(f.err);
    cr_assert_eq(unlink(app_log()), 0);
    cr_assert_eq(mkdir(app_log(), 0755), 0);
    expect_report(&f, &n, "app.log became a directory", mark);

    /* And a file again, read from its start. */
    cr_assert_eq(rmdir(app_log()), 0);
    write_lines(app_log(), 3001, 3000);
    finish_follower(&f, 6000);
    judge("file_replaced_by_directory_and_back", &f, 6000, NULL, true, n.text);
    proc_free(f.p);
}

/* As root, the follower runs as nobody, so that a mode of 000 keeps it
 * out; as another user the test's own permissions do. Lines written while
 * the file is unreadable must come out once it is readable again, and the
 * lines before must not come again. */
Test(rotation, permission_removed_and_restored, .timeout = 60)
{
    struct notes n = {0};
    write_str(app_log(), MARKER);
    cr_assert_eq(chmod(app_log(), 0644), 0);
    struct follower f =
        follower_start("permission", app_log(), geteuid() == 0 ? F_NOBODY : 0, NULL);
    follower_ready(&f);
    write_lines(app_log(), 1, 3000);
    expect_printed(&f, &n, 3000);

    /* Unreadable: reported (a change of mode makes a follower by name
     * check the name again). */
    off_t mark = file_size(f.err);
    cr_assert_eq(chmod(app_log(), 0), 0);
    expect_report(&f, &n, "app.log became unreadable", mark);
    write_lines(app_log(), 3001, 3000);

    /* Readable again. */
    cr_assert_eq(chmod(app_log(), 0644), 0);
    write_lines(app_log(), 6001, 3000);
    finish_follower(&f, 9000);
    judge("permission_removed_and_restored", &f, 9000, NULL, true, n.text);
    proc_free(f.p);
}

/* A file unreadable from the start: reported, waited for, and read from
 * its start once readable. */
Test(rotation, permission_denied_at_start, .timeout = 60)
{
    struct notes n = {0};
    write_str(app_log(), MARKER);
    cr_assert_eq(chmod(app_log(), 0), 0);
    struct follower f = follower_start("denied", app_log(), geteuid() == 0 ? F_NOBODY : 0, NULL);
    expect_report(&f, &n, "app.log is unreadable", 0);
    write_lines(app_log(), 1, 3000);
    cr_assert_eq(chmod(app_log(), 0644), 0);
    finish_follower(&f, 3000);
    judge("permission_denied_at_start", &f, 3000, NULL, true, n.text);
    proc_free(f.p);
}

/* ---- small deterministic cases ------------------------------------------------ */

/* Appends `text` to app.log and waits until the follower printed `wait_for`
 * (noted when it does not). */
static void put_and_wait(struct follower *f, struct notes *n, const char *text,
                         const char *wait_for)
{
    append_str(app_log(), text);
    char msg[120];
    snprintf(msg, sizeof msg, "\"%.40s\" was not printed in time", wait_for);
    off_t scanned = 0;
    expect_that(n, wait_file(f->out, wait_for, WAIT_MS, &scanned), msg);
}

/* As after logrotate's create: the new file is empty when the follower
 * sees it, and gets its first line later. That line is where the writer
 * went on, so it must come out at once, not at the end of the grace
 * period (2 s). */
Test(rotation, first_line_of_new_file_comes_at_once, .timeout = 60)
{
    struct notes n = {0};
    write_str(app_log(), "seq=1\nseq=2\n");
    struct follower f = follower_start("new_file_latency", app_log(), 0, NULL);
    off_t scanned = 0;
    expect_that(&n, wait_file(f.out, "seq=2\n", WAIT_MS, &scanned), "seq=2 not printed");
    cr_assert_eq(rename(app_log(), log_path("app.log.1")), 0);
    write_str(app_log(), "");
    /* A slow writer: the follower has looked at the empty file by now (an
     * event cannot tell; any delay works, a longer one only costs time). */
    poll(NULL, 0, 300);
    long long t0 = now_ms();
    put_and_wait(&f, &n, "seq=3\n", "seq=3\n");
    long long took = now_ms() - t0;
    char msg[120];
    snprintf(msg, sizeof msg, "the new file's first line took %lld ms to come out", took);
    expect_that(&n, took < 1000, msg);
    finish_follower(&f, 3);
    judge("first_line_of_new_file_comes_at_once", &f, 3, NULL, false, n.text);
    proc_free(f.p);
}

/* copytruncate while the follower is behind, after a plain truncation
 * whose first line was short: the copy must still be recognised (by its
 * first bytes, which are the file's first bytes since that truncation)
 * and the lines only it holds printed. The follower is held with SIGSTOP
 * so that it is behind for sure. */
Test(rotation, copytruncate_copy_found_after_short_first_line, .timeout = 60)
{
    struct notes n = {0};
    write_str(app_log(),
              "seq=1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
              "seq=2\n");
    struct follower f = follower_start("copy_after_short", app_log(), 0, NULL);
    off_t scanned = 0;
    expect_that(&n, wait_file(f.out, "seq=2\n", WAIT_MS, &scanned), "seq=2 not printed");

    /* A plain truncation (no copy: reading starts over), then a short
     * first line and a long one. */
    off_t mark = file_size(f.err);
    write_str(app_log(), "");
    expect_that(&n, wait_file(f.err, "truncated", WAIT_MS, &mark), "no \"file truncated\"");
    put_and_wait(&f, &n, "seq=3\n", "seq=3\n");
    put_and_wait(
        &f, &n,
        "seq=4 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
        "seq=4 ");

    /* The follower is held while seq=5 is written, copied and truncated
     * away, and seq=6 written: seq=5 is only in the copy. */
    cr_assert_eq(kill(f.p->pid, SIGSTOP), 0);
    append_str(app_log(), "seq=5\n");
    struct buf b = {0};
    read_file(app_log(), &b);
    write_file(log_path("app.log.1"), b.data, b.len);
    buf_free(&b);
    write_str(app_log(), "");
    append_str(app_log(), "seq=6\n");
    cr_assert_eq(kill(f.p->pid, SIGCONT), 0);

    finish_follower(&f, 6);
    judge("copytruncate_copy_found_after_short_first_line", &f, 6, NULL, false, n.text);
    proc_free(f.p);
}

/* ---- --pid and --spawn --------------------------------------------------------- */

/* The follower ends by itself once the writer (which rotates by rename
 * every 2000 lines) is dead, after printing all it wrote; nothing is left
 * running. */
/* Waits up to timeout_ms for a follower that should end by itself (--pid,
 * --spawn) to exit 0 leaving no process behind; notes what went wrong,
 * and stops it if it does not end. */
static void follower_end_alone(struct follower *f, struct notes *n, int timeout_ms,
                               const char *when)
{
    char msg[160];
    bool ended = proc_wait_exit(f->p, timeout_ms);
    snprintf(msg, sizeof msg, "did not end when %s", when);
    expect_that(n, ended, msg);
    f->status = ended ? f->p->status : proc_stop(f->p, SIGTERM, WAIT_MS);
    if (ended) {
        snprintf(msg, sizeof msg, "exit status %d, not 0", exit_code(f->p));
        expect_that(n, exit_code(f->p) == 0, msg);
        f->status = 0; /* judged here */
    }
    pid_t left[8];
    int n_left = scratch_procs(left, 8);
    snprintf(msg, sizeof msg, "%d process(es) left behind, e.g. pid %ld", n_left,
             n_left ? (long)left[0] : 0L);
    expect_that(n, n_left == 0, msg);
}

Test(rotation, pid_ends_after_writer_with_everything, .timeout = 60)
{
    struct notes n = {0};
    uint64_t lines = 20000;
    write_str(app_log(), MARKER);
    const char *argv[] = {"/bin/sh",
                          "-c",
                          "read go; exec \"$@\"",
                          "sh",
                          bin_path("log_writer"),
                          "-r",
                          u64(RATE),
                          "-c",
                          u64(lines),
                          "-f",
                          app_log(),
                          "--rotate=rename",
                          "--rotate-every=2000",
                          "--report",
                          scratch_path("report.txt"),
                          NULL};
    struct proc *w = proc_start(argv, scratch_dir(), PROC_STDIN);
    char pid_arg[40];
    snprintf(pid_arg, sizeof pid_arg, "--pid=%ld", (long)w->pid);
    struct follower f = follower_start("pid", app_log(), 0, (const char *const[]){pid_arg, NULL});
    follower_ready(&f);
    proc_close_stdin(w); /* go */
    writer_finish(w);
    proc_free(w);

    follower_end_alone(&f, &n, WAIT_MS, "the writer died");
    judge("pid", &f, lines, NULL, true, n.text);
    proc_free(f.p);
}

/* The string --spawn runs: log_writer with args, separated by spaces (no
 * path in the test contains a space). */
static const char *spawn_command(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s", bin_path("log_writer"), args);
    return keep_str(cmd);
}

Test(rotation, spawn_ends_after_child_with_everything, .timeout = 60)
{
    if (peer_gnu())
        cr_skip_test("GNU tail has no --spawn");
    struct notes n = {0};
    uint64_t lines = 20000;
    char args[512];
    snprintf(args, sizeof args,
             "-r %d -c %" PRIu64 " -f %s --rotate=rename --rotate-every=2000 --report %s", RATE,
             lines, app_log(), scratch_path("report.txt"));
    const char *spawn = spawn_command(args);
    /* The log exists from the start (a missing file would be an error
     * that makes the exit status 1, as with GNU tail). */
    write_str(app_log(), MARKER);
    struct follower f =
        follower_start("spawn", app_log(), 0, (const char *const[]){"--spawn", spawn, NULL});
    follower_end_alone(&f, &n, writer_timeout_ms(), "its child exited");
    judge("spawn", &f, lines, NULL, true, n.text);
    proc_free(f.p);
}

Test(rotation, spawn_sigterm_stops_and_reaps_child, .timeout = 60)
{
    if (peer_gnu())
        cr_skip_test("GNU tail has no --spawn");
    char args[512];
    snprintf(args, sizeof args, "-r 2000 -f %s --rotate=rename --rotate-every=500 --report %s",
             app_log(), scratch_path("report.txt"));
    const char *spawn = spawn_command(args);
    write_str(app_log(), MARKER);
    struct follower f =
        follower_start("spawn_term", app_log(), 0, (const char *const[]){"--spawn", spawn, NULL});
    off_t scanned = 0;
    bool some = wait_file(f.out, "seq=2000\n", WAIT_MS, &scanned);
    char *err = file_tail(f.err, ERR_TAIL);
    cr_assert(some, "%s: seq=2000 never printed; stderr: %s", f.cmd, err);
    free(err);
    follower_stop(&f);
    pid_t left[8];
    int n_left = scratch_procs(left, 8);
    cr_assert_eq(n_left, 0, "the child was not reaped: pid %ld left", (long)left[0]);

    /* What was printed has no hole, duplicate or disorder: seq 1 to the
     * last line printed. */
    struct buf out = {0};
    read_file(f.out, &out);
    const char *last = out.data;
    for (const char *s = out.data; (s = strstr(s, "seq=")) != NULL; s += 4)
        last = s;
    uint64_t upto = strtoull(last + 4, NULL, 10);
    buf_free(&out);
    cr_assert_geq(upto, 2000);
    judge("spawn_sigterm", &f, upto, NULL, true, NULL);
    proc_free(f.p);
}

/* ---- seqcheck ---------------------------------------------------------------- */

/* Runs seqcheck with args (NULL-terminated) on `input` as standard input
 * (NULL: /dev/null). */
static struct proc *seqcheck_run(const char *input, const char *const *args)
{
    const char *argv[32] = {bin_path("seqcheck")};
    size_t n = 1;
    for (; args[n - 1]; n++) {
        cr_assert_lt(n, 31);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    return run(argv, input, input ? strlen(input) : 0, 30000);
}

#define SEQCHECK(input, ...) seqcheck_run(input, (const char *const[]){__VA_ARGS__, NULL})

static void expect_has(const struct proc *p, const char *want)
{
    cr_assert(strstr(p->out.data, want), "want \"%s\" in:\n%s", want, p->out.data);
}

Test(seqcheck, clean_input_exits_0_with_summary)
{
    struct proc *p =
        SEQCHECK("2026-11-26T01:25:07.123+0000 seq=1\nseq=2 mono=5\nseq=3 xxxx\n", "--expect=3");
    cr_assert_eq(exit_code(p), 0, "%s%s", p->out.data, p->err.data);
    cr_assert_str_eq(p->out.data, "seqcheck: OK lines=3 range=1-3 lost=0 allowed_lost=0 "
                                  "duplicated=0 out_of_order=0 malformed=0 unexpected=0\n");
    proc_free(p);
}

Test(seqcheck, lost_as_ranges_with_counts)
{
    const char *in = "seq=1\nseq=2\nseq=5\nseq=6\nseq=9\nseq=10\n";
    struct proc *p = SEQCHECK(in, "--expect=12");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "lost: 6 in 3 ranges: 3-4 7-8 11-12\n");
    expect_has(p, "seqcheck: FAIL lines=6 range=1-12 lost=6 ");
    proc_free(p);
    /* Without --expect, only holes between the smallest and largest. */
    p = SEQCHECK(in, "--max-ranges=1");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "lost: 4 in 2 ranges: 3-4 ... (1 more)\n");
    expect_has(p, " range=1-10 lost=4 ");
    proc_free(p);
}

Test(seqcheck, duplicated_and_out_of_order)
{
    /* 3 twice and 4 three times: 3 duplicates; 5 and 6 after 7: out of
     * order (and not lost). */
    struct proc *p =
        SEQCHECK("seq=1\nseq=2\nseq=3\nseq=4\nseq=3\nseq=4\nseq=4\nseq=7\nseq=5\nseq=6\nseq=8\n",
                 "--max-ranges=10");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "duplicated: 3 in 1 range: 3-4\n");
    expect_has(p, "out of order: 2 in 1 range: 5-6\n");
    expect_has(p, " lost=0 allowed_lost=0 duplicated=3 out_of_order=2 malformed=0 ");
    proc_free(p);
    /* --any-order: the same lines in any order are fine. */
    p = SEQCHECK("seq=3\nseq=1\nseq=2\n", "--any-order", "--expect=3");
    cr_assert_eq(exit_code(p), 0, "%s", p->out.data);
    proc_free(p);
}

Test(seqcheck, allow_lost_reads_log_writer_reports)
{
    const char *allow = scratch_path("allow.txt");
    write_str(allow, "# rotation 1 rename before seq=3\n"
                     "3-4 # rotation 2 copytruncate: seq 3-4 written between ..., lost\n"
                     "8, seq=9\n");
    char arg[300];
    snprintf(arg, sizeof arg, "--allow-lost=%s", allow);
    /* 3 and 4 lost, 8 allowed but present, 9 allowed and lost. */
    struct proc *p =
        SEQCHECK("seq=1\nseq=2\nseq=5\nseq=6\nseq=7\nseq=8\nseq=10\n", arg, "--expect=10");
    cr_assert_eq(exit_code(p), 0, "%s%s", p->out.data, p->err.data);
    expect_has(p, "seqcheck: OK lines=7 range=1-10 lost=0 allowed_lost=3 ");
    proc_free(p);
    /* A loss outside the list fails. */
    p = SEQCHECK("seq=1\nseq=2\nseq=6\nseq=7\nseq=8\nseq=10\n", arg, "--expect=10");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "lost: 1 in 1 range: 5\n");
    expect_has(p, " lost=1 allowed_lost=3 ");
    proc_free(p);
}

/* Ranges in any order, overlapping: a later range starting before an
 * earlier one keeps its start (it used to be merged into the earlier one,
 * losing the numbers below it). */
Test(seqcheck, allow_lost_ranges_in_any_order)
{
    const char *allow = scratch_path("allow.txt");
    write_str(allow, "6-7 # a window\n3-8 # gone\n");
    char arg[300];
    snprintf(arg, sizeof arg, "--allow-lost=%s", allow);
    struct proc *p = SEQCHECK("seq=1\nseq=2\nseq=9\nseq=10\n", arg, "--expect=10");
    cr_assert_eq(exit_code(p), 0, "%s%s", p->out.data, p->err.data);
    expect_has(p, "seqcheck: OK lines=4 range=1-10 lost=0 allowed_lost=6 ");
    proc_free(p);
}

Test(seqcheck, expect_range_and_unexpected)
{
    struct proc *p = SEQCHECK("seq=100\nseq=101\nseq=103\n", "--expect=100-104");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "lost: 2 in 2 ranges: 102 104\n");
    proc_free(p);
    p = SEQCHECK("seq=0\nseq=1\nseq=2\nseq=3\n", "--expect=2");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "unexpected: 2 lines outside seq 1-2\n");
    expect_has(p, " lost=0 allowed_lost=0 duplicated=0 out_of_order=0 malformed=0 unexpected=2\n");
    proc_free(p);
    /* Nothing at all, when something was expected: all lost. */
    p = SEQCHECK("", "--expect=5");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "lost: 5 in 1 range: 1-5\n");
    proc_free(p);
    /* Nothing, nothing expected: fine. */
    p = SEQCHECK("", "--max-ranges=10");
    cr_assert_eq(exit_code(p), 0);
    proc_free(p);
}

Test(seqcheck, malformed_lines_fail)
{
    /* A torn line (the start of a line cut off), a line without the field,
     * xseq= (not a field), and a last line without its newline. */
    struct proc *p = SEQCHECK("seq=1\n012 mono=5\nhello\nxseq=2\nseq=2\nseq=3", "--expect=3");
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "malformed: 4\n");
    expect_has(p, "(standard input):2: no seq=N: \"012 mono=5\"\n");
    expect_has(p, " lost=0 allowed_lost=0 duplicated=0 out_of_order=0 malformed=4 ");
    proc_free(p);
}

Test(seqcheck, files_and_stdin_in_order)
{
    const char *a = scratch_path("a"), *b = scratch_path("b");
    write_str(a, "seq=1\nseq=2\n");
    write_str(b, "seq=5\n");
    struct proc *p = SEQCHECK("seq=3\nseq=4\n", a, "-", b);
    cr_assert_eq(exit_code(p), 0, "%s%s", p->out.data, p->err.data);
    expect_has(p, "OK lines=5 range=1-5 ");
    proc_free(p);
    p = SEQCHECK(NULL, b, a);
    cr_assert_eq(exit_code(p), 1);
    expect_has(p, "out of order: 2 in 1 range: 1-2\n");
    proc_free(p);
}

Test(seqcheck, write_lost_round_trip)
{
    const char *lost = scratch_path("lost.txt");
    char arg[300];
    snprintf(arg, sizeof arg, "--write-lost=%s", lost);
    struct proc *p = SEQCHECK("seq=2\nseq=5\nseq=9\n", "--expect=10", arg, "--quiet");
    cr_assert_eq(exit_code(p), 1);
    cr_assert_eq(p->out.len + p->err.len, 0, "--quiet printed: %s%s", p->out.data, p->err.data);
    proc_free(p);
    struct buf b = {0};
    read_file(lost, &b);
    cr_assert_str_eq(b.data, "1\n3-4\n6-8\n10\n");
    buf_free(&b);
    snprintf(arg, sizeof arg, "--allow-lost=%s", lost);
    p = SEQCHECK("seq=2\nseq=5\nseq=9\n", "--expect=10", arg, "--quiet");
    cr_assert_eq(exit_code(p), 0);
    proc_free(p);
}

Test(seqcheck, usage_errors_exit_2)
{
    const char *bad_allow = scratch_path("bad_allow");
    write_str(bad_allow, "1-2\n5-3\n");
    char bad_allow_arg[300];
    snprintf(bad_allow_arg, sizeof bad_allow_arg, "--allow-lost=%s", bad_allow);
    const char *cases[][3] = {
        {"--bogus"},      {"-x"},           {"--expect=0"},     {"--expect=abc"},
        {"--expect=5-2"}, {"--expect"},     {"--max-ranges=x"}, {"--allow-lost=/nonexistent"},
        {bad_allow_arg},  {"/nonexistent"}, {"--write-lost="},  {"--quiet=1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[4] = {bin_path("seqcheck"), cases[i][0], cases[i][1], NULL};
        struct proc *p = run(argv, "seq=1\n", 6, 10000);
        cr_assert_eq(exit_code(p), 2, "case %zu (%s): exit %d", i, cases[i][0], exit_code(p));
        cr_assert_eq(strncmp(p->err.data, "seqcheck: ", 10), 0, "case %zu: stderr: %s", i,
                     p->err.data);
        proc_free(p);
    }
}

Test(seqcheck, help_and_version)
{
    struct proc *p = SEQCHECK(NULL, "--help");
    cr_assert_eq(exit_code(p), 0);
    cr_assert_eq(strncmp(p->out.data, "Usage: seqcheck", 15), 0, "%s", p->out.data);
    static const char *const options[] = {"--expect",     "--allow-lost", "--any-order",
                                          "--write-lost", "--max-ranges", "--quiet",
                                          "--help",       "--version"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        expect_has(p, options[i]);
    proc_free(p);
    p = SEQCHECK(NULL, "--version");
    cr_assert_eq(exit_code(p), 0);
    expect_has(p, "seqcheck");
    proc_free(p);
}

/* The checker and the writer's report agree with the files themselves:
 * after copytruncate rotations, the lines in none of the files are exactly
 * those the report lists. */
Test(seqcheck, copytruncate_report_matches_files)
{
    const char *report = scratch_path("report.txt");
    struct proc *w =
        WRITER("-r", "20000", "-c", "20000", "-f", app_log(), "--rotate=copytruncate",
               "--rotate-every=3000", "--truncate-delay=0.01", "--keep=20", "--report", report);
    writer_finish(w);
    proc_free(w);
    const char *lost = scratch_path("lost.txt");
    char arg[300];
    snprintf(arg, sizeof arg, "--write-lost=%s", lost);
    const char *argv[40] = {bin_path("seqcheck"), "--expect=20000", "--any-order", arg};
    size_t n = 4;
    for (int i = 20; i >= 1; i--) {
        char name[32];
        snprintf(name, sizeof name, "log/app.log.%d", i);
        if (exists(scratch_path(name)))
            argv[n++] = scratch_path(name);
    }
    argv[n++] = app_log();
    argv[n] = NULL;
    cr_assert_geq(n, 8, "too few rotations");
    struct proc *p = run(argv, NULL, 0, 30000);
    cr_assert_eq(exit_code(p), 1, "nothing lost? %s", p->out.data);
    proc_free(p);

    /* The report's ranges, one per line before the '#'. */
    struct buf rep = {0}, disk = {0};
    read_file(report, &rep);
    read_file(lost, &disk);
    char listed[8192] = "";
    for (char *s = rep.data, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        cr_assert_not_null(nl);
        if (*s != '#') {
            size_t len = strcspn(s, " ");
            strncat(listed, s, len);
            strcat(listed, "\n");
        }
    }
    cr_assert_str_eq(listed, disk.data, "report:\n%s", rep.data);
    cr_assert_gt(strlen(listed), 0);
    buf_free(&rep);
    buf_free(&disk);
}
