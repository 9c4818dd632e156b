/* Unit tests for src/held_loss.c: which dropped bytes count at the end. */
#include "held_loss.h"

#include <criterion/criterion.h>
#include <string.h>

static void drop(struct held_loss *h, const char *s, uint64_t lines)
{
    cr_assert_eq(held_loss_drop(h, s, strlen(s), '\n', lines), 0);
}

Test(held_loss, the_start_of_the_first_kept_line)
{
    struct held_loss h = {0};
    drop(&h, "abc", 2);
    drop(&h, "de", 2);
    cr_assert_eq(held_loss_total(&h, 2, 2), 5);
    cr_assert_eq(held_loss_total(&h, 2, 1), 5, "no line was dropped whole");
    held_loss_free(&h);
}

Test(held_loss, whole_lines_count_while_among_the_last)
{
    struct held_loss h = {0};
    drop(&h, "1\nabc", 2); /* "1\n" whole, then the start of a line */
    cr_assert_eq(held_loss_total(&h, 2, 2), 3, "two lines kept: \"1\" is not among the last 2");
    cr_assert_eq(held_loss_total(&h, 2, 1), 5, "one kept: \"1\" is the other of the last 2");
    held_loss_free(&h);
}

Test(held_loss, keeps_the_lengths_of_at_most_n_minus_1_lines)
{
    struct held_loss h = {0};
    drop(&h, "a\nbb\nccc\nd", 3);
    cr_assert_eq(h.n, 2);
    cr_assert_eq(held_loss_total(&h, 3, 1), 1 + 4 + 3, "d's start, then ccc and bb");
    cr_assert_eq(held_loss_total(&h, 3, 3), 1);
    held_loss_free(&h);

    /* Many lines: the ring grows to N-1 and keeps the newest. */
    for (int i = 0; i < 100; i++)
        drop(&h, i % 2 ? "x\n" : "yyy\n", 20);
    cr_assert_eq(h.n, 19);
    cr_assert_eq(held_loss_total(&h, 20, 1), 10 * 2 + 9 * 4, "the last 19: 10 x, 9 yyy");
    held_loss_free(&h);
}

Test(held_loss, a_line_of_its_own_and_no_lines)
{
    struct held_loss h = {0};
    drop(&h, "abc\nde", 1);
    cr_assert_eq(h.n, 0, "with one line kept, a line dropped whole never counts");
    cr_assert_eq(held_loss_total(&h, 1, 1), 2);
    cr_assert_eq(held_loss_total(&h, 0, 0), 0, "-n 0 outputs nothing");
    held_loss_free(&h);
}

Test(held_loss, clear_forgets_everything)
{
    struct held_loss h = {0};
    drop(&h, "a\nbc", 3);
    held_loss_clear(&h);
    cr_assert_eq(held_loss_total(&h, 3, 1), 0);
    drop(&h, "d\ne", 3);
    cr_assert_eq(held_loss_total(&h, 3, 1), 1 + 2);
    held_loss_free(&h);
    cr_assert_null(h.whole);
}
