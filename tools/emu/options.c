/*
 * The send options of the Bot API as the emulator checks and keeps them:
 * entities (or caption_entities), link_preview_options, reply_parameters
 * to another chat and with a quote, message_thread_id,
 * business_connection_id, message_effect_id, protect_content. Each is
 * checked as Telegram checks it (in Telegram's words where it has them),
 * and what it adds to the sent Message (has_protected_content, quote,
 * external_reply, effect_id...) is kept as the message's extra fields, so
 * that the answer and /control/sent show it. The types of these
 * parameters were checked before, from the method table (check.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bothive/error.h"
#include "emu.h"

/* Answers a 400 with desc and returns BH_EINVAL. */
static int refuse(bh_emu_reply *r, const char *desc)
{
    bh_emu_reply_error(r, 400, desc);
    return BH_EINVAL;
}

/* Whether o[key] is an integer (or absent, when optional) and, if so, its value. */
static int int_field(json_object *o, const char *key, int optional, int64_t *out)
{
    json_object *v;
    *out = 0;
    if (!json_object_object_get_ex(o, key, &v))
        return optional;
    if (!json_object_is_type(v, json_type_int))
        return 0;
    *out = json_object_get_int64(v);
    return 1;
}

/* Checks one MessageEntity against a text of len UTF-16 units. Returns
 * NULL, or Telegram's error. */
static const char *check_entity(json_object *ent, size_t len)
{
    static const char *const types[] = {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold",
        "italic", "underline", "strikethrough", "spoiler", "blockquote", "expandable_blockquote",
        "code", "pre", "text_link", "text_mention", "custom_emoji", "date_time"};
    json_object *v;
    const char *type = NULL;
    int64_t off, n;
    size_t k;
    if (!json_object_is_type(ent, json_type_object))
        return "Bad Request: can't parse entities: MessageEntity must be an Object";
    if (json_object_object_get_ex(ent, "type", &v) && json_object_is_type(v, json_type_string))
        type = json_object_get_string(v);
    for (k = 0; type && k < sizeof types / sizeof types[0] && strcmp(types[k], type); k++)
        ;
    if (!type || k == sizeof types / sizeof types[0])
        return "Bad Request: can't parse entities: Unsupported type specified";
    if (!int_field(ent, "offset", 0, &off) || !int_field(ent, "length", 0, &n) || off < 0 || n < 1)
        return "Bad Request: can't parse entities: Field \"offset\" or \"length\" must be a positive Integer";
    if ((uint64_t)off + (uint64_t)n > len)
        return "Bad Request: entity beyond the end of the text";
    if (!strcmp(type, "text_link") && !json_object_object_get_ex(ent, "url", NULL))
        return "Bad Request: can't parse entities: Field \"url\" must be of type String";
    if (!strcmp(type, "text_mention") && !json_object_object_get_ex(ent, "user", NULL))
        return "Bad Request: can't parse entities: Field \"user\" must be of type Object";
    if (!strcmp(type, "custom_emoji") && !json_object_object_get_ex(ent, "custom_emoji_id", NULL))
        return "Bad Request: can't parse entities: Field \"custom_emoji_id\" must be of type String";
    return NULL;
}

/* entities (key: "entities" or "caption_entities") of text, kept in extra. */
static int need_entities(bh_emu_params *p, const char *key, const char *text, json_object *extra,
                         bh_emu_reply *r)
{
    int bad;
    json_object *ents = bh_emu_param_json(p, key, &bad);
    size_t len = text ? bh_emu_utf16_len(text, strlen(text)) : 0;
    const char *err = NULL;
    if (!ents)
        return BH_OK;
    if (!json_object_is_type(ents, json_type_array))
        err = "Bad Request: can't parse entities JSON object";
    for (size_t i = 0; !err && i < json_object_array_length(ents); i++)
        err = check_entity(json_object_array_get_idx(ents, i), len);
    if (err) {
        json_object_put(ents);
        return refuse(r, err);
    }
    json_object_object_add(extra, key, ents);
    return BH_OK;
}

