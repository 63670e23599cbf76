/*
 * The runner's ledger (src/runner/ledger.c): the offset that may be
 * confirmed to Telegram is the lowest update still unfinished, and each
 * update is received once, however often it is delivered. Ordered ids come
 * from getUpdates, unordered ones from a webhook.
 */
#include <check.h>
#include <stdlib.h>

#include "bothive/error.h"
#include "runner/internal.h"
#include "testutil.h"

static bh_ledger l;

static void setup(void)
{
    ck_assert_int_eq(bh_ledger_init(&l), BH_OK);
}

static void teardown(void)
{
    bh_ledger_free(&l);
}

START_TEST(empty_ledger_confirms_nothing)
{
    ck_assert_int_eq(bh_ledger_offset(&l), 0);
    ck_assert_int_eq(l.next, 0);
    bh_ledger_finish(&l, 5); /* nothing open: ignored */
    ck_assert_int_eq(bh_ledger_offset(&l), 0);
}
END_TEST

START_TEST(an_open_update_holds_the_offset)
{
    ck_assert_int_eq(bh_ledger_receive(&l, 100, 1), BH_LEDGER_NEW);
    ck_assert_int_eq(bh_ledger_offset(&l), 100);
    ck_assert_int_eq(l.next, 101);
    bh_ledger_finish(&l, 100);
    ck_assert_int_eq(bh_ledger_offset(&l), 101);
}
END_TEST

START_TEST(the_offset_is_the_lowest_unfinished)
{
    for (int64_t id = 1; id <= 5; id++)
        ck_assert_int_eq(bh_ledger_receive(&l, id, 1), BH_LEDGER_NEW);
    bh_ledger_finish(&l, 3);
    ck_assert_int_eq(bh_ledger_offset(&l), 1);
    bh_ledger_finish(&l, 1);
    ck_assert_int_eq(bh_ledger_offset(&l), 2);
    bh_ledger_finish(&l, 2); /* 3 is done already: the offset passes it */
    ck_assert_int_eq(bh_ledger_offset(&l), 4);
    bh_ledger_finish(&l, 5);
    ck_assert_int_eq(bh_ledger_offset(&l), 4);
    bh_ledger_finish(&l, 4);
    ck_assert_int_eq(bh_ledger_offset(&l), 6);
}
END_TEST

START_TEST(finishing_twice_or_an_unknown_id_changes_nothing)
{
    bh_ledger_receive(&l, 10, 1);
    bh_ledger_receive(&l, 11, 1);
    bh_ledger_finish(&l, 12);
    bh_ledger_finish(&l, 9);
    ck_assert_int_eq(bh_ledger_offset(&l), 10);
    bh_ledger_finish(&l, 11);
    bh_ledger_finish(&l, 11);
    ck_assert_int_eq(bh_ledger_offset(&l), 10);
    bh_ledger_finish(&l, 10);
    ck_assert_int_eq(bh_ledger_offset(&l), 12);
}
END_TEST

START_TEST(ordered_redeliveries_are_seen)
{
    ck_assert_int_eq(bh_ledger_receive(&l, 7, 1), BH_LEDGER_NEW);
    ck_assert_int_eq(bh_ledger_receive(&l, 7, 1), BH_LEDGER_SEEN);
    ck_assert_int_eq(bh_ledger_receive(&l, 8, 1), BH_LEDGER_NEW);
    /* getUpdates ids only grow: anything below the highest is a repeat,
     * finished or not */
    bh_ledger_finish(&l, 7);
    ck_assert_int_eq(bh_ledger_receive(&l, 7, 1), BH_LEDGER_SEEN);
    ck_assert_int_eq(bh_ledger_receive(&l, 3, 1), BH_LEDGER_SEEN);
    ck_assert_int_eq(bh_ledger_offset(&l), 8);
}
END_TEST

START_TEST(gaps_between_ids_do_not_hold_the_offset)
{
    bh_ledger_receive(&l, 10, 1);
    bh_ledger_receive(&l, 20, 1);
    bh_ledger_receive(&l, 1000, 1);
    bh_ledger_finish(&l, 10);
    ck_assert_int_eq(bh_ledger_offset(&l), 20);
    bh_ledger_finish(&l, 20);
    ck_assert_int_eq(bh_ledger_offset(&l), 1000);
    bh_ledger_finish(&l, 1000);
    ck_assert_int_eq(bh_ledger_offset(&l), 1001);
}
END_TEST

