/*
 * The parameter checks the Bot API methods share (api.c): the chat and the
 * message a call names, a message's text, parse mode, keyboard and reply.
 * Each check answers Telegram's own error text when it fails, so that a
 * client tested here handles the real service's answers. They run with
 * e->lock held, as the methods do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/error.h"
#include "bothive/telegram.h"
#include "emu.h"

/* Resolves the chat named by parameter `name`, or answers Telegram's error
 * and returns NULL. A chat exists once a user wrote in it. */
bh_emu_chat *bh_emu_need_chat(bh_emu *e, bh_emu_params *p, const char *name, bh_emu_reply *r)
{
    int64_t id;
    int rc = bh_emu_param_int(p, name, &id);
    bh_emu_chat *c;
    char desc[96];
    if (rc == BH_ENOTFOUND) {
        snprintf(desc, sizeof desc, "Bad Request: %s is empty", name);
        bh_emu_reply_error(r, 400, desc);
        return NULL;
    }
    c = rc == BH_OK ? bh_emu_chat_find_locked(e, id) : NULL;
    if (!c)
        bh_emu_reply_error(r, 400, "Bad Request: chat not found");
    return c;
}

/* As bh_emu_need_chat for chat_id, and the user must not have blocked the bot. */
bh_emu_chat *bh_emu_need_open_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (c && c->blocked) {
        bh_emu_reply_error(r, 403, "Forbidden: bot was blocked by the user");
        return NULL;
    }
    if (c && c->left) {
        bh_emu_reply_error(r, 403, "Forbidden: bot is not a member of the supergroup chat");
        return NULL;
    }
    return c;
}

/* Reads message_id and finds that message in c, or answers `missing` (the
 * method's "message to ... not found") and returns NULL. */
bh_emu_msg *bh_emu_need_msg(bh_emu_chat *c, bh_emu_params *p, const char *missing,
                            bh_emu_reply *r)
{
    int64_t id;
    int rc = bh_emu_param_int(p, "message_id", &id);
    bh_emu_msg *m;
    if (rc == BH_ENOTFOUND) {
        bh_emu_reply_error(r, 400, "Bad Request: message identifier is not specified");
        return NULL;
    }
    m = rc == BH_OK ? bh_emu_msg_find(c, id) : NULL;
    if (!m)
        bh_emu_reply_error(r, 400, missing);
    return m;
}

/* The message of an edit: chat_id and message_id name one the bot sent.
 * Returns it, and its chat in *chat, or NULL after answering the error. */
bh_emu_msg *bh_emu_need_own_msg(bh_emu *e, bh_emu_params *p, bh_emu_chat **chat,
                                bh_emu_reply *r)
{
    bh_emu_chat *c;
    bh_emu_msg *m;
    if (bh_emu_param_str(p, "inline_message_id")) {
        bh_emu_reply_error(r, 400, "Bad Request: MESSAGE_ID_INVALID");
        return NULL;
    }
    if (!(c = bh_emu_need_open_chat(e, p, r)))
        return NULL;
    if (!(m = bh_emu_need_msg(c, p, "Bad Request: message to edit not found", r)))
        return NULL;
    if (!m->from_bot) {
        bh_emu_reply_error(r, 400, "Bad Request: message can't be edited");
        return NULL;
    }
    *chat = c;
    return m;
}

/* Checks and trims the text parameter: 1..4096 UTF-16 units after trimming.
 * Returns the malloc'd trimmed text, or NULL after answering the error. */
static char *need_text(bh_emu_params *p, bh_emu_reply *r)
{
    const char *raw = bh_emu_param_str(p, "text");
    char *t = bh_emu_trim(raw ? raw : "");
    if (!t) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return NULL;
    }
    if (!*t) {
        bh_emu_reply_error(r, 400, "Bad Request: message text is empty");
        goto fail;
    }
    if (bh_emu_utf16_len(t, strlen(t)) > BH_EMU_MAX_TEXT) {
        bh_emu_reply_error(r, 400, "Bad Request: message is too long");
        goto fail;
    }
    return t;
fail:
    free(t);
    return NULL;
}

/* parse_mode must be one Telegram knows; *out is a malloc'd copy or NULL
 * when none was given. Returns BH_OK, or BH_EINVAL after answering the
 * error. The emulator does not parse the markup itself. */
