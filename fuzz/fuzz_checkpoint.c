/* Fuzz target for the state file parser (src/checkpoint.c): hostile input
 * never crashes it, and whatever it accepts serializes back to exactly the
 * same bytes (one spelling per state), which parse again. */
#include "checkpoint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ckpt c = {0};
    size_t bad = 0;
    if (ckpt_parse((const char *)data, size, &c, &bad) != 0) {
        if (c.n != 0 || bad == 0)
            abort();
        return 0;
    }
    char *out;
    size_t len;
    if (ckpt_serialize(&c, &out, &len) != 0)
        abort();
    if (len != size || memcmp(out, data, size) != 0)
        abort();
    struct ckpt d = {0};
    if (ckpt_parse(out, len, &d, NULL) != 0 || d.n != c.n)
        abort();
    free(out);
    ckpt_free(&c);
    ckpt_free(&d);
    return 0;
}
