/*
 * Exponential backoff (src/base/backoff.c): initial_ms after a reset, then
 * twice the last delay, never more than max_ms, and no overflow however
 * long it goes on; bh_backoff_nth gives the same sequence without state.
 */
#include <check.h>
#include <stdint.h>

#include "base/backoff.h"
#include "testutil.h"

START_TEST(starts_at_initial_and_doubles)
{
    bh_backoff b = {.initial_ms = 100, .max_ms = 100000};
    ck_assert_int_eq(b.cur_ms, 0);
    ck_assert_int_eq(bh_backoff_next(&b), 100);
    ck_assert_int_eq(bh_backoff_next(&b), 200);
    ck_assert_int_eq(bh_backoff_next(&b), 400);
    ck_assert_int_eq(b.cur_ms, 400);
}
END_TEST

START_TEST(stays_at_the_cap)
{
    bh_backoff b = {.initial_ms = 1000, .max_ms = 30000};
    static const int64_t want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_int_eq(bh_backoff_next(&b), want[i]);
}
END_TEST

/* A cap that is not initial times a power of two is reached exactly. */
START_TEST(an_odd_cap_is_reached_exactly)
{
    bh_backoff b = {.initial_ms = 100, .max_ms = 250};
    ck_assert_int_eq(bh_backoff_next(&b), 100);
    ck_assert_int_eq(bh_backoff_next(&b), 200);
    ck_assert_int_eq(bh_backoff_next(&b), 250);
    ck_assert_int_eq(bh_backoff_next(&b), 250);
}
END_TEST

START_TEST(initial_equal_to_the_cap)
{
    bh_backoff b = {.initial_ms = 500, .max_ms = 500};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(bh_backoff_next(&b), 500);
}
END_TEST

/* An initial delay above the cap is cut to the cap. */
START_TEST(initial_above_the_cap_is_capped)
{
    bh_backoff b = {.initial_ms = 5000, .max_ms = 1000};
    ck_assert_int_eq(bh_backoff_next(&b), 1000);
    ck_assert_int_eq(bh_backoff_next(&b), 1000);
}
END_TEST

START_TEST(reset_starts_over)
{
    bh_backoff b = {.initial_ms = 10, .max_ms = 1000};
    for (int i = 0; i < 20; i++)
        bh_backoff_next(&b);
    ck_assert_int_eq(b.cur_ms, 1000);
    bh_backoff_reset(&b);
    ck_assert_int_eq(b.cur_ms, 0);
    ck_assert_int_eq(bh_backoff_next(&b), 10);
    ck_assert_int_eq(bh_backoff_next(&b), 20);
}
END_TEST

/* Doubling near the top of int64_t must not overflow into a negative or a
 * small delay. */
START_TEST(no_overflow_near_int64_max)
{
    bh_backoff b = {.initial_ms = INT64_MAX / 4 + 1, .max_ms = INT64_MAX};
    ck_assert_int_eq(bh_backoff_next(&b), INT64_MAX / 4 + 1);
    int64_t d = bh_backoff_next(&b);
    ck_assert_int_gt(d, INT64_MAX / 4);
    for (int i = 0; i < 10; i++) {
        int64_t e = bh_backoff_next(&b);
        ck_assert_int_ge(e, d);
        d = e;
    }
    ck_assert_int_eq(d, INT64_MAX);
}
END_TEST

START_TEST(nth_follows_the_same_sequence)
{
    bh_backoff b = {.initial_ms = 100, .max_ms = 10000};
    for (int n = 0; n < 20; n++)
        ck_assert_int_eq(bh_backoff_nth(100, 10000, n), bh_backoff_next(&b));
}
END_TEST

START_TEST(nth_edges)
{
    ck_assert_int_eq(bh_backoff_nth(100, 10000, 0), 100);
    ck_assert_int_eq(bh_backoff_nth(100, 10000, -1), 100); /* no retry yet */
    ck_assert_int_eq(bh_backoff_nth(100, 10000, 1000000), 10000);
    ck_assert_int_eq(bh_backoff_nth(1, INT64_MAX, 200), INT64_MAX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base_backoff");
    TCase *tc = tcase_create("backoff");
    tcase_add_test(tc, starts_at_initial_and_doubles);
    tcase_add_test(tc, stays_at_the_cap);
    tcase_add_test(tc, an_odd_cap_is_reached_exactly);
    tcase_add_test(tc, initial_equal_to_the_cap);
    tcase_add_test(tc, initial_above_the_cap_is_capped);
    tcase_add_test(tc, reset_starts_over);
    tcase_add_test(tc, no_overflow_near_int64_max);
    tcase_add_test(tc, nth_follows_the_same_sequence);
    tcase_add_test(tc, nth_edges);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
