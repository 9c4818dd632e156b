/* json_out.c - see json_out.h. A record is made of
 *
 *   {"line":              a constant
 *   "..."                 json_string() of the line
 *   ,"path":P,"offset":   per file, prepared by json_out_path() past P
 *   DIGITS                the offset: its digits above the last four kept
 *                         while they stay the same
 *   ,"time":T,"host":H}\n per batch (all the lines of a batch were read
 *                         together) and per run; "cut" and "partial", rare,
 *                         put in by a slower path
 *
 * The prepared pieces sit in buffers padded to whole CHUNKs and are copied
 * a CHUNK at a time (fixed-size copies, no call), the record buffer keeping
 * room for what the copies write past the record. */
#include "json_out.h"

#include "json.h"
#include "output.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Write a batch once this much is buffered. */
#define FLUSH_AT ((size_t)64 * 1024)
/* The unit of the copies of prepared pieces. */
#define CHUNK 32
#define ROUND_UP(n) (((n) + CHUNK - 1) / CHUNK * CHUNK)
/* Room for what a record holds besides the line, the file's piece and the
 * tail ("{\"line\":", the offset, the flags), with what the copies of
 * pieces may write past each. */
#define RECORD_FIXED 160

#define PATH_KEY ",\"path\":"
#define OFFSET_KEY ",\"offset\":"
#define HOST_KEY ",\"host\":"
/* Length of the file's piece for a path's JSON string of path_len bytes. */
#define FILE_PIECE_LEN(path_len) (sizeof PATH_KEY - 1 + (path_len) + sizeof OFFSET_KEY - 1)
/* ,"time":"2025-01-02T03:04:05.123456Z" */
#define TIME_ROOM 64
#define HOST_ROOM (sizeof HOST_KEY + JSON_STRING_MAX(HOST_NAME_MAX))

struct json_out {
    char *buf;
    size_t len, cap;
    bool with_time;
    char host_field[HOST_ROOM]; /* ,"host":"name" */
    size_t host_len;
    /* How a record without flags ends: time, host, "}\n". */
    char tail[ROUND_UP(TIME_ROOM + HOST_ROOM + 2)];
    size_t tail_len;
    /* Offsets from hi_base to hi_base + 9999 begin with the digits
     * hi[0..hi_len) (none when hi_base is 0). */
    uint64_t hi_base;
    char hi[24];
    size_t hi_len;
};

/* Copies n bytes from src, whose buffer is padded to a whole CHUNK, a
 * CHUNK at a time; o has room for the last CHUNK. */
static char *put_chunks(char *o, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i += CHUNK)
        memcpy(o + i, src + i, CHUNK);
    return o + n;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

char *json_out_path(const char *path, size_t *len)
{
    size_t n = strlen(path), most = 6 * n + 2;
    /* The string, then its file's piece: padded, and the string's own
     * room (JSON_STRING_MAX) is within. */
    char *s = calloc(1, most + ROUND_UP(FILE_PIECE_LEN(most)));
    if (!s) {
        *len = 0;
        return NULL;
    }
    size_t l = json_string(s, path, n);
    char *o = put(s + l, PATH_KEY, sizeof PATH_KEY - 1);
    o = put(o, s, l);
    put(o, OFFSET_KEY, sizeof OFFSET_KEY - 1);
    *len = l;
    return s;
}

/* The tail after the time field t[0..n). */
static void set_tail(struct json_out *j, const char *t, size_t n)
{
    char *o = put(j->tail, t, n);
    o = put(o, j->host_field, j->host_len);
    o = put(o, "}\n", 2);
    j->tail_len = (size_t)(o - j->tail);
}

struct json_out *json_out_new(bool with_time, bool with_host)
{
    struct json_out *j = calloc(1, sizeof *j);
    if (!j) {
        msg(ENOMEM, "cannot start the JSON output");
        return NULL;
    }
    j->with_time = with_time;
    if (with_host) {
        char host[HOST_NAME_MAX + 1];
        if (gethostname(host, sizeof host) < 0) {
            msg(errno, "cannot find the host name");
            free(j);
            return NULL;
        }
        host[HOST_NAME_MAX] = '\0';
        char *o = put(j->host_field, HOST_KEY, sizeof HOST_KEY - 1);
        o += json_string(o, host, strlen(host));
        j->host_len = (size_t)(o - j->host_field);
    }
    set_tail(j, "", 0);
    json_out_stamp(j);
    return j;
}

