/* backends.h - unit tests that run on both backends: BACKENDS(suite, test)
 * declares a test run twice, with *poll false (inotify) and true (stat
 * polling), each run in a scratch directory of its own (scratch.h);
 * open_backend() opens a handle on the backend a run is given. */
#ifndef ATAIL_TESTS_BACKENDS_H
#define ATAIL_TESTS_BACKENDS_H

#include "scratch.h"

#include <atail.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdbool.h>

#define BACKENDS(suite, test)                                                                      \
    ParameterizedTestParameters(suite, test)                                                       \
    {                                                                                              \
        static bool poll[] = {false, true};                                                        \
        return cr_make_param_array(bool, poll, 2);                                                 \
    }                                                                                              \
    ParameterizedTest(bool *poll, suite, test, .init = setup, .fini = teardown, .timeout = 60)

/* A handle on inotify, or on polling every 20 ms, that waits rotate_grace_ms
 * for a rotated file's last lines. */
static atail *open_backend(bool poll, unsigned rotate_grace_ms)
{
    struct atail_options o;
    atail_options_init(&o);
    o.rotate_grace_ms = rotate_grace_ms;
    if (poll) {
        o.flags |= ATAIL_OPEN_POLL;
        o.poll_interval_ms = 20;
    }
    atail *t;
    cr_assert_eq(atail_open(&t, &o), 0);
    return t;
}

#endif
