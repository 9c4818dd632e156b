/* The tests of cli/json.c again, on its portable encoder (8-byte blocks in
 * a 64-bit word): the one built where SSE2 is not available. */
#define ATAIL_JSON_PORTABLE
#include "test_json.c"
