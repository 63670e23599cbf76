/*
 * The rate limiter shared by every worker: GCRA state (one TAT per key) in
 * a memory of the store, so that all processes of a bot together respect
 * Telegram's limits (about 30 messages/s overall, 1/s per chat, 20/min per
 * group).
 *
 * All keys of one decision are read and written under one named lock, so
 * the reservation for the chat, the group and the global limit is atomic;
 * the lock is held for a few store operations, never while sleeping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/sleep.h"
#include "bothive/log.h"
#include "bothive/bot.h"
#include "gcra.h"

#define BH_RL_LOCK "bothive.ratelimit"
#define BH_RL_LOCK_TIMEOUT_MS 10000

struct bh_ratelimit {
    bh_shared *m;
    int disabled;
    int64_t global_us, chat_us, group_us; /* emission intervals */
    int global_burst, chat_burst, group_burst;
};

/* Interval of a rate, rounded up so that `rate` sends fit in the period. */
static int64_t bh_rl_interval(double per_period, double period_us)
{
    int64_t t = (int64_t)(period_us / per_period);
    if ((double)t * per_period < period_us)
        t++;
    return t > 0 ? t : 1;
}

int bh_ratelimit_new(bh_ratelimit **out, bh_shared *m, const bh_ratelimit_options *opt)
{
    bh_ratelimit_options o = {0};
    bh_ratelimit *rl;

    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if (!m)
        return BH_EINVAL;
    if (opt)
        o = *opt;
    if (o.global_per_sec < 0 || o.chat_per_sec < 0 || o.group_per_min < 0 || o.global_burst < 0 ||
        o.chat_burst < 0 || o.group_burst < 0)
        return BH_EINVAL;
    rl = calloc(1, sizeof *rl);
    if (!rl)
        return BH_ENOMEM;
    rl->m = m;
    rl->disabled = o.disabled;
    rl->global_us = bh_rl_interval(o.global_per_sec ? o.global_per_sec : 30, 1e6);
    rl->chat_us = bh_rl_interval(o.chat_per_sec ? o.chat_per_sec : 1, 1e6);
    rl->group_us = bh_rl_interval(o.group_per_min ? o.group_per_min : 20, 60e6);
    rl->global_burst = o.global_burst ? o.global_burst : 1;
    rl->chat_burst = o.chat_burst ? o.chat_burst : 3;
    rl->group_burst = o.group_burst ? o.group_burst : 3;
    *out = rl;
    return BH_OK;
}

void bh_ratelimit_free(bh_ratelimit *rl)
{
    free(rl);
}

/* Reads a TAT; an absent (or expired) key is a key never seen. */
static int bh_rl_get(bh_shared *m, const char *key, int64_t *tat)
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
static int bh_rl_put(bh_shared *m, const char *key, int64_t tat, int64_t now)
{
    bh_value v = bh_value_int(tat);
    int64_t ttl_ms = (tat - now) / 1000 + 1000;
    return bh_shared_put(m, key, &v, 0, ttl_ms > 0 ? ttl_ms : 1000);
}

#define BH_RL_PAUSE "rl:pause"

int bh_ratelimit_pause(bh_ratelimit *rl, int retry_after_s)
{
    int64_t now, until, cur = 0;
    int rc;
    if (!rl || retry_after_s <= 0)
        return BH_EINVAL;
    if (rl->disabled)
        return BH_OK;
    rc = bh_lock_acquire(rl->m, BH_RL_LOCK, BH_RL_LOCK_TIMEOUT_MS);
    if (rc == BH_EABANDONED)
        rc = BH_OK;
    if (rc != BH_OK)
        return rc;
    now = bh_clock_wall_us();
    until = now + (int64_t)retry_after_s * 1000000;
    /* Two 429s at once: the later end wins, a pause is never shortened. */
    if ((rc = bh_rl_get(rl->m, BH_RL_PAUSE, &cur)) == BH_OK && cur < until)
        rc = bh_rl_put(rl->m, BH_RL_PAUSE, until, now);
    bh_lock_release(rl->m, BH_RL_LOCK);
    return rc;
}

int bh_ratelimit_wait(bh_ratelimit *rl, int64_t chat_id, int is_group, int64_t max_wait_ms)
{
    char kchat[48], kgroup[48];
    int64_t now, tg = 0, tc = 0, tr = 0, at, pause = 0;
    int rc;

    if (!rl)
        return BH_EINVAL;
    if (rl->disabled)
        return BH_OK;
    snprintf(kchat, sizeof kchat, "rl:chat:%lld", (long long)chat_id);
    snprintf(kgroup, sizeof kgroup, "rl:group:%lld", (long long)chat_id);

    rc = bh_lock_acquire(rl->m, BH_RL_LOCK, BH_RL_LOCK_TIMEOUT_MS);
    if (rc == BH_EABANDONED)
        rc = BH_OK; /* the state is a few integers, each written whole */
    if (rc != BH_OK)
        return rc;
    /* The wall clock: the state may be shared by processes that do not
     * share a boot (file: stores) or a host (redis:); gcra.c forgives a
     * clock that jumped back. */
    now = bh_clock_wall_us();
    if ((rc = bh_rl_get(rl->m, "rl:global", &tg)) != BH_OK ||
        (rc = bh_rl_get(rl->m, kchat, &tc)) != BH_OK ||
        (is_group && (rc = bh_rl_get(rl->m, kgroup, &tr)) != BH_OK) ||
        (rc = bh_rl_get(rl->m, BH_RL_PAUSE, &pause)) != BH_OK)
        goto out;

    /* The send goes when every limit allows it, and not before the end of
     * a pause a 429 imposed on any process of the bot. */
    at = bh_gcra_allowed_at(tg, now, rl->global_us, rl->global_burst);
    if (pause > at)
        at = pause;
    int64_t a = bh_gcra_allowed_at(tc, now, rl->chat_us, rl->chat_burst);
    if (a > at)
        at = a;
    if (is_group) {
        a = bh_gcra_allowed_at(tr, now, rl->group_us, rl->group_burst);
        if (a > at)
            at = a;
    }
    if (max_wait_ms >= 0 && at - now > max_wait_ms * 1000) {
        rc = BH_ETIMEDOUT; /* nothing reserved */
        goto out;
    }
    if ((rc = bh_rl_put(rl->m, "rl:global", bh_gcra_after(tg, at, rl->global_us, rl->global_burst, now), now)) != BH_OK ||
        (rc = bh_rl_put(rl->m, kchat, bh_gcra_after(tc, at, rl->chat_us, rl->chat_burst, now), now)) != BH_OK ||
        (is_group && (rc = bh_rl_put(rl->m, kgroup, bh_gcra_after(tr, at, rl->group_us, rl->group_burst, now), now)) != BH_OK))
        goto out;
out:
    bh_lock_release(rl->m, BH_RL_LOCK);
    if (rc != BH_OK)
        return rc;
    /* Sleep outside the lock until the reserved slot, rounded up to the
     * next millisecond: never early. */
    int64_t left_us = at - bh_clock_wall_us();
    return left_us > 0 ? bh_sleep_ms((left_us + 999) / 1000, NULL) : BH_OK;
}
