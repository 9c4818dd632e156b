/* Unit tests of the CLI's number parser (cli/number.c). The expected values
 * were taken from GNU tail 9.1 (tail -n ARG, tail -c ARG, tail -ARG). The
 * parser is compiled into this test directly: it is CLI code, not part of
 * the library the unit tests link with. */
#include "../../cli/number.c"

#include <criterion/criterion.h>
#include <limits.h>

#define NONE ((uint64_t)-1)

struct parse_case {
    const char *s;
    int result;     /* NUM_* bits */
    uint64_t value; /* checked when result is NUM_OK (NONE: do not check) */
};

static const struct parse_case tail_cases[] = {
    {"0", NUM_OK, 0},
    {"5", NUM_OK, 5},
    {"010", NUM_OK, 10},
    {" 5", NUM_OK, 5},
    {"\t\n5", NUM_OK, 5},
    {"+5", NUM_OK, 5},
    {" +5", NUM_OK, 5},
    {"+ 5", NUM_INVALID, NONE},
    {"++5", NUM_INVALID, NONE},
    {"+-5", NUM_INVALID, NONE},
    {"-5", NUM_INVALID, NONE},
    {" -5", NUM_INVALID, NONE},
    {"", NUM_INVALID, NONE},
    {"+", NUM_INVALID, NONE},
    {" ", NUM_INVALID, NONE},
    {"abc", NUM_INVALID, NONE},
    {"Ki", NUM_INVALID_SUFFIX, NONE},
    {"B", NUM_INVALID, NONE},
    {"K", NUM_OK, 1024},
    {"b", NUM_OK, 512},
    {"kB", NUM_OK, 1000},
    {"+K", NUM_INVALID, NONE},
    {" K", NUM_INVALID, NONE},
    {"1b", NUM_OK, 512},
    {"3b", NUM_OK, 1536},
    {"1k", NUM_OK, 1024},
    {"1K", NUM_OK, 1024},
    {"1KiB", NUM_OK, 1024},
    {"1kiB", NUM_OK, 1024},
    {"1kB", NUM_OK, 1000},
    {"1KB", NUM_OK, 1000},
    {"1KD", NUM_OK, 1000},
    {"2m", NUM_OK, 2097152},
    {"1M", NUM_OK, 1048576},
    {"1MiB", NUM_OK, 1048576},
    {"1MB", NUM_OK, 1000000},
    {"1G", NUM_OK, 1073741824},
    {"1GB", NUM_OK, 1000000000},
    {"1GiB", NUM_OK, 1073741824},
    {"1T", NUM_OK, 1099511627776},
    {"1TB", NUM_OK, 1000000000000},
    {"1P", NUM_OK, 1125899906842624},
    {"1E", NUM_OK, 1152921504606846976},
    {"15E", NUM_OK, 15 * 1152921504606846976u},
    {"1EB", NUM_OK, 1000000000000000000},
    {"18EB", NUM_OK, 18000000000000000000u},
    {"0Z", NUM_OK, 0},
    {"0Y", NUM_OK, 0},
    {"0E", NUM_OK, 0},
    {"18446744073709551615", NUM_OK, UINT64_MAX},
    {"16E", NUM_OVERFLOW, NONE},
    {"19EB", NUM_OVERFLOW, NONE},
    {"1Z", NUM_OVERFLOW, NONE},
    {"1Y", NUM_OVERFLOW, NONE},
    {"36028797018963968b", NUM_OVERFLOW, NONE},
    {"18446744073709551616", NUM_OVERFLOW | NUM_DIGITS_RANGE, NONE},
    {"99999999999999999999999", NUM_OVERFLOW | NUM_DIGITS_RANGE, NONE},
    {"99999999999999999999999K", NUM_OVERFLOW | NUM_DIGITS_RANGE, NONE},
    {"1Zx", NUM_OVERFLOW | NUM_INVALID_SUFFIX, NONE},
    {"1Ki", NUM_INVALID_SUFFIX, NONE},
    {"1bB", NUM_INVALID_SUFFIX, NONE},
    {"1D", NUM_INVALID_SUFFIX, NONE},
    {"1B", NUM_INVALID_SUFFIX, NONE},
    {"1g", NUM_INVALID_SUFFIX, NONE},
    {"1t", NUM_INVALID_SUFFIX, NONE},
    {"1R", NUM_INVALID_SUFFIX, NONE},
    {"1Q", NUM_INVALID_SUFFIX, NONE},
    {"0R", NUM_INVALID_SUFFIX, NONE},
    {"1w", NUM_INVALID_SUFFIX, NONE},
    {"1c", NUM_INVALID_SUFFIX, NONE},
    {"1e3", NUM_INVALID_SUFFIX, NONE},
    {"1e", NUM_INVALID_SUFFIX, NONE},
    {"0x10", NUM_INVALID_SUFFIX, NONE},
    {"5 ", NUM_INVALID_SUFFIX, NONE},
    {"1 K", NUM_INVALID_SUFFIX, NONE},
    {"5x", NUM_INVALID_SUFFIX, NONE},
    {"1kBx", NUM_INVALID_SUFFIX, NONE},
    {"1KiBx", NUM_INVALID_SUFFIX, NONE},
};

