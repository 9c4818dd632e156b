/* options.h - the command line of atail: GNU tail 9.1's options (and its
 * obsolete "-N" / "+N" forms) plus atail's own --max-lines. */
#ifndef ATAIL_CLI_OPTIONS_H
#define ATAIL_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum header_mode {
    HEADERS_MULTIPLE, /* only with several files (default) */
    HEADERS_ALWAYS,   /* -v */
    HEADERS_NEVER,    /* -q */
};

struct cli_options {
    bool lines;               /* -n (true, default) or -c */
    bool from_start;          /* +NUM: count from the start of the file */
    uint64_t count;           /* NUM; 10 by default */
    bool follow;              /* -f, --follow */
    bool follow_name;         /* --follow=name, -F: not supported yet */
    bool retry;               /* --retry, -F */
    pid_t pid;                /* --pid; 0: none */
    double sleep_interval;    /* -s; only used to poll --pid without pidfd */
    enum header_mode headers; /* -q, -v */
    int delimiter;            /* '\n', or '\0' with -z */
    bool max_lines_set;       /* --max-lines given */
    uint64_t max_lines;       /* --max-lines=N */
    char **files;             /* operands; "-" is standard input */
    size_t n_files;           /* >= 1: no operand means "-" */
};

/* What options_parse() leaves to main. */
#define OPTIONS_RUN (-1)

/* Parses argv into *o. Prints --help and --version output and every
 * complaint (GNU's wording, prefixed "atail: ") itself. Returns OPTIONS_RUN
 * to go on, or the exit status to end with at once (0 after --help or
 * --version, 1 after an error). argv is permuted, as getopt does. */
int options_parse(int argc, char **argv, struct cli_options *o);

#endif
