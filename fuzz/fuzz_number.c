/* Fuzz target for cli/number.c, the parser of -n/-c/-s arguments and of the
 * obsolete "-NUM" form: never crashes, and its results are consistent
 * (a value is only stored when parsing succeeds, and parsing is
 * deterministic). */
#include "number.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    uint64_t v1 = 0, v2 = 0;
    int r1 = num_parse(s, NUM_SUFFIXES_TAIL, &v1);
    int r2 = num_parse(s, NUM_SUFFIXES_TAIL, &v2);
    if (r1 != r2 || v1 != v2)
        abort();

    bool from_start = false;
    const char *shown = NULL;
    int errnum = 0;
    uint64_t count = 0;
    if (num_count(s, &from_start, &count, &shown, &errnum) == 0 && errnum != 0)
        abort();

    struct num_obsolete o;
    (void)num_obsolete(s, &o);
    double secs;
    if (num_seconds(s, &secs) == 0 && !(secs >= 0))
        abort();
    free(s);
    return 0;
}
