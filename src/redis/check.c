/*
 * bh_store_check for the redis:// backend: the data model's invariants,
 * memory by memory. Every indexed key exists as a hash holding a valid type
 * tag and a value (or has expired), and every key hash is indexed. Redis
 * itself is not checked (it has its own tools). The walk uses SSCAN and
 * SCAN, so it never stalls the server; writers may go on meanwhile, since
 * every write keeps both sides in step in one script.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

/* Key hash names checked by one script: the script also takes the index
 * and the base, and EVALSHA its own three strings. */
#define CHECK_BATCH 50
_Static_assert(BH_REDIS_EVAL_ARGS + 2 + CHECK_BATCH <= BH_REDIS_ARGV_MAX,
               "a batch of key names fits in one command");

/* The SCAN pattern for a memory's key hashes: the base with glob
 * characters escaped (the prefix is the user's), then "k:*". */
static char *key_pattern(const struct bh_redis_shared *ms)
{
    char *p = malloc(ms->kbase_len * 2 + 4), *o = p;

    if (!p)
        return NULL;
    for (size_t i = 0; i < ms->kbase_len; i++) {
        if (strchr("*?[]\\", ms->kbase[i]))
            *o++ = '\\';
        *o++ = ms->kbase[i];
    }
    strcpy(o, "k:*");
    return p;
}

/* One step of the index walk (CHECK_IDX), from cursor, which moves on. */
static int check_index_step(bh_shared *m, char *cursor, size_t len)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    const redisReply *problem;
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_key(&a, m, "idx", NULL);
    bh_redis_argv_key(&a, m, "ttl", NULL);
    bh_redis_argv_str(&a, cursor);
    bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
    if ((rc = bh_redis_script_eval(ms->st, BH_RS_CHECK_IDX, 1, &rep, 2, &a)) == BH_OK &&
        (rc = bh_redis_reply_scan(rep, REDIS_REPLY_STRING, cursor, len, &problem)) == BH_OK &&
        problem->len)
        rc = bh_store_fail(&ms->st->base, BH_ECORRUPT, "memory %s: %s", m->id, problem->str);
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Indexed keys: each exists and holds a bothive value. */
static int check_index(bh_shared *m)
{
    char cursor[32] = "0";
    int rc;

    do
        rc = check_index_step(m, cursor, sizeof cursor);
    while (rc == BH_OK && strcmp(cursor, "0"));
    return rc;
}

/* Checks up to CHECK_BATCH key hash names of one SCAN step against the index. */
static int check_batch(bh_shared *m, const redisReply *keys, size_t from, size_t n)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_key(&a, m, "idx", NULL);
    bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
    for (size_t i = from; i < from + n; i++)
        bh_redis_argv_add(&a, keys->element[i]->str, keys->element[i]->len);
    if ((rc = bh_redis_script_eval(ms->st, BH_RS_CHECK_KEYS, 1, &rep, 1, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_STRING)
        rc = BH_EPROTO;
    else if (rep->len)
        rc = bh_store_fail(&ms->st->base, BH_ECORRUPT, "memory %s: %s", m->id, rep->str);
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* One SCAN step over the key hashes matching pattern, from cursor, which
 * moves on; the names it gives are checked in batches. */
static int check_keys_step(bh_shared *m, const char *pattern, char *cursor, size_t len)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    const redisReply *keys;
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_str(&a, "SCAN");
    bh_redis_argv_str(&a, cursor);
    bh_redis_argv_str(&a, "MATCH");
    bh_redis_argv_str(&a, pattern);
    bh_redis_argv_str(&a, "COUNT");
    bh_redis_argv_str(&a, "1000");
    if ((rc = bh_redis_cmd_run(ms->st, 1, &rep, &a)) == BH_OK &&
        (rc = bh_redis_reply_scan(rep, REDIS_REPLY_ARRAY, cursor, len, &keys)) == BH_OK)
        for (size_t i = 0; i < keys->elements && rc == BH_OK; i += CHECK_BATCH) {
            size_t left = keys->elements - i;
            rc = check_batch(m, keys, i, left < CHECK_BATCH ? left : CHECK_BATCH);
        }
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Key hashes: each is indexed. */
static int check_keys(bh_shared *m)
{
    char cursor[32] = "0", *pattern = key_pattern(bh_redis_shared_of(m));
    int rc = pattern ? BH_OK : BH_ENOMEM;

    while (rc == BH_OK) {
        rc = check_keys_step(m, pattern, cursor, sizeof cursor);
        if (!strcmp(cursor, "0"))
            break;
    }
    free(pattern);
    return rc;
}

/* Checks every memory of the registry: its index against its key hashes,
 * both ways; BH_ECORRUPT with the first problem in the errmsg. */
int bh_redis_store_check(bh_store *st)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = bh_store_memories(st, &ids, &n);

    for (size_t i = 0; i < n && rc == BH_OK; i++) {
        bh_shared *m;
        size_t len;
        if ((rc = bh_shared_open(st, ids[i], &m)) != BH_OK)
            break;
        /* len drops expired keys from the index first */
        if ((rc = bh_redis_keys_len(m, &len)) == BH_OK && (rc = check_index(m)) == BH_OK)
            rc = check_keys(m);
        bh_shared_close(m);
    }
    bh_store_memories_free(ids, n);
    return rc;
}
