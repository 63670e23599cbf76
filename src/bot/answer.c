/*
 * Answers to callback queries with every option of answerCallbackQuery,
 * from a hook's context. The body is built with json-c, never formatted by
 * hand, so a text with quotes or newlines goes as it is.
 */
#include "internal.h"

/* The answerCallbackQuery parameters of q and opt; NULL if out of memory. */
static json_object *answer_params(const bh_callback_query *q, const bh_callback_answer_options *o)
{
    json_object *p = json_object_new_object();
    if (!p)
        return NULL;
    json_object_object_add(p, "callback_query_id", json_object_new_string(q->id));
    if (o && o->text)
        json_object_object_add(p, "text", json_object_new_string(o->text));
    if (o && o->show_alert)
        json_object_object_add(p, "show_alert", json_object_new_boolean(1));
    if (o && o->url)
        json_object_object_add(p, "url", json_object_new_string(o->url));
    if (o && o->cache_time)
        json_object_object_add(p, "cache_time", json_object_new_int(o->cache_time));
    return p;
}

int bh_callback_answer_ex(bh_ctx *ctx, const bh_callback_query *q,
                          const bh_callback_answer_options *opt)
{
    bh_client *c;
    json_object *p;
    int rc;

    if (!ctx || !q || !q->id || (opt && opt->cache_time < 0))
        return BH_EINVAL;
    if (!(c = bh_bot_client(ctx->bot)) || !(p = answer_params(q, opt)))
        return BH_ENOMEM;
    rc = bh_client_call_json(c, "answerCallbackQuery", p, NULL);
    json_object_put(p);
    return rc;
}
