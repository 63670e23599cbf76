/*
 * The time index of scheduled jobs: so that a look at the due jobs reads
 * the jobs of the last hour, not every job of the bot.
 *
 * Time is cut in minutes. In the memory "bothive.schedule.<bot id>#due",
 * minute k has a counter "<k>#n" and entries "<k>:<i>" (i from 1 to the
 * counter) whose value is a job's name: a minute's entries are read by
 * gets, never by a walk of the memory. An entry's position, k << 24 | i,
 * is written in the record it stands for ("slot"): the minute of the
 * record's next step (due when pending, until when running), or of the
 * time it was written if that is later (a job scheduled in the past runs
 * now).
 *
 * The record is the truth, the index a hint, kept with the same
 * discipline as the records: a writer adds a new entry (a fresh position
 * no one else writes) before it swaps the record, and deletes the old one
 * after. A crash in between leaves an extra entry, never a missing one; an
 * entry whose record is gone or names another position is stale, and a
 * look deletes it once its minute is over BH_SCHED_STALE_MS old (younger,
 * its writer may be between its two writes); a cancel deletes its own.
 *
 * No entry is left behind by a late look: the store keeps a watermark,
 * the minute before which every entry has been handled ("mark", moved
 * forward only, by compare-and-swap, after a look has handled all it
 * read). A look reads the last hour and, when the watermark is behind it,
 * a stretch of BH_SCHED_CATCHUP minutes from the watermark, and asks for
 * another look at once while it is still behind: bounded work per look, and
 * a job due days before a look (a suspended machine, every worker busy, a
 * clock jump) still runs, once. A crash before the watermark moves only
 * makes the next look read the same minutes again (a run is claimed once
 * however often its entry is read). The watermark trusts one thing: that
 * a writer publishes its record within an hour of reading the clock for
 * its entry's minute (the hour a look always reads). What could still hide
 * from the index (a record written by an older version) is found by the
 * full walk of the first look after each start, which also indexes it and
 * then moves the watermark to the hour before it began.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/grow.h"
#include "bothive/log.h"
#include "internal.h"
#include "schedule_priv.h"

#define BH_SCHED_POS_MASK (((int64_t)1 << BH_SCHED_POS_BITS) - 1)

int64_t bh_sched_minute_of(const bh_sched_rec *r, int64_t now)
{
    int64_t at = r->running ? r->until : r->due;
    return (at > now ? at : now) / BH_SCHED_SLOT_MS;
}

/* The index memory (cached for the process). */
static int bh_sched_index_memory(bh_bot *bot, bh_shared **out)
{
    char id[80];

    snprintf(id, sizeof id, "bothive.schedule.%lld#due", (long long)bot->id);
    return bh_bot_memory_named(bot, id, out);
}

int bh_sched_index_add(bh_bot *bot, const char *name, int64_t k, int64_t *pos)
{
    char key[48];
    bh_shared *m;
    int64_t i;
    int rc;

    if ((rc = bh_sched_index_memory(bot, &m)) != BH_OK)
        return rc;
    snprintf(key, sizeof key, "%lld#n", (long long)k);
    if ((rc = bh_shared_incr(m, key, 1, &i)) != BH_OK)
        return rc;
    i &= BH_SCHED_POS_MASK;
    snprintf(key, sizeof key, "%lld:%lld", (long long)k, (long long)i);
    if ((rc = bh_shared_set_str(m, key, name)) == BH_OK)
        *pos = k << BH_SCHED_POS_BITS | i;
    return rc;
}

void bh_sched_index_drop(bh_bot *bot, int64_t pos)
{
    char key[48];
    bh_shared *m;

    if (pos <= 0 || bh_sched_index_memory(bot, &m) != BH_OK)
        return;
    snprintf(key, sizeof key, "%lld:%lld", (long long)(pos >> BH_SCHED_POS_BITS),
             (long long)(pos & BH_SCHED_POS_MASK));
    bh_shared_delete(m, key);
}

