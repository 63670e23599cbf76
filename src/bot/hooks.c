/*
 * The hooks of every update kind beyond messages and signed callbacks:
 * their registration (one function per kind, for components and bots),
 * their dispatch with the kind's typed view, and allowed_updates, the
 * kinds the hooks make the runner ask Telegram for.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "internal.h"

/* The views a typed hook may get, made on the dispatching worker's stack. */
union bh_kind_view {
    bh_inline_query iq;
    bh_chosen_inline_result cr;
    bh_chat_member_updated cm;
    bh_chat_join_request jr;
    bh_message_reaction_updated mr;
    bh_message_reaction_count_updated mc;
    bh_poll p;
    bh_poll_answer pa;
    bh_shipping_query sq;
    bh_pre_checkout_query pc;
    bh_chat_boost cb;
    bh_business_connection bc;
    bh_business_messages_deleted bd;
    bh_paid_media_purchased pm;
    bh_message_generation_stopped gs;
    bh_managed_bot_updated mb;
    bh_subscription_updated su;
};

/* ---- Registration ---- */

static int kind_add(bh_component *c, bh_update_kind k, struct bh_hook *h, int fn_set)
{
    h->kind = BH_HOOK_KIND;
    h->ukind = k;
    return bh_component_hook_add(c, h, fn_set);
}

/* One registration function per kind for components, and its bot twin
 * that registers into the bot's main component. */
#define BH_KIND_HOOK(name, kind, member, type)                                  \
    int bh_component_##name(bh_component *c, type fn)                           \
    {                                                                           \
        struct bh_hook h = {.fn.member = fn};                                   \
        return kind_add(c, kind, &h, fn != NULL);                               \
    }                                                                           \
    int bh_bot_##name(bh_bot *b, type fn)                                       \
    {                                                                           \
        return bh_component_##name(b ? b->main : NULL, fn);                     \
    }

BH_KIND_HOOK(edited_channel_post, BH_UPDATE_EDITED_CHANNEL_POST, message, bh_message_fn)
BH_KIND_HOOK(business_message, BH_UPDATE_BUSINESS_MESSAGE, message, bh_message_fn)
BH_KIND_HOOK(edited_business_message, BH_UPDATE_EDITED_BUSINESS_MESSAGE, message, bh_message_fn)
BH_KIND_HOOK(guest_message, BH_UPDATE_GUEST_MESSAGE, message, bh_message_fn)
BH_KIND_HOOK(business_connection, BH_UPDATE_BUSINESS_CONNECTION, business,
             bh_business_connection_fn)
BH_KIND_HOOK(deleted_business_messages, BH_UPDATE_DELETED_BUSINESS_MESSAGES, business_deleted,
             bh_business_deleted_fn)
BH_KIND_HOOK(purchased_paid_media, BH_UPDATE_PURCHASED_PAID_MEDIA, paid_media, bh_paid_media_fn)
BH_KIND_HOOK(inline_query, BH_UPDATE_INLINE_QUERY, inline_query, bh_inline_query_fn)
BH_KIND_HOOK(chosen_inline_result, BH_UPDATE_CHOSEN_INLINE_RESULT, chosen,
             bh_chosen_inline_result_fn)
BH_KIND_HOOK(callback_query, BH_UPDATE_CALLBACK_QUERY, callback_query, bh_callback_query_fn)
BH_KIND_HOOK(my_chat_member, BH_UPDATE_MY_CHAT_MEMBER, member, bh_chat_member_fn)
BH_KIND_HOOK(chat_member, BH_UPDATE_CHAT_MEMBER, member, bh_chat_member_fn)
BH_KIND_HOOK(chat_join_request, BH_UPDATE_CHAT_JOIN_REQUEST, join, bh_chat_join_request_fn)
BH_KIND_HOOK(message_reaction, BH_UPDATE_MESSAGE_REACTION, reaction, bh_reaction_fn)
BH_KIND_HOOK(message_reaction_count, BH_UPDATE_MESSAGE_REACTION_COUNT, reaction_count,
             bh_reaction_count_fn)
