/* scratch.h - a scratch directory per test for the unit tests that work on
 * real files: setup() makes it, teardown() removes it (criterion's .init
 * and .fini), path() names a file in it, put() and put_bytes() write one.
 * Header-only: each test file is its own program. */
#ifndef ATAIL_TESTS_SCRATCH_H
#define ATAIL_TESTS_SCRATCH_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/atail-unit-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* dir/name, in one of 8 rotating buffers (a call can take several). */
static const char *path(const char *name)
{
    static char p[8][160];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

/* Writes len bytes at data to dir/name, opened with O_WRONLY | O_CREAT |
 * flags. */
static void put_bytes(const char *name, const void *data, size_t len, int flags)
{
    int fd = open(path(name), O_WRONLY | O_CREAT | flags, 0644);
    cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* Writes the string s to dir/name, as put_bytes() does. */
static void put(const char *name, const char *s, int flags)
{
    put_bytes(name, s, strlen(s), flags);
}

#endif
