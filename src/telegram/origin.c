/*
 * Lazy views of a Message's provenance and of the service fields with a
 * structure of their own: forward_origin, quote, web_app_data,
 * successful_payment, game, forum topic events. Same rules as message.c.
 */
#include <string.h>

#include "telegram/tg.h"

/* The object name of m, or NULL (and *out zeroed) when m or out is NULL
 * (*rc BH_EINVAL) or the field is absent (*rc BH_ENOTFOUND). */
static json_object *bh_origin_obj(const bh_message *m, const char *name, void *out, size_t n,
                                  int *rc)
{
    json_object *o;
    *rc = BH_EINVAL;
    if (!m || !out)
        return NULL;
    memset(out, 0, n);
    *rc = BH_ENOTFOUND;
    if (!(o = bh_tg_get_obj(m->json, name)))
        return NULL;
    *rc = BH_OK;
    return o;
}

int bh_message_forward_origin(const bh_message *m, bh_forward_origin *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "forward_origin", out, sizeof *out, &rc);
    if (!o)
        return rc;
    if (!(out->type = bh_tg_get_text(o, "type", NULL)))
        return BH_ENOTFOUND;
    out->date = bh_tg_int(o, "date");
    out->has_sender_user =
        bh_tg_user_view(bh_tg_get_obj(o, "sender_user"), &out->sender_user) == BH_OK;
    out->has_sender_chat =
        bh_tg_chat_view(bh_tg_get_obj(o, "sender_chat"), &out->sender_chat) == BH_OK;
    out->has_chat = bh_tg_chat_view(bh_tg_get_obj(o, "chat"), &out->chat) == BH_OK;
    out->sender_user_name = bh_tg_get_text(o, "sender_user_name", NULL);
    out->author_signature = bh_tg_get_text(o, "author_signature", NULL);
    out->message_id = bh_tg_int(o, "message_id");
    return BH_OK;
}

int bh_message_quote(const bh_message *m, bh_quote *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "quote", out, sizeof *out, &rc);
    if (!o)
        return rc;
    if (!(out->text = bh_tg_get_text(o, "text", NULL)))
        return BH_ENOTFOUND;
    out->position = bh_tg_int(o, "position");
    out->is_manual = bh_tg_get_bool(o, "is_manual");
    return BH_OK;
}

int bh_message_web_app_data(const bh_message *m, bh_web_app_data *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "web_app_data", out, sizeof *out, &rc);
    if (!o)
        return rc;
    out->data = bh_tg_get_text(o, "data", NULL);
    out->button_text = bh_tg_get_text(o, "button_text", NULL);
    if (!out->data || !out->button_text) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    return BH_OK;
}

int bh_message_successful_payment(const bh_message *m, bh_successful_payment *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "successful_payment", out, sizeof *out, &rc);
    if (!o)
        return rc;
    out->currency = bh_tg_get_text(o, "currency", NULL);
    out->invoice_payload = bh_tg_get_text(o, "invoice_payload", NULL);
    if (!out->currency || !out->invoice_payload ||
        !bh_tg_get_int64(o, "total_amount", &out->total_amount)) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    out->telegram_payment_charge_id = bh_tg_get_text(o, "telegram_payment_charge_id", NULL);
    out->provider_payment_charge_id = bh_tg_get_text(o, "provider_payment_charge_id", NULL);
    out->shipping_option_id = bh_tg_get_text(o, "shipping_option_id", NULL);
    return BH_OK;
}

int bh_message_game(const bh_message *m, bh_game *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "game", out, sizeof *out, &rc);
    if (!o)
        return rc;
    if (!(out->title = bh_tg_get_text(o, "title", NULL)))
        return BH_ENOTFOUND;
    out->description = bh_tg_get_text(o, "description", NULL);
    return BH_OK;
}

int bh_message_forum_topic(const bh_message *m, int edited, bh_forum_topic *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, edited ? "forum_topic_edited" : "forum_topic_created", out,
                                   sizeof *out, &rc);
    if (!o)
        return rc;
    out->name = bh_tg_get_text(o, "name", NULL);
    if (!edited && !out->name)
        return BH_ENOTFOUND;
    out->icon_color = bh_tg_int(o, "icon_color");
    out->icon_custom_emoji_id = bh_tg_get_text(o, "icon_custom_emoji_id", NULL);
    return BH_OK;
}

int bh_message_users_shared(const bh_message *m, bh_users_shared *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "users_shared", out, sizeof *out, &rc), *users;
    if (!o)
        return rc;
    if (!bh_tg_get_int64(o, "request_id", &out->request_id))
        return BH_ENOTFOUND;
    users = bh_tg_get_arr(o, "users");
    out->count = users ? json_object_array_length(users) : 0;
    out->json = o;
    return BH_OK;
}

int64_t bh_users_shared_id(const bh_users_shared *s, size_t i)
{
    json_object *users = s ? bh_tg_get_arr(s->json, "users") : NULL;
    if (!users || i >= json_object_array_length(users))
        return 0;
    return bh_tg_int(json_object_array_get_idx(users, i), "user_id");
}

int bh_message_chat_shared(const bh_message *m, bh_chat_shared *out)
{
    int rc;
    json_object *o = bh_origin_obj(m, "chat_shared", out, sizeof *out, &rc);
    if (!o)
        return rc;
    if (!bh_tg_get_int64(o, "request_id", &out->request_id) ||
        !bh_tg_get_int64(o, "chat_id", &out->chat_id)) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    out->title = bh_tg_get_text(o, "title", NULL);
    out->username = bh_tg_get_text(o, "username", NULL);
    return BH_OK;
}
