/* log_writer.c - appends numbered, timestamped lines to a file: the
 * exercise's writer, grown into a load generator for atail.
 *
 * Every line carries a sequence number, so a checker (seqcheck) can prove
 * that a follower lost or duplicated nothing. Lines are paced against an
 * absolute monotonic schedule (line k is due at start + k * period), so the
 * rate does not drift with the time spent writing. Each write() holds whole
 * lines only; SIGINT, SIGTERM and SIGHUP are blocked except while waiting,
 * so a signal never cuts a line: the current write completes, then the
 * program exits 0 (SIGINT, SIGTERM) or reopens its file (SIGHUP).
 *
 * Rotation (--rotate) is done by the writer itself, between two writes, so
 * every line is in exactly one file and the report says precisely where
 * each rotation fell. The one rotation that loses lines, copytruncate, is
 * done in two steps with the writing going on in between (as logrotate's
 * copy and truncation are); the lines written between them are reported.
 *
 * Exit status: 0 done or stopped by SIGINT or SIGTERM, 1 open, write or
 * rotation error, 2 invalid arguments. */
#include "../cli/number.h"    /* num_dec(), shared with atail's options */
#include "../include/atail.h" /* only for ATAIL_VERSION_STRING */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "log_writer"
#define MAX_SIZE ((size_t)64 * 1024 * 1024) /* longest --size accepted */
#define NATURAL_MAX 128                     /* longest unpadded line, with margin */
#define BATCH_BYTES ((size_t)64 * 1024)     /* a --rate batch fills at most this */
#define NS_PER_SEC 1000000000LL
#define MAX_KEEP 100000u     /* most rotated files kept */
#define DEFAULT_KEEP 5u      /* rotated files kept by default */
#define MAX_SECONDS 31536000 /* a year: longest interval or period */

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reopen_requested;

enum rotate_mode { ROTATE_NONE, ROTATE_RENAME, ROTATE_COPYTRUNCATE, ROTATE_DELETE, ROTATE_SYMLINK };
static const char *const mode_names[] = {"none", "rename", "copytruncate", "delete", "symlink"};

enum rotate_unit { EVERY_NONE, EVERY_LINES, EVERY_BYTES, EVERY_SECONDS };

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
    enum rotate_mode rotate;
    enum rotate_unit unit; /* what --rotate-every/-bytes/-seconds counts */
    uint64_t every;        /* lines or bytes per file */
    double every_seconds;  /* seconds per file */
    unsigned keep;         /* rotated files kept */
    bool keep_given;       /* --keep was given */
    double truncate_delay; /* copytruncate: seconds from copy to truncation */
    bool delay_given;      /* --truncate-delay was given */
    const char *report;    /* rotation report file; NULL: stderr */
};

/* The output file. All file handling goes through writer_*; rotations
 * happen between two writer_write() calls, decided by the per-file
 * counters (lines, bytes) or the rotation schedule. */
