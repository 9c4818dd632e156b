/* sink_nats.c - the NATS JetStream sink (sink.h), on libnats (nats.c 3.4).
 *
 *   one event loop   the connection runs on an external event loop
 *                    (natsOptions_SetEventLoop): libnats starts no read
 *                    thread; its socket sits in this sink's epoll set, with
 *                    the read and write interest libnats asks for, and the
 *                    CLI's loop polls that set beside the library's
 *                    descriptor. Reads and writes happen in the CLI's
 *                    thread (natsConnection_ProcessReadEvent/WriteEvent);
 *                    with SendAsap no flusher thread runs either.
 *   what stays       libnats' own threads that the external loop does not
 *   threaded         replace: the delivery thread of the JetStream reply
 *                    subscription (it runs the acknowledgment handler,
 *                    which only marks a slot and writes an eventfd that
 *                    the same epoll set holds), its timer thread (pings)
 *                    and, while the server is away, its reconnect thread
 *                    (which calls attach).
 *   ack timeout      ours, not libnats' (MaxWait, which posts a timeout
 *                    message for every message published): one timerfd
 *                    on the oldest message sent (watch_acks()).
 *   window           at most `window` messages in flight, each in a slot
 *                    of a ring in publishing order; the ring advances over
 *                    acknowledged slots only, so in_flight() is 0 exactly
 *                    when everything published is stored.
 *   failures         a negative acknowledgment (no stream, stream full), a
 *                    timeout (the server left) or a refused publish marks
 *                    the slot failed: publishing stops (the file is the
 *                    buffer), the reason is said once, and after a backoff
 *                    (100 ms doubling to 5 s) the failed messages are sent
 *                    again, in order, with the same Nats-Msg-Id: a message
 *                    that was stored after all is dropped by the server's
 *                    duplicate window.
 *   Nats-Msg-Id      HOST:DEV:INO:OFFSET:HASH: the file's identity (the
 *                    checkpoint's device and inode), the line's offset,
 *                    and a hash of the line (an inode reused within the
 *                    duplicate window holds other lines).
 */
#include "sink.h"

#include "nats_opts.h"
#include "output.h"
#include "quote.h"
#include "subject.h"

#include <errno.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define ACK_WAIT_MS 5000     /* an acknowledgment not come by then: sent again */
#define BACKOFF_MIN_MS 100u  /* the first retry of failed messages */
#define BACKOFF_MAX_MS 5000u /* and the longest wait between retries */
#define HEADER_FIXED 256     /* header bytes of a message besides host and path */

enum { TAG_SOCK = 1, TAG_ACK, TAG_TIMER, TAG_ACK_WAIT };

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
    int wfd; /* timerfd: the oldest message's acknowledgment is due */
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
    bool settling; /* since the connection was lost: wait for every answer */
    bool failing;  /* failed messages wait to go again */
    bool acked_since_resend;
    unsigned losses_seen;
    unsigned backoff_ms;
    natsStatus said_err; /* the failure said last (said once) */
    jsErrCode said_code;
    bool said_cut;
};

/* ---- the external event loop adapter (any thread) --------------------- */

static void set_interest(struct nats_sink *s)
{
    if (s->sock < 0)
        return;
    struct epoll_event ev = {
        .events = (s->want_read ? EPOLLIN : 0u) | (s->want_write ? EPOLLOUT : 0u),
        .data.u32 = TAG_SOCK,
    };
    (void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->sock, &ev);
}

static natsStatus ev_attach(void **user, void *loop, natsConnection *nc, natsSock sock)
{
    struct nats_sink *s = loop;
    (void)nc;
    pthread_mutex_lock(&s->mu);
    s->sock = sock;
    s->want_read = true;
    s->want_write = false;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TAG_SOCK};
    int e = epoll_ctl(s->epfd, EPOLL_CTL_ADD, sock, &ev);
    if (e < 0 && errno == EEXIST)
        e = epoll_ctl(s->epfd, EPOLL_CTL_MOD, sock, &ev);
    pthread_mutex_unlock(&s->mu);
    *user = s;
    return e < 0 ? NATS_SYS_ERROR : NATS_OK;
}

static natsStatus ev_read(void *user, bool add)
{
    struct nats_sink *s = user;
    pthread_mutex_lock(&s->mu);
    s->want_read = add;
    set_interest(s);
    pthread_mutex_unlock(&s->mu);
    return NATS_OK;
}

