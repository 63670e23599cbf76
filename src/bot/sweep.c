/*
 * The internal sweep: what must happen without an update to trigger it
 * (conversations that time out, scoped memories that expire, dead letters
 * for the error handler). The runner runs it as the bot's last timer,
 * every second, in one worker at a time; it is kept apart from the hooks'
 * timers so that it can move onto scheduled jobs unchanged.
 */
#include "internal.h"

int bh_bot_needs_sweep(const bh_bot *bot)
{
    return bot && (bh_conv_has_timeouts(bot) || bot->chat_expiry_s || bot->user_expiry_s ||
                   bot->on_error);
}

int bh_bot_sweep(bh_bot *bot)
{
    bh_ctx ctx = {.bot = bot};
    int rc, first;

    if ((rc = bh_bot_attached_store(bot)) != BH_OK)
        return rc;
    /* Each part runs even when another failed: one error must not stop
     * the timeouts. */
    first = bh_conv_sweep(&ctx);
    rc = bh_scope_sweep(&ctx);
    first = first < 0 ? first : rc;
    rc = bh_error_deadletters(&ctx);
    return first < 0 ? first : rc;
}
