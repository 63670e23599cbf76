/*
 * Typed methods for the bot's settings and a chat's rules: the webhook,
 * the command list, the keyboard of a sent message, closing a poll,
 * promoting a member, a chat's default permissions.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

/* A JSON array of the NULL-terminated list (NULL if no memory). */
static json_object *string_list(const char *const *list)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && list[i]; i++)
        json_object_array_add(arr, json_object_new_string(list[i]));
    return arr;
}

int bh_client_set_webhook(bh_client *c, const char *url, const bh_webhook_options *opt)
{
    bh_params *p;
    if (!c || !url || !*url)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "url", url);
    if (opt && opt->secret_token)
        bh_params_str(p, "secret_token", opt->secret_token);
    if (opt && opt->max_connections)
        bh_params_int(p, "max_connections", opt->max_connections);
    if (opt && opt->drop_pending_updates)
        bh_params_bool(p, "drop_pending_updates", 1);
    if (opt && opt->allowed_updates) {
        json_object *arr = string_list(opt->allowed_updates);
        if (arr)
            bh_params_json(p, "allowed_updates", arr);
        else
            p->rc = BH_ENOMEM;
        json_object_put(arr);
    }
    return bh_tg_call_true(c, "setWebhook", p);
}

int bh_client_delete_webhook(bh_client *c, int drop_pending_updates)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (drop_pending_updates)
        bh_params_bool(p, "drop_pending_updates", 1);
    return bh_tg_call_true(c, "deleteWebhook", p);
}

int bh_client_get_webhook_info(bh_client *c, bh_webhook_info *out)
{
    json_object *res = NULL;
    const char *v;
    int rc;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !out)
        return BH_EINVAL;
    if ((rc = bh_client_call_params(c, "getWebhookInfo", NULL, &res)) != BH_OK)
        return rc;
    if (!(v = bh_tg_get_str(res, "url"))) {
        json_object_put(res);
        return BH_EPROTO;
    }
    snprintf(out->url, sizeof out->url, "%s", v);
    bh_tg_get_int64(res, "pending_update_count", &out->pending_update_count);
    bh_tg_get_int64(res, "last_error_date", &out->last_error_date);
    v = bh_tg_get_str(res, "last_error_message");
    snprintf(out->last_error_message, sizeof out->last_error_message, "%s", v ? v : "");
    out->json = res;
    return BH_OK;
}

void bh_webhook_info_clear(bh_webhook_info *info)
{
    if (!info)
        return;
    json_object_put(info->json);
    memset(info, 0, sizeof *info);
}

int bh_client_get_my_commands(bh_client *c, json_object **commands)
{
    json_object *res = NULL;
    int rc;
    if (commands)
        *commands = NULL;
    if (!c)
        return BH_EINVAL;
    rc = bh_client_call_params(c, "getMyCommands", NULL, &res);
    if (rc == BH_OK && !json_object_is_type(res, json_type_array))
        rc = BH_EPROTO;
    if (rc == BH_OK && commands)
        *commands = json_object_get(res);
    json_object_put(res);
    return rc;
}

int bh_client_delete_my_commands(bh_client *c)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    return bh_tg_call_true(c, "deleteMyCommands", p);
}

int bh_client_edit_message_reply_markup(bh_client *c, int64_t chat_id, int64_t message_id,
                                        const bh_keyboard *markup, bh_message **edited)
{
    bh_params *p;
    if (edited)
        *edited = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    if (markup)
        bh_params_keyboard(p, markup);
    return bh_tg_call_message(c, "editMessageReplyMarkup", p, edited);
}

int bh_client_stop_poll(bh_client *c, int64_t chat_id, int64_t message_id, json_object **poll)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (poll)
        *poll = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    rc = bh_client_call_params(c, "stopPoll", p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !bh_tg_get_str(res, "id"))
        rc = BH_EPROTO;
    if (rc == BH_OK && poll)
        *poll = json_object_get(res);
    json_object_put(res);
    return rc;
}

json_object *bh_tg_rights_json(const bh_admin_rights *r)
{
    const struct {
        const char *name;
        int value;
    } f[] = {
        {"is_anonymous", r->is_anonymous},
        {"can_manage_chat", r->can_manage_chat},
        {"can_delete_messages", r->can_delete_messages},
        {"can_manage_video_chats", r->can_manage_video_chats},
        {"can_restrict_members", r->can_restrict_members},
        {"can_promote_members", r->can_promote_members},
        {"can_change_info", r->can_change_info},
        {"can_invite_users", r->can_invite_users},
        {"can_pin_messages", r->can_pin_messages},
        {"can_post_stories", r->can_post_stories},
        {"can_edit_stories", r->can_edit_stories},
        {"can_delete_stories", r->can_delete_stories},
        {"can_manage_topics", r->can_manage_topics},
    };
    json_object *o = json_object_new_object();
    for (size_t i = 0; o && i < sizeof f / sizeof f[0]; i++)
        json_object_object_add(o, f[i].name, json_object_new_boolean(f[i].value != 0));
    return o;
}

int bh_client_promote_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                  const bh_admin_rights *rights)
{
    bh_params *p;
    json_object *o;
    if (!c || user_id <= 0 || !rights)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()) || !(o = bh_tg_rights_json(rights))) {
        bh_params_free(p);
        return BH_ENOMEM;
    }
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "user_id", user_id);
    /* promoteChatMember takes the rights as parameters of its own. */
    json_object_object_foreach(o, key, v)
        bh_params_bool(p, key, json_object_get_boolean(v));
    json_object_put(o);
    return bh_tg_call_true(c, "promoteChatMember", p);
}

int bh_client_set_chat_permissions(bh_client *c, int64_t chat_id, const bh_chat_permissions *perm)
{
    bh_params *p;
    json_object *o;
    if (!c || !perm)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()) || !(o = bh_tg_permissions_json(perm))) {
        bh_params_free(p);
        return BH_ENOMEM;
    }
    bh_params_int(p, "chat_id", chat_id);
    bh_params_json(p, "permissions", o);
    json_object_put(o);
    return bh_tg_call_true(c, "setChatPermissions", p);
}
