/* atail.c - the tail-compatible command: main, and one run from the
 * handle's opening to its closing, over the public API of libatail only.
 *
 * The other files of cli/ have one job each:
 *   options.c, usage.c   the command line and --help
 *   files.c              operands and patterns become entries and files
 *   events.c             one event becomes output (or a message)
 *   follow_msgs.c        GNU tail's words for what happens to names
 *   loop.c               drain, write the batch, wait
 *   json_out.c, json.c   --output=json
 *   state_opts.c         handle options, state file errors
 *   spawn.c, signals.c   --spawn's child; SIGINT/SIGTERM/SIGHUP as events
 *   output.c, quote.c    writing, messages, GNU's quoting
 *   ship.c, sink*.c      --to: lines to a message server (NATS JetStream);
 *   nats_{evloop,window,msg,last}.c  the NATS sink's parts (sink_nats.h)
 *   subject.c            --subject's template
 *   read_nats.c          atail nats://HOST:PORT/STREAM: reading the central log
 *   nats_opts.c          options of a NATS connection (both directions)
 *   exec_helper.c        handing a NATS command line to atail-nats, the
 *                        program built with the *nats* files and libnats
 *
 * How a run ends:
 *   normally             state saved; exit 0, or 1 if something failed
 *   --pid/--spawn death  the same, once what it wrote is out; a --spawn
 *                        command that failed is said, atail's status stays
 *   closed stdout        SIGPIPE is ignored; EPIPE (or the pipe polled
 *                        broken) ends atail without a message, dying of
 *                        SIGPIPE as GNU tail does
 *   SIGINT/TERM/HUP      without --state or --spawn: their default action.
 *                        With them: output written so far is committed and
 *                        saved, the child stopped and reaped, then atail
 *                        dies of the same signal.
 */
#include "exec_helper.h"
#include "fdlimit.h"
#include "json_out.h"
#include "options.h"
#include "output.h"
#include "quote.h"
#include "read_nats.h"
#include "run.h"
#include "ship.h"
#include "signals.h"
#include "state_opts.h"

#include <atail.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How run() ended, for main. */
struct outcome {
    int status; /* exit status */
    bool pipe;  /* standard output's reader left */
    int signo;  /* die by this signal, or 0 */
};

/* With -f: watch the reader of standard output (only a pipe tells when it
 * leaves), start the --spawn command, watch the --pid or --spawn process. */
static int setup_follow(struct run *r, const sigset_t *mask, bool sigpipe_ignored)
{
    if (r->closed_std & 2u) {
        msg(EBADF, "standard output"); /* GNU checks it before following */
        return STOP_FAILED;
    }
    struct stat st;
    r->monitor_stdout = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
    pid_t pid = r->o->pid;
    if (r->o->spawn && (r->live > 0 || r->has_globs)) { /* else: nothing to follow */
        if (child_spawn(&r->child, r->o->spawn, mask, sigpipe_ignored) < 0)
            return STOP_FAILED;
        pid = r->child.pid;
    }
    if (pid) {
        int e = atail_watch_pid(r->t, pid);
        if (e == 0)
            r->pid_watched = true;
        else if (e == -ESRCH)
            r->pid_dead = true;
        else
            msg(0, "warning: --pid=PID is not supported on this system");
    }
    return 0;
}

