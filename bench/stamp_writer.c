/* stamp_writer.c - the benchmark suite's writer: appends fixed-size lines
 * that carry their own CLOCK_MONOTONIC write time, at a paced rate or as
 * fast as possible, to one file or to random files of a set.
 *
 *   stamp_writer [--file PATH | --dir DIR --nfiles N] [--rate LINES_PER_S]
 *                [--count N] [--duration S] [--size BYTES] [--batch]
 *                [--format mono|log] [--seed N] [--report FILE]
 *
 * mono lines (default) are "mono=<19 digits> seq=<12 digits> xxx...\n",
 * SIZE bytes in all (default 100): the stamp is taken immediately before
 * the write() that carries the line, so arrival minus stamp is the latency
 * of the whole path from the writer's system call to the reader. Lines are
 * written one write() each, as a line-buffered logger does; --batch (the
 * default with --rate 0) packs the lines due into writes of up to 64 KiB
 * with one stamp per write. Pacing follows an absolute schedule (line k is
 * due at start + k / rate), so writing time does not make the rate drift;
 * lines that fell behind are written at once.
 *
 * log lines ("2026-11-26T01:25:07.123+0000 seq=N xxx...\n", log_writer's
 * format) serve to generate the catch-up file.
 *
 * --dir DIR --nfiles N appends each line to DIR/fNNNNN.log chosen at
 * random (a xorshift generator seeded by --seed): the many-files workload.
 * The report (--report FILE, key=value) gives lines, bytes, start_ns,
 * end_ns (after the last write) and the achieved rate. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define BATCH_CAP (64u * 1024u)
#define MONO_OFF 5 /* "mono=" */
#define MONO_W 19
#define SEQ_OFF 29 /* "mono=<19> seq=" */
#define SEQ_W 12
#define MONO_MIN 43 /* header, a space, the newline */

struct cfg {
    const char *file, *dir;
    long nfiles;
    double rate;
    uint64_t count; /* 0: no limit */
    double duration;
    size_t size;
    bool batch, log_format;
    uint64_t seed;
    const char *report;
};

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS + ts.tv_nsec;
}

static void sleep_until(long long t)
{
    struct timespec ts = {.tv_sec = t / NS, .tv_nsec = t % NS};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void put_digits(char *p, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Adds one to a fixed-width ASCII decimal counter. */
static void incr_digits(char *p, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        if (p[i] != '9') {
            p[i]++;
            return;
        }
        p[i] = '0';
    }
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void usage(void)
{
    fputs("usage: stamp_writer [--file PATH | --dir DIR --nfiles N] [--rate R] [--count N]\n"
          "                    [--duration S] [--size BYTES] [--batch] [--format mono|log]\n"
          "                    [--seed N] [--report FILE]\n",
          stderr);
    exit(2);
}

static void parse(int argc, char **argv, struct cfg *c)
{
    *c = (struct cfg){.size = 100, .seed = 88172645463325252ull};
    bool batch_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--batch") == 0) {
            c->batch = batch_given = true;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--file") == 0)
            c->file = v;
        else if (strcmp(a, "--dir") == 0)
            c->dir = v;
        else if (strcmp(a, "--nfiles") == 0)
            c->nfiles = strtol(v, NULL, 10);
        else if (strcmp(a, "--rate") == 0)
            c->rate = strtod(v, NULL);
        else if (strcmp(a, "--count") == 0)
            c->count = strtoull(v, NULL, 10);
        else if (strcmp(a, "--duration") == 0)
            c->duration = strtod(v, NULL);
        else if (strcmp(a, "--size") == 0)
            c->size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "log") == 0)
                c->log_format = true;
            else if (strcmp(v, "mono") != 0)
                usage();
        } else if (strcmp(a, "--seed") == 0)
            c->seed = strtoull(v, NULL, 10) | 1;
        else if (strcmp(a, "--report") == 0)
            c->report = v;
        else
            usage();
    }
    if (!c->file == !c->dir || (c->dir && c->nfiles <= 0))
        usage();
    if (c->size < MONO_MIN || c->size > BATCH_CAP)
        usage();
    if (!c->count && c->duration <= 0)
        usage();
    if (c->rate <= 0 && !batch_given)
        c->batch = true;
    if (c->dir)
        c->batch = false;
}

struct out {
    int *fds;
    long n;
    uint64_t rng;
};

