/* read_nats.c - atail nats://HOST:PORT/STREAM: tail for the central log.
 *
 *   where to start   -n N: the last N messages (of the --subject filter:
 *                    the stream tells how many it holds per subject, and
 *                    those before the last N are read and dropped); -n +N
 *                    from the Nth; --state: after the last message printed
 *                    by the run that saved it
 *   how              an ordered JetStream consumer (libnats re-creates it
 *                    when it sees a gap), synchronous: this mode follows
 *                    no file, and libnats' own threads read the socket
 *   output           the data of each message and the delimiter, or with
 *                    --output=json one record per message:
 *                    {"line":S,"subject":S,"seq":N[,"host":S,"path":S,
 *                    "offset":N][,"cut":true]} (host, path and offset from
 *                    the Atail-* headers atail --to sets); batched writes
 *   the end          without -f, once the messages the stream held at the
 *                    start are out; with -f, at SIGINT/SIGTERM/SIGHUP (the
 *                    state saved first, with --state)
 */
#include "read_nats.h"

#include "json.h"
#include "nats_opts.h"
#include "output.h"
#include "quote.h"
#include "signals.h"
#include "stream_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLUSH_AT ((size_t)64 * 1024)
#define WAIT_MS 250        /* a wait for the next message, between signal checks */
#define FIRST_WAIT_MS 5000 /* without -f: the messages known to be there */

struct reader {
    const struct cli_options *o;
    char *server, *stream;
    natsOptions *opts;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    char *buf;
    size_t len, cap;
    uint64_t printed; /* stream sequence of the last message output */
    uint64_t saved;
    long long saved_ms;
    int said_save;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* nats://HOST:PORT/STREAM into the server's URL and the stream. */
static int split_url(struct reader *r, const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (!slash || !slash[1] || strchr(slash + 1, '/')) {
        msg(0, "invalid stream %s: nats://HOST:PORT/STREAM", quote_arg(0, url));
        return -1;
    }
    r->server = strndup(url, (size_t)(slash - url));
    r->stream = strdup(slash + 1);
    if (!r->server || !r->stream) {
        msg(ENOMEM, "cannot read %s", quote_arg(0, url));
        return -1;
    }
    return 0;
}

static bool room(struct reader *r, size_t n)
{
    if (r->len + n <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : FLUSH_AT * 2;
    while (cap < r->len + n)
        cap *= 2;
    char *b = realloc(r->buf, cap);
    if (!b) {
        msg(ENOMEM, "cannot output a message");
        return false;
    }
    r->buf = b;
    r->cap = cap;
    return true;
}

static void put(struct reader *r, const char *s, size_t n)
{
    memcpy(r->buf + r->len, s, n);
    r->len += n;
}

/* ,"key":"value" from header `header`, when the message has it. */
static void put_header_str(struct reader *r, natsMsg *m, const char *header, const char *key)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(m, header, &v) != NATS_OK || !v)
        return;
    size_t n = strlen(v);
    if (!room(r, strlen(key) + JSON_STRING_MAX(n) + 8))
        return;
    put(r, ",\"", 2);
    put(r, key, strlen(key));
    put(r, "\":", 2);
    r->len += json_string(r->buf + r->len, v, n);
}

static int put_json(struct reader *r, natsMsg *m, uint64_t seq)
{
    const char *data = natsMsg_GetData(m), *subj = natsMsg_GetSubject(m);
    size_t n = (size_t)natsMsg_GetDataLength(m), sn = strlen(subj);
    if (!room(r, JSON_STRING_MAX(n) + JSON_STRING_MAX(sn) + 96))
        return -1;
    put(r, "{\"line\":", 8);
    r->len += json_string(r->buf + r->len, data ? data : "", n);
    put(r, ",\"subject\":", 11);
    r->len += json_string(r->buf + r->len, subj, sn);
    r->len += (size_t)snprintf(r->buf + r->len, 32, ",\"seq\":%" PRIu64, seq);
    put_header_str(r, m, "Atail-Host", "host");
    put_header_str(r, m, "Atail-Path", "path");
    const char *off = NULL, *cut = NULL;
    if (natsMsgHeader_Get(m, "Atail-Offset", &off) == NATS_OK && off &&
        strspn(off, "0123456789") == strlen(off) && *off && strlen(off) < 21 && room(r, 40)) {
        put(r, ",\"offset\":", 10);
        put(r, off, strlen(off));
    }
    if (natsMsgHeader_Get(m, "Atail-Cut", &cut) == NATS_OK && room(r, 16))
        put(r, ",\"cut\":true", 11);
    if (!room(r, 2))
        return -1;
    put(r, "}\n", 2);
    return 0;
}

