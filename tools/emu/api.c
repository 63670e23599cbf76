/*
 * The Bot API methods of the emulator. Each method checks what Telegram
 * checks and answers Telegram's error texts, so that a client tested here
 * handles the real service's answers. Every method runs with e->lock held;
 * getUpdates waits on e->cond, which releases it while waiting.
 *
 * Faults injected with /control/faults apply here, before the method runs:
 * a faulted call changes nothing (a faulted sendMessage is not recorded).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/clock.h"
#include "bothive/error.h"
#include "emu.h"

typedef void (*bh_emu_method_fn)(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

#define BH_EMU_ERR_NOT_MODIFIED                                                              \
    "Bad Request: message is not modified: specified new message content and reply markup " \
    "are exactly the same as a current content and reply markup of the message"

/* ---- parameter checks shared by the methods ---- */

/* Resolves the chat named by parameter `name`, or answers Telegram's error
 * and returns NULL. A chat exists once a user wrote in it. */
static bh_emu_chat *bh_emu_need_chat(bh_emu *e, bh_emu_params *p, const char *name,
                                     bh_emu_reply *r)
{
    int64_t id;
    int rc = bh_emu_param_int(p, name, &id);
    bh_emu_chat *c;
    char desc[96];
    if (rc == BH_ENOTFOUND) {
        snprintf(desc, sizeof desc, "Bad Request: %s is empty", name);
        bh_emu_reply_error(r, 400, desc);
        return NULL;
    }
    c = rc == BH_OK ? bh_emu_chat_find_locked(e, id) : NULL;
    if (!c)
        bh_emu_reply_error(r, 400, "Bad Request: chat not found");
    return c;
}

/* As bh_emu_need_chat, and the user must not have blocked the bot. */
static bh_emu_chat *bh_emu_need_open_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (c && c->blocked) {
        bh_emu_reply_error(r, 403, "Forbidden: bot was blocked by the user");
        return NULL;
    }
    return c;
}

/* Reads message_id and finds that message in c, or answers `missing` (the
 * method's "message to ... not found") and returns NULL. */
static bh_emu_msg *bh_emu_need_msg(bh_emu_chat *c, bh_emu_params *p, const char *missing,
                                   bh_emu_reply *r)
{
    int64_t id;
    int rc = bh_emu_param_int(p, "message_id", &id);
    bh_emu_msg *m;
    if (rc == BH_ENOTFOUND) {
        bh_emu_reply_error(r, 400, "Bad Request: message identifier is not specified");
        return NULL;
    }
    m = rc == BH_OK ? bh_emu_msg_find(c, id) : NULL;
    if (!m)
        bh_emu_reply_error(r, 400, missing);
    return m;
}

/* Checks and trims the text parameter: 1..4096 UTF-16 units after trimming.
 * Returns the malloc'd trimmed text, or NULL after answering the error. */
static char *bh_emu_need_text(bh_emu_params *p, bh_emu_reply *r)
{
    const char *raw = bh_emu_param_str(p, "text");
    char *t = bh_emu_trim(raw ? raw : "");
    if (!t) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return NULL;
    }
    if (!*t) {
        bh_emu_reply_error(r, 400, "Bad Request: message text is empty");
        goto fail;
    }
    if (bh_emu_utf16_len(t, strlen(t)) > BH_EMU_MAX_TEXT) {
        bh_emu_reply_error(r, 400, "Bad Request: message is too long");
        goto fail;
    }
    return t;
fail:
    free(t);
    return NULL;
}

/* parse_mode must be one Telegram knows; *out is a malloc'd copy or NULL
 * when none was given. Returns 0, or -1 after answering the error. The
 * emulator does not parse the markup itself. */
static int bh_emu_need_parse_mode(bh_emu_params *p, bh_emu_reply *r, char **out)
{
    const char *pm = bh_emu_param_str(p, "parse_mode");
    *out = NULL;
    if (!pm || !*pm)
        return 0;
    if (strcasecmp(pm, "HTML") && strcasecmp(pm, "Markdown") && strcasecmp(pm, "MarkdownV2")) {
        bh_emu_reply_error(r, 400, "Bad Request: unsupported parse_mode");
        return -1;
    }
    *out = strdup(pm);
    return 0;
}

/* Checks an inline keyboard: an array of rows, each an array of buttons
 * with a text and exactly the kind of action Telegram requires.
 * Returns NULL when valid, else the error description. */
