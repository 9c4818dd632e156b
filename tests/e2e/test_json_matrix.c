/* test_json_matrix.c - atail --output=json over the rest of the bad-input
 * matrix (issue 4), beyond test_cli_json.c: a line of several MiB over the
 * default --max-line (1 MiB), with characters split by the cuts; lines of
 * exactly the maximum and one byte more; a long run of NUL bytes; every
 * byte that needs an escape at every position of the 8-byte fast path;
 * the edges of valid UTF-8 (which must come out as characters) next to
 * invalid sequences; megabytes of random tokens, as lines and with -z,
 * also with --json-time and --json-host; a file name with invalid UTF-8
 * and control bytes; and all of it appended in pieces while following.
 *
 * Every output line is checked by python3: strict UTF-8, json.loads, the
 * documented fields; "line" (and "path") give the exact bytes back with
 * .encode("utf-8", "surrogateescape"), and are exactly what Python's
 * surrogateescape decoding of those bytes gives (only bytes that are not
 * valid UTF-8 become \udc80-\udcff); pieces are at most --max-line bytes
 * and only lines longer than that are cut; offsets are where each record
 * starts; and the records rebuild the file byte for byte. The seed of the
 * random tokens is printed; ATAIL_TEST_SEED=N repeats it. */
#include "cli_common.h"

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define MIB (1024L * 1024L)
#define DEFAULT_MAX_LINE MIB

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(json_matrix, .fini = kill_leftovers, .timeout = 180);

/* argv: original file, delimiter (nl or nul), the path atail was given,
 * --max-line, extra fields ("-" or e.g. "time,host"), atail's output.
 * Prints "OK records longest_line" or fails. */
static const char validator[] =
    "import json, os, sys\n"
    "orig_path, delim, want_path, max_line, extras, json_path = sys.argv[1:7]\n"
    "max_line = int(max_line)\n"
    "extra = set() if extras == '-' else set(extras.split(','))\n"
    "d = b'\\n' if delim == 'nl' else b'\\0'\n"
    "orig = open(orig_path, 'rb').read()\n"
    "want_path = os.fsencode(want_path)\n"
    "raw = open(json_path, 'rb').read()\n"
    "assert raw == b'' or raw.endswith(b'\\n'), 'output does not end with a newline'\n"
    "lines = raw.split(b'\\n')[:-1]\n"
    "out = bytearray()\n"
    "line_len = pieces = longest = 0\n"
    "def exact(s, what, i):\n"
    "    b = s.encode('utf-8', 'surrogateescape')\n"
    "    assert b.decode('utf-8', 'surrogateescape') == s, \\\n"
    "        'record %d: %s escapes valid UTF-8 or is not surrogateescape: %r' % (i, what, "
    "s[:80])\n"
    "    return b\n"
    "for i, l in enumerate(lines):\n"
    "    l.decode('utf-8')\n"
    "    r = json.loads(l)\n"
    "    assert isinstance(r, dict), 'record %d is not an object' % i\n"
    "    keys = set(r)\n"
    "    allowed = {'line', 'path', 'offset', 'cut', 'partial'} | extra\n"
    "    assert {'line', 'path', 'offset'} | extra <= keys <= allowed, \\\n"
    "        'record %d: keys %s' % (i, sorted(keys))\n"
    "    assert exact(r['path'], 'path', i) == want_path, 'record %d: path %r' % (i, r['path'])\n"
    "    assert r['offset'] == len(out), 'record %d: offset %d, want %d' % (i, r['offset'], "
    "len(out))\n"
    "    assert r.get('cut', True) is True and r.get('partial', True) is True, 'flags %r' % keys\n"
    "    b = exact(r['line'], 'line', i)\n"
    "    assert len(b) <= max_line, 'record %d: %d bytes > --max-line %d' % (i, len(b), max_line)\n"
    "    out += b\n"
    "    line_len += len(b)\n"
    "    if 'cut' in r:\n"
    "        assert b and 'partial' not in r, 'record %d: empty or partial cut piece' % i\n"
    "        pieces += 1\n"
    "        continue\n"
    "    assert pieces == 0 or line_len > max_line, \\\n"
    "        'record %d: a line of %d bytes was cut (max %d)' % (i, line_len, max_line)\n"
    "    longest = max(longest, line_len)\n"
    "    line_len = pieces = 0\n"
    "    if 'partial' in r:\n"
    "        assert i == len(lines) - 1, 'record %d: partial, yet not the last' % i\n"
    "    else:\n"
    "        out += d\n"
    "assert pieces == 0, 'the output ends with a cut piece'\n"
    "if bytes(out) != orig:\n"
    "    n = next((k for k in range(min(len(out), len(orig))) if out[k] != orig[k]), "
    "min(len(out), len(orig)))\n"
    "    raise SystemExit('rebuilt %d bytes, file %d; first difference at %d: %r / %r' % "
    "(len(out), len(orig), n, bytes(out[n:n+40]), orig[n:n+40]))\n"
    "print('OK %d %d' % (len(lines), longest))\n";