static struct outcome run(const struct cli_options *o, unsigned closed_std, int sigfd,
                          const sigset_t *mask, bool sigpipe_ignored)
{
    struct run r = {
        .o = o,
        .closed_std = closed_std,
        .last_header = NO_ENTRY,
        .lines_left = o->max_lines,
        .sigfd = sigfd,
        .line_id = -1,
    };
    struct outcome out = {.status = 1};
    int status = STOP_FAILED;

    struct atail_options ao;
    state_opts_fill(o, &ao);
    int e = atail_open(&r.t, &ao);
    if (e < 0) {
        state_opts_open_failed(o, e);
        return out;
    }
    if (o->output == OUTPUT_JSON && !(r.json = json_out_new(o->json_time, o->json_host)))
        goto out;
    if (o->to && ship_open(&r) < 0)
        goto out;
    if (files_add(&r) < 0)
        goto out;
    /* As GNU, headers with several files; patterns count as what they
     * matched, and when following, as many files (more may come). */
    r.headers = o->output == OUTPUT_RAW && !o->to &&
                (o->headers == HEADERS_ALWAYS ||
                 (o->headers == HEADERS_MULTIPLE && (r.n_initial > 1 || r.has_globs)));
    status = o->follow ? setup_follow(&r, mask, sigpipe_ignored) : 0;
    if (!status)
        status = events_skip_failed(&r);
    if (!status)
        status = loop_run(&r);
    if (status == STOP_DONE && r.sink) {
        int s = ship_drain(&r); /* what was published is stored before the end */
        if (s)
            status = s;
    }

out:
    if (r.t && state_opts_save(o, r.t, &r.save_error_said) < 0)
        r.failed = true;
    child_stop(&r.child);
    child_report(&r.child);
    ship_close(&r);
    r.t = atail_close(r.t);
    json_out_free(r.json);
    files_free(&r);
    switch (status) {
    case STOP_DONE:
        out.status = r.failed ? 1 : 0;
        break;
    case STOP_PIPE:
        out.pipe = true;
        break;
    case STOP_SIGNAL:
        out.signo = r.signo;
        break;
    default:
        out.status = 1;
        break;
    }
    return out;
}

/* atail nats://HOST:PORT/STREAM: reads a stream instead of files. */
static struct outcome read_stream(const struct cli_options *o, int sigfd)
{
    struct outcome out = {.status = 1};
#ifdef ATAIL_HAVE_NATS
    switch (read_nats_run(o, sigfd, &out.signo)) {
    case STOP_DONE:
        out.status = 0;
        break;
    case STOP_PIPE:
        out.pipe = true;
        break;
    default:
        break;
    }
#else
    (void)o;
    (void)sigfd;
    msg(0, "this atail was built without NATS support (libnats was not found)");
#endif
    return out;
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
    program_name_set(argc > 0 ? argv[0] : NULL);
    if (strcmp(program_name(), NATS_HELPER) == 0)
        program_name_set(NULL); /* it speaks as the atail it stands in for */

    struct cli_options o;
#ifdef ATAIL_HAVE_NATS
    bool warn = false; /* atail has warned already, before handing over */
#else
    bool warn = true;
#endif
    int status = options_parse(argc, argv, &o, warn);
    if (status != OPTIONS_RUN)
        goto out;
#ifndef ATAIL_HAVE_NATS
    if (o.to || o.read_stream) {
        exec_nats_helper(argv, closed_std);
        status = 1;
        goto out;
    }
#endif

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
        bool blocking_stdin = o.pid == 0 && !o.follow_name && o.n_files == 1 &&
                              fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode);
        if (hyphen && !blocking_stdin && isatty(STDIN_FILENO))
            msg(0, "warning: following standard input indefinitely is ineffective");
    }

    fdlimit_raise();
    out_widen_pipe();
    struct sigaction old_pipe, ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    if (o.spawn)
        signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap the child for us */
    sigset_t mask;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    int sigfd = -1;
    if (o.state_path || o.spawn) {
        sigfd = signals_catch(&mask, o.spawn != NULL);
        if (sigfd < 0) {
            msg(errno, "cannot catch signals");
            status = 1;
            goto out;
        }
    }

    struct outcome res = o.read_stream
                             ? read_stream(&o, sigfd)
                             : run(&o, closed_std, sigfd, &mask, old_pipe.sa_handler == SIG_IGN);
    status = res.status;
    if (res.signo) {
        quote_free();
        options_free(&o);
        signals_die(res.signo);
    }
    if (res.pipe) {
        /* The reader left: end as GNU tail does, by SIGPIPE, unless our
         * parent chose to ignore it. */
        quote_free();
        options_free(&o);
        if (old_pipe.sa_handler != SIG_IGN) {
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
    options_free(&o);
    return status;
}