static const char *bh_emu_check_inline_keyboard(json_object *kb)
{
    static const char *const actions[] = {"callback_data", "url", "switch_inline_query",
                                          "switch_inline_query_current_chat", "login_url",
                                          "web_app", "pay", "callback_game", "copy_text",
                                          "switch_inline_query_chosen_chat"};
    if (!json_object_is_type(kb, json_type_array))
        return "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array";
    for (size_t i = 0; i < json_object_array_length(kb); i++) {
        json_object *row = json_object_array_get_idx(kb, i);
        if (!json_object_is_type(row, json_type_array))
            return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton should be an Array";
        for (size_t j = 0; j < json_object_array_length(row); j++) {
            json_object *b = json_object_array_get_idx(row, j), *v;
            int nact = 0;
            if (!json_object_is_type(b, json_type_object))
                return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton should be an Object";
            if (!json_object_object_get_ex(b, "text", &v) || !json_object_is_type(v, json_type_string))
                return "Bad Request: can't parse inline keyboard button: Field \"text\" must be of type String";
            for (size_t k = 0; k < sizeof actions / sizeof actions[0]; k++)
                if (json_object_object_get_ex(b, actions[k], NULL))
                    nact++;
            if (nact == 0)
                return "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
            if (json_object_object_get_ex(b, "callback_data", &v)) {
                size_t n = strlen(json_object_get_string(v));
                if (n < 1 || n > 64)
                    return "Bad Request: BUTTON_DATA_INVALID";
            }
        }
    }
    return NULL;
}

/* Reads reply_markup into *out (malloc'd JSON text, NULL when absent).
 * Returns 0, or -1 after answering the error. */
static int bh_emu_need_markup(bh_emu_params *p, bh_emu_reply *r, char **out)
{
    int bad;
    json_object *rm = bh_emu_param_json(p, "reply_markup", &bad), *kb;
    const char *err = NULL;
    *out = NULL;
    if (bad || (rm && !json_object_is_type(rm, json_type_object))) {
        json_object_put(rm);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse reply keyboard markup JSON object");
        return -1;
    }
    if (!rm)
        return 0;
    if (json_object_object_get_ex(rm, "inline_keyboard", &kb))
        err = bh_emu_check_inline_keyboard(kb);
    else if (json_object_object_get_ex(rm, "keyboard", &kb) && !json_object_is_type(kb, json_type_array))
        err = "Bad Request: field \"keyboard\" of the ReplyKeyboardMarkup should be an Array";
    if (err) {
        json_object_put(rm);
        bh_emu_reply_error(r, 400, err);
        return -1;
    }
    *out = bh_emu_json_text(rm);
    json_object_put(rm);
    return 0;
}

/* The replied-to message id from reply_to_message_id or the newer
 * reply_parameters.message_id; 0 when none. Answers the error and returns
 * -1 when it names no message of c (unless allow_sending_without_reply). */
static int64_t bh_emu_need_reply_to(bh_emu_chat *c, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t id = 0;
    int allow = bh_emu_param_bool(p, "allow_sending_without_reply");
    int bad;
    json_object *rp = bh_emu_param_json(p, "reply_parameters", &bad), *v;
    if (rp && json_object_is_type(rp, json_type_object) &&
        json_object_object_get_ex(rp, "message_id", &v)) {
        id = json_object_get_int64(v);
        if (json_object_object_get_ex(rp, "allow_sending_without_reply", &v))
            allow = json_object_get_boolean(v);
    }
    json_object_put(rp);
    if (bad) {
        bh_emu_reply_error(r, 400, "Bad Request: can't parse reply parameters JSON object");
        return -1;
    }
    if (!id) {
        int rc = bh_emu_param_int(p, "reply_to_message_id", &id);
        if (rc == BH_ENOTFOUND)
            return 0;
        if (rc != BH_OK)
            id = -1;
    }
    if (id == 0)
        return 0;
    if (!bh_emu_msg_find(c, id)) {
        if (allow)
            return 0;
        bh_emu_reply_error(r, 400, "Bad Request: message to be replied not found");
        return -1;
    }
    return id;
}

/* ---- the methods ---- */

static void bh_emu_get_me(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *me = bh_emu_bot_json(e);
    (void)p;
    json_object_object_add(me, "can_join_groups", json_object_new_boolean(1));
    json_object_object_add(me, "can_read_all_group_messages", json_object_new_boolean(0));
    json_object_object_add(me, "supports_inline_queries", json_object_new_boolean(0));
    bh_emu_reply_ok(r, me);
}

