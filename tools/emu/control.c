/*
 * The control API of the emulator: what tests and tools use to play the
 * users (write messages, press buttons, block the bot), to see what the bot
 * did, and to inject faults. Bodies are JSON objects; answers use the Bot
 * API's shape ({"ok":true,"result":...} or ok:false with error_code and
 * description). Control calls are never faulted and not counted as requests.
 *
 *   POST /control/message   {"chat_id","user_id","text","chat_type"?,"reply_to_message_id"?,
 *                            "language_code"?} (403 when the user is banned or may not
 *                            write there)
 *   POST /control/callback  {"chat_id","user_id","message_id","data","language_code"?}
 *                           (language_code: the user's, in the update's "from"; "en"
 *                            when absent)
 *   GET  /control/sent[?chat_id=N]   the bot's messages (deleted ones stay, "deleted":true;
 *                            media messages with "media", "caption", "media_group_id")
 *   GET  /control/callbacks  pressed buttons and the bot's answers
 *   GET|POST /control/faults {"rate_429","retry_after","rate_500","delay_ms","bad_json_rate","seed"?}
 *   POST /control/block     {"chat_id","blocked"?}
 *   GET  /control/stats
 *   POST /control/reset
 *   GET  /control/answers   the bot's answers to inline queries and join requests
 *   GET|POST /control/flood  the flood limits of --flood (flood.c)
 *   GET  /control/inline_messages[?inline_message_id=I]  messages sent via inline mode
 *   POST /control/update, /member, /join_request, /reaction, /poll_answer,
 *        /inline_query, /chosen_inline_result, /media: every other update
 *        kind (inject.c)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* Parses the body as a JSON object (an empty body is an empty object).
 * Returns it, or NULL after answering 400. */
static json_object *read_body(const char *body, size_t len, bh_emu_reply *r)
{
    bh_emu_params *p = bh_emu_params_new();
    if (!p) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return NULL;
    }
    if (len > 0 && bh_emu_params_add_json(p, body, len) != BH_OK) {
        json_object_put(p);
        bh_emu_reply_error(r, 400, "Bad Request: the body must be a JSON object");
        return NULL;
    }
    return p;
}

/* Reads the integer field `name`. Returns BH_OK, BH_ENOTFOUND when absent,
 * or BH_EINVAL after answering 400 when it is not an integer. When required
 * and absent, answers 400 too. */
int bh_emu_field_int(json_object *o, const char *name, int required, int64_t *out,
                              bh_emu_reply *r)
{
    json_object *v;
    char desc[96];
    if (!json_object_object_get_ex(o, name, &v) || !v) {
        if (!required)
            return BH_ENOTFOUND;
        snprintf(desc, sizeof desc, "Bad Request: %s is required", name);
        bh_emu_reply_error(r, 400, desc);
        return BH_EINVAL;
    }
    if (!json_object_is_type(v, json_type_int)) {
        snprintf(desc, sizeof desc, "Bad Request: %s must be an integer", name);
        bh_emu_reply_error(r, 400, desc);
        return BH_EINVAL;
    }
    *out = json_object_get_int64(v);
    return BH_OK;
}

/* The text field `name`, or NULL after answering 400 when absent or not a
 * non-empty string. */
const char *bh_emu_field_str(json_object *o, const char *name, bh_emu_reply *r)
{
    json_object *v;
    char desc[96];
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0) {
        snprintf(desc, sizeof desc, "Bad Request: %s must be a non-empty string", name);
        bh_emu_reply_error(r, 400, desc);
        return NULL;
    }
    return json_object_get_string(v);
}

/* Reads user_id into *out; absent, the user is the chat's (a private
 * chat's id is its user's id). Returns BH_OK, or BH_EINVAL after
 * answering 400. */
int bh_emu_field_user(json_object *o, int64_t chat_id, int64_t *out, bh_emu_reply *r)
{
    int rc = bh_emu_field_int(o, "user_id", 0, out, r);
    if (rc == BH_ENOTFOUND) {
        *out = chat_id;  /* a private chat's id is its user's id */
        return BH_OK;
    }
    return rc;
}

/* Reads the optional language_code into out ("" when absent): an IETF
 * tag as Telegram gives it, 2-15 letters, digits and '-'. Returns BH_OK,
 * or BH_EINVAL after answering 400. */
