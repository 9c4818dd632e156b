/* quote.h - names and arguments quoted in diagnostics exactly as GNU tail
 * quotes them (gnulib quotearg), so messages match byte for byte. Each
 * function returns a string that stays valid until the next call with the
 * same slot (0 .. QUOTE_SLOTS-1), so one message can quote several things. */
#ifndef ATAIL_CLI_QUOTE_H
#define ATAIL_CLI_QUOTE_H

#define QUOTE_SLOTS 4

/* Call once after setlocale(): picks ‘curly’ quotes in a UTF-8 locale. */
void quote_init(void);

/* gnulib quote(): 'arg' (or ‘arg’ in UTF-8) with C escapes. For option
 * arguments in messages. */
const char *quote_arg(int slot, const char *s);

/* gnulib quoteaf(): always shell-quoted ('a b', "it's", 'a'$'\n''b'). For
 * file names in "cannot open %s for reading" and the like. */
const char *quote_name(int slot, const char *s);

/* gnulib quotef(): shell-quoted only when needed (d, 'a b', 'a:b'). For
 * names that start a message ("%s: file truncated"). */
const char *quote_name_if_needed(int slot, const char *s);

/* Releases the slots (for leak checkers). */
void quote_free(void);

#endif
