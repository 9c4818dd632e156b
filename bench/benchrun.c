/* benchrun.c - runs one program under measurement for the benchmark suite.
 *
 *   benchrun [OPTION]... -- PROGRAM [ARG]... [ '|' READER [ARG]... ]
 *
 * PROGRAM (a follower: atail, tail, rsyslogd, ...) runs in its own process
 * group. Its standard output goes to --out PATH, or into a pipe read by
 * READER when a '|' argument splits the command line, or stays inherited.
 * benchrun waits without polling (pidfds in poll()) for the first of:
 *
 *   PROGRAM exits                  -> done (a non-following run);
 *   READER exits                   -> done; PROGRAM is then stopped,
 *                                     unless it exits within 200 ms;
 *   --until-wchar N: PROGRAM has written N bytes (/proc/PID/io, checked
 *     every --tick ms)             -> done; PROGRAM is then stopped;
 *   --window A:B: B seconds pass   -> done; PROGRAM is then stopped;
 *   --timeout S: S seconds pass    -> status=timeout; PROGRAM is stopped.
 *
 * Stopping is SIGTERM to the group, then SIGKILL after 3 s. PROGRAM's
 * resource use comes from wait4() (CPU, peak RSS, context switches), so a
 * follower killed at the end is measured as fully as one that exits.
 * --window A:B also samples every thread of PROGRAM (/proc/PID/task) at A
 * and B seconds after the start (CPU nanoseconds from schedstat, context
 * switches from status, all threads summed): the cost of an idle stretch
 * without the startup.
 *
 * The statistics go to --stats FILE (default stderr) as key=value lines.
 * Exit status: 0 when measured (whatever PROGRAM's status), 2 on usage
 * errors, 1 when PROGRAM could not be started. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

struct opts {
    const char *stats;
    const char *out;
    double timeout;
    long long until_wchar; /* -1: not asked */
    double tick_ms;
    double win_a, win_b; /* window, seconds; win_b 0: none */
    char **prog;
    char **reader;
};

struct sample {
    long long cpu_ns;
    long long vcsw, ivcsw;
    bool ok;
};

static volatile sig_atomic_t got_term;

static void on_signal(int sig)
{
    (void)sig;
    got_term = 1;
}

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS + ts.tv_nsec;
}

static int pidfd_open_(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void usage(void)
{
    fputs("usage: benchrun [--stats FILE] [--out PATH] [--timeout S] [--until-wchar N]\n"
          "                [--tick MS] [--window A:B] -- PROGRAM [ARG]... ['|' READER [ARG]...]\n",
          stderr);
    exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.until_wchar = -1, .tick_ms = 1.0};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--stats") == 0)
            o->stats = v;
        else if (strcmp(a, "--out") == 0)
            o->out = v;
        else if (strcmp(a, "--timeout") == 0)
            o->timeout = strtod(v, NULL);
        else if (strcmp(a, "--until-wchar") == 0)
            o->until_wchar = strtoll(v, NULL, 10);
        else if (strcmp(a, "--tick") == 0)
            o->tick_ms = strtod(v, NULL);
        else if (strcmp(a, "--window") == 0) {
            if (sscanf(v, "%lf:%lf", &o->win_a, &o->win_b) != 2 || o->win_b <= o->win_a)
                usage();
        } else
            usage();
    }
    if (i >= argc)
        usage();
    o->prog = argv + i;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "|") == 0) {
            argv[i] = NULL;
            if (i + 1 >= argc)
                usage();
            o->reader = argv + i + 1;
            break;
        }
    }
    if (o->tick_ms <= 0)
        o->tick_ms = 1.0;
}

/* Reads a whole small /proc file into buf (NUL-terminated). */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return n;
}

static long long field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static long long read_wchar(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    if (slurp(path, buf, sizeof buf) < 0)
        return -1;
    return field(buf, "\nwchar: ");
}

