/*
 * The time index of scheduled jobs: so that a look at the due jobs reads
 * the jobs of the last hour, not every job of the bot.
 *
 * Time is cut in minutes; minute k's entries live in the memory
 * "bothive.schedule.<bot id>#due:<k mod BH_SCHED_RING>" (a ring of one
 * day, so the index is at most that many memories), one key per job
 * name, whose value is k itself (so an entry of another lap of the ring
 * is told apart). A record names its minute in its "slot" field: the
 * minute of its next step (due when pending, until when running), or of
 * the time it was written if that is later (a job scheduled in the past
 * runs now).
 *
 * The record is the truth, the index a hint, kept with the same
 * discipline as the records: a writer adds the new entry before it swaps
 * the record, and drops the old one (by compare-and-swap on its value)
 * after. A crash in between leaves an extra entry, never a missing one; an
 * entry whose record disagrees is stale, and a look drops it once it is a
 * minute old (younger, its writer may be between its two writes). What a
 * crash or a race could still hide from the index (a record written by an
 * older version, a look that came over an hour late) is found by the full
 * walk of the first look after each start, which also indexes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "bothive/log.h"
#include "internal.h"
#include "schedule_priv.h"

int64_t bh_sched_minute_of(const bh_sched_rec *r, int64_t now)
{
    int64_t at = r->running ? r->until : r->due;
    return (at > now ? at : now) / BH_SCHED_SLOT_MS;
}

/* The ring memory of minute k (cached for the process). */
static int bh_sched_ring(bh_bot *bot, int64_t k, bh_shared **out)
{
    char id[96];

    snprintf(id, sizeof id, "bothive.schedule.%lld#due:%lld", (long long)bot->id,
             (long long)(k % BH_SCHED_RING));
    return bh_bot_memory_named(bot, id, out);
}

int bh_sched_index_add(bh_bot *bot, const char *name, int64_t k)
{
    bh_shared *m;
    int rc;

    if (k <= 0)
        return BH_OK;
    if ((rc = bh_sched_ring(bot, k, &m)) != BH_OK)
        return rc;
    return bh_shared_set_int(m, name, k);
}

void bh_sched_index_drop(bh_bot *bot, const char *name, int64_t k)
{
    bh_value was = bh_value_int(k);
    bh_shared *m;

    /* An entry another writer has set meanwhile (to its own minute) is
     * theirs: the swap fails and it stays. */
    if (k > 0 && bh_sched_ring(bot, k, &m) == BH_OK)
        bh_shared_cas(m, name, &was, NULL);
}

/* Appends "job:<name>" and k to the candidates. */
static int bh_sched_cand_add(bh_sched_cands *c, const char *name, int64_t k)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        char **keys = realloc(c->keys, cap * sizeof *keys);
        int64_t *slots = keys ? realloc(c->slots, cap * sizeof *slots) : NULL;
        if (keys)
            c->keys = keys;
        if (!slots)
            return BH_ENOMEM;
        c->slots = slots;
        c->cap = cap;
    }
    if (asprintf(&c->keys[c->n], BH_SCHEDULE_KEY_PREFIX "%s", name) < 0)
        return BH_ENOMEM;
    c->slots[c->n++] = k;
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

/* The entries of ring memory m whose minute is at most upto (due now, or
 * missed); the later ones only lower *later (0: none seen). */
static int bh_sched_ring_due(bh_shared *m, int64_t upto, bh_sched_cands *c, int64_t *later)
{
    bh_cursor *cur;
    const char *name;
    int rc, bad = BH_OK;

    if ((rc = bh_cursor_open(m, &cur)) != BH_OK)
        return rc;
    /* The cursor's key stays valid until its next call. */
    while (bad == BH_OK && bh_cursor_next(cur, &name) == BH_OK) {
        int64_t k;
        if (bh_shared_get_int(m, name, &k) != BH_OK)
            continue; /* gone meanwhile */
        if (k <= upto)
            bad = bh_sched_cand_add(c, name, k);
        else if (!*later || k < *later)
            *later = k;
    }
    bh_cursor_close(cur);
    return bad;
}

int bh_sched_index_due(bh_bot *bot, int64_t now, bh_sched_cands *c)
{
    int64_t now_k = now / BH_SCHED_SLOT_MS, later = 0;
    bh_shared *m;
    int rc;

    for (int64_t k = now_k - BH_SCHED_BACK; k <= now_k; k++) {
        if ((rc = bh_sched_ring(bot, k, &m)) != BH_OK ||
            (rc = bh_sched_ring_due(m, now_k, c, &later)) != BH_OK)
            return rc;
    }
    return BH_OK;
}

/*
 * The first minute after now's with an entry of its own lap: the next
 * look's time. The ring's other laps give the earliest later minute when
 * no minute of this lap has one. Reads only entries (one integer each),
 * not records: a stale entry costs at most one look too early.
 */
int64_t bh_sched_index_next(bh_bot *bot, int64_t now)
{
    int64_t now_k = now / BH_SCHED_SLOT_MS, later = 0;
    bh_sched_cands c = {0};
    bh_shared *m;

    for (int64_t k = now_k + 1; k <= now_k + BH_SCHED_RING; k++) {
        int64_t lap_later = 0;
        if (bh_sched_ring(bot, k, &m) != BH_OK || bh_sched_ring_due(m, k, &c, &lap_later))
            break;
        if (lap_later && (!later || lap_later < later))
            later = lap_later;
        for (size_t i = 0; i < c.n; i++)
            if (c.slots[i] == k) {
                bh_sched_cands_free(&c);
                return k * BH_SCHED_SLOT_MS;
            }
        bh_sched_cands_free(&c);
    }
    bh_sched_cands_free(&c);
    return later * BH_SCHED_SLOT_MS;
}

/* Indexes the record stored under key if its entry is missing. */
static void bh_sched_repair_one(bh_bot *bot, bh_shared *jobs, const char *key)
{
    char *text = NULL;
    bh_sched_rec r;
    int64_t k = 0;
    bh_shared *ring;

    if (bh_sched_stored_get(jobs, key, &text) != BH_OK)
        return;
    if (bh_sched_rec_parse(text, &r) == BH_OK) {
        int64_t want = r.slot ? r.slot : bh_sched_minute_of(&r, bh_clock_wall_ms());
        if (bh_sched_ring(bot, want, &ring) == BH_OK &&
            (bh_shared_get_int(ring, r.name, &k) != BH_OK || k != want))
            bh_sched_index_add(bot, r.name, want);
        bh_sched_rec_free(&r);
    }
    free(text);
}

int bh_sched_index_repair(bh_bot *bot, bh_shared *jobs, char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bh_sched_repair_one(bot, jobs, keys[i]);
    return BH_OK;
}
