/*
 * The runner's done set (src/runner/doneset.c): an update finished but not
 * yet confirmed to Telegram is marked "<source>:<id>" in the memory
 * "bothive.done"; a master that starts on the same store finds the marks
 * and does not run those updates again; a confirmed offset lets the marks
 * below it go. Tested on a mem: store, with the done set closed and opened
 * again as a restarted master would.
 */
#include <check.h>
#include <stdio.h>

#include "bothive/error.h"
#include "bothive/store.h"
#include "runner/internal.h"
#include "testutil.h"

static bh_store *st;
static bh_shared *marks; /* the memory of the marks, as an operator sees it */

static void setup(void)
{
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, BH_DONE_MEMORY, &marks), BH_OK);
}

static void teardown(void)
{
    bh_shared_close(marks);
    bh_store_close(st);
}

static void open_set(bh_doneset *d, int nsources)
{
    ck_assert_int_eq(bh_doneset_open(d, st, nsources), BH_OK);
}

/* Whether the mark of update id of source s is in the store. */
static int marked(int s, int64_t id)
{
    char key[48];
    snprintf(key, sizeof key, "%d:%lld", s, (long long)id);
    int rc = bh_shared_contains(marks, key);
    ck_assert_int_ge(rc, 0);
    return rc;
}

static size_t nmarks(void)
{
    size_t n;
    ck_assert_int_eq(bh_shared_len(marks, &n), BH_OK);
    return n;
}

START_TEST(a_fresh_store_has_nothing_done)
{
    bh_doneset d = {0};
    open_set(&d, 2);
    for (int64_t id = 0; id < 100; id++) {
        ck_assert_int_eq(bh_doneset_before(&d, 0, id), 0);
        ck_assert_int_eq(bh_doneset_before(&d, 1, id), 0);
    }
    bh_doneset_close(&d);
}
END_TEST

START_TEST(marks_are_found_by_the_next_master)
{
    bh_doneset d = {0};
    open_set(&d, 2);
    bh_doneset_mark(&d, 0, 10);
    bh_doneset_mark(&d, 0, 12);
    bh_doneset_mark(&d, 1, 11);
    ck_assert(marked(0, 10) && marked(0, 12) && marked(1, 11));
    /* marks made by this master are not "before" it */
    ck_assert_int_eq(bh_doneset_before(&d, 0, 10), 0);
    bh_doneset_close(&d);

    open_set(&d, 2);
    ck_assert_int_eq(bh_doneset_before(&d, 0, 10), 1);
    ck_assert_int_eq(bh_doneset_before(&d, 0, 12), 1);
    ck_assert_int_eq(bh_doneset_before(&d, 0, 11), 0); /* another source's */
    ck_assert_int_eq(bh_doneset_before(&d, 1, 11), 1);
    ck_assert_int_eq(bh_doneset_before(&d, 1, 10), 0);
    bh_doneset_close(&d);
}
END_TEST

/* Marks come in any order (updates of different chats finish in any
 * order); the lookup does not depend on it. */
START_TEST(many_marks_in_any_order)
{
    bh_doneset d = {0};
    open_set(&d, 1);
    for (int64_t i = 0; i < 2000; i++)
        bh_doneset_mark(&d, 0, (i * 7919) % 2000 * 2); /* even ids, shuffled */
    bh_doneset_close(&d);
    open_set(&d, 1);
    for (int64_t id = 0; id < 4000; id++)
        ck_assert_int_eq(bh_doneset_before(&d, 0, id), id % 2 == 0);
    bh_doneset_close(&d);
}
END_TEST

/* A confirmed offset deletes the marks below it, made by this master or
 * found from an earlier one; those at or above it stay. */
