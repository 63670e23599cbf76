/*
 * When a daily or cron job is next due: the zone's wall clock, through the
 * TZ database (tzdata) with localtime_r and mktime under the job's zone.
 *
 * A wall time of a day becomes an instant by asking mktime twice, as
 * standard and as summer time, and keeping the answers that read back as
 * that wall time: two in a fold (the first is taken), one on most days,
 * none in a gap (then the instant the gap ends, found by bisection). The
 * days are walked as civil dates, and only the wall times that the cron
 * fields allow are converted, so the search is cheap however far the next
 * match is.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bothive/error.h"
#include "bothive/schedule.h"
#include "cron.h"
#include "schedule_priv.h"

/* How far ahead a cron expression is searched: eight years of days, so
 * that Feb 29 on a given weekday is found. */
#define BH_SCHEDULE_HORIZON_DAYS (8 * 366)
/* The largest change of a zone's offset: wall times this far before the
 * start need not be tried on its first day. */
#define BH_SCHEDULE_SHIFT_MAX_MIN 180

/* Whether zone is a name of the TZ database that is installed: glibc takes
 * an unknown name silently as UTC, so it is checked here. */
int bh_schedule_tz_valid(const char *zone)
{
    const char *dir = getenv("TZDIR");
    char path[PATH_MAX];
    struct stat sb;

    if (!zone || !*zone)
        return 1;
    if (strlen(zone) > BH_SCHEDULE_TZ_MAX || zone[0] == '/' || strstr(zone, ".."))
        return 0;
    if (strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
        strlen(zone))
        return 0;
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The process's TZ while a zone is in force. */
typedef struct bh_tz_scope {
    char *saved;   /* the TZ before, malloc'd; NULL when unset */
} bh_tz_scope;

/* Puts zone (NULL or "": UTC) in force for localtime_r and mktime. The
 * worker is one thread, and the zone is put back before any hook runs. */
static int bh_tz_enter(bh_tz_scope *sc, const char *zone)
{
    const char *old = getenv("TZ");

    if (!bh_schedule_tz_valid(zone))
        return BH_EINVAL;
    sc->saved = NULL;
    if (old && !(sc->saved = strdup(old)))
        return BH_ENOMEM;
    if (setenv("TZ", zone && *zone ? zone : "UTC", 1) != 0) {
        free(sc->saved);
        return BH_ENOMEM;
    }
    tzset();
    return BH_OK;
}

static void bh_tz_leave(bh_tz_scope *sc)
{
    if (sc->saved)
        setenv("TZ", sc->saved, 1);
    else
        unsetenv("TZ");
    free(sc->saved);
    tzset();
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t bh_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The civil date of a day number (the inverse of the above). */
static void bh_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A wall time as minutes since 1970-01-01 00:00 of the same wall clock,
 * so that wall times compare as numbers. */
static int64_t bh_wall_minutes(const struct tm *tm)
{
    return bh_days_from_civil(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) * 1440 +
           tm->tm_hour * 60 + tm->tm_min;
}

static int64_t bh_wall_of(time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm); /* out of range: cannot happen below year 9999 */
    return bh_wall_minutes(&tm);
}

/* mktime of wall minute w as standard (isdst 0) or summer time (1). */
static time_t bh_wall_guess(int64_t w, int isdst)
{
    int y, mo, d;
    bh_civil_from_days(w / 1440, &y, &mo, &d);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = (int)(w % 1440 / 60), .tm_min = (int)(w % 60),
                    .tm_isdst = isdst};
    return mktime(&tm);
}

/*
 * The instant (Unix seconds) of wall minute w in the zone in force: its
 * first pass in a fold; the end of the gap when it falls in one (the first
 * instant whose wall time is not before w).
 */
