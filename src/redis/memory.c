/*
 * Memories of the redis:// backend: their handles, the names of their keys
 * in Redis (the layout in redis.h), and the registry of every memory id
 * (P:mems), for bh_store_memories and stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

/* Percent-escapes the characters that would make two ids share keys (':'),
 * end the cluster hash tag ('{', '}'), or act in a SCAN pattern. */
static char *escape_id(const char *id)
{
    static const char special[] = "%:{}*?[]\\";
    char *out = malloc(strlen(id) * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (strchr(special, *p) || *p < 0x20 || *p == 0x7f)
            o += sprintf(o, "%%%02X", *p);
        else
            *o++ = (char)*p;
    }
    *o = 0;
    return out;
}

char *bh_redis_key_name(bh_shared *m, const char *part, const char *name)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    size_t pl = strlen(part), nl = name ? strlen(name) : 0;
    char *s = malloc(ms->kbase_len + pl + nl + 1);

    if (!s)
        return NULL;
    memcpy(s, ms->kbase, ms->kbase_len);
    memcpy(s + ms->kbase_len, part, pl);
    if (nl)
        memcpy(s + ms->kbase_len + pl, name, nl);
    s[ms->kbase_len + pl + nl] = 0;
    return s;
}

/* Adds the name of the registry of memories, P:mems. */
static int registry_key(struct bh_redis *r, struct bh_redis_argv *a)
{
    char *s = NULL;
    int n = asprintf(&s, "%s:mems", r->conf.prefix);

    return n < 0 ? BH_ENOMEM : bh_redis_argv_own(a, s, (size_t)n);
}

static void handle_free(struct bh_redis_shared *ms)
{
    for (size_t i = 0; i < ms->nheld; i++)
        free(ms->held[i]);
    free(ms->held);
    free(ms->kbase);
    free(ms->base.id);
    free(ms);
}

/* A handle of memory id in r, with the base of its key names, P:m:{ID}:. */
static struct bh_redis_shared *handle_new(struct bh_redis *r, const char *id)
{
    struct bh_redis_shared *ms = calloc(1, sizeof *ms);
    char *esc = escape_id(id);
    int ok = ms && esc && (ms->base.id = strdup(id)) != NULL;

    if (ok && asprintf(&ms->kbase, "%s:m:{%s}:", r->conf.prefix, esc) < 0) {
        ms->kbase = NULL; /* asprintf leaves it undefined on failure */
        ok = 0;
    }
    free(esc);
    if (!ok) {
        if (ms)
            handle_free(ms);
        return NULL;
    }
    ms->kbase_len = strlen(ms->kbase);
    ms->base.st = &r->base;
    ms->st = r;
    return ms;
}

/* Adds id to the registry; read-only, checks that it is there instead
 * (BH_ENOTFOUND if not). */
static int registry_add(struct bh_redis *r, const char *id)
{
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_str(&a, r->base.readonly ? "SISMEMBER" : "SADD");
    if ((rc = registry_key(r, &a)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, id);
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_INTEGER)
        rc = bh_redis_reply_fail(r, rep);
    else if (r->base.readonly && rep->integer == 0)
        rc = BH_ENOTFOUND;
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

int bh_redis_memory_open(bh_store *st, const char *id, bh_shared **out)
{
    struct bh_redis *r = (struct bh_redis *)st;
    struct bh_redis_shared *ms = handle_new(r, id);
    int rc;

    if (!ms)
        return BH_ENOMEM;
    if ((rc = registry_add(r, id)) != BH_OK) {
        handle_free(ms);
        return rc;
    }
    *out = &ms->base;
    return BH_OK;
}

/* Locks still held through the handle are released: the handle is the
 * only record of them in this process. */
void bh_redis_memory_close(bh_shared *m)
{
    bh_redis_lock_release_all(m);
    handle_free(bh_redis_shared_of(m));
}

/* The strings of an array reply, malloc'd, into *list (NULL when empty);
 * *n counts those copied, also on failure. */
static int ids_copy(const redisReply *rep, char ***list, size_t *n)
{
    *list = NULL;
    *n = 0;
    if (rep->elements && !(*list = calloc(rep->elements, sizeof **list)))
        return BH_ENOMEM;
    for (size_t i = 0; i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_STRING)
            return BH_EPROTO;
        if (!((*list)[i] = strndup(e->str, e->len)))
            return BH_ENOMEM;
        *n = i + 1;
    }
    return BH_OK;
}

int bh_redis_memory_list(bh_store *st, char ***ids, size_t *n)
{
    struct bh_redis *r = (struct bh_redis *)st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    char **list = NULL;
    size_t k = 0;
    int rc;

    bh_redis_argv_str(&a, "SMEMBERS");
    if ((rc = registry_key(r, &a)) != BH_OK || (rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_ARRAY)
        rc = bh_redis_reply_fail(r, rep);
    else if ((rc = ids_copy(rep, &list, &k)) == BH_OK) {
        *ids = list;
        *n = k;
        list = NULL;
    }
out:
    bh_store_memories_free(list, k);
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}
