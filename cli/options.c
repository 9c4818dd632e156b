/* options.c - see options.h. The order of the checks and the wording of
 * every message are GNU tail 9.1's (src/tail.c: parse_obsolete_option,
 * parse_options), so scripts written for tail see the same behaviour;
 * atail's own options come after, in the same style. */
#include "options.h"

#include "number.h"
#include "output.h"
#include "quote.h"
#include "sink.h"
#include "subject.h"

#include <atail.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_RETRY = CHAR_MAX + 1,
    OPT_MAX_UNCHANGED_STATS,
    OPT_PID,
    OPT_FOLLOW,
    OPT_MAX_LINES,
    OPT_MAX_LINE,
    OPT_DISABLE_INOTIFY,
    OPT_ROTATE_GRACE,
    OPT_CLOSE_IDLE,
    OPT_SPAWN,
    OPT_STATE,
    OPT_STATE_INTERVAL,
    OPT_STATE_SYNC,
    OPT_OUTPUT,
    OPT_JSON_TIME,
    OPT_JSON_HOST,
    OPT_GLOB,
    OPT_EXCLUDE,
    OPT_TO,
    OPT_SUBJECT,
    OPT_CREATE_STREAM,
    OPT_WINDOW,
    OPT_NATS_CA,
    OPT_NATS_CREDS,
    OPT_NATS_USER,
    OPT_NATS_PASSWORD_FILE,
    OPT_NATS_TOKEN_FILE,
    OPT_HELP,
    OPT_VERSION,
    OPT_IGNORED, /* GNU's undocumented ---presume-input-pipe */
};

static const struct option long_options[] = {
    {"bytes", required_argument, NULL, 'c'},
    {"create-stream", required_argument, NULL, OPT_CREATE_STREAM},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"follow", optional_argument, NULL, OPT_FOLLOW},
    {"glob", required_argument, NULL, OPT_GLOB},
    {"json-host", no_argument, NULL, OPT_JSON_HOST},
    {"json-time", no_argument, NULL, OPT_JSON_TIME},
    {"lines", required_argument, NULL, 'n'},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"max-lines", required_argument, NULL, OPT_MAX_LINES},
    {"max-unchanged-stats", required_argument, NULL, OPT_MAX_UNCHANGED_STATS},
    {"-disable-inotify", no_argument, NULL, OPT_DISABLE_INOTIFY},
    {"disable-inotify", no_argument, NULL, OPT_DISABLE_INOTIFY},
    {"nats-ca", required_argument, NULL, OPT_NATS_CA},
    {"nats-creds", required_argument, NULL, OPT_NATS_CREDS},
    {"nats-password-file", required_argument, NULL, OPT_NATS_PASSWORD_FILE},
    {"nats-token-file", required_argument, NULL, OPT_NATS_TOKEN_FILE},
    {"nats-user", required_argument, NULL, OPT_NATS_USER},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"pid", required_argument, NULL, OPT_PID},
    {"-presume-input-pipe", no_argument, NULL, OPT_IGNORED},
    {"quiet", no_argument, NULL, 'q'},
    {"retry", no_argument, NULL, OPT_RETRY},
    {"rotate-grace", required_argument, NULL, OPT_ROTATE_GRACE},
    {"close-idle", required_argument, NULL, OPT_CLOSE_IDLE},
    {"silent", no_argument, NULL, 'q'},
    {"sleep-interval", required_argument, NULL, 's'},
    {"spawn", required_argument, NULL, OPT_SPAWN},
    {"state", required_argument, NULL, OPT_STATE},
    {"state-interval", required_argument, NULL, OPT_STATE_INTERVAL},
    {"state-sync", required_argument, NULL, OPT_STATE_SYNC},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"to", required_argument, NULL, OPT_TO},
    {"verbose", no_argument, NULL, 'v'},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"zero-terminated", no_argument, NULL, 'z'},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void try_help(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", program_name());
}

/* Writes --help or --version text; a failed write is an error, as with GNU
 * (atail --help >/dev/full). */
