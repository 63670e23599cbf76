/*
 * bothive chat: the conversation through the emulator's control API. The
 * user's messages and button presses become updates for the bot; what the
 * bot sent (and its answers to pressed buttons) is read back and printed.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bothive/error.h"
#include "chat.h"

#define BH_CHAT_SETTLE_MS 3000     /* how long a typed message waits for its replies */
#define BH_CHAT_SETTLE_PIPE_MS 15000 /* the same for piped input: scripts want every reply */
#define BH_CHAT_QUIET_MS 150       /* no new output for this long: the bot is done */
#define BH_CHAT_SETTLE_POLL_MS 30  /* how often the emulator is asked meanwhile */

/* Prints the bot's answer to a pressed button, as Telegram shows it: a
 * toast ("answer") or an alert. */
static void print_answer(bh_chat *c, json_object *cb, const char *text)
{
    json_object *alert;
    int is_alert = json_object_object_get_ex(cb, "show_alert", &alert) &&
                   json_object_get_boolean(alert);
    bh_chat_clear_line(c);
    fprintf(stdout, "%sbot>%s %s(%s)%s %s\n", c->color ? "\033[1;36m" : "",
            c->color ? "\033[0m" : "", c->color ? "\033[2m" : "",
            is_alert ? "alert" : "answer", c->color ? "\033[0m" : "", text);
    fflush(stdout);
}

/* Looks for the pressed button `id` in the emulator's list of callbacks
 * and prints the answer it got, if any. Returns true when it was answered. */
static bool show_answer(bh_chat *c, json_object *list, const char *id)
{
    bool done = false;
    for (size_t j = 0; j < json_object_array_length(list); j++) {
        json_object *cb = json_object_array_get_idx(list, j), *v;
        if (!json_object_object_get_ex(cb, "callback_query_id", &v) ||
            strcmp(json_object_get_string(v), id))
            continue;
        if (!json_object_object_get_ex(cb, "answered", &v) || !json_object_get_boolean(v))
            continue;
        done = true;
        if (json_object_object_get_ex(cb, "text", &v) && v && json_object_get_string_len(v) > 0)
            print_answer(c, cb, json_object_get_string(v));
    }
    return done;
}

/* Prints the answers the bot gave to pressed buttons (Telegram shows them
 * as a toast or an alert), and forgets the answered ones. */
static void show_answers(bh_chat *c)
{
    char err[256];
    json_object *list;
    int kept = 0;
    if (!c->npressed)
        return;
    if (!(list = bh_chat_http_call(c->http, "/control/callbacks", NULL, err, sizeof err)))
        return;
    for (int i = 0; i < c->npressed; i++)
        if (!show_answer(c, list, c->pressed[i]))
            memcpy(c->pressed[kept++], c->pressed[i], sizeof c->pressed[i]);
    c->npressed = kept;
    json_object_put(list);
}

int bh_chat_refresh(bh_chat *c)
{
    char err[256];
    json_object *sent = bh_chat_http_call(c->http, "/control/sent", NULL, err, sizeof err);
    int n;
    if (!sent) {
        if (!c->emu_gone)
            bh_chat_note(c, "the emulator does not answer: %s", err);
        c->emu_gone = 1;
        return -1;
    }
    /* Output that arrives on its own goes above the prompt: the view clears
     * the prompt line first when it prints anything. */
    n = bh_chat_view_update(c->view, sent, c->chat_id, c->prompt_shown ? "\r\033[K" : NULL);
    if (n > 0)
        c->prompt_shown = 0;
    json_object_put(sent);
    show_answers(c);
    bh_chat_inline_refresh(c);
    return n;
}

/* How many updates the bot has not confirmed yet, or -1. */
static int64_t pending_updates(bh_chat *c)
{
    char err[256];
    json_object *st = bh_chat_http_call(c->http, "/control/stats", NULL, err, sizeof err), *v;
    int64_t n = -1;
    if (st && json_object_object_get_ex(st, "pending_updates", &v))
        n = json_object_get_int64(v);
    json_object_put(st);
    return n;
}

/* After the user wrote or pressed: waits until the bot has taken the update
 * (it confirmed it with its next getUpdates) and has been quiet for a moment,
 * so that its replies come before the next prompt. Gives up after
 * BH_CHAT_SETTLE_MS on a terminal (later replies are printed when they
 * come); piped input waits longer, since a slow bot (starting, or under
 * sanitizers) would otherwise answer after the script has ended. */
void bh_chat_settle(bh_chat *c)
{
    int64_t start = bh_clock_mono_ms(), last_output = start;
    int64_t limit = c->tty ? BH_CHAT_SETTLE_MS : BH_CHAT_SETTLE_PIPE_MS;
    while (!c->quit && !c->bot_gone && !c->emu_gone) {
        int64_t now = bh_clock_mono_ms();
        int n = bh_chat_refresh(c);
        if (n > 0)
            last_output = now;
        if (now - start >= limit)
            break;
        if (now - last_output >= BH_CHAT_QUIET_MS && pending_updates(c) == 0 && c->npressed == 0)
            break;
        bh_chat_wait(c, BH_CHAT_SETTLE_POLL_MS, 0, NULL);
    }
    bh_chat_refresh(c);  /* what came just before the bot ended */
}

