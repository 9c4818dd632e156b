/* ship.c - see ship.h. */
#include "ship.h"

#include "json_out.h"
#include "output.h"
#include "sink.h"
#include "subject.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Lines published between two polls of the sink while reading. */
#define POLL_EVERY 64u

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ship_open(struct run *r)
{
    char host[HOST_NAME_MAX + 1];
    if (gethostname(host, sizeof host) < 0) {
        msg(errno, "cannot find the host name");
        return -1;
    }
    host[HOST_NAME_MAX] = '\0';
    r->host = strdup(host);
    if (!r->host) {
        msg(ENOMEM, "cannot connect");
        return -1;
    }
    const struct cli_options *o = r->o;
    struct sink_config cfg = {
        .url = o->to,
        .create_stream = o->create_stream,
        .subject_tmpl = o->subject,
        .host = r->host,
        .window = o->window,
        .retry = o->retry,
        .auth = o->auth,
    };
    r->sink = sink_open(&cfg);
    r->last_commit_ms = mono_ms();
    return r->sink ? 0 : -1;
}

void ship_close(struct run *r)
{
    sink_close(r->sink);
    r->sink = NULL;
    free(r->host);
    r->host = NULL;
}

static int commit(struct run *r)
{
    r->commit_due = false;
    r->last_commit_ms = mono_ms();
    int e = atail_commit(r->t);
    if (e < 0)
        events_save_failed(r, e);
    return 0;
}

int ship_written(struct run *r)
{
    if (!r->o->state_path)
        return 0;
    if (sink_in_flight(r->sink) > 0) {
        r->commit_due = true; /* when the window drains */
        return 0;
    }
    return commit(r);
}

int ship_step(struct run *r, bool now)
{
    if (!now && ++r->since_poll < POLL_EVERY && sink_ready(r->sink))
        return 0;
    r->since_poll = 0;
    if (sink_poll(r->sink) < 0)
        return STOP_FAILED;
    if (r->commit_due && sink_in_flight(r->sink) == 0)
        return commit(r);
    return 0;
}

bool ship_blocked(struct run *r)
{
    if (!sink_ready(r->sink))
        return true;
    /* A checkpoint overdue: the window drains before reading on. */
    return r->commit_due && r->since_poll == 0 &&
           mono_ms() - r->last_commit_ms >= (long long)(r->o->state_interval * 1000.0);
}

int ship_drain(struct run *r)
{
    for (;;) {
        int s = ship_step(r, true);
        if (s)
            return s;
        if (sink_in_flight(r->sink) == 0)
            return r->commit_due ? commit(r) : 0;
        s = loop_wait(r, false);
        if (s)
            return s;
    }
}

/* The subject of entry k, made at its first line. */
static const char *entry_subject(struct run *r, struct entry *e)
{
    if (!e->subject)
        e->subject = subject_make(r->o->subject, r->host, e->is_stdin ? "-" : e->name);
    return e->subject;
}

/* At the file's first line: where its lines end in the stream. A restart
 * then sends nothing the stream holds, whatever the state file says and
 * however long ago (the server's duplicate window is 2 minutes). */
static void ask_resume(struct run *r, struct entry *e)
{
    e->resume_asked = true;
    struct sink_resume res;
    if (sink_last(r->sink, e->subject, &res) == 1 && strcmp(res.host, r->host) == 0) {
        e->resume_skip = true;
        e->skip_dev = res.dev;
        e->skip_ino = res.ino;
        e->skip_next = res.next;
    }
}

/* Whether the line is in the stream already. */
static bool in_stream(const struct entry *e, const struct sink_line *l)
{
    return e->resume_skip && l->dev == e->skip_dev && l->ino == e->skip_ino &&
           l->offset < e->skip_next && (l->dev | l->ino) != 0;
}

int ship_line(struct run *r, size_t k, const struct atail_event *ev)
{
    struct entry *e = &r->ents[k];
    const char *path = e->is_stdin ? "-" : e->name;
    struct sink_line l = {
        .subject = entry_subject(r, e),
        .path = path,
        .data = ev->data,
        .len = ev->len,
        .raw = ev->data,
        .raw_len = ev->len,
        .offset = ev->offset,
        .next =
            ev->offset + ev->len + ((ev->flags & (ATAIL_LINE_CUT | ATAIL_LINE_NO_DELIM)) ? 0u : 1u),
        .cut = (ev->flags & ATAIL_LINE_CUT) != 0,
    };
    if (!l.subject) {
        msg(ENOMEM, "cannot publish a line");
        return STOP_FAILED;
    }
    if (atail_file_identity(r->t, ev->file, &l.dev, &l.ino) < 0)
        l.dev = l.ino = 0; /* a pipe read once: no identity to resume by */
    if (!e->resume_asked)
        ask_resume(r, e);
    if (in_stream(e, &l))
        return 0;
    if (r->json) {
        if (!e->json_path) {
            e->json_path = json_out_path(path, &e->json_path_len);
            if (!e->json_path) {
                msg(ENOMEM, "cannot publish a line");
                return STOP_FAILED;
            }
        }
        if (json_out_line(r->json, e->json_path, e->json_path_len, ev) < 0)
            return STOP_FAILED;
        l.data = json_out_take(r->json, &l.len);
        if (l.len > 0 && l.data[l.len - 1] == '\n')
            l.len--; /* a message is a record: no newline */
    }
    if (sink_publish(r->sink, &l) < 0)
        return STOP_FAILED;
    /* --max-lines: the Nth line published ends the run, as the Nth line
     * written does on standard output (the pieces of a cut line count as
     * one); run() then waits until it is acknowledged, and the checkpoint
     * goes to just after it. */
    if (r->o->max_lines_set && !(ev->flags & ATAIL_LINE_CUT) && --r->lines_left == 0) {
        int s = ship_written(r);
        return s ? s : STOP_DONE;
    }
    return ship_step(r, false);
}