static natsStatus ev_write(void *user, bool add)
{
    struct nats_sink *s = user;
    pthread_mutex_lock(&s->mu);
    s->want_write = add;
    set_interest(s);
    pthread_mutex_unlock(&s->mu);
    return NATS_OK;
}

static natsStatus ev_detach(void *user)
{
    struct nats_sink *s = user;
    pthread_mutex_lock(&s->mu);
    if (s->sock >= 0)
        (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->sock, NULL);
    s->sock = -1;
    pthread_mutex_unlock(&s->mu);
    return NATS_OK;
}

/* ---- acknowledgments (libnats' delivery thread) ----------------------- */

static struct slot *slot_at(struct nats_sink *s, size_t i)
{
    return &s->slots[(s->tail + i) % s->cap];
}

static void wake(struct nats_sink *s)
{
    if (atomic_exchange(&s->woken, true))
        return; /* the loop has not read the last one yet */
    uint64_t one = 1;
    ssize_t w = write(s->evfd, &one, sizeof one);
    (void)w; /* a full counter is readable all the same */
}

static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    struct nats_sink *s = closure;
    (void)js;
    (void)pa;
    pthread_mutex_lock(&s->mu);
    /* Acknowledgments come in publishing order: the slot after the last
     * one acknowledged, but for a resend or a lost reply. */
    struct slot *sl = NULL;
    for (size_t i = 0, k = s->ack_hint; i < s->cap && !sl; i++, k = k + 1 < s->cap ? k + 1 : 0) {
        struct slot *c = &s->slots[k];
        if (c->state == SLOT_SENT && c->msg == m) {
            sl = c;
            s->ack_hint = k + 1 < s->cap ? k + 1 : 0;
        }
    }
    if (sl && pae) {
        sl->state = SLOT_FAILED;
        sl->err = pae->Err;
        sl->code = pae->ErrCode;
        snprintf(sl->text, sizeof sl->text, "%s",
                 pae->ErrText && *pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
        s->failed++;
        s->sent--;
        m = NULL; /* kept to be sent again */
    } else if (sl) {
        sl->state = SLOT_ACKED;
        sl->msg = NULL;
        s->sent--;
    }
    pthread_mutex_unlock(&s->mu);
    natsMsg_Destroy(m);
    wake(s);
}

/* ---- connection news (libnats' callback thread) ----------------------- */

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct nats_sink *s = closure;
    if (atomic_load(&s->closing))
        return; /* our own close */
    atomic_fetch_add(&s->losses, 1);
    wake(s);
    msg(0, "connection to %s lost: reconnecting", s->url);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct nats_sink *s = closure;
    msg(0, "reconnected to %s", s->url);
    wake(s);
}

static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct nats_sink *s = closure;
    msg(0, "connected to %s", s->url);
    wake(s);
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

/* Whether the connection is up now: the callbacks come later, from
 * another thread, and a message published meanwhile would go into the
 * reconnection buffer after others that may be dropped. */
static bool connected(const struct nats_sink *s)
{
    return natsConnection_Status(s->nc) == NATS_CONN_STATUS_CONNECTED;
}

