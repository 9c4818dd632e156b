/* loop.c - the event loop: drain the library until it has nothing now,
 * write what the drain produced (one batch), then wait for any of
 *
 *   atail_fd()          the library may have news
 *   standard output     a pipe whose reader left polls POLLERR: atail ends
 *                       at once even when no data comes (as GNU tail does)
 *   the signalfd        SIGINT, SIGTERM, SIGHUP with --state or --spawn
 *                       (and SIGCHLD with --spawn: orphans are reaped)
 *
 * and end when the library says nothing will ever come (every file ended,
 * or the --pid / --spawn process died and what it wrote is out). */
#include "json_out.h"
#include "output.h"
#include "run.h"

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

/* Waits until the library, the reader of standard output or a signal has
 * news. */
static int wait_events(struct run *r)
{
    struct pollfd pf[3] = {{.fd = atail_fd(r->t), .events = POLLIN}};
    nfds_t n = 1, out = 0, sig = 0;
    if (r->monitor_stdout) {
        /* events 0: a pipe whose reader has gone polls POLLERR all the same */
        out = n;
        pf[n++] = (struct pollfd){.fd = STDOUT_FILENO, .events = 0};
    }
    if (r->sigfd >= 0) {
        sig = n;
        pf[n++] = (struct pollfd){.fd = r->sigfd, .events = POLLIN};
    }
    int p = poll(pf, n, -1);
    if (p < 0) {
        if (errno == EINTR)
            return 0;
        msg(errno, "error waiting for events");
        return STOP_FAILED;
    }
    if (sig && pf[sig].revents) {
        int s = events_signals(r);
        if (s)
            return s;
    }
    if (out && pf[out].revents)
        return STOP_PIPE;
    if (r->json)
        json_out_stamp(r->json); /* what comes now is read now */
    return 0;
}

int loop_run(struct run *r)
{
    if (r->n_ids == 0 && !r->has_globs)
        return finish(r); /* nothing could be followed */
    for (;;) {
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
        s = wait_events(r);
        if (s)
            return s;
    }
}
