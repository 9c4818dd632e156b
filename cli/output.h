/* output.h - what the CLI writes: data and "==> name <==" headers on
 * standard output with plain write(2) (no stdio buffer between the library
 * and the reader), and GNU-style diagnostics on standard error. */
#ifndef ATAIL_CLI_OUTPUT_H
#define ATAIL_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the header of `name` (when name is not NULL) and then len bytes
 * of data, in one writev() when the descriptor takes it all. Headers look
 * exactly like GNU tail's: a blank line before every header but the first.
 * Returns 0, -EPIPE when the reader of standard output is gone, or another
 * negative errno (already reported on standard error). */
int out_write(const char *name, const void *data, size_t len);

/* When standard output is a pipe smaller than two reads (256 KiB), asks
 * the kernel for that size (best effort): a reader on another core then
 * drains one write while the next is read. In a 64 KiB pipe each 128 KiB
 * write waits for the reader halfway: catch-up into a pipe was 1.8x
 * slower than GNU tail's 8 KiB writes. */
void out_widen_pipe(void);

/* Standard output was closed when atail started (a placeholder holds its
 * number): every write fails with EBADF, as it would have. */
void out_stdout_closed(void);

/* Diagnostics: the program's name + ": " + the formatted message +
 * (errnum ? ": " + strerror(errnum) : "") + newline, on standard error. */
void msg(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the name diagnostics, --help and getopt's complaints give the
 * program: the last component of argv0 (NULL or empty: "atail"). Reached
 * through a link named tail, atail says "tail: ...", as scripts that match
 * GNU tail's messages expect. GNU tail names itself by argv[0] as given
 * ("/usr/bin/tail: ..."); the last component keeps atail's messages the
 * same whatever path ran it. argv0 must outlive the program's run. */
void program_name_set(const char *argv0);

/* The name set by program_name_set(), "atail" before. */
const char *program_name(void);

/* The name --version gives, however atail was reached. */
#define PROGRAM_NAME "atail"

#endif