static int print_text(const char *text)
{
    if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
        msg(errno, "write error");
        return 1;
    }
    return 0;
}

/* An option's argument among `choices`, matched like gnulib's argmatch:
 * exact, else an unambiguous prefix. Returns the index, or -1 (reported,
 * in argmatch's words). */
static int match_arg(const char *option, const char *arg, const char *const *choices, int n)
{
    size_t len = strlen(arg);
    int found = -1;
    bool ambiguous = false;
    for (int i = 0; i < n; i++) {
        if (strncmp(choices[i], arg, len) != 0)
            continue;
        if (strlen(choices[i]) == len)
            return i;
        if (found < 0)
            found = i;
        else
            ambiguous = true;
    }
    if (found >= 0 && !ambiguous)
        return found;
    msg(0, "%s argument %s for %s", ambiguous ? "ambiguous" : "invalid", quote_arg(0, arg),
        quote_arg(1, option));
    fputs("Valid arguments are:", stderr);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "\n  - %s", quote_arg(0, choices[i]));
    fputc('\n', stderr);
    try_help();
    return -1;
}

/* --follow's argument: 1 for name, 0 for descriptor, -1 (reported). */
static int follow_mode_arg(const char *arg)
{
    static const char *const modes[] = {"descriptor", "name"};
    return match_arg("--follow", arg, modes, 2);
}

/* GNU accepts the obsolete form only with one option and at most one file
 * ("tail -5 f", "tail -5 -- f"); "tail -5 a b" is an error. */
static bool obsolete_shape(int argc, char **argv)
{
    return argc == 2 || (argc == 3 && !(argv[2][0] == '-' && argv[2][1])) ||
           (argc >= 3 && argc <= 4 && strcmp(argv[2], "--") == 0);
}

/* Handles the obsolete first argument. Returns 1 when argv[1] was one (and
 * is consumed), 0 when it was not, -1 after reporting an invalid number. */
static int parse_obsolete(int argc, char **argv, struct cli_options *o)
{
    if (!obsolete_shape(argc, argv))
        return 0;
    struct num_obsolete ob;
    switch (num_obsolete(argv[1], &ob)) {
    case NUM_OBSOLETE_NONE:
        return 0;
    case NUM_OBSOLETE_INVALID:
        msg(0, "invalid number: %s", quote_arg(0, argv[1]));
        return -1;
    case NUM_OBSOLETE_RANGE:
        msg(ERANGE, "invalid number: %s", quote_arg(0, argv[1]));
        return -1;
    case NUM_OBSOLETE_OK:
        break;
    }
    o->count = ob.count;
    o->from_start = ob.from_start;
    o->lines = ob.lines;
    o->follow = ob.follow;
    return 1;
}

/* Parses a numeric option argument with num_dec(); reports failures with
 * `what` ("invalid PID"). Returns 0 or -1. */
static int number_arg(const char *arg, const char *suffixes, uint64_t max, const char *what,
                      uint64_t *val)
{
    int errnum;
    if (num_dec(arg, suffixes, max, val, &errnum) == 0)
        return 0;
    msg(errnum, "%s: %s", what, quote_arg(0, arg));
    return -1;
}

/* A number of seconds (-s's syntax): 0 or -1 (reported as `what`). */
static int seconds_arg(const char *arg, const char *what, double *val)
{
    if (num_seconds(arg, val) == 0)
        return 0;
    msg(0, "%s: %s", what, quote_arg(0, arg));
    return -1;
}

