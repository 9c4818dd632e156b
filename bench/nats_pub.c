/* nats_pub.c - the bare publisher atail --to=nats:// is measured against
 * (bench/nats.sh): the same client library (libnats), the same
 * asynchronous JetStream publishing with the same window and the same
 * four headers per message, and no file: the lines are made in memory.
 *
 *   nats_pub URL SUBJECT LINES LINE_BYTES WINDOW
 *
 * Prints "lines=N seconds=S" on standard output. */
#include <inttypes.h>
#include <nats/nats.h>
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

static _Noreturn void die(const char *what, natsStatus s)
{
    fprintf(stderr, "nats_pub: %s: %s\n", what, natsStatus_GetText(s));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: nats_pub URL SUBJECT LINES LINE_BYTES WINDOW\n");
        return 2;
    }
    const char *url = argv[1], *subject = argv[2];
    long lines = strtol(argv[3], NULL, 10), size = strtol(argv[4], NULL, 10);
    int64_t window = strtoll(argv[5], NULL, 10);
    if (lines <= 0 || size < 16 || window <= 0)
        return 2;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsStatus s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK)
        die("connect", s);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = window;
    s = natsConnection_JetStream(&js, nc, &jo);
    if (s != NATS_OK)
        die("jetstream", s);
    char *line = malloc((size_t)size);
    if (!line)
        return 1;
    memset(line, 'x', (size_t)size);
    double t0 = now();
    for (long i = 0; i < lines; i++) {
        int n = snprintf(line, (size_t)size, "seq=%ld ", i + 1);
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
    nats_Close();
    return 0;
}
