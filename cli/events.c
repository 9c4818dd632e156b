/* events.c - one library event turned into output, in GNU tail's order.
 *
 *   initial output    the library delivers each file's initial content in
 *                     order of addition, up to its ATAIL_EVENT_EOF. A cursor
 *                     walks the entries in that order, so headers, and the
 *                     errors of operands that could not be followed, come
 *                     out where GNU tail prints them. Names waited for
 *                     (--retry) have no initial content: the cursor passes
 *                     them, saying why they could not be opened.
 *   raw output        spans (ATAIL_EVENT_DATA), one write each, the header
 *                     in the same writev() when output switches files.
 *   JSON output       lines (ATAIL_EVENT_LINE) appended to the batch buffer
 *                     (json_out.c); written when it is full, when a message
 *                     is due (so stderr keeps its place among the records)
 *                     and when the library has nothing more for now.
 *   --max-lines=N     raw: delimiters are counted in each span, the span
 *                     that holds the Nth is cut after it; JSON: records
 *                     that end a line are counted.
 *   --state           atail_commit() after each successful write: what the
 *                     library delivered so far is out. Not after a span cut
 *                     by --max-lines (its rest was not output).
 *   following names   ROTATED, APPEARED, GONE and the errors of a name
 *                     waited for are said in GNU's words (follow_msgs.c).
 */
#include "follow_msgs.h"
#include "json_out.h"
#include "output.h"
#include "run.h"
#include "ship.h"
#include "signals.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int write_error_status(int w)
{
    return w == -EPIPE ? STOP_PIPE : STOP_FAILED;
}

static int write_header(struct run *r, size_t k)
{
    r->last_header = k;
    if (!r->ents[k].name)
        return 0;
    int w = out_write(r->ents[k].name, NULL, 0);
    return w < 0 ? write_error_status(w) : 0;
}

void events_save_failed(struct run *r, int err)
{
    r->failed = true;
    if (err == r->save_error_said)
        return; /* retried at every interval: said once */
    r->save_error_said = err;
    fm_save_failed(r->o->state_path, err);
}

/* Output was written: what was delivered is processed. Then a pending
 * terminating signal ends the run (a long catch-up may never wait for
 * events). */
static int written(struct run *r)
{
    if (r->sink) {
        int s = ship_written(r);
        if (s)
            return s;
    } else if (r->o->state_path) {
        int e = atail_commit(r->t);
        if (e < 0)
            events_save_failed(r, e);
    }
    return events_signals(r);
}

int events_signals(struct run *r)
{
    if (r->sigfd < 0)
        return 0;
    for (int s; (s = signals_take(r->sigfd)) != 0;) {
        if (s != SIGCHLD) {
            r->signo = s;
            return STOP_SIGNAL;
        }
        child_reap_orphans(&r->child);
    }
    return 0;
}

int events_commit(struct run *r)
{
    if (r->json && json_out_pending(r->json)) {
        int w = json_out_flush(r->json);
        if (w < 0)
            return write_error_status(w);
    }
    return written(r);
}

/* Before a message on standard error: the records before it go out
 * first. */
static int before_message(struct run *r)
{
    return r->json && json_out_pending(r->json) ? events_commit(r) : 0;
}

/* Reports an entry that could not be followed, as GNU words it: a
 * directory opens fine for tail and fails on read, standard input is never
 * opened (its header comes first, then what failed), the rest fail on
 * open. */
static int report_not_added(struct run *r, size_t k)
{
    const struct entry *e = &r->ents[k];
    int err = e->id >= 0 ? e->start_error : e->add_error;
    r->failed = true;
    if (r->headers && (err == -EISDIR || e->is_stdin)) {
        int w = write_header(r, k);
        if (w)
            return w;
    }
    int s = before_message(r);
    fm_not_added(e, r->o);
    return s;
}

/* Outputs the start of entry k: its failure, or its header unless data
 * follows at once (the data's write then carries the header). */
static int show_start(struct run *r, size_t k, bool data_follows)
{
    struct entry *e = &r->ents[k];
    if (e->shown)
        return 0;
    e->shown = true;
    if (e->id < 0 || e->start_error)
        return report_not_added(r, k);
    if (r->headers && !data_follows)
        return write_header(r, k);
    return 0;
}

/* Whether entry k delivers no initial content: not added, or waited for. */
static bool no_initial_content(const struct entry *e)
{
    return e->id < 0 || e->start_error;
}