/* A user's message to the current chat. */
void bh_chat_say(bh_chat *c, const char *text, int echo)
{
    json_object *o = bh_chat_user_body(c), *res;
    char err[256];
    json_object_object_add(o, "chat_id", json_object_new_int64(c->chat_id));
    json_object_object_add(o, "text", json_object_new_string(text));
    json_object_object_add(o, "chat_type", json_object_new_string(c->group ? "group" : "private"));
    if (echo) {
        fprintf(stdout, "%syou>%s %s\n", c->color ? "\033[1;32m" : "", c->color ? "\033[0m" : "", text);
        fflush(stdout);
    }
    res = bh_chat_http_call(c->http, "/control/message", json_object_to_json_string(o), err, sizeof err);
    json_object_put(o);
    if (!res) {
        bh_chat_note(c, "not sent: %s", err);
        return;
    }
    json_object_put(res);
    bh_chat_settle(c);
}

/* Presses the inline button b (its callback_data is data) of message
 * msg_id: the emulator queues a callback query, whose answer is then
 * awaited. */
static void press_inline(bh_chat *c, json_object *b, json_object *data, int64_t msg_id, int64_t n)
{
    char err[256];
    json_object *o = bh_chat_user_body(c), *res, *v;
    json_object_object_add(o, "chat_id", json_object_new_int64(c->chat_id));
    json_object_object_add(o, "message_id", json_object_new_int64(msg_id));
    json_object_object_add(o, "data", json_object_get(data));
    res = bh_chat_http_call(c->http, "/control/callback", json_object_to_json_string(o), err, sizeof err);
    json_object_put(o);
    if (!res) {
        bh_chat_note(c, "not pressed: %s", err);
        return;
    }
    if (!c->tty || c->verbose)
        bh_chat_note(c, "pressed [%" PRId64 "] %s", n,
                     json_object_object_get_ex(b, "text", &v) ? json_object_get_string(v) : "");
    if (json_object_object_get_ex(res, "callback_query_id", &v) && c->npressed < BH_CHAT_MAX_PRESSED)
        snprintf(c->pressed[c->npressed++], sizeof c->pressed[0], "%s", json_object_get_string(v));
    json_object_put(res);
    bh_chat_settle(c);
}

/* Presses button b of the reply keyboard the chat shows: the emulator
 * plays what the client sends (the text, or a location, a contact...). */
static void press_reply(bh_chat *c, json_object *b)
{
    char err[256];
    json_object *o = bh_chat_user_body(c), *res, *v;
    const char *text = json_object_is_type(b, json_type_string) ? json_object_get_string(b)
                       : json_object_object_get_ex(b, "text", &v) ? json_object_get_string(v)
                                                                   : "";
    fprintf(stdout, "%syou>%s %s%s\n", c->color ? "\033[1;32m" : "", c->color ? "\033[0m" : "", text,
            bh_chat_view_button_kind(b));
    fflush(stdout);
    json_object_object_add(o, "chat_id", json_object_new_int64(c->chat_id));
    json_object_object_add(o, "text", json_object_new_string(text));
    res = bh_chat_http_call(c->http, "/control/reply_button", json_object_to_json_string(o), err,
                            sizeof err);
    json_object_put(o);
    if (!res) {
        bh_chat_note(c, "not pressed: %s", err);
        return;
    }
    json_object_put(res);
    bh_chat_settle(c);
}

/* Presses button b of a keyboard. Reply-keyboard buttons send what
 * Telegram's clients send; inline buttons need callback_data. */
static void press_button(bh_chat *c, json_object *b, int is_inline, int64_t msg_id, int64_t n)
{
    json_object *v;
    if (!is_inline) {
        press_reply(c, b);
    } else if (json_object_object_get_ex(b, "callback_data", &v)) {
        press_inline(c, b, v, msg_id, n);
    } else if (json_object_object_get_ex(b, "url", &v)) {
        bh_chat_note(c, "that button opens %s", json_object_get_string(v));
    } else {
        bh_chat_note(c, "the emulator can only press buttons with callback_data");
    }
}

/* :press N: a button of the newest message of this chat with a keyboard. */
void bh_chat_press(bh_chat *c, const char *arg)
{
    char err[256], path[64];
    json_object *sent, *kb, *b;
    int64_t msg_id = 0, n;
    int is_inline = 0;

    if (bh_chat_parse_id(arg, &n) != BH_OK || n < 1 || n > INT_MAX) {
        bh_chat_note(c, "which button? :press N, N from 1");
        return;
    }
    snprintf(path, sizeof path, "/control/sent?chat_id=%" PRId64, c->chat_id);
    if (!(sent = bh_chat_http_call(c->http, path, NULL, err, sizeof err))) {
        bh_chat_note(c, "cannot read the chat: %s", err);
        return;
    }
    if (bh_chat_view_last_keyboard(sent, c->chat_id, &msg_id, &kb, &is_inline) != BH_OK)
        bh_chat_note(c, "no message of this chat has buttons");
    else if (!(b = bh_chat_view_button(kb, (int)n)))
        bh_chat_note(c, "the last keyboard has no button %" PRId64, n);
    else
        press_button(c, b, is_inline, msg_id, n);
    json_object_put(sent);
}
