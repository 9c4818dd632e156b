/* test_badinput.c - the bad-input matrix of issue 6, end to end: the real
 * atail on unreadable, odd and hostile files, odd names, a hostile
 * environment (signals, descriptor and inotify limits). Each case checks
 * standard output, the message on standard error and the exit status, and
 * that nothing crashes or hangs (every wait has a deadline); where GNU tail
 * (/usr/bin/tail) defines the behaviour, it runs the same steps side by
 * side. Cases already covered elsewhere are not repeated here:
 * test_cli_errors.c (missing file, directory, unreadable file without -f,
 * closed stdout, /dev/full, names quoted in messages one oddity at a time),
 * test_cli_follow.c (FIFO followed by name, stdout pipe closed by its
 * reader, truncation), test_cli_compat.c (binary, NUL, CRLF and long-line
 * files without -f), test_rotation.c (-F: permission removed in place).
 *
 * The tests run as root: what needs an unprivileged user runs through
 * setpriv (or runuser), and fails loudly when neither exists. */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define GNU_TAIL "/usr/bin/tail"
/* Deadlines, scaled under valgrind (harness_slowdown()). */
#define WAIT_MS (10000 * harness_slowdown())
#define MIB (1024L * 1024L)
/* What atail may use at most, in RSS, whatever the input (the library's
 * documented bound is about max_line + read_size per file; raw output
 * passes spans through and needs much less). Not judged for a program run
 * under valgrind (scripts/valgrind.sh), whose RSS is mostly valgrind's own
 * (about 50 MB): rss_judged(). Everything else those tests check still
 * is. */
#define RSS_LIMIT_KB (32L * 1024L)
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static char shm_dir[64];
static char fuse_mnt[PATH_MAX];

static void cleanup(void)
{
    kill_scratch_procs();
    if (fuse_mnt[0]) {
        umount2(fuse_mnt, MNT_DETACH); /* bindfs exits with its mount */
        fuse_mnt[0] = '\0';
    }
    if (shm_dir[0]) {
        char path[128];
        snprintf(path, sizeof path, "%s/shm.log", shm_dir);
        unlink(path);
        rmdir(shm_dir);
        shm_dir[0] = '\0';
    }
}

/* After every test, failed or not: nothing stays running. */
TestSuite(badinput, .fini = cleanup, .timeout = 120);

/* ---- helpers ---------------------------------------------------------------- */

static const char *atail(void)
{
    return bin_path("atail");
}

/* Whether prog's RSS is its own (see RSS_LIMIT_KB). */
static bool rss_judged(const char *prog)
{
    return !runs_under_valgrind(prog);
}

/* The factor for bounds on how long prog takes: harness_slowdown() when it
 * runs under valgrind, else 1. */
static int slowdown_of(const char *prog)
{
    return runs_under_valgrind(prog) ? harness_slowdown() : 1;
}

/* A copy of atail in the scratch directory, which any user may run (the
 * build tree may not be reachable by other users). */
static const char *atail_for_anyone(void)
{
    static const char *copy;
    if (!copy) {
        struct buf b = {0};
        read_file(atail(), &b);
        copy = scratch_path("atail");
        write_file(copy, b.data, b.len);
        buf_free(&b);
        cr_assert_eq(chmod(copy, 0755), 0);
    }
    return copy;
}

/* The help text names what this build of atail supports. */
static bool help_says(const char *text)
{
    struct proc *p = run((const char *const[]){atail(), "--help", NULL}, NULL, 0, WAIT_MS);
    bool yes = strstr(p->out.data, text) != NULL;
    proc_free(p);
    return yes;
}

/* -F is there (and not "not supported yet"). */
static bool has_follow_name(void)
{
    return help_says("same as --follow=name --retry\n");
}

/* Starts argv with the scratch directory as its current directory, so
 * that the suite's .fini finds it if the test fails half-way. */
static struct proc *start(const char *const *argv)
{
    return proc_start(argv, scratch_dir(), 0);
}

/* Builds argv in `out`: the way to run as user:group (setpriv, which
 * execs, so the process keeps its pid; or runuser for nobody), then the
 * words of cmd (NULL-terminated). Fails loudly when neither tool exists. */
static void as_user(const char **out, size_t cap, const char *user, const char *group,
                    const char *const *cmd)
{
    size_t n = 0;
    static char reuid[64], regid[64];
    if (access("/usr/bin/setpriv", X_OK) == 0) {
        snprintf(reuid, sizeof reuid, "--reuid=%s", user);
        snprintf(regid, sizeof regid, "--regid=%s", group);
        out[n++] = "/usr/bin/setpriv";
        out[n++] = reuid;
        out[n++] = regid;
        out[n++] = "--clear-groups";
        out[n++] = "--";
    } else if (strcmp(user, "nobody") == 0 &&
               (access("/usr/sbin/runuser", X_OK) == 0 || access("/sbin/runuser", X_OK) == 0)) {
        out[n++] = access("/usr/sbin/runuser", X_OK) == 0 ? "/usr/sbin/runuser" : "/sbin/runuser";
        out[n++] = "-u";
        out[n++] = "nobody";
        out[n++] = "--";
    } else {
        cr_assert_fail("cannot run as %s: setpriv (util-linux) is not installed%s", user,
                       strcmp(user, "nobody") == 0 ? ", nor runuser" : "");
    }
    for (size_t i = 0; cmd[i]; i++) {
        cr_assert_lt(n, cap - 1);
        out[n++] = cmd[i];
    }
    out[n] = NULL;
}

static struct proc *start_as_nobody(const char *const *cmd)
{
    cr_assert_eq(geteuid(), 0, "these tests run as root, to run atail as nobody");
    const char *argv[32];
    as_user(argv, 32, "nobody", "nogroup", cmd);
    return start(argv);
}

/* Asserts that the whole stdout of p becomes `want` (text). */
static void expect_output(struct proc *p, const char *want, const char *what)
{
    bool seen = proc_wait_output(p, want, WAIT_MS);
    cr_assert(seen && p->out.len == strlen(want),
              "%s: want stdout \"%s\", got \"%s\" (stderr \"%s\", status %d)", what, want,
              p->out.data, p->err.data, p->status);
}

/* Asserts that the stdout of p becomes `want` (any bytes), which ends with
 * a text marker that is waited for. */
static void expect_bytes(struct proc *p, const struct buf *want, const char *marker,
                         const char *what)
{
    bool seen = proc_wait_output(p, marker, WAIT_MS);
    cr_assert(seen, "%s: marker \"%s\" never came (%zu bytes of stdout, stderr \"%s\")", what,
              marker, p->out.len, p->err.data);
    cr_assert(p->out.len == want->len && memcmp(p->out.data, want->data, want->len) == 0,
              "%s: stdout differs (%zu bytes, want %zu)", what, p->out.len, want->len);
}

/* Stops a process that must still be running with sig, and checks that
 * the signal ended it (not the SIGKILL sent after the deadline). Returns
 * how long it took, in ms. */
static long long stop_by(struct proc *p, int sig, const char *what)
{
    cr_assert(proc_running(p), "%s ended early: status %d, stdout \"%.200s\", stderr \"%s\"", what,
              p->status, p->out.data, p->err.data);
    long long t0 = now_ms();
    int st = proc_stop(p, sig, WAIT_MS);
    long long took = now_ms() - t0;
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sig,
              "%s: signal %d did not end it (status 0x%x after %lld ms)", what, sig, st, took);
    return took;
}

