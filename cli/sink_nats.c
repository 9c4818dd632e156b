/* sink_nats.c - the NATS JetStream sink (sink.h), on libnats (nats.c
 * 3.4): the connection (options, --create-stream, open, close) and the
 * sink_ops. Its parts (sink_nats.h): the event loop adapter
 * (nats_evloop.c), the window of messages in flight (nats_window.c), the
 * messages (nats_msg.c), the resume lookup (nats_last.c).
 *
 *   one event loop   the connection runs on the CLI's event loop: libnats
 *                    starts no read thread, and with SendAsap no flusher
 *                    thread either; reads and writes happen in the CLI's
 *                    thread.
 *   what stays       libnats' own threads that the external loop does not
 *   threaded         replace: the delivery thread of the JetStream reply
 *                    subscription (it runs the acknowledgment handler,
 *                    which only marks a slot and writes an eventfd that
 *                    the same epoll set holds), its timer thread (pings)
 *                    and, while the server is away, its reconnect thread
 *                    (which calls attach).
 *   ack timeout      ours, not libnats' (MaxWait, which posts a timeout
 *                    message for every message published): one timerfd
 *                    on the oldest message sent (nats_window.c).
 */
#include "sink_nats.h"

#include "nats_opts.h"
#include "output.h"
#include "quote.h"
#include "subject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- connection news (libnats' callback thread) ----------------------- */

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct nats_sink *s = closure;
    if (atomic_load(&s->closing))
        return; /* our own close */
    atomic_fetch_add(&s->losses, 1);
    nats_evloop_wake(s);
    msg(0, "connection to %s lost: reconnecting", s->url);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct nats_sink *s = closure;
    msg(0, "reconnected to %s", s->url);
    nats_evloop_wake(s);
}

static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct nats_sink *s = closure;
    msg(0, "connected to %s", s->url);
    nats_evloop_wake(s);
}

/* Waits between reconnection attempts: 100 ms doubling to 2 s. */
static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
    (void)nc;
    (void)closure;
    int64_t ms = 100;
    for (int i = 1; i < attempts && ms < 2000; i++)
        ms *= 2;
    return ms < 2000 ? ms : 2000;
}

/* ---- the CLI's thread -------------------------------------------------- */

static int nats_poll(struct sink *b)
{
    struct nats_sink *s = (struct nats_sink *)b;
    bool due = false, waited = false;
    int e = nats_evloop_run(s, &due, &waited);
    if (e < 0)
        return e;
    int64_t max_payload = natsConnection_GetMaxPayload(s->nc);
    if (max_payload > 0)
        s->max_payload = (size_t)max_payload; /* the server's, once connected */
    nats_window_settle(s, due, waited);
    return 0;
}

static size_t nats_in_flight(const struct sink *b)
{
    const struct nats_sink *s = (const struct nats_sink *)b;
    return s->count;
}

static bool nats_ready(const struct sink *b)
{
    return nats_window_ready((const struct nats_sink *)b);
}

static int nats_fd(const struct sink *b)
{
    return ((const struct nats_sink *)b)->epfd;
}

static int nats_publish(struct sink *b, const struct sink_line *l)
{
    struct nats_sink *s = (struct nats_sink *)b;
    if (!nats_window_ready(s))
        return -EAGAIN;
    natsMsg *m = nats_msg_make(s, l);
    if (!m) {
        msg(ENOMEM, "cannot publish a line");
        return -ENOMEM;
    }
    nats_window_send(s, m);
    return 0;
}

static void nats_close(struct sink *b)
{
    struct nats_sink *s = (struct nats_sink *)b;
    jsCtx_Destroy(s->ctl_js);
    natsConnection_Destroy(s->ctl);
    if (s->nc) {
        atomic_store(&s->closing, true);
        natsConnection_Close(s->nc);
        /* Closing waits for nothing from our loop: what the socket had is
         * dropped; unacknowledged slots were never committed. */
    }
    jsCtx_Destroy(s->js);
    natsConnection_Destroy(s->nc);
    natsOptions_Destroy(s->opts);
    /* libnats' threads may still run our callbacks (a disconnection is
     * said from its callback thread): they end before the sink is freed.
     * Should they not end in time, the sink is left to the exit. */
    if (nats_CloseAndWait(10000) != NATS_OK)
        return;
    nats_window_free(s);
    if (s->epfd >= 0)
        close(s->epfd);
    if (s->evfd >= 0)
        close(s->evfd);
    if (s->tfd >= 0)
        close(s->tfd);
    if (s->wfd >= 0)
        close(s->wfd);
    pthread_mutex_destroy(&s->mu);
    free(s->url);
    free(s->host);
    free(s);
}

static const struct sink_ops nats_ops = {
    .last = nats_last,
    .publish = nats_publish,
    .poll = nats_poll,
    .in_flight = nats_in_flight,
    .ready = nats_ready,
    .fd = nats_fd,
    .close = nats_close,
};

