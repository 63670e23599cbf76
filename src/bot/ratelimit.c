/*
 * The rate limiter shared by every worker: GCRA state (one TAT per key) in
 * a memory of the store, so that all processes of a bot together respect
 * Telegram's limits (about 30 messages/s overall, 1/s per chat, 20/min per
 * group).
 *
 * Each decision is one store operation (bh_shared_rate_take) that charges
 * the chat, the group and the global limit together on the store's clock:
 * with redis:// one script on the server's clock, so that every host
 * shares one limit and one 429 pause whatever its own clock says. The
 * caller then sleeps the span it was given, outside the store.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/sleep.h"
#include "bothive/bot.h"

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

#define BH_RL_PAUSE "rl:pause"

int bh_ratelimit_pause(bh_ratelimit *rl, int retry_after_s)
{
    if (!rl || retry_after_s <= 0)
        return BH_EINVAL;
    if (rl->disabled)
        return BH_OK;
    return bh_shared_rate_pause(rl->m, BH_RL_PAUSE, (int64_t)retry_after_s * 1000000);
}

int bh_ratelimit_wait(bh_ratelimit *rl, int64_t chat_id, int is_group, int64_t max_wait_ms)
{
    char kchat[48], kgroup[48];
    int64_t wait_us = 0;
    int rc;

    if (!rl)
        return BH_EINVAL;
    if (rl->disabled)
        return BH_OK;
    snprintf(kchat, sizeof kchat, "rl:chat:%lld", (long long)chat_id);
    snprintf(kgroup, sizeof kgroup, "rl:group:%lld", (long long)chat_id);
    /* The send goes when every limit allows it, and not before the end of
     * a pause a 429 imposed on any process of the bot. */
    bh_rate_cell cells[3] = {
        {"rl:global", rl->global_us, rl->global_burst},
        {kchat, rl->chat_us, rl->chat_burst},
        {kgroup, rl->group_us, rl->group_burst},
    };
    rc = bh_shared_rate_take(rl->m, cells, is_group ? 3 : 2, BH_RL_PAUSE,
                             max_wait_ms >= 0 ? max_wait_ms * 1000 : -1, &wait_us);
    if (rc != BH_OK)
        return rc;
    /* Rounded up to the next millisecond: never early. */
    return wait_us > 0 ? bh_sleep_ms((wait_us + 999) / 1000, NULL) : BH_OK;
}
