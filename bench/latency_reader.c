/* latency_reader.c - reads a follower's output and measures, for every
 * line that carries a writer's stamp (mono=<CLOCK_MONOTONIC ns>, as written
 * by stamp_writer or log_writer --mono), arrival time minus stamp.
 *
 *   latency_reader [--input PATH] [--count N] [--bytes N] [--idle-exit S]
 *                  [--ready-file PATH] [--end-mark PREFIX] [--sample-last]
 *                  [--writer-report PATH] [--out FILE]
 *
 * Arrival is the CLOCK_MONOTONIC time right after the read() that brought
 * the line's last byte. Latencies go into a log-linear histogram (128 steps
 * per power of two: under 1 % error, constant memory), so any number of
 * lines can be measured. --sample-last parses only the last stamped line of
 * each read (the freshest), for throughput runs where parsing every line
 * would make the reader the bottleneck; lines are still all counted.
 *
 * Lines starting with "probe" are the harness's readiness probes: not
 * measured; the first one creates --ready-file. The reader stops at the
 * first of: N stamped lines (--count), N bytes (--bytes), a line starting
 * with PREFIX (--end-mark: the writer is done), end of input,
 * S seconds without input once something arrived (--idle-exit), SIGTERM.
 * --writer-report PATH (stamp_writer's report, read at exit) keeps the
 * arrival count of every read(), and reports how many stamped lines had
 * arrived when the writer finished (its end_ns): the lag of a follower at
 * the moment the writer stopped.
 *
 * Results: key=value lines to --out FILE (default stdout). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define BUF_CAP (1u << 20)
#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define HALF (SUB / 2)
#define N_BUCKETS (SUB + 58u * HALF)

static volatile sig_atomic_t got_term;

static void on_signal(int sig)
{
    (void)sig;
    got_term = 1;
}

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS + ts.tv_nsec;
}

/* ---- histogram ------------------------------------------------------------ */

struct hist {
    uint64_t b[N_BUCKETS];
    uint64_t n;
    uint64_t min, max;
    long double sum;
};

static unsigned bucket(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - (SUB_BITS - 1);
    return SUB + (shift - 1) * HALF + (unsigned)((v >> shift) - HALF);
}

/* The middle of bucket i, in the value's unit. */
static double bucket_mid(unsigned i)
{
    if (i < SUB)
        return i;
    unsigned shift = (i - SUB) / HALF + 1;
    uint64_t lo = ((uint64_t)((i - SUB) % HALF) + HALF) << shift;
    return (double)lo + (double)(1ull << shift) / 2.0;
}

static void hist_add(struct hist *h, uint64_t v)
{
    h->b[bucket(v)]++;
    if (!h->n || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->n++;
    h->sum += v;
}

static double hist_pct(const struct hist *h, double p)
{
    if (!h->n)
        return 0;
    uint64_t rank = (uint64_t)(p / 100.0 * (double)(h->n - 1)) + 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < N_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            double m = bucket_mid(i);
            if (m > (double)h->max)
                m = (double)h->max;
            if (m < (double)h->min)
                m = (double)h->min;
            return m;
        }
    }
    return (double)h->max;
}

/* ---- reading -------------------------------------------------------------- */

struct opts {
    const char *input, *ready_file, *out, *end_mark, *writer_report;
    size_t end_len;
    uint64_t count, bytes;
    double idle_exit;
    bool sample_last;
};

struct state {
    struct hist h;
    uint64_t lines, stamped, probes, bytes;
    long long first_ns, last_ns, last_lat;
    long long *tl_ns; /* per read(): arrival time and stamped lines so far */
    uint64_t *tl_stamped;
    size_t tl_len, tl_cap;
    bool ready, ended;
};

static void usage(void)
{
    fputs("usage: latency_reader [--input PATH] [--count N] [--bytes N] [--idle-exit S]\n"
          "                      [--ready-file PATH] [--end-mark PREFIX] [--sample-last]\n"
          "                      [--writer-report PATH] [--out FILE]\n",
          stderr);
    exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--sample-last") == 0) {
            o->sample_last = true;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--input") == 0)
            o->input = v;
        else if (strcmp(a, "--count") == 0)
            o->count = strtoull(v, NULL, 10);
        else if (strcmp(a, "--bytes") == 0)
            o->bytes = strtoull(v, NULL, 10);
        else if (strcmp(a, "--idle-exit") == 0)
            o->idle_exit = strtod(v, NULL);
        else if (strcmp(a, "--ready-file") == 0)
            o->ready_file = v;
        else if (strcmp(a, "--out") == 0)
            o->out = v;
        else if (strcmp(a, "--writer-report") == 0)
            o->writer_report = v;
        else if (strcmp(a, "--end-mark") == 0) {
            o->end_mark = v;
            o->end_len = strlen(v);
        } else
            usage();
    }
}

/* The stamp of a line (at its start, or anywhere after a space), or -1. */
static long long stamp_of(const char *p, size_t len)
{
    const char *m = p;
    if (len < 5 || memcmp(p, "mono=", 5) != 0) {
        const char *sp = memmem(p, len, " mono=", 6);
        if (!sp)
            return -1;
        m = sp + 1;
    }
    const char *end = p + len;
    long long v = 0;
    const char *d = m + 5;
    if (d >= end || *d < '0' || *d > '9')
        return -1;
    for (; d < end && *d >= '0' && *d <= '9'; d++)
        v = v * 10 + (*d - '0');
    return v;
}

