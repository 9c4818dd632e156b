/* Unit tests for src/lines.c: forward skipping and backward tail search. */
#include "lines.h"

#include <criterion/criterion.h>
#include <string.h>

static size_t tail_start(const char *s, uint64_t n)
{
    return lines_tail_start(s, strlen(s), '\n', n, NULL);
}

Test(lines, tail_start_counts_a_final_partial_line)
{
    cr_assert_eq(tail_start("a\nb\nc", 1), 4);
    cr_assert_eq(tail_start("a\nb\nc", 2), 2);
    cr_assert_eq(tail_start("a\nb\nc\n", 1), 4);
    cr_assert_eq(tail_start("a\nb\nc\n", 2), 2);
}

Test(lines, tail_start_edges)
{
    cr_assert_eq(tail_start("", 3), 0);
    cr_assert_eq(tail_start("a\nb\n", 0), 4);
    cr_assert_eq(tail_start("a\nb\n", 5), 0);
    cr_assert_eq(tail_start("\n\n\n", 2), 1);
    cr_assert_eq(tail_start("\n", 1), 0);
}

Test(lines, tail_start_reports_whether_more_was_buffered)
{
    bool whole = true;
    lines_tail_start("a\nb\n", 4, '\n', 2, &whole);
    cr_assert_not(whole);
    lines_tail_start("a\nb\nc\n", 6, '\n', 2, &whole);
    cr_assert(whole);
}

Test(lines, tail_start_with_nul_delimiter)
{
    const char s[] = "a\0b\0c";
    cr_assert_eq(lines_tail_start(s, 5, '\0', 2, NULL), 2);
}

Test(lines, rscan_across_blocks_matches_whole_buffer)
{
    const char *text = "one\ntwo\n\nthree\nfour\nfive";
    size_t len = strlen(text);
    for (uint64_t n = 0; n <= 7; n++) {
        size_t want = lines_tail_start(text, len, '\n', n, NULL);
        for (size_t blk = 1; blk <= len; blk++) {
            struct lines_rscan s;
            lines_rscan_init(&s, n, '\n');
            size_t end = len, got = 0, at;
            bool found = false;
            while (end > 0 && !found) {
                size_t l = end < blk ? end : blk;
                if (lines_rscan_block(&s, text + end - l, l, &at)) {
                    got = end - l + at;
                    found = true;
                }
                end -= l;
            }
            cr_assert_eq(got, want, "n=%lu blk=%zu: got %zu want %zu", (unsigned long)n, blk, got,
                         want);
        }
    }
}

Test(lines, skip_consumes_whole_lines)
{
    uint64_t n = 2;
    cr_assert_eq(lines_skip("a\nbb\nc\n", 7, '\n', &n), 5);
    cr_assert_eq(n, 0);
    n = 3;
    cr_assert_eq(lines_skip("a\nbb", 4, '\n', &n), 4);
    cr_assert_eq(n, 2);
    n = 0;
    cr_assert_eq(lines_skip("a\n", 2, '\n', &n), 0);
}

Test(lines, skip_in_chunks_equals_skip_at_once)
{
    const char *text = "l1\nl2\nl3\nl4\nl5\n";
    size_t len = strlen(text);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        uint64_t n = 3;
        size_t off = 0;
        while (off < len && n > 0) {
            size_t l = len - off < chunk ? len - off : chunk;
            off += lines_skip(text + off, l, '\n', &n);
        }
        cr_assert_eq(off, 9, "chunk %zu", chunk);
    }
}

Test(lines, count_counts_a_final_partial_line)
{
    cr_assert_eq(lines_count("", 0, '\n'), 0);
    cr_assert_eq(lines_count("a", 1, '\n'), 1);
    cr_assert_eq(lines_count("a\n", 2, '\n'), 1);
    cr_assert_eq(lines_count("a\nb", 3, '\n'), 2);
    cr_assert_eq(lines_count("\n\n", 2, '\n'), 2);
    cr_assert_eq(lines_count("a\0b\0", 4, '\0'), 2);
}
