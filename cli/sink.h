/* sink.h - where lines go instead of standard output (--to=URL): a message
 * broker that acknowledges what it stored. The event loop hands it lines
 * while its window of messages in flight has room, waits on its descriptor
 * when not, and commits the checkpoint only when every message published
 * so far is acknowledged (sink_in_flight() is 0): the checkpoint never
 * passes a line the broker does not hold.
 *
 * A sink is a struct sink_ops behind a struct sink; sink_open() picks the
 * implementation by the URL's scheme (nats://, tls://: sink_nats.c). A
 * Kafka sink would be another sink_ops beside it. */
#ifndef ATAIL_CLI_SINK_H
#define ATAIL_CLI_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How to prove who we are and whom we talk to. Secrets come from files or
 * the environment, never from the command line (ps shows it). */
struct sink_auth {
    const char *ca_file;       /* --nats-ca: trusted CAs for TLS (verification is on) */
    const char *creds_file;    /* --nats-creds: a JWT/NKey credentials file */
    const char *user;          /* --nats-user, or $ATAIL_NATS_USER */
    const char *password_file; /* --nats-password-file, else $ATAIL_NATS_PASSWORD */
    const char *token_file;    /* --nats-token-file, else $ATAIL_NATS_TOKEN */
};

struct sink_config {
    const char *url;           /* --to */
    const char *create_stream; /* --create-stream=NAME, or NULL */
    const char *subject_tmpl;  /* --subject (for --create-stream) */
    const char *host;          /* this host's name */
    unsigned window;           /* messages in flight at most */
    bool retry;                /* --retry: wait for the server at start */
    struct sink_auth auth;
};

/* One line to publish. */
struct sink_line {
    const char *subject;
    const char *path; /* the file's name, as output names it */
    const char *data; /* the message: the line, or its JSON record */
    size_t len;
    const char *raw; /* the line itself (the hash in Nats-Msg-Id) */
    size_t raw_len;
    uint64_t offset;   /* the line's offset in its file */
    uint64_t next;     /* the offset just past it (and its delimiter) */
    uint64_t dev, ino; /* the file's identity (atail_file_identity()) */
    bool cut;          /* a piece of a line longer than --max-line */
};

/* Where a file's lines end in the broker: the last message of a subject
 * was line `next` bytes into the file (dev, ino) of `host`. */
struct sink_resume {
    char host[256];
    uint64_t dev, ino, next;
};

struct sink;

struct sink_ops {
    /* The last message of `subject` (sink_resume). Returns 1, 0 when there
     * is none (or the broker cannot say: said once), or a negative errno
     * (said). Blocks for a round trip or two: once per file. */
    int (*last)(struct sink *s, const char *subject, struct sink_resume *out);
    /* Publishes one line. Returns 0, -EAGAIN when the window is full
     * (nothing taken), or another negative errno (said). */
    int (*publish)(struct sink *s, const struct sink_line *line);
    /* Does what the connection has for now (socket reads and writes,
     * acknowledgments, due retries) without blocking. Returns 0 or a
     * negative errno (said): the run cannot go on. */
    int (*poll)(struct sink *s);
    /* Messages published and not acknowledged yet. */
    size_t (*in_flight)(const struct sink *s);
    /* Whether publish() would take a line now. */
    bool (*ready)(const struct sink *s);
    /* A descriptor that polls readable when poll() has work. */
    int (*fd)(const struct sink *s);
    /* Closes the connection and frees the sink (what is in flight is
     * dropped: the checkpoint did not pass it). */
    void (*close)(struct sink *s);
};

struct sink {
    const struct sink_ops *ops;
};

/* Opens the sink that `cfg->url` names, connected. Returns NULL after
 * saying why (unknown scheme, server unreachable, ...). */
struct sink *sink_open(const struct sink_config *cfg);

/* Whether url names a sink (a scheme sink_open() knows). */
bool sink_url(const char *url);

static inline int sink_publish(struct sink *s, const struct sink_line *l)
{
    return s->ops->publish(s, l);
}
static inline int sink_last(struct sink *s, const char *subject, struct sink_resume *out)
{
    return s->ops->last(s, subject, out);
}
static inline int sink_poll(struct sink *s)
{
    return s->ops->poll(s);
}
static inline size_t sink_in_flight(const struct sink *s)
{
    return s->ops->in_flight(s);
}
static inline bool sink_ready(const struct sink *s)
{
    return s->ops->ready(s);
}
static inline int sink_fd(const struct sink *s)
{
    return s->ops->fd(s);
}
static inline void sink_close(struct sink *s)
{
    if (s)
        s->ops->close(s);
}

/* sink_nats.c: the NATS JetStream sink (built with libnats). */
struct sink *sink_nats_open(const struct sink_config *cfg);

#endif