START_TEST(confirmation_lets_the_marks_below_go)
{
    bh_doneset d = {0};
    open_set(&d, 1);
    bh_doneset_mark(&d, 0, 1);
    bh_doneset_mark(&d, 0, 2);
    bh_doneset_close(&d);

    open_set(&d, 1);
    bh_doneset_mark(&d, 0, 3);
    bh_doneset_mark(&d, 0, 5);
    bh_doneset_confirmed(&d, 0, 3);
    ck_assert(!marked(0, 1) && !marked(0, 2));
    ck_assert(marked(0, 3) && marked(0, 5));
    ck_assert_int_eq(bh_doneset_before(&d, 0, 1), 0);
    bh_doneset_confirmed(&d, 0, 6);
    ck_assert_uint_eq(nmarks(), 0);
    bh_doneset_confirmed(&d, 0, 6); /* again: nothing left, nothing fails */
    bh_doneset_close(&d);

    open_set(&d, 1);
    for (int64_t id = 0; id < 10; id++)
        ck_assert_int_eq(bh_doneset_before(&d, 0, id), 0);
    bh_doneset_close(&d);
}
END_TEST

START_TEST(confirmation_is_per_source)
{
    bh_doneset d = {0};
    open_set(&d, 2);
    bh_doneset_mark(&d, 0, 4);
    bh_doneset_mark(&d, 1, 4);
    bh_doneset_confirmed(&d, 1, 100);
    ck_assert(marked(0, 4));
    ck_assert(!marked(1, 4));
    bh_doneset_close(&d);
}
END_TEST

/* The same update marked twice (it cannot happen in the runner, which
 * finishes an update once) leaves one mark, and one confirmation clears it. */
START_TEST(a_duplicate_mark_is_one_mark)
{
    bh_doneset d = {0};
    open_set(&d, 1);
    bh_doneset_mark(&d, 0, 9);
    bh_doneset_mark(&d, 0, 9);
    ck_assert_uint_eq(nmarks(), 1);
    bh_doneset_confirmed(&d, 0, 10);
    ck_assert_uint_eq(nmarks(), 0);
    bh_doneset_close(&d);
}
END_TEST

/* What is in the memory but is not a mark of a known source is left alone:
 * another number of sources, or a key written by hand. */
START_TEST(foreign_keys_are_ignored)
{
    bh_doneset d = {0};
    ck_assert_int_eq(bh_shared_set_int(marks, "7:1", 1), BH_OK);   /* source 7 of 8 */
    ck_assert_int_eq(bh_shared_set_int(marks, "-1:1", 1), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(marks, "note", 1), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(marks, "0:2", 1), BH_OK);
    open_set(&d, 1);
    ck_assert_int_eq(bh_doneset_before(&d, 0, 1), 0);
    ck_assert_int_eq(bh_doneset_before(&d, 0, 2), 1);
    bh_doneset_confirmed(&d, 0, 100);
    ck_assert_uint_eq(nmarks(), 3); /* only 0:2 went */
    bh_doneset_close(&d);
}
END_TEST

/* A done set that could not be opened (the runner goes on without one) is
 * closed, and then every call is a no-op. */
START_TEST(a_closed_set_keeps_nothing)
{
    bh_doneset d = {0};
    open_set(&d, 1);
    bh_doneset_close(&d);
    bh_doneset_mark(&d, 0, 1);
    bh_doneset_confirmed(&d, 0, 5);
    ck_assert_int_eq(bh_doneset_before(&d, 0, 1), 0);
    ck_assert_uint_eq(nmarks(), 0);
    bh_doneset_close(&d); /* twice is fine */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_doneset");
    TCase *tc = tcase_create("doneset");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_fresh_store_has_nothing_done);
    tcase_add_test(tc, marks_are_found_by_the_next_master);
    tcase_add_test(tc, many_marks_in_any_order);
    tcase_add_test(tc, confirmation_lets_the_marks_below_go);
    tcase_add_test(tc, confirmation_is_per_source);
    tcase_add_test(tc, a_duplicate_mark_is_one_mark);
    tcase_add_test(tc, foreign_keys_are_ignored);
    tcase_add_test(tc, a_closed_set_keeps_nothing);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
