/*
 * Memory scoped to a chat or a user: one memory of the store per chat (or
 * user) of each bot and component, "bot:<id>[/<component>]#chat:<chat>",
 * so the whole dict-like API of the shared memory works on it, and
 * clearing one chat's data (a privacy request) is one bh_shared_clear.
 * With an expiry, each use is stamped in "bot:<id>#seen" and the sweep
 * clears what was not used for that long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "bothive/log.h"
#include "bothive/schedule.h"
#include "internal.h"

/* ---- The update's chat and user ---- */

static int64_t id_of(json_object *o, const char *field)
{
    json_object *f, *id;
    if (o && json_object_object_get_ex(o, field, &f) && json_object_object_get_ex(f, "id", &id))
        return json_object_get_int64(id);
    return 0;
}

json_object *bh_update_chat_object(const bh_update *u)
{
    json_object *o = u ? u->object : NULL, *chat, *msg;

    if (!o)
        return NULL;
    if (json_object_object_get_ex(o, "chat", &chat))
        return chat;
    /* callback_query.message.chat */
    if (json_object_object_get_ex(o, "message", &msg) &&
        json_object_object_get_ex(msg, "chat", &chat))
        return chat;
    return NULL;
}

void bh_ctx_ids(bh_ctx *ctx, int64_t *chat, int64_t *user)
{
    if (!ctx->ids_known && ctx->update) {
        json_object *c = bh_update_chat_object(ctx->update), *id;
        json_object *o = ctx->update->object;
        ctx->chat_id = c && json_object_object_get_ex(c, "id", &id) ? json_object_get_int64(id)
                                                                   : 0;
        ctx->user_id = id_of(o, "from");
        if (!ctx->user_id)
            ctx->user_id = id_of(o, "user"); /* poll_answer, message_reaction */
        ctx->ids_known = 1;
    }
    *chat = ctx->chat_id;
    *user = ctx->user_id;
}

/* ---- Memories by id, per process ---- */

/* Entries are found by id, or by a (tag, comp) pair that names the id
 * without building it (a conversation and its component). */
struct bh_memcache {
    char *id;
    const void *tag;
    size_t comp;
    bh_shared *m;
    struct bh_memcache *next;
};

bh_shared *bh_bot_memory_tagged(bh_bot *bot, const void *tag, size_t comp)
{
    /* Only in a running update, whose process is attached already (no
     * getpid per step): the entries are this process's. */
    for (struct bh_memcache *e = bot->memcache; e; e = e->next)
        if (e->tag == tag && e->comp == comp)
            return e->m;
    return NULL;
}

int bh_bot_memory_tag(bh_bot *bot, const char *id, const void *tag, size_t comp,
                      bh_shared **out)
{
    struct bh_memcache *e;
    int rc;

    *out = NULL;
    if ((rc = bh_bot_attached_store(bot)) != BH_OK)
        return rc;
    for (e = bot->memcache; e; e = e->next)
        if (!strcmp(e->id, id)) {
            *out = e->m;
            return BH_OK;
        }
    rc = BH_ENOMEM;
    if (!(e = calloc(1, sizeof *e)) || !(e->id = strdup(id)))
        goto fail;
    if ((rc = bh_shared_open(bot->store, id, &e->m)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "memory %s: %s", id, bh_strerror(rc));
        goto fail;
    }
    e->tag = tag;
    e->comp = comp;
    e->next = bot->memcache;
    bot->memcache = e;
    *out = e->m;
    return BH_OK;
fail:
    if (e)
        free(e->id);
    free(e);
    return rc;
}

int bh_bot_memory_named(bh_bot *bot, const char *id, bh_shared **out)
{
    return bh_bot_memory_tag(bot, id, NULL, 0, out);
}

void bh_memcache_clear(bh_bot *bot)
{
    while (bot->memcache) {
        struct bh_memcache *e = bot->memcache;
        bot->memcache = e->next;
        bh_shared_close(e->m);
        free(e->id);
        free(e);
    }
}

int bh_bot_internal_memory(bh_bot *bot, bh_shared **out)
{
    char id[64];
    snprintf(id, sizeof id, "bothive.bot:%lld", (long long)bot->id);
    return bh_bot_memory_named(bot, id, out);
}

/* ---- Scoped memories ---- */

