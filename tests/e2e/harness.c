/* harness.c - see harness.h. Test-only code: failures abort the test. */
#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char scratch[256];

long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* fmt is always a literal at the call sites; -Wformat=2 cannot see that. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Strings that live until exit stay reachable from here, so that leak
 * checkers (ASan builds) do not report them. */
static char **kept;
static size_t n_kept, cap_kept;

static char *xstrdup_printf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    cr_assert_not_null(s);
    snprintf(s, n, fmt, a, b);
    if (n_kept == cap_kept) {
        cap_kept = cap_kept ? cap_kept * 2 : 64;
        kept = realloc(kept, cap_kept * sizeof *kept);
        cr_assert_not_null(kept);
    }
    kept[n_kept++] = s;
    return s;
}
#pragma GCC diagnostic pop

char *gnu_as_atail(const struct buf *err)
{
    static const char from[] = "/usr/bin/tail";
    size_t n = 0;
    char *out = malloc(err->len * 2 + 1);
    cr_assert_not_null(out);
    for (size_t i = 0; i < err->len;) {
        if (err->len - i >= sizeof from - 1 && memcmp(err->data + i, from, sizeof from - 1) == 0) {
            memcpy(out + n, "atail", 5);
            n += 5;
            i += sizeof from - 1;
        } else {
            out[n++] = err->data[i++];
        }
    }
    out[n] = '\0';
    return out;
}

