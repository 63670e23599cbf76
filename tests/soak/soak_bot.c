/*
 * The bot the soak runs: the counter example, counting per chat too, so
 * that the soak can check every chat's count and not only the sum.
 *
 *   text "n"          counted: "total" and "c:<chat>" in the bot's memory
 *   text "crash <k>"  the handler crashes (abort) the first time update k
 *                     is handled, before counting; the runner retries it on
 *                     another worker, which counts it
 *   text "ping"       counted, and answered, so that sendMessage meets the
 *                     emulator's 429s and 500s as well as getUpdates
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bothive/bothive.h>

static int prepare(bh_shared *m)
{
    return bh_shared_set_int(m, "total", 0);
}

/* Crashes the worker the first time the marker `k` is seen: the marker key
 * makes the retry (on another worker) go through. */
static void crash_once(bh_shared *m, const char *k)
{
    char key[64];
    int64_t seen = 0;
    snprintf(key, sizeof key, "x:%s", k);
    if (bh_shared_incr(m, key, 1, &seen) == BH_OK && seen == 1)
        abort();
}

static int count(bh_ctx *ctx, const bh_message *msg)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char key[48];
    int rc;

    if (!msg->text)
        return BH_CONTINUE;
    if (!strncmp(msg->text, "crash ", 6))
        crash_once(m, msg->text + 6);
    snprintf(key, sizeof key, "c:%lld", (long long)msg->chat.id);
    if ((rc = bh_shared_incr(m, key, 1, NULL)) != BH_OK)
        return rc;
    if ((rc = bh_shared_incr(m, "total", 1, NULL)) != BH_OK)
        return rc;
    if (!strcmp(msg->text, "ping"))
        bh_chat_sendf(ctx, msg->chat.id, "pong");  /* a failed send is the emulator's fault */
    return BH_OK;
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "soak_bot: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_prepare_memory(bot, prepare);
    bh_bot_process_message(bot, count);
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