static void append_bytes(struct buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        b->data = realloc(b->data, cap);
        cr_assert_not_null(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static void append_text(struct buf *b, const char *s)
{
    append_bytes(b, s, strlen(s));
}

/* Deterministic bytes (xorshift32). */
static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Waits (deadline) until pid has read at least n bytes in all. */
static void wait_read_total(pid_t pid, long long n, const char *what)
{
    long long deadline = now_ms() + WAIT_MS, got = -1;
    while ((got = proc_read_total(pid)) < n && now_ms() < deadline)
        poll(NULL, 0, 5);
    cr_assert_geq(got, n, "%s: read only %lld bytes", what, got);
}

/* Opens the FIFO for writing once a reader has it open (a reader blocked
 * in open() counts). */
static int open_fifo_writer(struct proc *p, const char *path)
{
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        cr_assert_eq(errno, ENXIO, "open fifo: %s", strerror(errno));
        cr_assert(proc_running(p), "ended before opening the FIFO: status %d, stderr \"%s\"",
                  p->status, p->err.data);
        cr_assert_lt(now_ms(), deadline, "nothing opened the FIFO for reading");
        poll(NULL, 0, 2);
    }
}

/* ---- permissions -------------------------------------------------------------- */

/* Unreadable before the start, with -f: said as GNU says it, and the other
 * file is followed; alone, nothing is left to follow. */
Test(badinput, permission_denied_before_start_with_follow)
{
    const char *secret = scratch_path("secret.log"), *ok = scratch_path("ok.log");
    write_str(secret, "secret\n");
    write_str(ok, "public\n");
    cr_assert_eq(chmod(secret, 0), 0);
    cr_assert_eq(chmod(ok, 0644), 0);

    struct proc *a =
        start_as_nobody((const char *const[]){atail_for_anyone(), "-f", secret, ok, NULL});
    struct proc *g = start_as_nobody((const char *const[]){GNU_TAIL, "-f", secret, ok, NULL});
    char want[1024];
    snprintf(want, sizeof want, "==> %s <==\npublic\n", ok);
    expect_output(g, want, "GNU tail -f secret ok");
    expect_output(a, want, "atail -f secret ok");
    append_str(ok, "more\n");
    strcat(want, "more\n");
    expect_output(g, want, "GNU: appended to the readable file");
    expect_output(a, want, "appended to the readable file");
    char want_err[1024];
    snprintf(want_err, sizeof want_err, "atail: cannot open '%s' for reading: Permission denied\n",
             secret);
    proc_wait_stderr(a, "Permission denied\n", WAIT_MS);
    proc_wait_stderr(g, "Permission denied\n", WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(g_err, want_err);
    cr_expect_str_eq(a->err.data, want_err);
    free(g_err);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);

    /* Alone: nothing to follow. */
    const char *argv_a[16], *argv_g[16];
    as_user(argv_a, 16, "nobody", "nogroup",
            (const char *const[]){atail_for_anyone(), "-f", secret, NULL});
    a = run(argv_a, NULL, 0, WAIT_MS);
    as_user(argv_g, 16, "nobody", "nogroup", (const char *const[]){GNU_TAIL, "-f", secret, NULL});
    g = run(argv_g, NULL, 0, WAIT_MS);
    strcat(want_err, "atail: no files remaining\n");
    g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(g_err, want_err);
    cr_expect_str_eq(a->err.data, want_err);
    cr_expect_str_eq(a->out.data, "");
    cr_expect_eq(exit_code(a), 1);
    cr_expect_eq(exit_code(g), 1);
    free(g_err);
    proc_free(a);
    proc_free(g);
}

/* chmod 000 while atail -f reads: the open descriptor stays readable, so
 * nothing changes and nothing is said (as GNU). */
Test(badinput, permission_removed_while_following)
{
    const char *f = scratch_path("chmod.log");
    write_str(f, "a\n");
    cr_assert_eq(chmod(f, 0644), 0);
    struct proc *a = start_as_nobody((const char *const[]){atail_for_anyone(), "-f", f, NULL});
    struct proc *g = start_as_nobody((const char *const[]){GNU_TAIL, "-f", f, NULL});
    expect_output(a, "a\n", "atail: initial");
    expect_output(g, "a\n", "GNU: initial");
    cr_assert_eq(chmod(f, 0), 0);
    append_str(f, "b\n");
    expect_output(a, "a\nb\n", "atail: appended while mode 000");
    expect_output(g, "a\nb\n", "GNU: appended while mode 000");
    cr_assert_eq(chmod(f, 0644), 0);
    append_str(f, "c\n");
    expect_output(a, "a\nb\nc\n", "atail: appended after mode 644");
    expect_output(g, "a\nb\nc\n", "GNU: appended after mode 644");
    cr_expect_str_eq(a->err.data, "");
    /* GNU, when the mode changes before it has set its inotify watch, says
     * "cannot watch ...: Permission denied" and polls. */
    if (g->err.len)
        fprintf(stderr, "permission_removed_while_following: GNU said \"%s\"\n", g->err.data);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);
}

/* -F, and the name is atomically replaced by a file nobody may read: the
 * user must be told why nothing comes (GNU: "cannot watch 'f': Permission
 * denied"); once readable, the new file is followed from its start. */
Test(badinput, name_replaced_by_unreadable_file)
{
    cr_assert(has_follow_name(), "this atail has no -F");
    const char *f = scratch_path("replaced.log"), *old = scratch_path("replaced.log.1"),
               *next = scratch_path("replaced.next");
    write_str(f, "a\n");
    cr_assert_eq(chmod(f, 0644), 0);
    struct proc *a = start_as_nobody((const char *const[]){atail_for_anyone(), "-F", f, NULL});
    expect_output(a, "a\n", "initial");
    write_str(next, "b\n");
    cr_assert_eq(chmod(next, 0), 0);
    /* The name never goes missing: link the old file away, then rename. */
    cr_assert_eq(link(f, old), 0);
    cr_assert_eq(rename(next, f), 0);
    char want[1024];
    snprintf(want, sizeof want, "'%s'", f);
    bool said = proc_wait_stderr(a, "Permission denied", 5000);
    cr_expect(said && strstr(a->err.data, want),
              "BUG: atail -F says nothing while '%s' is unreadable (5 s): stderr \"%s\"", f,
              a->err.data);
    append_str(f, "c\n");
    cr_assert_eq(chmod(f, 0644), 0);
    expect_output(a, "a\nb\nc\n", "the new file, once readable");
    snprintf(want, sizeof want, "atail: '%s' has been replaced;  following new file\n", f);
    cr_expect(proc_wait_stderr(a, want, WAIT_MS), "stderr \"%s\"", a->err.data);
    stop_by(a, SIGTERM, "atail -F");
    proc_free(a);
}

/* ---- special files -------------------------------------------------------------- */

/* A FIFO without -f: atail waits for a writer (as GNU), then prints the
 * end of what came once the writer closed it, and exits 0. */
Test(badinput, fifo_without_follow)
{
    const char *fifo = scratch_path("fifo");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    static const struct {
        const char *opt, *arg, *data, *want;
    } cases[] = {
        {"-n", "2", "a\nb\nc\n", "b\nc\n"},
        {"-c", "3", "a\nb\nc", "b\nc"},
        {"-n", "+2", "a\nb\nc", "b\nc"},
        {"-n", "5", "", ""},
    };
    const char *progs[] = {atail(), GNU_TAIL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int k = 0; k < 2; k++) {
            struct proc *p =
                start((const char *const[]){progs[k], cases[i].opt, cases[i].arg, fifo, NULL});
            int w = open_fifo_writer(p, fifo);
            /* Nothing written yet: no output, no exit. */
            cr_assert(!proc_wait_exit(p, 50), "%s %s %s: ended with no writer data", progs[k],
                      cases[i].opt, cases[i].arg);
            cr_assert_eq(p->out.len, 0);
            size_t len = strlen(cases[i].data);
            cr_assert_eq(write(w, cases[i].data, len), (ssize_t)len);
            close(w);
            cr_assert(proc_wait_exit(p, WAIT_MS), "%s did not end at the FIFO's end", progs[k]);
            cr_expect_str_eq(p->out.data, cases[i].want, "%s %s %s", progs[k], cases[i].opt,
                             cases[i].arg);
            cr_expect_str_eq(p->err.data, "", "%s", progs[k]);
            cr_expect_eq(exit_code(p), 0, "%s", progs[k]);
            proc_free(p);
        }
    }
}

/* Runs atail and GNU tail with args: the same stdout, stderr and status.
 * Returns atail's exit status. */
static int same_as_gnu(const char *const *args)
{
    const char *argv_a[16] = {atail()}, *argv_g[16] = {GNU_TAIL};
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(i, 14);
        argv_a[i + 1] = argv_g[i + 1] = args[i];
    }
    struct proc *a = run(argv_a, NULL, 0, WAIT_MS), *g = run(argv_g, NULL, 0, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err, "[atail %s ...] stderr", args[0]);
    cr_expect(a->out.len == g->out.len && memcmp(a->out.data, g->out.data, a->out.len) == 0,
              "[atail %s ...] stdout \"%s\", GNU \"%s\"", args[0], a->out.data, g->out.data);
    cr_expect_eq(exit_code(a), exit_code(g), "[atail %s ...] status", args[0]);
    int code = exit_code(a);
    free(g_err);
    proc_free(a);
    proc_free(g);
    return code;
}

#define SAME_AS_GNU(...) same_as_gnu((const char *const[]){__VA_ARGS__, NULL})

/* A unix socket cannot be opened: "No such device or address", as GNU;
 * with -f the other files are followed. */
