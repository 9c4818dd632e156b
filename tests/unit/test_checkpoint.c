/* Unit tests for src/checkpoint.c: round trip, escaping, and rejection of
 * damaged input. */
#include "checkpoint.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ckpt sample(void)
{
    struct ckpt c = {0};
    struct ckpt_entry e = {.path = "/var/log/app.log",
                           .dev = 2049,
                           .ino = 1234,
                           .offset = 5000,
                           .fp_len = 1024,
                           .fp_hash = 0xdeadbeefcafef00dull,
                           .tail_len = 256,
                           .tail_hash = 42};
    cr_assert_eq(ckpt_put(&c, &e), 0);
    e.path = "odd name\n%\xff";
    e.offset = 3;
    e.tail_len = 3;
    cr_assert_eq(ckpt_put(&c, &e), 0);
    return c;
}

Test(checkpoint, round_trip)
{
    struct ckpt c = sample();
    char *buf;
    size_t len;
    cr_assert_eq(ckpt_serialize(&c, &buf, &len), 0);
    struct ckpt d = {0};
    size_t bad = 0;
    cr_assert_eq(ckpt_parse(buf, len, &d, &bad), 0, "bad line %zu:\n%.*s", bad, (int)len, buf);
    cr_assert_eq(d.n, 2);
    struct ckpt_entry *e = ckpt_find(&d, "odd name\n%\xff");
    cr_assert_not_null(e);
    cr_assert_eq(e->offset, 3);
    e = ckpt_find(&d, "/var/log/app.log");
    cr_assert_not_null(e);
    cr_assert_eq(e->fp_hash, 0xdeadbeefcafef00dull);
    cr_assert_eq(e->ino, 1234);
    cr_assert_null(ckpt_find(&d, "/nope"));
    free(buf);
    ckpt_free(&c);
    ckpt_free(&d);
}

Test(checkpoint, put_replaces)
{
    struct ckpt c = sample();
    struct ckpt_entry e = {.path = "/var/log/app.log", .offset = 9};
    cr_assert_eq(ckpt_put(&c, &e), 0);
    cr_assert_eq(c.n, 2);
    cr_assert_eq(ckpt_find(&c, "/var/log/app.log")->offset, 9);
    ckpt_free(&c);
}

static int parse_str(const char *s)
{
    struct ckpt c = {0};
    size_t bad = 0;
    int r = ckpt_parse(s, strlen(s), &c, &bad);
    ckpt_free(&c);
    return r;
}

Test(checkpoint, rejects_damage)
{
    struct ckpt c = sample();
    char *buf;
    size_t len;
    cr_assert_eq(ckpt_serialize(&c, &buf, &len), 0);
    /* Every truncation and every single-byte change is rejected. */
    for (size_t cut = 0; cut < len; cut++) {
        struct ckpt d = {0};
        cr_assert_eq(ckpt_parse(buf, cut, &d, NULL), -EBADMSG, "cut at %zu", cut);
    }
    for (size_t i = 0; i < len; i++) {
        char saved = buf[i];
        buf[i] ^= 0x01;
        struct ckpt d = {0};
        cr_assert_eq(ckpt_parse(buf, len, &d, NULL), -EBADMSG, "flip at %zu", i);
        buf[i] = saved;
    }
    free(buf);
    ckpt_free(&c);
    cr_assert_eq(parse_str(""), -EBADMSG);
    cr_assert_eq(parse_str("atail-state 2\nend 0 0000000000000000\n"), -EBADMSG);
    cr_assert_eq(parse_str("hello"), -EBADMSG);
}

Test(checkpoint, empty_state)
{
    struct ckpt c = {0};
    char *buf;
    size_t len;
    cr_assert_eq(ckpt_serialize(&c, &buf, &len), 0);
    cr_assert_eq(ckpt_parse(buf, len, &c, NULL), 0);
    cr_assert_eq(c.n, 0);
    free(buf);
}

Test(checkpoint, save_and_load)
{
    char dir[] = "/tmp/atail-ckpt-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/state", dir);
    struct ckpt c = sample(), d = {0};
    cr_assert_eq(ckpt_load(path, &d, NULL), 0, "missing file: empty state");
    cr_assert_eq(d.n, 0);
    cr_assert_eq(ckpt_save(path, &c), 0);
    cr_assert_eq(ckpt_load(path, &d, NULL), 0);
    cr_assert_eq(d.n, 2);
    ckpt_free(&c);
    ckpt_free(&d);
    FILE *f = fopen(path, "a");
    fputs("junk\n", f);
    fclose(f);
    size_t bad = 0;
    cr_assert_eq(ckpt_load(path, &d, &bad), -EBADMSG);
    cr_assert_eq(bad, 4);
    unlink(path);
    rmdir(dir);
}

Test(checkpoint, hash_is_fnv1a)
{
    cr_assert_eq(ckpt_hash("", 0), 0xcbf29ce484222325ull);
    cr_assert_eq(ckpt_hash("a", 1), 0xaf63dc4c8601ec8cull);
}
