/*
 * Cron expressions, as a bot's author (or its users, through a bot that
 * takes them) may write them: every input is either refused with a
 * sentence, or parsed into non-empty sets within each field's bounds that
 * a canonical list of the same values parses back to; and the next run in
 * UTC of an accepted one is later than the time given and matches it.
 *
 * Input: the expression's text.
 */
#include <stdio.h>
#include <time.h>

#include "bot/cron.h"
#include "bot/schedule_priv.h"
#include "bothive/error.h"
#include "fuzz.h"

#define BH_FUZZ_AFTER_MS ((int64_t)1800000000000)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    return 0;
}

/* Appends set's values in lo..hi as a list of runs ("1-3,5,9") to out: at
 * most about 190 bytes for all five fields, within BH_CRON_MAX. */
static void bh_fuzz_list(char *out, size_t cap, uint64_t set, int lo, int hi)
{
    size_t len = strlen(out);
    int first = 1;

    for (int v = lo; v <= hi; v++) {
        if (!((set >> v) & 1))
            continue;
        int end = v;
        while (end < hi && ((set >> (end + 1)) & 1))
            end++;
        if (end > v)
            len += (size_t)snprintf(out + len, cap - len, "%s%d-%d", first ? "" : ",", v, end);
        else
            len += (size_t)snprintf(out + len, cap - len, "%s%d", first ? "" : ",", v);
        first = 0;
        v = end;
    }
    snprintf(out + len, cap - len, " ");
}

/* The parsed sets are within bounds, and their lists parse back to them. */
static void bh_fuzz_check_sets(const bh_cron *c)
{
    char text[1024] = "";
    bh_cron back;

    BH_FUZZ_ASSERT(c->minutes && c->minutes >> 60 == 0);
    BH_FUZZ_ASSERT(c->hours && c->hours >> 24 == 0);
    BH_FUZZ_ASSERT(c->mdays && !(c->mdays & 1));
    BH_FUZZ_ASSERT(c->months && !(c->months & 1) && c->months >> 13 == 0);
    BH_FUZZ_ASSERT(c->wdays && c->wdays >> 7 == 0);
    bh_fuzz_list(text, sizeof text, c->minutes, 0, 59);
    bh_fuzz_list(text, sizeof text, c->hours, 0, 23);
    bh_fuzz_list(text, sizeof text, c->mdays, 1, 31);
    bh_fuzz_list(text, sizeof text, c->months, 1, 12);
    bh_fuzz_list(text, sizeof text, c->wdays, 0, 6);
    BH_FUZZ_ASSERT(bh_cron_parse(text, &back, NULL, 0) == BH_OK);
    BH_FUZZ_ASSERT(back.minutes == c->minutes && back.hours == c->hours &&
                   back.mdays == c->mdays && back.months == c->months &&
                   back.wdays == c->wdays);
}

/* The next run in UTC is after the time given and matches the fields. */
static void bh_fuzz_check_next(const bh_cron *c)
{
    int64_t t = 0;
    struct tm tm;
    time_t s;

    if (bh_schedule_next_of(c, NULL, BH_FUZZ_AFTER_MS, &t) != BH_OK)
        return; /* no match within the horizon (Feb 30) */
    BH_FUZZ_ASSERT(t > BH_FUZZ_AFTER_MS && t % 60000 == 0);
    s = (time_t)(t / 1000);
    gmtime_r(&s, &tm);
    BH_FUZZ_ASSERT((c->minutes >> tm.tm_min) & 1);
    BH_FUZZ_ASSERT((c->hours >> tm.tm_hour) & 1);
    BH_FUZZ_ASSERT(bh_cron_day_matches(c, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr = bh_fuzz_cstr(data, size), err[128];
    bh_cron c;

    if (!expr)
        return 0;
    memset(err, 'x', sizeof err);
    if (bh_cron_parse(expr, &c, err, sizeof err) == BH_OK) {
        bh_fuzz_check_sets(&c);
        bh_fuzz_check_next(&c);
    } else {
        BH_FUZZ_ASSERT(memchr(err, '\0', sizeof err) && !strncmp(err, "cron ", 5));
    }
    free(expr);
    return 0;
}
