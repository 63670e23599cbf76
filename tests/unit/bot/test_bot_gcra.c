/*
 * The rate limiter's arithmetic (GCRA), without the store: bursts, steady
 * rate, and a clock that jumped backwards.
 */
#include <check.h>

#include "store/gcra.h"
#include "testutil.h"

#define SEC 1000000LL

/* Simulates callers arriving at `arrive` that each send as soon as allowed;
 * returns the send time of each in out. */
static void simulate(const int64_t *arrive, int n, int64_t interval, int burst, int64_t *out)
{
    int64_t tat = 0;
    for (int i = 0; i < n; i++) {
        int64_t t = bh_gcra_allowed_at(tat, arrive[i], interval, burst);
        tat = bh_gcra_after(tat, t, interval, burst, arrive[i]);
        out[i] = t;
    }
}

START_TEST(test_burst_then_rate)
{
    int64_t arrive[8], sent[8];
    for (int i = 0; i < 8; i++)
        arrive[i] = 100 * SEC;
    simulate(arrive, 8, SEC, 3, sent);
    /* three at once, then one per second */
    ck_assert(sent[0] == 100 * SEC && sent[1] == 100 * SEC && sent[2] == 100 * SEC);
    for (int i = 3; i < 8; i++)
        ck_assert(sent[i] == 100 * SEC + (i - 2) * SEC);
}
END_TEST

START_TEST(test_no_window_exceeds_the_limit)
{
    /* 30/s, burst 1: in any window of one second at most 30 sends (+1 at
     * the closed edge) */
    enum { N = 200 };
    int64_t arrive[N], sent[N];
    for (int i = 0; i < N; i++)
        arrive[i] = 5 * SEC + (i % 7) * 1000; /* a crowd arriving together */
    /* the interval is rounded up, as the limiter does, so that 30 fit in a second */
    simulate(arrive, N, (SEC + 29) / 30, 1, sent);
    for (int i = 0; i < N; i++) {
        int in = 0;
        for (int j = 0; j < N; j++)
            if (sent[j] >= sent[i] && sent[j] < sent[i] + SEC)
                in++;
        ck_assert_int_le(in, 30);
    }
}
END_TEST

START_TEST(test_idle_key_refills)
{
    int64_t tat = 0;
    int64_t t = bh_gcra_allowed_at(tat, 10 * SEC, SEC, 3);
    for (int i = 0; i < 3; i++) {
        t = bh_gcra_allowed_at(tat, 10 * SEC, SEC, 3);
        tat = bh_gcra_after(tat, t, SEC, 3, 10 * SEC);
    }
    ck_assert(bh_gcra_allowed_at(tat, 10 * SEC, SEC, 3) == 11 * SEC);
    /* after 3 idle seconds the whole burst is available again */
    ck_assert(bh_gcra_allowed_at(tat, 13 * SEC, SEC, 3) == 13 * SEC);
}
END_TEST

START_TEST(test_clock_jumped_back_is_forgiven)
{
    int64_t tat = 1000000 * SEC; /* set by a clock far ahead */
    ck_assert(bh_gcra_allowed_at(tat, 10 * SEC, SEC, 1) == 10 * SEC);
    ck_assert(bh_gcra_after(tat, 10 * SEC, SEC, 1, 10 * SEC) == 11 * SEC);
    /* but a legitimately queued future stays */
    ck_assert(bh_gcra_allowed_at(50 * SEC, 10 * SEC, SEC, 1) == 50 * SEC);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tg_gcra");
    TCase *tc = tcase_create("gcra");
    tcase_add_test(tc, test_burst_then_rate);
    tcase_add_test(tc, test_no_window_exceeds_the_limit);
    tcase_add_test(tc, test_idle_key_refills);
    tcase_add_test(tc, test_clock_jumped_back_is_forgiven);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
