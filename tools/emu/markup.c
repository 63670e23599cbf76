/*
 * The emulator's checks of a reply_markup, as Telegram makes them: an
 * inline keyboard (at most 100 buttons, 8 a row, each button with a text
 * and exactly one action, callback data of 1..64 bytes, https:// Web App
 * and login URLs, callback_game and pay first in the first row), a reply
 * keyboard (rows of text buttons or of buttons with at most one request),
 * remove_keyboard and force_reply. Every failure is a 400 whose
 * description names what is wrong.
 */
#include <string.h>

#include "emu.h"

#define MAX_BUTTONS 100
#define MAX_INLINE_ROW 8
#define MAX_CALLBACK_DATA 64
#define MAX_PLACEHOLDER 64 /* characters */
#define MAX_COPY_TEXT 256  /* characters */

/* The number of characters (code points) of UTF-8 s. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* o[key] if it is of type t, else NULL. */
static json_object *field(json_object *o, const char *key, json_type t)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t) ? v : NULL;
}

/* Whether o[key] is an object whose "url" is an https:// URL. */
static bool https_url(json_object *o, const char *key)
{
    json_object *v = field(o, key, json_type_object), *u;
    return v && (u = field(v, "url", json_type_string)) &&
           !strncmp(json_object_get_string(u), "https://", 8);
}

/* The error of the one action of an inline button named key, NULL if valid. */
static const char *inline_action_error(json_object *b, const char *key, size_t pos)
{
    json_object *v;
    if (!strcmp(key, "callback_data")) {
        v = field(b, key, json_type_string);
        if (!v || json_object_get_string_len(v) < 1 ||
            json_object_get_string_len(v) > MAX_CALLBACK_DATA)
            return "Bad Request: BUTTON_DATA_INVALID";
    } else if (!strcmp(key, "url")) {
        v = field(b, key, json_type_string);
        if (!v || json_object_get_string_len(v) < 1)
            return "Bad Request: BUTTON_URL_INVALID";
    } else if (!strcmp(key, "web_app") || !strcmp(key, "login_url")) {
        if (!https_url(b, key))
            return "Bad Request: BUTTON_URL_INVALID";
    } else if (!strcmp(key, "copy_text")) {
        json_object *c = field(b, key, json_type_object);
        v = c ? field(c, "text", json_type_string) : NULL;
        if (!v || !json_object_get_string_len(v) || chars(json_object_get_string(v)) > MAX_COPY_TEXT)
            return "Bad Request: BUTTON_COPY_TEXT_INVALID";
    } else if (!strcmp(key, "switch_inline_query") || !strcmp(key, "switch_inline_query_current_chat")) {
        if (!field(b, key, json_type_string))
            return "Bad Request: can't parse inline keyboard button: Field \"switch_inline_query\" must be of type String";
    } else if (!strcmp(key, "switch_inline_query_chosen_chat")) {
        if (!field(b, key, json_type_object))
            return "Bad Request: can't parse inline keyboard button: Field \"switch_inline_query_chosen_chat\" must be of type Object";
    } else if (!strcmp(key, "callback_game") || !strcmp(key, "pay")) {
        if (pos != 0)
            return "Bad Request: BUTTON_POSITION_INVALID";
    }
    return NULL;
}

/* Checks one button of an inline keyboard, the pos-th of the keyboard. */
static const char *inline_button_error(json_object *b, size_t pos)
{
    static const char *const actions[] = {"callback_data", "url", "switch_inline_query",
                                          "switch_inline_query_current_chat", "login_url",
                                          "web_app", "pay", "callback_game", "copy_text",
                                          "switch_inline_query_chosen_chat"};
    const char *action = NULL;
    json_object *t;
    int nact = 0;
    if (!json_object_is_type(b, json_type_object))
        return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton should be an Object";
    if (!(t = field(b, "text", json_type_string)))
        return "Bad Request: can't parse inline keyboard button: Field \"text\" must be of type String";
    if (!json_object_get_string_len(t))
        return "Bad Request: BUTTON_TEXT_EMPTY";
    for (size_t k = 0; k < sizeof actions / sizeof actions[0]; k++)
        if (json_object_object_get_ex(b, actions[k], NULL)) {
            action = actions[k];
            nact++;
        }
    if (nact == 0)
        return "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
    if (nact > 1)
        return "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used";
    return inline_action_error(b, action, pos);
}

/* Checks the rows of a keyboard: an array of arrays of buttons, at most
 * MAX_BUTTONS in all and row_max a row (0: any); check judges each. */
static const char *rows_error(json_object *kb, const char *name, size_t row_max,
                              const char *(*check)(json_object *b, size_t pos))
{
    size_t pos = 0;
    if (!json_object_is_type(kb, json_type_array))
        return !strcmp(name, "inline_keyboard")
                   ? "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array"
                   : "Bad Request: field \"keyboard\" of the ReplyKeyboardMarkup should be an Array";
    for (size_t i = 0; i < json_object_array_length(kb); i++) {
        json_object *row = json_object_array_get_idx(kb, i);
        if (!json_object_is_type(row, json_type_array))
            return "Bad Request: can't parse keyboard row: a row should be an Array";
        if (row_max && json_object_array_length(row) > row_max)
            return "Bad Request: BUTTONS_TOO_MUCH: at most 8 buttons a row";
        for (size_t j = 0; j < json_object_array_length(row); j++, pos++) {
            const char *err = pos >= MAX_BUTTONS ? "Bad Request: BUTTONS_TOO_MUCH: at most 100 buttons"
                                                 : check(json_object_array_get_idx(row, j), pos);
            if (err)
                return err;
        }
    }
    return NULL;
}

