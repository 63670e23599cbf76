/*
 * The emulator's payments: an invoice message (and an invoice link), the
 * answers to shipping and pre-checkout queries (which the emulator makes
 * none of), star transactions (none) and refunds (nothing to refund);
 * and the lists the emulator has nothing in: boosts, gifts, custom emoji.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* The invoice fields every invoice method takes: title (1..32),
 * description (1..255), payload (1..128 bytes), currency, prices (a
 * non-empty array of LabeledPrice). Returns the Invoice object, or NULL
 * after answering the error. */
static json_object *need_invoice(bh_emu_params *p, bh_emu_reply *r)
{
    const char *title = bh_emu_param_str(p, "title"), *desc = bh_emu_param_str(p, "description");
    const char *payload = bh_emu_param_str(p, "payload"), *cur = bh_emu_param_str(p, "currency");
    json_object *prices, *o;
    int64_t total = 0;
    int bad;
    if (!title || !*title || strlen(title) > 128 || !desc || !*desc || !payload || !*payload ||
        strlen(payload) > 128 || !cur || strlen(cur) != 3) {
        bh_emu_reply_error(r, 400, !title || !*title ? "Bad Request: title is empty"
                                   : !desc || !*desc ? "Bad Request: description is empty"
                                   : !payload || !*payload ? "Bad Request: payload is empty"
                                                           : "Bad Request: CURRENCY_INVALID");
        return NULL;
    }
    prices = bh_emu_param_json(p, "prices", &bad);
    if (!prices || bad || !json_object_is_type(prices, json_type_array) ||
        !json_object_array_length(prices)) {
        json_object_put(prices);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse prices JSON object");
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(prices); i++)
        total += json_object_get_int64(json_object_object_get(json_object_array_get_idx(prices, i), "amount"));
    json_object_put(prices);
    o = json_object_new_object();
    json_object_object_add(o, "title", json_object_new_string(title));
    json_object_object_add(o, "description", json_object_new_string(desc));
    json_object_object_add(o, "start_parameter", json_object_new_string(""));
    json_object_object_add(o, "currency", json_object_new_string(cur));
    json_object_object_add(o, "total_amount", json_object_new_int64(total));
    return o;
}

/* sendInvoice: a message showing the invoice. */
void bh_emu_send_invoice(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    json_object *inv, *o;
    bh_emu_msg *m;
    char *media;
    if (!c || !(inv = need_invoice(p, r)))
        return;
    o = json_object_new_object();
    json_object_object_add(o, "invoice", inv);
    media = bh_emu_json_text(o);
    json_object_put(o);
    if (!media || !(m = bh_emu_msg_add_locked(c))) {
        free(media);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    m->from_bot = 1;
    m->media = media;
    e->stats.sent_messages++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* createInvoiceLink: a link to the invoice. */
void bh_emu_create_invoice_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *inv = need_invoice(p, r);
    char url[64];
    if (!inv)
        return;
    json_object_put(inv);
    snprintf(url, sizeof url, "https://t.me/$emu%" PRIx64, (uint64_t)(bh_emu_random_locked(e) * 1e15));
    bh_emu_reply_ok(r, json_object_new_string(url));
}

/* answerShippingQuery, answerPreCheckoutQuery: no such query exists. */
void bh_emu_answer_payment_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *a = bh_emu_param_str(p, "shipping_query_id");
    const char *b = bh_emu_param_str(p, "pre_checkout_query_id");
    (void)e;
    if ((!a || !*a) && (!b || !*b)) {
        bh_emu_reply_error(r, 400, "Bad Request: query id is empty");
        return;
    }
    bh_emu_reply_error(r, 400, "Bad Request: QUERY_ID_INVALID");
}

void bh_emu_get_star_transactions(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *o = json_object_new_object();
    (void)e, (void)p;
    json_object_object_add(o, "transactions", json_object_new_array());
    bh_emu_reply_ok(r, o);
}

/* refundStarPayment: no payment was ever made here. */
void bh_emu_refund_star_payment(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    (void)e;
    if (!bh_emu_param_str(p, "telegram_payment_charge_id")) {
        bh_emu_reply_error(r, 400, "Bad Request: telegram_payment_charge_id is empty");
        return;
    }
    bh_emu_reply_error(r, 400, "Bad Request: CHARGE_NOT_FOUND");
}

void bh_emu_get_user_chat_boosts(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *o;
    if (!bh_emu_need_chat(e, p, "chat_id", r))
        return;
    o = json_object_new_object();
    json_object_object_add(o, "boosts", json_object_new_array());
    bh_emu_reply_ok(r, o);
}

void bh_emu_get_available_gifts(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *o = json_object_new_object();
    (void)e, (void)p;
    json_object_object_add(o, "gifts", json_object_new_array());
    bh_emu_reply_ok(r, o);
}

/* getCustomEmojiStickers: none of the ids is known. */
void bh_emu_get_custom_emoji_stickers(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *ids = bh_emu_param_json(p, "custom_emoji_ids", &bad);
    (void)e;
    if (!ids || bad || !json_object_is_type(ids, json_type_array)) {
        json_object_put(ids);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse custom_emoji_ids JSON array");
        return;
    }
    json_object_put(ids);
    bh_emu_reply_ok(r, json_object_new_array());
}
