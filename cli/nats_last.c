/* nats_last.c - where a file's lines end in the stream (sink_ops.last):
 * the stream that takes the file's subject ($JS.API.STREAM.NAMES), its
 * last message on that subject (get-last-message-by-subject) and the
 * Nats-Msg-Id it carries (nats_msg_parse_id()). The requests wait for
 * their replies, so they go on a control connection with libnats' own
 * threads: the event loop's connection would read a reply only once the
 * loop runs again. */
#include "sink_nats.h"

#include "output.h"
#include "quote.h"

#include <stdio.h>
#include <string.h>

/* The control connection: its own (library) threads, for requests that
 * wait for their reply; the event loop's connection would read that reply
 * only once the loop runs again. */
static int ctl_open(struct nats_sink *s)
{
    if (s->ctl_js)
        return 0;
    natsOptions *o = nats_make_opts(s, &s->cfg, false);
    if (!o)
        return -1;
    natsStatus st = natsConnection_Connect(&s->ctl, o);
    if (st == NATS_OK)
        st = natsConnection_JetStream(&s->ctl_js, s->ctl, NULL);
    natsOptions_Destroy(o);
    if (st != NATS_OK) {
        jsCtx_Destroy(s->ctl_js);
        natsConnection_Destroy(s->ctl);
        s->ctl_js = NULL;
        s->ctl = NULL;
        return -1;
    }
    return 0;
}

/* The name of the stream that takes `subject` into buf; 1, 0 for none,
 * -1 when the server did not answer. */
static int stream_of(struct nats_sink *s, const char *subject, char *buf, size_t cap)
{
    char req[600];
    snprintf(req, sizeof req, "{\"subject\":\"%s\"}", subject);
    natsMsg *reply = NULL;
    natsStatus st = natsConnection_RequestString(&reply, s->ctl, "$JS.API.STREAM.NAMES", req, 5000);
    if (st != NATS_OK)
        return -1;
    int found = 0;
    const char *d = natsMsg_GetData(reply);
    const char *p = d ? strstr(d, "\"streams\":[\"") : NULL;
    if (p) {
        p += strlen("\"streams\":[\"");
        const char *q = strchr(p, '"');
        if (q && (size_t)(q - p) < cap) {
            memcpy(buf, p, (size_t)(q - p));
            buf[q - p] = '\0';
            found = 1;
        }
    }
    natsMsg_Destroy(reply);
    return found;
}

int nats_last(struct sink *b, const char *subject, struct sink_resume *out)
{
    struct nats_sink *s = (struct nats_sink *)b;
    int found = ctl_open(s) < 0 ? -1 : 0;
    char stream[256];
    if (found == 0)
        found = stream_of(s, subject, stream, sizeof stream);
    natsMsg *m = NULL;
    jsErrCode jerr = 0;
    if (found == 1) {
        natsStatus st = js_GetLastMsg(&m, s->ctl_js, stream, subject, NULL, &jerr);
        if (st == NATS_OK)
            found = nats_msg_parse_id(m, out);
        else
            found = jerr == JSNoMessageFoundErr ? 0 : -1;
        natsMsg_Destroy(m);
    }
    if (found < 0 && !s->said_no_resume) {
        s->said_no_resume = true;
        msg(0,
            "warning: cannot ask %s where the lines of subject %s end: lines sent before "
            "may go again (the server drops them within its duplicate window)",
            s->url, quote_arg(0, subject));
    }
    return found < 0 ? 0 : found;
}
