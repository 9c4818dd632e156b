/* log_writer.c - appends numbered, timestamped lines to a file: the
 * exercise's writer, grown into a load generator for atail.
 *
 * Every line carries a sequence number, so a checker can prove that a
 * follower lost or duplicated nothing. Lines are paced against an absolute
 * monotonic schedule (line k is due at start + k * period), so the rate does
 * not drift with the time spent writing. Each write() holds whole lines
 * only; SIGINT and SIGTERM are blocked except while waiting, so a signal
 * never cuts a line: the current write completes, then the program exits 0.
 *
 * Exit status: 0 done or stopped by SIGINT or SIGTERM, 1 open or write
 * error, 2 invalid arguments. */
#include "../include/atail.h" /* only for ATAIL_VERSION_STRING */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "log_writer"
#define MAX_SIZE (64u * 1024u * 1024u) /* longest --size accepted */
#define NATURAL_MAX 128                /* longest unpadded line, with margin */
#define BATCH_BYTES (64u * 1024u)      /* a --rate batch fills at most this */
#define NS_PER_SEC 1000000000LL

static volatile sig_atomic_t stop_requested;

struct config {
    const char *path;
    double interval; /* seconds between lines; 0: as fast as possible */
    double rate;     /* lines per second; 0: not given (use interval) */
    uint64_t count;  /* lines to write */
    bool forever;    /* no --count */
    size_t size;     /* pad lines to this many bytes; 0: no padding */
    uint64_t start;  /* first sequence number */
    bool mono;
    bool no_time;
};

/* The output file. All file handling goes through writer_*, so rotation
 * (rename, copytruncate, delete, symlink) can later hook into
 * writer_write(), using the per-file counters to decide when. */
struct writer {
    const char *path;
    int fd;
    uint64_t lines; /* written to the current file */
    uint64_t bytes;
};

/* The formatted second of the last timestamp: localtime_r and strftime
 * run once per second, not once per line. */
struct stamp {
    time_t sec;
    char head[40]; /* 2026-11-26T01:25:07 */
    char zone[16]; /* +0000 */
};

static const char usage_text[] =
    "Usage: " PROG " [OPTION]...\n"
    "Append numbered, timestamped lines to a file, one per second by default.\n"
    "\n"
    "  -f, --file PATH           append to PATH (default: app.log)\n"
    "  -i, --interval SECONDS    wait SECONDS between lines; fractions allowed,\n"
    "                            0 writes as fast as possible (default: 1)\n"
    "  -r, --rate LINES_PER_SEC  write LINES_PER_SEC lines per second on an\n"
    "                            absolute schedule, several lines per write()\n"
    "                            when behind; excludes --interval\n"
    "  -c, --count N             exit after writing N lines (default: forever)\n"
    "  -s, --size BYTES          pad each line to exactly BYTES bytes, newline\n"
    "                            included, when BYTES exceeds its natural length\n"
    "      --start N             number the first line N (default: 1)\n"
    "      --mono                add a mono=NANOSECONDS field (CLOCK_MONOTONIC)\n"
    "      --no-time             omit the timestamp\n"
    "  -h, --help                display this help and exit\n"
    "      --version             output version information and exit\n"
    "\n"
    "Line format: TIMESTAMP seq=N [mono=NS] [ xxx...], where TIMESTAMP is local\n"
    "time in ISO 8601 with milliseconds and UTC offset, e.g.\n"
    "2026-11-26T01:25:07.123+0000 seq=1\n"
    "\n"
    "SIGINT and SIGTERM stop it after the current line. Exit status: 0 done or\n"
    "stopped by a signal, 1 open or write error, 2 invalid arguments.\n";

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Reports a usage error and returns -1. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry '" PROG " --help' for more information.\n", stderr);
    va_end(ap);
    return -1;
}

/* getopt_long's own complaint, reworded so it starts with PROG (getopt
 * would print argv[0], often a full path). */
static int option_error(int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        return usage_error("option '%s' requires an argument", arg);
    if (strncmp(arg, "--", 2) == 0)
        return usage_error("invalid option '%s'", arg);
    return usage_error("invalid option -- '%c'", optopt);
}

/* ---- arguments ----------------------------------------------------------- */

