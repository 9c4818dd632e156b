/* atail.c - the tail-compatible command: main and the event loop, over the
 * public API of libatail only.
 *
 * What this file handles, and how:
 *
 *   initial output    every file is added at once; the library delivers
 *                     each file's initial content in order, up to an
 *                     ATAIL_EVENT_EOF. A cursor walks the files in that
 *                     order, so headers, and the errors of files that could
 *                     not be opened, come out where GNU tail prints them.
 *   output            raw spans (ATAIL_OPEN_SPANS), one write per span, the
 *                     header in the same writev() when the file changes.
 *   -f                the main loop polls atail_fd(), and standard output
 *                     when it is a pipe (its reader leaving ends atail even
 *                     when no data comes); --pid is atail_watch_pid().
 *   stdin pipe        read to its end; never followed, as GNU tail does.
 *   --max-lines=N     delimiters are counted in each span (memchr); the
 *                     span that holds the Nth is cut after it, then exit 0.
 *   closed stdout     SIGPIPE is ignored; EPIPE (or the pipe polled broken)
 *                     ends atail at once without a message, dying of
 *                     SIGPIPE as GNU tail does.
 */
#include "options.h"
#include "output.h"
#include "quote.h"

#include <atail.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Results of the steps of the event loop, besides 0 (go on). */
#define STOP_DONE 1   /* finished: exit with the status so far */
#define STOP_FAILED 2 /* an error was reported: exit 1 */
#define STOP_PIPE 3   /* standard output is gone: quiet exit */

#define NO_FILE SIZE_MAX

struct file {
    const char *arg;  /* operand as given; "-" is standard input */
    const char *name; /* in headers and messages */
    int id;           /* library id, or -1 if adding failed */
    int add_error;    /* negative errno of the failed add */
    bool is_stdin;
    bool stdin_pipe; /* "-" on a pipe or FIFO: read, not followed */
    bool shown;      /* its header (or its failure) has been output */
    bool ended;      /* ATAIL_EVENT_END seen */
};

struct run {
    const struct cli_options *o;
    atail *t;
    struct file *files;
    size_t n;
    size_t *by_id; /* library id -> index in files */
    size_t n_ids;
    size_t cursor;       /* files before it have delivered their initial content */
    size_t last_header;  /* file whose data was output last */
    size_t live;         /* files added and not ended */
    unsigned closed_std; /* bit n: descriptor n was closed at start */
    bool headers;
    bool failed; /* some file could not be read: exit status 1 */
    uint64_t lines_left;
    bool initial_complete; /* every file has delivered its initial content */
    bool monitor_stdout;
    bool pid_watched; /* --pid handed to atail_watch_pid() */
    bool pid_dead;    /* --pid named no process at all */
};

static int write_error_status(int r)
{
    return r == -EPIPE ? STOP_PIPE : STOP_FAILED;
}

static int write_header(struct run *r, size_t k)
{
    r->last_header = k;
    int w = out_write(r->files[k].name, NULL, 0);
    return w < 0 ? write_error_status(w) : 0;
}

/* Reports a file the library refused, as GNU words it: a directory opens
 * fine for tail and fails on read, standard input is never opened (its
 * header comes first, then what failed), the rest fail on open. */
static int report_add_failure(struct run *r, size_t k)
{
    const struct file *f = &r->files[k];
    int err = -f->add_error;
    r->failed = true;
    if (r->headers && (err == EISDIR || f->is_stdin)) {
        int w = write_header(r, k);
        if (w)
            return w;
    }
    if (err == EISDIR) {
        msg(err, "error reading %s", quote_name(0, f->name));
        if (r->o->follow)
            msg(0, "%s: cannot follow end of this type of file; giving up on this name",
                quote_name_if_needed(0, f->name));
    } else if (f->is_stdin) {
        msg(err, "%s %s", err == EBADF ? "cannot fstat" : "error reading", quote_name(0, f->name));
    } else {
        msg(err, "cannot open %s for reading", quote_name(0, f->name));
    }
    return 0;
}

/* Outputs the start of file k: its failure, or its header unless data
 * follows at once (the data's write then carries the header). */
