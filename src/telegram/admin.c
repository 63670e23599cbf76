/*
 * Typed methods that manage a chat: deleting and pinning messages, banning
 * and restricting members, reading a member's status.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

/* A new builder with chat_id set; NULL when out of memory. */
static bh_params *chat_params(int64_t chat_id)
{
    bh_params *p = NULL;
    if (bh_params_new(&p) != BH_OK)
        return NULL;
    bh_params_int(p, "chat_id", chat_id);
    return p;
}

int bh_client_delete_messages(bh_client *c, int64_t chat_id, const int64_t *ids, size_t n)
{
    bh_params *p;
    if (!c || !ids || n < 1 || n > 100)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_tg_params_ids(p, "message_ids", ids, n);
    return bh_tg_call_true(c, "deleteMessages", p);
}

int bh_client_pin_chat_message(bh_client *c, int64_t chat_id, int64_t message_id,
                               int disable_notification)
{
    bh_params *p;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "message_id", message_id);
    if (disable_notification)
        bh_params_bool(p, "disable_notification", 1);
    return bh_tg_call_true(c, "pinChatMessage", p);
}

int bh_client_ban_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                              int64_t until_date, int revoke_messages)
{
    bh_params *p;
    if (!c || user_id <= 0 || until_date < 0)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    if (until_date)
        bh_params_int(p, "until_date", until_date);
    if (revoke_messages)
        bh_params_bool(p, "revoke_messages", 1);
    return bh_tg_call_true(c, "banChatMember", p);
}

json_object *bh_tg_permissions_json(const bh_chat_permissions *perm)
{
    const struct {
        const char *name;
        int value;
    } f[] = {
        {"can_send_messages", perm->can_send_messages},
        {"can_send_audios", perm->can_send_audios},
        {"can_send_documents", perm->can_send_documents},
        {"can_send_photos", perm->can_send_photos},
        {"can_send_videos", perm->can_send_videos},
        {"can_send_video_notes", perm->can_send_video_notes},
        {"can_send_voice_notes", perm->can_send_voice_notes},
        {"can_send_polls", perm->can_send_polls},
        {"can_send_other_messages", perm->can_send_other_messages},
        {"can_add_web_page_previews", perm->can_add_web_page_previews},
        {"can_change_info", perm->can_change_info},
        {"can_invite_users", perm->can_invite_users},
        {"can_pin_messages", perm->can_pin_messages},
        {"can_manage_topics", perm->can_manage_topics},
    };
    json_object *o = json_object_new_object();
    for (size_t i = 0; o && i < sizeof f / sizeof f[0]; i++)
        json_object_object_add(o, f[i].name, json_object_new_boolean(f[i].value != 0));
    return o;
}

int bh_client_restrict_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                   const bh_chat_permissions *perm, int64_t until_date)
{
    bh_params *p;
    json_object *o;
    if (!c || user_id <= 0 || !perm || until_date < 0)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)) || !(o = bh_tg_permissions_json(perm))) {
        bh_params_free(p);
        return BH_ENOMEM;
    }
    bh_params_int(p, "user_id", user_id);
    bh_params_json(p, "permissions", o);
    json_object_put(o);
    if (until_date)
        bh_params_int(p, "until_date", until_date);
    return bh_tg_call_true(c, "restrictChatMember", p);
}

int bh_client_get_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                              bh_chat_member *out)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || user_id <= 0 || !out)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    rc = bh_client_call_params(c, "getChatMember", p, &res);
    bh_params_free(p);
    if (rc != BH_OK)
        return rc;
    rc = bh_tg_member_parse(res, out);
    json_object_put(res);
    return rc;
}

int bh_tg_member_parse(json_object *obj, bh_chat_member *out)
{
    json_object *user;
    const char *status = bh_tg_get_str(obj, "status");
    memset(out, 0, sizeof *out);
    if (!status || !json_object_object_get_ex(obj, "user", &user) ||
        !bh_tg_get_int64(user, "id", &out->user_id))
        return BH_EPROTO;
    snprintf(out->status, sizeof out->status, "%s", status);
    bh_tg_get_int64(obj, "until_date", &out->until_date);
    out->json = json_object_get(obj);
    return BH_OK;
}

void bh_chat_member_clear(bh_chat_member *m)
{
    if (!m)
        return;
    json_object_put(m->json);
    memset(m, 0, sizeof *m);
}

int bh_client_unban_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                int only_if_banned)
{
    bh_params *p;
    if (!c || user_id <= 0)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    if (only_if_banned)
        bh_params_bool(p, "only_if_banned", 1);
    return bh_tg_call_true(c, "unbanChatMember", p);
}

int bh_client_unpin_chat_message(bh_client *c, int64_t chat_id, int64_t message_id)
{
    bh_params *p;
    if (!c || message_id < 0)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    if (message_id)
        bh_params_int(p, "message_id", message_id);
    return bh_tg_call_true(c, "unpinChatMessage", p);
}

int bh_client_unpin_all_chat_messages(bh_client *c, int64_t chat_id)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    return bh_tg_call_true(c, "unpinAllChatMessages", p);
}
