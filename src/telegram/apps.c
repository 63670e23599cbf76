/*
 * Typed methods for what lives beside chats: business connections, Web
 * App answers, games, and verification on behalf of an organisation.
 */
#include <string.h>

#include "telegram/tg.h"

int bh_client_get_business_connection(bh_client *c, const char *business_connection_id,
                                      json_object **connection)
{
    bh_params *p;
    if (connection)
        *connection = NULL;
    if (!c || !business_connection_id || !*business_connection_id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "business_connection_id", business_connection_id);
    return bh_tg_call_typed(c, "getBusinessConnection", p, json_type_object, connection);
}

int bh_client_answer_web_app_query(bh_client *c, const char *web_app_query_id,
                                   json_object *result)
{
    bh_params *p;
    if (!c || !web_app_query_id || !*web_app_query_id || !result)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "web_app_query_id", web_app_query_id);
    bh_params_json(p, "result", result);
    /* The answer is a SentWebAppMessage, not a boolean. */
    return bh_tg_call_typed(c, "answerWebAppQuery", p, json_type_object, NULL);
}

/* The four verification methods: key names the user or the chat. */
static int verification(bh_client *c, const char *method, const char *key, int64_t id,
                        const char *description)
{
    bh_params *p;
    if (!c || !id)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, key, id);
    if (description)
        bh_params_str(p, "custom_description", description);
    return bh_tg_call_true(c, method, p);
}

int bh_client_verify_user(bh_client *c, int64_t user_id, const char *description)
{
    return verification(c, "verifyUser", "user_id", user_id, description);
}

int bh_client_verify_chat(bh_client *c, int64_t chat_id, const char *description)
{
    return verification(c, "verifyChat", "chat_id", chat_id, description);
}

int bh_client_remove_user_verification(bh_client *c, int64_t user_id)
{
    return verification(c, "removeUserVerification", "user_id", user_id, NULL);
}

int bh_client_remove_chat_verification(bh_client *c, int64_t chat_id)
{
    return verification(c, "removeChatVerification", "chat_id", chat_id, NULL);
}

int bh_client_send_game(bh_client *c, int64_t chat_id, const char *game_short_name,
                        const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !game_short_name || !*game_short_name)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_str(p, "game_short_name", game_short_name);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendGame", p, sent);
}
