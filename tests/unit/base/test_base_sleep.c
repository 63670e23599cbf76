/*
 * The base layer's clocks and interruptible sleep (src/base/clock.c,
 * src/base/sleep.c): the clocks agree with the system's, deadlines are
 * normalised timespecs, a sleep never ends early on a signal, and a stop
 * flag ends it within a slice. Only lower bounds of time are exact; upper
 * bounds are loose, for a busy machine.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "base/clock.h"
#include "base/sleep.h"
#include "bothive/error.h"
#include "testutil.h"

START_TEST(clocks_agree_with_the_system)
{
    int64_t a = bh_clock_mono_ms(), b = bh_clock_mono_ms();
    ck_assert_int_ge(b, a);
    ck_assert_int_le(llabs(bh_clock_mono_ms() - bh_test_now_ms()), 1000);
    ck_assert_int_le(llabs(bh_clock_wall_ms() - (int64_t)time(NULL) * 1000), 2000);
    ck_assert_int_le(llabs(bh_clock_wall_us() / 1000 - bh_clock_wall_ms()), 1000);
    /* the coarse clocks are a tick or so behind, never far */
    ck_assert_int_le(llabs(bh_clock_mono_coarse_ms() - bh_clock_mono_ms()), 1000);
    ck_assert_int_le(llabs(bh_clock_wall_coarse_ms() - bh_clock_wall_ms()), 1000);
}
END_TEST

START_TEST(after_ms_is_a_normalised_deadline)
{
    static const int64_t ms[] = {0, 1, 999, 1000, 1001, 123456};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++) {
        int64_t now = bh_clock_mono_ms();
        struct timespec ts = bh_clock_after_ms(ms[i]);
        int64_t at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        ck_assert_int_ge(ts.tv_nsec, 0);
        ck_assert_int_lt(ts.tv_nsec, 1000000000L);
        ck_assert_int_ge(at, now + ms[i]);
        ck_assert_int_le(at, now + ms[i] + 1000);
    }
}
END_TEST

START_TEST(sleeps_the_whole_time)
{
    int64_t t0 = bh_clock_mono_ms();
    ck_assert_int_eq(bh_sleep_ms(250, NULL), BH_OK);
    ck_assert_int_ge(bh_clock_mono_ms() - t0, 250);
    ck_assert_int_eq(bh_sleep_ms(0, NULL), BH_OK);
    ck_assert_int_eq(bh_sleep_ms(-5, NULL), BH_OK);
}
END_TEST

static volatile sig_atomic_t stop, ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

static void on_alarm_stop(int sig)
{
    (void)sig;
    stop = 1;
}

/* Fires handler every ms milliseconds (once when once). */
static void alarm_every(void (*handler)(int), int ms, int once)
{
    struct sigaction sa = {.sa_handler = handler};
    struct itimerval it = {.it_value = {0, ms * 1000}};
    if (!once)
        it.it_interval = it.it_value;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
}

static void alarm_off(void)
{
    struct itimerval it = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
    signal(SIGALRM, SIG_DFL);
}

/* Signals that set no flag do not shorten the sleep. */
START_TEST(signals_do_not_end_it_early)
{
    int64_t t0;

    ticks = 0;
    alarm_every(on_alarm, 20, 0);
    t0 = bh_clock_mono_ms();
    ck_assert_int_eq(bh_sleep_ms(300, &stop), BH_OK);
    ck_assert_int_ge(bh_clock_mono_ms() - t0, 300);
    alarm_off();
    ck_assert_int_gt(ticks, 0);
}
END_TEST

START_TEST(a_stop_flag_already_set_returns_at_once)
{
    int64_t t0 = bh_clock_mono_ms();
    stop = 1;
    ck_assert_int_eq(bh_sleep_ms(10000, &stop), BH_EINTR);
    ck_assert_int_lt(bh_clock_mono_ms() - t0, 1000);
    stop = 0;
}
END_TEST

/* A flag set by a handler while sleeping ends the sleep within a slice
 * (plus scheduling slack). */
START_TEST(a_stop_flag_ends_it_within_a_slice)
{
    int64_t t0, took;

    stop = 0;
    alarm_every(on_alarm_stop, 100, 1);
    t0 = bh_clock_mono_ms();
    ck_assert_int_eq(bh_sleep_ms(20000, &stop), BH_EINTR);
    took = bh_clock_mono_ms() - t0;
    alarm_off();
    ck_assert_int_ge(took, 100);
    ck_assert_int_lt(took, 100 + BH_SLEEP_SLICE_MS + 2000);
    stop = 0;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base_sleep");
    TCase *tc = tcase_create("clock_sleep");
    tcase_add_test(tc, clocks_agree_with_the_system);
    tcase_add_test(tc, after_ms_is_a_normalised_deadline);
    tcase_add_test(tc, sleeps_the_whole_time);
    tcase_add_test(tc, signals_do_not_end_it_early);
    tcase_add_test(tc, a_stop_flag_already_set_returns_at_once);
    tcase_add_test(tc, a_stop_flag_ends_it_within_a_slice);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