natsOptions *nats_make_opts(struct nats_sink *s, const struct sink_config *cfg, bool loop)
{
    natsOptions *o = nats_opts_new(cfg->url, &cfg->auth);
    if (!o)
        return NULL;
    natsStatus st = NATS_OK;
    if (loop) {
        st = nats_evloop_set(o, s);
        if (st == NATS_OK)
            st = natsOptions_SetSendAsap(o, true); /* no flusher thread */
        if (st == NATS_OK)
            st = natsOptions_SetMaxReconnect(o, -1);
        if (st == NATS_OK)
            st = natsOptions_SetCustomReconnectDelay(o, reconnect_delay, NULL);
        if (st == NATS_OK)
            st = natsOptions_SetDisconnectedCB(o, on_disconnected, s);
        if (st == NATS_OK)
            st = natsOptions_SetReconnectedCB(o, on_reconnected, s);
        if (st == NATS_OK && cfg->retry)
            st = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, s);
    }
    if (st != NATS_OK) {
        nats_say("cannot set up the NATS connection", st);
        natsOptions_Destroy(o);
        return NULL;
    }
    return o;
}

/* --create-stream=NAME: a file-stored stream taking the subjects of the
 * template, made (or found) on a connection of its own: a JetStream
 * request waits for its reply, which the event loop's connection would
 * only read once the loop runs. */
static int create_stream(struct nats_sink *s, const struct sink_config *cfg)
{
    natsOptions *o = nats_make_opts(s, cfg, false);
    if (!o)
        return -1;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    char *wild = subject_wildcard(cfg->subject_tmpl);
    natsStatus st = wild ? natsConnection_Connect(&nc, o) : NATS_NO_MEMORY;
    if (st == NATS_OK)
        st = natsConnection_JetStream(&js, nc, NULL);
    jsErrCode jerr = 0;
    if (st == NATS_OK) {
        jsStreamConfig sc;
        jsStreamConfig_Init(&sc);
        const char *subjects[] = {wild};
        sc.Name = cfg->create_stream;
        sc.Subjects = subjects;
        sc.SubjectsLen = 1;
        sc.Storage = js_FileStorage;
        st = js_AddStream(NULL, js, &sc, NULL, &jerr);
        if (st != NATS_OK && jerr == JSStreamNameExistErr)
            st = NATS_OK; /* made before: kept as it is */
    }
    if (st != NATS_OK) {
        char what[512];
        snprintf(what, sizeof what, "cannot create stream %s for subjects %s on %s",
                 quote_arg(0, cfg->create_stream), quote_arg(1, wild ? wild : ""), s->url);
        nats_say(what, st);
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    free(wild);
    return st == NATS_OK ? 0 : -1;
}

/* The URL without user information, for messages. */
static char *shown_url(const char *url)
{
    const char *at = strchr(url, '@'), *scheme = strstr(url, "://");
    if (!at || !scheme || at < scheme)
        return strdup(url);
    const char *rest = at + 1;
    size_t n = (size_t)(scheme + 3 - url), m = strlen(rest);
    char *s = malloc(n + m + 1);
    if (s) {
        memcpy(s, url, n);
        memcpy(s + n, rest, m + 1);
    }
    return s;
}

struct sink *sink_nats_open(const struct sink_config *cfg)
{
    struct nats_sink *s = calloc(1, sizeof *s);
    if (!s) {
        msg(ENOMEM, "cannot connect to NATS");
        return NULL;
    }
    s->base.ops = &nats_ops;
    s->cfg = *cfg;
    s->epfd = s->evfd = s->tfd = s->wfd = s->sock = -1;
    s->backoff_ms = BACKOFF_MIN_MS;
    s->cap = cfg->window ? cfg->window : 1;
    pthread_mutex_init(&s->mu, NULL);
    s->url = shown_url(cfg->url);
    s->host = strdup(cfg->host);
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->url || !s->host || !s->slots || nats_evloop_fds(s) < 0) {
        msg(errno ? errno : ENOMEM, "cannot connect to NATS");
        nats_close(&s->base);
        return NULL;
    }
    if (cfg->create_stream && create_stream(s, cfg) < 0) {
        nats_close(&s->base);
        return NULL;
    }
    s->opts = nats_make_opts(s, cfg, true);
    if (!s->opts) {
        nats_close(&s->base);
        return NULL;
    }
    natsStatus st = natsConnection_Connect(&s->nc, s->opts);
    if (st == NATS_NOT_YET_CONNECTED) {
        msg(0, "cannot connect to %s yet: retrying", s->url);
        st = NATS_OK;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = (int64_t)s->cap + 1; /* never stalls: the ring is smaller */
    jo.PublishAsync.AckHandler = nats_window_on_ack;
    jo.PublishAsync.AckHandlerClosure = s;
    if (st == NATS_OK)
        st = natsConnection_JetStream(&s->js, s->nc, &jo);
    if (st != NATS_OK) {
        char what[300];
        snprintf(what, sizeof what, "cannot connect to %s", s->url);
        nats_say(what, st);
        nats_close(&s->base);
        return NULL;
    }
    int64_t max_payload = natsConnection_GetMaxPayload(s->nc);
    if (max_payload <= 0)
        max_payload = (int64_t)1024 * 1024; /* not connected yet: the server's default */
    s->max_payload = (size_t)max_payload;
    return &s->base;
}
