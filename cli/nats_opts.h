/* nats_opts.h - the options of a connection to a NATS server, shared by
 * the sink (--to, sink_nats.c) and the reader of a stream (read_nats.c):
 * the server's URL, the client's name, TLS with the CAs of --nats-ca
 * (the server's certificate is verified), and credentials: a credentials
 * file, a user and password, or a token, the secrets read from files or
 * the environment and never said. Built with libnats only. */
#ifndef ATAIL_CLI_NATS_OPTS_H
#define ATAIL_CLI_NATS_OPTS_H

#include "sink.h"

#include <nats/nats.h>

/* New options for `url` (one server, or several separated by commas).
 * NULL after saying why. */
natsOptions *nats_opts_new(const char *url, const struct sink_auth *auth);

/* Says "what: why", with libnats' last error when it has one. */
void nats_say(const char *what, natsStatus st);

#endif