/* link_preview_options, kept in extra. */
static int need_link_preview(bh_emu_params *p, json_object *extra, bh_emu_reply *r)
{
    int bad;
    json_object *lp = bh_emu_param_json(p, "link_preview_options", &bad), *v;
    int small = 0, large = 0;
    if (!lp)
        return BH_OK;
    if (!json_object_is_type(lp, json_type_object)) {
        json_object_put(lp);
        return refuse(r, "Bad Request: can't parse link preview options JSON object");
    }
    if (json_object_object_get_ex(lp, "prefer_small_media", &v))
        small = json_object_get_boolean(v);
    if (json_object_object_get_ex(lp, "prefer_large_media", &v))
        large = json_object_get_boolean(v);
    if (small && large) {
        json_object_put(lp);
        return refuse(r, "Bad Request: prefer_small_media and prefer_large_media can't be both specified");
    }
    json_object_object_add(extra, "link_preview_options", lp);
    return BH_OK;
}

/* The text a quote is taken from: a message's text or caption. */
static const char *quotable(const bh_emu_msg *m)
{
    return m->media ? (m->caption ? m->caption : "") : (m->text ? m->text : "");
}

/* The quote of reply_parameters rp (when given) in the replied message m:
 * it must be a part of m's text. Kept in extra as the Message's quote. */
static int need_quote(json_object *rp, const bh_emu_msg *m, json_object *extra, bh_emu_reply *r)
{
    json_object *v, *q;
    const char *quote, *at;
    int64_t pos;
    if (!json_object_object_get_ex(rp, "quote", &v))
        return BH_OK;
    quote = json_object_get_string(v);
    if (!m || !*quote || !(at = strstr(quotable(m), quote)))
        return refuse(r, "Bad Request: QUOTE_TEXT_INVALID");
    if (!int_field(rp, "quote_position", 1, &pos))
        return refuse(r, "Bad Request: can't parse reply parameters JSON object");
    q = json_object_new_object();
    json_object_object_add(q, "text", json_object_new_string(quote));
    json_object_object_add(q, "position",
                           json_object_new_int64((int64_t)bh_emu_utf16_len(quotable(m),
                                                                           (size_t)(at - quotable(m)))));
    json_object_object_add(q, "is_manual", json_object_new_boolean(1));
    json_object_object_add(extra, "quote", q);
    return BH_OK;
}

/* A reply to a message of another chat: the Message's external_reply. */
static void add_external_reply(bh_emu *e, bh_emu_chat *from, const bh_emu_msg *m, json_object *extra)
{
    json_object *x = json_object_new_object(), *origin = json_object_new_object();
    int channel = !strcmp(from->type, "channel");
    json_object_object_add(origin, "type", json_object_new_string(m->from_bot || channel ? "chat" : "user"));
    json_object_object_add(origin, "date", json_object_new_int64(m->date));
    if (m->from_bot || channel)
        json_object_object_add(origin, "sender_chat", bh_emu_chat_json(from));
    else
        json_object_object_add(origin, "sender_user", bh_emu_user_json(m->user_id));
    (void)e;
    json_object_object_add(x, "origin", origin);
    json_object_object_add(x, "chat", bh_emu_chat_json(from));
    json_object_object_add(x, "message_id", json_object_new_int64(m->id));
    json_object_object_add(extra, "external_reply", x);
}

/* reply_parameters: the replied message may be in another chat (its
 * chat_id), and may be quoted. A same-chat reply is kept by
 * bh_emu_need_reply_to; this keeps the quote and the external reply. */
