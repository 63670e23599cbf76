/*
 * signup: a three-step conversation.
 *
 * /signup asks "What is your name?"; the next text is the name, and the
 * bot asks "How old are you?"; a reply that is not a number gets "Please
 * send your age as a number" and the question again; a number ends it
 * with "Thanks NAME, you are AGE." /cancel at any point ends it with
 * "Sign-up cancelled."; unanswered for 5 minutes (SIGNUP_TIMEOUT seconds,
 * for tests), it ends with "Sign-up timed out."
 *
 * Each user of each chat has a conversation of their own, kept in the
 * store: with BOTHIVE_STORE=file:PATH a restart continues it, and any of
 * the workers may run any step.
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 BOTHIVE_STORE=file:signup.store ./signup
 */
#include <stdio.h>
#include <stdlib.h>

#include <bothive/bothive.h>

static int ask_name(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)args;
    bh_conversation_next(ctx, "name");
    return bh_message_reply(ctx, msg, "What is your name?");
}

static int take_name(bh_ctx *ctx, const bh_message *msg)
{
    int rc = bh_conversation_set_str(ctx, "name", msg->text);
    if (rc != BH_OK)
        return rc;
    bh_conversation_next(ctx, "age");
    return bh_message_reply(ctx, msg, "How old are you?");
}

static int take_age(bh_ctx *ctx, const bh_message *msg)
{
    char *end, *name = NULL;
    long age = strtol(msg->text, &end, 10);
    int rc;

    if (end == msg->text || *end || age < 0 || age > 200) {
        rc = bh_message_reply(ctx, msg, "Please send your age as a number");
        return rc == BH_OK ? bh_message_reply(ctx, msg, "How old are you?") : rc;
    }
    if ((rc = bh_conversation_get_str(ctx, "name", &name)) != BH_OK)
        return rc;
    bh_conversation_end(ctx);
    rc = bh_message_replyf(ctx, msg, "Thanks %s, you are %ld.", name, age);
    free(name);
    return rc;
}

static int cancel(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)args;
    bh_conversation_end(ctx);
    return bh_message_reply(ctx, msg, "Sign-up cancelled.");
}

static int timed_out(bh_ctx *ctx, int64_t chat_id, int64_t user_id)
{
    (void)user_id;
    return bh_chat_send(ctx, chat_id, "Sign-up timed out.");
}

int main(void)
{
    const char *t = getenv("SIGNUP_TIMEOUT");
    int timeout = t && atoi(t) > 0 ? atoi(t) : 300;
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    bh_conversation *cv = bh_conversation_new("signup");

    if (!bot || !cv) {
        fprintf(stderr, "signup: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "Send /signup to sign up.");
    bh_conversation_command_ex(cv, BH_CONV_ENTRY, "signup", ask_name, "Sign up: your name and age", 0, 0);
    bh_conversation_text(cv, "name", take_name);
    bh_conversation_text(cv, "age", take_age);
    bh_conversation_command(cv, BH_CONV_FALLBACK, "cancel", cancel);
    bh_conversation_timeout(cv, timeout, timed_out);
    bh_bot_conversation(bot, cv);
    bh_conversation_free(cv);
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    if (rc != BH_OK) {
        fprintf(stderr, "signup: %s\n", bh_strerror(rc));
        return 1;
    }
    return 0;
}