struct result {
    long records, longest;
};

/* Checks atail's JSON output `json` against the file orig. */
static struct result validate(const struct buf *json, const char *orig, bool nul,
                              const char *path_given, long max_line, const char *extras)
{
    static const char *script;
    if (!script) {
        script = scratch_path("validate.py");
        write_str(script, validator);
    }
    static const char *out;
    if (!out)
        out = scratch_path("output.json");
    write_file(out, json->data, json->len);
    char max[32];
    snprintf(max, sizeof max, "%ld", max_line);
    const char *argv[] = {
        "/usr/bin/python3", script, orig, nul ? "nul" : "nl", path_given, max, extras, out, NULL};
    struct proc *p = run(argv, NULL, 0, WAIT_MS * 6);
    struct result r = {-1, -1};
    cr_assert(sscanf(p->out.data, "OK %ld %ld", &r.records, &r.longest) == 2,
              "%s: %s%s (%zu bytes of JSON)", orig, p->out.data, p->err.data, json->len);
    cr_assert_eq(exit_code(p), 0);
    proc_free(p);
    return r;
}

/* atail -n +1 --output=json [opts] path, validated; path is given as is. */
static struct result json_check(const char *path, const char *const *opts, bool nul, long max_line,
                                const char *extras)
{
    const char *argv[16] = {atail(), "-n", "+1", "--output=json"};
    int n = 4;
    for (int i = 0; opts && opts[i]; i++)
        argv[n++] = opts[i];
    if (nul)
        argv[n++] = "-z";
    argv[n++] = path;
    argv[n] = NULL;
    struct proc *p = run(argv, NULL, 0, WAIT_MS * 6);
    cr_assert_eq(exit_code(p), 0, "%s: %s", path, p->err.data);
    cr_assert_str_eq(p->err.data, "", "%s", path);
    struct result r = validate(&p->out, path, nul, path, max_line, extras);
    proc_free(p);
    return r;
}

/* ---- data -------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t seed_of(const char *test)
{
    const char *env = getenv("ATAIL_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)now_ms() ^ (uint64_t)getpid();
    fprintf(stderr, "%s: ATAIL_TEST_SEED=%" PRIu64 "\n", test, seed);
    return seed;
}

static size_t utf8(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Never valid UTF-8. */
static const char *const invalid[] = {
    "\xc0\x80",
    "\xc1\xbf",
    "\xe0\x80\x80",
    "\xe0\x9f\xbf",
    "\xed\xa0\x80",
    "\xed\xbf\xbf",
    "\xf0\x8f\xbf\xbf",
    "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80",
    "\xf8\x88\x80\x80",
    "\xfc\x84\x80\x80",
    "\xfe",
    "\xff",
    "\x80",
    "\xbf",
    "\xc2",
};

/* One random token of what logs hold when they go wrong, at o (at most 32
 * bytes); `newline` allows a '\n'. */
static size_t token(uint64_t *rng, unsigned char *o, bool newline)
{
    uint64_t r = splitmix(rng);
    size_t n = 0;
    switch (r % 16) {
    case 0:
    case 1:
    case 2:
    case 3: /* printable ASCII */
        n = 1 + (r >> 8) % 16;
        for (size_t i = 0; i < n; i++)
            o[i] = (unsigned char)(0x20 + (r >> (12 + i)) % 95);
        return n;
    case 4:
    case 5: { /* a valid character, 2 to 4 bytes */
        uint32_t cp = 0x80 + (uint32_t)((r >> 8) % (0x110000 - 0x80));
        if (cp >= 0xd800 && cp <= 0xdfff)
            cp += 0x800; /* not a surrogate */
        return utf8(o, cp);
    }
    case 6: /* a valid character, truncated */
        n = utf8(o, 0x800 + (uint32_t)((r >> 8) % 0x8000));
        return n - 1 - (r >> 40) % (n - 1);
    case 7: { /* never valid */
        const char *s = invalid[(r >> 8) % (sizeof invalid / sizeof invalid[0])];
        n = strlen(s);
        memcpy(o, s, n);
        return n;
    }
    case 8: /* a control byte, DEL, or NUL */
        o[0] = (unsigned char)((r >> 8) % 33);
        if (o[0] == 32)
            o[0] = 0x7f;
        if (o[0] == '\n' && !newline)
            o[0] = 0;
        return 1;
    case 9:
        o[0] = "\"\\\r\t"[(r >> 8) % 4];
        return 1;
    case 10: /* any byte */
        o[0] = (unsigned char)(r >> 8);
        if (o[0] == '\n' && !newline)
            o[0] = '\r';
        return 1;
    case 11: /* text that looks like an escape */
        memcpy(o, "\\ud83d\\ude00", 12);
        return 12;
    default:
        if (newline && (r >> 8) % 8 == 0) {
            o[0] = '\n';
            return 1;
        }
        o[0] = ' ';
        return 1;
    }
}

