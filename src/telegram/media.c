/*
 * Typed methods that send files: the one-file sends (sendPhoto,
 * sendDocument... made from the send-file rows of methods.def), and
 * sendMediaGroup.
 * Each builds a bh_params (so a file from disk is streamed, and json-c
 * writes every value) and goes through bh_client_call_params; the helpers
 * that turn a result into a typed value are shared with admin.c.
 */
#include <stdlib.h>
#include <string.h>

#include "telegram/tg.h"

int bh_tg_call_message(bh_client *c, const char *method, bh_params *p, bh_message **out)
{
    json_object *res = NULL;
    int rc = bh_client_call_params(c, method, p, &res);
    bh_params_free(p);
    if (rc != BH_OK)
        return rc;
    rc = out ? bh_message_parse(res, out) : BH_OK;
    json_object_put(res);
    return rc == BH_EINVAL ? BH_EPROTO : rc;
}

bh_params *bh_tg_params_new(void)
{
    bh_params *p = NULL;
    return bh_params_new(&p) == BH_OK ? p : NULL;
}

int bh_tg_call_true(bh_client *c, const char *method, bh_params *p)
{
    json_object *res = NULL;
    int rc = bh_client_call_params(c, method, p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !json_object_is_type(res, json_type_boolean))
        rc = BH_EPROTO;
    json_object_put(res);
    return rc;
}

int bh_tg_call_typed(bh_client *c, const char *method, bh_params *p, json_type want,
                     json_object **out)
{
    json_object *res = NULL;
    int rc = bh_client_call_params(c, method, p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !json_object_is_type(res, want))
        rc = BH_EPROTO;
    if (rc == BH_OK && out)
        *out = json_object_get(res);
    json_object_put(res);
    return rc;
}

/* The ReplyParameters object of r (a new reference, NULL if no memory). */
static json_object *reply_json(const bh_reply_parameters *r)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "message_id", json_object_new_int64(r->message_id));
    if (r->chat_id)
        json_object_object_add(o, "chat_id", json_object_new_int64(r->chat_id));
    if (r->allow_sending_without_reply)
        json_object_object_add(o, "allow_sending_without_reply", json_object_new_boolean(1));
    if (r->quote)
        json_object_object_add(o, "quote", json_object_new_string(r->quote));
    if (r->quote && r->quote_parse_mode)
        json_object_object_add(o, "quote_parse_mode", json_object_new_string(r->quote_parse_mode));
    if (r->quote && r->quote_position > 0)
        json_object_object_add(o, "quote_position", json_object_new_int64(r->quote_position));
    return o;
}

/* The options that say where a message goes and how it is shown. */
static void send_flags(bh_params *p, const bh_send_options *opt)
{
    if (opt->disable_notification)
        bh_params_bool(p, "disable_notification", 1);
    if (opt->protect_content)
        bh_params_bool(p, "protect_content", 1);
    if (opt->allow_paid_broadcast)
        bh_params_bool(p, "allow_paid_broadcast", 1);
    if (opt->message_thread_id)
        bh_params_int(p, "message_thread_id", opt->message_thread_id);
    if (opt->business_connection_id)
        bh_params_str(p, "business_connection_id", opt->business_connection_id);
    if (opt->message_effect_id)
        bh_params_str(p, "message_effect_id", opt->message_effect_id);
}

int bh_tg_send_options(bh_params *p, const bh_send_options *opt)
{
    /* A text's entities are "entities", a caption's "caption_entities":
     * the text, when there is one, is set before the options. */
    int text = json_object_object_get_ex(p->obj, "text", NULL);
    if (!opt)
        return BH_OK;
    if (opt->parse_mode)
        bh_params_str(p, "parse_mode", opt->parse_mode);
    if (opt->entities)
        bh_params_json(p, text ? "entities" : "caption_entities", opt->entities);
    if (opt->link_preview_options && text)
        bh_params_json(p, "link_preview_options", opt->link_preview_options);
    if (opt->reply.message_id) {
        json_object *rp = reply_json(&opt->reply);
        if (rp)
            bh_params_json(p, "reply_parameters", rp);
        json_object_put(rp);
    } else if (opt->reply_to_message_id) {
        bh_params_int(p, "reply_to_message_id", opt->reply_to_message_id);
    }
    send_flags(p, opt);
    if (opt->reply_markup)
        bh_params_keyboard(p, opt->reply_markup);
    else if (opt->markup)
        bh_params_json(p, "reply_markup", opt->markup);
    return p->rc;
}

