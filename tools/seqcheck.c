/* seqcheck.c - checks a follower's output against what log_writer wrote.
 *
 * Reads lines (from files or standard input), takes the sequence number
 * from each line's seq=N field, and reports lines lost (numbers that never
 * came, as ranges), duplicated (numbers that came more than once) and out
 * of order (a number that first came after a larger one), with counts.
 * Numbers that may legitimately be missing (log_writer's copytruncate
 * report) are given with --allow-lost. A line without a seq=N field, or a
 * last line without its newline, is malformed: a torn or garbled line.
 *
 * Exit status: 0 when nothing was lost (outside what is allowed),
 * duplicated, out of order, malformed or unexpected; 1 otherwise; 2 on a
 * usage error or a file that cannot be read. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "seqcheck"
#define VERSION "0.1.0"
#define DEFAULT_MAX_RANGES 10
#define MAX_EXAMPLES 3 /* malformed lines shown */

static const char usage_text[] =
    "Usage: " PROG " [OPTION]... [FILE]...\n"
    "Check that the lines of FILEs (standard input without FILE, or when FILE\n"
    "is -) carry every sequence number seq=N once and in order, as written by\n"
    "log_writer; report lost, duplicated and out-of-order lines.\n"
    "\n"
    "      --expect=N            the writer wrote seq 1..N: missing numbers at the\n"
    "                            end are lost too; also --expect=FIRST-LAST\n"
    "                            (default: from the smallest to the largest seen)\n"
    "      --allow-lost=FILE     numbers in FILE may be missing (e.g. log_writer's\n"
    "                            copytruncate report); may be repeated\n"
    "      --any-order           do not count lines out of order (e.g. rotated\n"
    "                            files given in any order)\n"
    "      --write-lost=FILE     write every missing number to FILE, as ranges\n"
    "                            (a file --allow-lost reads)\n"
    "      --max-ranges=N        show at most N ranges per problem (default: 10,\n"
    "                            0: all)\n"
    "  -q, --quiet               print nothing; only the exit status tells\n"
    "  -h, --help                display this help and exit\n"
    "      --version             output version information and exit\n"
    "\n"
    "The number is taken from the first field seq=DIGITS of each line (at its\n"
    "start or after a space). A line without one, or a last line without a\n"
    "newline, is malformed. A number outside --expect is unexpected. A number\n"
    "seen again is duplicated; a number seen first after a larger one is out\n"
    "of order. Lost numbers listed by --allow-lost are counted as allowed.\n"
    "\n"
    "--allow-lost files hold numbers and ranges FIRST-LAST, separated by\n"
    "spaces, commas or newlines; '#' starts a comment.\n"
    "\n"
    "The last line printed sums up, e.g.\n"
    "  seqcheck: OK lines=1000 range=1-1000 lost=0 allowed_lost=0 duplicated=0\n"
    "  out_of_order=0 malformed=0 unexpected=0\n"
    "(on one line), preceded by a line for each kind of problem found.\n"
    "\n"
    "Exit status: 0 when no line is lost (outside --allow-lost), duplicated,\n"
    "out of order, malformed or unexpected; 1 otherwise; 2 on a usage error or\n"
    "a file that cannot be read.\n";

struct range {
    uint64_t lo, hi;
};

struct ranges {
    struct range *v;
    size_t n, cap;
};

struct config {
    bool expect_given;
    struct range expect;
    struct ranges allowed;
    bool any_order;
    const char *write_lost;
    size_t max_ranges;
    bool quiet;
};

struct input {
    uint64_t *seq; /* of the lines that have one, in input order */
    size_t n, cap;
    uint64_t lines; /* all lines read */
    uint64_t malformed;
    char examples[MAX_EXAMPLES][160];
    size_t n_examples;
};

