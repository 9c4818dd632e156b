/* nats_common.h - helpers of the end-to-end tests of --to=nats:// (test_nats_*.c),
 * on top of harness.h and cli_common.h: each test starts its own
 * `nats-server -js` on a free loopback port with its store in the test's
 * scratch directory, in that directory, so the suite's .fini
 * (kill_scratch_procs) stops it even when the test fails; streams are
 * made and read back with tools/jstool (the same C client, none of atail's
 * code) and checked with seqcheck. */
#ifndef ATAIL_TEST_NATS_COMMON_H
#define ATAIL_TEST_NATS_COMMON_H

#include "cli_common.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

struct server {
    struct proc *p;
    int port;
    char url[64];
    const char *store; /* its -sd directory */
};

/* A loopback TCP port free now. */
static inline int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* (Re)starts the server of s on its port and store, with the extra
 * arguments `extra` (NULL-terminated, may be NULL), and waits until it
 * takes connections. */
/* Chooses the server's port, URL and store (once). */
static inline void server_prepare(struct server *s)
{
    if (!s->port) {
        s->port = free_port();
        snprintf(s->url, sizeof s->url, "nats://127.0.0.1:%d", s->port);
        s->store = scratch_path("js");
    }
}

static inline void server_start_args(struct server *s, const char *const *extra)
{
    server_prepare(s);
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    const char *argv[24] = {
        "/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p", port, "-sd", s->store};
    size_t n = 8;
    for (size_t i = 0; extra && extra[i] && n < 23; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->p = proc_start(argv, scratch_dir(), PROC_NATIVE);
    cr_assert(proc_wait_stderr(s->p, "Server is ready", WAIT_MS), "nats-server did not start: %s",
              s->p->err.data);
}

static inline void server_start(struct server *s)
{
    server_start_args(s, NULL);
}

/* Stops the server with sig (SIGKILL: a crash) and reaps it. */
static inline void server_stop(struct server *s, int sig)
{
    proc_stop(s->p, sig, WAIT_MS);
    proc_free(s->p);
    s->p = NULL;
}

/* Runs tools/jstool with argv (after the URL) natively; returns the
 * exited process (the caller frees it). */
static inline struct proc *jstool(const struct server *s, const char *const *args)
{
    const char *argv[16] = {bin_path("jstool"), s->url};
    size_t n = 2;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return run_flags(argv, NULL, 0, 60000, PROC_NATIVE);
}

/* Creates a file-stored stream taking `subjects`, with at most max_msgs
 * (0: no limit; else discard new) and a duplicate window of dup_ms (0:
 * the server's 2 minutes). */
static inline void stream_create_with(const struct server *s, const char *name,
                                      const char *subjects, long max_msgs, long dup_ms)
{
    char m[32], d[32];
    snprintf(m, sizeof m, "%ld", max_msgs);
    snprintf(d, sizeof d, "%ld", dup_ms);
    const char *args[] = {"create", name, subjects, m, d, NULL};
    struct proc *p = jstool(s, args);
    if (exit_code(p) != 0 && s->p)
        proc_wait_stderr(s->p, "\n\n\n", 200); /* what the server said meanwhile */
    cr_assert_eq(exit_code(p), 0, "jstool create: %s\nnats-server: %s", p->err.data,
                 s->p ? s->p->err.data : "(not ours)");
    proc_free(p);
}

/* Creates a file-stored stream taking `subjects`. */
static inline void stream_create(const struct server *s, const char *name, const char *subjects)
{
    stream_create_with(s, name, subjects, 0, 0);
}

/* The number of messages in the stream. */
static inline long stream_count(const struct server *s, const char *name)
{
    const char *args[] = {"count", name, NULL};
    struct proc *p = jstool(s, args);
    long n = exit_code(p) == 0 ? strtol(p->out.data, NULL, 10) : -1;
    proc_free(p);
    return n;
}

/* Waits until the stream holds at least n messages; returns how many. */
static inline long stream_wait_count(const struct server *s, const char *name, long n)
{
    long long deadline = now_ms() + 3 * WAIT_MS;
    long c;
    while ((c = stream_count(s, name)) < n && now_ms() < deadline)
        sleep_ms(100);
    return c;
}

/* The stream's messages (jstool dump: data and a newline each; of the
 * subjects `filter` takes, unless NULL), or with `headers`, one line of
 * headers each. The caller frees the process. */
static inline struct proc *stream_dump_filter(const struct server *s, const char *name,
                                              const char *filter, bool headers)
{
    const char *args[] = {headers ? "headers" : "dump", name, filter, NULL};
    struct proc *p = jstool(s, args);
    cr_assert_eq(exit_code(p), 0, "jstool dump: %s", p->err.data);
    return p;
}

static inline struct proc *stream_dump(const struct server *s, const char *name, bool headers)
{
    return stream_dump_filter(s, name, NULL, headers);
}

/* Asserts that seqcheck --expect=`expect` (FIRST-LAST or N) passes on
 * text: every number once, in order unless `any_order`. */
static inline void expect_seq(const char *text, size_t len, const char *expect, bool any_order)
{
    char e[64];
    snprintf(e, sizeof e, "--expect=%s", expect);
    const char *argv[] = {bin_path("seqcheck"), e, any_order ? "--any-order" : NULL, NULL};
    struct proc *c = run_flags(argv, text, len, 60000, PROC_NATIVE);
    cr_assert_eq(exit_code(c), 0, "seqcheck %s: %s%s", expect, c->out.data, c->err.data);
    proc_free(c);
}

/* Asserts that the stream (the subjects `filter` takes, unless NULL)
 * holds the numbers `expect`, each once, in order (an independent read). */
static inline void expect_stream_range(const struct server *s, const char *name, const char *filter,
                                       const char *expect)
{
    struct proc *d = stream_dump_filter(s, name, filter, false);
    expect_seq(d->out.data, d->out.len, expect, false);
    proc_free(d);
}

/* Asserts that the stream holds seq=1..n, each once, in order. */
static inline void expect_stream_seq(const struct server *s, const char *name, long n)
{
    char e[32];
    snprintf(e, sizeof e, "%ld", n);
    expect_stream_range(s, name, NULL, e);
}

/* Starts the server of s and makes the stream LOGS for logs.> with at
 * most max_msgs (0: no limit) and a duplicate window of dup_ms (0: 2 min). */
static inline void server_with_logs(struct server *s, long max_msgs, long dup_ms)
{
    server_start(s);
    stream_create_with(s, "LOGS", "logs.>", max_msgs, dup_ms);
}

/* Starts log_writer writing `count` lines to path at `rate` lines/s. */
static inline struct proc *writer_start(const char *path, long count, long rate)
{
    char c[32], r[32];
    snprintf(c, sizeof c, "%ld", count);
    snprintf(r, sizeof r, "%ld", rate);
    const char *argv[] = {bin_path("log_writer"), "-f", path, "-c", c, "-r", r, NULL};
    return proc_start(argv, scratch_dir(), PROC_NATIVE);
}

/* atail -F -n +1 --to=URL [extra...] PATH */
static inline struct proc *shipper(const struct server *s, const char *path,
                                   const char *const *extra)
{
    char to[96];
    snprintf(to, sizeof to, "--to=%s", s->url);
    const char *argv[24] = {atail(), "-F", "-n", "+1", to};
    size_t n = 5;
    for (size_t i = 0; extra && extra[i] && n < 22; i++)
        argv[n++] = extra[i];
    argv[n++] = path;
    argv[n] = NULL;
    return proc_start(argv, scratch_dir(), 0);
}

#endif
