/* atail --output=json: every output line is a JSON object a real parser
 * (python3's json) accepts, over a matrix of bad input (binary, NUL,
 * invalid UTF-8, control characters, CRLF, lines longer than --max-line, a
 * last line without newline, -z), and the records decode back to exactly
 * the file's bytes (surrogateescape) at the offsets they claim. Plus the
 * optional fields, following, standard input, several files, and
 * --max-lines. */
#include "cli_common.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void kill_leftovers(void)
{
    kill_scratch_procs();
}

TestSuite(cli_json, .fini = kill_leftovers, .timeout = 120);

/* Reads atail's JSON lines on stdin and the original file (argv[1]), with
 * the delimiter argv[2] ("nl" or "nul") and the expected path argv[3]:
 * prints OK when the records rebuild the file byte for byte, at their
 * offsets; otherwise what is wrong. */
static const char validator[] =
    "import json, sys\n"
    "path, delim, want_path = sys.argv[1], sys.argv[2], sys.argv[3]\n"
    "d = b'\\n' if delim == 'nl' else b'\\0'\n"
    "orig = open(path, 'rb').read()\n"
    "raw = sys.stdin.buffer.read()\n"
    "assert raw == b'' or raw.endswith(b'\\n'), 'output does not end with a newline'\n"
    "out = bytearray()\n"
    "recs = [json.loads(l) for l in raw.split(b'\\n')[:-1]]\n"
    "for i, r in enumerate(recs):\n"
    "    keys = set(r) - {'cut', 'partial'}\n"
    "    assert keys == {'line', 'path', 'offset'}, 'record %d: keys %s' % (i, sorted(r))\n"
    "    assert r['path'] == want_path, 'record %d: path %r' % (i, r['path'])\n"
    "    assert r['offset'] == len(out), 'record %d: offset %d, want %d' % (i, r['offset'], "
    "len(out))\n"
    "    assert r.get('cut', True) is True and r.get('partial', True) is True, 'flags %r' % r\n"
    "    out += r['line'].encode('utf-8', 'surrogateescape')\n"
    "    if 'partial' in r:\n"
    "        assert i == len(recs) - 1, 'record %d: partial, yet not the last' % i\n"
    "    elif 'cut' not in r:\n"
    "        out += d\n"
    "assert bytes(out) == orig, 'rebuilt %r\\n  file %r' % (bytes(out)[:200], orig[:200])\n"
    "print('OK %d' % len(recs))\n";

static const char *validator_path(void)
{
    static const char *path;
    if (!path) {
        path = scratch_path("validate.py");
        write_str(path, validator);
    }
    return path;
}

/* Writes data to a file, runs atail -n +1 --output=json [extra] on it and
 * validates the output; returns the number of records. */
static long json_roundtrip(const char *name, const void *data, size_t len, const char *extra,
                           bool nul)
{
    const char *f = scratch_path(name);
    write_file(f, data, len);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -n +1 --output=json %s %s %s | /usr/bin/python3 %s %s %s %s",
             atail(), nul ? "-z" : "", extra ? extra : "", f, validator_path(), f,
             nul ? "nul" : "nl", f);
    struct proc *p = run_sh(cmd, WAIT_MS * 3);
    cr_assert(strncmp(p->out.data, "OK ", 3) == 0, "%s: %s%s", name, p->out.data, p->err.data);
    long n = strtol(p->out.data + 3, NULL, 10);
    cr_assert_eq(exit_code(p), 0, "%s: %s", name, p->err.data);
    proc_free(p);
    return n;
}

Test(cli_json, binary_bytes)
{
    char data[256 * 8];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)((i * 7 + i / 256) & 0xff);
    json_roundtrip("binary", data, sizeof data, NULL, false);
    json_roundtrip("binary_z", data, sizeof data, NULL, true);
}

Test(cli_json, nul_bytes)
{
    static const char data[] = "a\0b\n\0\0\n\0\nend\0";
    json_roundtrip("nul", data, sizeof data - 1, NULL, false);
}

