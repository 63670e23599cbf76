/*
 * A user presses a button of the reply keyboard the bot shows in a chat:
 * POST /control/reply_button {"chat_id","user_id"?,"text","latitude"?,
 * "longitude"?}. The keyboard shown is the one of the bot's latest message
 * there that carries a reply keyboard or removes it; the button is found
 * by its text, and the press plays what Telegram's client sends: the text
 * of a text button, the user's location (at latitude/longitude, default
 * 0/0) or contact for request_location / request_contact, a users_shared
 * or chat_shared service message for request_users / request_chat. A
 * request_poll or web_app button opens something on the user's side and
 * sends nothing the emulator plays: it is refused. The answer is
 * {"update_id","message_id"} like /control/message.
 *
 * And a press of an inline button of a message sent via inline mode:
 * POST /control/inline_callback {"inline_message_id","user_id","data"}.
 * Both take the user's "language_code" as /control/message does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* The reply keyboard c shows (a new reference to its "keyboard" array),
 * or NULL when none is shown. */
static json_object *shown_keyboard(const bh_emu_chat *c)
{
    for (size_t i = c->nmsgs; i-- > 0;) {
        const bh_emu_msg *m = &c->msgs[i];
        json_object *rm, *kb;
        if (!m->from_bot || m->deleted || !m->reply_markup || !(rm = json_tokener_parse(m->reply_markup)))
            continue;
        if (json_object_object_get_ex(rm, "keyboard", &kb)) {
            json_object_get(kb);
            json_object_put(rm);
            return kb;
        }
        if (json_object_object_get_ex(rm, "remove_keyboard", NULL)) {
            json_object_put(rm);
            return NULL;
        }
        json_object_put(rm);
    }
    return NULL;
}

/* The button of kb whose text is text (a new reference; a string button
 * becomes {"text":...}), or NULL. */
static json_object *find_button(json_object *kb, const char *text)
{
    for (size_t i = 0; i < json_object_array_length(kb); i++) {
        json_object *row = json_object_array_get_idx(kb, i);
        for (size_t j = 0; j < json_object_array_length(row); j++) {
            json_object *b = json_object_array_get_idx(row, j), *t = b;
            if (json_object_is_type(b, json_type_object))
                json_object_object_get_ex(b, "text", &t);
            if (t && json_object_is_type(t, json_type_string) &&
                !strcmp(json_object_get_string(t), text)) {
                if (b != t)
                    return json_object_get(b);
                json_object *o = json_object_new_object();
                json_object_object_add(o, "text", json_object_get(t));
                return o;
            }
        }
    }
    return NULL;
}

