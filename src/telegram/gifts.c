/*
 * Typed methods for gifts and Premium, games' scores, reactions others
 * left, member tags, emoji statuses and the bot's own profile photo.
 * Optional parameters left at zero/NULL are not sent.
 */
#include <string.h>

#include "telegram/tg.h"

/* A builder with the integer key set to v; NULL when out of memory. */
static bh_params *int_params(const char *key, int64_t v)
{
    bh_params *p = bh_tg_params_new();
    if (p)
        bh_params_int(p, key, v);
    return p;
}

int bh_client_send_gift(bh_client *c, int64_t user_id, int64_t chat_id, const char *gift_id,
                        const char *text)
{
    bh_params *p;
    if (!c || !gift_id || !*gift_id || (!user_id) == (!chat_id))
        return BH_EINVAL;
    if (!(p = user_id ? int_params("user_id", user_id) : int_params("chat_id", chat_id)))
        return BH_ENOMEM;
    bh_params_str(p, "gift_id", gift_id);
    if (text)
        bh_params_str(p, "text", text);
    return bh_tg_call_true(c, "sendGift", p);
}

int bh_client_gift_premium_subscription(bh_client *c, int64_t user_id, int month_count,
                                        int64_t star_count, const char *text)
{
    bh_params *p;
    if (!c || (month_count != 3 && month_count != 6 && month_count != 12) || star_count <= 0)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_int(p, "month_count", month_count);
    bh_params_int(p, "star_count", star_count);
    if (text)
        bh_params_str(p, "text", text);
    return bh_tg_call_true(c, "giftPremiumSubscription", p);
}

/* getUserGifts and getChatGifts: key names the owner. */
static int owned_gifts(bh_client *c, const char *method, const char *key, int64_t id,
                       const char *offset, int limit, json_object **gifts)
{
    bh_params *p;
    if (gifts)
        *gifts = NULL;
    if (!c || limit < 0 || limit > 100)
        return BH_EINVAL;
    if (!(p = int_params(key, id)))
        return BH_ENOMEM;
    if (offset && *offset)
        bh_params_str(p, "offset", offset);
    if (limit)
        bh_params_int(p, "limit", limit);
    return bh_tg_call_typed(c, method, p, json_type_object, gifts);
}

int bh_client_get_user_gifts(bh_client *c, int64_t user_id, const char *offset, int limit,
                             json_object **gifts)
{
    return owned_gifts(c, "getUserGifts", "user_id", user_id, offset, limit, gifts);
}

int bh_client_get_chat_gifts(bh_client *c, int64_t chat_id, const char *offset, int limit,
                             json_object **gifts)
{
    return owned_gifts(c, "getChatGifts", "chat_id", chat_id, offset, limit, gifts);
}

int bh_client_set_game_score(bh_client *c, int64_t user_id, int64_t score, int64_t chat_id,
                             int64_t message_id, int force, bh_message **edited)
{
    bh_params *p;
    if (edited)
        *edited = NULL;
    if (!c || score < 0 || !message_id)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_int(p, "score", score);
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    if (force)
        bh_params_bool(p, "force", 1);
    return bh_tg_call_message(c, "setGameScore", p, edited);
}

int bh_client_get_game_high_scores(bh_client *c, int64_t user_id, int64_t chat_id,
                                   int64_t message_id, json_object **scores)
{
    bh_params *p;
    if (scores)
        *scores = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    return bh_tg_call_typed(c, "getGameHighScores", p, json_type_array, scores);
}

/* deleteMessageReaction (message_id) and deleteAllMessageReactions (0):
 * the reactions of a user or of a chat (actor_chat_id), one of them. */
static int delete_reactions(bh_client *c, const char *method, int64_t chat_id, int64_t message_id,
                            int64_t user_id, int64_t actor_chat_id)
{
    bh_params *p;
    if (!c || (!user_id) == (!actor_chat_id))
        return BH_EINVAL;
    if (!(p = int_params("chat_id", chat_id)))
        return BH_ENOMEM;
    if (message_id)
        bh_params_int(p, "message_id", message_id);
    bh_params_int(p, user_id ? "user_id" : "actor_chat_id", user_id ? user_id : actor_chat_id);
    return bh_tg_call_true(c, method, p);
}

int bh_client_delete_message_reaction(bh_client *c, int64_t chat_id, int64_t message_id,
                                      int64_t user_id, int64_t actor_chat_id)
{
    if (!message_id)
        return BH_EINVAL;
    return delete_reactions(c, "deleteMessageReaction", chat_id, message_id, user_id, actor_chat_id);
}

int bh_client_delete_all_message_reactions(bh_client *c, int64_t chat_id, int64_t user_id,
                                           int64_t actor_chat_id)
{
    return delete_reactions(c, "deleteAllMessageReactions", chat_id, 0, user_id, actor_chat_id);
}

int bh_client_set_chat_member_tag(bh_client *c, int64_t chat_id, int64_t user_id, const char *tag)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = int_params("chat_id", chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    if (tag && *tag)
        bh_params_str(p, "tag", tag);
    return bh_tg_call_true(c, "setChatMemberTag", p);
}

int bh_client_set_user_emoji_status(bh_client *c, int64_t user_id, const char *custom_emoji_id,
                                    int64_t expiration_date)
{
    bh_params *p;
    if (!c || expiration_date < 0)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    if (custom_emoji_id && *custom_emoji_id)
        bh_params_str(p, "emoji_status_custom_emoji_id", custom_emoji_id);
    if (expiration_date)
        bh_params_int(p, "emoji_status_expiration_date", expiration_date);
    return bh_tg_call_true(c, "setUserEmojiStatus", p);
}

json_object *bh_tg_typed_file(bh_params *p, const char *type, const char *key,
                              const bh_input_file *f, int64_t max)
{
    char ref[512];
    json_object *o;
    if (bh_params_attach(p, f, max, ref, sizeof ref) != BH_OK)
        return NULL;
    if (!(o = json_object_new_object())) {
        if (p->rc == BH_OK)
            p->rc = BH_ENOMEM;
        return NULL;
    }
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, key, json_object_new_string(ref));
    return o;
}

/* Sets key of p to o (consumed; NULL: the error p keeps). */
static void put_obj(bh_params *p, const char *key, json_object *o)
{
    if (o)
        bh_params_json(p, key, o);
    json_object_put(o);
}

int bh_client_set_my_profile_photo(bh_client *c, const bh_input_file *photo)
{
    bh_params *p;
    if (!c || !photo)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    /* An InputProfilePhotoStatic. */
    put_obj(p, "photo", bh_tg_typed_file(p, "static", "photo", photo, BH_PHOTO_MAX));
    return bh_tg_call_true(c, "setMyProfilePhoto", p);
}

int bh_client_remove_my_profile_photo(bh_client *c)
{
    if (!c)
        return BH_EINVAL;
    return bh_tg_call_true(c, "removeMyProfilePhoto", NULL);
}
