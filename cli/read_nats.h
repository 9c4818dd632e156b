/* read_nats.h - atail nats://HOST:PORT/STREAM (read_nats.c): the last
 * messages of a JetStream stream, then (-f) those that come, through an
 * ordered consumer; --state resumes after the last one printed. Built
 * with libnats only. */
#ifndef ATAIL_CLI_READ_NATS_H
#define ATAIL_CLI_READ_NATS_H

#include "options.h"
#include "run.h"

/* Reads the stream that o->files[0] names. sigfd (or -1): the signalfd of
 * --state, polled between messages. Returns a STOP_* code; *signo is the
 * signal that ended it (STOP_SIGNAL). */
int read_nats_run(const struct cli_options *o, int sigfd, int *signo);

#endif
