/* state_opts.c - see state_opts.h. */
#include "state_opts.h"

#include "follow_msgs.h"
#include "output.h"
#include "quote.h"

#include <errno.h>

/* SECONDS as milliseconds, saturated; at least `min`. */
static unsigned to_ms(double seconds, unsigned min)
{
    double ms = seconds * 1000.0;
    if (!(ms < 4e9))
        return 4000000000u;
    unsigned v = (unsigned)ms;
    if (v < ms)
        v++; /* rounded up: 0.0001 s is 1 ms, not 0 */
    return v < min ? min : v;
}

void state_opts_fill(const struct cli_options *o, struct atail_options *ao)
{
    atail_options_init(ao);
    /* Spans are the fastest: raw output copies them, JSON cuts their lines
     * itself. With a state file, JSON takes lines from the library: a
     * commit then never covers a partial line not yet output. */
    ao->flags = o->output == OUTPUT_JSON && o->state_path ? 0 : ATAIL_OPEN_SPANS;
    if (o->to)
        ao->flags = 0; /* one message per line */
    ao->delimiter = o->delimiter;
    if (o->max_line)
        ao->max_line = (size_t)o->max_line;
    if (o->disable_inotify) {
        /* GNU's -s is the polling period; with inotify it does nothing. */
        ao->flags |= ATAIL_OPEN_POLL;
        ao->poll_interval_ms = to_ms(o->sleep_interval, 1);
    }
    if (o->close_idle > 0)
        ao->idle_close_ms = to_ms(o->close_idle, 1);
    if (o->rotate_grace_set)
        ao->rotate_grace_ms = to_ms(o->rotate_grace, 0);
    if (o->state_path) {
        ao->state_path = o->state_path;
        ao->state_interval_ms = o->state_sync_line ? 0 : to_ms(o->state_interval, 0);
    }
}

void state_opts_open_failed(const struct cli_options *o, int err)
{
    if (o->state_path && err == -EBUSY)
        msg(0, "state file %s is in use by another atail process", quote_name(0, o->state_path));
    else if (o->state_path && err == -EBADMSG)
        msg(0, "state file %s is damaged or not an atail state file", quote_name(0, o->state_path));
    else if (o->state_path && err != -ENOMEM && err != -EMFILE && err != -ENFILE)
        msg(-err, "cannot read state file %s", quote_name(0, o->state_path));
    else
        msg(0, "cannot start following: %s", atail_strerror(err));
}

int state_opts_save(const struct cli_options *o, atail *t, int *said)
{
    if (!o->state_path)
        return 0;
    int e = atail_save(t);
    if (e == 0)
        return 0;
    if (e != *said)
        fm_save_failed(o->state_path, e);
    *said = e;
    return -1;
}