Test(badinput, unix_socket)
{
    const char *sock = scratch_path("sock"), *ok = scratch_path("ok.log");
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    cr_assert_lt(strlen(sock), sizeof sa.sun_path);
    strcpy(sa.sun_path, sock);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0, "bind: %s", strerror(errno));
    cr_assert_eq(listen(s, 1), 0);
    write_str(ok, "ok\n");

    cr_expect_eq(SAME_AS_GNU(sock), 1);
    cr_expect_eq(SAME_AS_GNU("-c", "5", sock), 1);
    cr_expect_eq(SAME_AS_GNU("-f", sock), 1);
    struct proc *p = run((const char *const[]){atail(), "-f", sock, NULL}, NULL, 0, WAIT_MS);
    char want[1024];
    snprintf(want, sizeof want,
             "atail: cannot open '%s' for reading: No such device or address\n"
             "atail: no files remaining\n",
             sock);
    cr_expect_str_eq(p->err.data, want);
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);

    struct proc *a = start((const char *const[]){atail(), "-f", sock, ok, NULL});
    struct proc *g = start((const char *const[]){GNU_TAIL, "-f", sock, ok, NULL});
    snprintf(want, sizeof want, "==> %s <==\nok\n", ok);
    expect_output(a, want, "atail -f sock ok");
    expect_output(g, want, "GNU tail -f sock ok");
    append_str(ok, "more\n");
    strcat(want, "more\n");
    expect_output(a, want, "atail: appended to ok");
    expect_output(g, want, "GNU: appended to ok");
    proc_wait_stderr(a, "No such device or address\n", WAIT_MS);
    proc_wait_stderr(g, "No such device or address\n", WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    free(g_err);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);
    close(s);
}

/* The CPU ticks p has used before it idles: 0, its start being part of
 * the bill, but under valgrind, whose start takes about 50 ticks (0.5 s of
 * CPU) that are not atail's, the ticks once they stop growing (200 ms with
 * at most one more; WAIT_MS at most: what keeps spinning is caught by the
 * caller's bound all the same). */
static long long ticks_of_start(struct proc *p)
{
    if (!runs_under_valgrind(atail()))
        return 0;
    long long deadline = now_ms() + WAIT_MS, prev = proc_cpu_ticks(p->pid);
    for (;;) {
        poll(NULL, 0, 200);
        long long now = proc_cpu_ticks(p->pid);
        if (now - prev <= 1 || now_ms() >= deadline)
            return now;
        prev = now;
    }
}

/* /dev/null: empty, as GNU. `tail -f /dev/null` is the well-known way to
 * wait forever (containers use it): GNU keeps running, quietly and without
 * using the CPU; so must atail. */
Test(badinput, dev_null)
{
    cr_expect_eq(SAME_AS_GNU("/dev/null"), 0);
    cr_expect_eq(SAME_AS_GNU("-c", "5", "/dev/null"), 0);
    cr_expect_eq(SAME_AS_GNU("-n", "+1", "/dev/null"), 0);
    cr_expect_eq(SAME_AS_GNU("-v", "-z", "/dev/null"), 0);

    struct proc *g = start((const char *const[]){GNU_TAIL, "-f", "/dev/null", NULL});
    struct proc *a = start((const char *const[]){atail(), "-f", "/dev/null", NULL});
    cr_assert(!proc_wait_exit(g, 500), "GNU tail -f /dev/null ended");
    /* Under valgrind, 0.6 s counted from the end of its start. */
    long long start_ticks = ticks_of_start(a);
    bool ended = proc_wait_exit(a, runs_under_valgrind(atail()) ? 600 : 100);
    cr_expect(!ended,
              "BUG: atail -f /dev/null ended (status %d, stderr \"%s\"); GNU tail goes on "
              "following it",
              exit_code(a), a->err.data);
    if (!ended) {
        long long cpu = proc_cpu_ticks(a->pid) - start_ticks;
        cr_expect_leq(cpu, 10, "atail -f /dev/null used %lld ticks of CPU in 0.6 s", cpu);
        cr_expect_str_eq(a->out.data, "");
        cr_expect_str_eq(a->err.data, "");
        stop_by(a, SIGTERM, "atail -f /dev/null");
    }
    stop_by(g, SIGTERM, "GNU tail -f /dev/null");
    proc_free(a);
    proc_free(g);

    /* With another file: that one is followed, /dev/null gets its header. */
    const char *ok = scratch_path("ok.log");
    write_str(ok, "x\n");
    a = start((const char *const[]){atail(), "-f", "/dev/null", ok, NULL});
    g = start((const char *const[]){GNU_TAIL, "-f", "/dev/null", ok, NULL});
    char want[1024];
    snprintf(want, sizeof want, "==> /dev/null <==\n\n==> %s <==\nx\n", ok);
    expect_output(a, want, "atail -f /dev/null ok");
    expect_output(g, want, "GNU tail -f /dev/null ok");
    start_ticks = ticks_of_start(a);
    append_str(ok, "y\n");
    strcat(want, "y\n");
    expect_output(a, want, "atail: appended");
    expect_output(g, want, "GNU: appended");
    cr_expect_str_eq(a->err.data, "");
    long long cpu = proc_cpu_ticks(a->pid) - start_ticks;
    cr_expect_leq(cpu, 10, "atail -f /dev/null ok used %lld ticks of CPU", cpu);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);
}

/* /dev/zero with -c 5: an endless input has no last 5 bytes. GNU reads it
 * forever, in constant memory, printing nothing; atail does the same: it
 * must not grow, must print nothing, and must end at once on SIGTERM. */
Test(badinput, dev_zero_with_bytes)
{
    const char *progs[] = {atail(), GNU_TAIL};
    for (int k = 0; k < 2; k++) {
        struct proc *p = start((const char *const[]){progs[k], "-c", "5", "/dev/zero", NULL});
        wait_read_total(p->pid, 256 * MIB, progs[k]);
        long hwm = proc_status_kb(p->pid, "VmHWM");
        fprintf(stderr, "%s -c 5 /dev/zero: read 256 MiB, VmHWM %ld kB\n", progs[k], hwm);
        if (rss_judged(progs[k]))
            cr_expect_lt(hwm, RSS_LIMIT_KB, "%s -c 5 /dev/zero: VmHWM %ld kB", progs[k], hwm);
        cr_expect_eq(p->out.len, 0);
        long long took = stop_by(p, SIGTERM, progs[k]);
        cr_expect_lt(took, 2000 * slowdown_of(progs[k]), "%s took %lld ms to end on SIGTERM",
                     progs[k], took);
        cr_expect_str_eq(p->err.data, "");
        proc_free(p);
    }
    /* From byte 5 on, into a reader that leaves: ends by SIGPIPE at once. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -c +5 /dev/zero | head -c 10 | od -An -c", atail());
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect_str_eq(p->out.data, "  \\0  \\0  \\0  \\0  \\0  \\0  \\0  \\0  \\0  \\0\n");
    cr_expect_str_eq(p->err.data, "");
    proc_free(p);
}

/* /dev/zero with -n 1: one endless line. GNU tail keeps all of it and grows
 * until memory runs out; atail keeps its last --max-line bytes, so it reads
 * forever in bounded memory, printing nothing. A finite overlong last line
 * of a pipe is printed by its end, and what was dropped is said. */
Test(badinput, dev_zero_with_lines)
{
    struct proc *p = start((const char *const[]){atail(), "-n", "1", "/dev/zero", NULL});
    wait_read_total(p->pid, 256 * MIB, "atail");
    long hwm = proc_status_kb(p->pid, "VmHWM");
    fprintf(stderr, "atail -n 1 /dev/zero: read 256 MiB, VmHWM %ld kB\n", hwm);
    if (rss_judged(atail()))
        cr_expect_lt(hwm, RSS_LIMIT_KB, "atail -n 1 /dev/zero: VmHWM %ld kB", hwm);
    cr_expect_eq(p->out.len, 0);
    stop_by(p, SIGTERM, "atail -n 1 /dev/zero");
    cr_expect_str_eq(p->err.data, "");
    proc_free(p);

    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "{ printf 'a\\nb\\n'; head -c 3000 /dev/zero | tr '\\0' x; printf '\\nc\\n'; }"
             " | %s -n 2 --max-line=1000 | awk '{ print length($0), substr($0, 1, 1) }'",
             atail());
    p = run_sh(cmd, WAIT_MS);
    /* The last 2 lines in at most 2 * 1001 bytes: 1999 x, then c. */
    cr_expect_str_eq(p->out.data, "1999 x\n1 c\n");
    cr_expect_str_eq(p->err.data, "atail: 'standard input': 1001 bytes dropped: the last lines "
                                  "hold a line longer than 1000 bytes (see --max-line)\n");
    proc_free(p);
}