Test(cli_json, invalid_utf8)
{
    static const char data[] = "\xff\xfe\n"                        /* never valid */
                               "\xc3\x28 bad second byte\n"        /* */
                               "\xe2\x82 truncated\n"              /* */
                               "\xc0\xaf overlong\n"               /* */
                               "\xed\xa0\x80 surrogate\n"          /* */
                               "\xf4\x90\x80\x80 above U+10FFFF\n" /* */
                               "\x80 lone continuation\n"          /* */
                               "ok \xc3\xa9 \xe2\x98\x83 \xf0\x9d\x84\x9e\n"
                               "\xe2\x98";
    cr_assert_eq(json_roundtrip("utf8", data, sizeof data - 1, NULL, false), 9);
}

Test(cli_json, controls_quotes_crlf)
{
    char data[256];
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        if (c != '\n')
            data[n++] = (char)c;
    data[n++] = 0x7f;
    data[n++] = '\n';
    const char *rest = "\"quoted\" \\back\\slash\\ \r\ncrlf line\r\n\r\n\n\n";
    memcpy(data + n, rest, strlen(rest));
    n += strlen(rest);
    json_roundtrip("controls", data, n, NULL, false);
}

Test(cli_json, long_lines_are_cut)
{
    size_t len = 100000;
    char *data = malloc(len + 10);
    cr_assert_not_null(data);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)('a' + i % 26);
    data[5000] = '\xc3'; /* a two-byte character across a cut: still round trips */
    data[5001] = '\xa9';
    memcpy(data + len, "\nshort\nend", 10);
    long n = json_roundtrip("long", data, len + 10, "--max-line=1000", false);
    cr_assert_geq(n, 100 + 2, "pieces of 1000 bytes at most");
    /* The default maximum (1 MiB) keeps this line whole. */
    cr_assert_eq(json_roundtrip("long_default", data, len + 10, NULL, false), 3);
    free(data);

    /* Check the flags themselves on a small case. */
    write_str(scratch_path("cut"), "abcdefgh\nij");
    struct proc *p = run((const char *[]){atail(), "-n", "+1", "--output=json", "--max-line=3",
                                          scratch_path("cut"), NULL},
                         NULL, 0, WAIT_MS);
    char want[1024];
    const char *f = scratch_path("cut");
    snprintf(want, sizeof want,
             "{\"line\":\"abc\",\"path\":\"%s\",\"offset\":0,\"cut\":true}\n"
             "{\"line\":\"def\",\"path\":\"%s\",\"offset\":3,\"cut\":true}\n"
             "{\"line\":\"gh\",\"path\":\"%s\",\"offset\":6}\n"
             "{\"line\":\"ij\",\"path\":\"%s\",\"offset\":9,\"partial\":true}\n",
             f, f, f, f);
    cr_expect_str_eq(p->out.data, want);
    proc_free(p);
}

Test(cli_json, big_file_is_valid)
{
    const char *f = scratch_path("big.log");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --count 50000 --interval 0 --file %s >/dev/null",
             bin_path("log_writer"), f);
    struct proc *p = run_sh(cmd, WAIT_MS * 3);
    cr_assert_eq(exit_code(p), 0);
    proc_free(p);
    snprintf(cmd, sizeof cmd, "%s -n +1 --output=json %s | /usr/bin/python3 %s %s nl %s", atail(),
             f, validator_path(), f, f);
    p = run_sh(cmd, WAIT_MS * 3);
    cr_expect_str_eq(p->out.data, "OK 50000\n", "%s", p->err.data);
    proc_free(p);
}

/* The brief's own check: every line parses. */
Test(cli_json, every_line_parses)
{
    char data[4096];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 131 % 251);
    const char *f = scratch_path("random");
    write_file(f, data, sizeof data);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -n +1 --output=json --json-time --json-host --max-line=7 %s | /usr/bin/python3 -c "
             "'import json,sys; [json.loads(l) for l in sys.stdin]; print(\"parsed\")'",
             atail(), f);
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect_str_eq(p->out.data, "parsed\n", "%s", p->err.data);
    proc_free(p);
}

