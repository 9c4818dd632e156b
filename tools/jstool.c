/* jstool.c - the tests' independent view of a JetStream stream, with the
 * same C client (libnats) and none of atail's code:
 *
 *   jstool URL create STREAM SUBJECTS [MAX_MSGS [DUP_MS [REPLICAS]]]
 *                                    a file-stored stream (MAX_MSGS > 0:
 *                                    limit, discard new; DUP_MS: its
 *                                    duplicate window in milliseconds;
 *                                    REPLICAS on a cluster)
 *   jstool URL dump STREAM [FILTER]  every message in stream order, its
 *                                    data then a newline; with FILTER only
 *                                    those subjects
 *   jstool URL headers STREAM        one line per message: subject, then
 *                                    the Atail-* headers and Nats-Msg-Id
 *   jstool URL stamps STREAM [FILTER]
 *                                    one line per message: the time the
 *                                    stream stored it (nanoseconds since
 *                                    the epoch, the server's clock), a tab,
 *                                    its data (bench/nats.sh's delays)
 *   jstool URL count STREAM          the number of messages
 *   jstool URL delete STREAM
 *
 * On a cluster a node restart is followed by leader elections, during which
 * the JetStream API times out or answers "temporarily unavailable": every
 * call here is retried for a while, so that the tests' view of a stream is
 * never cut short by an election.
 *
 * Exit status 0, or 1 with a message on standard error. */
#include <inttypes.h>
#include <nats/nats.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    API_WAIT_MS = 10000,      /* each JetStream API request (libnats' default: 5 s) */
    API_RETRY_FOR_MS = 40000, /* retries of a call, API_RETRY_MS apart, while elections run */
    API_RETRY_MS = 500,
    NEXT_WAIT_MS = 30000,   /* the next of the n messages the stream said it holds */
    FILTERED_WAIT_MS = 2000 /* with a filter: fewer than n come, and then silence */
};

/* Whether a failed JetStream API call is worth another try: it may succeed
 * once elections are done, and `deadline` (nats_Now()) has not passed.
 * Waits API_RETRY_MS before saying yes. */
static bool retry_later(natsStatus s, jsErrCode jerr, int64_t deadline)
{
    bool transient = s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || jerr == JSClusterNotAvailErr ||
                     jerr == JSClusterNotLeaderErr;
    if (!transient || nats_Now() + API_RETRY_MS > deadline)
        return false;
    nats_Sleep(API_RETRY_MS);
    return true;
}

static int fail(const char *what, natsStatus s, jsErrCode jerr)
{
    const char *last = nats_GetLastError(NULL);
    fprintf(stderr, "jstool: %s: %s (%d)\n", what, last && *last ? last : natsStatus_GetText(s),
            (int)jerr);
    return 1;
}

static int create(jsCtx *js, const char *name, const char *subjects, int64_t max_msgs,
                  int64_t dup_ms, int64_t replicas)
{
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subj[] = {subjects};
    sc.Name = name;
    sc.Subjects = subj;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    if (max_msgs > 0) {
        sc.MaxMsgs = max_msgs;
        sc.Discard = js_DiscardNew;
    }
    if (replicas > 0)
        sc.Replicas = replicas;
    if (dup_ms > 0)
        sc.Duplicates = dup_ms * 1000000; /* nanoseconds */
    jsErrCode jerr = 0;
    natsStatus s;
    int64_t deadline = nats_Now() + API_RETRY_FOR_MS;
    do { /* the same config again is no error, should a reply be lost */
        jerr = 0;
        s = js_AddStream(NULL, js, &sc, NULL, &jerr);
    } while (s != NATS_OK && retry_later(s, jerr, deadline));
    return s == NATS_OK ? 0 : fail("create", s, jerr);
}

static int count(jsCtx *js, const char *name, uint64_t *n)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int64_t deadline = nats_Now() + API_RETRY_FOR_MS;
    do {
        jerr = 0;
        s = js_GetStreamInfo(&si, js, name, NULL, &jerr);
    } while (s != NATS_OK && retry_later(s, jerr, deadline));
    if (s != NATS_OK)
        return fail("stream info", s, jerr);
    *n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return 0;
}