static int need_reply_parameters(bh_emu *e, bh_emu_chat *c, bh_emu_params *p, json_object *extra,
                                 bh_emu_reply *r)
{
    int bad, rc = BH_OK;
    json_object *rp = bh_emu_param_json(p, "reply_parameters", &bad), *v;
    bh_emu_chat *in = c;
    bh_emu_msg *m;
    int64_t id, chat_id;
    if (!rp)
        return BH_OK;
    if (!json_object_is_type(rp, json_type_object) || !int_field(rp, "message_id", 0, &id)) {
        json_object_put(rp);
        return refuse(r, "Bad Request: can't parse reply parameters JSON object");
    }
    if (json_object_object_get_ex(rp, "chat_id", &v) &&
        (!int_field(rp, "chat_id", 0, &chat_id) || !(in = bh_emu_chat_find_locked(e, chat_id)))) {
        json_object_put(rp);
        return refuse(r, "Bad Request: chat not found");
    }
    m = bh_emu_msg_find(in, id);
    if (m && m->deleted)
        m = NULL;
    if (!m && !(json_object_object_get_ex(rp, "allow_sending_without_reply", &v) &&
                json_object_get_boolean(v)))
        rc = refuse(r, "Bad Request: message to be replied not found");
    if (rc == BH_OK)
        rc = need_quote(rp, m, extra, r);
    if (rc == BH_OK && m && in != c)
        add_external_reply(e, in, m, extra);
    json_object_put(rp);
    return rc;
}

/* message_thread_id: a topic of a supergroup (forums.c keeps them; the
 * General topic is 1), kept in extra; private chats take any thread. */
static int need_thread(bh_emu_chat *c, bh_emu_params *p, json_object *extra, bh_emu_reply *r)
{
    int64_t id;
    char key[32];
    json_object *topics;
    int found;
    if (bh_emu_param_int(p, "message_thread_id", &id) != BH_OK)
        return BH_OK;
    if (strcmp(c->type, "private") && id != 1) {
        topics = c->topics ? json_tokener_parse(c->topics) : NULL;
        snprintf(key, sizeof key, "%" PRId64, id);
        found = topics && json_object_object_get_ex(topics, key, NULL);
        json_object_put(topics);
        if (!found)
            return refuse(r, "Bad Request: message thread not found");
    }
    json_object_object_add(extra, "message_thread_id", json_object_new_int64(id));
    json_object_object_add(extra, "is_topic_message", json_object_new_boolean(1));
    return BH_OK;
}

/* message_effect_id (private chats only), business_connection_id (the
 * emulator has no business accounts: any id is taken and shown), and
 * protect_content, kept in extra. */
static int need_flags(bh_emu_chat *c, bh_emu_params *p, json_object *extra, bh_emu_reply *r)
{
    const char *effect = bh_emu_param_str(p, "message_effect_id");
    const char *business = bh_emu_param_str(p, "business_connection_id");
    if (effect && *effect) {
        if (strcmp(c->type, "private"))
            return refuse(r, "Bad Request: message effects are available only in private chats");
        if (strspn(effect, "0123456789") != strlen(effect))
            return refuse(r, "Bad Request: EFFECT_ID_INVALID");
        json_object_object_add(extra, "effect_id", json_object_new_string(effect));
    }
    if (business && *business)
        json_object_object_add(extra, "business_connection_id", json_object_new_string(business));
    if (bh_emu_param_bool(p, "protect_content"))
        json_object_object_add(extra, "has_protected_content", json_object_new_boolean(1));
    return BH_OK;
}

int bh_emu_need_send_options(bh_emu *e, bh_emu_chat *c, bh_emu_params *p, const char *text,
                             bh_emu_reply *r, char **out)
{
    json_object *extra = json_object_new_object();
    int caption = !bh_emu_param_str(p, "text");
    int rc;
    *out = NULL;
    rc = need_entities(p, caption ? "caption_entities" : "entities", text, extra, r);
    if (rc == BH_OK && !caption)
        rc = need_link_preview(p, extra, r);
    if (rc == BH_OK)
        rc = need_reply_parameters(e, c, p, extra, r);
    if (rc == BH_OK)
        rc = need_thread(c, p, extra, r);
    if (rc == BH_OK)
        rc = need_flags(c, p, extra, r);
    if (rc == BH_OK && json_object_object_length(extra) > 0)
        *out = bh_emu_json_text(extra);
    json_object_put(extra);
    return rc;
}