Test(cli_json, time_and_host)
{
    write_str(scratch_path("th"), "one\ntwo\n");
    static const char check[] =
        "import json, sys, re, socket, datetime\n"
        "for l in sys.stdin:\n"
        "    r = json.loads(l)\n"
        "    assert list(r) == ['line', 'path', 'offset', 'time', 'host'], list(r)\n"
        "    assert re.fullmatch(r'\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z', "
        "r['time']), "
        "r['time']\n"
        "    t = datetime.datetime.strptime(r['time'], '%Y-%m-%dT%H:%M:%S.%fZ')\n"
        "    now = datetime.datetime.utcnow()\n"
        "    assert abs((now - t).total_seconds()) < 60, (now, t)\n"
        "    assert r['host'] == socket.gethostname(), r['host']\n"
        "print('OK')\n";
    write_str(scratch_path("check.py"), check);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -n +1 --output=json --json-time --json-host %s | /usr/bin/python3 %s", atail(),
             scratch_path("th"), scratch_path("check.py"));
    struct proc *p = run_sh(cmd, WAIT_MS);
    cr_expect_str_eq(p->out.data, "OK\n", "%s", p->err.data);
    proc_free(p);
}

Test(cli_json, stdin_several_files_and_max_lines)
{
    struct proc *p = run((const char *[]){atail(), "--output=json", NULL}, "a\nb", 3, WAIT_MS);
    cr_expect_str_eq(p->out.data,
                     "{\"line\":\"a\",\"path\":\"-\",\"offset\":0}\n"
                     "{\"line\":\"b\",\"path\":\"-\",\"offset\":2,\"partial\":true}\n");
    proc_free(p);

    write_str(scratch_path("m1"), "x\n");
    write_str(scratch_path("m2"), "y\nz\n");
    p = start_in_scratch((const char *[]){atail(), "--output=json", "-v", "m1", "m2", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->out.data,
                     "{\"line\":\"x\",\"path\":\"m1\",\"offset\":0}\n"
                     "{\"line\":\"y\",\"path\":\"m2\",\"offset\":0}\n"
                     "{\"line\":\"z\",\"path\":\"m2\",\"offset\":2}\n",
                     "no headers in JSON, even with -v");
    proc_free(p);

    p = start_in_scratch(
        (const char *[]){atail(), "--output=json", "--max-lines=2", "-n", "+1", "m2", "m1", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->out.data, "{\"line\":\"y\",\"path\":\"m2\",\"offset\":0}\n"
                                  "{\"line\":\"z\",\"path\":\"m2\",\"offset\":2}\n");
    cr_expect_eq(exit_code(p), 0);
    proc_free(p);

    /* A missing file among others: GNU's message, status 1. */
    p = start_in_scratch((const char *[]){atail(), "--output=json", "m1", "nope", NULL});
    cr_assert(proc_wait_exit(p, WAIT_MS));
    cr_expect_str_eq(p->out.data, "{\"line\":\"x\",\"path\":\"m1\",\"offset\":0}\n");
    cr_expect_str_eq(p->err.data, "atail: cannot open 'nope' for reading: No such file or "
                                  "directory\n");
    cr_expect_eq(exit_code(p), 1);
    proc_free(p);
}

/* Following: records come as lines are completed; the last line of a
 * rotated file that had no newline comes marked partial. */
Test(cli_json, following_and_rotation)
{
    write_str(scratch_path("fj"), "one\n");
    struct proc *a = start_in_scratch(
        (const char *[]){atail(), "-F", "--output=json", "--rotate-grace=0.1", "fj", NULL});
    const char *r1 = "{\"line\":\"one\",\"path\":\"fj\",\"offset\":0}\n";
    expect_output(a, r1, "initial content");
    append_str(scratch_path("fj"), "tw");
    append_str(scratch_path("fj"), "o\nthr");
    char want[1024];
    snprintf(want, sizeof want, "%s{\"line\":\"two\",\"path\":\"fj\",\"offset\":4}\n", r1);
    expect_output(a, want, "a line once complete");
    cr_assert_eq(rename(scratch_path("fj"), scratch_path("fj.1")), 0);
    write_str(scratch_path("fj"), "new\n");
    size_t len = strlen(want);
    snprintf(want + len, sizeof want - len,
             "{\"line\":\"thr\",\"path\":\"fj\",\"offset\":8,\"partial\":true}\n"
             "{\"line\":\"new\",\"path\":\"fj\",\"offset\":0}\n");
    expect_output(a, want, "rotation: the old file's partial last line, then the new file");
    expect_stderr(a, "atail: 'fj' has been replaced;  following new file\n", "rotation");
    stop_by(a, SIGTERM);
    proc_free(a);
}