static void bh_emu_get_updates(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t offset = 0, limit = 100, timeout = 0, deadline;
    uint64_t gen;
    int bad;
    json_object *au, *result;

    if (e->webhook_url) {
        bh_emu_reply_error(r, 409, "Conflict: can't use getUpdates method while webhook is active; "
                                   "use deleteWebhook to delete the webhook first");
        return;
    }
    au = bh_emu_param_json(p, "allowed_updates", &bad);
    if (bad || (au && !json_object_is_type(au, json_type_array))) {
        json_object_put(au);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse allowed_updates JSON array");
        return;
    }
    if (au) {
        free(e->allowed_updates);
        e->allowed_updates = bh_emu_json_text(au);
        json_object_put(au);
    }
    if (bh_emu_param_int(p, "offset", &offset) == BH_OK) {
        if (offset > 0) {
            bh_emu_update_confirm_locked(e, offset);
        } else if (offset < 0) {
            /* -N: only the last N updates are kept, the older are forgotten. */
            while (e->uhead && e->pending > (size_t)(-(offset + 1)) + 1)
                bh_emu_update_confirm_locked(e, e->uhead->id + 1);
        }
    }
    bh_emu_param_int(p, "limit", &limit);
    limit = limit < 1 ? 1 : limit > 100 ? 100 : limit;
    bh_emu_param_int(p, "timeout", &timeout);
    timeout = timeout < 0 ? 0 : timeout > BH_EMU_MAX_POLL_TIMEOUT ? BH_EMU_MAX_POLL_TIMEOUT : timeout;

    /* A newer getUpdates ends this one with 409, as Telegram does when two
     * instances of a bot poll at once. */
    gen = ++e->poll_generation;
    pthread_cond_broadcast(&e->cond);
    deadline = bh_clock_mono_ms() + timeout * 1000;
    for (;;) {
        bh_emu_update_filter_locked(e);
        if (e->pending > 0 || e->stopping || e->webhook_url)
            break;
        if (e->poll_generation != gen) {
            bh_emu_reply_error(r, 409, "Conflict: terminated by other getUpdates request; "
                                       "make sure that only one bot instance is running");
            return;
        }
        int64_t now = bh_clock_mono_ms();
        if (now >= deadline)
            break;
        struct timespec ts = bh_clock_after_ms(deadline - now);
        pthread_cond_timedwait(&e->cond, &e->lock, &ts);
    }
    result = json_object_new_array();
    int64_t n = 0;
    for (bh_emu_update *u = e->uhead; u && n < limit; u = u->next, n++) {
        json_object *o = json_tokener_parse(u->json);
        if (o)
            json_object_array_add(result, o);
    }
    bh_emu_reply_ok(r, result);
}

static void bh_emu_send_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    char *text = NULL, *pm = NULL, *markup = NULL;
    int64_t reply_to;
    bh_emu_msg *m;
    if (!c)
        return;
    if (!(text = bh_emu_need_text(p, r)))
        return;
    if (bh_emu_need_parse_mode(p, r, &pm) < 0 || bh_emu_need_markup(p, r, &markup) < 0)
        goto fail;
    if ((reply_to = bh_emu_need_reply_to(c, p, r)) < 0)
        goto fail;
    if (!(m = bh_emu_msg_add_locked(c))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        goto fail;
    }
    m->from_bot = 1;
    m->text = text;
    m->parse_mode = pm;
    m->reply_markup = markup;
    m->reply_to = reply_to;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
    return;
fail:
    free(text);
    free(pm);
    free(markup);
}

static int bh_emu_str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void bh_emu_edit_message_text(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c;
    bh_emu_msg *m;
    char *text = NULL, *pm = NULL, *markup = NULL;
    if (bh_emu_param_str(p, "inline_message_id")) {
        bh_emu_reply_error(r, 400, "Bad Request: MESSAGE_ID_INVALID");
        return;
    }
    if (!(c = bh_emu_need_open_chat(e, p, r)))
        return;
    if (!(m = bh_emu_need_msg(c, p, "Bad Request: message to edit not found", r)))
        return;
    if (!m->from_bot) {
        bh_emu_reply_error(r, 400, "Bad Request: message can't be edited");
        return;
    }
    if (!(text = bh_emu_need_text(p, r)))
        return;
    if (bh_emu_need_parse_mode(p, r, &pm) < 0 || bh_emu_need_markup(p, r, &markup) < 0)
        goto fail;
    /* Without reply_markup an edit removes the inline keyboard, as in Telegram. */
    if (!strcmp(text, m->text) && bh_emu_str_eq(markup, m->reply_markup) &&
        bh_emu_str_eq(pm, m->parse_mode)) {
        bh_emu_reply_error(r, 400, BH_EMU_ERR_NOT_MODIFIED);
        goto fail;
    }
    free(m->text);
    free(m->parse_mode);
    free(m->reply_markup);
    m->text = text;
    m->parse_mode = pm;
    m->reply_markup = markup;
    m->edited = 1;
    m->edit_date = (int64_t)time(NULL);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
    return;
fail:
    free(text);
    free(pm);
    free(markup);
}