/* Wakes the loop when the backoff has passed. */
static void arm_retry(struct nats_sink *s)
{
    if (s->retry_armed)
        return;
    s->retry_armed = true;
    struct itimerspec it = {
        .it_value = {.tv_sec = s->backoff_ms / 1000,
                     .tv_nsec = (long)(s->backoff_ms % 1000) * 1000000L},
    };
    (void)timerfd_settime(s->tfd, 0, &it, NULL);
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* Says why the slot failed, once per reason. */
static void say_failure(struct nats_sink *s, const struct slot *sl)
{
    if (sl->err == s->said_err && sl->code == s->said_code)
        return;
    s->said_err = sl->err;
    s->said_code = sl->code;
    if (sl->err == NATS_NO_RESPONDERS)
        msg(0,
            "no JetStream stream takes subject %s on %s: the operator must create one "
            "(JetStream API: $JS.API.STREAM.CREATE.<NAME>; --create-stream=NAME makes a "
            "simple one); retrying",
            quote_arg(0, natsMsg_GetSubject(sl->msg)), s->url);
    else if (sl->err == NATS_TIMEOUT)
        msg(0, "no acknowledgment from %s for subject %s: sending again", s->url,
            quote_arg(0, natsMsg_GetSubject(sl->msg)));
    else
        msg(0, "cannot store a line in subject %s on %s: %s; retrying",
            quote_arg(0, natsMsg_GetSubject(sl->msg)), s->url, sl->text);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends the slot's message; it is ours (FAILED, or new: `add` puts the
 * slot at the head of the ring). */
static void send_slot(struct nats_sink *s, struct slot *sl, bool add)
{
    natsMsg *m = sl->msg;
    sl->sent_ms = now_ms();
    pthread_mutex_lock(&s->mu);
    sl->state = SLOT_SENT; /* before the acknowledgment can come */
    s->sent++;
    if (add)
        s->count++;
    pthread_mutex_unlock(&s->mu);
    /* No MaxWait: watch_acks() times acknowledgments out. */
    natsStatus st = js_PublishMsgAsync(s->js, &m, NULL);
    if (st == NATS_OK)
        return; /* the library's now */
    pthread_mutex_lock(&s->mu);
    sl->state = SLOT_FAILED;
    sl->err = st;
    sl->code = 0;
    snprintf(sl->text, sizeof sl->text, "%s", natsStatus_GetText(st));
    s->failed++;
    s->sent--;
    pthread_mutex_unlock(&s->mu);
}

/* Frees acknowledged slots at the tail. Returns the first failed slot, or
 * NULL; *sent is how many wait for their acknowledgment. */
static struct slot *settle(struct nats_sink *s, size_t *sent)
{
    bool acked = false;
    struct slot *failed = NULL;
    pthread_mutex_lock(&s->mu);
    while (s->count > 0 && slot_at(s, 0)->state == SLOT_ACKED) {
        slot_at(s, 0)->state = SLOT_FREE;
        s->tail = (s->tail + 1) % s->cap;
        s->count--;
        acked = true;
    }
    for (size_t i = 0; i < s->count && s->failed && !failed; i++)
        if (slot_at(s, i)->state == SLOT_FAILED)
            failed = slot_at(s, i);
    *sent = s->sent;
    pthread_mutex_unlock(&s->mu);
    if (acked)
        s->acked_since_resend = true;
    if (acked && !failed) {
        s->backoff_ms = BACKOFF_MIN_MS;
        s->said_err = NATS_OK;
        s->said_code = 0;
    }
    return failed;
}

/* Failed messages go again, in order, once none waits for an answer any
 * more: a message sent before one that failed is stored, or failed too. */
static void resend(struct nats_sink *s, bool all)
{
    s->acked_since_resend = false;
    for (size_t i = 0; i < s->count; i++) {
        struct slot *sl = slot_at(s, i);
        pthread_mutex_lock(&s->mu);
        bool again = sl->state == SLOT_FAILED;
        if (again)
            s->failed--;
        pthread_mutex_unlock(&s->mu);
        if (again) {
            send_slot(s, sl, false);
            if (!all)
                return; /* a probe: the rest once it is stored */
        }
    }
}

/* After settle(): failures are said, and sent again after the backoff;
 * after a reconnection, nothing new goes until what was sent before it is
 * answered (acknowledged, or failed by its timeout). */
static void recover(struct nats_sink *s, bool due)
{
    unsigned losses = atomic_load(&s->losses);
    if (!connected(s) || losses != s->losses_seen) {
        s->losses_seen = losses;
        s->settling = true;
    }
    size_t sent;
    struct slot *failed = settle(s, &sent);
    if (due)
        s->retry_armed = false;
    if (failed && !s->failing) {
        s->failing = true; /* a first failure: the next send is a probe */
        s->acked_since_resend = false;
    }
    if (failed) {
        /* First the oldest failed message alone, after the backoff; once
         * it is stored, the others, in order: sent together while the
         * cause went away, earlier ones could fail and later ones not. */
        say_failure(s, failed);
        if (sent == 0 && s->acked_since_resend)
            resend(s, true);
        else if (sent == 0 && due)
            resend(s, false);
        else if (sent == 0)
            arm_retry(s);
    } else {
        s->failing = false;
    }
    if (sent == 0 && connected(s))
        s->settling = false;
}

/* Every message libnats holds comes back, failed by a timeout: the
 * server does not answer. */
static void take_back(struct nats_sink *s)
{
    natsMsgList l = {0};
    if (js_PublishAsyncGetPendingList(&l, s->js) != NATS_OK)
        return; /* none (NATS_NOT_FOUND): their answers are being handled */
    pthread_mutex_lock(&s->mu);
    for (int j = 0; j < l.Count; j++) {
        for (size_t i = 0; i < s->count; i++) {
            struct slot *c = slot_at(s, i);
            if (c->state == SLOT_SENT && c->msg == l.Msgs[j]) {
                c->state = SLOT_FAILED;
                c->err = NATS_TIMEOUT;
                c->code = 0;
                snprintf(c->text, sizeof c->text, "%s", natsStatus_GetText(NATS_TIMEOUT));
                s->failed++;
                s->sent--;
                l.Msgs[j] = NULL; /* ours again, to send again */
                break;
            }
        }
    }
    pthread_mutex_unlock(&s->mu);
    natsMsgList_Destroy(&l);
}

/* The acknowledgment wait. libnats' own (jsPubOptions.MaxWait) makes a
 * timeout message for every message published, acknowledged or not, once
 * its wait is over, and hands it to its delivery thread: as much work
 * again as the acknowledgment itself. Here only the oldest message sent
 * is watched (wfd, one timer): ACK_WAIT_MS after it was sent with no
 * answer, every message still waiting is taken back, failed (recover()
 * sends them again, in order, with their Nats-Msg-Id: the server drops
 * what it stored after all). */
static void watch_acks(struct nats_sink *s, bool fired)
{
    if (fired)
        s->wait_armed = false;
    if (s->wait_armed)
        return;
    long long oldest = -1;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->count && s->sent > 0 && oldest < 0; i++)
        if (slot_at(s, i)->state == SLOT_SENT)
            oldest = slot_at(s, i)->sent_ms;
    pthread_mutex_unlock(&s->mu);
    if (oldest < 0)
        return; /* nothing waits: the timer stays off */
    long long left = oldest + ACK_WAIT_MS - now_ms();
    if (left <= 0) {
        take_back(s);
        return;
    }
    struct itimerspec it = {
        .it_value = {.tv_sec = left / 1000, .tv_nsec = (long)(left % 1000) * 1000000L},
    };
    s->wait_armed = timerfd_settime(s->wfd, 0, &it, NULL) == 0;
}

