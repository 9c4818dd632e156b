/* signals.h - SIGINT, SIGTERM and SIGHUP as events: with --state or
 * --spawn, atail has something to do before it dies (save its positions,
 * stop its child), so these signals are blocked and read from a signalfd
 * that the event loop polls beside the library's descriptor. */
#ifndef ATAIL_CLI_SIGNALS_H
#define ATAIL_CLI_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Blocks the terminating signals that are not ignored (nohup's SIGHUP
 * stays ignored), and SIGCHLD when `children` (--spawn: what the command
 * leaves to atail is reaped as it ends), and returns a non-blocking
 * signalfd for them, or -1 with errno set. *old receives the signal mask
 * from before. */
int signals_catch(sigset_t *old, bool children);

/* Takes one pending signal from the signalfd, without waiting: its number,
 * or 0 when none is pending. */
int signals_take(int fd);

/* Ends the process by signo, with its default action (so the parent sees
 * what killed it; a shell reports 128+signo). */
void signals_die(int signo);

#endif
