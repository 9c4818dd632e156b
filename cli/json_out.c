/* json_out.c - see json_out.h. Per line, the only work is json_string() on
 * the line and a few memcpy of fragments prepared once: the path's JSON
 * string (per file), the host (per run) and the time (per batch, since all
 * the lines of a batch were read together). */
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
/* Room for everything of a record but the line, path and host. */
#define RECORD_FIXED 160

struct json_out {
    char *buf;
    size_t len, cap;
    bool with_time;
    char time_field[64]; /* ,"time":"2025-01-02T03:04:05.123456Z" */
    size_t time_len;
    char *host_field; /* ,"host":"name" */
    size_t host_len;
};

char *json_out_path(const char *path, size_t *len)
{
    size_t n = strlen(path);
    char *s = malloc(JSON_STRING_MAX(n));
    *len = s ? json_string(s, path, n) : 0;
    return s;
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
        size_t n = strlen(host);
        j->host_field = malloc(sizeof ",\"host\":" + JSON_STRING_MAX(n));
        if (!j->host_field) {
            msg(ENOMEM, "cannot start the JSON output");
            free(j);
            return NULL;
        }
        static const char key[] = ",\"host\":";
        memcpy(j->host_field, key, sizeof key - 1);
        j->host_len = sizeof key - 1 + json_string(j->host_field + sizeof key - 1, host, n);
    }
    json_out_stamp(j);
    return j;
}

void json_out_free(struct json_out *j)
{
    if (!j)
        return;
    free(j->buf);
    free(j->host_field);
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
    int n = snprintf(j->time_field, sizeof j->time_field, ",\"time\":\"%s.%06ldZ\"", date,
                     ts.tv_nsec / 1000);
    j->time_len = n > 0 && (size_t)n < sizeof j->time_field ? (size_t)n : 0;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
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

/* Decimal digits of an offset, eight at a time in 32-bit pieces whose
 * divisions do not wait for each other: every record has one, and a digit
 * at a time showed in profiles. */
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

int json_out_line(struct json_out *j, const char *path_json, size_t path_len,
                  const struct atail_event *ev)
{
    size_t need = JSON_STRING_MAX(ev->len) + path_len + j->host_len + RECORD_FIXED;
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
    o = put(o, ",\"path\":", 8);
    o = put(o, path_json, path_len);
    o = put(o, ",\"offset\":", 10);
    o = put_u64(o, ev->offset);
    o = put(o, j->time_field, j->time_len);
    if (j->host_len)
        o = put(o, j->host_field, j->host_len);
    if (ev->flags & ATAIL_LINE_CUT)
        o = put(o, ",\"cut\":true", 11);
    if (ev->flags & ATAIL_LINE_NO_DELIM)
        o = put(o, ",\"partial\":true", 15);
    o = put(o, "}\n", 2);
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