static int open_outputs(const struct cfg *c, struct out *o)
{
    o->n = c->dir ? c->nfiles : 1;
    o->rng = c->seed;
    o->fds = calloc((size_t)o->n, sizeof *o->fds);
    if (!o->fds)
        return -1;
    for (long i = 0; i < o->n; i++) {
        char path[4096];
        if (c->dir)
            snprintf(path, sizeof path, "%s/f%05ld.log", c->dir, i);
        else
            snprintf(path, sizeof path, "%s", c->file);
        o->fds[i] = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (o->fds[i] < 0) {
            fprintf(stderr, "stamp_writer: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int out_fd(struct out *o)
{
    return o->n == 1 ? o->fds[0] : o->fds[xorshift(&o->rng) % (uint64_t)o->n];
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "stamp_writer: write: %s\n", strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- line formats -------------------------------------------------------- */

struct fmt {
    const struct cfg *c;
    char seq[SEQ_W]; /* the next sequence number, ASCII */
    uint64_t next_seq;
    time_t log_sec;
    char log_head[64];
    char log_zone[16];
};

/* Formats line next_seq at p (c->size bytes) with its stamp digits left for
 * stamp_line(), or for log lines with the current time. */
static void format_line(struct fmt *f, char *p)
{
    const struct cfg *c = f->c;
    size_t n;
    if (c->log_format) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (ts.tv_sec != f->log_sec || !f->log_head[0]) {
            struct tm tm;
            localtime_r(&ts.tv_sec, &tm);
            strftime(f->log_head, sizeof f->log_head, "%Y-%m-%dT%H:%M:%S", &tm);
            strftime(f->log_zone, sizeof f->log_zone, "%z", &tm);
            f->log_sec = ts.tv_sec;
        }
        n = (size_t)snprintf(p, c->size, "%s.%03ld%s seq=%" PRIu64, f->log_head,
                             ts.tv_nsec / 1000000, f->log_zone, f->next_seq);
    } else {
        memcpy(p, "mono=", 5);
        memcpy(p + SEQ_OFF - 5, " seq=", 5);
        memcpy(p + SEQ_OFF, f->seq, SEQ_W);
        n = SEQ_OFF + SEQ_W;
    }
    if (n + 1 < c->size) {
        p[n] = ' ';
        memset(p + n + 1, 'x', c->size - n - 2);
    }
    p[c->size - 1] = '\n';
    incr_digits(f->seq, SEQ_W);
    f->next_seq++;
}

static void stamp_line(const struct fmt *f, char *p, const char *digits)
{
    if (!f->c->log_format)
        memcpy(p + MONO_OFF, digits, MONO_W);
}

/* ---- main loop ------------------------------------------------------------ */

int main(int argc, char **argv)
{
    struct cfg c;
    parse(argc, argv, &c);
    struct out o = {0};
    if (open_outputs(&c, &o) < 0)
        return 1;
    size_t cap = c.batch ? BATCH_CAP - BATCH_CAP % c.size : c.size;
    char *buf = malloc(cap);
    if (!buf)
        return 1;
    struct fmt f = {.c = &c, .next_seq = 1};
    put_digits(f.seq, 1, SEQ_W);

    long long t0 = mono_ns();
    long long t_end = c.duration > 0 ? t0 + (long long)(c.duration * 1e9) : 0;
    uint64_t done = 0, bytes = 0;
    char digits[MONO_W];
    int rc = 0;
    for (;;) {
        if (c.count && done >= c.count)
            break;
        long long now = mono_ns();
        if (t_end && now >= t_end)
            break;
        uint64_t want;
        if (c.rate > 0) {
            uint64_t due = (uint64_t)((double)(now - t0) * c.rate / 1e9) + 1;
            if (c.count && due > c.count)
                due = c.count;
            if (due <= done) {
                long long at = t0 + (long long)((double)done * 1e9 / c.rate);
                if (t_end && at > t_end)
                    at = t_end;
                sleep_until(at);
                continue;
            }
            want = due - done;
        } else {
            want = c.count ? c.count - done : UINT64_MAX;
        }
        if (c.batch) {
            size_t len = 0;
            while (want > 0 && len + c.size <= cap) {
                format_line(&f, buf + len);
                len += c.size;
                want--;
            }
            put_digits((char *)digits, (uint64_t)mono_ns(), MONO_W);
            for (size_t off = 0; off < len; off += c.size)
                stamp_line(&f, buf + off, digits);
            if (write_all(o.fds[0], buf, len) < 0) {
                rc = 1;
                break;
            }
            done += len / c.size;
            bytes += len;
        } else {
            while (want > 0) {
                format_line(&f, buf);
                int fd = out_fd(&o);
                put_digits((char *)digits, (uint64_t)mono_ns(), MONO_W);
                stamp_line(&f, buf, digits);
                if (write_all(fd, buf, c.size) < 0) {
                    rc = 1;
                    break;
                }
                done++;
                bytes += c.size;
                want--;
                if (c.rate <= 0)
                    break; /* re-check count and duration */
            }
            if (rc)
                break;
        }
    }
    long long t1 = mono_ns();
    FILE *r = c.report ? fopen(c.report, "w") : NULL;
    if (c.report && !r)
        fprintf(stderr, "stamp_writer: %s: %s\n", c.report, strerror(errno));
    if (r) {
        fprintf(r, "lines=%" PRIu64 "\nbytes=%" PRIu64 "\n", done, bytes);
        fprintf(r, "start_ns=%lld\nend_ns=%lld\n", t0, t1);
        fprintf(r, "seconds=%.6f\n", (double)(t1 - t0) / 1e9);
        fprintf(r, "rate=%.1f\n", t1 > t0 ? (double)done * 1e9 / (double)(t1 - t0) : 0.0);
        fclose(r);
    }
    for (long i = 0; i < o.n; i++)
        close(o.fds[i]);
    free(o.fds);
    free(buf);
    return rc;
}
