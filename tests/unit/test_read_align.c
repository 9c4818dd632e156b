/* Unit tests for where reads land (src/file.c, file_read_slot): every read
 * goes into a page-aligned buffer at the offset within a page of the file
 * offset it reads, with the partial line kept right before it. Bytes stay
 * contiguous in the buffer, so every LINE or DATA event's bytes sit at
 * their file offset's place within a page: (data - offset) % FILE_PAGE is
 * 0 whatever the partial line's length, the read size or the chunking.
 * The same runs check that the lines cut across those places are the
 * file's bytes, exactly. Real files and pipes in a temp directory. */
#include <atail.h>

#include "file.h"
#include "scratch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

TestSuite(read_align, .init = setup, .fini = teardown, .timeout = 60);

Test(read_align, slot_is_the_first_place_after_the_kept_bytes_in_step_with_the_file)
{
    for (uint64_t pos = 0; pos < 3 * FILE_PAGE; pos += 7) {
        for (size_t used = 0; used < 3 * FILE_PAGE; used += 13) {
            size_t at = file_read_slot(pos, used);
            cr_assert_geq(at, used);
            cr_assert_eq(at % FILE_PAGE, pos % FILE_PAGE);
            cr_assert_lt(at - used, FILE_PAGE, "pos %lu used %zu: %zu", (unsigned long)pos, used,
                         at);
        }
    }
    cr_assert_eq(file_read_slot((uint64_t)1 << 40, 0), 0);
    cr_assert_eq(file_read_slot(((uint64_t)1 << 40) + 5, 4), 5);
    cr_assert_eq(file_read_slot(((uint64_t)1 << 40) + 5, 6), FILE_PAGE + 5);
}

Test(read_align, buffers_are_page_aligned)
{
    char *b = file_buffer_new(100);
    cr_assert_not_null(b);
    cr_assert_eq((uintptr_t)b % FILE_PAGE, 0);
    free(b);
}

/* Deterministic pseudo-random numbers (xorshift64). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Lines of 0 to 200 bytes, one in 16 of 1,000 to 9,000 (across pages, and
 * longer than a small max_line), the last one without delimiter. */
static char *make_text(size_t len, uint64_t seed)
{
    char *t = malloc(len);
    cr_assert_not_null(t);
    size_t i = 0;
    while (i < len) {
        size_t n = rnd(&seed) % 16 == 0 ? 1000 + rnd(&seed) % 8000 : rnd(&seed) % 201;
        for (size_t k = 0; k < n && i < len; k++, i++)
            t[i] = (char)('a' + (i * 7 + k) % 26);
        if (i < len)
            t[i++] = '\n';
    }
    t[len - 1] = 'z';
    return t;
}

/* What came so far: the events' bytes checked against the text. */
struct got {
    const char *text;
    size_t len;  /* bytes of text accounted for */
    size_t base; /* file offset of text[0] */
    unsigned events;
};

static void check_event(struct got *g, const struct atail_event *ev)
{
    if (ev->kind != ATAIL_EVENT_LINE && ev->kind != ATAIL_EVENT_DATA)
        return;
    g->events++;
    cr_assert_eq(((uintptr_t)ev->data - ev->offset) % FILE_PAGE, 0,
                 "event at offset %lu: bytes at page offset %lu", (unsigned long)ev->offset,
                 (unsigned long)((uintptr_t)ev->data % FILE_PAGE));
    cr_assert_eq(ev->offset, g->base + g->len);
    cr_assert_eq(memcmp(ev->data, g->text + g->len, ev->len), 0, "bytes at %lu differ",
                 (unsigned long)ev->offset);
    g->len += ev->len;
    if (ev->kind == ATAIL_EVENT_LINE && !(ev->flags & (ATAIL_LINE_CUT | ATAIL_LINE_NO_DELIM))) {
        cr_assert_eq(g->text[g->len], '\n');
        g->len++;
    }
}

/* Takes every event up to -EAGAIN or the end; returns atail_next's last
 * return. */
static int take(atail *t, struct got *g)
{
    struct atail_event ev;
    int r;
    while ((r = atail_next(t, &ev)) == 1)
        check_event(g, &ev);
    return r;
}

static atail *open_handle(unsigned flags, size_t read_size, size_t max_line)
{
    struct atail_options o;
    atail_options_init(&o);
    o.flags = flags;
    if (read_size)
        o.read_size = read_size;
    if (max_line)
        o.max_line = max_line;
    atail *t = NULL;
    cr_assert_eq(atail_open(&t, &o), 0);
    return t;
}

static const size_t read_sizes[] = {64, 100, 4095, 4097, 65536, 0};
#define N_READ_SIZES (sizeof read_sizes / sizeof read_sizes[0])
#define TEXT_LEN ((size_t)300 * 1000)

