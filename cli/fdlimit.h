/* fdlimit.h - many files: the descriptor limit. */
#ifndef ATAIL_CLI_FDLIMIT_H
#define ATAIL_CLI_FDLIMIT_H

/* Raises the soft RLIMIT_NOFILE to the hard limit, quietly (following
 * thousands of files needs a descriptor each). */
void fdlimit_raise(void);

/* The soft RLIMIT_NOFILE now, for messages; 0 if unknown. */
unsigned long long fdlimit_current(void);

#endif
