/* nats_opts.c - see nats_opts.h. */
#include "nats_opts.h"

#include "output.h"
#include "quote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nats_say(const char *what, natsStatus st)
{
    const char *last = nats_GetLastError(NULL);
    if (last && last[0] == '(' && strstr(last, "): "))
        last = strstr(last, "): ") + 3; /* libnats' "(conn.c:733): " */
    msg(0, "%s: %s", what, last && *last ? last : natsStatus_GetText(st));
}

/* The secret in `file` (its first line), else in the environment variable
 * `env`, malloc'ed; NULL when neither gives one (*err: 0), or after saying
 * why the file cannot be read (*err: -1). */
static char *secret(const char *file, const char *env, int *err)
{
    *err = 0;
    if (!file) {
        const char *v = getenv(env);
        return v && *v ? strdup(v) : NULL;
    }
    FILE *f = fopen(file, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = f ? getline(&line, &cap, f) : -1;
    if (n < 0) {
        msg(f ? (ferror(f) ? errno : 0) : errno, "cannot read %s", quote_name(0, file));
        if (f)
            fclose(f);
        free(line);
        *err = -1;
        return NULL;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

/* Wipes and frees a secret. */
static void forget(char *s)
{
    if (!s)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

static natsStatus set_auth(natsOptions *o, const struct sink_auth *a, bool *failed)
{
    natsStatus st = NATS_OK;
    int err;
    *failed = false;
    if (a->ca_file)
        st = natsOptions_LoadCATrustedCertificates(o, a->ca_file);
    if (st == NATS_OK && a->creds_file)
        st = natsOptions_SetUserCredentialsFromFiles(o, a->creds_file, NULL);
    char *password = secret(a->password_file, "ATAIL_NATS_PASSWORD", &err);
    const char *user = a->user ? a->user : getenv("ATAIL_NATS_USER");
    *failed |= err < 0;
    if (st == NATS_OK && (user || password))
        st = natsOptions_SetUserInfo(o, user ? user : "", password ? password : "");
    forget(password);
    char *token = secret(a->token_file, "ATAIL_NATS_TOKEN", &err);
    *failed |= err < 0;
    if (st == NATS_OK && token)
        st = natsOptions_SetToken(o, token);
    forget(token);
    return st;
}

natsOptions *nats_opts_new(const char *url, const struct sink_auth *auth)
{
    natsOptions *o = NULL;
    bool failed = false;
    natsStatus st = natsOptions_Create(&o);
    if (st == NATS_OK)
        st = natsOptions_SetURL(o, url);
    if (st == NATS_OK)
        st = natsOptions_SetName(o, "atail");
    if (st == NATS_OK && strncmp(url, "tls://", 6) == 0)
        st = natsOptions_SetSecure(o, true); /* verifies the server's certificate */
    if (st == NATS_OK)
        st = set_auth(o, auth, &failed);
    if (st != NATS_OK || failed) {
        if (st != NATS_OK)
            nats_say("cannot set up the NATS connection", st);
        natsOptions_Destroy(o);
        return NULL;
    }
    return o;
}