struct result {
    uint64_t lost, allowed_lost, duplicated, out_of_order, unexpected;
    struct ranges lost_r, dup_r, order_r, missing_r;
};

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

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs(PROG ": out of memory\n", stderr);
        exit(2);
    }
    return q;
}

/* Appends [lo, hi], merging it with the last range when they touch. */
static void ranges_add(struct ranges *r, uint64_t lo, uint64_t hi)
{
    /* Merged into the last range only when it starts within or just after
     * it: ranges read unsorted (--allow-lost) are sorted, then merged, by
     * ranges_normalize(). */
    if (r->n > 0 && r->v[r->n - 1].hi != UINT64_MAX && lo >= r->v[r->n - 1].lo &&
        lo <= r->v[r->n - 1].hi + 1) {
        if (hi > r->v[r->n - 1].hi)
            r->v[r->n - 1].hi = hi;
        return;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->n++] = (struct range){lo, hi};
}

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts and merges overlapping or adjacent ranges. */
static void ranges_normalize(struct ranges *r)
{
    if (r->n == 0)
        return;
    qsort(r->v, r->n, sizeof *r->v, cmp_range);
    size_t n = r->n;
    r->n = 0;
    for (size_t i = 0; i < n; i++)
        ranges_add(r, r->v[i].lo, r->v[i].hi);
}

/* A decimal number without sign or spaces; *end is set past it. */
static int parse_number(const char *s, char **end, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, end, 10);
    if (errno)
        return -1;
    *out = v;
    return 0;
}

/* "N" or "FIRST-LAST" (FIRST <= LAST), optionally after "seq=". */
static int parse_range(const char *s, struct range *out)
{
    char *end;
    if (strncmp(s, "seq=", 4) == 0)
        s += 4;
    if (parse_number(s, &end, &out->lo) < 0)
        return -1;
    out->hi = out->lo;
    if (*end == '-' && parse_number(end + 1, &end, &out->hi) < 0)
        return -1;
    return *end || out->hi < out->lo ? -1 : 0;
}

/* Reads an --allow-lost file into cfg->allowed. Returns 0, or -1 (reported:
 * usage error or unreadable). */
static int read_allowed(const char *path, struct config *cfg)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    int r = 0;
    while (r == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\r\n,", &save); tok;
             tok = strtok_r(NULL, " \t\r\n,", &save)) {
            struct range rg;
            if (parse_range(tok, &rg) < 0) {
                r = usage_error("%s:%lu: invalid number or range: '%s'", path, lineno, tok);
                break;
            }
            ranges_add(&cfg->allowed, rg.lo, rg.hi);
        }
    }
    if (r == 0 && ferror(f)) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        r = -1;
    }
    free(line);
    fclose(f);
    return r;
}

enum {
    OPT_EXPECT = 256,
    OPT_ALLOW_LOST,
    OPT_ANY_ORDER,
    OPT_WRITE_LOST,
    OPT_MAX_RANGES,
    OPT_VERSION
};