int bh_emu_field_lang(json_object *o, char out[BH_EMU_LANG_MAX], bh_emu_reply *r)
{
    json_object *v;
    const char *s;
    size_t n;

    out[0] = 0;
    if (!json_object_object_get_ex(o, "language_code", &v))
        return BH_OK;
    s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
    n = strlen(s);
    if (n < 2 || n >= BH_EMU_LANG_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                 "0123456789-") != n) {
        bh_emu_reply_error(r, 400, "Bad Request: language_code must be 2-15 letters, digits and '-'");
        return BH_EINVAL;
    }
    memcpy(out, s, n + 1);
    return BH_OK;
}

/* user (a User object) with language_code lang, unless lang is "". */
json_object *bh_emu_user_lang(json_object *user, const char *lang)
{
    if (lang && *lang)
        json_object_object_add(user, "language_code", json_object_new_string(lang));
    return user;
}

/* The entities Telegram attaches to a user's text: a bot_command for a
 * leading /command (with its @botname, if any). NULL when there are none. */
char *bh_emu_command_entities(const char *text)
{
    size_t n = 0;
    json_object *a, *ent;
    char *s;
    if (text[0] != '/')
        return NULL;
    while (text[n] && text[n] != ' ' && text[n] != '\n' && text[n] != '\t')
        n++;
    if (n < 2)
        return NULL;
    a = json_object_new_array();
    ent = json_object_new_object();
    json_object_object_add(ent, "offset", json_object_new_int(0));
    json_object_object_add(ent, "length", json_object_new_int64((int64_t)bh_emu_utf16_len(text, n)));
    json_object_object_add(ent, "type", json_object_new_string("bot_command"));
    json_object_array_add(a, ent);
    s = bh_emu_json_text(a);
    json_object_put(a);
    return s;
}

/* Answers a queued update: {"update_id":N, key:value}, or 500 when
 * update_id is -1 (it could not be queued). Takes the reference to value. */
