/*
 * Typed methods about users and what the bot does for them: the bots a
 * user lets this bot manage (their tokens, who may use them), message
 * drafts streamed to a user, ephemeral messages, suggested posts of a
 * channel's direct messages, a user's personal chat and profile audios,
 * star subscriptions, Telegram Passport errors, join request queries.
 * Optional parameters left at zero/NULL are not sent.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

/* A builder with the integer key set to v; NULL when out of memory. */
static bh_params *int_params(const char *key, int64_t v)
{
    bh_params *p = bh_tg_params_new();
    if (p)
        bh_params_int(p, key, v);
    return p;
}

/* getManagedBotToken and replaceManagedBotToken: a String into out (size n). */
static int bot_token(bh_client *c, const char *method, int64_t user_id, char *out, size_t n)
{
    json_object *res = NULL;
    int rc;
    if (out && n)
        out[0] = '\0';
    if (!c || !out || !n)
        return BH_EINVAL;
    rc = bh_tg_call_typed(c, method, int_params("user_id", user_id), json_type_string, &res);
    if (rc == BH_OK)
        snprintf(out, n, "%s", json_object_get_string(res));
    json_object_put(res);
    return rc;
}

int bh_client_get_managed_bot_token(bh_client *c, int64_t user_id, char *out, size_t n)
{
    return bot_token(c, "getManagedBotToken", user_id, out, n);
}

int bh_client_replace_managed_bot_token(bh_client *c, int64_t user_id, char *out, size_t n)
{
    return bot_token(c, "replaceManagedBotToken", user_id, out, n);
}

int bh_client_get_managed_bot_access_settings(bh_client *c, int64_t user_id, json_object **settings)
{
    if (settings)
        *settings = NULL;
    if (!c)
        return BH_EINVAL;
    return bh_tg_call_typed(c, "getManagedBotAccessSettings", int_params("user_id", user_id),
                            json_type_object, settings);
}

int bh_client_set_managed_bot_access_settings(bh_client *c, int64_t user_id, int is_access_restricted,
                                              const int64_t *added_user_ids, size_t n)
{
    bh_params *p;
    if (!c || (n && !added_user_ids))
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_bool(p, "is_access_restricted", is_access_restricted);
    if (n)
        bh_tg_params_ids(p, "added_user_ids", added_user_ids, n);
    return bh_tg_call_true(c, "setManagedBotAccessSettings", p);
}

