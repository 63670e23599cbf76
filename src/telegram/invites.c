/*
 * Typed methods for invite links and join requests, inline answers and
 * live locations.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

/* A builder with chat_id set; NULL when out of memory. */
static bh_params *chat_params(int64_t chat_id)
{
    bh_params *p = NULL;
    if (bh_params_new(&p) != BH_OK)
        return NULL;
    bh_params_int(p, "chat_id", chat_id);
    return p;
}

/* Calls a method answering a ChatInviteLink (p freed) into *out. */
static int call_link(bh_client *c, const char *method, bh_params *p, bh_invite_link *out)
{
    json_object *res = NULL;
    const char *link;
    int rc = bh_client_call_params(c, method, p, &res);
    bh_params_free(p);
    if (rc != BH_OK)
        return rc;
    if (!(link = bh_tg_get_str(res, "invite_link"))) {
        json_object_put(res);
        return BH_EPROTO;
    }
    if (out) {
        snprintf(out->invite_link, sizeof out->invite_link, "%s", link);
        out->is_revoked = bh_tg_get_bool(res, "is_revoked");
        out->json = res;
    } else {
        json_object_put(res);
    }
    return BH_OK;
}

int bh_client_create_chat_invite_link(bh_client *c, int64_t chat_id, const char *name,
                                      int64_t expire_date, int member_limit,
                                      int creates_join_request, bh_invite_link *out)
{
    bh_params *p;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || expire_date < 0 || member_limit < 0 || member_limit > 99999 ||
        (creates_join_request && member_limit))
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    if (name)
        bh_params_str(p, "name", name);
    if (expire_date)
        bh_params_int(p, "expire_date", expire_date);
    if (member_limit)
        bh_params_int(p, "member_limit", member_limit);
    if (creates_join_request)
        bh_params_bool(p, "creates_join_request", 1);
    return call_link(c, "createChatInviteLink", p, out);
}

/* A method on one invite link of chat_id: revoke it, or give it a name
 * (NULL: none sent). */
static int on_link(bh_client *c, const char *method, int64_t chat_id, const char *invite_link,
                   const char *name, bh_invite_link *out)
{
    bh_params *p;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !invite_link || !*invite_link)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_str(p, "invite_link", invite_link);
    if (name)
        bh_params_str(p, "name", name);
    return call_link(c, method, p, out);
}

int bh_client_revoke_chat_invite_link(bh_client *c, int64_t chat_id, const char *invite_link,
                                      bh_invite_link *out)
{
    return on_link(c, "revokeChatInviteLink", chat_id, invite_link, NULL, out);
}

int bh_client_edit_chat_invite_link(bh_client *c, int64_t chat_id, const char *invite_link,
                                    const char *name, int64_t expire_date, int member_limit,
                                    bh_invite_link *out)
{
    bh_params *p;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !invite_link || !*invite_link || member_limit > 99999)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_str(p, "invite_link", invite_link);
    if (name)
        bh_params_str(p, "name", name);
    if (expire_date >= 0)
        bh_params_int(p, "expire_date", expire_date);
    if (member_limit >= 0)
        bh_params_int(p, "member_limit", member_limit);
    return call_link(c, "editChatInviteLink", p, out);
}

void bh_invite_link_clear(bh_invite_link *link)
{
    if (!link)
        return;
    json_object_put(link->json);
    memset(link, 0, sizeof *link);
}

/* approveChatJoinRequest and declineChatJoinRequest. */
static int join_request(bh_client *c, const char *method, int64_t chat_id, int64_t user_id)
{
    bh_params *p;
    if (!c || user_id <= 0)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    return bh_tg_call_true(c, method, p);
}

int bh_client_approve_chat_join_request(bh_client *c, int64_t chat_id, int64_t user_id)
{
    return join_request(c, "approveChatJoinRequest", chat_id, user_id);
}

int bh_client_decline_chat_join_request(bh_client *c, int64_t chat_id, int64_t user_id)
{
    return join_request(c, "declineChatJoinRequest", chat_id, user_id);
}

int bh_client_answer_inline_query(bh_client *c, const char *inline_query_id, json_object *results,
                                  int cache_time, int is_personal, const char *next_offset)
{
    bh_params *p = NULL;
    if (!c || !inline_query_id || !*inline_query_id || !results ||
        !json_object_is_type(results, json_type_array) || json_object_array_length(results) > 50)
        return BH_EINVAL;
    if (bh_params_new(&p) != BH_OK)
        return BH_ENOMEM;
    bh_params_str(p, "inline_query_id", inline_query_id);
    bh_params_json(p, "results", results);
    if (cache_time >= 0)
        bh_params_int(p, "cache_time", cache_time);
    if (is_personal)
        bh_params_bool(p, "is_personal", 1);
    if (next_offset)
        bh_params_str(p, "next_offset", next_offset);
    return bh_tg_call_true(c, "answerInlineQuery", p);
}

int bh_client_edit_message_live_location(bh_client *c, int64_t chat_id, int64_t message_id,
                                         double latitude, double longitude, bh_message **edited)
{
    bh_params *p;
    if (edited)
        *edited = NULL;
    if (!c || !message_id || latitude < -90 || latitude > 90 || longitude < -180 || longitude > 180)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "message_id", message_id);
    bh_params_double(p, "latitude", latitude);
    bh_params_double(p, "longitude", longitude);
    return bh_tg_call_message(c, "editMessageLiveLocation", p, edited);
}

int bh_client_stop_message_live_location(bh_client *c, int64_t chat_id, int64_t message_id,
                                         bh_message **stopped)
{
    bh_params *p;
    if (stopped)
        *stopped = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "message_id", message_id);
    return bh_tg_call_message(c, "stopMessageLiveLocation", p, stopped);
}

int bh_client_create_chat_subscription_invite_link(bh_client *c, int64_t chat_id, const char *name,
                                                   int64_t period, int64_t price,
                                                   bh_invite_link *out)
{
    bh_params *p;
    if (out)
        memset(out, 0, sizeof *out);
    /* Telegram takes 30 days (2592000 s) only, and 1..10000 Stars. */
    if (!c || period != 2592000 || price < 1 || price > 10000)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    if (name)
        bh_params_str(p, "name", name);
    bh_params_int(p, "subscription_period", period);
    bh_params_int(p, "subscription_price", price);
    return call_link(c, "createChatSubscriptionInviteLink", p, out);
}

int bh_client_edit_chat_subscription_invite_link(bh_client *c, int64_t chat_id,
                                                 const char *invite_link, const char *name,
                                                 bh_invite_link *out)
{
    return on_link(c, "editChatSubscriptionInviteLink", chat_id, invite_link, name, out);
}
