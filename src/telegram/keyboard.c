/*
 * The keyboard builder: a reply_markup of any of the Bot API's four kinds
 * (an inline keyboard, a reply keyboard, a keyboard removal, a forced
 * reply), built row by row. The limits checked are the Bot API's, so that
 * a bad button is reported here, at the line that made it, with a
 * description in bh_keyboard_error, rather than as a 400 from the server.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telegram/tg.h"

#define BH_CALLBACK_DATA_MAX 64
#define BH_INLINE_ROW_MAX 8
#define BH_KEYBOARD_BUTTONS_MAX 100
#define BH_PLACEHOLDER_MAX 64 /* characters */
#define BH_COPY_TEXT_MAX 256  /* characters */

struct bh_keyboard {
    bh_keyboard_kind kind;
    json_object *markup; /* the reply_markup object */
    json_object *rows;   /* borrowed from markup; NULL for remove and force_reply */
    size_t buttons;
    char error[192];
};

/* Notes why the last call failed and returns rc. */
static int fail(bh_keyboard *k, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(bh_keyboard *k, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->error, sizeof k->error, fmt, ap);
    va_end(ap);
    return rc;
}

/* The number of characters (code points) of UTF-8 s, as Telegram counts
 * most limits of markups. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Sets key of o to true when v is non-zero (left out otherwise). */
static int put_true(json_object *o, const char *key, int v)
{
    return v ? bh_tg_put_bool(o, key, 1) : 0;
}

/* Sets key of o to the boolean v means: 1 true, -1 false, 0 left out. */
static int put_tristate(json_object *o, const char *key, int v)
{
    return v ? bh_tg_put_bool(o, key, v > 0) : 0;
}

/* A new keyboard of kind whose markup is the empty object; rows_key, when
 * not NULL, names its array of rows. */
static int keyboard_new(bh_keyboard **out, bh_keyboard_kind kind, const char *rows_key)
{
    bh_keyboard *k;
    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if (!(k = calloc(1, sizeof *k)))
        return BH_ENOMEM;
    k->kind = kind;
    if (!(k->markup = json_object_new_object()))
        goto fail;
    if (rows_key) {
        k->rows = json_object_new_array();
        if (!k->rows || json_object_object_add(k->markup, rows_key, k->rows)) {
            json_object_put(k->rows);
            goto fail;
        }
    }
    *out = k;
    return BH_OK;
fail:
    json_object_put(k->markup);
    free(k);
    return BH_ENOMEM;
}

int bh_keyboard_new(bh_keyboard **out)
{
    return keyboard_new(out, BH_KEYBOARD_INLINE, "inline_keyboard");
}

int bh_keyboard_new_reply(bh_keyboard **out, const bh_reply_keyboard_options *opt)
{
    bh_reply_keyboard_options none = {0};
    int rc;
    if (!opt)
        opt = &none;
    if (out)
        *out = NULL;
    if (opt->input_field_placeholder && chars(opt->input_field_placeholder) > BH_PLACEHOLDER_MAX)
        return BH_EINVAL;
    if ((rc = keyboard_new(out, BH_KEYBOARD_REPLY, "keyboard")) != BH_OK)
        return rc;
    if (put_true((*out)->markup, "is_persistent", opt->persistent) ||
        put_true((*out)->markup, "resize_keyboard", opt->resize) ||
        put_true((*out)->markup, "one_time_keyboard", opt->one_time) ||
        bh_tg_put_str((*out)->markup, "input_field_placeholder", opt->input_field_placeholder) ||
        put_true((*out)->markup, "selective", opt->selective)) {
        bh_keyboard_free(*out);
        *out = NULL;
        return BH_ENOMEM;
    }
    return BH_OK;
}

int bh_keyboard_new_remove(bh_keyboard **out, int selective)
{
    int rc = keyboard_new(out, BH_KEYBOARD_REMOVE, NULL);
    if (rc == BH_OK && (put_true((*out)->markup, "remove_keyboard", 1) ||
                        put_true((*out)->markup, "selective", selective))) {
        bh_keyboard_free(*out);
        *out = NULL;
        rc = BH_ENOMEM;
    }
    return rc;
}

