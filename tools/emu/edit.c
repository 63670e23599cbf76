/*
 * The emulator's editMessageMedia and editMessageCaption, which change a
 * media message the bot sent, and copyMessage, which sends a copy of any
 * message (text or media) without the link to the original that a forward
 * has; and the edits of messages sent via inline mode (inline_message_id:
 * text, caption, media, keyboard). An edit takes an inline keyboard only.
 * Errors are Telegram's texts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bothive/error.h"
#include "emu.h"

/* Whether two optional strings are equal (both NULL counts). */
static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Replaces the caption and markup of m with those of mc (taken). */
static void set_caption(bh_emu_msg *m, bh_emu_content *mc)
{
    free(m->caption);
    free(m->parse_mode);
    free(m->reply_markup);
    m->caption = mc->text;
    m->parse_mode = mc->parse_mode;
    m->reply_markup = mc->reply_markup;
    memset(mc, 0, sizeof *mc);
    m->edited = 1;
    m->edit_date = (int64_t)time(NULL);
}

/* The InputMedia of an edit: its file into *f and kind, its caption into
 * mc->text. Returns BH_OK, or BH_EINVAL after answering the error. */
static int need_input_media(bh_emu *e, bh_emu_params *p, bh_emu_content *mc, bh_emu_file **f,
                            char kind[16], bh_emu_reply *r)
{
    static const char *const kinds[] = {"photo", "video", "document", "audio", "animation"};
    int bad, rc = BH_EINVAL;
    json_object *o = bh_emu_param_json(p, "media", &bad), *v;
    const char *type = NULL, *media = NULL;
    kind[0] = '\0';
    if (o && json_object_is_type(o, json_type_object)) {
        type = json_object_object_get_ex(o, "type", &v) ? json_object_get_string(v) : NULL;
        media = json_object_object_get_ex(o, "media", &v) ? json_object_get_string(v) : NULL;
    }
    for (size_t k = 0; type && k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(type, kinds[k]))
            strcpy(kind, type);
    if (!kind[0] || !media || !*media) {
        bh_emu_reply_error(r, 400, o || bad ? "Bad Request: can't parse InputMedia JSON object"
                                            : "Bad Request: parameter \"media\" is required");
    } else if (bh_emu_check_caption(json_object_object_get_ex(o, "caption", &v)
                                        ? json_object_get_string(v) : NULL, r, &mc->text) == BH_OK &&
               (*f = bh_emu_resolve_file(e, p, media, kind,
                                         !strcmp(kind, "photo") ? BH_EMU_MAX_PHOTO : BH_EMU_MAX_UPLOAD,
                                         r))) {
        rc = BH_OK;
    }
    json_object_put(o);
    return rc;
}

/* editMessageMedia: another file (upload, attach://, file_id, URL) in one
 * of the bot's media messages, with the caption of the InputMedia. */
static int need_inline_markup(bh_emu_content *mc, bh_emu_reply *r);

