/* nats_evloop.c - the NATS connection on the CLI's event loop
 * (natsOptions_SetEventLoop): libnats starts no read thread; its socket
 * sits in the sink's epoll set with the read and write interest libnats
 * asks for (attach, read, write, detach: libnats' threads may call them),
 * beside the eventfd the acknowledgment handler writes and two timerfds
 * (the retry backoff, the acknowledgment wait). The CLI's loop polls the
 * set's descriptor; nats_evloop_run() then reads and writes the socket in
 * the CLI's thread (natsConnection_ProcessReadEvent/WriteEvent). */
#include "sink_nats.h"

#include "output.h"

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { TAG_SOCK = 1, TAG_ACK, TAG_TIMER, TAG_ACK_WAIT };

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

/* libnats wants (add) or no longer wants reads or writes. */
static natsStatus want(struct nats_sink *s, bool write, bool add)
{
    pthread_mutex_lock(&s->mu);
    if (write)
        s->want_write = add;
    else
        s->want_read = add;
    set_interest(s);
    pthread_mutex_unlock(&s->mu);
    return NATS_OK;
}

static natsStatus ev_read(void *user, bool add)
{
    return want(user, false, add);
}

static natsStatus ev_write(void *user, bool add)
{
    return want(user, true, add);
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

natsStatus nats_evloop_set(natsOptions *o, struct nats_sink *s)
{
    return natsOptions_SetEventLoop(o, s, ev_attach, ev_read, ev_write, ev_detach);
}

void nats_evloop_wake(struct nats_sink *s)
{
    if (atomic_exchange(&s->woken, true))
        return; /* the loop has not read the last one yet */
    uint64_t one = 1;
    ssize_t w = write(s->evfd, &one, sizeof one);
    (void)w; /* a full counter is readable all the same */
}

int nats_evloop_fds(struct nats_sink *s)
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

int nats_evloop_run(struct nats_sink *s, bool *due, bool *waited)
{
    struct epoll_event evs[4];
    int n = epoll_wait(s->epfd, evs, 4, 0);
    if (n < 0 && errno != EINTR) {
        int e = errno;
        msg(e, "error waiting for the NATS connection");
        return -e;
    }
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
             * slot before, and nats_window_settle() then sees the mark. */
            (void)!read(s->evfd, &v, sizeof v);
            atomic_store(&s->woken, false);
            break;
        case TAG_TIMER:
            (void)!read(s->tfd, &v, sizeof v);
            *due = true;
            break;
        case TAG_ACK_WAIT:
            (void)!read(s->wfd, &v, sizeof v);
            *waited = true;
            break;
        default:
            break;
        }
    }
    return 0;
}
