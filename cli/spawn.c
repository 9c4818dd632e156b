/* spawn.c - see spawn.h.
 *
 * The command runs in its own process group so that stopping it stops
 * everything it started: /bin/sh -c may fork the command instead of
 * exec'ing it, and a SIGTERM to the shell alone would leave the command
 * running. SIGCONT goes first (a stopped group cannot act on SIGTERM; sent
 * after, it races with the group's exit and can hang sanitizer builds). */
#include "spawn.h"

#include "output.h"

#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_MS 2000

extern char **environ;

int child_spawn(struct child *c, const char *command, const sigset_t *mask,
                bool keep_sigpipe_ignored)
{
    *c = (struct child){0};
    posix_spawnattr_t attr;
    int e = posix_spawnattr_init(&attr);
    if (e) {
        msg(e, "cannot run %s", command);
        return -e;
    }
    sigset_t def;
    sigemptyset(&def);
    if (!keep_sigpipe_ignored)
        sigaddset(&def, SIGPIPE);
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    e = posix_spawnattr_setflags(&attr, flags);
    if (!e)
        e = posix_spawnattr_setpgroup(&attr, 0);
    if (!e)
        e = posix_spawnattr_setsigmask(&attr, mask);
    if (!e)
        e = posix_spawnattr_setsigdefault(&attr, &def);
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    pid_t pid = 0;
    if (!e)
        e = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (e) {
        msg(e, "cannot run /bin/sh");
        return -e;
    }
    c->pid = pid;
    return 0;
}

/* Waits up to timeout_ms (-1: no limit) for the child to exit; reaps it if
 * it did. */
static bool wait_exit(struct child *c, int timeout_ms)
{
    int fd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int st;
        pid_t w = waitpid(c->pid, &st, WNOHANG);
        if (w == c->pid || (w < 0 && errno == ECHILD)) {
            c->reaped = true;
            c->status = w == c->pid ? st : 0;
            break;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (timeout_ms >= 0 && elapsed >= timeout_ms)
            break;
        if (fd >= 0) {
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            poll(&pf, 1, timeout_ms < 0 ? -1 : (int)(timeout_ms - elapsed));
        } else {
            struct timespec tick = {.tv_nsec = 10000000L}; /* 10 ms */
            nanosleep(&tick, NULL);
        }
    }
    if (fd >= 0)
        close(fd);
    return c->reaped;
}

void child_stop(struct child *c)
{
    if (c->pid <= 0 || c->reaped || wait_exit(c, 0))
        return;
    c->stopped = true;
    kill(-c->pid, SIGCONT);
    kill(-c->pid, SIGTERM);
    if (wait_exit(c, STOP_GRACE_MS))
        return;
    kill(-c->pid, SIGKILL);
    wait_exit(c, STOP_GRACE_MS);
}

bool child_report(const struct child *c)
{
    if (c->pid <= 0 || !c->reaped || c->stopped)
        return false;
    if (WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0) {
        msg(0, "the --spawn command exited with status %d", WEXITSTATUS(c->status));
        return true;
    }
    if (WIFSIGNALED(c->status)) {
        int sig = WTERMSIG(c->status);
        msg(0, "the --spawn command was killed by signal %d (%s)", sig, strsignal(sig));
        return true;
    }
    return false;
}
