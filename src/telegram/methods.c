/*
 * Typed Bot API methods: each builds its parameters as a JSON object, calls
 * bh_client_call_json, and turns the result into a typed view. Optional
 * parameters left at zero/NULL are not sent, so the server's defaults apply.
 */
#include <ctype.h>
#include <string.h>

#include "bothive/telegram.h"

/* A parameter object being built; the first failed allocation is
 * remembered so that the callers check once at the end. */
typedef struct bh_mparams {
    json_object *obj;
    int failed;
} bh_mparams;

static void bh_mp_init(bh_mparams *p)
{
    p->obj = json_object_new_object();
    p->failed = p->obj == NULL;
}

static void bh_mp_add(bh_mparams *p, const char *key, json_object *v)
{
    if (p->failed || !v || json_object_object_add(p->obj, key, v)) {
        json_object_put(v);
        p->failed = 1;
    }
}

static void bh_mp_int(bh_mparams *p, const char *key, int64_t v)
{
    bh_mp_add(p, key, json_object_new_int64(v));
}

static void bh_mp_str(bh_mparams *p, const char *key, const char *v)
{
    if (v)
        bh_mp_add(p, key, json_object_new_string(v));
}

static void bh_mp_true(bh_mparams *p, const char *key, int v)
{
    if (v)
        bh_mp_add(p, key, json_object_new_boolean(1));
}

static void bh_mp_markup(bh_mparams *p, const bh_keyboard *k)
{
    if (k)
        bh_mp_add(p, "reply_markup", json_object_get(bh_keyboard_json(k)));
}

/* Calls method with p (consumed) and stores the result in *result. */
static int bh_mp_call(bh_client *c, const char *method, bh_mparams *p, json_object **result)
{
    int rc = p->failed ? BH_ENOMEM : bh_client_call_json(c, method, p->obj, result);
    json_object_put(p->obj);
    p->obj = NULL;
    return rc;
}

/* Calls a method whose result is a Message, and parses it into *out. */
static int bh_call_message(bh_client *c, const char *method, bh_mparams *p, bh_message **out)
{
    json_object *res = NULL;
    int rc;
    if (out)
        *out = NULL;
    rc = bh_mp_call(c, method, p, &res);
    if (rc != BH_OK)
        return rc;
    rc = out ? bh_message_parse(res, out) : BH_OK;
    json_object_put(res);
    return rc == BH_EINVAL ? BH_EPROTO : rc;
}

/* Calls a method whose result is True. */
static int bh_call_true(bh_client *c, const char *method, bh_mparams *p)
{
    json_object *res = NULL;
    int rc = bh_mp_call(c, method, p, &res);
    if (rc != BH_OK)
        return rc;
    if (!json_object_is_type(res, json_type_boolean))
        rc = BH_EPROTO;
    json_object_put(res);
    return rc;
}

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

int bh_client_get_updates(bh_client *c, int64_t offset, int limit, int timeout,
                          const char *const *allowed_updates, bh_update_batch *out)
{
    bh_mparams p;
    json_object *res = NULL;
    int rc;

    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !out || limit < 0 || limit > 100 || timeout < 0)
        return BH_EINVAL;
    bh_mp_init(&p);
    if (offset)
        bh_mp_int(&p, "offset", offset);
    if (limit)
        bh_mp_int(&p, "limit", limit);
    bh_mp_int(&p, "timeout", timeout);
    if (allowed_updates) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && allowed_updates[i]; i++) {
            json_object *s = json_object_new_string(allowed_updates[i]);
            if (!s || json_object_array_add(arr, s)) {
                json_object_put(s);
                json_object_put(arr);
                arr = NULL;
            }
        }
        bh_mp_add(&p, "allowed_updates", arr);
    }
    rc = bh_mp_call(c, "getUpdates", &p, &res);
    if (rc != BH_OK)
        return rc;
    rc = bh_updates_parse(res, out);
    json_object_put(res);
    return rc;
}

