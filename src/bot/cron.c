/*
 * The cron expression parser (see cron.h): five fields into bit sets, with
 * every refusal explained in a sentence naming the field.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bothive/error.h"
#include "cron.h"

/* One field's bounds and names. */
typedef struct bh_cron_field {
    const char *what;
    int lo, hi;
    const char *const *names; /* names[i] is lo + i; NULL if none */
} bh_cron_field;

static const char *const bh_cron_months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                             "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const bh_cron_wdays[] = {"sun", "mon", "tue", "wed", "thu", "fri",
                                            "sat", NULL};

static const bh_cron_field bh_cron_fields[5] = {
    {"minute", 0, 59, NULL},
    {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},
    {"month", 1, 12, bh_cron_months},
    {"day of week", 0, 7, bh_cron_wdays},
};

static const struct {
    const char *name, *expr;
} bh_cron_macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static int bh_cron_fail(char *err, size_t errlen, const bh_cron_field *f, const char *why,
                        const char *text, size_t len)
{
    if (err && errlen)
        snprintf(err, errlen, "cron %s%s: %s in \"%.*s\"", f ? f->what : "expression",
                 f ? " field" : "", why, (int)(len > 64 ? 64 : len), text);
    return BH_EINVAL;
}

/* Reads a number or (for fields that have them) a three-letter name at
 * *p, advancing it. 0, or -1 when there is none. */
static int bh_cron_value(const bh_cron_field *f, const char **p, const char *end, int *out)
{
    const char *s = *p;

    if (s < end && isdigit((unsigned char)*s)) {
        int v = 0;
        while (s < end && isdigit((unsigned char)*s) && v <= 1000)
            v = v * 10 + (*s++ - '0');
        *out = v;
        *p = s;
        return 0;
    }
    if (f->names && end - s >= 3) {
        for (int i = 0; f->names[i]; i++) {
            if (!strncasecmp(s, f->names[i], 3) && (end - s == 3 || !isalpha((unsigned char)s[3]))) {
                *out = f->lo + i;
                *p = s + 3;
                return 0;
            }
        }
    }
    return -1;
}

/* One item of a list (`*`, `a`, `a-b`, each with an optional `/step`)
 * into the bits of *set. */
static int bh_cron_item(const bh_cron_field *f, const char *s, const char *end, uint64_t *set,
                        char *err, size_t errlen)
{
    const char *p = s;
    int a = f->lo, b = f->hi, step = 1, ranged = 0;

    if (p < end && *p == '*') {
        p++;
        ranged = 1;
    } else {
        if (bh_cron_value(f, &p, end, &a) < 0)
            return bh_cron_fail(err, errlen, f, "expected a number or a name", s, end - s);
        b = a;
        if (p < end && *p == '-') {
            p++;
            if (bh_cron_value(f, &p, end, &b) < 0)
                return bh_cron_fail(err, errlen, f, "expected the end of the range", s, end - s);
            ranged = 1;
        }
    }
    if (p < end && *p == '/') {
        p++;
        if (bh_cron_value(f, &p, end, &step) < 0 || step < 1 || step > f->hi)
            return bh_cron_fail(err, errlen, f, "bad step", s, end - s);
        if (!ranged)
            b = f->hi; /* a/step: from a to the end */
    }
    if (p != end)
        return bh_cron_fail(err, errlen, f, "unexpected text", s, end - s);
    if (a < f->lo || a > f->hi || b < f->lo || b > f->hi)
        return bh_cron_fail(err, errlen, f, "value out of range", s, end - s);
    if (a > b)
        return bh_cron_fail(err, errlen, f, "range ends before it starts", s, end - s);
    for (int v = a; v <= b; v += step)
        *set |= (uint64_t)1 << v;
    return BH_OK;
}

/* One field (a comma-separated list) into *set. */
static int bh_cron_list(const bh_cron_field *f, const char *s, const char *end, uint64_t *set,
                        char *err, size_t errlen)
{
    int rc;

    *set = 0;
    for (const char *p = s; p <= end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (stop == p)
            return bh_cron_fail(err, errlen, f, "empty item", s, end - s);
        if ((rc = bh_cron_item(f, p, stop, set, err, errlen)) != BH_OK)
            return rc;
        if (!comma)
            break;
        p = comma + 1;
        if (p == end)
            return bh_cron_fail(err, errlen, f, "empty item", s, end - s);
    }
    return BH_OK;
}

/* The expression a macro stands for, or expr itself. */
static const char *bh_cron_expand(const char *expr)
{
    while (*expr == ' ' || *expr == '\t')
        expr++;
    for (size_t i = 0; i < sizeof bh_cron_macros / sizeof bh_cron_macros[0]; i++) {
        size_t n = strlen(bh_cron_macros[i].name);
        if (!strncasecmp(expr, bh_cron_macros[i].name, n) &&
            strspn(expr + n, " \t") == strlen(expr + n))
            return bh_cron_macros[i].expr;
    }
    return expr;
}

/* Stores field k's set into out. */
static void bh_cron_store(bh_cron *out, int k, uint64_t set, int star)
{
    switch (k) {
    case 0: out->minutes = set; break;
    case 1: out->hours = (uint32_t)set; break;
    case 2: out->mdays = (uint32_t)set; out->mday_star = (uint8_t)star; break;
    case 3: out->months = (uint16_t)set; break;
    default:
        if (set & (1u << 7))
            set = (set | 1u) & 0x7f; /* 7 is Sunday too */
        out->wdays = (uint8_t)set;
        out->wday_star = (uint8_t)star;
    }
}

int bh_cron_parse(const char *expr, bh_cron *out, char *err, size_t errlen)
{
    bh_cron c = {0};
    const char *p;
    int k = 0, rc;

    if (err && errlen)
        err[0] = '\0';
    if (!expr || !out)
        return BH_EINVAL;
    if (strlen(expr) > BH_CRON_MAX)
        return bh_cron_fail(err, errlen, NULL, "too long", expr, BH_CRON_MAX);
    p = bh_cron_expand(expr);
    for (;;) {
        uint64_t set;
        p += strspn(p, " \t");
        if (!*p)
            break;
        size_t len = strcspn(p, " \t");
        if (k == 5)
            return bh_cron_fail(err, errlen, NULL, "more than five fields", expr, strlen(expr));
        if ((rc = bh_cron_list(&bh_cron_fields[k], p, p + len, &set, err, errlen)) != BH_OK)
            return rc;
        bh_cron_store(&c, k++, set, *p == '*');
        p += len;
    }
    if (k != 5)
        return bh_cron_fail(err, errlen, NULL, "expected five fields", expr, strlen(expr));
    *out = c;
    return BH_OK;
}

int bh_cron_day_matches(const bh_cron *c, int month, int mday, int wday)
{
    int dm = (c->mdays >> mday) & 1, wm = (c->wdays >> wday) & 1;

    if (!((c->months >> month) & 1))
        return 0;
    if (c->mday_star || c->wday_star)
        return dm && wm;
    return dm || wm;
}
