/* options.h - the command line of atail: GNU tail 9.1's options (and its
 * obsolete "-N" / "+N" forms) plus atail's own: --max-lines, --max-line,
 * --rotate-grace, --close-idle, --spawn, --state*, --output, --json-*, --glob,
 * --exclude, --to, --subject, --create-stream, --window. */
#ifndef ATAIL_CLI_OPTIONS_H
#define ATAIL_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sink.h"

enum output_mode {
    OUTPUT_RAW,  /* the bytes of the files, as tail (default) */
    OUTPUT_JSON, /* one JSON object per line */
};

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
    bool follow_name;         /* --follow=name, -F */
    bool retry;               /* --retry, -F */
    pid_t pid;                /* --pid; 0: none */
    double sleep_interval;    /* -s: the polling period with ---disable-inotify */
    bool disable_inotify;     /* ---disable-inotify, --disable-inotify */
    bool rotate_grace_set;    /* --rotate-grace given */
    double rotate_grace;      /* --rotate-grace=SECONDS */
    double close_idle;        /* --close-idle=SECONDS; 0: never */
    enum header_mode headers; /* -q, -v */
    int delimiter;            /* '\n', or '\0' with -z */
    bool max_lines_set;       /* --max-lines given */
    uint64_t max_lines;       /* --max-lines=N */
    uint64_t max_line;        /* --max-line=BYTES; 0: the library's default */
    const char *spawn;        /* --spawn=COMMAND, or NULL */
    const char *state_path;   /* --state=FILE, or NULL */
    double state_interval;    /* --state-interval=SECONDS (1) */
    bool state_sync_line;     /* --state-sync=line */
    enum output_mode output;  /* --output */
    bool json_time;           /* --json-time */
    bool json_host;           /* --json-host */
    const char **globs;       /* --glob=PATTERN, in order */
    size_t n_globs;
    const char **excludes; /* --exclude=PATTERN, NULL-terminated */
    size_t n_excludes;
    const char *to;            /* --to=URL: lines go to a message server, or NULL */
    const char *subject;       /* --subject=TEMPLATE */
    const char *create_stream; /* --create-stream=NAME, or NULL */
    unsigned window;           /* --window=N: messages in flight at most */
    bool read_stream;          /* the operand is nats://HOST:PORT/STREAM: read it */
    struct sink_auth auth;     /* --nats-ca, --nats-creds, --nats-user, --nats-*-file */
    char **files;              /* operands; "-" is standard input */
    size_t n_files;            /* >= 1 without --glob: no operand means "-" */
};

/* What options_parse() leaves to main. */
#define OPTIONS_RUN (-1)

/* Parses argv into *o. Prints --help and --version output and every
 * complaint (GNU's wording, prefixed with program_name()) itself, and the
 * warnings unless `warn` is false (atail-nats parses the command line
 * atail has parsed and warned about already). Returns OPTIONS_RUN to go
 * on, or the exit status to end with at once (0 after --help or
 * --version, 1 after an error). argv is permuted, as getopt does. */
int options_parse(int argc, char **argv, struct cli_options *o, bool warn);

/* Releases what options_parse() allocated. */
void options_free(struct cli_options *o);

/* The --help text (cli/usage.c), after its first line ("Usage: NAME
 * [OPTION]... [FILE]...", NAME as program_name()). */
extern const char usage_text[];

#endif
