/* Unit tests for cli/json_out.c (compiled in directly, with what it uses:
 * the CLI is not a library): the record's fields and their order, offsets
 * of every length, the flags, the time and host fields, one write per
 * batch. */
#include "../../cli/json.c"
#include "../../cli/json_out.c"
#include "../../cli/output.c"
#include "../../cli/quote.c"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* Runs the records through json_out with standard output redirected to a
 * temporary file; returns what was written (static). */
static const char *capture(struct json_out *j, const struct atail_event *evs, size_t n)
{
    static char out[65536];
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *tmp = tmpfile();
    cr_assert_not_null(tmp);
    dup2(fileno(tmp), STDOUT_FILENO);
    size_t path_len = 0;
    char *path = json_out_path("app.log", &path_len);
    for (size_t i = 0; i < n; i++)
        cr_assert_geq(json_out_line(j, path, path_len, &evs[i]), 0);
    cr_assert(json_out_pending(j) || n == 0);
    cr_assert_eq(json_out_flush(j), 0);
    cr_assert(!json_out_pending(j));
    dup2(saved, STDOUT_FILENO);
    close(saved);
    free(path);
    size_t len = (size_t)pread(fileno(tmp), out, sizeof out - 1, 0);
    out[len] = '\0';
    fclose(tmp);
    return out;
}

static struct atail_event line(const char *s, uint64_t offset, unsigned flags)
{
    return (struct atail_event){
        .kind = ATAIL_EVENT_LINE, .data = s, .len = strlen(s), .offset = offset, .flags = flags};
}

Test(cli_json_out, fields_and_flags)
{
    struct json_out *j = json_out_new(false, false);
    struct atail_event evs[] = {
        line("plain", 0, 0),
        line("a \"q\" \\ \t", 6, 0),
        line("piece", 17, ATAIL_LINE_CUT),
        line("end", 22, ATAIL_LINE_NO_DELIM),
    };
    cr_assert_str_eq(capture(j, evs, 4),
                     "{\"line\":\"plain\",\"path\":\"app.log\",\"offset\":0}\n"
                     "{\"line\":\"a \\\"q\\\" \\\\ \\t\",\"path\":\"app.log\",\"offset\":6}\n"
                     "{\"line\":\"piece\",\"path\":\"app.log\",\"offset\":17,\"cut\":true}\n"
                     "{\"line\":\"end\",\"path\":\"app.log\",\"offset\":22,\"partial\":true}\n");
    json_out_free(j);
}

Test(cli_json_out, offsets_of_every_length)
{
    static const uint64_t offsets[] = {
        0,
        7,
        9,
        10,
        99,
        100,
        12345,
        9999999,
        10000000,
        99999999,
        100000000,
        100000001,
        123456789,
        4294967295,
        4294967296,
        1000000000000,
        9999999999999999999u,
        UINT64_MAX,
    };
    struct json_out *j = json_out_new(false, false);
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        struct atail_event ev = line("x", offsets[i], 0);
        char want[128];
        snprintf(want, sizeof want, "{\"line\":\"x\",\"path\":\"app.log\",\"offset\":%llu}\n",
                 (unsigned long long)offsets[i]);
        cr_expect_str_eq(capture(j, &ev, 1), want);
    }
    json_out_free(j);
}

Test(cli_json_out, offsets_in_sequence)
{
    /* Offsets as lines give them, across the places where digits are
     * added, then a new file from 0, then offsets near the top. */
    static const uint64_t starts[] = {0, 9990, 99999990, 9999999999990, 5, UINT64_MAX - 30, 3};
    struct atail_event evs[7 * 12];
    size_t n = 0;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        for (uint64_t k = 0; k < 12; k++)
            evs[n++] = line("x", starts[i] + k * (k < 6 ? 2 : 1), 0);
    char want[8192] = "", *w = want;
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "{\"line\":\"x\",\"path\":\"app.log\",\"offset\":%llu}\n",
                     (unsigned long long)evs[i].offset);
    struct json_out *j = json_out_new(false, false);
    cr_assert_str_eq(capture(j, evs, n), want);
    json_out_free(j);
}

Test(cli_json_out, time_and_host)
{
    struct json_out *j = json_out_new(true, true);
    struct atail_event ev = line("x", 1, 0);
    const char *out = capture(j, &ev, 1);
    char host[256] = "";
    gethostname(host, sizeof host);
    const char *t = strstr(out, ",\"time\":\"");
    cr_assert_not_null(t, "%s", out);
    t += 9;
    /* 2025-01-02T03:04:05.123456Z */
    cr_assert_eq(strlen(t) > 27 ? t[27] : 0, '"', "%s", out);
    cr_assert(t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' && t[16] == ':' &&
                  t[19] == '.' && t[26] == 'Z',
              "%s", out);
    char want_host[300];
    snprintf(want_host, sizeof want_host, ",\"host\":\"%s\"}\n", host);
    cr_assert(strstr(out, want_host) != NULL, "%s", out);
    json_out_free(j);
}

Test(cli_json_out, long_line_grows_the_buffer)
{
    size_t n = 3 * 1024 * 1024;
    char *big = malloc(n + 1);
    memset(big, '\x01', n); /* each byte becomes \u0001: six times longer */
    big[n] = '\0';
    struct json_out *j = json_out_new(false, false);
    struct atail_event ev = line(big, 0, 0);
    size_t path_len = 0;
    char *path = json_out_path("p", &path_len);
    cr_assert_eq(json_out_line(j, path, path_len, &ev), 1, "full: write it now");
    cr_assert_geq(j->len, 6 * n);
    free(path);
    free(big);
    json_out_free(j);
}
