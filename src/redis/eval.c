/*
 * Running the scripts of the redis:// backend (their text is in script.c).
 * Each is sent by EVALSHA; a handle loads a script (SCRIPT LOAD) the first
 * time it runs it, and again when the server forgot it (restarted, SCRIPT
 * FLUSH).
 */
#include <stdio.h>
#include <string.h>

#include "bothive/log.h"
#include "redis.h"

/* SCRIPT LOAD, keeping the script's SHA1 in the handle. */
static int load(struct bh_redis *r, enum bh_rscript s)
{
    struct bh_redis_argv a = {0};
    redisReply *rep;
    int rc;

    bh_redis_argv_str(&a, "SCRIPT");
    bh_redis_argv_str(&a, "LOAD");
    bh_redis_argv_str(&a, bh_redis_script_text(s));
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_STRING && rep->len == 40) {
        memcpy(r->sha[s], rep->str, 41);
        rc = BH_OK;
    } else {
        rc = bh_redis_reply_fail(r, rep);
        bh_log(BH_LOG_ERROR, "store: cannot load script %d: %s", (int)s, r->base.errmsg);
    }
    freeReplyObject(rep);
    return rc;
}

/* e = EVALSHA sha nkeys, then a's strings (borrowed, not copied); past
 * the bound, e carries BH_ETOOBIG and is not sent. */
static void evalsha_argv(struct bh_redis_argv *e, const char *sha, const char *nkeys,
                         const struct bh_redis_argv *a)
{
    bh_redis_argv_free(e); /* owns nothing: only emptied */
    bh_redis_argv_str(e, "EVALSHA");
    bh_redis_argv_add(e, sha, 40);
    bh_redis_argv_str(e, nkeys);
    bh_redis_argv_append(e, a);
}

/* Whether rep says that the server does not know the script. */
static int forgotten(const redisReply *rep)
{
    return rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8);
}

/* An error reply in *out is freed and mapped to its code; any other reply
 * stays there for the caller. */
static int keep_unless_error(struct bh_redis *r, redisReply **out)
{
    int rc;

    if ((*out)->type != REDIS_REPLY_ERROR)
        return BH_OK;
    rc = bh_redis_reply_fail(r, *out);
    freeReplyObject(*out);
    *out = NULL;
    return rc;
}

int bh_redis_script_eval(struct bh_redis *r, enum bh_rscript s, int idempotent,
                         redisReply **out, int nkeys, struct bh_redis_argv *a)
{
    struct bh_redis_argv e = {0};
    char nk[16];
    int rc;

    *out = NULL;
    if ((rc = bh_redis_cmd_check(r, a)) != BH_OK)
        return rc;
    if (nkeys < 0 || nkeys > a->n)
        return bh_store_fail(&r->base, BH_EINVAL, "redis: script %d given %d keys of %d strings",
                             (int)s, nkeys, a->n);
    snprintf(nk, sizeof nk, "%d", nkeys);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!r->sha[s][0] && (rc = load(r, s)) != BH_OK)
            return rc;
        evalsha_argv(&e, r->sha[s], nk, a);
        if ((rc = bh_redis_cmd_run(r, idempotent, out, &e)) != BH_OK)
            return rc;
        if (!forgotten(*out))
            return keep_unless_error(r, out);
        freeReplyObject(*out);
        *out = NULL;
        r->sha[s][0] = 0;
    }
    return bh_store_fail(&r->base, BH_EPROTO, "redis: script %d keeps being forgotten", (int)s);
}

int bh_redis_script_eval_int(struct bh_redis *r, enum bh_rscript s, int idempotent, int nkeys,
                             struct bh_redis_argv *a, long long *out)
{
    redisReply *rep;
    int rc;

    if ((rc = bh_redis_script_eval(r, s, idempotent, &rep, nkeys, a)) != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER)
        *out = rep->integer;
    else
        rc = BH_EPROTO;
    freeReplyObject(rep);
    return rc;
}