/* Appends "job:<name>" and its position to the candidates. */
static int bh_sched_cand_add(bh_sched_cands *c, const char *name, int64_t pos)
{
    /* Both arrays grow to the same capacity; c->cap moves once both did. */
    size_t kcap = c->cap, scap = c->cap;
    char **keys = bh_grow(c->keys, &kcap, c->n + 1, sizeof *keys, 32);
    if (!keys)
        return BH_ENOMEM;
    c->keys = keys;
    int64_t *slots = bh_grow(c->slots, &scap, c->n + 1, sizeof *slots, 32);
    if (!slots)
        return BH_ENOMEM;
    c->slots = slots;
    c->cap = kcap;
    if (asprintf(&c->keys[c->n], BH_SCHEDULE_KEY_PREFIX "%s", name) < 0)
        return BH_ENOMEM;
    c->slots[c->n++] = pos;
    return BH_OK;
}

void bh_sched_cands_free(bh_sched_cands *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->keys[i]);
    free(c->keys);
    free(c->slots);
    memset(c, 0, sizeof *c);
}

/* The entries of minute k into c (NULL: only counts them), and how many
 * there are. A minute long past with none left loses its counter (a
 * writer now writes minutes from its own, at most a moment old). */
static int bh_sched_minute(bh_shared *m, int64_t k, int64_t now_k, bh_sched_cands *c,
                           size_t *live)
{
    char key[48], *name;
    int64_t n = 0;
    int rc = BH_OK;

    *live = 0;
    snprintf(key, sizeof key, "%lld#n", (long long)k);
    if (bh_shared_get_int(m, key, &n) != BH_OK)
        return BH_OK;
    for (int64_t i = 1; i <= n && i <= BH_SCHED_POS_MASK && rc == BH_OK; i++) {
        snprintf(key, sizeof key, "%lld:%lld", (long long)k, (long long)i);
        if (bh_shared_get_str(m, key, &name) != BH_OK)
            continue;
        (*live)++;
        if (c)
            rc = bh_sched_cand_add(c, name, k << BH_SCHED_POS_BITS | i);
        free(name);
    }
    if (!*live && k < now_k - 2) {
        bh_value was = bh_value_int(n);
        snprintf(key, sizeof key, "%lld#n", (long long)k);
        bh_shared_cas(m, key, &was, NULL);
    }
    return rc;
}

/* The watermark: minutes before it have been swept (int "mark"); -1 when
 * the store has none yet. */
static int64_t bh_sched_mark_get(bh_shared *m)
{
    int64_t k;
    return bh_shared_get_int(m, BH_SCHED_MARK_KEY, &k) == BH_OK ? k : -1;
}

/*
 * The look reads the last BH_SCHED_BACK minutes, always (a writer a
 * moment slow is within them), and, when the watermark is behind them
 * (no look for over an hour: busy workers, a suspended machine, a clock
 * jump), at most BH_SCHED_CATCHUP minutes from the watermark on; sw->upto
 * is where the watermark may move once the look has handled them, and
 * sw->behind says that more remains for the next look.
 */
int bh_sched_index_due(bh_bot *bot, int64_t now, bh_sched_cands *c, bh_sched_sweep *sw)
{
    int64_t now_k = now / BH_SCHED_SLOT_MS, recent = now_k - BH_SCHED_BACK;
    bh_shared *m;
    size_t live;
    int rc;

    if ((rc = bh_sched_index_memory(bot, &m)) != BH_OK)
        return rc;
    sw->mark = bh_sched_mark_get(m);
    sw->upto = recent;
    if (sw->mark >= 0 && sw->mark < recent) {
        sw->upto = sw->mark + BH_SCHED_CATCHUP < recent ? sw->mark + BH_SCHED_CATCHUP : recent;
        for (int64_t k = sw->mark; k < sw->upto && rc == BH_OK; k++)
            rc = bh_sched_minute(m, k, now_k, c, &live);
    }
    sw->behind = sw->upto < recent;
    for (int64_t k = recent; k <= now_k && rc == BH_OK; k++)
        rc = bh_sched_minute(m, k, now_k, c, &live);
    return rc;
}