struct writer {
    const struct config *cfg;
    const char *path;
    int fd;
    int report_fd;     /* where rotations are reported */
    bool report_owned; /* report_fd was opened here (--report) */
    uint64_t lines;    /* written to the current file */
    uint64_t bytes;
    uint64_t next_seq;       /* sequence number of the next line */
    uint64_t rotations;      /* done so far */
    unsigned long gen;       /* symlink: generation the link points to */
    long long next_rotate;   /* --rotate-seconds: when the next one is due */
    bool truncate_pending;   /* copytruncate: copied, not yet truncated */
    long long truncate_due;  /* when the truncation is due */
    uint64_t first_uncopied; /* first seq written after the copy */
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
    "\n"
    "Rotation:\n"
    "      --rotate=MODE         rotate PATH: rename, copytruncate, delete or\n"
    "                            symlink (see below), when one of these says:\n"
    "      --rotate-every=LINES  after every LINES lines\n"
    "      --rotate-bytes=BYTES  once the file holds BYTES bytes or more; BYTES\n"
    "                            may end in K, M or G (powers of 1024)\n"
    "      --rotate-seconds=S    every S seconds; fractions allowed\n"
    "      --keep=K              keep K rotated files (default: 5)\n"
    "      --truncate-delay=S    copytruncate: go on writing for S seconds\n"
    "                            between the copy and the truncation (default: 0)\n"
    "      --report=FILE         write the rotation report to FILE, not stderr\n"
    "\n"
    "  -h, --help                display this help and exit\n"
    "      --version             output version information and exit\n"
    "\n"
    "Line format: TIMESTAMP seq=N [mono=NS] [ xxx...], where TIMESTAMP is local\n"
    "time in ISO 8601 with milliseconds and UTC offset, e.g.\n"
    "2026-11-26T01:25:07.123+0000 seq=1\n"
    "\n"
    "Rotation modes (old files are PATH.1, the newest, to PATH.K):\n"
    "  rename        PATH.1 .. PATH.K-1 move up one (PATH.K is deleted), PATH\n"
    "                becomes PATH.1, a new PATH is created\n"
    "  copytruncate  old files move up, PATH is copied to PATH.1, then truncated\n"
    "                in place (the writer keeps its descriptor); lines written\n"
    "                between the copy and the truncation are lost and reported\n"
    "  delete        PATH is deleted and created anew (no file is kept)\n"
    "  symlink       PATH is a symbolic link to PATH.0001, PATH.0002, ...; each\n"
    "                rotation creates the next file and replaces the link\n"
    "                atomically; the K previous files are kept\n"
    "The report has one line per rotation or reopening: a '# ...' comment and,\n"
    "for lines lost by copytruncate, their numbers FIRST-LAST before it, so\n"
    "that 'seqcheck --allow-lost=REPORT' accepts exactly those losses.\n"
    "\n"
    "SIGINT and SIGTERM stop it after the current line. SIGHUP reopens PATH by\n"
    "name (after an outside rotation, e.g. logrotate's create and postrotate).\n"
    "Exit status: 0 done or stopped by a signal, 1 open, write or rotation error,\n"
    "2 invalid arguments.\n";

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reopen_requested = 1;
    else
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

/* Reports a failed system call on `what` (errno) and returns -1. */
__attribute__((format(printf, 1, 2))) static int sys_error(const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, ": %s\n", strerror(err));
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

/* A decimal number up to max, then at most one of `suffixes`, each a
 * further power of 1024 ("64K" with "KMG"; "" allows none). The CLI's
 * num_dec() reads it, once the first character is known to be a digit:
 * tail's numbers may also start with white space, '+' or a bare suffix
 * ("K" is 1024), log_writer's may not. */
static int parse_scaled(const char *s, const char *suffixes, uint64_t max, uint64_t *out)
{
    int errnum;
    if (*s < '0' || *s > '9')
        return -1;
    return num_dec(s, suffixes, max, out, &errnum);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    return parse_scaled(s, "", max, out);
}

enum {
    OPT_START = 256,
    OPT_MONO,
    OPT_NO_TIME,
    OPT_VERSION,
    OPT_ROTATE,
    OPT_ROTATE_EVERY,
    OPT_ROTATE_BYTES,
    OPT_ROTATE_SECONDS,
    OPT_KEEP,
    OPT_TRUNCATE_DELAY,
    OPT_REPORT,
};

static const struct option long_options[] = {
    {"file", required_argument, NULL, 'f'},
    {"interval", required_argument, NULL, 'i'},
    {"rate", required_argument, NULL, 'r'},
    {"count", required_argument, NULL, 'c'},
    {"size", required_argument, NULL, 's'},
    {"start", required_argument, NULL, OPT_START},
    {"mono", no_argument, NULL, OPT_MONO},
    {"no-time", no_argument, NULL, OPT_NO_TIME},
    {"rotate", required_argument, NULL, OPT_ROTATE},
    {"rotate-every", required_argument, NULL, OPT_ROTATE_EVERY},
    {"rotate-bytes", required_argument, NULL, OPT_ROTATE_BYTES},
    {"rotate-seconds", required_argument, NULL, OPT_ROTATE_SECONDS},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"truncate-delay", required_argument, NULL, OPT_TRUNCATE_DELAY},
    {"report", required_argument, NULL, OPT_REPORT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Records one of --rotate-every, --rotate-bytes, --rotate-seconds. */
static int set_unit(struct config *cfg, enum rotate_unit unit)
{
    if (cfg->unit != EVERY_NONE && cfg->unit != unit)
        return usage_error("--rotate-every, --rotate-bytes and --rotate-seconds exclude each "
                           "other");
    cfg->unit = unit;
    return 0;
}

/* Checks the rotation options against each other once all are known. */
static int check_rotation(const struct config *cfg)
{
    if (cfg->rotate == ROTATE_NONE) {
        if (cfg->unit != EVERY_NONE || cfg->keep_given || cfg->delay_given)
            return usage_error("rotation options need --rotate=MODE");
        return 0;
    }
    if (cfg->unit == EVERY_NONE)
        return usage_error("--rotate needs --rotate-every, --rotate-bytes or --rotate-seconds");
    if (cfg->rotate == ROTATE_DELETE && cfg->keep_given)
        return usage_error("--keep has no meaning with --rotate=delete");
    if ((cfg->rotate == ROTATE_RENAME || cfg->rotate == ROTATE_COPYTRUNCATE) && cfg->keep < 1)
        return usage_error("--keep must be at least 1 with --rotate=%s", mode_names[cfg->rotate]);
    if (cfg->delay_given && cfg->rotate != ROTATE_COPYTRUNCATE)
        return usage_error("--truncate-delay needs --rotate=copytruncate");
    return 0;
}

/* Returns 1 to run, 0 to exit successfully (--help, --version), -1 on a
 * usage error (already reported). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
    bool interval_given = false;
    uint64_t v;
    int c;
    *cfg = (struct config){
        .path = "app.log", .interval = 1, .forever = true, .start = 1, .keep = DEFAULT_KEEP};
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:i:r:c:s:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!*optarg)
                return usage_error("empty file name");
            cfg->path = optarg;
            break;
        case 'i':
            if (parse_seconds(optarg, MAX_SECONDS, &cfg->interval) < 0)
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
        case OPT_ROTATE:
            cfg->rotate = ROTATE_NONE;
            for (int m = ROTATE_RENAME; m <= ROTATE_SYMLINK; m++)
                if (strcmp(optarg, mode_names[m]) == 0)
                    cfg->rotate = (enum rotate_mode)m;
            if (cfg->rotate == ROTATE_NONE)
                return usage_error("invalid rotation mode: '%s' (rename, copytruncate, delete "
                                   "or symlink)",
                                   optarg);
            break;
        case OPT_ROTATE_EVERY:
            if (parse_u64(optarg, UINT64_MAX, &cfg->every) < 0 || cfg->every == 0)
                return usage_error("invalid line count: '%s'", optarg);
            if (set_unit(cfg, EVERY_LINES) < 0)
                return -1;
            break;
        case OPT_ROTATE_BYTES:
            if (parse_scaled(optarg, "KMG", UINT64_MAX, &cfg->every) < 0 || cfg->every == 0)
                return usage_error("invalid byte count: '%s'", optarg);
            if (set_unit(cfg, EVERY_BYTES) < 0)
                return -1;
            break;
        case OPT_ROTATE_SECONDS:
            if (parse_seconds(optarg, MAX_SECONDS, &cfg->every_seconds) < 0 ||
                cfg->every_seconds < 1e-6)
                return usage_error("invalid rotation period: '%s'", optarg);
            if (set_unit(cfg, EVERY_SECONDS) < 0)
                return -1;
            break;
        case OPT_KEEP:
            if (parse_u64(optarg, MAX_KEEP, &v) < 0)
                return usage_error("invalid number of files to keep: '%s'", optarg);
            cfg->keep = (unsigned)v;
            cfg->keep_given = true;
            break;
        case OPT_TRUNCATE_DELAY:
            if (parse_seconds(optarg, MAX_SECONDS, &cfg->truncate_delay) < 0)
                return usage_error("invalid truncate delay: '%s'", optarg);
            cfg->delay_given = true;
            break;
        case OPT_REPORT:
            if (!*optarg)
                return usage_error("empty report file name");
            cfg->report = optarg;
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
    return check_rotation(cfg) < 0 ? -1 : 1;
}

/* ---- time ---------------------------------------------------------------- */

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static long long seconds_ns(double s)
{
    return (long long)(s * 1e9);
}

/* ---- the report ---------------------------------------------------------- */

/* Appends one line to the rotation report. Returns 0 or -1 (reported). */
__attribute__((format(printf, 2, 3))) static int report(struct writer *w, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    /* One write() per line: the report is complete after each rotation,
     * whoever reads it meanwhile. */
    for (const char *p = line; n > 0;) {
        ssize_t k = write(w->report_fd, p, (size_t)n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return sys_error("write %s", w->cfg->report ? w->cfg->report : "report");
        p += k;
        n -= (int)k;
    }
    return 0;
}

/* ---- the output file ----------------------------------------------------- */

static int open_append(const char *path, int extra)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | extra, 0644);
}

/* PATH.N in out (room for PATH_MAX bytes), N padded with zeros to `width`
 * digits: PATH.1 for rotated files, PATH.0001 for symlink generations. */
static void sibling(char *out, const char *path, unsigned long n, int width)
{
    snprintf(out, PATH_MAX, "%s.%0*lu", path, width, n);
}

/* Symlink mode: the generation PATH links to, when the link's target is
 * PATH's own name followed by .DIGITS; 0 otherwise. */
static unsigned long linked_generation(const char *path)
{
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (strncmp(target, base, len) != 0 || target[len] != '.' || target[len + 1] < '0' ||
        target[len + 1] > '9')
        return 0;
    char *end;
    errno = 0;
    unsigned long gen = strtoul(target + len + 1, &end, 10);
    return errno || *end ? 0 : gen;
}

/* Points the symbolic link `path` at its generation `gen` (a name relative
 * to the link's directory), atomically: a new link under a temporary name
 * is renamed over the old one. */
static int switch_link(const char *path, unsigned long gen)
{
    char target[PATH_MAX], tmp[PATH_MAX];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(target, sizeof target, "%s.%04lu", base, gen);
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    unlink(tmp);
    if (symlink(target, tmp) < 0)
        return sys_error("symlink %s", tmp);
    if (rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        errno = err;
        return sys_error("rename %s to %s", tmp, path);
    }
    return 0;
}

static int writer_open(struct writer *w, const struct config *cfg)
{
    *w = (struct writer){.cfg = cfg, .path = cfg->path, .fd = -1, .report_fd = 2};
    w->next_seq = cfg->start;
    if (cfg->report) {
        w->report_fd = open(cfg->report, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (w->report_fd < 0)
            return sys_error("%s", cfg->report);
        w->report_owned = true;
    }
    if (cfg->rotate == ROTATE_SYMLINK) {
        /* Go on with the generation the link points to, or start one. */
        struct stat st;
        w->gen = linked_generation(w->path);
        if (w->gen == 0) {
            if (lstat(w->path, &st) == 0 && !S_ISLNK(st.st_mode)) {
                fprintf(stderr, PROG ": %s: exists and is not a symbolic link (--rotate=symlink)\n",
                        w->path);
                return -1;
            }
            char first[PATH_MAX];
            w->gen = 1;
            sibling(first, w->path, w->gen, 4);
            int fd = open_append(first, 0);
            if (fd < 0)
                return sys_error("%s", first);
            close(fd);
            if (switch_link(w->path, w->gen) < 0)
                return -1;
        }
    }
    w->fd = open_append(w->path, 0);
    if (w->fd < 0)
        return sys_error("%s", w->path);
    return 0;
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
            return sys_error("write %s", w->path);
        buf += n;
        len -= (size_t)n;
        w->bytes += (uint64_t)n;
    }
    w->lines += lines;
    w->next_seq += lines;
    return 0;
}

/* Makes `fd` the current file: a new one starts empty. */
static void writer_switch(struct writer *w, int fd)
{
    close(w->fd);
    w->fd = fd;
    w->lines = w->bytes = 0;
}

/* SIGHUP: opens the name again, as daemons do after an outside rotation. */
static int writer_reopen(struct writer *w)
{
    int fd = open_append(w->path, 0);
    if (fd < 0)
        return sys_error("reopen %s", w->path);
    writer_switch(w, fd);
    return report(w, "# reopened %s (SIGHUP) before seq=%" PRIu64, w->path, w->next_seq);
}

/* Moves PATH.1 .. PATH.K-1 up one, deleting PATH.K first, as logrotate
 * does; PATH.1 is then free. Missing files are skipped. */
static int shift_rotated(struct writer *w)
{
    char from[PATH_MAX], to[PATH_MAX];
    sibling(to, w->path, w->cfg->keep, 1);
    if (unlink(to) < 0 && errno != ENOENT)
        return sys_error("unlink %s", to);
    for (unsigned long i = w->cfg->keep - 1; i >= 1; i--) {
        sibling(from, w->path, i, 1);
        sibling(to, w->path, i + 1, 1);
        if (rename(from, to) < 0 && errno != ENOENT)
            return sys_error("rename %s to %s", from, to);
    }
    return 0;
}

/* Copies the current file's content, as it is now, to `to`. */
static int copy_to(struct writer *w, const char *to)
{
    int in = open(w->path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return sys_error("%s", w->path);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        sys_error("%s", to);
        close(in);
        return -1;
    }
    char buf[64 * 1024];
    int r = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = sys_error("read %s", w->path);
            break;
        }
        if (n == 0)
            break;
        for (char *p = buf; n > 0;) {
            ssize_t k = write(out, p, (size_t)n);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                r = sys_error("write %s", to);
                break;
            }
            p += k;
            n -= k;
        }
        if (r < 0)
            break;
    }
    close(in);
    if (close(out) < 0 && r == 0)
        r = sys_error("close %s", to);
    return r;
}

