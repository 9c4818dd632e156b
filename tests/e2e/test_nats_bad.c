/* End-to-end tests of --to=nats:// with bad input: the server not there
 * yet (--retry waits), a line longer than the server's max_payload (cut,
 * marked, said), a full stream (said, retried, nothing dropped) and the
 * stream deleted while atail runs (said; the lines go once a stream takes
 * the subject again). */
#include "nats_common.h"

TestSuite(nats_bad, .fini = kill_scratch_procs, .timeout = 120);

Test(nats_bad, retry_waits_for_the_server)
{
    struct server s = {0};
    server_prepare(&s);
    const char *path = scratch_path("app.log");
    write_str(path, "seq=1 early\n");
    char to[96];
    snprintf(to, sizeof to, "--to=%s", s.url);
    const char *argv[] = {atail(), "-f", "--retry", "-n", "+1", to, path, NULL};
    struct proc *a = proc_start(argv, scratch_dir(), 0);
    expect_stderr(a, "cannot connect to nats://127.0.0.1:", "not yet");
    expect_stderr(a, ": retrying", "retrying");
    /* Said by atail, not again by atail-nats that it hands over to. */
    const char *warning = "warning: --retry only effective for the initial open";
    const char *first = strstr(a->err.data, warning);
    cr_assert(first && !strstr(first + 1, warning), "once: %s", a->err.data);
    server_with_logs(&s, 0, 0);
    append_str(path, "seq=2 later\n");
    cr_assert_eq(stream_wait_count(&s, "LOGS", 2), 2, "atail: %s", a->err.data);
    expect_stream_seq(&s, "LOGS", 2);
    stop_by(a, SIGTERM);
    proc_free(a);
}

Test(nats_bad, line_longer_than_max_payload_is_cut)
{
    struct server s = {0};
    write_str(scratch_path("small.conf"), "max_payload: 2048\n");
    const char *conf[] = {"-c", scratch_path("small.conf"), NULL};
    server_start_args(&s, conf);
    stream_create(&s, "LOGS", "logs.>");
    const char *path = scratch_path("app.log");
    char big[6000];
    memset(big, 'x', sizeof big);
    memcpy(big, "seq=2 ", 6);
    big[sizeof big - 1] = '\0';
    write_str(path, "seq=1 short\n");
    append_str(path, big);
    append_str(path, "\nseq=3 short\n");
    struct proc *a = shipper(&s, path, NULL);
    cr_assert_eq(stream_wait_count(&s, "LOGS", 3), 3, "atail: %s", a->err.data);
    expect_stderr(a, "is longer than the server takes", "cut");
    expect_stream_seq(&s, "LOGS", 3);
    struct proc *h = stream_dump(&s, "LOGS", true);
    const char *second = strchr(h->out.data, '\n') + 1;
    cr_assert_not_null(strstr(second, "Atail-Cut=1"), "%s", h->out.data);
    const char *len = strstr(second, "len=");
    cr_assert(len && strtol(len + 4, NULL, 10) < 2048, "%s", h->out.data);
    proc_free(h);
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* A stream limited to 5 messages (discard new): the sixth is refused,
 * said and retried; once the stream is replaced by one without a limit,
 * lines 6-10 arrive, once and in order. Deleting the stream under atail
 * is said as no stream taking the subject. */
Test(nats_bad, full_stream_then_deleted_and_replaced)
{
    struct server s = {0};
    server_with_logs(&s, 5, 0);
    const char *path = scratch_path("app.log");
    struct proc *w = writer_start(path, 10, 1000);
    struct proc *a = shipper(&s, path, NULL);
    expect_stderr(a, "atail: cannot store a line in subject ", "full");
    expect_stderr(a, "; retrying", "full");
    cr_assert_eq(stream_count(&s, "LOGS"), 5);
    const char *del[] = {"delete", "LOGS", NULL};
    struct proc *d = jstool(&s, del);
    cr_assert_eq(exit_code(d), 0, "%s", d->err.data);
    proc_free(d);
    expect_stderr(a, "atail: no JetStream stream takes subject ", "deleted");
    stream_create(&s, "LOGS2", "logs.>");
    cr_assert_eq(stream_wait_count(&s, "LOGS2", 5), 5, "atail: %s", a->err.data);
    expect_stream_range(&s, "LOGS2", NULL, "6-10");
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
}
