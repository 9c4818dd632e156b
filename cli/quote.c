/* quote.c - see quote.h. Written from the observable behaviour of gnulib's
 * quotearg styles used by coreutils: locale_quoting_style (quote),
 * shell_escape_always_quoting_style (quoteaf) and shell_escape_quoting_style
 * (quotef). */
#include "quote.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

struct slot {
    char *p;
    size_t len, cap;
};

static struct slot slots[QUOTE_SLOTS];
static const char *left_quote = "'";
static const char *right_quote = "'";

void quote_init(void)
{
    static const char lq[] = "\xe2\x80\x98";
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t w;
    if (mbrtowc(&w, lq, 3, &st) == 3 && w == 0x2018) {
        left_quote = lq;
        right_quote = "\xe2\x80\x99";
    } else {
        left_quote = right_quote = "'";
    }
}

void quote_free(void)
{
    for (int i = 0; i < QUOTE_SLOTS; i++) {
        free(slots[i].p);
        slots[i] = (struct slot){0};
    }
}

static void put_mem(struct slot *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return; /* out of memory: the message gets shorter, no worse */
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_str(struct slot *b, const char *s)
{
    put_mem(b, s, strlen(s));
}

static void put_char(struct slot *b, char c)
{
    put_mem(b, &c, 1);
}

static void put_octal(struct slot *b, unsigned char c)
{
    char o[4] = {'\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)), (char)('0' + (c & 7))};
    put_mem(b, o, 4);
}

static struct slot *slot_start(int slot)
{
    if (slot < 0 || slot >= QUOTE_SLOTS)
        slot = 0;
    struct slot *b = &slots[slot];
    b->len = 0;
    put_mem(b, "", 0);
    return b;
}

static const char *slot_result(struct slot *b, const char *fallback)
{
    return b->p ? b->p : fallback;
}

/* Length (>= 1) of the character at s[i], and whether it is printable in
 * the current locale. Invalid bytes count as unprintable characters of
 * their own; an incomplete sequence takes the rest of the string. */
static size_t char_at(const char *s, size_t i, size_t n, bool *printable)
{
    unsigned char c = (unsigned char)s[i];
    if (MB_CUR_MAX == 1 || c < 0x80) {
        *printable = isprint(c) != 0;
        return 1;
    }
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t w;
    size_t r = mbrtowc(&w, s + i, n - i, &st);
    if (r == (size_t)-1 || r == 0) {
        *printable = false;
        return 1;
    }
    if (r == (size_t)-2) {
        *printable = false;
        return n - i;
    }
    *printable = iswprint((wint_t)w) != 0;
    return r;
}

static char escape_letter(char c)
{
    switch (c) {
    case '\a':
        return 'a';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\t':
        return 't';
    case '\v':
        return 'v';
    default:
        return 0;
    }
}

const char *quote_arg(int slot, const char *s)
{
    struct slot *b = slot_start(slot);
    size_t n = strlen(s), rq = strlen(right_quote);
    put_str(b, left_quote);
    for (size_t i = 0; i < n;) {
        char c = s[i], letter = escape_letter(c);
        if (letter) {
            put_char(b, '\\');
            put_char(b, letter);
            i++;
            continue;
        }
        if (c == '\\') {
            put_str(b, "\\\\");
            i++;
            continue;
        }
        if (i + rq <= n && memcmp(s + i, right_quote, rq) == 0) {
            put_char(b, '\\');
            put_mem(b, s + i, rq);
            i += rq;
            continue;
        }
        bool printable;
        size_t m = char_at(s, i, n, &printable);
        if (printable) {
            put_mem(b, s + i, m);
        } else {
            for (size_t j = 0; j < m; j++)
                put_octal(b, (unsigned char)s[i + j]);
        }
        i += m;
    }
    put_str(b, right_quote);
    return slot_result(b, s);
}

/* How the shell styles treat one character. */
enum shell_class {
    SH_SAFE,      /* never needs quoting; fine inside "..." */
    SH_SAFE_NC,   /* needs no quoting here, but rules out "..." */
    SH_SPECIAL_C, /* needs quoting; fine inside "..." (space, ...) */
    SH_SPECIAL,   /* needs quoting; rules out "..." ($, `, \, ...) */
    SH_SQUOTE,    /* a single quote */
    SH_ESCAPE,    /* control character or unprintable: $'\n' or $'\ooo' */
};

static enum shell_class shell_class(const char *s, size_t i, size_t n, size_t *len)
{
    unsigned char c = (unsigned char)s[i];
    *len = 1;
    if (escape_letter((char)c))
        return SH_ESCAPE;
    switch (c) {
    case '{':
    case '}':
        if (n != 1)
            return SH_SAFE_NC;
        return SH_SPECIAL_C;
    case '#':
    case '~':
        return i == 0 ? SH_SPECIAL_C : SH_SAFE_NC;
    case ' ':
        return SH_SPECIAL_C;
    case '!':
    case '"':
    case '$':
    case '&':
    case '(':
    case ')':
    case '*':
    case ';':
    case '<':
    case '=':
    case '>':
    case '[':
    case '^':
    case '`':
    case '|':
    case '?':
    case '\\':
        return SH_SPECIAL;
    case '\'':
        return SH_SQUOTE;
    default:
        break;
    }
    if (isalnum(c) && c < 0x80)
        return SH_SAFE;
    if (c && strchr("%+,-./:]_", c))
        return SH_SAFE;
    bool printable;
    *len = char_at(s, i, n, &printable);
    return printable ? SH_SAFE : SH_ESCAPE;
}

const char *quote_name(int slot, const char *s)
{
    size_t n = strlen(s), len;
    bool squote = false, compat = true;
    for (size_t i = 0; i < n; i += len) {
        enum shell_class k = shell_class(s, i, n, &len);
        squote |= k == SH_SQUOTE;
        compat &= k == SH_SAFE || k == SH_SPECIAL_C || k == SH_SQUOTE;
    }

    struct slot *b = slot_start(slot);
    if (squote && compat) {
        /* "it's" reads better than 'it'\''s'. */
        put_char(b, '"');
        put_mem(b, s, n);
        put_char(b, '"');
        return slot_result(b, s);
    }

    bool in_dollar = false; /* inside a $'...' part */
    put_char(b, '\'');
    for (size_t i = 0; i < n; i += len) {
        enum shell_class k = shell_class(s, i, n, &len);
        if (k == SH_SQUOTE) {
            put_str(b, "'\\''");
            in_dollar = false;
        } else if (k == SH_ESCAPE) {
            if (!in_dollar) {
                put_str(b, "'$'");
                in_dollar = true;
            }
            char letter = escape_letter(s[i]);
            if (letter) {
                put_char(b, '\\');
                put_char(b, letter);
            } else {
                for (size_t j = 0; j < len; j++)
                    put_octal(b, (unsigned char)s[i + j]);
            }
        } else {
            if (in_dollar) {
                put_str(b, "''");
                in_dollar = false;
            }
            put_mem(b, s + i, len);
        }
    }
    put_char(b, '\'');
    return slot_result(b, s);
}

const char *quote_name_if_needed(int slot, const char *s)
{
    size_t n = strlen(s), len;
    bool plain = n > 0;
    for (size_t i = 0; i < n && plain; i += len) {
        enum shell_class k = shell_class(s, i, n, &len);
        /* quotef also quotes ':', so that "name: message" stays readable */
        plain = (k == SH_SAFE || k == SH_SAFE_NC) && s[i] != ':';
    }
    if (!plain)
        return quote_name(slot, s);
    struct slot *b = slot_start(slot);
    put_mem(b, s, n);
    return slot_result(b, s);
}
