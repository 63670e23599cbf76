/*
 * Options of the runner: the environment, and the defaults of zero fields.
 *
 * Names: every function here is bh_options_*, but for the two declared
 * elsewhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bothive/error.h"
#include "internal.h"

/* The defaults of the fields left at zero (see bothive/runner.h). */
#define BH_OPT_STORE_URL "mem:"
#define BH_OPT_WORKERS_MIN 2            /* without BOTHIVE_WORKERS: the CPUs, */
#define BH_OPT_WORKERS_CPUS_MAX 256     /* ... within these bounds */
#define BH_OPT_SHUTDOWN_TIMEOUT_MS 10000
#define BH_OPT_HANDLER_DEADLINE_MS 30000
#define BH_OPT_POLL_TIMEOUT_S 25
#define BH_OPT_WEBHOOK_LISTEN "127.0.0.1:8443"
#define BH_OPT_WEBHOOK_MAX_BODY (1024 * 1024)
#define BH_OPT_WEBHOOK_REQUEST_TIMEOUT_MS 10000
#define BH_OPT_WEBHOOK_MAX_CONNECTIONS 1000
#define BH_OPT_WEBHOOK_PER_IP_CONNECTIONS 128 /* Telegram opens at most 100 */
#define BH_OPT_RESPAWN_INITIAL_MS 100
#define BH_OPT_RESPAWN_MAX_MS 10000
#define BH_OPT_CONFLICT_WAIT_MS 5000
/* The bounds of what the environment may set. */
#define BH_OPT_ENV_WORKERS_MAX 4096
#define BH_OPT_ENV_POLL_TIMEOUT_MAX_S 3600
#define BH_OPT_ENV_CONNECTIONS_MAX 1000000
/* Telegram's bounds of a webhook's secret token. */
#define BH_OPT_SECRET_MAX 256
#define BH_OPT_SECRET_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/* Reads an integer variable; unset leaves *out alone. */
static int bh_options_env_int(const char *name, int64_t *out)
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

/* A string variable, or NULL when unset or empty. */
static const char *bh_options_env_str(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The webhook's limits from the environment (see bothive/runner.h). */
static int bh_options_env_webhook(bh_run_options *o)
{
    int64_t conns = 0, per_ip = 0;

    if (bh_options_env_int("BOTHIVE_WEBHOOK_REQUEST_TIMEOUT_MS", &o->webhook_request_timeout_ms) ||
        bh_options_env_int("BOTHIVE_WEBHOOK_MAX_CONNECTIONS", &conns) ||
        bh_options_env_int("BOTHIVE_WEBHOOK_PER_IP_CONNECTIONS", &per_ip) ||
        conns > BH_OPT_ENV_CONNECTIONS_MAX || per_ip > BH_OPT_ENV_CONNECTIONS_MAX)
        return BH_EINVAL;
    o->webhook_max_connections = (unsigned)conns;
    o->webhook_per_ip_connections = (unsigned)per_ip;
    return BH_OK;
}

int bh_run_options_from_env(bh_run_options *o)
{
    int64_t workers = 0, backlog = 0, poll = 0;

    if (!o)
        return BH_EINVAL;
    memset(o, 0, sizeof *o);
    if (bh_options_env_int("BOTHIVE_WORKERS", &workers) || workers > BH_OPT_ENV_WORKERS_MAX ||
        bh_options_env_int("BOTHIVE_PROCESS_BACKLOG", &backlog) ||
        bh_options_env_int("BOTHIVE_SHUTDOWN_TIMEOUT_MS", &o->shutdown_timeout_ms) ||
        bh_options_env_int("BOTHIVE_HANDLER_DEADLINE_MS", &o->handler_deadline_ms) ||
        bh_options_env_int("BOTHIVE_POLL_TIMEOUT", &poll) || poll > BH_OPT_ENV_POLL_TIMEOUT_MAX_S ||
        bh_options_env_webhook(o))
        return BH_EINVAL;
    o->workers = (int)workers;
    o->process_backlog = backlog != 0;
    o->poll_timeout_s = (int)poll;
    o->store_url = bh_options_env_str("BOTHIVE_STORE");
    o->api_url = bh_options_env_str("BOTHIVE_API_URL");
    o->webhook_url = bh_options_env_str("BOTHIVE_WEBHOOK_URL");
    o->webhook_listen = bh_options_env_str("BOTHIVE_WEBHOOK_LISTEN");
    o->webhook_secret = bh_options_env_str("BOTHIVE_WEBHOOK_SECRET");
    o->allowed_updates = getenv("BOTHIVE_ALLOWED_UPDATES"); /* "" is a value here */
    return BH_OK;
}

/* The fields o leaves at zero, from the environment's env. */
static void bh_options_fill_env(bh_run_options *o, const bh_run_options *env)
{
#define BH_FILL(f) if (!o->f) o->f = env->f
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
    BH_FILL(webhook_request_timeout_ms);
    BH_FILL(webhook_max_connections);
    BH_FILL(webhook_per_ip_connections);
    BH_FILL(allowed_updates);
#undef BH_FILL
}

/* The fields still at zero, from the defaults; workers from the CPUs. */
static void bh_options_fill_defaults(bh_run_options *o)
{
#define BH_FILL(f, v) if (!o->f) o->f = (v)
    if (!o->workers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->workers = n < BH_OPT_WORKERS_MIN ? BH_OPT_WORKERS_MIN
                     : n > BH_OPT_WORKERS_CPUS_MAX ? BH_OPT_WORKERS_CPUS_MAX : (int)n;
    }
    BH_FILL(store_url, BH_OPT_STORE_URL);
    BH_FILL(shutdown_timeout_ms, BH_OPT_SHUTDOWN_TIMEOUT_MS);
    BH_FILL(handler_deadline_ms, BH_OPT_HANDLER_DEADLINE_MS);
    BH_FILL(poll_timeout_s, BH_OPT_POLL_TIMEOUT_S);
    BH_FILL(webhook_listen, BH_OPT_WEBHOOK_LISTEN);
    BH_FILL(webhook_max_body, BH_OPT_WEBHOOK_MAX_BODY);
    BH_FILL(webhook_request_timeout_ms, BH_OPT_WEBHOOK_REQUEST_TIMEOUT_MS);
    BH_FILL(webhook_max_connections, BH_OPT_WEBHOOK_MAX_CONNECTIONS);
    BH_FILL(webhook_per_ip_connections, BH_OPT_WEBHOOK_PER_IP_CONNECTIONS);
    BH_FILL(respawn_initial_ms, BH_OPT_RESPAWN_INITIAL_MS);
    BH_FILL(respawn_max_ms, BH_OPT_RESPAWN_MAX_MS);
    BH_FILL(conflict_wait_ms, BH_OPT_CONFLICT_WAIT_MS);
#undef BH_FILL
}

/* Whether a webhook's secret token is one Telegram accepts: 1 to
 * BH_OPT_SECRET_MAX of A-Za-z0-9_-. */
static int bh_options_secret_ok(const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;

    return n >= 1 && n <= BH_OPT_SECRET_MAX && strspn(secret, BH_OPT_SECRET_CHARS) == n;
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
        out->conflict_wait_ms < 0 || out->webhook_request_timeout_ms < 0)
        return BH_EINVAL;
    bh_options_fill_env(out, &env);
    bh_options_fill_defaults(out);
    if (out->webhook_url && !bh_options_secret_ok(out->webhook_secret))
        return BH_EINVAL; /* a webhook without a secret accepts anyone's updates */
    return BH_OK;
}