int bh_client_send_message(bh_client *c, int64_t chat_id, const char *text,
                           const bh_send_options *opt, bh_message **sent)
{
    bh_mparams p;
    if (sent)
        *sent = NULL;
    if (!c || !text || !*text)
        return BH_EINVAL;
    bh_mp_init(&p);
    bh_mp_int(&p, "chat_id", chat_id);
    bh_mp_str(&p, "text", text);
    if (opt) {
        bh_mp_str(&p, "parse_mode", opt->parse_mode);
        if (opt->reply_to_message_id)
            bh_mp_int(&p, "reply_to_message_id", opt->reply_to_message_id);
        bh_mp_true(&p, "disable_notification", opt->disable_notification);
        bh_mp_true(&p, "disable_web_page_preview", opt->disable_web_page_preview);
        bh_mp_markup(&p, opt->reply_markup);
    }
    return bh_call_message(c, "sendMessage", &p, sent);
}

int bh_client_edit_message_text(bh_client *c, int64_t chat_id, int64_t message_id,
                                const char *text, const bh_send_options *opt,
                                bh_message **edited)
{
    bh_mparams p;
    if (edited)
        *edited = NULL;
    if (!c || !text || !*text || !message_id)
        return BH_EINVAL;
    bh_mp_init(&p);
    bh_mp_int(&p, "chat_id", chat_id);
    bh_mp_int(&p, "message_id", message_id);
    bh_mp_str(&p, "text", text);
    if (opt) {
        bh_mp_str(&p, "parse_mode", opt->parse_mode);
        bh_mp_true(&p, "disable_web_page_preview", opt->disable_web_page_preview);
        bh_mp_markup(&p, opt->reply_markup);
    }
    return bh_call_message(c, "editMessageText", &p, edited);
}

int bh_client_delete_message(bh_client *c, int64_t chat_id, int64_t message_id)
{
    bh_mparams p;
    if (!c || !message_id)
        return BH_EINVAL;
    bh_mp_init(&p);
    bh_mp_int(&p, "chat_id", chat_id);
    bh_mp_int(&p, "message_id", message_id);
    return bh_call_true(c, "deleteMessage", &p);
}

int bh_client_forward_message(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                              int64_t message_id, int disable_notification,
                              bh_message **forwarded)
{
    bh_mparams p;
    if (forwarded)
        *forwarded = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    bh_mp_init(&p);
    bh_mp_int(&p, "chat_id", chat_id);
    bh_mp_int(&p, "from_chat_id", from_chat_id);
    bh_mp_int(&p, "message_id", message_id);
    bh_mp_true(&p, "disable_notification", disable_notification);
    return bh_call_message(c, "forwardMessage", &p, forwarded);
}

int bh_client_send_chat_action(bh_client *c, int64_t chat_id, const char *action)
{
    bh_mparams p;
    if (!c || !action || !*action)
        return BH_EINVAL;
    bh_mp_init(&p);
    bh_mp_int(&p, "chat_id", chat_id);
    bh_mp_str(&p, "action", action);
    return bh_call_true(c, "sendChatAction", &p);
}

int bh_client_answer_callback_query(bh_client *c, const char *callback_query_id,
                                    const char *text, int show_alert)
{
    bh_mparams p;
    if (!c || !callback_query_id || !*callback_query_id)
        return BH_EINVAL;
    bh_mp_init(&p);
    bh_mp_str(&p, "callback_query_id", callback_query_id);
    bh_mp_str(&p, "text", text);
    bh_mp_true(&p, "show_alert", show_alert);
    return bh_call_true(c, "answerCallbackQuery", &p);
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

int bh_client_set_my_commands(bh_client *c, const bh_bot_command_info *cmds, size_t n)
{
    bh_mparams p;
    json_object *arr;

    if (!c || (n && !cmds) || n > 100)
        return BH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        size_t dl = cmds[i].description ? strlen(cmds[i].description) : 0;
        if (!bh_command_name_valid(cmds[i].command) || dl < 1 || dl > 256)
            return BH_EINVAL;
    }
    bh_mp_init(&p);
    arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_object *o = json_object_new_object();
        json_object *cn = json_object_new_string(cmds[i].command);
        json_object *cd = json_object_new_string(cmds[i].description);
        if (!o || !cn || !cd || json_object_object_add(o, "command", cn) ||
            (cn = NULL, json_object_object_add(o, "description", cd)) ||
            (cd = NULL, json_object_array_add(arr, o))) {
            json_object_put(cn);
            json_object_put(cd);
            json_object_put(o);
            json_object_put(arr);
            arr = NULL;
        }
    }
    bh_mp_add(&p, "commands", arr);
    return bh_call_true(c, "setMyCommands", &p);
}
