/* atail against GNU tail (/usr/bin/tail): byte-identical standard output and
 * the same exit status, over a matrix of files and options, for regular
 * files, several files with headers, and standard input through a pipe. */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GNU_TAIL "/usr/bin/tail"
#define RUN_MS 60000
#define MAX_ARGS 32
#define MAX_REPORTS 10 /* mismatches described in full; the rest counted */
/* Under valgrind (scripts/valgrind.sh), every case is still run and
 * compared, but atail runs under valgrind in one case of VALGRIND_EVERY
 * only, taken in turn (7 is prime to the numbers of options, so that the
 * options and the files meet valgrind in turn too), and natively in the
 * others: valgrind takes half a second to start a program, and the whole
 * matrix, about 580 runs of atail, would take 6 minutes. */
#define VALGRIND_EVERY 7

struct sample {
    const char *name;
    const char *path;
    struct buf data;
};

enum {
    F_EMPTY,
    F_ONE_LINE,
    F_NO_TRAILING_NL,
    F_ONLY_NEWLINES,
    F_LONG_LINE,
    F_NULS,
    F_CRLF,
    F_BINARY,
    F_MANY_LINES,
    F_BIG,
    N_SAMPLES
};

static struct sample samples[N_SAMPLES];

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = realloc(b->data, cap);
        cr_assert_not_null(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void puts_buf(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Deterministic bytes: the same files on every run. */
static uint32_t rng = 2463534242u;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void make_samples(void)
{
    static const char *names[N_SAMPLES] = {
        "empty", "one_line", "no_trailing_nl", "only_newlines", "long_line",
        "nuls",  "crlf",     "binary",         "many_lines",    "big",
    };
    char line[64];
    for (int i = 0; i < N_SAMPLES; i++) {
        samples[i].name = names[i];
        samples[i].path = scratch_path(names[i]);
        samples[i].data = (struct buf){0};
        put(&samples[i].data, "", 0);
    }
    puts_buf(&samples[F_ONE_LINE].data, "hello world\n");
    puts_buf(&samples[F_NO_TRAILING_NL].data, "alpha\nbeta\ngamma\ndelta\nepsilon");
    for (int i = 0; i < 50; i++)
        puts_buf(&samples[F_ONLY_NEWLINES].data, "\n");

    struct buf *b = &samples[F_LONG_LINE].data;
    puts_buf(b, "first\nsecond\n");
    for (int i = 0; i < 300 * 1024; i++) {
        char c = (char)('a' + i % 26);
        put(b, &c, 1);
    }
    puts_buf(b, "\n");

    b = &samples[F_NULS].data;
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(line, sizeof line, "rec%d", i);
        put(b, line, (size_t)n);
        put(b, "\0", 1);
        if (i % 3 == 0)
            put(b, "\0\0", 2);
        put(b, i % 7 == 0 ? "\n\n" : "\n", i % 7 == 0 ? 2 : 1);
    }
    put(b, "tail\0end", 8);

    b = &samples[F_CRLF].data;
    for (int i = 0; i < 500; i++) {
        int n = snprintf(line, sizeof line, "line %d\r\n", i);
        put(b, line, (size_t)n);
    }
    puts_buf(b, "last\r");

    b = &samples[F_BINARY].data;
    for (int i = 0; i < 200 * 1024; i++) {
        char c = (char)(next_random() >> 24);
        put(b, &c, 1);
    }

    b = &samples[F_MANY_LINES].data;
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line, "%d\n", i);
        put(b, line, (size_t)n);
    }

    /* Over 1 MiB, lines of varying lengths, no final newline: reading
     * backwards crosses many block boundaries. */
    b = &samples[F_BIG].data;
    for (int i = 0; b->len < 1536 * 1024; i++) {
        int len = 1 + (int)(next_random() % 160);
        for (int j = 0; j < len; j++) {
            char c = (char)('A' + (i + j) % 58);
            put(b, &c, 1);
        }
        if (i % 1000 != 999)
            puts_buf(b, "\n");
    }
    puts_buf(b, "the very end");

    for (int i = 0; i < N_SAMPLES; i++)
        write_file(samples[i].path, samples[i].data.data, samples[i].data.len);
}

static int failures;
static int n_compared; /* cases run by compare() in this test */

/* Splits "-n +2 -v" into words (no quoting needed here). Returns the count. */
static int split(char *s, const char **words, int max)
{
    int n = 0;
    for (char *w = strtok(s, " "); w && n < max; w = strtok(NULL, " "))
        words[n++] = w;
    return n;
}