static int nats_poll(struct sink *b)
{
    struct nats_sink *s = (struct nats_sink *)b;
    struct epoll_event evs[4];
    int n = epoll_wait(s->epfd, evs, 4, 0);
    if (n < 0 && errno != EINTR) {
        msg(errno, "error waiting for the NATS connection");
        return -errno;
    }
    bool due = false, waited = false;
    for (int i = 0; i < n; i++) {
        uint64_t v;
        switch (evs[i].data.u32) {
        case TAG_SOCK:
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                natsConnection_ProcessReadEvent(s->nc);
            if (evs[i].events & EPOLLOUT)
                natsConnection_ProcessWriteEvent(s->nc);
            break;
        case TAG_ACK:
            /* Read, then re-arm: a handler that found it armed marked its
             * slot before, and settle() below sees the mark. */
            (void)!read(s->evfd, &v, sizeof v);
            atomic_store(&s->woken, false);
            break;
        case TAG_TIMER:
            (void)!read(s->tfd, &v, sizeof v);
            due = true;
            break;
        case TAG_ACK_WAIT:
            (void)!read(s->wfd, &v, sizeof v);
            waited = true;
            break;
        default:
            break;
        }
    }
    int64_t max_payload = natsConnection_GetMaxPayload(s->nc);
    if (max_payload > 0)
        s->max_payload = (size_t)max_payload; /* the server's, once connected */
    watch_acks(s, waited);
    recover(s, due);
    return 0;
}

static size_t nats_in_flight(const struct sink *b)
{
    const struct nats_sink *s = (const struct nats_sink *)b;
    return s->count;
}

static bool nats_ready(const struct sink *b)
{
    const struct nats_sink *s = (const struct nats_sink *)b;
    /* No new message while failed ones wait to go again: order. */
    return s->count < s->cap && !s->retry_armed && s->failed == 0 && !s->settling && connected(s);
}

