/*
 * Rate limits (bh_shared_rate_take, bh_shared_rate_pause) for a backend
 * that has no clock of its own (mem:, file:): the host's wall clock, and
 * every key of one decision read and written under one named lock of the
 * memory, held for a few store operations, never while the caller waits.
 * The wall clock, because the state may be shared by processes that do
 * not share a boot (a file: store); gcra.c forgives a clock that jumped
 * back. redis:// decides in one script on the server's clock instead.
 */
#include "backend.h"
#include "base/clock.h"
#include "gcra.h"

#define BH_RATE_LOCK "bothive.rate"
#define BH_RATE_LOCK_TIMEOUT_MS 10000

/* Reads a TAT; an absent (or expired) key is a key never seen. */
static int tat_get(bh_shared *m, const char *key, int64_t *tat)
{
    int rc = bh_shared_get_int(m, key, tat);

    if (rc == BH_ENOTFOUND) {
        *tat = 0;
        return BH_OK;
    }
    return rc;
}

/* Writes a TAT that expires once it no longer limits anything, so that one
 * key per chat ever messaged does not pile up in the store. */
static int tat_put(bh_shared *m, const char *key, int64_t tat, int64_t now)
{
    bh_value v = bh_value_int(tat);
    int64_t ttl_ms = (tat - now) / 1000 + 1000;

    return bh_shared_put(m, key, &v, 0, ttl_ms > 0 ? ttl_ms : 1000);
}

/* The state is a few integers, each written whole: one left by a holder
 * that died is as good as any. */
static int rate_lock(bh_shared *m)
{
    int rc = bh_lock_acquire(m, BH_RATE_LOCK, BH_RATE_LOCK_TIMEOUT_MS);

    return rc == BH_EABANDONED ? BH_OK : rc;
}

/* The slot every cell and the pause allow, into *at; the TATs into tats. */
static int earliest(bh_shared *m, const bh_rate_cell *cells, size_t n, const char *pause_key,
                    int64_t now, int64_t *tats, int64_t *at)
{
    int64_t pause = 0, a;
    int rc;

    *at = now;
    for (size_t i = 0; i < n; i++) {
        if ((rc = tat_get(m, cells[i].key, &tats[i])) != BH_OK)
            return rc;
        a = bh_gcra_allowed_at(tats[i], now, cells[i].interval_us, cells[i].burst);
        if (a > *at)
            *at = a;
    }
    if (pause_key && (rc = tat_get(m, pause_key, &pause)) != BH_OK)
        return rc;
    if (pause > *at)
        *at = pause;
    return BH_OK;
}

int bh_rate_take_locally(bh_shared *m, const bh_rate_cell *cells, size_t n,
                         const char *pause_key, int64_t max_wait_us, int64_t *wait_us)
{
    int64_t tats[BH_RATE_CELLS_MAX], now, at;
    int rc;

    if ((rc = rate_lock(m)) != BH_OK)
        return rc;
    now = bh_clock_wall_us();
    if ((rc = earliest(m, cells, n, pause_key, now, tats, &at)) != BH_OK)
        goto out;
    *wait_us = at - now;
    if (max_wait_us >= 0 && at - now > max_wait_us) {
        rc = BH_ETIMEDOUT; /* nothing reserved */
        goto out;
    }
    for (size_t i = 0; i < n && rc == BH_OK; i++)
        rc = tat_put(m, cells[i].key,
                     bh_gcra_after(tats[i], at, cells[i].interval_us, cells[i].burst, now), now);
out:
    bh_lock_release(m, BH_RATE_LOCK);
    return rc;
}

int bh_rate_pause_locally(bh_shared *m, const char *pause_key, int64_t pause_us)
{
    int64_t now, until, cur = 0;
    int rc;

    if ((rc = rate_lock(m)) != BH_OK)
        return rc;
    now = bh_clock_wall_us();
    until = now + pause_us;
    /* Two 429s at once: the later end wins, a pause is never shortened. */
    if ((rc = tat_get(m, pause_key, &cur)) == BH_OK && cur < until)
        rc = tat_put(m, pause_key, until, now);
    bh_lock_release(m, BH_RATE_LOCK);
    return rc;
}