/* Moves the cursor over the entries that have no initial content,
 * reporting them in their turn. Once every entry has delivered its initial
 * content, GNU tail acts as if the last file had been output last (so
 * appending to it prints no new header); so does atail. */
int events_skip_failed(struct run *r)
{
    while (r->cursor < r->n_initial && no_initial_content(&r->ents[r->cursor])) {
        int s = show_start(r, r->cursor, false);
        r->cursor++;
        if (s)
            return s;
    }
    if (r->cursor == r->n_initial && !r->initial_complete) {
        r->initial_complete = true;
        r->last_header = r->n_initial > 0 ? r->n_initial - 1 : NO_ENTRY;
    }
    return 0;
}

static int reach_data(struct run *r, size_t k, bool data_follows)
{
    for (; r->cursor < k && r->cursor < r->n_initial; r->cursor++) {
        int s = show_start(r, r->cursor, false);
        if (s)
            return s;
    }
    return show_start(r, k, data_follows);
}

int events_reach(struct run *r, size_t k)
{
    return k < r->n ? reach_data(r, k, false) : 0;
}

/* Entry k has delivered its initial content (EOF, or END before it). */
static int initial_done(struct run *r, size_t k)
{
    if (k != r->cursor)
        return 0;
    r->cursor++;
    return events_skip_failed(r);
}

static int emit_data(struct run *r, size_t k, const struct atail_event *ev)
{
    const char *header = NULL;
    if (r->headers && r->last_header != k) {
        header = r->ents[k].name;
        r->last_header = k;
    }
    size_t cut = ev->len;
    bool done = false;
    if (r->o->max_lines_set) {
        const char *p = ev->data, *end = ev->data + ev->len;
        while (r->lines_left > 0 && (p = memchr(p, r->o->delimiter, (size_t)(end - p)))) {
            p++;
            if (--r->lines_left == 0) {
                cut = (size_t)(p - ev->data);
                done = true;
                break;
            }
        }
    }
    int w = out_write(header, ev->data, cut);
    if (w < 0)
        return write_error_status(w);
    if (cut < ev->len)
        return STOP_DONE; /* the rest of the span is not out: no commit */
    int s = written(r);
    return s ? s : done ? STOP_DONE : 0;
}

static int emit_line(struct run *r, size_t k, const struct atail_event *ev)
{
    if (r->sink)
        return ship_line(r, k, ev);
    struct entry *e = &r->ents[k];
    if (!e->json_path) {
        e->json_path = json_out_path(e->is_stdin ? "-" : e->name, &e->json_path_len);
        if (!e->json_path) {
            msg(ENOMEM, "cannot output a line");
            return STOP_FAILED;
        }
    }
    int full = json_out_line(r->json, e->json_path, e->json_path_len, ev);
    if (full < 0)
        return STOP_FAILED;
    bool done = false;
    if (r->o->max_lines_set && !(ev->flags & ATAIL_LINE_CUT))
        done = --r->lines_left == 0;
    if (full || done) {
        int s = events_commit(r);
        if (s)
            return s;
    }
    return done ? STOP_DONE : 0;
}

struct line_sink {
    struct run *r;
    size_t k;
};

static int sink_line(void *ctx, const struct atail_event *line)
{
    const struct line_sink *s = ctx;
    return emit_line(s->r, s->k, line);
}

/* --output=json without a state file reads spans (one library call per
 * read, not per line): their lines are cut here. */
static int emit_json_span(struct run *r, size_t k, const struct atail_event *ev)
{
    struct line_sink sink = {r, k};
    size_t max_line = r->o->max_line ? (size_t)r->o->max_line : ATAIL_DEFAULT_MAX_LINE;
    int s = span_lines_feed(&r->ents[k].carry, ev, r->o->delimiter, max_line, sink_line, &sink);
    if (s == -ENOMEM) {
        msg(ENOMEM, "cannot output a line");
        return STOP_FAILED;
    }
    return s;
}

/* A file moved on or ended: its partial last line (spans) goes out first,
 * as the library's line mode delivers it. */
static int flush_carry(struct run *r, size_t k, const struct atail_event *ev)
{
    if (!r->json || r->ents[k].carry.len == 0 || ev->kind == ATAIL_EVENT_EOF ||
        ev->kind == ATAIL_EVENT_ERROR)
        return 0;
    struct line_sink sink = {r, k};
    return span_lines_flush(&r->ents[k].carry, ev, sink_line, &sink);
}

