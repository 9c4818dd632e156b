/* run.h - the state of one run of the command, shared by the modules of
 * the event loop: what is followed (entries, in output order), how output
 * goes out, and what ends the run. One `struct run` lives in run() (cli/
 * atail.c); everything else takes a pointer to it. */
#ifndef ATAIL_CLI_RUN_H
#define ATAIL_CLI_RUN_H

#include "options.h"
#include "span_lines.h"
#include "spawn.h"

#include <atail.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results of the steps of the event loop, besides 0 (go on). */
#define STOP_DONE 1   /* finished: exit with the status so far */
#define STOP_FAILED 2 /* an error was reported: exit 1 */
#define STOP_PIPE 3   /* standard output is gone: quiet exit */
#define STOP_SIGNAL 4 /* SIGINT, SIGTERM or SIGHUP: save, then die by it */

#define NO_ENTRY SIZE_MAX

/* One followed file, or one operand that could not be followed, in the
 * order output shows them: operands in command-line order (a glob stands
 * for its matches, in name order), then files that appear later. */
struct entry {
    const char *name; /* in headers and messages; NULL until known */
    char *name_buf;   /* owned storage of name, when it is not an operand */
    char *json_path;  /* the name as a JSON string (--output=json) */
    size_t json_path_len;
    char *subject;     /* --to: its subject, made at its first line */
    bool resume_asked; /* --to: the stream was asked where its lines end */
    bool resume_skip;  /* lines of file (skip_dev, skip_ino) before skip_next */
    uint64_t skip_dev; /* are in the stream already: not sent again */
    uint64_t skip_ino;
    uint64_t skip_next;
    struct span_lines carry; /* --output=json: its partial last line */
    int id;                  /* library id, or -1 */
    int add_error;           /* negative errno of the failed add (id -1) */
    int start_error;         /* waited for (--retry): why it could not be opened */
    int said_error;          /* the last error said while its name leads nowhere */
    bool is_stdin;           /* the operand "-" */
    bool stdin_pipe;         /* "-" on a pipe or FIFO: read, not followed */
    bool is_glob;            /* a pattern (add_error tells why it failed) */
    bool retry;              /* its name is waited for when it leads nowhere */
    bool reappear;           /* ATAIL_FOLLOW_REAPPEAR: a directory ends it */
    bool waiting;            /* following by name, and no file now */
    bool shown;              /* its header (or its failure) has been output */
    bool ended;              /* ATAIL_EVENT_END seen */
    bool strip_dot;          /* a glob match: "./" in front of the name is dropped */
};

struct json_out;
struct sink;

struct run {
    const struct cli_options *o;
    atail *t;
    struct entry *ents;
    size_t n, cap; /* entries; initial ones first */
    size_t n_initial;
    size_t *by_id; /* library id -> entry index */
    size_t n_ids, cap_ids;
    size_t cursor;       /* entries before it have delivered their initial content */
    size_t last_header;  /* entry whose data was output last */
    size_t live;         /* entries followed and not ended */
    unsigned closed_std; /* bit n: descriptor n was closed at start */
    bool headers;
    bool failed; /* exit status 1 */
    bool has_globs;
    bool initial_complete; /* every initial entry has delivered its content */
    bool monitor_stdout;
    bool pid_watched; /* --pid or --spawn handed to atail_watch_pid() */
    bool pid_dead;    /* --pid named no process at all */
    uint64_t lines_left;
    struct json_out *json; /* --output=json, else NULL */
    int line_id;           /* library id of the last LINE event, or -1 */
    size_t line_k;         /* its entry */
    int sigfd;             /* signalfd of SIGINT/SIGTERM/SIGHUP (+SIGCHLD: --spawn), or -1 */
    int signo;             /* the signal that ends the run */
    struct child child;    /* --spawn */
    int save_error_said;   /* last state save error reported */
    struct sink *sink;     /* --to, else NULL (ship.c) */
    char *host;            /* --to: this host's name */
    bool commit_due;       /* --to: commit when nothing is in flight */
    long long last_commit_ms;
    unsigned since_poll; /* lines published since the sink was polled */
};

/* files.c: adds every operand and --glob pattern to the handle, building
 * the entries. Returns 0, or -1 after reporting a failure of atail
 * itself. */
int files_add(struct run *r);

/* files.c: the entry of library id `id`, created (named after `path`) for
 * a file that appeared later. NO_ENTRY when out of memory. */
size_t files_entry(struct run *r, int id, const char *path);

/* files.c: releases the entries. */
void files_free(struct run *r);

/* events.c: handles one event. Returns 0 or a STOP_* code. */
int events_handle(struct run *r, const struct atail_event *ev);

/* events.c: outputs the start of every entry up to k (failures and the
 * headers of files with no data). Returns 0 or a STOP_* code. */
int events_reach(struct run *r, size_t k);

/* events.c: skips entries that could not be added (reporting them). */
int events_skip_failed(struct run *r);

/* events.c: output is written: records it as processed (atail_commit).
 * Returns 0 or a STOP_* code. */
int events_commit(struct run *r);

/* events.c: a state save failed with err: said once per error. */
void events_save_failed(struct run *r, int err);

/* events.c: takes the pending signals: SIGCHLD reaps what the --spawn
 * command left to atail; a terminating signal sets r->signo and returns
 * STOP_SIGNAL. Returns 0 when none ends the run. */
int events_signals(struct run *r);

/* loop.c: waits for news: from the library too when `library`, else only
 * from the sink, standard output's reader and signals. Returns 0 or a
 * STOP_* code. */
int loop_wait(struct run *r, bool library);

/* loop.c: the event loop, until something ends it. */
int loop_run(struct run *r);

#endif
