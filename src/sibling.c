/* sibling.c - a followed file's siblings: finding, among the entries of its
 * directory named like it plus a suffix, one a predicate accepts (a rotated
 * copy by content, a parked file moved away by identity). */
#include "sibling.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int sibling_find(const struct file *f, sibling_match *match, void *ctx)
{
    DIR *d = f->dir ? opendir(f->dir) : NULL;
    if (!d)
        return -1;
    size_t blen = strlen(f->base);
    int found = -1;
    const struct dirent *de;
    while (found < 0 && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, f->base, blen) != 0 || de->d_name[blen] == '\0')
            continue;
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
            continue;
        if (match(fd, ctx))
            found = fd;
        else
            close(fd);
    }
    closedir(d);
    return found;
}
