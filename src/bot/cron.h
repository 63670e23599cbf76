/*
 * Cron expressions (private to src/bot/): the five fields of crontab(5),
 * minute hour day-of-month month day-of-week, parsed into bit sets.
 *
 * Each field is a comma-separated list of items; an item is `*`, a value,
 * or a range `a-b`, optionally followed by `/step` (`a/step` runs from a
 * to the field's end). Months take jan..dec, days of the week sun..sat
 * (case-insensitive; also in ranges); day of the week 7 is Sunday as 0 is.
 * The macros @yearly (@annually), @monthly, @weekly, @daily (@midnight)
 * and @hourly stand for their usual expressions. As in Vixie cron, when
 * both day fields are restricted (neither starts with `*`), a day matches
 * if either matches.
 */
#ifndef BH_BOT_CRON_H
#define BH_BOT_CRON_H

#include <stddef.h>
#include <stdint.h>

typedef struct bh_cron {
    uint64_t minutes;   /* bit m: minute m, 0..59 */
    uint32_t hours;     /* bit h: 0..23 */
    uint32_t mdays;     /* bit d: 1..31 */
    uint16_t months;    /* bit m: 1..12 */
    uint8_t wdays;      /* bit w: 0..6, Sunday 0 */
    uint8_t mday_star;  /* the day-of-month field started with `*` */
    uint8_t wday_star;  /* the day-of-week field started with `*` */
} bh_cron;

/* The longest expression accepted, in bytes. */
#define BH_CRON_MAX 256

/*
 * Parses expr into *out. On failure, when err is not NULL, a sentence
 * naming the field and what is wrong with it is written there (errlen
 * bytes at most, NUL-terminated). Errors: BH_EINVAL (NULL expr or out, not
 * five fields, a bad value, range or step, a field that matches nothing,
 * longer than BH_CRON_MAX).
 */
int bh_cron_parse(const char *expr, bh_cron *out, char *err, size_t errlen);

/* Whether the civil day (year, month 1..12, day 1..31, weekday 0..6)
 * matches the day fields of c. */
int bh_cron_day_matches(const bh_cron *c, int month, int mday, int wday);

#endif
