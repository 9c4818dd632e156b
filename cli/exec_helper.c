/* exec_helper.c - see exec_helper.h. */
#include "exec_helper.h"

#include "output.h"
#include "quote.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* CMakeLists.txt defines both from the install directories; these are
 * its defaults. */
#ifndef ATAIL_LIBEXEC_DIR
#define ATAIL_LIBEXEC_DIR "/usr/local/libexec/atail"
#endif
#ifndef ATAIL_LIBEXEC_FROM_BIN
#define ATAIL_LIBEXEC_FROM_BIN "../libexec/atail"
#endif

#define PLACES 3

/* The running program's directory into buf. */
static int own_dir(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* The places the helper may be, in order, into paths; returns how many. */
static size_t places(char paths[PLACES][PATH_MAX])
{
    char dir[PATH_MAX];
    size_t n = 0;
    if (own_dir(dir, sizeof dir) == 0) {
        int w = snprintf(paths[n], PATH_MAX, "%s/%s", dir, NATS_HELPER);
        n += w > 0 && w < PATH_MAX;
        w = snprintf(paths[n], PATH_MAX, "%s/%s/%s", dir, ATAIL_LIBEXEC_FROM_BIN, NATS_HELPER);
        n += w > 0 && w < PATH_MAX;
    }
    snprintf(paths[n++], PATH_MAX, "%s/%s", ATAIL_LIBEXEC_DIR, NATS_HELPER);
    return n;
}

void exec_nats_helper(char **argv, unsigned held_std)
{
    char paths[PLACES][PATH_MAX];
    size_t n = places(paths);
    for (size_t i = 0; i < n; i++) {
        if (access(paths[i], X_OK) < 0) {
            if (errno == ENOENT)
                continue;
            msg(errno, "cannot run %s", quote_name(0, paths[i]));
            return;
        }
        for (int fd = 0; fd <= 2; fd++)
            if (held_std & (1u << fd))
                close(fd);
        execv(paths[i], argv);
        /* Said only if standard error was open at start. */
        msg(errno, "cannot run %s", quote_name(0, paths[i]));
        return;
    }
    msg(0,
        "NATS support is not installed: no %s beside this program, in %s from it, nor in %s "
        "(it is built when libnats-dev is installed)",
        NATS_HELPER, ATAIL_LIBEXEC_FROM_BIN, ATAIL_LIBEXEC_DIR);
}
