/*
 * When scheduled jobs run: the cron parser (what it accepts and the
 * sentence it refuses with), and the next run of daily and cron jobs
 * against the real TZ database, on ordinary days and on the days daylight
 * saving begins (a gap) and ends (a fold) in Europe/Rome and
 * America/New_York.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bot/cron.h"
#include "bothive/bothive.h"
#include "testutil.h"

/* Unix ms of a UTC civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static int64_t daily(int h, int mi, const char *tz, int64_t after)
{
    int64_t t = -1;
    ck_assert_int_eq(bh_schedule_daily_next(h, mi, tz, after, &t), BH_OK);
    return t;
}

static int64_t cron(const char *expr, const char *tz, int64_t after)
{
    int64_t t = -1;
    ck_assert_msg(bh_schedule_cron_next(expr, tz, after, &t) == BH_OK, "%s", expr);
    return t;
}

START_TEST(cron_parses_fields_lists_ranges_steps_names)
{
    bh_cron c;

    ck_assert_int_eq(bh_cron_parse("*/15 9-17 * * mon-fri", &c, NULL, 0), BH_OK);
    ck_assert(c.minutes == ((1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45)));
    ck_assert_uint_eq(c.hours, 0x3fe00u);
    ck_assert_uint_eq(c.wdays, 0x3eu);
    ck_assert(c.mday_star && !c.wday_star);
    ck_assert_int_eq(bh_cron_parse("0 0 1,15 JAN-Mar,dec sun,7,Sat", &c, NULL, 0), BH_OK);
    ck_assert_uint_eq(c.mdays, (1u << 1) | (1u << 15));
    ck_assert_uint_eq(c.months, 0xeu | (1u << 12));
    ck_assert_uint_eq(c.wdays, (1u << 0) | (1u << 6));
    ck_assert_int_eq(bh_cron_parse("5/20 1-10/3 * * *", &c, NULL, 0), BH_OK);
    ck_assert(c.minutes == ((1ull << 5) | (1ull << 25) | (1ull << 45)));
    ck_assert_uint_eq(c.hours, (1u << 1) | (1u << 4) | (1u << 7) | (1u << 10));
    ck_assert_int_eq(bh_cron_parse("  @daily ", &c, NULL, 0), BH_OK);
    ck_assert(c.minutes == 1 && c.hours == 1);
}
END_TEST

START_TEST(cron_refuses_with_a_sentence)
{
    static const char *const bad[] = {
        "", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
        "* * * 13 *", "* * * * 8", "a * * * *", "1- * * * *", "5-1 * * * *",
        "*/0 * * * *", "1,,2 * * * *", "1, * * * *", ",1 * * * *", "* * * foo *",
        "*/x * * * *", "1-2-3 * * * *", "@sometimes", "99999999999 * * * *",
    };
    char err[160];
    bh_cron c;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(bh_cron_parse(bad[i], &c, err, sizeof err) == BH_EINVAL, "%s", bad[i]);
        ck_assert_msg(strncmp(err, "cron ", 5) == 0, "%s: %s", bad[i], err);
        ck_assert_int_eq(bh_schedule_cron_check(bad[i], NULL, 0), BH_EINVAL);
    }
    bh_cron_parse("61 * * * *", &c, err, sizeof err);
    ck_assert_ptr_nonnull(strstr(err, "minute"));
    bh_cron_parse("* * * * 9", &c, err, sizeof err);
    ck_assert_ptr_nonnull(strstr(err, "day of week"));
    ck_assert_int_eq(bh_cron_parse(NULL, &c, NULL, 0), BH_EINVAL);
}
END_TEST

START_TEST(cron_next_in_utc)
{
    /* Saturday 2026-12-05 10:00: the next working-hours quarter is Monday. */
    ck_assert_int_eq(cron("*/15 9-17 * * mon-fri", NULL, utc(2026, 12, 5, 10, 0)),
                     utc(2026, 12, 7, 9, 0));
    ck_assert_int_eq(cron("*/15 9-17 * * mon-fri", "UTC", utc(2026, 12, 7, 9, 0)),
                     utc(2026, 12, 7, 9, 15));
    /* Strictly after: a time on the match itself gives the next match. */
    ck_assert_int_eq(cron("* * * * *", NULL, utc(2026, 12, 7, 9, 0) + 1),
                     utc(2026, 12, 7, 9, 1));
    ck_assert_int_eq(cron("0 0 29 2 *", NULL, utc(2026, 1, 1, 0, 0)), utc(2028, 2, 29, 0, 0));
    /* Both day fields restricted: either matches (Tuesday the 1st, then Monday the 7th). */
    ck_assert_int_eq(cron("0 12 1 * 1", NULL, utc(2026, 12, 1, 13, 0)), utc(2026, 12, 7, 12, 0));
    ck_assert_int_eq(cron("0 12 1 * 1", NULL, utc(2026, 11, 30, 13, 0)), utc(2026, 12, 1, 12, 0));
    ck_assert_int_eq(cron("@yearly", NULL, utc(2026, 6, 1, 0, 0)), utc(2027, 1, 1, 0, 0));
    int64_t t;
    ck_assert_int_eq(bh_schedule_cron_next("0 0 30 2 *", NULL, 0, &t), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_cron_next("0 0 * * *", NULL, 0, NULL), BH_EINVAL);
}
END_TEST