static void bh_emu_delete_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    bh_emu_msg *m;
    if (!c || !(m = bh_emu_need_msg(c, p, "Bad Request: message to delete not found", r)))
        return;
    m->deleted = 1;
    e->stats.deletes++;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

static void bh_emu_forward_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *to = bh_emu_need_open_chat(e, p, r), *from;
    bh_emu_msg *src, *m;
    char *text;
    if (!to || !(from = bh_emu_need_chat(e, p, "from_chat_id", r)))
        return;
    if (!(src = bh_emu_need_msg(from, p, "Bad Request: message to forward not found", r)))
        return;
    int64_t src_id = src->id;
    if (!(text = strdup(src->text ? src->text : ""))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    if (!(m = bh_emu_msg_add_locked(to))) {  /* src may move: it is not used after */
        free(text);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    m->from_bot = 1;
    m->text = text;
    m->fwd_chat_id = from->id;
    m->fwd_msg_id = src_id;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    e->stats.forwards++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, to, m, 0));
}

static void bh_emu_send_chat_action(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    static const char *const actions[] = {"typing", "upload_photo", "record_video", "upload_video",
                                          "record_voice", "upload_voice", "upload_document",
                                          "choose_sticker", "find_location", "record_video_note",
                                          "upload_video_note"};
    const char *a;
    if (!bh_emu_need_open_chat(e, p, r))
        return;
    a = bh_emu_param_str(p, "action");
    if (!a || !*a) {
        bh_emu_reply_error(r, 400, "Bad Request: action is empty");
        return;
    }
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (!strcmp(a, actions[i])) {
            bh_emu_reply_ok(r, json_object_new_boolean(1));
            return;
        }
    }
    bh_emu_reply_error(r, 400, "Bad Request: wrong parameter action in request");
}

static void bh_emu_answer_callback_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *id = bh_emu_param_str(p, "callback_query_id");
    const char *text = bh_emu_param_str(p, "text");
    bh_emu_callback *cb;
    if (!id || !*id) {
        bh_emu_reply_error(r, 400, "Bad Request: callback_query_id is empty");
        return;
    }
    for (cb = e->callbacks; cb; cb = cb->next)
        if (!strcmp(cb->id, id))
            break;
    if (!cb || cb->answered) {
        bh_emu_reply_error(r, 400, "Bad Request: query is too old and response timeout expired "
                                   "or query ID is invalid");
        return;
    }
    if (text && bh_emu_utf16_len(text, strlen(text)) > 200) {
        bh_emu_reply_error(r, 400, "Bad Request: MESSAGE_TOO_LONG");
        return;
    }
    cb->answered = 1;
    cb->answer_text = text ? strdup(text) : NULL;
    cb->show_alert = bh_emu_param_bool(p, "show_alert");
    e->stats.callback_answers++;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

static void bh_emu_set_my_commands(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *cmds = bh_emu_param_json(p, "commands", &bad), *clean = NULL;
    const char *err = NULL;
    if (!cmds && !bad) {
        bh_emu_reply_error(r, 400, "Bad Request: parameter \"commands\" is required");
        return;
    }
    if (bad || !json_object_is_type(cmds, json_type_array)) {
        err = "Bad Request: can't parse commands JSON object";
        goto done;
    }
    if (json_object_array_length(cmds) > 100) {
        err = "Bad Request: too many commands specified";
        goto done;
    }
    clean = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(cmds); i++) {
        json_object *c = json_object_array_get_idx(cmds, i), *cmd, *desc, *o;
        if (!json_object_is_type(c, json_type_object) ||
            !json_object_object_get_ex(c, "command", &cmd) ||
            !json_object_object_get_ex(c, "description", &desc)) {
            err = "Bad Request: can't parse BotCommand";
            goto done;
        }
        const char *s = json_object_get_string(cmd), *d = json_object_get_string(desc);
        size_t n = strlen(s);
        if (n < 1 || n > 32) {
            err = "Bad Request: BOT_COMMAND_INVALID";
            goto done;
        }
        for (size_t k = 0; k < n; k++)
            if (!(islower((unsigned char)s[k]) || isdigit((unsigned char)s[k]) || s[k] == '_')) {
                err = "Bad Request: BOT_COMMAND_INVALID";
                goto done;
            }
        if (!*d || bh_emu_utf16_len(d, strlen(d)) > 256) {
            err = *d ? "Bad Request: command description is too long"
                     : "Bad Request: command description is empty";
            goto done;
        }
        o = json_object_new_object();
        json_object_object_add(o, "command", json_object_new_string(s));
        json_object_object_add(o, "description", json_object_new_string(d));
        json_object_array_add(clean, o);
    }
    free(e->commands);
    e->commands = bh_emu_json_text(clean);