const char *bin_path(const char *name)
{
    const char *dir = getenv("ATAIL_BIN_DIR");
    cr_assert_not_null(dir, "ATAIL_BIN_DIR is not set (run the tests through ctest)");
    return xstrdup_printf("%s/%s", dir, name);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static void remove_scratch(void)
{
    if (scratch[0])
        nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *scratch_dir(void)
{
    if (!scratch[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/atail-test-XXXXXX", tmp ? tmp : "/tmp");
        cr_assert_not_null(mkdtemp(scratch), "mkdtemp: %s", strerror(errno));
        chmod(scratch, 0755);
        atexit(remove_scratch);
    }
    return scratch;
}

const char *scratch_path(const char *name)
{
    return xstrdup_printf("%s/%s", scratch_dir(), name);
}

static void put_file(const char *path, const void *data, size_t len, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        cr_assert_gt(n, 0, "write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

void write_file(const char *path, const void *data, size_t len)
{
    put_file(path, data, len, O_TRUNC);
}

void append_file(const char *path, const void *data, size_t len)
{
    put_file(path, data, len, O_APPEND);
}

void write_str(const char *path, const char *s)
{
    write_file(path, s, strlen(s));
}
void append_str(const char *path, const char *s)
{
    append_file(path, s, strlen(s));
}

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->data = realloc(b->data, cap);
    cr_assert_not_null(b->data);
    b->cap = cap;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void read_file(const char *path, struct buf *b)
{
    b->len = 0;
    buf_reserve(b, 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    for (;;) {
        buf_reserve(b, 65536);
        ssize_t n = read(fd, b->data + b->len, 65536);
        cr_assert_geq(n, 0);
        if (n == 0)
            break;
        b->len += (size_t)n;
    }
    b->data[b->len] = '\0';
    close(fd);
}

/* Reads once from *fd into b; closes and sets *fd = -1 at EOF. */
static void drain_fd(int *fd, struct buf *b)
{
    buf_reserve(b, 65536);
    ssize_t n = read(*fd, b->data + b->len, 65536);
    if (n > 0) {
        b->len += (size_t)n;
        b->data[b->len] = '\0';
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(*fd);
        *fd = -1;
    }
}

/* Polls the child's outputs for up to timeout_ms (0: just what is there). */
static void pump(struct proc *p, int timeout_ms)
{
    struct pollfd pf[2];
    int n = 0;
    if (p->out_fd >= 0)
        pf[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
    if (p->err_fd >= 0)
        pf[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
    if (n == 0) {
        /* Only proc_wait_exit() gets here (the child's pipes are closed,
         * it is not reaped): wait for the exit itself, not 10 ms at a time
         * (test_cli_compat's 1,160 runs: 20 s before, 10 s now). */
        if (timeout_ms <= 0)
            return;
        int pidfd = -1;
#ifdef SYS_pidfd_open
        pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
#endif
        if (pidfd >= 0) {
            struct pollfd pp = {.fd = pidfd, .events = POLLIN};
            poll(&pp, 1, timeout_ms);
            close(pidfd);
        } else {
            poll(NULL, 0, timeout_ms < 10 ? timeout_ms : 10);
        }
        return;
    }
    if (poll(pf, (nfds_t)n, timeout_ms) <= 0)
        return;
    for (int i = 0; i < n; i++) {
        if (!pf[i].revents)
            continue;
        if (pf[i].fd == p->out_fd)
            drain_fd(&p->out_fd, &p->out);
        else
            drain_fd(&p->err_fd, &p->err);
    }
}

/* With ATAIL_VALGRIND=DIR, the project's own programs run under valgrind
 * memcheck, each writing its report to DIR/vg.PID.log (empty when clean);
 * scripts/valgrind.sh checks them. Other programs (tail, sh) run as is. */
bool harness_valgrind(void)
{
    const char *vg = getenv("ATAIL_VALGRIND");
    return vg && *vg;
}

bool runs_under_valgrind(const char *path)
{
    const char *bindir = getenv("ATAIL_BIN_DIR");
    return harness_valgrind() && bindir && strncmp(path, bindir, strlen(bindir)) == 0;
}

int harness_slowdown(void)
{
    return harness_valgrind() ? HARNESS_VALGRIND_SLOWDOWN : 1;
}

/* atail hands a NATS command line to atail-nats by exec
 * (cli/exec_helper.h): valgrind follows it there. */
static bool hands_to_nats_helper(const char *const argv[])
{
    for (size_t i = 1; argv[i]; i++)
        if (strncmp(argv[i], "--to", 4) == 0 || strstr(argv[i], "nats://") ||
            strstr(argv[i], "tls://"))
            return true;
    return false;
}

static void exec_maybe_under_valgrind(const char *const argv[], unsigned flags)
{
    const char *vg = getenv("ATAIL_VALGRIND");
    if (!(flags & PROC_NATIVE) && runs_under_valgrind(argv[0])) {
        size_t n = 0;
        while (argv[n])
            n++;
        const char **vargv = calloc(n + 8, sizeof *vargv);
        char logopt[600];
        snprintf(logopt, sizeof logopt, "--log-file=%s/vg.%%p.log", vg);
        if (vargv) {
            size_t k = 0;
            vargv[k++] = "valgrind";
            vargv[k++] = "--quiet";
            vargv[k++] = "--leak-check=full";
            vargv[k++] = "--errors-for-leak-kinds=definite,indirect";
            vargv[k++] = "--show-leak-kinds=definite,indirect";
            vargv[k++] = logopt;
            if (hands_to_nats_helper(argv))
                vargv[k++] = "--trace-children=yes";
            for (size_t i = 0; i <= n; i++)
                vargv[k++] = argv[i];
            execvp("valgrind", (char *const *)vargv);
        }
    }
    execve(argv[0], (char *const *)argv, environ);
}

/* The procs started and not yet freed, newest first: a test that fails
 * half-way leaves its procs to kill_scratch_procs(). One list per test
 * process (Criterion runs each test in its own). */
static struct proc *live_procs;

static void live_add(struct proc *p)
{
    p->next_live = live_procs;
    if (live_procs)
        live_procs->prev_live = p;
    live_procs = p;
}

static void live_remove(struct proc *p)
{
    if (p->prev_live)
        p->prev_live->next_live = p->next_live;
    else if (live_procs == p)
        live_procs = p->next_live;
    if (p->next_live)
        p->next_live->prev_live = p->prev_live;
    p->prev_live = p->next_live = NULL;
}

struct proc *proc_start(const char *const argv[], const char *cwd, unsigned flags)
{
    struct proc *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    p->status = -1;
    p->in_fd = -1;
    buf_reserve(&p->out, 0);
    buf_reserve(&p->err, 0);
    p->out.data[0] = p->err.data[0] = '\0';
    int out[2], err[2], in[2] = {-1, -1};
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
    if (flags & PROC_STDIN)
        cr_assert_eq(pipe2(in, O_CLOEXEC), 0);

    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        if (in[0] >= 0)
            dup2(in[0], 0);
        else {
            int devnull = open("/dev/null", O_RDONLY);
            dup2(devnull, 0);
        }
        dup2(out[1], 1);
        dup2(err[1], 2);
        signal(SIGPIPE, SIG_DFL);
        exec_maybe_under_valgrind(argv, flags);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (in[0] >= 0) {
        close(in[0]);
        p->in_fd = in[1];
    }
    p->pid = pid;
    p->out_fd = out[0];
    p->err_fd = err[0];
    live_add(p);
    return p;
}

bool proc_wait_output(struct proc *p, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (memmem(p->out.data, p->out.len, needle, strlen(needle)))
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || (p->out_fd < 0 && p->err_fd < 0))
            return false;
        pump(p, (int)left);
    }
}

bool proc_wait_stderr(struct proc *p, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (memmem(p->err.data, p->err.len, needle, strlen(needle)))
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || (p->out_fd < 0 && p->err_fd < 0))
            return false;
        pump(p, (int)left);
    }
}

static size_t count_byte(const struct buf *b, char c)
{
    size_t n = 0;
    for (const char *s = b->data, *end = b->data + b->len;
         (s = memchr(s, c, (size_t)(end - s))) != NULL; s++)
        n++;
    return n;
}

bool proc_wait_count(struct proc *p, char delim, size_t n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (count_byte(&p->out, delim) >= n)
            return true;
        long long left = deadline - now_ms();
        if (left <= 0 || (p->out_fd < 0 && p->err_fd < 0))
            return false;
        pump(p, (int)left);
    }
}

bool proc_wait_exit(struct proc *p, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (p->status == -1) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            p->status = st;
            break;
        }
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        pump(p, left < 20 ? (int)left : 20);
    }
    while (p->out_fd >= 0 || p->err_fd >= 0) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break; /* a grandchild holds the pipes; keep what we have */
        pump(p, (int)left);
    }
    return true;
}