START_TEST(daily_in_zones_on_ordinary_days)
{
    /* 17:00 in Rome is 15:00 UTC in summer, 16:00 in winter. */
    ck_assert_int_eq(daily(17, 0, "Europe/Rome", utc(2026, 7, 1, 8, 0)), utc(2026, 7, 1, 15, 0));
    ck_assert_int_eq(daily(17, 0, "Europe/Rome", utc(2026, 7, 1, 15, 0)), utc(2026, 7, 2, 15, 0));
    ck_assert_int_eq(daily(17, 0, "Europe/Rome", utc(2026, 12, 1, 8, 0)), utc(2026, 12, 1, 16, 0));
    ck_assert_int_eq(daily(9, 30, "America/New_York", utc(2026, 1, 10, 20, 0)),
                     utc(2026, 1, 11, 14, 30));
    ck_assert_int_eq(daily(0, 0, NULL, utc(2026, 1, 10, 20, 0)), utc(2026, 1, 11, 0, 0));
}
END_TEST

/* Rome springs forward on 2026-03-29 at 02:00 CET (01:00 UTC) to 03:00. */
START_TEST(daily_in_a_gap_runs_once_at_its_end)
{
    int64_t t = daily(2, 30, "Europe/Rome", utc(2026, 3, 28, 12, 0));

    ck_assert_int_eq(t, utc(2026, 3, 29, 1, 0));
    ck_assert_int_eq(daily(2, 30, "Europe/Rome", t), utc(2026, 3, 30, 0, 30));
    /* New York: 2026-03-08 02:00 EST (07:00 UTC) jumps to 03:00 EDT. */
    t = daily(2, 30, "America/New_York", utc(2026, 3, 7, 12, 0));
    ck_assert_int_eq(t, utc(2026, 3, 8, 7, 0));
    ck_assert_int_eq(daily(2, 30, "America/New_York", t), utc(2026, 3, 9, 6, 30));
    /* A time just outside the gap is untouched. */
    ck_assert_int_eq(daily(3, 0, "America/New_York", utc(2026, 3, 7, 12, 0)),
                     utc(2026, 3, 8, 7, 0));
    ck_assert_int_eq(daily(1, 59, "America/New_York", utc(2026, 3, 7, 12, 0)),
                     utc(2026, 3, 8, 6, 59));
}
END_TEST

/* Rome falls back on 2026-10-25 at 03:00 CEST (01:00 UTC) to 02:00 CET:
 * 02:30 happens at 00:30 UTC and again at 01:30 UTC; it runs at the first. */
START_TEST(daily_in_a_fold_runs_once_at_its_first_pass)
{
    int64_t t = daily(2, 30, "Europe/Rome", utc(2026, 10, 24, 12, 0));

    ck_assert_int_eq(t, utc(2026, 10, 25, 0, 30));
    ck_assert_int_eq(daily(2, 30, "Europe/Rome", t), utc(2026, 10, 26, 1, 30));
    /* New York: 2026-11-01 02:00 EDT (06:00 UTC) goes back to 01:00 EST. */
    t = daily(1, 30, "America/New_York", utc(2026, 10, 31, 12, 0));
    ck_assert_int_eq(t, utc(2026, 11, 1, 5, 30));
    ck_assert_int_eq(daily(1, 30, "America/New_York", t), utc(2026, 11, 2, 6, 30));
}
END_TEST

START_TEST(cron_across_daylight_saving)
{
    /* Every half hour in New York on the night of the gap: 01:30 EST, then
     * 02:00 and 02:30 (which do not exist) once at 03:00 EDT, then 03:30. */
    int64_t t = cron("*/30 * * * *", "America/New_York", utc(2026, 3, 8, 6, 15));
    ck_assert_int_eq(t, utc(2026, 3, 8, 6, 30));
    ck_assert_int_eq(t = cron("*/30 * * * *", "America/New_York", t), utc(2026, 3, 8, 7, 0));
    ck_assert_int_eq(t = cron("*/30 * * * *", "America/New_York", t), utc(2026, 3, 8, 7, 30));
    /* The fold: 01:30 runs at its first pass only, the next is 02:00 EST. */
    t = cron("30 1,2 * * *", "America/New_York", utc(2026, 11, 1, 4, 0));
    ck_assert_int_eq(t, utc(2026, 11, 1, 5, 30));
    ck_assert_int_eq(cron("30 1,2 * * *", "America/New_York", t), utc(2026, 11, 1, 7, 30));
}
END_TEST

START_TEST(unknown_zones_are_refused)
{
    int64_t t;
    static const char *const bad[] = {"Mars/Olympus", "../../etc/passwd", "/etc/localtime",
                                      "Europe/Rome; rm", "Europe"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(bh_schedule_daily_next(1, 0, bad[i], 0, &t) == BH_EINVAL, "%s", bad[i]);
    ck_assert_int_eq(bh_schedule_daily_next(24, 0, NULL, 0, &t), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_daily_next(0, 60, NULL, 0, &t), BH_EINVAL);
    /* The process's own zone is left as it was. */
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    daily(1, 0, "Europe/Rome", 0);
    ck_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
    unsetenv("TZ");
    daily(1, 0, "Europe/Rome", 0);
    ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_schedule_time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, cron_parses_fields_lists_ranges_steps_names);
    tcase_add_test(tc, cron_refuses_with_a_sentence);
    tcase_add_test(tc, cron_next_in_utc);
    tcase_add_test(tc, daily_in_zones_on_ordinary_days);
    tcase_add_test(tc, daily_in_a_gap_runs_once_at_its_end);
    tcase_add_test(tc, daily_in_a_fold_runs_once_at_its_first_pass);
    tcase_add_test(tc, cron_across_daylight_saving);
    tcase_add_test(tc, unknown_zones_are_refused);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
