/* End-to-end tests of atail --to=nats:// (shipping lines to NATS
 * JetStream) against a real nats-server started by each test
 * (nats_common.h): every line once and in order, headers, JSON records,
 * no stream, the server killed and restarted, the window (the file is the
 * buffer), a server unreachable at start, bad options. */
#include "nats_common.h"

#include <sys/stat.h>
#include <unistd.h>

TestSuite(nats_ship, .fini = kill_scratch_procs, .timeout = 240);

static char host_token[300];

/* This host's name as a subject token. */
static const char *host_tok(void)
{
    char h[256];
    cr_assert_eq(gethostname(h, sizeof h), 0);
    h[255] = '\0';
    size_t i = 0;
    for (; h[i]; i++) {
        char c = h[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        host_token[i] = ok ? c : '_';
    }
    host_token[i] = '\0';
    return host_token;
}

Test(nats_ship, every_line_once_in_order_with_headers)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    const char *path = scratch_path("app.log");
    const long n = harness_valgrind() ? 5000 : 20000; /* valgrind: slower */
    struct proc *w = writer_start(path, n, 20000);
    struct proc *a = shipper(&s, path, NULL);
    cr_assert_eq(stream_wait_count(&s, "LOGS", n), n, "atail: %s", a->err.data);
    cr_assert(proc_wait_exit(w, WAIT_MS));
    expect_stream_seq(&s, "LOGS", n);

    struct proc *h = stream_dump(&s, "LOGS", true);
    char want[600];
    snprintf(want, sizeof want, "logs.%s.app_log\tAtail-Host=", host_tok());
    cr_assert(strncmp(h->out.data, want, strlen(want)) == 0, "first message: %.300s", h->out.data);
    snprintf(want, sizeof want, "\tAtail-Path=%s\tAtail-Offset=0\t", path);
    cr_assert_not_null(strstr(h->out.data, want), "first message: %.300s", h->out.data);
    cr_assert_not_null(strstr(h->out.data, "\tNats-Msg-Id="), "%.300s", h->out.data);
    proc_free(h);
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
    server_stop(&s, SIGTERM);
}

Test(nats_ship, json_records)
{
    struct server s = {0};
    server_start(&s);
    stream_create(&s, "J", "j.*");
    const char *path = scratch_path("j.log");
    write_str(path, "one\ntwo \"quoted\"\n");
    const char *extra[] = {"--subject=j.{file}", "--output=json", NULL};
    struct proc *a = shipper(&s, path, extra);
    cr_assert_eq(stream_wait_count(&s, "J", 2), 2, "atail: %s", a->err.data);
    struct proc *d = stream_dump(&s, "J", false);
    char want[1200];
    snprintf(want, sizeof want,
             "{\"line\":\"one\",\"path\":\"%s\",\"offset\":0}\n"
             "{\"line\":\"two \\\"quoted\\\"\",\"path\":\"%s\",\"offset\":4}\n",
             path, path);
    cr_assert_str_eq(d->out.data, want);
    proc_free(d);
    stop_by(a, SIGTERM);
    proc_free(a);
}

Test(nats_ship, no_stream_is_said_then_lines_go_once_it_exists)
{
    struct server s = {0};
    server_start(&s);
    const char *path = scratch_path("app.log");
    struct proc *w = writer_start(path, 3000, 3000);
    struct proc *a = shipper(&s, path, NULL);
    char want[400];
    snprintf(want, sizeof want, "logs.%s.app_log", host_tok());
    expect_stderr(a, "atail: no JetStream stream takes subject ", "no stream");
    expect_stderr(a, want, "no stream");
    cr_assert_not_null(strstr(a->err.data, "operator must create one"), "%s", a->err.data);
    stream_create(&s, "LOGS", "logs.>");
    cr_assert_eq(stream_wait_count(&s, "LOGS", 3000), 3000, "atail: %s", a->err.data);
    expect_stream_seq(&s, "LOGS", 3000);
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
}

/* While the server does not answer (stopped), atail reads no more than
 * its window: what it has read stays bounded whatever the file holds.
 * Then everything arrives. */
Test(nats_ship, window_full_stops_reading)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    const char *path = scratch_path("app.log");
    const char *extra[] = {"--window=100", NULL};
    write_str(path, "seq=0 first\n");
    struct proc *a = shipper(&s, path, extra);
    cr_assert_eq(stream_wait_count(&s, "LOGS", 1), 1, "atail: %s", a->err.data);
    /* What atail has read so far (under valgrind, valgrind's own reading
     * of the program and its libraries too) is the baseline. */
    long long read0 = proc_read_total(a->pid);
    cr_assert_eq(kill(s.p->pid, SIGSTOP), 0);
    struct proc *w = writer_start(path, 50000, 50000);
    cr_assert(proc_wait_exit(w, 3 * WAIT_MS));
    sleep_ms(500); /* what atail would read, it reads now */
    long long read = proc_read_total(a->pid) - read0;
    /* 50000 lines of ~60 bytes are 3 MB; the window holds 100 lines, the
     * library reads 128 KiB at a time. */
    cr_assert_lt(read, 1024 * 1024, "atail read %lld bytes with the server stopped", read);
    cr_assert_eq(kill(s.p->pid, SIGCONT), 0);
    cr_assert_eq(stream_wait_count(&s, "LOGS", 50001), 50001, "atail: %s", a->err.data);
    expect_stream_range(&s, "LOGS", NULL, "0-50000");
    stop_by(a, SIGTERM);
    proc_free(a);
    proc_free(w);
}

