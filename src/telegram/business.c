/*
 * Lazy views of the business and paid-media update objects: a business
 * connection, the messages deleted in a business chat, a paid media
 * purchase. Same rules as views.c.
 */
#include <string.h>

#include "telegram/tg.h"

static int bh_business_absent(void *out, size_t n)
{
    memset(out, 0, n);
    return BH_ENOTFOUND;
}

int bh_business_connection_view(json_object *obj, bh_business_connection *out)
{
    if (!obj || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (!(out->id = bh_tg_get_text(obj, "id", NULL)) ||
        bh_tg_user_view(bh_tg_get_obj(obj, "user"), &out->user) != BH_OK)
        return bh_business_absent(out, sizeof *out);
    out->user_chat_id = bh_tg_int(obj, "user_chat_id");
    out->date = bh_tg_int(obj, "date");
    out->is_enabled = bh_tg_get_bool(obj, "is_enabled");
    out->json = obj;
    return BH_OK;
}

int bh_business_messages_deleted_view(json_object *obj, bh_business_messages_deleted *out)
{
    json_object *ids;
    if (!obj || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (!(out->business_connection_id = bh_tg_get_text(obj, "business_connection_id", NULL)) ||
        bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK)
        return bh_business_absent(out, sizeof *out);
    ids = bh_tg_get_arr(obj, "message_ids");
    out->count = ids ? json_object_array_length(ids) : 0;
    out->json = obj;
    return BH_OK;
}

int64_t bh_business_messages_deleted_id(const bh_business_messages_deleted *d, size_t i)
{
    json_object *ids = d ? bh_tg_get_arr(d->json, "message_ids") : NULL, *v;
    if (!ids || i >= json_object_array_length(ids))
        return 0;
    v = json_object_array_get_idx(ids, i);
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

int bh_paid_media_purchased_view(json_object *obj, bh_paid_media_purchased *out)
{
    if (!obj || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_business_absent(out, sizeof *out);
    out->payload = bh_tg_get_text(obj, "paid_media_payload", NULL);
    if (!out->payload)
        out->payload = "";
    out->json = obj;
    return BH_OK;
}
