/*
 * The methods of the table (src/telegram/methods.def) that have no handler
 * of their own in the emulator are served from their row: the parameters
 * are checked as every call's are (check.c), and the answer is a value of
 * the row's result type: True, a message the bot sent (kept in the chat,
 * so /control/sent shows it), the message an edit names, or an empty
 * object of the type's shape. Nothing else is kept: a client tested here
 * learns that its call is well formed and reads a well-typed answer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bothive/error.h"
#include "bothive/telegram.h"
#include "emu.h"

/* Adds the fields of a message of row m to o: each required file
 * parameter as the file it names (an unknown file_id is refused, as a
 * send with a handler refuses it), each required JSON one but the media
 * of an album or paid media as given. Returns BH_OK, or BH_EINVAL after
 * answering the error. */
static int content_fields(bh_emu *e, const bh_api_method *m, bh_emu_params *p, json_object *o,
                          bh_emu_reply *r)
{
    const char *cur = m->params;
    bh_api_param a;
    int bad;
    while (bh_api_param_next(&cur, &a)) {
        if (!a.required)
            continue;
        if (a.type == 'f' || a.type == 'u') {
            size_t max = strcmp(a.name, "photo") ? BH_EMU_MAX_UPLOAD : BH_EMU_MAX_PHOTO;
            bh_emu_file *f = bh_emu_need_file(e, p, a.name, max, r);
            json_object *fields;
            char *text;
            if (!f || !(text = bh_emu_media_text(f, a.name)))
                return BH_EINVAL;
            fields = json_tokener_parse(text);
            free(text);
            if (fields) {
                json_object_object_foreach(fields, k, v)
                    json_object_object_add(o, k, json_object_get(v));
                json_object_put(fields);
            }
        } else if (a.type == 'j' && strcmp(a.name, "media")) {
            json_object *v = bh_emu_param_json(p, a.name, &bad);
            if (v)
                json_object_object_add(o, a.name, v);
        }
    }
    return BH_OK;
}

/* A message the bot sends with a method of the table: its text or caption
 * as given, the content its row names (content_fields), the send options
 * (the method's own checks beyond its row are not made here). */
static void send_generic(bh_emu *e, const bh_api_method *row, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    const char *text = bh_emu_param_str(p, "text"), *caption = bh_emu_param_str(p, "caption");
    json_object *fields = json_object_new_object();
    bh_emu_msg *m;
    char *extra = NULL;
    if (!c || bh_emu_need_send_options(e, c, p, text ? text : caption, r, &extra) != BH_OK ||
        content_fields(e, row, p, fields, r) != BH_OK)
        goto fail;
    if (!(m = bh_emu_msg_add_locked(c))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        goto fail;
    }
    m->extra = extra;
    m->from_bot = 1;
    m->text = text ? strdup(text) : NULL;
    m->caption = !text && caption ? strdup(caption) : NULL;
    /* Without a text, the message shows its fields and caption as a media
     * message does. */
    m->media = !text ? bh_emu_json_text(fields) : NULL;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
    json_object_put(fields);
    return;
fail:
    free(extra);
    json_object_put(fields);
}

/* An edit of one of the bot's messages: True for an inline message, else
 * the message (marked edited). */
static void edit_generic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m;
    if (bh_emu_param_str(p, "inline_message_id")) {
        bh_emu_reply_ok(r, json_object_new_boolean(1));
        return;
    }
    if (!(m = bh_emu_need_own_msg(e, p, &c, r)))
        return;
    m->edited = 1;
    m->edit_date = (int64_t)time(NULL);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* obj with key set to an integer (returns obj). */
static json_object *with_int(json_object *obj, const char *key, int64_t v)
{
    json_object_object_add(obj, key, json_object_new_int64(v));
    return obj;
}

/* An object of the result type `type`, with its required fields only. */
static json_object *empty_result(bh_emu *e, bh_emu_params *p, const char *type)
{
    char id[48];
    json_object *o = json_object_new_object();
    snprintf(id, sizeof id, "emu-%" PRId64, ++e->next_file_id);
    if (!strcmp(type, "StarAmount"))
        return with_int(o, "amount", 0);
    if (!strcmp(type, "OwnedGifts") || !strcmp(type, "UserProfileAudios")) {
        json_object_object_add(o, strcmp(type, "OwnedGifts") ? "audios" : "gifts",
                               json_object_new_array());
        return with_int(o, "total_count", 0);
    }
    if (!strcmp(type, "BotAccessSettings")) {
        json_object_object_add(o, "is_access_restricted", json_object_new_boolean(0));
        return o;
    }
    if (!strcmp(type, "SentGuestMessage"))
        json_object_object_add(o, "inline_message_id", json_object_new_string(id));
    else
        json_object_object_add(o, "id", json_object_new_string(id));
    if (!strcmp(type, "PreparedInlineMessage"))
        return with_int(o, "expiration_date", (int64_t)time(NULL) + 86400);
    if (!strcmp(type, "Story")) {
        int64_t chat_id = 0;
        bh_emu_param_int(p, "chat_id", &chat_id);
        json_object_object_add(o, "chat", with_int(json_object_new_object(), "id", chat_id));
        return with_int(o, "id", e->next_file_id);
    }
    if (!strcmp(type, "ChatInviteLink")) {
        char link[96];
        snprintf(link, sizeof link, "https://t.me/+%s", id);
        json_object_object_add(o, "invite_link", json_object_new_string(link));
        json_object_object_add(o, "creator", bh_emu_bot_json(e));
        json_object_object_add(o, "creates_join_request", json_object_new_boolean(0));
        json_object_object_add(o, "is_primary", json_object_new_boolean(0));
        json_object_object_add(o, "is_revoked", json_object_new_boolean(0));
    }
    return o;
}

void bh_emu_generic(bh_emu *e, const struct bh_api_method *m, bh_emu_params *p, bh_emu_reply *r)
{
    const char *res = m->result;
    bh_api_param chat;
    if (bh_emu_check_params(m, p, r) != BH_OK)
        return;
    if (!strcmp(res, "True"))
        bh_emu_reply_ok(r, json_object_new_boolean(1));
    else if (!strcmp(res, "Message|True") || (!strcmp(res, "Message") && !strncmp(m->name, "edit", 4)))
        edit_generic(e, p, r);
    else if (!strcmp(res, "Message") && bh_api_method_param(m, "chat_id", &chat) && chat.required)
        send_generic(e, m, p, r);
    else if (!strcmp(res, "String"))
        bh_emu_reply_ok(r, json_object_new_string("4242:emulated-token"));
    else if (strchr(res, '[') || !strcmp(res, "Integer"))
        bh_emu_reply_ok(r, strchr(res, '[') ? json_object_new_array() : json_object_new_int(0));
    else
        bh_emu_reply_ok(r, empty_result(e, p, res));
}
