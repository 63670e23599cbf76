/*
 * Options of the runner: the environment, and the defaults of zero fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bothive/error.h"
#include "bothive/telegram.h"
#include "internal.h"

/* Reads an integer variable; unset leaves *out alone. */
static int bh_env_int(const char *name, int64_t *out)
{
    const char *v = getenv(name);
    char *end;
    long long n;

    if (!v || !*v)
        return BH_OK;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || *end || n < 0)
        return BH_EINVAL;
    *out = n;
    return BH_OK;
}

static const char *bh_env_str(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int bh_run_options_from_env(bh_run_options *o)
{
    int64_t workers = 0, backlog = 0, poll = 0;

    if (!o)
        return BH_EINVAL;
    memset(o, 0, sizeof *o);
    if (bh_env_int("BOTHIVE_WORKERS", &workers) || workers > 4096 ||
        bh_env_int("BOTHIVE_PROCESS_BACKLOG", &backlog) ||
        bh_env_int("BOTHIVE_SHUTDOWN_TIMEOUT_MS", &o->shutdown_timeout_ms) ||
        bh_env_int("BOTHIVE_HANDLER_DEADLINE_MS", &o->handler_deadline_ms) ||
        bh_env_int("BOTHIVE_POLL_TIMEOUT", &poll) || poll > 3600)
        return BH_EINVAL;
    o->workers = (int)workers;
    o->process_backlog = backlog != 0;
    o->poll_timeout_s = (int)poll;
    o->store_url = bh_env_str("BOTHIVE_STORE");
    o->api_url = bh_env_str("BOTHIVE_API_URL");
    o->webhook_url = bh_env_str("BOTHIVE_WEBHOOK_URL");
    o->webhook_listen = bh_env_str("BOTHIVE_WEBHOOK_LISTEN");
    o->webhook_secret = bh_env_str("BOTHIVE_WEBHOOK_SECRET");
    return BH_OK;
}

/*
 * Resolves o into out with every default filled in. Environment values fill
 * only what o leaves at zero, so a program may set some fields and let the
 * deployment set the others.
 */
int bh_runner_options_resolve(const bh_run_options *o, bh_run_options *out)
{
    bh_run_options env;
    int rc;

    if ((rc = bh_run_options_from_env(&env)) != BH_OK)
        return rc;
    if (o)
        *out = *o;
    else
        memset(out, 0, sizeof *out);
    if (out->workers < 0 || out->shutdown_timeout_ms < 0 || out->handler_deadline_ms < 0 ||
        out->poll_timeout_s < 0 || out->respawn_initial_ms < 0 || out->respawn_max_ms < 0 ||
        out->conflict_wait_ms < 0)
        return BH_EINVAL;
#define BH_FILL(f) if (!out->f) out->f = env.f
    BH_FILL(workers);
    BH_FILL(store_url);
    BH_FILL(api_url);
    BH_FILL(process_backlog);
    BH_FILL(shutdown_timeout_ms);
    BH_FILL(handler_deadline_ms);
    BH_FILL(poll_timeout_s);
    BH_FILL(webhook_url);
    BH_FILL(webhook_listen);
    BH_FILL(webhook_secret);
#undef BH_FILL
    if (!out->workers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        out->workers = n < 2 ? 2 : n > 256 ? 256 : (int)n;
    }
    if (!out->store_url)
        out->store_url = "mem:";
    if (!out->shutdown_timeout_ms)
        out->shutdown_timeout_ms = 10000;
    if (!out->handler_deadline_ms)
        out->handler_deadline_ms = 30000;
    if (!out->poll_timeout_s)
        out->poll_timeout_s = 25;
    if (!out->webhook_listen)
        out->webhook_listen = "0.0.0.0:8443";
    if (!out->webhook_max_body)
        out->webhook_max_body = 1024 * 1024;
    if (!out->respawn_initial_ms)
        out->respawn_initial_ms = 100;
    if (!out->respawn_max_ms)
        out->respawn_max_ms = 10000;
    if (!out->conflict_wait_ms)
        out->conflict_wait_ms = 5000;
    if (out->webhook_url) {
        size_t n = out->webhook_secret ? strlen(out->webhook_secret) : 0;
        if (n < 1 || n > 256 || strspn(out->webhook_secret,
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_-") != n)
            return BH_EINVAL; /* a webhook without a secret accepts anyone's updates */
    }
    return BH_OK;
}
