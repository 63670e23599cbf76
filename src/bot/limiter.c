/*
 * The bot's side of the client's limiter (bh_limiter in telegram.h): the
 * client, which knows no store, asks here before each send and reports
 * each 429; this file answers with the store-backed rate limiter, so the
 * flood limits and 429 pauses are shared by every process of the bot (and
 * every host, with a redis:// store).
 */
#include <stdio.h>

#include "bothive/log.h"
#include "internal.h"

bh_ratelimit *bh_bot_ratelimit_of(bh_bot *bot)
{
    char id[64];
    int rc;

    if (bot->rl || bot->rl_opts.disabled || !bot->store)
        return bot->rl;
    snprintf(id, sizeof id, "bothive.ratelimit:%lld", (long long)bot->id);
    if ((rc = bh_shared_open(bot->store, id, &bot->rl_mem)) != BH_OK ||
        (rc = bh_ratelimit_new(&bot->rl, bot->rl_mem, &bot->rl_opts)) != BH_OK)
        bh_log(BH_LOG_WARN, "bot %lld: sending without rate limits: %s", (long long)bot->id,
               bh_strerror(rc));
    return bot->rl;
}

/* Before a send: the shared limits (groups, with negative ids, have the
 * per-group limit too). */
static int limiter_wait(void *arg, const char *method, int64_t chat_id)
{
    bh_ratelimit *rl = bh_bot_ratelimit_of(arg);
    (void)method;
    return rl ? bh_ratelimit_wait(rl, chat_id, chat_id < 0, -1) : BH_OK;
}

/* After a 429: every process waits out retry_after. */
static void limiter_paused(void *arg, const char *method, int64_t chat_id, int retry_after)
{
    bh_ratelimit *rl = bh_bot_ratelimit_of(arg);
    int rc;
    (void)chat_id;
    if (rl && (rc = bh_ratelimit_pause(rl, retry_after)) != BH_OK)
        bh_log(BH_LOG_WARN, "%s: the 429 pause is not shared: %s", method, bh_strerror(rc));
}

void bh_bot_limiter_install(bh_bot *bot, bh_client *c)
{
    bh_limiter l = {limiter_wait, limiter_paused, bot};
    bh_client_set_limiter(c, &l);
}