Test(cli_number, parse_with_tail_suffixes)
{
    for (size_t i = 0; i < sizeof tail_cases / sizeof tail_cases[0]; i++) {
        const struct parse_case *c = &tail_cases[i];
        uint64_t v = 12345;
        int r = num_parse(c->s, NUM_SUFFIXES_TAIL, &v);
        cr_expect_eq(r, c->result, "num_parse(\"%s\") = %#x, want %#x", c->s, (unsigned)r,
                     (unsigned)c->result);
        if (c->result == NUM_OK && c->value != NONE)
            cr_expect_eq(v, c->value, "num_parse(\"%s\") value %llu, want %llu", c->s,
                         (unsigned long long)v, (unsigned long long)c->value);
        if (c->result & NUM_OVERFLOW)
            cr_expect_eq(v, UINT64_MAX, "num_parse(\"%s\") must saturate", c->s);
    }
}

Test(cli_number, parse_without_suffixes)
{
    uint64_t v;
    cr_expect_eq(num_parse("12", "", &v), NUM_OK);
    cr_expect_eq(v, 12);
    cr_expect_eq(num_parse("12K", "", &v), NUM_INVALID_SUFFIX);
    cr_expect_eq(num_parse("K", "", &v), NUM_INVALID);
    cr_expect_eq(num_parse("12x", NULL, &v), NUM_OK, "NULL suffixes: trailing text unchecked");
    cr_expect_eq(v, 12);
    cr_expect_eq(num_parse("5bf", "b", &v), NUM_INVALID_SUFFIX);
    cr_expect_eq(v, 2560);
}

Test(cli_number, dec_errnum_as_gnu)
{
    uint64_t v = 0;
    int e = -1;
    cr_expect_eq(num_dec("42", NUM_SUFFIXES_TAIL, UINT64_MAX, &v, &e), 0);
    cr_expect_eq(v, 42);
    cr_expect_eq(e, 0);

    /* Pure overflow names EOVERFLOW ("Value too large for defined data type"). */
    cr_expect_eq(num_dec("16E", NUM_SUFFIXES_TAIL, UINT64_MAX, &v, &e), -1);
    cr_expect_eq(e, EOVERFLOW);
    cr_expect_eq(num_dec("99999999999999999999", NUM_SUFFIXES_TAIL, UINT64_MAX, &v, &e), -1);
    cr_expect_eq(e, EOVERFLOW);
    /* Overflow with a bad suffix, or plain garbage: no system error. */
    cr_expect_eq(num_dec("1Zx", NUM_SUFFIXES_TAIL, UINT64_MAX, &v, &e), -1);
    cr_expect_eq(e, 0);
    cr_expect_eq(num_dec("abc", NUM_SUFFIXES_TAIL, UINT64_MAX, &v, &e), -1);
    cr_expect_eq(e, 0);
    cr_expect_eq(num_dec("0Q", NUM_SUFFIXES_TAIL, UINT64_MAX, &v, &e), -1);
    cr_expect_eq(e, 0);

    /* --pid: no suffix, at most INT_MAX. */
    cr_expect_eq(num_dec("99999999999", "", INT_MAX, &v, &e), -1);
    cr_expect_eq(e, EOVERFLOW);
    cr_expect_eq(num_dec(" 77", "", INT_MAX, &v, &e), 0);
    cr_expect_eq(v, 77);
    cr_expect_eq(num_dec("-1", "", INT_MAX, &v, &e), -1);
    cr_expect_eq(e, 0);
    cr_expect_eq(num_dec("7K", "", INT_MAX, &v, &e), -1);
    cr_expect_eq(num_dec("2147483647", "", INT_MAX, &v, &e), 0);
    cr_expect_eq(num_dec("2147483648", "", INT_MAX, &v, &e), -1);
    cr_expect_eq(e, EOVERFLOW);
    /* Out of a small range: ERANGE, as gnulib's xnumtoumax says. */
    cr_expect_eq(num_dec("200", "", 100, &v, &e), -1);
    cr_expect_eq(e, ERANGE);
}

