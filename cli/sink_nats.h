/* sink_nats.h - the inside of the NATS JetStream sink (sink.h), shared
 * by its files; nothing else includes it.
 *
 *   sink_nats.c     the connection: options, open (--create-stream), close,
 *                   the sink_ops, publish and poll
 *   nats_evloop.c   the external event loop adapter: libnats' socket, the
 *                   acknowledgment eventfd and the timers in one epoll set
 *   nats_window.c   the window: the ring of messages in flight, their
 *                   acknowledgments, timeouts, failures and resends in order
 *   nats_msg.c      a line made a message: headers, Nats-Msg-Id, cut
 *   nats_last.c     where a file's lines end in the stream (last()): the
 *                   control connection, the Nats-Msg-Id read back
 *
 * Threads: libnats' delivery thread runs the acknowledgment handler
 * (nats_window_on_ack()), its callback and reconnect threads the
 * connection news and the event loop's attach/detach; everything else is
 * the CLI's thread. `mu` guards the fields marked so. */
#ifndef ATAIL_CLI_SINK_NATS_H
#define ATAIL_CLI_SINK_NATS_H

#include "sink.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define ACK_WAIT_MS 5000     /* an acknowledgment not come by then: sent again */
#define BACKOFF_MIN_MS 100u  /* the first retry of failed messages */
#define BACKOFF_MAX_MS 5000u /* and the longest wait between retries */

enum slot_state { SLOT_FREE, SLOT_SENT, SLOT_ACKED, SLOT_FAILED };

struct slot {
    natsMsg *msg; /* while SENT: the library's (compared, never used);
                     while FAILED: ours, to send again */
    enum slot_state state;
    natsStatus err;
    jsErrCode code;
    long long sent_ms; /* when it was sent (CLOCK_MONOTONIC) */
    char text[160];
};

struct nats_sink {
    struct sink base;
    natsOptions *opts;
    natsConnection *nc;
    jsCtx *js;
    char *url;
    char *host;
    struct sink_config cfg; /* its strings are the command line's */
    natsConnection *ctl;    /* requests that wait for their reply (last()) */
    jsCtx *ctl_js;
    bool said_no_resume;
    atomic_bool closing; /* our close: its disconnection is not news */
    atomic_uint losses;  /* disconnections so far */
    atomic_bool woken;   /* the eventfd was written and not read yet */
    int epfd, evfd, tfd;
    int wfd;            /* timerfd: the oldest message's acknowledgment is due */
    size_t max_payload; /* the server's largest message */

    pthread_mutex_t mu; /* guards what follows */
    int sock;           /* the attached socket, or -1 */
    bool want_read, want_write;
    struct slot *slots;
    size_t cap, tail, count; /* the ring: count slots from tail */
    size_t failed;           /* slots FAILED */
    size_t sent;             /* slots SENT */
    size_t ack_hint;         /* where the next acknowledgment's slot likely is */

    /* The CLI's thread only. */
    bool retry_armed;
    bool wait_armed; /* wfd is set for the oldest message sent */
    bool settling;   /* since the connection was lost: wait for every answer */
    bool failing;    /* failed messages wait to go again */
    bool acked_since_resend;
    unsigned losses_seen;
    unsigned backoff_ms;
    natsStatus said_err; /* the failure said last (said once) */
    jsErrCode said_code;
    bool said_cut;
};

/* Whether the connection is up now: the callbacks come later, from
 * another thread, and a message published meanwhile would go into the
 * reconnection buffer after others that may be dropped. */
static inline bool nats_connected(const struct nats_sink *s)
{
    return natsConnection_Status(s->nc) == NATS_CONN_STATUS_CONNECTED;
}

/* nats_evloop.c: the epoll set and its descriptors (eventfd, timers).
 * Returns 0, or -1 with errno set. */
int nats_evloop_fds(struct nats_sink *s);

/* nats_evloop.c: runs the connection on the sink's epoll set. */
natsStatus nats_evloop_set(natsOptions *o, struct nats_sink *s);

/* nats_evloop.c: does what the set has ready, without blocking: socket
 * reads and writes; *due when the retry timer fired, *waited when the
 * acknowledgment timer did. Returns 0 or a negative errno (said). */
int nats_evloop_run(struct nats_sink *s, bool *due, bool *waited);

/* nats_evloop.c: wakes the CLI's loop (any thread). */
void nats_evloop_wake(struct nats_sink *s);

/* nats_window.c: the acknowledgment handler (libnats' delivery thread). */
void nats_window_on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure);

/* nats_window.c: sends m, a new message, in the next slot (the window has
 * room: nats_window_ready()). */
void nats_window_send(struct nats_sink *s, natsMsg *m);

/* nats_window.c: after the event loop ran: timeouts, acknowledged slots
 * freed, failures said and sent again. */
void nats_window_settle(struct nats_sink *s, bool due, bool waited);

/* nats_window.c: whether a new message may go now. */
bool nats_window_ready(const struct nats_sink *s);

/* nats_window.c: frees the failed messages the ring holds, and the ring. */
void nats_window_free(struct nats_sink *s);

/* nats_msg.c: the message of a line (cut to the server's max_payload,
 * said once), or NULL when out of memory. */
natsMsg *nats_msg_make(struct nats_sink *s, const struct sink_line *l);

/* nats_msg.c: reads the Nats-Msg-Id of a message nats_msg_make() made.
 * Returns 1, or 0 when it is not one of atail's. */
int nats_msg_parse_id(natsMsg *m, struct sink_resume *out);

/* nats_last.c: sink_ops.last. */
int nats_last(struct sink *b, const char *subject, struct sink_resume *out);

/* sink_nats.c: options for a connection to cfg->url; on the sink's event
 * loop when `loop`. NULL after saying why. */
natsOptions *nats_make_opts(struct nats_sink *s, const struct sink_config *cfg, bool loop);

#endif