static int show_start(struct run *r, size_t k, bool data_follows)
{
    struct file *f = &r->files[k];
    if (f->shown)
        return 0;
    f->shown = true;
    if (f->id < 0)
        return report_add_failure(r, k);
    if (r->headers && !data_follows)
        return write_header(r, k);
    return 0;
}

/* Moves the cursor over the files that could not be added (they have no
 * events), reporting them in their turn. Once every file has delivered its
 * initial content, GNU tail acts as if the last file had been output last
 * (so appending to it prints no new header); so does atail. */
static int skip_failed(struct run *r)
{
    while (r->cursor < r->n && r->files[r->cursor].id < 0) {
        int s = show_start(r, r->cursor, false);
        r->cursor++;
        if (s)
            return s;
    }
    if (r->cursor == r->n && !r->initial_complete) {
        r->initial_complete = true;
        r->last_header = r->n - 1;
    }
    return 0;
}

/* An event of file k arrived: every file before it is complete. */
static int reach(struct run *r, size_t k, bool data_follows)
{
    for (; r->cursor < k && r->cursor < r->n; r->cursor++) {
        int s = show_start(r, r->cursor, false);
        if (s)
            return s;
    }
    return show_start(r, k, data_follows);
}

/* File k has delivered its initial content (EOF, or END before it). */
static int initial_done(struct run *r, size_t k)
{
    if (k != r->cursor)
        return 0;
    r->cursor++;
    return skip_failed(r);
}

static int emit_data(struct run *r, size_t k, const char *data, size_t len)
{
    const char *header = NULL;
    if (r->headers && r->last_header != k) {
        header = r->files[k].name;
        r->last_header = k;
    }
    size_t cut = len;
    bool done = false;
    if (r->o->max_lines_set) {
        const char *p = data, *end = data + len;
        while (r->lines_left > 0 && (p = memchr(p, r->o->delimiter, (size_t)(end - p)))) {
            p++;
            if (--r->lines_left == 0) {
                cut = (size_t)(p - data);
                done = true;
                break;
            }
        }
    }
    int w = out_write(header, data, cut);
    if (w < 0)
        return write_error_status(w);
    return done ? STOP_DONE : 0;
}

static size_t file_index(const struct run *r, int id)
{
    if (id < 0 || (size_t)id >= r->n_ids)
        return NO_FILE;
    return r->by_id[id];
}

static int handle_event(struct run *r, const struct atail_event *ev)
{
    size_t k = file_index(r, ev->file);
    if (k == NO_FILE)
        return 0;
    int s = reach(r, k, ev->kind == ATAIL_EVENT_DATA);
    if (s)
        return s;
    const struct file *f = &r->files[k];
    switch (ev->kind) {
    case ATAIL_EVENT_DATA:
        return emit_data(r, k, ev->data, ev->len);
    case ATAIL_EVENT_END:
        if (!r->files[k].ended) {
            r->files[k].ended = true;
            r->live--;
        }
        return initial_done(r, k);
    case ATAIL_EVENT_EOF:
        return initial_done(r, k);
    case ATAIL_EVENT_TRUNCATED:
        msg(0, "%s: file truncated", quote_name_if_needed(0, f->name));
        return 0;
    case ATAIL_EVENT_ERROR:
        r->failed = true;
        msg(-ev->error, "error reading %s", quote_name(0, f->name));
        if (ev->error == -EISDIR && r->o->follow)
            msg(0, "%s: cannot follow end of this type of file; giving up on this name",
                quote_name_if_needed(0, f->name));
        return 0;
    case ATAIL_EVENT_LINE:    /* not asked for: spans only */
    case ATAIL_EVENT_ROTATED: /* following by name: not used yet */
    case ATAIL_EVENT_APPEARED:
    case ATAIL_EVENT_GONE:
        return 0;
    }
    return 0;
}

/* Every file has ended (or none could be added). */
static int finish(struct run *r)
{
    int s = reach(r, r->n > 0 ? r->n - 1 : 0, false);
    if (s)
        return s;
    if (r->o->follow) {
        /* GNU: with -f, running out of files other than a standard input
         * pipe (which is never followed) is worth saying. */
        for (size_t i = 0; i < r->n; i++) {
            if (!r->files[i].stdin_pipe) {
                msg(0, "no files remaining");
                return STOP_FAILED;
            }
        }
    }
    return STOP_DONE;
}

