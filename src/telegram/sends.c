/*
 * Typed methods for the newer kinds of sends: a live photo (a photo and
 * its video), paid media (photos and videos behind a price in Stars), rich
 * messages and their drafts, the answer to a guest query, and a prepared
 * keyboard button for a Mini App. The files are uploads, file_ids or URLs
 * as everywhere (uploads inside a JSON parameter go as attach:// parts).
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

int bh_client_send_live_photo(bh_client *c, int64_t chat_id, const bh_input_file *live_photo,
                              const bh_input_file *photo, const char *caption,
                              const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !live_photo || !photo)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_file(p, "live_photo", live_photo);
    bh_params_file(p, "photo", photo);
    if (caption)
        bh_params_str(p, "caption", caption);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendLivePhoto", p, sent);
}

/* Item i of paid media: an InputPaidMedia, a photo or a video
 * (bh_tg_params_array). */
static int paid_item(bh_params *p, const void *items, size_t i, json_object **out)
{
    const bh_input_media *m = (const bh_input_media *)items + i;
    int video = m->type && !strcmp(m->type, "video");
    if (!m->type || (!video && strcmp(m->type, "photo")))
        return BH_EINVAL;
    *out = bh_tg_typed_file(p, m->type, "media", &m->file, video ? BH_UPLOAD_MAX : BH_PHOTO_MAX);
    return *out ? BH_OK : p->rc != BH_OK ? p->rc : BH_ENOMEM;
}

int bh_client_send_paid_media(bh_client *c, int64_t chat_id, int64_t star_count,
                              const bh_input_media *media, size_t n, const char *caption,
                              const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !media || n < 1 || n > 10 || star_count < 1 || star_count > 10000)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "star_count", star_count);
    bh_tg_params_array(p, "media", media, n, paid_item);
    if (caption)
        bh_params_str(p, "caption", caption);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendPaidMedia", p, sent);
}

int bh_client_send_rich_message(bh_client *c, int64_t chat_id, json_object *rich_message,
                                const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !json_object_is_type(rich_message, json_type_object))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_json(p, "rich_message", rich_message);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendRichMessage", p, sent);
}

int bh_client_send_rich_message_draft(bh_client *c, int64_t chat_id, int64_t draft_id,
                                      json_object *rich_message)
{
    bh_params *p;
    if (!c || !draft_id || !json_object_is_type(rich_message, json_type_object))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "draft_id", draft_id);
    bh_params_json(p, "rich_message", rich_message);
    return bh_tg_call_true(c, "sendRichMessageDraft", p);
}

/* A call whose result is an object with the string field key, copied to
 * out (size n). */
static int call_id(bh_client *c, const char *method, bh_params *p, const char *key, char *out,
                   size_t n)
{
    json_object *res = NULL;
    const char *id;
    int rc = bh_tg_call_typed(c, method, p, json_type_object, &res);
    if (rc == BH_OK && !(id = bh_tg_get_str(res, key)))
        rc = BH_EPROTO;
    if (rc == BH_OK && out && n)
        snprintf(out, n, "%s", id);
    json_object_put(res);
    return rc;
}

int bh_client_answer_guest_query(bh_client *c, const char *guest_query_id, json_object *result,
                                 char *inline_message_id, size_t n)
{
    bh_params *p;
    if (inline_message_id && n)
        inline_message_id[0] = '\0';
    if (!c || !guest_query_id || !*guest_query_id || !result)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "guest_query_id", guest_query_id);
    bh_params_json(p, "result", result);
    return call_id(c, "answerGuestQuery", p, "inline_message_id", inline_message_id, n);
}

int bh_client_save_prepared_keyboard_button(bh_client *c, int64_t user_id, json_object *button,
                                            char *id, size_t n)
{
    bh_params *p;
    if (id && n)
        id[0] = '\0';
    if (!c || !json_object_is_type(button, json_type_object))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    bh_params_json(p, "button", button);
    return call_id(c, "savePreparedKeyboardButton", p, "id", id, n);
}