BH_KIND_HOOK(poll, BH_UPDATE_POLL, poll, bh_poll_fn)
BH_KIND_HOOK(poll_answer, BH_UPDATE_POLL_ANSWER, poll_answer, bh_poll_answer_fn)
BH_KIND_HOOK(shipping_query, BH_UPDATE_SHIPPING_QUERY, shipping, bh_shipping_query_fn)
BH_KIND_HOOK(pre_checkout_query, BH_UPDATE_PRE_CHECKOUT_QUERY, pre_checkout,
             bh_pre_checkout_query_fn)
BH_KIND_HOOK(chat_boost, BH_UPDATE_CHAT_BOOST, boost, bh_chat_boost_fn)
BH_KIND_HOOK(removed_chat_boost, BH_UPDATE_REMOVED_CHAT_BOOST, boost, bh_chat_boost_fn)
BH_KIND_HOOK(stopped_message_generation, BH_UPDATE_STOPPED_MESSAGE_GENERATION, generation_stopped,
             bh_generation_stopped_fn)
BH_KIND_HOOK(managed_bot, BH_UPDATE_MANAGED_BOT, managed_bot, bh_managed_bot_fn)
BH_KIND_HOOK(subscription, BH_UPDATE_SUBSCRIPTION, subscription, bh_subscription_fn)

/* Kind names are what Telegram puts beside update_id: [a-z_]. */
static int kind_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

int bh_component_on_update(bh_component *c, const char *kind_name, bh_update_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_NAMED, .fn.update = fn};
    if (!c || !kind_name_valid(kind_name) || !fn)
        return BH_EINVAL;
    if (!(h.text = strdup(kind_name)))
        return BH_ENOMEM;
    return bh_component_hook_add(c, &h, 1);
}

int bh_bot_on_update(bh_bot *b, const char *kind_name, bh_update_fn fn)
{
    return bh_component_on_update(b ? b->main : NULL, kind_name, fn);
}

/* ---- Dispatch ---- */

int bh_kind_call(bh_ctx *ctx, const struct bh_hook *h, const void *v)
{
    switch (h->ukind) {
    case BH_UPDATE_INLINE_QUERY: return h->fn.inline_query(ctx, v);
    case BH_UPDATE_CHOSEN_INLINE_RESULT: return h->fn.chosen(ctx, v);
    case BH_UPDATE_CALLBACK_QUERY: return h->fn.callback_query(ctx, v);
    case BH_UPDATE_MY_CHAT_MEMBER:
    case BH_UPDATE_CHAT_MEMBER: return h->fn.member(ctx, v);
    case BH_UPDATE_CHAT_JOIN_REQUEST: return h->fn.join(ctx, v);
    case BH_UPDATE_MESSAGE_REACTION: return h->fn.reaction(ctx, v);
    case BH_UPDATE_MESSAGE_REACTION_COUNT: return h->fn.reaction_count(ctx, v);
    case BH_UPDATE_POLL: return h->fn.poll(ctx, v);
    case BH_UPDATE_POLL_ANSWER: return h->fn.poll_answer(ctx, v);
    case BH_UPDATE_SHIPPING_QUERY: return h->fn.shipping(ctx, v);
    case BH_UPDATE_PRE_CHECKOUT_QUERY: return h->fn.pre_checkout(ctx, v);
    case BH_UPDATE_CHAT_BOOST:
    case BH_UPDATE_REMOVED_CHAT_BOOST: return h->fn.boost(ctx, v);
    case BH_UPDATE_BUSINESS_CONNECTION: return h->fn.business(ctx, v);
    case BH_UPDATE_DELETED_BUSINESS_MESSAGES: return h->fn.business_deleted(ctx, v);
    case BH_UPDATE_PURCHASED_PAID_MEDIA: return h->fn.paid_media(ctx, v);
    case BH_UPDATE_STOPPED_MESSAGE_GENERATION: return h->fn.generation_stopped(ctx, v);
    case BH_UPDATE_MANAGED_BOT: return h->fn.managed_bot(ctx, v);
    case BH_UPDATE_SUBSCRIPTION: return h->fn.subscription(ctx, v);
    default: return h->fn.message(ctx, v);
    }
}

