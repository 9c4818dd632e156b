/* stream_state.c - see stream_state.h. */
#include "stream_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "atail-stream-state 1\n"

int stream_state_load(const char *path, const char *stream, uint64_t *seq)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    char line[512], name[300];
    uint64_t v = 0;
    int r = -EBADMSG;
    if (fgets(line, sizeof line, f) && strcmp(line, MAGIC) == 0 && fgets(line, sizeof line, f) &&
        sscanf(line, "%299s %" SCNu64, name, &v) == 2)
        r = strcmp(name, stream) == 0 ? 1 : 0;
    fclose(f);
    if (r == 1)
        *seq = v;
    return r;
}

/* Makes a rename into path's directory durable: without it a crash can
 * bring back the state before the rename (checkpoint.c does the same). */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == path ? strdup("/")
                : slash       ? strndup(path, (size_t)(slash - path))
                              : strdup(".");
    if (!dir)
        return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
}

int stream_state_save(const char *path, const char *stream, uint64_t seq)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp)
        return -ENOMEM;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmpXXX", 8);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int r = fd < 0 ? -errno : 0;
    if (r == 0) {
        char buf[400];
        int len = snprintf(buf, sizeof buf, MAGIC "%s %" PRIu64 "\n", stream, seq);
        if (len < 0 || (size_t)len >= sizeof buf)
            r = -ENAMETOOLONG;
        else if (write(fd, buf, (size_t)len) != len || fsync(fd) < 0)
            r = errno ? -errno : -EIO;
        if (close(fd) < 0 && r == 0)
            r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
            r = -errno;
        if (r == 0)
            sync_dir_of(path);
        if (r < 0)
            unlink(tmp);
    }
    free(tmp);
    return r;
}
