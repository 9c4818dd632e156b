/* subject.h - the NATS subject of a file from the --subject template:
 * "{host}" and "{file}" (the file's last path component) become subject
 * tokens, every byte outside [A-Za-z0-9_-] turned into '_' ("app.log"
 * becomes "app_log"), an empty one "_". */
#ifndef ATAIL_CLI_SUBJECT_H
#define ATAIL_CLI_SUBJECT_H

#include <stdbool.h>

/* The subject for the file at `path` on `host`, malloc'ed; NULL when out
 * of memory. */
char *subject_make(const char *tmpl, const char *host, const char *path);

/* The template with each placeholder as the wildcard '*' (the subjects a
 * stream must take), malloc'ed; NULL when out of memory. */
char *subject_wildcard(const char *tmpl);

/* Whether the template makes valid subjects: tokens separated by single
 * dots, none empty, no spaces, wildcards or control bytes, placeholders
 * only as whole tokens' parts that exist. */
bool subject_valid(const char *tmpl);

/* Whether `filter` is a valid subject filter: tokens separated by single
 * dots, none empty, "*" a whole token, ">" only the last one. */
bool subject_filter_valid(const char *filter);

#endif