/* The second half of copytruncate: truncates the file in place, and
 * reports the lines written since the copy, which no reader can have
 * found in the copy or will find in the file. */
static int finish_truncate(struct writer *w)
{
    if (ftruncate(w->fd, 0) < 0)
        return sys_error("truncate %s", w->path);
    w->truncate_pending = false;
    w->lines = w->bytes = 0;
    uint64_t first = w->first_uncopied, last = w->next_seq - 1;
    if (w->next_seq == first)
        return report(w,
                      "# rotation %" PRIu64 " copytruncate before seq=%" PRIu64
                      ": nothing written between the copy and the truncation",
                      w->rotations, first);
    return report(w,
                  "%" PRIu64 "-%" PRIu64 " # rotation %" PRIu64 " copytruncate: seq %" PRIu64
                  "-%" PRIu64 " written between the copy and the truncation, lost",
                  first, last, w->rotations, first, last);
}

static int rotate_rename(struct writer *w)
{
    char first[PATH_MAX];
    sibling(first, w->path, 1, 1);
    if (shift_rotated(w) < 0)
        return -1;
    if (rename(w->path, first) < 0)
        return sys_error("rename %s to %s", w->path, first);
    int fd = open_append(w->path, 0);
    if (fd < 0)
        return sys_error("%s", w->path);
    writer_switch(w, fd);
    return report(w, "# rotation %" PRIu64 " rename before seq=%" PRIu64, w->rotations,
                  w->next_seq);
}

