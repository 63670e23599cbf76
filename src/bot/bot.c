/*
 * Bots: the token and id, the components a bot uses, and the state each
 * process keeps for it (Bot API client, memory handles, rate limiter,
 * callback secret). That state is made on first use in each process and
 * made again after fork: a libcurl connection must never be shared by two
 * processes, and a child must not free what its parent still uses.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "bothive/log.h"
#include "internal.h"

bh_bot *bh_bot_new(const char *token)
{
    bh_bot *bot;
    char *end;
    long long id;

    if (!token || !isdigit((unsigned char)token[0]))
        return NULL;
    id = strtoll(token, &end, 10);
    if (*end != ':' || !end[1] || id <= 0)
        return NULL;
    if (!(bot = calloc(1, sizeof *bot)))
        return NULL;
    bot->id = id;
    if (!(bot->token = strdup(token)) || !(bot->main = bh_component_create("")) ||
        !(bot->comps = malloc(sizeof *bot->comps))) {
        bh_bot_free(bot);
        return NULL;
    }
    bot->comps[0] = bot->main;
    bot->ncomps = 1;
    return bot;
}

static void mems_close(bh_bot *bot)
{
    for (size_t i = 0; bot->mems && i < bot->ncomps; i++)
        bh_shared_close(bot->mems[i]);
    free(bot->mems);
    bot->mems = NULL;
    bh_ratelimit_free(bot->rl);
    bot->rl = NULL;
    bh_shared_close(bot->rl_mem);
    bot->rl_mem = NULL;
    bh_memcache_clear(bot);
    bot->have_secret = 0;
}

/* Frees the per-process state; only in the process that made it. */
static void process_state_free(bh_bot *bot)
{
    if (bot->pid != getpid())
        return;
    mems_close(bot);
    bh_client_free(bot->client);
    bot->client = NULL;
    free(bot->username);
    bot->username = NULL;
    bh_store_close(bot->own_store);
    bot->own_store = NULL;
}

void bh_bot_free(bh_bot *bot)
{
    if (!bot)
        return;
    process_state_free(bot);
    for (size_t i = 0; i < bot->ncomps; i++)
        bh_component_free(bot->comps[i]);
    if (!bot->comps)
        bh_component_free(bot->main);
    free(bot->comps);
    free(bot->token);
    free(bot->about);
    free(bot->api_url);
    free(bot->allowed);
    bh_texts_free(bot->texts);
    bh_schedule_handlers_free(bot);
    free(bot);
}

int64_t bh_bot_id(const bh_bot *bot)
{
    return bot ? bot->id : 0;
}

static int set_string(char **dst, const char *s)
{
    char *copy;
    if (!s)
        return BH_EINVAL;
    if (!(copy = strdup(s)))
        return BH_ENOMEM;
    free(*dst);
    *dst = copy;
    return BH_OK;
}

int bh_bot_about(bh_bot *bot, const char *text)
{
    return bot ? set_string(&bot->about, text) : BH_EINVAL;
}

int bh_bot_api_url(bh_bot *bot, const char *url)
{
    return bot && url && *url ? set_string(&bot->api_url, url) : BH_EINVAL;
}

int bh_bot_ratelimit(bh_bot *bot, const bh_ratelimit_options *opt)
{
    if (!bot)
        return BH_EINVAL;
    memset(&bot->rl_opts, 0, sizeof bot->rl_opts);
    if (opt)
        bot->rl_opts = *opt;
    return BH_OK;
}

int bh_bot_use(bh_bot *bot, bh_component *c)
{
    bh_component **p;

    if (!bot || !c)
        return BH_EINVAL;
    for (size_t i = 0; i < bot->ncomps; i++)
        if (!strcmp(bot->comps[i]->name, c->name))
            return BH_EINVAL;
    if (!(p = realloc(bot->comps, (bot->ncomps + 1) * sizeof *p)))
        return BH_ENOMEM;
    bot->comps = p;
    /* Memory handles are per component: the table grows with it. */
    if (bot->mems && bot->pid == getpid()) {
        bh_shared **mp = realloc(bot->mems, (bot->ncomps + 1) * sizeof *mp);
        if (!mp)
            return BH_ENOMEM;
        mp[bot->ncomps] = NULL;
        bot->mems = mp;
    }
    bot->comps[bot->ncomps++] = c;
    c->refs++;
    return BH_OK;
}

/*
 * Makes the bot's per-process state belong to this process, using store st
 * for its memories. State inherited through fork is dropped (not freed:
 * the parent still owns it).
 */
int bh_bot_attach(bh_bot *bot, bh_store *st)
{
    if (bot->pid != getpid()) {
        bot->mems = NULL;
        bot->rl = NULL;
        bot->rl_mem = NULL;
        bot->client = NULL;
        bot->username = NULL;
        bot->own_store = NULL;
        bot->memcache = NULL;
        bot->have_secret = 0;
        bot->pid = getpid();
    }
    if (st && st != bot->store) {
        mems_close(bot); /* handles of another store */
        bot->store = st;
    }
    if (!bot->mems && !(bot->mems = calloc(bot->ncomps, sizeof *bot->mems)))
        return BH_ENOMEM;
    return BH_OK;
}

