/*
 * Rate limits of the redis:// backend: each decision is one script
 * (script.c, BH_RS_RATE) on the server's clock (TIME), so that hosts whose
 * clocks disagree share one limit and one pause; the cells are bothive
 * integer keys of the memory, indexed and expiring like any other.
 * Neither script is sent again after a broken connection: a take that ran
 * twice would charge the cells twice.
 */
#include "redis.h"

/* The answers of BH_RS_RATE. */
enum { RATE_OK = 0, RATE_TYPE = 3, RATE_LATER = 7 };

/* KEYS idx, ttl, then the memory's key prefix. */
static void rate_keys(struct bh_redis_argv *a, bh_shared *m)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);

    bh_redis_argv_key(a, m, "idx", NULL);
    bh_redis_argv_key(a, m, "ttl", NULL);
    bh_redis_argv_add(a, ms->kbase, ms->kbase_len);
}

/* {code, wait_us} into *code and *wait_us. */
static int rate_reply(struct bh_redis *r, const redisReply *rep, long long *code,
                      int64_t *wait_us)
{
    long long w;

    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        bh_redis_reply_int(rep->element[0], code) != BH_OK ||
        bh_redis_reply_int(rep->element[1], &w) != BH_OK)
        return bh_store_fail(&r->base, BH_EPROTO, "redis: unexpected reply to a rate decision");
    *wait_us = w;
    return BH_OK;
}

int bh_redis_rate_take(bh_shared *m, const bh_rate_cell *cells, size_t n, const char *pause_key,
                       int64_t max_wait_us, int64_t *wait_us)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    long long code = RATE_OK;
    int rc;

    rate_keys(&a, m);
    bh_redis_argv_int(&a, max_wait_us);
    bh_redis_argv_str(&a, pause_key ? pause_key : "");
    bh_redis_argv_int(&a, (long long)n);
    for (size_t i = 0; i < n; i++) {
        bh_redis_argv_str(&a, cells[i].key);
        bh_redis_argv_int(&a, cells[i].interval_us);
        bh_redis_argv_int(&a, cells[i].burst);
    }
    if ((rc = bh_redis_script_eval(r, BH_RS_RATE, 0, &rep, 2, &a)) == BH_OK &&
        (rc = rate_reply(r, rep, &code, wait_us)) == BH_OK)
        rc = code == RATE_OK ? BH_OK : code == RATE_LATER ? BH_ETIMEDOUT
           : code == RATE_TYPE ? BH_ETYPE : BH_EPROTO;
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* A pause repeated gives the same end or a later one: it may be sent again. */
int bh_redis_rate_pause(bh_shared *m, const char *pause_key, int64_t pause_us)
{
    struct bh_redis_argv a = {0};
    long long code;
    int rc;

    rate_keys(&a, m);
    bh_redis_argv_str(&a, pause_key);
    bh_redis_argv_int(&a, pause_us);
    rc = bh_redis_script_eval_int(bh_redis_shared_of(m)->st, BH_RS_RATE_PAUSE, 1, 2, &a, &code);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    return code == RATE_OK ? BH_OK : code == RATE_TYPE ? BH_ETYPE : BH_EPROTO;
}