static unsigned char *tokens(uint64_t *rng, size_t len, bool newline)
{
    unsigned char *d = malloc(len + 32);
    cr_assert_not_null(d);
    for (size_t n = 0; n < len;)
        n += token(rng, d + n, newline);
    return d;
}

/* ---- the matrix ---------------------------------------------------------- */

/* A 4 MiB line (plus a CR) over the default maximum of 1 MiB, with a
 * 4-byte character across every cut and 3-byte ones across the 128 KiB
 * read boundaries; lines of exactly 1 MiB (whole) and 1 MiB + 1 (cut in
 * two); a last line without newline. */
Test(json_matrix, lines_of_megabytes_over_the_default_max_line)
{
    uint64_t rng = seed_of("lines_of_megabytes_over_the_default_max_line");
    const size_t huge = 4 * MIB + 100, start = 6;
    size_t cap = start + huge + 2 + 2 * (DEFAULT_MAX_LINE + 1) + 16;
    unsigned char *d = malloc(cap);
    cr_assert_not_null(d);
    size_t n = 0;
    memcpy(d, "first\n", start);
    n = start;
    unsigned char *t = tokens(&rng, huge, false);
    memcpy(d + n, t, huge);
    free(t);
    static const unsigned char four[] = {0xf0, 0x9f, 0x98, 0x80}; /* U+1F600 */
    static const unsigned char three[] = {0xe2, 0x82, 0xac};      /* U+20AC */
    for (size_t k = 1; k * DEFAULT_MAX_LINE < huge; k++)
        memcpy(d + n + k * DEFAULT_MAX_LINE - 2, four, 4);
    for (size_t k = 1; k * 128 * 1024 + 8 < start + huge; k++)
        memcpy(d + k * 128 * 1024 - 1 - (k % 2), three, 3); /* at file offsets */
    n += huge;
    memcpy(d + n, "\r\n", 2);
    n += 2;
    for (long extra = 0; extra <= 1; extra++) {
        for (long i = 0; i < DEFAULT_MAX_LINE + extra; i++)
            d[n + (size_t)i] = (unsigned char)(i % 997 == 0 ? 0xff : 'a' + i % 26);
        n += (size_t)(DEFAULT_MAX_LINE + extra);
        d[n++] = '\n';
    }
    memcpy(d + n, "end", 3);
    n += 3;
    const char *f = scratch_path("huge.log");
    write_file(f, d, n);
    free(d);
    struct result r = json_check(f, NULL, false, DEFAULT_MAX_LINE, "-");
    /* first, 5 pieces, 1, 2 pieces, end */
    cr_expect_eq(r.records, 1 + 5 + 1 + 2 + 1);
    cr_expect_eq(r.longest, (long)huge + 1, "the 4 MiB line and its CR, whole when rebuilt");
}

Test(json_matrix, long_run_of_nul_bytes)
{
    const size_t len = 3 * MIB / 2;
    char *d = calloc(1, len + 1);
    cr_assert_not_null(d);
    d[len] = '\n';
    const char *f = scratch_path("nul.log");
    write_file(f, d, len + 1);
    free(d);
    struct result r = json_check(f, NULL, false, DEFAULT_MAX_LINE, "-");
    cr_expect_eq(r.records, 2, "1 MiB of \\u0000, then the rest");
}

/* Every byte that needs an escape, or is next to one that does, at each
 * position of 8-byte words (and pairs of them), with --max-line at a word
 * boundary and not. */
