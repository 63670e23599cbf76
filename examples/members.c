/*
 * members: greeting members, deciding join requests, counting reactions.
 *
 * A user who joins a group the bot administers is welcomed ("Welcome,
 * Ann!"), one who leaves gets "Goodbye, Ann."; a request to join is
 * approved when the user's id is even and declined when it is odd;
 * /reactions answers how many reactions users added to the bot's own
 * messages, counted in the bot's shared memory (the bot notes there each
 * message it sends, so any worker can tell a reaction to one of them).
 *
 * The bot asks Telegram for exactly the update kinds it handles: message
 * (commands), chat_member, chat_join_request and message_reaction
 * (Telegram sends the last ones only to bots that ask).
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 ./members
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bothive/bothive.h>

static int prepare(bh_shared *m)
{
    return bh_shared_set_int(m, "reactions", 0);
}

/* Sends text to chat and notes the message as the bot's. */
static int send_noted(bh_ctx *ctx, int64_t chat, const char *text)
{
    bh_message *sent = NULL;
    char key[64];
    int rc = bh_chat_send_ex(ctx, chat, text, NULL, &sent);
    if (rc != BH_OK)
        return rc;
    snprintf(key, sizeof key, "sent:%lld:%lld", (long long)chat, (long long)sent->message_id);
    rc = bh_shared_set_int(bh_ctx_shared(ctx), key, 1);
    bh_message_free(sent);
    return rc;
}

static int on_member(bh_ctx *ctx, const bh_chat_member_updated *u)
{
    char text[160];
    if (bh_chat_member_joined(u))
        snprintf(text, sizeof text, "Welcome, %s!", u->member.first_name);
    else if (bh_chat_member_left(u))
        snprintf(text, sizeof text, "Goodbye, %s.", u->member.first_name);
    else
        return BH_CONTINUE;
    return send_noted(ctx, u->chat.id, text);
}

static int on_join_request(bh_ctx *ctx, const bh_chat_join_request *r)
{
    char params[96];
    snprintf(params, sizeof params, "{\"chat_id\":%lld,\"user_id\":%lld}",
             (long long)r->chat.id, (long long)r->from.id);
    return bh_api_call(bh_ctx_bot(ctx),
                       r->from.id % 2 == 0 ? "approveChatJoinRequest" : "declineChatJoinRequest",
                       params, NULL);
}

/* Whether reaction x is among the old reactions of u. */
static int had_before(const bh_message_reaction_updated *u, const bh_reaction *x)
{
    bh_reaction o;
    for (size_t i = 0; i < u->old_count; i++)
        if (bh_message_reaction_get(u, 0, i, &o) == BH_OK && !strcmp(o.type, x->type) &&
            (!x->emoji || (o.emoji && !strcmp(o.emoji, x->emoji))) &&
            (!x->custom_emoji_id || (o.custom_emoji_id &&
                                     !strcmp(o.custom_emoji_id, x->custom_emoji_id))))
            return 1;
    return 0;
}

/* Counts the reactions this change adds to one of the bot's messages. */
static int on_reaction(bh_ctx *ctx, const bh_message_reaction_updated *u)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char key[64];
    int64_t added = 0;
    bh_reaction x;

    snprintf(key, sizeof key, "sent:%lld:%lld", (long long)u->chat.id, (long long)u->message_id);
    if (!m || bh_shared_contains(m, key) != 1)
        return BH_CONTINUE;
    for (size_t i = 0; i < u->new_count; i++)
        if (bh_message_reaction_get(u, 1, i, &x) == BH_OK && !had_before(u, &x))
            added++;
    return added ? bh_shared_incr(m, "reactions", added, NULL) : BH_CONTINUE;
}

static int reactions(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = 0;
    char text[64];
    (void)args;
    int rc = bh_shared_get_int(bh_ctx_shared(ctx), "reactions", &n);
    if (rc != BH_OK)
        return rc;
    snprintf(text, sizeof text, "Reactions to my messages: %lld", (long long)n);
    return send_noted(ctx, msg->chat.id, text);
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "members: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "I greet members, decide join requests and count reactions.");
    bh_bot_prepare_memory(bot, prepare);
    bh_bot_chat_member(bot, on_member);
    bh_bot_chat_join_request(bot, on_join_request);
    bh_bot_message_reaction(bot, on_reaction);
    bh_bot_command(bot, "reactions", reactions, "How many reactions my messages got");
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
