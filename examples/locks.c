/*
 * locks: the lock example of botogram, in bothive.
 *
 * Each chat's messages are counted under a named lock, with a plain read
 * and write (the pattern the lock exists for: a read-modify-write that is
 * not one atomic operation); /count answers the count of that chat.
 */
#include <stdio.h>
#include <stdlib.h>

#include <bothive/bothive.h>

static int increment(bh_ctx *ctx, const bh_message *msg)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char key[32];
    int64_t n = 0;
    int rc;

    if (!msg->text)
        return BH_CONTINUE;
    snprintf(key, sizeof key, "count:%lld", (long long)msg->chat.id);
    rc = bh_lock_acquire(m, "counts", -1);
    if (rc != BH_OK && rc != BH_EABANDONED)
        return rc;
    rc = bh_shared_get_int(m, key, &n);
    if (rc == BH_OK || rc == BH_ENOTFOUND)
        rc = bh_shared_set_int(m, key, n + 1);
    bh_lock_release(m, "counts");
    return rc;
}

static int count(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char key[32];
    int64_t n = 0;
    (void)args;

    snprintf(key, sizeof key, "count:%lld", (long long)msg->chat.id);
    BH_WITH_LOCK(m, "counts")
    {
        if (bh_shared_get_int(m, key, &n) == BH_ENOTFOUND)
            n = 0;
    }
    return bh_chat_sendf(ctx, msg->chat.id, "Number of messages: %lld", (long long)n);
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "locks: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_process_message(bot, increment);
    bh_bot_command(bot, "count", count, "Show this chat's count");
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
