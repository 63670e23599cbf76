/*
 * Lazy views of the update objects other than messages: inline queries
 * and their chosen results, member changes and join requests, reactions,
 * polls and votes, payments, boosts, stopped drafts, managed bots and
 * subscriptions. Each fills a struct of pointers into
 * the object's JSON; required fields missing make the object absent
 * (BH_ENOTFOUND), optional ones read as NULL / 0.
 */
#include <string.h>

#include "telegram/tg.h"

/* Zeroes the view of size n and answers BH_ENOTFOUND: the one way out of
 * a view whose object is malformed, so no half-filled view escapes. */
static int bh_view_absent(void *out, size_t n)
{
    memset(out, 0, n);
    return BH_ENOTFOUND;
}

#define BH_VIEW_START(obj, out)                                     \
    do {                                                            \
        if (!(obj) || !(out))                                       \
            return BH_EINVAL;                                       \
        memset((out), 0, sizeof *(out));                            \
        if (!json_object_is_type((obj), json_type_object))          \
            return BH_ENOTFOUND;                                    \
        (out)->json = (obj);                                        \
    } while (0)

static const char *bh_text_or_empty(json_object *o, const char *key)
{
    const char *s = bh_tg_get_text(o, key, NULL);
    return s ? s : "";
}

int bh_inline_query_view(json_object *obj, bh_inline_query *out)
{
    BH_VIEW_START(obj, out);
    if (!(out->id = bh_tg_get_text(obj, "id", NULL)) ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->query = bh_text_or_empty(obj, "query");
    out->offset = bh_text_or_empty(obj, "offset");
    out->chat_type = bh_tg_get_text(obj, "chat_type", NULL);
    out->has_location =
        bh_tg_location_view(bh_tg_get_obj(obj, "location"), &out->location) == BH_OK;
    return BH_OK;
}

int bh_chosen_inline_result_view(json_object *obj, bh_chosen_inline_result *out)
{
    BH_VIEW_START(obj, out);
    if (!(out->result_id = bh_tg_get_text(obj, "result_id", NULL)) ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->query = bh_text_or_empty(obj, "query");
    out->inline_message_id = bh_tg_get_text(obj, "inline_message_id", NULL);
    out->has_location =
        bh_tg_location_view(bh_tg_get_obj(obj, "location"), &out->location) == BH_OK;
    return BH_OK;
}

int bh_callback_query_view(json_object *obj, bh_callback_query *out)
{
    BH_VIEW_START(obj, out);
    if (!(out->id = bh_tg_get_text(obj, "id", NULL)) ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->inline_message_id = bh_tg_get_text(obj, "inline_message_id", NULL);
    out->chat_instance = bh_text_or_empty(obj, "chat_instance");
    out->data = bh_tg_get_text(obj, "data", NULL);
    out->game_short_name = bh_tg_get_text(obj, "game_short_name", NULL);
    return BH_OK;
}

/* A ChatMember's status and whether it is a member: "restricted" says so
 * in is_member; the others by their status. */
static const char *bh_member_status(json_object *m, int *is_member)
{
    const char *s = bh_tg_get_text(m, "status", NULL);
    if (!s)
        return *is_member = 0, "";
    if (!strcmp(s, "restricted"))
        *is_member = bh_tg_get_bool(m, "is_member");
    else
        *is_member = strcmp(s, "left") && strcmp(s, "kicked");
    return s;
}

int bh_chat_member_updated_view(json_object *obj, bh_chat_member_updated *out)
{
    json_object *old_m, *new_m;

    BH_VIEW_START(obj, out);
    old_m = bh_tg_get_obj(obj, "old_chat_member");
    new_m = bh_tg_get_obj(obj, "new_chat_member");
    if (bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK ||
        bh_tg_user_view(bh_tg_get_obj(new_m, "user"), &out->member) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->date = bh_tg_int(obj, "date");
    out->old_status = bh_member_status(old_m, &out->old_is_member);
    out->new_status = bh_member_status(new_m, &out->new_is_member);
    out->until_date = bh_tg_int(new_m, "until_date");
    out->via_join_request = bh_tg_get_bool(obj, "via_join_request");
    out->via_chat_folder_invite_link = bh_tg_get_bool(obj, "via_chat_folder_invite_link");
    out->invite_link = bh_tg_get_text(bh_tg_get_obj(obj, "invite_link"), "invite_link", NULL);
    out->old_member = old_m;
    out->new_member = new_m;
    out->new_custom_title = bh_tg_get_text(new_m, "custom_title", NULL);
    return BH_OK;
}

int bh_chat_member_flag(json_object *member, const char *name)
{
    return name ? bh_tg_get_bool(member, name) : 0;
}

int bh_chat_member_joined(const bh_chat_member_updated *u)
{
    return u && !u->old_is_member && u->new_is_member;
}

int bh_chat_member_left(const bh_chat_member_updated *u)
{
    return u && u->old_is_member && !u->new_is_member;
}

int bh_chat_join_request_view(json_object *obj, bh_chat_join_request *out)
{
    BH_VIEW_START(obj, out);
    if (bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->user_chat_id = bh_tg_int(obj, "user_chat_id");
    out->date = bh_tg_int(obj, "date");
    out->bio = bh_tg_get_text(obj, "bio", NULL);
    out->invite_link = bh_tg_get_text(bh_tg_get_obj(obj, "invite_link"), "invite_link", NULL);
    return BH_OK;
}

static size_t bh_array_length(json_object *o, const char *key)
{
    json_object *a = bh_tg_get_arr(o, key);
    return a ? json_object_array_length(a) : 0;
}

int bh_message_reaction_updated_view(json_object *obj, bh_message_reaction_updated *out)
{
    BH_VIEW_START(obj, out);
    if (bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK ||
        !bh_tg_get_int64(obj, "message_id", &out->message_id))
        return bh_view_absent(out, sizeof *out);
    out->date = bh_tg_int(obj, "date");
    out->has_user = bh_tg_user_view(bh_tg_get_obj(obj, "user"), &out->user) == BH_OK;
    out->has_actor_chat =
        bh_tg_chat_view(bh_tg_get_obj(obj, "actor_chat"), &out->actor_chat) == BH_OK;
    out->old_count = bh_array_length(obj, "old_reaction");
    out->new_count = bh_array_length(obj, "new_reaction");
    return BH_OK;
}

/* Fills a reaction from a ReactionType (or a ReactionCount's "type"). */
static int bh_reaction_fill(json_object *t, bh_reaction *out)
{
    memset(out, 0, sizeof *out);
    if (!(out->type = bh_tg_get_text(t, "type", NULL)))
        return BH_ENOTFOUND;
    out->emoji = bh_tg_get_text(t, "emoji", NULL);
    out->custom_emoji_id = bh_tg_get_text(t, "custom_emoji_id", NULL);
    return BH_OK;
}

int bh_message_reaction_get(const bh_message_reaction_updated *u, int is_new, size_t i,
                            bh_reaction *out)
{
    json_object *a;
    if (!u || !out)
        return BH_EINVAL;
    a = bh_tg_get_arr(u->json, is_new ? "new_reaction" : "old_reaction");
    if (!a || i >= json_object_array_length(a))
        return bh_view_absent(out, sizeof *out);
    return bh_reaction_fill(json_object_array_get_idx(a, i), out);
}

int bh_message_reaction_count_updated_view(json_object *obj,
                                           bh_message_reaction_count_updated *out)
{
    BH_VIEW_START(obj, out);
    if (bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK ||
        !bh_tg_get_int64(obj, "message_id", &out->message_id))
        return bh_view_absent(out, sizeof *out);
    out->date = bh_tg_int(obj, "date");
    out->count = bh_array_length(obj, "reactions");
    return BH_OK;
}

int bh_message_reaction_count_get(const bh_message_reaction_count_updated *u, size_t i,
                                  bh_reaction *out)
{
    json_object *a, *rc;
    if (!u || !out)
        return BH_EINVAL;
    a = bh_tg_get_arr(u->json, "reactions");
    if (!a || i >= json_object_array_length(a))
        return bh_view_absent(out, sizeof *out);
    rc = json_object_array_get_idx(a, i);
    if (bh_reaction_fill(bh_tg_get_obj(rc, "type"), out) != BH_OK)
        return BH_ENOTFOUND;
    out->total_count = bh_tg_int(rc, "total_count");
    return BH_OK;
}

int bh_poll_view(json_object *obj, bh_poll *out)
{
    BH_VIEW_START(obj, out);
    if (!(out->id = bh_tg_get_text(obj, "id", NULL)) ||
        !(out->question = bh_tg_get_text(obj, "question", NULL)))
        return bh_view_absent(out, sizeof *out);
    out->type = bh_text_or_empty(obj, "type");
    out->option_count = bh_array_length(obj, "options");
    out->total_voter_count = bh_tg_int(obj, "total_voter_count");
    out->is_closed = bh_tg_get_bool(obj, "is_closed");
    out->is_anonymous = bh_tg_get_bool(obj, "is_anonymous");
    out->allows_multiple_answers = bh_tg_get_bool(obj, "allows_multiple_answers");
    out->correct_option_id = -1;
    bh_tg_get_int64(obj, "correct_option_id", &out->correct_option_id);
    out->explanation = bh_tg_get_text(obj, "explanation", NULL);
    out->open_period = bh_tg_int(obj, "open_period");
    out->close_date = bh_tg_int(obj, "close_date");
    return BH_OK;
}

int bh_poll_option(const bh_poll *p, size_t i, const char **text, int64_t *voter_count)
{
    json_object *a = p ? bh_tg_get_arr(p->json, "options") : NULL, *o;
    const char *t;
    if (!p || !text)
        return BH_EINVAL;
    if (!a || i >= json_object_array_length(a) ||
        !(t = bh_tg_get_text(o = json_object_array_get_idx(a, i), "text", NULL)))
        return BH_ENOTFOUND;
    *text = t;
    if (voter_count)
        *voter_count = bh_tg_int(o, "voter_count");
    return BH_OK;
}

int bh_poll_answer_view(json_object *obj, bh_poll_answer *out)
{
    BH_VIEW_START(obj, out);
    if (!(out->poll_id = bh_tg_get_text(obj, "poll_id", NULL)))
        return bh_view_absent(out, sizeof *out);
    out->has_user = bh_tg_user_view(bh_tg_get_obj(obj, "user"), &out->user) == BH_OK;
    out->has_voter_chat =
        bh_tg_chat_view(bh_tg_get_obj(obj, "voter_chat"), &out->voter_chat) == BH_OK;
    out->option_count = bh_array_length(obj, "option_ids");
    return BH_OK;
}

int64_t bh_poll_answer_option(const bh_poll_answer *a, size_t i)
{
    json_object *ids = a ? bh_tg_get_arr(a->json, "option_ids") : NULL, *v;
    if (!ids || i >= json_object_array_length(ids))
        return -1;
    v = json_object_array_get_idx(ids, i);
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

int bh_shipping_query_view(json_object *obj, bh_shipping_query *out)
{
    json_object *addr;

    BH_VIEW_START(obj, out);
    if (!(out->id = bh_tg_get_text(obj, "id", NULL)) ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->invoice_payload = bh_text_or_empty(obj, "invoice_payload");
    addr = bh_tg_get_obj(obj, "shipping_address");
    out->country_code = bh_text_or_empty(addr, "country_code");
    out->state = bh_text_or_empty(addr, "state");
    out->city = bh_text_or_empty(addr, "city");
    out->street_line1 = bh_text_or_empty(addr, "street_line1");
    out->street_line2 = bh_text_or_empty(addr, "street_line2");
    out->post_code = bh_text_or_empty(addr, "post_code");
    return BH_OK;
}

int bh_pre_checkout_query_view(json_object *obj, bh_pre_checkout_query *out)
{
    BH_VIEW_START(obj, out);
    if (!(out->id = bh_tg_get_text(obj, "id", NULL)) ||
        bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->currency = bh_text_or_empty(obj, "currency");
    out->invoice_payload = bh_text_or_empty(obj, "invoice_payload");
    out->total_amount = bh_tg_int(obj, "total_amount");
    out->shipping_option_id = bh_tg_get_text(obj, "shipping_option_id", NULL);
    return BH_OK;
}

/* chat_boost carries a ChatBoost under "boost"; removed_chat_boost has the
 * boost's fields beside the chat. One view reads both. */
int bh_chat_boost_view(json_object *obj, bh_chat_boost *out)
{
    json_object *boost, *src;

    BH_VIEW_START(obj, out);
    boost = bh_tg_get_obj(obj, "boost");
    if (!boost)
        boost = obj;
    if (bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK ||
        !(out->boost_id = bh_tg_get_text(boost, "boost_id", NULL)))
        return bh_view_absent(out, sizeof *out);
    out->add_date = bh_tg_int(boost, "add_date");
    out->expiration_date = bh_tg_int(boost, "expiration_date");
    out->remove_date = bh_tg_int(obj, "remove_date");
    src = bh_tg_get_obj(boost, "source");
    out->source = bh_text_or_empty(src, "source");
    out->has_user = bh_tg_user_view(bh_tg_get_obj(src, "user"), &out->user) == BH_OK;
    return BH_OK;
}

int bh_message_generation_stopped_view(json_object *obj, bh_message_generation_stopped *out)
{
    BH_VIEW_START(obj, out);
    if (bh_tg_chat_view(bh_tg_get_obj(obj, "chat"), &out->chat) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->message_thread_id = bh_tg_int(obj, "message_thread_id");
    out->draft_id = bh_tg_int(obj, "draft_id");
    out->has_from = bh_tg_user_view(bh_tg_get_obj(obj, "from"), &out->from) == BH_OK;
    return BH_OK;
}

int bh_managed_bot_updated_view(json_object *obj, bh_managed_bot_updated *out)
{
    BH_VIEW_START(obj, out);
    if (bh_tg_user_view(bh_tg_get_obj(obj, "user"), &out->user) != BH_OK ||
        bh_tg_user_view(bh_tg_get_obj(obj, "bot"), &out->bot) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    return BH_OK;
}

int bh_subscription_updated_view(json_object *obj, bh_subscription_updated *out)
{
    BH_VIEW_START(obj, out);
    if (bh_tg_user_view(bh_tg_get_obj(obj, "user"), &out->user) != BH_OK)
        return bh_view_absent(out, sizeof *out);
    out->invoice_payload = bh_text_or_empty(obj, "invoice_payload");
    out->state = bh_text_or_empty(obj, "state");
    return BH_OK;
}
