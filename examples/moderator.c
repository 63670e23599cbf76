/*
 * moderator: keeping a group clean.
 *
 * In a group, a message containing the word "spam" or "scam" (any case,
 * in its text or its caption) is deleted, and its sender is restricted
 * (may send nothing) for 60 seconds, with a notice saying so. /ban sent
 * as a reply to a message bans that message's sender, when an
 * administrator of the group sends it; anyone else is told "Only
 * administrators can do that". The bot must be an administrator of the
 * group allowed to delete messages and restrict members.
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 ./moderator
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bothive/bothive.h>

#define MUTE_SECONDS 60

static int in_group(const bh_message *msg)
{
    return !strcmp(msg->chat.type, "group") || !strcmp(msg->chat.type, "supergroup");
}

/* The sender's name as the notices show it. */
static const char *name_of(const bh_user *u)
{
    return u && u->first_name[0] ? u->first_name : "Someone";
}

static int on_spam(bh_ctx *ctx, const bh_message *msg)
{
    bh_client *cl = bh_ctx_client(ctx);
    bh_chat_permissions nothing = {0};
    int rc;

    if (!in_group(msg) || !msg->from)
        return BH_CONTINUE;
    if ((rc = bh_client_delete_message(cl, msg->chat.id, msg->message_id)) != BH_OK ||
        (rc = bh_client_restrict_chat_member(cl, msg->chat.id, msg->from->id, &nothing,
                                             (int64_t)time(NULL) + MUTE_SECONDS)) != BH_OK)
        return rc;
    rc = bh_chat_sendf(ctx, msg->chat.id, "%s was muted for %d seconds: no spam or scams here.",
                       name_of(msg->from), MUTE_SECONDS);
    return rc == BH_OK ? BH_HANDLED : rc;
}

/* Whether user_id administers chat_id (its creator or an administrator). */
static int is_admin(bh_ctx *ctx, int64_t chat_id, int64_t user_id, int *admin)
{
    bh_chat_member cm;
    int rc = bh_client_get_chat_member(bh_ctx_client(ctx), chat_id, user_id, &cm);
    if (rc != BH_OK)
        return rc;
    *admin = !strcmp(cm.status, "creator") || !strcmp(cm.status, "administrator");
    bh_chat_member_clear(&cm);
    return BH_OK;
}

static int ban(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    const bh_user *target = msg->reply_to ? msg->reply_to->from : NULL;
    int admin = 0, rc;
    (void)args;

    if (!in_group(msg) || !msg->from)
        return bh_message_reply(ctx, msg, "/ban works in groups.");
    if ((rc = is_admin(ctx, msg->chat.id, msg->from->id, &admin)) != BH_OK)
        return rc;
    if (!admin)
        return bh_message_reply(ctx, msg, "Only administrators can do that");
    if (!target)
        return bh_message_reply(ctx, msg, "Reply to a message with /ban to ban its sender.");
    if (target->id == bh_bot_id(bh_ctx_bot(ctx)))
        return bh_message_reply(ctx, msg, "I will not ban myself.");
    if (bh_client_ban_chat_member(bh_ctx_client(ctx), msg->chat.id, target->id, 0, 0) != BH_OK)
        return bh_message_replyf(ctx, msg, "I could not ban %s: %s", name_of(target),
                                 bh_client_last_error(bh_ctx_client(ctx))->description);
    return bh_chat_sendf(ctx, msg->chat.id, "%s was banned.", name_of(target));
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "moderator: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "I keep groups free of spam. Administrators: reply /ban to a message.");
    bh_bot_command(bot, "ban", ban, "Ban the sender of the message replied to (administrators)");
    bh_bot_message_contains(bot, "spam", BH_IGNORE_CASE | BH_MATCH_CAPTION, on_spam);
    bh_bot_message_contains(bot, "scam", BH_IGNORE_CASE | BH_MATCH_CAPTION, on_spam);
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