/* ---- contents -------------------------------------------------------------------- */

/* Bytes of every value appended while following, as lines (-f) and as
 * NUL-terminated records (-f -z): passed through byte for byte, as GNU. */
Test(badinput, binary_nul_utf8_crlf_while_following)
{
    static const struct {
        const char *opt;
        const char *initial;
        size_t initial_len;
        const char *shown;
        size_t shown_len;
    } modes[] = {
        {"-q", "skip\nstart\n", 11, "start\n", 6},
        {"-z", "skip\0start\0", 11, "start\0", 6},
    };
    for (int m = 0; m < 2; m++) {
        const char *f = scratch_path(m ? "binary_z.log" : "binary.log");
        write_file(f, modes[m].initial, modes[m].initial_len);
        struct proc *a =
            start((const char *const[]){atail(), "-f", modes[m].opt, "-n", "1", f, NULL});
        struct proc *g =
            start((const char *const[]){GNU_TAIL, "-f", modes[m].opt, "-n", "1", f, NULL});
        struct buf want = {0};
        append_bytes(&want, modes[m].shown, modes[m].shown_len);
        /* The start is printed before anything is appended. */
        cr_assert(proc_wait_output(a, "start", WAIT_MS), "atail: initial \"%s\"", a->out.data);
        cr_assert(proc_wait_output(g, "start", WAIT_MS), "GNU: initial \"%s\"", g->out.data);

        uint32_t seed = 20251126u;
        char chunk[65536];
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (char)(i < 256 ? i : xorshift(&seed) >> 24);
        static const char nuls[] = "a\0b\0\0c\n\0\0\n";
        static const char utf8[] = "\xc3\x28 \xa0\xa1 \xe2\x28\xa1 \xf0\x90\x28\xbc "
                                   "\xed\xa0\x80 \xc0\xaf \xff\xfe\xfd\n";
        static const char crlf[] = "one\r\ntwo\r\n\r\nthree\r";
        const struct {
            const char *data;
            size_t len;
        } appends[] = {
            {chunk, sizeof chunk},
            {nuls, sizeof nuls - 1},
            {utf8, sizeof utf8 - 1},
            {crlf, sizeof crlf - 1},
        };
        for (size_t i = 0; i < sizeof appends / sizeof appends[0]; i++) {
            char marker[32];
            snprintf(marker, sizeof marker, "\n@mark%zu@\n", i);
            append_file(f, appends[i].data, appends[i].len);
            append_str(f, marker);
            append_bytes(&want, appends[i].data, appends[i].len);
            append_text(&want, marker);
            expect_bytes(a, &want, marker, "atail");
            expect_bytes(g, &want, marker, "GNU tail");
        }
        cr_expect_str_eq(a->err.data, "");
        cr_expect_str_eq(g->err.data, "");
        stop_by(a, SIGTERM, "atail");
        stop_by(g, SIGTERM, "GNU tail");
        proc_free(a);
        proc_free(g);
        buf_free(&want);
    }
}

/* Reads p's stdout until `total` bytes came, checking them against
 * fill(dst, offset, n), which writes the expected bytes, and sampling
 * VmHWM. Returns the highest VmHWM in kB. */
static long drain_checked(struct proc *p, long long total,
                          void (*fill)(char *dst, long long off, long n), const char *what)
{
    static char chunk[1 << 20], want[1 << 20];
    long long got = 0;
    long hwm = 0, next_sample = 0;
    while (got < total) {
        long n = proc_read_stdout(p, chunk, sizeof chunk, WAIT_MS);
        cr_assert_gt(n, 0, "%s: output stopped after %lld of %lld bytes (stderr \"%s\")", what, got,
                     total, p->err.data);
        cr_assert_leq(got + n, total, "%s: more output than expected", what);
        fill(want, got, n);
        if (memcmp(chunk, want, (size_t)n) != 0) {
            long i = 0;
            while (chunk[i] == want[i])
                i++;
            cr_assert_fail("%s: byte %lld is 0x%02x, want 0x%02x", what, got + i,
                           (unsigned char)chunk[i], (unsigned char)want[i]);
        }
        got += n;
        if (got >= next_sample) {
            long h = proc_status_kb(p->pid, "VmHWM");
            hwm = h > hwm ? h : hwm;
            next_sample = got + 4 * MIB;
        }
    }
    long h = proc_status_kb(p->pid, "VmHWM");
    return h > hwm ? h : hwm;
}

/* 100 MiB of 'x', then a newline. */
static void fill_huge_line(char *dst, long long off, long n)
{
    for (long i = 0; i < n; i++)
        dst[i] = off + i == 100 * MIB ? '\n' : 'x';
}

static void fill_zeros(char *dst, long long off, long n)
{
    (void)off;
    memset(dst, 0, (size_t)n);
}

/* A 100 MiB line appended to a followed file: it comes out whole, and
 * atail's memory stays small (raw output passes it through in spans).
 * Then, without -f, the same line as the last one of the file. */
Test(badinput, line_of_100_mib)
{
    const char *f = scratch_path("huge.log");
    write_str(f, "start\n");
    const char *progs[] = {atail(), GNU_TAIL};
    long hwm[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        write_str(f, "start\n");
        struct proc *p = start((const char *const[]){progs[k], "-f", f, NULL});
        expect_output(p, "start\n", progs[k]);
        long before = proc_status_kb(p->pid, "VmRSS");
        static char block[1 << 20];
        memset(block, 'x', sizeof block);
        int fd = open(f, O_WRONLY | O_APPEND | O_CLOEXEC);
        cr_assert_geq(fd, 0);
        for (int i = 0; i < 100; i++)
            cr_assert_eq(write(fd, block, sizeof block), (ssize_t)sizeof block);
        cr_assert_eq(write(fd, "\n", 1), 1);
        close(fd);
        hwm[k] = drain_checked(p, 100 * MIB + 1, fill_huge_line, progs[k]);
        fprintf(stderr, "%s -f, a 100 MiB line appended: VmRSS before %ld kB, VmHWM %ld kB\n",
                progs[k], before, hwm[k]);
        cr_expect_str_eq(p->err.data, "");
        stop_by(p, SIGTERM, progs[k]);
        proc_free(p);
    }
    if (rss_judged(atail()))
        cr_expect_lt(hwm[0], RSS_LIMIT_KB,
                     "atail -f: VmHWM %ld kB with a 100 MiB line (GNU: %ld kB)", hwm[0], hwm[1]);

    /* -n 1: read backwards from the end, the whole line out. */
    struct proc *p = start((const char *const[]){atail(), "-n", "1", f, NULL});
    long h = drain_checked(p, 100 * MIB + 1, fill_huge_line, "atail -n 1");
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_eq(exit_code(p), 0);
    cr_expect_str_eq(p->err.data, "");
    fprintf(stderr, "atail -n 1, last line 100 MiB: VmHWM %ld kB\n", h);
    if (rss_judged(atail()))
        cr_expect_lt(h, RSS_LIMIT_KB, "atail -n 1: VmHWM %ld kB", h);
    proc_free(p);
}

/* A big file of numbered lines; returns its contents. */
static void make_numbered(const char *path, size_t size, struct buf *b)
{
    b->len = 0;
    char line[64];
    for (int i = 0; b->len < size; i++) {
        int n = snprintf(line, sizeof line, "%08d the quick brown fox\n", i);
        append_bytes(b, line, (size_t)n);
    }
    write_file(path, b->data, b->len);
}

/* Starts prog -f -n +1 on path with nobody reading its output, and waits
 * until it is in the middle: its output pipe holds 32 KiB of the file (so
 * it has read that much), and with the pipe unread it cannot have read
 * much more than the pipe's 64 KiB and its own buffer. */
static struct proc *start_stuck_reader(const char *prog, const char *mode, const char *path,
                                       size_t size)
{
    struct proc *p = start((const char *const[]){prog, mode, "-n", "+1", path, NULL});
    long long deadline = now_ms() + WAIT_MS;
    int avail = 0;
    while ((ioctl(p->out_fd, FIONREAD, &avail) != 0 || avail < 32 * 1024) && now_ms() < deadline)
        poll(NULL, 0, 2);
    cr_assert_geq(avail, 32 * 1024, "%s printed only %d bytes", prog, avail);
    long long r = proc_read_total(p->pid);
    cr_assert_lt(r, (long long)size / 2, "%s read %lld bytes: not stuck", prog, r);
    return p;
}

/* The file shrinks while atail is in the middle of reading it (its
 * output is blocked): what was printed is a prefix of the old contents,
 * then "file truncated", then the new contents; as GNU. */