Test(json_matrix, escapes_at_every_position_of_a_word)
{
    static const unsigned char edge[] = {
        0x00, 0x01, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x1f, 0x20, 0x21, 0x22, 0x23,
        0x2f, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
        0xe0, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa2, 0xdc, 0xe2, 0x9d,
    };
    const size_t ne = sizeof edge;
    char *d = malloc(ne * ne * 32 * 2 + ne * 32 * 26);
    cr_assert_not_null(d);
    size_t n = 0;
    for (size_t e = 0; e < ne; e++) {
        for (size_t pos = 0; pos < 24; pos++) {
            memset(d + n, 'a', 25);
            d[n + pos] = (char)edge[e];
            n += 25;
            d[n++] = '\n';
        }
    }
    for (size_t e = 0; e < ne; e++) {
        for (size_t g = 0; g < ne; g++) { /* two of them side by side, across a word */
            memset(d + n, 'b', 16);
            d[n + 7] = (char)edge[e];
            d[n + 8] = (char)edge[g];
            n += 16;
            d[n++] = '\n';
        }
    }
    const char *f = scratch_path("edges.log");
    write_file(f, d, n);
    free(d);
    json_check(f, NULL, false, DEFAULT_MAX_LINE, "-");
    json_check(f, (const char *[]){"--max-line=8", NULL}, false, 8, "-");
    json_check(f, (const char *[]){"--max-line=13", NULL}, false, 13, "-");
    json_check(f, (const char *[]){"--max-line=1", NULL}, false, 1, "-");
}

/* Valid UTF-8 at its edges comes out as characters; the invalid
 * sequences around them as \udcXX, one per byte. */
Test(json_matrix, edges_of_valid_utf8)
{
    static const uint32_t valid[] = {0x80,   0x9f,    0xa0,    0x7ff,    0x800,   0x2028,
                                     0x2029, 0xd7ff,  0xe000,  0xfeff,   0xfffd,  0xfffe,
                                     0xffff, 0x10000, 0xfffff, 0x100000, 0x10ffff};
    unsigned char d[4096];
    size_t n = utf8(d, 0xfeff); /* a BOM first */
    d[n++] = '\n';
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        n += utf8(d + n, valid[i]); /* alone */
        d[n++] = '\n';
        for (size_t j = 0; j < sizeof invalid / sizeof invalid[0]; j++) {
            size_t len = strlen(invalid[j]);
            memcpy(d + n, invalid[j], len); /* an invalid neighbour on each side */
            n += len;
            n += utf8(d + n, valid[i]);
            memcpy(d + n, invalid[j], len);
            n += len;
            d[n++] = ' ';
        }
        d[n++] = '\n';
    }
    cr_assert_lt(n, sizeof d);
    const char *f = scratch_path("utf8.log");
    write_file(f, d, n);
    json_check(f, NULL, false, DEFAULT_MAX_LINE, "-");
    json_check(f, (const char *[]){"--max-line=3", NULL}, false, 3, "-");
}

/* Megabytes of random tokens: as lines, as NUL-delimited records (newlines
 * inside), with the optional fields; and a part of them cut small. The
 * files end with "\0\n", so that no last record without delimiter has a
 * length that is a multiple of --max-line (see the report: such a record
 * ends with a "cut" piece). */
Test(json_matrix, random_tokens)
{
    uint64_t rng = seed_of("random_tokens");
    const size_t len = 2 * MIB, small = 128 * 1024;
    unsigned char *d = tokens(&rng, len, true);
    const char *f = scratch_path("random.log"), *fs = scratch_path("random_small.log");
    memcpy(d + len, "\0\n", 2);
    write_file(f, d, len + 2);
    memcpy(d + small, "\0\n", 2);
    write_file(fs, d, small + 2);
    free(d);
    json_check(f, NULL, false, DEFAULT_MAX_LINE, "-");
    json_check(f, NULL, true, DEFAULT_MAX_LINE, "-");
    json_check(f, (const char *[]){"--json-time", "--json-host", NULL}, false, DEFAULT_MAX_LINE,
               "time,host");
    json_check(fs, (const char *[]){"--max-line=5", NULL}, false, 5, "-");
    json_check(fs, (const char *[]){"--max-line=5", NULL}, true, 5, "-");
}

/* The path field: a name with invalid UTF-8, quotes, a backslash, control
 * bytes and a newline. */
Test(json_matrix, file_name_with_bad_bytes)
{
    const char *f = scratch_path("bad \xff\xfe \"q\" \\ \x01\t\n\xe2\x82 \xc3\xa9.log");
    write_str(f, "x\n\xff\n");
    cr_expect_eq(json_check(f, NULL, false, DEFAULT_MAX_LINE, "-").records, 2);
}

