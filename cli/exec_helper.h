/* exec_helper.h - the NATS parts of atail live in a program of their own,
 * atail-nats: the same command, linked with libnats (and through it
 * OpenSSL), so that following files never loads those libraries. Loading
 * them costs every run 3 ms and 160 page faults before its first byte
 * (perf stat, `atail -n 1 FILE`), more than reading 30 MB from the page
 * cache. When the command line asks for NATS (--to=nats://, or reading
 * nats://HOST/STREAM), atail replaces itself with atail-nats: same
 * process, same arguments, same descriptors. */
#ifndef ATAIL_CLI_EXEC_HELPER_H
#define ATAIL_CLI_EXEC_HELPER_H

/* The helper's name. It is looked for beside the running program (the
 * build directory), then where the install put it: relative to the
 * program (ATAIL_LIBEXEC_FROM_BIN, ../libexec/atail: an install unpacked
 * elsewhere), then absolute (ATAIL_LIBEXEC_DIR: /usr/libexec/atail on
 * Debian, /usr/local/libexec/atail by default). */
#define NATS_HELPER "atail-nats"

/* Replaces the process with the helper, run with argv. The descriptors of
 * `held_std` (bits 0-2: standard descriptors that were closed at start
 * and hold /dev/null since) are closed again first, so that the helper
 * starts as atail did. Returns only if the helper cannot be run, after
 * saying why. */
void exec_nats_helper(char **argv, unsigned held_std);

#endif