Test(badinput, file_shrinks_mid_read)
{
    const char *f = scratch_path("shrink.log");
    struct buf orig = {0};
    const size_t size = 16 * MIB;
    static const struct {
        off_t keep;
    } cases[] = {{0}, {4096}};
    const char *progs[] = {atail(), GNU_TAIL};
    for (size_t c = 0; c < 2; c++) {
        for (int k = 0; k < 2; k++) {
            make_numbered(f, size, &orig);
            struct proc *p = start_stuck_reader(progs[k], "-f", f, size);
            cr_assert_eq(truncate(f, cases[c].keep), 0);
            append_str(f, "after\n");
            cr_assert(proc_wait_output(p, "after\n", WAIT_MS),
                      "%s: the new contents never came (%zu bytes, stderr \"%s\")", progs[k],
                      p->out.len, p->err.data);
            /* prefix of the old + the kept start again + "after\n" */
            size_t tail_len = (size_t)cases[c].keep + 6;
            cr_assert_geq(p->out.len, tail_len + 32 * 1024);
            size_t prefix = p->out.len - tail_len;
            cr_expect(memcmp(p->out.data, orig.data, prefix) == 0,
                      "%s: output before the truncation is not the old contents", progs[k]);
            cr_expect(memcmp(p->out.data + prefix, orig.data, (size_t)cases[c].keep) == 0 &&
                          memcmp(p->out.data + prefix + cases[c].keep, "after\n", 6) == 0,
                      "%s: output after the truncation is not the new contents", progs[k]);
            char want[1024];
            snprintf(want, sizeof want, "atail: %s: file truncated\n", f);
            proc_wait_stderr(p, "file truncated\n", WAIT_MS);
            char *err = k ? gnu_as_atail(&p->err) : strdup(p->err.data);
            cr_expect(strstr(err, want) != NULL, "%s: stderr \"%s\"", progs[k], err);
            if (k == 0)
                cr_expect_str_eq(err, want);
            free(err);
            fprintf(stderr, "%s: shrunk to %ld bytes after %zu bytes printed\n", progs[k],
                    (long)cases[c].keep, prefix);
            stop_by(p, SIGTERM, progs[k]);
            proc_free(p);
        }
    }
    buf_free(&orig);
}

/* The file is unlinked while atail is in the middle of reading it: -f
 * keeps reading the open file to its end, including what its writer adds
 * after the unlink, silently (as GNU). -F also reads it to its end, and
 * says the name is gone. */
Test(badinput, file_vanishes_mid_read)
{
    const char *f = scratch_path("vanish.log");
    struct buf orig = {0};
    const size_t size = 16 * MIB;
    const char *progs[] = {atail(), GNU_TAIL, atail()};
    bool name = has_follow_name();
    for (int k = 0; k < (name ? 3 : 2); k++) {
        make_numbered(f, size, &orig);
        int w = open(f, O_WRONLY | O_APPEND | O_CLOEXEC);
        cr_assert_geq(w, 0);
        struct proc *p = start_stuck_reader(progs[k], k == 2 ? "-F" : "-f", f, size);
        cr_assert_eq(unlink(f), 0);
        cr_assert_eq(write(w, "after\n", 6), 6);
        close(w);
        append_text(&orig, "after\n");
        cr_assert(proc_wait_output(p, "after\n", WAIT_MS),
                  "%s: the end never came (%zu of %zu bytes, stderr \"%s\")", progs[k], p->out.len,
                  orig.len, p->err.data);
        cr_expect(p->out.len == orig.len && memcmp(p->out.data, orig.data, orig.len) == 0,
                  "%s: %zu bytes, want the whole file (%zu)", progs[k], p->out.len, orig.len);
        if (k == 0) {
            cr_expect_str_eq(p->err.data, "", "atail -f");
        } else if (k == 1) {
            /* GNU sets its inotify watch after the first read, too late. */
            fprintf(stderr, "file_vanishes_mid_read: GNU tail -f said \"%s\"\n", p->err.data);
        } else {
            char want[1024];
            snprintf(want, sizeof want,
                     "atail: '%s' has become inaccessible: No such file or directory\n", f);
            cr_expect(proc_wait_stderr(p, want, WAIT_MS), "-F: stderr \"%s\"", p->err.data);
        }
        stop_by(p, SIGTERM, progs[k]);
        proc_free(p);
    }
    buf_free(&orig);
}

/* A sparse file of 1 GiB: the end is found by seeking, not by reading
 * the hole, so -c 10 and -n 1 (with a last line) take no time. Without
 * any newline, -n 1 is the whole GiB of zeros: streamed in constant
 * memory. */
Test(badinput, sparse_file)
{
    const char *holes = scratch_path("holes"), *lines = scratch_path("holes_then_lines");
    int fd = open(holes, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 1024 * MIB), 0);
    close(fd);
    fd = open(lines, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 1024 * MIB), 0);
    close(fd);
    append_str(lines, "x\ny\n");
    struct stat st;
    cr_assert_eq(stat(holes, &st), 0);
    cr_assert_lt(st.st_blocks, 1024, "the file system does not make sparse files");

    const char *progs[] = {atail(), GNU_TAIL};
    for (int k = 0; k < 2; k++) {
        long long t0 = now_ms();
        struct proc *p =
            run((const char *const[]){progs[k], "-c", "10", holes, NULL}, NULL, 0, WAIT_MS);
        long long took = now_ms() - t0;
        cr_expect(p->out.len == 10 && memcmp(p->out.data, "\0\0\0\0\0\0\0\0\0\0", 10) == 0,
                  "%s -c 10: %zu bytes", progs[k], p->out.len);
        cr_expect_eq(exit_code(p), 0);
        cr_expect_lt(took, 1000 * slowdown_of(progs[k]), "%s -c 10 of a 1 GiB hole took %lld ms",
                     progs[k], took);
        fprintf(stderr, "%s -c 10, 1 GiB sparse: %lld ms\n", progs[k], took);
        proc_free(p);

        t0 = now_ms();
        p = run((const char *const[]){progs[k], "-n", "1", lines, NULL}, NULL, 0, WAIT_MS);
        took = now_ms() - t0;
        cr_expect_str_eq(p->out.data, "y\n", "%s -n 1", progs[k]);
        cr_expect_eq(exit_code(p), 0);
        cr_expect_lt(took, 1000 * slowdown_of(progs[k]), "%s -n 1 after a 1 GiB hole took %lld ms",
                     progs[k], took);
        fprintf(stderr, "%s -n 1, 1 GiB sparse + 2 lines: %lld ms\n", progs[k], took);
        proc_free(p);
    }

    for (int k = 0; k < 2; k++) {
        long long t0 = now_ms();
        struct proc *p = start((const char *const[]){progs[k], "-n", "1", holes, NULL});
        long hwm = drain_checked(p, 1024 * MIB, fill_zeros, progs[k]);
        cr_assert(proc_wait_exit(p, WAIT_MS));
        long long took = now_ms() - t0;
        cr_expect_eq(exit_code(p), 0);
        cr_expect_str_eq(p->err.data, "");
        if (rss_judged(progs[k]))
            cr_expect_lt(hwm, RSS_LIMIT_KB, "%s -n 1 of 1 GiB of zeros: VmHWM %ld kB", progs[k],
                         hwm);
        cr_expect_lt(took, 30000 * slowdown_of(progs[k]), "%s -n 1 of 1 GiB of zeros took %lld ms",
                     progs[k], took);
        fprintf(stderr, "%s -n 1, 1 GiB without newline: %lld ms, VmHWM %ld kB\n", progs[k], took,
                hwm);
        proc_free(p);
    }
}

/* A file on tmpfs (/dev/shm): followed like any other. */
Test(badinput, tmpfs_follow)
{
    struct statfs sf;
    cr_assert_eq(statfs("/dev/shm", &sf), 0, "/dev/shm: %s", strerror(errno));
    cr_assert_eq(sf.f_type, TMPFS_MAGIC, "/dev/shm is not a tmpfs");
    strcpy(shm_dir, "/dev/shm/atail-test-XXXXXX");
    cr_assert_not_null(mkdtemp(shm_dir));
    char f[128];
    snprintf(f, sizeof f, "%s/shm.log", shm_dir);
    write_str(f, "a\n");
    struct proc *p = start((const char *const[]){atail(), "-f", f, NULL});
    expect_output(p, "a\n", "initial");
    append_str(f, "b\n");
    expect_output(p, "a\nb\n", "appended");
    write_str(f, "c\n");
    expect_output(p, "a\nb\nc\n", "truncated and rewritten");
    char want[256];
    snprintf(want, sizeof want, "atail: %s: file truncated\n", f);
    proc_wait_stderr(p, "file truncated\n", WAIT_MS);
    cr_expect_str_eq(p->err.data, want);
    stop_by(p, SIGTERM, "atail");
    proc_free(p);
}

