/*
 * Typed methods that change or copy messages: editMessageMedia (whose new
 * file may be an upload, sent as an attach:// part), editMessageCaption
 * and copyMessage.
 */
#include <string.h>

#include "telegram/tg.h"

/* A builder naming message_id in chat_id; NULL when out of memory. */
static bh_params *message_params(int64_t chat_id, int64_t message_id)
{
    bh_params *p = NULL;
    if (bh_params_new(&p) != BH_OK)
        return NULL;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "message_id", message_id);
    return p;
}

int bh_client_edit_message_media(bh_client *c, int64_t chat_id, int64_t message_id,
                                 const bh_input_media *media, const bh_keyboard *markup,
                                 bh_message **edited)
{
    bh_params *p;
    json_object *o;
    if (edited)
        *edited = NULL;
    if (!c || !message_id || !media || !media->type)
        return BH_EINVAL;
    if (!(p = message_params(chat_id, message_id)))
        return BH_ENOMEM;
    if ((o = bh_tg_input_media(p, media))) {
        bh_params_json(p, "media", o);
        json_object_put(o);
    } else if (p->rc == BH_OK) {
        p->rc = BH_ENOMEM;
    }
    if (markup)
        bh_params_keyboard(p, markup);
    return bh_tg_call_message(c, "editMessageMedia", p, edited);
}

int bh_client_edit_message_caption(bh_client *c, int64_t chat_id, int64_t message_id,
                                   const char *caption, const bh_send_options *opt,
                                   bh_message **edited)
{
    bh_params *p;
    if (edited)
        *edited = NULL;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = message_params(chat_id, message_id)))
        return BH_ENOMEM;
    if (caption && *caption)
        bh_params_str(p, "caption", caption);
    if (opt && opt->parse_mode)
        bh_params_str(p, "parse_mode", opt->parse_mode);
    if (opt && opt->reply_markup)
        bh_params_keyboard(p, opt->reply_markup);
    return bh_tg_call_message(c, "editMessageCaption", p, edited);
}

int bh_client_copy_message(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                           int64_t message_id, const char *caption,
                           const bh_send_options *opt, int64_t *new_id)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (new_id)
        *new_id = 0;
    if (!c || !message_id)
        return BH_EINVAL;
    if (!(p = message_params(chat_id, message_id)))
        return BH_ENOMEM;
    bh_params_int(p, "from_chat_id", from_chat_id);
    if (caption)
        bh_params_str(p, "caption", caption);
    bh_tg_send_options(p, opt);
    rc = bh_client_call_params(c, "copyMessage", p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !bh_tg_get_int64(res, "message_id", new_id ? new_id : &(int64_t){0}))
        rc = BH_EPROTO;
    json_object_put(res);
    return rc;
}