static const struct option long_options[] = {
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"allow-lost", required_argument, NULL, OPT_ALLOW_LOST},
    {"any-order", no_argument, NULL, OPT_ANY_ORDER},
    {"write-lost", required_argument, NULL, OPT_WRITE_LOST},
    {"max-ranges", required_argument, NULL, OPT_MAX_RANGES},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Returns 1 to run, 0 to exit successfully (--help, --version), -1 on a
 * usage error (already reported). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
    int c;
    *cfg = (struct config){.max_ranges = DEFAULT_MAX_RANGES};
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_EXPECT: {
            struct range rg;
            char *end;
            if (parse_number(optarg, &end, &rg.hi) == 0 && !*end && rg.hi >= 1)
                rg.lo = 1;
            else if (!strchr(optarg, '-') || parse_range(optarg, &rg) < 0)
                return usage_error("invalid --expect: '%s' (N or FIRST-LAST)", optarg);
            cfg->expect = rg;
            cfg->expect_given = true;
            break;
        }
        case OPT_ALLOW_LOST:
            if (read_allowed(optarg, cfg) < 0)
                return -1;
            break;
        case OPT_ANY_ORDER:
            cfg->any_order = true;
            break;
        case OPT_WRITE_LOST:
            if (!*optarg)
                return usage_error("empty file name");
            cfg->write_lost = optarg;
            break;
        case OPT_MAX_RANGES: {
            uint64_t v;
            char *end;
            if (parse_number(optarg, &end, &v) < 0 || *end || v > SIZE_MAX)
                return usage_error("invalid --max-ranges: '%s'", optarg);
            cfg->max_ranges = v ? (size_t)v : SIZE_MAX;
            break;
        }
        case 'q':
            cfg->quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf(PROG " (atail) " VERSION "\n");
            return 0;
        case ':':
            return usage_error("option '%s' requires an argument", argv[optind - 1]);
        default:
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                return usage_error("invalid option '%s'", argv[optind - 1]);
            return usage_error("invalid option -- '%c'", optopt);
        }
    }
    ranges_normalize(&cfg->allowed);
    return 1;
}

/* ---- reading ------------------------------------------------------------- */

/* The number of the line's first seq=DIGITS field (at the start or after a
 * space or tab, followed by the end, a space, a tab or a CR). */
static bool line_seq(const char *s, size_t len, uint64_t *out)
{
    const char *end = s + len;
    for (const char *p = s; (p = memmem(p, (size_t)(end - p), "seq=", 4)) != NULL; p += 4) {
        if (p > s && p[-1] != ' ' && p[-1] != '\t')
            continue;
        const char *d = p + 4;
        uint64_t v = 0;
        bool overflow = false;
        for (; d < end && *d >= '0' && *d <= '9'; d++) {
            unsigned digit = (unsigned)(*d - '0');
            if (v > (UINT64_MAX - digit) / 10)
                overflow = true;
            v = v * 10 + digit;
        }
        if (d == p + 4 || overflow)
            continue;
        if (d < end && *d != ' ' && *d != '\t' && *d != '\r')
            continue;
        *out = v;
        return true;
    }
    return false;
}

static void add_example(struct input *in, const char *name, uint64_t lineno, const char *s,
                        size_t len, const char *why)
{
    if (in->n_examples >= MAX_EXAMPLES)
        return;
    char shown[64];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof shown - 4; i++)
        shown[n++] = (s[i] >= ' ' && s[i] < 127) ? s[i] : '?';
    if (n < len)
        shown[n++] = '.', shown[n++] = '.', shown[n++] = '.';
    shown[n] = '\0';
    snprintf(in->examples[in->n_examples++], sizeof in->examples[0], "%s:%" PRIu64 ": %s\"%s\"",
             name, lineno, why, shown);
}

/* Reads every line of f. Returns 0 or -1 (read error, reported). */
static int read_lines(FILE *f, const char *name, struct input *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t lineno = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        in->lines++;
        bool complete = line[len - 1] == '\n';
        size_t body = complete ? (size_t)len - 1 : (size_t)len;
        uint64_t v;
        if (!line_seq(line, body, &v)) {
            in->malformed++;
            add_example(in, name, lineno, line, body, "no seq=N: ");
            continue;
        }
        if (!complete) {
            in->malformed++;
            add_example(in, name, lineno, line, body, "no newline at the end: ");
        }
        if (in->n == in->cap) {
            in->cap = in->cap ? in->cap * 2 : 4096;
            in->seq = xrealloc(in->seq, in->cap * sizeof *in->seq);
        }
        in->seq[in->n++] = v;
    }
    free(line);
    if (ferror(f)) {
        fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
        return -1;
    }
    return 0;
}

