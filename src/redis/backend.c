/*
 * The redis:// backend as the store layer sees it: the store handle (open,
 * close), the table of operations (most of them in keys.c, lock.c,
 * prepare.c, memory.c, check.c), stats, sync, and the registration of the
 * redis:// scheme.
 */
#include <stdlib.h>
#include <string.h>

#include "redis.h"

static void store_close(bh_store *st)
{
    struct bh_redis *r = (struct bh_redis *)st;

    bh_redis_keeper_close(r); /* before the conf is freed: its thread reads it */
    bh_redis_conn_close(r);
    bh_redis_conf_free(&r->conf);
    free(r);
}

/* A number from the text of INFO ("name:value\r\n"), 0 if absent. */
static unsigned long long info_field(const char *info, const char *name)
{
    size_t nl = strlen(name);

    for (const char *p = info; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, name, nl) && p[nl] == ':')
            return strtoull(p + nl + 1, NULL, 10);
    return 0;
}

/* capacity, used, free: Redis's maxmemory and used_memory (capacity 0: no
 * limit). */
static int stats_memory(struct bh_redis *r, struct bh_store_stats *out)
{
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_str(&a, "INFO");
    bh_redis_argv_str(&a, "memory");
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_STRING) {
        rc = bh_redis_reply_fail(r, rep);
        goto out;
    }
    out->capacity = (size_t)info_field(rep->str, "maxmemory");
    out->used = (size_t)info_field(rep->str, "used_memory");
    out->free = out->capacity > out->used ? out->capacity - out->used : 0;
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* memories: the registry; keys: every memory's live count (expired keys
 * dropped first). */
static int stats_keys(bh_store *st, struct bh_store_stats *out)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = bh_redis_memory_list(st, &ids, &n);

    out->memories = n;
    for (size_t i = 0; i < n && rc == BH_OK; i++) {
        bh_shared *m;
        size_t len;
        if ((rc = bh_redis_memory_open(st, ids[i], &m)) != BH_OK)
            break;
        if ((rc = bh_redis_keys_len(m, &len)) == BH_OK)
            out->keys += len;
        bh_redis_memory_close(m);
    }
    bh_store_memories_free(ids, n);
    return rc;
}

/* Locks and recoveries are not tracked. */
static int store_stats(bh_store *st, struct bh_store_stats *out)
{
    int rc = stats_memory((struct bh_redis *)st, out);

    if (rc == BH_OK)
        rc = stats_keys(st, out);
    if (rc == BH_OK)
        out->generation = 1;
    return rc;
}

/* Durability is the server's business (its appendfsync setting). */
static int store_sync(bh_store *st)
{
    (void)st;
    return BH_OK;
}

static const struct bh_store_ops ops = {
    .close = store_close,
    .stats = store_stats,
    .check = bh_redis_store_check,
    .sync = store_sync,
    .shared_open = bh_redis_memory_open,
    .shared_close = bh_redis_memory_close,
    .put = bh_redis_key_put,
    .get = bh_redis_key_get,
    .incr = bh_redis_key_incr,
    .cas = bh_redis_key_cas,
    .pop = bh_redis_key_pop,
    .contains = bh_redis_key_contains,
    .len = bh_redis_keys_len,
    .clear = bh_redis_keys_clear,
    .cursor_open = bh_redis_cursor_open,
    .cursor_next = bh_redis_cursor_next,
    .cursor_close = bh_redis_cursor_close,
    .lock_acquire = bh_redis_lock_acquire,
    .lock_release = bh_redis_lock_release,
    .lock_held = bh_redis_lock_held,
    .lock_fence = bh_redis_lock_fence,
    .lock_release_all = bh_redis_lock_release_all,
    .prepare = bh_redis_preparer_run,
    .prepare_timed = bh_redis_preparer_run_timed,
    .put_fenced = bh_redis_key_put_fenced,
    .rate_take = bh_redis_rate_take,
    .rate_pause = bh_redis_rate_pause,
    .prepared = bh_redis_preparer_done,
    .memories = bh_redis_memory_list,
};

/* Parses the URL and connects at once, so that a wrong address is reported
 * by bh_store_open rather than by the first operation. */
static int store_open(bh_store **out, const char *url, const bh_store_options *opt)
{
    struct bh_redis *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r)
        return BH_ENOMEM;
    r->base.ops = &ops;
    r->base.readonly = opt && (opt->flags & BH_STORE_READONLY);
    if ((rc = bh_redis_conf_parse(url, &r->conf)) != BH_OK) {
        bh_store_fail(NULL, rc, "bad redis URL (expected "
                                "redis://[[user]:password@]host[:port][/db][?prefix=...], "
                                "redis+unix:///path[?db=N], or "
                                "redis+sentinel://host[:port][,host[:port]...]/NAME[/db])");
        free(r);
        return rc;
    }
    if ((rc = bh_redis_conn_open(r)) != BH_OK) {
        bh_store_fail(NULL, rc, "%s", r->base.errmsg);
        store_close(&r->base);
        return rc;
    }
    *out = &r->base;
    return BH_OK;
}

static const struct bh_store_scheme scheme = {BH_REDIS_SCHEME, store_open};
static const struct bh_store_scheme unix_scheme = {BH_REDIS_UNIX_SCHEME, store_open};
static const struct bh_store_scheme sentinel_scheme = {BH_REDIS_SENTINEL_SCHEME, store_open};

__attribute__((constructor)) static void scheme_register(void)
{
    bh_store_register(&scheme);
    bh_store_register(&unix_scheme);
    bh_store_register(&sentinel_scheme);
}
