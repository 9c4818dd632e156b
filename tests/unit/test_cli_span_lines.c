/* Unit tests for cli/span_lines.c (compiled in directly): spans cut into
 * the lines the library's line mode gives, whatever the span boundaries:
 * carried partial lines, pieces of long lines, offsets, the flush. */
#include "../../cli/span_lines.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

struct trace {
    char text[4096];
    int stop_after; /* lines before fn returns 1; 0: never */
    int lines;
};

/* Appends "offset:line" and "~" (cut) or "$" (no delimiter) or "|". */
static int record(void *ctx, const struct atail_event *line)
{
    struct trace *tr = ctx;
    size_t n = strlen(tr->text);
    snprintf(tr->text + n, sizeof tr->text - n, "%llu:%.*s%s", (unsigned long long)line->offset,
             (int)line->len, line->data,
             line->flags & ATAIL_LINE_CUT        ? "~"
             : line->flags & ATAIL_LINE_NO_DELIM ? "$"
                                                 : "|");
    return ++tr->lines == tr->stop_after;
}

/* Feeds text in spans of `chunk` bytes (0: whole), then flushes. */
static void cut(const char *text, size_t chunk, size_t max_line, struct trace *tr)
{
    struct span_lines c = {0};
    size_t len = strlen(text);
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t at = 0; at < len; at += chunk) {
        struct atail_event span = {.kind = ATAIL_EVENT_DATA,
                                   .data = text + at,
                                   .len = len - at < chunk ? len - at : chunk,
                                   .offset = at};
        if (span_lines_feed(&c, &span, '\n', max_line, record, tr) != 0) {
            span_lines_free(&c);
            return;
        }
    }
    struct atail_event end = {.kind = ATAIL_EVENT_END};
    span_lines_flush(&c, &end, record, tr);
    span_lines_free(&c);
}

Test(span_lines, lines_offsets_and_the_partial_last_line)
{
    struct trace tr = {0};
    cut("ab\n\ncd\nef", 0, 100, &tr);
    cr_assert_str_eq(tr.text, "0:ab|3:|4:cd|7:ef$");
}

Test(span_lines, long_lines_come_in_pieces)
{
    struct trace tr = {0};
    cut("0123456789\nabcd\n0123\n", 0, 4, &tr);
    cr_assert_str_eq(tr.text, "0:0123~4:4567~8:89|11:abcd|16:0123|");
}

Test(span_lines, a_line_of_exactly_max_line_bytes_waits_for_its_next_byte)
{
    struct trace tr = {0};
    cut("0123456789", 0, 5, &tr);
    cr_assert_str_eq(tr.text, "0:01234~5:56789$");
}

/* Every chunking gives what the whole text gives. */
Test(span_lines, any_chunking_gives_the_same_lines)
{
    const char *texts[] = {"ab\ncd\n\nefghijklmnop\nq", "\n\n\n", "0123456789\nabcd\n0123\n",
                           "abcdefghijklmnopqrstuvwxyz", "x\nyyyy\nzzzzz\n"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        for (size_t max_line = 1; max_line <= 6; max_line++) {
            struct trace whole = {0};
            cut(texts[i], 0, max_line, &whole);
            for (size_t chunk = 1; chunk <= 8; chunk++) {
                struct trace tr = {0};
                cut(texts[i], chunk, max_line, &tr);
                cr_assert_str_eq(tr.text, whole.text, "text %zu, max_line %zu, chunk %zu", i,
                                 max_line, chunk);
            }
        }
    }
}

Test(span_lines, a_stop_drops_the_rest)
{
    struct trace tr = {.stop_after = 2};
    cut("a\nb\nc\n", 0, 100, &tr);
    cr_assert_str_eq(tr.text, "0:a|2:b|");
}
