/*
 * Typed methods a bot uses on behalf of a business account (through its
 * business_connection_id): read and delete messages, the account's name,
 * username and bio, its Stars; and checklists, which are sent on behalf
 * of one.
 */
#include <string.h>

#include "telegram/tg.h"

/* A builder with business_connection_id set; NULL when out of memory. */
static bh_params *business_params(const char *id)
{
    bh_params *p = bh_tg_params_new();
    if (p)
        bh_params_str(p, "business_connection_id", id);
    return p;
}

#define NEED_ID(id) (!(id) || !*(id))

int bh_client_read_business_message(bh_client *c, const char *business_connection_id,
                                    int64_t chat_id, int64_t message_id)
{
    bh_params *p;
    if (!c || NEED_ID(business_connection_id) || !message_id)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    return bh_tg_call_true(c, "readBusinessMessage", p);
}

int bh_client_delete_business_messages(bh_client *c, const char *business_connection_id,
                                       const int64_t *ids, size_t n)
{
    bh_params *p;
    if (!c || NEED_ID(business_connection_id) || !ids || n < 1 || n > 100)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_tg_params_ids(p, "message_ids", ids, n);
    return bh_tg_call_true(c, "deleteBusinessMessages", p);
}

/* setBusinessAccountName/Username/Bio: key set to text (NULL or "" not sent). */
static int account_text(bh_client *c, const char *method, const char *id, const char *key,
                        const char *text, const char *key2, const char *text2)
{
    bh_params *p;
    if (!c || NEED_ID(id))
        return BH_EINVAL;
    if (!(p = business_params(id)))
        return BH_ENOMEM;
    if (text && *text)
        bh_params_str(p, key, text);
    if (key2 && text2 && *text2)
        bh_params_str(p, key2, text2);
    return bh_tg_call_true(c, method, p);
}

int bh_client_set_business_account_name(bh_client *c, const char *business_connection_id,
                                        const char *first_name, const char *last_name)
{
    if (!first_name || !*first_name)
        return BH_EINVAL;
    return account_text(c, "setBusinessAccountName", business_connection_id, "first_name",
                        first_name, "last_name", last_name);
}

int bh_client_set_business_account_username(bh_client *c, const char *business_connection_id,
                                            const char *username)
{
    return account_text(c, "setBusinessAccountUsername", business_connection_id, "username",
                        username, NULL, NULL);
}

int bh_client_set_business_account_bio(bh_client *c, const char *business_connection_id,
                                       const char *bio)
{
    return account_text(c, "setBusinessAccountBio", business_connection_id, "bio", bio, NULL, NULL);
}

int bh_client_get_business_account_star_balance(bh_client *c, const char *business_connection_id,
                                                int64_t *amount)
{
    json_object *res = NULL;
    int64_t v = 0;
    int rc;
    if (amount)
        *amount = 0;
    if (!c || NEED_ID(business_connection_id))
        return BH_EINVAL;
    rc = bh_tg_call_typed(c, "getBusinessAccountStarBalance",
                          business_params(business_connection_id), json_type_object, &res);
    if (rc == BH_OK && !bh_tg_get_int64(res, "amount", &v))
        rc = BH_EPROTO;
    if (rc == BH_OK && amount)
        *amount = v;
    json_object_put(res);
    return rc;
}

int bh_client_transfer_business_account_stars(bh_client *c, const char *business_connection_id,
                                              int64_t star_count)
{
    bh_params *p;
    if (!c || NEED_ID(business_connection_id) || star_count < 1 || star_count > 10000)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_int(p, "star_count", star_count);
    return bh_tg_call_true(c, "transferBusinessAccountStars", p);
}

int bh_client_send_checklist(bh_client *c, const char *business_connection_id, int64_t chat_id,
                             json_object *checklist, const bh_send_options *opt,
                             bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || NEED_ID(business_connection_id) || !checklist)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_json(p, "checklist", checklist);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendChecklist", p, sent);
}

int bh_client_edit_message_checklist(bh_client *c, const char *business_connection_id,
                                     int64_t chat_id, int64_t message_id, json_object *checklist,
                                     bh_message **edited)
{
    bh_params *p;
    if (edited)
        *edited = NULL;
    if (!c || NEED_ID(business_connection_id) || !message_id || !checklist)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    bh_params_json(p, "checklist", checklist);
    return bh_tg_call_message(c, "editMessageChecklist", p, edited);
}

int bh_client_remove_business_account_profile_photo(bh_client *c,
                                                    const char *business_connection_id,
                                                    int is_public)
{
    bh_params *p;
    if (!c || NEED_ID(business_connection_id))
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    if (is_public)
        bh_params_bool(p, "is_public", 1);
    return bh_tg_call_true(c, "removeBusinessAccountProfilePhoto", p);
}

int bh_client_get_business_account_gifts(bh_client *c, const char *business_connection_id,
                                         const char *offset, int limit, json_object **gifts)
{
    bh_params *p;
    if (gifts)
        *gifts = NULL;
    if (!c || NEED_ID(business_connection_id) || limit < 0 || limit > 100)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    if (offset && *offset)
        bh_params_str(p, "offset", offset);
    if (limit)
        bh_params_int(p, "limit", limit);
    return bh_tg_call_typed(c, "getBusinessAccountGifts", p, json_type_object, gifts);
}