static int parse_seconds(const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9') /* strtoull accepts "-1" and spaces */
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

enum { OPT_START = 256, OPT_MONO, OPT_NO_TIME, OPT_VERSION };

static const struct option long_options[] = {
    {"file", required_argument, NULL, 'f'},
    {"interval", required_argument, NULL, 'i'},
    {"rate", required_argument, NULL, 'r'},
    {"count", required_argument, NULL, 'c'},
    {"size", required_argument, NULL, 's'},
    {"start", required_argument, NULL, OPT_START},
    {"mono", no_argument, NULL, OPT_MONO},
    {"no-time", no_argument, NULL, OPT_NO_TIME},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Returns 1 to run, 0 to exit successfully (--help, --version), -1 on a
 * usage error (already reported). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
    bool interval_given = false;
    uint64_t v;
    int c;
    *cfg = (struct config){.path = "app.log", .interval = 1, .forever = true, .start = 1};
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:i:r:c:s:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!*optarg)
                return usage_error("empty file name");
            cfg->path = optarg;
            break;
        case 'i':
            if (parse_seconds(optarg, 31536000, &cfg->interval) < 0)
                return usage_error("invalid interval: '%s'", optarg);
            interval_given = true;
            break;
        case 'r':
            if (parse_seconds(optarg, 1e9, &cfg->rate) < 0 || cfg->rate <= 0)
                return usage_error("invalid rate: '%s'", optarg);
            break;
        case 'c':
            if (parse_u64(optarg, UINT64_MAX, &cfg->count) < 0)
                return usage_error("invalid count: '%s'", optarg);
            cfg->forever = false;
            break;
        case 's':
            if (parse_u64(optarg, MAX_SIZE, &v) < 0)
                return usage_error("invalid size: '%s'", optarg);
            cfg->size = (size_t)v;
            break;
        case OPT_START:
            if (parse_u64(optarg, UINT64_MAX, &cfg->start) < 0)
                return usage_error("invalid start: '%s'", optarg);
            break;
        case OPT_MONO:
            cfg->mono = true;
            break;
        case OPT_NO_TIME:
            cfg->no_time = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf(PROG " (atail) %s\n", ATAIL_VERSION_STRING);
            return 0;
        default:
            return option_error(c, argv);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument: '%s'", argv[optind]);
    if (interval_given && cfg->rate > 0)
        return usage_error("--interval and --rate exclude each other");
    return 1;
}

/* ---- the output file ----------------------------------------------------- */

static int writer_open(struct writer *w, const char *path)
{
    *w = (struct writer){.path = path};
    w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    return w->fd < 0 ? -errno : 0;
}

/* Writes buf (whole lines only) in one write() when the file takes it all,
 * as regular files do; a short write (a pipe) is completed, never left. */
