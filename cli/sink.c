/* sink.c - see sink.h: the sink that a URL names. */
#include "sink.h"

#include "output.h"
#include "quote.h"

#include <string.h>

static bool has_scheme(const char *url, const char *scheme)
{
    return strncmp(url, scheme, strlen(scheme)) == 0;
}

bool sink_url(const char *url)
{
    return has_scheme(url, "nats://") || has_scheme(url, "tls://");
}

struct sink *sink_open(const struct sink_config *cfg)
{
    if (!sink_url(cfg->url)) {
        msg(0, "unknown destination %s (nats://HOST:PORT or tls://HOST:PORT)",
            quote_arg(0, cfg->url));
        return NULL;
    }
#ifdef ATAIL_HAVE_NATS
    return sink_nats_open(cfg);
#else
    msg(0, "this atail was built without NATS support (libnats was not found)");
    return NULL;
#endif
}