void bh_emu_reply_queued(bh_emu_reply *r, int64_t update_id, const char *key, json_object *value)
{
    json_object *res;
    if (update_id < 0) {
        json_object_put(value);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    res = json_object_new_object();
    json_object_object_add(res, "update_id", json_object_new_int64(update_id));
    json_object_object_add(res, key, value);
    bh_emu_reply_ok(r, res);
}

/* What a user writes, read from a /control/message body. */
typedef struct user_text {
    int64_t chat_id, user_id, reply_to;
    const char *text, *type;
    char lang[BH_EMU_LANG_MAX];
} user_text;

/* Reads and checks a /control/message body into *t. Returns BH_OK, or
 * BH_EINVAL after answering 400. */
static int read_user_text(json_object *b, user_text *t, bh_emu_reply *r)
{
    json_object *v;
    *t = (user_text){.type = "private"};
    if (bh_emu_field_int(b, "chat_id", 1, &t->chat_id, r) != BH_OK ||
        bh_emu_field_user(b, t->chat_id, &t->user_id, r) != BH_OK ||
        bh_emu_field_int(b, "reply_to_message_id", 0, &t->reply_to, r) == BH_EINVAL ||
        !(t->text = bh_emu_field_str(b, "text", r)) || bh_emu_field_lang(b, t->lang, r) != BH_OK)
        return BH_EINVAL;
    if (json_object_object_get_ex(b, "chat_type", &v)) {
        t->type = json_object_get_string(v);
        if (!json_object_is_type(v, json_type_string) ||
            (strcmp(t->type, "private") && strcmp(t->type, "group") && strcmp(t->type, "supergroup"))) {
            bh_emu_reply_error(r, 400, "Bad Request: chat_type must be private, group or supergroup");
            return BH_EINVAL;
        }
    }
    if (t->user_id <= 0) {
        bh_emu_reply_error(r, 400, "Bad Request: user_id must be positive");
        return BH_EINVAL;
    }
    return BH_OK;
}

/* Stores the user's message in its chat (created on first use) and queues
 * its "message" update; answers the update and message ids. */
static void store_user_text_locked(bh_emu *e, const user_text *t, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_chat_get_locked(e, t->chat_id, t->type, t->user_id);
    bh_emu_msg *m;
    int64_t update_id;
    if (!c) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    const char *refusal = bh_emu_member_refusal_locked(c, t->user_id, "text");
    if (refusal) {
        bh_emu_reply_error(r, 403, refusal);
        return;
    }
    if (t->reply_to && !bh_emu_msg_find(c, t->reply_to)) {
        bh_emu_reply_error(r, 400, "Bad Request: message to be replied not found");
        return;
    }
    if (!(m = bh_emu_msg_add_locked(c)) || !(m->text = strdup(t->text))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    m->user_id = t->user_id;
    memcpy(m->lang, t->lang, sizeof m->lang);
    m->reply_to = t->reply_to;
    m->entities = bh_emu_command_entities(t->text);
    update_id = bh_emu_update_queue_locked(e, "message", bh_emu_msg_json_locked(e, c, m, 0));
    bh_emu_reply_queued(r, update_id, "message_id", json_object_new_int64(m->id));
}

/* A user writes in a chat: the chat is created on first use, the message
 * is stored and a "message" update is queued. A user banned from the
 * group, or restricted from writing in it, is refused with 403. */
static void user_message(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    user_text t;
    if (read_user_text(b, &t, r) != BH_OK)
        return;
    pthread_mutex_lock(&e->lock);
    store_user_text_locked(e, &t, r);
    pthread_mutex_unlock(&e->lock);
}

/* The bot's message that a pressed button belongs to, or NULL after
 * answering 400. */
static bh_emu_msg *need_bot_msg_locked(bh_emu *e, int64_t chat_id, int64_t message_id,
                                       bh_emu_chat **chat, bh_emu_reply *r)
{
    bh_emu_msg *m;
    if (!(*chat = bh_emu_chat_find_locked(e, chat_id))) {
        bh_emu_reply_error(r, 400, "Bad Request: chat not found");
        return NULL;
    }
    if (!(m = bh_emu_msg_find(*chat, message_id))) {
        bh_emu_reply_error(r, 400, "Bad Request: message not found");
        return NULL;
    }
    if (!m->from_bot) {
        bh_emu_reply_error(r, 400, "Bad Request: the message was not sent by the bot");
        return NULL;
    }
    return m;
}

bh_emu_callback *bh_emu_callback_new_locked(bh_emu *e)
{
    bh_emu_callback *cb = calloc(1, sizeof *cb);
    if (!cb)
        return NULL;
    snprintf(cb->id, sizeof cb->id, "%" PRId64 "%06" PRId64, e->bot_id % 1000000,
             e->next_callback_id++);
    cb->next = e->callbacks;
    e->callbacks = cb;
    return cb;
}

/* The CallbackQuery object of a press of button `data` on message m. */
static json_object *callback_query_json(bh_emu *e, const bh_emu_callback *cb, bh_emu_chat *c,
                                        const bh_emu_msg *m, int64_t user_id, const char *data,
                                        const char *lang)
{
    char inst[32];
    json_object *q = json_object_new_object();
    snprintf(inst, sizeof inst, "%" PRId64, c->id);
    json_object_object_add(q, "id", json_object_new_string(cb->id));
    json_object_object_add(q, "from", bh_emu_user_lang(bh_emu_user_json(user_id), lang));
    json_object_object_add(q, "message", bh_emu_msg_json_locked(e, c, m, 0));
    json_object_object_add(q, "chat_instance", json_object_new_string(inst));
    json_object_object_add(q, "data", json_object_new_string(data));
    return q;
}

/* Queues the callback_query update of a press; answers its ids. */
static void queue_press_locked(bh_emu *e, int64_t chat_id, int64_t message_id, int64_t user_id,
                               const char *data, const char *lang, bh_emu_reply *r)
{
    bh_emu_chat *c;
    bh_emu_msg *m = need_bot_msg_locked(e, chat_id, message_id, &c, r);
    bh_emu_callback *cb;
    int64_t update_id;
    if (!m)
        return;
    if (!(cb = bh_emu_callback_new_locked(e))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    update_id = bh_emu_update_queue_locked(e, "callback_query",
                                           callback_query_json(e, cb, c, m, user_id, data, lang));
    bh_emu_reply_queued(r, update_id, "callback_query_id", json_object_new_string(cb->id));
}

/* A user presses an inline button of one of the bot's messages: a
 * callback_query update is queued, and its id is remembered so that
 * answerCallbackQuery can be checked. The data is not matched against
 * the message's keyboard, so tests may press buttons the bot never drew. */
static void press_button(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id, user_id, message_id;
    const char *data;
    char lang[BH_EMU_LANG_MAX];

    if (bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK ||
        bh_emu_field_int(b, "message_id", 1, &message_id, r) != BH_OK ||
        bh_emu_field_user(b, chat_id, &user_id, r) != BH_OK ||
        !(data = bh_emu_field_str(b, "data", r)) || bh_emu_field_lang(b, lang, r) != BH_OK)
        return;
    pthread_mutex_lock(&e->lock);
    queue_press_locked(e, chat_id, message_id, user_id, data, lang, r);
    pthread_mutex_unlock(&e->lock);
}

/* One message of the bot as /control/sent lists it: what it shows, with
 * its edited and deleted flags. */
static json_object *sent_entry(const bh_emu_chat *c, const bh_emu_msg *m)
{
    json_object *o = json_object_new_object(), *rm = NULL;
    json_object_object_add(o, "message_id", json_object_new_int64(m->id));
    json_object_object_add(o, "chat_id", json_object_new_int64(c->id));
    json_object_object_add(o, "date", json_object_new_int64(m->date));
    json_object_object_add(o, "text", json_object_new_string(m->text ? m->text : ""));
    json_object_object_add(o, "reply_to_message_id",
                           m->reply_to ? json_object_new_int64(m->reply_to) : NULL);
    if (m->reply_markup)
        rm = json_tokener_parse(m->reply_markup);
    json_object_object_add(o, "reply_markup", rm);
    json_object_object_add(o, "parse_mode", m->parse_mode ? json_object_new_string(m->parse_mode) : NULL);
    json_object_object_add(o, "disable_notification", json_object_new_boolean(m->disable_notification));
    json_object_object_add(o, "edited", json_object_new_boolean(m->edited));
    json_object_object_add(o, "deleted", json_object_new_boolean(m->deleted));
    if (m->media)
        json_object_object_add(o, "media", json_tokener_parse(m->media));
    if (m->caption)
        json_object_object_add(o, "caption", json_object_new_string(m->caption));
    if (m->fwd_chat_id) {
        json_object_object_add(o, "forward_from_chat_id", json_object_new_int64(m->fwd_chat_id));
        json_object_object_add(o, "forward_from_message_id", json_object_new_int64(m->fwd_msg_id));
    }
    if (m->media) {
        /* What a media message shows: its file fields ({"photo":[...]}), caption, album. */
        json_object_object_add(o, "media", json_tokener_parse(m->media));
        json_object_object_add(o, "caption", m->caption ? json_object_new_string(m->caption) : NULL);
        if (m->media_group_id)
            json_object_object_add(o, "media_group_id", json_object_new_string(m->media_group_id));
    }
    return o;
}

/* What the bot sent to one chat (or to every chat), oldest first. Edits
 * change the entry in place ("edited":true); deleted messages stay in the
 * list with "deleted":true, so a test can see both that a message was sent
 * and that it was removed. An unknown chat has sent nothing: empty list. */
static void list_sent(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    int64_t chat_id = 0;
    int rc = bh_emu_param_int(q, "chat_id", &chat_id);
    json_object *list;
    if (rc == BH_EINVAL) {
        bh_emu_reply_error(r, 400, "Bad Request: chat_id must be an integer");
        return;
    }
    list = json_object_new_array();
    pthread_mutex_lock(&e->lock);
    for (size_t b = 0; b < BH_EMU_CHAT_BUCKETS; b++) {
        for (bh_emu_chat *c = e->chats[b]; c; c = c->next) {
            if (rc == BH_OK && c->id != chat_id)
                continue;
            for (size_t i = 0; i < c->nmsgs; i++)
                if (c->msgs[i].from_bot)
                    json_object_array_add(list, sent_entry(c, &c->msgs[i]));
        }
    }
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, list);
}

/* A pressed button and the bot's answer, as /control/callbacks lists it. */
static json_object *callback_json(const bh_emu_callback *cb)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "callback_query_id", json_object_new_string(cb->id));
    json_object_object_add(o, "answered", json_object_new_boolean(cb->answered));
    json_object_object_add(o, "text", cb->answer_text ? json_object_new_string(cb->answer_text) : NULL);
    json_object_object_add(o, "show_alert", json_object_new_boolean(cb->show_alert));
    return o;
}