/* Waits until the library or the reader of standard output has news. */
static int wait_events(struct run *r)
{
    struct pollfd pf[2] = {{.fd = atail_fd(r->t), .events = POLLIN},
                           {.fd = STDOUT_FILENO, .events = 0}};
    /* events 0: a pipe whose reader has gone polls POLLERR all the same */
    int p = poll(pf, r->monitor_stdout ? 2 : 1, -1);
    if (p < 0) {
        if (errno == EINTR)
            return 0;
        msg(errno, "error waiting for events");
        return STOP_FAILED;
    }
    if (r->monitor_stdout && pf[1].revents)
        return STOP_PIPE;
    return 0;
}

static int event_loop(struct run *r)
{
    for (;;) {
        struct atail_event ev;
        int n = atail_next(r->t, &ev);
        if (n == 1) {
            int s = handle_event(r, &ev);
            if (s)
                return s;
            continue;
        }
        if (n == 0) {
            /* Files still live: the --pid process died, and what it wrote
             * has been delivered. */
            if (r->pid_watched && r->live > 0)
                return STOP_DONE;
            return finish(r);
        }
        if (n != -EAGAIN) {
            msg(-n, "error following files");
            return STOP_FAILED;
        }
        if (r->pid_dead && r->initial_complete)
            return STOP_DONE; /* GNU: output what is there, then exit */
        int s = wait_events(r);
        if (s)
            return s;
    }
}

static void set_start(const struct cli_options *o, struct atail_follow_options *fo)
{
    atail_follow_options_init(fo);
    fo->follow = o->follow ? ATAIL_FOLLOW_DESCRIPTOR : ATAIL_FOLLOW_NONE;
    if (o->lines && o->from_start) {
        fo->start = ATAIL_START_LINE; /* +0 is +1, as in GNU */
        fo->count = o->count ? o->count : 1;
    } else if (o->lines) {
        fo->start = ATAIL_START_LAST_LINES;
        fo->count = o->count;
    } else if (o->from_start) {
        fo->start = ATAIL_START_BYTE;
        fo->count = o->count ? o->count - 1 : 0;
    } else {
        fo->start = ATAIL_START_LAST_BYTES;
        fo->count = o->count;
    }
}

/* Adds every operand to the handle and builds the id -> file map. */
static int add_files(struct run *r)
{
    const struct cli_options *o = r->o;
    struct atail_follow_options fo, fo_pipe;
    set_start(o, &fo);
    fo_pipe = fo;
    fo_pipe.follow = ATAIL_FOLLOW_NONE;

    int max_id = -1;
    for (size_t i = 0; i < r->n; i++) {
        struct file *f = &r->files[i];
        f->arg = o->files[i];
        f->is_stdin = strcmp(f->arg, "-") == 0;
        f->name = f->is_stdin ? "standard input" : f->arg;
        int id;
        if (f->is_stdin && (r->closed_std & 1u)) {
            id = -EBADF;
        } else if (f->is_stdin) {
            struct stat st;
            f->stdin_pipe = fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
            id = atail_follow_fd(r->t, STDIN_FILENO, f->name, f->stdin_pipe ? &fo_pipe : &fo);
        } else if (!f->arg[0]) {
            id = -ENOENT; /* what open("") says, and what GNU reports */
        } else {
            id = atail_follow(r->t, f->arg, &fo);
        }
        f->id = id >= 0 ? id : -1;
        f->add_error = id < 0 ? id : 0;
        r->live += id >= 0;
        if (id > max_id)
            max_id = id;
    }

    r->n_ids = max_id < 0 ? 0 : (size_t)max_id + 1;
    if (r->n_ids > 0) {
        r->by_id = malloc(r->n_ids * sizeof *r->by_id);
        if (!r->by_id) {
            msg(ENOMEM, "cannot follow files");
            return -1;
        }
        for (size_t i = 0; i < r->n_ids; i++)
            r->by_id[i] = NO_FILE;
        for (size_t i = 0; i < r->n; i++)
            if (r->files[i].id >= 0)
                r->by_id[r->files[i].id] = i;
    }
    return 0;
}