static int need_parse_mode(bh_emu_params *p, bh_emu_reply *r, char **out)
{
    const char *pm = bh_emu_param_str(p, "parse_mode");
    *out = NULL;
    if (!pm || !*pm)
        return BH_OK;
    if (strcasecmp(pm, "HTML") && strcasecmp(pm, "Markdown") && strcasecmp(pm, "MarkdownV2")) {
        bh_emu_reply_error(r, 400, "Bad Request: unsupported parse_mode");
        return BH_EINVAL;
    }
    *out = strdup(pm);
    return BH_OK;
}

/* Reads reply_markup into *out (malloc'd JSON text, NULL when absent).
 * Returns BH_OK, or BH_EINVAL after answering the error. */
static int need_markup(bh_emu_params *p, bh_emu_reply *r, char **out)
{
    int bad;
    json_object *rm = bh_emu_param_json(p, "reply_markup", &bad);
    const char *err = NULL;
    *out = NULL;
    if (bad || (rm && !json_object_is_type(rm, json_type_object))) {
        json_object_put(rm);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse reply keyboard markup JSON object");
        return BH_EINVAL;
    }
    if (!rm)
        return BH_OK;
    if ((err = bh_emu_markup_error(rm))) {
        json_object_put(rm);
        bh_emu_reply_error(r, 400, err);
        return BH_EINVAL;
    }
    *out = bh_emu_json_text(rm);
    json_object_put(rm);
    return BH_OK;
}

int bh_emu_need_content(bh_emu_params *p, bh_emu_reply *r, bh_emu_content *out)
{
    memset(out, 0, sizeof *out);
    if (!(out->text = need_text(p, r)))
        return BH_EINVAL;
    if (need_parse_mode(p, r, &out->parse_mode) != BH_OK ||
        need_markup(p, r, &out->reply_markup) != BH_OK) {
        bh_emu_content_free(out);
        return BH_EINVAL;
    }
    return BH_OK;
}

/* Checks an optional caption: at most 1024 UTF-16 units after trimming.
 * Returns BH_OK with *out the malloc'd caption (NULL when none or empty),
 * or BH_EINVAL after answering the error. */
static int need_caption_text(const char *raw, bh_emu_reply *r, char **out)
{
    *out = NULL;
    if (!raw || !*raw)
        return BH_OK;
    if (!(*out = bh_emu_trim(raw))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return BH_EINVAL;
    }
    if (bh_emu_utf16_len(*out, strlen(*out)) > BH_EMU_MAX_CAPTION) {
        bh_emu_reply_error(r, 400, "Bad Request: message caption is too long");
        free(*out);
        *out = NULL;
        return BH_EINVAL;
    }
    if (!**out) {
        free(*out);
        *out = NULL;
    }
    return BH_OK;
}

int bh_emu_check_caption(const char *raw, bh_emu_reply *r, char **out)
{
    return need_caption_text(raw, r, out);
}

int bh_emu_need_caption(bh_emu_params *p, bh_emu_reply *r, bh_emu_content *out)
{
    memset(out, 0, sizeof *out);
    if (need_caption_text(bh_emu_param_str(p, "caption"), r, &out->text) != BH_OK)
        return BH_EINVAL;
    if (need_parse_mode(p, r, &out->parse_mode) != BH_OK ||
        need_markup(p, r, &out->reply_markup) != BH_OK) {
        bh_emu_content_free(out);
        return BH_EINVAL;
    }
    return BH_OK;
}

void bh_emu_content_free(bh_emu_content *m)
{
    free(m->text);
    free(m->parse_mode);
    free(m->reply_markup);
    memset(m, 0, sizeof *m);
}

/* The message id of chat c that reply_parameters names, and its own
 * allow_sending_without_reply into *allow; 0 when it names none, or a
 * message of another chat (options.c keeps that one). Returns BH_OK, or
 * BH_EJSON when reply_parameters is not valid JSON. */
static int reply_parameters(const bh_emu_chat *c, bh_emu_params *p, int64_t *id, int *allow)
{
    int bad;
    json_object *rp = bh_emu_param_json(p, "reply_parameters", &bad), *v;
    *id = 0;
    if (rp && json_object_object_get_ex(rp, "chat_id", &v) && json_object_get_int64(v) != c->id) {
        json_object_put(rp);
        return BH_OK;
    }
    if (rp && json_object_is_type(rp, json_type_object) &&
        json_object_object_get_ex(rp, "message_id", &v)) {
        *id = json_object_get_int64(v);
        if (json_object_object_get_ex(rp, "allow_sending_without_reply", &v))
            *allow = json_object_get_boolean(v);
    }
    json_object_put(rp);
    return bad ? BH_EJSON : BH_OK;
}

