/* options.c - see options.h. The order of the checks and the wording of
 * every message are GNU tail 9.1's (src/tail.c: parse_obsolete_option,
 * parse_options), so scripts written for tail see the same behaviour. */
#include "options.h"

#include "number.h"
#include "output.h"
#include "quote.h"

#include <atail.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

enum {
    OPT_RETRY = CHAR_MAX + 1,
    OPT_MAX_UNCHANGED_STATS,
    OPT_PID,
    OPT_FOLLOW,
    OPT_MAX_LINES,
    OPT_HELP,
    OPT_VERSION,
    OPT_IGNORED, /* GNU's undocumented ---disable-inotify, ---presume-input-pipe */
};

static const struct option long_options[] = {
    {"bytes", required_argument, NULL, 'c'},
    {"follow", optional_argument, NULL, OPT_FOLLOW},
    {"lines", required_argument, NULL, 'n'},
    {"max-lines", required_argument, NULL, OPT_MAX_LINES},
    {"max-unchanged-stats", required_argument, NULL, OPT_MAX_UNCHANGED_STATS},
    {"-disable-inotify", no_argument, NULL, OPT_IGNORED},
    {"pid", required_argument, NULL, OPT_PID},
    {"-presume-input-pipe", no_argument, NULL, OPT_IGNORED},
    {"quiet", no_argument, NULL, 'q'},
    {"retry", no_argument, NULL, OPT_RETRY},
    {"silent", no_argument, NULL, 'q'},
    {"sleep-interval", required_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"zero-terminated", no_argument, NULL, 'z'},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Keep in step with man/atail.1: same options, same descriptions. */
static const char usage_text[] =
    "Usage: atail [OPTION]... [FILE]...\n"
    "Print the last 10 lines of each FILE to standard output.\n"
    "With more than one FILE, precede each with a header giving the file name.\n"
    "\n"
    "With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "Mandatory arguments to long options are mandatory for short options too.\n"
    "  -c, --bytes=[+]NUM       output the last NUM bytes; or use -c +NUM to\n"
    "                             output starting with byte NUM of each file\n"
    "  -f, --follow[={name|descriptor}]\n"
    "                           output appended data as the file grows;\n"
    "                             an absent option argument means 'descriptor'\n"
    "                             ('name' is not supported yet)\n"
    "  -F                       same as --follow=name --retry (not supported yet)\n"
    "  -n, --lines=[+]NUM       output the last NUM lines, instead of the last 10;\n"
    "                             or use -n +NUM to output starting with line NUM\n"
    "      --max-lines=N        exit as soon as N lines have been output\n"
    "                             (an atail extension)\n"
    "      --max-unchanged-stats=N\n"
    "                           accepted for compatibility and ignored: it only\n"
    "                             matters to --follow=name\n"
    "      --pid=PID            with -f, terminate after process ID, PID dies\n"
    "  -q, --quiet, --silent    never output headers giving file names\n"
    "      --retry              keep trying to open a file if it is inaccessible;\n"
    "                             ignored without -f, not supported yet with -f\n"
    "  -s, --sleep-interval=N   accepted for compatibility and ignored: atail\n"
    "                             waits for events instead of sleeping\n"
    "  -v, --verbose            always output headers giving file names\n"
    "  -z, --zero-terminated    line delimiter is NUL, not newline\n"
    "      --help               display this help and exit\n"
    "      --version            output version information and exit\n"
    "\n"
    "NUM may have a multiplier suffix:\n"
    "b 512, kB 1000, K 1024, MB 1000*1000, M 1024*1024,\n"
    "GB 1000*1000*1000, G 1024*1024*1024, and so on for T, P, E, Z, Y.\n"
    "Binary prefixes can be used, too: KiB=K, MiB=M, and so on.\n"
    "\n"
    "With --follow (-f), atail follows the file descriptor, which means that\n"
    "even if a followed file is renamed, atail keeps reading it.  A pipe given\n"
    "as standard input is read to its end and not followed.\n"
    "\n"
    "Exit status is 0 on success, 1 if a file could not be read or another\n"
    "error occurred.\n";

static void try_help(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", PROGRAM_NAME);
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

/* --follow's argument, matched like gnulib's argmatch: exact, else an
 * unambiguous prefix. Returns 1 for name, 0 for descriptor, -1 (reported)
 * otherwise. */
static int follow_mode_arg(const char *arg)
{
    static const char *const modes[] = {"descriptor", "name"};
    size_t len = strlen(arg);
    int found = -1;
    bool ambiguous = false;
    for (int i = 0; i < 2; i++) {
        if (strncmp(modes[i], arg, len) != 0)
            continue;
        if (strlen(modes[i]) == len)
            return i;
        if (found < 0)
            found = i;
        else
            ambiguous = true;
    }
    if (found >= 0 && !ambiguous)
        return found;
    msg(0, "%s argument %s for %s", ambiguous ? "ambiguous" : "invalid", quote_arg(0, arg),
        quote_arg(1, "--follow"));
    fputs("Valid arguments are:", stderr);
    for (int i = 0; i < 2; i++)
        fprintf(stderr, "\n  - %s", quote_arg(0, modes[i]));
    fputc('\n', stderr);
    try_help();
    return -1;
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
        return print_text(usage_text);
    case OPT_VERSION:
        return print_text(PROGRAM_NAME " " ATAIL_VERSION_STRING "\n");
    default:
        if (c >= '0' && c <= '9') {
            msg(0, "option used in invalid context -- %c", c);
            return 1;
        }
        try_help(); /* getopt has said what is wrong */
        return 1;
    }
}

int options_parse(int argc, char **argv, struct cli_options *o)
{
    *o = (struct cli_options){
        .lines = true,
        .count = 10,
        .sleep_interval = 1.0,
        .headers = HEADERS_MULTIPLE,
        .delimiter = '\n',
    };
    /* getopt names argv[0] in its complaints; make them "atail: ...". */
    static char program_name[] = PROGRAM_NAME;
    argv[0] = program_name;

    int obsolete = parse_obsolete(argc, argv, o);
    if (obsolete < 0)
        return 1;
    argc -= obsolete;
    argv += obsolete;
    argv[0] = program_name;

    int c;
    while ((c = getopt_long(argc, argv, "c:n:fFqs:vz0123456789", long_options, NULL)) != -1) {
        int r = parse_one(c, o);
        if (r != OPTIONS_RUN)
            return r;
    }

    if (o->follow_name) {
        msg(0, "--follow=name is not supported yet");
        return 1;
    }
    if (o->retry) {
        if (!o->follow) {
            o->retry = false;
            msg(0, "warning: --retry ignored; --retry is useful only when following");
        } else {
            msg(0, "--retry is not supported yet");
            return 1;
        }
    }
    if (o->pid && !o->follow)
        msg(0, "warning: PID ignored; --pid=PID is useful only when following");

    if (optind < argc) {
        o->files = argv + optind;
        o->n_files = (size_t)(argc - optind);
    } else {
        static char dash[] = "-";
        static char *stdin_only[] = {dash};
        o->files = stdin_only;
        o->n_files = 1;
    }
    return OPTIONS_RUN;
}
