/* checkpoint.h - the state file: parse, serialize (pure, fuzzed), load and
 * save atomically.
 *
 * Format (version 1), text, one record per line, fields separated by one
 * space:
 *
 *   atail-state 1
 *   f DEV INO OFFSET FP_LEN FP_HASH TAIL_LEN TAIL_HASH PATH
 *   ...
 *   end COUNT CHECKSUM
 *
 * DEV, INO, OFFSET, FP_LEN, TAIL_LEN, COUNT: decimal. FP_HASH, TAIL_HASH,
 * CHECKSUM: 16 lower-case hex digits of a 64-bit FNV-1a hash. FP_HASH covers
 * the file's first FP_LEN bytes (at most CKPT_FP_MAX: works for files of
 * any size); TAIL_HASH the TAIL_LEN bytes just before OFFSET (at most
 * CKPT_TAIL_MAX), so a file rewritten while atail was stopped is noticed.
 * PATH is the followed path with bytes below 0x21, above 0x7e and '%'
 * written as %XX. CHECKSUM covers every byte before the "end" line, so a
 * torn or altered file is rejected as a whole. */
#ifndef ATAIL_CHECKPOINT_H
#define ATAIL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_FP_MAX 1024u
#define CKPT_TAIL_MAX 256u
#define CKPT_MAX_LINE 16384u /* longer lines are damage */

struct ckpt_entry {
    char *path;
    uint64_t dev, ino, offset;
    uint32_t fp_len, tail_len;
    uint64_t fp_hash, tail_hash;
};

struct ckpt {
    struct ckpt_entry *e;
    size_t n, cap;
    size_t *index; /* open addressing on path hash: entry index + 1, 0 empty */
    size_t index_cap;
};

/* 64-bit FNV-1a. */
uint64_t ckpt_hash(const void *p, size_t n);

/* Parses buf[0..len) into *c (zeroed by the caller). Returns 0, or -EBADMSG
 * with *bad_line the 1-based line found damaged, or -ENOMEM. On failure *c
 * holds nothing. */
int ckpt_parse(const char *buf, size_t len, struct ckpt *c, size_t *bad_line);

/* Serializes c into a malloc'ed buffer. Returns 0 or -ENOMEM. */
int ckpt_serialize(const struct ckpt *c, char **out, size_t *len);

/* The entry for path, or NULL. */
struct ckpt_entry *ckpt_find(const struct ckpt *c, const char *path);

/* Adds or replaces the entry for e->path (copied). Returns 0 or -ENOMEM. */
int ckpt_put(struct ckpt *c, const struct ckpt_entry *e);

void ckpt_free(struct ckpt *c);

/* Reads and parses the file at path. A missing file is an empty state.
 * Returns 0, -EBADMSG (*bad_line set), or a negative errno. */
int ckpt_load(const char *path, struct ckpt *c, size_t *bad_line);

/* Writes c to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory. A crash at any instant
 * leaves the old or the new state. Returns 0 or a negative errno (the old
 * state is then intact; -ENOSPC for a full disk). */
int ckpt_save(const char *path, const struct ckpt *c);

#endif