static time_t bh_wall_to_instant(int64_t w)
{
    time_t g[2] = {bh_wall_guess(w, 0), bh_wall_guess(w, 1)}, best = 0, lo, hi;
    int found = 0;

    for (int k = 0; k < 2; k++)
        if (bh_wall_of(g[k]) == w && (!found || g[k] < best)) {
            best = g[k];
            found = 1;
        }
    if (found)
        return best;
    lo = (g[0] < g[1] ? g[0] : g[1]) - 86400;
    hi = (g[0] > g[1] ? g[0] : g[1]) + 86400;
    while (hi - lo > 1) { /* wall(lo) < w <= wall(hi) */
        time_t mid = lo + (hi - lo) / 2;
        if (bh_wall_of(mid) < w)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The lowest set bit of set at or above from, or -1. */
static int bh_bit_from(uint64_t set, int from)
{
    if (from >= 64)
        return -1;
    set &= ~(uint64_t)0 << from;
    return set ? __builtin_ctzll(set) : -1;
}

/* Tries the wall times of day `day` (days since the epoch) allowed by c,
 * in order, skipping those before wall minute skip_before; 1 with *out when
 * one is after `after` (Unix seconds). */
static int bh_cron_try_day(const bh_cron *c, int64_t day, int64_t skip_before, time_t after,
                           time_t *out)
{
    for (int h = bh_bit_from(c->hours, 0); h >= 0; h = bh_bit_from(c->hours, h + 1)) {
        for (int mi = bh_bit_from(c->minutes, 0); mi >= 0; mi = bh_bit_from(c->minutes, mi + 1)) {
            int64_t w = day * 1440 + h * 60 + mi;
            if (w < skip_before)
                continue;
            time_t t = bh_wall_to_instant(w);
            if (t > after) {
                *out = t;
                return 1;
            }
        }
    }
    return 0;
}

/* The next instant after after_s matching c, with the zone in force. */
static int bh_cron_next_in_zone(const bh_cron *c, time_t after_s, time_t *out)
{
    int64_t start = bh_wall_of(after_s), day0 = start / 1440 - (start < 0 && start % 1440);

    for (int64_t k = -1; k <= BH_SCHEDULE_HORIZON_DAYS; k++) {
        int y, mo, d;
        int64_t day = day0 + k;
        bh_civil_from_days(day, &y, &mo, &d);
        int wday = (int)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
        if (!bh_cron_day_matches(c, mo, d, wday))
            continue;
        if (bh_cron_try_day(c, day, start - BH_SCHEDULE_SHIFT_MAX_MIN, after_s, out))
            return BH_OK;
    }
    return BH_EINVAL;
}

int bh_schedule_next_of(const bh_cron *c, const char *tz, int64_t after_ms, int64_t *out)
{
    bh_tz_scope sc;
    time_t after_s = (time_t)(after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000), t;
    int rc;

    if (!c || !out || after_ms < 0 || after_ms > BH_SCHEDULE_TIME_MAX)
        return BH_EINVAL;
    if ((rc = bh_tz_enter(&sc, tz)) != BH_OK)
        return rc;
    /* An instant is whole seconds: one in the same second as after_ms but
     * past it is not after it in ms, so after_s itself is excluded. */
    rc = bh_cron_next_in_zone(c, after_s, &t);
    bh_tz_leave(&sc);
    if (rc == BH_OK)
        *out = (int64_t)t * 1000;
    return rc;
}

void bh_schedule_daily_cron(int hour, int minute, bh_cron *c)
{
    memset(c, 0, sizeof *c);
    c->minutes = (uint64_t)1 << minute;
    c->hours = (uint32_t)1 << hour;
    c->mdays = 0xfffffffeu;
    c->months = 0x1ffe;
    c->wdays = 0x7f;
    c->mday_star = c->wday_star = 1;
}

int bh_schedule_daily_next(int hour, int minute, const char *tz, int64_t after_ms,
                           int64_t *out)
{
    bh_cron c;

    if (hour < 0 || hour > 23 || minute < 0 || minute > 59)
        return BH_EINVAL;
    bh_schedule_daily_cron(hour, minute, &c);
    return bh_schedule_next_of(&c, tz, after_ms, out);
}

int bh_schedule_cron_next(const char *expr, const char *tz, int64_t after_ms, int64_t *out)
{
    bh_cron c;
    int rc = bh_cron_parse(expr, &c, NULL, 0);

    return rc != BH_OK ? rc : bh_schedule_next_of(&c, tz, after_ms, out);
}

int bh_schedule_cron_check(const char *expr, char *err, size_t errlen)
{
    bh_cron c;
    return bh_cron_parse(expr, &c, err, errlen);
}