/* A file on a FUSE filesystem (bindfs, a Debian package that
 * scripts/install-test-deps.sh installs): inotify there sees only what is
 * written through the mount, not what is written beneath it, as on network
 * filesystems. atail polls such files, as GNU tail does: an append made
 * beneath the mount is seen. */
Test(badinput, fuse_filesystem_is_polled)
{
    const char *src = scratch_path("fuse-src"), *mnt = scratch_path("fuse-mnt");
    cr_assert_eq(mkdir(src, 0755), 0);
    cr_assert_eq(mkdir(mnt, 0755), 0);
    write_str(scratch_path("fuse-src/x.log"), "a\n");
    /* In the foreground, so that it is this test's child, stopped with it. */
    struct proc *m =
        proc_start((const char *const[]){"/usr/bin/bindfs", "-f", src, mnt, NULL}, NULL, 0);
    snprintf(fuse_mnt, sizeof fuse_mnt, "%s", mnt);
    struct statfs sf = {0};
    long long deadline = now_ms() + WAIT_MS;
    while ((statfs(mnt, &sf) < 0 || sf.f_type != 0x65735546 /* FUSE */) && now_ms() < deadline &&
           proc_running(m))
        poll(NULL, 0, 10);
    cr_assert_eq(sf.f_type, 0x65735546,
                 "bindfs could not mount a FUSE filesystem (it needs /dev/fuse and root): %s",
                 m->err.data);
    struct proc *p =
        start((const char *const[]){atail(), "-f", scratch_path("fuse-mnt/x.log"), NULL});
    expect_output(p, "a\n", "initial");
    append_str(scratch_path("fuse-src/x.log"), "b\n");
    expect_output(p, "a\nb\n", "appended beneath the mount: seen by polling");
    cr_expect_str_eq(p->err.data, "");
    stop_by(p, SIGTERM, "atail");
    proc_free(p);
    cr_assert_eq(umount2(mnt, MNT_DETACH), 0, "umount %s: %s", mnt, strerror(errno));
    fuse_mnt[0] = '\0';
    cr_expect(proc_wait_exit(m, WAIT_MS), "bindfs did not end with its mount");
    proc_free(m);
}

/* ---- names ---------------------------------------------------------------------- */

/* A name with a newline and bytes that are not UTF-8: headers print it as
 * is, messages quote it shell-style; both as GNU. */
Test(badinput, name_with_newline_and_invalid_utf8)
{
    const char *base = "we\nird\377\376.log";
    const char *f = scratch_path(base), *other = scratch_path("other.log");
    char missing[PATH_MAX];
    snprintf(missing, sizeof missing, "%sx", f);
    write_str(f, "hello there\n");
    write_str(other, "o\n");
    cr_expect_eq(SAME_AS_GNU("-n", "1", f, other), 0);
    cr_expect_eq(SAME_AS_GNU("-n", "1", other, missing), 1);

    /* As nobody: unreadable. */
    cr_assert_eq(chmod(f, 0), 0);
    const char *argv_a[16], *argv_g[16];
    as_user(argv_a, 16, "nobody", "nogroup",
            (const char *const[]){atail_for_anyone(), "-n", "1", f, other, NULL});
    as_user(argv_g, 16, "nobody", "nogroup",
            (const char *const[]){GNU_TAIL, "-n", "1", f, other, NULL});
    struct proc *a = run(argv_a, NULL, 0, WAIT_MS), *g = run(argv_g, NULL, 0, WAIT_MS);
    char *g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    cr_expect_str_eq(a->out.data, g->out.data);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want,
             "atail: cannot open '%s/we'$'\\n''ird'$'\\377\\376''.log' for reading: Permission "
             "denied\n",
             scratch_dir());
    cr_expect_str_eq(a->err.data, want);
    cr_expect_eq(exit_code(a), 1);
    cr_expect_eq(exit_code(g), 1);
    free(g_err);
    proc_free(a);
    proc_free(g);
    cr_assert_eq(chmod(f, 0644), 0);

    /* -f: the truncation message. */
    a = start((const char *const[]){atail(), "-f", f, NULL});
    g = start((const char *const[]){GNU_TAIL, "-f", f, NULL});
    expect_output(a, "hello there\n", "atail initial");
    expect_output(g, "hello there\n", "GNU initial");
    write_str(f, "x\n");
    expect_output(a, "hello there\nx\n", "atail after truncation");
    expect_output(g, "hello there\nx\n", "GNU after truncation");
    proc_wait_stderr(a, "file truncated\n", WAIT_MS);
    proc_wait_stderr(g, "file truncated\n", WAIT_MS);
    g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    snprintf(want, sizeof want, "atail: '%s/we'$'\\n''ird'$'\\377\\376''.log': file truncated\n",
             scratch_dir());
    cr_expect_str_eq(a->err.data, want);
    free(g_err);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);

    /* -F: the replacement message. */
    if (!has_follow_name())
        return;
    a = start((const char *const[]){atail(), "-F", f, NULL});
    g = start((const char *const[]){GNU_TAIL, "-F", f, NULL});
    expect_output(a, "x\n", "atail -F initial");
    expect_output(g, "x\n", "GNU -F initial");
    const char *next = scratch_path("next.log");
    write_str(next, "new\n");
    cr_assert_eq(rename(next, f), 0);
    expect_output(a, "x\nnew\n", "atail -F replaced");
    expect_output(g, "x\nnew\n", "GNU -F replaced");
    proc_wait_stderr(a, "following new file\n", WAIT_MS);
    proc_wait_stderr(g, "following new file\n", WAIT_MS);
    g_err = gnu_as_atail(&g->err);
    cr_expect_str_eq(a->err.data, g_err);
    free(g_err);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);
}

/* ---- closed standard output ------------------------------------------------------ */

/* Standard output closed (>&-): every write fails with EBADF; exit 1 and a
 * message, as GNU, whose wording differs: GNU, buffered, says "write
 * error" at exit (test_cli_errors.c pins atail's messages; this pins both
 * side by side). With -f and nothing to print, both check standard output
 * once the files are read, and end at once rather than follow for
 * nobody. */
Test(badinput, closed_stdout_compared_with_gnu)
{
    const char *f = scratch_path("closed.log");
    write_str(f, "1\n2\n");
    static const struct {
        const char *args, *atail_err, *gnu_err;
    } cases[] = {
        {"", "atail: error writing 'standard output': Bad file descriptor\n",
         "atail: write error: Bad file descriptor\n"},
        {"-f", "atail: standard output: Bad file descriptor\n",
         "atail: standard output: Bad file descriptor\natail: write error: Bad file descriptor\n"},
        {"-f -n 0", "atail: standard output: Bad file descriptor\n",
         "atail: standard output: Bad file descriptor\n"},
    };
    const char *progs[] = {atail(), GNU_TAIL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int k = 0; k < 2; k++) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd, "exec %s %s %s >&-", progs[k], cases[i].args, f);
            struct proc *p = run_sh(cmd, WAIT_MS);
            char *err = gnu_as_atail(&p->err);
            cr_expect_str_eq(err, k ? cases[i].gnu_err : cases[i].atail_err, "[%s]", cmd);
            cr_expect_eq(exit_code(p), 1, "[%s]", cmd);
            free(err);
            proc_free(p);
        }
    }
}

/* ---- signals ---------------------------------------------------------------------- */

/* Waits until the child runs `path` (it has passed exec). Under valgrind,
 * whose tool is the process's executable, once the tool has loaded path
 * (its start, about 0.5 s, then begins). */
static void wait_exec(struct proc *p, const char *path)
{
    char want[PATH_MAX], link[64], got[PATH_MAX];
    cr_assert_not_null(realpath(path, want));
    if (runs_under_valgrind(path)) {
        char maps[64];
        snprintf(maps, sizeof maps, "/proc/%d/maps", (int)p->pid);
        long long deadline = now_ms() + WAIT_MS;
        for (;;) {
            struct buf b = {0};
            read_file(maps, &b); /* until it is reaped, even a zombie's */
            bool loaded = strstr(b.data, want) != NULL;
            buf_free(&b);
            if (loaded)
                return;
            cr_assert_lt(now_ms(), deadline, "valgrind did not load %s", path);
            poll(NULL, 0, 1);
        }
    }
    snprintf(link, sizeof link, "/proc/%d/exe", (int)p->pid);
    long long deadline = now_ms() + WAIT_MS;
    for (;;) {
        ssize_t n = readlink(link, got, sizeof got - 1);
        if (n > 0) {
            got[n] = '\0';
            if (strcmp(got, want) == 0)
                return;
        }
        cr_assert_lt(now_ms(), deadline, "%s was not started", path);
        poll(NULL, 0, 1);
    }
}

