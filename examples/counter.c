/*
 * counter: the example of botogram's shared memory, in bothive.
 *
 * Every text message is counted in the bot's shared memory, which a
 * preparer sets to 0 the first time it is needed; /count answers how many
 * messages the bot received. Commands end the chain, so /count itself is
 * not counted. Workers count at once without a lock: incr is atomic.
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 ./counter
 * (BOTHIVE_API_URL points it at the emulator; BOTHIVE_STORE=file:PATH
 * keeps the count across restarts.)
 */
#include <stdio.h>
#include <stdlib.h>

#include <bothive/bothive.h>

static int prepare(bh_shared *m)
{
    return bh_shared_set_int(m, "messages", 0);
}

static int increment(bh_ctx *ctx, const bh_message *msg)
{
    if (!msg->text)
        return BH_CONTINUE;
    return bh_shared_incr(bh_ctx_shared(ctx), "messages", 1, NULL);
}

static int count(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = 0;
    (void)args;
    int rc = bh_shared_get_int(bh_ctx_shared(ctx), "messages", &n);
    if (rc != BH_OK)
        return rc;
    return bh_chat_sendf(ctx, msg->chat.id, "This bot received %lld messages", (long long)n);
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "counter: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "I count the messages I receive.");
    bh_bot_prepare_memory(bot, prepare);
    bh_bot_process_message(bot, increment);
    bh_bot_command(bot, "count", count, "Show the count");
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
