/* json_out.h - --output=json: one JSON object per line, built in one
 * large buffer and written with one write per batch.
 *
 *   {"line":STRING,"path":STRING,"offset":NUMBER[,"time":STRING]
 *    [,"host":STRING][,"cut":true][,"partial":true]}
 *
 * Strings are json_string()'s (invalid UTF-8 as \udcXX, surrogateescape);
 * "time" is when the line was read, ISO 8601 UTC with microseconds; "cut"
 * marks a piece of a line longer than --max-line; "partial" a last line
 * without its delimiter. */
#ifndef ATAIL_CLI_JSON_OUT_H
#define ATAIL_CLI_JSON_OUT_H

#include <atail.h>
#include <stdbool.h>
#include <stddef.h>

struct json_out;

/* Creates the output. Returns NULL (reported) when out of memory or when
 * the host name cannot be found. */
struct json_out *json_out_new(bool with_time, bool with_host);

/* Releases it; what is buffered is dropped. Accepts NULL. */
void json_out_free(struct json_out *j);

/* Appends the record of a LINE event; path_json and path_len are what
 * json_out_path() gave for its file. Returns 1 when enough is buffered to
 * write it now, 0 when not, -ENOMEM (reported). Never writes: a record
 * goes out only with the batch that holds it, so that a commit after a
 * flush covers exactly what was written. */
int json_out_line(struct json_out *j, const char *path_json, size_t path_len,
                  const struct atail_event *ev);

/* Writes everything buffered, with one write(2) when standard output takes
 * it all. Returns 0, -EPIPE, or another negative errno (reported). */
int json_out_flush(struct json_out *j);

/* What is buffered (len bytes), handed over: the buffer is empty again,
 * and the bytes stay valid until the next json_out_line(). --to takes
 * each record as a message this way. */
const char *json_out_take(struct json_out *j, size_t *len);

/* Whether records wait in the buffer. */
bool json_out_pending(const struct json_out *j);

/* Sets the "time" of the records appended from now on to the present. */
void json_out_stamp(struct json_out *j);

/* The JSON string for path, malloc'ed (free() it), its length in *len;
 * NULL when out of memory. Past the string, the same allocation holds the
 * part of the file's records that follows the line, prepared once for
 * json_out_line(). */
char *json_out_path(const char *path, size_t *len);

#endif