/* Waits up to timeout_ms for the child to end, without reading its
 * output: a full pipe must not keep it alive. */
static bool ended_without_reading(struct proc *p, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int st;
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->status = st;
            return true;
        }
        if (now_ms() >= deadline)
            return false;
        poll(NULL, 0, 1);
    }
}

/* SIGINT, SIGTERM or SIGHUP at a random moment, 0-80 ms after exec (under
 * valgrind, see `spread`), from before atail has set up its signal
 * handling to the middle of following 50,000 lines/s, its output pipe full
 * or not, as the test does not read it meanwhile: it ends promptly,
 * without its output being read, killed by that signal like GNU tail; it
 * says nothing, and what it printed is an exact piece of the log starting
 * at a line (no garbage, no span written twice). 50 times; the seed is
 * printed (ATAIL_TEST_SEED=N repeats it). */
Test(badinput, signals_at_random_moments, .timeout = 180)
{
    const char *seed_env = getenv("ATAIL_TEST_SEED");
    uint32_t seed = seed_env ? (uint32_t)strtoul(seed_env, NULL, 10) : (uint32_t)now_ms();
    if (seed == 0)
        seed = 1;
    fprintf(stderr, "signals_at_random_moments: ATAIL_TEST_SEED=%u\n", seed);
    /* atail and GNU leave alone what they inherit ignored: inherit none. */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < 3; i++) {
        signal(sigs[i], SIG_DFL);
        sigaddset(&set, sigs[i]);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    const char *log = scratch_path("signals.log");
    write_str(log, "");
    struct proc *w = start(
        (const char *const[]){bin_path("log_writer"), "--rate", "50000", "--file", log, NULL});
    struct stat st;
    long long deadline = now_ms() + WAIT_MS;
    while ((stat(log, &st) != 0 || st.st_size < 4096) && now_ms() < deadline)
        poll(NULL, 0, 5);
    cr_assert_geq(st.st_size, 4096, "log_writer does not write");

    /* GNU tail dies by each of these signals. */
    for (int i = 0; i < 3; i++) {
        struct proc *g = start((const char *const[]){GNU_TAIL, "-f", log, NULL});
        cr_assert(proc_wait_count(g, '\n', 10, WAIT_MS));
        stop_by(g, sigs[i], "GNU tail");
        proc_free(g);
    }

    /* The moments are spread over 0-80 ms, or over twice the time atail's
     * first output takes to come when that is longer (valgrind, whose start
     * of atail takes about 0.5 s; a sanitizer build on a loaded machine), so
     * that they fall before and after it. */
    long long spread = 80;
    {
        struct proc *p = start((const char *const[]){atail(), "-f", log, NULL});
        wait_exec(p, atail());
        long long t0 = now_ms();
        cr_assert(proc_wait_count(p, '\n', 1, WAIT_MS), "atail -f printed nothing");
        long long first = now_ms() - t0;
        spread = 2 * first > spread ? 2 * first : spread;
        stop_by(p, SIGTERM, "atail -f, timed");
        proc_free(p);
        fprintf(stderr,
                "signals_at_random_moments: first output after %lld ms, moments over 0-%lld ms\n",
                first, spread);
    }

    struct buf file = {0};
    long long worst = 0;
    int with_output = 0;
    for (int rep = 0; rep < 50; rep++) {
        int sig = sigs[xorshift(&seed) % 3];
        int delay = (int)((long long)(xorshift(&seed) % 80) * spread / 80);
        struct proc *p = start((const char *const[]){atail(), "-f", log, NULL});
        wait_exec(p, atail());
        poll(NULL, 0, delay); /* the random moment; output not read meanwhile */
        long long t0 = now_ms();
        kill(p->pid, sig);
        bool ended = ended_without_reading(p, 2000 * slowdown_of(atail()));
        long long took = now_ms() - t0;
        worst = took > worst ? took : worst;
        cr_expect(ended,
                  "rep %d (seed %u): atail, its output not read, still runs 2 s after "
                  "signal %d",
                  rep, seed, sig);
        ended = proc_wait_exit(p, WAIT_MS);
        cr_assert(ended, "rep %d (seed %u): atail did not end %d ms after signal %d", rep, seed,
                  WAIT_MS, sig);
        cr_expect(WIFSIGNALED(p->status) && WTERMSIG(p->status) == sig,
                  "rep %d (seed %u): signal %d after %d ms: status 0x%x", rep, seed, sig, delay,
                  p->status);
        cr_expect_lt(took, 2000 * slowdown_of(atail()), "rep %d (seed %u): %lld ms to end", rep,
                     seed, took);
        cr_expect_str_eq(p->err.data, "", "rep %d (seed %u)", rep, seed);
        if (p->out.len > 0) {
            with_output++;
            read_file(log, &file);
            const char *at = memmem(file.data, file.len, p->out.data, p->out.len);
            cr_expect(at && (at == file.data || at[-1] == '\n'),
                      "rep %d (seed %u): the %zu bytes printed are not a piece of the log "
                      "starting at a line",
                      rep, seed, p->out.len);
        }
        proc_free(p);
    }
    fprintf(stderr,
            "signals_at_random_moments: 50 signals, %d after output began, slowest exit %lld ms\n",
            with_output, worst);
    cr_expect_gt(with_output, 10, "the signals all came before any output: no test of that");
    buf_free(&file);
    proc_stop(w, SIGTERM, WAIT_MS);
    proc_free(w);
}

/* ---- limits ------------------------------------------------------------------------- */

/* 30 files under `ulimit -n 20`: those that cannot be opened are named in
 * a clear message, and the others are printed and followed. */
Test(badinput, descriptor_limit)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "ulimit -n 20 && exec %s -f", atail());
    for (int i = 1; i <= 30; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%02d", i);
        char text[32];
        snprintf(text, sizeof text, "line %d\n", i);
        write_str(scratch_path(name), text);
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " %s", name);
    }
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct proc *p = start(argv);
    /* It has given up on some: the first that failed is named. The whole
     * last message is waited for, not a piece of it. */
    cr_assert(proc_wait_stderr(p, "'f30' for reading\n", WAIT_MS), "stderr \"%s\", stdout \"%s\"",
              p->err.data, p->out.data);
    int first_failed = 0;
    for (int i = 1; i <= 30 && !first_failed; i++) {
        char name[32];
        snprintf(name, sizeof name, "'f%02d'", i);
        if (strstr(p->err.data, name))
            first_failed = i;
    }
    cr_assert_gt(first_failed, 5, "only %d files opened under ulimit -n 20 (stderr \"%s\")",
                 first_failed - 1, p->err.data);
    fprintf(stderr, "descriptor_limit: ulimit -n 20: f01..f%02d opened, f%02d..f30 not\n",
            first_failed - 1, first_failed);
    struct buf want_err = {0}, want_gnu = {0}, want_out = {0};
    for (int i = first_failed; i <= 30; i++) {
        char line[200];
        snprintf(line, sizeof line,
                 "atail: too many open files (limit 20): cannot open 'f%02d' for reading\n", i);
        append_text(&want_err, line);
        snprintf(line, sizeof line, "atail: cannot open 'f%02d' for reading: Too many open files\n",
                 i);
        append_text(&want_gnu, line);
    }
    for (int i = 1; i < first_failed; i++) {
        char part[64];
        snprintf(part, sizeof part, "%s==> f%02d <==\nline %d\n", i > 1 ? "\n" : "", i, i);
        append_text(&want_out, part);
    }
    expect_output(p, want_out.data, "the files that could be opened");
    /* atail's message, which gives the limit, or GNU's. */
    cr_expect(strcmp(p->err.data, want_err.data) == 0 || strcmp(p->err.data, want_gnu.data) == 0,
              "stderr \"%s\"", p->err.data);
    /* The files opened go on being followed, the first and the last. */
    char last[32], part[96];
    snprintf(last, sizeof last, "f%02d", first_failed - 1);
    append_str(scratch_path("f01"), "more 1\n");
    append_text(&want_out, "\n==> f01 <==\nmore 1\n");
    expect_output(p, want_out.data, "appended to f01");
    append_str(scratch_path(last), "more last\n");
    snprintf(part, sizeof part, "\n==> %s <==\nmore last\n", last);
    append_text(&want_out, part);
    expect_output(p, want_out.data, "appended to the last file opened");
    stop_by(p, SIGTERM, "atail");
    proc_free(p);
    buf_free(&want_err);
    buf_free(&want_gnu);
    buf_free(&want_out);
}