int proc_stop(struct proc *p, int sig, int timeout_ms)
{
    if (p->status == -1) {
        kill(p->pid, sig);
        if (!proc_wait_exit(p, timeout_ms)) {
            kill(p->pid, SIGKILL);
            proc_wait_exit(p, 5000);
        }
    }
    return p->status;
}

void proc_close_stdin(struct proc *p)
{
    if (p->in_fd >= 0) {
        close(p->in_fd);
        p->in_fd = -1;
    }
}

void proc_free(struct proc *p)
{
    if (!p)
        return;
    live_remove(p);
    if (p->status == -1)
        proc_stop(p, SIGKILL, 5000);
    proc_close_stdin(p);
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->err_fd >= 0)
        close(p->err_fd);
    buf_free(&p->out);
    buf_free(&p->err);
    free(p);
}

struct proc *run(const char *const argv[], const void *stdin_data, size_t stdin_len, int timeout_ms)
{
    return run_flags(argv, stdin_data, stdin_len, timeout_ms, 0);
}

struct proc *run_flags(const char *const argv[], const void *stdin_data, size_t stdin_len,
                       int timeout_ms, unsigned flags)
{
    struct proc *p = proc_start(argv, NULL, flags | (stdin_data ? PROC_STDIN : 0));
    if (stdin_data) {
        /* Feed stdin while draining output, so neither side blocks. */
        const char *s = stdin_data;
        fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
        signal(SIGPIPE, SIG_IGN);
        long long deadline = now_ms() + timeout_ms;
        while (stdin_len > 0 && now_ms() < deadline) {
            ssize_t n = write(p->in_fd, s, stdin_len);
            if (n > 0) {
                s += n;
                stdin_len -= (size_t)n;
            } else if (n < 0 && errno != EAGAIN) {
                break;
            } else {
                pump(p, 10);
            }
        }
        proc_close_stdin(p);
    }
    if (!proc_wait_exit(p, timeout_ms)) {
        proc_stop(p, SIGKILL, 5000);
        cr_assert_fail("%s did not exit within %d ms", argv[0], timeout_ms);
    }
    return p;
}

struct proc *run_sh(const char *cmd, int timeout_ms)
{
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    return run(argv, NULL, 0, timeout_ms);
}

