/* exec_helper.c - see exec_helper.h. */
#include "exec_helper.h"

#include "output.h"
#include "quote.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef ATAIL_LIBEXEC_DIR
#error "ATAIL_LIBEXEC_DIR: the directory atail-nats is installed in (CMakeLists.txt)"
#endif

/* The helper's path in the running program's directory into buf. */
static int beside_self(char *buf, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    int w = snprintf(buf, cap, "%s/%s", self, NATS_HELPER);
    return w > 0 && (size_t)w < cap ? 0 : -1;
}

void exec_nats_helper(char **argv, unsigned held_std)
{
    char beside[PATH_MAX];
    const char *where[2];
    size_t n = 0;
    if (beside_self(beside, sizeof beside) == 0)
        where[n++] = beside;
    where[n++] = ATAIL_LIBEXEC_DIR "/" NATS_HELPER;
    for (size_t i = 0; i < n; i++) {
        if (access(where[i], X_OK) < 0) {
            if (errno == ENOENT)
                continue;
            msg(errno, "cannot run %s", quote_name(0, where[i]));
            return;
        }
        for (int fd = 0; fd <= 2; fd++)
            if (held_std & (1u << fd))
                close(fd);
        execv(where[i], argv);
        /* Said only if standard error was open at start. */
        msg(errno, "cannot run %s", quote_name(0, where[i]));
        return;
    }
    msg(0,
        "NATS support is not installed: no %s beside this program nor in %s (it is built "
        "when libnats-dev is installed)",
        NATS_HELPER, ATAIL_LIBEXEC_DIR);
}