int bh_client_send_message_draft(bh_client *c, int64_t chat_id, int64_t draft_id, const char *text,
                                 const char *parse_mode)
{
    bh_params *p;
    if (!c || !draft_id)
        return BH_EINVAL;
    if (!(p = int_params("chat_id", chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "draft_id", draft_id);
    if (text)
        bh_params_str(p, "text", text);
    if (parse_mode)
        bh_params_str(p, "parse_mode", parse_mode);
    return bh_tg_call_true(c, "sendMessageDraft", p);
}

int bh_client_delete_ephemeral_message(bh_client *c, int64_t chat_id, int64_t receiver_user_id,
                                       int64_t ephemeral_message_id)
{
    bh_params *p;
    if (!c || !ephemeral_message_id)
        return BH_EINVAL;
    if (!(p = int_params("chat_id", chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "receiver_user_id", receiver_user_id);
    bh_params_int(p, "ephemeral_message_id", ephemeral_message_id);
    return bh_tg_call_true(c, "deleteEphemeralMessage", p);
}

/* approveSuggestedPost (send_date, 0: now) and declineSuggestedPost (comment). */
static int suggested_post(bh_client *c, const char *method, int64_t chat_id, int64_t message_id,
                          int64_t send_date, const char *comment)
{
    bh_params *p;
    if (!c || !message_id || send_date < 0)
        return BH_EINVAL;
    if (!(p = int_params("chat_id", chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "message_id", message_id);
    if (send_date)
        bh_params_int(p, "send_date", send_date);
    if (comment && *comment)
        bh_params_str(p, "comment", comment);
    return bh_tg_call_true(c, method, p);
}

int bh_client_approve_suggested_post(bh_client *c, int64_t chat_id, int64_t message_id,
                                     int64_t send_date)
{
    return suggested_post(c, "approveSuggestedPost", chat_id, message_id, send_date, NULL);
}

int bh_client_decline_suggested_post(bh_client *c, int64_t chat_id, int64_t message_id,
                                     const char *comment)
{
    return suggested_post(c, "declineSuggestedPost", chat_id, message_id, 0, comment);
}

int bh_client_get_user_personal_chat_messages(bh_client *c, int64_t user_id, int limit,
                                              json_object **messages)
{
    bh_params *p;
    if (messages)
        *messages = NULL;
    if (!c || limit < 1 || limit > 100)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_int(p, "limit", limit);
    return bh_tg_call_typed(c, "getUserPersonalChatMessages", p, json_type_array, messages);
}

int bh_client_get_user_profile_audios(bh_client *c, int64_t user_id, int offset, int limit,
                                      json_object **audios)
{
    bh_params *p;
    if (audios)
        *audios = NULL;
    if (!c || offset < 0 || limit < 0 || limit > 100)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    if (offset)
        bh_params_int(p, "offset", offset);
    if (limit)
        bh_params_int(p, "limit", limit);
    return bh_tg_call_typed(c, "getUserProfileAudios", p, json_type_object, audios);
}

int bh_client_edit_user_star_subscription(bh_client *c, int64_t user_id, const char *charge_id,
                                          int is_canceled)
{
    bh_params *p;
    if (!c || !charge_id || !*charge_id)
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_str(p, "telegram_payment_charge_id", charge_id);
    bh_params_bool(p, "is_canceled", is_canceled);
    return bh_tg_call_true(c, "editUserStarSubscription", p);
}

int bh_client_set_passport_data_errors(bh_client *c, int64_t user_id, json_object *errors)
{
    bh_params *p;
    if (!c || !json_object_is_type(errors, json_type_array))
        return BH_EINVAL;
    if (!(p = int_params("user_id", user_id)))
        return BH_ENOMEM;
    bh_params_json(p, "errors", errors);
    return bh_tg_call_true(c, "setPassportDataErrors", p);
}

/* answerChatJoinRequestQuery and sendChatJoinRequestWebApp: a query and a string. */
static int join_query(bh_client *c, const char *method, const char *query_id, const char *key,
                      const char *value)
{
    bh_params *p;
    if (!c || !query_id || !*query_id || !value || !*value)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "chat_join_request_query_id", query_id);
    bh_params_str(p, key, value);
    return bh_tg_call_true(c, method, p);
}

int bh_client_answer_chat_join_request_query(bh_client *c, const char *query_id, const char *result)
{
    return join_query(c, "answerChatJoinRequestQuery", query_id, "result", result);
}

int bh_client_send_chat_join_request_web_app(bh_client *c, const char *query_id,
                                             const char *web_app_url)
{
    return join_query(c, "sendChatJoinRequestWebApp", query_id, "web_app_url", web_app_url);
}

/* The builder of an edit of an ephemeral message; NULL when out of memory. */
static bh_params *ephemeral_params(int64_t chat_id, int64_t receiver_user_id, int64_t id)
{
    bh_params *p = int_params("chat_id", chat_id);
    if (p) {
        bh_params_int(p, "receiver_user_id", receiver_user_id);
        bh_params_int(p, "ephemeral_message_id", id);
    }
    return p;
}

/* editEphemeralMessageText (key "text") and Caption (key "caption"), with
 * opt's parse_mode, entities and markup. */
static int ephemeral_text(bh_client *c, const char *method, const char *key, int64_t chat_id,
                          int64_t receiver_user_id, int64_t id, const char *text,
                          const bh_send_options *opt)
{
    bh_params *p;
    if (!c || !id || (!strcmp(key, "text") && (!text || !*text)))
        return BH_EINVAL;
    if (!(p = ephemeral_params(chat_id, receiver_user_id, id)))
        return BH_ENOMEM;
    if (text)
        bh_params_str(p, key, text);
    if (opt && opt->parse_mode)
        bh_params_str(p, "parse_mode", opt->parse_mode);
    if (opt && opt->entities)
        bh_params_json(p, strcmp(key, "text") ? "caption_entities" : "entities", opt->entities);
    if (opt && opt->reply_markup)
        bh_params_keyboard(p, opt->reply_markup);
    else if (opt && opt->markup)
        bh_params_json(p, "reply_markup", opt->markup);
    return bh_tg_call_true(c, method, p);
}

int bh_client_edit_ephemeral_message_text(bh_client *c, int64_t chat_id, int64_t receiver_user_id,
                                          int64_t ephemeral_message_id, const char *text,
                                          const bh_send_options *opt)
{
    return ephemeral_text(c, "editEphemeralMessageText", "text", chat_id, receiver_user_id,
                          ephemeral_message_id, text, opt);
}

int bh_client_edit_ephemeral_message_caption(bh_client *c, int64_t chat_id,
                                             int64_t receiver_user_id,
                                             int64_t ephemeral_message_id, const char *caption,
                                             const bh_send_options *opt)
{
    return ephemeral_text(c, "editEphemeralMessageCaption", "caption", chat_id, receiver_user_id,
                          ephemeral_message_id, caption, opt);
}

int bh_client_edit_ephemeral_message_reply_markup(bh_client *c, int64_t chat_id,
                                                  int64_t receiver_user_id,
                                                  int64_t ephemeral_message_id,
                                                  const bh_keyboard *markup)
{
    bh_params *p;
    if (!c || !ephemeral_message_id)
        return BH_EINVAL;
    if (!(p = ephemeral_params(chat_id, receiver_user_id, ephemeral_message_id)))
        return BH_ENOMEM;
    if (markup)
        bh_params_keyboard(p, markup);
    return bh_tg_call_true(c, "editEphemeralMessageReplyMarkup", p);
}

int bh_client_edit_ephemeral_message_media(bh_client *c, int64_t chat_id, int64_t receiver_user_id,
                                           int64_t ephemeral_message_id,
                                           const bh_input_media *media)
{
    bh_params *p;
    json_object *o;
    if (!c || !ephemeral_message_id || !media || !media->type)
        return BH_EINVAL;
    if (!(p = ephemeral_params(chat_id, receiver_user_id, ephemeral_message_id)))
        return BH_ENOMEM;
    if ((o = bh_tg_input_media(p, media)))
        bh_params_json(p, "media", o);
    json_object_put(o);
    return bh_tg_call_true(c, "editEphemeralMessageMedia", p);
}