int bh_keyboard_new_force_reply(bh_keyboard **out, const char *input_field_placeholder,
                                int selective)
{
    int rc;
    if (out)
        *out = NULL;
    if (input_field_placeholder && chars(input_field_placeholder) > BH_PLACEHOLDER_MAX)
        return BH_EINVAL;
    rc = keyboard_new(out, BH_KEYBOARD_FORCE_REPLY, NULL);
    if (rc == BH_OK && (put_true((*out)->markup, "force_reply", 1) ||
                        bh_tg_put_str((*out)->markup, "input_field_placeholder", input_field_placeholder) ||
                        put_true((*out)->markup, "selective", selective))) {
        bh_keyboard_free(*out);
        *out = NULL;
        rc = BH_ENOMEM;
    }
    return rc;
}

void bh_keyboard_free(bh_keyboard *k)
{
    if (!k)
        return;
    json_object_put(k->markup);
    free(k);
}

int bh_keyboard_row(bh_keyboard *k)
{
    if (!k)
        return BH_EINVAL;
    if (!k->rows)
        return fail(k, BH_EINVAL, "a %s markup has no rows", bh_keyboard_kind_name(k->kind));
    json_object *row = json_object_new_array();
    if (!row || json_object_array_add(k->rows, row)) {
        json_object_put(row);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return BH_OK;
}

/* The row a new button goes to (the last, opened if there is none);
 * NULL without memory. */
static json_object *last_row(bh_keyboard *k)
{
    size_t n = json_object_array_length(k->rows);
    if (!n && bh_keyboard_row(k) != BH_OK)
        return NULL;
    return json_object_array_get_idx(k->rows, json_object_array_length(k->rows) - 1);
}

/* Appends button (consumed) to the last row, after checking the limits of
 * the keyboard's kind. */
static int keyboard_add(bh_keyboard *k, json_object *button)
{
    json_object *row;
    int rc = BH_OK;

    if (k->buttons >= BH_KEYBOARD_BUTTONS_MAX)
        rc = fail(k, BH_ETOOBIG, "a keyboard holds at most %d buttons", BH_KEYBOARD_BUTTONS_MAX);
    else if (!(row = last_row(k)))
        rc = fail(k, BH_ENOMEM, "out of memory");
    else if (k->kind == BH_KEYBOARD_INLINE && json_object_array_length(row) >= BH_INLINE_ROW_MAX)
        rc = fail(k, BH_ETOOBIG, "a row of an inline keyboard holds at most %d buttons",
                  BH_INLINE_ROW_MAX);
    else if (json_object_array_add(row, button))
        rc = fail(k, BH_ENOMEM, "out of memory");
    if (rc != BH_OK) {
        json_object_put(button);
        return rc;
    }
    k->buttons++;
    k->error[0] = 0;
    return BH_OK;
}

/* Checks that a button of `what` may go on k (of kind `kind`, or either
 * kind when kind is -1) with a non-empty text. */
static int button_check(bh_keyboard *k, int kind, const char *text, const char *what)
{
    if (!k)
        return BH_EINVAL;
    if (!k->rows)
        return fail(k, BH_EINVAL, "a %s markup has no buttons", bh_keyboard_kind_name(k->kind));
    if (kind >= 0 && (bh_keyboard_kind)kind != k->kind)
        return fail(k, BH_EINVAL, "a %s button belongs on a %s keyboard, not on a %s one", what,
                    bh_keyboard_kind_name((bh_keyboard_kind)kind), bh_keyboard_kind_name(k->kind));
    if (!text || !*text)
        return fail(k, BH_EINVAL, "a %s button needs a text", what);
    return BH_OK;
}

/* A button {"text":text} plus key:value (value consumed; key NULL for a
 * plain text button), added to k. */
static int add_button(bh_keyboard *k, const char *text, const char *key, json_object *value)
{
    json_object *b = json_object_new_object();
    if (!b || bh_tg_put_str(b, "text", text) || (key && !value) ||
        (key && json_object_object_add(b, key, value))) {
        json_object_put(value);
        json_object_put(b);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return keyboard_add(k, b);
}

/* ---- Inline buttons ---- */

int bh_keyboard_button_callback(bh_keyboard *k, const char *text, const char *data)
{
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, "callback");
    if (rc != BH_OK)
        return rc;
    if (!data || !*data || strlen(data) > BH_CALLBACK_DATA_MAX)
        return fail(k, BH_EINVAL, "callback data must be 1..%d bytes (%zu given)",
                    BH_CALLBACK_DATA_MAX, data ? strlen(data) : 0);
    return add_button(k, text, "callback_data", json_object_new_string(data));
}

int bh_keyboard_button_url(bh_keyboard *k, const char *text, const char *url)
{
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, "url");
    if (rc != BH_OK)
        return rc;
    if (!url || !*url)
        return fail(k, BH_EINVAL, "a url button needs a URL");
    return add_button(k, text, "url", json_object_new_string(url));
}