/* convertGiftToStars, upgradeGift, transferGift: one owned gift; star_count
 * and new_owner_chat_id sent when non-zero. */
static int owned_gift(bh_client *c, const char *method, const char *id, const char *gift,
                      int64_t new_owner_chat_id, int64_t star_count)
{
    bh_params *p;
    if (!c || NEED_ID(id) || NEED_ID(gift) || star_count < 0)
        return BH_EINVAL;
    if (!(p = business_params(id)))
        return BH_ENOMEM;
    bh_params_str(p, "owned_gift_id", gift);
    if (new_owner_chat_id)
        bh_params_int(p, "new_owner_chat_id", new_owner_chat_id);
    if (star_count)
        bh_params_int(p, "star_count", star_count);
    return bh_tg_call_true(c, method, p);
}

int bh_client_convert_gift_to_stars(bh_client *c, const char *business_connection_id,
                                    const char *owned_gift_id)
{
    return owned_gift(c, "convertGiftToStars", business_connection_id, owned_gift_id, 0, 0);
}

int bh_client_upgrade_gift(bh_client *c, const char *business_connection_id,
                           const char *owned_gift_id, int64_t star_count)
{
    return owned_gift(c, "upgradeGift", business_connection_id, owned_gift_id, 0, star_count);
}

int bh_client_transfer_gift(bh_client *c, const char *business_connection_id,
                            const char *owned_gift_id, int64_t new_owner_chat_id,
                            int64_t star_count)
{
    if (!new_owner_chat_id)
        return BH_EINVAL;
    return owned_gift(c, "transferGift", business_connection_id, owned_gift_id,
                      new_owner_chat_id, star_count);
}

int bh_client_delete_story(bh_client *c, const char *business_connection_id, int64_t story_id)
{
    bh_params *p;
    if (!c || NEED_ID(business_connection_id) || !story_id)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_int(p, "story_id", story_id);
    return bh_tg_call_true(c, "deleteStory", p);
}

int bh_client_repost_story(bh_client *c, const char *business_connection_id, int64_t from_chat_id,
                           int64_t from_story_id, int active_period, json_object **story)
{
    bh_params *p;
    if (story)
        *story = NULL;
    if (!c || NEED_ID(business_connection_id) || !from_story_id || active_period <= 0)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_int(p, "from_chat_id", from_chat_id);
    bh_params_int(p, "from_story_id", from_story_id);
    bh_params_int(p, "active_period", active_period);
    return bh_tg_call_typed(c, "repostStory", p, json_type_object, story);
}

int bh_client_set_business_account_profile_photo(bh_client *c, const char *business_connection_id,
                                                 const bh_input_file *photo, int is_public)
{
    bh_params *p;
    json_object *o;
    if (!c || NEED_ID(business_connection_id) || !photo)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    if ((o = bh_tg_typed_file(p, "static", "photo", photo, BH_PHOTO_MAX)))
        bh_params_json(p, "photo", o);
    json_object_put(o);
    if (is_public)
        bh_params_bool(p, "is_public", 1);
    return bh_tg_call_true(c, "setBusinessAccountProfilePhoto", p);
}

int bh_client_set_business_account_gift_settings(bh_client *c, const char *business_connection_id,
                                                 int show_gift_button,
                                                 json_object *accepted_gift_types)
{
    bh_params *p;
    if (!c || NEED_ID(business_connection_id) || !accepted_gift_types)
        return BH_EINVAL;
    if (!(p = business_params(business_connection_id)))
        return BH_ENOMEM;
    bh_params_bool(p, "show_gift_button", show_gift_button);
    bh_params_json(p, "accepted_gift_types", accepted_gift_types);
    return bh_tg_call_true(c, "setBusinessAccountGiftSettings", p);
}

/* postStory (story_id 0) and editStory: a photo or a video (is_video) as
 * the story's content, with a caption (NULL: none). */
static int story(bh_client *c, const char *method, const char *id, int64_t story_id,
                 const bh_input_file *file, int is_video, int active_period, const char *caption,
                 json_object **out)
{
    const char *kind = is_video ? "video" : "photo";
    bh_params *p;
    json_object *o;
    if (out)
        *out = NULL;
    if (!c || NEED_ID(id) || !file || (!story_id && active_period <= 0))
        return BH_EINVAL;
    if (!(p = business_params(id)))
        return BH_ENOMEM;
    if ((o = bh_tg_typed_file(p, kind, kind, file, is_video ? BH_UPLOAD_MAX : BH_PHOTO_MAX)))
        bh_params_json(p, "content", o);
    json_object_put(o);
    if (story_id)
        bh_params_int(p, "story_id", story_id);
    else
        bh_params_int(p, "active_period", active_period);
    if (caption)
        bh_params_str(p, "caption", caption);
    return bh_tg_call_typed(c, method, p, json_type_object, out);
}

int bh_client_post_story(bh_client *c, const char *business_connection_id,
                         const bh_input_file *file, int is_video, int active_period,
                         const char *caption, json_object **out)
{
    return story(c, "postStory", business_connection_id, 0, file, is_video, active_period,
                 caption, out);
}

int bh_client_edit_story(bh_client *c, const char *business_connection_id, int64_t story_id,
                         const bh_input_file *file, int is_video, const char *caption,
                         json_object **out)
{
    if (!story_id)
        return BH_EINVAL;
    return story(c, "editStory", business_connection_id, story_id, file, is_video, 0, caption,
                 out);
}
