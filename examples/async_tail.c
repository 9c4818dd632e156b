/* async_tail.c - follow app.log while log_writer appends to it, printing
 * each new line as it arrives: the smallest complete program over libatail.
 *
 *     async_tail [-n LINES] [-i SECONDS] [LINES]
 *
 * One poll() waits for both the follower (atail_fd) and signals (a
 * signalfd), so there is no thread, no signal handler and no busy loop, and
 * every way out (enough lines, Ctrl-C, the writer dying, an error) goes
 * through the same cleanup: stop and reap the writer, close the handle.
 *
 * Exit status: 0 after LINES lines (default 10); 1 on an error (stdout
 * closed included) or when the writer exits early; 128 + the signal number
 * when stopped by SIGINT (130, what a shell reports for Ctrl-C: the run was
 * interrupted, not completed) or SIGTERM (143); 2 on bad usage. */
#include <atail.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Starts log_writer (appending to app.log, its default) with the signal
 * mask we had before blocking, so that SIGTERM can stop it. It is looked
 * for next to this program first, so the build tree works uninstalled. */
static int start_writer(pid_t *pid, const char *interval, const sigset_t *mask)
{
    char self[PATH_MAX], path[PATH_MAX + 16] = "";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        snprintf(path, sizeof path, "%s/log_writer", dirname(self));
    }
    char *argv[] = {"log_writer", "--interval", (char *)interval, NULL};
    if (!interval)
        argv[1] = NULL;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setsigmask(&attr, mask);
    int r = path[0] && access(path, X_OK) == 0
                ? posix_spawn(pid, path, NULL, &attr, argv, environ)
                : posix_spawnp(pid, "log_writer", NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    return -r;
}

static int report(const char *what, int err)
{
    fprintf(stderr, "async_tail: %s: %s\n", what, atail_strerror(err));
    return 1;
}

/* Prints the lines the follower has now, until it has no more (-EAGAIN) or
 * *left reaches 0. Returns 0, or 1 after reporting an error. */
static int print_lines(atail *t, long *left)
{
    struct atail_event ev;
    while (*left > 0) {
        int r = atail_next(t, &ev);
        if (r == -EAGAIN)
            return 0;
        if (r <= 0) /* 0: the file ended, which a followed file never does */
            return report("app.log", r < 0 ? r : -ENOENT);
        if (ev.kind == ATAIL_EVENT_ERROR)
            report(ev.path, ev.error);
        if (ev.kind != ATAIL_EVENT_LINE)
            continue;
        /* ev.data is not NUL-terminated and only valid until the next call. */
        fwrite(ev.data, 1, ev.len, stdout);
        putchar('\n');
        if (fflush(stdout) == EOF)
            return report("stdout", -errno);
        --*left;
    }
    return 0;
}

/* Reads the pending signals. Returns 128 + the number of a stop signal, 1
 * when the writer died (it is then reaped and *writer set to -1), else 0. */
static int read_signals(int sfd, pid_t *writer)
{
    struct signalfd_siginfo si;
    int status, r = 0;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo != SIGCHLD)
            r = 128 + (int)si.ssi_signo; /* a stop request wins */
        else if (r == 0 && waitpid(*writer, &status, WNOHANG) == *writer) {
            fprintf(stderr, "async_tail: log_writer exited early (%s %d)\n",
                    WIFEXITED(status) ? "status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            *writer = -1;
            r = 1;
        }
    }
    return r;
}

/* Waits for lines and signals together, until `left` lines are printed or
 * something ends the run. Returns the exit status. */
static int event_loop(atail *t, int sfd, pid_t *writer, long left)
{
    for (;;) {
        struct pollfd pf[2] = {{.fd = atail_fd(t), .events = POLLIN},
                               {.fd = sfd, .events = POLLIN}};
        if (poll(pf, 2, -1) < 0)
            return report("poll", -errno);
        /* Lines first: those written just before the writer died count. */
        int r = print_lines(t, &left);
        if (r != 0 || left == 0)
            return r;
        if ((pf[1].revents & POLLIN) && (r = read_signals(sfd, writer)) != 0)
            return r;
    }
}

/* Creates app.log if missing (the writer only appends), then follows it
 * from its end, by descriptor: the defaults. Done before the writer
 * starts, so exactly the lines of this run are printed. */
static int follow_log(atail **t)
{
    int fd = open("app.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    close(fd);
    int r = atail_open(t, NULL);
    return r < 0 ? r : atail_follow(*t, "app.log", NULL);
}

/* A positive count of lines, or -1. */
static long parse_count(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n > 0 ? n : -1;
}

int main(int argc, char **argv)
{
    const char *interval = NULL;
    long left = 10;
    int c;
    while ((c = getopt(argc, argv, "n:i:")) != -1 && left > 0)
        if (c == 'n')
            left = parse_count(optarg);
        else if (c == 'i')
            interval = optarg;
        else
            left = -1;
    if (left > 0 && optind < argc)
        left = optind + 1 == argc ? parse_count(argv[optind]) : -1;
    if (left <= 0) {
        fprintf(stderr, "usage: async_tail [-n LINES] [-i SECONDS] [LINES]\n");
        return 2;
    }

    /* Signals become events on a descriptor. Blocked before the writer
     * starts, so its death (SIGCHLD) cannot slip by unnoticed. */
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGCHLD);
    sigaddset(&sigs, SIGPIPE); /* stdout closed: fflush fails, clean up */
    sigprocmask(SIG_BLOCK, &sigs, &old);

    atail *t = NULL;
    pid_t writer = -1;
    int status, r, sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0)
        status = report("signalfd", -errno);
    else if ((r = follow_log(&t)) < 0)
        status = report("app.log", r);
    else if ((r = start_writer(&writer, interval, &old)) < 0)
        status = report("log_writer", r);
    else
        status = event_loop(t, sfd, &writer, left);

    /* The one way out, whatever happened: stop and reap the writer (unless
     * it died and was reaped already), release everything. */
    if (writer > 0) {
        kill(writer, SIGCONT); /* in case it was stopped (kill -STOP) */
        kill(writer, SIGTERM);
        while (waitpid(writer, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    atail_close(t);
    if (sfd >= 0)
        close(sfd);
    return status;
}
