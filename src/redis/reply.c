/*
 * Replies of the redis:// backend: an error reply mapped to an error code
 * (and recorded for bh_store_errmsg), integers read from either form
 * Redis gives them in, the {cursor, batch} of a scan step.
 */
#include <limits.h>
#include <string.h>

#include "redis.h"

int bh_redis_reply_fail(struct bh_redis *r, const redisReply *rep)
{
    if (rep->type != REDIS_REPLY_ERROR)
        return bh_store_fail(&r->base, BH_EPROTO, "redis: unexpected reply of type %d",
                             rep->type);
    if (!strncmp(rep->str, "OOM", 3))
        return bh_store_fail(&r->base, BH_ENOSPC, "redis: %s", rep->str);
    if (!strncmp(rep->str, "READONLY", 8))
        return bh_store_fail(&r->base, BH_EREADONLY, "redis %s: a replica now (failover?): %s",
                             r->where, rep->str);
    if (!strncmp(rep->str, "LOADING", 7) || !strncmp(rep->str, "MASTERDOWN", 10))
        return bh_store_fail(&r->base, BH_EBUSY, "redis %s: not serving yet: %s", r->where,
                             rep->str);
    if (!strncmp(rep->str, "NOAUTH", 6) || !strncmp(rep->str, "WRONGPASS", 9))
        return bh_store_fail(&r->base, BH_EINVAL, "redis %s: authentication failed (the URL's "
                             "user or password): %s", r->where, rep->str);
    return bh_store_fail(&r->base, BH_EPROTO, "redis: %s", rep->str);
}

int bh_redis_reply_failover(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_ERROR &&
           (!strncmp(rep->str, "READONLY", 8) || !strncmp(rep->str, "MASTERDOWN", 10) ||
            !strncmp(rep->str, "LOADING", 7));
}

int bh_redis_reply_int(const redisReply *rep, long long *out)
{
    if (rep->type == REDIS_REPLY_INTEGER) {
        *out = rep->integer;
        return BH_OK;
    }
    if (rep->type != REDIS_REPLY_STRING ||
        bh_redis_decimal(rep->str, rep->len, LLONG_MIN, LLONG_MAX, out) != BH_OK)
        return BH_EPROTO;
    return BH_OK;
}

int bh_redis_reply_scan(const redisReply *rep, int next_type, char *cursor, size_t len,
                        const redisReply **next)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        rep->element[0]->type != REDIS_REPLY_STRING || rep->element[0]->len >= len ||
        rep->element[1]->type != next_type)
        return BH_EPROTO;
    memcpy(cursor, rep->element[0]->str, rep->element[0]->len);
    cursor[rep->element[0]->len] = 0;
    *next = rep->element[1];
    return BH_OK;
}