void json_out_free(struct json_out *j)
{
    if (!j)
        return;
    free(j->buf);
    free(j);
}

void json_out_stamp(struct json_out *j)
{
    if (!j->with_time)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    char t[TIME_ROOM];
    int n = snprintf(t, sizeof t, ",\"time\":\"%s.%06ldZ\"", date, ts.tv_nsec / 1000);
    set_tail(j, t, n > 0 && (size_t)n < sizeof t ? (size_t)n : 0);
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* Four digits of v < 10000 at p. */
static void put4(char *p, uint32_t v)
{
    memcpy(p, digit_pairs + (size_t)2 * (v / 100), 2);
    memcpy(p + 2, digit_pairs + (size_t)2 * (v % 100), 2);
}

/* Decimal digits of v, eight at a time. */
static char *put_u64(char *o, uint64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    while (v >= 100000000u) {
        uint32_t low = (uint32_t)(v % 100000000u);
        v /= 100000000u;
        p -= 8;
        put4(p, low / 10000);
        put4(p + 4, low % 10000);
    }
    p -= 8;
    put4(p, (uint32_t)v / 10000);
    put4(p + 4, (uint32_t)v % 10000);
    for (int i = 0; i < 7 && *p == '0'; i++)
        p++; /* the leading zeros of the first group */
    return put(o, p, (size_t)(end - p));
}

/* The offset's digits. Offsets grow, a line at a time, so all but the
 * last four digits are kept from record to record: what remains is two
 * pairs from digit_pairs. */
static char *put_offset(struct json_out *j, char *o, uint64_t v)
{
    uint64_t low = v - j->hi_base; /* wraps when v < hi_base */
    if (low >= 10000) {
        uint64_t hi = v / 10000;
        if (hi == UINT64_MAX / 10000)
            return put_u64(o, v); /* a range cut by 2^64: not kept */
        j->hi_base = hi * 10000;
        j->hi_len = hi ? (size_t)(put_u64(j->hi, hi) - j->hi) : 0;
        low = v - j->hi_base;
    }
    if (!j->hi_len)
        return put_u64(o, v); /* leading zeros to drop: the first 10 kB */
    memcpy(o, j->hi, 16);     /* at most 16 digits: UINT64_MAX / 10^4 */
    put4(o + j->hi_len, (uint32_t)low);
    return o + j->hi_len + 4;
}

int json_out_line(struct json_out *j, const char *path_json, size_t path_len,
                  const struct atail_event *ev)
{
    size_t piece_len = FILE_PIECE_LEN(path_len);
    size_t need = JSON_STRING_MAX(ev->len) + piece_len + j->tail_len + RECORD_FIXED;
    if (j->cap - j->len < need) {
        size_t cap = j->cap ? j->cap : FLUSH_AT + RECORD_FIXED;
        while (cap - j->len < need)
            cap *= 2;
        char *buf = realloc(j->buf, cap);
        if (!buf) {
            msg(ENOMEM, "cannot output a line of %zu bytes", ev->len);
            return -ENOMEM;
        }
        j->buf = buf;
        j->cap = cap;
    }
    char *o = j->buf + j->len;
    o = put(o, "{\"line\":", 8);
    o += json_string(o, ev->data, ev->len);
    o = put_chunks(o, path_json + path_len, piece_len);
    o = put_offset(j, o, ev->offset);
    if (!(ev->flags & (ATAIL_LINE_CUT | ATAIL_LINE_NO_DELIM))) {
        o = put_chunks(o, j->tail, j->tail_len);
    } else {
        o = put(o, j->tail, j->tail_len - 2);
        if (ev->flags & ATAIL_LINE_CUT)
            o = put(o, ",\"cut\":true", 11);
        if (ev->flags & ATAIL_LINE_NO_DELIM)
            o = put(o, ",\"partial\":true", 15);
        o = put(o, "}\n", 2);
    }
    j->len = (size_t)(o - j->buf);
    return j->len >= FLUSH_AT;
}

bool json_out_pending(const struct json_out *j)
{
    return j->len > 0;
}

int json_out_flush(struct json_out *j)
{
    if (j->len == 0)
        return 0;
    int r = out_write(NULL, j->buf, j->len);
    j->len = 0;
    if (j->with_time)
        json_out_stamp(j);
    return r;
}

const char *json_out_take(struct json_out *j, size_t *len)
{
    *len = j->len;
    j->len = 0;
    return j->buf;
}
