/*
 * Typed methods for payments (invoices, the answers to shipping and
 * pre-checkout queries, Telegram Stars) and for the lists of boosts,
 * gifts and custom emoji.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

/* Whether inv has what every invoice needs. */
static int invoice_valid(const bh_invoice *inv)
{
    if (!inv || !inv->title || !*inv->title || !inv->description || !*inv->description ||
        !inv->payload || !*inv->payload || !inv->currency || !inv->prices || !inv->nprices)
        return 0;
    for (size_t i = 0; i < inv->nprices; i++)
        if (!inv->prices[i].label || !*inv->prices[i].label)
            return 0;
    return 1;
}

/* Adds the fields of inv to p. */
static void add_invoice(bh_params *p, const bh_invoice *inv)
{
    json_object *prices = json_object_new_array();
    bh_params_str(p, "title", inv->title);
    bh_params_str(p, "description", inv->description);
    bh_params_str(p, "payload", inv->payload);
    bh_params_str(p, "currency", inv->currency);
    if (inv->provider_token)
        bh_params_str(p, "provider_token", inv->provider_token);
    for (size_t i = 0; prices && i < inv->nprices; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "label", json_object_new_string(inv->prices[i].label));
        json_object_object_add(o, "amount", json_object_new_int64(inv->prices[i].amount));
        json_object_array_add(prices, o);
    }
    if (prices)
        bh_params_json(p, "prices", prices);
    else
        p->rc = BH_ENOMEM;
    json_object_put(prices);
}

int bh_client_send_invoice(bh_client *c, int64_t chat_id, const bh_invoice *inv,
                           const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !invoice_valid(inv))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    add_invoice(p, inv);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendInvoice", p, sent);
}

int bh_client_create_invoice_link(bh_client *c, const bh_invoice *inv, char *out, size_t n)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (out && n)
        out[0] = '\0';
    if (!c || !invoice_valid(inv) || !out || !n)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    add_invoice(p, inv);
    if ((rc = bh_tg_call_typed(c, "createInvoiceLink", p, json_type_string, &res)) == BH_OK)
        snprintf(out, n, "%s", json_object_get_string(res));
    json_object_put(res);
    return rc;
}

int bh_client_answer_shipping_query(bh_client *c, const char *shipping_query_id, int ok,
                                    json_object *shipping_options, const char *error_message)
{
    bh_params *p;
    if (!c || !shipping_query_id || !*shipping_query_id || (ok && !shipping_options) ||
        (!ok && (!error_message || !*error_message)))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "shipping_query_id", shipping_query_id);
    bh_params_bool(p, "ok", ok);
    if (ok)
        bh_params_json(p, "shipping_options", shipping_options);
    else
        bh_params_str(p, "error_message", error_message);
    return bh_tg_call_true(c, "answerShippingQuery", p);
}

int bh_client_answer_pre_checkout_query(bh_client *c, const char *pre_checkout_query_id, int ok,
                                        const char *error_message)
{
    bh_params *p;
    if (!c || !pre_checkout_query_id || !*pre_checkout_query_id ||
        (!ok && (!error_message || !*error_message)))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "pre_checkout_query_id", pre_checkout_query_id);
    bh_params_bool(p, "ok", ok);
    if (!ok)
        bh_params_str(p, "error_message", error_message);
    return bh_tg_call_true(c, "answerPreCheckoutQuery", p);
}

int bh_client_get_star_transactions(bh_client *c, int offset, int limit,
                                    json_object **transactions)
{
    bh_params *p;
    if (transactions)
        *transactions = NULL;
    if (!c || offset < 0 || limit < 0 || limit > 100)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (offset)
        bh_params_int(p, "offset", offset);
    if (limit)
        bh_params_int(p, "limit", limit);
    return bh_tg_call_typed(c, "getStarTransactions", p, json_type_object, transactions);
}

int bh_client_refund_star_payment(bh_client *c, int64_t user_id, const char *charge_id)
{
    bh_params *p;
    if (!c || user_id <= 0 || !charge_id || !*charge_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    bh_params_str(p, "telegram_payment_charge_id", charge_id);
    return bh_tg_call_true(c, "refundStarPayment", p);
}

int bh_client_get_user_chat_boosts(bh_client *c, int64_t chat_id, int64_t user_id,
                                   json_object **boosts)
{
    bh_params *p;
    if (boosts)
        *boosts = NULL;
    if (!c || user_id <= 0)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "user_id", user_id);
    return bh_tg_call_typed(c, "getUserChatBoosts", p, json_type_object, boosts);
}

int bh_client_get_available_gifts(bh_client *c, json_object **gifts)
{
    if (gifts)
        *gifts = NULL;
    if (!c)
        return BH_EINVAL;
    return bh_tg_call_typed(c, "getAvailableGifts", NULL, json_type_object, gifts);
}

int bh_client_get_custom_emoji_stickers(bh_client *c, const char *const *ids, size_t n,
                                        json_object **stickers)
{
    bh_params *p;
    json_object *arr;
    if (stickers)
        *stickers = NULL;
    if (!c || !ids || n < 1 || n > 200)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()) || !(arr = json_object_new_array())) {
        bh_params_free(p);
        return BH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, json_object_new_string(ids[i] ? ids[i] : ""));
    bh_params_json(p, "custom_emoji_ids", arr);
    json_object_put(arr);
    return bh_tg_call_typed(c, "getCustomEmojiStickers", p, json_type_array, stickers);
}
