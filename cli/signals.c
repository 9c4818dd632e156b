/* signals.c - see signals.h. */
#include "signals.h"

#include <errno.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const int caught[] = {SIGINT, SIGTERM, SIGHUP};

int signals_catch(sigset_t *old, bool children)
{
    sigset_t set;
    sigemptyset(&set);
    if (children)
        sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
        struct sigaction sa;
        if (sigaction(caught[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
            sigaddset(&set, caught[i]);
    }
    if (sigprocmask(SIG_BLOCK, &set, old) < 0)
        return -1;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, old, NULL);
        errno = e;
    }
    return fd;
}

int signals_take(int fd)
{
    struct signalfd_siginfo si;
    ssize_t n;
    do {
        n = read(fd, &si, sizeof si);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
}

void signals_die(int signo)
{
    signal(signo, SIG_DFL);
    raise(signo); /* pending while blocked */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    _exit(128 + signo); /* not reached unless the signal is held elsewhere */
}
