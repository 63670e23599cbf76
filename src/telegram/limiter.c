/*
 * The client's side of the limiter (bh_limiter): which methods send to a
 * chat, and the calls the call path makes into the limiter the program
 * gave (the bot layer's, backed by the store). The client itself keeps no
 * limit state: it would be one process's view of limits that are the
 * whole bot's.
 */
#include <string.h>
#include <strings.h>

#include "bothive/log.h"
#include "telegram/tg.h"

int bh_client_set_limiter(bh_client *c, const bh_limiter *l)
{
    if (!c)
        return BH_EINVAL;
    memset(&c->limiter, 0, sizeof c->limiter);
    if (l)
        c->limiter = *l;
    return BH_OK;
}

int bh_method_sends_to_chat(const char *m)
{
    if (!m)
        return 0;
    if (!strncasecmp(m, "send", 4))
        return strcasecmp(m, "sendChatAction") != 0;
    return !strncasecmp(m, "copyMessage", 11) || !strncasecmp(m, "forwardMessage", 14);
}

/* The chat a send goes to, for the limiter: 0 for an @username. */
static int64_t params_chat(json_object *params)
{
    int64_t id = 0;
    bh_tg_get_int64(params, "chat_id", &id);
    return id;
}

void bh_tg_limit_wait(bh_client *c, const char *method, json_object *params)
{
    int rc;
    if (!c->limiter.wait || !bh_method_sends_to_chat(method))
        return;
    rc = c->limiter.wait(c->limiter.arg, method, params_chat(params));
    if (rc != BH_OK)
        bh_log(BH_LOG_WARN, "telegram: %s: rate limiter: %s; sending anyway", method, bh_strerror(rc));
}

void bh_tg_limit_paused(bh_client *c, const char *method, json_object *params)
{
    if (c->limiter.paused && c->err.retry_after > 0)
        c->limiter.paused(c->limiter.arg, method, params_chat(params), c->err.retry_after);
}