/* Following: characters split across writes, bad bytes, CRLF, and a line
 * of 1.5 MiB written in pieces of 100 KiB, all appended while atail -F
 * --output=json runs. */
Test(json_matrix, appended_in_pieces_while_following)
{
    uint64_t rng = seed_of("appended_in_pieces_while_following");
    const char *f = scratch_path("follow.log");
    write_str(f, "");
    struct proc *a = start_in_scratch(
        (const char *[]){atail(), "-F", "-n", "+1", "--output=json", "follow.log", NULL});
    wait_inotify_watch(a);
#define PIECE(s)                                                                                   \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }
    static const struct {
        const char *s;
        size_t len;
    } pieces[] = {
        PIECE("euro \xe2"),       PIECE("\x82"),
        PIECE("\xac split\n"),    PIECE("\xf0\x9f"),
        PIECE("\x98\x80 four\n"), PIECE("bad \xff"),
        PIECE("\xfe\r\n"),        PIECE("\0\0nul\0\n"),
        PIECE("\xed\xa0"),        PIECE("\x80 surrogate\n"),
    };
#undef PIECE
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        append_file(f, pieces[i].s, pieces[i].len);
        proc_wait_output(a, "\x01never", 2); /* let atail read some of them apart */
    }
    unsigned char *t = tokens(&rng, 3 * MIB / 2, false);
    for (size_t off = 0; off < 3 * MIB / 2; off += 100 * 1024)
        append_file(f, t + off, 3 * MIB / 2 - off < 100 * 1024 ? 3 * MIB / 2 - off : 100 * 1024);
    free(t);
    append_str(f, "\nEND\n");
    cr_assert(proc_wait_output(a, "{\"line\":\"END\"", WAIT_MS * 3), "no END: %s", a->err.data);
    stop_by(a, SIGTERM);
    cr_expect_str_eq(a->err.data, "");
    struct result r = validate(&a->out, f, false, "follow.log", DEFAULT_MAX_LINE, "-");
    cr_expect_eq(r.records, 5 + 2 + 1, "5 short lines, 2 pieces, END");
    proc_free(a);
}

/* JSON: a last line without delimiter whose length is a multiple of
 * --max-line ends with a "partial" piece (the man page: "the last has no
 * cut"; "partial: true for a last line that has no delimiter"). */
Test(json_matrix, last_line_of_max_line_bytes)
{
    write_str(scratch_path("p5"), "abcde");
    struct proc *p = run((const char *[]){atail(), "-n", "+1", "--output=json", "--max-line=5",
                                          scratch_path("p5"), NULL},
                         NULL, 0, WAIT_MS);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"line\":\"abcde\",\"path\":\"%s\",\"offset\":0,\"partial\":true}\n",
             scratch_path("p5"));
    cr_expect_str_eq(p->out.data, want, "got \"%s\", status %d, stderr %s", p->out.data, p->status,
                     p->err.data);
    proc_free(p);

    write_str(scratch_path("p10"), "abcdefghij");
    p = run((const char *[]){atail(), "-n", "+1", "--output=json", "--max-line=5",
                             scratch_path("p10"), NULL},
            NULL, 0, WAIT_MS);
    snprintf(want, sizeof want,
             "{\"line\":\"abcde\",\"path\":\"%s\",\"offset\":0,\"cut\":true}\n"
             "{\"line\":\"fghij\",\"path\":\"%s\",\"offset\":5,\"partial\":true}\n",
             scratch_path("p10"), scratch_path("p10"));
    cr_expect_str_eq(p->out.data, want);
    proc_free(p);
}

/* JSON while following: a line of exactly --max-line bytes whose newline
 * comes in a later write is whole, not cut into itself and an empty piece. */
Test(json_matrix, following_line_of_max_line_bytes)
{
    write_str(scratch_path("fo"), "abcde");
    struct proc *a = start_in_scratch(
        (const char *[]){atail(), "-F", "-n", "+1", "--output=json", "--max-line=5", "fo", NULL});
    wait_inotify_watch(a);
    proc_wait_output(a, "\x01never", 300); /* let atail read the 5 bytes alone */
    append_str(scratch_path("fo"), "\nz\n");
    proc_wait_output(a, "\"line\":\"z\"", WAIT_MS);
    expect_output(a,
                  "{\"line\":\"abcde\",\"path\":\"fo\",\"offset\":0}\n"
                  "{\"line\":\"z\",\"path\":\"fo\",\"offset\":6}\n",
                  "a line of --max-line bytes is whole");
    stop_by(a, SIGTERM);
    proc_free(a);
}