Test(cli_number, count_argument)
{
    bool from_start = false;
    uint64_t v;
    const char *shown;
    int e;
    cr_expect_eq(num_count("5", &from_start, &v, &shown, &e), 0);
    cr_expect(!from_start);
    cr_expect_eq(v, 5);

    cr_expect_eq(num_count("-5", &from_start, &v, &shown, &e), 0);
    cr_expect(!from_start);
    cr_expect_eq(v, 5);
    cr_expect_str_eq(shown, "5");

    cr_expect_eq(num_count("--5", &from_start, &v, &shown, &e), -1);
    cr_expect_str_eq(shown, "-5", "GNU quotes the argument after its first '-'");

    cr_expect_eq(num_count("+0", &from_start, &v, &shown, &e), 0);
    cr_expect(from_start);
    cr_expect_eq(v, 0);
    cr_expect_str_eq(shown, "+0");

    /* GNU never clears from_start: "-n +3 -n 2" starts at line 2. */
    cr_expect_eq(num_count("2", &from_start, &v, &shown, &e), 0);
    cr_expect(from_start);
    cr_expect_eq(v, 2);

    from_start = false;
    cr_expect_eq(num_count("+1K", &from_start, &v, &shown, &e), 0);
    cr_expect(from_start);
    cr_expect_eq(v, 1024);

    cr_expect_eq(num_count("+-5", &from_start, &v, &shown, &e), -1);
    cr_expect_eq(num_count("", &from_start, &v, &shown, &e), -1);
    cr_expect_eq(num_count("-", &from_start, &v, &shown, &e), -1);
    cr_expect_str_eq(shown, "");
}

struct obsolete_case {
    const char *arg;
    enum num_obsolete_result result;
    uint64_t count;
    bool from_start, lines, follow;
};

static const struct obsolete_case obsolete_cases[] = {
    {"-5", NUM_OBSOLETE_OK, 5, false, true, false},
    {"+5", NUM_OBSOLETE_OK, 5, true, true, false},
    {"-5l", NUM_OBSOLETE_OK, 5, false, true, false},
    {"-5c", NUM_OBSOLETE_OK, 5, false, false, false},
    {"+3c", NUM_OBSOLETE_OK, 3, true, false, false},
    {"-5b", NUM_OBSOLETE_OK, 2560, false, false, false},
    {"-5bf", NUM_OBSOLETE_OK, 2560, false, false, true},
    {"-3cf", NUM_OBSOLETE_OK, 3, false, false, true},
    {"-20f", NUM_OBSOLETE_OK, 20, false, true, true},
    {"-b", NUM_OBSOLETE_OK, 5120, false, false, false},
    {"-l", NUM_OBSOLETE_OK, 10, false, true, false},
    {"-f", NUM_OBSOLETE_OK, 10, false, true, true},
    {"+", NUM_OBSOLETE_OK, 10, true, true, false},
    {"-0", NUM_OBSOLETE_OK, 0, false, true, false},
    {"-18446744073709551615", NUM_OBSOLETE_OK, UINT64_MAX, false, true, false},
    {"-", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-c", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-cf", NUM_OBSOLETE_OK, 10, false, false, true},
    {"-5x", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-5q", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-5k", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-5fc", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-n3", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"--5", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"5", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"file", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"", NUM_OBSOLETE_NONE, 0, false, false, false},
    {"-18446744073709551616", NUM_OBSOLETE_RANGE, 0, false, false, false},
    {"-99999999999999999999999", NUM_OBSOLETE_RANGE, 0, false, false, false},
    {"-99999999999999999999b", NUM_OBSOLETE_RANGE, 0, false, false, false},
    {"-9999999999999999999b", NUM_OBSOLETE_INVALID, 0, false, false, false},
};

Test(cli_number, obsolete_option)
{
    for (size_t i = 0; i < sizeof obsolete_cases / sizeof obsolete_cases[0]; i++) {
        const struct obsolete_case *c = &obsolete_cases[i];
        struct num_obsolete o = {0};
        enum num_obsolete_result r = num_obsolete(c->arg, &o);
        cr_expect_eq(r, c->result, "num_obsolete(\"%s\") = %d, want %d", c->arg, (int)r,
                     (int)c->result);
        if (r != NUM_OBSOLETE_OK || c->result != NUM_OBSOLETE_OK)
            continue;
        cr_expect_eq(o.count, c->count, "\"%s\": count %llu", c->arg, (unsigned long long)o.count);
        cr_expect_eq(o.from_start, c->from_start, "\"%s\": from_start", c->arg);
        cr_expect_eq(o.lines, c->lines, "\"%s\": lines", c->arg);
        cr_expect_eq(o.follow, c->follow, "\"%s\": follow", c->arg);
    }
}

Test(cli_number, seconds)
{
    static const struct {
        const char *s;
        int ok;
        double v;
    } cases[] = {
        {"1", 0, 1},    {"1.5", 0, 1.5}, {".5", 0, 0.5},   {"1e3", 0, 1000},
        {" 5", 0, 5},   {"0x10", 0, 16}, {"-0", 0, 0},     {"1e-999", 0, 0},
        {"5 ", -1, 0},  {"", -1, 0},     {"abc", -1, 0},   {"-1", -1, 0},
        {"nan", -1, 0}, {"-inf", -1, 0}, {"1e999", -1, 0}, {"1,5", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -7;
        int r = num_seconds(cases[i].s, &v);
        cr_expect_eq(r, cases[i].ok, "num_seconds(\"%s\") = %d", cases[i].s, r);
        if (r == 0)
            cr_expect_eq(v, cases[i].v, "num_seconds(\"%s\") = %g", cases[i].s, v);
    }
    double v;
    cr_expect_eq(num_seconds("inf", &v), 0);
    cr_expect(v > 1e308);
}