bh_client *bh_bot_client(bh_bot *bot)
{
    int rc;

    if (bh_bot_attach(bot, NULL) != BH_OK)
        return NULL;
    if (!bot->client) {
        if ((rc = bh_client_new(&bot->client, bot->token, bot->api_url, NULL)))
            bh_log(BH_LOG_ERROR, "bot %lld: no Bot API client: %s", (long long)bot->id,
                   bh_strerror(rc));
        else
            bh_bot_limiter_install(bot, bot->client);
    }
    return bot->client;
}

/* "bot:<id>" for the bot's own memory, "bot:<id>/<component>" for a
 * component's: stable across restarts, so a file: store finds them again. */
char *bh_memory_id(const bh_bot *bot, const bh_component *c)
{
    char *id;
    int n = c->name[0] ? asprintf(&id, "bot:%lld/%s", (long long)bot->id, c->name)
                       : asprintf(&id, "bot:%lld", (long long)bot->id);
    return n < 0 ? NULL : id;
}

static int run_preparers(bh_shared *m, void *arg)
{
    const bh_component *c = arg;
    int rc;

    for (size_t i = 0; i < c->npreparers; i++)
        if ((rc = c->preparers[i](m)) < 0)
            return rc;
    return BH_OK;
}

/*
 * The memory of component comp in this process: opened on first use and
 * prepared (once across every process) before it is handed out.
 */
bh_shared *bh_bot_memory(bh_bot *bot, size_t comp)
{
    bh_shared *m;
    char *id;
    int rc;

    if (bh_bot_attach(bot, NULL) != BH_OK || !bot->store)
        return NULL;
    if (bot->mems[comp])
        return bot->mems[comp];
    if (!(id = bh_memory_id(bot, bot->comps[comp])))
        return NULL;
    rc = bh_shared_open(bot->store, id, &m);
    if (rc == BH_OK && (rc = bh_shared_prepare(m, run_preparers, bot->comps[comp])) != BH_OK) {
        bh_shared_close(m);
    }
    if (rc != BH_OK) {
        bh_log(BH_LOG_ERROR, "memory %s: %s", id, bh_strerror(rc));
        free(id);
        return NULL;
    }
    free(id);
    bot->mems[comp] = m;
    return m;
}

const char *bh_bot_username(bh_bot *bot)
{
    bh_client *c = bh_bot_client(bot);
    bh_user *me;

    if (!bot->username && c && bh_client_get_me(c, &me) == BH_OK) {
        if (me->username)
            bot->username = strdup(me->username);
        bh_user_free(me);
    }
    return bot->username;
}

/*
 * The key that signs callback data: made once per store (so every worker
 * and, with a file: store, every restart agrees) from the kernel's random
 * source, or derived from BOTHIVE_SECRET when set. A secret chosen by a
 * person is a passphrase, not a key: HKDF-SHA256 makes a uniform key of it
 * (the same for every process given the same secret), where a plain hash
 * of it would not be a pseudorandom function keyed by it.
 */
int bh_bot_secret(bh_bot *bot, unsigned char key[16])
{
    const char *env = getenv("BOTHIVE_SECRET");
    bh_shared *m = NULL;
    char *id = NULL;
    int rc = BH_OK;

    if (bot->have_secret)
        goto done;
    if (env && *env) {
        if ((rc = bh_secret_hkdf(env, strlen(env), BH_SECRET_SALT, strlen(BH_SECRET_SALT),
                                 BH_SECRET_INFO, strlen(BH_SECRET_INFO), bot->secret,
                                 sizeof bot->secret)) != BH_OK)
            return rc;
        bot->have_secret = 1;
        goto done;
    }
    unsigned char fresh[16];
    bh_value v;
    if (!bot->store || asprintf(&id, "bothive.bot:%lld", (long long)bot->id) < 0)
        return BH_EINVAL;
    if (getrandom(fresh, sizeof fresh, 0) != sizeof fresh) {
        rc = BH_EIO;
        goto out;
    }
    v = bh_value_bytes(fresh, sizeof fresh);
    if ((rc = bh_shared_open(bot->store, id, &m)) != BH_OK)
        goto out;
    rc = bh_shared_put(m, "callback_secret", &v, BH_PUT_ADD, 0);
    if (rc != BH_OK && rc != BH_EEXISTS)
        goto out;
    if ((rc = bh_shared_get(m, "callback_secret", &v)) != BH_OK)
        goto out;
    if (v.type == BH_BYTES && v.u.s.len == 16) {
        memcpy(bot->secret, v.u.s.data, 16);
        bot->have_secret = 1;
    } else {
        rc = BH_ETYPE;
    }
    bh_value_free(&v);
out:
    bh_shared_close(m);
    free(id);
    if (rc != BH_OK)
        return rc;
done:
    memcpy(key, bot->secret, 16);
    return BH_OK;
}

int bh_api_call(bh_bot *bot, const char *method, const char *params_json, json_object **result)
{
    bh_client *c;

    if (!bot)
        return BH_EINVAL;
    if (!(c = bh_bot_client(bot)))
        return BH_ENOMEM;
    return bh_client_call(c, method, params_json, result);
}