/* Reads u's object into the view of its kind. BH_ENOTFOUND when the
 * object lacks what the view needs; BH_ENOTSUP for kinds without one. */
static int kind_view(const bh_update *u, union bh_kind_view *v)
{
    json_object *o = bh_update_object(u);
    switch (u->kind) {
    case BH_UPDATE_INLINE_QUERY: return bh_inline_query_view(o, &v->iq);
    case BH_UPDATE_CHOSEN_INLINE_RESULT: return bh_chosen_inline_result_view(o, &v->cr);
    case BH_UPDATE_MY_CHAT_MEMBER:
    case BH_UPDATE_CHAT_MEMBER: return bh_chat_member_updated_view(o, &v->cm);
    case BH_UPDATE_CHAT_JOIN_REQUEST: return bh_chat_join_request_view(o, &v->jr);
    case BH_UPDATE_MESSAGE_REACTION: return bh_message_reaction_updated_view(o, &v->mr);
    case BH_UPDATE_MESSAGE_REACTION_COUNT:
        return bh_message_reaction_count_updated_view(o, &v->mc);
    case BH_UPDATE_POLL: return bh_poll_view(o, &v->p);
    case BH_UPDATE_POLL_ANSWER: return bh_poll_answer_view(o, &v->pa);
    case BH_UPDATE_SHIPPING_QUERY: return bh_shipping_query_view(o, &v->sq);
    case BH_UPDATE_PRE_CHECKOUT_QUERY: return bh_pre_checkout_query_view(o, &v->pc);
    case BH_UPDATE_CHAT_BOOST:
    case BH_UPDATE_REMOVED_CHAT_BOOST: return bh_chat_boost_view(o, &v->cb);
    case BH_UPDATE_BUSINESS_CONNECTION: return bh_business_connection_view(o, &v->bc);
    case BH_UPDATE_DELETED_BUSINESS_MESSAGES:
        return bh_business_messages_deleted_view(o, &v->bd);
    case BH_UPDATE_PURCHASED_PAID_MEDIA: return bh_paid_media_purchased_view(o, &v->pm);
    case BH_UPDATE_STOPPED_MESSAGE_GENERATION:
        return bh_message_generation_stopped_view(o, &v->gs);
    case BH_UPDATE_MANAGED_BOT: return bh_managed_bot_updated_view(o, &v->mb);
    case BH_UPDATE_SUBSCRIPTION: return bh_subscription_updated_view(o, &v->su);
    default: return BH_ENOTSUP;
    }
}

/* Runs the hooks of kind/ukind (or the named ones of name) with arg, bot
 * first, until one does not continue. */
static int run_hooks(bh_ctx *ctx, enum bh_hook_kind kind, bh_update_kind ukind,
                     const char *name, const void *arg)
{
    for (size_t c = 0; c < ctx->bot->ncomps; c++) {
        const bh_component *comp = ctx->bot->comps[c];
        for (size_t i = 0; i < comp->nhooks; i++) {
            const struct bh_hook *h = &comp->hooks[i];
            if (h->kind != kind || (kind == BH_HOOK_KIND && h->ukind != ukind) ||
                (kind == BH_HOOK_NAMED && strcmp(h->text, name)))
                continue;
            int rc = bh_hook_call(ctx, c, h, arg, NULL);
            if (rc != BH_CONTINUE)
                return rc;
        }
    }
    return BH_CONTINUE;
}

int bh_kind_run_callback_query(bh_ctx *ctx, const bh_callback_query *q)
{
    return run_hooks(ctx, BH_HOOK_KIND, BH_UPDATE_CALLBACK_QUERY, NULL, q);
}

