/* start.h - where reading starts in a seekable file (tail -n N, -c N). */
#ifndef ATAIL_START_H
#define ATAIL_START_H

#include <stddef.h>
#include <stdint.h>

/* Finds the offset where the last n lines of the seekable file fd start,
 * reading backwards from `end` in blocks of blk_len bytes through blk, never
 * before `base`. Returns 0 and sets *off, or a negative errno from pread. */
int start_last_lines(int fd, uint64_t base, uint64_t end, uint64_t n, int delim, char *blk,
                     size_t blk_len, uint64_t *off);

#endif