/* With -f: watch the reader of standard output (only a pipe tells when it
 * leaves) and the --pid process. */
static int setup_follow(struct run *r)
{
    if (r->closed_std & 2u) {
        msg(EBADF, "standard output"); /* GNU checks it before following */
        return STOP_FAILED;
    }
    struct stat st;
    r->monitor_stdout = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
    if (r->o->pid) {
        int e = atail_watch_pid(r->t, r->o->pid);
        if (e == 0)
            r->pid_watched = true;
        else if (e == -ESRCH)
            r->pid_dead = true;
        else
            msg(0, "warning: --pid=PID is not supported on this system");
    }
    return 0;
}

static int run(const struct cli_options *o, unsigned closed_std)
{
    struct run r = {
        .o = o,
        .closed_std = closed_std,
        .n = o->n_files,
        .last_header = NO_FILE,
        .headers =
            o->headers == HEADERS_ALWAYS || (o->headers == HEADERS_MULTIPLE && o->n_files > 1),
        .lines_left = o->max_lines,
    };
    int status = STOP_FAILED;

    struct atail_options ao;
    atail_options_init(&ao);
    ao.flags = ATAIL_OPEN_SPANS;
    ao.delimiter = o->delimiter;
    int e = atail_open(&r.t, &ao);
    if (e < 0) {
        msg(0, "cannot start following: %s", atail_strerror(e));
        return 1;
    }
    r.files = calloc(r.n, sizeof *r.files);
    if (!r.files) {
        msg(ENOMEM, "cannot follow files");
        goto out;
    }
    if (add_files(&r) < 0)
        goto out;
    status = o->follow ? setup_follow(&r) : 0;
    if (!status)
        status = skip_failed(&r);
    if (!status)
        status = r.n_ids > 0 ? event_loop(&r) : finish(&r);

out:
    r.t = atail_close(r.t);
    free(r.by_id);
    free(r.files);
    switch (status) {
    case STOP_DONE:
        return r.failed ? 1 : 0;
    case STOP_PIPE:
        return -1;
    default:
        return 1;
    }
}

/* Standard descriptors closed by our parent would be reused by the
 * library's own (standard input would become its epoll set): each gets
 * /dev/null as a placeholder. Returns the closed ones as bits 0-2. */
static unsigned hold_closed_std_fds(void)
{
    unsigned closed = 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        closed |= 1u << fd;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY); /* takes the lowest: fd */
        if (n > 2)
            close(n);
    }
    return closed;
}

int main(int argc, char **argv)
{
    unsigned closed_std = hold_closed_std_fds();
    if (closed_std & 2u)
        out_stdout_closed();
    setlocale(LC_ALL, "");
    quote_init();

    struct cli_options o;
    int status = options_parse(argc, argv, &o);
    if (status != OPTIONS_RUN)
        goto out;

    status = 0;
    /* As GNU: nothing to output means nothing to open. */
    if (o.count == 0 && !o.follow && !o.from_start)
        goto out;
    if (o.max_lines_set && o.max_lines == 0)
        goto out;

    bool hyphen = false;
    for (size_t i = 0; i < o.n_files; i++)
        hyphen |= strcmp(o.files[i], "-") == 0;
    if (o.follow) {
        struct stat st;
        bool blocking_stdin =
            o.pid == 0 && o.n_files == 1 && fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode);
        if (hyphen && !blocking_stdin && isatty(STDIN_FILENO))
            msg(0, "warning: following standard input indefinitely is ineffective");
    }

    struct sigaction old, ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);

    status = run(&o, closed_std);
    if (status < 0) {
        /* The reader left: end as GNU tail does, by SIGPIPE, unless our
         * parent chose to ignore it. */
        quote_free();
        if (old.sa_handler != SIG_IGN) {
            signal(SIGPIPE, SIG_DFL);
            raise(SIGPIPE);
        }
        return 1;
    }
    if (hyphen && (closed_std & 1u)) {
        msg(EBADF, "-"); /* GNU: closing standard input fails at exit */
        status = 1;
    }
out:
    quote_free();
    return status;
}
