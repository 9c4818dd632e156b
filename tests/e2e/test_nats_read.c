/* End-to-end tests of atail nats://HOST:PORT/STREAM, reading the central
 * log back: the last N messages, a subject filter, JSON with host and
 * path, following, and resuming with --state after the last message
 * printed. Streams are filled by atail --to (nats_common.h). */
#include "nats_common.h"

TestSuite(nats_read, .fini = kill_scratch_procs, .timeout = 120);

/* Ships log_writer lines first..first+n-1 of `name` and waits until the
 * stream holds `total`. */
static void ship_lines(struct server *s, const char *name, long first, long n, long total)
{
    const char *path = scratch_path(name);
    char c[32], st[32];
    snprintf(c, sizeof c, "%ld", n);
    snprintf(st, sizeof st, "%ld", first);
    const char *argv[] = {
        bin_path("log_writer"), "-f", path, "-c", c, "--start", st, "-i", "0", NULL};
    struct proc *w = run_flags(argv, NULL, 0, WAIT_MS, PROC_NATIVE);
    cr_assert_eq(exit_code(w), 0);
    proc_free(w);
    struct proc *a = shipper(s, path, NULL);
    cr_assert_eq(stream_wait_count(s, "LOGS", total), total, "atail: %s", a->err.data);
    stop_by(a, SIGTERM);
    proc_free(a);
}

static struct proc *reader(const struct server *s, const char *const *extra)
{
    char url[96];
    snprintf(url, sizeof url, "%s/LOGS", s->url);
    const char *argv[16] = {atail()};
    size_t n = 1;
    for (size_t i = 0; extra && extra[i] && n < 14; i++)
        argv[n++] = extra[i];
    argv[n++] = url;
    argv[n] = NULL;
    return proc_start(argv, scratch_dir(), 0);
}

/* Runs the reader to its end; returns it (exit status 0 asserted). */
static struct proc *read_all(const struct server *s, const char *const *extra)
{
    struct proc *p = reader(s, extra);
    cr_assert(proc_wait_exit(p, WAIT_MS), "reader did not end: %s", p->err.data);
    cr_assert_eq(exit_code(p), 0, "reader: %s", p->err.data);
    return p;
}

/* The seq=N fields of the lines of out, as "N N ...". */
static char *seqs(const char *out)
{
    static char buf[4096];
    size_t n = 0;
    for (const char *p = out; (p = strstr(p, "seq=")) != NULL && n + 24 < sizeof buf; p += 4)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%ld", n ? " " : "",
                              strtol(p + 4, NULL, 10));
    buf[n] = '\0';
    return buf;
}

Test(nats_read, last_n_and_json)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    ship_lines(&s, "app.log", 1, 100, 100);
    const char *n5[] = {"-n", "5", NULL};
    struct proc *p = read_all(&s, n5);
    cr_assert_str_eq(seqs(p->out.data), "96 97 98 99 100");
    cr_assert_eq(p->out.len - strlen(p->out.data), 0);
    proc_free(p);
    const char *from[] = {"-n", "+99", NULL};
    p = read_all(&s, from);
    cr_assert_str_eq(seqs(p->out.data), "99 100");
    proc_free(p);
    const char *js[] = {"-n", "1", "--output=json", NULL};
    p = read_all(&s, js);
    char want[600];
    snprintf(want, sizeof want, "\"path\":\"%s\",\"offset\":", scratch_path("app.log"));
    cr_assert(strncmp(p->out.data, "{\"line\":\"", 9) == 0, "%s", p->out.data);
    cr_assert_not_null(strstr(p->out.data, " seq=100\",\"subject\":\"logs."), "%s", p->out.data);
    cr_assert_not_null(strstr(p->out.data, want), "%s", p->out.data);
    cr_assert_not_null(strstr(p->out.data, ",\"seq\":100,\"host\":\""), "%s", p->out.data);
    proc_free(p);
}

Test(nats_read, subject_filter)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    ship_lines(&s, "a.log", 1, 10, 10);
    ship_lines(&s, "b.log", 101, 10, 20);
    const char *b3[] = {"-n", "3", "--subject=logs.*.b_log", NULL};
    struct proc *p = read_all(&s, b3);
    cr_assert_str_eq(seqs(p->out.data), "108 109 110");
    proc_free(p);
    const char *a2[] = {"-n", "+9", "--subject=logs.*.a_log", NULL};
    p = read_all(&s, a2);
    cr_assert_str_eq(seqs(p->out.data), "9 10");
    proc_free(p);
}

/* -f prints what comes; SIGTERM with --state saves the last message
 * printed; the next run starts after it: every line once. */
Test(nats_read, follow_and_resume_with_state)
{
    struct server s = {0};
    server_with_logs(&s, 0, 0);
    ship_lines(&s, "app.log", 1, 20, 20);
    const char *f[] = {"-f", "-n", "+1", "--state=rs", NULL};
    struct proc *p = reader(&s, f);
    cr_assert(proc_wait_count(p, '\n', 20, WAIT_MS), "%s", p->err.data);
    ship_lines(&s, "more.log", 21, 30, 50);
    cr_assert(proc_wait_count(p, '\n', 50, WAIT_MS), "%s", p->err.data);
    stop_by(p, SIGTERM);
    char *first = strdup(p->out.data);
    proc_free(p);
    ship_lines(&s, "last.log", 51, 30, 80);
    const char *again[] = {"-n", "5", "--state=rs", NULL}; /* -n is for a first run */
    p = read_all(&s, again);
    size_t n = strlen(first) + p->out.len + 1;
    char *all = malloc(n);
    snprintf(all, n, "%s%s", first, p->out.data);
    expect_seq(all, strlen(all), "80", false);
    free(all);
    free(first);
    proc_free(p);
}

Test(nats_read, bad_streams)
{
    struct server s = {0};
    server_start(&s);
    char url[96];
    snprintf(url, sizeof url, "%s/NOPE", s.url);
    const char *argv[] = {atail(), url, NULL};
    struct proc *p = run(argv, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 1);
    cr_assert_not_null(strstr(p->err.data, "atail: no stream "), "%s", p->err.data);
    proc_free(p);
    const char *argv2[] = {atail(), s.url, NULL};
    p = run(argv2, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 1);
    cr_assert_not_null(strstr(p->err.data, "atail: invalid stream "), "%s", p->err.data);
    proc_free(p);
    const char *argv3[] = {atail(), "-c", "5", url, NULL};
    p = run(argv3, NULL, 0, WAIT_MS);
    cr_assert_eq(exit_code(p), 1);
    cr_assert_not_null(strstr(p->err.data, "-c does not apply"), "%s", p->err.data);
    proc_free(p);
}
