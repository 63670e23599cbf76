/*
 * The Bot API methods of the emulator. Each method checks what Telegram
 * checks (with the shared checks of check.c) and answers Telegram's error
 * texts, so that a client tested here handles the real service's answers.
 * Every method runs with e->lock held; getUpdates waits on e->cond, which
 * releases it while waiting.
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
#include "bothive/telegram.h"
#include "emu.h"

typedef void (*method_fn)(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* getMe: the bot, with the abilities Telegram reports. */
static void get_me(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *me = bh_emu_bot_json(e);
    (void)p;
    json_object_object_add(me, "can_join_groups", json_object_new_boolean(1));
    json_object_object_add(me, "can_read_all_group_messages", json_object_new_boolean(0));
    json_object_object_add(me, "supports_inline_queries", json_object_new_boolean(0));
    bh_emu_reply_ok(r, me);
}

/* Confirms what getUpdates' offset confirms: every update below a positive
 * offset; a negative -N keeps only the last N updates, forgetting the older. */
static void apply_offset(bh_emu *e, bh_emu_params *p)
{
    int64_t offset = 0;
    if (bh_emu_param_int(p, "offset", &offset) != BH_OK)
        return;
    if (offset > 0) {
        bh_emu_update_confirm_locked(e, offset);
    } else if (offset < 0) {
        /* -N: only the last N updates are kept, the older are forgotten. */
        while (e->uhead && e->pending > (size_t)(-(offset + 1)) + 1)
            bh_emu_update_confirm_locked(e, e->uhead->id + 1);
    }
}

/* Reads the integer parameter name (absent: dflt), clamped to lo..hi. */
static int64_t param_clamped(bh_emu_params *p, const char *name, int64_t dflt, int64_t lo,
                             int64_t hi)
{
    int64_t v = dflt;
    bh_emu_param_int(p, name, &v);
    return v < lo ? lo : v > hi ? hi : v;
}

/* The long poll: waits up to timeout_s for an update (or for the emulator
 * to stop, or a webhook to be set). A newer getUpdates ends this one with
 * 409, as Telegram does when two instances of a bot poll at once. Returns
 * BH_OK, or BH_ECONFLICT after answering that 409. */
static int wait_for_updates(bh_emu *e, int64_t timeout_s, bh_emu_reply *r)
{
    uint64_t gen = ++e->poll_generation;
    int64_t deadline = bh_clock_mono_ms() + timeout_s * 1000;
    pthread_cond_broadcast(&e->cond);
    for (;;) {
        bh_emu_update_filter_locked(e);
        if (e->pending > 0 || e->stopping || e->webhook_url)
            return BH_OK;
        if (e->poll_generation != gen) {
            e->stats.poll_conflicts++;
            bh_emu_reply_error(r, 409, "Conflict: terminated by other getUpdates request; "
                                       "make sure that only one bot instance is running");
            return BH_ECONFLICT;
        }
        int64_t now = bh_clock_mono_ms();
        if (now >= deadline)
            return BH_OK;
        struct timespec ts = bh_clock_after_ms(deadline - now);
        pthread_cond_timedwait(&e->cond, &e->lock, &ts);
    }
}

/* The first `limit` queued updates, oldest first, as a JSON array. */
static json_object *queued_updates(const bh_emu *e, int64_t limit)
{
    json_object *result = json_object_new_array();
    int64_t n = 0;
    for (const bh_emu_update *u = e->uhead; u && n < limit; u = u->next, n++) {
        json_object *o = json_tokener_parse(u->json);
        if (o)
            json_object_array_add(result, o);
    }
    return result;
}

/* getUpdates: confirms what offset says, then answers the queued updates
 * (at most limit), waiting up to timeout seconds for one. Refused while a
 * webhook is set, as in Telegram. */
static void get_updates(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t limit, timeout;

    if (e->webhook_url) {
        bh_emu_reply_error(r, 409, "Conflict: can't use getUpdates method while webhook is active; "
                                   "use deleteWebhook to delete the webhook first");
        return;
    }
    if (bh_emu_need_allowed_updates(e, p, r) != BH_OK)
        return;
    apply_offset(e, p);
    limit = param_clamped(p, "limit", 100, 1, 100);
    timeout = param_clamped(p, "timeout", 0, 0, BH_EMU_MAX_POLL_TIMEOUT);
    if (wait_for_updates(e, timeout, r) == BH_OK)
        bh_emu_reply_ok(r, queued_updates(e, limit));
}