/* The pressed buttons and the bot's answers, oldest first. */
static void list_callbacks(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    json_object *list = json_object_new_array();
    size_t n = 0;
    (void)q;
    pthread_mutex_lock(&e->lock);
    for (bh_emu_callback *cb = e->callbacks; cb; cb = cb->next)
        n++;
    /* The list is newest first; the answer is oldest first. */
    for (size_t k = n; k > 0; k--) {
        bh_emu_callback *cb = e->callbacks;
        for (size_t i = 1; i < k; i++)
            cb = cb->next;
        json_object_array_add(list, callback_json(cb));
    }
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, list);
}

/* The fault configuration as /control/faults shows it. */
static json_object *faults_json(const bh_emu_faults *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "rate_429", json_object_new_double(f->rate_429));
    json_object_object_add(o, "retry_after", json_object_new_int(f->retry_after));
    json_object_object_add(o, "rate_500", json_object_new_double(f->rate_500));
    json_object_object_add(o, "delay_ms", json_object_new_int(f->delay_ms));
    json_object_object_add(o, "bad_json_rate", json_object_new_double(f->bad_json_rate));
    return o;
}

/* GET /control/faults: the configuration in force. */
static void get_faults(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    bh_emu_faults f;
    (void)q;
    pthread_mutex_lock(&e->lock);
    f = e->faults;
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, faults_json(&f));
}