static int nats_fd(const struct sink *b)
{
    return ((const struct nats_sink *)b)->epfd;
}

static uint32_t hash32(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

/* Nats-Msg-Id: HOST:DEV:INO:OFFSET:NEXT:HASH (decimal but the hash): the
 * same line of the same file always gets the same id, and the stream's
 * last message tells where its file's lines end (parse_last()). */
static natsStatus set_headers(natsMsg *m, const char *host, const struct sink_line *l,
                              uint32_t raw_hash)
{
    char id[400], off[24];
    snprintf(id, sizeof id, "%s:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%08" PRIx32, host,
             l->dev, l->ino, l->offset, l->next, raw_hash);
    snprintf(off, sizeof off, "%" PRIu64, l->offset);
    natsStatus st = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
    if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Atail-Host", host);
    if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Atail-Path", l->path);
    if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Atail-Offset", off);
    if (st == NATS_OK && l->cut)
        st = natsMsgHeader_Set(m, "Atail-Cut", "1");
    return st;
}

static int nats_publish(struct sink *b, const struct sink_line *l)
{
    struct nats_sink *s = (struct nats_sink *)b;
    if (!nats_ready(b))
        return -EAGAIN;
    struct sink_line line = *l;
    size_t room = HEADER_FIXED + 2 * strlen(s->host) + strlen(l->path);
    size_t max_data = s->max_payload > room ? s->max_payload - room : 1;
    if (line.len > max_data) {
        if (!s->said_cut)
            msg(0,
                "a line of %s at offset %" PRIu64 " is longer than the server takes (%zu "
                "bytes): cut, and marked Atail-Cut (said once)",
                quote_name(0, l->path), l->offset, max_data);
        s->said_cut = true;
        line.len = max_data;
        line.cut = true;
    }
    natsMsg *m = NULL;
    natsStatus st = natsMsg_Create(&m, line.subject, NULL, line.data, (int)line.len);
    if (st == NATS_OK)
        st = set_headers(m, s->host, &line, hash32(l->raw, l->raw_len));
    if (st != NATS_OK) {
        natsMsg_Destroy(m);
        msg(ENOMEM, "cannot publish a line");
        return -ENOMEM;
    }
    struct slot *sl = slot_at(s, s->count); /* FREE: no other thread looks at it */
    sl->msg = m;
    send_slot(s, sl, true);
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
    for (size_t i = 0; i < s->count; i++) {
        struct slot *sl = slot_at(s, i);
        if (sl->state == SLOT_FAILED)
            natsMsg_Destroy(sl->msg);
    }
    free(s->slots);
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

static int nats_last(struct sink *b, const char *subject, struct sink_resume *out);

static const struct sink_ops nats_ops = {
    .last = nats_last,
    .publish = nats_publish,
    .poll = nats_poll,
    .in_flight = nats_in_flight,
    .ready = nats_ready,
    .fd = nats_fd,
    .close = nats_close,
};

/* Options for a connection to cfg->url; on the sink's event loop when
 * `loop`. NULL after saying why. */
static natsOptions *make_opts(struct nats_sink *s, const struct sink_config *cfg, bool loop)
{
    natsOptions *o = nats_opts_new(cfg->url, &cfg->auth);
    if (!o)
        return NULL;
    natsStatus st = NATS_OK;
    if (loop) {
        st = natsOptions_SetEventLoop(o, s, ev_attach, ev_read, ev_write, ev_detach);
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
    natsOptions *o = make_opts(s, cfg, false);
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

static int make_fds(struct nats_sink *s)
{
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    s->wfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->epfd < 0 || s->evfd < 0 || s->tfd < 0 || s->wfd < 0)
        return -1;
    struct epoll_event ack = {.events = EPOLLIN, .data.u32 = TAG_ACK};
    struct epoll_event tim = {.events = EPOLLIN, .data.u32 = TAG_TIMER};
    struct epoll_event wait = {.events = EPOLLIN, .data.u32 = TAG_ACK_WAIT};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->evfd, &ack) < 0 ||
        epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tfd, &tim) < 0 ||
        epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wfd, &wait) < 0)
        return -1;
    return 0;
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
    if (!s->url || !s->host || !s->slots || make_fds(s) < 0) {
        msg(errno ? errno : ENOMEM, "cannot connect to NATS");
        nats_close(&s->base);
        return NULL;
    }
    if (cfg->create_stream && create_stream(s, cfg) < 0) {
        nats_close(&s->base);
        return NULL;
    }
    s->opts = make_opts(s, cfg, true);
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
    jo.PublishAsync.AckHandler = on_ack;
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