/* The replied-to message id from reply_to_message_id or the newer
 * reply_parameters.message_id; 0 when none. Answers the error and returns
 * -1 when it names no message of c (unless allow_sending_without_reply). */
int64_t bh_emu_need_reply_to(bh_emu_chat *c, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t id = 0;
    int allow = bh_emu_param_bool(p, "allow_sending_without_reply");
    if (reply_parameters(c, p, &id, &allow) != BH_OK) {
        bh_emu_reply_error(r, 400, "Bad Request: can't parse reply parameters JSON object");
        return -1;
    }
    if (!id) {
        int rc = bh_emu_param_int(p, "reply_to_message_id", &id);
        if (rc == BH_ENOTFOUND)
            return 0;
        if (rc != BH_OK)
            id = -1;
    }
    if (id == 0)
        return 0;
    if (!bh_emu_msg_find(c, id)) {
        if (allow)
            return 0;
        bh_emu_reply_error(r, 400, "Bad Request: message to be replied not found");
        return -1;
    }
    return id;
}

/* Reads allowed_updates, when given, into e->allowed_updates (the filter
 * getUpdates and the webhook apply). Returns BH_OK, or BH_EINVAL after
 * answering the error. */
int bh_emu_need_allowed_updates(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *au = bh_emu_param_json(p, "allowed_updates", &bad);
    if (bad || (au && !json_object_is_type(au, json_type_array))) {
        json_object_put(au);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse allowed_updates JSON array");
        return BH_EINVAL;
    }
    if (au) {
        free(e->allowed_updates);
        e->allowed_updates = bh_emu_json_text(au);
        json_object_put(au);
    }
    return BH_OK;
}

/* Telegram's text for a missing required parameter p. */
static void missing_text(const bh_api_param *p, char *desc, size_t n)
{
    if (!strcmp(p->name, "text"))
        snprintf(desc, n, "Bad Request: message text is empty");
    else if (!strcmp(p->name, "message_id"))
        snprintf(desc, n, "Bad Request: message identifier is not specified");
    else if (p->type == 'f' || p->type == 'u')
        snprintf(desc, n, "Bad Request: there is no %s in the request", p->name);
    else if (p->type == 'j')
        snprintf(desc, n, "Bad Request: parameter \"%s\" is required", p->name);
    else
        snprintf(desc, n, "Bad Request: %s is empty", p->name);
}

/* Telegram's text for parameter p given with a value not of its type. */
static void mistyped_text(const bh_api_param *p, char *desc, size_t n)
{
    switch (p->type) {
    case 'c':
        snprintf(desc, n, "Bad Request: chat not found");
        break;
    case 'f':
    case 'u':
        snprintf(desc, n, "Bad Request: wrong file identifier/HTTP URL specified");
        break;
    case 'j':
        snprintf(desc, n, "Bad Request: can't parse %s JSON object",
                 strcmp(p->name, "reply_markup") ? p->name : "reply keyboard markup");
        break;
    default:
        snprintf(desc, n, "Bad Request: invalid %s specified: must be %s", p->name,
                 bh_api_type_name(p->type));
    }
}

int bh_emu_check_params(const bh_api_method *m, bh_emu_params *p, bh_emu_reply *r)
{
    const char *uploads[32];
    size_t n = 0;
    bh_api_param bad;
    char desc[160];
    /* The uploads are the parameters that carry a file's bytes (files.c). */
    json_object_object_foreach(p, key, val) {
        (void)val;
        if (n < sizeof uploads / sizeof uploads[0] && bh_emu_param_upload(p, key))
            uploads[n++] = key;
    }
    if (bh_api_method_check(m, p, uploads, n, &bad) == BH_OK)
        return BH_OK;
    if (bad.required)
        missing_text(&bad, desc, sizeof desc);
    else
        mistyped_text(&bad, desc, sizeof desc);
    bh_emu_reply_error(r, 400, desc);
    return BH_EINVAL;
}
