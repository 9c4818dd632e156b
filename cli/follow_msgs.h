/* follow_msgs.h - GNU tail 9.1's words, on standard error, for what
 * happens to a followed file: it could not be added, its name leads to
 * another file, to none, to a directory, or back to a file; it shrank; a
 * read failed. Each function says its message; none decides anything. */
#ifndef ATAIL_CLI_FOLLOW_MSGS_H
#define ATAIL_CLI_FOLLOW_MSGS_H

#include "run.h"

#include <stdbool.h>

/* An operand that could not be followed (e->add_error), or a name waited
 * for that could not be opened at the start (e->start_error). */
void fm_not_added(const struct entry *e, const struct cli_options *o);

/* ATAIL_EVENT_ROTATED: "'x' has been replaced;  following new file". */
void fm_rotated(const struct entry *e);

/* ATAIL_EVENT_APPEARED: "'x' has appeared;  following new file" after the
 * name led nowhere, "'x' has become accessible" after another error. */
void fm_appeared(const struct entry *e);

/* ATAIL_EVENT_GONE with its error: "'x' has become inaccessible: ..." when
 * the name is waited for, "x: ..." when it is given up; a directory is an
 * "untailable file". */
void fm_gone(const struct entry *e, int error);

/* ATAIL_EVENT_ERROR while the name is waited for (--retry): "cannot open
 * 'x' for reading: ...", or for a directory "'x' has been replaced with an
 * untailable file" (and, when the library gives it up, "; giving up on
 * this name"). */
void fm_wait_error(const struct entry *e, int error);

/* ATAIL_EVENT_ERROR of an open file: "error reading 'x': ...", and for a
 * directory followed, "x: cannot follow end of this type of file; giving
 * up on this name". */
void fm_read_error(const struct entry *e, int error, const struct cli_options *o);

/* ATAIL_EVENT_LOST: "LOST: N bytes of NAME between offsets A and B", "at
 * least N bytes" when more was lost (ATAIL_LOST_AT_LEAST), "an unknown
 * amount" when nothing is known; range: atail_lost_range()'s offsets, or
 * NULL. With ATAIL_LOST_LONG_LINE, what -n dropped of an overlong line of
 * a stream (max_line: --max-line, 0 for the default). */
void fm_lost(const struct entry *e, const struct atail_event *ev, const uint64_t *range,
             uint64_t max_line);

/* ATAIL_EVENT_POLLING: why inotify is given up for a name, and that it
 * is: "inotify cannot be used, reverting to polling". */
void fm_polling(int error);

/* ATAIL_EVENT_TRUNCATED: "x: file truncated". */
void fm_truncated(const struct entry *e);

/* A failed save of the state file. */
void fm_save_failed(const char *state_path, int error);

#endif