/* --to and what goes with it. */
static int parse_ship(int c, struct cli_options *o)
{
    uint64_t v;
    switch (c) {
    case OPT_TO:
        if (!sink_url(optarg)) {
            msg(0, "invalid destination: %s (nats://HOST:PORT or tls://HOST:PORT)",
                quote_arg(0, optarg));
            return 1;
        }
        o->to = optarg;
        return OPTIONS_RUN;
    case OPT_SUBJECT:
        o->subject = optarg; /* checked with the mode (check_ship()) */
        return OPTIONS_RUN;
    case OPT_CREATE_STREAM:
        if (!*optarg || strpbrk(optarg, ". *>\t")) {
            msg(0, "invalid stream name: %s", quote_arg(0, optarg));
            return 1;
        }
        o->create_stream = optarg;
        return OPTIONS_RUN;
    case OPT_WINDOW:
        if (number_arg(optarg, "", 1u << 20, "invalid window", &v) < 0)
            return 1;
        if (v == 0) {
            msg(0, "invalid window: %s", quote_arg(0, optarg));
            return 1;
        }
        o->window = (unsigned)v;
        return OPTIONS_RUN;
    case OPT_NATS_CA:
        o->auth.ca_file = optarg;
        return OPTIONS_RUN;
    case OPT_NATS_CREDS:
        o->auth.creds_file = optarg;
        return OPTIONS_RUN;
    case OPT_NATS_USER:
        o->auth.user = optarg;
        return OPTIONS_RUN;
    case OPT_NATS_PASSWORD_FILE:
        o->auth.password_file = optarg;
        return OPTIONS_RUN;
    case OPT_NATS_TOKEN_FILE:
        o->auth.token_file = optarg;
        return OPTIONS_RUN;
    default:
        try_help(); /* getopt has said what is wrong */
        return 1;
    }
}

/* atail's own options. */
static int parse_atail(int c, struct cli_options *o)
{
    static const char *const outputs[] = {"raw", "json"};
    static const char *const syncs[] = {"interval", "line"};
    int k;
    switch (c) {
    case OPT_MAX_LINE:
        if (number_arg(optarg, NUM_SUFFIXES_TAIL, SIZE_MAX / 8, "invalid maximum line length",
                       &o->max_line) < 0)
            return 1;
        if (o->max_line == 0) {
            msg(0, "invalid maximum line length: %s", quote_arg(0, optarg));
            return 1;
        }
        return OPTIONS_RUN;
    case OPT_DISABLE_INOTIFY:
        o->disable_inotify = true;
        return OPTIONS_RUN;
    case OPT_CLOSE_IDLE:
        if (seconds_arg(optarg, "invalid number of seconds", &o->close_idle))
            return 1;
        if (o->close_idle <= 0) {
            msg(0, "invalid number of seconds: %s", quote_arg(0, optarg));
            return 1;
        }
        return OPTIONS_RUN;
    case OPT_ROTATE_GRACE:
        o->rotate_grace_set = true;
        return seconds_arg(optarg, "invalid number of seconds", &o->rotate_grace) ? 1 : OPTIONS_RUN;
    case OPT_SPAWN:
        o->spawn = optarg;
        return OPTIONS_RUN;
    case OPT_STATE:
        if (!*optarg) {
            msg(0, "invalid state file name: %s", quote_arg(0, optarg));
            return 1;
        }
        o->state_path = optarg;
        return OPTIONS_RUN;
    case OPT_STATE_INTERVAL:
        return seconds_arg(optarg, "invalid number of seconds", &o->state_interval) ? 1
                                                                                    : OPTIONS_RUN;
    case OPT_STATE_SYNC:
        if ((k = match_arg("--state-sync", optarg, syncs, 2)) < 0)
            return 1;
        o->state_sync_line = k == 1;
        return OPTIONS_RUN;
    case OPT_OUTPUT:
        if ((k = match_arg("--output", optarg, outputs, 2)) < 0)
            return 1;
        o->output = k == 1 ? OUTPUT_JSON : OUTPUT_RAW;
        return OPTIONS_RUN;
    case OPT_JSON_TIME:
        o->json_time = true;
        return OPTIONS_RUN;
    case OPT_JSON_HOST:
        o->json_host = true;
        return OPTIONS_RUN;
    case OPT_GLOB:
        o->globs[o->n_globs++] = optarg;
        return OPTIONS_RUN;
    case OPT_EXCLUDE:
        o->excludes[o->n_excludes++] = optarg;
        return OPTIONS_RUN;
    default:
        return parse_ship(c, o);
    }
}