static int read_input(int argc, char **argv, struct input *in)
{
    if (argc == 0)
        return read_lines(stdin, "(standard input)", in);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            if (read_lines(stdin, "(standard input)", in) < 0)
                return -1;
            continue;
        }
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            fprintf(stderr, PROG ": %s: %s\n", argv[i], strerror(errno));
            return -1;
        }
        int r = read_lines(f, argv[i], in);
        fclose(f);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* ---- checking ------------------------------------------------------------ */

struct entry {
    uint64_t seq;
    size_t idx; /* position in the input */
};

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The missing numbers [lo, hi]: split into allowed and lost parts. */
static void add_missing(const struct config *cfg, struct result *res, uint64_t lo, uint64_t hi)
{
    ranges_add(&res->missing_r, lo, hi);
    uint64_t at = lo;
    for (size_t i = 0; i < cfg->allowed.n && at <= hi; i++) {
        const struct range *a = &cfg->allowed.v[i];
        if (a->hi < at)
            continue;
        if (a->lo > hi)
            break;
        if (a->lo > at) {
            ranges_add(&res->lost_r, at, a->lo - 1);
            res->lost += a->lo - at;
        }
        uint64_t end = a->hi < hi ? a->hi : hi;
        res->allowed_lost += end - (a->lo > at ? a->lo : at) + 1;
        if (end == UINT64_MAX)
            return;
        at = end + 1;
    }
    if (at <= hi) {
        ranges_add(&res->lost_r, at, hi);
        res->lost += hi - at + 1;
    }
}

static void check(const struct config *cfg, const struct input *in, struct result *res)
{
    *res = (struct result){0};
    if (in->n == 0 && !cfg->expect_given)
        return;
    struct entry *e = xrealloc(NULL, in->n * sizeof *e);
    bool *first = xrealloc(NULL, in->n * sizeof *first);
    for (size_t i = 0; i < in->n; i++) {
        e[i] = (struct entry){in->seq[i], i};
        first[i] = false;
    }
    qsort(e, in->n, sizeof *e, cmp_entry);

    /* Duplicates: every occurrence after the first. */
    for (size_t i = 0; i < in->n; i++) {
        if (i > 0 && e[i].seq == e[i - 1].seq) {
            res->duplicated++;
            ranges_add(&res->dup_r, e[i].seq, e[i].seq);
        } else {
            first[e[i].idx] = true;
        }
    }

    /* Out of order: a first occurrence below a number seen before it. */
    if (!cfg->any_order) {
        uint64_t *late = xrealloc(NULL, in->n * sizeof *late);
        size_t n_late = 0;
        uint64_t max = 0;
        bool have = false;
        for (size_t i = 0; i < in->n; i++) {
            if (!first[i])
                continue;
            if (have && in->seq[i] < max)
                late[n_late++] = in->seq[i];
            else
                max = in->seq[i], have = true;
        }
        res->out_of_order = n_late;
        qsort(late, n_late, sizeof *late, cmp_u64);
        for (size_t i = 0; i < n_late; i++)
            ranges_add(&res->order_r, late[i], late[i]);
        free(late);
    }

    /* Lost: the gaps between distinct numbers within the expected range. */
    struct range want = cfg->expect;
    if (!cfg->expect_given)
        want = (struct range){e[0].seq, e[in->n - 1].seq};
    uint64_t next = want.lo; /* smallest number not yet accounted for */
    bool done = false;       /* every number up to want.hi is accounted for */
    for (size_t i = 0; i < in->n; i++) {
        uint64_t s = e[i].seq;
        if (s < want.lo || s > want.hi) {
            res->unexpected++;
            continue;
        }
        if (i > 0 && s == e[i - 1].seq)
            continue;
        if (!done && s > next)
            add_missing(cfg, res, next, s - 1);
        if (s == want.hi)
            done = true;
        else
            next = s + 1;
    }
    if (!done && next <= want.hi)
        add_missing(cfg, res, next, want.hi);
    free(e);
    free(first);
}

/* ---- output -------------------------------------------------------------- */

