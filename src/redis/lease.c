/*
 * The coordination of several hosts over Redis (hosts.h): the handle,
 * named leases fenced by an epoch, the heartbeat, the set-up of a bot's
 * log and the intake's offset. The log itself is in stream.c.
 *
 * A lease is a key holding "HOST|EPOCH" with a PX time to live, set by a
 * script: the holder renews it (same epoch), anyone takes it once it
 * lapsed (a new epoch from the lease's counter, so that a host that was
 * stopped and comes back finds its epoch stale). Expiry is Redis's clock,
 * never a host's.
 *
 * Names: bh_rhosts_* (the Redis side of bh_hosts).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "hosts.h"

/* KEYS: lease, epoch counter; ARGV: host, ttl. The epoch held, or 0. */
static const char bh_rhosts_lua_lease[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then\n"
    "  local sep = string.find(v, '|', 1, true)\n"
    "  if sep and string.sub(v, 1, sep - 1) == ARGV[1] then\n"
    "    redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "    return tonumber(string.sub(v, sep + 1))\n"
    "  end\n"
    "  return 0\n"
    "end\n"
    "local e = redis.call('INCR', KEYS[2])\n"
    "redis.call('SET', KEYS[1], ARGV[1] .. '|' .. e, 'PX', ARGV[2])\n"
    "return e\n";

/* KEYS: lease; ARGV: token. 1 if released. */
static const char bh_rhosts_lua_release[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* KEYS: hosts hash; ARGV: host, ttl. {index, count} among the live. */
static const char bh_rhosts_lua_beat[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))\n"
    "local all = redis.call('HGETALL', KEYS[1])\n"
    "local live = {}\n"
    "for i = 1, #all, 2 do\n"
    "  if tonumber(all[i + 1]) < now then redis.call('HDEL', KEYS[1], all[i])\n"
    "  else live[#live + 1] = all[i] end\n"
    "end\n"
    "table.sort(live)\n"
    "for i = 1, #live do if live[i] == ARGV[1] then return {i - 1, #live} end end\n"
    "return {0, #live}\n";

/* KEYS: parts; ARGV: wanted. The count stored. */
static const char bh_rhosts_lua_setup[] =
    "redis.call('SET', KEYS[1], ARGV[1], 'NX')\n"
    "return tonumber(redis.call('GET', KEYS[1]))\n";

int bh_rhosts_key(struct bh_redis_hosts *h, struct bh_redis_argv *a, const char *fmt, ...)
{
    char tail[BH_HOSTS_NAME_MAX + 32];
    size_t n = strlen(h->kbase);
    char *s;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    if ((s = malloc(n + strlen(tail) + 1))) {
        memcpy(s, h->kbase, n);
        strcpy(s + n, tail);
    }
    return bh_redis_argv_own(a, s, s ? strlen(s) : 0);
}

void bh_rhosts_token(const struct bh_redis_hosts *h, uint64_t epoch, char *buf, size_t len)
{
    snprintf(buf, len, "%s|%llu", h->host, (unsigned long long)epoch);
}

/* EVAL text nkeys a...: the script is sent whole each time (Redis keeps
 * its compiled form by its digest); one command, no second map of SHA1s
 * beside script.c's. */
int bh_rhosts_eval(struct bh_redis_hosts *h, const char *text, int idempotent, int nkeys,
                   struct bh_redis_argv *a, redisReply **out)
{
    struct bh_redis_argv e = {0};
    int rc;

    *out = NULL;
    bh_redis_argv_str(&e, "EVAL");
    bh_redis_argv_str(&e, text);
    bh_redis_argv_int(&e, nkeys);
    bh_redis_argv_append(&e, a);
    rc = bh_redis_cmd_run(h->r, idempotent, out, &e);
    bh_redis_argv_free(&e);
    if (rc == BH_OK && (*out)->type == REDIS_REPLY_ERROR) {
        rc = bh_redis_reply_fail(h->r, *out);
        freeReplyObject(*out);
        *out = NULL;
    }
    return rc;
}

int bh_rhosts_eval_int(struct bh_redis_hosts *h, const char *text, int idempotent, int nkeys,
                       struct bh_redis_argv *a, long long *out)
{
    redisReply *rep;
    int rc = bh_rhosts_eval(h, text, idempotent, nkeys, a, &rep);

    if (rc != BH_OK)
        return rc;
    rc = bh_redis_reply_int(rep, out);
    freeReplyObject(rep);
    return rc;
}

static int bh_rhosts_lease(bh_hosts *hh, const char *name, int64_t ttl_ms, uint64_t *epoch)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    long long e = 0;
    int rc;

    bh_rhosts_key(h, &a, "lease:%s", name);
    bh_rhosts_key(h, &a, "epoch:%s", name);
    bh_redis_argv_str(&a, h->host);
    bh_redis_argv_int(&a, (long long)ttl_ms);
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_lease, 0, 2, &a, &e);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (e <= 0)
        return 0;
    *epoch = (uint64_t)e;
    return 1;
}

static int bh_rhosts_release(bh_hosts *hh, const char *name, uint64_t epoch)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    char tok[BH_RHOSTS_TOKEN_MAX];
    long long n;
    int rc;

    bh_rhosts_token(h, epoch, tok, sizeof tok);
    bh_rhosts_key(h, &a, "lease:%s", name);
    bh_redis_argv_str(&a, tok);
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_release, 1, 1, &a, &n);
    bh_redis_argv_free(&a);
    return rc;
}