static void put_header(natsMsg *m, const char *key)
{
    const char *v = NULL;
    printf("\t%s=%s", key, natsMsgHeader_Get(m, key, &v) == NATS_OK ? v : "");
}

enum shape { DATA, HEADERS, STAMPS };

/* The stream's timestamp of a message (stamps), or -1 if it has none. */
static int64_t stored_ns(natsMsg *m)
{
    jsMsgMetaData *md = NULL;
    if (natsMsg_GetMetaData(&md, m) != NATS_OK)
        return -1;
    int64_t ts = md->Timestamp;
    jsMsgMetaData_Destroy(md);
    return ts;
}

static int dump(jsCtx *js, const char *name, const char *filter, enum shape shape)
{
    uint64_t n = 0;
    if (count(js, name, &n))
        return 1;
    if (n == 0)
        return 0;
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = name;
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverAll;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int64_t deadline = nats_Now() + API_RETRY_FOR_MS;
    do {
        jerr = 0;
        s = js_SubscribeSync(&sub, js, filter ? filter : ">", NULL, &so, &jerr);
    } while (s != NATS_OK && retry_later(s, jerr, deadline));
    if (s != NATS_OK)
        return fail("subscribe", s, jerr);
    uint64_t got = 0;
    while (got < n) {
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, sub, filter ? FILTERED_WAIT_MS : NEXT_WAIT_MS);
        if (s != NATS_OK)
            break;
        if (shape == STAMPS)
            printf("%" PRId64 "\t", stored_ns(m));
        if (shape == HEADERS) {
            printf("%s", natsMsg_GetSubject(m));
            put_header(m, "Atail-Host");
            put_header(m, "Atail-Path");
            put_header(m, "Atail-Offset");
            put_header(m, "Atail-Cut");
            put_header(m, "Nats-Msg-Id");
            printf("\tlen=%d\n", natsMsg_GetDataLength(m));
        } else {
            fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m), stdout);
            putchar('\n');
        }
        natsMsg_Destroy(m);
        got++;
    }
    natsSubscription_Destroy(sub);
    if (s == NATS_TIMEOUT && filter)
        return 0; /* a filter takes fewer than n: the rest is silence */
    if (s == NATS_TIMEOUT) {
        fprintf(stderr, "jstool: only %" PRIu64 " of %" PRIu64 " messages came\n", got, n);
        return 1;
    }
    return s == NATS_OK ? 0 : fail("next message", s, 0);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: jstool URL create|dump|headers|stamps|count|delete STREAM [...]\n");
        return 2;
    }
    const char *url = argv[1], *cmd = argv[2], *name = argv[3];
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = API_WAIT_MS;
    natsStatus s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, &jo);
    if (s != NATS_OK)
        return fail("connect", s, 0);
    int rc = 2;
    uint64_t n = 0;
    if (strcmp(cmd, "create") == 0 && argc >= 5) {
        rc = create(js, name, argv[4], argc >= 6 ? strtoll(argv[5], NULL, 10) : 0,
                    argc >= 7 ? strtoll(argv[6], NULL, 10) : 0,
                    argc >= 8 ? strtoll(argv[7], NULL, 10) : 0);
    } else if (strcmp(cmd, "dump") == 0) {
        rc = dump(js, name, argc >= 5 ? argv[4] : NULL, DATA);
    } else if (strcmp(cmd, "headers") == 0) {
        rc = dump(js, name, argc >= 5 ? argv[4] : NULL, HEADERS);
    } else if (strcmp(cmd, "stamps") == 0) {
        rc = dump(js, name, argc >= 5 ? argv[4] : NULL, STAMPS);
    } else if (strcmp(cmd, "count") == 0) {
        rc = count(js, name, &n);
        if (rc == 0)
            printf("%" PRIu64 "\n", n);
    } else if (strcmp(cmd, "delete") == 0) {
        jsErrCode jerr = 0;
        s = js_DeleteStream(js, name, NULL, &jerr);
        rc = s == NATS_OK ? 0 : fail("delete", s, jerr);
    } else {
        fprintf(stderr, "jstool: unknown command %s\n", cmd);
    }
    fflush(stdout);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
