/* state_opts.h - the handle's options from the command line, and the
 * state file's errors in words: what cannot be opened, what cannot be
 * saved. */
#ifndef ATAIL_CLI_STATE_OPTS_H
#define ATAIL_CLI_STATE_OPTS_H

#include "options.h"

#include <atail.h>

/* Fills *ao from the command line (output mode, delimiter, polling,
 * rotation grace, state file). */
void state_opts_fill(const struct cli_options *o, struct atail_options *ao);

/* Says why atail_open() failed with err (the state file is in use,
 * damaged, unreadable, or the handle could not be made). */
void state_opts_open_failed(const struct cli_options *o, int err);

/* Saves the state now, if there is a state file. Returns 0, or -1 after
 * saying why it failed (unless that error is *said already; *said is then
 * updated). */
int state_opts_save(const struct cli_options *o, atail *t, int *said);

#endif