static int bh_rhosts_beat(bh_hosts *hh, int64_t ttl_ms, int *index, int *count)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    redisReply *rep;
    int rc;

    bh_rhosts_key(h, &a, "hosts");
    bh_redis_argv_str(&a, h->host);
    bh_redis_argv_int(&a, (long long)ttl_ms);
    rc = bh_rhosts_eval(h, bh_rhosts_lua_beat, 1, 1, &a, &rep);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[0]->type == REDIS_REPLY_INTEGER && rep->element[1]->type == REDIS_REPLY_INTEGER) {
        *index = (int)rep->element[0]->integer;
        *count = (int)rep->element[1]->integer;
    } else {
        rc = BH_EPROTO;
    }
    freeReplyObject(rep);
    return rc;
}

static int bh_rhosts_setup(bh_hosts *hh, int parts_wanted, int *parts)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    long long n = 0;
    int rc;

    bh_rhosts_key(h, &a, "parts");
    bh_redis_argv_int(&a, parts_wanted);
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_setup, 1, 1, &a, &n);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (n < 1 || n > BH_HOSTS_PARTS_MAX)
        return BH_EPROTO;
    *parts = (int)n;
    return bh_rhosts_groups(h, *parts);
}

static int bh_rhosts_offset(bh_hosts *hh, int64_t *offset)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    redisReply *rep;
    long long v;
    int rc;

    bh_redis_argv_str(&a, "GET");
    bh_rhosts_key(h, &a, "offset");
    rc = bh_redis_cmd_run(h->r, 1, &rep, &a);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_NIL)
        *offset = -1;
    else if ((rc = bh_redis_reply_int(rep, &v)) == BH_OK)
        *offset = v;
    else
        rc = bh_redis_reply_fail(h->r, rep);
    freeReplyObject(rep);
    return rc;
}

static void bh_rhosts_close(bh_hosts *hh)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);

    bh_store_close(h->st);
    free(h->kbase);
    free(h);
}

static int bh_rhosts_open(bh_hosts **out, const char *url, const char *bot, const char *host);

static const struct bh_hosts_ops bh_rhosts_ops = {
    .open = bh_rhosts_open,
    .close = bh_rhosts_close,
    .lease = bh_rhosts_lease,
    .release = bh_rhosts_release,
    .beat = bh_rhosts_beat,
    .setup = bh_rhosts_setup,
    .offset = bh_rhosts_offset,
    .put = bh_rhosts_put,
    .claim = bh_rhosts_claim,
    .read = bh_rhosts_read,
    .ack = bh_rhosts_ack,
    .crash = bh_rhosts_crash,
    .wait = bh_rhosts_wait,
    .wake = bh_rhosts_wake,
    .push = bh_rhosts_push,
    .note_get = bh_rhosts_note_get,
    .note_set = bh_rhosts_note_set,
};

/* The connection is a store handle of the same URL: its settings, its
 * reconnection and its error texts are the store's. */
static int bh_rhosts_open(bh_hosts **out, const char *url, const char *bot, const char *host)
{
    struct bh_redis_hosts *h = calloc(1, sizeof *h);
    int rc;

    if (!h)
        return BH_ENOMEM;
    h->base.ops = &bh_rhosts_ops;
    if ((rc = bh_store_open(&h->st, url, NULL)) != BH_OK) {
        free(h);
        return rc;
    }
    h->r = (struct bh_redis *)h->st;
    snprintf(h->host, sizeof h->host, "%s", host);
    size_t n = strlen(h->r->conf.prefix) + strlen(bot) + 8;
    if (!(h->kbase = malloc(n))) {
        bh_rhosts_close(&h->base);
        return BH_ENOMEM;
    }
    snprintf(h->kbase, n, "%s:h:{%s}:", h->r->conf.prefix, bot);
    *out = &h->base;
    return BH_OK;
}

__attribute__((constructor)) static void bh_rhosts_register(void)
{
    bh_hosts_register(BH_REDIS_SCHEME, &bh_rhosts_ops);
    /* The same coordination through a unix socket or the sentinels. */
    bh_hosts_register(BH_REDIS_UNIX_SCHEME, &bh_rhosts_ops);
    bh_hosts_register(BH_REDIS_SENTINEL_SCHEME, &bh_rhosts_ops);
}

/* KEYS: wake; ARGV: at (-1: only read). The time kept, or -1. A time
 * kept is replaced by an earlier one, or by any once it is past (the
 * looks it woke give the next one), on Redis's clock. */
static const char bh_rhosts_lua_wake[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')\n"
    "local at = tonumber(ARGV[1])\n"
    "if at >= 0 and (cur < 0 or cur <= now or at < cur) then\n"
    "  redis.call('SET', KEYS[1], ARGV[1])\n"
    "  cur = at\n"
    "end\n"
    "return cur\n";

int bh_rhosts_wake(bh_hosts *hh, int64_t at_ms, int64_t *next_ms)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    long long v = -1;
    int rc;

    bh_rhosts_key(h, &a, "wake");
    bh_redis_argv_int(&a, (long long)at_ms);
    /* Idempotent: a repeat keeps the earliest the same. */
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_wake, 1, 1, &a, &v);
    bh_redis_argv_free(&a);
    if (rc == BH_OK)
        *next_ms = v;
    return rc;
}