static size_t first_difference(const struct buf *a, const struct buf *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++)
        if (a->data[i] != b->data[i])
            return i;
    return n;
}

/* Runs atail and GNU tail with the same options, operands and stdin, and
 * compares stdout and exit status. `what` names the case in reports. */
static bool compare(const char *options, const char *const *operands, int n_operands,
                    const struct buf *in, const char *what)
{
    char opts[256];
    snprintf(opts, sizeof opts, "%s", options);
    const char *words[MAX_ARGS];
    int n_words = split(opts, words, MAX_ARGS - n_operands - 2);

    const char *argv_a[MAX_ARGS], *argv_g[MAX_ARGS];
    int n = 0;
    argv_a[n] = bin_path("atail");
    argv_g[n++] = GNU_TAIL;
    for (int i = 0; i < n_words; i++, n++)
        argv_a[n] = argv_g[n] = words[i];
    for (int i = 0; i < n_operands; i++, n++)
        argv_a[n] = argv_g[n] = operands[i];
    argv_a[n] = argv_g[n] = NULL;

    const void *in_data = in ? in->data : NULL;
    size_t in_len = in ? in->len : 0;
    unsigned flags = n_compared++ % VALGRIND_EVERY == 0 ? 0 : PROC_NATIVE;
    struct proc *a = run_flags(argv_a, in_data, in_len, RUN_MS, flags);
    struct proc *g = run(argv_g, in_data, in_len, RUN_MS);
    bool same = a->out.len == g->out.len && memcmp(a->out.data, g->out.data, a->out.len) == 0 &&
                exit_code(a) == exit_code(g);
    if (!same) {
        failures++;
        if (failures <= MAX_REPORTS)
            cr_log_error("MISMATCH [%s] options \"%s\": atail %zu bytes exit %d, tail %zu bytes "
                         "exit %d, first difference at byte %zu; atail stderr: %.300s",
                         what, options, a->out.len, exit_code(a), g->out.len, exit_code(g),
                         first_difference(&a->out, &g->out), a->err.data);
    }
    proc_free(a);
    proc_free(g);
    return same;
}

static void check_failures(const char *what, int cases)
{
    cr_expect_eq(failures, 0, "%s: %d of %d cases differ from GNU tail (see log above)", what,
                 failures, cases);
}

static const char *const single_file_options[] = {
    "",        "-n 0",       "-n 1",      "-n 3",       "-n 10",    "-n +1",   "-n +2",
    "-n +0",   "-n +100000", "-c 0",      "-c 1",       "-c 5",     "-c +1",   "-c +7",
    "-c 1K",   "-c +0",      "--lines=3", "--bytes=+2", "-3",       "+2",      "-5c",
    "-z",      "-z -n 0",    "-z -n 1",   "-z -n 3",    "-z -n +2", "-z -c 5", "-z -c +7",
    "-v -n 2", "-q -n 2",    "-n 2KiB",   "-c 1kB",     "-n 1b",
};

Test(cli_compat, single_files)
{
    make_samples();
    int cases = 0;
    size_t n_opts = sizeof single_file_options / sizeof single_file_options[0];
    for (int f = 0; f < N_SAMPLES; f++) {
        for (size_t i = 0; i < n_opts; i++) {
            const char *ops[] = {samples[f].path};
            compare(single_file_options[i], ops, 1, NULL, samples[f].name);
            cases++;
        }
    }
    check_failures("single files", cases);
}

static const char *const multi_file_options[] = {
    "",      "-q",       "-v",      "-n 1", "-n 0",    "-v -n 0", "-c 3",   "-n +2",
    "-c +4", "-q -n +2", "-v -c 2", "-z",   "-z -n 2", "-n 1 -v", "-quiet", "--silent -n 1",
};

Test(cli_compat, several_files)
{
    make_samples();
    const char *sets[][4] = {
        {samples[F_ONE_LINE].path, samples[F_EMPTY].path, samples[F_NO_TRAILING_NL].path, NULL},
        {samples[F_EMPTY].path, samples[F_EMPTY].path, NULL, NULL},
        {samples[F_NO_TRAILING_NL].path, samples[F_ONE_LINE].path, NULL, NULL},
        {samples[F_BIG].path, samples[F_NULS].path, samples[F_MANY_LINES].path, NULL},
        {samples[F_ONE_LINE].path, samples[F_ONE_LINE].path, samples[F_ONLY_NEWLINES].path,
         samples[F_CRLF].path},
    };
    int cases = 0;
    size_t n_opts = sizeof multi_file_options / sizeof multi_file_options[0];
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        int n = 0;
        while (n < 4 && sets[s][n])
            n++;
        char what[32];
        snprintf(what, sizeof what, "file set %zu", s);
        for (size_t i = 0; i < n_opts; i++) {
            /* "-quiet" is not an option of either program: the comparison
             * covers the error path too. */
            compare(multi_file_options[i], sets[s], n, NULL, what);
            cases++;
        }
    }
    check_failures("several files", cases);
}

