/*
 * The runner's respawn delay (bh_respawn_delay in src/runner/supervise.c):
 * the first crash is replaced at once, crashes in a row wait longer and
 * longer up to a cap, and a quiet minute forgets them. Times are given, not
 * read from a clock. The last worker alive, killed by an update, is
 * replaced at once whatever the backoff says.
 */
#include <check.h>

#include "runner/internal.h"
#include "testutil.h"

#define T0 1000000 /* any monotonic time but 0 (0 means "no crash yet") */

static bh_respawn respawn(int64_t initial_ms, int64_t max_ms)
{
    return (bh_respawn){.b = {.initial_ms = initial_ms, .max_ms = max_ms}};
}

START_TEST(the_first_crash_respawns_at_once)
{
    bh_respawn r = respawn(100, 10000);
    ck_assert_int_eq(bh_respawn_delay(&r, T0), 0);
}
END_TEST

START_TEST(crashes_in_a_row_double_the_delay_up_to_the_cap)
{
    static const int64_t want[] = {0, 100, 200, 400, 800, 1000, 1000, 1000};
    bh_respawn r = respawn(100, 1000);
    int64_t now = T0;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int64_t d = bh_respawn_delay(&r, now);
        ck_assert_int_eq(d, want[i]);
        now += d + 10; /* the replacement crashes soon after it starts */
    }
}
END_TEST

START_TEST(a_quiet_minute_forgets_the_crashes)
{
    bh_respawn r = respawn(100, 10000);
    int64_t now = T0;
    for (int i = 0; i < 5; i++)
        now += bh_respawn_delay(&r, now) + 1;
    ck_assert_int_gt(r.b.cur_ms, 100);
    now += BH_RESPAWN_QUIET_MS + 1;
    ck_assert_int_eq(bh_respawn_delay(&r, now), 0);
    ck_assert_int_eq(bh_respawn_delay(&r, now + 1), 100);
}
END_TEST

/* Exactly a minute is not quiet enough: the limit is "more than". */
START_TEST(a_minute_exactly_is_not_quiet)
{
    bh_respawn r = respawn(100, 10000);
    ck_assert_int_eq(bh_respawn_delay(&r, T0), 0);
    ck_assert_int_eq(bh_respawn_delay(&r, T0 + 1), 100);
    ck_assert_int_eq(bh_respawn_delay(&r, T0 + 1 + BH_RESPAWN_QUIET_MS), 200);
}
END_TEST

/* Each slot kind has its own backoff: the master keeps one for the workers
 * and one for the updaters. */
START_TEST(two_backoffs_are_independent)
{
    bh_respawn w = respawn(100, 10000), u = respawn(100, 10000);
    bh_respawn_delay(&w, T0);
    bh_respawn_delay(&w, T0 + 1);
    bh_respawn_delay(&w, T0 + 2);
    ck_assert_int_eq(bh_respawn_delay(&u, T0 + 3), 0);
    ck_assert_int_eq(bh_respawn_delay(&w, T0 + 3), 400);
}
END_TEST

/* The last worker, killed by an update, is replaced at once however many
 * crashes came before; the crashes still count for the others. */
START_TEST(the_last_worker_is_replaced_at_once)
{
    bh_respawn r = respawn(100, 10000);
    int64_t now = T0;
    for (int i = 0; i < 8; i++, now += 10)
        ck_assert_int_eq(bh_respawn_worker_delay(&r, now, 0, 1), 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, now, 1, 1), 10000);
}
END_TEST

/* A worker that died idle (at its start, say) keeps the backoff even when
 * it was the last: respawning it at once would spin. */
START_TEST(a_last_worker_dead_idle_keeps_the_backoff)
{
    bh_respawn r = respawn(100, 10000);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0, 0, 0), 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 1, 0, 0), 100);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 2, 0, 0), 200);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_respawn");
    TCase *tc = tcase_create("respawn");
    tcase_add_test(tc, the_first_crash_respawns_at_once);
    tcase_add_test(tc, crashes_in_a_row_double_the_delay_up_to_the_cap);
    tcase_add_test(tc, a_quiet_minute_forgets_the_crashes);
    tcase_add_test(tc, a_minute_exactly_is_not_quiet);
    tcase_add_test(tc, two_backoffs_are_independent);
    tcase_add_test(tc, the_last_worker_is_replaced_at_once);
    tcase_add_test(tc, a_last_worker_dead_idle_keeps_the_backoff);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
