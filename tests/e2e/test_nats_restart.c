/* End-to-end tests of --to=nats:// across restarts: atail asks the stream
 * where each file's lines end (the last message of its subject) and sends
 * nothing the stream holds, even past the server's duplicate window; atail
 * killed (SIGKILL) ten times while a writer runs; the server killed and
 * restarted twice (file store). Each stream is read back independently
 * and checked with seqcheck: every line once, in order. */
#include "nats_common.h"

#include <time.h>

TestSuite(nats_restart, .fini = kill_scratch_procs, .timeout = 280);

/* The duplicate window of the streams of these tests: short, so that
 * only atail's resumption can keep lines from going twice. */
#define DUP_MS 1000

/* A restart after the duplicate window has passed resends nothing (on the
 * old code, without the stream asked, every line went twice). */
Test(nats_restart, nothing_twice_after_the_duplicate_window)
{
    struct server s = {0};
    server_with_logs(&s, 0, 200);
    const char *path = scratch_path("app.log");
    struct proc *w = writer_start(path, 1000, 100000);
    cr_assert(proc_wait_exit(w, WAIT_MS));
    proc_free(w);
    struct proc *a = shipper(&s, path, NULL);
    cr_assert_eq(stream_wait_count(&s, "LOGS", 1000), 1000, "atail: %s", a->err.data);
    stop_by(a, SIGTERM);
    proc_free(a);
    sleep_ms(600); /* three duplicate windows */
    const char *argv[] = {
        bin_path("log_writer"), "-f", path, "-c", "500", "--start", "1001", "-i", "0", NULL};
    w = run_flags(argv, NULL, 0, WAIT_MS, PROC_NATIVE);
    cr_assert_eq(exit_code(w), 0);
    proc_free(w);
    a = shipper(&s, path, NULL); /* -n +1: the whole file again */
    cr_assert_eq(stream_wait_count(&s, "LOGS", 1500), 1500, "atail: %s", a->err.data);
    sleep_ms(500); /* a line sent twice would show now */
    expect_stream_seq(&s, "LOGS", 1500);
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* 100,000 lines at 10,000 lines/s; atail SIGKILLed 10 times at random
 * moments and started again at once, with a state file saved every 3 s
 * (so it lags what the stream holds). */
Test(nats_restart, atail_killed_ten_times)
{
    struct server s = {0};
    server_with_logs(&s, 0, DUP_MS);
    const char *path = scratch_path("app.log");
    const char *extra[] = {"--state=st", "--state-interval=3", NULL};
    const long lines = harness_valgrind() ? 20000 : 100000;
    const long rate = harness_valgrind() ? 2000 : 10000;
    struct proc *w = writer_start(path, lines, rate);
    unsigned seed = (unsigned)time(NULL);
    srand(seed);
    struct proc *a = shipper(&s, path, extra);
    for (int k = 0; k < 10; k++) {
        sleep_ms((200 + rand() % 800) * harness_slowdown());
        cr_assert(running(a), "atail ended (round %d): %s", k, a->err.data);
        proc_stop(a, SIGKILL, WAIT_MS);
        proc_free(a);
        a = shipper(&s, path, extra);
    }
    cr_assert(proc_wait_exit(w, 3 * WAIT_MS));
    cr_assert_eq(stream_wait_count(&s, "LOGS", lines), lines, "seed %u; atail: %s", seed,
                 a->err.data);
    sleep_ms(DUP_MS); /* a line sent twice would show now */
    expect_stream_seq(&s, "LOGS", lines);
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
}

/* The server killed (SIGKILL) twice mid-stream and started again on its
 * file store: atail reconnects, and what was not acknowledged goes again
 * (the duplicate window drops what was stored after all). */
Test(nats_restart, server_killed_twice)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    const char *path = scratch_path("app.log");
    struct proc *w = writer_start(path, 30000, 5000);
    struct proc *a = shipper(&s, path, NULL);
    for (long k = 1; k <= 2; k++) {
        cr_assert_geq(stream_wait_count(&s, "LOGS", 8000 * k), 8000 * k, "atail: %s", a->err.data);
        server_stop(&s, SIGKILL);
        sleep_ms(800);
        server_start(&s);
    }
    cr_assert(proc_wait_exit(w, 3 * WAIT_MS));
    cr_assert_eq(stream_wait_count(&s, "LOGS", 30000), 30000, "atail: %s", a->err.data);
    expect_stream_seq(&s, "LOGS", 30000);
    cr_assert(running(a), "atail ended: %s", a->err.data);
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
}

/* A server that holds the connection and answers nothing (SIGSTOP) past
 * the acknowledgment wait (5 s): atail says so, takes back what waits,
 * and once the server answers again sends it again in order; the
 * duplicate window drops what the server had stored: every line once. */
Test(nats_restart, server_silent_past_the_ack_wait)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    const char *path = scratch_path("app.log");
    struct proc *w = writer_start(path, 6000, 2000);
    struct proc *a = shipper(&s, path, NULL);
    cr_assert_geq(stream_wait_count(&s, "LOGS", 500), 500, "atail: %s", a->err.data);
    cr_assert_eq(kill(s.p->pid, SIGSTOP), 0);
    bool said = proc_wait_stderr(a, "atail: no acknowledgment from ", 3 * WAIT_MS);
    cr_assert_eq(kill(s.p->pid, SIGCONT), 0);
    cr_assert(said, "no timeout said: %s", a->err.data);
    cr_assert(proc_wait_exit(w, 3 * WAIT_MS));
    cr_assert_eq(stream_wait_count(&s, "LOGS", 6000), 6000, "atail: %s", a->err.data);
    sleep_ms(500); /* a line sent twice would show now */
    expect_stream_seq(&s, "LOGS", 6000);
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
    server_stop(&s, SIGTERM);
}
