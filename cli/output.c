/* output.c - see output.h. */
#include "output.h"

#include "quote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Whether a header has been written yet: the first one has no blank line
 * before it. */
static bool header_written;
static bool stdout_closed;
/* What diagnostics call the program (program_name_set()). */
static const char *prog_name = PROGRAM_NAME;

void program_name_set(const char *argv0)
{
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    const char *base = slash ? slash + 1 : argv0;
    prog_name = base && *base ? base : PROGRAM_NAME;
}

const char *program_name(void)
{
    return prog_name;
}

void out_stdout_closed(void)
{
    stdout_closed = true;
}

void msg(int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fputs(prog_name, stderr);
    fputs(": ", stderr);
    /* clang-tidy 14 reports ap as uninitialized only when it analyzes
     * several files in one run: a false positive. */
    vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    if (errnum)
        fprintf(stderr, ": %s", strerror(errnum));
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

/* Waits until standard output takes data again (it may have been left
 * non-blocking by whoever gave it to us). */
static int wait_writable(void)
{
    struct pollfd pf = {.fd = STDOUT_FILENO, .events = POLLOUT};
    for (;;) {
        int r = poll(&pf, 1, -1);
        if (r >= 0 || errno != EINTR)
            return r < 0 ? -errno : 0;
    }
}

/* Writes every byte of iov[0..n), resuming after short writes. */
static int write_all(struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(STDOUT_FILENO, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                int r = wait_writable();
                if (r < 0)
                    return r;
                continue;
            }
            return -errno;
        }
        size_t done = (size_t)w;
        while (n > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return 0;
}

int out_write(const char *name, const void *data, size_t len)
{
    struct iovec iov[4];
    int n = 0;
    if (name) {
        if (header_written)
            iov[n++] = (struct iovec){.iov_base = "\n==> ", .iov_len = 5};
        else
            iov[n++] = (struct iovec){.iov_base = "==> ", .iov_len = 4};
        iov[n++] = (struct iovec){.iov_base = (void *)name, .iov_len = strlen(name)};
        iov[n++] = (struct iovec){.iov_base = " <==\n", .iov_len = 5};
        header_written = true;
    }
    if (len > 0)
        iov[n++] = (struct iovec){.iov_base = (void *)data, .iov_len = len};
    int r = stdout_closed ? -EBADF : write_all(iov, n);
    if (r < 0 && r != -EPIPE)
        msg(-r, "error writing %s", quote_name(0, "standard output"));
    return r;
}

void out_widen_pipe(void)
{
    enum { WANT = 256 * 1024 };
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) < 0 || !S_ISFIFO(st.st_mode))
        return;
    int size = fcntl(STDOUT_FILENO, F_GETPIPE_SZ);
    if (size >= 0 && size < WANT)
        (void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, WANT); /* EPERM past the user's limit: kept */
}
