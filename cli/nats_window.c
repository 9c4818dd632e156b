/* nats_window.c - the window of messages in flight: at most `window`,
 * each in a slot of a ring in publishing order. The ring advances over
 * acknowledged slots only, so in_flight() is 0 exactly when everything
 * published is stored.
 *
 * A negative acknowledgment (no stream, stream full), a timeout (no answer
 * ACK_WAIT_MS after the oldest message was sent: every message still
 * waiting is taken back) or a refused publish marks the slot failed:
 * publishing stops (the file is the buffer), the reason is said once, and
 * after a backoff (100 ms doubling to 5 s) the failed messages are sent
 * again, in order, with the same Nats-Msg-Id: a message that was stored
 * after all is dropped by the server's duplicate window. */
#include "sink_nats.h"

#include "output.h"
#include "quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>

static struct slot *slot_at(struct nats_sink *s, size_t i)
{
    return &s->slots[(s->tail + i) % s->cap];
}

/* Marks a SENT slot failed (under mu): its message is ours again. */
static void fail_slot(struct nats_sink *s, struct slot *sl, natsStatus err, jsErrCode code,
                      const char *text)
{
    sl->state = SLOT_FAILED;
    sl->err = err;
    sl->code = code;
    snprintf(sl->text, sizeof sl->text, "%s", text && *text ? text : natsStatus_GetText(err));
    s->failed++;
    s->sent--;
}

void nats_window_on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
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
        fail_slot(s, sl, pae->Err, pae->ErrCode, pae->ErrText);
        m = NULL; /* kept to be sent again */
    } else if (sl) {
        sl->state = SLOT_ACKED;
        sl->msg = NULL;
        s->sent--;
    }
    pthread_mutex_unlock(&s->mu);
    natsMsg_Destroy(m);
    nats_evloop_wake(s);
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
    fail_slot(s, sl, st, 0, NULL);
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
    if (!nats_connected(s) || losses != s->losses_seen) {
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
    if (sent == 0 && nats_connected(s))
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
                fail_slot(s, c, NATS_TIMEOUT, 0, NULL);
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

void nats_window_send(struct nats_sink *s, natsMsg *m)
{
    struct slot *sl = slot_at(s, s->count); /* FREE: no other thread looks at it */
    sl->msg = m;
    send_slot(s, sl, true);
}

void nats_window_settle(struct nats_sink *s, bool due, bool waited)
{
    watch_acks(s, waited);
    recover(s, due);
}

bool nats_window_ready(const struct nats_sink *s)
{
    /* No new message while failed ones wait to go again: order. */
    return s->count < s->cap && !s->retry_armed && s->failed == 0 && !s->settling &&
           nats_connected(s);
}

void nats_window_free(struct nats_sink *s)
{
    for (size_t i = 0; s->slots && i < s->count; i++) {
        struct slot *sl = slot_at(s, i);
        if (sl->state == SLOT_FAILED)
            natsMsg_Destroy(sl->msg);
    }
    free(s->slots);
    s->slots = NULL;
}