/* Reads the whole file from byte `from`, each read size, lines (with
 * max_line 0: the default, and 300: cut pieces) and spans. */
static void catch_up(const char *text, uint64_t from)
{
    for (size_t i = 0; i < N_READ_SIZES; i++) {
        for (int mode = 0; mode < 3; mode++) {
            unsigned flags = mode == 2 ? ATAIL_OPEN_SPANS : 0;
            atail *t = open_handle(flags, read_sizes[i], mode == 1 ? 300 : 0);
            struct atail_follow_options fo;
            atail_follow_options_init(&fo);
            fo.follow = ATAIL_FOLLOW_NONE;
            fo.start = ATAIL_START_BYTE;
            fo.count = from;
            cr_assert_geq(atail_follow(t, path("f"), &fo), 0);
            struct got g = {.text = text + from, .base = from};
            cr_assert_eq(take(t, &g), 0);
            cr_assert_eq(g.len, TEXT_LEN - from, "read size %zu mode %d: %zu of %zu", read_sizes[i],
                         mode, g.len, TEXT_LEN - (size_t)from);
            atail_close(t);
        }
    }
}

Test(read_align, catch_up_lands_in_step_and_cuts_lines_exactly)
{
    char *text = make_text(TEXT_LEN, 1);
    put_bytes("f", text, TEXT_LEN, O_TRUNC);
    catch_up(text, 0);
    catch_up(text, 1);
    catch_up(text, 4095);
    catch_up(text, 12345);
    free(text);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for news and takes it until `want` bytes are accounted for, for 10
 * s at most (a stream is read once per readiness report: 64 bytes at a
 * time with the smallest read size). */
static void take_until(atail *t, struct got *g, size_t want)
{
    for (int64_t end = now_ms() + 10000; g->len < want && now_ms() < end;) {
        int w = atail_wait(t, 1000);
        cr_assert_geq(w, 0);
        int r = take(t, g);
        cr_assert(r == -EAGAIN || r == 0, "atail_next: %d", r);
    }
    cr_assert_eq(g->len, want, "%zu of %zu bytes", g->len, want);
}

/* Writes the text to fd in chunks of 1 to 20,000 bytes (less when a pipe
 * is full), taking what comes after each. */
static void write_chunks(atail *t, struct got *g, int fd, uint64_t seed)
{
    for (size_t done = 0; done < TEXT_LEN;) {
        size_t n = 1 + rnd(&seed) % 20000;
        if (n > TEXT_LEN - done)
            n = TEXT_LEN - done;
        ssize_t w = write(fd, g->text + done, n);
        cr_assert(w > 0 || errno == EAGAIN);
        if (w > 0)
            done += (size_t)w;
        cr_assert_geq(atail_wait(t, 1000), 0);
        cr_assert_eq(take(t, g), -EAGAIN);
    }
}

/* Writes the text in chunks of 1 to 20,000 bytes, taking what comes after
 * each, to a followed file (reads start anywhere, after partial lines of
 * any length, through the follow path's signature check) or, through_pipe,
 * to a pipe (a stream's reads take what each write put). */
static void chunked(bool through_pipe, unsigned flags, size_t read_size, uint64_t seed)
{
    char *text = make_text(TEXT_LEN, seed);
    atail *t = open_handle(flags, read_size, 300);
    struct atail_follow_options fo;
    atail_follow_options_init(&fo);
    int fd;
    if (through_pipe) {
        int p[2];
        cr_assert_eq(pipe(p), 0);
        cr_assert_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
        cr_assert_eq(atail_follow_fd(t, p[0], "pipe", &fo), 0);
        close(p[0]);
        fd = p[1]; /* closed at the end: the last partial line comes */
    } else {
        text[TEXT_LEN - 1] = '\n'; /* the last line complete: every byte comes */
        put("g", "", O_TRUNC);
        fo.start = ATAIL_START_BEGIN;
        cr_assert_geq(atail_follow(t, path("g"), &fo), 0);
        fd = open(path("g"), O_WRONLY | O_APPEND);
        cr_assert_geq(fd, 0);
    }
    struct got g = {.text = text};
    write_chunks(t, &g, fd, seed);
    close(fd);
    take_until(t, &g, TEXT_LEN);
    atail_close(t);
    free(text);
}

Test(read_align, follow_reads_land_in_step_whatever_the_chunking)
{
    chunked(false, 0, 0, 2);
    chunked(false, 0, 4097, 3);
    chunked(false, ATAIL_OPEN_SPANS, 0, 4);
    chunked(false, ATAIL_OPEN_SPANS, 100, 5);
}

Test(read_align, stream_reads_land_in_step_whatever_the_chunking)
{
    chunked(true, 0, 0, 6);
    chunked(true, 0, 4097, 7);
    chunked(true, ATAIL_OPEN_SPANS, 0, 8);
    chunked(true, ATAIL_OPEN_SPANS, 64, 9);
}
