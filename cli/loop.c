/* loop.c - the event loop: drain the library until it has nothing now,
 * write what the drain produced (one batch), then wait for any of
 *
 *   atail_fd()          the library may have news
 *   standard output     a pipe whose reader left polls POLLERR: atail ends
 *                       at once even when no data comes (as GNU tail does)
 *   the signalfd        SIGINT, SIGTERM, SIGHUP with --state or --spawn
 *                       (and SIGCHLD with --spawn: orphans are reaped)
 *   the sink's fd       --to: its connection's socket and acknowledgments
 *                       (ship.c); while its window is full, only it (and
 *                       signals) are waited for: nothing is read
 *
 * and end when the library says nothing will ever come (every file ended,
 * or the --pid / --spawn process died and what it wrote is out). */
#include "json_out.h"
#include "output.h"
#include "run.h"
#include "ship.h"
#include "sink.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

/* Every file has ended (or none could be added). */
static int finish(struct run *r)
{
    int s = r->n_initial > 0 ? events_reach(r, r->n_initial - 1) : 0;
    if (s)
        return s;
    if (r->o->follow) {
        /* GNU: with -f, running out of files other than a standard input
         * pipe (which is never followed) is worth saying. */
        for (size_t i = 0; i < r->n; i++) {
            if (!r->ents[i].stdin_pipe) {
                msg(0, "no files remaining");
                return STOP_FAILED;
            }
        }
    }
    return STOP_DONE;
}

int loop_wait(struct run *r, bool library)
{
    struct pollfd pf[4];
    nfds_t n = 0, lib = 0, out = 0, sig = 0, snk = 0;
    if (library) {
        lib = n + 1;
        pf[n++] = (struct pollfd){.fd = atail_fd(r->t), .events = POLLIN};
    }
    if (r->sink) {
        snk = n + 1;
        pf[n++] = (struct pollfd){.fd = sink_fd(r->sink), .events = POLLIN};
    }
    if (r->monitor_stdout) {
        /* events 0: a pipe whose reader has gone polls POLLERR all the same */
        out = n + 1;
        pf[n++] = (struct pollfd){.fd = STDOUT_FILENO, .events = 0};
    }
    if (r->sigfd >= 0) {
        sig = n + 1;
        pf[n++] = (struct pollfd){.fd = r->sigfd, .events = POLLIN};
    }
    int p = poll(pf, n, -1);
    if (p < 0) {
        if (errno == EINTR)
            return 0;
        msg(errno, "error waiting for events");
        return STOP_FAILED;
    }
    if (sig && pf[sig - 1].revents) {
        int s = events_signals(r);
        if (s)
            return s;
    }
    if (out && pf[out - 1].revents)
        return STOP_PIPE;
    if (snk && pf[snk - 1].revents) {
        int s = ship_step(r, true);
        if (s)
            return s;
    }
    if (r->json && lib && pf[lib - 1].revents)
        json_out_stamp(r->json); /* what comes now is read now */
    return 0;
}

int loop_run(struct run *r)
{
    if (r->n_ids == 0 && !r->has_globs)
        return finish(r); /* nothing could be followed */
    for (;;) {
        if (r->sink && ship_blocked(r)) {
            /* The window is full (or must drain for a checkpoint): the
             * file is the buffer. */
            int s = loop_wait(r, false);
            if (s)
                return s;
            continue;
        }
        struct atail_event ev;
        int n = atail_next(r->t, &ev);
        if (n == 1) {
            int s = events_handle(r, &ev);
            if (s)
                return s;
            continue;
        }
        int s = events_commit(r); /* the batch goes out */
        if (s)
            return s;
        if (n == 0 && r->sink && (s = ship_drain(r)) != 0)
            return s; /* what was published is stored before the end */
        if (n == 0) {
            /* Files still followed: the --pid or --spawn process died, and
             * what it wrote has been output. */
            if (r->pid_watched && (r->live > 0 || r->has_globs))
                return STOP_DONE;
            return finish(r);
        }
        if (n != -EAGAIN) {
            msg(-n, "error following files");
            return STOP_FAILED;
        }
        if (r->pid_dead && r->initial_complete)
            return STOP_DONE; /* GNU: output what is there, then exit */
        s = loop_wait(r, true);
        if (s)
            return s;
    }
}