/* A one-file send: the file under key, and a caption (NULL: none). */
static int send_file(bh_client *c, const char *method, const char *key, int64_t chat_id,
                     const bh_input_file *f, const char *caption, const bh_send_options *opt,
                     bh_message **sent)
{
    bh_params *p;
    int rc;
    if (sent)
        *sent = NULL;
    if (!c || !f)
        return BH_EINVAL;
    if ((rc = bh_params_new(&p)) != BH_OK)
        return rc;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_file(p, key, f);
    if (caption)
        bh_params_str(p, "caption", caption);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, method, p, sent);
}

/* The wrappers of the send-file rows of the method table. */
#define SEND_FILE_1(method, file, wrapper)                                                      \
    int wrapper(bh_client *c, int64_t chat_id, const bh_input_file *file, const char *caption, \
                const bh_send_options *opt, bh_message **sent)                                 \
    {                                                                                          \
        return send_file(c, method, #file, chat_id, file, caption, opt, sent);                 \
    }
#define SEND_FILE_0(method, file, wrapper)                                                      \
    int wrapper(bh_client *c, int64_t chat_id, const bh_input_file *file,                      \
                const bh_send_options *opt, bh_message **sent)                                 \
    {                                                                                          \
        return send_file(c, method, #file, chat_id, file, NULL, opt, sent);                    \
    }
#define BH_API_SEND_FILE(method, file, wrapper, caption) SEND_FILE_##caption(method, file, wrapper)
#include "telegram/methods.def"

json_object *bh_tg_input_media(bh_params *p, const bh_input_media *m)
{
    char ref[512];
    json_object *o;
    int64_t max = !strcmp(m->type, "photo") ? BH_PHOTO_MAX : BH_UPLOAD_MAX;
    if (bh_params_attach(p, &m->file, max, ref, sizeof ref) != BH_OK || !(o = json_object_new_object()))
        return NULL;
    json_object_object_add(o, "type", json_object_new_string(m->type));
    json_object_object_add(o, "media", json_object_new_string(ref));
    if (m->caption)
        json_object_object_add(o, "caption", json_object_new_string(m->caption));
    if (m->parse_mode)
        json_object_object_add(o, "parse_mode", json_object_new_string(m->parse_mode));
    return o;
}

/* The messages of an array result into *out (n of them). */
static int parse_messages(json_object *res, bh_message ***out, size_t *n)
{
    size_t len;
    bh_message **msgs;
    if (!json_object_is_type(res, json_type_array))
        return BH_EPROTO;
    len = json_object_array_length(res);
    if (!(msgs = calloc(len ? len : 1, sizeof *msgs)))
        return BH_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        int rc = bh_message_parse(json_object_array_get_idx(res, i), &msgs[i]);
        if (rc != BH_OK) {
            bh_messages_free(msgs, i);
            return rc == BH_EINVAL ? BH_EPROTO : rc;
        }
    }
    *out = msgs;
    *n = len;
    return BH_OK;
}

void bh_messages_free(bh_message **msgs, size_t n)
{
    if (!msgs)
        return;
    for (size_t i = 0; i < n; i++)
        bh_message_free(msgs[i]);
    free(msgs);
}

/* Item i of an album: an InputMedia object (bh_tg_params_array). */
static int album_item(bh_params *p, const void *items, size_t i, json_object **out)
{
    const bh_input_media *m = (const bh_input_media *)items + i;
    if (!m->type)
        return BH_EINVAL;
    *out = bh_tg_input_media(p, m);
    return *out ? BH_OK : p->rc != BH_OK ? p->rc : BH_EINVAL;
}

int bh_client_send_media_group(bh_client *c, int64_t chat_id, const bh_input_media *media,
                               size_t n, const bh_send_options *opt, bh_message ***sent,
                               size_t *nsent)
{
    bh_params *p;
    json_object *res = NULL;
    bh_message **msgs = NULL;
    size_t count = 0;
    int rc;
    if (sent)
        *sent = NULL;
    if (nsent)
        *nsent = 0;
    if (!c || !media || n < 2 || n > 10)
        return BH_EINVAL;
    if ((rc = bh_params_new(&p)) != BH_OK)
        return rc;
    bh_params_int(p, "chat_id", chat_id);
    bh_tg_params_array(p, "media", media, n, album_item);
    bh_tg_send_options(p, opt);
    rc = bh_client_call_params(c, "sendMediaGroup", p, &res);
    bh_params_free(p);
    if (rc == BH_OK && (rc = parse_messages(res, &msgs, &count)) == BH_OK) {
        if (sent)
            *sent = msgs;
        else
            bh_messages_free(msgs, count);
        if (nsent)
            *nsent = count;
    }
    json_object_put(res);
    return rc;
}