/* Reads a probability field into *out (absent: 0). Returns BH_OK, or
 * BH_EINVAL after answering 400. */
static int field_rate(json_object *b, const char *name, double *out, bh_emu_reply *r)
{
    json_object *v;
    char desc[96];
    *out = 0;
    if (!json_object_object_get_ex(b, name, &v))
        return BH_OK;
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
        *out = json_object_get_double(v);
    if (!(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) ||
        !(*out >= 0.0 && *out <= 1.0)) {
        snprintf(desc, sizeof desc, "Bad Request: %s must be a number from 0 to 1", name);
        bh_emu_reply_error(r, 400, desc);
        return BH_EINVAL;
    }
    return BH_OK;
}

/* Reads the optional integer field `name` into *out when it is from lo to
 * hi (absent: *out is left alone). Returns BH_OK, or BH_EINVAL after
 * answering 400. */
static int field_in_range(json_object *b, const char *name, int64_t lo, int64_t hi, int *out,
                          bh_emu_reply *r)
{
    int64_t v;
    char desc[96];
    int rc = bh_emu_field_int(b, name, 0, &v, r);
    if (rc == BH_ENOTFOUND)
        return BH_OK;
    if (rc != BH_OK)
        return rc;
    if (v < lo || v > hi) {
        snprintf(desc, sizeof desc, "Bad Request: %s must be from %" PRId64 " to %" PRId64, name,
                 lo, hi);
        bh_emu_reply_error(r, 400, desc);
        return BH_EINVAL;
    }
    *out = (int)v;
    return BH_OK;
}

/* Sets the whole fault configuration: fields left out go back to no fault
 * (retry_after to 1). An optional "seed" makes the random draws repeatable. */
static void set_faults(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    bh_emu_faults f = {.retry_after = 1};
    int64_t seed = 0;
    int rc;
    if (field_rate(b, "rate_429", &f.rate_429, r) != BH_OK ||
        field_rate(b, "rate_500", &f.rate_500, r) != BH_OK ||
        field_rate(b, "bad_json_rate", &f.bad_json_rate, r) != BH_OK ||
        field_in_range(b, "retry_after", 1, 3600, &f.retry_after, r) != BH_OK ||
        field_in_range(b, "delay_ms", 0, 60000, &f.delay_ms, r) != BH_OK)
        return;
    if ((rc = bh_emu_field_int(b, "seed", 0, &seed, r)) == BH_EINVAL)
        return;
    pthread_mutex_lock(&e->lock);
    e->faults = f;
    if (rc == BH_OK)
        e->rng = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 1;  /* never 0: xorshift would stick */
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, faults_json(&f));
}

/* The user blocks (or, with "blocked":false, unblocks) the bot: sends to
 * the chat answer 403. The chat must exist (a user wrote in it). */
static void set_blocked(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id;
    int blocked = 1;
    json_object *v;
    bh_emu_chat *c;
    if (bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK)
        return;
    if (json_object_object_get_ex(b, "blocked", &v)) {
        if (!json_object_is_type(v, json_type_boolean)) {
            bh_emu_reply_error(r, 400, "Bad Request: blocked must be a boolean");
            return;
        }
        blocked = json_object_get_boolean(v);
    }
    pthread_mutex_lock(&e->lock);
    if ((c = bh_emu_chat_find_locked(e, chat_id)) != NULL)
        c->blocked = blocked;
    pthread_mutex_unlock(&e->lock);
    if (c)
        bh_emu_reply_ok(r, json_object_new_boolean(1));
    else
        bh_emu_reply_error(r, 400, "Bad Request: chat not found");
}

