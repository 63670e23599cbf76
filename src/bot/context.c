/*
 * The context of a running hook: its memory, its client, and the ways it
 * talks to chats. Sends wait for the shared rate limits, and a chat that
 * refuses the bot (403) runs the chat_unavailable hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "internal.h"

bh_shared *bh_ctx_shared(bh_ctx *ctx)
{
    return ctx ? bh_bot_memory(ctx->bot, ctx->comp) : NULL;
}

bh_bot *bh_ctx_bot(bh_ctx *ctx)
{
    return ctx ? ctx->bot : NULL;
}

const bh_update *bh_ctx_update(bh_ctx *ctx)
{
    return ctx ? ctx->update : NULL;
}

bh_client *bh_ctx_client(bh_ctx *ctx)
{
    return ctx ? bh_bot_client(ctx->bot) : NULL;
}

int bh_chat_send_ex(bh_ctx *ctx, int64_t chat_id, const char *text, const bh_send_options *opt,
                    bh_message **sent)
{
    bh_client *c;
    int rc;

    if (!ctx || !text)
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)))
        return BH_ENOMEM;
    /* The client waits for the shared rate limits (limiter.c). */
    rc = bh_client_send_message(c, chat_id, text, opt, sent);
    bh_ctx_check_unavailable(ctx, c, chat_id, rc);
    return rc;
}

int bh_chat_send(bh_ctx *ctx, int64_t chat_id, const char *text)
{
    return bh_chat_send_ex(ctx, chat_id, text, NULL, NULL);
}

static int sendv(bh_ctx *ctx, int64_t chat_id, const bh_send_options *opt, const char *fmt,
                 va_list ap)
{
    char *text;
    int rc;

    if (!fmt)
        return BH_EINVAL;
    if (vasprintf(&text, fmt, ap) < 0)
        return BH_ENOMEM;
    rc = bh_chat_send_ex(ctx, chat_id, text, opt, NULL);
    free(text);
    return rc;
}

int bh_chat_sendf(bh_ctx *ctx, int64_t chat_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sendv(ctx, chat_id, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int bh_message_reply(bh_ctx *ctx, const bh_message *msg, const char *text)
{
    bh_send_options o = {0};
    if (!msg)
        return BH_EINVAL;
    o.reply_to_message_id = msg->message_id;
    return bh_chat_send_ex(ctx, msg->chat.id, text, &o, NULL);
}

int bh_message_replyf(bh_ctx *ctx, const bh_message *msg, const char *fmt, ...)
{
    bh_send_options o = {0};
    va_list ap;
    int rc;

    if (!msg)
        return BH_EINVAL;
    o.reply_to_message_id = msg->message_id;
    va_start(ap, fmt);
    rc = sendv(ctx, msg->chat.id, &o, fmt, ap);
    va_end(ap);
    return rc;
}

int bh_button_signed(bh_ctx *ctx, bh_keyboard *kb, const char *text, const char *name,
                     const char *data)
{
    char signed_data[65];
    int rc;

    if (!ctx || !kb || !name || !*name || strchr(name, ':') || !data)
        return BH_EINVAL;
    if ((rc = bh_callback_sign(ctx->bot, name, data, signed_data, sizeof signed_data)) != BH_OK)
        return rc;
    return bh_keyboard_button_callback(kb, text, signed_data);
}

int bh_callback_answer(bh_ctx *ctx, const bh_callback_query *q, const char *text)
{
    bh_client *c;

    if (!ctx || !q)
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)))
        return BH_ENOMEM;
    return bh_client_answer_callback_query(c, q->id, text, 0);
}

void bh_ctx_check_unavailable(bh_ctx *ctx, bh_client *c, int64_t chat_id, int rc)
{
    const bh_api_error *e = bh_client_last_error(c);
    if (rc != BH_EAPI)
        return;
    if (e->error_code == 403 ||
        (e->error_code == 400 && strstr(e->description, "chat not found")))
        bh_unavailable_run(ctx, chat_id, e->description);
}

/* sendPhoto or sendDocument from a hook, replying to reply_to (0: none). */
static int send_file(bh_ctx *ctx, int64_t chat_id, int64_t reply_to, int photo,
                     const bh_input_file *f, const char *caption)
{
    bh_send_options o = {.reply_to_message_id = reply_to};
    bh_client *c;
    int rc;

    if (!ctx || !f)
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)))
        return BH_ENOMEM;
    rc = photo ? bh_client_send_photo(c, chat_id, f, caption, &o, NULL)
               : bh_client_send_document(c, chat_id, f, caption, &o, NULL);
    bh_ctx_check_unavailable(ctx, c, chat_id, rc);
    return rc;
}

int bh_chat_send_photo(bh_ctx *ctx, int64_t chat_id, const bh_input_file *photo,
                       const char *caption)
{
    return send_file(ctx, chat_id, 0, 1, photo, caption);
}

int bh_chat_send_document(bh_ctx *ctx, int64_t chat_id, const bh_input_file *document,
                          const char *caption)
{
    return send_file(ctx, chat_id, 0, 0, document, caption);
}

int bh_message_reply_photo(bh_ctx *ctx, const bh_message *msg, const bh_input_file *photo,
                           const char *caption)
{
    return msg ? send_file(ctx, msg->chat.id, msg->message_id, 1, photo, caption) : BH_EINVAL;
}

int bh_message_reply_document(bh_ctx *ctx, const bh_message *msg, const bh_input_file *document,
                              const char *caption)
{
    return msg ? send_file(ctx, msg->chat.id, msg->message_id, 0, document, caption) : BH_EINVAL;
}

int bh_ctx_call(bh_ctx *ctx, const char *method, const bh_params *p, json_object **result)
{
    json_object *chat;
    bh_client *c;
    int rc;

    if (result)
        *result = NULL;
    if (!ctx)
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)))
        return BH_ENOMEM;
    rc = bh_client_call_params(c, method, p, result);
    if (p && json_object_object_get_ex(bh_params_object(p), "chat_id", &chat) &&
        json_object_is_type(chat, json_type_int))
        bh_ctx_check_unavailable(ctx, c, json_object_get_int64(chat), rc);
    return rc;
}