void bh_emu_edit_message_media(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m;
    if (bh_emu_edit_inline(e, p, "media", r))
        return;
    m = bh_emu_need_own_msg(e, p, &c, r);
    bh_emu_content mc;
    bh_emu_file *f = NULL;
    char kind[16], *media;
    if (!m)
        return;
    if (!m->media) {
        bh_emu_reply_error(r, 400, "Bad Request: there is no media in the message to edit");
        return;
    }
    if (bh_emu_need_caption(p, r, &mc) != BH_OK || need_inline_markup(&mc, r) != BH_OK)
        return;
    free(mc.text);
    mc.text = NULL;
    if (need_input_media(e, p, &mc, &f, kind, r) != BH_OK || !(media = bh_emu_media_text(f, kind))) {
        if (f)
            bh_emu_reply_error(r, 500, "Internal Server Error");
        bh_emu_content_free(&mc);
        return;
    }
    free(m->media);
    m->media = media;
    set_caption(m, &mc);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* editMessageCaption: the caption (and keyboard) of a media message. */
void bh_emu_edit_message_caption(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m;
    bh_emu_content mc;
    if (bh_emu_edit_inline(e, p, "caption", r) || !(m = bh_emu_need_own_msg(e, p, &c, r)))
        return;
    if (!m->media) {
        bh_emu_reply_error(r, 400, "Bad Request: there is no caption in the message to edit");
        return;
    }
    if (bh_emu_need_caption(p, r, &mc) != BH_OK || need_inline_markup(&mc, r) != BH_OK)
        return;
    if (same(mc.text, m->caption) && same(mc.reply_markup, m->reply_markup)) {
        bh_emu_content_free(&mc);
        bh_emu_reply_error(r, 400, BH_EMU_ERR_NOT_MODIFIED);
        return;
    }
    set_caption(m, &mc);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* Copies what src shows into the new message m; the caption parameter,
 * when given, replaces a media message's caption. Returns BH_OK or
 * BH_ENOMEM. */
static int copy_content(const bh_emu_msg *src, bh_emu_msg *m, const char *caption)
{
    const char *cap = caption ? caption : src->caption;
    m->text = src->text ? strdup(src->text) : NULL;
    m->media = src->media ? strdup(src->media) : NULL;
    m->caption = cap && *cap ? strdup(cap) : NULL;
    if ((src->text && !m->text) || (src->media && !m->media) || (cap && *cap && !m->caption))
        return BH_ENOMEM;
    return BH_OK;
}

/* copyMessage: a copy of message_id of from_chat_id sent to chat_id, with
 * no link to the original; the answer is its MessageId. */
void bh_emu_copy_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *to = bh_emu_need_open_chat(e, p, r), *from;
    bh_emu_msg *src, *m, copy;
    char *caption = NULL;
    json_object *o;
    if (!to || !(from = bh_emu_need_chat(e, p, "from_chat_id", r)) ||
        !(src = bh_emu_need_msg(from, p, "Bad Request: message to copy not found", r)))
        return;
    if (bh_emu_check_caption(bh_emu_param_str(p, "caption"), r, &caption) != BH_OK)
        return;
    memset(&copy, 0, sizeof copy);
    /* src may move when to == from grows: copy what it shows first. */
    if (copy_content(src, &copy, caption) != BH_OK || !(m = bh_emu_msg_add_locked(to))) {
        free(copy.text);
        free(copy.media);
        free(copy.caption);
        free(caption);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    free(caption);
    m->from_bot = 1;
    m->text = copy.text;
    m->media = copy.media;
    m->caption = copy.caption;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    o = json_object_new_object();
    json_object_object_add(o, "message_id", json_object_new_int64(m->id));
    bh_emu_reply_ok(r, o);
}

/* editMessageReplyMarkup: the inline keyboard of one of the bot's
 * messages (none given removes it). */
void bh_emu_edit_message_reply_markup(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m;
    bh_emu_content mc;
    if (bh_emu_edit_inline(e, p, "reply_markup", r))
        return;
    if (!(m = bh_emu_need_own_msg(e, p, &c, r)) || bh_emu_need_caption(p, r, &mc) != BH_OK ||
        need_inline_markup(&mc, r) != BH_OK)
        return;
    if (same(mc.reply_markup, m->reply_markup)) {
        bh_emu_content_free(&mc);
        bh_emu_reply_error(r, 400, BH_EMU_ERR_NOT_MODIFIED);
        return;
    }
    free(m->reply_markup);
    m->reply_markup = mc.reply_markup;
    mc.reply_markup = NULL;
    bh_emu_content_free(&mc);
    m->edited = 1;
    m->edit_date = (int64_t)time(NULL);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* stopPoll: closes the poll of one of the bot's messages; answers the Poll. */
void bh_emu_stop_poll(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m = bh_emu_need_own_msg(e, p, &c, r);
    json_object *media, *poll, *closed;
    char *text;
    if (!m)
        return;
    media = m->media ? json_tokener_parse(m->media) : NULL;
    if (!media || !json_object_object_get_ex(media, "poll", &poll)) {
        json_object_put(media);
        bh_emu_reply_error(r, 400, "Bad Request: message with poll to stop not found");
        return;
    }
    if (json_object_object_get_ex(poll, "is_closed", &closed) && json_object_get_boolean(closed)) {
        json_object_put(media);
        bh_emu_reply_error(r, 400, "Bad Request: poll has already been closed");
        return;
    }
    json_object_object_add(poll, "is_closed", json_object_new_boolean(1));
    if (!(text = bh_emu_json_text(media))) {
        json_object_put(media);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    free(m->media);
    m->media = text;
    bh_emu_reply_ok(r, json_object_get(poll));
    json_object_put(media);
}

/* ---- Edits of messages sent via inline mode ---- */

/* The inline message p names; NULL after answering Telegram's error. */
static bh_emu_inline_msg *need_inline_msg(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *id = bh_emu_param_str(p, "inline_message_id");
    bh_emu_inline_msg *m = id && *id ? bh_emu_inline_msg_find_locked(e, id) : NULL;
    if (!m)
        bh_emu_reply_error(r, 400, "Bad Request: MESSAGE_ID_INVALID");
    return m;
}

/* The markup of an edit must be an inline keyboard: answers the 400 and
 * frees mc when it is not. */
static int need_inline_markup(bh_emu_content *mc, bh_emu_reply *r)
{
    const char *err = bh_emu_markup_inline_error(mc->reply_markup);
    if (!err)
        return BH_OK;
    bh_emu_content_free(mc);
    bh_emu_reply_error(r, 400, err);
    return BH_EINVAL;
}

/* The new file of an editMessageMedia of inline message m: a file_id or
 * a URL (Telegram takes no upload into an inline message); its caption
 * into mc->text. Returns BH_OK, or BH_EINVAL after answering the error
 * (then mc holds nothing). */
static int inline_edit_media(bh_emu *e, bh_emu_params *p, bh_emu_inline_msg *m,
                             bh_emu_content *mc, bh_emu_reply *r)
{
    const char *media = NULL;
    char kind[16];
    bh_emu_file *f = NULL;
    int bad, upload;
    json_object *o = bh_emu_param_json(p, "media", &bad), *v;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "media", &v))
        media = json_object_get_string(v);
    upload = media && !strncmp(media, "attach://", 9);
    json_object_put(o);
    free(mc->text);
    mc->text = NULL;
    if (upload)
        bh_emu_reply_error(r, 400, "Bad Request: a file can't be uploaded to an inline message: "
                                   "send a file_id or a URL");
    if (upload || need_input_media(e, p, mc, &f, kind, r) != BH_OK) {
        bh_emu_content_free(mc);
        return BH_EINVAL;
    }
    free(m->media);
    m->media = strdup(kind);
    return BH_OK;
}

/* Reads what the edit `what` of inline message m changes into *mc (text
 * or caption, and the keyboard) and checks it fits m. Returns BH_OK, or
 * BH_EINVAL after answering the error. */
static int inline_edit_content(bh_emu *e, bh_emu_params *p, const char *what,
                               bh_emu_inline_msg *m, bh_emu_content *mc, bh_emu_reply *r)
{
    int text = !strcmp(what, "text");
    if (text && m->media) {
        bh_emu_reply_error(r, 400, "Bad Request: there is no text in the message to edit");
        return BH_EINVAL;
    }
    if (!text && strcmp(what, "reply_markup") && !m->media) {
        bh_emu_reply_error(r, 400, "Bad Request: there is no media in the message to edit");
        return BH_EINVAL;
    }
    if ((text ? bh_emu_need_content(p, r, mc) : bh_emu_need_caption(p, r, mc)) != BH_OK ||
        need_inline_markup(mc, r) != BH_OK)
        return BH_EINVAL;
    return strcmp(what, "media") ? BH_OK : inline_edit_media(e, p, m, mc, r);
}

bool bh_emu_edit_inline(bh_emu *e, bh_emu_params *p, const char *what, bh_emu_reply *r)
{
    bh_emu_inline_msg *m;
    bh_emu_content mc;
    char **slot;
    if (!bh_emu_param_str(p, "inline_message_id"))
        return false;
    if (!(m = need_inline_msg(e, p, r)) || inline_edit_content(e, p, what, m, &mc, r) != BH_OK)
        return true;
    slot = !strcmp(what, "text") ? &m->text : !strcmp(what, "reply_markup") ? NULL : &m->caption;
    if (strcmp(what, "media") && (!slot || same(mc.text, *slot)) &&
        same(mc.reply_markup, m->reply_markup)) {
        bh_emu_content_free(&mc);
        bh_emu_reply_error(r, 400, BH_EMU_ERR_NOT_MODIFIED);
        return true;
    }
    if (slot) {
        free(*slot);
        *slot = mc.text;
        mc.text = NULL;
    }
    free(m->reply_markup);
    m->reply_markup = mc.reply_markup;
    mc.reply_markup = NULL;
    bh_emu_content_free(&mc);
    m->edits++;
    e->stats.edits++;
    /* An inline message is no chat's: Telegram answers true, not a Message. */
    bh_emu_reply_ok(r, json_object_new_boolean(1));
    return true;
}