/* The counters of e->stats, and the pending updates, into o. */
static void add_counters_locked(const bh_emu *e, json_object *o)
{
    const bh_emu_stats *s = &e->stats;
#define BH_EMU_STAT(name) json_object_object_add(o, #name, json_object_new_int64(s->name))
    BH_EMU_STAT(updates_queued);
    BH_EMU_STAT(updates_confirmed);
    BH_EMU_STAT(updates_filtered);
    BH_EMU_STAT(requests);
    BH_EMU_STAT(sent_messages);
    BH_EMU_STAT(edits);
    BH_EMU_STAT(deletes);
    BH_EMU_STAT(forwards);
    BH_EMU_STAT(faults_429);
    BH_EMU_STAT(faults_500);
    BH_EMU_STAT(faults_bad_json);
    BH_EMU_STAT(early_retries);
    BH_EMU_STAT(callback_answers);
    BH_EMU_STAT(webhook_deliveries);
    BH_EMU_STAT(webhook_failures);
    BH_EMU_STAT(flood_429);
    BH_EMU_STAT(poll_conflicts);
#undef BH_EMU_STAT
    json_object_object_add(o, "pending_updates", json_object_new_int64((int64_t)e->pending));
}

/* Calls per method, and early retries per chat (chats that made none are
 * left out), into o. */
static void add_breakdowns_locked(const bh_emu *e, json_object *o)
{
    json_object *bm = json_object_new_object(), *early = json_object_new_object();
    for (bh_emu_method_count *m = e->by_method; m; m = m->next)
        json_object_object_add(bm, m->name, json_object_new_int64(m->count));
    json_object_object_add(o, "by_method", bm);
    for (size_t b = 0; b < BH_EMU_CHAT_BUCKETS; b++)
        for (bh_emu_chat *c = e->chats[b]; c; c = c->next)
            if (c->early_retries) {
                char key[32];
                snprintf(key, sizeof key, "%" PRId64, c->id);
                json_object_object_add(early, key, json_object_new_int64(c->early_retries));
            }
    json_object_object_add(o, "early_retries_by_chat", early);
}

/* GET /control/stats: every counter, calls per method, early retries. */
static void show_stats(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    json_object *o = json_object_new_object();
    (void)q;
    pthread_mutex_lock(&e->lock);
    add_counters_locked(e, o);
    add_breakdowns_locked(e, o);
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, o);
}

/* POST /control/reset: an empty world (see bh_emu_reset_locked). */
static void reset_world(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    (void)b;
    pthread_mutex_lock(&e->lock);
    bh_emu_reset_locked(e);
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* The control calls: what GET and POST do on each path (NULL: that method
 * answers 405). */
typedef struct route {
    const char *what;
    void (*get)(bh_emu *e, bh_emu_params *query, bh_emu_reply *r);
    void (*post)(bh_emu *e, json_object *body, bh_emu_reply *r);
} route;

static const route routes[] = {
    {"message", NULL, user_message},
    {"callback", NULL, press_button},
    {"faults", get_faults, set_faults},
    {"block", NULL, set_blocked},
    {"reset", NULL, reset_world},
    {"sent", list_sent, NULL},
    {"stats", show_stats, NULL},
    {"callbacks", list_callbacks, NULL},
    {"answers", bh_emu_answers_list, NULL},
    {"flood", bh_emu_flood_show, bh_emu_flood_set},
    {"inline_messages", bh_emu_inline_msgs_list, NULL},
};

/* Routes one control call; `what` is the path after /control/. */
void bh_emu_control_handle(bh_emu *e, const char *http_method, const char *what,
                           bh_emu_params *query, const char *body, size_t len,
                           bh_emu_reply *r)
{
    const route *rt = NULL;
    json_object *b;

    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (!strcmp(what, routes[i].what))
            rt = &routes[i];
    bh_emu_control_fn *inject = rt ? NULL : bh_emu_inject_find(what);
    if (inject) {
        if (strcmp(http_method, "POST")) {
            bh_emu_reply_error(r, 405, "Method Not Allowed");
        } else if ((b = read_body(body, len, r))) {
            inject(e, b, r);
            json_object_put(b);
        }
    } else if (!rt) {
        bh_emu_reply_error(r, 404, "Not Found");
    } else if (!strcmp(http_method, "GET") && rt->get) {
        rt->get(e, query, r);
    } else if (!strcmp(http_method, "POST") && rt->post) {
        if (!(b = read_body(body, len, r)))
            return;
        rt->post(e, b, r);
        json_object_put(b);
    } else {
        bh_emu_reply_error(r, 405, "Method Not Allowed");
    }
}