int bh_keyboard_button_switch_inline(bh_keyboard *k, const char *text, const char *query,
                                     int current_chat)
{
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, "switch_inline_query");
    if (rc != BH_OK)
        return rc;
    return add_button(k, text,
                      current_chat ? "switch_inline_query_current_chat" : "switch_inline_query",
                      json_object_new_string(query ? query : ""));
}

int bh_keyboard_button_switch_inline_chosen(bh_keyboard *k, const char *text,
                                            const bh_switch_inline_chosen *chosen)
{
    json_object *o;
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, "switch_inline_query_chosen_chat");
    if (rc != BH_OK)
        return rc;
    if (!chosen || !(chosen->allow_user_chats || chosen->allow_bot_chats ||
                     chosen->allow_group_chats || chosen->allow_channel_chats))
        return fail(k, BH_EINVAL, "switch_inline_query_chosen_chat must allow some kind of chat");
    if (!(o = json_object_new_object()) || bh_tg_put_str(o, "query", chosen->query) ||
        put_true(o, "allow_user_chats", chosen->allow_user_chats) ||
        put_true(o, "allow_bot_chats", chosen->allow_bot_chats) ||
        put_true(o, "allow_group_chats", chosen->allow_group_chats) ||
        put_true(o, "allow_channel_chats", chosen->allow_channel_chats)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "switch_inline_query_chosen_chat", o);
}

int bh_keyboard_button_login_url(bh_keyboard *k, const char *text, const bh_login_url *login)
{
    json_object *o;
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, "login_url");
    if (rc != BH_OK)
        return rc;
    if (!login || !login->url || strncmp(login->url, "https://", 8))
        return fail(k, BH_EINVAL, "a login_url button needs an https:// URL");
    if (!(o = json_object_new_object()) || bh_tg_put_str(o, "url", login->url) ||
        bh_tg_put_str(o, "forward_text", login->forward_text) ||
        bh_tg_put_str(o, "bot_username", login->bot_username) ||
        put_true(o, "request_write_access", login->request_write_access)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "login_url", o);
}

int bh_keyboard_button_copy_text(bh_keyboard *k, const char *text, const char *copy)
{
    json_object *o;
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, "copy_text");
    if (rc != BH_OK)
        return rc;
    if (!copy || !*copy || chars(copy) > BH_COPY_TEXT_MAX)
        return fail(k, BH_EINVAL, "the text a copy_text button copies must be 1..%d characters",
                    BH_COPY_TEXT_MAX);
    if (!(o = json_object_new_object()) || bh_tg_put_str(o, "text", copy)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "copy_text", o);
}

/* callback_game and pay: the Bot API wants them first in the first row. */
static int first_button(bh_keyboard *k, const char *text, const char *key, json_object *value)
{
    int rc = button_check(k, BH_KEYBOARD_INLINE, text, key);
    if (rc != BH_OK) {
        json_object_put(value);
        return rc;
    }
    if (k->buttons) {
        json_object_put(value);
        return fail(k, BH_EINVAL, "a %s button must be the first button of the first row", key);
    }
    return add_button(k, text, key, value);
}

int bh_keyboard_button_callback_game(bh_keyboard *k, const char *text)
{
    return first_button(k, text, "callback_game", json_object_new_object());
}

int bh_keyboard_button_pay(bh_keyboard *k, const char *text)
{
    return first_button(k, text, "pay", json_object_new_boolean(1));
}

/* ---- Buttons of both kinds ---- */

int bh_keyboard_button_web_app(bh_keyboard *k, const char *text, const char *url)
{
    json_object *o;
    int rc = button_check(k, -1, text, "web_app");
    if (rc != BH_OK)
        return rc;
    if (!url || strncmp(url, "https://", 8))
        return fail(k, BH_EINVAL, "a web_app button needs an https:// URL");
    if (!(o = json_object_new_object()) || bh_tg_put_str(o, "url", url)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "web_app", o);
}

/* ---- Reply keyboard buttons ---- */

int bh_keyboard_button_text(bh_keyboard *k, const char *text)
{
    int rc = button_check(k, BH_KEYBOARD_REPLY, text, "text");
    return rc != BH_OK ? rc : add_button(k, text, NULL, NULL);
}

