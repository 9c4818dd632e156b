/* wake_depth.c - what the library's epoll descriptor costs a follower's
 * wakeup, measured apart from everything else a follower does.
 *
 *   wake_depth [--lines N] [--gap-us US] [--rounds R] [--dir DIR]
 *
 * A writer appends 100-byte lines to DIR/wake_depth.log, one write() every
 * GAP microseconds (default 1000: each line a wakeup from sleep); a child
 * follows the file and, for each line, wakes, reads the inotify event and
 * the new bytes, and sends its clock back through a pipe. Latency = that
 * clock minus the writer's, taken right before its write(). The child
 * waits in one of three ways:
 *
 *   inotify   poll() on the inotify descriptor (GNU tail's way)
 *   nested    poll() on an epoll descriptor holding the inotify one, then
 *             epoll_wait(0) to learn which source is ready (atail's way:
 *             atail_fd() is such an epoll descriptor, and the CLI polls it)
 *   epoll     epoll_wait() blocking on that epoll descriptor (one level,
 *             one system call less: what a blocking wait inside the
 *             library would do)
 *
 * The three alternate in every round (R rounds of N lines each), so they
 * share the machine's state; per way it prints the median over rounds of
 * p50, p99 and the follower's CPU time per line (user + system, from
 * wait4()). Standalone: no libatail, nothing but the system calls. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define N_WAYS 3
#define MAX_ROUNDS 64

static const char *const way_name[N_WAYS] = {"inotify", "nested", "epoll"};

struct cfg {
    long lines, gap_us, rounds;
    const char *dir;
};

struct result {
    double p50_us, p99_us, cpu_us_per_line;
};

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "wake_depth: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Waits for the next change of the followed file, the way `way` says. */
static void wait_change(int way, int ino, int ep)
{
    struct epoll_event ev[4];
    if (way == 0) {
        struct pollfd pf = {.fd = ino, .events = POLLIN};
        (void)poll(&pf, 1, -1);
    } else if (way == 1) {
        struct pollfd pf = {.fd = ep, .events = POLLIN};
        (void)poll(&pf, 1, -1);
        (void)epoll_wait(ep, ev, 4, 0);
    } else {
        (void)epoll_wait(ep, ev, 4, -1);
    }
}

/* The follower: `lines` times, waits, reads the event and the new bytes,
 * and reports its clock on `report`. */
static void follow(const char *path, int way, long lines, int ready, int report)
{
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    if (ino < 0 || fd < 0 || ep < 0 || inotify_add_watch(ino, path, IN_MODIFY) < 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, ino, &ev) < 0)
        die("follower set-up");
    static char buf[64 * 1024];
    off_t pos = 0;
    if (write_all(ready, "r", 1) < 0)
        die("follower ready");
    for (long i = 0; i < lines; i++) {
        ssize_t got = 0;
        while (got <= 0) { /* an event may come before its bytes are visible */
            wait_change(way, ino, ep);
            while (read(ino, buf, sizeof buf) > 0) {
            }
            got = pread(fd, buf, sizeof buf, pos);
        }
        pos += got;
        long long t = mono_ns();
        if (write_all(report, &t, sizeof t) < 0)
            die("follower report");
    }
    _exit(0);
}

/* One round of one way: returns its percentiles and CPU per line. */
static struct result run_way(const struct cfg *c, int way)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/wake_depth.log", c->dir);
    int wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    int ready[2], report[2];
    if (wfd < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0)
        die("set-up");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        follow(path, way, c->lines, ready[1], report[1]);
    close(ready[1]);
    close(report[1]);
    char ch;
    if (read_all(ready[0], &ch, 1) < 0)
        die("follower start");
    long long *lat = malloc((size_t)c->lines * sizeof *lat);
    if (!lat)
        die("malloc");
    static const char line[] = "0123456789012345678901234567890123456789"
                               "0123456789012345678901234567890123456789"
                               "0123456789012345678\n";
    long long next = mono_ns();
    for (long i = 0; i < c->lines; i++) {
        next += c->gap_us * 1000LL;
        struct timespec due = {.tv_sec = next / NS, .tv_nsec = next % NS};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR) {
        }
        long long t0 = mono_ns(), t1;
        if (write_all(wfd, line, sizeof line - 1) < 0 || read_all(report[0], &t1, sizeof t1) < 0)
            die("line");
        lat[i] = t1 - t0;
    }
    struct rusage ru;
    int status;
    if (wait4(pid, &status, 0, &ru) < 0)
        die("wait4");
    close(wfd);
    close(ready[0]);
    close(report[0]);
    unlink(path);
    qsort(lat, (size_t)c->lines, sizeof *lat, cmp_ll);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    struct result r = {
        .p50_us = (double)lat[c->lines / 2] / 1e3,
        .p99_us = (double)lat[c->lines * 99 / 100] / 1e3,
        .cpu_us_per_line = cpu / (double)c->lines,
    };
    free(lat);
    return r;
}

static double median(double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int parse(int argc, char **argv, struct cfg *c)
{
    *c = (struct cfg){.lines = 2000, .gap_us = 1000, .rounds = 5, .dir = "."};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--lines") == 0)
            c->lines = strtol(v, NULL, 10);
        else if (strcmp(a, "--gap-us") == 0)
            c->gap_us = strtol(v, NULL, 10);
        else if (strcmp(a, "--rounds") == 0)
            c->rounds = strtol(v, NULL, 10);
        else if (strcmp(a, "--dir") == 0)
            c->dir = v;
        else
            return -1;
    }
    if (argc % 2 == 0 || c->lines < 100 || c->gap_us < 1 || c->rounds < 1 || c->rounds > MAX_ROUNDS)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct cfg c;
    if (parse(argc, argv, &c) < 0) {
        fputs("usage: wake_depth [--lines N>=100] [--gap-us US] [--rounds 1..64] [--dir DIR]\n",
              stderr);
        return 2;
    }
    static double p50[N_WAYS][MAX_ROUNDS], p99[N_WAYS][MAX_ROUNDS], cpu[N_WAYS][MAX_ROUNDS];
    for (long r = 0; r < c.rounds; r++) {
        for (int k = 0; k < N_WAYS; k++) {
            int way = (int)((k + r) % N_WAYS); /* a different way goes first each round */
            struct result res = run_way(&c, way);
            p50[way][r] = res.p50_us;
            p99[way][r] = res.p99_us;
            cpu[way][r] = res.cpu_us_per_line;
        }
    }
    printf("%ld rounds of %ld lines, one every %ld us; medians over rounds\n", c.rounds, c.lines,
           c.gap_us);
    printf("%-8s %10s %10s %18s\n", "wait", "p50 (us)", "p99 (us)", "CPU per line (us)");
    for (int w = 0; w < N_WAYS; w++)
        printf("%-8s %10.1f %10.1f %18.2f\n", way_name[w], median(p50[w], c.rounds),
               median(p99[w], c.rounds), median(cpu[w], c.rounds));
    return 0;
}