static int parse_one(int c, struct cli_options *o)
{
    uint64_t v;
    switch (c) {
    case 'F':
        o->follow = o->follow_name = o->retry = true;
        return OPTIONS_RUN;
    case 'c':
    case 'n': {
        const char *shown;
        int errnum;
        o->lines = c == 'n';
        if (num_count(optarg, &o->from_start, &o->count, &shown, &errnum) < 0) {
            msg(errnum, "invalid number of %s: %s", o->lines ? "lines" : "bytes",
                quote_arg(0, shown));
            return 1;
        }
        return OPTIONS_RUN;
    }
    case 'f':
        o->follow = true;
        o->follow_name = false;
        return OPTIONS_RUN;
    case OPT_FOLLOW: {
        int mode = optarg ? follow_mode_arg(optarg) : 0;
        if (mode < 0)
            return 1;
        o->follow = true;
        o->follow_name = mode == 1;
        return OPTIONS_RUN;
    }
    case OPT_RETRY:
        o->retry = true;
        return OPTIONS_RUN;
    case OPT_MAX_UNCHANGED_STATS:
        return number_arg(optarg, "", UINT64_MAX,
                          "invalid maximum number of unchanged stats between opens", &v) < 0
                   ? 1
                   : OPTIONS_RUN;
    case OPT_PID:
        if (number_arg(optarg, "", INT_MAX, "invalid PID", &v) < 0)
            return 1;
        o->pid = (pid_t)v;
        return OPTIONS_RUN;
    case OPT_MAX_LINES:
        if (number_arg(optarg, NUM_SUFFIXES_TAIL, UINT64_MAX, "invalid maximum number of lines",
                       &o->max_lines) < 0)
            return 1;
        o->max_lines_set = true;
        return OPTIONS_RUN;
    case OPT_IGNORED:
        return OPTIONS_RUN;
    case 'q':
        o->headers = HEADERS_NEVER;
        return OPTIONS_RUN;
    case 'v':
        o->headers = HEADERS_ALWAYS;
        return OPTIONS_RUN;
    case 'z':
        o->delimiter = '\0';
        return OPTIONS_RUN;
    case 's':
        if (num_seconds(optarg, &o->sleep_interval) < 0) {
            msg(0, "invalid number of seconds: %s", quote_arg(0, optarg));
            return 1;
        }
        return OPTIONS_RUN;
    case OPT_HELP:
        printf("Usage: %s [OPTION]... [FILE]...\n"
               "  or:  %s [OPTION]... nats://HOST:PORT/STREAM\n",
               program_name(), program_name()); /* print_text flushes */
        return print_text(usage_text);
    case OPT_VERSION:
        return print_text(PROGRAM_NAME " " ATAIL_VERSION_STRING "\n");
    default:
        if (c >= '0' && c <= '9') {
            msg(0, "option used in invalid context -- %c", c);
            return 1;
        }
        return parse_atail(c, o);
    }
}

/* --to (a template of subjects) or reading a stream (a filter, wildcards
 * allowed), and what goes with them. Returns OPTIONS_RUN or 1. */