int bh_keyboard_button_request_contact(bh_keyboard *k, const char *text)
{
    int rc = button_check(k, BH_KEYBOARD_REPLY, text, "request_contact");
    return rc != BH_OK ? rc : add_button(k, text, "request_contact", json_object_new_boolean(1));
}

int bh_keyboard_button_request_location(bh_keyboard *k, const char *text)
{
    int rc = button_check(k, BH_KEYBOARD_REPLY, text, "request_location");
    return rc != BH_OK ? rc : add_button(k, text, "request_location", json_object_new_boolean(1));
}

int bh_keyboard_button_request_poll(bh_keyboard *k, const char *text, const char *type)
{
    json_object *o;
    int rc = button_check(k, BH_KEYBOARD_REPLY, text, "request_poll");
    if (rc != BH_OK)
        return rc;
    if (type && strcmp(type, "quiz") && strcmp(type, "regular"))
        return fail(k, BH_EINVAL, "a poll type is \"quiz\", \"regular\" or NULL (any), not \"%s\"",
                    type);
    if (!(o = json_object_new_object()) || bh_tg_put_str(o, "type", type)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "request_poll", o);
}

int bh_keyboard_button_request_users(bh_keyboard *k, const char *text,
                                     const bh_request_users *req)
{
    json_object *o;
    int rc = button_check(k, BH_KEYBOARD_REPLY, text, "request_users");
    if (rc != BH_OK)
        return rc;
    if (!req || req->max_quantity < 0 || req->max_quantity > 10)
        return fail(k, BH_EINVAL, "request_users: max_quantity is 1..10 (0: 1)");
    if (!(o = json_object_new_object()) || bh_tg_put_int(o, "request_id", req->request_id) ||
        put_tristate(o, "user_is_bot", req->user_is_bot) ||
        put_tristate(o, "user_is_premium", req->user_is_premium) ||
        (req->max_quantity && bh_tg_put_int(o, "max_quantity", req->max_quantity)) ||
        put_true(o, "request_name", req->request_name) ||
        put_true(o, "request_username", req->request_username) ||
        put_true(o, "request_photo", req->request_photo)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "request_users", o);
}

/* Adds the rights r (when not NULL) under key. 0, or -1 without memory. */
static int put_rights(json_object *o, const char *key, const bh_admin_rights *r)
{
    return r ? bh_tg_put(o, key, bh_tg_rights_json(r)) : 0;
}

int bh_keyboard_button_request_chat(bh_keyboard *k, const char *text, const bh_request_chat *req)
{
    json_object *o;
    int rc = button_check(k, BH_KEYBOARD_REPLY, text, "request_chat");
    if (rc != BH_OK)
        return rc;
    if (!req)
        return fail(k, BH_EINVAL, "request_chat: NULL request");
    if (!(o = json_object_new_object()) || bh_tg_put_int(o, "request_id", req->request_id) ||
        bh_tg_put_bool(o, "chat_is_channel", req->chat_is_channel) ||
        put_tristate(o, "chat_is_forum", req->chat_is_forum) ||
        put_tristate(o, "chat_has_username", req->chat_has_username) ||
        put_true(o, "chat_is_created", req->chat_is_created) ||
        put_rights(o, "user_administrator_rights", req->user_administrator_rights) ||
        put_rights(o, "bot_administrator_rights", req->bot_administrator_rights) ||
        put_true(o, "bot_is_member", req->bot_is_member) ||
        put_true(o, "request_title", req->request_title) ||
        put_true(o, "request_username", req->request_username) ||
        put_true(o, "request_photo", req->request_photo)) {
        json_object_put(o);
        return fail(k, BH_ENOMEM, "out of memory");
    }
    return add_button(k, text, "request_chat", o);
}

/* ---- Reading ---- */

json_object *bh_keyboard_json(const bh_keyboard *k)
{
    return k ? k->markup : NULL;
}

bh_keyboard_kind bh_keyboard_kind_of(const bh_keyboard *k)
{
    return k ? k->kind : BH_KEYBOARD_INLINE;
}

const char *bh_keyboard_kind_name(bh_keyboard_kind kind)
{
    static const char *const names[] = {"inline", "reply", "remove_keyboard", "force_reply"};
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "unknown";
}

size_t bh_keyboard_count(const bh_keyboard *k)
{
    return k ? k->buttons : 0;
}

const char *bh_keyboard_error(const bh_keyboard *k)
{
    return k ? k->error : "NULL keyboard";
}
