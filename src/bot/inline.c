/*
 * Inline mode and buttons from a hook: answering an inline query with a
 * built list of results, and editing the message a pressed button belongs
 * to, whether the bot sent it to a chat or a user sent it via inline mode
 * (which only an inline_message_id names).
 */
#include "internal.h"

int bh_inline_answer(bh_ctx *ctx, const bh_inline_query *q, const bh_inline_results *results,
                     const bh_inline_answer_options *opt)
{
    bh_client *c;
    if (!ctx || !q || !q->id)
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)))
        return BH_ENOMEM;
    return bh_client_answer_inline(c, q->id, results, opt);
}

int bh_callback_edit_text(bh_ctx *ctx, const bh_callback_query *q, const char *text,
                          const bh_send_options *opt)
{
    bh_client *c;
    if (!ctx || !q || (!q->message && !q->inline_message_id))
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)))
        return BH_ENOMEM;
    if (!q->message)
        return bh_client_edit_inline_text(c, q->inline_message_id, text, opt);
    return bh_client_edit_message_text(c, q->message->chat.id, q->message->message_id, text, opt,
                                       NULL);
}