/*
 * The typed hooks first, with the view read once for all of them, then
 * the raw on_update hooks of the kind's name. A malformed object skips the
 * typed hooks only: a raw hook may still make sense of it.
 */
int bh_kind_run(bh_ctx *ctx, const bh_update *u)
{
    union bh_kind_view v;
    const void *arg = &v;
    int rc;

    if (bh_update_kind_is_message(u->kind)) {
        arg = u->message;
    } else if ((rc = kind_view(u, &v)) != BH_OK) {
        if (rc != BH_ENOTSUP && bh_bot_has_hook(ctx->bot, BH_HOOK_KIND, u->kind))
            bh_log(BH_LOG_WARN, "update %lld: malformed %s; its typed hooks skipped",
                   (long long)u->update_id, u->kind_key);
        arg = NULL;
    }
    rc = arg ? run_hooks(ctx, BH_HOOK_KIND, u->kind, NULL, arg) : BH_CONTINUE;
    if (rc != BH_CONTINUE || !u->kind_key[0])
        return rc;
    return run_hooks(ctx, BH_HOOK_NAMED, BH_UPDATE_OTHER, u->kind_key, u);
}

int bh_bot_has_hook(const bh_bot *bot, enum bh_hook_kind kind, bh_update_kind ukind)
{
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nhooks; i++) {
            const struct bh_hook *h = &bot->comps[c]->hooks[i];
            if (h->kind == kind && (kind != BH_HOOK_KIND || h->ukind == ukind))
                return 1;
        }
    return 0;
}

/* ---- allowed_updates ---- */

/* Whether Telegram sends kind k without being asked by name. */
static int kind_default(bh_update_kind k)
{
    return k != BH_UPDATE_CHAT_MEMBER && k != BH_UPDATE_MESSAGE_REACTION &&
           k != BH_UPDATE_MESSAGE_REACTION_COUNT;
}

/* Whether the bot's hooks handle kind k. */
static int kind_wanted(const bh_bot *bot, bh_update_kind k, int all)
{
    switch (k) {
    case BH_UPDATE_MESSAGE: return 1; /* commands, /start and /help */
    case BH_UPDATE_EDITED_MESSAGE: return all || bh_bot_has_hook(bot, BH_HOOK_EDITED, 0);
    case BH_UPDATE_CHANNEL_POST: return all || bh_bot_has_hook(bot, BH_HOOK_CHANNEL_POST, 0);
    case BH_UPDATE_CALLBACK_QUERY:
        if (bh_bot_has_hook(bot, BH_HOOK_CALLBACK, 0) || bh_conv_wants_callbacks(bot))
            return 1;
        break;
    default: break;
    }
    return (all && kind_default(k)) || bh_bot_has_hook(bot, BH_HOOK_KIND, k);
}

/* Adds name to the list unless it is there already. */
static void allowed_add(const char **list, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(list[i], name))
            return;
    list[(*n)++] = name;
}

static size_t named_hooks(const bh_bot *bot)
{
    size_t n = 0;
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nhooks; i++)
            n += bot->comps[c]->hooks[i].kind == BH_HOOK_NAMED;
    return n;
}

const char *const *bh_bot_allowed_updates(bh_bot *bot)
{
    size_t n = 0, cap;
    int all;
    const char **list;

    if (!bot)
        return NULL;
    cap = BH_UPDATE_KIND_COUNT + named_hooks(bot) + 1;
    if (!(list = calloc(cap, sizeof *list)))
        return NULL;
    all = bh_bot_has_hook(bot, BH_HOOK_BEFORE, 0);
    for (int k = 1; k < BH_UPDATE_KIND_COUNT; k++)
        if (kind_wanted(bot, (bh_update_kind)k, all))
            allowed_add(list, &n, bh_update_kind_name((bh_update_kind)k));
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nhooks; i++)
            if (bot->comps[c]->hooks[i].kind == BH_HOOK_NAMED)
                allowed_add(list, &n, bot->comps[c]->hooks[i].text);
    list[n] = NULL;
    free(bot->allowed);
    bot->allowed = list;
    return list;
}
