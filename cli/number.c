/* number.c - see number.h. The rules follow gnulib's xstrtol.c and tail.c
 * (coreutils 9.1) case by case, since scripts depend on what tail accepts:
 * "-n K" is 1024 lines, "-n ' 5'" is 5, "-n 1Ki" is an error. */
#include "number.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* *x *= base^power, saturating. */
static int scale(uint64_t *x, unsigned base, int power)
{
    int err = NUM_OK;
    for (; power > 0; power--) {
        if (*x > UINT64_MAX / base) {
            *x = UINT64_MAX;
            err = NUM_OVERFLOW;
        } else {
            *x *= base;
        }
    }
    return err;
}

/* The power of the base that a multiplier letter stands for, or -1. */
static int suffix_power(char c)
{
    switch (c) {
    case 'k':
    case 'K':
        return 1;
    case 'm':
    case 'M':
        return 2;
    case 'g':
    case 'G':
        return 3;
    case 't':
    case 'T':
        return 4;
    case 'P':
        return 5;
    case 'E':
        return 6;
    case 'Z':
        return 7;
    case 'Y':
        return 8;
    case 'R':
        return 9;
    case 'Q':
        return 10;
    default:
        return -1;
    }
}

int num_parse(const char *s, const char *suffixes, uint64_t *val)
{
    const char *p = s;
    while (is_space((unsigned char)*p))
        p++;
    if (*p == '-') {
        *val = 0;
        return NUM_INVALID;
    }
    if (*p == '+')
        p++;

    int err = NUM_OK;
    uint64_t v = 0;
    const char *digits = p;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (err & NUM_DIGITS_RANGE)
            continue;
        if (v > (UINT64_MAX - d) / 10) {
            v = UINT64_MAX;
            err = NUM_OVERFLOW | NUM_DIGITS_RANGE;
        } else {
            v = v * 10 + d;
        }
    }

    const char *end = p;
    if (p == digits) {
        /* No digits: strtoumax consumed nothing, so a suffix must be the
         * very first character ("K" alone means 1K). */
        end = s;
        if (suffixes && *s && strchr(suffixes, *s)) {
            v = 1;
        } else {
            *val = 0;
            return NUM_INVALID;
        }
    }

    if (!suffixes || !*end) {
        *val = v;
        return err;
    }
    if (!strchr(suffixes, *end)) {
        *val = v;
        return err | NUM_INVALID_SUFFIX;
    }

    unsigned base = 1024;
    int used = 1;
    int power = suffix_power(*end);
    if (power > 0 && strchr(suffixes, '0')) {
        if (end[1] == 'i' && end[2] == 'B') {
            used = 3;
        } else if (end[1] == 'B' || end[1] == 'D') {
            base = 1000;
            used = 2;
        }
    }
    switch (*end) {
    case 'b':
        err |= scale(&v, 512, 1);
        break;
    case 'B':
        err |= scale(&v, 1024, 1);
        break;
    case 'c':
        break;
    case 'w':
        err |= scale(&v, 2, 1);
        break;
    default:
        if (power < 0) {
            *val = v;
            return err | NUM_INVALID_SUFFIX;
        }
        err |= scale(&v, base, power);
        break;
    }
    end += used;
    if (*end)
        err |= NUM_INVALID_SUFFIX;
    *val = v;
    return err;
}

int num_dec(const char *s, const char *suffixes, uint64_t max, uint64_t *val, int *errnum)
{
    uint64_t v;
    int r = num_parse(s, suffixes, &v);
    if (r == NUM_OK && v <= max) {
        *val = v;
        *errnum = 0;
        return 0;
    }
    if (r == NUM_OK)
        *errnum = v > INT_MAX / 2 ? EOVERFLOW : ERANGE;
    else if ((r & ~NUM_DIGITS_RANGE) == NUM_OVERFLOW)
        *errnum = EOVERFLOW;
    else
        *errnum = 0; /* invalid: GNU names no system error */
    return -1;
}

int num_count(const char *arg, bool *from_start, uint64_t *val, const char **shown, int *errnum)
{
    if (*arg == '+')
        *from_start = true;
    else if (*arg == '-')
        arg++;
    *shown = arg;
    return num_dec(arg, NUM_SUFFIXES_TAIL, UINT64_MAX, val, errnum);
}

enum num_obsolete_result num_obsolete(const char *arg, struct num_obsolete *o)
{
    const char *p = arg;
    bool from_start;
    switch (*p++) {
    case '+':
        from_start = true;
        break;
    case '-':
        /* "-" is standard input and "-c" wants an argument. */
        if (!p[p[0] == 'c'])
            return NUM_OBSOLETE_NONE;
        from_start = false;
        break;
    default:
        return NUM_OBSOLETE_NONE;
    }

    const char *digits = p;
    while (*p >= '0' && *p <= '9')
        p++;
    const char *digits_end = p;

    uint64_t fallback = 10;
    bool lines = true;
    switch (*p) {
    case 'b':
        fallback *= 512;
        /* fall through */
    case 'c':
        lines = false;
        /* fall through */
    case 'l':
        p++;
        break;
    default:
        break;
    }
    bool follow = false;
    if (*p == 'f') {
        follow = true;
        p++;
    }
    if (*p)
        return NUM_OBSOLETE_NONE;

    uint64_t count = fallback;
    if (digits != digits_end) {
        /* As GNU does: the number with a 'b' suffix, whatever follows it. */
        int r = num_parse(digits, "b", &count) & ~NUM_INVALID_SUFFIX;
        if (r != NUM_OK)
            return (r & NUM_DIGITS_RANGE) ? NUM_OBSOLETE_RANGE : NUM_OBSOLETE_INVALID;
    }
    o->count = count;
    o->from_start = from_start;
    o->lines = lines;
    o->follow = follow;
    return NUM_OBSOLETE_OK;
}

/* strtod in the current locale, else in the C locale, whichever reads more
 * (gnulib's cl_strtod), so "1.5" works under a decimal-comma locale. */
static double strtod_any_locale(const char *s, char **end)
{
    double d = strtod(s, end);
    if (**end) {
        int saved = errno;
        locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c) {
            char *c_end;
            double cd = strtod_l(s, &c_end, c);
            freelocale(c);
            if (*end < c_end) {
                *end = c_end;
                return cd;
            }
        }
        errno = saved;
    }
    return d;
}

int num_seconds(const char *s, double *val)
{
    char *end;
    errno = 0;
    double v = strtod_any_locale(s, &end);
    if (end == s || *end != '\0')
        return -1;
    if (v != 0 && errno == ERANGE)
        return -1;
    if (!(v >= 0)) /* negative or NaN */
        return -1;
    *val = v;
    return 0;
}