static int rotate_delete(struct writer *w)
{
    if (unlink(w->path) < 0)
        return sys_error("unlink %s", w->path);
    int fd = open_append(w->path, 0);
    if (fd < 0)
        return sys_error("%s", w->path);
    writer_switch(w, fd);
    return report(w, "# rotation %" PRIu64 " delete before seq=%" PRIu64, w->rotations,
                  w->next_seq);
}

static int rotate_symlink(struct writer *w)
{
    char next[PATH_MAX], old[PATH_MAX];
    sibling(next, w->path, w->gen + 1, 4);
    int fd = open_append(next, O_TRUNC);
    if (fd < 0)
        return sys_error("%s", next);
    if (switch_link(w->path, w->gen + 1) < 0) {
        close(fd);
        return -1;
    }
    w->gen++;
    writer_switch(w, fd);
    if (w->gen > (unsigned long)w->cfg->keep + 1) {
        sibling(old, w->path, w->gen - w->cfg->keep - 1, 4);
        if (unlink(old) < 0 && errno != ENOENT)
            return sys_error("unlink %s", old);
    }
    return report(w, "# rotation %" PRIu64 " symlink to %s before seq=%" PRIu64, w->rotations, next,
                  w->next_seq);
}

static int rotate_copytruncate(struct writer *w, long long now)
{
    char first[PATH_MAX];
    sibling(first, w->path, 1, 1);
    if (shift_rotated(w) < 0 || copy_to(w, first) < 0)
        return -1;
    w->first_uncopied = w->next_seq;
    w->truncate_pending = true;
    w->truncate_due = now + seconds_ns(w->cfg->truncate_delay);
    return w->cfg->truncate_delay > 0 ? 0 : finish_truncate(w);
}