/* CPU time and context switches of every thread of pid. */
static struct sample take_sample(pid_t pid)
{
    struct sample s = {0};
    char path[96], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return s;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/schedstat", (int)pid, e->d_name);
        if (slurp(path, buf, sizeof buf) > 0)
            s.cpu_ns += strtoll(buf, NULL, 10);
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/status", (int)pid, e->d_name);
        if (slurp(path, buf, sizeof buf) > 0) {
            long long v = field(buf, "\nvoluntary_ctxt_switches:");
            long long iv = field(buf, "\nnonvoluntary_ctxt_switches:");
            s.vcsw += v > 0 ? v : 0;
            s.ivcsw += iv > 0 ? iv : 0;
        }
        s.ok = true;
    }
    closedir(d);
    return s;
}

static pid_t spawn(char **argv, int in_fd, int out_fd, bool new_group)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (new_group)
        setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (in_fd >= 0 && dup2(in_fd, 0) < 0)
        _exit(126);
    if (out_fd >= 0 && dup2(out_fd, 1) < 0)
        _exit(126);
    execvp(argv[0], argv);
    fprintf(stderr, "benchrun: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Waits for pid (its pidfd pfd) at most ms milliseconds; returns true when
 * it was reaped, filling *status and *ru. */
static bool reap(pid_t pid, int pfd, int ms, int *status, struct rusage *ru)
{
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    if (pfd >= 0) {
        int r;
        do {
            r = poll(&p, 1, ms);
        } while (r < 0 && errno == EINTR);
        if (r == 0)
            return false;
    }
    pid_t w;
    do {
        w = wait4(pid, status, pfd >= 0 ? WNOHANG : 0, ru);
    } while (w < 0 && errno == EINTR);
    return w == pid;
}

static void stop(pid_t pid, int pfd, int *status, struct rusage *ru)
{
    kill(-pid, SIGTERM);
    kill(pid, SIGTERM);
    if (reap(pid, pfd, 3000, status, ru))
        return;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    reap(pid, pfd, -1, status, ru);
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    struct opts o;
    parse(argc, argv, &o);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    FILE *stats = stderr;
    if (o.stats && !(stats = fopen(o.stats, "w"))) {
        fprintf(stderr, "benchrun: %s: %s\n", o.stats, strerror(errno));
        return 2;
    }

    int out_fd = -1, pipefd[2] = {-1, -1};
    if (o.out) {
        out_fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out_fd < 0) {
            fprintf(stderr, "benchrun: %s: %s\n", o.out, strerror(errno));
            return 2;
        }
    }
    if (o.reader && pipe2(pipefd, O_CLOEXEC) < 0) {
        perror("benchrun: pipe");
        return 1;
    }

    pid_t rpid = -1;
    int rpfd = -1;
    if (o.reader) {
        rpid = spawn(o.reader, pipefd[0], -1, false);
        rpfd = pidfd_open_(rpid);
        out_fd = pipefd[1];
    }
    long long t0 = mono_ns();
    pid_t pid = spawn(o.prog, -1, out_fd, true);
    if (pid < 0) {
        perror("benchrun: fork");
        return 1;
    }
    setpgid(pid, pid); /* no race with the child's own setpgid */
    int pfd = pidfd_open_(pid);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (out_fd >= 0)
        close(out_fd);

    const char *why = "exit";
    bool timed_out = false, killed = false, prog_done = false, reader_done = rpid < 0;
    int status = 0, rstatus = 0;
    struct rusage ru = {0}, rru = {0};
    struct sample sa_a = {0}, sa_b = {0};
    bool took_a = false;
    long long done_ns = 0;
    long long deadline = o.timeout > 0 ? t0 + (long long)(o.timeout * 1e9) : 0;

    while (!prog_done) {
        long long now = mono_ns();
        if (got_term) {
            why = "interrupted";
            break;
        }
        if (o.win_b > 0) {
            if (!took_a && now >= t0 + (long long)(o.win_a * 1e9)) {
                sa_a = take_sample(pid);
                took_a = true;
            }
            if (now >= t0 + (long long)(o.win_b * 1e9)) {
                sa_b = take_sample(pid);
                done_ns = now;
                why = "window";
                break;
            }
        }
        if (o.until_wchar >= 0) {
            long long w = read_wchar(pid);
            if (w >= o.until_wchar) {
                done_ns = mono_ns();
                why = "wchar";
                break;
            }
        }
        if (deadline && now >= deadline) {
            timed_out = true;
            why = "timeout";
            break;
        }
        /* Next wake-up: the nearest of window points, tick, deadline. */
        long long next = -1;
        if (o.until_wchar >= 0)
            next = now + (long long)(o.tick_ms * 1e6);
        if (o.win_b > 0) {
            long long wa = t0 + (long long)(o.win_a * 1e9), wb = t0 + (long long)(o.win_b * 1e9);
            long long w = !took_a ? wa : wb;
            if (next < 0 || w < next)
                next = w;
        }
        if (deadline && (next < 0 || deadline < next))
            next = deadline;
        struct timespec ts, *tsp = NULL;
        if (next >= 0) {
            long long d = next - now;
            if (d < 0)
                d = 0;
            ts = (struct timespec){.tv_sec = d / NS, .tv_nsec = d % NS};
            tsp = &ts;
        }
        struct pollfd p[2] = {{.fd = pfd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
        if (!reader_done)
            p[1].fd = rpfd;
        int r = ppoll(p, 2, tsp, NULL);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && !reader_done && (p[1].revents & (POLLIN | POLLHUP))) {
            if (reap(rpid, -1, 0, &rstatus, &rru)) {
                reader_done = true;
                done_ns = mono_ns();
                why = "reader";
                /* A program that ends by itself (its output read to its
                 * end) is given a moment to do so; a follower is then
                 * stopped. */
                prog_done = reap(pid, pfd, 200, &status, &ru);
                break;
            }
        }
        if (r > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
            if (reap(pid, -1, 0, &status, &ru)) {
                done_ns = mono_ns();
                prog_done = true;
                why = "exit";
            }
        }
    }
    if (!prog_done) {
        if (!done_ns)
            done_ns = mono_ns();
        stop(pid, pfd, &status, &ru);
        killed = true;
    }
    long long end_ns = mono_ns();
    if (!reader_done) {
        /* The program is gone, so the pipe is at its end: the reader
         * finishes by itself; a stuck one is stopped. */
        if (!reap(rpid, rpfd, o.timeout > 0 ? 10000 : -1, &rstatus, &rru)) {
            kill(rpid, SIGTERM);
            reap(rpid, rpfd, -1, &rstatus, &rru);
        }
    }

    fprintf(stats, "status=%s\n", timed_out ? "timeout" : got_term ? "interrupted" : "ok");
    fprintf(stats, "why=%s\n", why);
    if (WIFEXITED(status))
        fprintf(stats, "exit=%d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        fprintf(stats, "signal=%d\nexit=%d\n", WTERMSIG(status), 128 + WTERMSIG(status));
    fprintf(stats, "killed=%d\n", killed ? 1 : 0);
    fprintf(stats, "start_ns=%lld\ndone_ns=%lld\nend_ns=%lld\n", t0, done_ns, end_ns);
    fprintf(stats, "wall_s=%.6f\n", (double)(done_ns - t0) / 1e9);
    fprintf(stats, "user_s=%.6f\nsys_s=%.6f\ncpu_s=%.6f\n", tv_s(ru.ru_utime), tv_s(ru.ru_stime),
            tv_s(ru.ru_utime) + tv_s(ru.ru_stime));
    fprintf(stats, "maxrss_kb=%ld\nnvcsw=%ld\nnivcsw=%ld\n", ru.ru_maxrss, ru.ru_nvcsw,
            ru.ru_nivcsw);
    if (o.win_b > 0 && sa_a.ok && sa_b.ok) {
        fprintf(stats, "win_s=%.6f\n", o.win_b - o.win_a);
        fprintf(stats, "win_cpu_s=%.6f\n", (double)(sa_b.cpu_ns - sa_a.cpu_ns) / 1e9);
        fprintf(stats, "win_vcsw=%lld\nwin_ivcsw=%lld\n", sa_b.vcsw - sa_a.vcsw,
                sa_b.ivcsw - sa_a.ivcsw);
    }
    if (rpid > 0) {
        fprintf(stats, "reader_exit=%d\n",
                WIFEXITED(rstatus) ? WEXITSTATUS(rstatus) : 128 + WTERMSIG(rstatus));
        fprintf(stats, "reader_cpu_s=%.6f\n", tv_s(rru.ru_utime) + tv_s(rru.ru_stime));
    }
    if (stats != stderr)
        fclose(stats);
    return 0;
}