/* Waits until the whole stdout of p is `want`, and returns how long that
 * took from t0. */
static long long latency(struct proc *p, const char *want, long long t0, const char *what)
{
    expect_output(p, want, what);
    return now_ms() - t0;
}

/* ---disable-inotify -s 0.1: the polling backend, as on file systems
 * inotify cannot watch: no inotify descriptor, and changes are seen
 * within the interval. */
Test(badinput, polling_backend)
{
    cr_assert(help_says("with ---disable-inotify, check the files every"),
              "this atail cannot poll (---disable-inotify)");
    const char *f = scratch_path("poll.log");
    write_str(f, "a\n");
    struct proc *p =
        start((const char *const[]){atail(), "---disable-inotify", "-s", "0.1", "-f", f, NULL});
    expect_output(p, "a\n", "initial");
    cr_expect_eq(proc_fd_count_of(p->pid, "anon_inode:inotify"), 0, "it uses inotify");
    long long t0 = now_ms();
    append_str(f, "b\n");
    long long ms = latency(p, "a\nb\n", t0, "appended");
    cr_expect_lt(ms, 2000 * slowdown_of(atail()), "an append was seen after %lld ms with -s 0.1",
                 ms);
    write_str(f, "c\n");
    expect_output(p, "a\nb\nc\n", "truncated and rewritten");
    char want[512];
    snprintf(want, sizeof want, "atail: %s: file truncated\n", f);
    proc_wait_stderr(p, "file truncated\n", WAIT_MS);
    cr_expect_str_eq(p->err.data, want);
    fprintf(stderr, "polling_backend: -s 0.1: append seen after %lld ms\n", ms);
    stop_by(p, SIGTERM, "atail");
    proc_free(p);
}

/* An unused uid, whose inotify limits (per user) can be used up without
 * touching anyone else's: one per process, so that two runs of the suite
 * at once (a build and a sanitizer build) do not share it. */
static uid_t spare_uid(void)
{
    uid_t first = 3900000 + (uid_t)(getpid() % 90000);
    for (uid_t u = first; u < first + 1000; u++)
        if (!getpwuid(u) && !getgrgid((gid_t)u))
            return u;
    cr_assert_fail("no spare uid");
    return 0;
}

static long read_sysctl(const char *path)
{
    FILE *f = fopen(path, "re");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    long v = -1;
    cr_assert_eq(fscanf(f, "%ld", &v), 1);
    fclose(f);
    return v;
}

struct hog {
    pid_t pid;
    int release; /* closing it ends the hog */
    long instances, watches;
};

/* Starts a process as uid that takes all of the user's inotify instances
 * (watch_files == NULL), or all but two instances (one for atail, one for
 * GNU tail) and then all of the user's watches, spread over watch_files
 * (n_files paths). */
static void hog_start(struct hog *h, uid_t uid, const char *const *watch_files, long n_files)
{
    int ready[2], release[2];
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(release, O_CLOEXEC), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        close(release[1]);
        struct rlimit rl = {65536, 65536};
        setrlimit(RLIMIT_NOFILE, &rl);
        if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
            setresuid(uid, uid, uid) != 0)
            _exit(2);
        static int fds[65536];
        long n = 0, watches = 0;
        while (n < 65536 && (fds[n] = inotify_init1(IN_CLOEXEC)) >= 0)
            n++;
        if (watch_files) {
            if (n < 2)
                _exit(6);
            close(fds[--n]); /* two left: atail's and GNU's */
            close(fds[--n]);
            bool full = false;
            for (long i = 0; i < n && !full; i++) {
                for (long j = 0; j < n_files; j++) {
                    if (inotify_add_watch(fds[i], watch_files[j], IN_MODIFY) < 0) {
                        full = errno == ENOSPC;
                        if (!full)
                            _exit(3);
                        break;
                    }
                    watches++;
                }
            }
            if (!full)
                _exit(4);
        }
        long report[2] = {n, watches};
        if (write(ready[1], report, sizeof report) != (ssize_t)sizeof report)
            _exit(5);
        char c;
        while (read(release[0], &c, 1) > 0) {
        }
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    h->pid = pid;
    h->release = release[1];
    long report[2] = {0, 0};
    struct pollfd pf = {.fd = ready[0], .events = POLLIN};
    cr_assert_eq(poll(&pf, 1, 30000), 1, "the inotify hog is not ready");
    ssize_t got = read(ready[0], report, sizeof report);
    close(ready[0]);
    if (got != (ssize_t)sizeof report) {
        int st = 0;
        waitpid(pid, &st, 0);
        h->pid = -1;
        cr_assert_fail("the inotify hog failed (status 0x%x)", st);
    }
    h->instances = report[0];
    h->watches = report[1];
}

static void hog_stop(struct hog *h)
{
    close(h->release);
    int st;
    if (h->pid > 0)
        waitpid(h->pid, &st, 0);
    h->pid = -1;
}

/* Follows f as uid with atail and GNU tail, while the user's inotify
 * instances or watches are used up: both must still see appended lines
 * (by polling). Returns atail's latency in ms. */
static long long follow_without_inotify(uid_t uid, const char *f, bool expect_inotify_fd,
                                        const char *what)
{
    char u[32];
    snprintf(u, sizeof u, "%u", (unsigned)uid);
    const char *argv_a[16], *argv_g[16];
    as_user(argv_a, 16, u, u, (const char *const[]){atail_for_anyone(), "-f", f, NULL});
    as_user(argv_g, 16, u, u, (const char *const[]){GNU_TAIL, "-f", f, NULL});
    write_str(f, "a\n");
    cr_assert_eq(chmod(f, 0644), 0);
    struct proc *a = start(argv_a), *g = start(argv_g);
    expect_output(a, "a\n", what);
    expect_output(g, "a\n", what);
    int ino = proc_fd_count_of(a->pid, "anon_inode:inotify");
    cr_expect_eq(ino, expect_inotify_fd ? 1 : 0, "%s: %d inotify descriptors", what, ino);
    long long t0 = now_ms();
    append_str(f, "b\n");
    long long ms = latency(a, "a\nb\n", t0, what);
    expect_output(g, "a\nb\n", what);
    cr_expect_str_eq(a->err.data, "", "%s", what);
    fprintf(stderr, "%s: atail saw an append after %lld ms; GNU said \"%s\"\n", what, ms,
            g->err.data);
    stop_by(a, SIGTERM, "atail");
    stop_by(g, SIGTERM, "GNU tail");
    proc_free(a);
    proc_free(g);
    return ms;
}

/* The user's inotify instances are all taken: atail polls, quietly (GNU
 * says "inotify cannot be used, reverting to polling"). */
Test(badinput, inotify_instances_exhausted)
{
    cr_assert_eq(geteuid(), 0, "these tests run as root");
    uid_t uid = spare_uid();
    struct hog h;
    hog_start(&h, uid, NULL, 0);
    cr_assert_eq(h.instances, read_sysctl("/proc/sys/fs/inotify/max_user_instances"));
    long long ms =
        follow_without_inotify(uid, scratch_path("no_instances.log"), false, "no inotify instance");
    cr_expect_lt(ms, 3000);
    hog_stop(&h);
}

/* The user's inotify watches are all taken (one instance left): atail
 * polls the file it cannot watch. */
Test(badinput, inotify_watches_exhausted)
{
    cr_assert_eq(geteuid(), 0, "these tests run as root");
    long max_watches = read_sysctl("/proc/sys/fs/inotify/max_user_watches");
    long max_instances = read_sysctl("/proc/sys/fs/inotify/max_user_instances");
    cr_assert_gt(max_instances, 2);
    long n_files = max_watches / (max_instances - 2) + 2;
    cr_assert_leq(n_files, 100000, "max_user_watches %ld is too high to use up here", max_watches);
    const char *dir = scratch_path("watched");
    cr_assert_eq(mkdir(dir, 0755), 0);
    const char **files = calloc((size_t)n_files, sizeof *files);
    cr_assert_not_null(files);
    for (long i = 0; i < n_files; i++) {
        char name[64];
        snprintf(name, sizeof name, "watched/%ld", i);
        files[i] = scratch_path(name);
        write_str(files[i], "");
    }
    uid_t uid = spare_uid();
    struct hog h;
    hog_start(&h, uid, files, n_files);
    cr_assert_eq(h.watches, max_watches);
    long long ms =
        follow_without_inotify(uid, scratch_path("no_watches.log"), true, "no inotify watch");
    cr_expect_lt(ms, 3000);
    hog_stop(&h);
    free(files);
}