static int check_ship(struct cli_options *o)
{
    o->read_stream = !o->to && o->n_files == 1 && o->n_globs == 0 && sink_url(o->files[0]);
    if ((o->create_stream || o->window) && !o->to) {
        msg(0, "--create-stream and --window go with --to");
        return 1;
    }
    const struct sink_auth *a = &o->auth;
    if ((a->ca_file || a->creds_file || a->user || a->password_file || a->token_file) && !o->to &&
        !o->read_stream) {
        msg(0, "the --nats-* options go with --to or a stream to read");
        return 1;
    }
    /* user:password@ in --to, or in the host part of a stream to read */
    const char *scheme = o->read_stream ? strstr(o->files[0], "://") : NULL;
    bool in_url = (o->to && strchr(o->to, '@')) ||
                  (scheme && memchr(scheme + 3, '@', strcspn(scheme + 3, "/")));
    if (in_url) {
        msg(0, "credentials in a URL are visible to every user (ps): use --nats-user with "
               "--nats-password-file or $ATAIL_NATS_PASSWORD, --nats-token-file or "
               "$ATAIL_NATS_TOKEN, or --nats-creds");
        return 1;
    }
    if (o->subject && !o->to && !o->read_stream) {
        msg(0, "--subject goes with --to or a stream to read (nats://HOST:PORT/STREAM)");
        return 1;
    }
    if (o->subject && ((o->to && !subject_valid(o->subject)) ||
                       (o->read_stream && !subject_filter_valid(o->subject)))) {
        msg(0, "invalid subject: %s (tokens separated by dots%s)", quote_arg(0, o->subject),
            o->to ? "; {host} and {file} stand for this host and the file's name"
                  : "; * and > are wildcards");
        return 1;
    }
    if (o->read_stream && !o->lines) {
        msg(0, "a stream is read by messages: -c does not apply");
        return 1;
    }
    if (!o->window)
        o->window = 1024;
    if (o->to && !o->subject)
        o->subject = "logs.{host}.{file}";
    return OPTIONS_RUN;
}

/* What GNU checks after parsing (warnings, in its order), then atail's own
 * combinations. Returns OPTIONS_RUN or 1. */
static int check(struct cli_options *o, bool warn)
{
    if (o->retry) {
        if (!o->follow) {
            o->retry = false;
            if (warn)
                msg(0, "warning: --retry ignored; --retry is useful only when following");
        } else if (!o->follow_name && warn) {
            msg(0, "warning: --retry only effective for the initial open");
        }
    }
    if (o->pid && !o->follow && !o->spawn && warn)
        msg(0, "warning: PID ignored; --pid=PID is useful only when following");
    for (size_t i = 0; i < o->n_files; i++) {
        if (o->follow_name && strcmp(o->files[i], "-") == 0) {
            msg(0, "cannot follow %s by name", quote_name(0, "-"));
            return 1;
        }
    }
    if (o->spawn && o->pid) {
        msg(0, "--spawn and --pid cannot be used together");
        return 1;
    }
    if (o->spawn)
        o->follow = true; /* by descriptor, unless -f or -F said otherwise */
    return check_ship(o);
}

void options_free(struct cli_options *o)
{
    free(o->globs);
    free(o->excludes);
    o->globs = NULL;
    o->excludes = NULL;
}

int options_parse(int argc, char **argv, struct cli_options *o, bool warn)
{
    *o = (struct cli_options){
        .lines = true,
        .count = 10,
        .sleep_interval = 1.0,
        .state_interval = 1.0,
        .headers = HEADERS_MULTIPLE,
        .delimiter = '\n',
    };
    /* Each --glob and --exclude takes an argument: argc bounds them. */
    o->globs = calloc((size_t)argc + 1, sizeof *o->globs);
    o->excludes = calloc((size_t)argc + 1, sizeof *o->excludes);
    if (!o->globs || !o->excludes) {
        msg(ENOMEM, "cannot parse the command line");
        options_free(o);
        return 1;
    }
    /* getopt names argv[0] in its complaints; make them "NAME: ..." as
     * every other diagnostic (program_name()). */
    char *name = (char *)program_name();
    argv[0] = name;

    int obsolete = parse_obsolete(argc, argv, o);
    if (obsolete < 0)
        return 1;
    argc -= obsolete;
    argv += obsolete;
    argv[0] = name;

    int c;
    while ((c = getopt_long(argc, argv, "c:n:fFqs:vz0123456789", long_options, NULL)) != -1) {
        int r = parse_one(c, o);
        if (r != OPTIONS_RUN)
            return r;
    }

    if (optind < argc) {
        o->files = argv + optind;
        o->n_files = (size_t)(argc - optind);
    } else if (o->n_globs == 0) {
        static char dash[] = "-";
        static char *stdin_only[] = {dash};
        o->files = stdin_only;
        o->n_files = 1;
    }
    return check(o, warn);
}