Test(cli_compat, stdin_pipe)
{
    make_samples();
    static const char *const options[] = {"",     "-n 3",    "-n +2",   "-c 4", "-c +3",
                                          "-n 0", "-z -n 2", "-v -n 1", "-5",   "-n +1"};
    static const int files[] = {F_EMPTY, F_ONE_LINE, F_NO_TRAILING_NL, F_NULS,
                                F_CRLF,  F_BINARY,   F_MANY_LINES,     F_BIG};
    int cases = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        const struct sample *s = &samples[files[f]];
        for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
            char what[64];
            snprintf(what, sizeof what, "stdin pipe of %s", s->name);
            compare(options[i], NULL, 0, &s->data, what);
            cases++;
            const char *dash[] = {"-"};
            snprintf(what, sizeof what, "'-' as pipe of %s", s->name);
            compare(options[i], dash, 1, &s->data, what);
            cases++;
        }
    }
    check_failures("stdin pipe", cases);
}

Test(cli_compat, stdin_among_files)
{
    make_samples();
    static const char *const options[] = {"", "-n 1", "-c 3", "-q", "-n +2", "-z -n 1"};
    const char *ops[] = {samples[F_ONE_LINE].path, "-", samples[F_NO_TRAILING_NL].path};
    const char *first[] = {"-", samples[F_EMPTY].path};
    int cases = 0;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        compare(options[i], ops, 3, &samples[F_CRLF].data, "file - file");
        compare(options[i], first, 2, &samples[F_NULS].data, "- empty");
        cases += 2;
    }
    check_failures("stdin among files", cases);
}

Test(cli_compat, stdin_regular_file)
{
    /* `atail < file`: standard input is a regular file, not a pipe. */
    make_samples();
    static const char *const options[] = {"", "-n 3", "-n +2", "-c 4", "-c +3"};
    int cases = 0;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        for (int f = F_ONE_LINE; f < N_SAMPLES; f += 3) {
            char cmd_a[512], cmd_g[512];
            snprintf(cmd_a, sizeof cmd_a, "exec %s %s < %s", bin_path("atail"), options[i],
                     samples[f].path);
            snprintf(cmd_g, sizeof cmd_g, "exec %s %s < %s", GNU_TAIL, options[i], samples[f].path);
            struct proc *a = run_sh(cmd_a, RUN_MS);
            struct proc *g = run_sh(cmd_g, RUN_MS);
            bool same = a->out.len == g->out.len &&
                        memcmp(a->out.data, g->out.data, a->out.len) == 0 &&
                        exit_code(a) == exit_code(g);
            if (!same) {
                failures++;
                cr_log_error("MISMATCH [stdin redirected from %s] options \"%s\": atail %zu "
                             "bytes, tail %zu bytes",
                             samples[f].name, options[i], a->out.len, g->out.len);
            }
            proc_free(a);
            proc_free(g);
            cases++;
        }
    }
    check_failures("stdin regular file", cases);
}

/* Files whose size lies (GNU's tail-2/tail-c.sh): /proc files say 0 bytes,
 * /sys files a block, whatever they hold. tail -c 1 /proc/version is its
 * last byte, not the whole file (nor nothing). */
Test(cli_compat, files_whose_size_lies)
{
    static const char *const files[] = {"/proc/version", "/sys/kernel/profiling",
                                        "/proc/self/mounts"};
    static const char *const options[] = {"-c -1", "-c 3",  "-n 1", "-n 2",
                                          "-c +2", "-n +2", "-c 0", "-z -n 1"};
    int cases = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        if (access(files[f], R_OK) != 0)
            continue; /* (/sys may not be mounted) */
        for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
            const char *ops[] = {files[f]};
            compare(options[i], ops, 1, NULL, files[f]);
            cases++;
        }
    }
    cr_assert_gt(cases, 0, "no /proc/version");
    check_failures("files whose size lies", cases);
}