static int put_msg(struct reader *r, natsMsg *m, uint64_t seq)
{
    if (r->o->output == OUTPUT_JSON)
        return put_json(r, m, seq);
    size_t n = (size_t)natsMsg_GetDataLength(m);
    if (!room(r, n + 1))
        return -1;
    if (n)
        put(r, natsMsg_GetData(m), n);
    r->buf[r->len++] = (char)r->o->delimiter;
    return 0;
}

/* Writes what is buffered; then, with --state, saves at most every
 * --state-interval (`now`: at once). Returns 0, or a STOP_* code. */
static int flush(struct reader *r, bool now)
{
    if (r->len) {
        int w = out_write(NULL, r->buf, r->len);
        r->len = 0;
        if (w < 0)
            return w == -EPIPE ? STOP_PIPE : STOP_FAILED;
    }
    if (!r->o->state_path || r->printed == r->saved)
        return 0;
    if (!now && mono_ms() - r->saved_ms < (long long)(r->o->state_interval * 1000.0))
        return 0;
    int e = stream_state_save(r->o->state_path, r->stream, r->printed);
    r->saved_ms = mono_ms();
    if (e < 0) {
        if (e != r->said_save)
            msg(-e, "cannot save state file %s", quote_name(0, r->o->state_path));
        r->said_save = e;
        return 0;
    }
    r->saved = r->printed;
    return 0;
}

/* The stream's first and last sequence, and how many messages the filter
 * takes (all of them without a filter). */
static int stream_range(struct reader *r, uint64_t *first, uint64_t *last, uint64_t *matching)
{
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Stream.Info.SubjectsFilter = r->o->subject;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_GetStreamInfo(&si, r->js, r->stream, &jo, &jerr);
    if (st != NATS_OK) {
        if (jerr == JSStreamNotFoundErr)
            msg(0, "no stream %s on %s", quote_arg(0, r->stream), r->server);
        else
            nats_say("cannot read the stream", st);
        return -1;
    }
    *first = si->State.FirstSeq;
    *last = si->State.LastSeq;
    *matching = si->State.Msgs;
    if (r->o->subject) {
        *matching = 0;
        const jsStreamStateSubjects *ss = si->State.Subjects;
        for (int i = 0; ss && i < ss->Count; i++)
            *matching += ss->List[i].Msgs;
    }
    jsStreamInfo_Destroy(si);
    return 0;
}

/* Where the consumer starts, and how many matching messages it drops
 * first. Returns 0, or 1 when there is nothing to output and no -f. */
static int start_at(struct reader *r, uint64_t *start, uint64_t *skip, uint64_t *remaining)
{
    uint64_t first, last, matching;
    if (stream_range(r, &first, &last, &matching) < 0)
        return -1;
    const struct cli_options *o = r->o;
    uint64_t seq = 0;
    int e = o->state_path ? stream_state_load(o->state_path, r->stream, &seq) : 0;
    if (e < 0) {
        msg(e == -EBADMSG ? 0 : -e, "cannot read state file %s%s", quote_name(0, o->state_path),
            e == -EBADMSG ? ": not an atail stream state file" : "");
        return -1;
    }
    *skip = 0;
    if (first == 0)
        first = 1;
    if (e == 1) {
        *start = seq + 1; /* after the last message printed */
        r->printed = r->saved = seq;
        *remaining = last > seq ? last - seq : 0; /* at most */
    } else if (o->from_start) {
        uint64_t n = o->count ? o->count - 1 : 0;
        *start = o->subject ? first : first + n;
        *skip = o->subject ? n : 0;
        *remaining = matching > n ? matching - n : 0;
    } else {
        uint64_t n = o->count;
        *start = o->subject ? first : (last - first + 1 > n ? last - n + 1 : first);
        *skip = o->subject && matching > n ? matching - n : 0;
        *remaining = matching < n ? matching : n;
        if (n == 0)
            *start = last + 1;
    }
    return *remaining == 0 && !o->follow ? 1 : 0;
}