int exit_code(const struct proc *p)
{
    if (WIFEXITED(p->status))
        return WEXITSTATUS(p->status);
    if (WIFSIGNALED(p->status))
        return 128 + WTERMSIG(p->status);
    return -1;
}

int scratch_procs(pid_t *pids, int max)
{
    char dir[PATH_MAX];
    cr_assert_not_null(realpath(scratch_dir(), dir));
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char link[300], cwd[PATH_MAX];
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(link, sizeof link, "/proc/%s/cwd", e->d_name);
        ssize_t len = readlink(link, cwd, sizeof cwd - 1);
        if (len <= 0)
            continue;
        cwd[len] = '\0';
        if (strcmp(cwd, dir) == 0 && n++ < max)
            pids[n - 1] = atoi(e->d_name);
    }
    closedir(d);
    return n;
}

void kill_scratch_procs(void)
{
    pid_t pids[64];
    int n = scratch_procs(pids, 64);
    for (int i = 0; i < n && i < 64; i++)
        kill(pids[i], SIGKILL);
    while (live_procs)
        proc_free(live_procs);
}

/* ---- Measuring a running process ----------------------------------------- */

long proc_read_stdout(struct proc *p, void *dst, size_t cap, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (p->out_fd < 0)
            return 0;
        struct pollfd pf[2] = {{.fd = p->out_fd, .events = POLLIN},
                               {.fd = p->err_fd, .events = POLLIN}};
        long long left = deadline - now_ms();
        if (left < 0)
            left = 0;
        int r = poll(pf, p->err_fd >= 0 ? 2 : 1, (int)left);
        if (r < 0 && errno != EINTR)
            cr_assert_fail("poll: %s", strerror(errno));
        if (r > 0 && p->err_fd >= 0 && pf[1].revents)
            drain_fd(&p->err_fd, &p->err);
        if (r > 0 && pf[0].revents) {
            ssize_t n = read(p->out_fd, dst, cap);
            if (n > 0)
                return (long)n;
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(p->out_fd);
                p->out_fd = -1;
                return 0;
            }
        }
        if (r == 0 && now_ms() >= deadline)
            return -1;
    }
}

bool proc_running(struct proc *p)
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

/* The value after "key" (up to the end of its line) in a /proc file, as a
 * number, or -1. */
static long long proc_file_number(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512];
    long long v = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0) {
            v = strtoll(line + klen, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

long proc_status_kb(pid_t pid, const char *field)
{
    char path[64], key[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    snprintf(key, sizeof key, "%s:", field);
    return (long)proc_file_number(path, key);
}

long long proc_read_total(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    return proc_file_number(path, "rchar:");
}

static int count_fds(pid_t pid, const char *target)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (target) {
            char to[PATH_MAX];
            ssize_t len = readlinkat(dirfd(d), e->d_name, to, sizeof to - 1);
            if (len < 0)
                continue;
            to[len] = '\0';
            if (strcmp(to, target) != 0)
                continue;
        }
        n++;
    }
    closedir(d);
    return n;
}

int proc_fd_count(pid_t pid)
{
    return count_fds(pid, NULL);
}

int proc_fd_count_of(pid_t pid, const char *target)
{
    return count_fds(pid, target);
}

/* The fields of /proc/PID/stat after the command name (which ends at the
 * last ')'), starting with the state (field 3), read into line; NULL when
 * the process is gone. */
static const char *stat_fields(long pid, char *line, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *ok = fgets(line, (int)cap, f);
    fclose(f);
    char *s = ok ? strrchr(line, ')') : NULL;
    return s && s[1] == ' ' ? s + 2 : NULL;
}

long long proc_cpu_ticks(pid_t pid)
{
    char line[1024];
    const char *s = stat_fields(pid, line, sizeof line);
    unsigned long long utime = 0, stime = 0; /* fields 14 and 15 */
    if (!s ||
        sscanf(s, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (long long)(utime + stime);
}

int proc_children(pid_t pid, int *zombies)
{
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    int n = 0;
    *zombies = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char line[1024], state;
        int ppid;
        const char *s = stat_fields(atol(e->d_name), line, sizeof line); /* NULL: gone */
        if (s && sscanf(s, "%c %d", &state, &ppid) == 2 && ppid == (int)pid) {
            n++;
            *zombies += state == 'Z';
        }
    }
    closedir(d);
    return n;
}