static void on_probe(struct state *s, const struct opts *o)
{
    s->probes++;
    if (s->ready || !o->ready_file)
        return;
    s->ready = true;
    int fd = open(o->ready_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

static void measure(struct state *s, long long stamp, long long now)
{
    long long lat = now - stamp;
    if (lat < 0)
        lat = 0;
    hist_add(&s->h, (uint64_t)lat);
    s->last_lat = lat;
}

/* Handles the complete lines of buf[0..len); returns the bytes consumed. */
static size_t scan(struct state *s, const struct opts *o, const char *buf, size_t len,
                   long long now)
{
    const char *p = buf, *end = buf + len;
    const char *last = NULL;
    size_t last_len = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        size_t n = (size_t)(nl - p);
        s->lines++;
        if (n >= 5 && p[0] == 'm' && memcmp(p, "mono=", 5) == 0) {
            s->stamped++;
            if (o->sample_last) {
                last = p;
                last_len = n;
            } else {
                measure(s, stamp_of(p, n), now);
            }
        } else if (n >= 5 && memcmp(p, "probe", 5) == 0) {
            on_probe(s, o);
        } else if (o->end_mark && n >= o->end_len && memcmp(p, o->end_mark, o->end_len) == 0) {
            s->ended = true;
            p = nl + 1;
            break;
        } else {
            long long st = stamp_of(p, n);
            if (st >= 0) {
                s->stamped++;
                measure(s, st, now);
            }
        }
        p = nl + 1;
        if (o->count && s->stamped >= o->count)
            break;
    }
    if (last)
        measure(s, stamp_of(last, last_len), now);
    return (size_t)(p - buf);
}

static void timeline_add(struct state *s, long long now)
{
    if (s->tl_len == s->tl_cap) {
        size_t cap = s->tl_cap ? s->tl_cap * 2 : 4096;
        long long *t = realloc(s->tl_ns, cap * sizeof *t);
        if (t)
            s->tl_ns = t;
        uint64_t *c = realloc(s->tl_stamped, cap * sizeof *c);
        if (c)
            s->tl_stamped = c;
        if (!t || !c)
            return;
        s->tl_cap = cap;
    }
    s->tl_ns[s->tl_len] = now;
    s->tl_stamped[s->tl_len++] = s->stamped;
}

/* end_ns from the writer's report, or 0. */
static long long writer_end(const struct opts *o)
{
    if (!o->writer_report)
        return 0;
    FILE *f = fopen(o->writer_report, "r");
    if (!f)
        return 0;
    char line[256];
    long long v = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "end_ns=", 7) == 0)
            v = strtoll(line + 7, NULL, 10);
    fclose(f);
    return v;
}

static void report(const struct state *s, const struct opts *o)
{
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "latency_reader: %s: %s\n", o->out, strerror(errno));
        f = stdout;
    }
    const struct hist *h = &s->h;
    fprintf(f, "lines=%" PRIu64 "\nstamped=%" PRIu64 "\nprobes=%" PRIu64 "\nbytes=%" PRIu64 "\n",
            s->lines, s->stamped, s->probes, s->bytes);
    fprintf(f, "first_ns=%lld\nlast_ns=%lld\n", s->first_ns, s->last_ns);
    fprintf(f, "ended=%d\n", s->ended ? 1 : 0);
    fprintf(f, "samples=%" PRIu64 "\n", h->n);
    if (h->n) {
        fprintf(f, "p50_us=%.3f\np90_us=%.3f\np99_us=%.3f\np999_us=%.3f\n", hist_pct(h, 50) / 1e3,
                hist_pct(h, 90) / 1e3, hist_pct(h, 99) / 1e3, hist_pct(h, 99.9) / 1e3);
        fprintf(f, "min_us=%.3f\nmax_us=%.3f\nmean_us=%.3f\nlast_us=%.3f\n", (double)h->min / 1e3,
                (double)h->max / 1e3, (double)(h->sum / (long double)h->n) / 1e3,
                (double)s->last_lat / 1e3);
    }
    long long wend = writer_end(o);
    if (wend > 0 && s->tl_len) {
        uint64_t at = 0;
        for (size_t i = 0; i < s->tl_len && s->tl_ns[i] <= wend; i++)
            at = s->tl_stamped[i];
        fprintf(f, "writer_end_ns=%lld\nat_writer_end=%" PRIu64 "\n", wend, at);
    }
    if (f != stdout)
        fclose(f);
    else
        fflush(f);
}

int main(int argc, char **argv)
{
    struct opts o;
    parse(argc, argv, &o);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: read() returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = 0;
    if (o.input && (fd = open(o.input, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "latency_reader: %s: %s\n", o.input, strerror(errno));
        return 1;
    }
    static struct state s;
    char *buf = malloc(BUF_CAP);
    if (!buf)
        return 1;
    size_t have = 0;
    for (;;) {
        if (got_term)
            break;
        if (o.idle_exit > 0 && s.bytes > 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int r = poll(&p, 1, (int)(o.idle_exit * 1000));
            if (r < 0 && errno == EINTR)
                continue;
            if (r == 0)
                break;
        }
        if (have == BUF_CAP)
            have = 0; /* a line longer than the buffer: drop it */
        ssize_t n = read(fd, buf + have, BUF_CAP - have);
        long long now = mono_ns();
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!s.first_ns)
            s.first_ns = now;
        s.last_ns = now;
        s.bytes += (uint64_t)n;
        have += (size_t)n;
        size_t used = scan(&s, &o, buf, have, now);
        if (o.writer_report)
            timeline_add(&s, now);
        memmove(buf, buf + used, have - used);
        have -= used;
        if (o.count && s.stamped >= o.count)
            break;
        if (s.ended)
            break;
        if (o.bytes && s.bytes >= o.bytes)
            break;
    }
    report(&s, &o);
    free(buf);
    return 0;
}
