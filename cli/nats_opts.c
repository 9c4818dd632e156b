/* nats_opts.c - see nats_opts.h. */
#include "nats_opts.h"

#include "output.h"

void nats_say(const char *what, natsStatus st)
{
    const char *last = nats_GetLastError(NULL);
    msg(0, "%s: %s", what, last && *last ? last : natsStatus_GetText(st));
}

natsOptions *nats_opts_new(const char *url)
{
    natsOptions *o = NULL;
    natsStatus st = natsOptions_Create(&o);
    if (st == NATS_OK)
        st = natsOptions_SetURL(o, url);
    if (st == NATS_OK)
        st = natsOptions_SetName(o, "atail");
    if (st != NATS_OK) {
        nats_say("cannot set up the NATS connection", st);
        natsOptions_Destroy(o);
        return NULL;
    }
    return o;
}
