/* number.h - the numeric arguments of the CLI, parsed exactly as GNU tail
 * 9.1 parses them (gnulib's xstrtoumax with tail's suffixes). Pure: no I/O,
 * no global state, nothing printed; callers word the messages. */
#ifndef ATAIL_CLI_NUMBER_H
#define ATAIL_CLI_NUMBER_H

#include <stdbool.h>
#include <stdint.h>

/* Multiplier suffixes of -n and -c: b 512, k/K 1024, m/M, G, T, P, E, Z, Y
 * powers of 1024; a second suffix "B" (or obsolescent "D") makes them
 * powers of 1000 ("kB", "MB"), "iB" keeps 1024 ("KiB"). The trailing '0' is
 * the flag that enables those second suffixes, as in gnulib. */
#define NUM_SUFFIXES_TAIL "bkKmMGTPEZY0"

/* Result bits of num_parse(), after gnulib's strtol_error. */
#define NUM_OK 0x0
#define NUM_OVERFLOW 0x1       /* too large: the value saturated at UINT64_MAX */
#define NUM_INVALID_SUFFIX 0x2 /* characters left after the number (and suffix) */
#define NUM_INVALID 0x4        /* no number at all, or a minus sign */
#define NUM_DIGITS_RANGE                                                                           \
    0x8 /* with NUM_OVERFLOW: the digits alone overflowed                                          \
           (what strtoumax reports as ERANGE) */

/* Parses a decimal number at s: optional white space and '+', digits, then
 * at most one multiplier suffix from `suffixes` (NULL: no suffix, and
 * trailing characters are not checked; "": no suffix allowed). A suffix
 * alone means 1 of it ("K" is 1024). Stores the value (saturated) in *val
 * and returns NUM_* bits. */
int num_parse(const char *s, const char *suffixes, uint64_t *val);

/* Like gnulib's xdectoumax without the exit: s must be a whole number in
 * [0, max]. Returns 0 and sets *val, or returns -1 and sets *errnum to the
 * errno GNU appends to its message (0: none; EOVERFLOW; ERANGE). */
int num_dec(const char *s, const char *suffixes, uint64_t max, uint64_t *val, int *errnum);

/* The argument of -n/--lines and -c/--bytes: "[+|-]NUM". A leading '+'
 * sets *from_start (it is never cleared: GNU keeps it across options), a
 * leading '-' is skipped. *shown is the part GNU quotes in its message.
 * Returns 0, or -1 with *errnum as for num_dec(). */
int num_count(const char *arg, bool *from_start, uint64_t *val, const char **shown, int *errnum);

/* The obsolete first argument "-NUM[bcl][f]" or "+NUM[bcl][f]" (tail -5,
 * tail +3c, tail -20f). */
struct num_obsolete {
    uint64_t count;
    bool from_start;
    bool lines; /* false: bytes ('b' or 'c') */
    bool follow;
};

enum num_obsolete_result {
    NUM_OBSOLETE_NONE,    /* not of that form: parse arguments normally */
    NUM_OBSOLETE_OK,      /* *o is filled */
    NUM_OBSOLETE_INVALID, /* "invalid number" */
    NUM_OBSOLETE_RANGE,   /* "invalid number", with ERANGE's text */
};

/* Recognizes the obsolete option in one argument. Whether the command line
 * has the shape that allows it (one option and at most one file) is the
 * caller's business. */
enum num_obsolete_result num_obsolete(const char *arg, struct num_obsolete *o);

/* The argument of -s: a floating-point number >= 0, in the current locale or
 * in the C locale. Returns 0 and sets *val, or -1. */
int num_seconds(const char *s, double *val);

#endif