static int writer_rotate(struct writer *w, long long now)
{
    w->rotations++;
    switch (w->cfg->rotate) {
    case ROTATE_RENAME:
        return rotate_rename(w);
    case ROTATE_COPYTRUNCATE:
        return rotate_copytruncate(w, now);
    case ROTATE_DELETE:
        return rotate_delete(w);
    case ROTATE_SYMLINK:
        return rotate_symlink(w);
    case ROTATE_NONE:
        break;
    }
    return 0;
}

/* Whether the current file is due for rotation (never while a
 * copytruncate waits for its truncation). */
static bool rotation_due(const struct writer *w, long long now)
{
    const struct config *cfg = w->cfg;
    if (cfg->rotate == ROTATE_NONE || w->truncate_pending)
        return false;
    switch (cfg->unit) {
    case EVERY_LINES:
        return w->lines >= cfg->every;
    case EVERY_BYTES:
        return w->bytes >= cfg->every;
    case EVERY_SECONDS:
        return now >= w->next_rotate;
    case EVERY_NONE:
        break;
    }
    return false;
}

/* Ends the run: a copytruncate still waiting for its truncation is left
 * undone (the file keeps its lines, the copy stays), so no line written
 * last is lost for lack of time. */
static int writer_close(struct writer *w)
{
    int r = 0;
    if (w->truncate_pending)
        r = report(w,
                   "# rotation %" PRIu64 " copytruncate before seq=%" PRIu64
                   ": not truncated, the writer stopped first",
                   w->rotations, w->first_uncopied);
    if (w->fd >= 0 && close(w->fd) < 0 && r == 0)
        r = sys_error("close %s", w->path);
    w->fd = -1;
    if (w->report_owned && close(w->report_fd) < 0 && r == 0)
        r = sys_error("close %s", w->cfg->report);
    return r;
}

