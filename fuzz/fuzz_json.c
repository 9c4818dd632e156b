/* Fuzz target for cli/json.c: every output is one well-formed JSON string
 * literal that decodes (with \udcXX as raw bytes, "surrogateescape") back
 * to exactly the input bytes. The decoder here is a strict one written for
 * the check. */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexd(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the literal in[0..n) into out; returns the decoded length, or
 * (size_t)-1 when it is not a well-formed JSON string literal. */
static size_t decode(const char *in, size_t n, unsigned char *out)
{
    if (n < 2 || in[0] != '"' || in[n - 1] != '"')
        return (size_t)-1;
    size_t o = 0;
    for (size_t i = 1; i < n - 1; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x20 || c == '"')
            return (size_t)-1;
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (++i >= n - 1)
            return (size_t)-1;
        switch (in[i]) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'u': {
            if (i + 4 >= n - 1)
                return (size_t)-1;
            unsigned v = 0;
            for (int k = 1; k <= 4; k++) {
                int d = hexd(in[i + k]);
                if (d < 0)
                    return (size_t)-1;
                v = v << 4 | (unsigned)d;
            }
            i += 4;
            if (v < 0x20)
                out[o++] = (unsigned char)v;
            else if (v >= 0xdc80 && v <= 0xdcff)
                out[o++] = (unsigned char)(v & 0xff);
            else
                return (size_t)-1; /* the encoder never writes others */
            break;
        }
        default:
            return (size_t)-1;
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *enc = malloc(JSON_STRING_MAX(size));
    unsigned char *dec = malloc(size + 1);
    if (!enc || !dec)
        abort();
    size_t len = json_string(enc, (const char *)data, size);
    if (len > JSON_STRING_MAX(size))
        abort();
    size_t back = decode(enc, len, dec);
    if (back != size || memcmp(dec, data, size) != 0)
        abort();
    free(enc);
    free(dec);
    return 0;
}