/* Far more open ids than the first allocation: the list grows, and the
 * offset stays right while they finish in any order. */
START_TEST(many_open_ids_grow_the_list)
{
    enum { N = 20000 };
    for (int64_t id = 1; id <= N; id++)
        ck_assert_int_eq(bh_ledger_receive(&l, id, 1), BH_LEDGER_NEW);
    ck_assert_uint_ge(l.cap, N);
    for (int64_t id = N; id >= 2; id--) {
        bh_ledger_finish(&l, id);
        ck_assert_int_eq(bh_ledger_offset(&l), 1);
    }
    bh_ledger_finish(&l, 1);
    ck_assert_int_eq(bh_ledger_offset(&l), N + 1);
    ck_assert_uint_eq(l.len, 0); /* an empty list starts over */
}
END_TEST

/* A long run with a few updates in flight at any time: the finished ids at
 * the front are reused, so the list stays small. */
START_TEST(a_long_run_reuses_the_list)
{
    for (int64_t id = 1; id <= 100000; id++) {
        ck_assert_int_eq(bh_ledger_receive(&l, id, 1), BH_LEDGER_NEW);
        if (id > 3)
            bh_ledger_finish(&l, id - 3);
        ck_assert_int_eq(bh_ledger_offset(&l), id > 3 ? id - 2 : 1);
    }
    ck_assert_uint_le(l.cap, 256);
}
END_TEST

/* Webhook ids come in any order: duplicates are found by the set alone,
 * nothing is open, so the offset is simply past the highest id. */
START_TEST(unordered_ids_any_order)
{
    static const int64_t ids[] = {50, 10, 30, 20, 40};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        ck_assert_int_eq(bh_ledger_receive(&l, ids[i], 0), BH_LEDGER_NEW);
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        ck_assert_int_eq(bh_ledger_receive(&l, ids[i], 0), BH_LEDGER_SEEN);
    ck_assert_int_eq(bh_ledger_receive(&l, 25, 0), BH_LEDGER_NEW);
    ck_assert_int_eq(l.next, 51);
    ck_assert_int_eq(bh_ledger_offset(&l), 51);
    ck_assert_uint_eq(l.len, 0);
}
END_TEST

/* The set remembers at least the last 32768 ids however many come; the
 * oldest may be forgotten. */
START_TEST(unordered_set_remembers_the_recent_ids)
{
    enum { N = 200000, KEEP = 32768 };
    for (int64_t id = 1; id <= N; id++)
        ck_assert_int_eq(bh_ledger_receive(&l, id, 0), BH_LEDGER_NEW);
    for (int64_t id = N - KEEP + 1; id <= N; id++)
        ck_assert_int_eq(bh_ledger_receive(&l, id, 0), BH_LEDGER_SEEN);
    /* the first ids have been forgotten (the set is bounded) */
    ck_assert_int_eq(bh_ledger_receive(&l, 1, 0), BH_LEDGER_NEW);
}
END_TEST

START_TEST(two_ledgers_are_independent)
{
    bh_ledger other;
    ck_assert_int_eq(bh_ledger_init(&other), BH_OK);
    bh_ledger_receive(&l, 5, 1);
    ck_assert_int_eq(bh_ledger_receive(&other, 5, 1), BH_LEDGER_NEW);
    bh_ledger_finish(&other, 5);
    ck_assert_int_eq(bh_ledger_offset(&l), 5);
    ck_assert_int_eq(bh_ledger_offset(&other), 6);
    bh_ledger_free(&other);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_ledger");
    TCase *tc = tcase_create("ledger");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, empty_ledger_confirms_nothing);
    tcase_add_test(tc, an_open_update_holds_the_offset);
    tcase_add_test(tc, the_offset_is_the_lowest_unfinished);
    tcase_add_test(tc, finishing_twice_or_an_unknown_id_changes_nothing);
    tcase_add_test(tc, ordered_redeliveries_are_seen);
    tcase_add_test(tc, gaps_between_ids_do_not_hold_the_offset);
    tcase_add_test(tc, many_open_ids_grow_the_list);
    tcase_add_test(tc, a_long_run_reuses_the_list);
    tcase_add_test(tc, unordered_ids_any_order);
    tcase_add_test(tc, unordered_set_remembers_the_recent_ids);
    tcase_add_test(tc, two_ledgers_are_independent);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
