/* spawn.c - see spawn.h.
 *
 * The command runs in its own process group so that stopping it stops
 * everything it started: /bin/sh -c may fork the command instead of
 * exec'ing it (Debian's dash does), and a SIGTERM to the shell alone would
 * leave the command running. SIGCONT goes first (a stopped group cannot act
 * on SIGTERM; sent after, it races with the group's exit and can hang
 * sanitizer builds). atail is a child subreaper, so what the shell started
 * comes back to atail when the shell exits first, and stopping waits for
 * the whole group, not just the shell: nothing is left running, or still
 * exiting, once atail has exited. */
#include "spawn.h"

#include "output.h"

#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
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
    /* Best effort: without it, orphans go to init and are not waited for. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
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

/* Reaps what is left of the child's process group (the shell, and what it
 * started and left to atail), waiting up to timeout_ms. Returns true once
 * atail has no child left in the group. */
static bool wait_group(struct child *c, int timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int st;
        pid_t w = waitpid(-c->pid, &st, WNOHANG);
        if (w == c->pid) {
            c->reaped = true;
            c->status = st;
        }
        if (w > 0)
            continue;
        if (w < 0 && errno == ECHILD) {
            c->reaped = true; /* (reaped before, or by someone else) */
            return true;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsed >= timeout_ms)
            return false;
        struct timespec tick = {.tv_nsec = 5000000L}; /* 5 ms */
        nanosleep(&tick, NULL);
    }
}

void child_reap_orphans(const struct child *c)
{
    for (;;) {
        siginfo_t si = {0};
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0 ||
            si.si_pid == c->pid)
            return; /* none ended, or the command: it is child_stop()'s */
        if (waitpid(si.si_pid, NULL, WNOHANG) <= 0)
            return;
    }
}

void child_stop(struct child *c)
{
    if (c->pid <= 0 || wait_group(c, 0))
        return;
    c->stopped = !c->reaped; /* the shell itself did not end on its own */
    kill(-c->pid, SIGCONT);
    kill(-c->pid, SIGTERM);
    if (wait_group(c, STOP_GRACE_MS))
        return;
    kill(-c->pid, SIGKILL);
    wait_group(c, STOP_GRACE_MS);
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