/* sendMessage: stores the bot's message in the chat and answers it. */
static void send_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    bh_emu_content mc;
    int64_t reply_to;
    bh_emu_msg *m;
    char *extra = NULL;
    if (!c || bh_emu_need_content(p, r, &mc) != BH_OK)
        return;
    if ((reply_to = bh_emu_need_reply_to(c, p, r)) < 0 ||
        bh_emu_need_send_options(e, c, p, mc.text, r, &extra) != BH_OK)
        goto fail;
    if (!(m = bh_emu_msg_add_locked(c))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        goto fail;
    }
    m->extra = extra;
    m->from_bot = 1;
    m->text = mc.text;
    m->parse_mode = mc.parse_mode;
    m->reply_markup = mc.reply_markup;
    m->reply_to = reply_to;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
    return;
fail:
    free(extra);
    bh_emu_content_free(&mc);
}

/* Whether two optional strings are equal (both NULL counts). */
static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* editMessageText: replaces the text, parse mode and keyboard of one of
 * the bot's messages; an edit that changes nothing is refused. */
static void edit_message_text(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m;
    bh_emu_content mc;
    const char *err;
    if (bh_emu_edit_inline(e, p, "text", r) || !(m = bh_emu_need_own_msg(e, p, &c, r)) ||
        bh_emu_need_content(p, r, &mc) != BH_OK)
        return;
    if ((err = bh_emu_markup_inline_error(mc.reply_markup))) {
        bh_emu_content_free(&mc);
        bh_emu_reply_error(r, 400, err);
        return;
    }
    /* Without reply_markup an edit removes the inline keyboard, as in Telegram. */
    if (!strcmp(mc.text, m->text) && str_eq(mc.reply_markup, m->reply_markup) &&
        str_eq(mc.parse_mode, m->parse_mode)) {
        bh_emu_reply_error(r, 400, BH_EMU_ERR_NOT_MODIFIED);
        bh_emu_content_free(&mc);
        return;
    }
    free(m->text);
    free(m->parse_mode);
    free(m->reply_markup);
    m->text = mc.text;
    m->parse_mode = mc.parse_mode;
    m->reply_markup = mc.reply_markup;
    m->edited = 1;
    m->edit_date = (int64_t)time(NULL);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* deleteMessage: marks the message deleted; it stays for /control/sent. */
static void delete_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    bh_emu_msg *m;
    if (!c || !(m = bh_emu_need_msg(c, p, "Bad Request: message to delete not found", r)))
        return;
    m->deleted = 1;
    e->stats.deletes++;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* forwardMessage: a copy of a message of from_chat_id, sent by the bot to
 * chat_id and marked as forwarded from there. */
static void forward_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
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

/* sendChatAction: checks the action; there is nothing to show. */
static void send_chat_action(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
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

/* answerCallbackQuery: the answer to a pressed button, once, with an
 * optional text of at most 200 UTF-16 units. */
static void answer_callback_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
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

/* Checks one BotCommand and appends its clean copy (command and
 * description only) to clean. Returns NULL, or the error description. */
static const char *check_command(json_object *c, json_object *clean)
{
    json_object *cmd, *desc, *o;
    if (!json_object_is_type(c, json_type_object) || !json_object_object_get_ex(c, "command", &cmd) ||
        !json_object_object_get_ex(c, "description", &desc))
        return "Bad Request: can't parse BotCommand";
    const char *s = json_object_get_string(cmd), *d = json_object_get_string(desc);
    size_t n = strlen(s);
    if (n < 1 || n > 32)
        return "Bad Request: BOT_COMMAND_INVALID";
    for (size_t k = 0; k < n; k++)
        if (!(islower((unsigned char)s[k]) || isdigit((unsigned char)s[k]) || s[k] == '_'))
            return "Bad Request: BOT_COMMAND_INVALID";
    if (!*d || bh_emu_utf16_len(d, strlen(d)) > 256)
        return *d ? "Bad Request: command description is too long"
                  : "Bad Request: command description is empty";
    o = json_object_new_object();
    json_object_object_add(o, "command", json_object_new_string(s));
    json_object_object_add(o, "description", json_object_new_string(d));
    json_object_array_add(clean, o);
    return NULL;
}

/* Checks the list of commands; on success *clean is their clean copy (a new
 * reference). Returns NULL, or the error description. */
static const char *check_commands(json_object *cmds, json_object **clean)
{
    const char *err = NULL;
    *clean = NULL;
    if (!json_object_is_type(cmds, json_type_array))
        return "Bad Request: can't parse commands JSON object";
    if (json_object_array_length(cmds) > 100)
        return "Bad Request: too many commands specified";
    *clean = json_object_new_array();
    for (size_t i = 0; !err && i < json_object_array_length(cmds); i++)
        err = check_command(json_object_array_get_idx(cmds, i), *clean);
    if (err) {
        json_object_put(*clean);
        *clean = NULL;
    }
    return err;
}

/* The lists of setMyCommands, one per language_code ("" for every
 * language), kept in e->commands as the JSON text of {code: [...]}. */
static json_object *commands_all(const bh_emu *e)
{
    json_object *all = e->commands ? json_tokener_parse(e->commands) : NULL;
    return all ? all : json_object_new_object();
}

static void commands_keep(bh_emu *e, json_object *all)
{
    free(e->commands);
    e->commands = json_object_object_length(all) ? bh_emu_json_text(all) : NULL;
    json_object_put(all);
}

/* The language_code parameter: "" when absent, else a two-letter ISO 639-1
 * code, as the Bot API takes; NULL after answering 400. */
static const char *commands_lang(bh_emu_params *p, bh_emu_reply *r)
{
    const char *lang = bh_emu_param_str(p, "language_code");
    if (!lang || !*lang)
        return "";
    if (strlen(lang) != 2 || !islower((unsigned char)lang[0]) || !islower((unsigned char)lang[1])) {
        bh_emu_reply_error(r, 400, "Bad Request: invalid language code specified");
        return NULL;
    }
    return lang;
}

/* setMyCommands: keeps the clean list of its language for getMyCommands. */
static void set_my_commands(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *cmds = bh_emu_param_json(p, "commands", &bad), *clean = NULL, *all;
    const char *err, *lang;
    if (!cmds && !bad) {
        bh_emu_reply_error(r, 400, "Bad Request: parameter \"commands\" is required");
        return;
    }
    err = bad ? "Bad Request: can't parse commands JSON object" : check_commands(cmds, &clean);
    json_object_put(cmds);
    if (err) {
        bh_emu_reply_error(r, 400, err);
        return;
    }
    if (!(lang = commands_lang(p, r))) {
        json_object_put(clean);
        return;
    }
    all = commands_all(e);
    json_object_object_add(all, lang, clean);
    commands_keep(e, all);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* getMyCommands: the last list set for the language, or an empty one. */
static void get_my_commands(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *lang = commands_lang(p, r);
    json_object *all, *cmds = NULL;
    if (!lang)
        return;
    all = commands_all(e);
    if (json_object_object_get_ex(all, lang, &cmds))
        json_object_get(cmds);
    json_object_put(all);
    bh_emu_reply_ok(r, cmds ? cmds : json_object_new_array());
}

/* deleteMyCommands: forgets the list of the language. */
static void delete_my_commands(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *lang = commands_lang(p, r);
    json_object *all;
    if (!lang)
        return;
    all = commands_all(e);
    json_object_object_del(all, lang);
    commands_keep(e, all);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* deleteWebhook: back to getUpdates, the queue dropped when asked. */
static void delete_webhook(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int had = e->webhook_url != NULL;
    if (bh_emu_param_bool(p, "drop_pending_updates"))
        bh_emu_update_drop_all_locked(e);
    bh_emu_webhook_clear_locked(e);
    bh_emu_reply_true_desc(r, had ? "Webhook was deleted" : "Webhook is already deleted");
}

/* A secret_token Telegram accepts: 1 to 256 of A-Z, a-z, 0-9, _ and -. */
static bool secret_ok(const char *secret)
{
    size_t n = strlen(secret);
    bool ok = n >= 1 && n <= 256;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)secret[i]) || secret[i] == '_' || secret[i] == '-';
    return ok;
}

/* setWebhook's max_connections: 40 when left out; else clamped to 1..100
 * as the Bot API server does (a value that is not a number counts as 0).
 * Deliveries are one at a time whatever it is (webhook.c). */
static int webhook_max_connections(bh_emu_params *p)
{
    int64_t v = 40;
    int rc = bh_emu_param_int(p, "max_connections", &v);

    if (rc != BH_OK && rc != BH_ENOTFOUND)
        v = 0;
    return v < 1 ? 1 : v > 100 ? 100 : (int)v;
}

/* Sets the webhook. The emulator accepts http:// as well as https:// URLs,
 * since tests serve their hooks on loopback without TLS. */
static void set_webhook(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *url = bh_emu_param_str(p, "url"), *secret = bh_emu_param_str(p, "secret_token");
    if (!url || !*url) {
        delete_webhook(e, p, r);
        return;
    }
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        bh_emu_reply_error(r, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        return;
    }
    if (secret && !secret_ok(secret)) {
        bh_emu_reply_error(r, 400, "Bad Request: secret token contains unallowed characters");
        return;
    }
    if (bh_emu_need_allowed_updates(e, p, r) != BH_OK)
        return;
    if (bh_emu_param_bool(p, "drop_pending_updates"))
        bh_emu_update_drop_all_locked(e);
    bh_emu_webhook_clear_locked(e);
    e->webhook_url = strdup(url);
    e->webhook_secret = secret ? strdup(secret) : NULL;
    e->webhook_max_connections = webhook_max_connections(p);
    bh_emu_reply_true_desc(r, "Webhook was set");
}

/* getWebhookInfo: the webhook, its pending updates and its last error. */
static void get_webhook_info(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *o = json_object_new_object();
    (void)p;
    bh_emu_update_filter_locked(e);
    json_object_object_add(o, "url", json_object_new_string(e->webhook_url ? e->webhook_url : ""));
    json_object_object_add(o, "has_custom_certificate", json_object_new_boolean(0));
    json_object_object_add(o, "pending_update_count", json_object_new_int64((int64_t)e->pending));
    if (e->webhook_url)
        json_object_object_add(o, "max_connections",
                               json_object_new_int(e->webhook_max_connections));
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

typedef struct method {
    const char *name;
    method_fn fn;
} method;

static const method methods[] = {
    {"getMe", get_me},
    {"getUpdates", get_updates},
    {"sendMessage", send_message},
    {"editMessageText", edit_message_text},
    {"deleteMessage", delete_message},
    {"forwardMessage", forward_message},
    {"sendChatAction", send_chat_action},
    {"answerCallbackQuery", answer_callback_query},
    {"setMyCommands", set_my_commands},
    {"getMyCommands", get_my_commands},
    {"deleteMyCommands", delete_my_commands},
    {"setWebhook", set_webhook},
    {"deleteWebhook", delete_webhook},
    {"getWebhookInfo", get_webhook_info},
    {"sendMediaGroup", bh_emu_send_media_group},
    {"getFile", bh_emu_get_file},
    {"deleteMessages", bh_emu_delete_messages},
    {"pinChatMessage", bh_emu_pin_chat_message},
    {"banChatMember", bh_emu_ban_chat_member},
    {"restrictChatMember", bh_emu_restrict_chat_member},
    {"getChatMember", bh_emu_get_chat_member},
    {"unbanChatMember", bh_emu_unban_chat_member},
    {"unpinChatMessage", bh_emu_unpin_chat_message},
    {"unpinAllChatMessages", bh_emu_unpin_all_chat_messages},
    {"editMessageMedia", bh_emu_edit_message_media},
    {"editMessageCaption", bh_emu_edit_message_caption},
    {"copyMessage", bh_emu_copy_message},
    {"getChat", bh_emu_get_chat},
    {"setChatAdministratorCustomTitle", bh_emu_set_chat_administrator_custom_title},
    {"setChatStickerSet", bh_emu_set_chat_sticker_set},
    {"deleteChatStickerSet", bh_emu_delete_chat_sticker_set},
    {"getBusinessConnection", bh_emu_get_business_connection},
    {"answerWebAppQuery", bh_emu_answer_web_app_query},
    {"verifyUser", bh_emu_verify},
    {"verifyChat", bh_emu_verify},
    {"removeUserVerification", bh_emu_verify},
    {"removeChatVerification", bh_emu_verify},
    {"sendGame", bh_emu_send_game},
    {"sendInvoice", bh_emu_send_invoice},
    {"createInvoiceLink", bh_emu_create_invoice_link},
    {"answerShippingQuery", bh_emu_answer_payment_query},
    {"answerPreCheckoutQuery", bh_emu_answer_payment_query},
    {"getStarTransactions", bh_emu_get_star_transactions},
    {"refundStarPayment", bh_emu_refund_star_payment},
    {"getUserChatBoosts", bh_emu_get_user_chat_boosts},
    {"getAvailableGifts", bh_emu_get_available_gifts},
    {"getCustomEmojiStickers", bh_emu_get_custom_emoji_stickers},
    {"editChatInviteLink", bh_emu_edit_chat_invite_link},
    {"createForumTopic", bh_emu_create_forum_topic},
    {"editForumTopic", bh_emu_edit_forum_topic},
    {"closeForumTopic", bh_emu_close_forum_topic},
    {"reopenForumTopic", bh_emu_reopen_forum_topic},
    {"deleteForumTopic", bh_emu_delete_forum_topic},
    {"unpinAllForumTopicMessages", bh_emu_unpin_all_forum_topic_messages},
    {"editGeneralForumTopic", bh_emu_edit_general_forum_topic},
    {"closeGeneralForumTopic", bh_emu_close_general_forum_topic},
    {"reopenGeneralForumTopic", bh_emu_reopen_general_forum_topic},
    {"hideGeneralForumTopic", bh_emu_hide_general_forum_topic},
    {"unhideGeneralForumTopic", bh_emu_unhide_general_forum_topic},
    {"unpinAllGeneralForumTopicMessages", bh_emu_unpin_all_general_forum_topic_messages},
    {"setChatPhoto", bh_emu_set_chat_photo},
    {"deleteChatPhoto", bh_emu_delete_chat_photo},
    {"setChatMenuButton", bh_emu_set_chat_menu_button},
    {"getChatMenuButton", bh_emu_get_chat_menu_button},
    {"setMyDefaultAdministratorRights", bh_emu_set_my_default_administrator_rights},
    {"getMyDefaultAdministratorRights", bh_emu_get_my_default_administrator_rights},
    {"banChatSenderChat", bh_emu_sender_chat},
    {"unbanChatSenderChat", bh_emu_sender_chat},
    {"uploadStickerFile", bh_emu_upload_sticker_file},
    {"getStickerSet", bh_emu_get_sticker_set},
    {"createNewStickerSet", bh_emu_create_new_sticker_set},
    {"addStickerToSet", bh_emu_add_sticker_to_set},
    {"deleteStickerFromSet", bh_emu_delete_sticker_from_set},
    {"setStickerPositionInSet", bh_emu_set_sticker_position_in_set},
    {"setStickerSetTitle", bh_emu_set_sticker_set_title},
    {"deleteStickerSet", bh_emu_delete_sticker_set},
    {"getForumTopicIconStickers", bh_emu_get_forum_topic_icon_stickers},
    {"getMyStarBalance", bh_emu_get_my_star_balance},
    {"setMyName", bh_emu_set_my_name},
    {"getMyName", bh_emu_get_my_name},
    {"setMyDescription", bh_emu_set_my_description},
    {"getMyDescription", bh_emu_get_my_description},
    {"setMyShortDescription", bh_emu_set_my_short_description},
    {"getMyShortDescription", bh_emu_get_my_short_description},
    {"setChatTitle", bh_emu_set_chat_title},
    {"setChatDescription", bh_emu_set_chat_description},
    {"exportChatInviteLink", bh_emu_export_chat_invite_link},
    {"getUserProfilePhotos", bh_emu_get_user_profile_photos},
    {"logOut", bh_emu_log_out},
    {"close", bh_emu_log_out},
    {"createChatInviteLink", bh_emu_create_chat_invite_link},
    {"revokeChatInviteLink", bh_emu_revoke_chat_invite_link},
    {"editMessageLiveLocation", bh_emu_edit_message_live_location},
    {"stopMessageLiveLocation", bh_emu_stop_message_live_location},
    {"editMessageReplyMarkup", bh_emu_edit_message_reply_markup},
    {"stopPoll", bh_emu_stop_poll},
    {"promoteChatMember", bh_emu_promote_chat_member},
    {"setChatPermissions", bh_emu_set_chat_permissions},
    {"leaveChat", bh_emu_leave_chat},
    {"getChatAdministrators", bh_emu_get_chat_administrators},
    {"getChatMemberCount", bh_emu_get_chat_member_count},
    {"setMessageReaction", bh_emu_set_message_reaction},
    {"forwardMessages", bh_emu_forward_messages},
    {"copyMessages", bh_emu_copy_messages},
    {"sendLocation", bh_emu_send_location},
    {"sendVenue", bh_emu_send_venue},
    {"sendContact", bh_emu_send_contact},
    {"sendDice", bh_emu_send_dice},
    {"sendPoll", bh_emu_send_poll},
};

/* Waits ms milliseconds with e->lock held (released while waiting); ends
 * early when the emulator stops. */
static void delay_locked(bh_emu *e, int ms)
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

/* The method called `name` (case-insensitive, as in Telegram), or NULL. */
static const method *find_method(const char *name)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!strcasecmp(name, methods[i].name))
            return &methods[i];
    return NULL;
}

/* Counts a call that came before a 429's retry_after had passed. Returns
 * where the end of that wait is kept: retry_after is per chat for calls
 * naming one, global for the others. */
static int64_t *note_early_retry_locked(bh_emu *e, bh_emu_params *p)
{
    int64_t chat_id = 0, *retry_until;
    bh_emu_chat *chat = NULL;
    if (bh_emu_param_int(p, "chat_id", &chat_id) == BH_OK)
        chat = bh_emu_chat_find_locked(e, chat_id);
    retry_until = chat ? &chat->retry_until_ms : &e->global_retry_until_ms;
    if (bh_clock_mono_ms() < *retry_until) {
        e->stats.early_retries++;
        if (chat)
            chat->early_retries++;
    }
    return retry_until;
}

/* Draws the configured faults for one call: a 429 (which starts a wait at
 * retry_until), a 500, or a truncated body. Returns true when one was
 * injected, with its answer in r. */
static bool inject_fault_locked(bh_emu *e, int64_t *retry_until, bh_emu_reply *r)
{
    bh_emu_faults f = e->faults;
    if (f.rate_429 > 0 && bh_emu_random_locked(e) < f.rate_429) {
        e->stats.faults_429++;
        *retry_until = bh_clock_mono_ms() + (int64_t)f.retry_after * 1000;
        bh_emu_reply_retry_after(r, f.retry_after);
        return true;
    }
    if (f.rate_500 > 0 && bh_emu_random_locked(e) < f.rate_500) {
        e->stats.faults_500++;
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return true;
    }
    if (f.bad_json_rate > 0 && bh_emu_random_locked(e) < f.bad_json_rate) {
        e->stats.faults_bad_json++;
        bh_emu_reply_raw(r, 200, "{\"ok\":true,\"result\":{\"message_id\":1,\"text\":\"trunc");
        return true;
    }
    return false;
}

/* The handler of method name: api.c's own, a send-file method's (media.c:
 * *kind is its file's kind, else NULL) or inline.c's, in *out. */
static bool find_handler(const char *name, method *out, const char **kind)
{
    const method *m = find_method(name);
    *kind = NULL;
    if (m) {
        *out = *m;
        return true;
    }
    out->fn = NULL;
    if ((*kind = bh_emu_file_method(name, &out->name)))
        return true;
    return (out->fn = bh_emu_inline_method(name, &out->name)) != NULL;
}

int bh_emu_api_serves(const char *name)
{
    method m;
    const char *kind;
    if (find_handler(name, &m, &kind))
        return 2;
    return bh_api_method_find(name) ? 1 : 0;
}

/* Runs a call: its handler m (NULL: the generic one of its row) after the
 * checks of its row of the method table (when it has one). */
static void run_locked(bh_emu *e, const method *m, const char *kind, const bh_api_method *row,
                       bh_emu_params *p, bh_emu_reply *r)
{
    if (!m)
        bh_emu_generic(e, row, p, r);
    else if (row && bh_emu_check_params(row, p, r) != BH_OK)
        return;
    else if (kind)
        bh_emu_send_file(e, p, r, kind);
    else
        m->fn(e, p, r);
}

/* Serves one Bot API call: finds the method (a handler of its own, or its
 * row of the method table for the generic one), counts it, notes a call
 * that came before a 429's retry_after had passed, injects the configured
 * faults, checks the parameters against the table, then runs it. */
void bh_emu_api_handle(bh_emu *e, const char *name, bh_emu_params *p, bh_emu_reply *r)
{
    method m;
    const char *kind;
    bool own = find_handler(name, &m, &kind);
    const bh_api_method *row = bh_api_method_find(name);
    pthread_mutex_lock(&e->lock);
    e->stats.requests++;
    if (!own && !row) {
        pthread_mutex_unlock(&e->lock);
        bh_emu_reply_error(r, 404, "Not Found");
        return;
    }
    bh_emu_count_method_locked(e, own ? m.name : row->name);
    /* Delay first: the wait releases the lock, and a reset may free chats. */
    if (e->faults.delay_ms > 0)
        delay_locked(e, e->faults.delay_ms);
    if (!inject_fault_locked(e, note_early_retry_locked(e, p), r) &&
        bh_emu_flood_take_locked(e, own ? m.name : row->name, p, r))
        run_locked(e, own ? &m : NULL, kind, row, p, r);
    pthread_mutex_unlock(&e->lock);
}
