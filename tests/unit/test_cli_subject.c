/* Unit tests of --subject's templates and filters (cli/subject.c) and of
 * the stream reader's state file (cli/stream_state.c), compiled in
 * directly: CLI code, not part of the library. */
#include "../../cli/stream_state.c"
#include "../../cli/subject.c"

#include "scratch.h"

#include <criterion/criterion.h>

TestSuite(cli_subject, .init = setup, .fini = teardown);

static void expect_subject(const char *tmpl, const char *host, const char *path, const char *want)
{
    char *s = subject_make(tmpl, host, path);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, want, "%s with %s, %s", tmpl, host, path);
    free(s);
}

Test(cli_subject, placeholders_become_tokens)
{
    expect_subject("logs.{host}.{file}", "web1", "/var/log/app.log", "logs.web1.app_log");
    expect_subject("logs.{host}.{file}", "a.b.example", "x y*z>", "logs.a_b_example.x_y_z_");
    expect_subject("l.{file}", "h", "/d/", "l._");
    expect_subject("l.{file}", "h", "-", "l.stdin");
    expect_subject("fixed.subject", "h", "/p", "fixed.subject");
    expect_subject("{host}-{file}.x", "h", "f.log", "h-f_log.x");
    char *w = subject_wildcard("logs.{host}.{file}");
    cr_assert_str_eq(w, "logs.*.*");
    free(w);
}

Test(cli_subject, templates_and_filters_checked)
{
    const char *good[] = {"logs.{host}.{file}", "a", "a.b-c_d", "{file}"};
    const char *bad[] = {"", "a..b", ".a", "a.", "a.*", "a.>", "a b", "a.{x}", "a\"b"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_assert(subject_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(!subject_valid(bad[i]), "%s", bad[i]);
    const char *fgood[] = {"logs.>", "logs.*.app_log", "*", ">", "a.b"};
    const char *fbad[] = {"", "logs.>.x", "a..b", "a*.b", "a.b>", "a b"};
    for (size_t i = 0; i < sizeof fgood / sizeof *fgood; i++)
        cr_assert(subject_filter_valid(fgood[i]), "%s", fgood[i]);
    for (size_t i = 0; i < sizeof fbad / sizeof *fbad; i++)
        cr_assert(!subject_filter_valid(fbad[i]), "%s", fbad[i]);
}

Test(cli_subject, stream_state_round_trip)
{
    uint64_t seq = 0;
    cr_assert_eq(stream_state_load(path("st"), "LOGS", &seq), 0); /* missing: none */
    cr_assert_eq(stream_state_save(path("st"), "LOGS", 12345), 0);
    cr_assert_eq(stream_state_load(path("st"), "LOGS", &seq), 1);
    cr_assert_eq(seq, 12345);
    cr_assert_eq(stream_state_load(path("st"), "OTHER", &seq), 0); /* another stream's */
    put("bad", "atail-state 1\n", O_TRUNC);
    cr_assert_eq(stream_state_load(path("bad"), "LOGS", &seq), -EBADMSG);
}