Test(nats_ship, server_unreachable_at_start)
{
    int port = free_port();
    char to[64];
    snprintf(to, sizeof to, "--to=nats://127.0.0.1:%d", port);
    const char *path = scratch_path("f");
    write_str(path, "x\n");
    const char *argv[] = {atail(), "-n", "+1", to, path, NULL};
    struct proc *p = run(argv, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 1);
    char want[96];
    snprintf(want, sizeof want, "atail: cannot connect to nats://127.0.0.1:%d: ", port);
    cr_assert_not_null(strstr(p->err.data, want), "%s", p->err.data);
    proc_free(p);
}

Test(nats_ship, bad_options)
{
    const char *bad[][3] = {
        {"--to=http://x", "atail: invalid destination: ", NULL},
        {"--to=nats://127.0.0.1:1", "--subject=a..b", "atail: invalid subject: "},
        {"--to=nats://127.0.0.1:1", "--subject=a.*", "atail: invalid subject: "},
        {"--window=10", "atail: --create-stream and --window go with --to", NULL},
        {"--to=nats://127.0.0.1:1", "--window=0", "atail: invalid window: "},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *want = bad[i][2] ? bad[i][2] : bad[i][1];
        const char *argv[] = {atail(), bad[i][0], bad[i][2] ? bad[i][1] : "/dev/null", "/dev/null",
                              NULL};
        struct proc *p = run(argv, NULL, 0, WAIT_MS);
        cr_assert_eq(exit_code(p), 1, "%s: %s", bad[i][0], p->err.data);
        cr_assert_not_null(strstr(p->err.data, want), "%s: %s", bad[i][0], p->err.data);
        proc_free(p);
    }
}

/* The copytruncate round under valgrind, where atail runs far behind a
 * writer that rotates on its own: the truncation would drop what atail has
 * not read yet (copytruncate's own loss, not atail's). So each of the 5
 * parts of the n lines (numbered from `first`) is written at once, and
 * once atail has shipped it (the stream holds `shipped` + its lines), the
 * file is copied and truncated; the next part is written once atail has
 * said it saw the truncation (a part as long as the last, written before,
 * could hide it). */
static void copytruncate_in_steps(const struct server *s, struct proc *a, const char *path, long n,
                                  long shipped)
{
    const long part = n / 5;
    for (long k = 0; k < 5; k++) {
        char count[24], start[24];
        snprintf(count, sizeof count, "%ld", part);
        snprintf(start, sizeof start, "%ld", 1 + k * part);
        const char *argv[] = {
            bin_path("log_writer"), "-f", path, "-c", count, "--start", start, "-i", "0", NULL};
        struct proc *w = run_flags(argv, NULL, 0, WAIT_MS, PROC_NATIVE);
        cr_assert_eq(exit_code(w), 0, "log_writer: %s", w->err.data);
        proc_free(w);
        shipped += part;
        cr_assert_eq(stream_wait_count(s, "LOGS", shipped), shipped, "part %ld: atail: %s", k,
                     a->err.data);
        if (k == 4)
            break;
        char cmd[900];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s.%ld' && : > '%s'", path, path, k + 1, path);
        struct proc *c = run_sh(cmd, WAIT_MS);
        cr_assert_eq(exit_code(c), 0, "%s: %s", cmd, c->err.data);
        proc_free(c);
        cr_assert(proc_wait_stderr(a, ": file truncated", WAIT_MS), "part %ld: atail: %s", k,
                  a->err.data);
        a->err.len = 0; /* the next truncation is said anew */
        a->err.data[0] = '\0';
    }
}

/* Rotation while shipping: rename every 2,000 of 10,000 lines (valgrind:
 * 400 of 2,000), then copytruncate (valgrind: copytruncate_in_steps()):
 * every line once, in order, under the name's one subject. */