/* "bot:<id>[/<component>]#chat:<chat>" (or #user:). */
static int scoped_open(bh_bot *bot, size_t comp, int user, int64_t who, bh_shared **out)
{
    char *base = bh_memory_id(bot, bot->comps[comp]), *id = NULL;
    int rc = BH_ENOMEM;

    if (base && asprintf(&id, "%s#%s:%lld", base, user ? "user" : "chat", (long long)who) >= 0)
        rc = bh_shared_open(bot->store, id, out);
    else
        id = NULL;
    free(base);
    free(id);
    return rc;
}

/* The memory of the last uses of the bot's chats and users,
 * "bot:<id>#seen" (cached for the process). */
static int seen_memory(bh_bot *bot, bh_shared **out)
{
    char id[64];

    snprintf(id, sizeof id, "bot:%lld#seen", (long long)bot->id);
    return bh_bot_memory_named(bot, id, out);
}

/* When a memory last used at last_ms expires after ttl_s seconds (a long
 * expiry is capped, not overflowed). */
static int64_t expiry_of(int64_t last_ms, int64_t ttl_s)
{
    const int64_t cap = BH_SCHEDULE_TIME_MAX;
    return ttl_s >= (cap - last_ms) / 1000 ? cap : last_ms + ttl_s * 1000;
}

/* Stamps the use of a chat's (user's) memory when they expire, and makes
 * the sweep due when it would expire. */
static void scoped_touch(bh_bot *bot, int user, int64_t who)
{
    int64_t now = bh_clock_wall_ms(), ttl_s = user ? bot->user_expiry_s : bot->chat_expiry_s;
    char key[48];
    bh_shared *seen;

    if (!ttl_s)
        return;
    snprintf(key, sizeof key, "%s:%lld", user ? "user" : "chat", (long long)who);
    if (seen_memory(bot, &seen) == BH_OK && bh_shared_set_int(seen, key, now) == BH_OK)
        bh_sweep_at(bot, expiry_of(now, ttl_s));
}

static bh_shared *ctx_scoped(bh_ctx *ctx, int user)
{
    int64_t chat, uid, who;
    bh_shared *m;
    int rc;

    /* Outside an update, a context that names its chat and user (a
     * conversation's timeout hook) has their memories too. */
    if (!ctx || (!ctx->update && !ctx->ids_known) || bh_bot_attach(ctx->bot, NULL) != BH_OK ||
        !ctx->bot->store)
        return NULL;
    bh_ctx_ids(ctx, &chat, &uid);
    if (!(who = user ? uid : chat))
        return NULL;
    for (size_t i = 0; i < ctx->nscoped; i++)
        if (ctx->scoped[i].comp == ctx->comp && ctx->scoped[i].user == user)
            return ctx->scoped[i].m;
    if (ctx->nscoped == sizeof ctx->scoped / sizeof ctx->scoped[0]) {
        bh_log(BH_LOG_ERROR, "update %lld: too many scoped memories in one update",
               (long long)ctx->update_id);
        return NULL;
    }
    if ((rc = scoped_open(ctx->bot, ctx->comp, user, who, &m)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "update %lld: %s memory: %s", (long long)ctx->update_id,
               user ? "user" : "chat", bh_strerror(rc));
        return NULL;
    }
    scoped_touch(ctx->bot, user, who);
    ctx->scoped[ctx->nscoped++] = (struct bh_scoped){ctx->comp, user, m};
    return m;
}

bh_shared *bh_ctx_chat_memory(bh_ctx *ctx)
{
    return ctx_scoped(ctx, 0);
}

bh_shared *bh_ctx_user_memory(bh_ctx *ctx)
{
    return ctx_scoped(ctx, 1);
}

void bh_ctx_scoped_close(bh_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nscoped; i++)
        bh_shared_close(ctx->scoped[i].m);
    ctx->nscoped = 0;
}

int bh_bot_chat_memory_expiry(bh_bot *bot, int64_t seconds)
{
    if (!bot || seconds < 0)
        return BH_EINVAL;
    bot->chat_expiry_s = seconds;
    return BH_OK;
}

int bh_bot_user_memory_expiry(bh_bot *bot, int64_t seconds)
{
    if (!bot || seconds < 0)
        return BH_EINVAL;
    bot->user_expiry_s = seconds;
    return BH_OK;
}

