/* spawn.h - --spawn: the command atail runs as a child while it follows
 * the files, then stops and reaps on every path out. */
#ifndef ATAIL_CLI_SPAWN_H
#define ATAIL_CLI_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct child {
    pid_t pid;    /* 0: none */
    bool reaped;  /* status is valid */
    bool stopped; /* atail stopped it (it did not end on its own) */
    int status;   /* wait status */
};

/* Runs `command` with /bin/sh -c in a process group of its own, with the
 * signal mask `mask` (what atail's was before it blocked signals) and
 * SIGPIPE to its default unless `keep_sigpipe_ignored`. Returns 0, or a
 * negative errno (reported). */
int child_spawn(struct child *c, const char *command, const sigset_t *mask,
                bool keep_sigpipe_ignored);

/* Reaps the child and whatever its process group left to atail (a child
 * subreaper); if any of them is still running, stops the group (SIGCONT,
 * then SIGTERM; SIGKILL after two seconds) and reaps all of it. Does
 * nothing once the group is gone. */
void child_stop(struct child *c);

/* Reaps the processes that the command left to atail (atail is a child
 * subreaper: a daemon's double fork, a shell's background job) and that
 * have ended, so that none stays a zombie while atail runs. Never the
 * command itself: once it has ended, the rest waits for child_stop(). */
void child_reap_orphans(const struct child *c);

/* Says on standard error that the command failed, if it ended on its own
 * and did. Returns true then. */
bool child_report(const struct child *c);

#endif
