/*
 * Typed Bot API methods: each builds its parameters with the builder
 * (params.c), calls the one call path, and turns the result into a typed
 * view. Optional parameters left at zero/NULL are not sent, so the
 * server's defaults apply.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

int bh_client_get_me(bh_client *c, bh_user **me)
{
    json_object *res = NULL;
    int rc;
    if (me)
        *me = NULL;
    if (!c)
        return BH_EINVAL;
    rc = bh_client_call_json(c, "getMe", NULL, &res);
    if (rc != BH_OK)
        return rc;
    rc = me ? bh_user_parse(res, me) : BH_OK;
    json_object_put(res);
    return rc == BH_EINVAL ? BH_EPROTO : rc;
}

int bh_tg_params_ids(bh_params *p, const char *key, const int64_t *ids, size_t n)
{
    json_object *arr = json_object_new_array();
    int rc;
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, json_object_new_int64(ids[i]));
    if (!arr) {
        if (p->rc == BH_OK) {
            p->rc = BH_ENOMEM;
            snprintf(p->err, sizeof p->err, "%s: out of memory", key);
        }
        return p->rc;
    }
    rc = bh_params_json(p, key, arr);
    json_object_put(arr);
    return rc;
}

json_object *bh_tg_string_array(const char *const *list)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && list[i]; i++) {
        json_object *s = json_object_new_string(list[i]);
        if (!s || json_object_array_add(arr, s)) {
            json_object_put(s);
            json_object_put(arr);
            arr = NULL;
        }
    }
    return arr;
}

int bh_client_get_updates(bh_client *c, int64_t offset, int limit, int timeout,
                          const char *const *allowed_updates, bh_update_batch *out)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;

    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !out || limit < 0 || limit > 100 || timeout < 0)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (offset)
        bh_params_int(p, "offset", offset);
    if (limit)
        bh_params_int(p, "limit", limit);
    bh_params_int(p, "timeout", timeout);
    if (allowed_updates) {
        json_object *arr = bh_tg_string_array(allowed_updates);
        if (arr)
            bh_params_json(p, "allowed_updates", arr);
        else
            p->rc = BH_ENOMEM;
        json_object_put(arr);
    }
    rc = bh_client_call_params(c, "getUpdates", p, &res);
    bh_params_free(p);
    if (rc != BH_OK)
        return rc;
    rc = bh_updates_parse(res, out);
    json_object_put(res);
    return rc;
}

int bh_client_send_message(bh_client *c, int64_t chat_id, const char *text,
                           const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !text || !*text)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_str(p, "text", text);
    bh_tg_send_options(p, opt);
    if (opt && opt->disable_web_page_preview)
        bh_params_bool(p, "disable_web_page_preview", 1);
    return bh_tg_call_message(c, "sendMessage", p, sent);
}

int bh_client_edit_message_text(bh_client *c, int64_t chat_id, int64_t message_id,
                                const char *text, const bh_send_options *opt,
                                bh_message **edited)
{
    bh_params *p;
    if (edited)
        *edited = NULL;
    if (!c || !text || !*text || !message_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    bh_params_str(p, "text", text);
    if (opt) {
        if (opt->parse_mode)
            bh_params_str(p, "parse_mode", opt->parse_mode);
        if (opt->entities)
            bh_params_json(p, "entities", opt->entities);
        if (opt->link_preview_options)
            bh_params_json(p, "link_preview_options", opt->link_preview_options);
        if (opt->business_connection_id)
            bh_params_str(p, "business_connection_id", opt->business_connection_id);
        if (opt->disable_web_page_preview)
            bh_params_bool(p, "disable_web_page_preview", 1);
        if (opt->reply_markup)
            bh_params_keyboard(p, opt->reply_markup);
        else if (opt->markup)
            bh_params_json(p, "reply_markup", opt->markup);
    }
    return bh_tg_call_message(c, "editMessageText", p, edited);
}

int bh_client_delete_message(bh_client *c, int64_t chat_id, int64_t message_id)
{
    bh_params *p;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    return bh_tg_call_true(c, "deleteMessage", p);
}

int bh_client_forward_message(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                              int64_t message_id, int disable_notification,
                              bh_message **forwarded)
{
    bh_params *p;
    if (forwarded)
        *forwarded = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "from_chat_id", from_chat_id);
    bh_params_int(p, "message_id", message_id);
    if (disable_notification)
        bh_params_bool(p, "disable_notification", 1);
    return bh_tg_call_message(c, "forwardMessage", p, forwarded);
}

int bh_client_send_chat_action(bh_client *c, int64_t chat_id, const char *action)
{
    bh_params *p;
    if (!c || !action || !*action)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_str(p, "action", action);
    return bh_tg_call_true(c, "sendChatAction", p);
}

int bh_client_answer_callback_query(bh_client *c, const char *callback_query_id,
                                    const char *text, int show_alert)
{
    bh_params *p;
    if (!c || !callback_query_id || !*callback_query_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "callback_query_id", callback_query_id);
    if (text)
        bh_params_str(p, "text", text);
    if (show_alert)
        bh_params_bool(p, "show_alert", 1);
    return bh_tg_call_true(c, "answerCallbackQuery", p);
}

/* The Bot API's rule for command names: 1..32 of a-z, 0-9 and '_'. */
static int bh_command_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* One BotCommand object (NULL if no memory). */
static json_object *command_json(const bh_bot_command_info *cmd)
{
    json_object *o = json_object_new_object();
    json_object *cn = json_object_new_string(cmd->command);
    json_object *cd = json_object_new_string(cmd->description);
    if (!o || !cn || !cd) {
        json_object_put(o);
        json_object_put(cn);
        json_object_put(cd);
        return NULL;
    }
    json_object_object_add(o, "command", cn);
    json_object_object_add(o, "description", cd);
    return o;
}

