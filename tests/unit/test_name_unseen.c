/* Unit tests for src/name_unseen.c: which deletions at a followed name,
 * counted between two looks, were generations nobody read. */
#include "name_unseen.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static struct stat file_id(ino_t ino)
{
    struct stat st = {0};
    st.st_dev = 1;
    st.st_ino = ino;
    return st;
}

/* A file followed by name, led to file 1 at the first look. */
static struct file named_1(void)
{
    struct file f = {0};
    struct stat one = file_id(1);
    name_unseen_start(&f, &one);
    return f;
}

Test(name_unseen, the_file_seen_deleted_and_replaced_is_no_loss)
{
    struct file f = named_1();
    struct stat two = file_id(2);
    name_unseen_deleted(&f);
    name_unseen_look(&f, &two, -1, true);
    cr_assert_eq(f.lost_count, 0);
    cr_assert(f.named && f.named_ino == 2, "the name's file now");
}

Test(name_unseen, files_deleted_after_the_one_seen_are_lost)
{
    struct file f = named_1();
    struct stat four = file_id(4);
    for (int i = 0; i < 3; i++) /* files 1, 2, 3 */
        name_unseen_deleted(&f);
    name_unseen_look(&f, &four, -1, true);
    cr_assert_eq(f.lost_count, 2, "2 and 3 were never read");
    cr_assert(f.lost && f.lost_at_least && f.lost_bytes == 0, "an unknown amount");
}

Test(name_unseen, a_deletion_while_the_name_still_leads_to_the_file_seen_is_another_file)
{
    struct file f = named_1();
    struct stat one = file_id(1);
    name_unseen_deleted(&f); /* not 1: the name still leads to it */
    name_unseen_look(&f, &one, -1, true);
    cr_assert_eq(f.lost_count, 1);
}

/* A directory at the name, removed, and a file made there that got its
 * inode number (ext4 reuses it at once): not the same file, no loss. */
Test(name_unseen, an_inode_number_reused_by_the_next_file_is_another_file)
{
    struct file f = {0};
    struct stat dir = file_id(1), file = file_id(1);
    dir.st_mode = S_IFDIR | 0755;
    file.st_mode = S_IFREG | 0644;
    name_unseen_start(&f, &dir);
    name_unseen_deleted(&f);
    name_unseen_look(&f, &file, -1, true);
    cr_assert_eq(f.lost_count, 0);

    struct stat later = file; /* the same type, made later */
    later.st_ctim.tv_nsec = 1;
    name_unseen_deleted(&f);
    name_unseen_look(&f, &later, -1, true);
    cr_assert_eq(f.lost_count, 0);
}

Test(name_unseen, a_file_come_and_gone_while_the_name_was_missing_is_lost)
{
    struct file f = {0};
    name_unseen_start(&f, NULL);
    name_unseen_deleted(&f);
    name_unseen_look(&f, NULL, -1, true);
    cr_assert_eq(f.lost_count, 1);
}

/* The look saw file 1 gone before its deletion event was read: nothing is
 * said then, nor when the event comes. */
Test(name_unseen, a_deletion_seen_before_its_event_is_counted_back)
{
    struct file f = named_1();
    struct stat two = file_id(2);
    name_unseen_look(&f, &two, -1, true);
    cr_assert_eq(f.lost_count, 0);
    name_unseen_deleted(&f); /* 1's, late */
    name_unseen_look(&f, &two, -1, true);
    cr_assert_eq(f.lost_count, 0);
    name_unseen_deleted(&f); /* 2's */
    name_unseen_deleted(&f); /* 3's, never read */
    name_unseen_look(&f, NULL, -1, true);
    cr_assert_eq(f.lost_count, 1);
}

/* The file seen renamed away (still linked), then another deleted at the
 * name: that one is lost. */
Test(name_unseen, a_rename_then_a_deletion_loses_the_deleted_file)
{
    char tmpl[] = "/tmp/atail-unseen-XXXXXX";
    int fd = mkstemp(tmpl);
    cr_assert_geq(fd, 0);
    struct file f = named_1();
    struct stat three = file_id(3);
    name_unseen_moved(&f);
    name_unseen_deleted(&f);
    name_unseen_look(&f, &three, fd, true);
    cr_assert_eq(f.lost_count, 1, "the file seen is still linked: it was the one renamed");
    unlink(tmpl);
    close(fd);
}

/* With renames, a file seen that has no link left may have been the one
 * deleted: nothing is said, and no deletion is counted back later. */
Test(name_unseen, when_it_is_not_known_which_file_left_how_nothing_is_said)
{
    char tmpl[] = "/tmp/atail-unseen-XXXXXX";
    int fd = mkstemp(tmpl);
    cr_assert_geq(fd, 0);
    unlink(tmpl); /* no link left */
    struct file f = named_1();
    struct stat three = file_id(3);
    name_unseen_replaced(&f);
    name_unseen_look(&f, &three, fd, true);
    cr_assert_eq(f.lost_count, 0);
    cr_assert_eq(f.name_deletions, 0, "no deletion is owed back");
    name_unseen_deleted(&f);
    name_unseen_deleted(&f);
    name_unseen_look(&f, NULL, -1, true);
    cr_assert_eq(f.lost_count, 1, "3's deletion, then one never read");
    close(fd);
}

/* A file we do not hold, changed at each look (its ctime): it may have
 * left each time, but no more than one deletion is owed back. */
Test(name_unseen, at_most_one_deletion_is_owed_back)
{
    struct file f = {0};
    struct stat st = file_id(1);
    name_unseen_start(&f, &st);
    for (int i = 1; i <= 5; i++) {
        st.st_ctim.tv_nsec = i;
        name_unseen_look(&f, &st, -1, true);
    }
    cr_assert_eq(f.name_deletions, -1);
    name_unseen_deleted(&f);
    name_unseen_deleted(&f);
    name_unseen_look(&f, &st, -1, true);
    cr_assert_eq(f.lost_count, 1);
}

Test(name_unseen, lost_events_make_nothing_owed)
{
    struct file f = named_1();
    struct stat two = file_id(2);
    name_unseen_events_lost(&f);
    name_unseen_look(&f, &two, -1, true);
    name_unseen_deleted(&f);
    name_unseen_deleted(&f);
    name_unseen_look(&f, NULL, -1, true);
    cr_assert_eq(f.lost_count, 1, "2's deletion, then one never read");
}

Test(name_unseen, without_the_directory_s_events_nothing_is_counted)
{
    struct file f = named_1();
    struct stat three = file_id(3);
    name_unseen_deleted(&f);
    name_unseen_deleted(&f);
    name_unseen_look(&f, &three, -1, false);
    cr_assert_eq(f.lost_count, 0);
    cr_assert(f.named && f.named_ino == 3);
}