/* ---- lines --------------------------------------------------------------- */

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

/* Lines due by `now` that have not been written yet: any number when lines
 * may be batched (--rate), at most 1 otherwise; 0 when none is due yet. */
static uint64_t lines_due(const struct config *cfg, long long t0, long long now, uint64_t done)
{
    if (now < t0)
        return 0;
    if (cfg->rate <= 0) {
        if (cfg->interval <= 0)
            return 1;
        uint64_t due = (uint64_t)((double)(now - t0) / (cfg->interval * 1e9)) + 1;
        return due > done ? 1 : 0;
    }
    uint64_t due = (uint64_t)((double)(now - t0) * cfg->rate / 1e9) + 1;
    return due > done ? due - done : 0;
}

/* Waits until `deadline` (monotonic ns) or a signal, whichever comes
 * first. SIGINT, SIGTERM and SIGHUP are delivered only here, atomically
 * with the wait (ppoll), so a signal between the check and the wait is not
 * missed; a deadline already past still lets pending signals in. */
static void wait_until(long long deadline, const sigset_t *unblocked)
{
    long long left = deadline - mono_ns();
    if (left < 0)
        left = 0;
    struct timespec ts = {.tv_sec = left / NS_PER_SEC, .tv_nsec = left % NS_PER_SEC};
    ppoll(NULL, 0, &ts, unblocked);
}

/* What the writer waits for next: the next line, a rotation by time, a
 * pending truncation, whichever is first. */
