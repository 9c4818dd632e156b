/* subject.c - see subject.h. */
#include "subject.h"

#include <stdlib.h>
#include <string.h>

#define HOST_KEY "{host}"
#define FILE_KEY "{file}"

static bool token_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Appends the token made of s[0..n) at o (room: n, or 1 when n is 0). */
static char *put_token(char *o, const char *s, size_t n)
{
    if (n == 0) {
        *o++ = '_';
        return o;
    }
    for (size_t i = 0; i < n; i++)
        *o++ = token_byte((unsigned char)s[i]) ? s[i] : '_';
    return o;
}

/* The template with {host} as host and {file} as file (raw when `wild`:
 * "*"), into a new string. */
static char *expand(const char *tmpl, const char *host, const char *file, bool wild)
{
    size_t hl = strlen(host), fl = strlen(file), most = strlen(tmpl) + 1;
    for (const char *p = tmpl; (p = strchr(p, '{')) != NULL; p++)
        most += hl + fl + 1;
    char *out = malloc(most), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, HOST_KEY, sizeof HOST_KEY - 1) == 0) {
            o = wild ? (*o = '*', o + 1) : put_token(o, host, hl);
            p += sizeof HOST_KEY - 1;
        } else if (strncmp(p, FILE_KEY, sizeof FILE_KEY - 1) == 0) {
            o = wild ? (*o = '*', o + 1) : put_token(o, file, fl);
            p += sizeof FILE_KEY - 1;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

char *subject_make(const char *tmpl, const char *host, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *file = slash ? slash + 1 : path;
    if (strcmp(path, "-") == 0)
        file = "stdin";
    return expand(tmpl, host, file, false);
}

char *subject_wildcard(const char *tmpl)
{
    return expand(tmpl, "", "", true);
}

bool subject_valid(const char *tmpl)
{
    char *s = expand(tmpl, "h", "f", false);
    if (!s)
        return false;
    bool ok = *s != '\0';
    size_t token = 0;
    for (const char *p = s; *p && ok; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            ok = token > 0;
            token = 0;
        } else {
            ok = c > ' ' && c < 0x7f && !strchr("*>{}\"\\", c);
            token++;
        }
    }
    ok = ok && token > 0;
    free(s);
    return ok;
}

bool subject_filter_valid(const char *filter)
{
    size_t len = strlen(filter);
    const char *p = filter;
    if (len == 0)
        return false;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0)
            return false;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c <= ' ' || c >= 0x7f || strchr("\"\\{}", c))
                return false;
            if ((c == '*' || c == '>') && n != 1)
                return false;
        }
        if (n == 1 && *p == '>' && dot)
            return false; /* ">" ends a filter */
        if (!dot)
            return true;
        p = dot + 1;
    }
}