static int subscribe(struct reader *r, uint64_t start)
{
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = r->stream;
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = start;
    jsErrCode jerr = 0;
    natsStatus st =
        js_SubscribeSync(&r->sub, r->js, r->o->subject ? r->o->subject : ">", NULL, &so, &jerr);
    if (st != NATS_OK) {
        nats_say("cannot read the stream", st);
        return -1;
    }
    return 0;
}

/* Takes messages until the end (see the top). Returns a STOP_* code. */
static int pump(struct reader *r, uint64_t skip, int sigfd, int *signo)
{
    bool follow = r->o->follow;
    for (;;) {
        int pending = 0;
        natsSubscription_GetPending(r->sub, &pending, NULL);
        if (pending == 0) {
            int s = flush(r, false); /* before waiting */
            if (s)
                return s;
        }
        for (int sig; sigfd >= 0 && (sig = signals_take(sigfd)) != 0;) {
            if (sig != SIGCHLD) {
                *signo = sig;
                return STOP_SIGNAL;
            }
        }
        natsMsg *m = NULL;
        natsStatus st = natsSubscription_NextMsg(&m, r->sub, follow ? WAIT_MS : FIRST_WAIT_MS);
        if (st == NATS_TIMEOUT && follow)
            continue;
        if (st != NATS_OK) {
            nats_say("cannot read the stream", st);
            return STOP_FAILED;
        }
        jsMsgMetaData *md = NULL;
        uint64_t seq = 0, left = 0;
        if (natsMsg_GetMetaData(&md, m) == NATS_OK) {
            seq = md->Sequence.Stream;
            left = md->NumPending;
            jsMsgMetaData_Destroy(md);
        }
        int e = 0;
        if (skip > 0)
            skip--;
        else if ((e = put_msg(r, m, seq)) == 0)
            r->printed = seq;
        natsMsg_Destroy(m);
        if (e < 0)
            return STOP_FAILED;
        if (r->len >= FLUSH_AT) {
            int s = flush(r, false);
            if (s)
                return s;
        }
        if (!follow && left == 0)
            return STOP_DONE; /* what the stream held at the start is out */
    }
}

static void reader_free(struct reader *r)
{
    natsSubscription_Destroy(r->sub);
    jsCtx_Destroy(r->js);
    natsConnection_Destroy(r->nc);
    natsOptions_Destroy(r->opts);
    free(r->server);
    free(r->stream);
    free(r->buf);
    nats_Close();
}

int read_nats_run(const struct cli_options *o, int sigfd, int *signo)
{
    struct reader r = {.o = o};
    int status = STOP_FAILED;
    *signo = 0;
    if (split_url(&r, o->files[0]) < 0)
        goto out;
    if (!(r.opts = nats_opts_new(r.server, &o->auth)))
        goto out;
    natsStatus st = natsConnection_Connect(&r.nc, r.opts);
    if (st == NATS_OK)
        st = natsConnection_JetStream(&r.js, r.nc, NULL);
    if (st != NATS_OK) {
        char what[300];
        snprintf(what, sizeof what, "cannot connect to %s", r.server);
        nats_say(what, st);
        goto out;
    }
    uint64_t start = 0, skip = 0, remaining = 0;
    int s = start_at(&r, &start, &skip, &remaining);
    if (s != 0) {
        status = s > 0 ? STOP_DONE : STOP_FAILED;
        goto out;
    }
    if (subscribe(&r, start) < 0)
        goto out;
    status = pump(&r, skip, sigfd, signo);
    if (status == STOP_DONE || status == STOP_SIGNAL) {
        int f = flush(&r, true);
        if (f)
            status = f;
    }
out:
    reader_free(&r);
    return status;
}