static long long next_deadline(const struct config *cfg, const struct writer *w, long long t0,
                               uint64_t done)
{
    long long next = due_ns(cfg, t0, done);
    if (cfg->unit == EVERY_SECONDS && !w->truncate_pending && w->next_rotate < next)
        next = w->next_rotate;
    if (w->truncate_pending && w->truncate_due < next)
        next = w->truncate_due;
    return next;
}

/* Rotates or truncates when due, and handles a SIGHUP. */
static int housekeeping(struct writer *w, long long t0, long long now)
{
    const struct config *cfg = w->cfg;
    if (reopen_requested) {
        reopen_requested = 0;
        if (writer_reopen(w) < 0)
            return -1;
    }
    if (w->truncate_pending && now >= w->truncate_due && finish_truncate(w) < 0)
        return -1;
    if (rotation_due(w, now)) {
        if (writer_rotate(w, now) < 0)
            return -1;
        if (cfg->unit == EVERY_SECONDS) {
            /* The next one on the absolute schedule; periods missed while
             * the writer was held up are skipped, not caught up. */
            long long period = seconds_ns(cfg->every_seconds);
            if (period < 1)
                period = 1;
            uint64_t k = (uint64_t)((now - t0) / period) + 1;
            w->next_rotate = t0 + (long long)k * period;
        }
    }
    return 0;
}

/* ---- main loop ----------------------------------------------------------- */

static int write_lines(const struct config *cfg, struct writer *w, const sigset_t *unblocked)
{
    size_t line_cap = cfg->size > NATURAL_MAX ? cfg->size : NATURAL_MAX;
    size_t cap = line_cap > BATCH_BYTES ? line_cap : BATCH_BYTES;
    char *buf = malloc(cap);
    if (!buf) {
        errno = ENOMEM;
        return sys_error("malloc");
    }
    struct stamp st = {0};
    long long t0 = mono_ns();
    w->next_rotate = t0 + seconds_ns(cfg->every_seconds);
    uint64_t done = 0;
    int r = 0;
    while (!stop_requested && (cfg->forever || done < cfg->count)) {
        long long now = mono_ns();
        r = housekeeping(w, t0, now);
        if (r < 0)
            break;
        uint64_t n = lines_due(cfg, t0, now, done);
        if (!cfg->forever && n > cfg->count - done)
            n = cfg->count - done;
        /* A file rotated by lines or bytes ends exactly at its limit: the
         * batch stops there, and the rotation comes before the next. */
        bool by_lines = cfg->unit == EVERY_LINES && !w->truncate_pending;
        if (by_lines && n > cfg->every - w->lines)
            n = cfg->every - w->lines;
        size_t len = 0;
        uint64_t batched = 0;
        while (batched < n && cap - len >= line_cap) {
            if (cfg->unit == EVERY_BYTES && !w->truncate_pending && batched > 0 &&
                w->bytes + len >= cfg->every)
                break;
            len += format_line(cfg, &st, w->next_seq + batched, buf + len);
            batched++;
        }
        if (batched > 0) {
            r = writer_write(w, buf, len, batched);
            if (r < 0)
                break;
            done += batched;
        }
        if (!cfg->forever && done >= cfg->count)
            break;
        if (batched == n)
            wait_until(next_deadline(cfg, w, t0, done), unblocked);
        else
            wait_until(0, unblocked); /* still behind: only take signals */
    }
    free(buf);
    return r;
}

/* Blocks SIGINT, SIGTERM and SIGHUP (see wait_until) and returns in
 * *unblocked the mask to wait with. A reader of a pipe or FIFO going away
 * is a write error (EPIPE), reported like any other, not a silent death. */
static void setup_signals(sigset_t *unblocked)
{
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, unblocked);
    sigdelset(unblocked, SIGINT);
    sigdelset(unblocked, SIGTERM);
    sigdelset(unblocked, SIGHUP);
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
    r = writer_open(&w, &cfg);
    if (r == 0)
        r = write_lines(&cfg, &w, &unblocked);
    if (writer_close(&w) < 0)
        r = -1;
    return r < 0 ? 1 : 0;
}