static int comp_index(const bh_bot *bot, const bh_component *c, size_t *out)
{
    for (size_t i = 0; i < bot->ncomps; i++)
        if (bot->comps[i] == (c ? c : bot->main)) {
            *out = i;
            return BH_OK;
        }
    return BH_EINVAL;
}

static int bot_scoped(bh_bot *bot, bh_component *c, int user, int64_t who, bh_shared **out)
{
    size_t comp;
    int rc;

    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if ((rc = bh_bot_attached_store(bot)) != BH_OK)
        return rc;
    if (comp_index(bot, c, &comp) != BH_OK)
        return BH_EINVAL;
    return scoped_open(bot, comp, user, who, out);
}

int bh_bot_chat_memory(bh_bot *bot, bh_component *c, int64_t chat_id, bh_shared **out)
{
    return bot_scoped(bot, c, 0, chat_id, out);
}

int bh_bot_user_memory(bh_bot *bot, bh_component *c, int64_t user_id, bh_shared **out)
{
    return bot_scoped(bot, c, 1, user_id, out);
}

/* Clears the scoped memories of who in every component. */
static int scoped_clear(bh_bot *bot, int user, int64_t who)
{
    int rc = BH_OK;

    for (size_t c = 0; c < bot->ncomps && rc == BH_OK; c++) {
        bh_shared *m;
        if ((rc = scoped_open(bot, c, user, who, &m)) == BH_OK) {
            rc = bh_shared_clear(m);
            bh_shared_close(m);
        }
    }
    return rc;
}

int bh_bot_attached_store(bh_bot *bot)
{
    int rc;

    if (!bot)
        return BH_EINVAL;
    if ((rc = bh_bot_attach(bot, NULL)) != BH_OK)
        return rc;
    return bot->store ? BH_OK : BH_EINVAL;
}

static int forget(bh_bot *bot, int user, int64_t who)
{
    int rc = bh_bot_attached_store(bot);
    return rc == BH_OK ? scoped_clear(bot, user, who) : rc;
}

int bh_bot_forget_chat(bh_bot *bot, int64_t chat_id)
{
    return forget(bot, 0, chat_id);
}

int bh_bot_forget_user(bh_bot *bot, int64_t user_id)
{
    int rc = forget(bot, 1, user_id);
    if (rc == BH_OK)
        rc = bh_conv_forget_user(bot, user_id);
    return rc;
}

/* Clears the chat or user of seen's key ("chat:<id>", "user:<id>") if it
 * was not used within its expiry, and then forgets its stamp. */
static void scope_expire(bh_bot *bot, bh_shared *seen, const char *key, int64_t now,
                         int64_t *next)
{
    int user = !strncmp(key, "user:", 5);
    int64_t ttl_s = user ? bot->user_expiry_s : bot->chat_expiry_s, last, at;

    if (!ttl_s || bh_shared_get_int(seen, key, &last) != BH_OK)
        return;
    if ((at = expiry_of(last, ttl_s)) > now) {
        if (!*next || at < *next)
            *next = at;
        return;
    }
    if (scoped_clear(bot, user, strtoll(key + 5, NULL, 10)) == BH_OK)
        bh_shared_delete(seen, key);
}

/*
 * Clears the chats and users whose memories were not asked for within
 * their expiry. A hook that asks for one while it is cleared may see it
 * emptied: that is what expiring means.
 */
int bh_scope_sweep(bh_ctx *ctx, int64_t *next)
{
    bh_bot *bot = ctx->bot;
    bh_shared *seen;
    bh_cursor *cur;
    const char *key;
    size_t n = 0;
    int64_t now = bh_clock_wall_ms();
    int rc;

    *next = 0;
    if (!bot->chat_expiry_s && !bot->user_expiry_s)
        return BH_OK;
    if ((rc = seen_memory(bot, &seen)) != BH_OK)
        return rc;
    if ((rc = bh_shared_len(seen, &n)) != BH_OK || n == 0)
        return rc;
    if ((rc = bh_cursor_open(seen, &cur)) != BH_OK)
        return rc;
    while (bh_cursor_next(cur, &key) == BH_OK)
        scope_expire(bot, seen, key, now, next);
    bh_cursor_close(cur);
    return BH_OK;
}
