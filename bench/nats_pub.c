/* nats_pub.c - the bare publisher atail --to=nats:// is measured against
 * (bench/nats.sh): the same client library (libnats), the same
 * asynchronous JetStream publishing with the same window and the same
 * four headers per message, and no file: the lines are made in memory.
 *
 *   nats_pub [--asap] URL SUBJECT LINES LINE_BYTES WINDOW [RATE]
 *
 * --asap: each publish is written to the socket at once
 * (natsOptions_SetSendAsap), as atail --to does; without it libnats'
 * flusher thread writes, after waiting a millisecond for more to send
 * with it (more per write(), a millisecond later).
 *
 * With RATE (lines per second; 0 or absent: as fast as it can), line k is
 * due at start + k / RATE (an absolute schedule: lines that fall behind go
 * at once) and carries mono=NANOSECONDS, CLOCK_MONOTONIC taken right before
 * it is handed to the client, as log_writer --mono stamps its lines, so the
 * delay to the stream's timestamp is measured the same way for both.
 *
 * Prints "lines=N seconds=S" on standard output. */
#include <inttypes.h>
#include <nats/nats.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleeps until line i is due (RATE lines/s from start_ns); no system
 * call for a line that is already due. */
static void wait_due(long long start_ns, long i, double rate)
{
    long long due = start_ns + (long long)((double)i * 1e9 / rate);
    if (mono_ns() >= due)
        return;
    struct timespec ts = {.tv_sec = (time_t)(due / 1000000000LL),
                          .tv_nsec = (long)(due % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
        ; /* EINTR: sleep on */
}

static _Noreturn void die(const char *what, natsStatus s)
{
    fprintf(stderr, "nats_pub: %s: %s\n", what, natsStatus_GetText(s));
    exit(1);
}

int main(int argc, char **argv)
{
    bool asap = argc > 1 && strcmp(argv[1], "--asap") == 0;
    if (asap) {
        argc--;
        argv++;
    }
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: nats_pub [--asap] URL SUBJECT LINES LINE_BYTES WINDOW [RATE]\n");
        return 2;
    }
    const char *url = argv[1], *subject = argv[2];
    long lines = strtol(argv[3], NULL, 10), size = strtol(argv[4], NULL, 10);
    int64_t window = strtoll(argv[5], NULL, 10);
    double rate = argc == 7 ? strtod(argv[6], NULL) : 0;
    if (lines <= 0 || size < 48 || window <= 0 || rate < 0)
        return 2;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, url);
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(o, asap);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, o);
    if (s != NATS_OK)
        die("connect", s);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = window;
    /* A full window waits, as atail does (libnats' default: 200 ms, then
     * an error, which a loaded server reaches). */
    jo.PublishAsync.StallWait = 600000;
    s = natsConnection_JetStream(&js, nc, &jo);
    if (s != NATS_OK)
        die("jetstream", s);
    char *line = malloc((size_t)size);
    if (!line)
        return 1;
    memset(line, 'x', (size_t)size);
    double t0 = now();
    long long start_ns = mono_ns();
    for (long i = 0; i < lines; i++) {
        int n;
        if (rate > 0) {
            wait_due(start_ns, i, rate);
            n = snprintf(line, (size_t)size, "seq=%ld mono=%lld ", i + 1, mono_ns());
        } else {
            n = snprintf(line, (size_t)size, "seq=%ld ", i + 1);
        }
        if (n > (int)size - 2)
            n = (int)size - 2; /* cut: the padding stays inside the line */
        line[n] = 'x';
        char id[96], off[24];
        snprintf(id, sizeof id, "host:1:2:%ld:%ld:00000000", i * size, (i + 1) * size);
        snprintf(off, sizeof off, "%ld", i * size);
        natsMsg *m = NULL;
        s = natsMsg_Create(&m, subject, NULL, line, (int)size - 1);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Atail-Host", "host");
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Atail-Path", "/var/log/app.log");
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Atail-Offset", off);
        if (s == NATS_OK)
            s = js_PublishMsgAsync(js, &m, NULL);
        natsMsg_Destroy(m);
        if (s != NATS_OK)
            die("publish", s);
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 60000;
    s = js_PublishAsyncComplete(js, &po);
    if (s != NATS_OK)
        die("complete", s);
    printf("lines=%ld seconds=%.3f\n", lines, now() - t0);
    free(line);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    nats_Close();
    return 0;
}