static int writer_write(struct writer *w, const char *buf, size_t len, uint64_t lines)
{
    while (len > 0) {
        ssize_t n = write(w->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        buf += n;
        len -= (size_t)n;
        w->bytes += (uint64_t)n;
    }
    w->lines += lines;
    return 0;
}

static int writer_close(struct writer *w)
{
    int r = w->fd >= 0 ? close(w->fd) : 0;
    w->fd = -1;
    return r < 0 ? -errno : 0;
}

/* ---- lines --------------------------------------------------------------- */

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static size_t format_time(struct stamp *st, char *out, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != st->sec || !st->head[0]) {
        struct tm tm;
        localtime_r(&ts.tv_sec, &tm);
        strftime(st->head, sizeof st->head, "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(st->zone, sizeof st->zone, "%z", &tm);
        st->sec = ts.tv_sec;
    }
    int n = snprintf(out, cap, "%s.%03ld%s ", st->head, ts.tv_nsec / 1000000, st->zone);
    return n > 0 ? (size_t)n : 0;
}

/* Formats line `seq` at out (room for NATURAL_MAX bytes, or cfg->size if
 * larger) and returns its length, newline included. */
static size_t format_line(const struct config *cfg, struct stamp *st, uint64_t seq, char *out)
{
    size_t len = 0;
    if (!cfg->no_time)
        len += format_time(st, out, NATURAL_MAX);
    len += (size_t)snprintf(out + len, NATURAL_MAX - len, "seq=%" PRIu64, seq);
    if (cfg->mono)
        len += (size_t)snprintf(out + len, NATURAL_MAX - len, " mono=%lld", mono_ns());
    if (cfg->size > len + 1) {
        /* Filler: a space, then 'x' up to the size (a lone space if only
         * one byte is missing), so fields stay separated by spaces. */
        out[len] = ' ';
        memset(out + len + 1, 'x', cfg->size - len - 2);
        len = cfg->size - 1;
    }
    out[len++] = '\n';
    return len;
}

/* ---- pacing -------------------------------------------------------------- */

/* Monotonic time at which line k (0-based) is due. */
static long long due_ns(const struct config *cfg, long long t0, uint64_t k)
{
    double period = cfg->rate > 0 ? 1e9 / cfg->rate : cfg->interval * 1e9;
    return t0 + (long long)((double)k * period);
}

/* Lines due by `now` that have not been written yet (at least 1), when
 * lines may be batched (--rate); otherwise 1. */
static uint64_t lines_due(const struct config *cfg, long long t0, long long now, uint64_t done)
{
    if (cfg->rate <= 0 || now < t0)
        return 1;
    uint64_t due = (uint64_t)((double)(now - t0) * cfg->rate / 1e9) + 1;
    return due > done ? due - done : 1;
}

/* Waits until `deadline` (monotonic ns) or a stop signal, whichever comes
 * first. SIGINT and SIGTERM are delivered only here, atomically with the
 * wait (ppoll), so a signal between the check and the wait is not missed;
 * a deadline already past still lets pending signals in. */
static void wait_until(long long deadline, const sigset_t *unblocked)
{
    long long left = deadline - mono_ns();
    if (left < 0)
        left = 0;
    struct timespec ts = {.tv_sec = left / NS_PER_SEC, .tv_nsec = left % NS_PER_SEC};
    ppoll(NULL, 0, &ts, unblocked);
}

/* ---- main loop ----------------------------------------------------------- */

static int write_lines(const struct config *cfg, struct writer *w, const sigset_t *unblocked)
{
    size_t line_cap = cfg->size > NATURAL_MAX ? cfg->size : NATURAL_MAX;
    size_t cap = line_cap > BATCH_BYTES ? line_cap : BATCH_BYTES;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    struct stamp st = {0};
    long long t0 = mono_ns();
    uint64_t done = 0;
    int r = 0;
    while (!stop_requested && (cfg->forever || done < cfg->count)) {
        uint64_t n = lines_due(cfg, t0, mono_ns(), done);
        if (!cfg->forever && n > cfg->count - done)
            n = cfg->count - done;
        size_t len = 0;
        uint64_t batched = 0;
        while (batched < n && cap - len >= line_cap) {
            len += format_line(cfg, &st, cfg->start + done + batched, buf + len);
            batched++;
        }
        r = writer_write(w, buf, len, batched);
        if (r < 0)
            break;
        done += batched;
        if (cfg->forever || done < cfg->count)
            wait_until(due_ns(cfg, t0, done), unblocked);
    }
    free(buf);
    return r;
}

/* Blocks SIGINT and SIGTERM (see wait_until) and returns in *unblocked the
 * mask to wait with. A reader of a pipe or FIFO going away is a write
 * error (EPIPE), reported like any other, not a silent death. */
static void setup_signals(sigset_t *unblocked)
{
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, unblocked);
    sigdelset(unblocked, SIGINT);
    sigdelset(unblocked, SIGTERM);
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct writer w;
    sigset_t unblocked;
    int r = parse_args(argc, argv, &cfg);
    if (r <= 0)
        return r < 0 ? 2 : (fflush(stdout) == 0 ? 0 : 1);
    setup_signals(&unblocked);
    r = writer_open(&w, cfg.path);
    if (r < 0) {
        fprintf(stderr, PROG ": %s: %s\n", cfg.path, strerror(-r));
        return 1;
    }
    r = write_lines(&cfg, &w, &unblocked);
    if (r < 0)
        fprintf(stderr, PROG ": write %s: %s\n", cfg.path, strerror(-r));
    int rc = writer_close(&w);
    if (r == 0 && rc < 0) {
        fprintf(stderr, PROG ": close %s: %s\n", cfg.path, strerror(-rc));
        r = rc;
    }
    return r < 0 ? 1 : 0;
}