Test(nats_ship, rotation_while_shipping)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    /* Under valgrind (slower), a fifth as many lines. */
    const long n = harness_valgrind() ? 2000 : 10000;
    char count[24], every[40];
    snprintf(count, sizeof count, "%ld", n);
    snprintf(every, sizeof every, "--rotate-every=%ld", n / 5);
    const char *modes[] = {"rename", "copytruncate"};
    for (int m = 0; m < 2; m++) {
        char name[32], subj[64], rot[32];
        snprintf(name, sizeof name, "r%d.log", m);
        snprintf(subj, sizeof subj, "--subject=logs.{file}.%d", m);
        snprintf(rot, sizeof rot, "--rotate=%s", modes[m]);
        const char *path = scratch_path(name);
        /* atail ships a first line before the writer starts: it reads the
         * file before any rotation (a slow start, under valgrind, would
         * otherwise open a later generation). */
        write_str(path, "seq=0 start\n");
        const char *extra[] = {subj, NULL};
        struct proc *a = shipper(&s, path, extra);
        long base = (n + 1) * m;
        cr_assert_eq(stream_wait_count(&s, "LOGS", base + 1), base + 1, "atail: %s", a->err.data);
        const char *argv[] = {bin_path("log_writer"),
                              "-f",
                              path,
                              "-c",
                              count,
                              "-r",
                              "5000",
                              rot,
                              every,
                              "--keep=10",
                              NULL};
        struct proc *w = NULL;
        if (m == 1 && harness_valgrind()) {
            copytruncate_in_steps(&s, a, path, n, base + 1);
        } else {
            w = proc_start(argv, scratch_dir(), PROC_NATIVE);
            cr_assert(proc_wait_exit(w, 3 * WAIT_MS));
        }
        cr_assert_eq(stream_wait_count(&s, "LOGS", base + n + 1), base + n + 1, "%s: atail: %s",
                     modes[m], a->err.data);
        char filter[64];
        snprintf(filter, sizeof filter, "logs.r%d_log.%d", m, m);
        /* copytruncate may lose what is written between the copy and the
         * truncation (log_writer says which); none here: 0 delay */
        char range[32];
        snprintf(range, sizeof range, "0-%ld", n);
        expect_stream_range(&s, "LOGS", filter, range);
        stop_by(a, SIGTERM);
        proc_free(a);
        proc_free(w);
    }
}

/* --glob over 100 files: each file's lines under its own subject, every
 * line once; a file's lines in order. */
Test(nats_ship, glob_of_100_files)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    char dir[300];
    snprintf(dir, sizeof dir, "%s", scratch_path("d"));
    cr_assert_eq(mkdir(dir, 0755), 0);
    char glob[320];
    snprintf(glob, sizeof glob, "--glob=%s/*.log", dir);
    char to[96];
    snprintf(to, sizeof to, "--to=%s", s.url);
    const char *argv[] = {atail(), "-F", "-n", "+1", to, glob, NULL};
    struct proc *a = proc_start(argv, scratch_dir(), 0);
    for (int i = 0; i < 100; i++) {
        char path[400], text[4096];
        snprintf(path, sizeof path, "%s/f%03d.log", dir, i);
        size_t n = 0;
        for (int j = 1; j <= 30; j++)
            n += (size_t)snprintf(text + n, sizeof text - n, "seq=%d f%03d\n", i * 30 + j, i);
        write_str(path, text);
    }
    cr_assert_eq(stream_wait_count(&s, "LOGS", 3000), 3000, "atail: %s", a->err.data);
    struct proc *d = stream_dump(&s, "LOGS", false);
    expect_seq(d->out.data, d->out.len, "3000", true);
    proc_free(d);
    expect_stream_range(&s, "LOGS", "logs.*.f042_log", "1261-1290");
    stop_by(a, SIGTERM);
    proc_free(a);
}

/* --max-lines=N with --to: atail exits (status 0, as without --to) once N
 * lines are published and acknowledged, sends nothing more although the
 * file holds more, and its state file carries on from there. */
Test(nats_ship, max_lines_ends_once_acknowledged)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    const char *path = scratch_path("m.log");
    char text[2000];
    size_t len = 0;
    for (int i = 1; i <= 100; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "seq=%d\n", i);
    write_str(path, text);
    char state[320];
    snprintf(state, sizeof state, "--state=%s", scratch_path("m.state"));
    const char *extra[] = {"--max-lines=30", state, NULL};
    for (long round = 1; round <= 2; round++) {
        struct proc *a = shipper(&s, path, extra);
        cr_assert(proc_wait_exit(a, WAIT_MS), "round %ld: --max-lines=30 did not end atail: %s",
                  round, a->err.data);
        cr_assert_eq(exit_code(a), 0, "round %ld: %s", round, a->err.data);
        /* Exactly 30 more: acknowledged before the exit, none after. */
        cr_assert_eq(stream_count(&s, "LOGS"), 30 * round, "round %ld: %s", round, a->err.data);
        char range[16];
        snprintf(range, sizeof range, "1-%ld", 30 * round);
        expect_stream_range(&s, "LOGS", NULL, range);
        proc_free(a);
    }
    server_stop(&s, SIGTERM);
}