/* ---- where a file's lines end in the stream --------------------------- */

/* The control connection: its own (library) threads, for requests that
 * wait for their reply; the event loop's connection would read that reply
 * only once the loop runs again. */
static int ctl_open(struct nats_sink *s)
{
    if (s->ctl_js)
        return 0;
    natsOptions *o = make_opts(s, &s->cfg, false);
    if (!o)
        return -1;
    natsStatus st = natsConnection_Connect(&s->ctl, o);
    if (st == NATS_OK)
        st = natsConnection_JetStream(&s->ctl_js, s->ctl, NULL);
    natsOptions_Destroy(o);
    if (st != NATS_OK) {
        jsCtx_Destroy(s->ctl_js);
        natsConnection_Destroy(s->ctl);
        s->ctl_js = NULL;
        s->ctl = NULL;
        return -1;
    }
    return 0;
}

/* The name of the stream that takes `subject` into buf; 1, 0 for none,
 * -1 when the server did not answer. */
static int stream_of(struct nats_sink *s, const char *subject, char *buf, size_t cap)
{
    char req[600];
    snprintf(req, sizeof req, "{\"subject\":\"%s\"}", subject);
    natsMsg *reply = NULL;
    natsStatus st = natsConnection_RequestString(&reply, s->ctl, "$JS.API.STREAM.NAMES", req, 5000);
    if (st != NATS_OK)
        return -1;
    int found = 0;
    const char *d = natsMsg_GetData(reply);
    const char *p = d ? strstr(d, "\"streams\":[\"") : NULL;
    if (p) {
        p += strlen("\"streams\":[\"");
        const char *q = strchr(p, '"');
        if (q && (size_t)(q - p) < cap) {
            memcpy(buf, p, (size_t)(q - p));
            buf[q - p] = '\0';
            found = 1;
        }
    }
    natsMsg_Destroy(reply);
    return found;
}

/* Reads the Nats-Msg-Id of the stream's last message of a subject
 * (set_headers()). Returns 1, or 0 when it is not one of atail's. */
static int parse_last(natsMsg *m, struct sink_resume *out)
{
    const char *id = NULL;
    if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK || !id)
        return 0;
    const char *p = id + strlen(id);
    for (int k = 0; k < 5; k++) { /* back over DEV:INO:OFFSET:NEXT:HASH */
        while (p > id && p[-1] != ':')
            p--;
        if (p == id)
            return 0;
        p--;
    }
    unsigned long long dev, ino, off, next;
    unsigned hash;
    char tail;
    if ((size_t)(p - id) >= sizeof out->host ||
        sscanf(p, ":%llu:%llu:%llu:%llu:%8x%c", &dev, &ino, &off, &next, &hash, &tail) != 5)
        return 0;
    memcpy(out->host, id, (size_t)(p - id));
    out->host[p - id] = '\0';
    out->dev = dev;
    out->ino = ino;
    out->next = next;
    return 1;
}

static int nats_last(struct sink *b, const char *subject, struct sink_resume *out)
{
    struct nats_sink *s = (struct nats_sink *)b;
    int found = ctl_open(s) < 0 ? -1 : 0;
    char stream[256];
    if (found == 0)
        found = stream_of(s, subject, stream, sizeof stream);
    natsMsg *m = NULL;
    jsErrCode jerr = 0;
    if (found == 1) {
        natsStatus st = js_GetLastMsg(&m, s->ctl_js, stream, subject, NULL, &jerr);
        if (st == NATS_OK)
            found = parse_last(m, out);
        else
            found = jerr == JSNoMessageFoundErr ? 0 : -1;
        natsMsg_Destroy(m);
    }
    if (found < 0 && !s->said_no_resume) {
        s->said_no_resume = true;
        msg(0,
            "warning: cannot ask %s where the lines of subject %s end: lines sent before "
            "may go again (the server drops them within its duplicate window)",
            s->url, quote_arg(0, subject));
    }
    return found < 0 ? 0 : found;
}
