/*
 * Argument vectors of the redis:// backend: the strings of one command,
 * each with its length (binary-safe), some of them owned by the vector
 * and freed with it.
 *
 * A vector holds at most BH_REDIS_ARGV_MAX strings. Every add checks; the
 * first that fails (BH_ETOOBIG past the bound, BH_ENOMEM) is kept in the
 * vector, later adds do nothing, and bh_redis_cmd_run refuses to send it:
 * a command is sent whole or not at all, and a caller may build it without
 * checking each add.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

/* Keeps rc as the vector's failure, unless it has one already; returns it. */
static int record(struct bh_redis_argv *a, int rc)
{
    if (a->err == BH_OK)
        a->err = rc;
    return a->err;
}

int bh_redis_argv_add(struct bh_redis_argv *a, const char *s, size_t len)
{
    if (a->err != BH_OK)
        return a->err;
    if (a->n < 0 || a->n >= BH_REDIS_ARGV_MAX)
        return record(a, BH_ETOOBIG);
    a->v[a->n] = s;
    a->len[a->n] = len;
    a->n++;
    return BH_OK;
}

int bh_redis_argv_str(struct bh_redis_argv *a, const char *s)
{
    return bh_redis_argv_add(a, s, strlen(s));
}

/* s is freed here when it cannot be added, so the caller never owns it
 * after the call. */
int bh_redis_argv_own(struct bh_redis_argv *a, char *s, size_t len)
{
    int rc;

    if (!s)
        return record(a, BH_ENOMEM);
    if ((rc = bh_redis_argv_add(a, s, len)) != BH_OK) {
        free(s);
        return rc;
    }
    a->owned[a->nowned++] = s; /* nowned <= n: within the bound */
    return BH_OK;
}

int bh_redis_argv_int(struct bh_redis_argv *a, long long v)
{
    char *s = NULL;
    int n = asprintf(&s, "%lld", v);

    return n < 0 ? record(a, BH_ENOMEM) : bh_redis_argv_own(a, s, (size_t)n);
}

int bh_redis_argv_key(struct bh_redis_argv *a, bh_shared *m, const char *part, const char *name)
{
    char *s = bh_redis_key_name(m, part, name);

    return bh_redis_argv_own(a, s, s ? strlen(s) : 0);
}

int bh_redis_argv_append(struct bh_redis_argv *a, const struct bh_redis_argv *from)
{
    int rc = BH_OK;

    if (from->err != BH_OK)
        return record(a, from->err);
    for (int i = 0; i < from->n && rc == BH_OK; i++)
        rc = bh_redis_argv_add(a, from->v[i], from->len[i]);
    return rc;
}

void bh_redis_argv_free(struct bh_redis_argv *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    a->nowned = a->n = 0;
    a->err = BH_OK;
}