/* The error of the request of a reply button named key, NULL if valid. */
static const char *request_error(json_object *b, const char *key)
{
    json_object *o, *v;
    if (!strcmp(key, "request_contact") || !strcmp(key, "request_location"))
        return field(b, key, json_type_boolean) ? NULL
                                                : "Bad Request: can't parse keyboard button: request field must be Boolean";
    if (!strcmp(key, "web_app"))
        return https_url(b, key) ? NULL : "Bad Request: BUTTON_URL_INVALID";
    if (!(o = field(b, key, json_type_object)))
        return "Bad Request: can't parse keyboard button: request field must be an Object";
    if (!strcmp(key, "request_poll")) {
        v = field(o, "type", json_type_string);
        if (v && strcmp(json_object_get_string(v), "quiz") && strcmp(json_object_get_string(v), "regular"))
            return "Bad Request: can't parse keyboard button: unknown poll type";
        return NULL;
    }
    if (!field(o, "request_id", json_type_int))
        return "Bad Request: can't parse keyboard button: Field \"request_id\" must be of type Number";
    if (!strcmp(key, "request_chat") && !field(o, "chat_is_channel", json_type_boolean))
        return "Bad Request: can't parse keyboard button: Field \"chat_is_channel\" must be of type Boolean";
    if (!strcmp(key, "request_users") && (v = field(o, "max_quantity", json_type_int)) &&
        (json_object_get_int64(v) < 1 || json_object_get_int64(v) > 10))
        return "Bad Request: REQUEST_USERS_QUANTITY_INVALID";
    return NULL;
}

/* Checks one button of a reply keyboard: a string, or an object with a
 * text and at most one request. */
static const char *reply_button_error(json_object *b, size_t pos)
{
    static const char *const requests[] = {"request_contact", "request_location", "request_poll",
                                           "request_users", "request_chat", "web_app"};
    const char *req = NULL;
    json_object *t;
    int n = 0;
    (void)pos;
    if (json_object_is_type(b, json_type_string))
        return json_object_get_string_len(b) ? NULL : "Bad Request: BUTTON_TEXT_EMPTY";
    if (!json_object_is_type(b, json_type_object))
        return "Bad Request: can't parse keyboard button: KeyboardButton should be a String or an Object";
    if (!(t = field(b, "text", json_type_string)))
        return "Bad Request: can't parse keyboard button: Field \"text\" must be of type String";
    if (!json_object_get_string_len(t))
        return "Bad Request: BUTTON_TEXT_EMPTY";
    for (size_t k = 0; k < sizeof requests / sizeof requests[0]; k++)
        if (json_object_object_get_ex(b, requests[k], NULL)) {
            req = requests[k];
            n++;
        }
    if (n > 1)
        return "Bad Request: can't parse keyboard button: at most one of the optional fields may be used";
    return req ? request_error(b, req) : NULL;
}

/* The options of a reply keyboard or a forced reply. */
static const char *placeholder_error(json_object *rm)
{
    json_object *v;
    if (!json_object_object_get_ex(rm, "input_field_placeholder", &v))
        return NULL;
    if (!json_object_is_type(v, json_type_string) || chars(json_object_get_string(v)) > MAX_PLACEHOLDER)
        return "Bad Request: input field placeholder must be 0-64 characters long";
    return NULL;
}

const char *bh_emu_markup_error(json_object *rm)
{
    json_object *kb;
    const char *err;
    if (!rm || !json_object_is_type(rm, json_type_object))
        return "Bad Request: can't parse reply keyboard markup JSON object";
    if (json_object_object_get_ex(rm, "inline_keyboard", &kb))
        return rows_error(kb, "inline_keyboard", MAX_INLINE_ROW, inline_button_error);
    if (json_object_object_get_ex(rm, "keyboard", &kb)) {
        if ((err = rows_error(kb, "keyboard", 0, reply_button_error)))
            return err;
        if (!json_object_array_length(kb) || !json_object_array_length(json_object_array_get_idx(kb, 0)))
            return "Bad Request: keyboard must be non-empty";
        return placeholder_error(rm);
    }
    if (json_object_object_get_ex(rm, "remove_keyboard", &kb))
        return json_object_is_type(kb, json_type_boolean) && json_object_get_boolean(kb)
                   ? NULL : "Bad Request: field \"remove_keyboard\" must be true";
    if (json_object_object_get_ex(rm, "force_reply", &kb)) {
        if (!json_object_is_type(kb, json_type_boolean) || !json_object_get_boolean(kb))
            return "Bad Request: field \"force_reply\" must be true";
        return placeholder_error(rm);
    }
    return "Bad Request: can't parse reply keyboard markup JSON object";
}

const char *bh_emu_markup_inline_error(const char *markup)
{
    json_object *rm;
    bool inl;
    if (!markup)
        return NULL;
    rm = json_tokener_parse(markup);
    inl = rm && json_object_object_get_ex(rm, "inline_keyboard", NULL);
    json_object_put(rm);
    return inl ? NULL : "Bad Request: inline keyboard expected";
}
