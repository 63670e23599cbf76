/*
 * Typed methods that change or copy messages: editMessageMedia (whose new
 * file may be an upload, sent as an attach:// part), editMessageCaption
 * and copyMessage; and the edits of messages sent via inline mode, named
 * by inline_message_id, whose answer is true rather than a Message.
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

/* ---- Messages sent via inline mode ---- */

/* A builder naming inline_message_id, with markup (NULL: none) and opt's
 * parse mode; NULL when out of memory. The caller has checked that markup
 * is an inline keyboard. */
static bh_params *inline_params(const char *inline_message_id, const bh_keyboard *markup,
                                const bh_send_options *opt)
{
    bh_params *p = bh_tg_params_new();
    if (!p)
        return NULL;
    bh_params_str(p, "inline_message_id", inline_message_id);
    if (opt && opt->parse_mode)
        bh_params_str(p, "parse_mode", opt->parse_mode);
    if (markup)
        bh_params_keyboard(p, markup);
    return p;
}

/* Whether an edit of an inline message may carry markup (NULL, or an
 * inline keyboard: Telegram refuses the other kinds there). */
static int inline_markup_ok(const bh_keyboard *markup)
{
    return !markup || bh_keyboard_kind_of(markup) == BH_KEYBOARD_INLINE;
}

int bh_client_edit_inline_text(bh_client *c, const char *inline_message_id, const char *text,
                               const bh_send_options *opt)
{
    const bh_keyboard *markup = opt ? opt->reply_markup : NULL;
    bh_params *p;
    if (!c || !inline_message_id || !*inline_message_id || !text || !*text ||
        !inline_markup_ok(markup))
        return BH_EINVAL;
    if (!(p = inline_params(inline_message_id, markup, opt)))
        return BH_ENOMEM;
    bh_params_str(p, "text", text);
    if (opt && opt->disable_web_page_preview)
        bh_params_bool(p, "disable_web_page_preview", 1);
    return bh_tg_call_true(c, "editMessageText", p);
}

int bh_client_edit_inline_caption(bh_client *c, const char *inline_message_id,
                                  const char *caption, const bh_send_options *opt)
{
    const bh_keyboard *markup = opt ? opt->reply_markup : NULL;
    bh_params *p;
    if (!c || !inline_message_id || !*inline_message_id || !inline_markup_ok(markup))
        return BH_EINVAL;
    if (!(p = inline_params(inline_message_id, markup, opt)))
        return BH_ENOMEM;
    if (caption && *caption)
        bh_params_str(p, "caption", caption);
    return bh_tg_call_true(c, "editMessageCaption", p);
}

int bh_client_edit_inline_media(bh_client *c, const char *inline_message_id,
                                const bh_input_media *media, const bh_keyboard *markup)
{
    bh_params *p;
    json_object *o;
    if (!c || !inline_message_id || !*inline_message_id || !media || !media->type ||
        !inline_markup_ok(markup) ||
        (media->file.kind != BH_INPUT_FILE_ID && media->file.kind != BH_INPUT_URL))
        return BH_EINVAL;
    if (!(p = inline_params(inline_message_id, markup, NULL)))
        return BH_ENOMEM;
    if ((o = bh_tg_input_media(p, media))) {
        bh_params_json(p, "media", o);
        json_object_put(o);
    }
    return bh_tg_call_true(c, "editMessageMedia", p);
}

int bh_client_edit_inline_reply_markup(bh_client *c, const char *inline_message_id,
                                       const bh_keyboard *markup)
{
    bh_params *p;
    if (!c || !inline_message_id || !*inline_message_id || !inline_markup_ok(markup))
        return BH_EINVAL;
    if (!(p = inline_params(inline_message_id, markup, NULL)))
        return BH_ENOMEM;
    return bh_tg_call_true(c, "editMessageReplyMarkup", p);
}
