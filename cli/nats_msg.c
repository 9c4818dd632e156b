/* nats_msg.c - a line made a JetStream message, and its Nats-Msg-Id read
 * back. Headers: Nats-Msg-Id, Atail-Host, Atail-Path, Atail-Offset, and
 * Atail-Cut on a line cut to the server's max_payload.
 *
 *   Nats-Msg-Id   HOST:DEV:INO:OFFSET:NEXT:HASH (decimal but the hash): the
 *                 file's identity (the checkpoint's device and inode), the
 *                 line's offset and the offset past it, and a hash of the
 *                 line (an inode reused within the duplicate window holds
 *                 other lines). The same line of the same file always gets
 *                 the same id, and the stream's last message tells where
 *                 its file's lines end (nats_msg_parse_id()). */
#include "sink_nats.h"

#include "output.h"
#include "quote.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define HEADER_FIXED 256 /* header bytes of a message besides host and path */

static uint32_t hash32(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static natsStatus set_headers(natsMsg *m, const char *host, const struct sink_line *l,
                              uint32_t raw_hash)
{
    char id[400], off[24];
    snprintf(id, sizeof id, "%s:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%08" PRIx32, host,
             l->dev, l->ino, l->offset, l->next, raw_hash);
    snprintf(off, sizeof off, "%" PRIu64, l->offset);
    natsStatus st = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
    if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Atail-Host", host);
    if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Atail-Path", l->path);
    if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Atail-Offset", off);
    if (st == NATS_OK && l->cut)
        st = natsMsgHeader_Set(m, "Atail-Cut", "1");
    return st;
}

natsMsg *nats_msg_make(struct nats_sink *s, const struct sink_line *l)
{
    struct sink_line line = *l;
    size_t room = HEADER_FIXED + 2 * strlen(s->host) + strlen(l->path);
    size_t max_data = s->max_payload > room ? s->max_payload - room : 1;
    if (line.len > max_data) {
        if (!s->said_cut)
            msg(0,
                "a line of %s at offset %" PRIu64 " is longer than the server takes (%zu "
                "bytes): cut, and marked Atail-Cut (said once)",
                quote_name(0, l->path), l->offset, max_data);
        s->said_cut = true;
        line.len = max_data;
        line.cut = true;
    }
    natsMsg *m = NULL;
    natsStatus st = natsMsg_Create(&m, line.subject, NULL, line.data, (int)line.len);
    if (st == NATS_OK)
        st = set_headers(m, s->host, &line, hash32(l->raw, l->raw_len));
    if (st != NATS_OK) {
        natsMsg_Destroy(m);
        return NULL;
    }
    return m;
}

int nats_msg_parse_id(natsMsg *m, struct sink_resume *out)
{
    const char *id = NULL;
    if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK || !id)
        return 0;
    const char *p = id + strlen(id);
    for (int k = 0; k < 5; k++) { /* back over DEV:INO:OFFSET:NEXT:HASH */
        while (p > id && p[-1] != ':')
            p--;
        if (p == id)
            return 0;
        p--;
    }
    unsigned long long dev, ino, off, next;
    unsigned hash;
    char tail;
    if ((size_t)(p - id) >= sizeof out->host ||
        sscanf(p, ":%llu:%llu:%llu:%llu:%8x%c", &dev, &ino, &off, &next, &hash, &tail) != 5)
        return 0;
    memcpy(out->host, id, (size_t)(p - id));
    out->host[p - id] = '\0';
    out->dev = dev;
    out->ino = ino;
    out->next = next;
    return 1;
}
