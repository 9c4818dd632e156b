/* scratch.h - a scratch directory per test for the unit tests that work on
 * real files: setup() makes it, teardown() removes it (criterion's .init
 * and .fini), path() names a file in it, put() writes one. Header-only:
 * each test file is its own program. */
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

/* Writes s to dir/name, opened with O_WRONLY | O_CREAT | flags. */
static void put(const char *name, const char *s, int flags)
{
    int fd = open(path(name), O_WRONLY | O_CREAT | flags, 0644);
    cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
    cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
}

#endif