/* Following by name without --retry (and without patterns, which may
 * match more files later): whether an entry still has a file to read.
 * GNU tail watches names that went away only while another file is read;
 * the library's ATAIL_FOLLOW_REAPPEAR leaves that to us. */
static bool any_file_read(const struct run *r)
{
    if (!r->o->follow_name || r->o->retry || r->has_globs)
        return true;
    for (size_t i = 0; i < r->n; i++)
        if (r->ents[i].id >= 0 && !r->ents[i].ended && !r->ents[i].waiting)
            return true;
    return false;
}

/* What happens to a followed name, and the errors of files. */
static int name_event(struct run *r, struct entry *e, const struct atail_event *ev)
{
    int s = before_message(r);
    switch (ev->kind) {
    case ATAIL_EVENT_TRUNCATED:
        fm_truncated(e);
        break;
    case ATAIL_EVENT_LOST: {
        uint64_t range[2];
        bool known = atail_lost_range(r->t, ev->file, &range[0], &range[1]) == 0;
        fm_lost(e, ev, known ? range : NULL, r->o->max_line);
        break;
    }
    case ATAIL_EVENT_ROTATED:
        fm_rotated(e);
        break;
    case ATAIL_EVENT_POLLING:
        fm_polling(ev->error);
        break;
    case ATAIL_EVENT_APPEARED:
        fm_appeared(e);
        e->said_error = 0;
        e->waiting = false;
        break;
    case ATAIL_EVENT_GONE:
        fm_gone(e, ev->error);
        e->said_error = ev->error;
        e->waiting = true; /* (without --retry or --follow=name, END follows) */
        if (!s && !any_file_read(r)) {
            msg(0, "no files remaining"); /* GNU ends --follow=name here */
            s = STOP_FAILED;
        }
        break;
    case ATAIL_EVENT_ERROR:
        if (e->waiting) {
            /* The name leads nowhere: each new reason is said once, but
             * not, as in GNU, that it is missing again (then the reason
             * said before, a directory say, is what its return ends). */
            if (ev->error != -ENOENT) {
                if (ev->error != e->said_error)
                    (e->retry ? fm_wait_error : fm_gone)(e, ev->error);
                e->said_error = ev->error;
            }
        } else {
            r->failed = true;
            fm_read_error(e, ev->error, r->o);
        }
        break;
    default:
        break;
    }
    return s;
}

int events_handle(struct run *r, const struct atail_event *ev)
{
    /* The hot path: another line of the file of the last line. */
    if (ev->kind == ATAIL_EVENT_LINE && ev->file == r->line_id)
        return emit_line(r, r->line_k, ev);
    if (ev->file < 0) {
        /* The state file: a periodic save failed (retried later). */
        int s = before_message(r);
        if (ev->kind == ATAIL_EVENT_ERROR)
            events_save_failed(r, ev->error);
        return s;
    }
    size_t k = files_entry(r, ev->file, ev->path);
    if (k == NO_ENTRY) {
        msg(ENOMEM, "cannot follow files");
        return STOP_FAILED;
    }
    bool data = ev->kind == ATAIL_EVENT_DATA || ev->kind == ATAIL_EVENT_LINE;
    int s = reach_data(r, k, data);
    if (s)
        return s;
    struct entry *e = &r->ents[k];
    if (!data && (s = flush_carry(r, k, ev)) != 0)
        return s;
    switch (ev->kind) {
    case ATAIL_EVENT_DATA:
        return r->json ? emit_json_span(r, k, ev) : emit_data(r, k, ev);
    case ATAIL_EVENT_LINE:
        r->line_id = ev->file; /* its start is out: the next lines go straight */
        r->line_k = k;
        return emit_line(r, k, ev);
    case ATAIL_EVENT_END:
        if (!e->ended) {
            e->ended = true;
            r->live--;
        }
        return initial_done(r, k);
    case ATAIL_EVENT_EOF:
        return initial_done(r, k);
    case ATAIL_EVENT_TRUNCATED:
    case ATAIL_EVENT_LOST:
    case ATAIL_EVENT_POLLING:
    case ATAIL_EVENT_ROTATED:
    case ATAIL_EVENT_APPEARED:
    case ATAIL_EVENT_GONE:
    case ATAIL_EVENT_ERROR:
        return name_event(r, e, ev);
    }
    return 0;
}