done:
    json_object_put(cmds);
    json_object_put(clean);
    if (err)
        bh_emu_reply_error(r, 400, err);
    else
        bh_emu_reply_ok(r, json_object_new_boolean(1));
}

static void bh_emu_get_my_commands(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *cmds = e->commands ? json_tokener_parse(e->commands) : NULL;
    (void)p;
    bh_emu_reply_ok(r, cmds ? cmds : json_object_new_array());
}

static void bh_emu_delete_my_commands(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    (void)p;
    free(e->commands);
    e->commands = NULL;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

static void bh_emu_clear_webhook_locked(bh_emu *e)
{
    free(e->webhook_url);
    free(e->webhook_secret);
    free(e->webhook_last_error);
    e->webhook_url = e->webhook_secret = e->webhook_last_error = NULL;
    e->webhook_last_error_date = 0;
    e->webhook_retry_at_ms = 0;
    bh_backoff_reset(&e->webhook_backoff);
    e->webhook_generation++;
    pthread_cond_broadcast(&e->cond);
}

static void bh_emu_delete_webhook(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int had = e->webhook_url != NULL;
    if (bh_emu_param_bool(p, "drop_pending_updates"))
        bh_emu_update_drop_all_locked(e);
    bh_emu_clear_webhook_locked(e);
    bh_emu_reply_true_desc(r, had ? "Webhook was deleted" : "Webhook is already deleted");
}

/* Sets the webhook. The emulator accepts http:// as well as https:// URLs,
 * since tests serve their hooks on loopback without TLS. */
static void bh_emu_set_webhook(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *url = bh_emu_param_str(p, "url"), *secret = bh_emu_param_str(p, "secret_token");
    int bad;
    json_object *au;
    if (!url || !*url) {
        bh_emu_delete_webhook(e, p, r);
        return;
    }
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        bh_emu_reply_error(r, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        return;
    }
    if (secret) {
        size_t n = strlen(secret);
        int ok = n >= 1 && n <= 256;
        for (size_t i = 0; ok && i < n; i++)
            ok = isalnum((unsigned char)secret[i]) || secret[i] == '_' || secret[i] == '-';
        if (!ok) {
            bh_emu_reply_error(r, 400, "Bad Request: secret token contains unallowed characters");
            return;
        }
    }
    au = bh_emu_param_json(p, "allowed_updates", &bad);
    if (bad || (au && !json_object_is_type(au, json_type_array))) {
        json_object_put(au);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse allowed_updates JSON array");
        return;
    }
    if (au) {
        free(e->allowed_updates);
        e->allowed_updates = bh_emu_json_text(au);
        json_object_put(au);
    }
    if (bh_emu_param_bool(p, "drop_pending_updates"))
        bh_emu_update_drop_all_locked(e);
    bh_emu_clear_webhook_locked(e);
    e->webhook_url = strdup(url);
    e->webhook_secret = secret ? strdup(secret) : NULL;
    bh_emu_reply_true_desc(r, "Webhook was set");
}

static void bh_emu_get_webhook_info(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *o = json_object_new_object();
    (void)p;
    bh_emu_update_filter_locked(e);
    json_object_object_add(o, "url", json_object_new_string(e->webhook_url ? e->webhook_url : ""));
    json_object_object_add(o, "has_custom_certificate", json_object_new_boolean(0));
    json_object_object_add(o, "pending_update_count", json_object_new_int64((int64_t)e->pending));
    if (e->webhook_url)
        json_object_object_add(o, "max_connections", json_object_new_int(40));
    if (e->webhook_last_error) {
        json_object_object_add(o, "last_error_date", json_object_new_int64(e->webhook_last_error_date));
        json_object_object_add(o, "last_error_message", json_object_new_string(e->webhook_last_error));
    }
    if (e->allowed_updates) {
        json_object *au = json_tokener_parse(e->allowed_updates);
        if (au)
            json_object_object_add(o, "allowed_updates", au);
    }
    bh_emu_reply_ok(r, o);
}

static const struct {
    const char *name;
    bh_emu_method_fn fn;
} bh_emu_methods[] = {
    {"getMe", bh_emu_get_me},
    {"getUpdates", bh_emu_get_updates},
    {"sendMessage", bh_emu_send_message},
    {"editMessageText", bh_emu_edit_message_text},
    {"deleteMessage", bh_emu_delete_message},
    {"forwardMessage", bh_emu_forward_message},
    {"sendChatAction", bh_emu_send_chat_action},
    {"answerCallbackQuery", bh_emu_answer_callback_query},
    {"setMyCommands", bh_emu_set_my_commands},
    {"getMyCommands", bh_emu_get_my_commands},
    {"deleteMyCommands", bh_emu_delete_my_commands},
    {"setWebhook", bh_emu_set_webhook},
    {"deleteWebhook", bh_emu_delete_webhook},
    {"getWebhookInfo", bh_emu_get_webhook_info},
};

/* Waits ms milliseconds with e->lock held (released while waiting); ends
 * early when the emulator stops. */
static void bh_emu_delay_locked(bh_emu *e, int ms)
{
    int64_t deadline = bh_clock_mono_ms() + ms;
    while (!e->stopping) {
        int64_t left = deadline - bh_clock_mono_ms();
        if (left <= 0)
            break;
        struct timespec ts = bh_clock_after_ms(left);
        pthread_cond_timedwait(&e->cond, &e->lock, &ts);
    }
}

/* Serves one Bot API call: finds the method (names are case-insensitive,
 * as in Telegram), counts it, notes a call that came before a 429's
 * retry_after had passed, injects the configured faults, then runs it. */
void bh_emu_api_handle(bh_emu *e, const char *method, bh_emu_params *p, bh_emu_reply *r)
{
    size_t i, n = sizeof bh_emu_methods / sizeof bh_emu_methods[0];
    int64_t chat_id = 0, now;
    bh_emu_chat *chat = NULL;
    int64_t *retry_until;
    bh_emu_faults f;

    for (i = 0; i < n; i++)
        if (!strcasecmp(method, bh_emu_methods[i].name))
            break;
    pthread_mutex_lock(&e->lock);
    e->stats.requests++;
    if (i == n) {
        pthread_mutex_unlock(&e->lock);
        bh_emu_reply_error(r, 404, "Not Found");
        return;
    }
    bh_emu_count_method_locked(e, bh_emu_methods[i].name);
    f = e->faults;
    /* Delay first: the wait releases the lock, and a reset may free chats. */
    if (f.delay_ms > 0)
        bh_emu_delay_locked(e, f.delay_ms);

    /* retry_after is per chat for calls naming one, global for the others. */
    if (bh_emu_param_int(p, "chat_id", &chat_id) == BH_OK)
        chat = bh_emu_chat_find_locked(e, chat_id);
    retry_until = chat ? &chat->retry_until_ms : &e->global_retry_until_ms;
    now = bh_clock_mono_ms();
    if (now < *retry_until) {
        e->stats.early_retries++;
        if (chat)
            chat->early_retries++;
    }

    f = e->faults;
    if (f.rate_429 > 0 && bh_emu_random_locked(e) < f.rate_429) {
        e->stats.faults_429++;
        *retry_until = bh_clock_mono_ms() + (int64_t)f.retry_after * 1000;
        pthread_mutex_unlock(&e->lock);
        bh_emu_reply_retry_after(r, f.retry_after);
        return;
    }
    if (f.rate_500 > 0 && bh_emu_random_locked(e) < f.rate_500) {
        e->stats.faults_500++;
        pthread_mutex_unlock(&e->lock);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    if (f.bad_json_rate > 0 && bh_emu_random_locked(e) < f.bad_json_rate) {
        e->stats.faults_bad_json++;
        pthread_mutex_unlock(&e->lock);
        bh_emu_reply_raw(r, 200, "{\"ok\":true,\"result\":{\"message_id\":1,\"text\":\"trunc");
        return;
    }
    bh_emu_methods[i].fn(e, p, r);
    pthread_mutex_unlock(&e->lock);
}
