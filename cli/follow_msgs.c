/* follow_msgs.c - see follow_msgs.h. The wording, the two spaces after
 * "following new file"'s semicolon and the quoting (quoteaf for names in
 * the middle of a message, quotef for names that start one) are GNU tail
 * 9.1's (src/tail.c: tail_file, recheck). */
#include "follow_msgs.h"

#include "fdlimit.h"
#include "output.h"
#include "quote.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static void open_failed(const struct entry *e, int err)
{
    if (err == EMFILE) {
        msg(0, "too many open files (limit %llu): cannot open %s for reading", fdlimit_current(),
            quote_name(0, e->name));
        return;
    }
    msg(err, "cannot open %s for reading", quote_name(0, e->name));
}

/* "x: cannot follow end of this type of file", and whether the name is
 * given up: GNU says so without --retry. */
static void cannot_follow(const struct entry *e, const struct cli_options *o)
{
    msg(0, "%s: cannot follow end of this type of file%s", quote_name_if_needed(0, e->name),
        o->retry ? "" : "; giving up on this name");
}

void fm_not_added(const struct entry *e, const struct cli_options *o)
{
    int err = e->id >= 0 ? -e->start_error : -e->add_error;
    if (e->is_glob && err == EINVAL) {
        msg(0, "%s: wildcards are allowed in the last component of a pattern only",
            quote_name_if_needed(0, e->name));
    } else if (err == EISDIR) {
        msg(err, "error reading %s", quote_name(0, e->name));
        if (o->follow)
            cannot_follow(e, o);
    } else if (e->is_stdin && err == EBADF) {
        /* GNU's tail_lines/tail_bytes fstat() first; following, tail_file
         * fstat()s again and says so too. */
        msg(err, "cannot fstat %s", quote_name(0, e->name));
        if (o->follow)
            msg(err, "error reading %s", quote_name(0, e->name));
    } else if (e->is_stdin) {
        msg(err, "error reading %s", quote_name(0, e->name));
    } else {
        open_failed(e, err);
    }
}

void fm_rotated(const struct entry *e)
{
    msg(0, "%s has been replaced;  following new file", quote_name(0, e->name));
}

void fm_appeared(const struct entry *e)
{
    if (e->said_error == 0 || e->said_error == -ENOENT)
        msg(0, "%s has appeared;  following new file", quote_name(0, e->name));
    else
        msg(0, "%s has become accessible", quote_name(0, e->name));
}

void fm_gone(const struct entry *e, int error)
{
    if (error == -EISDIR)
        msg(0, "%s has been replaced with an untailable file%s", quote_name(0, e->name),
            e->retry ? "" : "; giving up on this name");
    else if (e->retry)
        msg(-error, "%s has become inaccessible", quote_name(0, e->name));
    else
        msg(-error, "%s", quote_name_if_needed(0, e->name));
}

void fm_wait_error(const struct entry *e, int error)
{
    if (error == -EISDIR)
        msg(0, "%s has been replaced with an untailable file%s", quote_name(0, e->name),
            e->reappear ? "; giving up on this name" : "");
    else
        open_failed(e, -error);
}

void fm_read_error(const struct entry *e, int error, const struct cli_options *o)
{
    if (error == -EMFILE || error == -ENFILE) { /* a pattern's match not opened */
        open_failed(e, -error);
        return;
    }
    msg(-error, "error reading %s", quote_name(0, e->name));
    if (error == -EISDIR && o->follow)
        cannot_follow(e, o);
}

/* Writes " (why)" to s, or " (why; T in all)" when the file lost more
 * before (T: the library's running total); returns s. */
static const char *why_lost(char *s, size_t cap, const struct atail_event *ev, const char *why)
{
    if (ev->offset > ev->len)
        snprintf(s, cap, " (%s; %" PRIu64 " in all)", why, ev->offset);
    else
        snprintf(s, cap, " (%s)", why);
    return s;
}

void fm_lost(const struct entry *e, const struct atail_event *ev, const uint64_t *range,
             uint64_t max_line)
{
    const char *name = quote_name_if_needed(0, e->name);
    bool at_least = (ev->flags & ATAIL_LOST_AT_LEAST) != 0;
    const char *gone = "deleted before it could be read";
    char why[160], span[96];
    if (ev->flags & ATAIL_LOST_LONG_LINE) {
        msg(0,
            "%s: %zu bytes dropped: the last lines hold a line longer than %" PRIu64
            " bytes (see --max-line)",
            name, ev->len, max_line ? max_line : ATAIL_DEFAULT_MAX_LINE);
    } else if (range && !at_least) {
        msg(0, "LOST: %zu bytes of %s between offsets %" PRIu64 " and %" PRIu64 "%s", ev->len, name,
            range[0], range[1], why_lost(why, sizeof why, ev, gone));
    } else if (range && ev->len) {
        snprintf(span, sizeof span, "%" PRIu64 " to %" PRIu64 " and what followed: %s", range[0],
                 range[1], gone);
        msg(0, "LOST: at least %zu bytes of %s from offset %" PRIu64 "%s", ev->len, name, range[0],
            why_lost(why, sizeof why, ev, span));
    } else if (range) {
        msg(0, "LOST: %s from offset %" PRIu64 " on, an unknown amount%s", name, range[0],
            why_lost(why, sizeof why, ev, gone));
    } else if (ev->len) {
        msg(0, "LOST: %s%zu bytes of %s%s", at_least ? "at least " : "", ev->len, name,
            why_lost(why, sizeof why, ev, gone));
    } else {
        msg(0, "LOST: an unknown amount of %s (a rotated file was %s)", name, gone);
    }
}

void fm_truncated(const struct entry *e)
{
    msg(0, "%s: file truncated", quote_name_if_needed(0, e->name));
}

void fm_save_failed(const char *state_path, int error)
{
    msg(-error, "cannot save state to %s", quote_name(0, state_path));
}

void fm_polling(int error)
{
    if (error == -ENOENT)
        msg(0, "directory containing watched file was removed");
    msg(0, "inotify cannot be used, reverting to polling");
}