/* Moves the watermark forward to upto, never back: whoever moved it
 * further swept what lies before (a lost race is someone else's move). */
int bh_sched_index_mark(bh_bot *bot, int64_t upto)
{
    bh_shared *m;
    int64_t was;
    int rc;

    if ((rc = bh_sched_index_memory(bot, &m)) != BH_OK)
        return rc;
    bh_value want = bh_value_int(upto);
    for (int tries = 0; tries < 8; tries++) {
        if ((was = bh_sched_mark_get(m)) >= upto)
            return BH_OK;
        bh_value cur = bh_value_int(was);
        rc = bh_shared_cas(m, BH_SCHED_MARK_KEY, was < 0 ? NULL : &cur, &want);
        if (rc != BH_ECONFLICT && rc != BH_ENOTFOUND && rc != BH_EEXISTS)
            return rc;
    }
    return BH_ECONFLICT;
}

/*
 * The first minute after now's with an entry: the next look's time. Only
 * a day ahead is read; with jobs beyond it only, the next look is a day
 * later, and reads the following day. A stale entry costs at most one
 * look too early. 0 when the bot has no job at all.
 */
int64_t bh_sched_index_next(bh_bot *bot, bh_shared *jobs, int64_t now)
{
    int64_t now_k = now / BH_SCHED_SLOT_MS;
    size_t live = 0, n = 0;
    bh_shared *m;

    if (bh_shared_len(jobs, &n) != BH_OK || n == 0 || bh_sched_index_memory(bot, &m) != BH_OK)
        return 0;
    for (int64_t k = now_k + 1; k <= now_k + BH_SCHED_RING; k++)
        if (bh_sched_minute(m, k, now_k, NULL, &live) == BH_OK && live)
            return k * BH_SCHED_SLOT_MS;
    return (now_k + BH_SCHED_RING + 1) * BH_SCHED_SLOT_MS;
}

/* Whether the entry at pos holds name. */
static int bh_sched_entry_is(bh_bot *bot, int64_t pos, const char *name)
{
    char key[48], *v = NULL;
    bh_shared *m;
    int is;

    if (pos <= 0 || bh_sched_index_memory(bot, &m) != BH_OK)
        return 0;
    snprintf(key, sizeof key, "%lld:%lld", (long long)(pos >> BH_SCHED_POS_BITS),
             (long long)(pos & BH_SCHED_POS_MASK));
    is = bh_shared_get_str(m, key, &v) == BH_OK && !strcmp(v, name);
    free(v);
    return is;
}

/* Indexes the record stored under key if its entry is missing: a new
 * entry, then the record swapped to name it (a writer that changed the
 * record meanwhile indexed it itself). */
static void bh_sched_repair_one(bh_bot *bot, bh_shared *jobs, const char *key)
{
    char *text = NULL, *fixed = NULL;
    bh_sched_rec r;

    if (bh_sched_stored_get(jobs, key, &text) != BH_OK)
        return;
    if (bh_sched_rec_parse(text, &r) == BH_OK) {
        if (!bh_sched_entry_is(bot, r.slot, r.name) &&
            bh_sched_index_add(bot, r.name, bh_sched_minute_of(&r, bh_clock_wall_ms()),
                               &r.slot) == BH_OK &&
            (fixed = bh_sched_rec_encode(&r))) {
            bh_value was = bh_value_bytes(text, bh_sched_stored_len(text));
            bh_value now = bh_value_bytes(fixed, bh_sched_stored_len(fixed));
            if (bh_shared_cas(jobs, key, &was, &now) == BH_OK)
                bh_log(BH_LOG_INFO, "job %s: added to the time index", r.name);
        }
        bh_sched_rec_free(&r);
    }
    free(fixed);
    free(text);
}

int bh_sched_index_repair(bh_bot *bot, bh_shared *jobs, char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bh_sched_repair_one(bot, jobs, keys[i]);
    return BH_OK;
}
