/* nats_opts.h - the options of a connection to a NATS server, shared by
 * the sink (--to, sink_nats.c) and the reader of a stream (read_nats.c):
 * the server's URL and the client's name. Built with libnats only. */
#ifndef ATAIL_CLI_NATS_OPTS_H
#define ATAIL_CLI_NATS_OPTS_H

#include <nats/nats.h>

/* New options for `url` (one server, or several separated by commas).
 * NULL after saying why. */
natsOptions *nats_opts_new(const char *url);

/* Says "what: why", with libnats' last error when it has one. */
void nats_say(const char *what, natsStatus st);

#endif