/* The BotCommandScope object of scope (NULL if no memory). */
static json_object *scope_json(const bh_command_scope *scope)
{
    json_object *o = json_object_new_object();
    const char *type = scope->type ? scope->type : "default";
    if (!o)
        return NULL;
    json_object_object_add(o, "type", json_object_new_string(type));
    if (!strncmp(type, "chat", 4))
        json_object_object_add(o, "chat_id", json_object_new_int64(scope->chat_id));
    if (!strcmp(type, "chat_member"))
        json_object_object_add(o, "user_id", json_object_new_int64(scope->user_id));
    return o;
}

int bh_client_set_my_commands(bh_client *c, const bh_bot_command_info *cmds, size_t n)
{
    return bh_client_set_my_commands_ex(c, cmds, n, NULL, NULL);
}

int bh_client_set_my_commands_ex(bh_client *c, const bh_bot_command_info *cmds, size_t n,
                                 const bh_command_scope *scope, const char *language_code)
{
    bh_params *p;
    json_object *arr;

    if (!c || (n && !cmds) || n > 100)
        return BH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        size_t dl = cmds[i].description ? strlen(cmds[i].description) : 0;
        if (!bh_command_name_valid(cmds[i].command) || dl < 1 || dl > 256)
            return BH_EINVAL;
    }
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_object *o = command_json(&cmds[i]);
        if (!o || json_object_array_add(arr, o)) {
            json_object_put(o);
            json_object_put(arr);
            arr = NULL;
        }
    }
    if (arr)
        bh_params_json(p, "commands", arr);
    else
        p->rc = BH_ENOMEM;
    json_object_put(arr);
    if (scope) {
        json_object *so = scope_json(scope);
        if (so)
            bh_params_json(p, "scope", so);
        else
            p->rc = BH_ENOMEM;
        json_object_put(so);
    }
    if (language_code && *language_code)
        bh_params_str(p, "language_code", language_code);
    return bh_tg_call_true(c, "setMyCommands", p);
}
