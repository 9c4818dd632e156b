/* atail hands NATS command lines to atail-nats (cli/exec_helper.h), so
 * that following files never loads libnats and OpenSSL. Without the
 * helper, a NATS command line fails clearly; with it, test_nats_* run
 * through it. */
#include "harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAIT_MS 5000

/* A copy of atail alone in a directory: no atail-nats beside it. */
static const char *lonely_atail(void)
{
    const char *dir = scratch_path("lonely"), *copy = scratch_path("lonely/atail");
    struct buf b = {0};
    read_file(bin_path("atail"), &b);
    cr_assert_eq(mkdir(dir, 0755), 0);
    write_file(copy, b.data, b.len);
    buf_free(&b);
    cr_assert_eq(chmod(copy, 0755), 0);
    return copy;
}

static void fails_without_helper(const char *const argv[])
{
    struct proc *p = run(argv, NULL, 0, WAIT_MS);
    const char *want = "atail: NATS support is not installed: no atail-nats beside this program";
    cr_expect(strncmp(p->err.data, want, strlen(want)) == 0, "stderr: %s", p->err.data);
    cr_expect_eq(p->out.len, 0, "stdout: %s", p->out.data);
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
}

Test(cli_nats_helper, nats_command_lines_need_atail_nats)
{
    const char *a = lonely_atail(), *f = scratch_path("app.log");
    write_str(f, "1\n");
    fails_without_helper((const char *const[]){a, "--to=nats://127.0.0.1:1", f, NULL});
    fails_without_helper((const char *const[]){a, "nats://127.0.0.1:1/LOGS", NULL});
    /* Everything else runs as before. */
    struct proc *p = run((const char *const[]){a, f, NULL}, NULL, 0, WAIT_MS);
    cr_expect_str_eq(p->out.data, "1\n");
    cr_expect_eq(exit_code(p), 0);
    proc_free(p);
}

/* No libnats, libssl or libcrypto in a follower's address space. */
Test(cli_nats_helper, following_files_loads_no_nats_library)
{
    const char *f = scratch_path("app.log");
    write_str(f, "first\n");
    struct proc *p = proc_start((const char *const[]){bin_path("atail"), "-f", f, NULL}, NULL, 0);
    cr_assert(proc_wait_output(p, "first\n", WAIT_MS * harness_slowdown()), "no output");
    char maps_path[64];
    snprintf(maps_path, sizeof maps_path, "/proc/%d/maps", (int)p->pid);
    struct buf maps = {0};
    read_file(maps_path, &maps);
    cr_assert_gt(maps.len, 0);
    cr_expect_null(strstr(maps.data, "libnats"), "libnats is mapped");
    cr_expect_null(strstr(maps.data, "libssl"), "libssl is mapped");
    cr_expect_null(strstr(maps.data, "libcrypto"), "libcrypto is mapped");
    buf_free(&maps);
    proc_stop(p, SIGTERM, WAIT_MS * harness_slowdown());
    cr_expect_eq(exit_code(p), 128 + SIGTERM);
    proc_free(p);
}
