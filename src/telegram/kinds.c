/*
 * The update kinds of the Bot API: their names, and which carry a Message.
 */
#include <string.h>

#include "telegram/tg.h"

static const char *const bh_kind_names[BH_UPDATE_KIND_COUNT] = {
    [BH_UPDATE_OTHER] = "other",
    [BH_UPDATE_MESSAGE] = "message",
    [BH_UPDATE_EDITED_MESSAGE] = "edited_message",
    [BH_UPDATE_CHANNEL_POST] = "channel_post",
    [BH_UPDATE_EDITED_CHANNEL_POST] = "edited_channel_post",
    [BH_UPDATE_CALLBACK_QUERY] = "callback_query",
    [BH_UPDATE_BUSINESS_CONNECTION] = "business_connection",
    [BH_UPDATE_BUSINESS_MESSAGE] = "business_message",
    [BH_UPDATE_EDITED_BUSINESS_MESSAGE] = "edited_business_message",
    [BH_UPDATE_DELETED_BUSINESS_MESSAGES] = "deleted_business_messages",
    [BH_UPDATE_GUEST_MESSAGE] = "guest_message",
    [BH_UPDATE_STOPPED_MESSAGE_GENERATION] = "stopped_message_generation",
    [BH_UPDATE_MESSAGE_REACTION] = "message_reaction",
    [BH_UPDATE_MESSAGE_REACTION_COUNT] = "message_reaction_count",
    [BH_UPDATE_INLINE_QUERY] = "inline_query",
    [BH_UPDATE_CHOSEN_INLINE_RESULT] = "chosen_inline_result",
    [BH_UPDATE_SHIPPING_QUERY] = "shipping_query",
    [BH_UPDATE_PRE_CHECKOUT_QUERY] = "pre_checkout_query",
    [BH_UPDATE_PURCHASED_PAID_MEDIA] = "purchased_paid_media",
    [BH_UPDATE_POLL] = "poll",
    [BH_UPDATE_POLL_ANSWER] = "poll_answer",
    [BH_UPDATE_MY_CHAT_MEMBER] = "my_chat_member",
    [BH_UPDATE_CHAT_MEMBER] = "chat_member",
    [BH_UPDATE_CHAT_JOIN_REQUEST] = "chat_join_request",
    [BH_UPDATE_CHAT_BOOST] = "chat_boost",
    [BH_UPDATE_REMOVED_CHAT_BOOST] = "removed_chat_boost",
    [BH_UPDATE_MANAGED_BOT] = "managed_bot",
    [BH_UPDATE_SUBSCRIPTION] = "subscription",
};

const char *bh_update_kind_name(bh_update_kind kind)
{
    if ((unsigned)kind >= BH_UPDATE_KIND_COUNT)
        return "other";
    return bh_kind_names[kind];
}

bh_update_kind bh_update_kind_from_name(const char *name)
{
    for (int k = 1; name && k < BH_UPDATE_KIND_COUNT; k++)
        if (!strcmp(bh_kind_names[k], name))
            return (bh_update_kind)k;
    return BH_UPDATE_OTHER;
}

int bh_update_kind_is_message(bh_update_kind kind)
{
    switch (kind) {
    case BH_UPDATE_MESSAGE:
    case BH_UPDATE_EDITED_MESSAGE:
    case BH_UPDATE_CHANNEL_POST:
    case BH_UPDATE_EDITED_CHANNEL_POST:
    case BH_UPDATE_BUSINESS_MESSAGE:
    case BH_UPDATE_EDITED_BUSINESS_MESSAGE:
    case BH_UPDATE_GUEST_MESSAGE:
        return 1;
    default:
        return 0;
    }
}

json_object *bh_update_object(const bh_update *u)
{
    return u ? u->object : NULL;
}