static void print_ranges(const char *what, uint64_t count, const struct ranges *r,
                         const struct config *cfg)
{
    printf("%s: %" PRIu64 " in %zu range%s:", what, count, r->n, r->n == 1 ? "" : "s");
    size_t shown = r->n < cfg->max_ranges ? r->n : cfg->max_ranges;
    for (size_t i = 0; i < shown; i++) {
        if (r->v[i].lo == r->v[i].hi)
            printf(" %" PRIu64, r->v[i].lo);
        else
            printf(" %" PRIu64 "-%" PRIu64, r->v[i].lo, r->v[i].hi);
    }
    if (shown < r->n)
        printf(" ... (%zu more)", r->n - shown);
    putchar('\n');
}

static int write_missing(const char *path, const struct ranges *r)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].lo == r->v[i].hi)
            fprintf(f, "%" PRIu64 "\n", r->v[i].lo);
        else
            fprintf(f, "%" PRIu64 "-%" PRIu64 "\n", r->v[i].lo, r->v[i].hi);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_report(const struct config *cfg, const struct input *in, const struct result *res,
                         bool ok)
{
    if (res->lost)
        print_ranges("lost", res->lost, &res->lost_r, cfg);
    if (res->duplicated)
        print_ranges("duplicated", res->duplicated, &res->dup_r, cfg);
    if (res->out_of_order)
        print_ranges("out of order", res->out_of_order, &res->order_r, cfg);
    if (res->unexpected)
        printf("unexpected: %" PRIu64 " lines outside seq %" PRIu64 "-%" PRIu64 "\n",
               res->unexpected, cfg->expect.lo, cfg->expect.hi);
    if (in->malformed) {
        printf("malformed: %" PRIu64 "\n", in->malformed);
        for (size_t i = 0; i < in->n_examples; i++)
            printf("  %s\n", in->examples[i]);
    }
    printf(PROG ": %s lines=%" PRIu64, ok ? "OK" : "FAIL", in->lines);
    if (cfg->expect_given)
        printf(" range=%" PRIu64 "-%" PRIu64, cfg->expect.lo, cfg->expect.hi);
    else if (in->n > 0) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (size_t i = 0; i < in->n; i++) {
            lo = in->seq[i] < lo ? in->seq[i] : lo;
            hi = in->seq[i] > hi ? in->seq[i] : hi;
        }
        printf(" range=%" PRIu64 "-%" PRIu64, lo, hi);
    }
    printf(" lost=%" PRIu64 " allowed_lost=%" PRIu64 " duplicated=%" PRIu64 " out_of_order=%" PRIu64
           " malformed=%" PRIu64 " unexpected=%" PRIu64 "\n",
           res->lost, res->allowed_lost, res->duplicated, res->out_of_order, in->malformed,
           res->unexpected);
}

int main(int argc, char **argv)
{
    struct config cfg;
    int r = parse_args(argc, argv, &cfg);
    if (r <= 0) {
        free(cfg.allowed.v);
        return r < 0 ? 2 : (fflush(stdout) == 0 ? 0 : 2);
    }
    struct input in = {0};
    struct result res = {0};
    int status = 2;
    if (read_input(argc - optind, argv + optind, &in) < 0)
        goto out;
    check(&cfg, &in, &res);
    if (cfg.write_lost && write_missing(cfg.write_lost, &res.missing_r) < 0)
        goto out;
    bool ok = !res.lost && !res.duplicated && !res.out_of_order && !in.malformed && !res.unexpected;
    if (!cfg.quiet) {
        print_report(&cfg, &in, &res, ok);
        if (fflush(stdout) != 0)
            goto out;
    }
    status = ok ? 0 : 1;
out:
    free(in.seq);
    free(cfg.allowed.v);
    free(res.lost_r.v);
    free(res.dup_r.v);
    free(res.order_r.v);
    free(res.missing_r.v);
    return status;
}