/* A number field of the body, def when absent. */
static double number(json_object *b, const char *name, double def)
{
    json_object *v;
    return json_object_object_get_ex(b, name, &v) &&
                   (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
               ? json_object_get_double(v) : def;
}

/* The request_id of the request object named key of button. */
static int64_t request_id(json_object *button, const char *key)
{
    json_object *o, *id;
    return json_object_object_get_ex(button, key, &o) && json_object_object_get_ex(o, "request_id", &id)
               ? json_object_get_int64(id) : 0;
}

static bool has_key(json_object *o, const char *key)
{
    return json_object_object_get_ex(o, key, NULL);
}

/* Why pressing button in c sends no message, or NULL when it sends one. */
static const char *press_error(json_object *button, const bh_emu_chat *c)
{
    if (has_key(button, "request_poll") || has_key(button, "web_app"))
        return "Bad Request: that button opens something on the user's side and sends no message";
    if ((has_key(button, "request_location") || has_key(button, "request_contact") ||
         has_key(button, "request_users") || has_key(button, "request_chat")) &&
        strcmp(c->type, "private"))
        return "Bad Request: request buttons work in private chats only";
    return NULL;
}

/* Turns the user's message o into what pressing button sends. */
static void press_into(json_object *o, json_object *button, json_object *b, int64_t user_id,
                       const char *text)
{
    if (has_key(button, "request_location")) {
        json_object *l = json_object_new_object();
        json_object_object_add(l, "latitude", json_object_new_double(number(b, "latitude", 0)));
        json_object_object_add(l, "longitude", json_object_new_double(number(b, "longitude", 0)));
        json_object_object_add(o, "location", l);
    } else if (has_key(button, "request_contact")) {
        json_object *c = json_object_new_object();
        char phone[32];
        snprintf(phone, sizeof phone, "+1555%07" PRId64, user_id % 10000000);
        json_object_object_add(c, "phone_number", json_object_new_string(phone));
        json_object_object_add(c, "first_name", json_object_new_string("User"));
        json_object_object_add(c, "user_id", json_object_new_int64(user_id));
        json_object_object_add(o, "contact", c);
    } else if (has_key(button, "request_users")) {
        json_object *s = json_object_new_object(), *users = json_object_new_array();
        json_object *u = json_object_new_object();
        json_object_object_add(u, "user_id", json_object_new_int64(user_id + 1));
        json_object_array_add(users, u);
        json_object_object_add(s, "request_id", json_object_new_int64(request_id(button, "request_users")));
        json_object_object_add(s, "users", users);
        json_object_object_add(o, "users_shared", s);
    } else if (has_key(button, "request_chat")) {
        json_object *s = json_object_new_object();
        json_object_object_add(s, "request_id", json_object_new_int64(request_id(button, "request_chat")));
        json_object_object_add(s, "chat_id", json_object_new_int64(-1000000000000 - user_id));
        json_object_object_add(o, "chat_shared", s);
    } else {
        json_object_object_add(o, "text", json_object_new_string(text));
    }
}

/* Plays the press of button in c as a message of user_id; answers it. */
static void queue_press_locked(bh_emu *e, bh_emu_chat *c, json_object *button, json_object *b,
                               int64_t user_id, const char *text, const char *lang,
                               bh_emu_reply *r)
{
    const char *err = press_error(button, c);
    int plain = !has_key(button, "request_location") && !has_key(button, "request_contact") &&
                !has_key(button, "request_users") && !has_key(button, "request_chat");
    bh_emu_msg *m;
    json_object *o;
    if (err) {
        bh_emu_reply_error(r, 400, err);
        return;
    }
    if (!(m = bh_emu_msg_add_locked(c)) || (plain && !(m->text = strdup(text)))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    m->user_id = user_id;
    snprintf(m->lang, sizeof m->lang, "%s", lang);
    o = bh_emu_msg_json_locked(e, c, m, 0);
    json_object_object_del(o, "text");
    json_object_object_del(o, "entities");
    press_into(o, button, b, user_id, text);
    bh_emu_reply_queued(r, bh_emu_update_queue_locked(e, "message", o), "message_id",
                        json_object_new_int64(m->id));
}

void bh_emu_press_reply_button(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id, user_id;
    const char *text;
    char lang[BH_EMU_LANG_MAX];
    bh_emu_chat *c;
    json_object *kb = NULL, *button = NULL;

    if (bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK ||
        bh_emu_field_user(b, chat_id, &user_id, r) != BH_OK ||
        !(text = bh_emu_field_str(b, "text", r)) || bh_emu_field_lang(b, lang, r) != BH_OK)
        return;
    pthread_mutex_lock(&e->lock);
    if (!(c = bh_emu_chat_find_locked(e, chat_id)))
        bh_emu_reply_error(r, 400, "Bad Request: chat not found");
    else if (!(kb = shown_keyboard(c)))
        bh_emu_reply_error(r, 400, "Bad Request: the bot shows no reply keyboard in that chat");
    else if (!(button = find_button(kb, text)))
        bh_emu_reply_error(r, 400, "Bad Request: the reply keyboard has no button of that text");
    else
        queue_press_locked(e, c, button, b, user_id, text, lang, r);
    pthread_mutex_unlock(&e->lock);
    json_object_put(button);
    json_object_put(kb);
}

/* Whether the inline keyboard (JSON text) of an inline message has a
 * button with callback_data data. */
static bool has_callback(const char *markup, const char *data)
{
    json_object *rm = markup ? json_tokener_parse(markup) : NULL, *kb;
    bool found = false;
    if (rm && json_object_object_get_ex(rm, "inline_keyboard", &kb))
        for (size_t i = 0; !found && i < json_object_array_length(kb); i++) {
            json_object *row = json_object_array_get_idx(kb, i);
            for (size_t j = 0; !found && j < json_object_array_length(row); j++) {
                json_object *d;
                found = json_object_object_get_ex(json_object_array_get_idx(row, j),
                                                  "callback_data", &d) &&
                        !strcmp(json_object_get_string(d), data);
            }
        }
    json_object_put(rm);
    return found;
}

/* A press of a button of a message sent via inline mode: the callback
 * query names the message by inline_message_id (no chat of the bot's
 * holds it), as Telegram's does. The button must be one the message
 * shows. */
void bh_emu_press_inline_button(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t user_id;
    const char *id = bh_emu_field_str(b, "inline_message_id", r), *data;
    bh_emu_inline_msg *m;
    bh_emu_callback *cb;
    json_object *q;
    char lang[BH_EMU_LANG_MAX];

    if (!id || bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK ||
        !(data = bh_emu_field_str(b, "data", r)) || bh_emu_field_lang(b, lang, r) != BH_OK)
        return;
    pthread_mutex_lock(&e->lock);
    if (!(m = bh_emu_inline_msg_find_locked(e, id))) {
        bh_emu_reply_error(r, 400, "Bad Request: MESSAGE_ID_INVALID");
    } else if (!has_callback(m->reply_markup, data)) {
        bh_emu_reply_error(r, 400, "Bad Request: the message has no button with that data");
    } else if (!(cb = bh_emu_callback_new_locked(e))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
    } else {
        q = json_object_new_object();
        json_object_object_add(q, "id", json_object_new_string(cb->id));
        json_object_object_add(q, "from", bh_emu_user_lang(bh_emu_user_json(user_id), lang));
        json_object_object_add(q, "inline_message_id", json_object_new_string(id));
        json_object_object_add(q, "chat_instance", json_object_new_string(id));
        json_object_object_add(q, "data", json_object_new_string(data));
        bh_emu_reply_queued(r, bh_emu_update_queue_locked(e, "callback_query", q),
                            "callback_query_id", json_object_new_string(cb->id));
    }
    pthread_mutex_unlock(&e->lock);
}
