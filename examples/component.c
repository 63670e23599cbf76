/*
 * component: a component with its own memory and preparer, used by a bot
 * beside the bot's own memory.
 *
 * The "greeter" component counts the greetings it answered in its memory
 * (prepared with a count of 0 and a greeting text); the bot counts every
 * message in its own memory. /stats shows both: they never mix, since each
 * hook's bh_ctx_shared is the memory of the component that registered it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <bothive/bothive.h>

static int greeter_prepare(bh_shared *m)
{
    int rc = bh_shared_set_int(m, "greeted", 0);
    return rc ? rc : bh_shared_set_str(m, "greeting", "Hello to you too!");
}

static int greet(bh_ctx *ctx, const bh_message *msg)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char *greeting = NULL;
    int rc = bh_shared_get_str(m, "greeting", &greeting);

    if (rc == BH_OK)
        rc = bh_message_reply(ctx, msg, greeting);
    free(greeting);
    if (rc == BH_OK)
        rc = bh_shared_incr(m, "greeted", 1, NULL);
    return rc < 0 ? rc : BH_CONTINUE; /* the bot counts it too */
}

static int greeter_stats(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = 0;
    (void)args;
    bh_shared_get_int(bh_ctx_shared(ctx), "greeted", &n);
    return bh_chat_sendf(ctx, msg->chat.id, "Greetings answered: %lld", (long long)n);
}

static int bot_prepare(bh_shared *m)
{
    return bh_shared_set_int(m, "messages", 0);
}

static int count_all(bh_ctx *ctx, const bh_message *msg)
{
    (void)msg;
    return bh_shared_incr(bh_ctx_shared(ctx), "messages", 1, NULL);
}

static int stats(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = 0;
    (void)args;
    bh_shared_get_int(bh_ctx_shared(ctx), "messages", &n);
    return bh_chat_sendf(ctx, msg->chat.id, "Messages seen by the bot: %lld", (long long)n);
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    bh_component *greeter = bh_component_new("greeter");
    if (!bot || !greeter) {
        fprintf(stderr, "component: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_component_add_memory_preparer(greeter, greeter_prepare);
    bh_component_message_contains(greeter, "hello", BH_IGNORE_CASE, greet);
    bh_component_command(greeter, "greeted", greeter_stats, "How many greetings I answered");

    bh_bot_prepare_memory(bot, bot_prepare);
    bh_bot_process_message(bot, count_all);
    bh_bot_command(bot, "stats", stats, "How many messages the bot saw");
    bh_bot_use(bot, greeter);
    bh_component_free(greeter);

    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
