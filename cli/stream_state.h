/* stream_state.h - --state when reading a stream (atail
 * nats://HOST:PORT/STREAM): the stream's sequence number of the last
 * message printed, in a small text file
 *
 *   atail-stream-state 1
 *   STREAM SEQ
 *
 * written atomically (a temporary file beside it, fsync, rename), so a
 * crash leaves the old state or the new. */
#ifndef ATAIL_CLI_STREAM_STATE_H
#define ATAIL_CLI_STREAM_STATE_H

#include <stdint.h>

/* The sequence saved for `stream` in the file at path: 1 and *seq, 0 when
 * the file is missing or names another stream, -EBADMSG when it is not a
 * stream state file, or another negative errno. */
int stream_state_load(const char *path, const char *stream, uint64_t *seq);

/* Saves `seq` for `stream`. Returns 0 or a negative errno. */
int stream_state_save(const char *path, const char *stream, uint64_t seq);

#endif
